"""BatchNormalization and LayerNormalization (``tf.keras.layers``), as TF 2.21's Keras computes them.

BatchNormalization: weights ``gamma``, ``beta`` (trainable) and ``moving_mean``, ``moving_variance``
(non-trainable), defaults ``momentum=0.99``, ``epsilon=1e-3``. With ``training=True`` it normalizes
with the batch mean and (biased) variance and moves the statistics towards them:
``moving = moving - (moving - batch) * (1 - momentum)``, for inputs of every rank (Keras 3; tf.keras 2's
fused kernel used the unbiased variance ``n / (n - 1)`` for 4-D inputs, so models trained there
differ slightly at inference). Otherwise (``training`` False or not given, or the layer frozen with
``trainable=False``) it uses the moving statistics. A training step over the last axis with both
``gamma`` and ``beta`` (float32/float64) runs as one fused op, ``ops.batch_norm.batch_norm_train``,
whose backward is one fused op too; other configurations compose gradtape ops.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from ...ops import math as _m
from ...ops import reduction as _r
from ...ops import shape as _s
from ...tensor import Tensor
from .base import Layer
from .core import _add_weight_with_options, _set_weight_options, _weight_options_config


def _axes_list(axis: Any) -> list:
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    return [int(axis)]



def _float32_compute(call):
    """Keras 3's BatchNormalization under a float16/bfloat16 dtype: the (autocast) input is computed
    in float32 with the weights cast to float32, and the output is cast to the compute dtype."""
    import functools

    @functools.wraps(call)
    def wrapper(self, inputs, *args, **kwargs):
        if getattr(inputs, "dtype", None) is None or inputs.dtype.name not in ("float16", "bfloat16"):
            return call(self, inputs, *args, **kwargs)
        from ... import _autocast
        _autocast.push(None)
        try:
            out = call(self, _m.cast(inputs, "float32"), *args, **kwargs)
        finally:
            _autocast.pop()
        return _m.cast(out, self.compute_dtype)
    return wrapper


def _no_autocast_compute(call):
    """Keras 3's LayerNormalization and GroupNormalization (``autocast = False``): the input keeps
    its dtype (no autocast of the input or of the variables), the computation runs in at least
    float32 (float16/bfloat16 inputs are cast up, float64 stays), the weights are cast to that
    dtype, and the output is cast to the layer's compute dtype."""
    import functools

    @functools.wraps(call)
    def wrapper(self, inputs, *args, **kwargs):
        if getattr(inputs, "dtype", None) is None:
            return call(self, inputs, *args, **kwargs)
        if inputs.dtype.name in ("float16", "bfloat16"):
            inputs = _m.cast(inputs, "float32")
        from ... import _autocast
        _autocast.push(None)
        try:
            out = call(self, inputs, *args, **kwargs)
        finally:
            _autocast.pop()
        return out if out.dtype.name == self.compute_dtype else _m.cast(out, self.compute_dtype)
    return wrapper


def _as(w: Any, dt: Any) -> Any:
    """A weight in the computation's dtype: a float16/bfloat16 layer (``dtype="float16"``) computes
    in float32 with its weights cast, as Keras 3's normalization layers do."""
    return w if w is None or w.dtype == dt else _m.cast(w, dt)

