"""Whole-sequence recurrent ops: the LSTM and GRU recurrences of Keras's layers as one op each.

The built-in ``LSTM``/``GRU`` layers project every time step's input with one matmul, then run the
recurrence. Running it step by step as tape records costs ~10 ops per step and as many records;
these ops run the whole loop in NumPy (one ``h @ recurrent_kernel`` GEMM per step for all gates)
and have a backward op of their own (backpropagation through time in NumPy, with the recurrent
kernel's gradient as one GEMM over all steps).

Layout is time-major. Gate order and formulas are Keras's (``activation=tanh``,
``recurrent_activation=sigmoid``):

* ``lstm_sequence(xw, h0, c0, rk[, mask])``: ``xw`` (T, B, 4U) is ``x @ kernel + bias``; per step
  ``z = xw[t] + h @ rk`` split ``i, f, c, o``; ``c = f c + i tanh(zc)``, ``h = o tanh(c)``. Returns
  ``(hs, cs, acts)``: the states h and c after each step (T, B, U) and the activated gates
  ``[i, f, tanh(zc), o]`` (T, B, 4U), which the backward op reads.
* ``gru_sequence(xw, h0, rk, rb[, mask], reset_after=)``: ``xw`` (T, B, 3U) is ``x @ kernel +
  input_bias``; gates ``z, r, h``. ``reset_after=True``: ``n = h @ rk + rb``,
  ``hh = tanh(xw_h + r n_h)``; ``reset_after=False``: ``hh = tanh(xw_h + (r h) @ rk_h + rb_h)``
  (``rb`` is zeros for Keras's layer). ``h = z h_prev + (1 - z) hh``. Returns ``(hs, acts)``,
  ``acts`` = ``[z, r, hh]`` plus ``n_h`` with ``reset_after`` (T, B, 4U or 3U).
* ``mask`` (T, B) bool: where false, the step keeps the previous states (Keras's masking).
* bfloat16 inputs are computed in float32 and rounded back, as TF's CPU kernels do.

Derivatives: the backward ops (``lstm_sequence_grad``, ``gru_sequence_grad``) are registered ops
whose own gradient rule differentiates a step-by-step composition of gradtape ops
(:func:`lstm_reference` / :func:`gru_reference`) twice with nested tapes -- slow, but exact, so
second-order gradients and forward mode are correct. The gradient of every output (the activation
caches included) is honoured. The backward ops treat their cache inputs (the forward's outputs)
as consistent with the inputs they are given: their rule differentiates with respect to the
sequence, states, weights and upstream gradients only.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .._bf16 import via_float32
from ..dispatch import apply, convert_to_tensor
from ..registry import Op, FLOAT
from ..tensor import Tensor


class _SequenceOp(Op):
    """A whole-sequence op: the tape passes None (not zeros) for the gradient of an output no
    target reaches -- the layers read only the states, not the activation caches."""

    __slots__ = ()
    none_cotangents = True


def _sigmoid_(a: np.ndarray) -> None:
    """In place: a <- 1 / (1 + exp(-a)) (exp overflow gives exactly 0)."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _mask_tb(rest: tuple) -> Optional[np.ndarray]:
    return None if not rest or rest[0] is None else np.asarray(rest[0], dtype=bool)


# -- LSTM --------------------------------------------------------------------------------------

def _lstm_forward(xw, h0, c0, rk, mask=None):
    T, B, G = xw.shape
    U = G // 4
    dt = np.result_type(xw, h0, c0, rk)
    hs = np.empty((T, B, U), dt)
    cs = np.empty((T, B, U), dt)
    acts = np.empty((T, B, 5 * U), dt)
    m = None if mask is None else np.asarray(mask, dtype=bool)
    h, c = np.asarray(h0, dt), np.asarray(c0, dt)
    U2, U3, U4 = 2 * U, 3 * U, 4 * U
    with np.errstate(over="ignore"):
        for t in range(T):
            a = acts[t]
            z = a[:, :U4]
            np.matmul(h, rk, out=z)
            z += xw[t]
            # one sigmoid over all four gates: tanh(x) = 2 sigmoid(2x) - 1 for the candidate
            z[:, U2:U3] *= 2
            _sigmoid_(z)
            gc = z[:, U2:U3]
            gc *= 2
            gc -= 1
            cn, hn, tc = cs[t], hs[t], a[:, U4:]
            np.multiply(z[:, U:U2], c, out=cn)
            cn += z[:, :U] * gc
            if m is not None and not m[t].all():
                np.copyto(cn, c, where=~m[t][:, None])
            np.tanh(cn, out=tc)
            np.multiply(z[:, U3:U4], tc, out=hn)
            if m is not None and not m[t].all():
                np.copyto(hn, h, where=~m[t][:, None])
            h, c = hn, cn
    return hs, cs, acts


