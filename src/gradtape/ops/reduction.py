"""Reductions and scans: ``reduce_*``, ``argmax``/``argmin``, ``cumsum``/``cumprod``.

``axis`` may be None (all axes), an int or a list, negative counting from the end; ``keepdims``
keeps reduced axes as size 1. Rules re-insert reduced axes (``_expand_to``) before broadcasting.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import _array
from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from .._bf16 import via_float32
from ..registry import Op, FLOAT, NUMERIC, ANY, REAL, REAL_NUMERIC
from ..tensor import Tensor
from . import shape as _shape     # (shape imports nothing from here at import time)
from .math import (add, divide, divide_no_nan, equal, exp, holomorphic, multiply, multiply_no_nan,
                   sqrt, square, subtract, cast, where, reciprocal)


def _axes(axis: Any, ndim: int, op: str) -> Optional[tuple]:
    """Normalise ``axis`` to a sorted tuple of non-negative ints (None means all axes)."""
    if axis is None:
        return None
    if isinstance(axis, Tensor) or hasattr(type(axis), "_gt_read"):
        from ..dispatch import _note_numpy_exit
        _note_numpy_exit(axis)      # read in Python: a compiled function must know it is static
        axis = np.asarray(axis._value).tolist()
    if isinstance(axis, (int, np.integer)):
        axis = [axis]
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise InvalidArgumentError(f"{op}: axis {a} is out of range for a tensor of rank {ndim} "
                                       f"(valid: [{-ndim}, {ndim}) ).")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise InvalidArgumentError(f"{op}: axis {list(axis)} names an axis twice.")
    return tuple(sorted(out))


def _kept_shape(shape: tuple, axes: Optional[tuple]) -> tuple:
    """The shape of a reduction over ``axes`` with ``keepdims=True``."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _expand_to(g: Tensor, x: Any, axes: Optional[tuple], keepdims: bool) -> Tensor:
    """Reshape a reduced upstream gradient so it broadcasts against ``x``."""
    if keepdims:
        return g
    return apply(_shape.RESHAPE, (g,), {"shape": _kept_shape(np.shape(x._value), axes)})


def _count(x: Any, axes: Optional[tuple]) -> int:
    shape = np.shape(x._value)
    if axes is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in axes]))


def _reduce(op: Op, x: Any, axis: Any, keepdims: bool, name: str) -> Tensor:
    x = convert_to_tensor(x)
    kind = x._value.dtype.kind
    if kind not in op.kinds:
        from ..dispatch import bad_dtype
        raise bad_dtype(op, x)
    return apply(op, (x,), {"axes": _axes(axis, x._value.ndim, name), "keepdims": bool(keepdims)})


_add_reduce = np.add.reduce


def _sum_forward(x, axes, keepdims):
    # np.add.reduce directly: np.sum's Python wrapper costs more than the sum on small arrays.
    if type(x) is not np.ndarray:
        x = _array.as_array(x)
    # dtype=x.dtype: NumPy would widen int8/16/32 sums to int64; TF keeps the input's dtype.
    d = x.dtype
    if d.kind == "V":       # bfloat16: accumulate in float32, as TF
        return _add_reduce(x, axis=axes, keepdims=keepdims, dtype=np.float32).astype(d)[()]
    return _add_reduce(x, axis=axes, keepdims=keepdims, dtype=d)[()]


def _broadcast_like(g: Tensor, x: Any, axes, keepdims) -> Tensor:
    shape = x._value.shape
    if g._value.ndim:           # a 0-d upstream (a full reduction) broadcasts as it is
        g = _expand_to(g, x, axes, keepdims)
    return g if g._value.shape == shape else apply(_shape.BROADCAST_TO, (g,), {"shape": shape})


