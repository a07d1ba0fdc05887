"""The per-op path: convert inputs, run an op's forward, record it on the active tapes.

This module is the product's hot path. When no tape is active, running an op costs the forward,
one Tensor and one truth test of ``ACTIVE``. An op is recorded on a tape only when that tape
watches one of its inputs (TF's rule); recording appends one tuple to the tape's list.

Tapes are per thread, as in TF: ``ACTIVE`` is a :class:`ThreadStack`, whose truth test (C level,
as fast as a plain list's) says whether *any* thread is recording, and whose iteration and
editing see only the calling thread's stack. A thread without tapes therefore pays one truth
test per op while no thread records, and an iteration over its own empty stack while another does.
"""
from __future__ import annotations

import threading
from typing import Any, Iterator, Optional

import numpy as np

from . import devices as _device
from . import dtypes as _dtypes
from ._array import is_device as _is_device, like as _like
from .errors import InvalidArgumentError
from .registry import Op, ANY
from .tensor import Tensor

class _Local(threading.local):
    def __init__(self) -> None:
        self.stack: list = []


_list_iter = list.__iter__
_list_append = list.append
_list_delitem = list.__delitem__


class ThreadStack(list):
    """A stack kept per thread behind one process-wide truth test.

    ``if stack:`` is list's own C-level test of the underlying storage, which holds one marker per
    thread whose stack is non-empty (plus one for the shared entries): true when any thread has an
    entry. Everything else -- iteration, ``in``, indexing, ``append``/``remove``/``insert``/``pop``,
    slice assignment -- reads or edits only the calling thread's own stack (followed, when
    iterating, by the entries shared by all threads, see :meth:`add_shared`). ``len()`` is the
    number of markers, not the thread's depth: use ``len(stack.current())`` for that.
    """

    __slots__ = ("_local", "_lock", "_shared")

    def __init__(self) -> None:
        list.__init__(self)
        self._local = _Local()
        self._lock = threading.Lock()
        self._shared: list = []

    def current(self) -> list:
        """The calling thread's own stack (a plain list; edit it through this object)."""
        return self._local.stack

    def _mark(self, marker: list, on: bool) -> None:
        with self._lock:
            i = 0
            for m in _list_iter(self):
                if m is marker:
                    if not on:
                        _list_delitem(self, i)
                    return
                i += 1
            if on:
                _list_append(self, marker)

    def _edit(self, fn: Any, *args: Any) -> Any:
        stack = self._local.stack
        was = bool(stack)
        try:
            return fn(stack, *args)
        finally:
            if bool(stack) != was:
                self._mark(stack, not was)

    # reading (the thread's stack, then the shared entries)
    def __iter__(self) -> Iterator[Any]:
        shared = self._shared
        return iter(self._local.stack + shared) if shared else iter(self._local.stack)

    def __reversed__(self) -> Iterator[Any]:
        return reversed(list(self.__iter__()))

    def __contains__(self, x: Any) -> bool:
        return x in self._local.stack or x in self._shared

    def __getitem__(self, i: Any) -> Any:
        return self._local.stack[i]

    def index(self, x: Any, *args: Any) -> int:
        return self._local.stack.index(x, *args)

    def copy(self) -> list:
        return list(self.__iter__())

    def __repr__(self) -> str:
        return f"ThreadStack({self._local.stack!r}, shared={self._shared!r})"

    def __eq__(self, other: Any) -> bool:
        return self.copy() == (list(other) if isinstance(other, ThreadStack) else other)

    __hash__ = None  # type: ignore[assignment]

    # editing the thread's stack
    def append(self, x: Any) -> None:
        stack = self._local.stack
        stack.append(x)
        if len(stack) == 1:         # (a tape's ``with``: the common edit, done without ``_edit``)
            self._mark(stack, True)

    def insert(self, i: int, x: Any) -> None:
        self._edit(list.insert, i, x)

    def remove(self, x: Any) -> None:
        self._edit(list.remove, x)

    def pop(self, i: int = -1) -> Any:
        return self._edit(list.pop, i)

    def clear(self) -> None:
        self._edit(list.clear)

    def extend(self, xs: Any) -> None:
        self._edit(list.extend, list(xs))

    def __setitem__(self, i: Any, x: Any) -> None:
        self._edit(list.__setitem__, i, x)

    def __delitem__(self, i: Any) -> None:
        self._edit(list.__delitem__, i)

    def discard(self, x: Any) -> bool:
        """Remove the innermost entry that *is* ``x`` (identity); whether one was there."""
        stack = self._local.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is x:
                del stack[i]
                if not stack:
                    self._mark(stack, False)
                return True
        return False

    def discard_everywhere(self, x: Any) -> None:
        """Remove ``x`` from every thread's stack (cleanup run by a finalizer, in any thread)."""
        with self._lock:
            for stack in list(list.__iter__(self)):
                if stack is self._shared:
                    continue
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i] is x:
                        del stack[i]
                if not stack:
                    for j, m in enumerate(list.__iter__(self)):
                        if m is stack:
                            list.__delitem__(self, j)
                            break

    # entries seen by every thread
    def add_shared(self, x: Any) -> None:
        """Add ``x`` after every thread's own entries (an observer all threads must call)."""
        with self._lock:
            if not any(s is x for s in self._shared):
                self._shared = self._shared + [x]
        self._mark(self._shared, True)

    def remove_shared(self, x: Any) -> None:
        old = self._shared
        with self._lock:
            self._shared = [s for s in self._shared if s is not x]
        self._mark(old, False)
        if self._shared:
            self._mark(self._shared, True)


