"""``TensorArray``: TF 2's eager TensorArray, a Python list of same-dtype tensors.

As in eager TF, ``write``/``unstack``/``scatter``/``split`` change the array in place and return it,
``read`` returns the tensor that was written (so gradients flow straight through it), and
``stack``/``gather``/``concat`` are the differentiable ``tf.stack``/``tf.concat`` of the elements.
Unwritten elements read as zeros of the element shape. Each element's dtype must be the array's
(InvalidArgumentError otherwise) and, with ``infer_shape`` (the default), all elements share one
shape (ValueError otherwise). ``clear_after_read`` (default True) forbids reading an element twice.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import dtypes as _dtypes
from .dispatch import convert_to_tensor
from .errors import InvalidArgumentError, OutOfRangeError
from .tensor import Tensor, TensorShape

_new = object.__new__

__all__ = ["TensorArray"]


def _index(value: Any, what: str) -> int:
    if isinstance(value, Tensor):
        from .ops.control_flow import _python_value
        v = _python_value(value, f"TensorArray.{what}'s index")
        if np.ndim(v) != 0 or v.dtype.kind not in "iu":
            raise InvalidArgumentError(f"TensorArray.{what}: the index must be an integer scalar; "
                                       f"got {value.dtype.name} of shape {list(np.shape(v))}.")
        return int(v)
    if not isinstance(value, (int, np.integer, bool, np.bool_)):
        raise TypeError(f"TensorArray.{what}: the index must be an integer; got {value!r}.")
    return int(value)


def _indices(value: Any, what: str) -> list:
    if isinstance(value, Tensor):
        from .ops.control_flow import _python_value
        v = _python_value(value, f"TensorArray.{what}'s indices")
    else:
        v = np.asarray(value)
    if v.ndim != 1 or (v.size and v.dtype.kind not in "iu"):
        raise InvalidArgumentError(f"TensorArray.{what}: indices must be a vector of integers; got "
                                   f"shape {list(v.shape)} and dtype {v.dtype}.")
    return [int(i) for i in v]


def _shape(shape: Any) -> Optional[tuple]:
    """An element shape as a tuple with None for unknown dimensions, or None for unknown rank."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(None if d is None else int(d) for d in shape)


def _compatible(a: Optional[tuple], b: tuple) -> bool:
    return a is None or (len(a) == len(b) and all(x is None or x == y for x, y in zip(a, b)))


