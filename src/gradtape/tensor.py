"""The immutable :class:`Tensor` and :class:`TensorShape`.

A Tensor wraps a NumPy value: an ``ndarray``, or a NumPy scalar for 0-d values (NumPy runs ufuncs on
scalars several times faster than on 0-d arrays). It holds nothing else, so creating one on the
per-op path costs one object with one slot. Python operators are installed by ``gradtape.ops``.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from . import dtypes as _dtypes


class TensorShape(tuple):
    """The static shape of a tensor (``tf.TensorShape``): a tuple of ints with TF's helpers."""

    __slots__ = ()

    def __new__(cls, dims: Any = ()):
        if dims is None:
            raise ValueError("gradtape tensors always have a fully known shape; got dims=None.")
        if isinstance(dims, (int, np.integer)):
            dims = (dims,)
        return tuple.__new__(cls, tuple(None if d is None else int(d) for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    @property
    def ndims(self) -> int:
        return len(self)

    @property
    def dims(self) -> list:
        return list(self)

    def as_list(self) -> list:
        """The dimensions as a Python list (``TensorShape.as_list``)."""
        return list(self)

    def num_elements(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return all(d is not None for d in self)

    def is_compatible_with(self, other: Any) -> bool:
        other = TensorShape(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {TensorShape(other)} are incompatible")

    def merge_with(self, other: Any) -> "TensorShape":
        self.assert_is_compatible_with(other)
        return TensorShape(a if a is not None else b for a, b in zip(self, TensorShape(other)))

    def concatenate(self, other: Any) -> "TensorShape":
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def __getitem__(self, key):
        r = tuple.__getitem__(self, key)
        return TensorShape(r) if isinstance(key, slice) else r

    def __eq__(self, other: object) -> bool:
        try:
            return tuple(self) == tuple(other)  # type: ignore[arg-type]
        except TypeError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = tuple.__hash__

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"

    def __str__(self) -> str:
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"


def _numpy_text(value: Any, is_repr: bool) -> str:
    if np.ndim(value) == 0:
        text = str(np.asarray(value)[()])
    else:
        text = repr(value) if is_repr else str(value)
        if is_repr and value.dtype.kind == "V":     # ml_dtypes' bfloat16: TF prints dtype=bfloat16
            text = text.replace(f"dtype=dtype({value.dtype.name})", f"dtype={value.dtype.name}")
    return "\n" + text if "\n" in text else text


#: Filled by ``Variable.__getitem__``: id(Tensor) -> (weakref, Variable, key) of sliced reads.
_SLICE_ASSIGN: dict = {}


def _sliced_from(t: Any) -> Any:
    entry = _SLICE_ASSIGN.get(id(t))
    if entry is not None and entry[0]() is t:
        return entry[1], entry[2]
    return None


def _no_slice_update(t: Any, name: str, sign: str) -> str:
    if _sliced_from(t) is None:
        return f"'Tensor' object has no attribute {name!r}"
    return (f"'Tensor' object has no attribute {name!r}: a slice of a Variable has only assign "
            f"(as in TF). Write v[...].assign(v[...] {sign} delta) instead.")


class Tensor:
    """An immutable multi-dimensional array (``tf.Tensor``, eager).

    Create one with :func:`gradtape.constant` or :func:`gradtape.convert_to_tensor`; every op
    returns one. ``numpy()`` returns the value (a NumPy scalar for 0-d tensors, as in TF).
    """

    __slots__ = ("_value", "__weakref__")

    def __init__(self, value: Any):
        self._value = value

    # -- metadata ------------------------------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    def get_shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def rank(self) -> int:
        return self._value.ndim

    @property
    def device(self) -> str:
        """TF's full name of the device holding the value
        (``/job:localhost/replica:0/task:0/device:GPU:0``)."""
        v = self._value
        if type(v) is np.ndarray or isinstance(v, np.generic):
            return "/job:localhost/replica:0/task:0/device:CPU:0"
        from .devices import device_name
        return device_name(v)

    @property
    def backing_device(self) -> str:
        """The device whose memory holds the value (``Tensor.backing_device``)."""
        return self.device

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled "
                             "(as in TF 2); use a Variable's .name, or keep your own label.")

    def numpy(self) -> Any:
        """A copy of the value: an ndarray, or a NumPy scalar for a 0-d tensor (``Tensor.numpy``).

        As in TF, editing the returned array does not change the tensor."""
        from .dispatch import _note_numpy_exit
        _note_numpy_exit(self)
        v = self._value
        if type(v) is np.ndarray:
            return v[()] if v.ndim == 0 else v.copy()
        if isinstance(v, np.generic):
            return v
        from .devices import to_host             # a device array: copied to the host
        return to_host(v)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: a read-only view of the value (as TF), a copy with ``copy=True``
        or another ``dtype``."""
        from .dispatch import _note_numpy_exit
        _note_numpy_exit(self)
        v = self._value
        if not isinstance(v, (np.ndarray, np.generic)):
            from .devices import to_host
            v = to_host(v)
        v = np.asarray(v)
        if dtype is not None and v.dtype != dtype:
            return v.astype(dtype)
        if copy:
            return v.copy()
        v = v.view()
        v.flags.writeable = False
        return v

    # Sliced assignment (TF): the tensors a Variable's ``__getitem__`` returned have ``assign``.
    # Properties, not ``__getattr__``: a class-level ``__getattr__`` would slow every attribute
    # read on tensors (``_value`` included); these cost nothing unless they are looked up.
    @property
    def assign(self) -> Any:
        """``v[key].assign(value)``: write the slice ``key`` of the Variable ``v`` (TF's sliced
        assignment). Only tensors made by indexing a Variable have it."""
        entry = _sliced_from(self)
        if entry is None:
            raise AttributeError("'Tensor' object has no attribute 'assign'")
        var, key = entry

        def assign(value: Any, name: Any = None) -> Any:
            return var._assign_slice(key, value, name)
        assign.__doc__ = var._assign_slice.__doc__
        return assign

    @property
    def assign_add(self) -> Any:
        raise AttributeError(_no_slice_update(self, "assign_add", "+"))

    @property
    def assign_sub(self) -> Any:
        raise AttributeError(_no_slice_update(self, "assign_sub", "-"))

    def ref(self) -> "Reference":
        """A hashable reference to this tensor (``Tensor.ref``); tensors themselves are unhashable."""
        return Reference(self)

    experimental_ref = ref

    __hash__ = None  # type: ignore[assignment]   # TF 2: use t.ref() as a dict key

    # -- Python protocol -----------------------------------------------------------------------
    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len() of a 0-d tensor (a scalar) is undefined; use tf.size(t) or t.shape.")
        return self._value.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        from .ops.shape import unstack
        return iter(unstack(self, axis=0)) if self._value.shape[0] else iter(())

    def __bool__(self) -> bool:
        if self._value.size != 1:
            raise ValueError(f"The truth value of a tensor with shape {self.shape} is ambiguous. "
                             "Use tf.reduce_any(t) or tf.reduce_all(t).")
        from .dispatch import _note_numpy_exit
        _note_numpy_exit(self)
        v = self._value
        if not isinstance(v, (np.ndarray, np.generic)):
            from .devices import to_host
            v = to_host(v)
        return bool(v)

    def _scalar(self, kind: type):
        v = self._value
        if v.size != 1:
            raise TypeError(f"Only single-element tensors can be converted to Python {kind.__name__}; "
                            f"got shape {self.shape}. Reduce it first (tf.reduce_sum) or index it.")
        from .dispatch import _note_numpy_exit
        _note_numpy_exit(self)
        if not isinstance(v, (np.ndarray, np.generic)):
            from .devices import to_host
            v = to_host(v)
        return kind(v.reshape(()) if v.ndim else v)

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iub":
            raise TypeError(f"Only integer scalar tensors can be used as an index; got dtype {self.dtype.name}.")
        return self._scalar(int)

    def __complex__(self) -> complex:
        return self._scalar(complex)

    def _host(self) -> Any:
        v = self._value
        if isinstance(v, (np.ndarray, np.generic)):
            return v
        from .devices import to_host
        return to_host(v)

    def __repr__(self) -> str:
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._host(), True)}>")

    def __str__(self) -> str:
        return f"tf.Tensor({_numpy_text(self._host(), False)}, shape={self.shape}, dtype={self.dtype.name})"

    def __format__(self, spec: str) -> str:
        if spec and self._value.ndim == 0:
            return format(np.asarray(self._host()).item(), spec)
        return str(self)

    def __reduce__(self):
        return (Tensor, (np.asarray(self._host()),))

    def __copy__(self) -> "Tensor":
        return self

    def __deepcopy__(self, memo) -> "Tensor":
        return self

    # Operators (__add__, __mul__, __getitem__, ...) are installed by gradtape.ops.operators.
    __array_priority__ = 100


def make_tensor(value: Any) -> Tensor:
    """Wrap a NumPy value without checks (the per-op path)."""
    t = _new_tensor(Tensor)
    t._value = value
    return t


_new_tensor = object.__new__


class Reference:
    """A hashable wrapper of a tensor or variable, compared by identity (``t.ref()``)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any):
        self._obj = obj

    def deref(self) -> Any:
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


def is_tensor(x: Any) -> bool:
    """True for gradtape Tensors and Variables (``tf.is_tensor``)."""
    from .variable import Variable
    return isinstance(x, (Tensor, Variable))