REDUCE_SUM = Op("reduce_sum", _sum_forward,
                vjp=lambda g, ans, x, axes, keepdims: _broadcast_like(g, x, axes, keepdims),
                kinds=NUMERIC, doc="Sum over axes. The gradient is the upstream broadcast back.")


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Sum over ``axis`` (``tf.reduce_sum``)."""
    return _reduce(REDUCE_SUM, input_tensor, axis, keepdims, "reduce_sum")


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                name: Optional[str] = None) -> Tensor:
    """Mean over ``axis`` (``tf.reduce_mean``). Integer inputs give an integer (truncated) mean, as in TF."""
    x = convert_to_tensor(input_tensor)
    axes = _axes(axis, x._value.ndim, "reduce_mean")
    n = _count(x, axes)
    s = _reduce(REDUCE_SUM, x, axis, keepdims, "reduce_mean")
    if x._value.dtype.kind in "iu":
        from .math import floordiv
        return floordiv(s, max(n, 1))
    return divide(s, n) if n else divide(s, 0.0)


def _max_vjp(g, ans, x, axes, keepdims):
    # Ties split the gradient equally (TF and autograd).
    a = _expand_to(ans, x, axes, keepdims)
    mask = cast(equal(x, a), x._value.dtype)
    count = reduce_sum(mask, axis=axes, keepdims=True)
    return multiply(divide(mask, count), _expand_to(g, x, axes, keepdims))


def _extreme(x: np.ndarray, largest: bool) -> Any:
    """The identity of max (``largest=False``: of min) for ``x``'s dtype: -inf / the lowest integer for
    max, +inf / the highest integer for min -- what TF returns for an empty reduction."""
    dt = x.dtype
    if dt.kind == "f":
        return dt.type(np.inf if largest else -np.inf)
    info = np.iinfo(dt)
    return dt.type(info.max if largest else info.min)


def _max_forward(x, axes, keepdims):
    if x.size == 0:         # TF: -inf (floats) or the lowest integer over an empty axis
        return np.max(x, axis=axes, keepdims=keepdims, initial=_extreme(x, False))[()]
    return np.max(x, axis=axes, keepdims=keepdims)[()]


def _min_forward(x, axes, keepdims):
    if x.size == 0:         # TF: +inf (floats) or the highest integer over an empty axis
        return np.min(x, axis=axes, keepdims=keepdims, initial=_extreme(x, True))[()]
    return np.min(x, axis=axes, keepdims=keepdims)[()]


REDUCE_MAX = Op("reduce_max", _max_forward, vjp=_max_vjp, kinds=REAL_NUMERIC,
                doc="Max over axes. Tied maxima share the gradient equally, as in TF.")
REDUCE_MIN = Op("reduce_min", _min_forward, vjp=_max_vjp, kinds=REAL_NUMERIC,
                doc="Min over axes. Tied minima share the gradient equally, as in TF.")


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Maximum over ``axis`` (``tf.reduce_max``)."""
    return _reduce(REDUCE_MAX, input_tensor, axis, keepdims, "reduce_max")


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Minimum over ``axis`` (``tf.reduce_min``)."""
    return _reduce(REDUCE_MIN, input_tensor, axis, keepdims, "reduce_min")


def _prod_forward(x, axes, keepdims):
    return np.prod(x, axis=axes, keepdims=keepdims, dtype=x.dtype)[()]


def _prod_vjp(g, ans, x, axes, keepdims):
    # d/dx_i prod(x) = product of the others, computed with exclusive cumulative products from
    # both sides, so zeros are handled exactly (one zero: only it gets a gradient; two: none).
    from .shape import reshape, transpose
    shape = np.shape(x._value)
    nd = len(shape)
    red = tuple(range(nd)) if axes is None else axes
    keep = tuple(i for i in range(nd) if i not in red)
    perm = keep + red
    xt = transpose(x, perm) if perm != tuple(range(nd)) else x
    kept_dims = tuple(shape[i] for i in keep)
    flat = reshape(xt, kept_dims + (int(np.prod([shape[i] for i in red])),))
    left = cumprod(flat, axis=-1, exclusive=True)
    right = cumprod(flat, axis=-1, exclusive=True, reverse=True)
    others = reshape(multiply(left, right), kept_dims + tuple(shape[i] for i in red))
    inv = tuple(int(i) for i in np.argsort(perm))
    others = transpose(others, inv) if perm != tuple(range(nd)) else others
    return multiply(others, _expand_to(g, x, axes, keepdims))


REDUCE_PROD = Op("reduce_prod", via_float32(_prod_forward), vjp=holomorphic(_prod_vjp),
                 doc="Product over axes. The gradient is the product of the other entries, exact "
                     "with zeros (no division).")


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                name: Optional[str] = None) -> Tensor:
    """Product over ``axis`` (``tf.reduce_prod``)."""
    return _reduce(REDUCE_PROD, input_tensor, axis, keepdims, "reduce_prod")


def _shift(x: np.ndarray, axes: Any) -> np.ndarray:
    """The max over ``axes`` (kept), -inf over empty axes (logsumexp of nothing is -inf, as TF)."""
    if x.size == 0:
        return np.max(x, axis=axes, keepdims=True, initial=-np.inf).astype(x.dtype)
    return np.max(x, axis=axes, keepdims=True)


def _logsumexp_forward(x, axes, keepdims):
    m = _shift(x, axes)
    m = np.where(np.isfinite(m), m, x.dtype.type(0))
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axes) if axes is not None else out.reshape(())
    return out[()]


def _logsumexp_vjp(g, ans, x, axes, keepdims):
    # d/dx logsumexp = softmax(x), computed max-shifted (exact at large x; -inf entries get 0).
    # The shift m is a constant: softmax does not depend on it, so no gradient flows through it.
    # softmax(x), shifted by max(x) computed with ops (a compiled function recomputes the shift
    # on every call); an infinite max shifts by 0
    from .math import is_finite
    from .shape import stop_gradient
    m = stop_gradient(reduce_max(x, axis=list(axes) if axes is not None else None, keepdims=True))
    from .constructors import zeros_like
    m = where(is_finite(m), m, zeros_like(m))
    e = exp(subtract(x, m))
    p = divide(e, reduce_sum(e, axis=list(axes) if axes is not None else None, keepdims=True))
    return multiply(_expand_to(g, x, axes, keepdims), p)


REDUCE_LOGSUMEXP = Op("reduce_logsumexp", via_float32(_logsumexp_forward), vjp=_logsumexp_vjp, kinds=REAL,
                      doc="log(sum(exp(x))), max-shifted so large inputs do not overflow. "
                          "d/dx = softmax(x).")


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                     name: Optional[str] = None) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, computed stably (``tf.reduce_logsumexp``)."""
    return _reduce(REDUCE_LOGSUMEXP, input_tensor, axis, keepdims, "reduce_logsumexp")


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                    name: Optional[str] = None) -> Tensor:
    """Population variance over ``axis`` (``tf.math.reduce_variance``)."""
    x = convert_to_tensor(input_tensor)
    if x._value.dtype.kind not in "fcV":
        raise TypeError(f"reduce_variance: expected a floating tensor, got {x.dtype.name}. "
                        "Cast it first with tf.cast(x, tf.float32).")
    mean = reduce_mean(x, axis=axis, keepdims=True)
    return reduce_mean(square(subtract(x, mean)), axis=axis, keepdims=keepdims)


