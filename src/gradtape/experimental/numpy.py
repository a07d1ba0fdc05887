"""``tf.experimental.numpy``: NumPy's API returning tensors, with NumPy's dtype rules (Python
ints become int64, floats float64, mixed operands are promoted with ``np.result_type``), so
``tnp.mean([1, 2])`` is a float64 tensor as in TF. Every function is built from gradtape ops,
so gradients flow through it.

``experimental_enable_numpy_behavior()`` gives tensors NumPy's methods (``reshape``, ``astype``,
``T``, ``ravel``, ``mean``...) and lets binary operators promote mixed dtypes instead of raising,
as TF does once it is called.
"""
from __future__ import annotations

import threading
from typing import Any, Optional

import numpy as _np

from .. import dtypes as _dtypes
from ..dispatch import convert_to_tensor
from ..tensor import Tensor

ndarray = Tensor
newaxis = None
pi, e, inf, nan = _np.pi, _np.e, _np.inf, _np.nan
bool_, int8, int16, int32, int64 = _np.bool_, _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128


def _np_dtype(dtype: Any) -> Optional[_np.dtype]:
    if dtype is None:
        return None
    if isinstance(dtype, _dtypes.DType):
        return _np.dtype(dtype.as_numpy_dtype)
    return _np.dtype(dtype)


def asarray(a: Any, dtype: Any = None) -> Tensor:
    """``a`` as a tensor with NumPy's dtype inference (``tnp.asarray``); tensors pass through
    (cast when ``dtype`` differs)."""
    dt = _np_dtype(dtype)
    if isinstance(a, Tensor) or hasattr(type(a), "_gt_read"):
        t = convert_to_tensor(a)
        return t if dt is None or t._value.dtype == dt else _cast(t, dt)
    if isinstance(a, (list, tuple)) and any(isinstance(v, Tensor) for v in a):
        from ..ops.shape import stack
        parts = [asarray(v) for v in a]
        common = _np.result_type(*[p._value.dtype for p in parts]) if dt is None else dt
        return stack([_cast(p, common) for p in parts])
    return convert_to_tensor(_np.asarray(a, dtype=dt))