#: Tapes recording in this thread, innermost last (``for tape in ACTIVE`` sees the calling thread's
#: tapes only; ``if ACTIVE:`` is true while any thread records). Mutated only by GradientTape and
#: the objects that look like one (ForwardAccumulator, function tracing, custom_gradient).
ACTIVE: ThreadStack = ThreadStack()
_TAPES = ACTIVE._local     # ``_TAPES.stack``: this thread's tapes, for the per-op loops

#: ``tf.device`` scopes that place ops (``(kind, index)`` targets, innermost last, per thread):
#: ``if PLACING:`` is true while any thread is inside one. Pushed only for a device other than
#: the CPU, or for the CPU when a device backend exists (see ``gradtape.devices``).
PLACING: ThreadStack = ThreadStack()

#: The array types of the registered device backends (``gradtape.devices``); empty: CPU only.
DEVICE_TYPES: frozenset = frozenset()

#: Observers for the explain machinery (issue "why a gradient is None"); empty means off.
HOOKS: ThreadStack = ThreadStack()

class _VariableTypes(dict):
    """type -> whether its instances read like Variables (the type has ``_gt_read``). ``hasattr`` on
    a type that lacks the attribute raises and clears an AttributeError (~0.25 us, the cost of a
    whole op on small data): paid once per type here, a dict lookup afterwards."""

    def __missing__(self, t: type) -> bool:
        flag = self[t] = hasattr(t, "_gt_read")
        return flag


_IS_VAR = _VariableTypes()

_new = object.__new__
_F32 = np.dtype(np.float32)     # the builtin descriptor: every float32 value's ``dtype`` is it
_f32 = np.float32               # the type of float32 scalars (0-d values are held as scalars)
_float = float
_int = int


# -- recording ---------------------------------------------------------------------------------

def record(op: Op, inputs: tuple, out: Any, attrs: Optional[dict]) -> None:
    """Append ``(op, inputs, out, attrs)`` to every active tape that watches one of ``inputs``.

    (``unary`` and ``binary`` inline this loop for their one and two inputs; keep them in step.)"""
    if op.vjp is None:
        if HOOKS:
            for hook in HOOKS:
                hook.on_nondifferentiable(op, inputs, out, attrs)
        return
    rec = None
    for tape in _TAPES.stack:
        ids = tape._ids
        for x in inputs:
            if id(x) in ids:
                if rec is None:
                    rec = (op, inputs, out, attrs)   # one tuple for all tapes
                tape._records.append(rec)
                if type(out) is tuple:
                    ids.update(map(id, out))
                else:
                    ids.add(id(out))
                if PENDING:
                    _note_uses(tape, op, inputs)
                break
    if rec is not None and op.out_unread:
        v = out._value
        if type(v) is _ndarray and v.nbytes >= RELEASE_MIN_BYTES:
            _note_unread_output(rec)