def _lstm_backward(g_hs, g_cs, g_acts, xw, h0, c0, rk, *rest):
    mask = _mask_tb(rest[:-3])
    hs, cs, acts = rest[-3:]
    T, B, G = xw.shape
    U = G // 4
    U2, U3, U4 = 2 * U, 3 * U, 4 * U
    dt = acts.dtype
    dz_all = np.empty((T, B, G), dt)
    dh = np.zeros((B, U), dt)
    dc = np.zeros((B, U), dt)
    rkT = np.ascontiguousarray(rk.T)
    # The layer reads only hs: the tape passes zeros for the other outputs' gradients, whose terms
    # are then skipped (one scan each instead of a pass per step).
    use_gh = g_hs is not None
    use_gc = g_cs is not None and bool(g_cs.any())
    use_ga = g_acts is not None and bool(g_acts.any())
    for t in range(T - 1, -1, -1):
        a = acts[t]
        ga = g_acts[t] if use_ga else None
        i, f, gg, o, tc = a[:, :U], a[:, U:U2], a[:, U2:U3], a[:, U3:U4], a[:, U4:]
        c_prev = cs[t - 1] if t else c0
        if use_gh:
            dh += g_hs[t]
        if use_gc:
            dc += g_cs[t]
        drop = None
        if mask is not None and not mask[t].all():
            # a masked row kept h and c: their gradients pass to the previous step
            drop = ~mask[t]
            dh_pass = np.where(drop[:, None], dh, 0)
            dh[drop] = 0
        dz = dz_all[t]
        np.multiply(dh, tc, out=dz[:, U3:U4])                  # d o
        dtc = dh * o                                            # d tanh(c)
        if use_ga:
            dtc += ga[:, U4:]
        tc2 = tc * tc
        np.subtract(1, tc2, out=tc2)
        dtc *= tc2
        dc += dtc                                               # d c_t
        if drop is not None:
            dc_pass = np.where(drop[:, None], dc, 0)
            dc[drop] = 0
        np.multiply(dc, gg, out=dz[:, :U])                      # d i
        np.multiply(dc, c_prev, out=dz[:, U:U2])                # d f
        np.multiply(dc, i, out=dz[:, U2:U3])                    # d candidate
        dc *= f
        if use_ga:
            dz += ga[:, :U4]
        # through the activations: sigmoid' = s (1 - s), tanh' = 1 - t^2
        s = a[:, :U4]
        dact = 1 - s
        dact *= s
        np.multiply(gg, gg, out=dact[:, U2:U3])
        np.subtract(1, dact[:, U2:U3], out=dact[:, U2:U3])
        dz *= dact
        dh = dz @ rkT
        if drop is not None:
            dh += dh_pass
            dc += dc_pass
    drk = np.asarray(h0, dt).T @ dz_all[0]
    if T > 1:
        drk += hs[:-1].reshape((T - 1) * B, U).T @ dz_all[1:].reshape((T - 1) * B, G)
    return dz_all, dh, dc, drk


def _lstm_vjp(g, ans, xw, h0, c0, rk, *mask):
    hs, cs, acts = ans
    g_hs, g_cs, g_acts = g
    dxw, dh0, dc0, drk = apply(LSTM_SEQUENCE_GRAD, (g_hs, g_cs, g_acts, xw, h0, c0, rk) + mask + (hs, cs, acts))
    return (dxw, dh0, dc0, drk) + (None,) * len(mask)


