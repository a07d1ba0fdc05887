"""Special functions and less common elementwise math: inverse hyperbolics, ``erfc``, ``xdivy``,
``lgamma``, ``digamma``, ``polygamma``, ``truncatemod``, ``polyval``, ``in_top_k``,
``cumulative_logsumexp``.

Each op is one block, as in ``ops/math.py``: forward on NumPy values, gradient rule in gradtape
ops (so nested tapes give higher orders). The gamma-family forwards are vectorised NumPy
(Lanczos approximation, recurrence + asymptotic series), accurate to float64 rounding level.
"""
from __future__ import annotations

import math as _pymath
from typing import Any, Optional

import numpy as np

from .. import _array
from ..dispatch import apply, unary, binary, convert_to_tensor
from ..errors import InvalidArgumentError
from ..registry import Op, FLOAT, NUMERIC, REAL
from ..tensor import Tensor
from .math import (add, divide, exp, holomorphic, log, multiply, multiply_no_nan, negative, reciprocal, rsqrt,
                   square, subtract, where, equal, erf)


def _f64(fn):
    """Compute ``fn`` in float64 and return the input's float dtype."""
    def forward(x, *rest):
        args = [_array.as_array(v, np.float64) for v in (x,) + rest]
        dev = [v for v in args if _array.is_device(v)]
        if dev and len(dev) < len(args):     # a host parameter (polygamma's order) joins the device data
            args = [v if _array.is_device(v) else _array.like(dev[0], v) for v in args]
        out = fn(*args)
        return _array.as_array(out).astype(np.result_type(x, *rest), copy=False)[()]
    return forward


# -- inverse hyperbolic functions, erfc --------------------------------------------------------

ATANH = Op("atanh", np.arctanh, vjp=holomorphic(lambda g, ans, x: multiply_no_nan(reciprocal(subtract(1, square(x))), g)),
           kinds=FLOAT, doc="d/dx = 1/(1 - x^2).")
atanh = unary(ATANH)

ASINH = Op("asinh", np.arcsinh, vjp=holomorphic(lambda g, ans, x: multiply(g, rsqrt(add(square(x), 1)))),
           kinds=FLOAT, doc="d/dx = 1/sqrt(x^2 + 1).")
asinh = unary(ASINH)

ACOSH = Op("acosh", np.arccosh, vjp=holomorphic(lambda g, ans, x: multiply_no_nan(rsqrt(subtract(square(x), 1)), g)),
           kinds=FLOAT, doc="d/dx = 1/sqrt(x^2 - 1).")
acosh = unary(ACOSH)


def _erfc_forward(x):
    from .math import ERF
    return (1 - ERF.forward(x)).astype(x.dtype, copy=False)[()] if np.ndim(x) or _array.is_device(x) else \
        np.result_type(x).type(1 - ERF.forward(x))


ERFC = Op("erfc", _erfc_forward,
          vjp=lambda g, ans, x: multiply(g, multiply(exp(negative(square(x))), -2 / _pymath.sqrt(_pymath.pi))),
          kinds=REAL, doc="1 - erf(x). d/dx = -2/sqrt(pi) e^(-x^2).")
erfc = unary(ERFC)


# -- xdivy ---------------------------------------------------------------------------------------

def _xdivy(x, y):
    zero = x == 0
    r = np.true_divide(x, np.where(zero, y.dtype.type(1), y))
    return np.where(zero, r.dtype.type(0), r)[()]


XDIVY = Op("xdivy", _xdivy,
           vjp=holomorphic((lambda g, ans, x, y: xdivy(g, y),
                            lambda g, ans, x, y: negative(multiply(g, xdivy(ans, y))))),
           kinds=FLOAT, doc="x / y, 0 where x == 0 (tf.math.xdivy). d/dx = 1/y, d/dy = -x/y^2.")
xdivy = binary(XDIVY)


# -- gamma family --------------------------------------------------------------------------------

_LANCZOS_G = 7.0
_LANCZOS = np.array([0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                     -176.61502916214059, 12.507343278686905, -0.13857109526572012,
                     9.9843695780195716e-6, 1.5056327351493116e-7])


def _lgamma_pos(x):
    """log Gamma(x) for x >= 0.5 (Lanczos, g = 7, n = 9)."""
    z = x - 1.0
    s = np.full_like(z, _LANCZOS[0])
    for i in range(1, 9):
        s = s + _LANCZOS[i] / (z + i)
    t = z + _LANCZOS_G + 0.5
    return 0.5 * np.log(2 * np.pi) + (z + 0.5) * np.log(t) - t + np.log(s)


