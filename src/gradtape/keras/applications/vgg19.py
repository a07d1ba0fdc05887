"""VGG19 (``tf.keras.applications.vgg19``), as Keras builds it: same layer names and weights."""
from __future__ import annotations

from typing import Any

from . import imagenet_utils
from .vgg16 import _vgg


def VGG19(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None, input_shape: Any = None,
          pooling: Any = None, classes: int = 1000, classifier_activation: Any = "softmax",
          name: str = "vgg19") -> Any:
    """VGG19 (``tf.keras.applications.VGG19``); arguments as :func:`VGG16`."""
    return _vgg((2, 2, 4, 4, 4), "vgg19", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def preprocess_input(x: Any, data_format: Any = None) -> Any:
    """Caffe-style ImageNet preprocessing (RGB to BGR, minus the channel means), as Keras's VGG19."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