def lstm_reference(xw: Any, h0: Any, c0: Any, rk: Any, mask: Any = None) -> tuple:
    """``lstm_sequence`` as a step-by-step composition of gradtape ops (the definition the fast
    op's derivatives are checked against, and differentiated for second order)."""
    from . import math as _m
    from . import shape as _s
    from .linalg import matmul
    U = int(rk.shape[0])
    h, c = h0, c0
    hs, cs, acts = [], [], []
    steps = _s.unstack(xw, axis=0)
    keeps = None if mask is None else _s.unstack(_s.expand_dims(mask, -1), axis=0)
    for t, x in enumerate(steps):
        z = _m.add(x, matmul(h, rk))
        zi, zf, zc, zo = _s.split(z, [U, U, U, U], axis=-1)
        i, f, gc, o = _m.sigmoid(zi), _m.sigmoid(zf), _m.tanh(zc), _m.sigmoid(zo)
        cn = _m.add(_m.multiply(f, c), _m.multiply(i, gc))
        hn = _m.multiply(o, _m.tanh(cn))
        if keeps is not None:
            cn = _m.where(keeps[t], cn, c)
            hn = _m.where(keeps[t], hn, h)
        h, c = hn, cn
        hs.append(h)
        cs.append(c)
        acts.append(_s.concat([i, f, gc, o, _m.tanh(c)], axis=-1))
    return _s.stack(hs), _s.stack(cs), _s.stack(acts)


def _second_order(reference: Any, n_cache: int, n_state_in: int):
    """The rule of a backward op: differentiate ``reference`` twice (nested tapes).

    The backward op's inputs are ``(upstream gradients of the forward's outputs..., forward inputs...,
    [mask], caches...)``; its outputs the gradients of the forward's differentiable inputs."""
    def vjp(gg, ans, *inputs, **attrs):
        from .fused import differentiate_twice
        n_out = len(inputs) - n_cache
        core = inputs[:n_out]
        ups, fins = core[:n_state_in], core[n_state_in:]
        nd = len(ans)
        diff_in, mask = fins[:nd], fins[nd:]
        got = differentiate_twice(reference, list(ups), list(diff_in), tuple(mask), gg, attrs)
        if got is None:
            return (None,) * len(inputs)
        return tuple(got[0]) + tuple(got[1]) + (None,) * (len(inputs) - n_state_in - nd)
    return vjp


LSTM_SEQUENCE = _SequenceOp("lstm_sequence", via_float32(_lstm_forward), vjp=_lstm_vjp, num_outputs=3, kinds=FLOAT,
                   doc="Keras's LSTM recurrence over a time-major sequence (see gradtape.ops.recurrent); "
                       "its gradient is lstm_sequence_grad (BPTT in NumPy).")
LSTM_SEQUENCE_GRAD = Op("lstm_sequence_grad", via_float32(_lstm_backward), vjp=_second_order(lstm_reference, 3, 3),
                        num_outputs=4, kinds=FLOAT,
                        doc="Backpropagation through time of lstm_sequence; its own gradient differentiates "
                            "lstm_reference twice.")


def lstm_sequence(xw: Any, h0: Any, c0: Any, rk: Any, mask: Any = None) -> tuple:
    """``(hs, cs, acts)`` of the LSTM recurrence (module docstring); ``xw`` time-major (T, B, 4U)."""
    ins = [convert_to_tensor(v) for v in (xw, h0, c0, rk)]
    _check_float("lstm_sequence", ins)
    if mask is not None:
        ins.append(convert_to_tensor(mask, dtype="bool"))
    return apply(LSTM_SEQUENCE, tuple(ins))


def _check_float(name: str, ins: list) -> None:
    dt = ins[0]._value.dtype
    for t in ins:
        if t._value.dtype != dt or dt.kind not in "fV":
            raise TypeError(f"{name}: expected floating tensors of one dtype, got "
                            f"{[str(x._value.dtype) for x in ins]}.")


# -- GRU ---------------------------------------------------------------------------------------