def _std_forward(x, axes, keepdims):
    return np.std(x, axis=axes, keepdims=keepdims)[()]


def _std_vjp(g, ans, x, axes, keepdims):
    # d std / dx = (x - mean) / (n * std); 0 where std == 0 (TF gives NaN there).
    n = _count(x, axes)
    mean = reduce_mean(x, axis=axes, keepdims=True)
    centred = subtract(x, mean)
    s = _expand_to(ans, x, axes, keepdims)
    return multiply(_expand_to(g, x, axes, keepdims), divide_no_nan(centred, multiply(s, float(n))))


REDUCE_STD = Op("reduce_std", via_float32(_std_forward), vjp=_std_vjp, kinds=FLOAT,
                doc="Population standard deviation. d/dx = (x - mean)/(n std), 0 for a constant input "
                    "(where TF gives NaN).")


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Population standard deviation over ``axis`` (``tf.math.reduce_std``)."""
    return _reduce(REDUCE_STD, input_tensor, axis, keepdims, "reduce_std")


def _any_forward(x, axes, keepdims):
    return np.any(x, axis=axes, keepdims=keepdims)[()]


def _all_forward(x, axes, keepdims):
    return np.all(x, axis=axes, keepdims=keepdims)[()]


REDUCE_ANY = Op("reduce_any", _any_forward, vjp=None, kinds="b", doc="Logical or over axes.")
REDUCE_ALL = Op("reduce_all", _all_forward, vjp=None, kinds="b", doc="Logical and over axes.")


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Logical or over ``axis`` (``tf.reduce_any``); needs a bool tensor."""
    return _reduce(REDUCE_ANY, input_tensor, axis, keepdims, "reduce_any")


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: Optional[str] = None) -> Tensor:
    """Logical and over ``axis`` (``tf.reduce_all``); needs a bool tensor."""
    return _reduce(REDUCE_ALL, input_tensor, axis, keepdims, "reduce_all")


