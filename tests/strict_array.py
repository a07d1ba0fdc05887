"""A strict duck array for checking that gradtape's ops never convert device arrays to host ones.

``StrictArray`` wraps a NumPy array and implements NumPy's dispatch protocols
(``__array_ufunc__``, ``__array_function__``) the way CuPy does, so ``np.*`` on it returns a
``StrictArray``. It stands in for a GPU array on machines without a GPU. What it models of CuPy:

* ``np.asarray``/``np.array`` of it raise (CuPy's ``__array__`` raises TypeError); ``.get()`` is the
  explicit copy to the host. Creating one from host data with ``like=`` is allowed (explicit).
* ufuncs take device arrays and scalars (Python or NumPy), never host ``ndarray`` operands, 0-d
  included (CuPy: ``Unsupported type <class 'numpy.ndarray'>``); results are device arrays, 0-d
  ones for reductions (CuPy never returns NumPy scalars). ``ufunc.reduce``/``accumulate`` exist for
  add and multiply only, ``ufunc.at`` for the ufuncs CuPy has a scatter kernel for.
* array functions refuse host ``ndarray`` arguments, except index arguments CuPy copies to the
  device: ``a[host_indices]``, ``a[key] = host_value``, ``np.take``'s indices, ``np.split``'s cuts,
  ``ufunc.at``'s indices. Named-tuple results (``eigh``, ``svd``, ``qr``, ``slogdet``) hold device
  arrays. ``lib.stride_tricks.as_strided`` is the device library's own.

Stricter than CuPy, on purpose: ``float()``, ``int()``, ``bool()``, ``operator.index()``,
``.item()``, ``.tolist()`` and iteration raise ``HostConversionError``. CuPy allows them on size-1
arrays (they synchronise and copy to the host); in an op each is a silent host round trip, so an op
that needs a value in Python (an output size, a branch) must read it explicitly with ``.get()``
(``gradtape._array.to_host``).
"""
from __future__ import annotations

from typing import Any

import numpy as np


class HostConversionError(TypeError):
    """An implicit conversion of a device array to a host array."""