_ndarray = np.ndarray


def _note_uses(tape: Any, op: Op, inputs: tuple) -> None:
    """A record just appended to ``tape`` reads ``inputs``: let a releasing tape count its uses."""
    if getattr(tape, "_pending", None):
        tape._note_uses(op, inputs)


def _note_unread_output(rec: tuple) -> None:
    """``rec``'s output is a large ndarray its rule does not read: when exactly one releasing tape
    (a GradientTape) holds the record, the output becomes pending there (``tape._free_unread``)."""
    global PENDING
    out = rec[2]
    holder = None
    for tape in _TAPES.stack:
        pend = getattr(tape, "_pending", None)
        if pend is not None and tape._records and tape._records[-1] is rec:
            if holder is not None:
                return
            holder = pend
    if holder is not None:
        PENDING = True
        holder[id(out)] = [out, 1]


#: Whether any tape ever had a pending output (``_note_unread_output``): until then recording skips
#: the per-tape check of inputs against pending outputs.
PENDING = False

#: A recorded output no gradient rule reads, at least this large, is released once only the tape
#: refers to it (GradientTape._free_unread). Tests set it to 0 to check every op's declaration.
RELEASE_MIN_BYTES = 1 << 16


READ = Op("read_variable", forward=lambda v: v, vjp=lambda g, ans, v: g, kinds=ANY,
          doc="Reading a Variable's value inside a tape; the gradient passes to the Variable.")


def read_variable(var: Any) -> Tensor:
    """A Tensor holding ``var``'s current value; watched tapes record the read (TF's ReadVariableOp)."""
    t = _new(Tensor)
    t._value = var._value
    if ACTIVE:
        vid = id(var)
        for tape in _TAPES.stack:
            ids = tape._ids
            if vid not in ids:
                if not (tape._watch_accessed_variables and var._trainable):
                    continue
                tape._watch_variable(var)
            tape._records.append((READ, (var,), t, None))
            ids.add(id(t))
    return t


def _note_numpy_exit(t: Tensor) -> None:
    """Called when a tensor's value leaves the library (``numpy()``, ``__array__``, ``float()``)."""
    if HOOKS and ACTIVE:
        for hook in HOOKS:
            hook.on_numpy_exit(t)


# -- conversion --------------------------------------------------------------------------------

