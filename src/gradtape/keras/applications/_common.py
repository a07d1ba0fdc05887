"""Building blocks shared by the application constructors."""
from __future__ import annotations

from typing import Any

from .. import layers
from . import imagenet_utils


def top(x: Any, include_top: bool, pooling: Any, classes: int, classifier_activation: Any, weights: Any,
        avg_name: Any = None, max_name: Any = None, pred_name: str = "predictions") -> Any:
    """Keras's usual head: global average pooling then the classifier, or the optional pooling."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name)(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name=pred_name)(x)
    return pool(x, pooling, avg_name, max_name)


def pool(x: Any, pooling: Any, avg_name: Any = None, max_name: Any = None) -> Any:
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    if pooling is not None:
        raise ValueError(f"`pooling` must be None, 'avg' or 'max'. Received: pooling={pooling!r}")
    return x


def model(inputs: Any, x: Any, name: str) -> Any:
    from ..models import Model
    return Model(inputs, x, name=name)
