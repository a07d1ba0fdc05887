"""Whole-sequence recurrent ops: the LSTM and GRU recurrences of Keras's layers as one op each.

The built-in ``LSTM``/``GRU`` layers project every time step's input with one matmul, then run the
recurrence. Running it step by step as tape records costs ~10 ops per step and as many records;
these ops run the whole loop as NumPy code on the inputs' kind of array (host NumPy, or a device
array through NumPy's dispatch: buffers are created with the input's array type and masks act
through ``np.copyto(where=)``, never a Python branch on array values), with one
``h @ recurrent_kernel`` GEMM per step for all gates, preallocated buffers and in-place ufuncs, and
have a backward op of their own (backpropagation through time, with the recurrent kernel's
gradient as one GEMM over all steps).

Layout is time-major. Gate order and formulas are Keras's (``activation=tanh``,
``recurrent_activation=sigmoid``):

* ``lstm_sequence(xw, h0, c0, rk[, mask])``: ``xw`` (T, B, 4U) is ``x @ kernel + bias``; per step
  ``z = xw[t] + h @ rk`` split ``i, f, c, o``; ``c = f c + i tanh(zc)``, ``h = o tanh(c)``. Returns
  ``(hs, cs, acts)``: the states h and c after each step (T, B, U) and the activated gates
  ``[i, f, tanh(zc), o, tanh(c)]`` (T, B, 5U), which the backward op reads.
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

from .._array import as_array, empty, like, with_kind, zeros
from .._bf16 import via_float32
from ..dispatch import apply, convert_to_tensor
from ..registry import Op, FLOAT
from ..tensor import Tensor


class _SequenceOp(Op):
    """A whole-sequence op: the tape passes None (not zeros) for the gradient of an output no
    target reaches -- the layers read only the states, not the activation caches."""

    __slots__ = ()
    none_cotangents = True


def _sigmoid_neg_(a: Any) -> None:
    """In place: a <- sigmoid(-a) = 1 / (1 + exp(a)) (exp overflow gives exactly 0); the ops compute
    the pre-activations negated (their weights' columns negated once), so no per-step negation."""
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _dtype(*arrays: Any) -> np.dtype:
    return np.result_type(*[a.dtype for a in arrays])


def _drop_mask(mask: Any, ref: Any) -> Any:
    """The rows a (T, B) bool mask drops, (T, B, 1), on ``ref``'s kind of array (a host mask next to
    device data is copied there): where true, a step keeps the previous states. Applied with
    ``np.copyto(..., where=)``, so no step branches on the mask's values."""
    m = as_array(with_kind(ref, mask))
    if m.dtype != np.bool_:
        m = m.astype(np.bool_)
    return ~m[:, :, None]


# -- LSTM --------------------------------------------------------------------------------------

def _lstm_forward(xw, h0, c0, rk, mask=None):
    T, B, G = xw.shape
    U = G // 4
    U2, U3 = 2 * U, 3 * U
    dt = _dtype(xw, h0, c0, rk)
    hs = empty((T, B, U), dt, xw)                      # every buffer is written whole per step
    cs = empty((T, B, U), dt, xw)
    acts = empty((T, B, 5 * U), dt, xw)
    tmp = empty((B, U), dt, xw)
    # One sigmoid over all four gates, tanh(x) = 2 sigmoid(2x) - 1 for the candidate. The sigmoid's
    # negation is folded into the recurrent kernel once (z = h (-rk) - xw = -(xw + h rk): exact).
    rk_n = rk * -1
    drop = None if mask is None else _drop_mask(mask, xw)
    h, c = h0.astype(dt, copy=False), c0.astype(dt, copy=False)
    with np.errstate(over="ignore"):
        for t in range(T):
            a = acts[t]
            z = a[:, :G]
            np.matmul(h, rk_n, out=z)
            z -= xw[t]
            gc = z[:, U2:U3]
            gc *= 2
            _sigmoid_neg_(z)
            gc *= 2
            gc -= 1
            cn, hn, tc = cs[t], hs[t], a[:, G:]
            np.multiply(z[:, U:U2], c, out=cn)
            np.multiply(z[:, :U], gc, out=tmp)
            cn += tmp
            if drop is not None:
                np.copyto(cn, c, where=drop[t])
            np.tanh(cn, out=tc)
            np.multiply(z[:, U3:], tc, out=hn)
            if drop is not None:
                np.copyto(hn, h, where=drop[t])
            h, c = hn, cn
    return hs, cs, acts


def _hold_masked(g: Any, held: Any, m: Any) -> None:
    """Backward through a masked step: the rows of ``g`` where ``m`` is set move to ``held`` (the
    step kept its state there, so their gradient passes to the previous step), the rest of
    ``held`` is zero, and ``g`` keeps only the rows the step computed."""
    held[...] = 0
    np.copyto(held, g, where=m)
    np.copyto(g, 0, where=m)


def _lstm_backward(g_hs, g_cs, g_acts, xw, h0, c0, rk, *rest):
    mask = rest[0] if len(rest) == 4 else None
    hs, cs, acts = rest[-3:]
    T, B, G = xw.shape
    U = G // 4
    U2, U3 = 2 * U, 3 * U
    dt = acts.dtype
    h0, c0 = h0.astype(dt, copy=False), c0.astype(dt, copy=False)
    dz_all = empty((T, B, G), dt, xw)                  # written whole per step
    dh = zeros((B, U), dt, xw)
    dc = zeros((B, U), dt, xw)
    dtc = empty((B, U), dt, xw)
    tmp = empty((B, U), dt, xw)
    dact = empty((B, G), dt, xw)
    rkT = rk.T.copy()
    if mask is not None:
        drop = _drop_mask(mask, xw)
        dh_pass = empty((B, U), dt, xw)
        dc_pass = empty((B, U), dt, xw)
    for t in range(T - 1, -1, -1):
        a = acts[t]
        i, f, gg, o, tc = a[:, :U], a[:, U:U2], a[:, U2:U3], a[:, U3:G], a[:, G:]
        ga = None if g_acts is None else g_acts[t]
        if g_hs is not None:
            dh += g_hs[t]
        if g_cs is not None:
            dc += g_cs[t]
        if mask is not None:
            # a masked row kept h and c: their gradients pass to the previous step
            m = drop[t]
            _hold_masked(dh, dh_pass, m)
        dz = dz_all[t]
        np.multiply(dh, tc, out=dz[:, U3:])                     # d o
        np.multiply(dh, o, out=dtc)                             # d tanh(c)
        if ga is not None:
            dtc += ga[:, G:]
        np.multiply(tc, tc, out=tmp)
        np.subtract(1, tmp, out=tmp)
        dtc *= tmp
        dc += dtc                                               # d c_t
        if mask is not None:
            _hold_masked(dc, dc_pass, m)
        np.multiply(dc, gg, out=dz[:, :U])                      # d i
        np.multiply(dc, cs[t - 1] if t else c0, out=dz[:, U:U2])  # d f
        np.multiply(dc, i, out=dz[:, U2:U3])                    # d candidate
        dc *= f
        if ga is not None:
            dz += ga[:, :G]
        # through the activations: sigmoid' = s (1 - s), tanh' = 1 - g^2
        s = a[:, :G]
        np.subtract(1, s, out=dact)
        dact *= s
        dg = dact[:, U2:U3]
        np.multiply(gg, gg, out=dg)
        np.subtract(1, dg, out=dg)
        dz *= dact
        np.matmul(dz, rkT, out=dh)
        if mask is not None:
            dh += dh_pass
            dc += dc_pass
    drk = h0.T @ dz_all[0]
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
    U2 = 2 * U
    dt = _dtype(xw, h0, rk)
    hs = empty((T, B, U), dt, xw)                      # every buffer is written whole per step
    acts = empty((T, B, 4 * U if reset_after else G), dt, xw)
    drop = None if mask is None else _drop_mask(mask, xw)
    h = h0.astype(dt, copy=False)
    # the z and r columns of the weights negated once: their sigmoids need no negation per step
    # (exact: negation commutes with rounding)
    neg = like(xw, np.repeat(np.array([-1.0, -1.0, 1.0]), U), dt)
    if reset_after:
        rk_s, rb_s = rk * neg, rb * neg
        inner = empty((B, G), dt, xw)
    else:
        rk_zr, rb_zr = rk[:, :U2] * -1, rb[:U2]
        rk_h, rb_h = rk[:, U2:], rb[U2:]
        rh = empty((B, U), dt, xw)
    with np.errstate(over="ignore"):
        for t in range(T):
            a = acts[t]
            x = xw[t]
            zr = a[:, :U2]
            hh = a[:, U2:G]
            if reset_after:
                np.matmul(h, rk_s, out=inner)
                inner += rb_s
                np.subtract(inner[:, :U2], x[:, :U2], out=zr)      # -(x + h rk + rb)
                _sigmoid_neg_(zr)
                n = a[:, G:]
                np.copyto(n, inner[:, U2:])
                np.multiply(zr[:, U:], n, out=hh)
                hh += x[:, U2:]
            else:
                np.matmul(h, rk_zr, out=zr)
                zr -= x[:, :U2]
                zr -= rb_zr
                _sigmoid_neg_(zr)
                np.multiply(zr[:, U:], h, out=rh)
                np.matmul(rh, rk_h, out=hh)
                hh += x[:, U2:]
                hh += rb_h
            np.tanh(hh, out=hh)
            hn = hs[t]
            np.subtract(h, hh, out=hn)           # h = hh + z (h_prev - hh)
            hn *= zr[:, :U]
            hn += hh
            if drop is not None:
                np.copyto(hn, h, where=drop[t])
            h = hn
    return hs, acts


def _gru_backward(g_hs, g_acts, xw, h0, rk, rb, *rest, reset_after=True):
    mask = rest[0] if len(rest) == 3 else None
    hs, acts = rest[-2:]
    T, B, G = xw.shape
    U = G // 3
    U2 = 2 * U
    dt = acts.dtype
    h0 = h0.astype(dt, copy=False)
    dxw = empty((T, B, G), dt, xw)                     # written whole per step
    dinner = empty((T, B, G), dt, xw) if reset_after else None
    dh = zeros((B, U), dt, xw)
    dh_new = empty((B, U), dt, xw)
    omz = empty((B, U), dt, xw)
    hh2 = empty((B, U), dt, xw)
    rkT = rk.T.copy()
    rk_hT = rk[:, U2:].T.copy()
    rk_zrT = rk[:, :U2].T.copy()
    if not reset_after:
        dq = empty((B, U), dt, xw)
        rh_all = empty((T, B, U), dt, xw)
    if mask is not None:
        drop = _drop_mask(mask, xw)
        dh_pass = empty((B, U), dt, xw)
    for t in range(T - 1, -1, -1):
        a = acts[t]
        ga = None if g_acts is None else g_acts[t]
        z, r, hh = a[:, :U], a[:, U:U2], a[:, U2:G]
        h_prev = hs[t - 1] if t else h0
        if g_hs is not None:
            dh += g_hs[t]
        if mask is not None:
            # a masked row kept h: its gradient passes to the previous step
            m = drop[t]
            _hold_masked(dh, dh_pass, m)
        d = dxw[t]
        dz, dr, dhh = d[:, :U], d[:, U:U2], d[:, U2:]
        np.subtract(1, z, out=omz)
        np.subtract(h_prev, hh, out=dz)
        dz *= dh
        if ga is not None:
            dz += ga[:, :U]
        dz *= z
        dz *= omz
        np.multiply(omz, dh, out=dhh)
        if ga is not None:
            dhh += ga[:, U2:G]
        np.multiply(hh, hh, out=hh2)
        np.subtract(1, hh2, out=hh2)
        dhh *= hh2                               # d(pre-activation of hh)
        np.multiply(dh, z, out=dh_new)
        if reset_after:
            n = a[:, G:]
            di = dinner[t]
            np.multiply(dhh, r, out=di[:, U2:])
            np.multiply(dhh, n, out=dr)
            if ga is not None:
                dr += ga[:, U:U2]
                di[:, U2:] += ga[:, G:]
            np.subtract(1, r, out=omz)
            dr *= r
            dr *= omz
            np.copyto(di[:, :U2], d[:, :U2])
            np.matmul(di, rkT, out=dh)
        else:
            np.matmul(dhh, rk_hT, out=dq)
            np.multiply(dq, h_prev, out=dr)
            if ga is not None:
                dr += ga[:, U:U2]
            np.subtract(1, r, out=omz)
            omz *= r
            dr *= omz
            dq *= r
            dh_new += dq
            np.matmul(d[:, :U2], rk_zrT, out=dh)
            np.multiply(r, h_prev, out=rh_all[t])
        dh += dh_new
        if mask is not None:
            dh += dh_pass
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0).reshape(T * B, U)
    if reset_after:
        flat = dinner.reshape(T * B, G)
        drk = h_prev.T @ flat
    else:
        flat = dxw.reshape(T * B, G)
        drk = zeros(rk.shape, dt, xw)
        drk[:, :U2] = h_prev.T @ flat[:, :U2]
        drk[:, U2:] = rh_all.reshape(T * B, U).T @ flat[:, U2:]
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
