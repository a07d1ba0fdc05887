"""A stand-in GPU backend for machines without one: StrictArray device arrays that know their device.

``StandinArray`` is a :class:`strict_array.StrictArray` (NumPy behind CuPy's dispatch protocols;
implicit host conversions raise) that also carries the index of the device holding it and, as
CuPy, refuses to mix with host arrays (TypeError) or with arrays of another device (ValueError)
in one operation. ``StandinBackend`` implements the backend interface of ``gradtape.devices``
over it (``asarray``, ``to_host``, ``device_count``, ``synchronize``). Tests register it with
:func:`installed`; gradtape itself never imports this module.

``GRADTAPE_TEST_BACKEND=cupy`` makes :func:`installed` use the real CuPy backend instead, so the
same tests run on a GPU (``make gpu-check``).
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

import numpy as np

from strict_array import (_HOST_DATA_OK, _HOST_INDEX_ARG, HostConversionError, StrictArray,
                          _no_host_operands, _unwrap)

import gradtape.devices as gdevice

__all__ = ["StandinArray", "StandinBackend", "installed", "HostConversionError", "on_device",
           "host", "USE_CUPY"]

USE_CUPY = os.environ.get("GRADTAPE_TEST_BACKEND", "") == "cupy"


def _check_devices(args: Any, dev: int) -> None:
    """CuPy's rule for arrays of two devices in one operation: ValueError."""
    stack = [args]
    while stack:
        x = stack.pop()
        if isinstance(x, StandinArray):
            if x._dev != dev:
                raise ValueError(f"Array device must be same as the current device: array device = "
                                 f"{x._dev} while current = {dev}")
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


class StandinArray(StrictArray):
    """A StrictArray on stand-in device ``dev``; results of operations stay on that device.

    The host-conversion and host-operand rules are StrictArray's; this class adds the device."""

    __slots__ = ("_dev",)

    def __init__(self, a: Any, dev: int = 0):
        super().__init__(a)
        self._dev = dev

    def _w(self, out: Any) -> Any:
        if isinstance(out, StandinArray):
            return out
        if isinstance(out, StrictArray):
            return StandinArray(out._a, self._dev)
        if isinstance(out, np.generic):
            return StandinArray(np.asarray(out), self._dev)
        if isinstance(out, np.ndarray):
            return StandinArray(out, self._dev)
        if isinstance(out, tuple) and hasattr(out, "_fields"):
            return type(out)(*[self._w(v) for v in out])
        if isinstance(out, (list, tuple)):
            return type(out)(self._w(v) for v in out)
        return out

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        _check_devices((inputs, kwargs), self._dev)
        _no_host_operands(f"numpy.{ufunc.__name__}", inputs[:1] + inputs[2:] if method == "at" else inputs)
        return self._w(getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs)))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        _check_devices((args, kwargs), self._dev)
        if func not in _HOST_DATA_OK:
            host_ok = _HOST_INDEX_ARG.get(func)
            _no_host_operands(f"numpy.{func.__name__}",
                              [a for i, a in enumerate(args) if i != host_ok] +
                              [v for k, v in kwargs.items() if k != "indices" or host_ok is None])
        return self._w(func(*_unwrap(args), **_unwrap(kwargs)))

    T = property(lambda self: StandinArray(self._a.T, self._dev))

    def __getitem__(self, key: Any) -> "StandinArray":
        _check_devices(key, self._dev)
        return self._w(super().__getitem__(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        _check_devices((key, value), self._dev)
        super().__setitem__(key, value)

    def __getattr__(self, name: str) -> Any:
        attr = super().__getattr__(name)
        if not callable(attr):
            return attr

        def method(*args: Any, **kwargs: Any) -> Any:
            _check_devices((args, kwargs), self._dev)
            return self._w(attr(*args, **kwargs))
        return method

    def __repr__(self) -> str:
        return f"StandinArray(shape={self._a.shape}, dtype={self._a.dtype}, device={self._dev})"


_METHODS = ("astype", "reshape", "transpose", "copy", "ravel", "sum", "mean", "max", "min")


def _retagging(name: str) -> Any:
    base = getattr(StrictArray, name)

    def method(self: StandinArray, *a: Any, **k: Any) -> Any:
        _check_devices((a, k), self._dev)
        return self._w(base(self, *a, **k))
    method.__name__ = name
    return method


for _name in _METHODS:
    if hasattr(StrictArray, _name):
        setattr(StandinArray, _name, _retagging(_name))


class StandinBackend(gdevice.Backend):
    """``n`` stand-in GPUs over StandinArray; counts the host<->device copies it makes."""

    device_type = "GPU"
    array_types = (StandinArray,)

    def __init__(self, n: int = 1):
        self.n = n
        self.copies = {"to_device": 0, "to_host": 0}
        self.synced = 0

    def device_count(self) -> int:
        return self.n

    def asarray(self, value: Any, index: int) -> StandinArray:
        if not 0 <= index < self.n:
            raise ValueError(f"stand-in GPU {index} does not exist ({self.n} devices)")
        self.copies["to_device"] += 1
        host = value._a if isinstance(value, StrictArray) else value
        if isinstance(host, (np.ndarray, np.generic)) and host.dtype.kind in "OUS":
            raise TypeError("string arrays cannot live on a GPU")
        return StandinArray(np.array(host, copy=True), index)

    def to_host(self, value: Any) -> np.ndarray:
        self.copies["to_host"] += 1
        return value.get()

    def device_of(self, value: Any) -> int:
        return value._dev

    def synchronize(self, index: Any = None) -> None:
        self.synced += 1


@contextlib.contextmanager
def installed(n: int = 1) -> Iterator[gdevice.Backend]:
    """Register ``n`` stand-in GPUs (or the real CuPy backend with GRADTAPE_TEST_BACKEND=cupy)
    for the block; the previous GPU backend is restored afterwards."""
    import gradtape.config as cfg
    prev = gdevice._BACKENDS.get("GPU")
    state = dict(cfg._STATE)
    cfg._STATE.update(initialized=False, visible=None)
    if USE_CUPY:
        b = gdevice.CupyBackend()
        if b.device_count() < n:
            import pytest
            pytest.skip(f"needs {n} GPUs, this machine has {b.device_count()}")
    else:
        b = StandinBackend(n)
    gdevice.register_backend(b)
    try:
        yield b
    finally:
        if prev is not None:
            gdevice.register_backend(prev)
        else:
            gdevice.unregister_backend("GPU")
        cfg._STATE.clear()
        cfg._STATE.update(state)


def on_device(value: Any) -> bool:
    """True when ``value`` (a Tensor, Variable or array) lives on a GPU (stand-in or CuPy)."""
    v = getattr(value, "_value", value)
    return gdevice.device_of(v)[0] == "GPU"


def host(value: Any) -> np.ndarray:
    """The host copy of a tensor/variable/array value."""
    v = getattr(value, "_value", value)
    return np.asarray(gdevice.to_host(v))
