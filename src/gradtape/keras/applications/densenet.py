"""DenseNet121/169/201 (``tf.keras.applications.densenet``), as Keras builds them: same layer names and weights."""
from __future__ import annotations

from typing import Any

from .. import layers
from . import imagenet_utils, _common

_EPS = 1.001e-5


def dense_block(x: Any, blocks: int, name: str) -> Any:
    for i in range(blocks):
        x = conv_block(x, 32, name=name + "_block" + str(i + 1))
    return x


def transition_block(x: Any, reduction: float, name: str) -> Any:
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_bn")(x)
    x = layers.Activation("relu", name=name + "_relu")(x)
    x = layers.Conv2D(int(int(x.shape[3]) * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    x1 = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_0_bn")(x)
    x1 = layers.Activation("relu", name=name + "_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_1_bn")(x1)
    x1 = layers.Activation("relu", name=name + "_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=3, name=name + "_concat")([x, x1])


def DenseNet(blocks: Any, include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: Any = None, pooling: Any = None, classes: int = 1000,
             classifier_activation: Any = "softmax", name: str = "densenet") -> Any:
    """Keras's ``densenet.DenseNet`` with the given block counts."""
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, None, include_top, weights)
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(x)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = dense_block(x, blocks[0], name="conv2")
    x = transition_block(x, 0.5, name="pool2")
    x = dense_block(x, blocks[1], name="conv3")
    x = transition_block(x, 0.5, name="pool3")
    x = dense_block(x, blocks[2], name="conv4")
    x = transition_block(x, 0.5, name="pool4")
    x = dense_block(x, blocks[3], name="conv5")
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _common.top(x, include_top, pooling, classes, classifier_activation, weights, "avg_pool", "max_pool")
    model = _common.model(inputs, x, name)
    suffix = "" if include_top else "_notop"
    key = {(6, 12, 24, 16): "densenet121", (6, 12, 32, 32): "densenet169", (6, 12, 48, 32): "densenet201"}.get(
        tuple(blocks))
    imagenet_utils.load_weights(model, weights, key and f"{key}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                                "densenet/")
    return model


def DenseNet121(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet121") -> Any:
    """DenseNet121 (``tf.keras.applications.DenseNet121``); ``weights`` None or a weights-file path."""
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def DenseNet169(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet169") -> Any:
    """DenseNet169 (``tf.keras.applications.DenseNet169``); ``weights`` None or a weights-file path."""
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def DenseNet201(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet201") -> Any:
    """DenseNet201 (``tf.keras.applications.DenseNet201``); ``weights`` None or a weights-file path."""
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """'torch'-style preprocessing (scale to [0, 1], standardise per channel), as Keras's DenseNet."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = imagenet_utils.decode_predictions
