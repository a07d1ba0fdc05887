"""Core Keras layers: Dense, Activation, Flatten, Reshape, Dropout, Embedding, Lambda, InputLayer,
and the merge layers Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.

Each mirrors ``tf.keras.layers`` (Keras 2): the same constructor arguments and defaults, the same
weight names (``kernel``, ``bias``, ``embeddings``) and the same ``get_config`` keys.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence

import numpy as np

from ... import dtypes as _dtypes
from ...dispatch import convert_to_tensor
from ...ops import math as _m
from ...ops import shape as _s
from ...ops.linalg import matmul
from ...ops.indexing import gather
from ...tensor import Tensor
from .. import activations, constraints, initializers, regularizers
from .base import Layer


def _ser(obj: Any, module: Any) -> Any:
    if obj is None:
        return None
    return module.serialize(obj)


# The three per-weight options of Keras layers: ``{weight}_initializer``, ``{weight}_regularizer`` and
# ``{weight}_constraint``, each resolved and serialized by its module.
_OPTION_KINDS = (("initializer", initializers), ("regularizer", regularizers), ("constraint", constraints))


def _set_weight_options(layer: Layer, **weights: tuple) -> None:
    """For each ``weight=(initializer, regularizer, constraint)`` store ``layer.{weight}_initializer``
    etc., resolved with ``initializers/regularizers/constraints.get`` (every initializer first, then the
    regularizers, then the constraints, as Keras's constructors). A shorter tuple (a weight with only
    an initializer) leaves the other options unset."""
    for i, (kind, module) in enumerate(_OPTION_KINDS):
        for weight, options in weights.items():
            if i < len(options):
                setattr(layer, f"{weight}_{kind}", module.get(options[i]))


def _weight_options_config(layer: Layer, *weights: str, activity: bool = False) -> Dict[str, Any]:
    """The serialized options of ``weights`` in Keras's config order: the initializers, the
    regularizers (then ``activity_regularizer`` when ``activity``), the constraints. Options a weight
    does not have are left out."""
    config: Dict[str, Any] = {}
    for kind, module in _OPTION_KINDS:
        for weight in weights:
            key = f"{weight}_{kind}"
            if hasattr(layer, key):
                config[key] = _ser(getattr(layer, key), module)
        if kind == "regularizer" and activity:
            config["activity_regularizer"] = _ser(layer.activity_regularizer, regularizers)
    return config


def _add_weight_with_options(layer: Layer, weight: str, shape: tuple, initializer: Any = None) -> Any:
    """``layer.add_weight(weight, shape)`` with the layer's ``{weight}_initializer`` (or ``initializer``),
    ``{weight}_regularizer`` and ``{weight}_constraint``."""
    if initializer is None:
        initializer = getattr(layer, f"{weight}_initializer")
    return layer.add_weight(weight, shape=shape, initializer=initializer,
                            regularizer=getattr(layer, f"{weight}_regularizer"),
                            constraint=getattr(layer, f"{weight}_constraint"))


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis (``tf.keras.layers.Dense``).

    Inputs of rank > 2 are multiplied on their last axis, as Keras's ``tensordot``. Inputs must have
    rank >= 2 (Keras's ``min_ndim=2``).
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, (np.integer, np.bool_)):
            units = int(units)
        if not isinstance(units, int) or units <= 0:      # Keras refuses 2.5, 3.0 and "3"
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. "
                             f"Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        _set_weight_options(self, kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                            bias=(bias_initializer, bias_regularizer, bias_constraint))
        self._min_ndim = 2
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        last = input_shape[-1] if len(input_shape) else None
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be defined. "
                             "Found None. Full input shape received: " + str(tuple(input_shape)))
        self.kernel = _add_weight_with_options(self, "kernel", (last, self.units))
        self.bias = _add_weight_with_options(self, "bias", (self.units,)) if self.use_bias else None
        self._axes = {-1: int(last)}
        self.built = True

    def call(self, inputs: Any) -> Tensor:
        x = inputs
        if x.dtype.name != self.compute_dtype:
            x = _m.cast(x, self.compute_dtype)
        rank = x.ndim
        shape = tuple(x.shape)
        if rank != 2:   # one 2-D product over the rows of a reshaped view
            x = _s.reshape(x, (-1, shape[-1]))
        if self.use_bias and rank >= 2 and x.dtype.is_floating:
            from ...ops.fused import dense
            y = dense(x, self.kernel, self.bias)          # the bias added in place to the product
        else:
            y = matmul(x, self.kernel)
            if self.use_bias:
                y = _m.add(y, self.bias)
        if rank != 2:
            y = _s.reshape(y, shape[:-1] + (self.units,))
        return self.activation(y) if self.activation is not activations.linear else y

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            **_weight_options_config(self, "kernel", "bias", activity=True)})
        return config


class Activation(Layer):
    """Apply an activation function by name or callable (``tf.keras.layers.Activation``)."""

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Tensor:
        return self.activation(inputs)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Flatten(Layer):
    """Reshape to ``(batch, -1)`` (``tf.keras.layers.Flatten``); ``channels_first`` moves channels last first."""

    def __init__(self, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"
        self._min_ndim = 1

    def call(self, inputs: Any) -> Tensor:
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = _s.transpose(x, [0] + list(range(2, x.ndim)) + [1])
        if x.ndim == 1:
            return _s.expand_dims(x, 1)
        return _s.reshape(x, (x.shape[0], int(np.prod(x.shape[1:])) if x.ndim > 1 else 1))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (one ``-1`` allowed) (``tf.keras.layers.Reshape``)."""

    def __init__(self, target_shape: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"There can only be one unknown dimension in `target_shape`; got {self.target_shape}.")

    def call(self, inputs: Any) -> Tensor:
        x = inputs
        n = int(np.prod(x.shape[1:]))
        known = int(np.prod([d for d in self.target_shape if d != -1]))
        if (-1 not in self.target_shape and known != n) or (-1 in self.target_shape and (known == 0 or n % known)):
            raise ValueError(f"Layer {self.name!r}: total size of new array must be unchanged, input_shape = "
                             f"{list(x.shape[1:])}, output_shape = {list(self.target_shape)}")
        return _s.reshape(x, (x.shape[0],) + self.target_shape)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Dropout(Layer):
    """Zero inputs with probability ``rate`` and scale the rest by ``1/(1 - rate)``, only when
    ``training=True`` (``fit`` passes it); the identity otherwise (``tf.keras.layers.Dropout``)."""

    def __init__(self, rate: float, noise_shape: Any = None, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        if not 0 <= float(rate) <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between "
                             f"0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs: Any, training: Optional[bool] = None) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        from ...ops.nn import dropout
        if self.rate >= 1:
            return _m.multiply(inputs, _m.cast(0, inputs.dtype))
        noise = None
        if self.noise_shape is not None:
            noise = [inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        return dropout(inputs, self.rate, noise_shape=noise, seed=self.seed)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


class Embedding(Layer):
    """Rows of an ``(input_dim, output_dim)`` table at integer indices (``tf.keras.layers.Embedding``).

    The default initializer is ``uniform`` (RandomUniform ±0.05), as Keras. Indices are cast to int32;
    out-of-range indices raise InvalidArgumentError, as TF on CPU.
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, activity_regularizer: Any = None,
                 embeddings_constraint: Any = None, mask_zero: bool = False, input_length: Any = None,
                 **kwargs: Any):
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,) if isinstance(input_length, int) else tuple(input_length)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if int(input_dim) <= 0 or int(output_dim) <= 0:
            raise ValueError(f"Both `input_dim` and `output_dim` should be positive, Received "
                             f"input_dim = {input_dim} and output_dim = {output_dim}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        _set_weight_options(self, embeddings=(embeddings_initializer, embeddings_regularizer,
                                              embeddings_constraint))
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length
        self._autocast = False

    def build(self, input_shape: Any) -> None:
        self.embeddings = _add_weight_with_options(self, "embeddings", (self.input_dim, self.output_dim))
        self.built = True

    def call(self, inputs: Any) -> Tensor:
        ids = convert_to_tensor(inputs)
        if ids.dtype.name not in ("int32", "int64"):
            ids = _m.cast(ids, "int32")
        return gather(self.embeddings, ids)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not self.mask_zero:
            return None
        return _m.not_equal(inputs, 0)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            **_weight_options_config(self, "embeddings", activity=True),
            "mask_zero": self.mask_zero, "input_length": self.input_length})
        return config


class Lambda(Layer):
    """Wrap a function as a layer (``tf.keras.layers.Lambda``): ``function(inputs, **arguments)``."""

    def __init__(self, function: Callable, output_shape: Any = None, mask: Any = None,
                 arguments: Optional[dict] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self._autocast = False

    def call(self, inputs: Any, training: Optional[bool] = None) -> Any:
        import inspect
        kwargs = dict(self.arguments)
        try:
            if "training" in inspect.signature(self.function).parameters:
                kwargs["training"] = training
        except (TypeError, ValueError):
            pass
        return self.function(inputs, **kwargs)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        fn = self.function
        config.update({"function": getattr(fn, "__name__", repr(fn)), "arguments": self.arguments})
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "Lambda":
        config = dict(config)
        name = config.pop("function")
        fn = (custom_objects or {}).get(name) if isinstance(name, str) else name
        if fn is None:
            raise ValueError(f"Lambda layer {config.get('name')!r}: cannot rebuild function {name!r} from a "
                             "config; pass it in custom_objects={...}.")
        return cls(fn, **config)


class InputLayer(Layer):
    """The layer behind ``keras.Input`` (``tf.keras.layers.InputLayer``); it holds the symbolic input."""

    def __init__(self, input_shape: Any = None, batch_size: Optional[int] = None, dtype: Any = None,
                 input_tensor: Any = None, sparse: Any = None, name: Optional[str] = None,
                 ragged: Any = None, type_spec: Any = None, batch_input_shape: Any = None,
                 batch_shape: Any = None, **kwargs: Any):
        from .base import unique_object_name
        if batch_input_shape is None and batch_shape is not None:     # Keras 3's name
            batch_input_shape = batch_shape
        if name is None:
            name = unique_object_name("input", zero_based=False)
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("InputLayer needs `input_shape` or `batch_input_shape`.")
            batch_input_shape = (batch_size,) + tuple(input_shape)
        super().__init__(name=name, dtype=dtype, batch_input_shape=tuple(batch_input_shape), **kwargs)
        from ..engine.functional import KerasTensor
        self.built = True
        self.sparse, self.ragged = bool(sparse), bool(ragged)
        self._input_tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
        self._input_tensor._keras_history = (self, 0, 0)

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> Dict[str, Any]:
        return {"batch_input_shape": self._batch_input_shape, "dtype": self.dtype, "sparse": self.sparse,
                "ragged": self.ragged, "name": self.name}


# -- merge layers -------------------------------------------------------------------------------
class _Merge(Layer):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge(self, a: Any, b: Any) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list of at least 2 "
                             f"inputs. Got {len(inputs) if isinstance(inputs, (list, tuple)) else 1} input(s).")
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return self._finish(out, len(inputs))

    def _finish(self, out: Any, n: int) -> Any:
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The AND of the inputs' masks (Keras's merge layers)."""
        from .masking import merge_masks
        return merge_masks(mask) if isinstance(mask, (list, tuple)) else mask


class Add(_Merge):
    """Elementwise sum of a list of inputs (``tf.keras.layers.Add``)."""

    def _merge(self, a, b):
        return _m.add(a, b)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (``tf.keras.layers.Subtract``)."""

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs.")
        return _m.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """Elementwise product (``tf.keras.layers.Multiply``)."""

    def _merge(self, a, b):
        return _m.multiply(a, b)


class Average(_Merge):
    """Elementwise mean (``tf.keras.layers.Average``)."""

    def _merge(self, a, b):
        return _m.add(a, b)

    def _finish(self, out, n):
        return _m.divide(out, _m.cast(n, out.dtype))


class Maximum(_Merge):
    """Elementwise maximum (``tf.keras.layers.Maximum``)."""

    def _merge(self, a, b):
        return _m.maximum(a, b)


class Minimum(_Merge):
    """Elementwise minimum (``tf.keras.layers.Minimum``)."""

    def _merge(self, a, b):
        return _m.minimum(a, b)


class Concatenate(_Merge):
    """Concatenate a list of inputs along ``axis`` (default -1) (``tf.keras.layers.Concatenate``)."""

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 1:
            raise ValueError("A `Concatenate` layer should be called on a list of inputs.")
        return _s.concat(list(inputs), axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """Keras 3: missing masks count as all-True; the masks are concatenated along ``axis`` and
        reduced with ``all`` over the last axis when they have the inputs' rank."""
        if mask is None or not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        from ...ops.reduction import reduce_all
        from ...ops.constructors import ones_like
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ones_like(x, dtype="bool")
            elif m.ndim < x.ndim:
                m = _s.expand_dims(m, -1)
            masks.append(_m.cast(m, "bool") if m.dtype.name != "bool" else m)
        return reduce_all(_s.concat(masks, axis=self.axis), axis=-1)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config


def add(inputs: list, **kwargs: Any) -> Any:
    return Add(**kwargs)(inputs)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    return Concatenate(axis=axis, **kwargs)(inputs)


def multiply(inputs: list, **kwargs: Any) -> Any:
    return Multiply(**kwargs)(inputs)


# -- activation layers and small reshaping layers ---------------------------------------------------
class ReLU(Layer):
    """``relu`` with ``max_value``, ``negative_slope`` and ``threshold`` (``tf.keras.layers.ReLU``)."""

    def __init__(self, max_value: Optional[float] = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: {max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be a negative value. Received: {negative_slope}")
        self.max_value, self.negative_slope, self.threshold = max_value, float(negative_slope), float(threshold)

    def call(self, inputs: Any) -> Tensor:
        return activations.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(Layer):
    """``x`` for ``x > 0``, ``alpha * x`` otherwise; Keras 2's default ``alpha=0.3``."""

    def __init__(self, alpha: float = 0.3, **kwargs: Any):
        if "negative_slope" in kwargs:
            alpha = kwargs.pop("negative_slope")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs: Any) -> Tensor:
        from ...ops.nn import leaky_relu
        return leaky_relu(inputs, alpha=self.alpha)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ELU(Layer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise (``tf.keras.layers.ELU``)."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(alpha)

    def call(self, inputs: Any) -> Tensor:
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class Softmax(Layer):
    """Softmax over ``axis`` (default -1) (``tf.keras.layers.Softmax``)."""

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs: Any, mask: Any = None) -> Tensor:
        from .attention import masked_softmax
        axes = tuple(self.axis) if isinstance(self.axis, (list, tuple)) else (self.axis,)
        return masked_softmax(inputs, mask, axes)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["axis"] = self.axis
        return config


class PReLU(Layer):
    """Leaky ReLU with a learned slope ``alpha`` per input unit (``shared_axes`` share it)."""

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        _set_weight_options(self, alpha=(alpha_initializer, alpha_regularizer, alpha_constraint))
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape: Any) -> None:
        shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            shape[a - 1] = 1
        self.alpha = _add_weight_with_options(self, "alpha", tuple(shape))
        self.built = True

    def call(self, inputs: Any) -> Tensor:
        from ...ops.nn import relu
        return _m.subtract(relu(inputs), _m.multiply(self.alpha, relu(_m.negative(inputs))))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({**_weight_options_config(self, "alpha"), "shared_axes": self.shared_axes})
        return config


class Permute(Layer):
    """Permute the non-batch axes by ``dims`` (1-based, as Keras) (``tf.keras.layers.Permute``)."""

    def __init__(self, dims: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                             f"`dims` must be consecutive and start from 1. Received dims={dims}")

    def call(self, inputs: Any) -> Tensor:
        return _s.transpose(inputs, (0,) + self.dims)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """``(batch, features)`` -> ``(batch, n, features)`` (``tf.keras.layers.RepeatVector``)."""

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.n = int(n)
        self._ndim = 2

    def call(self, inputs: Any) -> Tensor:
        return _s.tile(_s.expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["n"] = self.n
        return config


class Rescaling(Layer):
    """``inputs * scale + offset`` (``tf.keras.layers.Rescaling``), e.g. ``Rescaling(1./255)``."""

    def __init__(self, scale: float, offset: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.scale, self.offset = scale, offset

    def call(self, inputs: Any) -> Tensor:
        x = inputs if inputs.dtype.is_floating else _m.cast(inputs, self.dtype)
        return _m.add(_m.multiply(x, _m.cast(self.scale, x.dtype)), _m.cast(self.offset, x.dtype))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config


# -- wrappers and noise layers -----------------------------------------------------------------------
class TimeDistributed(Layer):
    """Apply ``layer`` to every time step: ``(batch, time, ...)`` is folded to ``(batch * time, ...)``,
    run through ``layer`` and unfolded (``tf.keras.layers.TimeDistributed``)."""

    def __init__(self, layer: Layer, **kwargs: Any):
        if not getattr(type(layer), "_gt_layer", False):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a `tf.keras.layers.Layer` instance. "
                             f"Received: {layer}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.layer = layer
        self._min_ndim = 3

    def call(self, inputs: Any, training: Optional[bool] = None) -> Tensor:
        shape = tuple(inputs.shape)
        folded = _s.reshape(inputs, (shape[0] * shape[1],) + shape[2:])
        out = self.layer(folded, training=training) if self.layer._call_accepts("training") else self.layer(folded)
        return _s.reshape(out, shape[:2] + tuple(out.shape)[1:])

    def get_config(self) -> Dict[str, Any]:
        from .serialization import serialize
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "TimeDistributed":
        from .serialization import deserialize
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class GaussianNoise(Layer):
    """Add ``N(0, stddev)`` noise in training only (``tf.keras.layers.GaussianNoise``)."""

    def __init__(self, stddev: float, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.stddev, self.seed = float(stddev), seed

    def call(self, inputs: Any, training: Optional[bool] = None) -> Tensor:
        if not training:
            return inputs
        from ...ops.random import normal
        return _m.add(inputs, normal(tuple(inputs.shape), 0.0, self.stddev, dtype=inputs.dtype, seed=self.seed))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """Multiply by ``N(1, sqrt(rate / (1 - rate)))`` noise in training only."""

    def __init__(self, rate: float, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate, self.seed = float(rate), seed

    def call(self, inputs: Any, training: Optional[bool] = None) -> Tensor:
        if not training or not 0 < self.rate < 1:
            return inputs
        from ...ops.random import normal
        std = float(np.sqrt(self.rate / (1.0 - self.rate)))
        return _m.multiply(inputs, normal(tuple(inputs.shape), 1.0, std, dtype=inputs.dtype, seed=self.seed))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class _SpatialDropout(Dropout):
    _rank = 1

    def __init__(self, rate: float, data_format: Optional[str] = None, **kwargs: Any):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, **kwargs)
        self.data_format = data_format or "channels_last"
        self._ndim = self._rank + 2

    def call(self, inputs: Any, training: Optional[bool] = None) -> Tensor:
        shape = tuple(inputs.shape)
        if self.data_format == "channels_first":
            self.noise_shape = (shape[0], shape[1]) + (1,) * self._rank
        else:
            self.noise_shape = (shape[0],) + (1,) * self._rank + (shape[-1],)
        return super().call(inputs, training=training)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.pop("noise_shape", None)
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drop whole feature maps of ``(batch, steps, channels)`` inputs in training."""
    _rank = 1


class SpatialDropout2D(_SpatialDropout):
    """Drop whole feature maps of ``(batch, rows, cols, channels)`` inputs in training."""
    _rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drop whole feature maps of 5-D inputs in training."""
    _rank = 3


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of SELU activations (``tf.keras.layers.AlphaDropout``):
    in training, dropped units are set to ``-alpha * scale`` and the result is ``a * x + b``."""

    def __init__(self, rate: float, noise_shape: Any = None, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0 <= float(rate) <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        self.supports_masking = True

    def call(self, inputs: Any, training: Optional[bool] = None) -> Tensor:
        if not training or self.rate <= 0:
            return inputs
        from ...ops.random import uniform
        shape = tuple(inputs.shape) if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
        alpha_p = -alpha * scale
        kept = _m.cast(_m.greater_equal(uniform(shape, dtype=inputs.dtype, seed=self.seed),
                                        _m.cast(self.rate, inputs.dtype)), inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = _m.add(_m.multiply(inputs, kept), _m.multiply(_m.cast(alpha_p, inputs.dtype), _m.subtract(1.0, kept)))
        return _m.add(_m.multiply(x, _m.cast(a, x.dtype)), _m.cast(b, x.dtype))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


class ActivityRegularization(Layer):
    """The identity, adding ``l1 * sum|x| + l2 * sum x^2`` (divided by the batch size) to ``losses``
    (``tf.keras.layers.ActivityRegularization``)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.supports_masking = True

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config


class Dot(_Merge):
    """Batchwise dot product of two inputs along ``axes`` (``tf.keras.layers.Dot``); ``normalize=True``
    L2-normalizes both along those axes first (cosine proximity). Results of rank 1 become
    ``(batch, 1)``, as Keras's ``batch_dot``."""

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError("Invalid format for argument `axes`: expected an int or a list/tuple of 2 "
                                 f"integers. Received: axes={axes}")
            axes = list(axes)
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = True

    def call(self, inputs: Any) -> Tensor:
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}")
        x1, x2 = inputs
        if isinstance(self.axes, int):
            axes = [self.axes % x1.ndim, self.axes % x2.ndim] if self.axes < 0 else [self.axes] * 2
        else:
            axes = [self.axes[0] % x1.ndim, self.axes[1] % x2.ndim]
        if self.normalize:
            from ...ops.linalg import l2_normalize
            x1 = l2_normalize(x1, axis=axes[0])
            x2 = l2_normalize(x2, axis=axes[1])
        return batch_dot(x1, x2, axes)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def batch_dot(x: Any, y: Any, axes: Any) -> Tensor:
    """Keras's ``batch_dot``: contract ``x``'s axis ``axes[0]`` with ``y``'s ``axes[1]`` per sample; the
    result has ``x``'s remaining axes then ``y``'s (the batch axis once); rank 1 becomes ``(batch, 1)``."""
    from ...ops.linalg import einsum
    letters = "abcdefghijklmnopqrstuvwxyz"
    xa, ya = int(axes[0]), int(axes[1])
    if xa == 0 or ya == 0:
        raise ValueError("Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch "
                         "dimension to your inputs using keras.ops.expand_dims(x, 0)")
    if x.shape[xa] != y.shape[ya]:
        raise ValueError(f"Cannot do batch_dot on inputs with shapes {tuple(x.shape)} and {tuple(y.shape)} with "
                         f"axes={list(axes)}. x.shape[{xa}] != y.shape[{ya}] ({x.shape[xa]} != {y.shape[ya]}).")
    xs = list(letters[:x.ndim])
    ys = ["a"] + list(letters[x.ndim:x.ndim + y.ndim - 1])
    ys[ya] = xs[xa]
    out = [c for i, c in enumerate(xs) if i != xa] + [c for i, c in enumerate(ys) if i not in (0, ya)]
    res = einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
    if res.ndim == 1:
        res = _s.expand_dims(res, 1)
    return res
