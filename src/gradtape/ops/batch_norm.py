"""Training-mode batch normalization over the last axis as one op (Keras's ``BatchNormalization``
with ``training=True``, channels last).

``batch_norm_train(x, gamma, beta, epsilon)`` returns ``(y, mean, variance)``: the per-channel batch
mean and biased variance over every axis but the last, and
``y = (x - mean) / sqrt(variance + epsilon) * gamma + beta``. Composed of gradtape ops that is ~12
recorded ops forward and ~25 backward, each a pass over the activations (plus the tape's broadcast
reductions); as one op the forward is five NumPy passes and the backward one fused op,
``batch_norm_train_grad``, with the closed-form training-mode gradient::

    dbeta = sum(g),  dgamma = sum(g * xhat),
    dx = gamma * rstd * (g - dbeta / n - xhat * dgamma / n),      xhat = (x - mean) * rstd

computed as ``a * g + b * x + c`` with per-channel ``a, b, c``.

How: the column sums use a GEMV with a ones vector (BLAS, threaded; NumPy's ``sum(axis=0)`` over a
32-wide last axis is ~8x slower), the sums of products ``einsum('ij,ij->j')`` (one pass, no
temporary), and the per-channel broadcasts run on a wide view of the ``(n, C)`` array
(``(n / k, k * C)`` with the per-channel row tiled ``k`` times), which NumPy's inner loops process
about twice as fast as 32-element rows. The variance is the two-pass (centred) one.

``batch_norm_train_grad``'s own gradient rule differentiates :func:`batch_norm_train_reference`
(the same formula written with gradtape ops) twice with nested tapes, so second-order gradients
stay exact.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _array
from .._bf16 import via_float32
from ..dispatch import apply, convert_to_tensor
from ..registry import Op, REAL

#: The per-channel broadcasts view ``(n, C)`` as ``(n / k, k * C)`` rows of at most this many values.
WIDE_ROW = 256


def _wide(arrays: tuple, *rows: Any) -> tuple:
    """The ``(n, C)`` ``arrays`` as wide ``(n / k, k * C)`` views and each per-channel row tiled
    ``k`` times; ``k = 1`` (everything as it is) unless every array is a C-contiguous NumPy array."""
    n, c = arrays[0].shape
    k = 1
    if c and all(type(a) is np.ndarray and a.flags.c_contiguous for a in arrays):
        while k * 2 * c <= WIDE_ROW and n % (k * 2) == 0:
            k *= 2
    if k == 1:
        return tuple(arrays) + rows
    return tuple(a.reshape(n // k, k * c) for a in arrays) + tuple(np.tile(r, k) for r in rows)


def _compute_dtype(x: Any) -> Any:
    return np.dtype(np.float32) if x.dtype.itemsize < 4 else x.dtype


def _col_sum(a2: Any) -> Any:
    """Per-column sums of ``(n, C)``: a GEMV with a ones vector (BLAS)."""
    return _array.ones((a2.shape[0],), a2.dtype, a2) @ a2


def _rows(x: Any, cdt: Any) -> Any:
    return x.reshape(-1, x.shape[-1]).astype(cdt, copy=False)


def _bn_forward(x, gamma, beta, epsilon):
    odt, cdt, shape = x.dtype, _compute_dtype(x), x.shape
    x2 = _rows(x, cdt)
    n = x2.shape[0]
    dt = cdt.type
    inv_n = dt(1.0 / n) if n else dt(np.nan)
    mean = _col_sum(x2) * inv_n
    w, mean_w = _wide((x2,), mean)
    xc = (w - mean_w).reshape(x2.shape)
    var = np.einsum("ij,ij->j", xc, xc) * inv_n
    scale = gamma.astype(cdt, copy=False) / np.sqrt(var + dt(epsilon))
    w, scale_w, beta_w = _wide((xc,), scale, beta.astype(cdt, copy=False))
    if type(w) is np.ndarray:
        w *= scale_w
        w += beta_w
        y = xc.reshape(shape)
    else:
        y = (w * scale_w + beta_w).reshape(shape)
    if cdt != odt:
        return y.astype(odt), mean.astype(odt), var.astype(odt)
    return y, mean, var


def _bn_backward(g, x, gamma, mean, var, epsilon):
    odt, cdt, shape = x.dtype, _compute_dtype(x), x.shape
    x2, g2 = _rows(x, cdt), _rows(g, cdt)
    mean = mean.astype(cdt, copy=False)
    n = x2.shape[0]
    dt = cdt.type
    inv_n = dt(1.0 / n) if n else dt(0)
    rstd = dt(1.0) / np.sqrt(var.astype(cdt, copy=False) + dt(epsilon))
    dbeta = _col_sum(g2)
    # sum(g * xhat) = rstd * (sum(g * x) - mean * sum(g))
    dgamma = (np.einsum("ij,ij->j", g2, x2) - mean * dbeta) * rstd
    a = gamma.astype(cdt, copy=False) * rstd
    b = -a * rstd * dgamma * inv_n
    c = -a * dbeta * inv_n - b * mean
    wg, wx, a_w, b_w, c_w = _wide((g2, x2), a, b, c)
    if type(wg) is np.ndarray:
        dx = wg * a_w
        tmp = wx * b_w
        dx += tmp
        del tmp
        dx += c_w
    else:
        dx = wg * a_w + wx * b_w + c_w
    dx = dx.reshape(shape)
    if cdt != odt:
        return dx.astype(odt), dgamma.astype(odt), dbeta.astype(odt)
    return dx, dgamma, dbeta


def batch_norm_train_reference(x: Any, gamma: Any, beta: Any, epsilon: float) -> tuple:
    """``batch_norm_train`` composed of gradtape ops (the definition its derivatives are checked
    against, and differentiated for second order): ``(y, mean, variance)``."""
    from . import math as _m
    from .reduction import reduce_mean
    axes = list(range(len(x.shape) - 1))
    mean = reduce_mean(x, axis=axes)
    xc = _m.subtract(x, mean)
    var = reduce_mean(_m.square(xc), axis=axes)
    y = _m.add(_m.multiply(xc, _m.multiply(_m.rsqrt(_m.add(var, convert_to_tensor(epsilon, dtype=x.dtype))), gamma)), beta)
    return y, mean, var


def _bn_vjp(g, ans, x, gamma, beta, epsilon):
    gy, gmean, gvar = g
    dx = dgamma = dbeta = None
    if gy is not None:
        dx, dgamma, dbeta = apply(BATCH_NORM_TRAIN_GRAD, (gy, x, gamma, ans[1], ans[2]), {"epsilon": epsilon})
    if gmean is not None or gvar is not None:
        # Gradients reaching the statistics themselves: those of reduce_mean and of the biased
        # variance, composed of gradtape ops (exact at every order).
        from . import math as _m
        from .reduction import reduce_mean
        n = int(np.prod(np.shape(x._value)[:-1]))
        inv_n = convert_to_tensor(1.0 / n if n else 0.0, dtype=x.dtype)
        extra = None
        if gmean is not None:
            from .constructors import ones_like
            extra = _m.multiply(_m.multiply(ones_like(x), gmean), inv_n)
        if gvar is not None:
            xc = _m.subtract(x, reduce_mean(x, axis=list(range(x.ndim - 1))))
            term = _m.multiply(_m.multiply(xc, gvar), _m.multiply(inv_n, convert_to_tensor(2.0, dtype=x.dtype)))
            extra = term if extra is None else _m.add(extra, term)
        dx = extra if dx is None else _m.add(dx, extra)
    return dx, dgamma, dbeta


def _bn_grad_vjp(gg, ans, g, x, gamma, mean, var, epsilon):
    from .fused import differentiate_twice
    gg = gg if isinstance(gg, tuple) else (gg,)
    beta = _array.const_like(gamma, np.zeros(np.shape(gamma._value)), gamma._value.dtype)
    got = differentiate_twice(batch_norm_train_reference_y, [g], [x, gamma, beta], (), gg, {"epsilon": epsilon})
    if got is None:
        return (None,) * 5
    return (got[0][0], got[1][0], got[1][1], None, None)


def batch_norm_train_reference_y(x: Any, gamma: Any, beta: Any, epsilon: float) -> Any:
    """The output ``y`` of :func:`batch_norm_train_reference`."""
    return batch_norm_train_reference(x, gamma, beta, epsilon)[0]


class _BatchNormOp(Op):
    """The tape passes None (not zeros) for the gradient of an output no target reaches: the
    layer's statistics only feed the moving averages, under stop_gradient."""

    __slots__ = ()
    none_cotangents = True