def _unwrap(x: Any) -> Any:
    if isinstance(x, StrictArray):
        return x._a
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _wrap(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return StrictArray(x)
    if isinstance(x, np.generic):           # CuPy returns 0-d device arrays, never host scalars
        return StrictArray(np.asarray(x))
    if isinstance(x, tuple) and hasattr(x, "_fields"):   # EighResult, SVDResult, ... (namedtuples)
        return type(x)(*[_wrap(v) for v in x])
    if isinstance(x, (list, tuple)):
        return type(x)(_wrap(v) for v in x)
    return x


def _no_host_operands(what: str, values: Any) -> None:
    """CuPy's ufuncs take device arrays and scalars (Python or NumPy), never host arrays: a NumPy
    array operand raises ``TypeError: Unsupported type <class 'numpy.ndarray'>``."""
    for v in values:
        if isinstance(v, np.ndarray):
            raise HostConversionError(f"{what}: a host numpy.ndarray operand (shape {v.shape}) mixed "
                                      "with device arrays (CuPy: Unsupported type numpy.ndarray)")
        if isinstance(v, (list, tuple)):
            _no_host_operands(what, v)


# Array creation dispatched through ``like=``: the arguments are host data, copied to the device
# (CuPy's ``cupy.asarray(host)``), which is explicit and allowed.
_HOST_DATA_OK = frozenset([np.asarray, np.array, np.asanyarray, np.ascontiguousarray, np.zeros, np.ones,
                           np.full, np.empty, np.arange, np.eye, np.identity, np.frombuffer, np.fromiter])
# Functions whose index argument CuPy copies from the host (``cupy.take(a, numpy_indices)``), as it
# does for indices in ``a[numpy_indices]``: position of that argument.
_HOST_INDEX_ARG = {np.take: 1, np.split: 1, np.array_split: 1}


# CuPy's ufunc methods other than ``__call__``: ``reduce`` and ``accumulate`` exist for add and
# multiply only (they are sum/prod and cumsum/cumprod); ``at`` for the ufuncs with a scatter kernel;
# ``reduceat`` not at all. Everything else raises NotImplementedError there, and here.
_UFUNC_METHODS = {"reduce": {"add", "multiply"}, "accumulate": {"add", "multiply"},
                  "at": {"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"},
                  "reduceat": set()}


class StrictArray(np.lib.mixins.NDArrayOperatorsMixin):
    """A NumPy array behind CuPy's protocols; host conversions raise."""

    __slots__ = ("_a",)

    def __init__(self, a: Any):
        self._a = a if isinstance(a, np.ndarray) else np.asarray(a)

    # -- protocols ---------------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        allowed = _UFUNC_METHODS.get(method)
        if allowed is not None and ufunc.__name__ not in allowed:
            raise NotImplementedError(f"`{ufunc.__name__}.{method}` is not supported yet (as in CuPy)")
        # ufunc.at's indices (second operand) may be host arrays: CuPy copies indices to the device
        _no_host_operands(f"numpy.{ufunc.__name__}", inputs[:1] + inputs[2:] if method == "at" else inputs)
        out = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        return _wrap(np.asarray(out) if np.isscalar(out) else out)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func not in _HOST_DATA_OK:
            host_ok = _HOST_INDEX_ARG.get(func)
            _no_host_operands(f"numpy.{func.__name__}",
                              [a for i, a in enumerate(args) if i != host_ok] +
                              [v for k, v in kwargs.items() if k != "indices" or host_ok is None])
        out = func(*_unwrap(args), **_unwrap(kwargs))
        return _wrap(out)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise HostConversionError("implicit conversion of a device array to a NumPy array "
                                  "(use .get() explicitly)")

    def get(self) -> np.ndarray:
        """The explicit copy to the host (CuPy's ``.get()``)."""
        return self._a.copy()

    def _host(self, what: str) -> Any:
        raise HostConversionError(f"{what} of a device array (implicit host conversion)")

    def __float__(self) -> float:
        return self._host("float()")

    def __int__(self) -> int:
        return self._host("int()")

    def __index__(self) -> int:
        return self._host("operator.index()")

    def __bool__(self) -> bool:
        return self._host("bool()")

    def __iter__(self) -> Any:
        return self._host("iteration")

    def item(self, *args: Any) -> Any:
        return self._host(".item()")

    def tolist(self) -> Any:
        return self._host(".tolist()")

    # -- array attributes (metadata stays on the host, as in CuPy) ---------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    nbytes = property(lambda self: self._a.nbytes)
    itemsize = property(lambda self: self._a.itemsize)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: StrictArray(self._a.T))
    flags = property(lambda self: self._a.flags)

    def __len__(self) -> int:
        return len(self._a)

    def __getitem__(self, key: Any) -> "StrictArray":
        return StrictArray(np.asarray(self._a[_unwrap(key)]))

    def __setitem__(self, key: Any, value: Any) -> None:
        self._a[_unwrap(key)] = _unwrap(value)

    def astype(self, dtype: Any, copy: bool = True, **kw: Any) -> "StrictArray":
        return StrictArray(self._a.astype(dtype, copy=copy, **kw))

    def reshape(self, *shape: Any, **kw: Any) -> "StrictArray":
        return StrictArray(self._a.reshape(*shape, **kw))

    def transpose(self, *axes: Any) -> "StrictArray":
        return StrictArray(self._a.transpose(*axes))

    def copy(self, order: str = "C") -> "StrictArray":
        return StrictArray(self._a.copy(order))

    def ravel(self, order: str = "C") -> "StrictArray":
        return StrictArray(self._a.ravel(order))

    def sum(self, *a: Any, **k: Any) -> "StrictArray":
        return StrictArray(np.asarray(self._a.sum(*a, **_unwrap(k))))

    def mean(self, *a: Any, **k: Any) -> "StrictArray":
        return StrictArray(np.asarray(self._a.mean(*a, **_unwrap(k))))

    def max(self, *a: Any, **k: Any) -> "StrictArray":
        return StrictArray(np.asarray(self._a.max(*a, **_unwrap(k))))

    def min(self, *a: Any, **k: Any) -> "StrictArray":
        return StrictArray(np.asarray(self._a.min(*a, **_unwrap(k))))

    def __getattr__(self, name: str) -> Any:
        """Other ndarray methods (CuPy has them too): run on the wrapped array, results wrapped."""
        if name.startswith("__"):          # never __array_interface__/__array_struct__ (host views)
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if not callable(attr):
            return attr

        def method(*args: Any, **kwargs: Any) -> Any:
            out = attr(*_unwrap(args), **_unwrap(kwargs))
            return _wrap(np.asarray(out) if isinstance(out, np.generic) else out)
        return method

    def __repr__(self) -> str:
        return f"StrictArray(shape={self._a.shape}, dtype={self._a.dtype})"


class _StrideTricks:
    """``cupy.lib.stride_tricks``: strided views of device arrays."""

    @staticmethod
    def as_strided(x: StrictArray, shape: Any = None, strides: Any = None) -> StrictArray:
        return StrictArray(np.lib.stride_tricks.as_strided(x._a, shape, strides, writeable=False))


class lib:  # noqa: N801  (the device library's ``lib`` namespace, as ``cupy.lib``)
    stride_tricks = _StrideTricks
