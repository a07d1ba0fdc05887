"""ResNet50/101/152 (``tf.keras.applications.resnet``), as Keras builds them: same layer names and weights."""
from __future__ import annotations

from typing import Any, Callable

from .. import layers
from . import imagenet_utils, _common

_EPS = 1.001e-5


def ResNet(stack_fn: Callable[[Any], Any], preact: bool, use_bias: bool, model_name: str = "resnet",
           include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
           pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax", name: Any = None) -> Any:
    """The ResNet / ResNetV2 trunk of Keras's ``resnet.ResNet`` around ``stack_fn``."""
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, None, include_top, weights)
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(x)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=3, epsilon=_EPS, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = _common.top(x, include_top, pooling, classes, classifier_activation, weights, "avg_pool", "max_pool")
    model = _common.model(inputs, x, name or model_name)
    suffix = "" if include_top else "_notop"
    imagenet_utils.load_weights(model, weights, f"{model_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                                "resnet/")
    return model


def residual_block_v1(x: Any, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = True,
                      name: str = "") -> Any:
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=_EPS, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack_residual_blocks_v1(x: Any, filters: int, blocks: int, stride1: int = 2, name: str = "") -> Any:
    x = residual_block_v1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=name + "_block" + str(i))
    return x


def _v1(blocks: tuple) -> Callable[[Any], Any]:
    def stack_fn(x: Any) -> Any:
        x = stack_residual_blocks_v1(x, 64, blocks[0], stride1=1, name="conv2")
        x = stack_residual_blocks_v1(x, 128, blocks[1], name="conv3")
        x = stack_residual_blocks_v1(x, 256, blocks[2], name="conv4")
        return stack_residual_blocks_v1(x, 512, blocks[3], name="conv5")
    return stack_fn


def _doc(n: str) -> str:
    return (f"{n} (``tf.keras.applications.{n}``) with Keras's layer names. ``weights`` is None (random init) or "
            "the path of Keras's published ``.h5`` file; 'imagenet' works only when that file is already in "
            "``~/.keras/models`` (nothing is downloaded).")


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
             pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "resnet50") -> Any:
    return ResNet(_v1((3, 4, 6, 3)), False, True, "resnet50", include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name)


def ResNet101(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
              pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet101") -> Any:
    return ResNet(_v1((3, 4, 23, 3)), False, True, "resnet101", include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name)


def ResNet152(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
              pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet152") -> Any:
    return ResNet(_v1((3, 8, 36, 3)), False, True, "resnet152", include_top, weights, input_tensor, input_shape,
                  pooling, classes, classifier_activation, name)


ResNet50.__doc__, ResNet101.__doc__, ResNet152.__doc__ = _doc("ResNet50"), _doc("ResNet101"), _doc("ResNet152")


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """Caffe-style ImageNet preprocessing (RGB to BGR, minus the channel means), as Keras's ResNet."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
