"""Activation functions by name (``tf.keras.activations``).

``get('relu')`` returns the function, ``serialize(fn)`` its name. Formulas are Keras's: ``relu`` with
``alpha``/``max_value``/``threshold``, ``hard_sigmoid`` is ``relu6(x + 3) / 6`` (Keras 3, as TF 2.21; Keras 2
used ``clip(0.2 x + 0.5, 0, 1)``),
``softmax`` over the last axis, ``gelu`` exact unless ``approximate=True``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ..dispatch import convert_to_tensor
from ..ops import math as _m
from ..ops import nn as _nn


def linear(x: Any) -> Any:
    """The identity."""
    return x


def relu(x: Any, alpha: float = 0.0, max_value: Optional[float] = None, threshold: float = 0.0) -> Any:
    """``max(x, 0)``; with ``alpha`` a leaky slope below ``threshold``, with ``max_value`` a cap."""
    if alpha == 0 and max_value is None and threshold == 0:
        return _nn.relu(x)
    x = convert_to_tensor(x)
    if threshold != 0:
        out = _m.where(_m.greater(x, threshold), x, _m.multiply(_m.cast(alpha, x.dtype), _m.subtract(x, _m.cast(threshold, x.dtype))))
    else:
        out = _nn.leaky_relu(x, alpha=alpha) if alpha else _nn.relu(x)
    if max_value is not None:
        out = _m.minimum(out, _m.cast(max_value, x.dtype))
    return out


def sigmoid(x: Any) -> Any:
    return _m.sigmoid(x)


def tanh(x: Any) -> Any:
    return _m.tanh(x)


def softmax(x: Any, axis: int = -1) -> Any:
    """Softmax over ``axis`` (Keras refuses 1-D inputs; so do we)."""
    x = convert_to_tensor(x)
    if x.ndim <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: shape={list(x.shape)}")
    return _nn.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Any:
    return _nn.log_softmax(x, axis=axis)


def elu(x: Any, alpha: float = 1.0) -> Any:
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    if alpha == 1.0:
        return _nn.elu(x)
    x = convert_to_tensor(x)
    return _m.where(_m.greater(x, 0), x, _m.multiply(_m.cast(alpha, x.dtype), _m.expm1(_m.minimum(x, _m.cast(0, x.dtype)))))


def selu(x: Any) -> Any:
    return _nn.selu(x)


def gelu(x: Any, approximate: bool = False) -> Any:
    return _nn.gelu(x, approximate=approximate)


def softplus(x: Any) -> Any:
    return _m.softplus(x)


def softsign(x: Any) -> Any:
    return _nn.softsign(x)


def swish(x: Any) -> Any:
    """``x * sigmoid(x)``."""
    return _nn.silu(x)


silu = swish


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Any:
    return _nn.leaky_relu(x, alpha=negative_slope)


def relu6(x: Any) -> Any:
    return _nn.relu6(x)


def exponential(x: Any) -> Any:
    return _m.exp(x)


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6`` (Keras 3, what TF 2.21's ``tf.keras`` computes; Keras 2 used
    ``clip(0.2 * x + 0.5, 0, 1)``)."""
    x = convert_to_tensor(x)
    return _m.divide(_nn.relu6(_m.add(x, _m.cast(3.0, x.dtype))), _m.cast(6.0, x.dtype))


def hard_silu(x: Any) -> Any:
    """Keras 3's ``hard_silu`` (alias ``hard_swish``): ``x * relu6(x + 3) / 6``."""
    x = convert_to_tensor(x)
    return _m.multiply(x, _m.divide(_nn.relu6(_m.add(x, _m.cast(3.0, x.dtype))), _m.cast(6.0, x.dtype)))


hard_swish = hard_silu


def mish(x: Any) -> Any:
    """``x * tanh(softplus(x))``."""
    return _m.multiply(x, _m.tanh(_m.softplus(x)))


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, log_softmax, elu, selu, gelu,
                                    softplus, softsign, swish, leaky_relu, relu6, exponential,
                                    hard_sigmoid, hard_silu, mish)}
_BY_NAME["silu"] = swish
_BY_NAME["hard_swish"] = hard_silu


def serialize(activation: Callable) -> str:
    """The registered name of ``activation`` (or its ``__name__``)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", str(activation))


def deserialize(name: Any, custom_objects: Optional[dict] = None) -> Callable:
    if custom_objects and isinstance(name, str) and name in custom_objects:
        return custom_objects[name]
    return get(name)


def get(identifier: Any) -> Callable:
    """The activation for a name, ``None`` (linear), or a callable (returned unchanged)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation function: {identifier!r}. Known names: {sorted(_BY_NAME)}.")
        return fn
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier).get("activation", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}.")