class BatchNormalization(Layer):
    """Normalize with batch statistics in training and moving statistics in inference."""

    def __init__(self, axis: Any = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, renorm: bool = False, renorm_clipping: Any = None,
                 renorm_momentum: float = 0.99, fused: Optional[bool] = None, virtual_batch_size: Any = None,
                 adjustment: Any = None, synchronized: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("BatchNormalization: renorm, virtual_batch_size and adjustment are "
                                      "not supported by gradtape.")
        self.axis = axis
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        _set_weight_options(self, beta=(beta_initializer, beta_regularizer, beta_constraint),
                            gamma=(gamma_initializer, gamma_regularizer, gamma_constraint),
                            moving_mean=(moving_mean_initializer,),
                            moving_variance=(moving_variance_initializer,))
        self.fused = fused
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        if rank == 0:
            raise ValueError(f"Input has undefined rank: {input_shape}")
        axes = [a + rank if a < 0 else a for a in _axes_list(self.axis)]
        for a in axes:
            if not 0 <= a < rank:
                raise ValueError(f"Invalid axis: {self.axis} for input of rank {rank}.")
            if input_shape[a] is None:
                raise ValueError(f"Axis {a} of input tensor should have a defined dimension but the layer "
                                 f"received an input with shape {tuple(input_shape)}.")
        self._axes_resolved = axes
        self._rank = rank
        shape = tuple(int(input_shape[a]) for a in axes)
        self.gamma = _add_weight_with_options(self, "gamma", shape) if self.scale else None
        self.beta = _add_weight_with_options(self, "beta", shape) if self.center else None
        self.moving_mean = self.add_weight("moving_mean", shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self._ndim = rank
        self._axes = {a: int(input_shape[a]) for a in axes}
        self.built = True

    def _broadcast(self, v: Any, rank: int) -> Any:
        axes = self._axes_resolved
        if axes == [rank - 1]:
            return v
        shape = [1] * rank
        for a in axes:
            shape[a] = int(v.shape[axes.index(a)])
        return _s.reshape(v, shape)

    @_float32_compute
    def call(self, inputs: Any, training: Optional[bool] = None) -> Tensor:
        x = inputs
        rank = x.ndim
        reduce_axes = [i for i in range(rank) if i not in self._axes_resolved]
        dt = x.dtype
        gamma, beta = _as(self.gamma, dt), _as(self.beta, dt)
        if training and self.trainable:
            fused = (self._axes_resolved == [rank - 1] and gamma is not None and beta is not None
                     and dt.name in ("float32", "float64"))
            if fused:       # one op forward, one fused op backward (ops/batch_norm.py)
                from ...ops.batch_norm import batch_norm_train
                y, mean, var = batch_norm_train(x, gamma, beta, self.epsilon)
            else:
                mean = _r.reduce_mean(x, axis=reduce_axes)
                var = _r.reduce_variance(x, axis=reduce_axes)
            m = self.momentum
            # The moving statistics are updated with ops (not NumPy on the values), so that a
            # compiled function repeats the update with each call's batch statistics.
            mm, mv = self.moving_mean.read_value(), self.moving_variance.read_value()
            mean_v = _m.cast(_s.stop_gradient(mean), mm.dtype)
            var_v = _m.cast(_s.stop_gradient(var), mv.dtype)
            self.moving_mean.assign(_m.subtract(mm, _m.multiply(_m.subtract(mm, mean_v),
                                                                _m.cast(1.0 - m, mm.dtype))))
            self.moving_variance.assign(_m.subtract(mv, _m.multiply(_m.subtract(mv, var_v),
                                                                    _m.cast(1.0 - m, mv.dtype))))
            if fused:
                return y
        else:
            mean, var = _as(self.moving_mean, dt), _as(self.moving_variance, dt)
        inv = _m.rsqrt(_m.add(var, self.epsilon))
        if gamma is not None:
            inv = _m.multiply(inv, gamma)
        shift = _m.negative(_m.multiply(mean, inv))
        if beta is not None:
            shift = _m.add(shift, beta)
        return _m.add(_m.multiply(x, self._broadcast(inv, rank)), self._broadcast(shift, rank))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, **_weight_options_config(self, "beta", "gamma", "moving_mean", "moving_variance")})
        return config


class LayerNormalization(Layer):
    """Normalize each sample over ``axis`` (default -1), then ``gamma * x + beta`` (``epsilon=1e-3``)."""

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None, gamma_constraint: Any = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        _set_weight_options(self, beta=(beta_initializer, beta_regularizer, beta_constraint),
                            gamma=(gamma_initializer, gamma_regularizer, gamma_constraint))
        self.supports_masking = True
        self._autocast = False      # Keras 3: the input and the variables keep their dtypes

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        axes = sorted(a + rank if a < 0 else a for a in _axes_list(self.axis))
        for a in axes:
            if not 0 <= a < rank:
                raise ValueError(f"Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank (with "
                                 f"inputs.rank={rank}). Received: axis={self.axis}")
        self._axes_resolved = axes
        shape = tuple(int(input_shape[a]) for a in axes)
        self.gamma = _add_weight_with_options(self, "gamma", shape) if self.scale else None
        self.beta = _add_weight_with_options(self, "beta", shape) if self.center else None
        self.built = True

    @_no_autocast_compute
    def call(self, inputs: Any) -> Tensor:
        x = inputs
        rank = x.ndim
        axes = self._axes_resolved
        gamma, beta = _as(self.gamma, x.dtype), _as(self.beta, x.dtype)
        if (axes == [rank - 1] and gamma is not None and beta is not None
                and x.dtype.name in ("float32", "float64")):
            from ...ops.fused import layer_norm        # one fused op, its own backward
            return layer_norm(x, gamma, beta, self.epsilon)
        mean = _r.reduce_mean(x, axis=axes, keepdims=True)
        var = _r.reduce_variance(x, axis=axes, keepdims=True)
        y = _m.multiply(_m.subtract(x, mean), _m.rsqrt(_m.add(var, self.epsilon)))
        bshape = [1] * rank
        for a in axes:
            bshape[a] = int(x.shape[a])
        if gamma is not None:
            y = _m.multiply(y, _s.reshape(gamma, bshape) if axes != [rank - 1] else gamma)
        if beta is not None:
            y = _m.add(y, _s.reshape(beta, bshape) if axes != [rank - 1] else beta)
        return y

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            **_weight_options_config(self, "beta", "gamma")})
        return config


