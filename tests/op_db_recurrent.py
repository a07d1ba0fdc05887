"""Op-database entries for the whole-sequence recurrent ops (``gradtape/ops/recurrent.py``).

References: a plain NumPy loop over time steps written from Keras's formulas (gates i, f, c, o for
the LSTM; z, r, h for the GRU, both ``reset_after`` variants; a masked step keeps the states). The
backward ops are checked against the vector-Jacobian product of that reference computed by the
complex step (exact to rounding), with their cache inputs produced by the forward op.
"""
from __future__ import annotations

import numpy as np

from gradtape.dispatch import apply, convert_to_tensor
from gradtape.ops import recurrent as R
from op_db import OpInfo, Sample



def _sig(x):
    return 1 / (1 + np.exp(-x))


def ref_lstm(xw, h0, c0, rk, mask=None):
    U = rk.shape[0]
    h, c = h0, c0
    hs, cs, acts = [], [], []
    for t in range(xw.shape[0]):
        z = xw[t] + h @ rk
        i, f, g, o = _sig(z[:, :U]), _sig(z[:, U:2 * U]), np.tanh(z[:, 2 * U:3 * U]), _sig(z[:, 3 * U:])
        cn = f * c + i * g
        hn = o * np.tanh(cn)
        if mask is not None:
            k = mask[t][:, None]
            cn, hn = np.where(k, cn, c), np.where(k, hn, h)
        h, c = hn, cn
        hs.append(h)
        cs.append(c)
        acts.append(np.concatenate([i, f, g, o, np.tanh(c)], axis=-1))
    return np.stack(hs), np.stack(cs), np.stack(acts)


def ref_gru(xw, h0, rk, rb, mask=None, reset_after=True):
    U = rk.shape[0]
    h = h0
    hs, acts = [], []
    for t in range(xw.shape[0]):
        x = xw[t]
        if reset_after:
            inner = h @ rk + rb
            z = _sig(x[:, :U] + inner[:, :U])
            r = _sig(x[:, U:2 * U] + inner[:, U:2 * U])
            n = inner[:, 2 * U:]
            hh = np.tanh(x[:, 2 * U:] + r * n)
            a = [z, r, hh, n]
        else:
            z = _sig(x[:, :U] + h @ rk[:, :U] + rb[:U])
            r = _sig(x[:, U:2 * U] + h @ rk[:, U:2 * U] + rb[U:2 * U])
            hh = np.tanh(x[:, 2 * U:] + (r * h) @ rk[:, 2 * U:] + rb[2 * U:])
            a = [z, r, hh]
        hn = z * h + (1 - z) * hh
        if mask is not None:
            hn = np.where(mask[t][:, None], hn, h)
        h = hn
        hs.append(h)
        acts.append(np.concatenate(a, axis=-1))
    return np.stack(hs), np.stack(acts)


def _complex_step_vjp(f, ups, args, **kw):
    """sum_k <ups_k, d f_k / d args_i> for each array in ``args`` (complex-step derivatives)."""
    h = 1e-30
    out = []
    for i, a in enumerate(args):
        a = np.asarray(a, dtype=np.float64)
        g = np.zeros(a.shape)
        for idx in np.ndindex(a.shape):
            pert = [np.asarray(b, dtype=np.complex128) for b in args]
            pert[i][idx] += 1j * h
            outs = f(*pert, **kw)
            g[idx] = sum(np.sum(u * (o.imag / h)) for u, o in zip(ups, outs))
        out.append(g)
    return tuple(out)


def _lstm_grad_fn(g_hs, g_cs, g_acts, xw, h0, c0, rk, mask=None):
    outs = R.lstm_sequence(xw, h0, c0, rk, mask)
    extra = () if mask is None else (convert_to_tensor(mask, dtype="bool"),)
    return apply(R.LSTM_SEQUENCE_GRAD, (g_hs, g_cs, g_acts, xw, h0, c0, rk) + extra + tuple(outs))


def _lstm_grad_ref(g_hs, g_cs, g_acts, xw, h0, c0, rk, mask=None):
    f = (lambda *a: ref_lstm(*a, mask)) if mask is not None else ref_lstm
    return _complex_step_vjp(f, (g_hs, g_cs, g_acts), (xw, h0, c0, rk))


def _gru_grad_fn(g_hs, g_acts, xw, h0, rk, rb, mask=None, reset_after=True):
    outs = R.gru_sequence(xw, h0, rk, rb, mask, reset_after=reset_after)
    extra = () if mask is None else (convert_to_tensor(mask, dtype="bool"),)
    return apply(R.GRU_SEQUENCE_GRAD, (g_hs, g_acts, xw, h0, rk, rb) + extra + tuple(outs),
                 {"reset_after": reset_after})


def _gru_grad_ref(g_hs, g_acts, xw, h0, rk, rb, mask=None, reset_after=True):
    return _complex_step_vjp(lambda *a: ref_gru(*a, mask, reset_after=reset_after), (g_hs, g_acts),
                             (xw, h0, rk, rb))


