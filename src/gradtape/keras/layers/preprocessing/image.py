"""Keras 3 image preprocessing layers: Resizing, CenterCrop and the random augmentations.

Behaviour follows Keras 3 (``keras/src/layers/preprocessing/image_preprocessing``):

* ``call(inputs, training=True)``: the random layers augment when called directly or inside a
  model called directly, and are the identity under ``predict``/``evaluate`` and
  ``training=False`` (Keras resolves an unspecified ``training`` to the signature default, True).
* Inputs are a 3-D image or a 4-D batch; outputs are cast to the layer's compute dtype (float32),
  except where Keras keeps the input (``RandomCrop``/``RandomContrast`` at inference).
* Random draws: one per image (flip, rotation angle, zoom, translation, contrast, brightness),
  one per batch for ``RandomCrop``'s offset. Each layer owns a generator seeded with ``seed``
  (or, without one, drawn from gradtape's global generator, so ``tf.random.set_seed`` /
  ``keras.utils.set_random_seed`` make runs reproducible). The random numbers are not Keras's.
* Geometric layers use TF's ImageProjectiveTransformV3 semantics (``fill_mode`` reflect, wrap,
  constant, nearest; ``interpolation`` bilinear or nearest) with Keras's transform matrices.
* ``RandomContrast(f)`` draws its factor from ``[1 - lower, 1 + upper]`` with Keras 3's factor
  handling: a single number ``f`` gives ``[1, 1 + f]`` (Keras 3.x behaviour).
* ``data_format="channels_first"`` is supported by transposing around the channels-last code.
* Integer inputs to ``RandomBrightness`` are computed in float32 and cast back with saturation
  (Keras adds a delta cast to the integer type, which wraps).
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Sequence

import numpy as np

from ....dispatch import convert_to_tensor
from ....image import _core as _img
from ....image._transform import FILL_MODES, INTERPOLATIONS, projective_transform
from ....ops import math as _m
from ....ops import reduction as _r
from ....ops import shape as _s
from ....ops.constructors import _wrap
from ....tensor import Tensor
from ..base import Layer

_RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _seed_rng(seed: Optional[int]) -> np.random.Generator:
    if seed is None:
        from ....ops.random import _generator
        seed = int(_generator(None).integers(0, 2 ** 31 - 1))
    return np.random.default_rng(int(seed))


class _ImageLayer(Layer):
    """Shared plumbing: rank checks, channels_first handling, casting, the per-layer generator."""

    def __init__(self, seed: Optional[int] = None, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        fmt = data_format or "channels_last"
        if fmt not in ("channels_last", "channels_first"):
            raise ValueError(f"The `data_format` argument must be one of 'channels_first', 'channels_last'. "
                             f"Received: data_format={data_format}")
        self.data_format = fmt
        self.seed = seed
        self._rng = _seed_rng(seed)

    def _to_last(self, x: Tensor) -> tuple:
        x = x if type(x) is Tensor else convert_to_tensor(x)
        nd = len(np.shape(x._value))
        if nd not in (3, 4):
            raise ValueError(f"{type(self).__name__}: expected rank 3 (single image) or rank 4 (batch of images) "
                             f"input. Received input with shape: {list(np.shape(x._value))}")
        if self.data_format == "channels_first":
            x = _s.transpose(x, [1, 2, 0] if nd == 3 else [0, 2, 3, 1])
        return x, nd

    def _from_last(self, x: Tensor, nd: int) -> Tensor:
        if self.data_format == "channels_first":
            x = _s.transpose(x, [2, 0, 1] if nd == 3 else [0, 3, 1, 2])
        return x

    def _cast(self, x: Tensor) -> Tensor:
        dt = self.compute_dtype
        return x if x.dtype.name == dt else _m.cast(x, dt)

    def _batch_size(self, x: Tensor, nd: int) -> int:
        return int(np.shape(x._value)[0]) if nd == 4 else 1

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"seed": self.seed, "data_format": self.data_format})
        return config


def _factor_pair(factor: Any, bounds: tuple, what: str = "factor") -> tuple:
    """Keras 3's BaseImagePreprocessingLayer._set_factor."""
    msg = (f"The `{what}` argument should be a number (or a list of two numbers) in the range "
           f"[{bounds[0]}, {bounds[1]}]. Received: {what}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(msg)
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float, np.integer, np.floating)):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        f = abs(float(factor))
        lower, upper = max(-f, bounds[0]), f
    else:
        raise ValueError(msg)
    return lower, upper