def array(val: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Tensor:
    """A new tensor from ``val`` (``tnp.array``); ``ndmin`` prepends axes of size 1."""
    from ..ops.shape import identity
    t = asarray(val, dtype)
    t = identity(t) if copy else t
    while t._value.ndim < ndmin:
        t = expand_dims(t, 0)
    return t


def copy(a: Any) -> Tensor:
    """A copy of ``a`` (``tnp.copy``)."""
    return array(a, copy=True)


def _cast(t: Tensor, dt: Any) -> Tensor:
    from ..ops.math import cast
    dt = _np.dtype(dt)
    return t if t._value.dtype == dt else cast(t, dt)


def _promote(*args: Any) -> list:
    ts = [asarray(a) for a in args]
    common = _np.result_type(*[t._value.dtype for t in ts])
    return [_cast(t, common) for t in ts]


def _float(t: Tensor) -> Tensor:
    """NumPy's transcendental functions turn integers and bools into float64."""
    return t if t._value.dtype.kind in "fcV" else _cast(t, _np.float64)


def _unary(name: str, op_name: str, to_float: bool = False):
    def fn(x: Any) -> Tensor:
        import gradtape
        t = asarray(x)
        if to_float:
            t = _float(t)
        return _resolve(gradtape, op_name)(t)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` on a tensor (``tnp.{name}``)."
    return fn


def _binary(name: str, op_name: str, to_float: bool = False):
    def fn(x1: Any, x2: Any) -> Tensor:
        import gradtape
        a, b = _promote(x1, x2)
        if to_float:
            a, b = _float(a), _float(b)
        return _resolve(gradtape, op_name)(a, b)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` with NumPy's dtype promotion (``tnp.{name}``)."
    return fn


def _resolve(root: Any, dotted: str) -> Any:
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


exp = _unary("exp", "exp", True)
log = _unary("log", "math.log", True)
log1p = _unary("log1p", "math.log1p", True)
sqrt = _unary("sqrt", "sqrt", True)
sin = _unary("sin", "sin", True)
cos = _unary("cos", "cos", True)
tan = _unary("tan", "math.tan", True)
tanh = _unary("tanh", "tanh", True)
arctan = _unary("arctan", "math.atan", True)
square = _unary("square", "square")
absolute = abs = _unary("absolute", "abs")
negative = _unary("negative", "negative")
sign = _unary("sign", "sign")
floor = _unary("floor", "math.floor", True)
ceil = _unary("ceil", "math.ceil", True)

add = _binary("add", "add")
subtract = _binary("subtract", "subtract")
multiply = _binary("multiply", "multiply")
true_divide = divide = _binary("divide", "divide", True)
floor_divide = _binary("floor_divide", "math.floordiv")
mod = remainder = _binary("mod", "math.floormod")
power = _binary("power", "pow")
maximum = _binary("maximum", "maximum")
minimum = _binary("minimum", "minimum")


def matmul(x1: Any, x2: Any) -> Tensor:
    """Matrix product with NumPy's promotion (``tnp.matmul``)."""
    from ..ops.linalg import matmul as _mm
    a, b = _promote(x1, x2)
    return _mm(a, b)


def dot(a: Any, b: Any) -> Tensor:
    """NumPy's ``dot``: scalars multiply, vectors give the inner product, otherwise the last axis
    of ``a`` against the second-to-last of ``b`` (``tnp.dot``)."""
    from ..ops.linalg import tensordot
    x, y = _promote(a, b)
    if x._value.ndim == 0 or y._value.ndim == 0:
        return x * y
    if y._value.ndim == 1:
        return tensordot(x, y, [[x._value.ndim - 1], [0]])
    return tensordot(x, y, [[x._value.ndim - 1], [y._value.ndim - 2]])


def _reduction(name: str, op_name: str, to_float: bool = False, int_to_int64: bool = False):
    def fn(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tensor:
        import gradtape
        t = asarray(a)
        if dtype is not None:
            t = _cast(t, _np_dtype(dtype))
        elif to_float:
            t = _float(t)
        elif int_to_int64 and t._value.dtype.kind in "biu":
            t = _cast(t, _np.int64 if t._value.dtype.kind != "u" else _np.uint64)
        ax = list(axis) if isinstance(axis, tuple) else axis
        return _resolve(gradtape, op_name)(t, axis=ax, keepdims=keepdims)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` over ``axis`` (``tnp.{name}``)."
    return fn


sum = _reduction("sum", "reduce_sum", int_to_int64=True)  # noqa: A001
prod = _reduction("prod", "reduce_prod", int_to_int64=True)
mean = _reduction("mean", "reduce_mean", to_float=True)
std = _reduction("std", "math.reduce_std", to_float=True)
var = _reduction("var", "math.reduce_variance", to_float=True)


def amax(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The maximum over ``axis`` (``tnp.amax``, ``tnp.max``)."""
    from ..ops.reduction import reduce_max
    return reduce_max(asarray(a), axis=list(axis) if isinstance(axis, tuple) else axis, keepdims=keepdims)


def amin(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The minimum over ``axis`` (``tnp.amin``, ``tnp.min``)."""
    from ..ops.reduction import reduce_min
    return reduce_min(asarray(a), axis=list(axis) if isinstance(axis, tuple) else axis, keepdims=keepdims)


max = amax  # noqa: A001
min = amin  # noqa: A001


def argmax(a: Any, axis: Optional[int] = None) -> Tensor:
    """Index of the maximum, over the flattened array when ``axis`` is None (``tnp.argmax``)."""
    import gradtape
    t = asarray(a)
    if axis is None:
        t, axis = gradtape.reshape(t, [-1]), 0
    return gradtape.argmax(t, axis=axis)


def argmin(a: Any, axis: Optional[int] = None) -> Tensor:
    """Index of the minimum, over the flattened array when ``axis`` is None (``tnp.argmin``)."""
    import gradtape
    t = asarray(a)
    if axis is None:
        t, axis = gradtape.reshape(t, [-1]), 0
    return gradtape.argmin(t, axis=axis)


def reshape(a: Any, newshape: Any, order: str = "C") -> Tensor:
    """``a`` with shape ``newshape`` (``tnp.reshape``; only C order)."""
    import gradtape
    if order != "C":
        raise NotImplementedError(f"tnp.reshape: order={order!r} is not supported; only 'C'.")
    return gradtape.reshape(asarray(a), [newshape] if isinstance(newshape, int) else list(newshape))


def ravel(a: Any) -> Tensor:
    """``a`` flattened (``tnp.ravel``)."""
    return reshape(a, [-1])


def transpose(a: Any, axes: Any = None) -> Tensor:
    """Axes permuted, reversed by default (``tnp.transpose``)."""
    import gradtape
    return gradtape.transpose(asarray(a), perm=None if axes is None else list(axes))


def expand_dims(a: Any, axis: int) -> Tensor:
    """A new axis of size 1 at ``axis`` (``tnp.expand_dims``)."""
    import gradtape
    return gradtape.expand_dims(asarray(a), axis)


def squeeze(a: Any, axis: Any = None) -> Tensor:
    """Axes of size 1 removed (``tnp.squeeze``)."""
    import gradtape
    return gradtape.squeeze(asarray(a), axis=[axis] if isinstance(axis, int) else axis)


def concatenate(arys: Any, axis: int = 0) -> Tensor:
    """Join along an existing axis with NumPy's promotion (``tnp.concatenate``)."""
    import gradtape
    return gradtape.concat(_promote(*arys), axis=axis)


def stack(arrays: Any, axis: int = 0) -> Tensor:
    """Join along a new axis with NumPy's promotion (``tnp.stack``)."""
    import gradtape
    return gradtape.stack(_promote(*arrays), axis=axis)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elementwise choice, or the indices of true entries with one argument (``tnp.where``)."""
    import gradtape
    c = asarray(condition)
    if x is None and y is None:
        nz = _np.nonzero(_np.asarray(c._value))
        return tuple(convert_to_tensor(i.astype(_np.int64)) for i in nz)
    a, b = _promote(x, y)
    return gradtape.where(_cast(c, _np.bool_), a, b)


def clip(a: Any, a_min: Any, a_max: Any) -> Tensor:
    """Values limited to ``[a_min, a_max]`` (``tnp.clip``)."""
    import gradtape
    t, lo, hi = _promote(a, a_min, a_max)
    return gradtape.clip_by_value(t, lo, hi)


def zeros(shape: Any, dtype: Any = float) -> Tensor:
    """Zeros, float64 by default (``tnp.zeros``)."""
    return convert_to_tensor(_np.zeros(shape, dtype=_np_dtype(dtype)))


def ones(shape: Any, dtype: Any = float) -> Tensor:
    """Ones, float64 by default (``tnp.ones``)."""
    return convert_to_tensor(_np.ones(shape, dtype=_np_dtype(dtype)))


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    """``fill_value`` everywhere (``tnp.full``)."""
    return convert_to_tensor(_np.full(shape, _np.asarray(getattr(fill_value, "_value", fill_value)),
                                      dtype=_np_dtype(dtype)))


def zeros_like(a: Any, dtype: Any = None) -> Tensor:
    """Zeros with ``a``'s shape and dtype (``tnp.zeros_like``)."""
    t = asarray(a)
    return zeros(t.shape.as_list(), dtype or t._value.dtype)


def ones_like(a: Any, dtype: Any = None) -> Tensor:
    """Ones with ``a``'s shape and dtype (``tnp.ones_like``)."""
    t = asarray(a)
    return ones(t.shape.as_list(), dtype or t._value.dtype)


def eye(N: int, M: Optional[int] = None, k: int = 0, dtype: Any = float) -> Tensor:  # noqa: N803
    """Ones on the ``k``-th diagonal (``tnp.eye``)."""
    return convert_to_tensor(_np.eye(N, M, k, dtype=_np_dtype(dtype)))


def identity(n: int, dtype: Any = float) -> Tensor:
    """The identity matrix (``tnp.identity``)."""
    return eye(n, dtype=dtype)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` with NumPy's dtype (``tnp.arange``)."""
    return convert_to_tensor(_np.arange(start, stop, step, dtype=_np_dtype(dtype)) if stop is not None
                             else _np.arange(start, dtype=_np_dtype(dtype)))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype: Any = float, axis: int = 0) -> Any:
    """``num`` evenly spaced values (``tnp.linspace``)."""
    out = _np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=_np_dtype(dtype), axis=axis)
    if retstep:
        return convert_to_tensor(out[0]), out[1]
    return convert_to_tensor(out)


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Whether every entry is close (``tnp.allclose``)."""
    x, y = _promote(a, b)
    return convert_to_tensor(_np.allclose(_np.asarray(x._value), _np.asarray(y._value), rtol, atol, equal_nan))


class _Random:
    """``tnp.random``: NumPy-style random numbers from a seeded generator of their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = _np.random.default_rng()

    def seed(self, s: int) -> None:
        """Reseed (``tnp.random.seed``)."""
        with self._lock:
            self._rng = _np.random.default_rng(s)

    def _draw(self, fn: str, *args: Any, **kw: Any) -> Tensor:
        with self._lock:
            return convert_to_tensor(_np.asarray(getattr(self._rng, fn)(*args, **kw)))

    def randn(self, *shape: int) -> Tensor:
        """Standard normal float64 samples of ``shape`` (``tnp.random.randn``)."""
        return self._draw("standard_normal", shape)

    def standard_normal(self, size: Any = None) -> Tensor:
        """Standard normal float64 samples (``tnp.random.standard_normal``)."""
        return self._draw("standard_normal", size)

    def rand(self, *shape: int) -> Tensor:
        """Uniform [0, 1) float64 samples of ``shape`` (``tnp.random.rand``)."""
        return self._draw("random", shape)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None) -> Tensor:
        """Uniform samples in ``[low, high)`` (``tnp.random.uniform``)."""
        return self._draw("uniform", low, high, size)

    def randint(self, low: int, high: Optional[int] = None, size: Any = None, dtype: Any = _np.int64) -> Tensor:
        """Integers in ``[low, high)`` (``[0, low)`` without ``high``) (``tnp.random.randint``)."""
        if high is None:
            low, high = 0, low
        return self._draw("integers", low, high, size, dtype=_np_dtype(dtype))


