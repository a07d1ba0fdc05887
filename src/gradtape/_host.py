"""Reading an argument's value in Python (to pick shapes, indices or counts).

Under ``tf.function`` such a value would be baked into the compiled plan; reading it through
:func:`host_value` tells the tracer (as ``.numpy()`` does), so a function whose argument values
steer an op runs eagerly instead of replaying stale numbers.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor


def host_value(v: Any) -> Any:
    """``v``'s value as NumPy data (Tensors and Variables), or ``v`` itself for Python data."""
    if type(v) is Tensor:
        from .dispatch import _note_numpy_exit
        _note_numpy_exit(v)
        val = v._value
        if isinstance(val, (np.ndarray, np.generic)):
            return val
        from .devices import to_host            # a device array: copied to the host
        return to_host(val)
    if hasattr(type(v), "_gt_read"):
        return v.numpy()
    return v


def host_array(v: Any) -> np.ndarray:
    return np.asarray(host_value(v))
