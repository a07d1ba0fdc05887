"""``Bidirectional`` (``tf.keras.layers.Bidirectional``, Keras 3): an RNN run forwards and a copy of it run
backwards, outputs merged.

The forward layer is a copy of ``layer`` named ``forward_<name>``, the backward one a copy with
``go_backwards`` flipped named ``backward_<name>`` (or ``backward_layer``); the weights are the forward
layer's then the backward layer's, as Keras. With ``return_sequences`` the backward outputs are
reversed in time before merging, and masked steps output zeros (Keras forces
``zero_output_for_mask = return_sequences`` on both layers).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from ...ops import math as _m
from ...ops import shape as _s
from .base import Layer, _CTX

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy_layer(layer: Layer, name: str, **overrides: Any) -> Layer:
    config = layer.get_config()
    config["name"] = name
    config.update(overrides)
    return type(layer).from_config(config)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs: ``merge_mode`` is ``'concat'`` (default), ``'sum'``, ``'mul'``,
    ``'ave'`` or ``None`` (a list ``[forward, backward]``); with ``return_state`` the forward layer's
    states follow the output, then the backward layer's."""

    def __init__(self, layer: Layer, merge_mode: Optional[str] = "concat", weights: Any = None,
                 backward_layer: Optional[Layer] = None, **kwargs: Any):
        if not getattr(type(layer), "_gt_layer", False):
            raise ValueError("Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        if backward_layer is not None and not getattr(type(backward_layer), "_gt_layer", False):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        base = layer.name[len("forward_"):] if layer.name.startswith("forward_") else layer.name
        self.forward_layer = _copy_layer(layer, "forward_" + base)
        if backward_layer is None:
            self.backward_layer = _copy_layer(layer, "backward_" + base, go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different `go_backwards` value. "
                             f"Received: forward_layer.go_backwards={self.forward_layer.go_backwards}, "
                             f"backward_layer.go_backwards={self.backward_layer.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(self.forward_layer, attr) != getattr(self.backward_layer, attr):
                raise ValueError("Forward layer and backward layer are expected to have the same value for "
                                 f"attribute `{attr}`, got `{getattr(self.forward_layer, attr)}` for forward "
                                 f"layer and `{getattr(self.backward_layer, attr)}` for backward layer")
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.stateful = self.forward_layer.stateful
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.supports_masking = True
        self._initial_weights = weights
        self._ndim = 3

    def build(self, input_shape: Any) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                _CTX.scopes.append(sub.name)
                try:
                    _build(sub, input_shape)
                finally:
                    _CTX.scopes.pop()
        self.built = True

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: Optional[bool] = None) -> Any:
        kw: Dict[str, Any] = {}
        if mask is not None:
            kw["mask"] = mask
        if training is not None:
            kw["training"] = training
        fw_state = bw_state = None
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            half = len(states) // 2
            fw_state, bw_state = states[:half], states[half:]
        y = self.forward_layer(sequences, initial_state=fw_state, **kw) if fw_state is not None \
            else self.forward_layer(sequences, **kw)
        y_rev = self.backward_layer(sequences, initial_state=bw_state, **kw) if bw_state is not None \
            else self.backward_layer(sequences, **kw)
        states: list = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = _s.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            out: Any = _s.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            out = _m.add(y, y_rev)
        elif self.merge_mode == "ave":
            out = _m.multiply(_m.add(y, y_rev), _m.cast(0.5, y.dtype))
        elif self.merge_mode == "mul":
            out = _m.multiply(y, y_rev)
        else:
            out = [y, y_rev]
        if self.return_state:
            return (out + states) if self.merge_mode is None else [out] + states
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.merge_mode is None:
            out = [out, out]
        else:
            out = [out]
        if self.return_state:
            n = len(self.forward_layer.cell.state_size) if isinstance(self.forward_layer.cell.state_size,
                                                                       (list, tuple)) else 1
            out = out + [None] * (2 * n)
        return out if len(out) > 1 else out[0]

    def reset_states(self, states: Any = None) -> None:
        """Reset the states of both directions (``Bidirectional.reset_states``)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    reset_state = reset_states

    def get_config(self) -> Dict[str, Any]:
        from .serialization import serialize
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize(self.forward_layer)
        config["backward_layer"] = serialize(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "Bidirectional":
        from .serialization import deserialize
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize(backward, custom_objects)
        config.pop("num_constants", None)
        return cls(layer, backward_layer=backward, **config)


def _build(layer: Layer, input_shape: Any) -> None:
    layer._build_input_shape = tuple(input_shape)
    layer.build(input_shape)
    layer.built = True


__all__ = ["Bidirectional", "SpectralNormalization"]


def _normalize(x: Any) -> Any:
    """``x / sqrt(max(sum(x^2), 1e-7))`` over all entries (Keras's ``normalize(x, axis=None)``)."""
    from ...ops.reduction import reduce_sum
    return _m.multiply(x, _m.rsqrt(_m.maximum(reduce_sum(_m.square(x)), _m.cast(1e-7, x.dtype))))


class SpectralNormalization(Layer):
    """Spectral normalization of a wrapped layer's ``kernel`` (or ``embeddings``)
    (``tf.keras.layers.SpectralNormalization``, Keras 3): in training, ``power_iterations`` steps of
    power iteration update ``vector_u`` (a non-trainable weight ``(1, units)``) and the kernel is
    assigned ``kernel / sigma``; then the wrapped layer runs. Outside training it just runs the layer."""

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs: Any):
        if not getattr(type(layer), "_gt_layer", False):
            raise ValueError("Please initialize `SpectralNormalization` with a `keras.layers.Layer` instance. "
                             f"Received: {layer}")
        super().__init__(**kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.layer = layer
        self.power_iterations = int(power_iterations)

    def build(self, input_shape: Any) -> None:
        if not self.layer.built:
            _CTX.scopes.append(self.layer.name)
            try:
                _build(self.layer, input_shape)
            finally:
                _CTX.scopes.pop()
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        self.__dict__["_kernel"] = kernel
        from .. import initializers
        self.vector_u = self.add_weight("vector_u", shape=(1, int(kernel.shape[-1])),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False)
        self.built = True

    @property
    def weights(self) -> list:
        """Keras 3's order: the wrapped kernel, ``vector_u``, then the wrapped layer's other weights."""
        if not self.built:
            return list(self.layer.weights)
        out = [self._kernel, self.vector_u]
        return out + [w for w in self.layer.weights if w is not self._kernel]

    def normalized_weights(self) -> tuple:
        """``(new vector_u, kernel / sigma)`` after ``power_iterations`` power-iteration steps."""
        from ...ops.linalg import matmul
        from ...ops.shape import stop_gradient
        kernel = self._kernel
        shape = tuple(int(d) for d in kernel.shape)
        w = _s.reshape(kernel, (-1, shape[-1]))
        u = self.vector_u.read_value()
        v = None
        for _ in range(self.power_iterations):
            v = _normalize(matmul(u, w, transpose_b=True))
            u = _normalize(matmul(v, w))
        u, v = stop_gradient(u), stop_gradient(v)
        sigma = matmul(matmul(v, w), u, transpose_b=True)
        return u, _s.reshape(_m.divide(kernel, sigma), shape)

    def call(self, inputs: Any, training: Optional[bool] = None) -> Any:
        if training:
            from ...ops.reduction import reduce_all
            kv = self._kernel.read_value()
            all_zero = reduce_all(_m.equal(kv, _m.cast(0, kv.dtype)))      # Keras leaves a zero kernel as is
            u, k = self.normalized_weights()
            self.vector_u.assign(_m.where(all_zero, self.vector_u.read_value(), u))
            self._kernel.assign(_m.where(all_zero, kv, k))
        out = self.layer(inputs)
        return _m.cast(out, inputs.dtype) if hasattr(inputs, "dtype") and out.dtype != inputs.dtype else out

    def get_config(self) -> Dict[str, Any]:
        from .serialization import serialize
        config = super().get_config()
        config.update({"layer": serialize(self.layer), "power_iterations": self.power_iterations})
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "SpectralNormalization":
        from .serialization import deserialize
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)