class Normalization(Layer):
    """Feature-wise standardization with statistics from ``adapt(data)`` or given ``mean``/``variance``
    (``tf.keras.layers.Normalization``): ``(x - mean) / max(sqrt(variance), epsilon)``, epsilon 1e-7.

    ``axis`` (default -1) lists the axes that keep their own statistics; the others are reduced by
    ``adapt``. After ``adapt``, ``mean`` and ``variance`` are broadcastable tensors (``(1, features)``
    for 2-D data), and the non-trainable weights ``mean``, ``variance``, ``count`` hold the state, as
    tf.keras 2 (so a summary counts ``2 * features + 1`` non-trainable parameters).
    """

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Got mean: {mean} and variance: {variance}")
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)
        self._adapted = False

    def _kept(self, rank: int) -> list:
        kept = sorted(a + rank if a < 0 else a for a in self.axis)
        for a in kept:
            if not 0 <= a < rank:
                raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received inputs with "
                                 f"ndim={rank}, while axis={self.axis}")
        return kept

    def build(self, input_shape: Any) -> None:
        rank = len(input_shape)
        kept = self._kept(rank)
        self._broadcast_shape = tuple(int(input_shape[a]) if a in kept else 1 for a in range(rank))
        stat_shape = tuple(int(input_shape[a]) for a in kept)
        for a in kept:
            if input_shape[a] is None:
                raise ValueError(f"All `axis` values to be kept must have known shape. Got axis: {self.axis}, "
                                 f"input shape: {tuple(input_shape)}, with unknown axis at index: {a}")
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", shape=stat_shape, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", shape=stat_shape, initializer="ones", trainable=False)
            self.count = self.add_weight("count", shape=(), dtype="int64", initializer="zeros", trainable=False)
            self._finalize()
        else:
            dt = np.dtype(self.dtype)
            self.mean = _const(np.broadcast_to(np.asarray(self.input_mean, dt), stat_shape).reshape(self._broadcast_shape))
            self.variance = _const(np.broadcast_to(np.asarray(self.input_variance, dt),
                                                   stat_shape).reshape(self._broadcast_shape))
        self.built = True

    def _finalize(self) -> None:
        self.mean = _s.reshape(self.adapt_mean, self._broadcast_shape)
        self.variance = _s.reshape(self.adapt_variance, self._broadcast_shape)

    def adapt(self, data: Any, batch_size: Optional[int] = None, steps: Optional[int] = None) -> None:
        """Compute the mean and (population) variance of ``data`` (array, Tensor or Dataset of batches)."""
        if self.input_mean is not None:
            raise RuntimeError("Normalization: adapt() cannot be used when `mean` and `variance` were given.")
        if hasattr(data, "element_spec") or (hasattr(data, "__iter__") and not hasattr(data, "shape")
                                             and not isinstance(data, (list, tuple))):
            batches = [np.asarray(getattr(b, "_value", b), dtype=np.float64) for b in data]
            values = np.concatenate(batches, axis=0)
        else:
            values = np.asarray(getattr(data, "_value", data), dtype=np.float64)
        if values.ndim == 1 and self.axis and self.axis != (0,):
            values = values[:, None]
        if not self.built:
            self._maybe_build_for(values.shape)
        rank = values.ndim
        reduce = tuple(a for a in range(rank) if a not in self._kept(rank))
        mean = values.mean(axis=reduce) if reduce else values
        var = values.var(axis=reduce) if reduce else np.zeros_like(values)
        self.adapt_mean.assign(np.asarray(mean, dtype=np.dtype(self.dtype)).reshape(self.adapt_mean.shape))
        self.adapt_variance.assign(np.asarray(var, dtype=np.dtype(self.dtype)).reshape(self.adapt_variance.shape))
        n = int(np.prod([values.shape[a] for a in reduce])) if reduce else 1
        self.count.assign(np.int64(n))
        self._finalize()
        self._adapted = True

    def _maybe_build_for(self, shape: tuple) -> None:
        from ...tensor import TensorShape
        from .base import _CTX
        build_shape = TensorShape((None,) + tuple(shape[1:]))
        _CTX.scopes.append(self.name)
        try:
            self.build(build_shape)
        finally:
            _CTX.scopes.pop()
        self.built = True
        self._build_input_shape = tuple(build_shape)

    def call(self, inputs: Any) -> Tensor:
        x = inputs if inputs.dtype.name == self.dtype else _m.cast(inputs, self.dtype)
        if self.input_mean is None:
            self._finalize()
        mean = _m.cast(self.mean, x.dtype)
        var = _m.cast(self.variance, x.dtype)
        eps = _m.cast(1e-7, x.dtype)
        if self.invert:
            return _m.add(mean, _m.multiply(x, _m.maximum(_m.sqrt(var), eps)))
        return _m.divide(_m.subtract(x, mean), _m.maximum(_m.sqrt(var), eps))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        mean, var = self.input_mean, self.input_variance
        config.update({"axis": self.axis, "invert": self.invert,
                       "mean": np.asarray(mean).tolist() if mean is not None else None,
                       "variance": np.asarray(var).tolist() if var is not None else None})
        return config