def _infer_value(value: Any) -> np.ndarray:
    """NumPy value for a Python/NumPy object with TF's dtype rules (float -> float32, int -> int32)."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind not in "US":
        return value
    arr = np.asarray(value)
    k = arr.dtype.kind
    if k == "f":
        return arr.astype(np.float32)
    if k == "i":
        if arr.size and (arr.max() > 2**31 - 1 or arr.min() < -2**31):
            return arr.astype(np.int64)
        return arr.astype(np.int32)
    if k == "c":
        return arr.astype(np.complex128)
    if k in "bu":
        return arr
    if k in "US":  # TF strings are bytes (UTF-8)
        if not isinstance(value, np.ndarray):  # NumPy's "S" dtype drops trailing NUL bytes: rebuild
            arr = np.array(value, dtype=object)
        else:
            arr = arr.astype(object)
        if arr.size:
            arr = np.vectorize(lambda e: e.encode("utf-8") if isinstance(e, str) else bytes(e), otypes=[object])(arr)
        return arr
    raise TypeError(f"Cannot convert {value!r} (type {type(value).__name__}) to a tensor: "
                    f"NumPy made an array of dtype {arr.dtype}. Pass numbers, nested lists of "
                    "numbers, NumPy arrays or tensors.")


def _contains_tensor(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_contains_tensor(v) for v in value)
    return isinstance(value, Tensor) or _IS_VAR[type(value)]



def _to_dtype(arr: Any, dtype: np.dtype, value: Any) -> Any:
    if arr.dtype == dtype:
        return arr
    if dtype.kind in "iub" and arr.dtype.kind in "fc":
        if not np.all(np.asarray(arr) == np.round(np.real(arr))):
            raise TypeError(f"Cannot convert {value!r} to a tensor of dtype "
                            f"{_dtypes.from_numpy(dtype).name}: it holds non-integer values. "
                            "Cast explicitly with tf.cast(x, dtype) if you want truncation.")
    return arr.astype(dtype)


def value_as(value: Any, dtype: np.dtype) -> Any:
    """A Python or NumPy value as an array of ``dtype``, converted directly (0.4 as float64 is
    NumPy's 0.4, not float32's). Non-integral floats refuse an integer dtype (TF's TypeError)."""
    if not isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biufc":
            arr = _infer_value(value)
    else:
        arr = value
    return _to_dtype(arr, dtype, value)


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None,
                      name: Optional[str] = None) -> Tensor:
    """Convert a Python number, nested list, NumPy array, Tensor or Variable to a Tensor.

    Mirrors ``tf.convert_to_tensor``: Python floats become float32, ints int32, NumPy arrays
    keep their dtype. A Tensor whose dtype differs from ``dtype`` raises ValueError (TF does not
    cast silently). Lists that contain tensors are stacked, differentiably.
    """
    t = type(value)
    if t is Tensor:
        if dtype is not None and value._value.dtype != _dtypes.to_numpy(dtype):
            raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}. Use tf.cast(x, "
                             f"tf.{_dtypes.as_dtype(dtype).name}) to convert it.")
        return value
    if _IS_VAR[t]:
        out = value._gt_read()
        if dtype is not None and out._value.dtype != _dtypes.to_numpy(dtype):
            raise ValueError(f"Tensor conversion requested dtype {_dtypes.as_dtype(dtype).name} for "
                             f"Variable {value.name!r} with dtype {out.dtype.name}. "
                             "Use tf.cast(v, dtype) to convert it.")
        return out
    conv = getattr(value, "__gt_tensor__", None)
    if conv is not None:
        return convert_to_tensor(conv(), dtype=dtype, dtype_hint=dtype_hint)
    if value is None:
        raise ValueError("Attempt to convert a value (None) with an unsupported type "
                         "(<class 'NoneType'>) to a Tensor. A None usually means a gradient was "
                         "None or a function returned nothing.")
    if DEVICE_TYPES and type(value) in DEVICE_TYPES:     # a device array (cupy.ndarray): copied
        arr = value.astype(_dtypes.to_numpy(dtype)) if dtype is not None else value.copy()
        out = _new(Tensor)
        out._value = _device.place_new(arr) if PLACING else arr
        return out
    if isinstance(value, (list, tuple)) and value and _contains_tensor(value):
        from .ops.shape import stack
        return stack([convert_to_tensor(v, dtype=dtype, dtype_hint=dtype_hint) for v in value])
    if dtype is not None:
        np_dtype = _dtypes.to_numpy(dtype)
        arr = value_as(value, np_dtype)
    elif dtype_hint is not None and not isinstance(value, (np.ndarray, np.generic)):
        try:
            arr = value_as(value, _dtypes.to_numpy(dtype_hint))
        except TypeError:
            arr = _infer_value(value)
    else:
        arr = _infer_value(value)
    if arr is value or type(arr) is not np.ndarray and isinstance(arr, np.ndarray):
        arr = np.array(arr)     # the caller's array (or a memmap, matrix): copied, as TF does
    if type(arr) is np.ndarray and arr.ndim == 0 and arr.dtype.kind != "O":  # strings stay 0-d arrays
        arr = arr[()]
    out = _new(Tensor)
    out._value = _device.place_new(arr) if PLACING else arr
    return out


def to_tensor_like(value: Any, like: Tensor) -> Tensor:
    """Convert a non-tensor operand to ``like``'s dtype (Python scalars, lists and NumPy arrays)."""
    lv = like._value
    dt = lv.dtype
    if type(value) is np.ndarray and (value.dtype is dt or value.dtype == dt) and value.ndim and (
            type(lv) is np.ndarray or isinstance(lv, np.generic) or not _is_device(lv)):
        # The common case (a NumPy batch in an op with a tensor): wrap it as it is when no tape can
        # keep it (binary ops make new arrays); copied when a tape may record it, so editing the
        # array afterwards cannot change a gradient.
        t = _new(Tensor)
        t._value = value.copy() if ACTIVE else value
        return t
    if _is_device(value):           # a raw device array next to a tensor: used as it is
        t = _new(Tensor)
        t._value = value if value.dtype == dt else value.astype(dt)
        return t
    t = convert_to_tensor(value, dtype=dt)
    if type(lv) is not np.ndarray and _is_device(lv) and not _is_device(t._value):
        # host data combined with a device tensor is copied to its device (TF places an op's
        # constant inputs on the op's device)
        out = _new(Tensor)
        out._value = _like(lv, t._value)
        return out
    return t


