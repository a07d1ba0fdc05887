"""Elementwise math: arithmetic, powers, exponentials, trigonometry, comparisons, casts, ``where``.

Each op is one block: its :class:`Op` (forward on NumPy values, gradient rule in gradtape ops)
and its public function with TF's name. ``g`` is the upstream gradient, ``ans`` the forward output.

Rules whose derivative can be infinite (``sqrt``, ``log``, ``pow``, ``asin``...) multiply the
upstream with ``multiply_no_nan``: where the upstream is exactly 0 the result is 0, not NaN, so
``where(x > 0, sqrt(x), 0)`` has a clean gradient at 0 (the "where NaN trap").
"""
from __future__ import annotations

import inspect as _inspect
import math as _pymath
import operator as _operator
from typing import Any, Optional

import numpy as np

from .. import _array, dtypes as _dtypes
from ..dispatch import apply, binary, unary, convert_to_tensor, ACTIVE, record, bad_dtype
from .._bf16 import via_float32
from ..registry import Op, FLOAT, NUMERIC, ANY, REAL, REAL_NUMERIC
from ..tensor import Tensor

_new = object.__new__


def _conj(x: Any) -> Any:
    """``conj(x)`` for complex tensors, ``x`` itself otherwise (TF's complex gradient convention)."""
    if type(x) is Tensor:
        v = x._value
        if type(v) is not _f32 and v.dtype.kind == "c":     # (float32 scalars: by their type)
            return conj(x)
    return x


_f32 = np.float32


def _conj_all(out: Any) -> Any:
    if isinstance(out, tuple):
        return tuple(None if o is None else conj(o) for o in out)
    return conj(out)