def _gru_forward(xw, h0, rk, rb, mask=None, reset_after=True):
    T, B, G = xw.shape
    U = G // 3
    dt = np.result_type(xw, h0, rk)
    hs = np.empty((T, B, U), dt)
    acts = np.empty((T, B, 4 * U if reset_after else G), dt)
    m = None if mask is None else np.asarray(mask, dtype=bool)
    h = np.asarray(h0, dt)
    rk_zr, rk_h = rk[:, :2 * U], rk[:, 2 * U:]
    with np.errstate(over="ignore"):
        for t in range(T):
            a = acts[t]
            x = xw[t]
            zr = a[:, :2 * U]
            if reset_after:
                inner = h @ rk
                inner += rb
                np.add(x[:, :2 * U], inner[:, :2 * U], out=zr)
                _sigmoid_(zr)
                n = a[:, 3 * U:]
                n[...] = inner[:, 2 * U:]
                hh = a[:, 2 * U:3 * U]
                np.multiply(zr[:, U:], n, out=hh)
                hh += x[:, 2 * U:]
            else:
                np.matmul(h, rk_zr, out=zr)
                zr += x[:, :2 * U]
                zr += rb[:2 * U]
                _sigmoid_(zr)
                hh = a[:, 2 * U:3 * U]
                np.matmul(zr[:, U:] * h, rk_h, out=hh)
                hh += x[:, 2 * U:]
                hh += rb[2 * U:]
            np.tanh(hh, out=hh)
            z = zr[:, :U]
            hn = hs[t]
            np.subtract(h, hh, out=hn)           # h = hh + z (h_prev - hh)
            hn *= z
            hn += hh
            if m is not None and not m[t].all():
                np.copyto(hn, h, where=~m[t][:, None])
            h = hn
    return hs, acts


def _gru_backward(g_hs, g_acts, xw, h0, rk, rb, *rest, reset_after=True):
    mask = _mask_tb(rest[:-2])
    hs, acts = rest[-2:]
    T, B, G = xw.shape
    U = G // 3
    dt = acts.dtype
    h0 = np.asarray(h0, dt)
    dxw = np.empty((T, B, G), dt)
    dinner = np.empty((T, B, G), dt) if reset_after else None
    dh = np.zeros((B, U), dt)
    rkT = np.ascontiguousarray(rk.T)
    rk_hT = np.ascontiguousarray(rk[:, 2 * U:].T)
    rk_zrT = np.ascontiguousarray(rk[:, :2 * U].T)
    drk = np.zeros_like(rk) if not reset_after else None
    use_gh = g_hs is not None
    use_ga = g_acts is not None and bool(g_acts.any())   # None unless the caches' gradients are asked for
    for t in range(T - 1, -1, -1):
        a = acts[t]
        ga = g_acts[t] if use_ga else None
        z, r, hh = a[:, :U], a[:, U:2 * U], a[:, 2 * U:3 * U]
        h_prev = hs[t - 1] if t else h0
        if use_gh:
            dh += g_hs[t]
        if mask is not None and not mask[t].all():
            drop = ~mask[t][:, None]
            dh_pass = np.where(drop, dh, 0)
            dh = np.where(drop, 0, dh)
        else:
            dh_pass = None
        d = dxw[t]
        dz, dr, dhh = d[:, :U], d[:, U:2 * U], d[:, 2 * U:]
        omz = 1 - z
        np.subtract(h_prev, hh, out=dz)
        dz *= dh
        if use_ga:
            dz += ga[:, :U]
        dz *= z
        dz *= omz
        np.multiply(omz, dh, out=dhh)
        if use_ga:
            dhh += ga[:, 2 * U:3 * U]
        hh2 = hh * hh
        np.subtract(1, hh2, out=hh2)
        dhh *= hh2                               # d(pre-activation of hh)
        dh_new = dh * z
        if reset_after:
            n = a[:, 3 * U:]
            di = dinner[t]
            np.multiply(dhh, r, out=di[:, 2 * U:])
            np.multiply(dhh, n, out=dr)
            if use_ga:
                dr += ga[:, U:2 * U]
                di[:, 2 * U:] += ga[:, 3 * U:]
            dr *= r
            dr *= 1 - r
            di[:, :2 * U] = d[:, :2 * U]
            dh_new += di @ rkT
        else:
            dq = dhh @ rk_hT
            np.multiply(dq, h_prev, out=dr)
            if use_ga:
                dr += ga[:, U:2 * U]
            dr *= r * (1 - r)
            dh_new += dq * r
            dh_new += d[:, :2 * U] @ rk_zrT
            drk[:, 2 * U:] += (r * h_prev).T @ dhh
        if dh_pass is not None:
            dh_new += dh_pass
        dh = dh_new
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0).reshape(T * B, U)
    if reset_after:
        flat = dinner.reshape(T * B, G)
        drk = h_prev.T @ flat
        drb = flat.sum(axis=0)
    else:
        flat = dxw.reshape(T * B, G)
        drk[:, :2 * U] = h_prev.T @ flat[:, :2 * U]
        drb = flat.sum(axis=0)
    return dxw, dh, drk, drb.astype(dt, copy=False)


