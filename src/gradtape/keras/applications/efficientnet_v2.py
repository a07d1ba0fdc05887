"""EfficientNetV2 B0-B3, S, M and L (``tf.keras.applications.efficientnet_v2``), as Keras 3 builds them: same
layers, layer names and weight order, so Keras's published ``.h5`` files load. The input rescaling (and, for
the B variants, the ImageNet normalisation) is part of the model unless ``include_preprocessing=False``;
``preprocess_input`` is therefore a pass-through, as in Keras."""
from __future__ import annotations

import copy
import math
from typing import Any, Dict, List, Optional

from .. import initializers, layers
from . import imagenet_utils, _common

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/"

_KEYS = ("kernel_size", "num_repeat", "input_filters", "output_filters", "expand_ratio", "se_ratio", "strides",
         "conv_type")
# One row per stage: kernel, repeats, filters in, filters out, expansion, squeeze-excite ratio, stride, and
# the block type (1: fused MBConv, 0: MBConv). The B variants share one table, scaled by their coefficients.
_B = [(3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
      (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0)]
_STAGES = {
    "s": [(3, 2, 24, 24, 1, 0, 1, 1), (3, 4, 24, 48, 4, 0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
          (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0), (3, 15, 160, 256, 6, 0.25, 2, 0)],
    "m": [(3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
          (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0), (3, 18, 176, 304, 6, 0.25, 2, 0),
          (3, 5, 304, 512, 6, 0.25, 1, 0)],
    "l": [(3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
          (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0), (3, 25, 224, 384, 6, 0.25, 2, 0),
          (3, 7, 384, 640, 6, 0.25, 1, 0)],
    "b0": _B, "b1": _B, "b2": _B, "b3": _B,
}
DEFAULT_BLOCKS_ARGS: Dict[str, List[Dict[str, Any]]] = {
    f"efficientnetv2-{k}": [dict(zip(_KEYS, row)) for row in rows] for k, rows in _STAGES.items()}


def _conv_init() -> Any:
    return initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="truncated_normal")


def _dense_init() -> Any:
    return initializers.VarianceScaling(scale=1.0 / 3.0, mode="fan_out", distribution="uniform")


def round_filters(filters: float, width_coefficient: float, min_depth: Optional[int], depth_divisor: int) -> int:
    """Channels scaled by ``width_coefficient``, rounded to a multiple of ``depth_divisor`` (Keras's rule)."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def round_repeats(repeats: int, depth_coefficient: float) -> int:
    return int(math.ceil(depth_coefficient * repeats))


def _squeeze_excite(x: Any, input_filters: int, filters: int, se_ratio: float, activation: Any, name: str) -> Any:
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation, kernel_initializer=_conv_init(),
                       name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=_conv_init(),
                       name=f"{name}se_expand")(se)
    return layers.Multiply(name=f"{name}se_excite")([x, se])


def _residual(x: Any, inputs: Any, survival_probability: float, name: str) -> Any:
    # Keras passes the block's ``survival_probability`` to Dropout as its rate (one draw per sample).
    if survival_probability:
        x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.Add(name=f"{name}add")([x, inputs])


def MBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1, kernel_size: int = 3,
                strides: int = 1, se_ratio: float = 0.0, bn_momentum: float = 0.9, activation: Any = "swish",
                survival_probability: float = 0.8, name: str = "block0") -> Any:
    """Mobile inverted residual bottleneck: 1x1 expansion, depthwise convolution, squeeze-excite, 1x1 projection."""
    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=1, strides=1, kernel_initializer=_conv_init(), padding="same",
                              use_bias=False, name=f"{name}expand_conv")(x)
            x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}expand_bn")(x)
            x = layers.Activation(activation, name=f"{name}expand_activation")(x)
        x = layers.DepthwiseConv2D(kernel_size=kernel_size, strides=strides, depthwise_initializer=_conv_init(),
                                   padding="same", use_bias=False, name=f"{name}dwconv2")(x)
        x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}bn")(x)
        x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        x = layers.Conv2D(output_filters, kernel_size=1, strides=1, kernel_initializer=_conv_init(), padding="same",
                          use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}project_bn")(x)
        if strides == 1 and input_filters == output_filters:
            x = _residual(x, inputs, survival_probability, name)
        return x
    return apply


def FusedMBConvBlock(input_filters: int, output_filters: int, expand_ratio: int = 1, kernel_size: int = 3,
                     strides: int = 1, se_ratio: float = 0.0, bn_momentum: float = 0.9, activation: Any = "swish",
                     survival_probability: float = 0.8, name: str = "block0") -> Any:
    """The fused block: one full convolution replaces the 1x1 expansion and the depthwise convolution."""
    def apply(inputs: Any) -> Any:
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = layers.Conv2D(filters, kernel_size=kernel_size, strides=strides, kernel_initializer=_conv_init(),
                              padding="same", use_bias=False, name=f"{name}expand_conv")(x)
            x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}expand_bn")(x)
            x = layers.Activation(activation=activation, name=f"{name}expand_activation")(x)
        if 0 < se_ratio <= 1:
            x = _squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        x = layers.Conv2D(output_filters, kernel_size=1 if expand_ratio != 1 else kernel_size,
                          strides=1 if expand_ratio != 1 else strides, kernel_initializer=_conv_init(),
                          padding="same", use_bias=False, name=f"{name}project_conv")(x)
        x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}project_bn")(x)
        if expand_ratio == 1:
            x = layers.Activation(activation=activation, name=f"{name}project_activation")(x)
        if strides == 1 and input_filters == output_filters:
            x = _residual(x, inputs, survival_probability, name)
        return x
    return apply


def EfficientNetV2(width_coefficient: float, depth_coefficient: float, default_size: int, dropout_rate: float = 0.2,
                   drop_connect_rate: float = 0.2, depth_divisor: int = 8, min_depth: int = 8,
                   bn_momentum: float = 0.9, activation: Any = "swish", blocks_args: Any = "default",
                   name: str = "efficientnetv2", include_top: bool = True, weights: Any = "imagenet",
                   input_tensor: Any = None, input_shape: Any = None, pooling: Any = None, classes: int = 1000,
                   classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                   weights_name: Optional[str] = None, v1_preprocessing: Optional[bool] = None) -> Any:
    """Keras's ``efficientnet_v2.EfficientNetV2``: ``blocks_args`` (a list of stage dicts, or 'default' for
    the table of the variant named by ``name``) scaled by the width and depth coefficients. The B variants
    (a name ending in ``-b...``, or ``v1_preprocessing=True``) normalise inputs with ImageNet's statistics;
    the others rescale them to [-1, 1]."""
    if blocks_args == "default":
        if name not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(f"blocks_args='default' needs one of the named variants {sorted(DEFAULT_BLOCKS_ARGS)} "
                             f"as name; received name={name!r}. Pass blocks_args explicitly.")
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size, 32, None, include_top, weights)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"`pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    if include_preprocessing:
        if v1_preprocessing is None:
            v1_preprocessing = name.split("-")[-1].startswith("b")
        if v1_preprocessing and input_shape[2] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                     axis=3)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def rf(filters: float) -> int:
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = layers.Conv2D(rf(blocks_args[0]["input_filters"]), kernel_size=3, strides=2, kernel_initializer=_conv_init(),
                      padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name="stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args["num_repeat"] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError(f"The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={args['num_repeat']}")
        args["input_filters"] = rf(args["input_filters"])
        args["output_filters"] = rf(args["output_filters"])
        block = {0: MBConvBlock, 1: FusedMBConvBlock}[args.pop("conv_type")]
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks, name=f"block{i + 1}{chr(j + 97)}_",
                      **args)(x)
            b += 1
    x = layers.Conv2D(rf(1280), kernel_size=1, strides=1, kernel_initializer=_conv_init(), padding="same",
                      use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name="top_bn")(x)
    x = layers.Activation(activation=activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, kernel_initializer=_dense_init(),
                         bias_initializer=initializers.Constant(0.0), name="predictions")(x)
    else:
        x = _common.pool(x, pooling, "avg_pool", "max_pool")
    model = _common.model(inputs, x, name)
    imagenet_utils.load_weights(model, weights, f"{name}{'.h5' if include_top else '_notop.h5'}", "efficientnet_v2/",
                                BASE_WEIGHTS_PATH)
    return model


def _variant(suffix: str, width: float, depth: float, size: int) -> Any:
    key = suffix.lower()

    def ctor(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
             pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
             include_preprocessing: bool = True, name: str = f"efficientnetv2-{key}") -> Any:
        return EfficientNetV2(width, depth, size, name=name, blocks_args=DEFAULT_BLOCKS_ARGS[f"efficientnetv2-{key}"],
                              include_top=include_top, weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation, include_preprocessing=include_preprocessing,
                              weights_name=key if key.startswith("b") else f"-{key}",
                              v1_preprocessing=key.startswith("b"))
    ctor.__name__ = ctor.__qualname__ = f"EfficientNetV2{suffix}"
    ctor.__doc__ = (f"EfficientNetV2{suffix} (``tf.keras.applications.EfficientNetV2{suffix}``) with Keras's layer "
                    "names. Inputs are pixels in [0, 255] (the model rescales them). ``weights`` is None or the path "
                    f"of Keras's published ``efficientnetv2-{key}.h5`` file ('imagenet' only when that file is in "
                    "``~/.keras/models``).")
    return ctor


EfficientNetV2B0 = _variant("B0", 1.0, 1.0, 224)
EfficientNetV2B1 = _variant("B1", 1.0, 1.1, 240)
EfficientNetV2B2 = _variant("B2", 1.1, 1.2, 260)
EfficientNetV2B3 = _variant("B3", 1.2, 1.4, 300)
EfficientNetV2S = _variant("S", 1.0, 1.0, 384)
EfficientNetV2M = _variant("M", 1.0, 1.0, 480)
EfficientNetV2L = _variant("L", 1.0, 1.0, 480)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """A pass-through, as Keras's ``efficientnet_v2.preprocess_input``: the model rescales its input itself."""
    return x


def decode_predictions(preds: Any, top: int = 5) -> Any:
    """ImageNet class names for ``(samples, 1000)`` predictions (``imagenet_utils.decode_predictions``)."""
    return imagenet_utils.decode_predictions(preds, top=top)
