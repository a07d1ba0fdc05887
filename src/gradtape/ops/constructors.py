"""Tensor constructors: ``constant``, ``zeros``/``ones`` (and ``_like``), ``fill``, ``eye``,
``range``, ``linspace``. None of them is differentiable with respect to its arguments except
``*_like`` shapes, which carry no gradient anyway."""
from __future__ import annotations

import builtins
from typing import Any, Optional

import numpy as np

from .. import _array, dtypes as _dtypes
from .. import devices as _devices
from .. import dispatch as _dispatch
from ..dispatch import convert_to_tensor, _infer_value, _note_numpy_exit, value_as
from ..errors import InvalidArgumentError
from ..tensor import Tensor

_new = object.__new__


def _wrap(arr: Any) -> Tensor:
    t = _new(Tensor)
    t._value = arr[()] if type(arr) is np.ndarray and arr.ndim == 0 and arr.dtype.kind != "O" else arr
    if _dispatch.PLACING:           # made inside tf.device: placed on that device
        t._value = _devices.place_new(t._value)
    return t


def _shape_arg(shape: Any, op: str) -> tuple:
    if isinstance(shape, Tensor):
        _note_numpy_exit(shape)     # read in Python: a compiled function must know it is static
        shape = np.asarray(shape._value).tolist()
    elif isinstance(shape, (list, tuple)) and any(isinstance(d, Tensor) for d in shape):
        for d in shape:
            if isinstance(d, Tensor):
                _note_numpy_exit(d)
    if hasattr(type(shape), "_gt_read"):
        shape = np.asarray(shape._value).tolist()
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        items = list(shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be a list of non-negative ints, got {shape!r}.") from None
    for d in items:                 # TF converts the shape to int32: 2.5 (or 2.0) is a TypeError
        if isinstance(d, (float, np.floating)) or (hasattr(d, "_value") and np.asarray(d._value).dtype.kind == "f"):
            raise TypeError(f"Cannot convert {shape!r} to EagerTensor of dtype int32 ({op}: shape must hold "
                            "integers).")
    try:
        dims = tuple(int(d) for d in items)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be a list of non-negative ints, got {shape!r}.") from None
    if any(d < 0 for d in dims):
        raise InvalidArgumentError(f"{op}: dimensions must be non-negative, got {list(dims)}.")
    return dims


def constant(value: Any, dtype: Any = None, shape: Any = None, name: Optional[str] = None) -> Tensor:
    """A tensor holding ``value`` (``tf.constant``).

    Python floats become float32 and ints int32 unless ``dtype`` says otherwise; NumPy arrays
    keep their dtype. With ``shape``, a scalar is broadcast (filled) and an array with the same
    number of elements is reshaped; anything else raises TypeError, as in TF.
    """
    if isinstance(value, Tensor) or hasattr(type(value), "_gt_read"):
        t = convert_to_tensor(value)
        if dtype is not None and t._value.dtype != _dtypes.to_numpy(dtype):
            from .math import cast
            t = cast(t, dtype)
        if shape is None:
            from .shape import stop_gradient   # an op, so a compiled function recomputes it
            return stop_gradient(t)
        _note_numpy_exit(t)
        arr = np.array(t._value, copy=True)
    else:
        arr = _infer_value(value) if dtype is None else value_as(value, _dtypes.to_numpy(dtype))
        arr = np.array(arr, copy=True)
    if shape is not None:
        dims = _shape_arg(shape, "constant")
        if arr.size == 1 and arr.shape != dims:
            arr = np.full(dims, arr.reshape(()), dtype=arr.dtype)
        elif arr.size == int(np.prod(dims)):
            arr = arr.reshape(dims)
        else:
            raise TypeError(f"constant: expected a value with {int(np.prod(dims))} elements for "
                            f"shape {list(dims)}, got {arr.size} (shape {list(arr.shape)}). Pass a "
                            "scalar to fill the shape or a value with that many elements.")
    return _wrap(arr)


def zeros(shape: Any, dtype: Any = _dtypes.float32, name: Optional[str] = None) -> Tensor:
    """A tensor of zeros (``tf.zeros``), float32 by default."""
    return _wrap(np.zeros(_shape_arg(shape, "zeros"), dtype=_dtypes.to_numpy(dtype)))


def ones(shape: Any, dtype: Any = _dtypes.float32, name: Optional[str] = None) -> Tensor:
    """A tensor of ones (``tf.ones``), float32 by default."""
    return _wrap(np.ones(_shape_arg(shape, "ones"), dtype=_dtypes.to_numpy(dtype)))


def _like_dtype(x: Any, dtype: Any) -> np.dtype:
    return _dtypes.to_numpy(dtype) if dtype is not None else x._value.dtype


def zeros_like(input: Any, dtype: Any = None, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Zeros with the shape (and dtype, unless given) of ``input`` (``tf.zeros_like``)."""
    x = convert_to_tensor(input) if not hasattr(type(input), "_gt_read") else input
    dt = _like_dtype(x, dtype)
    if np.dtype(dt) == object:  # strings: TF's zero is the empty string
        return _wrap(np.full(np.shape(x._value), b"", dtype=object))
    return _wrap(_array.zeros(np.shape(x._value), dt, x._value))


def ones_like(input: Any, dtype: Any = None, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Ones with the shape (and dtype, unless given) of ``input`` (``tf.ones_like``)."""
    x = convert_to_tensor(input) if not hasattr(type(input), "_gt_read") else input
    dt = _like_dtype(x, dtype)
    if np.dtype(dt) == object:
        raise TypeError("ones_like: a string tensor has no 'one' (as in TF); use tf.fill(tf.shape(x), value).")
    return _wrap(_array.ones(np.shape(x._value), dt, x._value))


def fill(dims: Any, value: Any, name: Optional[str] = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value`` (``tf.fill``); dtype from value."""
    v = convert_to_tensor(value)
    if np.ndim(v._value) != 0:
        raise InvalidArgumentError(f"fill: value must be a scalar, got shape {list(np.shape(v._value))}.")
    d = _shape_arg(dims, "fill")
    if isinstance(value, Tensor) or hasattr(type(value), "_gt_read"):
        from .shape import broadcast_to   # an op: a compiled function fills with each call's value
        return broadcast_to(v, d)
    val = v._value
    if not isinstance(val, (np.ndarray, np.generic)):   # placed by tf.device: filled on the host, then placed
        val = _devices.to_host(val)
    return _wrap(np.full(d, val, dtype=val.dtype))


def eye(num_rows: int, num_columns: Optional[int] = None, batch_shape: Any = None,
        dtype: Any = _dtypes.float32, name: Optional[str] = None) -> Tensor:
    """Identity matrices (``tf.eye``), optionally with leading ``batch_shape``."""
    m = np.eye(int(num_rows), int(num_columns) if num_columns is not None else None,
               dtype=_dtypes.to_numpy(dtype))
    if batch_shape is not None:
        bs = _shape_arg(batch_shape, "eye")
        m = np.broadcast_to(m, bs + m.shape).copy()
    return _wrap(m)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: Optional[str] = "range") -> Tensor:
    """``[start, start + delta, ...)`` up to ``limit`` (``tf.range``).

    With one argument it counts from 0. The dtype is int32 for int arguments and float32 if any
    argument is a float, unless ``dtype`` is given.
    """
    if limit is None:
        start, limit = 0, start
    vals = [np.asarray(getattr(v, "_value", v)) for v in (start, limit, delta)]
    if float(vals[2]) == 0:
        raise InvalidArgumentError("range: delta must not be 0.")
    if dtype is not None:
        np_dtype = _dtypes.to_numpy(dtype)
    else:
        kinds = [v.dtype for v in vals]
        explicit = [d for v, d in zip((start, limit, delta), kinds) if isinstance(v, (Tensor, np.ndarray, np.generic))]
        if explicit:
            np_dtype = np.result_type(*explicit)
        elif any(d.kind == "f" for d in kinds):
            np_dtype = np.dtype(np.float32)
        else:
            np_dtype = np.dtype(np.int32)
    return _wrap(np.arange(vals[0].item(), vals[1].item(), vals[2].item()).astype(np_dtype))


def linspace(start: Any, stop: Any, num: Any, name: Optional[str] = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (``tf.linspace``).

    The dtype follows ``start`` (float32 for Python floats and ints).
    """
    s = convert_to_tensor(start)
    dt = s._value.dtype if s._value.dtype.kind == "f" else np.dtype(np.float32)
    e = np.asarray(getattr(stop, "_value", stop), dtype=dt)
    out = np.linspace(np.asarray(s._value, dtype=dt), e, int(getattr(num, "_value", num)), axis=axis, dtype=dt)
    return _wrap(out)


lin_space = linspace
