"""``tf.config``: the devices gradtape computes on, and the thread settings.

gradtape computes on the host CPU with NumPy, and on NVIDIA GPUs with CuPy when it is installed
(``pip install cupy-cuda12x``) and finds CUDA devices (see ``gradtape.devices``). It mirrors TF's
device API so TF programs that query or pin devices run unchanged:

* ``list_physical_devices()`` lists ``/physical_device:CPU:0`` and ``/physical_device:GPU:i`` for
  each GPU (none without CuPy or CUDA devices: ``list_physical_devices('GPU')`` is ``[]``, as TF
  on a machine without a GPU).
* ``tf.device('/GPU:0')`` places new tensors and Variables on that GPU and runs the block's ops
  there (the rules are in ``gradtape.devices``). As TF's soft placement: with no such device the ops
  run on the CPU. A malformed device string raises ValueError, as TF. Unlike TF, gradtape does not
  place ops on GPU:0 by default: without a ``tf.device`` scope (or a strategy) new tensors are
  created on the CPU, and an op runs where its inputs are.
* ``set_logical_device_configuration(cpu, [LogicalDeviceConfiguration()] * n)`` splits the CPU
  into ``n`` logical devices, as TF; ``list_logical_devices('CPU')`` then lists ``CPU:0..n-1``.
  They share one NumPy process (tensors report ``device:CPU:0``).
* ``threading.set_intra_op_parallelism_threads(n)`` limits the BLAS thread pools through
  ``threadpoolctl`` when it is installed (else the value is only recorded).
"""
from __future__ import annotations

import contextlib
import re
import threading as _threading
from typing import Any, Iterator, List, Optional, Sequence

__all__ = ["PhysicalDevice", "LogicalDevice", "LogicalDeviceConfiguration", "list_physical_devices",
           "list_logical_devices", "get_visible_devices", "set_visible_devices",
           "get_logical_device_configuration", "set_logical_device_configuration",
           "experimental", "threading", "device", "get_soft_device_placement", "set_soft_device_placement",
           "run_functions_eagerly", "functions_run_eagerly", "optimizer"]


class PhysicalDevice:
    """A physical device (``tf.config.PhysicalDevice``): ``name`` and ``device_type``."""

    __slots__ = ("name", "device_type")

    def __init__(self, name: str, device_type: str):
        self.name = name
        self.device_type = device_type

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, PhysicalDevice) and (self.name, self.device_type) == (other.name, other.device_type)

    def __hash__(self) -> int:
        return hash((self.name, self.device_type))

    def __repr__(self) -> str:
        return f"PhysicalDevice(name='{self.name}', device_type='{self.device_type}')"


class LogicalDevice:
    """A logical device (``tf.config.LogicalDevice``): ``name`` and ``device_type``."""

    __slots__ = ("name", "device_type")

    def __init__(self, name: str, device_type: str):
        self.name = name
        self.device_type = device_type

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, LogicalDevice) and (self.name, self.device_type) == (other.name, other.device_type)

    def __hash__(self) -> int:
        return hash((self.name, self.device_type))

    def __repr__(self) -> str:
        return f"LogicalDevice(name='{self.name}', device_type='{self.device_type}')"


class LogicalDeviceConfiguration:
    """Configuration of one logical device (``tf.config.LogicalDeviceConfiguration``)."""

    def __init__(self, memory_limit: Optional[int] = None, experimental_priority: Optional[int] = None,
                 experimental_device_ordinal: Optional[int] = None):
        self.memory_limit = memory_limit
        self.experimental_priority = experimental_priority
        self.experimental_device_ordinal = experimental_device_ordinal

    def __repr__(self) -> str:
        return f"LogicalDeviceConfiguration(memory_limit={self.memory_limit})"


_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
_LOCK = _threading.Lock()
_STATE: dict = {"visible": None, "logical": {}, "initialized": False, "soft": True,
                "growth": {}, "intra": 0, "inter": 0}


