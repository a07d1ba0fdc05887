"""InceptionV3 (``tf.keras.applications.inception_v3``), as Keras builds it: same layer names and weights."""
from __future__ import annotations

from typing import Any, Optional

from .. import layers
from . import imagenet_utils, _common


def conv2d_bn(x: Any, filters: int, num_row: int, num_col: int, padding: str = "same", strides: Any = (1, 1),
              name: Optional[str] = None) -> Any:
    bn_name = None if name is None else name + "_bn"
    conv_name = None if name is None else name + "_conv"
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False, name=conv_name)(x)
    x = layers.BatchNormalization(axis=3, scale=False, name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def _avg(x: Any) -> Any:
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)


def InceptionV3(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
                pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "inception_v3") -> Any:
    """InceptionV3 (``tf.keras.applications.InceptionV3``) with Keras's layer names; ``weights`` None or the
    path of Keras's published ``.h5`` file ('imagenet' only when that file is in ``~/.keras/models``)."""
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 299, 75, None, include_top, weights)
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    x = conv2d_bn(x, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for i, pool_filters in enumerate((32, 64, 64)):
        b1 = conv2d_bn(x, 64, 1, 1)
        b5 = conv2d_bn(x, 48, 1, 1)
        b5 = conv2d_bn(b5, 64, 5, 5)
        b3 = conv2d_bn(x, 64, 1, 1)
        b3 = conv2d_bn(b3, 96, 3, 3)
        b3 = conv2d_bn(b3, 96, 3, 3)
        bp = conv2d_bn(_avg(x), pool_filters, 1, 1)
        x = layers.Concatenate(axis=3, name=f"mixed{i}")([b1, b5, b3, bp])
    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    bd = conv2d_bn(x, 64, 1, 1)
    bd = conv2d_bn(bd, 96, 3, 3)
    bd = conv2d_bn(bd, 96, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.Concatenate(axis=3, name="mixed3")([b3, bd, bp])
    for i, c in enumerate((128, 160, 160, 192)):
        b1 = conv2d_bn(x, 192, 1, 1)
        b7 = conv2d_bn(x, c, 1, 1)
        b7 = conv2d_bn(b7, c, 1, 7)
        b7 = conv2d_bn(b7, 192, 7, 1)
        bd = conv2d_bn(x, c, 1, 1)
        bd = conv2d_bn(bd, c, 7, 1)
        bd = conv2d_bn(bd, c, 1, 7)
        bd = conv2d_bn(bd, c, 7, 1)
        bd = conv2d_bn(bd, 192, 1, 7)
        bp = conv2d_bn(_avg(x), 192, 1, 1)
        x = layers.Concatenate(axis=3, name=f"mixed{4 + i}")([b1, b7, bd, bp])
    b3 = conv2d_bn(x, 192, 1, 1)
    b3 = conv2d_bn(b3, 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(b7, 192, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.Concatenate(axis=3, name="mixed8")([b3, b7, bp])
    for i in range(2):
        b1 = conv2d_bn(x, 320, 1, 1)
        b3 = conv2d_bn(x, 384, 1, 1)
        b3_1 = conv2d_bn(b3, 384, 1, 3)
        b3_2 = conv2d_bn(b3, 384, 3, 1)
        b3 = layers.Concatenate(axis=3, name=f"mixed9_{i}")([b3_1, b3_2])
        bd = conv2d_bn(x, 448, 1, 1)
        bd = conv2d_bn(bd, 384, 3, 3)
        bd_1 = conv2d_bn(bd, 384, 1, 3)
        bd_2 = conv2d_bn(bd, 384, 3, 1)
        bd = layers.Concatenate(axis=3)([bd_1, bd_2])
        bp = conv2d_bn(_avg(x), 192, 1, 1)
        x = layers.Concatenate(axis=3, name=f"mixed{9 + i}")([b1, b3, bd, bp])
    if include_top:
        x = _common.top(x, True, None, classes, classifier_activation, weights, "avg_pool")
    else:
        x = _common.pool(x, pooling)
    model = _common.model(inputs, x, name)
    suffix = "" if include_top else "_notop"
    imagenet_utils.load_weights(model, weights, f"inception_v3_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                                "inception_v3/")
    return model


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """'tf'-style preprocessing (scale to [-1, 1]), as Keras's InceptionV3."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
