"""VGG16 (``tf.keras.applications.vgg16``), as Keras builds it: same layer names and weights."""
from __future__ import annotations

from typing import Any, Optional

from .. import layers
from . import imagenet_utils, _common

_URL_DIR = "vgg16"


def _vgg(convs: tuple, model_name: str, include_top: bool, weights: Any, input_tensor: Any, input_shape: Any,
         pooling: Any, classes: int, classifier_activation: Any, name: Optional[str]) -> Any:
    imagenet_utils.check_weights(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, None, include_top, weights)
    inputs, x = imagenet_utils.input_layer(input_tensor, input_shape)
    for b, (n, f) in enumerate(zip(convs, (64, 128, 256, 512, 512)), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(f, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = _common.model(inputs, x, name or model_name)
    suffix = "" if include_top else "_notop"
    imagenet_utils.load_weights(model, weights, f"{model_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                                model_name + "/")
    return model


def VGG16(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
          pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
          name: str = "vgg16") -> Any:
    """VGG16 (``tf.keras.applications.VGG16``). ``weights`` is None (random init) or the path of Keras's
    published ``.h5`` file; 'imagenet' works only when that file is already in ``~/.keras/models``."""
    return _vgg((2, 2, 3, 3, 3), "vgg16", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """Caffe-style ImageNet preprocessing (RGB to BGR, minus the channel means), as Keras's VGG16."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