def list_physical_devices(device_type: Optional[str] = None) -> List[PhysicalDevice]:
    """The physical devices of ``device_type`` ('CPU', 'GPU', or all when None): the CPU, and the
    GPUs CuPy finds (or those of a registered backend, see ``gradtape.devices``)."""
    from . import devices as _device
    devs = [_CPU] + [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU")
                     for i in range(_device.device_count("GPU"))]
    return [d for d in devs if device_type is None or d.device_type == device_type.upper()]


def get_visible_devices(device_type: Optional[str] = None) -> List[PhysicalDevice]:
    """The devices the runtime may use (``tf.config.get_visible_devices``; all by default)."""
    vis = _STATE["visible"]
    if vis is None:
        vis = list_physical_devices()
    return [d for d in vis if device_type is None or d.device_type == device_type.upper()]


def _check_not_initialized(what: str) -> None:
    if _STATE["initialized"]:
        raise RuntimeError(f"{what} cannot be modified after being initialized")


def set_visible_devices(devices: Any, device_type: Optional[str] = None) -> None:
    """Restrict the devices the runtime may use (``tf.config.set_visible_devices``).

    As TF: the CPU cannot be hidden, and the setting is frozen once a logical device has been
    listed or used (RuntimeError after that)."""
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    for d in devices:
        if d not in list_physical_devices():
            raise ValueError(f"Unrecognized device: {d!r}")
    kept = [d for d in get_visible_devices() if device_type is not None and d.device_type != device_type.upper()]
    new = kept + [d for d in devices if d not in kept]
    if _CPU not in new:
        raise ValueError("Configuring CPU devices as invisible is not supported (the CPU is always visible).")
    with _LOCK:
        _check_not_initialized("Visible devices")
        _STATE["visible"] = new


def get_logical_device_configuration(device: PhysicalDevice) -> Optional[List[LogicalDeviceConfiguration]]:
    """The logical configurations set for ``device`` (None when not split)."""
    return _STATE["logical"].get(device)


def set_logical_device_configuration(device: PhysicalDevice,
                                     logical_devices: Optional[Sequence[LogicalDeviceConfiguration]]) -> None:
    """Split ``device`` into several logical devices (``tf.config.set_logical_device_configuration``).

    A CPU may be split into any number of logical CPUs (TF rejects ``memory_limit`` on a CPU)."""
    if device not in list_physical_devices():
        raise ValueError(f"Unrecognized device: {device!r}")
    confs = None if logical_devices is None else list(logical_devices)
    if confs is not None:
        if not confs:
            raise ValueError("set_logical_device_configuration needs at least one LogicalDeviceConfiguration.")
        for c in confs:
            if not isinstance(c, LogicalDeviceConfiguration):
                raise ValueError(f"Expected LogicalDeviceConfiguration, got {type(c).__name__}")
            if device.device_type == "CPU" and c.memory_limit is not None:
                raise ValueError("Setting memory limit on CPU virtual devices is currently not supported")
        if device.device_type != "CPU" and len(confs) > 1:
            raise NotImplementedError(
                f"Splitting {device.name} into {len(confs)} logical devices is not supported by "
                "gradtape (one logical device per GPU); split the CPU instead, or use several GPUs.")
    with _LOCK:
        _check_not_initialized("Virtual devices")
        _STATE["logical"][device] = confs


def list_logical_devices(device_type: Optional[str] = None) -> List[LogicalDevice]:
    """The logical devices (``tf.config.list_logical_devices``); listing freezes the configuration."""
    _STATE["initialized"] = True
    out = []
    counts: dict = {}
    for d in get_visible_devices():
        n = len(_STATE["logical"].get(d) or [None])
        for _ in range(n):
            i = counts.get(d.device_type, 0)
            counts[d.device_type] = i + 1
            out.append(LogicalDevice(f"/device:{d.device_type}:{i}", d.device_type))
    return [d for d in out if device_type is None or d.device_type == device_type.upper()]


def get_soft_device_placement() -> bool:
    return _STATE["soft"]