def _gru_vjp(g, ans, xw, h0, rk, rb, *mask, reset_after=True):
    hs, acts = ans
    g_hs, g_acts = g
    outs = apply(GRU_SEQUENCE_GRAD, (g_hs, g_acts, xw, h0, rk, rb) + mask + (hs, acts),
                 {"reset_after": reset_after})
    return tuple(outs) + (None,) * len(mask)


def gru_reference(xw: Any, h0: Any, rk: Any, rb: Any, mask: Any = None, reset_after: bool = True) -> tuple:
    """``gru_sequence`` as a step-by-step composition of gradtape ops."""
    from . import math as _m
    from . import shape as _s
    from .linalg import matmul
    U = int(rk.shape[0])
    h = h0
    hs, acts = [], []
    keeps = None if mask is None else _s.unstack(_s.expand_dims(mask, -1), axis=0)
    rb_zr, rb_h = _s.split(rb, [2 * U, U], axis=-1)
    rk_zr, rk_h = _s.split(rk, [2 * U, U], axis=-1)
    for t, x in enumerate(_s.unstack(xw, axis=0)):
        x_zr, x_h = _s.split(x, [2 * U, U], axis=-1)
        if reset_after:
            inner = _m.add(matmul(h, rk), rb)
            i_zr, n = _s.split(inner, [2 * U, U], axis=-1)
            zr = _m.sigmoid(_m.add(x_zr, i_zr))
            z, r = _s.split(zr, 2, axis=-1)
            hh = _m.tanh(_m.add(x_h, _m.multiply(r, n)))
        else:
            zr = _m.sigmoid(_m.add(_m.add(x_zr, matmul(h, rk_zr)), rb_zr))
            z, r = _s.split(zr, 2, axis=-1)
            hh = _m.tanh(_m.add(_m.add(x_h, matmul(_m.multiply(r, h), rk_h)), rb_h))
        hn = _m.add(hh, _m.multiply(z, _m.subtract(h, hh)))
        if keeps is not None:
            hn = _m.where(keeps[t], hn, h)
        h = hn
        hs.append(h)
        acts.append(_s.concat([z, r, hh, n] if reset_after else [z, r, hh], axis=-1))
    return _s.stack(hs), _s.stack(acts)


GRU_SEQUENCE = _SequenceOp("gru_sequence", via_float32(_gru_forward), vjp=_gru_vjp, num_outputs=2, kinds=FLOAT,
                  doc="Keras's GRU recurrence over a time-major sequence (see gradtape.ops.recurrent); its "
                      "gradient is gru_sequence_grad (BPTT in NumPy).")
GRU_SEQUENCE_GRAD = Op("gru_sequence_grad", via_float32(_gru_backward), vjp=_second_order(gru_reference, 2, 2),
                       num_outputs=4, kinds=FLOAT,
                       doc="Backpropagation through time of gru_sequence; its own gradient differentiates "
                           "gru_reference twice.")


def gru_sequence(xw: Any, h0: Any, rk: Any, rb: Any, mask: Any = None, reset_after: bool = True) -> tuple:
    """``(hs, acts)`` of the GRU recurrence (module docstring); ``xw`` time-major (T, B, 3U)."""
    ins = [convert_to_tensor(v) for v in (xw, h0, rk, rb)]
    _check_float("gru_sequence", ins)
    if mask is not None:
        ins.append(convert_to_tensor(mask, dtype="bool"))
    return apply(GRU_SEQUENCE, tuple(ins), {"reset_after": bool(reset_after)})


__all__ = ["lstm_sequence", "gru_sequence", "lstm_reference", "gru_reference"]
