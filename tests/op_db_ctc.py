"""Op-database entry for ``tf.nn.ctc_loss`` (the fused forward-backward op, float64 here, checked
against a brute-force sum over every alignment and against finite differences). Like TF's, it
has no second derivative."""
from __future__ import annotations

import itertools

import numpy as np

import gradtape as tf
from op_db import OpInfo, Sample, _u

LABELS = np.array([[1, 2], [2, 2]])
LABEL_LEN = np.array([2, 2])
LOGIT_LEN = np.array([4, 5])


def _brute(logits, labels=LABELS, label_len=LABEL_LEN, logit_len=LOGIT_LEN, blank=0):
    """-log of the summed probability of every path that collapses to the label (small T only)."""
    T, B, K = logits.shape
    out = []
    for b in range(B):
        x = logits[:logit_len[b], b]
        logp = x - np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)) - x.max(-1, keepdims=True)
        target = list(labels[b, :label_len[b]])
        total = 0.0
        for path in itertools.product(range(K), repeat=len(x)):
            seq, prev = [], None
            for k in path:
                if k != blank and k != prev:
                    seq.append(k)
                prev = k
            if seq == target:
                total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
        out.append(-np.log(total))
    return np.array(out)


OPS = [
    OpInfo("ctc_loss", lambda x: tf.nn.ctc_loss(LABELS, x, LABEL_LEN, LOGIT_LEN, blank_index=0), _brute,
           lambda rng: [Sample((_u(rng, (5, 2, 3), -1, 1),))], covers=("ctc_loss", "ctc_loss_gradient"),
           second_order=False, dtypes=(np.float64,), rtol=1e-6),
]
