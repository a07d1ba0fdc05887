"""MobileNetV3Small and MobileNetV3Large (``tf.keras.applications.mobilenet_v3``), as Keras 3 builds them:
same layers, layer names and weight order, so Keras's published ``.h5`` files load. The input
``Rescaling`` (pixels in [0, 255] to [-1, 1]) is part of the model unless ``include_preprocessing=False``;
``preprocess_input`` is therefore a pass-through, as in Keras."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Optional

from .. import layers
from . import imagenet_utils, _common

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/"


def _depth(v: float, divisor: int = 8, min_value: Optional[int] = None) -> int:
    """Round a channel count to a multiple of ``divisor``, never more than 10% down (Keras's ``_depth``)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _relu(x: Any) -> Any:
    return layers.ReLU()(x)


def _hard_sigmoid(x: Any) -> Any:
    # Keras writes ``ReLU(6.0)(x + 3.0) * (1.0 / 6.0)``: the two arithmetic steps are operations, not layers.
    return _common.multiply_scalar(layers.ReLU(6.0)(_common.add_scalar(x, 3.0)), 1.0 / 6.0)


def _hard_swish(x: Any) -> Any:
    return layers.Activation("hard_swish")(x)


def _se_block(inputs: Any, filters: int, se_ratio: float, prefix: str) -> Any:
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = _hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _bn(name: str) -> Any:
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(x: Any, expansion: float, filters: int, kernel_size: int, stride: int, se_ratio: Any,
                        activation: Callable, block_id: int) -> Any:
    shortcut = x
    prefix = "expanded_conv_"
    infilters = int(x.shape[-1])
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = _bn(f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = _bn(f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def MobileNetV3(stack_fn: Callable, last_point_ch: int, input_shape: Any = None, alpha: float = 1.0,
                model_type: str = "large", minimalistic: bool = False, include_top: bool = True,
                weights: Any = "imagenet", input_tensor: Any = None, classes: int = 1000, pooling: Any = None,
                dropout_rate: float = 0.2, classifier_activation: Any = "softmax", include_preprocessing: bool = True,
                name: Optional[str] = None) -> Any:
    """Keras's ``mobilenet_v3.MobileNetV3``: the stem, ``stack_fn``'s inverted residual blocks and the head."""
    imagenet_utils.check_weights(weights, include_top, classes)
    if input_tensor is not None and not getattr(input_tensor, "_gt_keras_tensor", False):
        raise NotImplementedError("keras.applications: input_tensor must be a symbolic keras.Input tensor; "
                                  "wrapping a concrete tensor is not supported.")
    if input_shape is not None and input_tensor is not None and input_tensor.shape[2] != input_shape[1]:
        raise ValueError("input_shape[1] must equal input_tensor.shape[2].  Received "
                         f"input_shape={input_shape}, input_tensor.shape={input_tensor.shape}")
    if input_shape is None and input_tensor is not None:
        input_shape = (input_tensor.shape[2], input_tensor.shape[1], 3)
    if input_shape is None:
        input_shape = (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"`input_shape` must be a tuple of three integers. Received: input_shape={input_shape}")
    rows, cols = input_shape[0], input_shape[1]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                             "minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input "
                          "shape (224, 224) will be loaded as the default.", stacklevel=3)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"`pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    if minimalistic:
        kernel, activation, se_ratio = 3, _relu, None
    else:
        kernel, activation, se_ratio = 5, _hard_swish, 0.25
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = _bn("conv_bn")(x)
    x = activation(x)
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(int(x.shape[-1]) * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = _bn("conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, "avg_pool", "max_pool")
    model = _common.model(inputs, x, name)
    model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    fname = f"weights_mobilenet_v3_{model_name}{'' if include_top else '_no_top_v2'}.h5"
    imagenet_utils.load_weights(model, weights, fname, "mobilenet_v3/", BASE_WEIGHT_PATH)
    return model


def MobileNetV3Small(input_shape: Any = None, alpha: float = 1.0, minimalistic: bool = False, include_top: bool = True,
                     weights: Any = "imagenet", input_tensor: Any = None, classes: int = 1000, pooling: Any = None,
                     dropout_rate: float = 0.2, classifier_activation: Any = "softmax",
                     include_preprocessing: bool = True, name: str = "MobileNetV3Small") -> Any:
    """MobileNetV3Small (``tf.keras.applications.MobileNetV3Small``) with Keras's layer names. Inputs are
    pixels in [0, 255] (in [-1, 1] with ``include_preprocessing=False``). ``weights`` is None or the path of
    Keras's published ``.h5`` file ('imagenet' only when that file is in ``~/.keras/models``)."""
    def stack_fn(x: Any, kernel: int, activation: Callable, se_ratio: Any) -> Any:
        def depth(d: float) -> int:
            return _depth(d * alpha)
        x = _inverted_res_block(x, 1, depth(16), 3, 2, se_ratio, _relu, 0)
        x = _inverted_res_block(x, 72.0 / 16, depth(24), 3, 2, None, _relu, 1)
        x = _inverted_res_block(x, 88.0 / 24, depth(24), 3, 1, None, _relu, 2)
        x = _inverted_res_block(x, 4, depth(40), kernel, 2, se_ratio, activation, 3)
        x = _inverted_res_block(x, 6, depth(40), kernel, 1, se_ratio, activation, 4)
        x = _inverted_res_block(x, 6, depth(40), kernel, 1, se_ratio, activation, 5)
        x = _inverted_res_block(x, 3, depth(48), kernel, 1, se_ratio, activation, 6)
        x = _inverted_res_block(x, 3, depth(48), kernel, 1, se_ratio, activation, 7)
        x = _inverted_res_block(x, 6, depth(96), kernel, 2, se_ratio, activation, 8)
        x = _inverted_res_block(x, 6, depth(96), kernel, 1, se_ratio, activation, 9)
        x = _inverted_res_block(x, 6, depth(96), kernel, 1, se_ratio, activation, 10)
        return x

    return MobileNetV3(stack_fn, 1024, input_shape, alpha, "small", minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation, include_preprocessing, name=name)


def MobileNetV3Large(input_shape: Any = None, alpha: float = 1.0, minimalistic: bool = False, include_top: bool = True,
                     weights: Any = "imagenet", input_tensor: Any = None, classes: int = 1000, pooling: Any = None,
                     dropout_rate: float = 0.2, classifier_activation: Any = "softmax",
                     include_preprocessing: bool = True, name: str = "MobileNetV3Large") -> Any:
    """MobileNetV3Large (``tf.keras.applications.MobileNetV3Large``) with Keras's layer names. Inputs are
    pixels in [0, 255] (in [-1, 1] with ``include_preprocessing=False``). ``weights`` is None or the path of
    Keras's published ``.h5`` file ('imagenet' only when that file is in ``~/.keras/models``)."""
    def stack_fn(x: Any, kernel: int, activation: Callable, se_ratio: Any) -> Any:
        def depth(d: float) -> int:
            return _depth(d * alpha)
        x = _inverted_res_block(x, 1, depth(16), 3, 1, None, _relu, 0)
        x = _inverted_res_block(x, 4, depth(24), 3, 2, None, _relu, 1)
        x = _inverted_res_block(x, 3, depth(24), 3, 1, None, _relu, 2)
        x = _inverted_res_block(x, 3, depth(40), kernel, 2, se_ratio, _relu, 3)
        x = _inverted_res_block(x, 3, depth(40), kernel, 1, se_ratio, _relu, 4)
        x = _inverted_res_block(x, 3, depth(40), kernel, 1, se_ratio, _relu, 5)
        x = _inverted_res_block(x, 6, depth(80), 3, 2, None, activation, 6)
        x = _inverted_res_block(x, 2.5, depth(80), 3, 1, None, activation, 7)
        x = _inverted_res_block(x, 2.3, depth(80), 3, 1, None, activation, 8)
        x = _inverted_res_block(x, 2.3, depth(80), 3, 1, None, activation, 9)
        x = _inverted_res_block(x, 6, depth(112), 3, 1, se_ratio, activation, 10)
        x = _inverted_res_block(x, 6, depth(112), 3, 1, se_ratio, activation, 11)
        x = _inverted_res_block(x, 6, depth(160), kernel, 2, se_ratio, activation, 12)
        x = _inverted_res_block(x, 6, depth(160), kernel, 1, se_ratio, activation, 13)
        x = _inverted_res_block(x, 6, depth(160), kernel, 1, se_ratio, activation, 14)
        return x

    return MobileNetV3(stack_fn, 1280, input_shape, alpha, "large", minimalistic, include_top, weights, input_tensor,
                       classes, pooling, dropout_rate, classifier_activation, include_preprocessing, name=name)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """A pass-through, as Keras's ``mobilenet_v3.preprocess_input``: the model rescales its input itself."""
    return x


def decode_predictions(preds: Any, top: int = 5) -> Any:
    """ImageNet class names for ``(samples, 1000)`` predictions (``imagenet_utils.decode_predictions``)."""
    return imagenet_utils.decode_predictions(preds, top=top)
