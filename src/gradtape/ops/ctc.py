"""Connectionist temporal classification: ``tf.nn.ctc_loss`` and the greedy and beam-search
decoders.

The loss is one registered op computing, per example, ``-log p(labels | logits)`` by the
forward-backward recursion in log space (labels extended with blanks, repeats kept apart by a
blank), and its gradient with respect to the logits, ``softmax(logits) - occupancy / p``, at
the same time. The rule hands that gradient back scaled by the upstream; like TF's fused kernel,
it cannot be differentiated again (a second-order gradient raises LookupError, as TF).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._array import arange, as_array, full, to_host, with_kind, zeros
from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from ..registry import Op
from ..tensor import Tensor

_NEG_INF = -np.inf


def _logsumexp2(a: Any, b: Any) -> Any:
    m = np.maximum(a, b)
    fin = np.isfinite(m)
    safe = np.where(fin, m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = safe + np.log(np.exp(a - safe) + np.exp(b - safe))
    return np.where(fin, out, m)


def _ctc_forward(logits, labels, label_length, logit_length, blank):
    """logits [T, B, K] (time major); labels [B, maxL] dense; lengths [B]. Every example at once, on
    the logits' kind of array: the forward and backward recursions run over the (B, S) lattice of
    the labels extended with blanks (S = 2 maxL + 1), each example's lattice and time steps masked
    to its own lengths."""
    x = as_array(logits)
    dt = x.dtype
    x = x.astype(np.float64)
    T, B, K = x.shape
    lab = as_array(with_kind(x, labels)).astype(np.int64).reshape(B, -1)
    lab_len = as_array(with_kind(x, label_length)).astype(np.int64).reshape(B)
    steps = as_array(with_kind(x, logit_length)).astype(np.int64).reshape(B)
    L = lab.shape[1]
    S = 2 * L + 1
    shifted = x - x.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    # extended labels: blank, l1, blank, l2, ..., blank (padding: blanks outside the lattice)
    lab = np.where(arange(L, ref=x)[None, :] < lab_len[:, None], lab, blank)
    ext = full((B, S), blank, np.int64, x)
    ext[:, 1::2] = lab
    s_len = 2 * lab_len + 1
    s_idx = arange(S, ref=x)[None, :]
    in_lattice = s_idx < s_len[:, None]
    # transitions s-2 -> s allowed where ext[s] is a label different from ext[s-2]
    skip = zeros((B, S), np.bool_, x)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    skip_back = zeros((B, S), np.bool_, x)          # s -> s+2 allowed where skip[s+2]
    skip_back[:, :-2] = skip[:, 2:]
    em = np.take_along_axis(logp, np.broadcast_to(ext[None], (T, B, S)), axis=2)
    em = np.where(in_lattice[None], em, _NEG_INF)   # log p of each lattice node's class per step
    alpha = full((T, B, S), _NEG_INF, np.float64, x)
    beta = full((T, B, S), _NEG_INF, np.float64, x)
    two = full((B, S), _NEG_INF, np.float64, x)
    with np.errstate(over="ignore", invalid="ignore"):
        alpha[0, :, :2] = em[0, :, :2]
        for t in range(1, T):
            prev = alpha[t - 1]
            a = prev.copy()
            a[:, 1:] = _logsumexp2(prev[:, 1:], prev[:, :-1])
            two[:, 2:] = prev[:, :-2]
            a = np.where(skip, _logsumexp2(a, two), a)
            alpha[t] = a + em[t]
        # beta starts at each example's last step in its last two lattice nodes
        is_end = (s_idx == s_len[:, None] - 1) | ((s_idx == s_len[:, None] - 2) & (s_len[:, None] > 1))
        two[...] = _NEG_INF
        for t in range(T - 1, -1, -1):
            start = np.where(is_end, em[t], _NEG_INF)
            if t < T - 1:
                nxt = beta[t + 1]
                b = nxt.copy()
                b[:, :-1] = _logsumexp2(nxt[:, :-1], nxt[:, 1:])
                two[:, :-2] = nxt[:, 2:]
                b = np.where(skip_back, _logsumexp2(b, two), b)
                b = np.where((steps > t + 1)[:, None], b + em[t], _NEG_INF)
                start = np.where((steps == t + 1)[:, None], start, b)
            else:
                start = np.where((steps == t + 1)[:, None], start, _NEG_INF)
            beta[t] = start
        # log p(labels): alpha at the example's last step, in its last two lattice nodes
        last = alpha[np.maximum(steps - 1, 0), arange(B, ref=x)]
        end1 = np.take_along_axis(last, (s_len - 1)[:, None], axis=1)[:, 0]
        end2 = np.take_along_axis(last, np.maximum(s_len - 2, 0)[:, None], axis=1)[:, 0]
        log_p = _logsumexp2(end1, np.where(s_len > 1, end2, _NEG_INF))
        log_p = np.where(steps == 0, np.where(lab_len == 0, 0.0, _NEG_INF), log_p)
        ok = np.isfinite(log_p)
        loss = np.where(ok, 0.0 - log_p, np.inf)
        # occupancy of each class: the posterior of the lattice nodes (alpha beta counts the node's
        # emission twice), summed over the nodes of that class -- one lattice position at a time
        # (its (example, class) pairs are distinct), so no (batch, lattice, classes) table is built
        post = np.exp(alpha + beta - np.where(in_lattice[None], em, 0.0) - np.where(ok, log_p, 0.0)[None, :, None])
        occ = zeros((T, B, K), np.float64, x)
        rows = arange(B, ref=x)
        for s in range(S):
            occ[:, rows, ext[:, s]] += post[:, :, s]
        grad = np.exp(logp) - occ
    live = (arange(T, ref=x)[:, None] < steps[None, :]) & ok[None, :]
    grad = np.where(live[:, :, None], grad, 0.0)
    return loss.astype(dt), grad.astype(dt)


def _ctc_vjp(g, ans, logits, labels, label_length, logit_length, blank):
    from .math import multiply
    from .shape import expand_dims
    g_loss = g[0]
    if g_loss is None:
        return None
    return _no_second_order(multiply(expand_dims(expand_dims(g_loss, 0), -1), ans[1]))


def _ctc_jvp(tangents, ans, logits, labels, label_length, logit_length, blank):
    """Forward mode: the loss moves by <d loss / d logits, tangent> per example; the gradient
    output has no tangent (no second derivative)."""
    from .reduction import reduce_sum
    from .math import multiply
    t = tangents[0]
    if t is None:
        return (None, None)
    return (reduce_sum(multiply(_no_second_order(ans[1]), t), axis=[0, 2]), None)


CTC_LOSS = Op("ctc_loss", _ctc_forward, vjp=(_ctc_vjp, None, None, None), jvp=_ctc_jvp, num_outputs=2, kinds="f",
              doc="CTC negative log-likelihood per example and its gradient w.r.t. the logits "
                  "(forward-backward in log space).")


def _raise_second_order(g, ans, x):
    raise LookupError("ctc_loss: there is no second derivative of ctc_loss (TF's fused "
                      "implementation has none either).")


NO_SECOND_ORDER = Op("ctc_loss_gradient", lambda x: x, vjp=_raise_second_order, kinds="f",
                     doc="Identity on the CTC gradient; differentiating it raises LookupError.")


def _no_second_order(t: Tensor) -> Tensor:
    return apply(NO_SECOND_ORDER, (t,))


def _dense_labels(labels: Any, label_length: Any, batch: int) -> tuple:
    from ..sparse import SparseTensor
    if isinstance(labels, SparseTensor):
        idx = to_host(labels.indices._value)
        vals = to_host(labels.values._value)
        shape = to_host(labels.dense_shape._value)
        dense = np.zeros((int(shape[0]), int(shape[1])), dtype=np.int64)
        lengths = np.zeros(int(shape[0]), dtype=np.int64)
        for (r, c), v in zip(idx.tolist(), vals.tolist()):
            dense[r, c] = v
            lengths[r] = max(lengths[r], c + 1)
        return dense, lengths
    dense = to_host(getattr(labels, "_value", labels)).astype(np.int64)
    if dense.ndim != 2:
        raise InvalidArgumentError(f"ctc_loss: labels must be [batch, max_label_length] (or a "
                                   f"SparseTensor), got shape {list(dense.shape)}.")
    if label_length is None:
        raise ValueError("ctc_loss: label_length is required with dense labels.")
    lengths = to_host(getattr(label_length, "_value", label_length)).astype(np.int64).reshape(-1)
    return dense, lengths


def ctc_loss(labels: Any, logits: Any, label_length: Any, logit_length: Any,
             logits_time_major: bool = True, unique: Any = None, blank_index: Optional[int] = None,
             name: Optional[str] = None) -> Tensor:
    """Per-example CTC loss ``-log p(labels | logits)`` (``tf.nn.ctc_loss``).

    ``logits`` are unnormalised, ``[time, batch, classes]`` (or batch major with
    ``logits_time_major=False``); ``labels`` dense ``[batch, max_len]`` with ``label_length``, or a
    SparseTensor; ``logit_length`` per example; ``blank_index`` defaults to 0 (negative counts
    from the end: -1 is the last class). Impossible alignments give ``inf``."""
    x = convert_to_tensor(logits)
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(f"ctc_loss: logits must be float32 or float64, got {x.dtype.name}.")
    if x._value.ndim != 3:
        raise InvalidArgumentError(f"ctc_loss: logits must have rank 3, got shape {list(np.shape(x._value))}.")
    if not logits_time_major:
        from .shape import transpose
        x = transpose(x, [1, 0, 2])
    T, B, K = np.shape(x._value)
    dense, lengths = _dense_labels(labels, label_length, B)
    steps = to_host(getattr(logit_length, "_value", logit_length)).astype(np.int64).reshape(-1)
    if dense.shape[0] != B or lengths.size != B or steps.size != B:
        raise InvalidArgumentError(f"ctc_loss: batch sizes differ: logits {B}, labels {dense.shape[0]}, "
                                   f"label_length {lengths.size}, logit_length {steps.size}.")
    if (steps > T).any() or (steps < 0).any():
        raise InvalidArgumentError(f"ctc_loss: logit_length {steps.tolist()} must be within [0, {T}].")
    blank = 0 if blank_index is None else int(blank_index)
    if blank < 0:
        blank += K
    if not 0 <= blank < K:
        raise InvalidArgumentError(f"ctc_loss: blank_index {blank_index} out of range for {K} classes.")
    for b in range(B):
        lab = dense[b, :lengths[b]]
        if lab.size and ((lab < 0).any() or (lab >= K).any() or (lab == blank).any()):
            raise InvalidArgumentError(f"ctc_loss: labels of example {b} must be class ids in [0, {K}) "
                                       f"other than the blank {blank}, got {lab.tolist()}.")
    loss, _ = apply(CTC_LOSS, (x, dense, lengths, steps), {"blank": blank})
    return loss


def _collapse(path: list, blank: int, merge_repeated: bool = True) -> list:
    out, prev = [], None
    for k in path:
        if k != blank and (not merge_repeated or k != prev):
            out.append(k)
        prev = k
    return out


def ctc_greedy_decoder(inputs: Any, sequence_length: Any, merge_repeated: bool = True,
                       blank_index: Optional[int] = None) -> tuple:
    """Best path decoding (``tf.nn.ctc_greedy_decoder``): the most likely class per step, repeats
    merged, blanks (default: the last class) removed. ``inputs`` are ``[time, batch, classes]``
    logits. Returns ``([SparseTensor], neg_sum_logits [batch, 1])``."""
    from ..sparse import SparseTensor
    x = to_host(convert_to_tensor(inputs)._value)
    T, B, K = x.shape
    blank = K - 1 if blank_index is None else (int(blank_index) + K if blank_index < 0 else int(blank_index))
    steps = to_host(getattr(sequence_length, "_value", sequence_length)).astype(np.int64).reshape(-1)
    indices, values, neg = [], [], np.zeros((B, 1), dtype=x.dtype)
    width = 0
    for b in range(B):
        path = x[:steps[b], b].argmax(-1).tolist()
        neg[b, 0] = -x[np.arange(steps[b]), b, path].sum() if steps[b] else 0.0
        seq = _collapse(path, blank, merge_repeated)
        width = max(width, len(seq))
        for i, k in enumerate(seq):
            indices.append([b, i])
            values.append(k)
    sp = SparseTensor(np.asarray(indices, dtype=np.int64).reshape(-1, 2), np.asarray(values, dtype=np.int64),
                      np.asarray([B, width], dtype=np.int64))
    return [sp], convert_to_tensor(neg)


def ctc_beam_search_decoder(inputs: Any, sequence_length: Any, beam_width: int = 100, top_paths: int = 1,
                            merge_repeated: bool = False) -> tuple:
    """Prefix beam search over label sequences (``tf.nn.ctc_beam_search_decoder``), blank = the last
    class; ``inputs`` are ``[time, batch, classes]`` logits (log-softmax applied per step). Returns
    ``([SparseTensor] * top_paths, log_probabilities [batch, top_paths])``. ``merge_repeated``
    (``tf.compat.v1``'s default, used by ``keras.backend.ctc_decode``) also merges repeated labels
    of each decoded sequence; the probabilities are those of the unmerged beams, as TF."""
    from ..sparse import SparseTensor
    x = to_host(convert_to_tensor(inputs)._value).astype(np.float64)
    T, B, K = x.shape
    if top_paths > beam_width:
        raise InvalidArgumentError(f"ctc_beam_search_decoder: top_paths ({top_paths}) must be <= "
                                   f"beam_width ({beam_width}).")
    blank = K - 1
    steps = to_host(getattr(sequence_length, "_value", sequence_length)).astype(np.int64).reshape(-1)
    shifted = x - x.max(-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    results = [[] for _ in range(top_paths)]
    logprobs = np.full((B, top_paths), -np.inf)
    for b in range(B):
        beams = {(): (0.0, -np.inf)}          # prefix -> (log p ending in blank, log p ending in label)
        for t in range(steps[b]):
            lp = logp[t, b]
            nxt: dict = {}

            def add(prefix, pb, pnb):
                ob, onb = nxt.get(prefix, (-np.inf, -np.inf))
                nxt[prefix] = (np.logaddexp(ob, pb), np.logaddexp(onb, pnb))

            for prefix, (pb, pnb) in beams.items():
                total = np.logaddexp(pb, pnb)
                add(prefix, total + lp[blank], -np.inf)
                for k in range(K):
                    if k == blank:
                        continue
                    if prefix and prefix[-1] == k:
                        add(prefix, -np.inf, pnb + lp[k])            # repeat without blank: same prefix
                        add(prefix + (k,), -np.inf, pb + lp[k])      # repeat after a blank: new label
                    else:
                        add(prefix + (k,), -np.inf, total + lp[k])
            ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
            beams = dict(ranked[:beam_width])
        ranked = sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        for p in range(top_paths):
            if p < len(ranked):
                seq = list(ranked[p][0])
                if merge_repeated:
                    seq = [k for i, k in enumerate(seq) if i == 0 or k != seq[i - 1]]
                results[p].append(seq)
                logprobs[b, p] = np.logaddexp(*ranked[p][1])
            else:
                results[p].append([])
    decoded = []
    for p in range(top_paths):
        idx = [[b, i] for b, seq in enumerate(results[p]) for i in range(len(seq))]
        vals = [k for seq in results[p] for k in seq]
        width = max((len(s) for s in results[p]), default=0)
        decoded.append(SparseTensor(np.asarray(idx, dtype=np.int64).reshape(-1, 2), np.asarray(vals, dtype=np.int64),
                                    np.asarray([B, width], dtype=np.int64)))
    return decoded, convert_to_tensor(logprobs.astype(convert_to_tensor(inputs)._value.dtype))


__all__ = ["ctc_loss", "ctc_greedy_decoder", "ctc_beam_search_decoder", "CTC_LOSS"]
