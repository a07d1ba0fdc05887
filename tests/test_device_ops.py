"""The op database on a GPU: every op's samples run with their floating inputs on the device (the
stand-in GPU here, CuPy with GRADTAPE_TEST_BACKEND=cupy in ``make gpu-check``); outputs and
first-order gradients must stay on the device and equal the CPU run (float64).

An op that still converts a device array to the host is an expected failure when it is on the
duck-array work list (``PENDING`` in tests/test_duck_array.py) and fails otherwise on the stand-in;
on a real GPU (CuPy) an op that CuPy itself cannot run is skipped with the reason. A wrong value
always fails."""
import zlib

import numpy as np
import pytest

import gradtape as tf
import gradtape.devices as gdevices
from gradtape.tensor import Tensor
from gpu_standin import USE_CUPY, HostConversionError, installed, on_device, host
from op_db import ALL_OPS
from test_duck_array import PENDING


def _has_float_input(info) -> bool:
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    return any(any(_diff(a) for a in s.args) for s in info.samples(rng))

RTOL = 1e-7 if USE_CUPY else 0.0
ATOL = 1e-9 if USE_CUPY else 0.0


@pytest.fixture(scope="module")
def gpu():
    with installed(1) as backend:
        yield backend


def _diff(a):
    return isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype.kind == "f"


def _host_conversion(err: BaseException) -> bool:
    return isinstance(err, HostConversionError) or "Implicit conversion" in str(err) or \
        "host numpy.ndarray operand" in str(err)


def _run(info, xs, kwargs):
    with tf.GradientTape() as tape:
        for x in xs:
            if isinstance(x, Tensor):
                tape.watch(x)
        out = info.fn(*xs, **kwargs)
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    grads = None
    watched = [x for x in xs if isinstance(x, Tensor)]
    targets = [o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating]
    if info.grad and watched and targets:
        try:
            grads = tape.gradient(targets, watched)
        except NotImplementedError:             # not differentiable on the CPU either
            grads = None
        else:
            grads = [None if g is None else tf.convert_to_tensor(g) for g in grads]   # IndexedSlices: dense
    return outs, grads


@pytest.mark.parametrize("info", [i for i in ALL_OPS if _has_float_input(i)], ids=lambda i: i.name)
def test_op_on_the_device_equals_the_cpu(info, gpu):
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    samples = list(info.samples(rng))
    ran = False
    for sample in samples:
        host_args = [Tensor(np.asarray(a, dtype=np.float64)) if _diff(a) else a for a in sample.args]
        if not any(isinstance(a, Tensor) for a in host_args):
            continue
        ref_outs, ref_grads = _run(info, host_args, sample.kwargs)
        dev_args = [Tensor(gdevices.to_device(a._value, ("GPU", 0))) if isinstance(a, Tensor) else a
                    for a in host_args]
        try:
            outs, grads = _run(info, dev_args, sample.kwargs)
        except Exception as err:  # noqa: BLE001
            if _host_conversion(err):
                if info.name in PENDING:
                    pytest.xfail(f"on the duck-array work list: {str(err)[:100]}")
                if USE_CUPY:
                    pytest.skip(f"converts a device array to the host: {str(err)[:100]}")
            raise
        ran = True
        for o, r in zip(outs, ref_outs):
            if isinstance(o, Tensor) and o.dtype.is_floating:
                assert on_device(o), f"{info.name}: output left the device"
            np.testing.assert_allclose(host(o) if isinstance(o, Tensor) else o,
                                       host(r) if isinstance(r, Tensor) else r, rtol=RTOL, atol=ATOL)
        if ref_grads is not None:
            for g, r in zip(grads, ref_grads):
                assert (g is None) == (r is None), f"{info.name}: gradient None on one side only"
                if g is not None:
                    assert on_device(g), f"{info.name}: gradient left the device"
                    np.testing.assert_allclose(host(g), host(r), rtol=RTOL, atol=ATOL)
    assert ran, f"{info.name}: no sample with a floating tensor input ran"
    if info.name in PENDING and not USE_CUPY:
        raise AssertionError(f"{info.name} now runs on the device: remove it from PENDING")
