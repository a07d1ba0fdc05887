"""Cases for CTC (``tf.nn.ctc_loss``, the greedy and beam-search decoders, and
``tf.keras.backend.ctc_batch_cost``/``ctc_decode``), part of ``api_cases.CASES``."""
from __future__ import annotations

import numpy as np

_R = np.random.default_rng(7)
LOGITS = _R.normal(size=(7, 3, 5))                  # time, batch, classes
LABELS = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [3, 3, 3, 2]])
LABEL_LEN = np.array([3, 2, 4])
LOGIT_LEN = np.array([7, 5, 7])
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)


def _loss_and_grad(tf, blank_index=None, time_major=True, dtype=np.float32):
    # float32: TF 2.21's ctc_loss fails on float64 logits (gradtape's float64 path is checked
    # against finite differences in tests/op_db_ctc.py)
    x = tf.constant((LOGITS if time_major else LOGITS.transpose(1, 0, 2)).astype(dtype))
    labels = LABELS if blank_index == -1 or blank_index is None else LABELS + 1
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss(tf.constant(labels, tf.int32), x, tf.constant(LABEL_LEN, tf.int32),
                              tf.constant(LOGIT_LEN, tf.int32), logits_time_major=time_major,
                              blank_index=blank_index)
        total = tf.reduce_sum(loss * tf.constant([1.0, 2.0, 0.5], dtype))
    return [loss, tape.gradient(total, x)]


def _sparse_labels(tf):
    sp = tf.sparse.from_dense(tf.constant([[1, 2, 0], [3, 0, 0]], tf.int32))
    return tf.nn.ctc_loss(sp, tf.constant(LOGITS[:, :2].astype(np.float32)), None, tf.constant([7, 6], tf.int32),
                          blank_index=-1)


def _greedy(tf):
    decoded, neg = tf.nn.ctc_greedy_decoder(tf.constant(LOGITS.astype(np.float32)), tf.constant(LOGIT_LEN, tf.int32))
    return [tf.sparse.to_dense(decoded[0], default_value=-1), neg]


def _beam(tf, width, top):
    decoded, logp = tf.nn.ctc_beam_search_decoder(tf.constant(LOGITS.astype(np.float32)),
                                                  tf.constant(LOGIT_LEN, tf.int32), beam_width=width, top_paths=top)
    return [tf.sparse.to_dense(d, default_value=-1) for d in decoded] + [logp]


def _keras_cost(tf):
    y_pred = tf.constant(PROBS.transpose(1, 0, 2).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        cost = tf.keras.backend.ctc_batch_cost(tf.constant(LABELS), y_pred, tf.constant(LOGIT_LEN[:, None]),
                                               tf.constant(LABEL_LEN[:, None]))
    return [cost, tape.gradient(tf.reduce_sum(cost), y_pred)]


def _keras_decode(tf, greedy):
    out, logp = tf.keras.backend.ctc_decode(tf.constant(PROBS.transpose(1, 0, 2).astype(np.float32)),
                                            tf.constant(LOGIT_LEN), greedy=greedy, beam_width=8, top_paths=2 if not greedy else 1)
    return list(out) + [logp]


CTC_CASES = {
    "ctc_loss_blank_last": lambda tf: _loss_and_grad(tf, blank_index=-1),
    "ctc_loss_blank_zero": lambda tf: _loss_and_grad(tf, blank_index=0),
    "ctc_loss_batch_major": lambda tf: _loss_and_grad(tf, blank_index=-1, time_major=False),
    "ctc_loss_sparse_labels": _sparse_labels,
    # (no alignment: gradtape gives inf = -log 0, TF 2.21 a large finite number, 709.7 -- a
    # deliberate difference, tested in tests/test_ctc.py)
    "ctc_greedy_decoder": _greedy,
    "ctc_beam_search_w1": lambda tf: _beam(tf, 1, 1),
    "ctc_beam_search_w4_top2": lambda tf: _beam(tf, 4, 2),
    "ctc_beam_search_w20_top3": lambda tf: _beam(tf, 20, 3),
    "ctc_keras_batch_cost": _keras_cost,
    "ctc_keras_batch_cost_blank_label": lambda tf: tf.keras.backend.ctc_batch_cost(
        tf.constant([[4, 1]]), tf.constant(PROBS[:, :1].transpose(1, 0, 2).astype(np.float32)),
        tf.constant([[7]]), tf.constant([[2]])),
    "ctc_keras_decode_greedy": lambda tf: _keras_decode(tf, True),
    "ctc_keras_decode_beam": lambda tf: _keras_decode(tf, False),
}
