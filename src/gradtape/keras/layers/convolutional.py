"""Convolution layers: Conv1D, Conv2D, Conv3D (``tf.keras.layers``), channels-last by default.

They mirror Keras: the kernel has shape ``(*kernel_size, in_channels, filters)`` (Conv3D
``(k, k, k, in, out)``), weights are named ``kernel`` and ``bias``, ``padding`` is ``'valid'``,
``'same'`` (TF's asymmetric SAME: the odd extra row/column at the bottom/right) or, for Conv1D,
``'causal'`` (left padding by ``dilation_rate * (kernel_size - 1)``). ``strides > 1`` together with
``dilation_rate > 1`` is refused, as Keras does. The computation is ``gradtape.nn.convolution`` (one
im2col matmul per call), plus the bias and the activation.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from ...ops import conv as _conv
from ...ops import math as _m
from ...tensor import Tensor
from .. import activations
from .base import Layer
from .core import _add_weight_with_options, _set_weight_options, _weight_options_config


def _tuple(value: Any, n: int, name: str) -> tuple:
    """Keras's ``normalize_tuple``: an int or n ints, each >= 1."""
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except TypeError:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value!r}") from None
        if len(out) != n:
            raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value!r}")
    if any(v < 1 for v in out):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} positive integers. Received: "
                         f"{name}={value!r}")
    return out


def _data_format(value: Optional[str]) -> str:
    fmt = (value or "channels_last").lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                         f"Received: data_format={value!r}")
    return fmt


def padding_arg(layer: Any) -> Any:
    """The ``padding`` argument of the conv ops for a conv layer: ``'SAME'``/``'VALID'``, or for
    ``'causal'`` (1-D) the explicit left padding ``dilation * (kernel - 1)``."""
    if layer.padding == "causal":
        left = layer.dilation_rate[0] * (layer.kernel_size[0] - 1)
        return [(0, 0), (left, 0), (0, 0)]
    return layer.padding.upper()


class _Conv(Layer):
    """Shared implementation of Conv1D/2D/3D (Keras's ``BaseConv``)."""

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = 1, groups: int = 1,
                 activation: Any = None, use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        if isinstance(filters, float) and filters.is_integer():
            filters = int(filters)
        if not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.strides = _tuple(strides, n, "strides")
        self.dilation_rate = _tuple(dilation_rate, n, "dilation_rate")
        padding = str(padding).lower()
        allowed = ("valid", "same", "causal") if n == 1 else ("valid", "same")
        if padding not in allowed:
            raise ValueError(f"The `padding` argument must be one of {allowed}. Received: padding={padding!r}")
        self.padding = padding
        self.data_format = _data_format(data_format)
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(f"The `groups` argument must be a positive integer. Received: groups={groups!r}")
        self.groups = int(groups)
        if self.filters % self.groups:
            raise ValueError("The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        _set_weight_options(self, kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                            bias=(bias_initializer, bias_regularizer, bias_constraint))
        self._min_ndim = n + 2

    def _channel_axis(self) -> int:
        return 1 if self.data_format == "channels_first" else -1

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        channels = shape[self._channel_axis()]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. The input_shape "
                             f"received is {shape}, where axis {self._channel_axis()} (0-based) is the "
                             "channel dimension, which found to be `None`.")
        channels = int(channels)
        if channels % self.groups:
            raise ValueError("The number of input channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, but the input has {channels} channels (full input "
                             f"shape is {shape}).")
        self.kernel = _add_weight_with_options(self, "kernel", self._kernel_shape(channels))
        self.bias = _add_weight_with_options(self, "bias", (self.filters,)) if self.use_bias else None
        self._axes = {self._channel_axis(): channels}
        self.built = True

    def _kernel_shape(self, channels: int) -> tuple:
        # a grouped convolution's kernel sees channels // groups inputs (TF infers the groups from it)
        return self.kernel_size + (channels // self.groups, self.filters)

    def _padding_arg(self) -> Any:
        return padding_arg(self)

    def call(self, inputs: Any) -> Tensor:
        n = self.rank
        x = inputs
        first = self.data_format == "channels_first"
        if first:
            x = _conv._to_last(x, n)
        y = self._convolve(x)
        if self.use_bias:
            y = _m.add(y, self.bias)
        if first:
            y = _conv._to_first(y, n)
        return self.activation(y) if self.activation is not activations.linear else y

    def _convolve(self, x: Tensor) -> Tensor:
        """The convolution of channels-last ``x`` with the kernel (no bias, no activation)."""
        return _conv._conv_nd(self.rank, f"{type(self).__name__}", x, self.kernel, self.strides,
                              self._padding_arg(), None, self.dilation_rate)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias, **_weight_options_config(self, "kernel", "bias", activity=True)})
        return config


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)`` (``tf.keras.layers.Conv1D``); kernel ``(k, in, filters)``.

    ``padding='causal'`` pads only on the left, so output ``t`` sees inputs ``<= t``.
    """

    rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = 1, **kwargs: Any):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over ``(batch, h, w, channels)`` (``tf.keras.layers.Conv2D``); kernel ``(kh, kw, in, filters)``."""

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = (1, 1), **kwargs: Any):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over ``(batch, d, h, w, channels)`` (``tf.keras.layers.Conv3D``); kernel ``(kd, kh, kw, in, filters)``."""

    rank = 3

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1, 1), padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = (1, 1, 1), **kwargs: Any):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


def deconv_output_length(length: int, kernel: int, padding: str, output_padding: Optional[int], stride: int,
                         dilation: int = 1) -> int:
    """Keras's output length of a transposed convolution (``conv_utils.deconv_output_length``)."""
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


