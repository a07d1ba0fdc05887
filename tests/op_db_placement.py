"""Op-database entries for placement ops (``gradtape/ops/array.py``: ``on_device_of``).

On NumPy arrays ``on_device_of(x, ref)`` is the identity in ``x``; tests/test_ops.py checks values
and gradients (first and second order), tests/test_duck_array.py and tests/test_device_ops.py the
device runs (host data beside a device array is copied to its device).
"""
from __future__ import annotations

import numpy as np

from op_db import OpInfo, Sample


def _on_device_of_fn(x, ref):
    import gradtape as tf
    from gradtape.ops.array import on_device_of
    return on_device_of(tf.convert_to_tensor(x), tf.convert_to_tensor(ref))


def _samples(rng):
    return [Sample((rng.standard_normal((2, 3)), rng.standard_normal((2, 3))), name="matrix"),
            Sample((rng.standard_normal(()), rng.standard_normal((4,))), name="scalar")]


OPS = [OpInfo("on_device_of", _on_device_of_fn, lambda x, ref: x, _samples, diff_args=(0,))]