# -- errors ------------------------------------------------------------------------------------

def _describe(x: Any) -> str:
    if isinstance(x, Tensor):
        return f"Tensor(shape={list(x._value.shape)}, dtype={x.dtype.name})"
    return f"{type(x).__name__} {x!r}"[:80]


def dtype_mismatch(op: Op, x: Tensor, y: Tensor) -> InvalidArgumentError:
    a, b = x.dtype.name, y.dtype.name
    return InvalidArgumentError(
        f"{op.name}: both operands must have the same dtype, but got {a} and {b} "
        f"(shapes {list(x._value.shape)} and {list(y._value.shape)}). TensorFlow does not promote "
        f"dtypes: cast one of them, e.g. tf.cast(y, tf.{a}).")


def bad_dtype(op: Op, x: Any) -> TypeError:
    kinds = {"fcV": "floating or complex", "fciuV": "numeric", "fciubV": "numeric or bool",
             "iu": "integer", "b": "bool", "f": "floating", "fiu": "real", "fV": "real floating",
             "fiuV": "real numeric", "fVui": "real numeric", "c": "complex"}.get(op.kinds, op.kinds)
    return TypeError(f"{op.name}: expected a {kinds} tensor, but got {_describe(x)}. "
                     f"Cast it first, e.g. tf.cast(x, tf.float32).")


def op_failed(op: Op, inputs: tuple, err: Exception) -> Exception:
    """Translate a NumPy error raised inside ``op``'s forward into TF's InvalidArgumentError."""
    if isinstance(err, (InvalidArgumentError, TypeError)) and not isinstance(err, np.exceptions.DTypePromotionError):
        return err
    desc = ", ".join(_describe(x) for x in inputs)
    msg = str(err)
    if "broadcast" in msg:
        shapes = " vs. ".join(str(list(np.shape(getattr(x, "_value", x)))) for x in inputs)
        msg = (f"Incompatible shapes: {shapes}. Operands of an elementwise op must broadcast: "
               "each dimension equal, or 1 in one of them.")
    return InvalidArgumentError(f"{op.name}: {msg} (inputs: {desc})")


# -- generic apply -----------------------------------------------------------------------------

def _read_variables(inputs: tuple) -> tuple:
    """``inputs`` with every Variable replaced by its read (so the op is recorded against it)."""
    return tuple([x._gt_read() if type(x) is not Tensor and _IS_VAR[type(x)] else x
                  for x in inputs])


def apply(op: Op, inputs: tuple, attrs: Optional[dict] = None) -> Any:
    """Run ``op`` on ``inputs`` (Tensors or raw values) and record it. Returns a Tensor or a tuple."""
    n = len(inputs)
    if n == 1:
        x = inputs[0]
        if type(x) is not Tensor and _IS_VAR[type(x)]:
            inputs = (x._gt_read(),)     # a Variable: its (watched) read is the op's input
            x = inputs[0]
        values = (x._value if type(x) is Tensor else x,)
    elif n == 2:
        x, y = inputs
        if (type(x) is not Tensor and _IS_VAR[type(x)]) or (type(y) is not Tensor and _IS_VAR[type(y)]):
            inputs = _read_variables(inputs)
            x, y = inputs
        values = (x._value if type(x) is Tensor else x, y._value if type(y) is Tensor else y)
    else:
        inputs = _read_variables(inputs)
        values = tuple([x._value if type(x) is Tensor else x for x in inputs])
    try:
        if PLACING:
            result = _device.placed_forward(op, inputs, values, attrs)
        else:
            result = op.forward(*values, **attrs) if attrs else op.forward(*values)
    except (ValueError, IndexError, np.linalg.LinAlgError, TypeError) as err:
        if not DEVICE_TYPES:
            raise op_failed(op, inputs, err) from None
        try:
            result = _device.mixed_forward(op, inputs, values, attrs, err)
        except (ValueError, IndexError, np.linalg.LinAlgError, TypeError) as err2:
            raise op_failed(op, inputs, err2) from None
    if op.num_outputs == 1:
        out = _new(Tensor)
        out._value = result
    else:
        out = []
        for r in result:
            t = _new(Tensor)
            t._value = r
            out.append(t)
        out = tuple(out)
    if ACTIVE:
        record(op, inputs, out, attrs)
    return out