def holomorphic(rule: Any) -> Any:
    """TF's complex convention for a rule written as the real derivative ``g * f'(x)``.

    For a holomorphic ``f`` the gradient is ``g * conj(f'(z))``, computed as
    ``conj(rule(conj(g)))``; real dtypes call the rule unchanged. A tuple of per-input rules is
    wrapped rule by rule."""
    if isinstance(rule, tuple):
        return tuple(None if r is None else holomorphic(r) for r in rule)
    code = getattr(rule, "__code__", None)
    if code is not None and code.co_argcount == 3 and not code.co_kwonlyargcount \
            and not code.co_flags & (_inspect.CO_VARARGS | _inspect.CO_VARKEYWORDS):
        # The common one-input rule ``(g, ans, x)``: a wrapper of the same arity (no packing of
        # arguments), as cheap as a wrapper can be on the real path every unary op takes.
        def vjp(g: Any, ans: Any, x: Any) -> Any:
            if g._value.dtype.kind != "c":
                return rule(g, ans, x)
            return _conj_all(rule(conj(g), ans, x))
    else:
        def vjp(g: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
            if g._value.dtype.kind != "c":
                return rule(g, ans, *args, **kwargs)
            return _conj_all(rule(conj(g), ans, *args, **kwargs))

    vjp.__name__ = getattr(rule, "__name__", "vjp")
    return vjp


# -- arithmetic --------------------------------------------------------------------------------

# Forwards use Python's operators where they exist: on NumPy scalars (0-d values are held as
# scalars) they take NumPy's scalar fast path, several times faster than calling the ufunc;
# on arrays they are the ufunc.
ADD = Op("add", _operator.add,
         vjp=(lambda g, ans, x, y: g,
              lambda g, ans, x, y: g),
         doc="x + y. d/dx = d/dy = 1 (broadcast dimensions are summed by the tape).")
add = binary(ADD)

SUBTRACT = Op("subtract", _operator.sub,
              vjp=(lambda g, ans, x, y: g,
                   lambda g, ans, x, y: negative(g)),
              doc="x - y. d/dx = 1, d/dy = -1.")
subtract = binary(SUBTRACT)

MULTIPLY = Op("multiply", _operator.mul,
              vjp=(lambda g, ans, x, y: multiply(g, _conj(y)),
                   lambda g, ans, x, y: multiply(g, _conj(x))),
              doc="x * y. d/dx = y, d/dy = x.")
multiply = binary(MULTIPLY)


DIVIDE = Op("divide", _operator.truediv,
            vjp=(lambda g, ans, x, y: divide(g, _conj(y)),
                 lambda g, ans, x, y: negative(multiply(g, _conj(divide(ans, y))))),
            doc="x / y (true division; integers give float64 as in TF). d/dx = 1/y, d/dy = -x/y^2.")
divide = binary(DIVIDE)
truediv = divide

def _integer_division(fn: Any, op_name: str) -> Any:
    """``fn`` (floor_divide, mod) raising TF's ``Integer division by zero`` error for an integer
    divisor that holds a 0 (NumPy would return 0 with a warning)."""
    def forward(x: Any, y: Any) -> Any:
        if getattr(y, "dtype", None) is not None and y.dtype.kind in "iu" and not np.all(y):
            from ..errors import InvalidArgumentError
            raise InvalidArgumentError(f"Integer division by zero [Op:{op_name}]: the divisor holds a 0. "
                                       "Mask it first, e.g. tf.where(y == 0, 1, y).")
        return fn(x, y)
    return forward


FLOORDIV = Op("floordiv", _integer_division(np.floor_divide, "FloorDiv"), vjp=None,
              doc="floor(x / y); integer division by zero raises InvalidArgumentError. No gradient.")
floordiv = binary(FLOORDIV)
floor_div = floordiv

MOD = Op("mod", _integer_division(np.mod, "FloorMod"), vjp=None,
         doc="x mod y with the sign of y (Python's %, TF's floormod); integer division by zero raises "
             "InvalidArgumentError. No gradient.")
mod = binary(MOD)
floormod = mod


def _mul_no_nan(x, y):
    r = np.multiply(x, y)
    return np.where(y == 0, r.dtype.type(0), r)


MULTIPLY_NO_NAN = Op("multiply_no_nan", _mul_no_nan,
                     vjp=holomorphic((lambda g, ans, x, y: multiply_no_nan(g, y),
                          lambda g, ans, x, y: multiply_no_nan(x, g))),
                     kinds=FLOAT,
                     doc="x * y, but 0 wherever y == 0 even if x is inf or NaN (tf.math.multiply_no_nan).")
multiply_no_nan = binary(MULTIPLY_NO_NAN)


def _div_no_nan(x, y):
    zero = y == 0
    r = np.true_divide(x, np.where(zero, y.dtype.type(1), y))
    return np.where(zero, r.dtype.type(0), r)


DIVIDE_NO_NAN = Op("divide_no_nan", _div_no_nan,
                   vjp=holomorphic((lambda g, ans, x, y: divide_no_nan(g, y),
                        lambda g, ans, x, y: negative(divide_no_nan(multiply(g, ans), y)))),
                   kinds=FLOAT,
                   doc="x / y, but 0 wherever y == 0 (tf.math.divide_no_nan).")
divide_no_nan = binary(DIVIDE_NO_NAN)


def _pow_vjp_x(g, ans, x, p):
    # d/dx x^p = p x^(p-1); multiply_no_nan makes it 0 where p*g == 0 (x^0 has derivative 0 at 0).
    if type(p) is not Tensor:
        if p == 0:
            return multiply(g, 0)
        return multiply_no_nan(_conj(multiply(pow(x, p - 1), p)), g)
    return multiply_no_nan(_conj(pow(x, subtract(p, 1))), multiply(_conj(p), g))


def _pow_vjp_p(g, ans, x, p):
    # d/dp x^p = x^p log x; TF masks it to 0 where x <= 0 (log undefined).
    if x._value.dtype.kind == "c":
        return multiply(g, _conj(multiply(ans, log(x))))
    positive = greater(x, 0)
    safe_log = where(positive, log(where(positive, x, 1)), 0)
    return multiply(g, multiply(ans, safe_log))


POW = Op("pow", np.power, vjp=(_pow_vjp_x, _pow_vjp_p),
         doc="x ** p. d/dx = p x^(p-1) (0 where p == 0), d/dp = x^p log x (0 where x <= 0).")
_pow = binary(POW)


def pow(x: Any, y: Any, name: Optional[str] = None) -> Tensor:  # noqa: A001  (TF's name)
    """``x ** y`` elementwise (``tf.math.pow``)."""
    return _pow(x, y)


NEGATIVE = Op("negative", _operator.neg, vjp=lambda g, ans, x: negative(g), doc="-x.")
negative = unary(NEGATIVE)
neg = negative


def _abs_vjp(g, ans, x):
    if x._value.dtype.kind == "c":
        # TF: d|z| -> g * z / |z| (0 at z = 0).
        return multiply(cast(g, x.dtype), divide_no_nan(x, cast(ans, x.dtype)))
    return multiply(g, sign(x))


ABS = Op("abs", np.abs, vjp=_abs_vjp, doc="|x|. d/dx = sign(x), 0 at 0 as in TF.")
abs = unary(ABS)  # noqa: A001

SIGN = Op("sign", np.sign, vjp=lambda g, ans, x: zeros_like_t(g),
          doc="sign(x). Its gradient is 0 everywhere (TF gives zeros).")
sign = unary(SIGN)

SQUARE = Op("square", np.square, vjp=lambda g, ans, x: multiply(g, multiply(_conj(x), 2)),
            doc="x^2. d/dx = 2x.")
square = unary(SQUARE)

SQRT = Op("sqrt", np.sqrt, vjp=lambda g, ans, x: multiply_no_nan(divide(0.5, _conj(ans)), g),
          kinds=FLOAT, doc="sqrt(x). d/dx = 0.5/sqrt(x); 0 where the upstream is 0.")
sqrt = unary(SQRT)


def _rsqrt(x):
    return 1 / np.sqrt(x)


RSQRT = Op("rsqrt", _rsqrt,
           vjp=holomorphic(lambda g, ans, x: multiply_no_nan(multiply(pow(ans, 3), -0.5), g)),
           kinds=FLOAT, doc="1/sqrt(x). d/dx = -0.5 x^(-3/2); 0 where the upstream is 0.")
rsqrt = unary(RSQRT)


def _reciprocal(x):
    return np.reciprocal(x) if x.dtype.kind in "fc" else 1 / x


RECIPROCAL = Op("reciprocal", _reciprocal,
                vjp=lambda g, ans, x: multiply_no_nan(negative(square(_conj(ans))), g),
                kinds=FLOAT, doc="1/x. d/dx = -1/x^2.")
reciprocal = unary(RECIPROCAL)

EXP = Op("exp", np.exp, vjp=lambda g, ans, x: multiply(g, _conj(ans)), kinds=FLOAT,
         doc="e^x. d/dx = e^x (reuses the output).")
exp = unary(EXP)

EXPM1 = Op("expm1", np.expm1, vjp=holomorphic(lambda g, ans, x: multiply(g, add(ans, 1))), kinds=FLOAT,
           doc="e^x - 1. d/dx = e^x.")
expm1 = unary(EXPM1)

LOG = Op("log", np.log, vjp=lambda g, ans, x: multiply_no_nan(reciprocal(_conj(x)), g), kinds=FLOAT,
         doc="ln x. d/dx = 1/x; 0 where the upstream is 0.")
log = unary(LOG)

LOG1P = Op("log1p", np.log1p, vjp=holomorphic(lambda g, ans, x: multiply_no_nan(reciprocal(add(x, 1)), g)),
           kinds=FLOAT, doc="ln(1 + x). d/dx = 1/(1 + x).")
log1p = unary(LOG1P)

SIN = Op("sin", np.sin, vjp=holomorphic(lambda g, ans, x: multiply(g, cos(x))), kinds=FLOAT, doc="d/dx = cos x.")
sin = unary(SIN)

COS = Op("cos", np.cos, vjp=holomorphic(lambda g, ans, x: negative(multiply(g, sin(x)))), kinds=FLOAT,
         doc="d/dx = -sin x.")
cos = unary(COS)

TAN = Op("tan", np.tan, vjp=holomorphic(lambda g, ans, x: multiply(g, add(square(ans), 1))), kinds=FLOAT,
         doc="d/dx = 1 + tan^2 x.")
tan = unary(TAN)

ASIN = Op("asin", np.arcsin,
          vjp=holomorphic(lambda g, ans, x: multiply_no_nan(rsqrt(subtract(1, square(x))), g)), kinds=FLOAT,
          doc="d/dx = 1/sqrt(1 - x^2).")
asin = unary(ASIN)

ACOS = Op("acos", np.arccos,
          vjp=holomorphic(lambda g, ans, x: negative(multiply_no_nan(rsqrt(subtract(1, square(x))), g))),
          kinds=FLOAT, doc="d/dx = -1/sqrt(1 - x^2).")
acos = unary(ACOS)

ATAN = Op("atan", np.arctan, vjp=holomorphic(lambda g, ans, x: divide(g, add(square(x), 1))), kinds=FLOAT,
          doc="d/dx = 1/(1 + x^2).")
atan = unary(ATAN)

ATAN2 = Op("atan2", np.arctan2,
           vjp=(lambda g, ans, y, x: divide_no_nan(multiply(g, x), add(square(x), square(y))),
                lambda g, ans, y, x: negative(divide_no_nan(multiply(g, y), add(square(x), square(y))))),
           kinds=FLOAT,
           doc="atan2(y, x). d/dy = x/(x^2+y^2), d/dx = -y/(x^2+y^2); 0 at (0, 0) instead of NaN.")
atan2 = binary(ATAN2)

SINH = Op("sinh", np.sinh, vjp=holomorphic(lambda g, ans, x: multiply(g, cosh(x))), kinds=FLOAT, doc="d/dx = cosh x.")
sinh = unary(SINH)

COSH = Op("cosh", np.cosh, vjp=holomorphic(lambda g, ans, x: multiply(g, sinh(x))), kinds=FLOAT, doc="d/dx = sinh x.")
cosh = unary(COSH)

TANH = Op("tanh", np.tanh, vjp=holomorphic(lambda g, ans, x: multiply(g, subtract(1, square(ans)))), kinds=FLOAT,
          doc="d/dx = 1 - tanh^2 x (reuses the output).")
tanh = unary(TANH)


def _sigmoid(x):
    if x.dtype.kind == "c":
        return (1 / (1 + np.exp(-x)))[()]
    # Stable for large |x|: exp never overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(x), copy=False)[()]


SIGMOID = Op("sigmoid", _sigmoid,
             vjp=holomorphic(lambda g, ans, x: multiply(g, multiply(ans, subtract(1, ans)))), kinds=FLOAT,
             doc="1/(1 + e^-x). d/dx = s(1 - s); exactly 0 when saturated.")
sigmoid = unary(SIGMOID)


def _softplus(x):
    return np.logaddexp(x.dtype.type(0), x)


SOFTPLUS = Op("softplus", _softplus, vjp=lambda g, ans, x: multiply(g, sigmoid(x)), kinds=REAL,
              doc="log(1 + e^x), stable. d/dx = sigmoid(x).")
softplus = unary(SOFTPLUS)


def _erf(x):
    try:
        from scipy.special import erf as _scipy_erf
        return _scipy_erf(x)
    except ImportError:
        return np.vectorize(_pymath.erf, otypes=[np.result_type(x)])(x)[()]


ERF = Op("erf", via_float32(_erf),
         vjp=lambda g, ans, x: multiply(g, multiply(exp(negative(square(x))), 2 / _pymath.sqrt(_pymath.pi))),
         kinds=REAL, doc="The error function. d/dx = 2/sqrt(pi) e^(-x^2).")
erf = unary(ERF)

MAXIMUM = Op("maximum", np.maximum,
             vjp=(lambda g, ans, x, y: where(greater_equal(x, y), g, 0),
                  lambda g, ans, x, y: where(greater_equal(x, y), 0, g)),
             kinds=REAL_NUMERIC, doc="max(x, y). Ties give the whole gradient to x, as in TF.")
maximum = binary(MAXIMUM)

MINIMUM = Op("minimum", np.minimum,
             vjp=(lambda g, ans, x, y: where(less_equal(x, y), g, 0),
                  lambda g, ans, x, y: where(less_equal(x, y), 0, g)),
             kinds=REAL_NUMERIC, doc="min(x, y). Ties give the whole gradient to x, as in TF.")
minimum = binary(MINIMUM)


def _clip(t, lo, hi):
    return np.minimum(np.maximum(t, lo), hi)


CLIP_BY_VALUE = Op(
    "clip_by_value", _clip,
    vjp=(lambda g, ans, t, lo, hi: where(logical_and(greater_equal(t, lo), less_equal(t, hi)), g, 0),
         lambda g, ans, t, lo, hi: where(less(t, lo), g, 0),
         lambda g, ans, t, lo, hi: where(greater(t, hi), g, 0)),
    doc="Clip t to [lo, hi]. The gradient passes where lo <= t <= hi (bounds inclusive, as in TF); "
        "clipped entries send it to the bound that clipped them.")


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: Optional[str] = None) -> Tensor:
    """Clip ``t`` elementwise to ``[clip_value_min, clip_value_max]`` (``tf.clip_by_value``)."""
    t = convert_to_tensor(t)
    lo = _like(clip_value_min, t)
    hi = _like(clip_value_max, t)
    return apply(CLIP_BY_VALUE, (t, lo, hi))


