"""The op database on a strict duck array (tests/strict_array.py: NumPy's dispatch protocols as
CuPy implements them, host conversions raise). The ops recorded in tests/data/duck_array_ops.json
as running on device arrays must keep doing so (forward, and gradient where recorded); the others
are the work list of a GPU backend (``python tests/duck_audit.py`` prints them with the reason)."""
import json
from pathlib import Path

import numpy as np
import pytest

import gradtape as tf
from gradtape.tensor import Tensor
from duck_audit import _check
from op_db import ALL_OPS
from strict_array import HostConversionError, StrictArray

RECORD = json.loads((Path(__file__).parent / "data" / "duck_array_ops.json").read_text())
BY_NAME = {info.name: info for info in ALL_OPS}


def test_strict_array_refuses_host_conversion():
    a = StrictArray(np.arange(3.0))
    assert isinstance(np.sin(a), StrictArray) and isinstance(np.concatenate([a, a]), StrictArray)
    for convert in (np.asarray, float, lambda x: x.item(), lambda x: list(x), lambda x: x.tolist()):
        with pytest.raises(HostConversionError):
            convert(a if convert is not float else a[0])
    np.testing.assert_array_equal(a.get(), [0.0, 1.0, 2.0])


@pytest.mark.parametrize("name", RECORD["forward_and_grad"])
def test_runs_forward_and_gradient_on_device_arrays(name):
    fwd, grad, err = _check(BY_NAME[name])
    assert fwd and grad, err


@pytest.mark.parametrize("name", RECORD["forward_only"])
def test_runs_forward_on_device_arrays(name):
    fwd, _, err = _check(BY_NAME[name])
    assert fwd, err


def test_values_on_device_arrays_match_host():
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    dev = tf.nn.relu(tf.sin(Tensor(StrictArray(x))) * 2.0)
    assert isinstance(dev._value, StrictArray)
    np.testing.assert_allclose(dev._value.get(), np.maximum(np.sin(x) * 2.0, 0.0))