def unary(op: Op):
    """Build the public function of a one-input elementwise op (the fastest path)."""
    kinds = op.kinds
    ok32 = _F32 if "f" in kinds else None   # float32 passes the kind test by identity (fast)
    s32 = _f32 if "f" in kinds else None    # and so do float32 scalars, by their type
    op.broadcasts = False  # elementwise and one input: gradients already have the input's shape

    def fn(x: Any, name: Optional[str] = None) -> Tensor:
        if type(x) is not Tensor:
            x = convert_to_tensor(x)
        xv = x._value
        if type(xv) is not s32:                 # (a float32 scalar passes by its type)
            dt = xv.dtype
            if dt is not ok32 and dt.kind not in kinds:
                raise bad_dtype(op, x)
        out = _new(Tensor)
        if PLACING:
            out._value = _device.placed_forward(op, (x,), (xv,), None)
        else:
            try:
                out._value = op.forward(xv)
            except (ValueError, TypeError) as err:
                if not DEVICE_TYPES:
                    raise
                out._value = _device.mixed_forward(op, (x,), (xv,), None, err)
        if ACTIVE:
            if op.vjp is None:
                record(op, (x,), out, None)
                return out
            rec = None
            for tape in _TAPES.stack:      # ``record``, inlined for one input
                ids = tape._ids
                if id(x) in ids:
                    if rec is None:
                        rec = (op, (x,), out, None)
                    tape._records.append(rec)
                    ids.add(id(out))
                    if PENDING:
                        _note_uses(tape, op, rec[1])
            if rec is not None and op.out_unread:
                v = out._value
                if type(v) is _ndarray and v.nbytes >= RELEASE_MIN_BYTES:
                    _note_unread_output(rec)
        return out

    fn.__name__ = fn.__qualname__ = op.name
    return fn


