"""``tf.random``: seeded random tensors, ``tf.random.Generator`` and the stateless ops.

``Generator`` keeps TF's state layout for the Philox algorithm: an int64 Variable
``[counter_lo, counter_hi, key]`` (``from_seed(s)`` gives ``[s, 0, 0]``, as TF). Numbers are
drawn with NumPy's Philox-4x64 bit generator keyed by that state, and each draw advances the
counter past the blocks it used, so a Generator made from a seed produces the same stream in
every run and on every machine. The streams are *not* bit-identical to TensorFlow's (TF uses
Philox-4x32 with its own sampling kernels): only their distributions and determinism match.
Each Generator holds a lock, so threads sharing one get distinct numbers.

The stateless ops (``stateless_normal``, ``stateless_uniform``, ...) are pure functions of their
``seed`` (a shape-[2] integer tensor): the same seed gives the same numbers, in gradtape's stream.
"""
from __future__ import annotations

import threading
from typing import Any, Optional

import numpy as np

from . import dtypes as _dtypes
from ._host import host_array
from .dispatch import convert_to_tensor
from .errors import InvalidArgumentError
from .ops import random as _random
from .ops.constructors import _shape_arg
from .ops.random import (  # noqa: F401
    categorical, normal, set_seed, shuffle, truncated_normal, uniform, get_global_generator_seed)
from .tensor import Tensor

__all__ = ["Algorithm", "Generator", "categorical", "create_rng_state", "fold_in", "get_global_generator",
           "normal", "set_global_generator", "set_seed", "shuffle", "split", "stateless_categorical",
           "stateless_normal", "stateless_truncated_normal", "stateless_uniform", "truncated_normal",
           "uniform"]

_STATE_SIZE = 3          # Philox: a 128-bit counter and a 64-bit key
_MASK = (1 << 64) - 1


