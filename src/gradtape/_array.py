"""Arrays of an input's own kind: NumPy on the host, a device array (CuPy) elsewhere.

Ops are written against NumPy. A device array implements NumPy's dispatch protocols
(``__array_ufunc__``, ``__array_function__``), so ``np.*`` on it runs on its device; what must not
happen is a silent copy to the host (``np.asarray`` on a device array, ``float()``, ``np.zeros``
without ``like=`` mixed with device data). These helpers keep values on the array's own kind and
cost one type check on the NumPy path.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_ndarray = np.ndarray


class _DeviceTypes(dict):
    """type -> whether its instances are device (duck) arrays; computed once per type (``hasattr``
    on a type without the attribute raises and clears an AttributeError: ~0.25 us a call)."""

    def __missing__(self, t: type) -> bool:
        flag = self[t] = hasattr(t, "__array_function__") and not issubclass(t, _ndarray)
        return flag


_DEVICE_TYPE = _DeviceTypes()


def is_device(v: Any) -> bool:
    """Whether ``v`` is a device (duck) array: it implements ``__array_function__`` and is not NumPy's."""
    t = type(v)
    return t is not _ndarray and _DEVICE_TYPE[t]


def as_array(v: Any, dtype: Any = None) -> Any:
    """``v`` as an array of its own kind (``np.asarray`` for host data; device arrays stay where they are)."""
    if type(v) is not _ndarray and is_device(v):
        return v if dtype is None or v.dtype == dtype else v.astype(dtype)
    return np.asarray(v, dtype=dtype)


def like(ref: Any, a: Any, dtype: Any = None) -> Any:
    """Host data ``a`` (a NumPy array, list or scalar) as an array of ``ref``'s kind (copied to its device)."""
    if type(ref) is not _ndarray and is_device(ref):
        return np.asarray(a, dtype=dtype, like=ref)
    return np.asarray(a, dtype=dtype)


def zeros(shape: Any, dtype: Any, ref: Any) -> Any:
    """``np.zeros`` on ``ref``'s kind of array."""
    if type(ref) is not _ndarray and is_device(ref):
        return np.zeros(shape, dtype=dtype, like=ref)
    return np.zeros(shape, dtype=dtype)


def empty(shape: Any, dtype: Any, ref: Any) -> Any:
    """``np.empty`` on ``ref``'s kind of array: for buffers the caller overwrites entirely (no
    zero-fill pass over a large array)."""
    if type(ref) is not _ndarray and is_device(ref):
        return np.empty(shape, dtype=dtype, like=ref)
    return np.empty(shape, dtype=dtype)


def ones(shape: Any, dtype: Any, ref: Any) -> Any:
    """``np.ones`` on ``ref``'s kind of array."""
    if type(ref) is not _ndarray and is_device(ref):
        return np.ones(shape, dtype=dtype, like=ref)
    return np.ones(shape, dtype=dtype)


def full(shape: Any, fill: Any, dtype: Any, ref: Any) -> Any:
    """``np.full`` on ``ref``'s kind of array (``fill`` a scalar or an array of ``ref``'s kind)."""
    if type(ref) is not _ndarray and is_device(ref):
        if is_device(fill):
            return np.broadcast_to(fill.astype(dtype), shape).copy()
        return np.full(shape, fill, dtype=dtype, like=ref)
    return np.full(shape, fill, dtype=dtype)


def arange(*args: Any, dtype: Any = None, ref: Any = None) -> Any:
    """``np.arange`` on ``ref``'s kind of array."""
    if ref is not None and type(ref) is not _ndarray and is_device(ref):
        return np.arange(*args, dtype=dtype, like=ref)
    return np.arange(*args, dtype=dtype)


def to_host(v: Any) -> np.ndarray:
    """An explicit copy of ``v`` to the host (CuPy's ``.get()``), for values that decide a shape
    (a data-dependent output size must be read back, as TF's GPU kernels do)."""
    if type(v) is not _ndarray and is_device(v):
        get = getattr(v, "get", None)
        if get is None:
            raise TypeError(f"cannot copy a {type(v).__name__} to the host: it has no .get()")
        return get()
    return np.asarray(v)


def const_like(ref: Any, a: Any, dtype: Any = None) -> Any:
    """A constant Tensor holding host data ``a`` on ``ref``'s kind of array (``ref`` a Tensor or an
    array): what a gradient rule builds from shapes (masks, index tables) lives with its inputs."""
    from .tensor import Tensor
    rv = getattr(ref, "_value", ref)
    v = like(rv, a, dtype)
    if type(v) is _ndarray and v.ndim == 0:
        v = v[()]
    t = Tensor.__new__(Tensor)
    t._value = v
    return t



def with_kind(ref: Any, a: Any) -> Any:
    """``a`` on ``ref``'s kind of array: host data (integer indices kept in host memory) is copied
    to ``ref``'s device when ``ref`` is a device array; otherwise ``a`` as it is."""
    if type(ref) is not _ndarray and is_device(ref) and not is_device(a):
        return np.asarray(a, like=ref)
    return a
