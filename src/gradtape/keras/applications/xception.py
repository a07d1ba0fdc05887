"""Xception (``tf.keras.applications.xception``), as Keras builds it: same layer names and weights."""
from __future__ import annotations

from typing import Any

from .. import layers
from . import imagenet_utils, _common


def _sep(x: Any, filters: int, name: str) -> Any:
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=-1, name=name + "_bn")(x)


def _shortcut(x: Any, filters: int) -> Any:
    r = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=-1)(r)


def Xception(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
             pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "xception") -> Any:
    """Xception (``tf.keras.applications.Xception``) with Keras's layer names; ``weights`` None or the path
    of Keras's published ``.h5`` file ('imagenet' only when that file is in ``~/.keras/models``)."""
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 299, 71, None, include_top, weights)
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(x)
    x = layers.BatchNormalization(axis=-1, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=-1, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    for b, f in ((2, 128), (3, 256), (4, 728)):
        residual = _shortcut(x, f)
        if b > 2:
            x = layers.Activation("relu", name=f"block{b}_sepconv1_act")(x)
        x = _sep(x, f, f"block{b}_sepconv1")
        x = layers.Activation("relu", name=f"block{b}_sepconv2_act")(x)
        x = _sep(x, f, f"block{b}_sepconv2")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{b}_pool")(x)
        x = layers.add([x, residual])
    for i in range(8):
        residual = x
        prefix = "block" + str(i + 5)
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
            x = _sep(x, 728, f"{prefix}_sepconv{j}")
        x = layers.add([x, residual])
    residual = _shortcut(x, 1024)
    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = _sep(x, 728, "block13_sepconv1")
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = _sep(x, 1024, "block13_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])
    x = _sep(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    if include_top:
        x = _common.top(x, True, None, classes, classifier_activation, weights, "avg_pool")
    else:
        x = _common.pool(x, pooling)
    model = _common.model(inputs, x, name)
    suffix = "" if include_top else "_notop"
    imagenet_utils.load_weights(model, weights, f"xception_weights_tf_dim_ordering_tf_kernels{suffix}.h5", "xception/")
    return model


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """'tf'-style preprocessing (scale to [-1, 1]), as Keras's Xception."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