def _lgamma64(x):
    x = _array.as_array(x, np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        small = x < 0.5
        big = _lgamma_pos(np.where(small, 1.0 - x, x))
        sin_pi = np.abs(np.sin(np.pi * np.where(small, x, 0.5)))
        refl = np.log(np.pi) - np.log(sin_pi) - big
        out = np.where(small, refl, big)
        # poles (non-positive integers) are +inf, as TF's
        out = np.where(small & (x == np.floor(x)), np.inf, out)
        out = np.where(np.isposinf(x), np.inf, out)
    return out


def _digamma64(x):
    x = _array.as_array(x, np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        neg = x < 0
        # reflection psi(x) = psi(1 - x) - pi / tan(pi x) for negative x
        y = np.where(neg, 1.0 - x, x)
        acc = np.zeros_like(y)
        for _ in range(10):            # recurrence psi(y) = psi(y + 1) - 1/y up to y >= 10
            low = y < 10
            acc = acc - np.where(low, 1.0 / np.where(low, y, 1.0), 0.0)
            y = np.where(low, y + 1, y)
        r = 1.0 / (y * y)
        series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132 - r * 691 / 32760)))))
        out = acc + np.log(y) - 0.5 / y - series
        out = np.where(neg, out - np.pi / np.tan(np.pi * x), out)
        out = np.where((x <= 0) & (x == np.floor(x)), np.nan, out)
    return out


# Bernoulli numbers B_2 .. B_16 for the asymptotic series of the polygamma functions.
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510]


def _polygamma64(n, x):
    """psi^(n)(x) for integer n >= 1 (recurrence up to x >= 20, then the asymptotic series);
    +inf at the poles x = 0, -1, -2, ..., NaN for a non-integer or negative n."""
    n = _array.as_array(n, np.float64)
    x = _array.as_array(x, np.float64)
    n, x = np.broadcast_arrays(n, x)
    bad_n = (n < 1) | (n != np.floor(n))
    pole = (x <= 0) & (x == np.floor(x))
    out = np.where(pole & ~bad_n, np.inf, np.nan)
    zero = n == 0
    if _array.is_device(zero) or np.any(zero):
        out = np.where(zero, _digamma64(x), out)
    valid = ~pole & ~bad_n & np.isfinite(x)
    # The smallest valid x sets the number of recurrence steps: one value read back from a device.
    lo = float(_array.to_host(np.min(np.where(valid, x, np.inf)))) if x.size else np.inf
    if lo == np.inf:
        return out[()]
    if lo < -1000:
        raise NotImplementedError("polygamma: x below -1000 is not supported (the recurrence used "
                                  "would take too many steps).")
    # Every entry is computed (invalid ones on placeholders, then discarded): no data-dependent shapes.
    nv = np.where(valid, n, 1.0)
    xv = np.where(valid, x, 20.0)
    fact = np.take(_array.like(x, _FACTORIALS), np.minimum(nv, float(_FACTORIALS.size - 1)).astype(np.int64))
    sign = np.where(nv % 2 == 1, 1.0, -1.0)   # (-1)^(n+1)
    acc = np.zeros_like(xv)
    steps = int(max(0, np.ceil(20 - lo)))
    for _ in range(steps):
        low = xv < 20
        acc = acc + np.where(low, 1.0 / np.where(low, xv, 1.0) ** (nv + 1), 0.0)
        xv = np.where(low, xv + 1, xv)
    # sum_{k>=0} 1/(x+k)^(n+1) ~ x^-n/n + x^-(n+1)/2 + sum_j B_2j (n+1)...(n+2j-1)/(2j)! x^-(n+2j)
    tail = xv ** (-nv) / nv + 0.5 * xv ** (-nv - 1)
    rising = np.ones_like(nv)          # (n+1)(n+2)...(n+2j-1) / (2j)!
    for j, b in enumerate(_BERNOULLI, start=1):
        if j == 1:
            rising = (nv + 1) / 2.0
        else:
            rising = rising * (nv + 2 * j - 2) * (nv + 2 * j - 1) / ((2 * j - 1) * (2 * j))
        tail = tail + b * rising * xv ** (-nv - 2 * j)
    return np.where(valid, sign * fact * (acc + tail), out)[()]


# n! as float64 for n = 0 .. 170 (171! overflows: inf)
_FACTORIALS = np.array([float(_pymath.factorial(i)) for i in range(171)] + [np.inf])


LGAMMA = Op("lgamma", _f64(_lgamma64), vjp=lambda g, ans, x: multiply(g, digamma(x)), kinds=REAL,
            doc="log |Gamma(x)| (Lanczos). d/dx = digamma(x).")
lgamma = unary(LGAMMA)

DIGAMMA = Op("digamma", _f64(_digamma64), vjp=lambda g, ans, x: multiply(g, polygamma(1, x)), kinds=REAL,
             doc="psi(x) = d/dx lgamma(x) (recurrence + asymptotic series). d/dx = polygamma(1, x).")
digamma = unary(DIGAMMA)


def _polygamma_vjp_x(g, ans, a, x):
    return multiply(g, polygamma(add(a, 1), x))


POLYGAMMA = Op("polygamma", _f64(_polygamma64), vjp=(None, _polygamma_vjp_x), kinds=REAL,
               doc="psi^(a)(x), the a-th derivative of digamma; integer a >= 0 (a = 0 gives digamma). d/dx = polygamma(a + 1, x); no gradient for a, as TF.")