class _ConvTranspose(_Conv):
    """Shared implementation of Conv1DTranspose/2D/3D (Keras's ``BaseConvTranspose``): the gradient of
    a convolution with respect to its input, with kernel ``(*kernel_size, filters, in_channels)``."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: Optional[str] = None, dilation_rate: Any = 1,
                 **kwargs: Any):
        if kwargs.get("groups", 1) != 1:
            raise NotImplementedError(f"{type(self).__name__}: groups={kwargs['groups']} is not supported "
                                      "(Keras's transposed convolutions have no groups either).")
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        if self.padding == "causal":
            raise ValueError("The `padding` argument of a transposed convolution must be 'valid' or 'same'.")
        self.output_padding = None if output_padding is None else _tuple_nonneg(output_padding, self.rank)
        if self.output_padding is not None:
            for op_, s in zip(self.output_padding, self.strides):
                if op_ >= s:
                    raise ValueError(f"Strides {self.strides} must be greater than output padding "
                                     f"{self.output_padding}. Received output_padding={output_padding}.")

    def _kernel_shape(self, channels: int) -> tuple:
        return self.kernel_size + (self.filters, channels)

    def _convolve(self, x: Tensor) -> Tensor:
        n = self.rank
        shape = tuple(x.shape)
        ops = self.output_padding or (None,) * n
        out = tuple(deconv_output_length(shape[i + 1], self.kernel_size[i], self.padding, ops[i], self.strides[i],
                                         self.dilation_rate[i]) for i in range(n))
        return _conv._conv_transpose_nd(n, type(self).__name__, x, self.kernel, (shape[0],) + out + (self.filters,),
                                        self.strides, self.padding.upper(), None, self.dilation_rate)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


def _tuple_nonneg(value: Any, n: int) -> tuple:
    out = (int(value),) * n if isinstance(value, (int, np.integer)) else tuple(int(v) for v in value)
    if len(out) != n or any(v < 0 for v in out):
        raise ValueError(f"The `output_padding` argument must be a tuple of {n} non-negative integers. "
                         f"Received: {value!r}")
    return out


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution (``tf.keras.layers.Conv1DTranspose``); kernel ``(k, filters, in)``."""

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution (``tf.keras.layers.Conv2DTranspose``); kernel ``(kh, kw, filters, in)``.

    Output size: ``in * stride`` for 'same', ``in * stride + max(k - stride, 0)`` for 'valid' (Keras).
    """

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution (``tf.keras.layers.Conv3DTranspose``); kernel ``(kd, kh, kw, filters, in)``."""

    rank = 3


# Keras's aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D", "Conv1DTranspose",
           "Conv2DTranspose", "Conv3DTranspose", "Convolution2DTranspose", "Convolution3DTranspose"]
