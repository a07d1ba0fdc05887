"""ConvNeXt Tiny/Small/Base/Large/XLarge (``tf.keras.applications.convnext``), as Keras 3 builds them: same
layers, layer names (the stem and downsampling blocks are nested ``Sequential`` models) and weight order,
so Keras's published ``.h5`` files load. The ImageNet ``Normalization`` is part of the model (inputs are
pixels in [0, 255]); ``preprocess_input`` is therefore a pass-through, as in Keras."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from .. import initializers, layers
from ..layers.base import Layer
from . import imagenet_utils, _common

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/"

MODEL_CONFIGS: Dict[str, Dict[str, Any]] = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536], "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048], "default_size": 224},
}


class StochasticDepth(Layer):
    """Drop the whole residual branch of a sample with probability ``drop_path_rate`` while training, scaling
    kept samples by ``1 / (1 - drop_path_rate)``; the identity at inference (Keras's ``convnext.StochasticDepth``)."""

    def __init__(self, drop_path_rate: float, **kwargs: Any):
        super().__init__(**kwargs)
        if not 0.0 <= float(drop_path_rate) <= 1.0:
            raise ValueError(f"StochasticDepth: drop_path_rate must be within [0, 1]. Received: {drop_path_rate}")
        self.drop_path_rate = float(drop_path_rate)

    def call(self, x: Any, training: Optional[bool] = None) -> Any:
        if not training:
            return x
        from ...ops import math as m
        from ...ops.random import uniform
        keep_prob = 1.0 - self.drop_path_rate
        shape = (x.shape[0],) + (1,) * (len(x.shape) - 1)
        mask = m.floor(m.add(uniform(shape, 0.0, 1.0, dtype=x.dtype), m.cast(keep_prob, x.dtype)))
        return m.multiply(m.divide(x, m.cast(keep_prob, x.dtype)), mask)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"drop_path_rate": self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiply the input by a learned per-channel scale ``gamma`` of length ``projection_dim``, initialised
    to ``init_values`` (Keras's ``convnext.LayerScale``)."""

    def __init__(self, init_values: float, projection_dim: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = int(projection_dim)

    def build(self, input_shape: Any) -> None:
        self.gamma = self.add_weight(shape=(self.projection_dim,), initializer=initializers.Constant(self.init_values),
                                     trainable=True)
        self.built = True

    def call(self, x: Any) -> Any:
        from ...ops import math as m
        return m.multiply(x, self.gamma)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"init_values": self.init_values, "projection_dim": self.projection_dim})
        return config


def ConvNeXtBlock(projection_dim: int, drop_path_rate: float = 0.0, layer_scale_init_value: Any = 1e-6,
                  name: str = "convnext_block") -> Any:
    """One ConvNeXt block: 7x7 depthwise convolution (a grouped ``Conv2D``), LayerNormalization, two
    pointwise ``Dense`` layers with GELU between, LayerScale, and the residual connection."""
    def apply(inputs: Any) -> Any:
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            layer: Any = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return _common.add(inputs, layer(x))
    return apply


def ConvNeXt(depths: List[int], projection_dims: List[int], drop_path_rate: float = 0.0,
             layer_scale_init_value: Any = 1e-6, default_size: int = 224, name: str = "convnext",
             include_preprocessing: bool = True, include_top: bool = True, weights: Any = None,
             input_tensor: Any = None, input_shape: Any = None, pooling: Any = None, classes: int = 1000,
             classifier_activation: Any = "softmax", weights_name: Optional[str] = None) -> Any:
    """Keras's ``convnext.ConvNeXt`` for any stage ``depths`` and ``projection_dims`` (four of each)."""
    from ..models import Sequential
    depths, projection_dims = list(depths), list(projection_dims)
    if len(depths) != 4 or len(projection_dims) != 4:
        raise ValueError(f"ConvNeXt needs four stage depths and four projection dims; received depths={depths}, "
                         f"projection_dims={projection_dims}")
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size, 32, None, include_top, weights)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"`pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    if include_preprocessing and input_shape[2] == 3:
        x = layers.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                                 variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
                                 name=f"{name}_prestem_normalization")(x)
    stem = Sequential([layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
                       layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm")],
                      name=f"{name}_stem")
    downsample_layers = [stem]
    for i in range(3):
        downsample_layers.append(Sequential(
            [layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
             layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}")],
            name=f"{name}_downsampling_block_{i}"))
    depth_drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dim=projection_dims[i], drop_path_rate=depth_drop_rates[cur + j],
                              layer_scale_init_value=layer_scale_init_value, name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    else:
        if pooling == "avg":
            x = layers.GlobalAveragePooling2D()(x)
        elif pooling == "max":
            x = layers.GlobalMaxPooling2D()(x)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = _common.model(inputs, x, name)
    if weights == "imagenet":
        variant = (weights_name or "").split("convnext_")[-1]
        expected = MODEL_CONFIGS.get(variant)
        if expected is None:
            raise ValueError("weights='imagenet' needs one of the published ConvNeXt variants "
                             f"({', '.join('convnext_' + k for k in MODEL_CONFIGS)}); received weights_name={weights_name!r}")
        if depths != expected["depths"] or projection_dims != expected["projection_dims"]:
            raise ValueError(f"Architecture configuration does not match {weights_name} variant. When using "
                             "pre-trained weights, the model architecture must match the pre-trained configuration "
                             f"exactly. Expected depths: {expected['depths']}, got: {depths}. Expected "
                             f"projection_dims: {expected['projection_dims']}, got: {projection_dims}.")
        if weights_name not in name:
            raise ValueError(f'Model name "{name}" does not match weights variant "{weights_name}". When using '
                             f'imagenet weights, model name must contain the weights variant (e.g., "{weights_name}").')
    imagenet_utils.load_weights(model, weights, f"{name}{'.h5' if include_top else '_notop.h5'}", "convnext/",
                                BASE_WEIGHTS_PATH)
    return model


def _variant(key: str, title: str) -> Any:
    cfg = MODEL_CONFIGS[key]

    def ctor(include_top: bool = True, include_preprocessing: bool = True, weights: Any = "imagenet",
             input_tensor: Any = None, input_shape: Any = None, pooling: Any = None, classes: int = 1000,
             classifier_activation: Any = "softmax", name: str = f"convnext_{key}") -> Any:
        return ConvNeXt(weights_name=f"convnext_{key}", depths=cfg["depths"], projection_dims=cfg["projection_dims"],
                        drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=cfg["default_size"], name=name,
                        include_top=include_top, include_preprocessing=include_preprocessing, weights=weights,
                        input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation)
    ctor.__name__ = ctor.__qualname__ = f"ConvNeXt{title}"
    ctor.__doc__ = (f"ConvNeXt{title} (``tf.keras.applications.ConvNeXt{title}``) with Keras's layer names. Inputs "
                    "are pixels in [0, 255] (the ImageNet normalisation is in the model). ``weights`` is None or the "
                    f"path of Keras's published ``convnext_{key}.h5`` file ('imagenet' only when that file is in "
                    "``~/.keras/models``).")
    return ctor


ConvNeXtTiny = _variant("tiny", "Tiny")
ConvNeXtSmall = _variant("small", "Small")
ConvNeXtBase = _variant("base", "Base")
ConvNeXtLarge = _variant("large", "Large")
ConvNeXtXLarge = _variant("xlarge", "XLarge")


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """A pass-through, as Keras's ``convnext.preprocess_input``: the model normalises its input itself."""
    return x


def decode_predictions(preds: Any, top: int = 5) -> Any:
    """ImageNet class names for ``(samples, 1000)`` predictions (``imagenet_utils.decode_predictions``)."""
    return imagenet_utils.decode_predictions(preds, top=top)