class Algorithm:
    """RNG algorithms (``tf.random.Algorithm``). gradtape implements Philox only; AUTO_SELECT
    chooses it."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _alg(alg: Any) -> int:
    if alg is None:
        return Algorithm.PHILOX
    if isinstance(alg, str):
        names = {"philox": Algorithm.PHILOX, "auto_select": Algorithm.AUTO_SELECT, "threefry": Algorithm.THREEFRY}
        if alg.lower() not in names:
            raise ValueError(f"Unsupported RNG algorithm {alg!r}; use 'philox' or 'auto_select'.")
        alg = names[alg.lower()]
    alg = int(getattr(alg, "value", alg))
    if alg == Algorithm.THREEFRY:
        raise NotImplementedError("The ThreeFry RNG algorithm is not supported by gradtape; use Philox "
                                  "(tf.random.Algorithm.PHILOX, the default).")
    if alg not in (Algorithm.PHILOX, Algorithm.AUTO_SELECT):
        raise ValueError(f"Unsupported RNG algorithm {alg}.")
    return Algorithm.PHILOX


def create_rng_state(seed: Any, alg: Any) -> Tensor:
    """The RNG state a seed makes (``tf.random.create_rng_state``): an int seed is cut into 64-bit
    chunks (``1234 -> [1234, 0, 0]``); a vector is left-padded with zeros to the state size."""
    _alg(alg)
    return convert_to_tensor(_state_from_seed(seed))


def _state_from_seed(seed: Any) -> np.ndarray:
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        s = int(seed)
        chunks = []
        for _ in range(_STATE_SIZE):
            chunks.append(s & _MASK)
            s >>= 64
        return np.array(chunks, dtype=np.uint64).view(np.int64)
    v = np.asarray(getattr(seed, "_value", seed))
    if v.dtype.kind not in "iu":
        raise TypeError(f"A random seed must be an integer or a vector of integers, got {seed!r}.")
    v = v.astype(np.int64).reshape(-1)[:_STATE_SIZE]
    return np.concatenate([np.zeros(_STATE_SIZE - v.size, np.int64), v])


def _bitgen(counter_lo: int, counter_hi: int, key: int) -> np.random.Philox:
    return np.random.Philox(counter=[counter_lo, counter_hi, 0, 0], key=[key, 0])


def _u64(x: Any) -> int:
    return int(np.asarray(x, dtype=np.int64).view(np.uint64))


class Generator:
    """A random-number generator with its state in a Variable (``tf.random.Generator``).

    Create one with ``Generator.from_seed(seed)`` (deterministic) or
    ``Generator.from_non_deterministic_state()``. Each method call advances the state, so
    repeated calls give new numbers; two generators made from the same seed give the same
    sequence. See the module docstring for how the stream relates to TF's.
    """

    def __init__(self, copy_from: Optional["Generator"] = None, state: Any = None, alg: Any = None):
        from .variable import Variable
        self._lock = threading.RLock()
        if copy_from is not None:
            if state is not None or alg is not None:
                raise ValueError("Generator: pass either copy_from or (state, alg), not both.")
            self._alg = copy_from.algorithm
            self._state_var = Variable(np.array(copy_from.state._value, copy=True), trainable=False,
                                       dtype=_dtypes.int64, name="StateVar")
            return
        if state is None or alg is None:
            raise ValueError("Generator: state and alg must be given together; use Generator.from_seed(seed) "
                             "or Generator.from_non_deterministic_state() to make one.")
        self._alg = _alg(alg)
        if isinstance(state, Variable):
            if tuple(state.shape) != (_STATE_SIZE,) or state.dtype != _dtypes.int64:
                raise ValueError(f"Generator: a state Variable must be int64 of shape [{_STATE_SIZE}], got "
                                 f"{state.dtype.name} {list(state.shape)}.")
            self._state_var = state
        else:
            st = self._check_state(state)
            self._state_var = Variable(st, trainable=False, dtype=_dtypes.int64, name="StateVar")

    @staticmethod
    def _check_state(state: Any) -> np.ndarray:
        v = np.asarray(getattr(state, "_value", state))
        if v.dtype.kind not in "iu":
            raise TypeError(f"Generator: state must be integers, got {v.dtype}.")
        v = (v.astype(np.uint64).view(np.int64) if v.dtype.kind == "u" else v.astype(np.int64)).reshape(-1)
        if v.shape != (_STATE_SIZE,):
            raise ValueError(f"Generator: the Philox state has shape [{_STATE_SIZE}], got {list(v.shape)}.")
        return v

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> "Generator":
        """A generator whose state is made from ``seed`` (an int or an int vector), as TF."""
        return cls(state=_state_from_seed(seed), alg=_alg(alg))

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> "Generator":
        """A generator seeded from the operating system's entropy."""
        return cls(state=np.random.SeedSequence().generate_state(_STATE_SIZE, np.uint64).view(np.int64),
                   alg=_alg(alg))

    @classmethod
    def from_state(cls, state: Any, alg: Any) -> "Generator":
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any) -> "Generator":
        """A generator with the given 64-bit ``key`` and 128-bit ``counter`` (two int64)."""
        c = np.asarray(getattr(counter, "_value", counter), dtype=np.int64).reshape(-1)
        k = np.asarray(getattr(key, "_value", key), dtype=np.int64).reshape(-1)
        if c.size != 2 or k.size != 1:
            raise ValueError("Generator.from_key_counter: counter must have 2 entries and key 1.")
        return cls(state=np.concatenate([c, k]), alg=alg)

    # -- state ---------------------------------------------------------------------------------------
    @property
    def state(self) -> Any:
        """The state Variable (int64 ``[3]``: counter, counter, key)."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        return self._alg

    @property
    def key(self) -> Tensor:
        return convert_to_tensor(np.int64(self._state_var._value[2]))

    def reset(self, state: Any) -> None:
        """Replace the state (``Generator.reset``)."""
        with self._lock:
            self._state_var.assign(self._check_state(state))

    def reset_from_seed(self, seed: Any) -> None:
        """Reset to the state ``from_seed(seed)`` would make."""
        with self._lock:
            self._state_var.assign(_state_from_seed(seed))

    def reset_from_key_counter(self, key: Any, counter: Any) -> None:
        with self._lock:
            self._state_var.assign(Generator.from_key_counter(key, counter, self._alg).state._value)

    def skip(self, delta: int) -> Tensor:
        """Advance the counter by ``delta`` blocks; returns the old state."""
        with self._lock:
            old = np.array(self._state_var._value, copy=True)
            lo, hi = _u64(old[0]), _u64(old[1])
            c = ((hi << 64) | lo) + int(delta)
            self._write(c & _MASK, (c >> 64) & _MASK, _u64(old[2]))
            return convert_to_tensor(old)

    def _write(self, lo: int, hi: int, key: int) -> None:
        new = np.array([lo, hi, key], dtype=np.uint64).view(np.int64)
        # A direct write (not assign): under tf.function it makes the call run eagerly, so the
        # state advances on every call instead of being replayed from the trace.
        self._state_var._set(new)

    def _draw(self, fn: Any) -> Any:
        """Run ``fn(np.random.Generator)`` on the current state and advance the counter past it."""
        with self._lock:
            st = self._state_var._value
            lo, hi, key = _u64(st[0]), _u64(st[1]), _u64(st[2])
            bg = _bitgen(lo, hi, key)
            out = fn(np.random.Generator(bg))
            c = [int(x) for x in bg.state["state"]["counter"]]
            # The counter's low 128 bits, plus one block for numbers left in the buffer.
            total = ((c[1] << 64) | c[0]) + 1
            self._write(total & _MASK, (total >> 64) & _MASK, key)
            return out

    # -- distributions -------------------------------------------------------------------------------
    def normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
               name: Optional[str] = None) -> Tensor:
        """Normal samples ``mean + stddev * z`` (``Generator.normal``); differentiable in mean/stddev."""
        d = _random._float_dtype(dtype, "Generator.normal")
        dims = _shape_arg(shape, "Generator.normal")
        z = self._draw(lambda g: g.standard_normal(dims))
        return _random._affine(z, mean, stddev, d)

    def truncated_normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
                         name: Optional[str] = None) -> Tensor:
        """Normal samples redrawn until within two standard deviations (``Generator.truncated_normal``)."""
        d = _random._float_dtype(dtype, "Generator.truncated_normal")
        dims = _shape_arg(shape, "Generator.truncated_normal")
        z = self._draw(lambda g: _truncated(g, dims))
        return _random._affine(z, mean, stddev, d)

    def uniform(self, shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32,
                name: Optional[str] = None) -> Tensor:
        """Uniform samples in ``[minval, maxval)`` (``Generator.uniform``). Floats default to
        ``[0, 1)``; integers need both bounds, or neither for the full range of the dtype."""
        d = _dtypes.to_numpy(dtype)
        dims = _shape_arg(shape, "Generator.uniform")
        return _uniform(self._draw, dims, minval, maxval, d, "Generator.uniform")

    def uniform_full_int(self, shape: Any, dtype: Any = _dtypes.uint64, name: Optional[str] = None) -> Tensor:
        """Integers over the dtype's whole range (``Generator.uniform_full_int``)."""
        d = _dtypes.to_numpy(dtype)
        dims = _shape_arg(shape, "Generator.uniform_full_int")
        return _uniform(self._draw, dims, None, None, d, "Generator.uniform_full_int")

    def make_seeds(self, count: int = 1) -> Tensor:
        """``count`` seed pairs for the stateless ops, int64 ``[2, count]`` (second row zeros, as TF)."""
        keys = self._draw(lambda g: g.integers(0, 2 ** 64, size=int(count), dtype=np.uint64, endpoint=False))
        return _random._wrap(np.stack([keys.view(np.int64), np.zeros(int(count), np.int64)]))

    def split(self, count: int = 1) -> list:
        """``count`` new independent generators (state ``[0, 0, key]``); advances this one."""
        keys = self._draw(lambda g: g.integers(0, 2 ** 64, size=int(count), dtype=np.uint64, endpoint=False))
        return [Generator(state=np.array([0, 0, k], dtype=np.uint64).view(np.int64), alg=self._alg)
                for k in keys.tolist()]

    def __repr__(self) -> str:
        return f"<tf.random.Generator state={np.asarray(self._state_var._value).tolist()} alg={self._alg}>"