# Forward ops: 2 steps, batch 2, 2 units. Backward ops (whose derivatives are third-order ones of
# the recurrence, by nested tapes over the step-by-step reference): 2 steps, batch 1, 1 unit.
MASK = np.array([[True, False], [False, True]])    # (T, B): a masked first step and a masked last step
MASK1 = np.array([[True], [False]])


def _n(rng, shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _lstm_args(rng, T, B, U):
    return (_n(rng, (T, B, 4 * U)), _n(rng, (B, U), 0.5), _n(rng, (B, U), 0.5), _n(rng, (U, 4 * U), 0.7))


def _lstm_samples(rng):
    return [Sample(_lstm_args(rng, 2, 2, 2)), Sample(_lstm_args(rng, 2, 2, 2) + (MASK,), name="mask")]


def _lstm_grad_samples(rng):
    ups = (_n(rng, (2, 1, 1)), _n(rng, (2, 1, 1)), _n(rng, (2, 1, 5)))
    return [Sample(ups + _lstm_args(rng, 2, 1, 1) + (MASK1,), name="mask")]


def _gru_args(rng, T, B, U):
    return (_n(rng, (T, B, 3 * U)), _n(rng, (B, U), 0.5), _n(rng, (U, 3 * U), 0.7), _n(rng, (3 * U,), 0.3))


def _gru_fwd_samples(rng):
    return [Sample(_gru_args(rng, 2, 2, 2) + (None,), {"reset_after": True}, "reset_after"),
            Sample(_gru_args(rng, 2, 2, 2) + (MASK,), {"reset_after": True}, "reset_after-mask"),
            Sample(_gru_args(rng, 2, 2, 2) + (MASK,), {"reset_after": False}, "reset_before-mask")]


def _gru_grad_samples(rng):
    out = []
    for ra in (True, False):
        ups = (_n(rng, (2, 1, 1)), _n(rng, (2, 1, 4 if ra else 3)))
        out.append(Sample(ups + _gru_args(rng, 2, 1, 1) + (MASK1,), {"reset_after": ra},
                          "reset_after-mask" if ra else "reset_before-mask"))
    return out


OPS = [
    OpInfo("lstm_sequence", R.lstm_sequence, ref_lstm, _lstm_samples,
           covers=("lstm_sequence", "lstm_sequence_grad"), diff_args=(0, 1, 2, 3)),
    OpInfo("lstm_sequence_grad", _lstm_grad_fn, _lstm_grad_ref, _lstm_grad_samples,
           covers=("lstm_sequence_grad", "lstm_sequence"), diff_args=(0, 1, 2, 3, 4, 5, 6), rtol=1e-4),
    OpInfo("gru_sequence", R.gru_sequence, ref_gru, _gru_fwd_samples,
           covers=("gru_sequence", "gru_sequence_grad"), diff_args=(0, 1, 2, 3)),
    OpInfo("gru_sequence_grad", _gru_grad_fn, _gru_grad_ref, _gru_grad_samples,
           covers=("gru_sequence_grad", "gru_sequence"), diff_args=(0, 1, 2, 3, 4, 5), rtol=1e-4),
]


# -- fused layer normalization (gradtape/ops/fused.py) -------------------------------------------

from gradtape.ops import fused as FU  # noqa: E402


def ref_layer_norm(x, gamma, beta, epsilon):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


def _ln_grad_fn(g, x, gamma, beta, epsilon):
    ins = tuple(convert_to_tensor(v, dtype=x.dtype) for v in (g, x, gamma, beta))
    return apply(FU.LAYER_NORM_GRAD, ins, {"epsilon": epsilon})


def _ln_grad_ref(g, x, gamma, beta, epsilon):
    return _complex_step_vjp(lambda *a: (ref_layer_norm(*a, epsilon),), (g,), (x, gamma, beta))


def _ln_samples(rng):
    return [Sample((_n(rng, (2, 3, 4)), _n(rng, (4,)), _n(rng, (4,)), 1e-3), name="3d"),
            Sample((_n(rng, (3, 5)) * 4 + 2, _n(rng, (5,)), _n(rng, (5,)), 1e-5), name="2d")]


def _ln_grad_samples(rng):
    return [Sample((_n(rng, (2, 3)), _n(rng, (2, 3)), _n(rng, (3,)), _n(rng, (3,)), 1e-3))]


OPS += [
    OpInfo("layer_norm", FU.layer_norm, ref_layer_norm, _ln_samples, covers=("layer_norm", "layer_norm_grad"),
           rtol=1e-4, atol=1e-5),
    OpInfo("layer_norm_grad", _ln_grad_fn, _ln_grad_ref, _ln_grad_samples,
           covers=("layer_norm_grad", "layer_norm"), rtol=1e-4, atol=1e-5,
           diff_args=(0, 1, 2)),     # beta: the gradient does not depend on it
]