def _const(v: np.ndarray) -> Tensor:
    from ...dispatch import convert_to_tensor
    return convert_to_tensor(v)


class GroupNormalization(Layer):
    """Normalize each sample over groups of channels (``tf.keras.layers.GroupNormalization``, Keras 3):
    the ``axis`` channels are split into ``groups``; each group is normalized over its channels and
    the other non-batch axes, then ``gamma * x + beta`` per channel (``epsilon=1e-3``). Weights
    ``gamma`` then ``beta``, shape ``(channels,)``."""

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._autocast = False      # Keras 3: the input and the variables keep their dtypes
        self.groups, self.axis, self.epsilon = int(groups), int(axis), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        _set_weight_options(self, beta=(beta_initializer, beta_regularizer, beta_constraint),
                            gamma=(gamma_initializer, gamma_regularizer, gamma_constraint))

    def build(self, input_shape: Any) -> None:
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {tuple(input_shape)}.")
        dim = int(dim)
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels "
                             f"({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels "
                             f"({dim}).")
        self.gamma = _add_weight_with_options(self, "gamma", (dim,)) if self.scale else None
        self.beta = _add_weight_with_options(self, "beta", (dim,)) if self.center else None
        self.built = True

    @_no_autocast_compute
    def call(self, inputs: Any) -> Tensor:
        x = inputs
        rank = x.ndim
        axis = self.axis % rank
        shape = [int(d) for d in x.shape]
        gshape = shape[:axis] + [self.groups, shape[axis] // self.groups] + shape[axis + 1:]
        xg = _s.reshape(x, gshape)
        red = [i for i in range(1, rank + 1) if i != axis]
        mean = _r.reduce_mean(xg, axis=red, keepdims=True)
        var = _r.reduce_mean(_m.square(_m.subtract(xg, mean)), axis=red, keepdims=True)
        inv = _m.rsqrt(_m.add(var, self.epsilon))
        bshape = [1] * (rank + 1)
        bshape[axis], bshape[axis + 1] = self.groups, shape[axis] // self.groups
        if self.gamma is not None:
            inv = _m.multiply(inv, _s.reshape(_as(self.gamma, inv.dtype), bshape))
        res = _m.multiply(_m.negative(mean), inv)
        if self.beta is not None:
            res = _m.add(res, _s.reshape(_as(self.beta, res.dtype), bshape))
        return _s.reshape(_m.add(_m.multiply(xg, inv), res), shape)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"groups": self.groups, "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                       "scale": self.scale, **_weight_options_config(self, "beta", "gamma")})
        return config


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis`` (``tf.keras.layers.UnitNormalization``):
    ``x * rsqrt(max(sum(x^2), 1e-12))``."""

    def __init__(self, axis: Any = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.supports_masking = True

    def call(self, inputs: Any) -> Tensor:
        x = inputs
        sq = _r.reduce_sum(_m.square(x), axis=self.axis, keepdims=True)
        return _m.multiply(x, _m.rsqrt(_m.maximum(sq, _m.cast(1e-12, x.dtype))))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config
