"""Depthwise and separable convolutions (``tf.keras.layers``, Keras 3): ``DepthwiseConv1D/2D`` and
``SeparableConv1D/2D``, channels-last by default.

Weights as Keras: ``depthwise_kernel`` ``(*kernel_size, in_channels, depth_multiplier)`` (output channel
``c * depth_multiplier + m``), ``pointwise_kernel`` ``(*1, in_channels * depth_multiplier, filters)``, then
``bias``. The depthwise convolution runs as one grouped convolution (a group per input channel) with
``depthwise_kernel`` reshaped to ``(*k, 1, C * M)`` (so its gradients are those of the convolution op).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from ...ops import conv as _conv
from ...ops import math as _m
from ...ops import shape as _s
from ...tensor import Tensor
from .. import activations
from .base import Layer
from .convolutional import _data_format, _tuple, padding_arg
from .core import _add_weight_with_options, _set_weight_options, _weight_options_config


def _grouped_kernel(kernel: Tensor, rank: int) -> Tensor:
    """``(*k, C, M)`` -> ``(*k, 1, C * M)``: the filter of a convolution with ``C`` groups whose output
    channel ``c * M + m`` reads input channel ``c`` through ``kernel[..., c, m]``."""
    shape = tuple(int(d) for d in kernel.shape)
    return _s.reshape(kernel, shape[:rank] + (1, shape[-2] * shape[-1]))


class _DepthwiseBase(Layer):
    rank = 2
    separable = False

    def __init__(self, kernel_size: Any, strides: Any = 1, padding: str = "valid", depth_multiplier: int = 1,
                 data_format: Optional[str] = None, dilation_rate: Any = 1, activation: Any = None,
                 use_bias: bool = True, depthwise_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", depthwise_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, depthwise_constraint: Any = None, bias_constraint: Any = None,
                 filters: Optional[int] = None, pointwise_initializer: Any = "glorot_uniform",
                 pointwise_regularizer: Any = None, pointwise_constraint: Any = None, **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.strides = _tuple(strides, n, "strides")
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate")
        padding = str(padding).lower()
        allowed = ("valid", "same", "causal") if n == 1 else ("valid", "same")
        if padding not in allowed:
            raise ValueError(f"The `padding` argument must be one of {allowed}. Received: padding={padding!r}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.padding = padding
        self.data_format = _data_format(data_format)
        self.depth_multiplier = int(depth_multiplier)
        if self.depth_multiplier <= 0:
            raise ValueError(f"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
                             f"Received depth_multiplier={depth_multiplier}.")
        self.filters = None if filters is None else int(filters)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        _set_weight_options(self, depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
                            bias=(bias_initializer, bias_regularizer, bias_constraint))
        if self.separable:
            _set_weight_options(self, pointwise=(pointwise_initializer, pointwise_regularizer,
                                                 pointwise_constraint))
        self._ndim = n + 2

    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape: Any) -> None:
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        channels = int(channels)
        m = self.depth_multiplier
        self.depthwise_kernel = self._add("depthwise", self.kernel_size + (channels, m))
        if self.separable:
            self.pointwise_kernel = self._add("pointwise", (1,) * self.rank + (channels * m, self.filters))
            out = self.filters
        else:
            out = channels * m
        self.bias = _add_weight_with_options(self, "bias", (out,)) if self.use_bias else None
        self._axes = {self._channel_axis(): channels}
        self.built = True

    def _add(self, option: str, shape: tuple) -> Any:
        return self.add_weight(f"{option}_kernel", shape=shape, initializer=getattr(self, f"{option}_initializer"),
                               regularizer=getattr(self, f"{option}_regularizer"),
                               constraint=getattr(self, f"{option}_constraint"))

    def _padding_arg(self) -> Any:
        return padding_arg(self)

    def call(self, inputs: Any) -> Tensor:
        n = self.rank
        x = inputs
        first = self.data_format == "channels_first"
        if first:
            x = _conv._to_last(x, n)
        name = type(self).__name__
        y = _conv._conv_nd(n, name, x, _grouped_kernel(self.depthwise_kernel, n), self.strides,
                           self._padding_arg(), None, self.dilation_rate)
        if self.separable:
            y = _conv._conv_nd(n, name, y, self.pointwise_kernel, 1, "VALID", None, 1)
        if self.use_bias:
            y = _m.add(y, self.bias)
        if first:
            y = _conv._to_first(y, n)
        return self.activation(y) if self.activation is not activations.linear else y

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
            "depth_multiplier": self.depth_multiplier, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias})
        if self.separable:
            config["filters"] = self.filters
            config.update(_weight_options_config(self, "depthwise", "pointwise", "bias", activity=True))
        else:
            config.update(_weight_options_config(self, "depthwise", "bias", activity=True))
        return config


class DepthwiseConv1D(_DepthwiseBase):
    """Convolve each input channel with its own ``depth_multiplier`` filters (``tf.keras.layers.DepthwiseConv1D``)."""

    rank = 1


class DepthwiseConv2D(_DepthwiseBase):
    """Convolve each input channel with its own ``depth_multiplier`` filters (``tf.keras.layers.DepthwiseConv2D``)."""

    rank = 2


class _Separable(_DepthwiseBase):
    separable = True

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = 1, depth_multiplier: int = 1,
                 **kwargs: Any):
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        super().__init__(kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, filters=int(filters), **kwargs)


class SeparableConv1D(_Separable):
    """A depthwise convolution followed by a 1-wide pointwise one (``tf.keras.layers.SeparableConv1D``)."""

    rank = 1


class SeparableConv2D(_Separable):
    """A depthwise convolution followed by a 1x1 pointwise one (``tf.keras.layers.SeparableConv2D``)."""

    rank = 2


__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"]