def _arg_forward(fn, nan_as):
    def forward(x, axis, output_type):
        if x.ndim and x.shape[axis] == 0:
            raise InvalidArgumentError("argmax/argmin over an empty axis is undefined.")
        if x.dtype.kind in "fc":
            nans = np.isnan(x)
            # TF skips NaNs: an all-NaN slice gives index 0 (a device array is not read back to test)
            if _array.is_device(x) or nans.any():
                x = np.where(nans, x.dtype.type(nan_as), x)
        return fn(x, axis=axis).astype(output_type)[()]
    return forward


ARGMAX = Op("argmax", _arg_forward(np.argmax, -np.inf), vjp=None,
            doc="Index of the largest value (first on ties; NaNs count as -inf, as TF's kernel). "
                "Integer output: no gradient.")
ARGMIN = Op("argmin", _arg_forward(np.argmin, np.inf), vjp=None,
            doc="Index of the smallest value (first on ties; NaNs count as +inf, as TF's kernel). "
                "Integer output: no gradient.")


def _arg(op: Op, input: Any, axis: Any, output_type: Any, name: str) -> Tensor:  # noqa: A002
    from .. import dtypes as _dtypes
    x = convert_to_tensor(input)
    nd = x._value.ndim
    if axis is None:
        axis = 0
    (ax,) = _axes(int(getattr(axis, "_value", axis)), nd, name) or (0,)
    return apply(op, (x,), {"axis": ax if nd else None, "output_type": _dtypes.to_numpy(output_type)})


