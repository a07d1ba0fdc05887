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


def _operation_class() -> Any:
    from ..engine.functional import TFOpLambda

    class Operation(TFOpLambda):
        """Arithmetic on symbolic tensors (``x + y``, ``x * 0.5``) that Keras 3 records as a plain operation,
        not a layer: it runs in the graph but is not listed in ``model.layers``."""
        _gt_keras_operation = True

        def get_config(self) -> Any:
            raise NotImplementedError(
                f"{self.name!r} is an arithmetic operation of a keras.applications model, which gradtape cannot "
                "serialize as a whole model (.keras / get_config); save its weights with save_weights() and "
                "rebuild the model with its constructor and weights=<that file>.")

    return Operation


_OPERATION: Any = None


def _op(fn: Any, name: str, inputs: Any) -> Any:
    global _OPERATION
    if _OPERATION is None:
        _OPERATION = _operation_class()
    return _OPERATION(fn, op_name=name)(inputs)


def add(a: Any, b: Any) -> Any:
    """``a + b`` on symbolic tensors, as Keras 3's ``ops.add`` (not a layer)."""
    from ...ops import math as m
    return _op(lambda xs: m.add(xs[0], xs[1]), "add", [a, b])


def add_scalar(x: Any, c: float) -> Any:
    """``x + c`` on a symbolic tensor (not a layer)."""
    from ...ops import math as m
    return _op(lambda t: m.add(t, m.cast(c, t.dtype)), "add", x)


def multiply_scalar(x: Any, c: float) -> Any:
    """``x * c`` on a symbolic tensor (not a layer)."""
    from ...ops import math as m
    return _op(lambda t: m.multiply(t, m.cast(c, t.dtype)), "multiply", x)
