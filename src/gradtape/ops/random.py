"""Random tensors (``tf.random``), reproducible under ``set_seed``.

One NumPy ``Generator`` serves all ops; ``set_seed`` recreates it, so a program that sets the
seed draws the same numbers every run. An op-level ``seed`` gives a generator derived from the
global seed, the op seed and how many times that op seed was used, as TF does.
``normal(mean=m, stddev=s)`` is ``m + s * z``, so it is differentiable in ``m`` and ``s``.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Optional

import numpy as np

from .. import dtypes as _dtypes
from ..dispatch import convert_to_tensor
from ..errors import InvalidArgumentError
from ..tensor import Tensor
from .constructors import _shape_arg, _wrap

_state: dict = {"global_seed": None, "rng": np.random.default_rng(), "op_counts": {}}
_LOCK = threading.Lock()   # NumPy's Generator locks its own draws; this guards the seed counters


def set_seed(seed: Optional[int]) -> None:
    """Set the global random seed (``tf.random.set_seed``); ``None`` returns to fresh entropy."""
    with _LOCK:
        _state["global_seed"] = None if seed is None else int(seed)
        _state["rng"] = np.random.default_rng(None if seed is None else int(seed))
        _state["op_counts"] = {}


def get_global_generator_seed() -> Optional[int]:
    return _state["global_seed"]


def _generator(seed: Optional[int] = None) -> np.random.Generator:
    if seed is None:
        return _state["rng"]
    seed = int(seed)
    with _LOCK:                  # threads share the seeds (TF: one context per process)
        count = _state["op_counts"].get(seed, 0)
        _state["op_counts"][seed] = count + 1
        g = _state["global_seed"]
    return np.random.default_rng([0 if g is None else g + 1, seed, count])


def _float_dtype(dtype: Any, op: str) -> np.dtype:
    d = _dtypes.to_numpy(dtype)
    if d.kind != "f":
        raise ValueError(f"{op}: dtype must be a floating type, got {_dtypes.as_dtype(d).name}.")
    return d


def _affine(z: np.ndarray, mean: Any, stddev: Any, d: np.dtype) -> Tensor:
    from .math import add, multiply
    out = _wrap(z.astype(d))
    if isinstance(stddev, Tensor) or hasattr(type(stddev), "_gt_read"):
        out = multiply(out, convert_to_tensor(stddev, dtype=d))
    elif stddev != 1:
        out = _wrap((z * float(getattr(stddev, "_value", stddev))).astype(d))
    if isinstance(mean, Tensor) or hasattr(type(mean), "_gt_read"):
        out = add(out, convert_to_tensor(mean, dtype=d))
    elif mean != 0:
        out = _wrap((out._value + np.asarray(mean, dtype=d)).astype(d))
    return out


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
           seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Samples from a normal distribution (``tf.random.normal``), differentiable in ``mean``/``stddev``."""
    d = _float_dtype(dtype, "random.normal")
    z = _generator(seed).standard_normal(_shape_arg(shape, "random.normal"))
    return _affine(z, mean, stddev, d)


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
                     seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Normal samples redrawn until within two standard deviations (``tf.random.truncated_normal``)."""
    d = _float_dtype(dtype, "random.truncated_normal")
    rng = _generator(seed)
    dims = _shape_arg(shape, "random.truncated_normal")
    z = rng.standard_normal(dims)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return _affine(z, mean, stddev, d)


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32,
            seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (``tf.random.uniform``); integer dtypes need ``maxval``."""
    d = _dtypes.to_numpy(dtype)
    dims = _shape_arg(shape, "random.uniform")
    rng = _generator(seed)
    lo = np.asarray(getattr(minval, "_value", minval))
    if d.kind in "iu":
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {_dtypes.as_dtype(d).name} in "
                             "random.uniform.")
        hi = np.asarray(getattr(maxval, "_value", maxval))
        if np.any(hi <= lo):
            raise InvalidArgumentError(f"random.uniform: need minval < maxval, got {lo} and {hi}.")
        return _wrap(rng.integers(lo, hi, size=dims).astype(d))
    if d.kind != "f":
        raise ValueError(f"random.uniform: unsupported dtype {_dtypes.as_dtype(d).name}.")
    hi = 1.0 if maxval is None else maxval
    u = rng.random(dims)
    from .math import add, multiply, subtract
    if any(isinstance(v, Tensor) or hasattr(type(v), "_gt_read") for v in (minval, hi)):
        lo_t = convert_to_tensor(minval, dtype=d)
        hi_t = convert_to_tensor(hi, dtype=d)
        return add(lo_t, multiply(_wrap(u.astype(d)), subtract(hi_t, lo_t)))
    hv = np.asarray(getattr(hi, "_value", hi))
    return _wrap((lo + u * (hv - lo)).astype(d))


def shuffle(value: Any, seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Randomly permute ``value`` along its first dimension (``tf.random.shuffle``)."""
    from .indexing import gather
    x = convert_to_tensor(value)
    if x._value.ndim == 0:
        return x
    perm = _generator(seed).permutation(np.shape(x._value)[0]).astype(np.int64)
    return gather(x, perm)


def categorical(logits: Any, num_samples: int, dtype: Any = None, seed: Optional[int] = None,
                name: Optional[str] = None) -> Tensor:
    """Draw class ids from the softmax of each row of ``logits`` (``tf.random.categorical``)."""
    z = np.asarray(convert_to_tensor(logits)._value, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"random.categorical: logits must be 2-D [batch, classes], got shape {list(z.shape)}.")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rng = _generator(seed)
    u = rng.random((z.shape[0], int(num_samples)))
    out = (u[..., None] > np.cumsum(p, axis=1)[:, None, :]).sum(-1)
    return _wrap(np.minimum(out, z.shape[1] - 1).astype(_dtypes.to_numpy(dtype or np.int64)))