def argmax(input: Any, axis: Any = None, output_type: Any = np.int64, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Indices of the maximum along ``axis`` (default 0), int64 (``tf.math.argmax``)."""
    return _arg(ARGMAX, input, axis, output_type, "argmax")


def argmin(input: Any, axis: Any = None, output_type: Any = np.int64, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Indices of the minimum along ``axis`` (default 0), int64 (``tf.math.argmin``)."""
    return _arg(ARGMIN, input, axis, output_type, "argmin")


# -- scans -------------------------------------------------------------------------------------

def _scan(fn, identity):
    def forward(x, axis, exclusive, reverse):
        if reverse:
            x = np.flip(x, axis)
        out = fn(x, axis=axis, dtype=x.dtype)
        if exclusive:
            out = np.concatenate([np.full_like(np.take(out, [0], axis=axis), identity),
                                  np.take(out, np.arange(out.shape[axis] - 1), axis=axis)], axis=axis)
        if reverse:
            out = np.flip(out, axis)
        return out
    return forward


CUMSUM = Op("cumsum", via_float32(_scan(np.cumsum, 0)),
            vjp=lambda g, ans, x, axis, exclusive, reverse: cumsum(g, axis, exclusive, not reverse),
            doc="Cumulative sum. The gradient is the cumulative sum of the upstream in the other "
                "direction.")


def cumsum(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
           name: Optional[str] = None) -> Tensor:
    """Cumulative sum along ``axis`` (``tf.math.cumsum``)."""
    x = convert_to_tensor(x)
    (ax,) = _axes(axis, x._value.ndim, "cumsum")
    return apply(CUMSUM, (x,), {"axis": ax, "exclusive": bool(exclusive), "reverse": bool(reverse)})


def _cumprod_vjp(g, ans, x, axis, exclusive, reverse):
    # grad_i = sum_{j in scan(i)} g_j * prod_{k in scan(j), k != i} x_k, computed without division
    # so zeros are exact: build the (n, n) matrix of partial products along the scanned axis.
    from .shape import expand_dims, transpose
    n = np.shape(x._value)[axis]
    if n > 64:
        # Long scans: TF's division formula (O(n); inexact where x has zeros).
        return divide(cumsum(multiply(ans, g), axis, exclusive, not reverse), x)
    nd = x._value.ndim
    # Move the axis last: xs [..., n]
    perm = tuple(i for i in range(nd) if i != axis) + (axis,)
    inv = tuple(int(i) for i in np.argsort(perm))
    xs = transpose(x, perm)
    gs = transpose(g, perm)
    idx = np.arange(n)
    # included[i, j, k]: x_k is a factor of output j and k != i
    j = idx[:, None]
    k = idx[None, :]
    in_out = (k >= j) if reverse else (k <= j)
    if exclusive:
        in_out = in_out & (k != j)
    factor = in_out[None, :, :] & (k[None, :, :] != idx[:, None, None])  # [i, j, k]
    uses_i = in_out.T  # uses_i[i, j]: output j depends on x_i
    xe = expand_dims(expand_dims(xs, -2), -2)  # [..., 1, 1, n]
    dtype = x._value.dtype
    terms = where(_array.const_like(x, factor), xe, _array.const_like(x, np.ones((), dtype)))
    partial = reduce_prod(terms, axis=-1)  # [..., i, j]
    partial = multiply(partial, _array.const_like(x, uses_i.astype(dtype)))
    grad = reduce_sum(multiply(partial, expand_dims(gs, -2)), axis=-1)  # [..., i]
    return transpose(grad, inv)


CUMPROD = Op("cumprod", via_float32(_scan(np.cumprod, 1)), vjp=holomorphic(_cumprod_vjp),
             doc="Cumulative product. The gradient is exact with zeros (no division), "
                 "O(n^2) in the scanned length.")


def cumprod(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
            name: Optional[str] = None) -> Tensor:
    """Cumulative product along ``axis`` (``tf.math.cumprod``)."""
    x = convert_to_tensor(x)
    (ax,) = _axes(axis, x._value.ndim, "cumprod")
    return apply(CUMPROD, (x,), {"axis": ax, "exclusive": bool(exclusive), "reverse": bool(reverse)})


def count_nonzero(input: Any, axis: Any = None, keepdims: bool = False, dtype: Any = np.int64,  # noqa: A002
                  name: Optional[str] = None) -> Tensor:
    """Number of non-zero entries over ``axis`` (``tf.math.count_nonzero``)."""
    x = convert_to_tensor(input)
    axes = _axes(axis, x._value.ndim, "count_nonzero")
    from .math import cast
    # with ops (not NumPy on the value), so that a compiled function counts on every call
    nz = cast(cast(x, np.bool_), dtype)
    return reduce_sum(nz, axis=list(axes) if axes is not None else None, keepdims=keepdims)