def _truncated(g: np.random.Generator, dims: tuple) -> np.ndarray:
    z = g.standard_normal(dims)
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = g.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return z


def _uniform(draw: Any, dims: tuple, minval: Any, maxval: Any, d: np.dtype, op: str) -> Tensor:
    from .ops.math import add, multiply, subtract
    if d.kind in "iu":
        if (minval is None) != (maxval is None):
            raise ValueError(f"{op}: for integer dtype {_dtypes.as_dtype(d).name}, minval and maxval must be "
                             "both None (the full range) or both given.")
        if minval is None:
            info = np.iinfo(d)
            return _random._wrap(draw(lambda g: g.integers(info.min, info.max, size=dims, dtype=d,
                                                            endpoint=True)))
        lo = np.asarray(getattr(minval, "_value", minval))
        hi = np.asarray(getattr(maxval, "_value", maxval))
        if np.any(hi <= lo):
            raise InvalidArgumentError(f"{op}: need minval < maxval, got {lo} and {hi}.")
        return _random._wrap(draw(lambda g: g.integers(lo, hi, size=dims)).astype(d))
    if d.kind != "f":
        raise ValueError(f"{op}: unsupported dtype {_dtypes.as_dtype(d).name}.")
    hi = 1.0 if maxval is None else maxval
    lo = 0.0 if minval is None else minval
    u = draw(lambda g: g.random(dims))
    if any(isinstance(v, Tensor) or hasattr(type(v), "_gt_read") for v in (lo, hi)):
        lo_t = convert_to_tensor(lo, dtype=d)
        hi_t = convert_to_tensor(hi, dtype=d)
        return add(multiply(_random._wrap(u.astype(d)), subtract(hi_t, lo_t)), lo_t)
    lv = np.asarray(lo, dtype=d)
    hv = np.asarray(hi, dtype=d)
    return _random._wrap((u.astype(d) * (hv - lv) + lv).astype(d))