def _like(v: Any, t: Tensor) -> Any:
    if type(v) is float or type(v) is int:
        return np.asarray(v, dtype=t._value.dtype)[()]
    v = convert_to_tensor(v, dtype_hint=t._value.dtype)
    if v._value.dtype != t._value.dtype:
        from ..dispatch import dtype_mismatch
        raise dtype_mismatch(CLIP_BY_VALUE, t, v)
    return v


ROUND = Op("round", np.round, vjp=None, doc="Round half to even (banker's rounding, as TF). No gradient.")
round = unary(ROUND)  # noqa: A001

FLOOR = Op("floor", np.floor, vjp=None, doc="floor(x). No gradient (TF registers none).")
floor = unary(FLOOR)

CEIL = Op("ceil", np.ceil, vjp=None, doc="ceil(x). No gradient.")
ceil = unary(CEIL)

CONJ = Op("conj", np.conj, vjp=lambda g, ans, x: conj(g), kinds=ANY, doc="Complex conjugate.")
_conj_op = unary(CONJ)


def conj(x: Any, name: Optional[str] = None) -> Tensor:
    """Complex conjugate; real tensors are returned unchanged (``tf.math.conj``)."""
    x = convert_to_tensor(x)
    return _conj_op(x) if x._value.dtype.kind == "c" else x


