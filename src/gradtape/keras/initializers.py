"""Keras initializers (``tf.keras.initializers``), by name and as classes.

Each initializer is called as ``init(shape, dtype=None)`` and returns a Tensor (default dtype: floatx,
float32). Random ones draw from ``gradtape.random`` (so ``tf.random.set_seed`` makes them reproducible);
a ``seed`` argument gives an op-level seed. The formulas are Keras's: ``VarianceScaling`` with
``fan_in``/``fan_out``/``fan_avg`` and truncated normal (stddev corrected by 0.8796...), normal or
uniform distributions; ``glorot_*`` is ``fan_avg`` with scale 1, ``he_*`` ``fan_in`` with scale 2,
``lecun_*`` ``fan_in`` with scale 1.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional

import numpy as np

from .. import dtypes as _dtypes
from ..dispatch import convert_to_tensor
from ..tensor import Tensor
from . import _lookup


def _dtype(dtype: Any) -> Any:
    if dtype is None:
        from .layers.base import _floatx
        return _dtypes.as_dtype(_floatx())
    return _dtypes.as_dtype(getattr(dtype, "name", dtype))


def _shape(shape: Any) -> tuple:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def compute_fans(shape: Any) -> tuple:
    """Keras's ``(fan_in, fan_out)``: kernels ``(..., in, out)`` multiply by the receptive field size."""
    shape = _shape(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``__call__(shape, dtype=None, **kwargs)`` returns a Tensor; ``get_config``."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> Dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Initializer":
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (``tf.keras.initializers.Zeros``, ``tf.zeros_initializer``)."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        return convert_to_tensor(np.zeros(_shape(shape), _dtypes.to_numpy(_dtype(dtype))))


class Ones(Initializer):
    """All ones (``tf.keras.initializers.Ones``, ``tf.ones_initializer``)."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        return convert_to_tensor(np.ones(_shape(shape), _dtypes.to_numpy(_dtype(dtype))))


class Constant(Initializer):
    """A constant scalar, or an array of the requested shape (``tf.keras.initializers.Constant``)."""

    def __init__(self, value: Any = 0):
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        v = np.asarray(getattr(self.value, "_value", self.value))
        shape = _shape(shape)
        if v.size != 1 and v.shape != shape:
            if v.size == int(np.prod(shape)):
                v = v.reshape(shape)
            else:
                raise TypeError(f"Constant initializer: value of shape {v.shape} does not match the "
                                f"requested shape {shape}.")
        return convert_to_tensor(np.broadcast_to(v, shape).astype(_dtypes.to_numpy(_dtype(dtype))))

    def get_config(self) -> Dict[str, Any]:
        v = self.value
        return {"value": v.tolist() if isinstance(v, np.ndarray) else v}


class RandomNormal(Initializer):
    """Normal draws with ``mean``, ``stddev`` (defaults 0 and 0.05, as Keras)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        from ..ops.random import normal
        return normal(_shape(shape), mean=self.mean, stddev=self.stddev, dtype=_dtype(dtype), seed=self.seed)

    def get_config(self) -> Dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform draws in ``[minval, maxval)`` (defaults -0.05 and 0.05, as Keras)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Optional[int] = None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        from ..ops.random import uniform
        return uniform(_shape(shape), minval=self.minval, maxval=self.maxval, dtype=_dtype(dtype),
                       seed=self.seed)

    def get_config(self) -> Dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal draws re-drawn beyond two standard deviations (defaults 0 and 0.05)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Optional[int] = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        from ..ops.random import truncated_normal
        return truncated_normal(_shape(shape), mean=self.mean, stddev=self.stddev, dtype=_dtype(dtype),
                                seed=self.seed)

    def get_config(self) -> Dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Keras's ``VarianceScaling(scale, mode, distribution, seed)``.

    ``n`` is ``fan_in``, ``fan_out`` or their mean; ``truncated_normal`` uses
    ``stddev = sqrt(scale / n) / 0.87962566103423978``, ``untruncated_normal`` ``sqrt(scale / n)``,
    ``uniform`` the limit ``sqrt(3 * scale / n)``.
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: Optional[int] = None):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError(f"Invalid `mode` argument: {mode!r}; expected fan_in, fan_out or fan_avg.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in {"uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}.")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        from ..ops.random import normal, truncated_normal, uniform
        shape = _shape(shape)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        dt = _dtype(dtype)
        if self.distribution == "truncated_normal":
            return truncated_normal(shape, 0.0, math.sqrt(scale) / 0.87962566103423978, dtype=dt, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return normal(shape, 0.0, math.sqrt(scale), dtype=dt, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return uniform(shape, -limit, limit, dtype=dt, seed=self.seed)

    def get_config(self) -> Dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _Fixed(VarianceScaling):
    _args: tuple = ()

    def __init__(self, seed: Optional[int] = None):
        scale, mode, dist = self._args
        super().__init__(scale, mode, dist, seed)

    def get_config(self) -> Dict[str, Any]:
        return {"seed": self.seed}


class GlorotUniform(_Fixed):
    """Uniform in ``±sqrt(6 / (fan_in + fan_out))`` (Keras's default kernel initializer)."""
    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Fixed):
    """Truncated normal with ``stddev = sqrt(2 / (fan_in + fan_out))``."""
    _args = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Fixed):
    """Truncated normal with ``stddev = sqrt(2 / fan_in)``."""
    _args = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Fixed):
    """Uniform in ``±sqrt(6 / fan_in)``."""
    _args = (2.0, "fan_in", "uniform")