def set_soft_device_placement(enabled: bool) -> None:
    """Soft placement (TF's default, on): an op pinned to a missing device runs on the CPU.
    Off, ``tf.device('/GPU:0')`` on a machine with no GPU raises InvalidArgumentError when used."""
    _STATE["soft"] = bool(enabled)


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Make every ``tf.function`` run its Python function eagerly (``tf.config.run_functions_eagerly``)."""
    from .function import run_functions_eagerly as _run
    _run(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether functions run eagerly (``tf.config.functions_run_eagerly``)."""
    from .function import functions_run_eagerly as _get
    return _get()


class _Optimizer:
    """``tf.config.optimizer``: graph-optimizer settings. gradtape has no XLA or Grappler, so the
    values are kept and read back (``get_jit``, ``get_experimental_options``) and change nothing
    about how functions run: the numbers are the same either way, as TF promises."""

    def __init__(self) -> None:
        self._jit: Any = False
        self._options: dict = {}

    def set_jit(self, enabled: Any) -> None:
        """Record the XLA JIT setting (``tf.config.optimizer.set_jit``); gradtape has no JIT."""
        self._jit = enabled

    def get_jit(self) -> Any:
        """The recorded JIT setting (``tf.config.optimizer.get_jit``)."""
        return self._jit

    def set_experimental_options(self, options: dict) -> None:
        """Record Grappler options (``tf.config.optimizer.set_experimental_options``)."""
        if not isinstance(options, dict):
            raise TypeError(f"set_experimental_options: options must be a dict, got {type(options).__name__}.")
        self._options.update(options)

    def get_experimental_options(self) -> dict:
        """The recorded Grappler options (``tf.config.optimizer.get_experimental_options``)."""
        return dict(self._options)


optimizer = _Optimizer()


class _Experimental:
    """``tf.config.experimental``: memory growth and the older aliases."""

    @staticmethod
    def get_memory_growth(device: PhysicalDevice) -> bool:
        if device not in list_physical_devices():
            raise ValueError(f"Unrecognized device: {device!r}")
        return _STATE["growth"].get(device, False)

    @staticmethod
    def set_memory_growth(device: PhysicalDevice, enable: bool) -> None:
        """As TF: only GPUs have a memory growth setting (ValueError for a CPU)."""
        if device not in list_physical_devices():
            raise ValueError(f"Unrecognized device: {device!r}")
        if device.device_type != "GPU":
            raise ValueError(f"Cannot set memory growth on non-GPU devices: {device.name}")
        _STATE["growth"][device] = bool(enable)

    list_physical_devices = staticmethod(list_physical_devices)
    list_logical_devices = staticmethod(list_logical_devices)
    get_visible_devices = staticmethod(get_visible_devices)
    set_visible_devices = staticmethod(set_visible_devices)
    set_virtual_device_configuration = staticmethod(set_logical_device_configuration)
    get_virtual_device_configuration = staticmethod(get_logical_device_configuration)
    VirtualDeviceConfiguration = LogicalDeviceConfiguration


experimental = _Experimental()


def _set_blas_threads(n: int) -> None:
    """Limit the BLAS pools to ``n`` threads (0: back to the system default, as TF's 0)."""
    global _LIMITER
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    if _LIMITER is not None:
        _LIMITER.restore_original_limits()
        _LIMITER = None
    if n > 0:
        _LIMITER = threadpool_limits(limits=n, user_api="blas")


_LIMITER: Any = None


class _Threading:
    """``tf.config.threading``: the intra-op setting limits the BLAS pools (via threadpoolctl)."""

    @staticmethod
    def get_intra_op_parallelism_threads() -> int:
        return _STATE["intra"]

    @staticmethod
    def set_intra_op_parallelism_threads(num_threads: int) -> None:
        n = int(num_threads)
        if n < 0:
            raise ValueError(f"num_threads must be >= 0, got {num_threads}")
        _STATE["intra"] = n
        _set_blas_threads(n)

    @staticmethod
    def get_inter_op_parallelism_threads() -> int:
        return _STATE["inter"]

    @staticmethod
    def set_inter_op_parallelism_threads(num_threads: int) -> None:
        """Recorded only: gradtape runs ops one after another in the calling thread."""
        n = int(num_threads)
        if n < 0:
            raise ValueError(f"num_threads must be >= 0, got {num_threads}")
        _STATE["inter"] = n