def _real(x):
    return np.real(x)[()]


REAL = Op("real", _real, vjp=lambda g, ans, x: cast(g, x.dtype), kinds=FLOAT,
          doc="Real part. The gradient is the upstream as a complex number.")
_real_fn = unary(REAL)


def real(x: Any, name: Optional[str] = None) -> Tensor:
    """The real part (``tf.math.real``); real tensors are returned unchanged."""
    x = convert_to_tensor(x)
    return _real_fn(x) if x._value.dtype.kind == "c" else x


def _imag(x):
    return np.imag(x)[()]


IMAG = Op("imag", _imag, vjp=lambda g, ans, x: multiply(cast(g, x.dtype), 1j), kinds=FLOAT,
          doc="Imaginary part. d/dz -> i * upstream (TF's convention).")
_imag_fn = unary(IMAG)


def imag(x: Any, name: Optional[str] = None) -> Tensor:
    """The imaginary part (``tf.math.imag``); zeros for real tensors."""
    x = convert_to_tensor(x)
    if x._value.dtype.kind == "c":
        return _imag_fn(x)
    return multiply(x, 0)


# -- comparisons and logic (no gradients) ------------------------------------------------------

EQUAL = Op("equal", np.equal, vjp=None, kinds=ANY + "O", doc="x == y, elementwise. No gradient.")
equal = binary(EQUAL)
NOT_EQUAL = Op("not_equal", np.not_equal, vjp=None, kinds=ANY + "O", doc="x != y. No gradient.")
not_equal = binary(NOT_EQUAL)
LESS = Op("less", np.less, vjp=None, doc="x < y. No gradient.")
less = binary(LESS)
LESS_EQUAL = Op("less_equal", np.less_equal, vjp=None, doc="x <= y. No gradient.")
less_equal = binary(LESS_EQUAL)
GREATER = Op("greater", np.greater, vjp=None, doc="x > y. No gradient.")
greater = binary(GREATER)
GREATER_EQUAL = Op("greater_equal", np.greater_equal, vjp=None, doc="x >= y. No gradient.")
greater_equal = binary(GREATER_EQUAL)
LOGICAL_AND = Op("logical_and", np.logical_and, vjp=None, kinds="b", doc="x and y. No gradient.")
logical_and = binary(LOGICAL_AND)
LOGICAL_OR = Op("logical_or", np.logical_or, vjp=None, kinds="b", doc="x or y. No gradient.")
logical_or = binary(LOGICAL_OR)
LOGICAL_XOR = Op("logical_xor", np.logical_xor, vjp=None, kinds="b", doc="x xor y. No gradient.")
logical_xor = binary(LOGICAL_XOR)
LOGICAL_NOT = Op("logical_not", np.logical_not, vjp=None, kinds="b", doc="not x. No gradient.")
logical_not = unary(LOGICAL_NOT)
IS_NAN = Op("is_nan", np.isnan, vjp=None, kinds=FLOAT, doc="x is NaN. No gradient.")
is_nan = unary(IS_NAN)
IS_INF = Op("is_inf", np.isinf, vjp=None, kinds=FLOAT, doc="x is +-inf. No gradient.")
is_inf = unary(IS_INF)
IS_FINITE = Op("is_finite", np.isfinite, vjp=None, kinds=FLOAT, doc="x is finite. No gradient.")
is_finite = unary(IS_FINITE)