class TensorArray:
    """A list of tensors of one dtype that grows inside loops (``tf.TensorArray``, eager semantics).

    ``size`` is required; ``dynamic_size=True`` lets writes past the end grow the array.
    ``element_shape`` (with None for unknown dimensions) is checked on every write.
    """

    def __init__(self, dtype: Any, size: Any = None, dynamic_size: Optional[bool] = None,
                 clear_after_read: Optional[bool] = None, tensor_array_name: Optional[str] = None,
                 handle: Any = None, flow: Any = None, infer_shape: bool = True,
                 element_shape: Any = None, colocate_with_first_write_call: bool = True,
                 name: Optional[str] = None):
        if handle is not None:
            raise ValueError("TensorArray handles are not supported when eager execution is enabled.")
        if size is None:
            raise ValueError("Size must be declared for TensorArrays when eager execution is enabled.")
        if isinstance(size, Tensor) or hasattr(type(size), "_gt_read"):
            from .ops.control_flow import _python_value
            size = int(_python_value(convert_to_tensor(size), "TensorArray's size"))
        size = int(size)
        if size < 0:
            raise InvalidArgumentError(f"TensorArray: size must be non-negative; got {size}.")
        self._dtype = _dtypes.as_dtype(dtype)
        self._np_dtype = _dtypes.to_numpy(self._dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = _shape(element_shape)
        self._tensors: list = [None] * size
        self._read: set = set()

    # -- properties --------------------------------------------------------------------------
    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def element_shape(self) -> Optional[TensorShape]:
        """The elements' shape as known so far (None while even the rank is unknown)."""
        return None if self._element_shape is None else TensorShape(self._element_shape)

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def flow(self) -> Tensor:
        """For compatibility: flows are not meaningful when executing eagerly."""
        return convert_to_tensor(np.int32(0))

    @property
    def handle(self) -> None:
        """For compatibility: handles are not meaningful when executing eagerly."""
        return None

    def __repr__(self) -> str:
        shape = "unknown" if self._element_shape is None else list(self._element_shape)
        return (f"<TensorArray size={len(self._tensors)} dtype={self._dtype.name} "
                f"element_shape={shape}>")

    # -- elements ----------------------------------------------------------------------------
    def _zeros(self, index: int) -> Tensor:
        shape = self._element_shape
        if shape is None or any(d is None for d in shape):
            raise ValueError(f"TensorArray: element {index} was never written and the element "
                             f"shape ({'unknown' if shape is None else list(shape)}) is not fully "
                             "known, so it cannot be read as zeros. Write it first or pass "
                             "element_shape=.")
        t = _new(Tensor)
        t._value = np.zeros(shape, self._np_dtype)[()] if not shape else np.zeros(shape, self._np_dtype)
        return t

    def _maybe_zero(self, index: int) -> Tensor:
        t = self._tensors[index]
        if t is None:
            t = self._tensors[index] = self._zeros(index)
        return t

    def _write(self, index: int, value: Any) -> None:
        if index < 0:
            raise OutOfRangeError(f"TensorArray.write: Writing to negative indices (index {index}) "
                                  "is not allowed.")
        size = len(self._tensors)
        if index >= size:
            if not self._dynamic_size:
                raise OutOfRangeError(f"TensorArray.write: Tried to write to index {index} but array "
                                      f"is not resizeable and size is: {size}. Pass "
                                      "dynamic_size=True to let it grow.")
            self._tensors.extend([None] * (index - size + 1))
        if hasattr(type(value), "_gt_read"):
            value = convert_to_tensor(value)
        if not isinstance(value, Tensor):
            from .ops.control_flow import _convert_preferring
            value = _convert_preferring(value, self._np_dtype)
        if value._value.dtype != self._np_dtype:
            raise InvalidArgumentError(f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                                       f"write dtype {value.dtype.name}. Cast it with tf.cast.")
        shape = tuple(np.shape(value._value))
        if not _compatible(self._element_shape, shape):
            raise ValueError(f"TensorArray.write: Incompatible shape for value ({shape}), expected "
                             f"({', '.join('None' if d is None else str(d) for d in self._element_shape)}"
                             f"{',' if len(self._element_shape) == 1 else ''})")
        if self._infer_shape:
            self._element_shape = shape
        self._tensors[index] = value

    def read(self, index: Any, name: Optional[str] = None) -> Tensor:
        """The tensor at ``index`` (zeros of the element shape if it was never written)."""
        i = _index(index, "read")
        if i < 0:
            raise OutOfRangeError(f"TensorArray.read: Reading from negative indices (index {i}) is "
                                  "not allowed.")
        if i >= len(self._tensors):
            raise OutOfRangeError(f"TensorArray.read: Tried to read from index {i} but array size "
                                  f"is: {len(self._tensors)}")
        t = self._tensors[i]
        if t is None:
            if i in self._read:
                raise InvalidArgumentError(
                    f"TensorArray.read: Could not read index {i} twice because it was cleared after "
                    "a previous read (perhaps try setting clear_after_read = false?)")
            t = self._maybe_zero(i)
        if self._clear_after_read:
            self._tensors[i] = None
            self._read.add(i)
        return t

    def write(self, index: Any, value: Any, name: Optional[str] = None) -> "TensorArray":
        """Write ``value`` at ``index``; returns this TensorArray (changed in place, as eager TF)."""
        self._write(_index(index, "write"), value)
        return self

    def stack(self, name: Optional[str] = None) -> Tensor:
        """All elements stacked along a new first axis (``tf.stack``; differentiable)."""
        from .ops.shape import stack
        if not self._tensors:
            shape = self._element_shape
            dims = (0,) + shape if shape is not None and None not in shape else (0,)
            t = _new(Tensor)
            t._value = np.zeros(dims, self._np_dtype)
            return t
        return stack([self._maybe_zero(i) for i in range(len(self._tensors))])

    def gather(self, indices: Any, name: Optional[str] = None) -> Tensor:
        """The elements at ``indices`` stacked (differentiable)."""
        from .ops.shape import stack
        idx = _indices(indices, "gather")
        n = len(self._tensors)
        for i in idx:
            if i < 0 or i >= n:
                raise OutOfRangeError(f"TensorArray.gather: index {i} is out of range for an array "
                                      f"of size {n}.")
        if not idx:
            shape = self._element_shape
            t = _new(Tensor)
            t._value = np.zeros((0,) + (shape if shape is not None and None not in shape else ()),
                                self._np_dtype)
            return t
        return stack([self._maybe_zero(i) for i in idx])

    def concat(self, name: Optional[str] = None) -> Tensor:
        """The elements concatenated along their first axis (``tf.concat``; differentiable)."""
        from .ops.shape import concat
        parts = [self._maybe_zero(i) for i in range(len(self._tensors))]
        for i, p in enumerate(parts):
            if p._value.ndim == 0:
                raise InvalidArgumentError(f"TensorArray.concat: Concat saw a scalar shape at index "
                                           f"{i} but requires at least vectors.")
        if not parts:
            shape = self._element_shape
            t = _new(Tensor)
            t._value = np.zeros((0,) + (shape[1:] if shape and None not in shape[1:] else ()),
                                self._np_dtype)
            return t
        return concat(parts, 0)

    def unstack(self, value: Any, name: Optional[str] = None) -> "TensorArray":
        """Replace the elements with the slices of ``value`` along axis 0 (differentiable)."""
        from .ops.shape import unstack
        t = convert_to_tensor(value, dtype_hint=self._dtype) if not isinstance(value, Tensor) else value
        if t._value.ndim == 0:
            raise ValueError("TensorArray.unstack: cannot unstack a scalar (rank 0) tensor.")
        n = t._value.shape[0]
        if n > len(self._tensors) and not self._dynamic_size:
            raise ValueError(f"Cannot unstack {n} tensors into a TensorArray of static size "
                             f"{len(self._tensors)} ")
        parts = unstack(t) if n else []
        old, self._tensors, self._read = self._tensors, [None] * n, set()
        try:
            for i, p in enumerate(parts):
                self._write(i, p)
        except Exception:
            self._tensors = old
            raise
        return self

    def scatter(self, indices: Any, value: Any, name: Optional[str] = None) -> "TensorArray":
        """Write the slices of ``value`` at ``indices`` (differentiable)."""
        from .ops.shape import unstack
        idx = _indices(indices, "scatter")
        t = convert_to_tensor(value, dtype_hint=self._dtype) if not isinstance(value, Tensor) else value
        if t._value.ndim == 0 or t._value.shape[0] != len(idx):
            raise InvalidArgumentError(f"TensorArray.scatter: value's first dimension "
                                       f"({list(np.shape(t._value))[:1]}) must equal the number of "
                                       f"indices ({len(idx)}).")
        for i, p in zip(idx, unstack(t) if idx else []):
            self._write(i, p)
        return self

    def split(self, value: Any, lengths: Any, name: Optional[str] = None) -> "TensorArray":
        """Replace the elements with pieces of ``value`` of the given ``lengths`` along axis 0."""
        from .ops.shape import split
        t = convert_to_tensor(value, dtype_hint=self._dtype) if not isinstance(value, Tensor) else value
        if t._value.dtype != self._np_dtype:
            raise InvalidArgumentError(f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                                       f"write dtype {t.dtype.name}.")
        lens = _indices(lengths, "split")
        if t._value.ndim == 0:
            raise InvalidArgumentError("TensorArray.split: Expected value to be at least a vector, "
                                       "but received shape: []")
        if sum(lens) != t._value.shape[0]:
            raise InvalidArgumentError(f"TensorArray.split: Expected sum of lengths to be equal to "
                                       f"values.shape[0], but sum of lengths is {sum(lens)} and "
                                       f"value's shape is: {list(t._value.shape)}")
        if not self._dynamic_size and len(lens) != len(self._tensors):
            raise InvalidArgumentError(f"TensorArray's size is not equal to the size of lengths "
                                       f"({len(self._tensors)} vs. {len(lens)}), and the TensorArray "
                                       "is not marked as dynamically resizeable.")
        parts = split(t, lens, 0) if lens else []
        self._tensors, self._read = list(parts), set()
        shapes = {tuple(np.shape(p._value)) for p in parts}
        self._element_shape = shapes.pop() if len(shapes) == 1 and self._infer_shape else None
        return self

    def size(self, name: Optional[str] = None) -> Tensor:
        """The number of elements, as an int32 scalar tensor."""
        return convert_to_tensor(np.int32(len(self._tensors)))

    def identity(self) -> "TensorArray":
        """This TensorArray (eager TF returns the same array)."""
        return self

    def close(self, name: Optional[str] = None) -> None:
        """Drop every element (the size becomes 0)."""
        del self._tensors[:]

    def grad(self, source: Any, flow: Any = None, name: Optional[str] = None) -> Any:
        raise NotImplementedError("TensorArray.grad is not supported when executing eagerly; "
                                  "GradientTape differentiates through TensorArray reads and "
                                  "writes without it.")