# -- the global generator ------------------------------------------------------------------------

_GLOBAL: dict = {"generator": None}
_GLOBAL_LOCK = threading.Lock()


def get_global_generator() -> Generator:
    """The process-wide Generator, made from non-deterministic state on first use
    (``tf.random.get_global_generator``); ``tf.random.set_seed`` does not reset it, as in TF."""
    with _GLOBAL_LOCK:
        if _GLOBAL["generator"] is None:
            _GLOBAL["generator"] = Generator.from_non_deterministic_state()
        return _GLOBAL["generator"]


def set_global_generator(generator: Generator) -> None:
    """Replace the process-wide Generator (``tf.random.set_global_generator``)."""
    if not isinstance(generator, Generator):
        raise TypeError(f"set_global_generator: expected a tf.random.Generator, got {type(generator).__name__}.")
    with _GLOBAL_LOCK:
        _GLOBAL["generator"] = generator


# -- stateless ops -------------------------------------------------------------------------------

def _seed_pair(seed: Any, op: str) -> tuple:
    v = host_array(seed)
    if v.dtype.kind not in "iu":
        raise TypeError(f"{op}: seed must be an int32 or int64 tensor of shape [2], got {seed!r}.")
    if v.shape != (2,):
        raise InvalidArgumentError(f"{op}: seed must have shape [2], not {list(v.shape)}.")
    a, b = (int(x) & _MASK for x in v.astype(np.int64).tolist())
    return a, b