# -- where and cast ----------------------------------------------------------------------------

def _where(c, x, y):
    if type(c) is not np.ndarray or type(x) is np.ndarray or type(y) is np.ndarray:
        return np.where(c, x, y)
    # a host condition (bools stay in host memory) selecting device data goes to its device
    return np.where(_array.with_kind(x if _array.is_device(x) else y, c), x, y)


WHERE = Op("where", _where,
           vjp=(None,
                lambda g, ans, c, x, y: where(c, g, 0),
                lambda g, ans, c, x, y: where(c, 0, g)),
           kinds=ANY,
           doc="Select x where cond else y. Each branch gets the upstream where it was selected and "
               "0 elsewhere, so an untaken inf/NaN branch does not leak (rules use multiply_no_nan).")


def _argwhere(c):
    return np.argwhere(_array.as_array(c)).astype(np.int64)


ARGWHERE = Op("argwhere", _argwhere, vjp=None, kinds="b",
              doc="Coordinates of the true entries (one-argument tf.where). No gradient.")


def where(condition: Any, x: Any = None, y: Any = None, name: Optional[str] = None) -> Tensor:
    """``tf.where``: elementwise select with broadcasting, or the indices of true entries.

    With ``x`` and ``y``, returns ``x`` where ``condition`` is true and ``y`` elsewhere (all three
    broadcast). With neither, returns the ``int64`` coordinates of the true entries, shape
    ``[num_true, rank]``.
    """
    c = convert_to_tensor(condition)
    if c._value.dtype.kind != "b":
        raise TypeError(f"where: the condition must be a bool tensor, got dtype {c.dtype.name}. "
                        "Compare first, e.g. tf.where(x > 0, ...).")
    if x is None and y is None:
        return apply(ARGWHERE, (c,))
    if x is None or y is None:
        raise ValueError("where: x and y must both be given or both be None.")
    x, y = _operands(x, y, WHERE)
    return apply(WHERE, (c, x, y))


