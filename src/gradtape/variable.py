"""``Variable``: a mutable tensor whose reads are watched by tapes (``tf.Variable``)."""
from __future__ import annotations

import itertools
from typing import Any, Callable, Optional

import numpy as np

from . import dtypes as _dtypes
from . import dispatch
from . import _scope
from .tensor import Tensor, TensorShape, Reference, _numpy_text

_uids = itertools.count()


class Variable:
    """A mutable value that persists across calls, read like a tensor (``tf.Variable``).

    Reading a trainable Variable inside a ``GradientTape`` watches it (unless the tape was made
    with ``watch_accessed_variables=False``), so ``tape.gradient(loss, var)`` works without
    ``watch``. ``assign``/``assign_add``/``assign_sub`` replace the value; they are not recorded,
    so a gradient does not flow through them (as in TF).
    """

    __slots__ = ("_value", "_trainable", "_name", "_constraint", "_uid", "_shape", "__weakref__",
                 "_aggregation", "_synchronization")

    def __init__(self, initial_value: Any = None, trainable: Optional[bool] = None,
                 validate_shape: bool = True, caching_device: Any = None, name: Optional[str] = None,
                 variable_def: Any = None, dtype: Any = None, import_scope: Any = None,
                 constraint: Optional[Callable] = None, synchronization: Any = None,
                 aggregation: Any = None, shape: Any = None, experimental_enable_variable_lifting: Any = True):
        if initial_value is None:
            raise ValueError("The initial_value must be specified, e.g. tf.Variable(0.0) or "
                             "tf.Variable(tf.zeros([3, 4])).")
        if callable(initial_value) and not isinstance(initial_value, (Tensor, Variable)):
            initial_value = initial_value()
        if constraint is not None and not callable(constraint):
            raise ValueError(f"The `constraint` argument must be a callable. Received: {constraint!r}")
        t = dispatch.convert_to_tensor(initial_value, dtype=dtype) if dtype is None or not isinstance(
            initial_value, (Tensor, Variable)) else _cast_exact(initial_value, dtype)
        value = np.array(t._value, copy=True)
        if value.ndim == 0:
            value = value[()]
        self._value = value
        self._trainable = True if trainable is None else bool(trainable)
        if name and ":" in name:
            self._name = name
        else:                               # named inside the active tf.name_scope, as TF
            self._name = _scope.STATE.name + (name or "Variable") + ":0"
        self._constraint = constraint
        self._uid = next(_uids)
        self._shape = TensorShape(value.shape) if shape is None else TensorShape(
            [None if d is None else d for d in (shape if not isinstance(shape, TensorShape) else shape)])
        if shape is not None and validate_shape and len(self._shape) == value.ndim:
            for d, v in zip(self._shape, value.shape):
                if d is not None and d != v:
                    raise ValueError(f"Variable {self._name!r}: shape {list(self._shape)} does not match "
                                     f"the initial value's shape {list(value.shape)}.")
        self._aggregation = aggregation
        self._synchronization = synchronization

    # -- reading -------------------------------------------------------------------------------
    def _gt_read(self) -> Tensor:
        return dispatch.read_variable(self)

    def read_value(self) -> Tensor:
        """The current value as a Tensor (recorded on tapes that watch this variable)."""
        return dispatch.read_variable(self)

    def value(self) -> Tensor:
        return dispatch.read_variable(self)

    def numpy(self) -> Any:
        v = self._value
        return v.copy() if isinstance(v, np.ndarray) else v

    def __array__(self, dtype=None, copy=None):
        v = np.asarray(self._value)
        return v.astype(dtype) if dtype is not None and v.dtype != dtype else (v.copy() if copy else v)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(np.shape(self._value))

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def dtype(self) -> _dtypes.DType:
        return _dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self) -> int:
        return np.ndim(self._value)

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self) -> Optional[Callable]:
        return self._constraint

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def handle(self) -> "Variable":
        return self

    @property
    def aggregation(self) -> Any:
        return self._aggregation

    @property
    def synchronization(self) -> Any:
        return self._synchronization

    def ref(self) -> Reference:
        """A hashable reference (``Variable.ref``); Variables themselves are unhashable, as in TF 2."""
        return Reference(self)

    experimental_ref = ref

    def __hash__(self) -> int:
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    # -- writing -------------------------------------------------------------------------------
    def _checked(self, value: Any, what: str) -> Any:
        t = dispatch.convert_to_tensor(value, dtype_hint=self._value.dtype)
        if t._value.dtype != self._value.dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {self.dtype.name} for Tensor with dtype "
                f"{t.dtype.name} in {what} to variable {self._name!r}. Cast the value: "
                f"tf.cast(value, tf.{self.dtype.name}).")
        new = t._value
        if np.shape(new) != np.shape(self._value):
            if not self._shape_allows(np.shape(new)):
                raise ValueError(
                    f"Cannot assign value to variable '{self._name}': Shape mismatch. The variable "
                    f"shape {tuple(np.shape(self._value))}, and the assigned value shape "
                    f"{tuple(np.shape(new))} are incompatible.")
        return new

    def _shape_allows(self, shape: tuple) -> bool:
        declared = self._shape
        return len(declared) == len(shape) and all(d is None or d == s for d, s in zip(declared, shape))

    def _set(self, new: Any) -> "Variable":
        if isinstance(new, np.ndarray):
            new = new.copy() if new.ndim else new[()]
        self._value = new
        return self

    def assign(self, value: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        """Replace the value (same shape and dtype). Not recorded: gradients do not flow through it."""
        self._set(self._checked(value, "assign"))
        return self if read_value else None

    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        """``self += delta`` in place of the value (``Variable.assign_add``)."""
        d = self._checked_delta(delta, "assign_add")
        self._value = self._value + d
        return self if read_value else None

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        """``self -= delta`` (``Variable.assign_sub``)."""
        d = self._checked_delta(delta, "assign_sub")
        self._value = self._value - d
        return self if read_value else None

    def _checked_delta(self, delta: Any, what: str) -> Any:
        t = dispatch.convert_to_tensor(delta, dtype_hint=self._value.dtype)
        if t._value.dtype != self._value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {self.dtype.name} for Tensor with "
                             f"dtype {t.dtype.name} in {what} to variable {self._name!r}. Cast the "
                             f"value: tf.cast(delta, tf.{self.dtype.name}).")
        if np.broadcast_shapes(np.shape(t._value), np.shape(self._value)) != np.shape(self._value):
            raise ValueError(f"Cannot {what} a value of shape {list(np.shape(t._value))} to variable "
                             f"'{self._name}' of shape {list(np.shape(self._value))}.")
        return t._value

    def scatter_update(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Write ``sparse_delta.values`` at rows ``sparse_delta.indices`` (an IndexedSlices)."""
        new = np.array(self._value, copy=True)
        new[np.asarray(sparse_delta.indices)] = np.asarray(sparse_delta.values)
        return self._set(new)

    def scatter_add(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Add ``sparse_delta.values`` at rows ``sparse_delta.indices``, accumulating duplicates."""
        new = np.array(self._value, copy=True)
        np.add.at(new, np.asarray(sparse_delta.indices), np.asarray(sparse_delta.values))
        return self._set(new)

    def scatter_sub(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        new = np.array(self._value, copy=True)
        np.subtract.at(new, np.asarray(sparse_delta.indices), np.asarray(sparse_delta.values))
        return self._set(new)

    # -- display -------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"<tf.Variable '{self._name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={_numpy_text(self._value, True)}>")

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec: str) -> str:
        if spec and np.ndim(self._value) == 0:
            return format(np.asarray(self._value).item(), spec)
        return repr(self)

    def __len__(self) -> int:
        return len(self._gt_read())

    def __iter__(self):
        return iter(self._gt_read())

    def __bool__(self) -> bool:
        return bool(self._gt_read())

    def __float__(self) -> float:
        return float(self._gt_read())

    def __int__(self) -> int:
        return int(self._gt_read())

    def __index__(self) -> int:
        return self._gt_read().__index__()

    def __reduce__(self):
        return (_rebuild_variable, (np.asarray(self._value), self._trainable, self._name))

    def __deepcopy__(self, memo):
        return Variable(np.array(self._value, copy=True), trainable=self._trainable,
                        name=self._name, constraint=self._constraint)

    __array_priority__ = 100


def _rebuild_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


def _cast_exact(initial: Any, dtype: Any) -> Tensor:
    t = dispatch.convert_to_tensor(initial)
    want = _dtypes.to_numpy(dtype)
    if t._value.dtype != want:
        raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for "
                         f"Tensor with dtype {t.dtype.name}. Cast it first with tf.cast.")
    return t