def _stateless_draw(seed: Any, op: str) -> Any:
    a, b = _seed_pair(seed, op)

    def draw(fn: Any) -> Any:
        return fn(np.random.Generator(np.random.Philox(counter=[0, 0, 0, 0], key=[a, b])))
    return draw


def stateless_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dtypes.float32,
                     name: Optional[str] = None, alg: Any = "auto_select") -> Tensor:
    """Normal samples that depend only on ``seed`` (``tf.random.stateless_normal``)."""
    _alg(alg)
    d = _random._float_dtype(dtype, "stateless_normal")
    dims = _shape_arg(shape, "stateless_normal")
    z = _stateless_draw(seed, "stateless_normal")(lambda g: g.standard_normal(dims))
    return _random._affine(z, mean, stddev, d)


def stateless_truncated_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                               dtype: Any = _dtypes.float32, name: Optional[str] = None,
                               alg: Any = "auto_select") -> Tensor:
    """Truncated normal samples (within two stddevs) that depend only on ``seed``."""
    _alg(alg)
    d = _random._float_dtype(dtype, "stateless_truncated_normal")
    dims = _shape_arg(shape, "stateless_truncated_normal")
    z = _stateless_draw(seed, "stateless_truncated_normal")(lambda g: _truncated(g, dims))
    return _random._affine(z, mean, stddev, d)


def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dtypes.float32,
                      name: Optional[str] = None, alg: Any = "auto_select") -> Tensor:
    """Uniform samples in ``[minval, maxval)`` that depend only on ``seed``
    (``tf.random.stateless_uniform``); integer dtypes need both bounds or neither (full range)."""
    _alg(alg)
    d = _dtypes.to_numpy(dtype)
    dims = _shape_arg(shape, "stateless_uniform")
    return _uniform(_stateless_draw(seed, "stateless_uniform"), dims, minval, maxval, d, "stateless_uniform")


def stateless_categorical(logits: Any, num_samples: int, seed: Any, dtype: Any = _dtypes.int64,
                          name: Optional[str] = None) -> Tensor:
    """Class ids drawn from the softmax of each row of ``logits``, depending only on ``seed``."""
    z = np.asarray(convert_to_tensor(logits)._value, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"stateless_categorical: logits must be 2-D [batch, classes], got shape {list(z.shape)}.")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = _stateless_draw(seed, "stateless_categorical")(lambda g: g.random((z.shape[0], int(num_samples))))
    out = (u[..., None] > np.cumsum(p, axis=1)[:, None, :]).sum(-1)
    return _random._wrap(np.minimum(out, z.shape[1] - 1).astype(_dtypes.to_numpy(dtype)))


def split(seed: Any, num: int = 2, alg: Any = "auto_select") -> Tensor:
    """``num`` new seeds derived from ``seed``, int64 ``[num, 2]`` (``tf.random.split``)."""
    _alg(alg)
    v = _stateless_draw(seed, "random.split")(
        lambda g: g.integers(0, 2 ** 64, size=(int(num), 2), dtype=np.uint64, endpoint=False))
    d = np.asarray(getattr(seed, "_value", seed)).dtype
    return _random._wrap(v.view(np.int64).astype(d if d.kind in "iu" else np.int64))


def fold_in(seed: Any, data: Any, alg: Any = "auto_select") -> Tensor:
    """A new seed from ``seed`` and an integer ``data`` (``tf.random.fold_in``)."""
    _alg(alg)
    a, b = _seed_pair(seed, "random.fold_in")
    x = int(host_array(data)) & _MASK
    g = np.random.Generator(np.random.Philox(counter=[x, 0, 0, 0], key=[a, b]))
    v = g.integers(0, 2 ** 64, size=2, dtype=np.uint64, endpoint=False)
    d = np.asarray(getattr(seed, "_value", seed)).dtype
    return _random._wrap(v.view(np.int64).astype(d if d.kind in "iu" else np.int64))