def _operands(x: Any, y: Any, op: Op) -> tuple:
    """Two operands of one dtype: tensors keep theirs; Python values take the other's."""
    xt = type(x) is Tensor or hasattr(type(x), "_gt_read")
    yt = type(y) is Tensor or hasattr(type(y), "_gt_read")
    if xt:
        x = convert_to_tensor(x)
    if yt:
        y = convert_to_tensor(y)
    if xt and yt:
        if x._value.dtype != y._value.dtype:
            from ..dispatch import dtype_mismatch
            raise dtype_mismatch(op, x, y)
    elif xt:
        y = _scalar_like(y, x)
    elif yt:
        x = _scalar_like(x, y)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x._value.dtype)
    return x, y


def _scalar_like(v: Any, t: Tensor) -> Any:
    if type(v) is float or type(v) is int:
        return np.asarray(v, dtype=t._value.dtype)[()]
    return convert_to_tensor(v, dtype=t._value.dtype)


def _cast(x, dtype):
    x = _array.as_array(x)
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = np.real(x)
    return x.astype(dtype)[()]


CAST = Op("cast", _cast, vjp=lambda g, ans, x, dtype: cast(g, x._value.dtype), kinds=ANY,
          doc="Change the dtype between float/complex types; the gradient is cast back.")