def _signed_pair(factor: Any, what: str, open_low: bool = True) -> tuple:
    """Keras 3's RandomZoom/RandomTranslation factor handling (values in (-1, 1] / [-1, 1])."""
    msg = (f"The `{what}` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. "
           f"Received: {what}={factor}")

    def check(v: float) -> None:
        if v > 1.0 or (v <= -1.0 if open_low else v < -1.0):
            raise ValueError(msg)
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(msg)
        check(float(factor[0]))
        check(float(factor[1]))
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float, np.integer, np.floating)):
        check(float(factor))
        f = abs(float(factor))
        lower, upper = -f, f
    else:
        raise ValueError(msg)
    return lower, upper


def _check_fill(fill_mode: str, interpolation: str) -> None:
    if fill_mode not in FILL_MODES:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one {FILL_MODES}.")
    if interpolation not in INTERPOLATIONS:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one {INTERPOLATIONS}.")


def _random(rng: np.random.Generator, shape: Any) -> np.ndarray:
    """``rng.random(shape)`` through gradtape's random-op entry point: a traced ``tf.function`` sees
    the draw (and the value leaving into NumPy) and runs eagerly instead of replaying stale numbers."""
    from ....ops.random import _draw
    return np.asarray(_draw(lambda g: np.asarray(rng.random(shape)), None))


def _uniform(rng: np.random.Generator, lo: float, hi: float, shape: Any) -> np.ndarray:
    return (lo + (hi - lo) * _random(rng, shape)).astype(np.float32)


