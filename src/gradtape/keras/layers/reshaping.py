"""Reshaping layers (``tf.keras.layers``, Keras 3): ``UpSampling1D/2D/3D``, ``ZeroPadding1D/2D/3D`` and
``Cropping1D/2D/3D``, channels-last by default (``data_format='channels_first'`` for 2-D and 3-D).

``UpSampling2D(interpolation='bilinear')`` is ``tf.image.resize`` to ``(H * sh, W * sw)`` (half-pixel
centres), as Keras 3; ``'nearest'`` repeats rows and columns.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from ...ops import shape as _s
from ...ops.array import repeat
from ...tensor import Tensor
from .base import Layer
from .convolutional import _data_format


def _int_tuple(value: Any, n: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    out = tuple(int(v) for v in value)
    if len(out) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value}")
    return out


def _pairs(value: Any, n: int, name: str) -> tuple:
    """Keras's padding/cropping argument: an int, ``n`` ints (symmetric) or ``n`` pairs."""
    if isinstance(value, int):
        return ((value, value),) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"`{name}` should have {n} elements. Received: {name}={value}.")
    out = []
    for v in value:
        if isinstance(v, int):
            out.append((v, v))
        else:
            v = tuple(int(a) for a in v)
            if len(v) != 2:
                raise ValueError(f"`{name}` should be a tuple of {n} tuples of 2 integers. Received: {name}={value}")
            out.append(v)
    if any(a < 0 for p in out for a in p):
        raise ValueError(f"The `{name}` argument must contain only non-negative integers. Received: {name}={value}")
    return tuple(out)


def _spatial_axes(rank: int, data_format: str) -> list:
    return list(range(2, 2 + rank)) if data_format == "channels_first" else list(range(1, 1 + rank))


