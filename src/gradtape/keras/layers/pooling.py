"""Pooling layers (``tf.keras.layers``): MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global
poolings, with Keras's aliases (``MaxPool2D``, ``AvgPool2D``, ``GlobalAvgPool2D``, ...).

``strides`` defaults to ``pool_size``; ``padding`` is ``'valid'`` or ``'same'`` (TF's SAME: the
extra padding at the end; average pooling divides by the number of real entries). Max pooling's
gradient goes to the first maximum of each window, as TF. Built on ``gradtape.nn.max_pool`` /
``avg_pool`` (vectorised NumPy).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from ...ops import conv as _conv
from ...ops import reduction as _r
from ...tensor import Tensor
from .base import Layer
from .convolutional import _data_format, _tuple


class _Pooling(Layer):
    rank = 2
    kind = "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        n = self.rank
        self.pool_size = _tuple(pool_size, n, "pool_size")
        self.strides = self.pool_size if strides is None else _tuple(strides, n, "strides")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding!r}")
        self.padding = padding
        self.data_format = _data_format(data_format)
        self._ndim = n + 2

    def call(self, inputs: Any) -> Tensor:
        fmt = _conv._FMT[self.rank][1 if self.data_format == "channels_first" else 0]
        return _conv._pool_nd(self.rank, self.kind, type(self).__name__, inputs, self.pool_size, self.strides,
                              self.padding.upper(), fmt)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                       "data_format": self.data_format})
        return config


class MaxPooling1D(_Pooling):
    """Max over windows of ``pool_size`` steps (``tf.keras.layers.MaxPooling1D``)."""

    rank, kind = 1, "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str = "channels_last", **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max over ``pool_size`` windows (``tf.keras.layers.MaxPooling2D``); ties: the first maximum gets the gradient."""

    rank, kind = 2, "max"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max over ``pool_size`` volumes (``tf.keras.layers.MaxPooling3D``)."""

    rank, kind = 3, "max"

    def __init__(self, pool_size: Any = (2, 2, 2), strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Mean over windows of ``pool_size`` steps (``tf.keras.layers.AveragePooling1D``)."""

    rank, kind = 1, "avg"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str = "channels_last", **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """Mean over ``pool_size`` windows (``tf.keras.layers.AveragePooling2D``); SAME counts real entries only."""

    rank, kind = 2, "avg"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """Mean over ``pool_size`` volumes (``tf.keras.layers.AveragePooling3D``)."""

    rank, kind = 3, "avg"

    def __init__(self, pool_size: Any = (2, 2, 2), strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    rank = 2
    kind = "avg"

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.keepdims = bool(keepdims)
        self._ndim = self.rank + 2

    def call(self, inputs: Any) -> Tensor:
        n = self.rank
        axes = list(range(2, n + 2)) if self.data_format == "channels_first" else list(range(1, n + 1))
        reduce = _r.reduce_mean if self.kind == "avg" else _r.reduce_max
        return reduce(inputs, axis=axes, keepdims=self.keepdims)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis (``tf.keras.layers.GlobalAveragePooling1D``)."""

    rank, kind = 1, "avg"

    def __init__(self, data_format: str = "channels_last", keepdims: bool = False, **kwargs: Any):
        super().__init__(data_format, keepdims, **kwargs)

    def call(self, inputs: Any, mask: Any = None) -> Tensor:
        if mask is None:
            return super().call(inputs)
        # Keras: the mean over the unmasked steps only.
        from ...ops import math as _m
        from ...ops.shape import expand_dims
        axis = 2 if self.data_format == "channels_first" else 1
        m = expand_dims(_m.cast(mask, inputs.dtype), 1 if axis == 2 else 2)
        total = _r.reduce_sum(_m.multiply(inputs, m), axis=axis, keepdims=self.keepdims)
        return _m.divide(total, _r.reduce_sum(m, axis=axis, keepdims=self.keepdims))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over the spatial axes (``tf.keras.layers.GlobalAveragePooling2D``)."""

    rank, kind = 2, "avg"


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial axes (``tf.keras.layers.GlobalAveragePooling3D``)."""

    rank, kind = 3, "avg"


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis (``tf.keras.layers.GlobalMaxPooling1D``)."""

    rank, kind = 1, "max"

    def __init__(self, data_format: str = "channels_last", keepdims: bool = False, **kwargs: Any):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over the spatial axes (``tf.keras.layers.GlobalMaxPooling2D``)."""

    rank, kind = 2, "max"


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over the three spatial axes (``tf.keras.layers.GlobalMaxPooling3D``)."""

    rank, kind = 3, "max"


# Keras's aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D",
           "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
           "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D"]