threading = _Threading()

_TYPE_RE = re.compile(r"(?:^|/)(?:device:)?(?P<type>[A-Za-z_]+)(?::(?P<index>\d+|\*))?$")
_LOCAL = _threading.local()


def _parse(spec: Any) -> Optional[tuple]:
    """``(device_type, index)`` of a device string (None for ''/None: no change of placement).
    The spec's syntax is checked as TF does (ValueError naming the bad part)."""
    if spec is None or spec == "":
        return None
    if isinstance(spec, (LogicalDevice, PhysicalDevice)):
        spec = spec.name.replace("/physical_device:", "/device:")
    if not isinstance(spec, str):
        raise TypeError(f"tf.device expects a device name string, got {type(spec).__name__}: {spec!r}")
    from . import _check_device_spec
    _check_device_spec(spec)
    last = spec.rstrip("/").rsplit("/", 1)[-1]
    m = _TYPE_RE.search("/" + last)
    if m is None or m.group("type").lower() in ("job", "replica", "task"):
        return None                     # job/replica/task only: the device type is unchanged
    idx = m.group("index")
    return m.group("type").upper(), 0 if idx in (None, "*") else int(idx)


def current_device() -> str:
    """The device name the innermost ``tf.device`` scope resolved to (soft placement applied)."""
    stack = getattr(_LOCAL, "stack", None)
    return stack[-1] if stack else "/job:localhost/replica:0/task:0/device:CPU:0"


def _resolve(device_name: Any) -> tuple:
    """``(full name, placement target or None)`` of a ``tf.device`` argument (soft placement)."""
    from . import devices as _device
    parsed = _parse(device_name)
    if parsed is None:
        return current_device(), None
    dtype, idx = parsed
    known = {(d.device_type, int(d.name.rsplit(":", 1)[1])) for d in list_logical_devices()}
    if (dtype, idx) not in known and not _STATE["soft"]:
        from .errors import InvalidArgumentError
        raise InvalidArgumentError(
            f"Could not satisfy device specification '{device_name}': no {dtype}:{idx} on this machine "
            f"(known: {sorted(known)}). Enable soft placement (tf.config.set_soft_device_placement(True)).")
    if (dtype, idx) not in known:
        dtype, idx = "CPU", 0
    if dtype == "CPU":
        # Logical CPUs share the host's memory: values on any of them are NumPy values. The scope
        # places (copies device inputs to the host) only when another device kind exists.
        target = ("CPU", 0) if any(_device.device_count(k) for k in ("GPU",)) else None
    else:
        phys = [d for d in get_visible_devices(dtype)]
        target = (dtype, int(phys[idx].name.rsplit(":", 1)[1])) if idx < len(phys) else (dtype, idx)
    return f"/job:localhost/replica:0/task:0/device:{dtype}:{idx}", target


@contextlib.contextmanager
def device(device_name: Any) -> Iterator[None]:
    """``tf.device(name)``: place the tensors created and run the ops in the block on ``name``.

    A request for a device this machine lacks (e.g. ``/GPU:0`` without CuPy or a GPU) is
    soft-placed on the CPU, as TF does with soft placement on. A malformed name raises ValueError;
    with ``set_soft_device_placement(False)``, a missing device raises InvalidArgumentError.
    The placement rules (inputs copied to the scope's device) are in ``gradtape.devices``."""
    from . import devices as _device
    name, target = _resolve(device_name)
    stack = getattr(_LOCAL, "stack", None)
    if stack is None:
        stack = _LOCAL.stack = []
    stack.append(name)
    try:
        with _device.placing(target):
            yield
    finally:
        stack.pop()