def polygamma(a: Any, x: Any, name: Optional[str] = None) -> Tensor:
    """The a-th derivative of the digamma function (``tf.math.polygamma``). ``a`` holds integers
    >= 0 (same float dtype as ``x``); NaN for non-integer ``a``, +inf at the poles; ``x`` below
    -1000 raises NotImplementedError."""
    x = convert_to_tensor(x, dtype_hint=getattr(a, "dtype", None))
    a = convert_to_tensor(a, dtype=x._value.dtype)
    return apply(POLYGAMMA, (a, x))


# -- truncatemod, polyval, in_top_k, cumulative_logsumexp --------------------------------------

TRUNCATEMOD = Op("truncatemod", np.fmod, vjp=None, kinds=NUMERIC,
                 doc="Remainder of division rounding toward zero (C's fmod; sign of x). No gradient.")


def truncatemod(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x - truncatediv(x, y) * y``: the remainder with the sign of ``x`` (``tf.truncatemod``)."""
    x = convert_to_tensor(x, dtype_hint=getattr(y, "dtype", None))
    y = convert_to_tensor(y, dtype=x._value.dtype)
    if x._value.dtype.kind in "iu" and not np.all(y._value):
        raise InvalidArgumentError("Integer division by zero [Op:TruncateMod]: the divisor holds a 0.")
    return apply(TRUNCATEMOD, (x, y))


def polyval(coeffs: Any, x: Any, name: Optional[str] = None) -> Tensor:
    """``coeffs[0] * x^(n-1) + ... + coeffs[n-1]`` by Horner's rule (``tf.math.polyval``);
    ``coeffs`` is a list of tensors (or numbers). Differentiable in all of them."""
    x = convert_to_tensor(x)
    if isinstance(coeffs, Tensor):
        raise ValueError("polyval: coeffs must be a list of tensors, got a single Tensor; "
                         "use tf.unstack(coeffs) to pass its entries.")
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"polyval: coeffs must be a list, got {type(coeffs).__name__}.")
    if not coeffs:
        from .constructors import zeros_like
        return zeros_like(x)
    p = convert_to_tensor(coeffs[0], dtype=x._value.dtype)
    for c in coeffs[1:]:
        p = add(multiply(p, x), convert_to_tensor(c, dtype=x._value.dtype))
    return p


def _in_top_k(predictions, targets, k):
    if _array.is_device(targets):
        ok = (targets >= 0) & (targets < predictions.shape[1])
        targets = np.where(ok, targets, targets.dtype.type(0))
    else:
        ok = True
    rows = _array.arange(predictions.shape[0], ref=targets)
    target_vals = predictions[rows, targets]
    better = np.sum(predictions > target_vals[:, None], axis=1)
    finite = np.all(np.isfinite(predictions), axis=1)
    return (finite & (better < k)) & ok


IN_TOP_K = Op("in_top_k", _in_top_k, vjp=None, kinds=NUMERIC,
              doc="Whether predictions[i, targets[i]] is among the k largest of row i (ties at the "
                  "boundary count as in; a row with a non-finite prediction gives False, as TF).")


def in_top_k(targets: Any, predictions: Any, k: int, name: Optional[str] = None) -> Tensor:
    """``tf.math.in_top_k(targets, predictions, k)``: a bool vector, True where the target class's
    prediction is among the top ``k`` of its row (TF 2 argument order: targets first)."""
    targets = convert_to_tensor(targets)
    predictions = convert_to_tensor(predictions)
    pv, tv = predictions._value, targets._value
    if np.ndim(pv) != 2 or np.ndim(tv) != 1 or tv.shape[0] != pv.shape[0]:
        raise InvalidArgumentError(f"in_top_k: predictions must be [batch, classes] and targets [batch], "
                                   f"got {list(np.shape(pv))} and {list(np.shape(tv))}.")
    if tv.dtype.kind not in "iu":
        raise TypeError(f"in_top_k: targets must be int32 or int64, got {tv.dtype}.")
    # (device targets are not read back: an out-of-range target gives False, as TF on GPU)
    if not _array.is_device(tv) and np.any((tv < 0) | (tv >= pv.shape[1])):
        raise InvalidArgumentError(f"in_top_k: targets must be in [0, {pv.shape[1]}), got {tv.tolist()}.")
    return apply(IN_TOP_K, (predictions, targets), {"k": int(k)})


def cumulative_logsumexp(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
                         name: Optional[str] = None) -> Tensor:
    """``log(cumsum(exp(x)))`` computed stably (``tf.math.cumulative_logsumexp``); composite of
    differentiable ops, so it has gradients of every order."""
    from .reduction import cumsum, reduce_max
    from .shape import stop_gradient
    x = convert_to_tensor(x)
    if x._value.dtype.kind not in "fV":
        raise TypeError(f"cumulative_logsumexp: x must be floating point, got {x._value.dtype}.")
    m = stop_gradient(reduce_max(x, axis=axis, keepdims=True))
    from .math import is_finite
    m = where(is_finite(m), m, 0)
    return add(log(cumsum(exp(subtract(x, m)), axis=axis, exclusive=exclusive, reverse=reverse)), m)
