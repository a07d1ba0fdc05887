"""Devices and their array backends: where a tensor's value lives and how it moves.

A device kind has a backend, the array library that holds its values and runs its ops:

* ``CPU``: NumPy (always present; a CPU value is an ``ndarray`` or a NumPy scalar).
* ``GPU``: CuPy, when ``import cupy`` works and CUDA devices exist. The ops stay NumPy code:
  CuPy arrays implement NumPy's dispatch protocols, so ``np.*`` on a device array runs on the
  device. Tests register a stand-in GPU backend with :func:`register_backend`.

A backend implements :class:`Backend`: ``array_types``, ``device_count()``, ``asarray(value, index)``
(a copy on device ``index``), ``to_host(value)``, ``device_of(value)``, ``synchronize(index)`` and
``use(index)`` (a context making ``index`` the current device for new arrays and kernels).

Placement (TF's eager rules, see ``tf.device``):

* ``with tf.device('/GPU:0')`` places new tensors and Variables (constants, conversions, zeros/ones/
  fill, random ops) on that device, and runs the ops in the block there: their floating, complex
  and bool inputs are copied to the device first. Integer tensors stay in host memory (TF keeps
  int32 shapes and indices in host memory on a GPU; an op that needs them on the device gets a
  copy, see below). String tensors always stay on the CPU (TF has no GPU string kernels).
* Outside a device scope an op runs on its inputs' device. When its inputs are on different
  devices, the op runs on the first input that is not on the CPU, and the other inputs are
  copied there. Inside a scope, the scope's device wins (its inputs are copied to it).
* ``Tensor.numpy()`` (and ``float()``, ``np.asarray``, printing) copies the value to the host.
* A Variable keeps the device it was created on: a write copies the new value onto it.

Devices other than the CPU are reached only from these slow paths: the CPU per-op path pays one
truth test (``dispatch.PLACING``) per op.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np

__all__ = ["Backend", "CupyBackend", "register_backend", "unregister_backend", "backend",
           "device_of", "device_name", "to_host", "to_device", "synchronize", "CPU"]

CPU: Tuple[str, int] = ("CPU", 0)
_PREFIX = "/job:localhost/replica:0/task:0/device:"


class Backend:
    """The array library of one device kind (subclass it to add a device kind)."""

    device_type: str = "GPU"
    #: The array types this backend's values have (``cupy.ndarray``).
    array_types: tuple = ()

    def device_count(self) -> int:
        """How many devices of this kind exist."""
        raise NotImplementedError

    def asarray(self, value: Any, index: int) -> Any:
        """A copy of ``value`` (a NumPy value, or an array of this backend) on device ``index``."""
        raise NotImplementedError

    def to_host(self, value: Any) -> np.ndarray:
        """A NumPy copy of ``value`` (one of this backend's arrays)."""
        raise NotImplementedError

    def device_of(self, value: Any) -> int:
        """The index of the device holding ``value``."""
        raise NotImplementedError

    def synchronize(self, index: Optional[int] = None) -> None:
        """Wait until the work queued on device ``index`` (all devices when None) has finished."""

    def use(self, index: int) -> Any:
        """A context manager making device ``index`` the current one (new arrays, kernels)."""
        return contextlib.nullcontext()


class CupyBackend(Backend):
    """GPUs through CuPy (``pip install cupy-cuda12x``)."""

    device_type = "GPU"

    def __init__(self) -> None:
        import cupy
        self._cp = cupy
        self.array_types = (cupy.ndarray,)

    def device_count(self) -> int:
        try:
            return int(self._cp.cuda.runtime.getDeviceCount())
        except Exception:  # noqa: BLE001  -- no driver / no device: CuPy raises its runtime error
            return 0

    def asarray(self, value: Any, index: int) -> Any:
        with self._cp.cuda.Device(index):
            return self._cp.array(value, copy=True)

    def to_host(self, value: Any) -> np.ndarray:
        return value.get()

    def device_of(self, value: Any) -> int:
        return int(value.device.id)

    def synchronize(self, index: Optional[int] = None) -> None:
        ids = range(self.device_count()) if index is None else [index]
        for i in ids:
            with self._cp.cuda.Device(i):
                self._cp.cuda.Device(i).synchronize()

    def use(self, index: int) -> Any:
        return self._cp.cuda.Device(index)


_LOCK = threading.Lock()
_BACKENDS: Dict[str, Backend] = {}        # device kind -> backend
_TYPES: Dict[type, Backend] = {}          # array type -> backend
_PROBED = {"cupy": False}


def register_backend(backend: Backend) -> None:
    """Add a device kind (``backend.device_type``) whose values are ``backend.array_types``.

    ``tf.config.list_physical_devices`` lists its ``device_count()`` devices afterwards."""
    with _LOCK:
        _BACKENDS[backend.device_type] = backend
        _TYPES.clear()
        for b in _BACKENDS.values():
            for t in b.array_types:
                _TYPES[t] = b
    _changed()


def unregister_backend(device_type: str) -> None:
    """Remove a device kind (tensors already on it keep their values)."""
    with _LOCK:
        _BACKENDS.pop(device_type.upper(), None)
        _TYPES.clear()
        for b in _BACKENDS.values():
            for t in b.array_types:
                _TYPES[t] = b
    _changed()


def _changed() -> None:
    from . import dispatch
    dispatch.DEVICE_TYPES = frozenset(_TYPES)


def _probe_cupy() -> None:
    """Register CuPy as the GPU backend when it imports and finds CUDA devices (done once)."""
    if _PROBED["cupy"]:
        return
    _PROBED["cupy"] = True
    if "GPU" in _BACKENDS:
        return
    try:
        b = CupyBackend()
    except Exception:  # noqa: BLE001  -- not installed, or no CUDA runtime: no GPUs
        return
    if b.device_count() > 0:
        register_backend(b)


def backend(device_type: str) -> Optional[Backend]:
    """The backend of ``device_type`` ('GPU'), or None when this machine has no such devices."""
    kind = device_type.upper()
    if kind == "GPU":
        _probe_cupy()
    return _BACKENDS.get(kind)


def device_count(device_type: str) -> int:
    if device_type.upper() == "CPU":
        return 1
    b = backend(device_type)
    return b.device_count() if b is not None else 0


def _backend_of(value: Any) -> Optional[Backend]:
    b = _TYPES.get(type(value))
    if b is None and _TYPES:
        for t, cand in _TYPES.items():
            if isinstance(value, t):
                return cand
    return b


def device_of(value: Any) -> Tuple[str, int]:
    """``(kind, index)`` of the device holding ``value`` (NumPy values: ``('CPU', 0)``)."""
    if type(value) is np.ndarray or isinstance(value, np.generic):
        return CPU
    b = _backend_of(value)
    return CPU if b is None else (b.device_type, b.device_of(value))


def device_name(value: Any) -> str:
    """TF's full name of the device holding ``value``
    (``/job:localhost/replica:0/task:0/device:GPU:0``)."""
    kind, index = device_of(value)
    return f"{_PREFIX}{kind}:{index}"


def full_name(kind: str, index: int) -> str:
    return f"{_PREFIX}{kind}:{index}"


def to_host(value: Any) -> Any:
    """``value`` as a NumPy value (a copy when it lives on a device; NumPy values as they are)."""
    if type(value) is np.ndarray or isinstance(value, np.generic):
        return value
    b = _backend_of(value)
    if b is None:
        return value
    host = b.to_host(value)
    return host[()] if host.ndim == 0 else host


def to_device(value: Any, target: Tuple[str, int]) -> Any:
    """``value`` on device ``target`` (the same object when it is already there). String and
    object arrays stay on the CPU."""
    src = device_of(value)
    if src == target:
        return value
    if target[0] == "CPU":
        return to_host(value)
    dt = getattr(value, "dtype", None)
    if dt is None or dt.kind in "OUSV":
        return value
    b = _BACKENDS[target[0]]
    out = b.asarray(value if src[0] == "CPU" or src[0] == target[0] else to_host(value), target[1])
    return out


def synchronize(device_type: str = "GPU", index: Optional[int] = None) -> None:
    """Wait for the queued work of a device kind (no-op on the CPU); used by benchmarks."""
    b = _BACKENDS.get(device_type.upper())
    if b is not None:
        b.synchronize(index)


def use(target: Tuple[str, int]) -> Any:
    """The backend context making ``target`` current (nothing for the CPU)."""
    if target[0] == "CPU":
        return contextlib.nullcontext()
    return _BACKENDS[target[0]].use(target[1])


# -- the slow paths of dispatch ---------------------------------------------------------------

def _placed(value: Any, target: Tuple[str, int], move_ints: bool) -> Any:
    dt = getattr(value, "dtype", None)
    if dt is None or (not move_ints and dt.kind in "iu" and target[0] != "CPU"):
        return value
    return to_device(value, target)


def current_target() -> Optional[Tuple[str, int]]:
    """The device of the calling thread's innermost placing ``tf.device`` scope (None: none)."""
    from .dispatch import PLACING
    stack = PLACING.current()
    return stack[-1] if stack else None


def place_new(value: Any) -> Any:
    """A new tensor's value on the scope's device (constants, conversions, Variables)."""
    target = current_target()
    if target is None:
        return value
    return _placed(value, target, False)


def placed_forward(op: Any, inputs: tuple, values: tuple, attrs: Optional[dict]) -> Any:
    """Run ``op`` inside a device scope: inputs (floating, complex, bool) copied to the scope's
    device, the forward run there, new floating/complex/bool outputs moved there. If the op still
    mixes devices (an integer input it needs on the device), every input is copied and it reruns."""
    target = current_target()
    if target is None:                   # another thread's scope set the flag
        return mixed_forward(op, inputs, values, attrs, None)
    is_t = _tensor_mask(inputs)
    moved = tuple(_placed(v, target, False) if t else v for v, t in zip(values, is_t))
    try:
        with use(target):
            result = op.forward(*moved, **attrs) if attrs else op.forward(*moved)
    except (ValueError, TypeError):
        if not any(device_of(v) != target for v, t in zip(moved, is_t) if t):
            raise
        moved = tuple(_placed(v, target, True) if t else v for v, t in zip(values, is_t))
        with use(target):
            result = op.forward(*moved, **attrs) if attrs else op.forward(*moved)
    if op.num_outputs != 1:
        return type(result)(_placed(r, target, False) for r in result)
    return _placed(result, target, False)


def _tensor_mask(inputs: tuple) -> tuple:
    from .tensor import Tensor
    return tuple(type(x) is Tensor for x in inputs)


def mixed_forward(op: Any, inputs: tuple, values: tuple, attrs: Optional[dict], err: Optional[BaseException]) -> Any:
    """The retry of an op whose forward raised while its inputs are on devices: run it on the
    first non-CPU input's device, the other inputs copied there. Re-raises ``err`` when no input
    is on a device (an ordinary error)."""
    target = None
    is_t = _tensor_mask(inputs)
    for v, t in zip(values, is_t):
        if t:
            d = device_of(v)
            if d[0] != "CPU":
                target = d
                break
    if target is None:
        if err is None:
            return op.forward(*values, **attrs) if attrs else op.forward(*values)
        raise err
    moved = tuple(_placed(v, target, True) if t else v for v, t in zip(values, is_t))
    with use(target):
        return op.forward(*moved, **attrs) if attrs else op.forward(*moved)


def copy_value(value: Any) -> Any:
    """A copy of a tensor value on its own device (NumPy scalars as they are)."""
    if isinstance(value, np.generic):
        return value
    if type(value) is np.ndarray:
        return np.array(value, copy=True)
    return value.copy()


def place_args(x: Any) -> Any:
    """``x`` (nested lists/tuples/dicts) with its Tensors and numeric NumPy arrays placed on the
    scope's device (a ``tf.function`` called inside ``tf.device`` runs there)."""
    from .tensor import Tensor
    t = type(x)
    if t is Tensor:
        v = place_new(x._value)
        return x if v is x._value else Tensor(v)
    if t is np.ndarray and x.dtype.kind in "fcb":
        return Tensor(place_new(x))
    if t is tuple or t is list:
        return t(place_args(v) for v in x)
    if t is dict:
        return {k: place_args(v) for k, v in x.items()}
    return x


def logical_targets() -> List[Tuple[str, int]]:
    """Every device a ``tf.device`` scope may name: the CPU and each device of each backend."""
    out = [CPU]
    for kind, b in list(_BACKENDS.items()):
        out.extend((kind, i) for i in range(b.device_count()))
    return out


@contextlib.contextmanager
def placing(target: Optional[Tuple[str, int]]) -> Iterator[None]:
    """Make ``target`` the placement device of the calling thread (None: leave placement as is)."""
    if target is None:
        yield
        return
    from .dispatch import PLACING
    PLACING.append(target)
    try:
        with use(target):
            yield
    finally:
        PLACING.pop()
