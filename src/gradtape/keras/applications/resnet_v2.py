"""ResNet50V2/101V2/152V2 (``tf.keras.applications.resnet_v2``), as Keras builds them."""
from __future__ import annotations

from typing import Any, Callable

from .. import layers
from . import imagenet_utils
from .resnet import ResNet, _EPS, _doc


def residual_block_v2(x: Any, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = False,
                      name: str = "") -> Any:
    preact = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_preact_bn")(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack_residual_blocks_v2(x: Any, filters: int, blocks: int, stride1: int = 2, name: str = "") -> Any:
    x = residual_block_v2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=name + "_block" + str(i))
    return residual_block_v2(x, filters, stride=stride1, name=name + "_block" + str(blocks))


def _v2(blocks: tuple) -> Callable[[Any], Any]:
    def stack_fn(x: Any) -> Any:
        x = stack_residual_blocks_v2(x, 64, blocks[0], name="conv2")
        x = stack_residual_blocks_v2(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v2(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v2(x, 512, blocks[3], stride1=1, name="conv5")
    return stack_fn


def ResNet50V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
               pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
               name: str = "resnet50v2") -> Any:
    return ResNet(_v2((3, 4, 6, 3)), True, True, "resnet50v2", include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name)


def ResNet101V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "resnet101v2") -> Any:
    return ResNet(_v2((3, 4, 23, 3)), True, True, "resnet101v2", include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name)


def ResNet152V2(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "resnet152v2") -> Any:
    return ResNet(_v2((3, 8, 36, 3)), True, True, "resnet152v2", include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name)


ResNet50V2.__doc__, ResNet101V2.__doc__ = _doc("ResNet50V2"), _doc("ResNet101V2")
ResNet152V2.__doc__ = _doc("ResNet152V2")


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """'tf'-style preprocessing (scale to [-1, 1]), as Keras's ResNetV2."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