def binary(op: Op):
    """Build the public function of a two-input broadcasting op.

    TF's dtype rules: two tensors must share a dtype (``InvalidArgumentError`` otherwise); a Python
    scalar takes the tensor's dtype (passed to NumPy as a weak scalar, no conversion); lists and
    NumPy arrays are converted to the tensor's dtype.
    """
    kinds = op.kinds
    ok32 = _F32 if "f" in kinds else None   # float32 passes the kind test by identity (fast)
    s32 = _f32 if "f" in kinds else None    # and so do float32 scalars, by their type

    def fn(x: Any, y: Any, name: Optional[str] = None) -> Tensor:
        tx = type(x)
        ty = type(y)
        if tx is not Tensor and tx is not _float and tx is not _int and _IS_VAR[tx]:
            x = x._gt_read()
            tx = Tensor
        if ty is not Tensor and ty is not _float and ty is not _int and _IS_VAR[ty]:
            y = y._gt_read()
            ty = Tensor
        # ``dt`` stays None where the dtype is known to pass (float32 scalars, told by their type:
        # cheaper than reading a NumPy scalar's dtype); otherwise it is checked below.
        if tx is Tensor:
            xv = x._value
            if ty is Tensor:
                yv = y._value
                if type(xv) is s32 and type(yv) is s32:
                    dt = None
                else:
                    dt = xv.dtype
                    if dt is not yv.dtype and dt != yv.dtype:
                        if not NUMPY_PROMOTION[0]:
                            raise dtype_mismatch(op, x, y)
                        x, y = _promote_pair(x, y)
                        xv, yv, dt = x._value, y._value, x._value.dtype
            elif ty is _float or ty is _int:
                yv = y
                if type(xv) is s32:
                    dt = None
                else:
                    dt = xv.dtype
                    if ty is _float and dt is not _F32 and dt.kind not in "fcV":
                        if not NUMPY_PROMOTION[0]:
                            raise _int_float(op, x, y)
                        x = _promote_pair(x, convert_to_tensor(np.float64(0)))[0]
                        xv, dt = x._value, x._value.dtype
            else:
                y = to_tensor_like(y, x)
                yv = y._value
                dt = xv.dtype
        elif ty is Tensor:
            yv = y._value
            if tx is _float or tx is _int:
                xv = x
                if type(yv) is s32:
                    dt = None
                else:
                    dt = yv.dtype
                    if tx is _float and dt is not _F32 and dt.kind not in "fcV":
                        if not NUMPY_PROMOTION[0]:
                            raise _int_float(op, y, x)
                        y = _promote_pair(y, convert_to_tensor(np.float64(0)))[0]
                        yv, dt = y._value, y._value.dtype
            else:
                x = to_tensor_like(x, y)
                xv = x._value
                dt = yv.dtype
        else:
            x, y = _convert_pair(x, y)
            xv = x._value
            yv = y._value
            dt = xv.dtype
        if dt is not None and dt is not ok32 and dt.kind not in kinds:
            raise bad_dtype(op, x if type(x) is Tensor else y)
        try:
            if PLACING:
                value = _device.placed_forward(op, (x, y), (xv, yv), None)
            else:
                value = op.forward(xv, yv)
        except (ValueError, TypeError) as err:
            if not DEVICE_TYPES:
                raise op_failed(op, (x, y), err) from None
            try:
                value = _device.mixed_forward(op, (x, y), (xv, yv), None, err)
            except (ValueError, TypeError) as err2:
                raise op_failed(op, (x, y), err2) from None
        out = _new(Tensor)
        out._value = value
        if ACTIVE:
            if op.vjp is None:
                record(op, (x, y), out, None)
                return out
            rec = None
            for tape in _TAPES.stack:      # ``record``, inlined for two inputs
                ids = tape._ids
                if id(x) in ids or id(y) in ids:
                    if rec is None:
                        rec = (op, (x, y), out, None)
                    tape._records.append(rec)
                    ids.add(id(out))
                    if PENDING:
                        _note_uses(tape, op, rec[1])
            if rec is not None and op.out_unread and type(value) is _ndarray \
                    and value.nbytes >= RELEASE_MIN_BYTES:
                _note_unread_output(rec)
        return out

    fn.__name__ = fn.__qualname__ = op.name
    return fn


# Set by tf.experimental.numpy.experimental_enable_numpy_behavior(): binary ops on mixed dtypes
# promote with NumPy's rules instead of raising (only the error path reads it).
NUMPY_PROMOTION = [False]


def _promote_pair(x: Tensor, y: Tensor) -> tuple:
    from .ops.math import cast
    common = np.result_type(x._value.dtype, y._value.dtype)
    return (x if x._value.dtype == common else cast(x, common),
            y if y._value.dtype == common else cast(y, common))


def _int_float(op: Op, t: Tensor, scalar: float) -> TypeError:
    return TypeError(f"{op.name}: cannot combine a {t.dtype.name} tensor with the Python float "
                     f"{scalar!r}; TF does not promote integers to floats. Cast the tensor first: "
                     "tf.cast(x, tf.float32).")


def _convert_pair(x: Any, y: Any) -> tuple:
    """Two operands, neither a tensor: TF's inference (a float and an int make float32)."""
    if isinstance(x, (np.ndarray, np.generic)):
        x = convert_to_tensor(x)
        return x, convert_to_tensor(y, dtype=x._value.dtype)
    if isinstance(y, (np.ndarray, np.generic)):
        y = convert_to_tensor(y)
        return convert_to_tensor(x, dtype=y._value.dtype), y
    xa, ya = _infer_value(x), _infer_value(y)
    if xa.dtype != ya.dtype:
        common = np.result_type(xa, ya)
        if common.kind == "f":
            common = np.dtype(np.float32)
        xa, ya = xa.astype(common), ya.astype(common)
    return convert_to_tensor(xa), convert_to_tensor(ya)

