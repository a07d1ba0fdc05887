"""``Variable``: a mutable tensor whose reads are watched by tapes (``tf.Variable``)."""
from __future__ import annotations

import itertools
import weakref
from typing import Any, Callable, Optional

import numpy as np

from . import dtypes as _dtypes
from . import dispatch
from . import devices as _device
from . import _scope
from . import tensor as _tensor_mod
from .errors import InvalidArgumentError
from . import _autocast
from .tensor import Tensor, TensorShape, Reference, _numpy_text

_uids = itertools.count()


# Called with each new Variable (tf.distribute's strategy scopes mirror variables through this).
_CREATION_HOOKS: list = []


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
        value = _device.copy_value(t._value)
        if dispatch.PLACING:                # created inside tf.device: lives on that device
            value = _device.place_new(value)
        if value.ndim == 0 and isinstance(value, np.ndarray):
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
        for hook in _CREATION_HOOKS:
            hook(self)

    # -- reading -------------------------------------------------------------------------------
    def _gt_read(self) -> Tensor:
        if _autocast.ACTIVE[0]:             # inside a mixed-precision layer's call (Keras autocast)
            return _autocast.read(self)
        return dispatch.read_variable(self)

    def read_value(self) -> Tensor:
        """The current value as a Tensor (recorded on tapes that watch this variable)."""
        return dispatch.read_variable(self)

    def value(self) -> Tensor:
        return dispatch.read_variable(self)

    def numpy(self) -> Any:
        v = self._value
        if isinstance(v, np.ndarray):
            return v.copy()
        return v if isinstance(v, np.generic) else _device.to_host(v)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(v)``: a copy of the value (as TF); editing it does not change the Variable."""
        v = np.asarray(_device.to_host(self._value))
        if copy is False:
            raise ValueError(f"np.asarray(copy=False) of Variable {self._name!r}: a Variable's value "
                             "is always copied (it can change); use copy=None or v.numpy().")
        return v.astype(dtype) if dtype is not None and v.dtype != dtype else v.copy()

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
        """TF's full name of the device holding the variable (where it was created)."""
        return _device.device_name(self._value)

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
    def _converted(self, value: Any, what: str) -> Any:
        """``value`` as a NumPy value of this variable's dtype, by TF's rule for writes
        (``convert_to_tensor(value, dtype=var.dtype)``): a Tensor or Variable of another dtype raises
        ValueError; a NumPy array is cast (as TF does, e.g. float64 data into a float32 variable);
        Python numbers and lists are converted directly, a non-integral float into an integer
        variable raising TypeError."""
        dt = self._value.dtype
        if type(value) is Tensor or hasattr(type(value), "_gt_read"):
            new = dispatch.convert_to_tensor(value)._value
            if new.dtype != dt:
                raise ValueError(
                    f"Tensor conversion requested dtype {self.dtype.name} for Tensor with dtype "
                    f"{_dtypes.from_numpy(new.dtype).name} in {what} to variable {self._name!r}. "
                    f"Cast the value: tf.cast(value, tf.{self.dtype.name}).")
            return new
        if isinstance(value, (np.ndarray, np.generic)):
            arr = np.asarray(value)
            if arr.dtype.kind not in "biufc" or (arr.dtype.kind == "c" and dt.kind != "c"):
                raise TypeError(f"{what} to variable {self._name!r}: cannot convert a NumPy array of "
                                f"dtype {arr.dtype} to {self.dtype.name}.")
            return arr.astype(dt, copy=False)
        try:
            return dispatch.convert_to_tensor(value, dtype=dt)._value
        except TypeError as err:
            raise TypeError(f"{what} to variable {self._name!r}: {err}") from None

    def _write_operand(self, value: Any, what: str) -> Tensor:
        """``value`` as the Tensor a write of this variable uses: tensors and variables as they are
        (their dtype is checked by the write), anything else converted by ``_converted`` (for
        ``tf.function``, which records the operand before the write runs)."""
        if type(value) is Tensor or hasattr(type(value), "_gt_read"):
            return dispatch.convert_to_tensor(value)
        v = self._converted(value, what)
        if isinstance(v, np.ndarray):
            v = v[()] if v.ndim == 0 else np.array(v, copy=True)   # never the caller's array
        t = object.__new__(Tensor)
        t._value = v
        return t

    def _checked(self, value: Any, what: str) -> Any:
        new = self._converted(value, what)
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
        if dispatch.DEVICE_TYPES:           # a variable keeps the device it was created on
            dst = _device.device_of(self._value)
            if _device.device_of(new) != dst:
                new = _device.to_device(new, dst)
        if isinstance(new, np.ndarray):
            new = new.copy() if new.ndim else new[()]
        self._value = new
        return self

    def assign(self, value: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        """Replace the value (same shape; TF's dtype rule, see ``_converted``). Not recorded:
        gradients do not flow through it."""
        self._set(self._checked(value, "assign"))
        return self if read_value else None

    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        """``self += delta`` (``Variable.assign_add``); ``delta`` must have the variable's shape."""
        d = self._checked_delta(delta, "assign_add")
        self._set(self._value + d)
        return self if read_value else None

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        """``self -= delta`` (``Variable.assign_sub``); ``delta`` must have the variable's shape."""
        d = self._checked_delta(delta, "assign_sub")
        self._set(self._value - d)
        return self if read_value else None

    def _checked_delta(self, delta: Any, what: str) -> Any:
        d = self._converted(delta, what)
        if dispatch.DEVICE_TYPES:           # onto the variable's device
            d = _device.to_device(d, _device.device_of(self._value))
        if np.shape(d) != np.shape(self._value):
            raise InvalidArgumentError(
                f"{what}: Cannot update variable {self._name!r} with shape "
                f"{list(np.shape(self._value))} using a Tensor with shape {list(np.shape(d))}, "
                "shapes must be equal (TF does not broadcast in assign_add/assign_sub; use "
                f"tf.broadcast_to(delta, {list(np.shape(self._value))}) if that is what you mean).")
        return d

    # -- sliced assignment (``v[1:3].assign(x)``) ------------------------------------------------
    def __getitem__(self, key: Any) -> Tensor:
        """``v[key]``: a Tensor read of the slice; as in TF it has ``assign(value)``, which writes
        the slice of this variable (``v[:, 2:6].assign(x)``)."""
        from .ops.indexing import getitem
        t = getitem(self, key)
        _SLICE_ASSIGN[id(t)] = (weakref.ref(t, _forget_slice(id(t))), self, key)
        return t

    def _assign_slice(self, key: Any, value: Any, name: Any = None) -> "Variable":
        """``self[key] = value`` as a write (TF's ``strided_slice_assign``): ``value`` broadcasts to
        the slice's shape (InvalidArgumentError otherwise) and follows the dtype rule of
        ``assign``. Not differentiable, like every write; under ``tf.function`` it is an
        ``assign`` of the updated value, so it happens on every call."""
        from .ops.indexing import strided_slice_update
        if type(value) is Tensor or hasattr(type(value), "_gt_read"):
            t = dispatch.convert_to_tensor(value)      # recorded: a traced function replays it
            self._converted(t, "sliced assign")        # the dtype check
        else:
            t = self._converted(value, "sliced assign")
        try:
            updated = strided_slice_update(self, key, t)
        except InvalidArgumentError as err:
            raise InvalidArgumentError(f"Sliced assign to variable {self._name!r}: {err}") from None
        return self.assign(updated)

    # -- sparse writes -------------------------------------------------------------------------
    def _scatter(self, sparse_delta: Any, what: str, apply: Callable) -> "Variable":
        if not hasattr(type(sparse_delta), "indices") or not hasattr(type(sparse_delta), "values"):
            raise TypeError(f"Argument `sparse_delta` must be a `tf.IndexedSlices`. Received arg: "
                            f"{sparse_delta!r:.80} ({what} on variable {self._name!r}).")
        idx = np.asarray(getattr(sparse_delta.indices, "_value", sparse_delta.indices))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"{what}: indices must be int32 or int64, got {idx.dtype} "
                            f"(variable {self._name!r}).")
        shape = np.shape(self._value)
        if not shape:
            raise InvalidArgumentError(f"{what}: variable {self._name!r} is a scalar; scatter "
                                       "writes need a variable of rank >= 1.")
        bad = (idx < 0) | (idx >= shape[0])
        if bad.any():
            pos = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidArgumentError(
                f"{what}: indices{list(pos)} = {int(idx[pos])} is not in [0, {shape[0]}) "
                f"(variable {self._name!r} has shape {list(shape)}; negative indices are not "
                "allowed).")
        upd = self._converted(sparse_delta.values, what)
        want = tuple(idx.shape) + tuple(shape[1:])
        if np.shape(upd) != want and np.shape(upd) != ():
            raise InvalidArgumentError(
                f"{what}: Must have updates.shape = indices.shape + params.shape[1:] or "
                f"updates.shape = [], got updates.shape {list(np.shape(upd))}, indices.shape "
                f"{list(idx.shape)}, params.shape {list(shape)} (variable {self._name!r}).")
        new = np.array(self._value, copy=True)
        apply(new, idx, upd)
        return self._set(new)

    def scatter_update(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Write ``sparse_delta.values`` at rows ``sparse_delta.indices`` (an IndexedSlices).
        Indices must lie in ``[0, rows)`` and updates have shape ``indices.shape + shape[1:]``
        (or be a scalar), as in TF."""
        return self._scatter(sparse_delta, "scatter_update", _put)

    def scatter_add(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Add ``sparse_delta.values`` at rows ``sparse_delta.indices``, accumulating duplicates."""
        return self._scatter(sparse_delta, "scatter_add", np.add.at)

    def scatter_sub(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Subtract ``sparse_delta.values`` at rows ``sparse_delta.indices``."""
        return self._scatter(sparse_delta, "scatter_sub", np.subtract.at)

    def scatter_mul(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Multiply rows ``sparse_delta.indices`` by ``sparse_delta.values``."""
        return self._scatter(sparse_delta, "scatter_mul", np.multiply.at)

    def scatter_div(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Divide rows ``sparse_delta.indices`` by ``sparse_delta.values``."""
        return self._scatter(sparse_delta, "scatter_div", _divide_at)

    def scatter_max(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Elementwise maximum of rows ``sparse_delta.indices`` and ``sparse_delta.values``."""
        return self._scatter(sparse_delta, "scatter_max", np.maximum.at)

    def scatter_min(self, sparse_delta: Any, use_locking: Any = None, name: Any = None):
        """Elementwise minimum of rows ``sparse_delta.indices`` and ``sparse_delta.values``."""
        return self._scatter(sparse_delta, "scatter_min", np.minimum.at)

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


def _put(arr: np.ndarray, idx: np.ndarray, upd: Any) -> None:
    arr[idx] = upd


def _divide_at(arr: np.ndarray, idx: np.ndarray, upd: Any) -> None:
    if arr.dtype.kind in "iu":
        np.floor_divide.at(arr, idx, upd)
    else:
        np.divide.at(arr, idx, upd)


#: id(Tensor) -> (weak reference to it, Variable, key) for the tensors ``Variable.__getitem__`` made:
#: they have ``assign`` (see ``Tensor.__getattr__``), as in TF.
_SLICE_ASSIGN = _tensor_mod._SLICE_ASSIGN


def _forget_slice(key: int) -> Callable:
    def forget(ref: Any) -> None:
        entry = _SLICE_ASSIGN.get(key)
        if entry is not None and entry[0] is ref:
            del _SLICE_ASSIGN[key]
    return forget


def _rebuild_variable(value, trainable, name):
    return Variable(value, trainable=trainable, name=name)


def _cast_exact(initial: Any, dtype: Any) -> Tensor:
    t = dispatch.convert_to_tensor(initial)
    want = _dtypes.to_numpy(dtype)
    if t._value.dtype != want:
        raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for "
                         f"Tensor with dtype {t.dtype.name}. Cast it first with tf.cast.")
    return t
