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


#: Set by ``gradtape.function``: records a draw while the calling thread traces a function.
_DRAW_HOOK: list = [None]


def _run_draw(fn: Any, seed: Optional[int], values: Any) -> Any:
    """``fn(generator, *values)``: one random op's NumPy work (the draw and its post-processing)."""
    arr = fn(_generator(seed), *values)
    return arr[()] if type(arr) is np.ndarray and arr.ndim == 0 else arr


def _draw(fn: Any, seed: Optional[int] = None, *inputs: Tensor) -> Tensor:
    """Every random op draws through here: ``fn(generator, *input values)`` returns the array.

    A traced function (``gradtape.function``) records the call, and its plan calls ``fn`` again
    on every call, in the same order as eager execution, so the random stream stays the same.
    """
    hook = _DRAW_HOOK[0]
    if hook is not None:
        t = hook(fn, seed, inputs)
        if t is not None:
            return t
    return _wrap(fn(_generator(seed), *[x._value for x in inputs]))


def _is_tensor(v: Any) -> bool:
    return isinstance(v, Tensor) or hasattr(type(v), "_gt_read")


def _affine_draw(sample: Any, seed: Optional[int], mean: Any, stddev: Any, d: np.dtype) -> Tensor:
    """``mean + stddev * z`` for ``z = sample(rng)``; tensor ``mean``/``stddev`` enter through ops
    (differentiable), Python numbers inside the draw."""
    from .math import add, multiply
    t_sd, t_mean = _is_tensor(stddev), _is_tensor(mean)
    sd = None if t_sd else float(getattr(stddev, "_value", stddev))
    mu = None if t_mean else mean

    def fn(rng: np.random.Generator) -> np.ndarray:
        z = sample(rng)
        out = z.astype(d)
        if sd is not None and sd != 1:
            out = (z * sd).astype(d)
        if not t_sd and mu is not None and np.any(np.asarray(mu) != 0):
            out = (out + np.asarray(mu, dtype=d)).astype(d)
        return out

    out = _draw(fn, seed)
    if t_sd:
        out = multiply(out, convert_to_tensor(stddev, dtype=d))
        if not t_mean and np.any(np.asarray(mu) != 0):
            out = add(out, convert_to_tensor(np.asarray(mu, dtype=d)))
    if t_mean:
        out = add(out, convert_to_tensor(mean, dtype=d))
    return out


def _affine(z: np.ndarray, mean: Any, stddev: Any, d: np.dtype) -> Tensor:
    """``mean + stddev * z`` for an already drawn ``z`` (``tf.random.Generator``, whose state write
    makes a traced function run eagerly)."""
    from .math import add, multiply
    out = _wrap(z.astype(d))
    if _is_tensor(stddev):
        out = multiply(out, convert_to_tensor(stddev, dtype=d))
    elif stddev != 1:
        out = _wrap((z * float(getattr(stddev, "_value", stddev))).astype(d))
    if _is_tensor(mean):
        out = add(out, convert_to_tensor(mean, dtype=d))
    elif np.any(np.asarray(mean) != 0):
        out = add(out, convert_to_tensor(np.asarray(mean, dtype=d)))
    return out


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
           seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Samples from a normal distribution (``tf.random.normal``), differentiable in ``mean``/``stddev``."""
    d = _float_dtype(dtype, "random.normal")
    dims = _shape_arg(shape, "random.normal")
    return _affine_draw(lambda rng: rng.standard_normal(dims), seed, mean, stddev, d)


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
                     seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Normal samples redrawn until within two standard deviations (``tf.random.truncated_normal``)."""
    d = _float_dtype(dtype, "random.truncated_normal")
    dims = _shape_arg(shape, "random.truncated_normal")

    def sample(rng: np.random.Generator) -> np.ndarray:
        z = rng.standard_normal(dims)
        bad = np.abs(z) > 2
        while bad.any():
            z[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(z) > 2
        return z
    return _affine_draw(sample, seed, mean, stddev, d)


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32,
            seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Uniform samples in ``[minval, maxval)`` (``tf.random.uniform``); integer dtypes need ``maxval``."""
    d = _dtypes.to_numpy(dtype)
    dims = _shape_arg(shape, "random.uniform")
    if d.kind in "iu":
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {_dtypes.as_dtype(d).name} in "
                             "random.uniform.")
        bounds = [convert_to_tensor(v) if _is_tensor(v) else None for v in (minval, maxval)]
        fixed = [None if b is not None else np.asarray(v) for b, v in zip(bounds, (minval, maxval))]

        def ints(rng: np.random.Generator, *vals: Any) -> np.ndarray:
            it = iter(vals)
            lo, hi = [np.asarray(next(it)) if f is None else f for f in fixed]
            if np.any(hi <= lo):
                raise InvalidArgumentError(f"random.uniform: need minval < maxval, got {lo} and {hi}.")
            return rng.integers(lo, hi, size=dims).astype(d)
        return _draw(ints, seed, *[b for b in bounds if b is not None])
    if d.kind != "f":
        raise ValueError(f"random.uniform: unsupported dtype {_dtypes.as_dtype(d).name}.")
    hi = 1.0 if maxval is None else maxval
    from .math import add, multiply, subtract
    if _is_tensor(minval) or _is_tensor(hi):
        lo_t = convert_to_tensor(minval, dtype=d)
        hi_t = convert_to_tensor(hi, dtype=d)
        u = _draw(lambda rng: rng.random(dims).astype(d), seed)
        return add(lo_t, multiply(u, subtract(hi_t, lo_t)))
    lo = np.asarray(minval)
    hv = np.asarray(hi)
    return _draw(lambda rng: (lo + rng.random(dims) * (hv - lo)).astype(d), seed)


def shuffle(value: Any, seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Randomly permute ``value`` along its first dimension (``tf.random.shuffle``)."""
    from .indexing import gather
    x = convert_to_tensor(value)
    if x._value.ndim == 0:
        return x
    n = np.shape(x._value)[0]
    perm = _draw(lambda rng: rng.permutation(n).astype(np.int64), seed)
    return gather(x, perm)


def categorical(logits: Any, num_samples: int, dtype: Any = None, seed: Optional[int] = None,
                name: Optional[str] = None) -> Tensor:
    """Draw class ids from the softmax of each row of ``logits`` (``tf.random.categorical``)."""
    lt = convert_to_tensor(logits)
    if lt._value.ndim != 2:
        raise ValueError(f"random.categorical: logits must be 2-D [batch, classes], got shape "
                         f"{list(lt._value.shape)}.")
    out_dtype = _dtypes.to_numpy(dtype or np.int64)
    k = int(num_samples)

    def sample(rng: np.random.Generator, zv: Any) -> np.ndarray:
        z = np.asarray(zv, dtype=np.float64)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        u = rng.random((z.shape[0], k))
        out = (u[..., None] > np.cumsum(p, axis=1)[:, None, :]).sum(-1)
        return np.minimum(out, z.shape[1] - 1).astype(out_dtype)
    return _draw(sample, seed, lt)