random = _Random()

_NUMPY_BEHAVIOR = [False]


def _tensor_methods() -> dict:
    def _reshape(self, *shape, order="C"):
        return reshape(self, shape[0] if len(shape) == 1 else shape, order)

    def _transpose(self, *axes):
        return transpose(self, None if not axes else (axes[0] if len(axes) == 1 else axes))

    def _astype(self, dtype):
        return _cast(self, _np_dtype(dtype))

    return {
        "reshape": _reshape, "transpose": _transpose, "astype": _astype,
        "T": property(lambda self: transpose(self)),
        "ravel": lambda self: ravel(self), "flatten": lambda self: ravel(self),
        "squeeze": lambda self, axis=None: squeeze(self, axis),
        "clip": lambda self, a_min, a_max: clip(self, a_min, a_max),
        "sum": lambda self, axis=None, keepdims=False: sum(self, axis=axis, keepdims=keepdims),
        "mean": lambda self, axis=None, keepdims=False: mean(self, axis=axis, keepdims=keepdims),
        "prod": lambda self, axis=None, keepdims=False: prod(self, axis=axis, keepdims=keepdims),
        "std": lambda self, axis=None, keepdims=False: std(self, axis=axis, keepdims=keepdims),
        "var": lambda self, axis=None, keepdims=False: var(self, axis=axis, keepdims=keepdims),
        "max": lambda self, axis=None, keepdims=False: amax(self, axis=axis, keepdims=keepdims),
        "min": lambda self, axis=None, keepdims=False: amin(self, axis=axis, keepdims=keepdims),
        "argmax": lambda self, axis=None: argmax(self, axis),
        "argmin": lambda self, axis=None: argmin(self, axis),
        "tolist": lambda self: self.numpy().tolist(),
        "item": lambda self, *a: self.numpy().item(*a),
        "size": property(lambda self: int(_np.size(self._value))),
        "copy": lambda self: copy(self),
    }


def experimental_enable_numpy_behavior(prefer_float32: bool = False,
                                       dtype_conversion_mode: str = "legacy") -> None:
    """Give tensors NumPy's methods (``reshape``, ``astype``, ``T``, ``ravel``, ``mean``, ``sum``,
    ``max``, ``tolist``...) and let operators on mixed dtypes promote with NumPy's rules instead
    of raising (``tnp.experimental_enable_numpy_behavior``). Process-wide, as in TF.
    ``prefer_float32`` is not supported."""
    if prefer_float32:
        raise NotImplementedError("experimental_enable_numpy_behavior: prefer_float32=True is not "
                                  "supported by gradtape; Python floats stay float64.")
    if dtype_conversion_mode not in ("legacy", "all", "safe"):
        raise ValueError(f"experimental_enable_numpy_behavior: unknown dtype_conversion_mode "
                         f"{dtype_conversion_mode!r}.")
    from .. import dispatch
    from ..variable import Variable
    for name, fn in _tensor_methods().items():
        for cls in (Tensor, Variable):
            if name not in cls.__dict__:
                setattr(cls, name, fn)
    dispatch.NUMPY_PROMOTION[0] = True
    _NUMPY_BEHAVIOR[0] = True

