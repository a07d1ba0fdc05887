"""Fused ops for the layers of transformer blocks: layer normalization over the last axis, the
softmax gradient and a dense layer's matmul-plus-bias, each as one op.

``layer_norm(x, gamma, beta, epsilon)`` is ``(x - mean) / sqrt(var + epsilon) * gamma + beta``
over the last axis (Keras's ``LayerNormalization(axis=-1)``, the population variance). Composed
of gradtape ops it costs ~10 recorded ops forward and ~20 backward, each a pass over the
activations; as one op the forward is a few NumPy passes and the backward one fused op,
``layer_norm_grad``, returning ``(dx, dgamma, dbeta)``.

``layer_norm_grad``'s own gradient rule differentiates :func:`layer_norm_reference` (the same
formula written with gradtape ops) twice with nested tapes: slow, but exact, so second-order
gradients and forward mode through layer normalization stay correct.

Sums over a short last axis (means, variances, softmax denominators) and over all leading axes
(the gamma and beta gradients) are BLAS matrix-vector products with a vector of ones for float32/64
and complex dtypes: NumPy's reductions over a 64- or 128-long last axis cost several times as much.

``softmax_grad(g, s, axis)`` is ``s * (g - sum(g * s, axis))``, softmax's backward (``s`` its
output) in two passes instead of four recorded ops; its rule is written with gradtape ops.
``dense(x, kernel, bias)`` is ``x @ kernel + bias`` with the bias added in place to the fresh
product; one rule per input, so a constant input's gradient is never computed.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import _array
from .._bf16 import via_float32
from ..dispatch import apply, convert_to_tensor
from ..registry import Op, FLOAT, REAL


_BLAS = frozenset("fdFD")     # dtypes whose sums below go through BLAS products


def _row_sum(a):
    """``sum(a, axis=-1)``: for BLAS dtypes one matrix-vector product with a vector of ones
    (NumPy's reductions over a short last axis cost several times as much)."""
    if a.dtype.char in _BLAS:
        return np.matmul(a, _array.ones((a.shape[-1],), a.dtype, a))
    return a.sum(axis=-1)


def _col_sum(a):
    """``a`` summed over all axes but the last (a bias gradient), as one vector-matrix product."""
    n = a.shape[-1]
    if a.dtype.char in _BLAS and a.size:
        return np.matmul(_array.ones((a.size // n,), a.dtype, a), a.reshape(-1, n))
    return a.sum(axis=tuple(range(a.ndim - 1)))


def _rowdot(a, b):
    """``sum(a * b, axis=-1)`` without the product's temporary."""
    if a.dtype.char in _BLAS:
        return np.einsum("...i,...i->...", a, b)
    return (a * b).sum(axis=-1)


def _stats(x, epsilon):
    """``(x - mean, 1 / sqrt(var + epsilon))`` over the last axis; ``rstd`` keeps a trailing
    axis of 1 for broadcasting."""
    scale = x.dtype.type(1.0 / x.shape[-1])
    mean = _row_sum(x)
    mean *= scale
    xc = x - mean[..., None]
    var = _rowdot(xc, xc)
    var *= scale
    var += x.dtype.type(epsilon)
    rstd = np.reciprocal(np.sqrt(var))
    return xc, rstd[..., None]


def _ln_forward(x, gamma, beta, epsilon):
    if x.shape[-1] == 0:
        return x * gamma + beta
    xc, rstd = _stats(x, epsilon)
    xc *= rstd
    xc *= gamma
    xc += beta
    return xc


def _ln_backward(g, x, gamma, beta, epsilon):
    n = x.shape[-1]
    if n == 0 or x.size == 0:
        lead = tuple(range(g.ndim - 1))
        return g * gamma, (g * x).sum(axis=lead), g.sum(axis=lead)
    xhat, rstd = _stats(x, epsilon)
    xhat *= rstd
    if g.shape != x.shape:
        g = np.broadcast_to(g, x.shape)
    gx = g * xhat
    dbeta = _col_sum(g)
    dgamma = _col_sum(gx)
    dxh = g * gamma
    scale = x.dtype.type(1.0 / n)
    m1 = _row_sum(dxh)                          # n * mean(dxh)
    m1 *= scale
    m2 = _rowdot(gx, gamma)                     # n * mean(dxh * xhat) = n * mean(g xhat gamma)
    m2 *= scale
    dxh -= m1[..., None]
    xhat *= m2[..., None]
    dxh -= xhat
    dxh *= rstd
    return dxh, dgamma, dbeta


def layer_norm_reference(x: Any, gamma: Any, beta: Any, epsilon: float) -> Any:
    """``layer_norm`` composed of gradtape ops (the definition its derivatives are checked
    against, and differentiated for second order)."""
    from . import math as _m
    from .reduction import reduce_mean
    mean = reduce_mean(x, axis=-1, keepdims=True)
    xc = _m.subtract(x, mean)
    var = reduce_mean(_m.square(xc), axis=-1, keepdims=True)
    y = _m.multiply(xc, _m.rsqrt(_m.add(var, _m.cast(epsilon, x.dtype))))
    return _m.add(_m.multiply(y, gamma), beta)


def differentiate_twice(reference: Callable[..., Any], ups: list, fins: list, extra: tuple, gg: tuple,
                        attrs: dict) -> Any:
    """Gradients, with respect to ``ups`` and ``fins``, of ``sum_i <J_i, gg_i>`` where ``J`` is the
    gradient of ``reference(*fins, *extra)`` for the upstream ``ups`` (nested tapes): the rule of
    a fused backward op whose exact second order comes from its op-by-op ``reference``. ``None``
    entries of ``ups`` (outputs without upstream) get ``None``. Returns ``None`` when no entry of
    ``gg`` meets a first-order gradient, else ``(grads of ups, grads of fins)``."""
    from ..tape import GradientTape
    from . import math as _m
    from .reduction import reduce_sum
    live = [k for k, u in enumerate(ups) if u is not None]
    watch = [ups[k] for k in live] + list(fins)
    with GradientTape() as outer:
        outer.watch(watch)
        with GradientTape() as inner:
            inner.watch(list(fins))
            outs = reference(*fins, *extra, **attrs)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        first = inner.gradient([outs[k] for k in live], list(fins), output_gradients=[ups[k] for k in live])
        total = None
        for a, b in zip(first, gg):
            if a is None or b is None:
                continue
            term = reduce_sum(_m.multiply(a, b))
            total = term if total is None else _m.add(total, term)
    if total is None:
        return None
    res = outer.gradient(total, watch)
    by_up = dict(zip(live, res[:len(live)]))
    return [by_up.get(k) for k in range(len(ups))], list(res[len(live):])


def second_order_rule(reference: Callable[..., Any], n_up: int) -> Callable[..., Any]:
    """The gradient rule of a fused backward op whose inputs are ``(upstream gradients of the
    forward's outputs (n_up)..., forward inputs...)`` and whose outputs are the gradients of the
    forward inputs: differentiate ``reference`` (the forward composed of gradtape ops) twice."""
    def vjp(gg: Any, ans: Any, *inputs: Any, **attrs: Any) -> tuple:
        gg = gg if isinstance(gg, tuple) else (gg,)
        got = differentiate_twice(reference, list(inputs[:n_up]), list(inputs[n_up:]), (), gg, attrs)
        if got is None:
            return (None,) * len(inputs)
        return tuple(got[0]) + tuple(got[1])
    return vjp


def _ln_vjp(g, ans, x, gamma, beta, epsilon):
    return apply(LAYER_NORM_GRAD, (g, x, gamma, beta), {"epsilon": epsilon})


LAYER_NORM = Op("layer_norm", via_float32(_ln_forward), vjp=_ln_vjp, kinds=FLOAT,
                doc="(x - mean) / sqrt(var + epsilon) * gamma + beta over the last axis; gradient "
                    "layer_norm_grad.")
LAYER_NORM_GRAD = Op("layer_norm_grad", via_float32(_ln_backward), vjp=second_order_rule(layer_norm_reference, 1),
                     num_outputs=3, kinds=FLOAT,
                     doc="(dx, dgamma, dbeta) of layer_norm for upstream g; its own gradient "
                         "differentiates layer_norm_reference twice.")


def layer_norm(x: Any, gamma: Any, beta: Any, epsilon: float = 1e-3) -> Any:
    """Layer normalization over the last axis (see the module docstring); ``gamma`` and ``beta``
    have the last axis's size."""
    ins = [convert_to_tensor(v) for v in (x, gamma, beta)]
    dt = ins[0]._value.dtype
    n = ins[0]._value.shape[-1:] if ins[0]._value.ndim else None
    for t in ins[1:]:
        if t._value.dtype != dt:
            raise TypeError(f"layer_norm: x, gamma and beta must share a dtype, got "
                            f"{[str(v._value.dtype) for v in ins]}.")
        if n is None or t._value.shape != n:
            raise ValueError(f"layer_norm: gamma and beta must have shape {n} (the last axis of x), got "
                             f"{t._value.shape}.")
    return apply(LAYER_NORM, tuple(ins), {"epsilon": float(epsilon)})


# -- softmax gradient ------------------------------------------------------------------------------

def _softmax_grad_forward(g, s, axis):
    if g.shape != s.shape:
        g = np.broadcast_to(g, np.broadcast_shapes(g.shape, s.shape))
    if axis == s.ndim - 1:
        r = _rowdot(g, s)[..., None]
    else:
        r = np.sum(g * s, axis=axis, keepdims=True)
    out = g - r
    out *= s
    return out


# out = s (g - sum(g s)): d/dg = s (gg - sum(gg s)) (the same op), d/ds = gg (g - sum(g s)) - g sum(gg s)
def _softmax_grad_dg(gg, ans, g, s, axis):
    return apply(SOFTMAX_GRAD, (gg, s), {"axis": axis})


def _softmax_grad_ds(gg, ans, g, s, axis):
    from .math import multiply, subtract
    from .reduction import reduce_sum
    r = reduce_sum(multiply(g, s), axis=axis, keepdims=True)
    q = reduce_sum(multiply(gg, s), axis=axis, keepdims=True)
    return subtract(multiply(gg, subtract(g, r)), multiply(g, q))


SOFTMAX_GRAD = Op("softmax_grad", _softmax_grad_forward, vjp=(_softmax_grad_dg, _softmax_grad_ds), kinds=REAL,
                  reads=(0, 1),
                  doc="s (g - sum(g s, axis)): the gradient of softmax (output s) for upstream g, one "
                      "pass for the row sums; its own rule is written with gradtape ops.")


# -- dense layer: matmul and bias in one op ---------------------------------------------------------

def _dense_forward(x, kernel, bias):
    y = np.matmul(x, kernel)
    y += bias           # in place on the fresh product: no second activation-sized array
    return y


def _dense_dx(g, ans, x, kernel, bias):
    from .linalg import _adjoint, matmul
    return matmul(g, _adjoint(kernel))


def _dense_dkernel(g, ans, x, kernel, bias):
    from .linalg import _adjoint, matmul
    return matmul(_adjoint(x), g)


def _dense_dbias(g, ans, x, kernel, bias):
    return g            # the tape sums it over the rows


# one rule per input: the tape runs only those whose input needs a gradient (not x for the input layer)
DENSE = Op("dense", via_float32(_dense_forward), vjp=(_dense_dx, _dense_dkernel, _dense_dbias), kinds=FLOAT,
           reads=(0, 1),
           doc="x @ kernel + bias for a matrix x (Keras's Dense on inputs flattened to rows): the bias is "
               "added in place to the product. Gradients g kernel^H, x^H g and g summed over rows.")


def dense(x: Any, kernel: Any, bias: Any) -> Any:
    """``x @ kernel + bias`` for ``x`` of shape ``(rows, k)``, ``kernel`` ``(k, units)`` and ``bias``
    ``(units,)`` as one op (what ``tf.keras.layers.Dense`` computes on its flattened input)."""
    x = convert_to_tensor(x)
    ins = [x] + [convert_to_tensor(v, dtype_hint=x._value.dtype) for v in (kernel, bias)]
    xs, ks, bs = (t._value.shape for t in ins)
    if len(xs) != 2 or len(ks) != 2 or xs[1] != ks[0] or tuple(bs) != (ks[1],):
        from ..errors import InvalidArgumentError
        raise InvalidArgumentError(f"dense: expected x (rows, k), kernel (k, units) and bias (units,), got "
                                   f"shapes {list(xs)}, {list(ks)} and {list(bs)}.")
    for t in ins[1:]:
        if t._value.dtype != x._value.dtype:
            from ..dispatch import dtype_mismatch
            raise dtype_mismatch(DENSE, x, t)
    return apply(DENSE, tuple(ins))


__all__ = ["dense", "layer_norm", "layer_norm_reference", "second_order_rule", "differentiate_twice"]