class LecunNormal(_Fixed):
    """Truncated normal with ``stddev = sqrt(1 / fan_in)``."""
    _args = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Fixed):
    """Uniform in ``±sqrt(3 / fan_in)``."""
    _args = (1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """An orthogonal matrix (QR of a normal draw, sign-corrected), times ``gain`` (Keras's algorithm)."""

    def __init__(self, gain: float = 1.0, seed: Optional[int] = None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        from ..ops.random import normal
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: "
                             f"shape={shape} of rank {len(shape)}.")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        from .._array import to_host
        a = to_host(normal(flat, dtype="float64", seed=self.seed)._value)   # the QR runs on the host
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return convert_to_tensor((self.gain * q.reshape(shape)).astype(_dtypes.to_numpy(_dtype(dtype))))

    def get_config(self) -> Dict[str, Any]:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. Received: "
                             f"shape={shape} of rank {len(shape)}.")
        return convert_to_tensor((self.gain * np.eye(*shape)).astype(_dtypes.to_numpy(_dtype(dtype))))

    def get_config(self) -> Dict[str, Any]:
        return {"gain": self.gain}


# Keras's lower-case functional aliases.
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
identity = Identity
variance_scaling = VarianceScaling

_BY_NAME = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform,
    "uniform": RandomUniform, "truncated_normal": TruncatedNormal, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
    "identity": Identity, "variance_scaling": VarianceScaling,
}
for _cls in set(_BY_NAME.values()):
    _BY_NAME[_cls.__name__] = _cls


def serialize(initializer: Initializer) -> Dict[str, Any]:
    """``{'class_name': ..., 'config': ...}``."""
    return _lookup.serialize(initializer)


def deserialize(config: Any, custom_objects: Optional[dict] = None) -> Initializer:
    """The inverse of ``serialize`` (also accepts a bare name)."""
    if isinstance(config, str):
        return get(config)
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name)
    if cls is None:
        raise ValueError(f"Unknown initializer: {name!r}. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is included in the scope.")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Any:
    """An initializer from a name (``'glorot_uniform'``, ``'HeNormal'``), a config dict, an Initializer
    class (instantiated), or a callable."""
    return _lookup.get(identifier, "initializer", _BY_NAME, deserialize,
                       f". Known names: {sorted(k for k in _BY_NAME if k.islower())}", base=Initializer)


# TF's top-level names (tf.zeros_initializer, tf.random_normal_initializer, ...).
zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_normal_initializer = RandomNormal
random_uniform_initializer = RandomUniform
truncated_normal_initializer = TruncatedNormal
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal
variance_scaling_initializer = VarianceScaling