class _UpSampling(Layer):
    rank = 2

    def __init__(self, size: Any = 2, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.size = _int_tuple(size, self.rank, "size")
        self.data_format = _data_format(data_format)
        self._ndim = self.rank + 2

    def call(self, inputs: Any) -> Tensor:
        x = inputs
        for axis, n in zip(_spatial_axes(self.rank, self.data_format), self.size):
            if n != 1:
                x = repeat(x, n, axis=axis)
        return x

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


class UpSampling1D(_UpSampling):
    """Repeat each time step ``size`` times: ``(batch, steps, features)`` -> ``(batch, steps * size, features)``."""

    rank = 1

    def __init__(self, size: int = 2, **kwargs: Any):
        super().__init__(size=size, data_format="channels_last", **kwargs)
        self.size = int(self.size[0])

    def call(self, inputs: Any) -> Tensor:
        return repeat(inputs, self.size, axis=1)

    def get_config(self) -> Dict[str, Any]:
        config = Layer.get_config(self)
        config["size"] = self.size
        return config


class UpSampling2D(_UpSampling):
    """Upsample rows and columns by ``size`` (``interpolation='nearest'`` or ``'bilinear'``, plus the other
    ``tf.image.resize`` methods) (``tf.keras.layers.UpSampling2D``)."""

    rank = 2

    def __init__(self, size: Any = (2, 2), data_format: Optional[str] = None, interpolation: str = "nearest",
                 **kwargs: Any):
        super().__init__(size=size, data_format=data_format, **kwargs)
        methods = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area", "gaussian", "mitchellcubic")
        if interpolation not in methods:
            raise ValueError(f"`interpolation` argument should be one of: {methods}. Received: "
                             f"interpolation={interpolation!r}.")
        self.interpolation = interpolation

    def call(self, inputs: Any) -> Tensor:
        if self.interpolation == "nearest":
            return super().call(inputs)
        from ...image import resize
        x = inputs
        if self.data_format == "channels_first":
            x = _s.transpose(x, [0, 2, 3, 1])
        h, w = int(x.shape[1]), int(x.shape[2])
        y = resize(x, (h * self.size[0], w * self.size[1]), method=self.interpolation)
        if y.dtype != x.dtype:
            from ...ops.math import cast
            y = cast(y, x.dtype)
        if self.data_format == "channels_first":
            y = _s.transpose(y, [0, 3, 1, 2])
        return y

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_UpSampling):
    """Repeat the three spatial axes by ``size`` (``tf.keras.layers.UpSampling3D``)."""

    rank = 3

    def __init__(self, size: Any = (2, 2, 2), data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(size=size, data_format=data_format, **kwargs)


class _ZeroPadding(Layer):
    rank = 2

    def __init__(self, padding: Any = 1, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self.rank, "padding")
        self.data_format = _data_format(data_format)
        self._ndim = self.rank + 2

    def call(self, inputs: Any) -> Tensor:
        pads = [[0, 0]] * (self.rank + 2)
        pads = [list(p) for p in pads]
        for axis, p in zip(_spatial_axes(self.rank, self.data_format), self.padding):
            pads[axis] = list(p)
        return _s.pad(inputs, pads)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    """Zeros before and after the time axis: ``padding`` an int or ``(left, right)``."""

    rank = 1

    def __init__(self, padding: Any = 1, data_format: Optional[str] = None, **kwargs: Any):
        pad = (padding, padding) if isinstance(padding, int) else tuple(padding)
        super().__init__(padding=(pad,), data_format=data_format, **kwargs)
        self.padding = self.padding[0]

    def call(self, inputs: Any) -> Tensor:
        pads = [[0, 0], list(self.padding), [0, 0]]
        if self.data_format == "channels_first":
            pads = [[0, 0], [0, 0], list(self.padding)]
        return _s.pad(inputs, pads)


class ZeroPadding2D(_ZeroPadding):
    """Rows and columns of zeros around images: ``padding`` an int, ``(sym_h, sym_w)`` or
    ``((top, bottom), (left, right))`` (``tf.keras.layers.ZeroPadding2D``)."""

    rank = 2


class ZeroPadding3D(_ZeroPadding):
    """Zeros around the three spatial axes (``tf.keras.layers.ZeroPadding3D``)."""

    rank = 3


class _Cropping(Layer):
    rank = 2

    def __init__(self, cropping: Any = 0, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping")
        self.data_format = _data_format(data_format)
        self._ndim = self.rank + 2

    def _crops(self) -> tuple:
        return self.cropping

    def call(self, inputs: Any) -> Tensor:
        shape = tuple(inputs.shape)
        index = [slice(None)] * len(shape)
        for axis, (a, b) in zip(_spatial_axes(self.rank, self.data_format), self._crops()):
            if a + b >= shape[axis]:
                raise ValueError(f"Values in `cropping` argument should be smaller than the corresponding spatial "
                                 f"dimension of the input. Received: input_shape={shape}, cropping={self.cropping}")
            index[axis] = slice(a, shape[axis] - b)
        return inputs[tuple(index)]

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping1D(_Cropping):
    """Drop ``cropping = (start, end)`` steps of the time axis (``tf.keras.layers.Cropping1D``)."""

    rank = 1

    def __init__(self, cropping: Any = (1, 1), **kwargs: Any):
        crop = (cropping, cropping) if isinstance(cropping, int) else tuple(cropping)
        super().__init__(cropping=(crop,), data_format="channels_last", **kwargs)
        self.cropping = self.cropping[0]

    def _crops(self) -> tuple:
        return (self.cropping,)

    def get_config(self) -> Dict[str, Any]:
        config = Layer.get_config(self)
        config["cropping"] = self.cropping
        return config


class Cropping2D(_Cropping):
    """Crop rows and columns: ``((top, bottom), (left, right))`` (``tf.keras.layers.Cropping2D``)."""

    rank = 2

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crop the three spatial axes (``tf.keras.layers.Cropping3D``)."""

    rank = 3

    def __init__(self, cropping: Any = ((1, 1), (1, 1), (1, 1)), data_format: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)


__all__ = ["Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]