class _AffineLayer(_ImageLayer):
    def __init__(self, fill_mode: str = "reflect", interpolation: str = "bilinear", seed: Optional[int] = None,
                 fill_value: float = 0.0, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        _check_fill(fill_mode, interpolation)
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        raise NotImplementedError

    def call(self, inputs: Any, training: bool = True) -> Tensor:
        x, nd = self._to_last(inputs)
        x = self._cast(x)
        if training:
            x4 = x if nd == 4 else _s.expand_dims(x, 0)
            n, h, w = (int(d) for d in np.shape(x4._value)[:3])
            x4 = projective_transform(x4, self._matrices(n, h, w), self.interpolation, self.fill_mode,
                                      self.fill_value)
            x = x4 if nd == 4 else _s.squeeze(x4, [0])
        return self._from_last(x, nd)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config


def _affine_matrix(angle_deg: np.ndarray, h: int, w: int) -> np.ndarray:
    """Keras 3's _compute_affine_matrix for a rotation about the image centre (no shear/scale)."""
    a = angle_deg.astype(np.float32) * np.float32(math.pi / 180.0)
    cx, cy = np.float32(0.5) * np.float32(w - 1), np.float32(0.5) * np.float32(h - 1)
    cos, sin = np.cos(a), np.sin(a)
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = cx - cx * a0 - cy * a1
    b2 = cy - cx * b0 - cy * b1
    z = np.zeros_like(a)
    return np.stack([a0, a1, a2, b0, b1, b2, z, z], axis=1).astype(np.float32)


class RandomRotation(_AffineLayer):
    """Rotate each image by a random angle in ``factor * 2pi`` about its centre, during training
    (``tf.keras.layers.RandomRotation``)."""

    def __init__(self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: Optional[int] = None, fill_value: float = 0.0, data_format: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor_pair(factor, (-1, 1))
        self._factor_arg = factor

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        angle = _uniform(self._rng, self.factor[0] * 360.0, self.factor[1] * 360.0, (n,))
        return _affine_matrix(angle, h, w)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["factor"] = self._factor_arg
        return config


class RandomZoom(_AffineLayer):
    """Zoom each image by random factors (``1 + height_factor``, positive = zoom out) about its
    centre, during training (``tf.keras.layers.RandomZoom``); ``width_factor=None`` keeps the aspect."""

    def __init__(self, height_factor: Any, width_factor: Any = None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: Optional[int] = None, fill_value: float = 0.0,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _signed_pair(height_factor, "height_factor")
        if width_factor is not None:
            self.width_lower, self.width_upper = _signed_pair(width_factor, "width_factor")

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        zy = _uniform(self._rng, 1.0 + self.height_lower, 1.0 + self.height_upper, (n,))
        zx = zy if self.width_factor is None else _uniform(self._rng, 1.0 + self.width_lower,
                                                           1.0 + self.width_upper, (n,))
        x_off = (np.float32(w) - np.float32(1)) / np.float32(2) * (np.float32(1) - zx)
        y_off = (np.float32(h) - np.float32(1)) / np.float32(2) * (np.float32(1) - zy)
        z = np.zeros_like(zx)
        return np.stack([zx, z, x_off, z, zy, y_off, z, z], axis=1).astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomTranslation(_AffineLayer):
    """Shift each image by random fractions of its height and width, during training
    (``tf.keras.layers.RandomTranslation``)."""

    def __init__(self, height_factor: Any, width_factor: Any, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: Optional[int] = None, fill_value: float = 0.0,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _signed_pair(height_factor, "height_factor", open_low=False)
        self.width_lower, self.width_upper = _signed_pair(width_factor, "width_factor", open_low=False)

    def _matrices(self, n: int, h: int, w: int) -> np.ndarray:
        dy = _uniform(self._rng, self.height_lower, self.height_upper, (n,)) * np.float32(h)
        dx = _uniform(self._rng, self.width_lower, self.width_upper, (n,)) * np.float32(w)
        one, z = np.ones_like(dx), np.zeros_like(dx)
        return np.stack([one, z, -dx, z, one, -dy, z, z], axis=1).astype(np.float32)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomFlip(_ImageLayer):
    """Flip each image horizontally and/or vertically with probability 1/2, during training
    (``tf.keras.layers.RandomFlip``); with ``horizontal_and_vertical`` one draw decides both."""

    def __init__(self, mode: str = "horizontal_and_vertical", seed: Optional[int] = None,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument {mode}")
        self.mode = mode

    def call(self, inputs: Any, training: bool = True) -> Tensor:
        x, nd = self._to_last(inputs)
        x = self._cast(x)
        if training:
            n = self._batch_size(x, nd)
            flips = _random(self._rng, n) <= 0.5
            shape = (n, 1, 1, 1) if nd == 4 else (1, 1, 1)
            cond = _wrap(np.broadcast_to(flips.reshape(shape), np.shape(x._value)).copy())
            o = nd - 3
            if self.mode in ("horizontal", "horizontal_and_vertical"):
                x = _m.where(cond, _s.reverse(x, [o + 1]), x)
            if self.mode in ("vertical", "horizontal_and_vertical"):
                x = _m.where(cond, _s.reverse(x, [o]), x)
        return self._from_last(x, nd)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["mode"] = self.mode
        return config


def _crop_box(h: int, w: int, th: int, tw: int) -> tuple:
    """Keras's largest centred window of the target aspect ratio (smart_resize / crop_to_aspect_ratio)."""
    ch = max(min(h, int(float(w * th) / tw)), 1)
    cw = max(min(w, int(float(h * tw) / th)), 1)
    return int(float(h - ch) / 2), int(float(w - cw) / 2), ch, cw


def _smart_resize(x: Tensor, th: int, tw: int, interpolation: str = "bilinear") -> Tensor:
    sh = np.shape(x._value)
    h, w = sh[-3], sh[-2]
    h0, w0, ch, cw = _crop_box(h, w, th, tw)
    x = x[h0:h0 + ch, w0:w0 + cw, :] if len(sh) == 3 else x[:, h0:h0 + ch, w0:w0 + cw, :]
    return _img.resize(x, (th, tw), method=interpolation)


class Resizing(_ImageLayer):
    """Resize images to ``(height, width)`` with ``tf.image.resize`` (``tf.keras.layers.Resizing``).

    ``crop_to_aspect_ratio`` first takes the largest centred window of the target aspect ratio;
    ``pad_to_aspect_ratio`` pads both sides with ``fill_value`` instead. Integer inputs come back
    rounded and saturated to their dtype, as Keras.
    """

    def __init__(self, height: int, width: int, interpolation: str = "bilinear", crop_to_aspect_ratio: bool = False,
                 pad_to_aspect_ratio: bool = False, fill_mode: str = "constant", fill_value: float = 0.0,
                 antialias: bool = False, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        if interpolation not in _RESIZE_INTERPOLATIONS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {_RESIZE_INTERPOLATIONS}. "
                             f"Received: interpolation={interpolation}")
        if fill_mode != "constant":
            raise ValueError(f"Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                             f"Received: fill_mode={fill_mode}")
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.")
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = bool(crop_to_aspect_ratio), bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value, self.antialias = fill_mode, float(fill_value), bool(antialias)

    def call(self, inputs: Any) -> Tensor:
        x, nd = self._to_last(inputs)
        in_dtype = x.dtype
        th, tw = self.height, self.width
        sh = np.shape(x._value)
        h, w = sh[-3], sh[-2]
        if self.crop_to_aspect_ratio:
            h0, w0, ch, cw = _crop_box(h, w, th, tw)
            x = x[h0:h0 + ch, w0:w0 + cw, :] if nd == 3 else x[:, h0:h0 + ch, w0:w0 + cw, :]
        elif self.pad_to_aspect_ratio:
            ph = max(h, int(np.float32(w * th) / np.float32(tw)))
            pw = max(w, int(np.float32(h * tw) / np.float32(th)))
            hs, ws = int(np.float32(ph - h) / 2), int(np.float32(pw - w) / 2)
            pads = [[hs, hs], [ws, ws], [0, 0]]
            if nd == 4:
                pads = [[0, 0]] + pads
            if hs > 0 or ws > 0:
                x = _s.pad(x, pads, constant_values=self.fill_value)
        out = _img.resize(x, (th, tw), method=self.interpolation, antialias=self.antialias)
        if out.dtype != in_dtype:
            if in_dtype.is_integer:
                out = _m.saturate_cast(_m.round(out), in_dtype)
            else:
                out = _m.cast(out, in_dtype)
        return self._from_last(out, nd)

    def compute_output_shape(self, input_shape: Any) -> Any:
        s = list(input_shape)
        if self.data_format == "channels_first":
            s[-2], s[-1] = self.height, self.width
        else:
            s[-3], s[-2] = self.height, self.width
        return tuple(s)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.pop("seed", None)
        config.update({"height": self.height, "width": self.width, "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "antialias": self.antialias})
        return config


class CenterCrop(_ImageLayer):
    """Crop the centre ``(height, width)`` window (``tf.keras.layers.CenterCrop``); an image smaller
    than the target is cropped to the target aspect ratio and resized (Keras's smart_resize)."""

    def __init__(self, height: int, width: int, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs: Any) -> Tensor:
        x, nd = self._to_last(inputs)
        x = self._cast(x)
        sh = np.shape(x._value)
        hd, wd = sh[-3] - self.height, sh[-2] - self.width
        if hd >= 0 and wd >= 0:
            h0, w0 = hd // 2, wd // 2
            out = (x[h0:h0 + self.height, w0:w0 + self.width, :] if nd == 3
                   else x[:, h0:h0 + self.height, w0:w0 + self.width, :])
        else:
            out = self._cast(_smart_resize(x, self.height, self.width))
        return self._from_last(out, nd)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return Resizing.compute_output_shape(self, input_shape)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.pop("seed", None)
        config.update({"height": self.height, "width": self.width})
        return config


class RandomCrop(_ImageLayer):
    """During training, crop a random ``(height, width)`` window (one offset per batch); inputs not
    larger than the target are centre-cropped to its aspect ratio and resized. At inference the
    input is returned unchanged, as Keras 3 does (``tf.keras.layers.RandomCrop``)."""

    def __init__(self, height: int, width: int, seed: Optional[int] = None, data_format: Optional[str] = None,
                 name: Optional[str] = None, **kwargs: Any):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs: Any, training: bool = True) -> Tensor:
        if not training:
            return inputs if type(inputs) is Tensor else convert_to_tensor(inputs)
        x, nd = self._to_last(inputs)
        x = self._cast(x)
        sh = np.shape(x._value)
        h, w = sh[-3], sh[-2]
        if h > self.height and w > self.width:
            h0 = int(_uniform(self._rng, 0.0, float(h - self.height + 1), ()))
            w0 = int(_uniform(self._rng, 0.0, float(w - self.width + 1), ()))
        else:
            h0, w0, _, _ = _crop_box(h, w, self.height, self.width)
        out = (x[h0:h0 + self.height, w0:w0 + self.width, :] if nd == 3
               else x[:, h0:h0 + self.height, w0:w0 + self.width, :])
        osh = np.shape(out._value)
        if osh[-3] != self.height or osh[-2] != self.width:
            out = self._cast(_img.resize(out, (self.height, self.width)))
        return self._from_last(out, nd)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return Resizing.compute_output_shape(self, input_shape)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


def _value_range(value_range: Any) -> list:
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"The `value_range` argument should be a list of two numbers. Received: "
                         f"value_range={value_range}")
    return sorted(float(v) for v in value_range)


class RandomContrast(_ImageLayer):
    """During training, scale each image's deviation from its per-channel mean by a random factor
    in ``[1 - lower, 1 + upper]`` and clip to ``value_range`` (``tf.keras.layers.RandomContrast``)."""

    def __init__(self, factor: Any, value_range: Sequence[float] = (0, 255), seed: Optional[int] = None,
                 **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, (0, 1))
        self._factor_arg = factor
        self.value_range = _value_range(value_range)

    def call(self, inputs: Any, training: bool = True) -> Tensor:
        if not training:
            return inputs if type(inputs) is Tensor else convert_to_tensor(inputs)
        x, nd = self._to_last(inputs)
        x = self._cast(x)
        n = self._batch_size(x, nd)
        f = _uniform(self._rng, 1.0 - self.factor[0], 1.0 + self.factor[1], (n, 1, 1, 1) if nd == 4 else (1, 1, 1))
        mean = _r.reduce_mean(_r.reduce_mean(x, axis=-3, keepdims=True), axis=-2, keepdims=True)
        out = _m.add(_m.multiply(_m.subtract(x, mean), _wrap(f.astype(x._value.dtype))), mean)
        out = _m.clip_by_value(out, self.value_range[0], self.value_range[1])
        return self._from_last(out, nd)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"factor": self._factor_arg, "value_range": list(self.value_range)})
        return config


class RandomBrightness(_ImageLayer):
    """During training, add ``uniform(lower, upper) * (max - min)`` of ``value_range`` to each image
    and clip to ``value_range`` (``tf.keras.layers.RandomBrightness``)."""

    def __init__(self, factor: Any, value_range: Sequence[float] = (0, 255), seed: Optional[int] = None,
                 **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, (-1, 1))
        self._factor_arg = factor
        self.value_range = _value_range(value_range)

    def call(self, inputs: Any, training: bool = True) -> Tensor:
        x, nd = self._to_last(inputs)
        if not training:
            return self._from_last(x, nd)
        in_dtype = x.dtype
        xf = x if in_dtype.is_floating else _m.cast(x, "float32")
        n = self._batch_size(x, nd)
        delta = _uniform(self._rng, self.factor[0], self.factor[1], (n, 1, 1, 1) if nd == 4 else (1, 1, 1))
        delta = delta * np.float32(self.value_range[1] - self.value_range[0])
        out = _m.clip_by_value(_m.add(xf, _wrap(delta.astype(xf._value.dtype))), self.value_range[0],
                               self.value_range[1])
        if not in_dtype.is_floating:
            out = _m.saturate_cast(_m.round(out), in_dtype)
        return self._from_last(out, nd)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"factor": self._factor_arg, "value_range": list(self.value_range)})
        return config


class _RandomResizeAxis(_ImageLayer):
    """Keras's (legacy, ``tf.keras.layers``) RandomHeight/RandomWidth: one factor per call drawn from
    ``[1 + lower, 1 + upper]``; the chosen axis becomes ``int(factor * size)`` by ``tf.image.resize``
    with ``interpolation``; the output is in the compute dtype. Identity with ``training=False``."""

    _axis = -3
    _what = "height"

    def __init__(self, factor: Any, interpolation: str = "bilinear", seed: Optional[int] = None,
                 **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(f"`factor` must be a number or a list of two numbers. Received: factor={factor}")
            lower, upper = float(factor[0]), float(factor[1])
        elif isinstance(factor, (int, float, np.integer, np.floating)):
            lower, upper = -float(factor), float(factor)
        else:
            raise ValueError(f"`factor` must be a number or a list of two numbers. Received: factor={factor}")
        if upper < lower:
            raise ValueError("`factor` argument cannot have an upper bound lesser than the "
                             f"lower bound. Received: factor={factor}")
        if lower < -1.0 or upper < -1.0:
            raise ValueError(f"`factor` argument must have values larger than -1. Received: factor={factor}")
        if interpolation not in _RESIZE_INTERPOLATIONS + ("gaussian", "mitchellcubic"):
            raise ValueError(f"{type(self).__name__}: unknown interpolation {interpolation!r}; expected one of "
                             f"{_RESIZE_INTERPOLATIONS + ('gaussian', 'mitchellcubic')}.")
        self.lower, self.upper = lower, upper
        self.interpolation = interpolation

    def call(self, inputs: Any, training: bool = True) -> Tensor:
        x, nd = self._to_last(inputs)
        if not training:
            return self._from_last(x, nd)
        sh = np.shape(x._value)
        f = float(_uniform(self._rng, 1.0 + self.lower, 1.0 + self.upper, ())[()])
        size = [int(sh[-3]), int(sh[-2])]
        i = 0 if self._axis == -3 else 1
        size[i] = int(np.float32(f) * np.float32(size[i]))
        if size[i] < 1:
            raise ValueError(f"{type(self).__name__}: the random factor {f:.4f} gives an empty image "
                             f"({self._what} {size[i]}); raise the factor's lower bound.")
        out = self._cast(_img.resize(x, size, method=self.interpolation))
        return self._from_last(out, nd)

    def compute_output_shape(self, input_shape: Any) -> Any:
        s = list(input_shape)
        s[self._axis if self.data_format == "channels_last" else self._axis + 1] = None
        return tuple(s)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.pop("data_format", None)
        config.update({"factor": self.factor, "interpolation": self.interpolation})
        return config


class RandomHeight(_RandomResizeAxis):
    """Resize the height of each batch by a random factor in ``[1 + lower, 1 + upper]`` during training
    (``tf.keras.layers.RandomHeight``; one draw per call, width kept)."""

    _axis = -3
    _what = "height"


class RandomWidth(_RandomResizeAxis):
    """Resize the width of each batch by a random factor in ``[1 + lower, 1 + upper]`` during training
    (``tf.keras.layers.RandomWidth``; one draw per call, height kept)."""

    _axis = -2
    _what = "width"