CAST_TO_INTEGER = Op("cast_to_integer", _cast, vjp=None, kinds=ANY,
                     doc="A cast to an integer or bool dtype (or from one): no gradient, as in TF.")


def cast(x: Any, dtype: Any, name: Optional[str] = None) -> Tensor:
    """Cast ``x`` to ``dtype`` (``tf.cast``). Floats cast to integers truncate toward zero.

    The gradient flows between floating/complex types (cast back to the source's dtype); a cast
    to or from an integer or bool type cuts it (the gradient is None), as in TF.
    """
    target = _dtypes.to_numpy(dtype)
    x = convert_to_tensor(x)
    src = x._value.dtype
    if src == target:
        return x
    if src.kind == "O" or np.dtype(target).kind == "O":
        from ..errors import UnimplementedError
        raise UnimplementedError(None, None, f"Cast {_dtypes.from_numpy(src).name} to "
                                 f"{_dtypes.as_dtype(dtype).name} is not supported (as in TF): use "
                                 "tf.strings.to_number or tf.strings.as_string.")
    op = CAST if (src.kind in "fcV" and target.kind in "fcV") else CAST_TO_INTEGER
    return apply(op, (x,), {"dtype": target})


def saturate_cast(value: Any, dtype: Any, name: Optional[str] = None) -> Tensor:
    """Cast with clipping to the target type's range (``tf.dtypes.saturate_cast``)."""
    d = _dtypes.as_dtype(dtype)
    x = convert_to_tensor(value)
    if d.is_integer:
        x = clip_by_value(x, max(d.min, float(np.finfo(np.float64).min)), min(d.max, 2 ** 62))
    return cast(x, d)


def zeros_like_t(x: Tensor) -> Tensor:
    from .constructors import zeros_like
    return zeros_like(x)


# -- composites (no rule of their own) ---------------------------------------------------------

def squared_difference(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``(x - y)^2`` (``tf.math.squared_difference``)."""
    return square(subtract(x, y))


def add_n(inputs: Any, name: Optional[str] = None) -> Tensor:
    """Sum a list of same-shape tensors (``tf.add_n``)."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors.")
    total = convert_to_tensor(inputs[0])
    for t in inputs[1:]:
        total = add(total, t)
    return total


def log_sigmoid(x: Any, name: Optional[str] = None) -> Tensor:
    """``log(sigmoid(x))`` computed stably as ``-softplus(-x)`` (``tf.math.log_sigmoid``)."""
    return negative(softplus(negative(x)))


def xlogy(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """``x * log(y)``, 0 where x == 0 (``tf.math.xlogy``)."""
    x, y = _operands(x, y, MULTIPLY)
    safe_y = where(equal(x, 0), 1, y)
    return where(equal(x, 0), 0, multiply(x, log(safe_y)))


def truncatediv(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
    """Integer division rounding toward zero (``tf.truncatediv``). No gradient."""
    x, y = _operands(x, y, FLOORDIV)
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x._value.dtype)
    if y._value.dtype.kind in "iu" and not np.all(y._value):
        from ..errors import InternalError       # TF's CPU kernel reports an InternalError here
        raise InternalError("truncatediv: integer division by zero [Op:TruncateDiv]. Mask the divisor first, "
                            "e.g. tf.where(y == 0, 1, y).")
    if x._value.dtype.kind in "fc":
        q = divide(x, y)
        return where(less(q, 0), ceil(q), floor(q))
    # integers: |x| // |y| with the sign of x * y (C's division, rounding toward zero)
    return multiply(multiply(sign(x), sign(y)), floordiv(abs(x), abs(y)))