BATCH_NORM_TRAIN = _BatchNormOp(
    "batch_norm_train", via_float32(_bn_forward), vjp=_bn_vjp, num_outputs=3, kinds=REAL,
    doc="Training-mode batch normalization over the last axis: (y, batch mean, biased batch "
        "variance); the gradient of y is batch_norm_train_grad, those of the statistics are composed.")
BATCH_NORM_TRAIN_GRAD = _BatchNormOp(
    "batch_norm_train_grad", via_float32(_bn_backward), vjp=_bn_grad_vjp, num_outputs=3, kinds=REAL,
    doc="(dx, dgamma, dbeta) of batch_norm_train's output y for upstream g (the closed form; mean and "
        "var are the forward's statistics, a cache). Its own gradient differentiates "
        "batch_norm_train_reference twice.")


def batch_norm_train(x: Any, gamma: Any, beta: Any, epsilon: float = 1e-3) -> tuple:
    """Training-mode batch normalization over the last axis of ``x`` (see the module docstring):
    ``(y, mean, variance)``; ``gamma`` and ``beta`` have the last axis's size."""
    ins = [convert_to_tensor(v) for v in (x, gamma, beta)]
    xv = ins[0]._value
    dt = xv.dtype
    if xv.ndim < 1:
        raise ValueError(f"batch_norm_train: x must have rank >= 1, got a scalar.")
    n = xv.shape[-1:]
    for t in ins[1:]:
        if t._value.dtype != dt:
            raise TypeError(f"batch_norm_train: x, gamma and beta must share a dtype, got "
                            f"{[str(v._value.dtype) for v in ins]}.")
        if t._value.shape != n:
            raise ValueError(f"batch_norm_train: gamma and beta must have shape {n} (the last axis of x), "
                             f"got {t._value.shape}.")
    return apply(BATCH_NORM_TRAIN, tuple(ins), {"epsilon": float(epsilon)})


__all__ = ["batch_norm_train", "batch_norm_train_reference"]
