"""MobileNet (``tf.keras.applications.mobilenet``), as Keras builds it: same layer names and weights."""
from __future__ import annotations

import warnings
from typing import Any, Optional

from .. import layers
from . import imagenet_utils, _common


def _conv_block(x: Any, filters: int, alpha: float, kernel: Any = (3, 3), strides: Any = (1, 1)) -> Any:
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides, name="conv1")(x)
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(x: Any, filters: int, alpha: float, depth_multiplier: int = 1, strides: Any = (1, 1),
                          block_id: int = 1) -> Any:
    filters = int(filters * alpha)
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape: Any = None, alpha: float = 1.0, depth_multiplier: int = 1, dropout: float = 1e-3,
              include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, pooling: Any = None,
              classes: int = 1000, classifier_activation: Any = "softmax", name: Optional[str] = None) -> Any:
    """MobileNet (``tf.keras.applications.MobileNet``) with Keras's layer names. ``weights`` is None or the
    path of Keras's published ``.h5`` file ('imagenet' only when that file is in ``~/.keras/models``)."""
    imagenet_utils.check_weights(weights, include_top, classes)
    default_size = imagenet_utils.default_size_for(input_shape, (128, 160, 192, 224))
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size, 32, None, include_top, weights)
    rows = input_shape[0]
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(f"If imagenet weights are being loaded, depth multiplier must be 1.  Received depth_multiplier={depth_multiplier}")
        if alpha not in [0.25, 0.50, 0.75, 1.0]:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.25`, `0.50`, `0.75` or "
                             f"`1.0` only.  Received alpha={alpha}")
        if rows != input_shape[1] or rows not in [128, 160, 192, 224]:
            rows = rows if rows is not None else 224
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not in [128, 160, 192, 224]. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=2)
            rows = 224
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    x = _conv_block(x, 32, alpha, strides=(2, 2))
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for i, (f, s) in enumerate(plan, start=1):
        x = _depthwise_conv_block(x, f, alpha, depth_multiplier, strides=(s, s), block_id=i)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = _common.model(inputs, x, name or f"mobilenet_{alpha:0.2f}_{rows}")
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0"}.get(alpha, "2_5")
    fname = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5"
    imagenet_utils.load_weights(model, weights, fname, "mobilenet/")
    return model


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """'tf'-style preprocessing (scale to [-1, 1]), as Keras's MobileNet."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
