"""``tf.image``: resizing, flips, crops and pads, dtype conversion, colour spaces, adjustments,
random augmentations, image metrics, patches and non-max suppression.

Each function follows TF2's ``tensorflow/python/ops/image_ops_impl.py``: the same dtype rules
(integer images are converted with :func:`convert_image_dtype` and converted back, saturating
where TF saturates), the same shapes (a 3-D image or a 4-D batch) and the same errors. Functions
built from differentiable gradtape ops are differentiable; resizing goes through the registered
``image_resample`` op (see ``_resize.py``).

Random functions draw from gradtape's generator (``tf.random.set_seed`` and op seeds make them
reproducible); their random numbers are not TF's bit stream. ``stateless_random_*`` functions are
deterministic functions of their ``seed`` pair, again with gradtape's own stream.
"""
from __future__ import annotations

import math as _pymath
from typing import Any, Optional, Sequence

import numpy as np

from .. import dtypes as _dtypes
from ..dispatch import convert_to_tensor
from ..errors import InvalidArgumentError
from ..tensor import Tensor
from ..ops import math as _m
from ..ops import reduction as _r
from ..ops import shape as _s
from ..ops import indexing as _i
from ..ops.constructors import _wrap, zeros_like
from . import _resize


def _t(x: Any, name: str = "image") -> Tensor:
    return x if type(x) is Tensor else convert_to_tensor(x)


def _shape(x: Tensor) -> tuple:
    return tuple(np.shape(x._value))


def _rank_3_or_4(x: Tensor, op: str, what: str = "image") -> int:
    nd = len(_shape(x))
    if nd not in (3, 4):
        raise ValueError(f"{op}: '{what}' (shape {list(_shape(x))}) must have either 3 or 4 dimensions.")
    return nd


def _at_least_3d(x: Tensor, op: str, what: str = "image") -> int:
    nd = len(_shape(x))
    if nd < 3:
        raise ValueError(f"{op}: '{what}' (shape {list(_shape(x))}) must be at least three-dimensional.")
    return nd


def _as_batch(x: Tensor, op: str, what: str = "images") -> tuple:
    """(4-D tensor, was_batched) for a 3-D image or 4-D batch."""
    nd = _rank_3_or_4(x, op, what)
    if nd == 3:
        return _s.expand_dims(x, 0), False
    return x, True


def _unbatch(x: Tensor, batched: bool) -> Tensor:
    return x if batched else _s.squeeze(x, [0])


def _int(v: Any) -> int:
    return int(np.asarray(v))


def _float(v: Any) -> float:
    return float(np.asarray(v))


# == resizing =======================================================================================

class ResizeMethod:
    """Resize methods for :func:`resize` (``tf.image.ResizeMethod``)."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _size_arg(size: Any, op: str) -> tuple:
    v = np.asarray(size)
    if v.dtype.kind == "f":
        raise TypeError(f"{op}: 'size' must be integers (new_height, new_width), got {v.tolist()}.")
    if v.shape != (2,):
        raise ValueError(f"{op}: 'size' must be a 1-D Tensor of 2 elements: new_height, new_width; "
                         f"got {v.tolist()}.")
    h, w = int(v[0]), int(v[1])
    if h <= 0 or w <= 0:
        raise ValueError(f"{op}: 'size' must be positive, got [{h}, {w}].")
    return h, w


def _resize_4d(x: Tensor, h: int, w: int, method: str, antialias: bool) -> Tensor:
    in_h, in_w = _shape(x)[1:3]
    if method == "nearest":
        return _i.gather(_i.gather(x, _resize.nearest_indices(in_h, h), axis=1),
                         _resize.nearest_indices(in_w, w), axis=2)
    if x._value.dtype != np.float32:
        x = _m.cast(x, _dtypes.float32)
    if method == "bilinear":
        kind = "triangle" if antialias else "bilinear"
    elif method == "bicubic":
        kind = "keyscubic" if antialias else "bicubic"
    else:
        kind = method
    return _resize.resample(x, (kind, in_h, h, bool(antialias)), (kind, in_w, w, bool(antialias)))


def resize(images: Any, size: Any, method: str = ResizeMethod.BILINEAR, preserve_aspect_ratio: bool = False,
           antialias: bool = False, name: Optional[str] = None) -> Tensor:
    """Resize images to ``size = (height, width)`` (``tf.image.resize``, TF2).

    Values match TF's kernels (half-pixel centres). The result is float32 except for ``nearest``,
    which keeps the input dtype. ``antialias`` widens the filter when downsampling (bilinear,
    bicubic and the scale-and-translate kernels; TF ignores it for ``nearest`` and ``area``).
    ``preserve_aspect_ratio`` scales both sides by the smaller factor (rounded half to even).
    Differentiable for every method (``nearest`` routes the gradient to the sampled pixels).
    """
    x = _t(images)
    x4, batched = _as_batch(x, "resize", "images")
    method = getattr(method, "value", method)
    if method not in _METHODS:
        raise ValueError(f"Resize method is not implemented: {method}")
    h, w = _size_arg(size, "resize")
    if preserve_aspect_ratio:
        in_h, in_w = _shape(x4)[1:3]
        f = min(np.float32(h) / np.float32(in_h), np.float32(w) / np.float32(in_w))
        h = int(np.round(np.float32(f) * np.float32(in_h)))
        w = int(np.round(np.float32(f) * np.float32(in_w)))
    return _unbatch(_resize_4d(x4, h, w, method, antialias), batched)


def resize_with_pad(image: Any, target_height: int, target_width: int, method: str = ResizeMethod.BILINEAR,
                    antialias: bool = False) -> Tensor:
    """Resize keeping the aspect ratio, then zero-pad to the target size (``tf.image.resize_with_pad``)."""
    x = _t(image)
    x4, batched = _as_batch(x, "resize_with_pad", "image")
    target_height, target_width = _int(target_height), _int(target_width)
    if target_height <= 0:
        raise ValueError("resize_with_pad: target_height must be > 0.")
    if target_width <= 0:
        raise ValueError("resize_with_pad: target_width must be > 0.")
    height, width = _shape(x4)[1:3]
    f32 = np.float32
    ratio = max(f32(width) / f32(target_width), f32(height) / f32(target_height))
    rh, rw = f32(height) / f32(ratio), f32(width) / f32(ratio)
    resized_h, resized_w = int(np.floor(rh)), int(np.floor(rw))
    p_h = max(0, int(np.floor((f32(target_height) - rh) / f32(2))))
    p_w = max(0, int(np.floor((f32(target_width) - rw) / f32(2))))
    resized = resize(x4, (resized_h, resized_w), method=method, antialias=antialias)
    return _unbatch(pad_to_bounding_box(resized, p_h, p_w, target_height, target_width), batched)


# == flips, rotations, crops and pads ================================================================

def _flip(image: Any, axis: int, op: str) -> Tensor:
    x = _t(image)
    nd = _at_least_3d(x, op)
    if nd not in (3, 4):
        raise ValueError(f"{op}: 'image' (shape {list(_shape(x))}) must have either 3 or 4 dimensions.")
    return _s.reverse(x, [axis + (nd - 3)])


def flip_left_right(image: Any) -> Tensor:
    """Mirror images horizontally (the width axis) (``tf.image.flip_left_right``)."""
    return _flip(image, 1, "flip_left_right")


def flip_up_down(image: Any) -> Tensor:
    """Mirror images vertically (the height axis) (``tf.image.flip_up_down``)."""
    return _flip(image, 0, "flip_up_down")


def rot90(image: Any, k: int = 1, name: Optional[str] = None) -> Tensor:
    """Rotate images ``k`` times by 90 degrees counter-clockwise (``tf.image.rot90``)."""
    x = _t(image)
    nd = _rank_3_or_4(x, "rot90")
    k = _int(k) % 4
    o = nd - 3
    perm = list(range(nd))
    perm[o], perm[o + 1] = perm[o + 1], perm[o]
    if k == 0:
        return x
    if k == 1:
        return _s.transpose(_s.reverse(x, [o + 1]), perm)
    if k == 2:
        return _s.reverse(x, [o, o + 1])
    return _s.reverse(_s.transpose(x, perm), [o + 1])


def transpose(image: Any, name: Optional[str] = None) -> Tensor:
    """Swap the height and width axes (``tf.image.transpose``)."""
    x = _t(image)
    nd = _rank_3_or_4(x, "transpose")
    o = nd - 3
    perm = list(range(nd))
    perm[o], perm[o + 1] = perm[o + 1], perm[o]
    return _s.transpose(x, perm)


def _hw(x: Tensor, op: str) -> tuple:
    nd = _rank_3_or_4(x, op)
    sh = _shape(x)
    return (sh[0], sh[1]) if nd == 3 else (sh[1], sh[2])


def _slice_hw(x: Tensor, h0: int, w0: int, h: int, w: int) -> Tensor:
    if len(_shape(x)) == 3:
        return x[h0:h0 + h, w0:w0 + w, :]
    return x[:, h0:h0 + h, w0:w0 + w, :]


def central_crop(image: Any, central_fraction: float) -> Tensor:
    """Crop the central ``central_fraction`` of each side (``tf.image.central_crop``)."""
    x = _t(image)
    fraction = _float(central_fraction)
    if fraction <= 0.0 or fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if fraction == 1.0:
        return x
    _at_least_3d(x, "central_crop")
    img_h, img_w = _hw(x, "central_crop")
    h0 = int((float(img_h) - float(img_h) * fraction) / 2)
    w0 = int((float(img_w) - float(img_w) * fraction) / 2)
    return _slice_hw(x, h0, w0, img_h - 2 * h0, img_w - 2 * w0)


def crop_to_bounding_box(image: Any, offset_height: int, offset_width: int, target_height: int,
                         target_width: int) -> Tensor:
    """Crop the box with top-left corner ``(offset_height, offset_width)`` (``tf.image.crop_to_bounding_box``)."""
    x = _t(image)
    height, width = _hw(x, "crop_to_bounding_box")
    oh, ow, th, tw = (_int(v) for v in (offset_height, offset_width, target_height, target_width))
    if ow < 0:
        raise ValueError("offset_width must be >= 0.")
    if oh < 0:
        raise ValueError("offset_height must be >= 0.")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    if width < tw + ow:
        raise ValueError(f"width must be >= target + offset (width {width}, target {tw}, offset {ow}).")
    if height < th + oh:
        raise ValueError(f"height must be >= target + offset (height {height}, target {th}, offset {oh}).")
    return _slice_hw(x, oh, ow, th, tw)


def pad_to_bounding_box(image: Any, offset_height: int, offset_width: int, target_height: int,
                        target_width: int) -> Tensor:
    """Zero-pad ``image`` to ``target_height x target_width``, placing it at the offsets
    (``tf.image.pad_to_bounding_box``)."""
    x = _t(image)
    height, width = _hw(x, "pad_to_bounding_box")
    oh, ow, th, tw = (_int(v) for v in (offset_height, offset_width, target_height, target_width))
    after_w = tw - ow - width
    after_h = th - oh - height
    if oh < 0:
        raise ValueError("offset_height must be >= 0")
    if ow < 0:
        raise ValueError("offset_width must be >= 0")
    if after_w < 0:
        raise ValueError(f"width must be <= target - offset (width {width}, target {tw}, offset {ow}).")
    if after_h < 0:
        raise ValueError(f"height must be <= target - offset (height {height}, target {th}, offset {oh}).")
    pads = [[oh, after_h], [ow, after_w], [0, 0]]
    if len(_shape(x)) == 4:
        pads = [[0, 0]] + pads
    return _s.pad(x, pads)


def resize_with_crop_or_pad(image: Any, target_height: int, target_width: int) -> Tensor:
    """Centre-crop and/or zero-pad to the target size (``tf.image.resize_with_crop_or_pad``)."""
    x = _t(image)
    height, width = _hw(x, "resize_with_crop_or_pad")
    th, tw = _int(target_height), _int(target_width)
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    wd, hd = tw - width, th - height
    cropped = crop_to_bounding_box(x, max(-hd // 2, 0), max(-wd // 2, 0), min(th, height), min(tw, width))
    return pad_to_bounding_box(cropped, max(hd // 2, 0), max(wd // 2, 0), th, tw)


# == dtype conversion =================================================================================

def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: Optional[str] = None) -> Tensor:
    """Convert between image dtypes, rescaling values (``tf.image.convert_image_dtype``).

    Floats hold values in [0, 1], integers in [0, MAX]. Integer -> float multiplies by 1/MAX;
    float -> integer multiplies by MAX + 0.5 and truncates (``saturate`` clips first); integer ->
    integer shifts by the ratio of the ranges; float -> float is a cast.
    """
    x = _t(image)
    d = _dtypes.as_dtype(dtype)
    if not d.is_floating and not d.is_integer:
        raise AttributeError("dtype must be either floating point or integer")
    src = _dtypes.from_numpy(x._value.dtype)
    if not src.is_floating and not src.is_integer:
        raise AttributeError("image dtype must be either floating point or integer")
    if d == src:
        return _s.identity(x)
    if src.is_integer and d.is_integer:
        scale_in, scale_out = int(src.max), int(d.max)
        if scale_in > scale_out:
            scaled = _m.floordiv(x, _wrap(np.asarray((scale_in + 1) // (scale_out + 1), x._value.dtype)))
            return _m.saturate_cast(scaled, d) if saturate else _m.cast(scaled, d)
        c = _m.saturate_cast(x, d) if saturate else _m.cast(x, d)
        return _m.multiply(c, _wrap(np.asarray((scale_out + 1) // (scale_in + 1), d.as_numpy_dtype)))
    if src.is_floating and d.is_floating:
        return _m.cast(x, d)
    if src.is_integer:
        c = _m.cast(x, d)
        return _m.multiply(c, _wrap(np.asarray(1.0 / float(src.max), d.as_numpy_dtype)))
    scaled = _m.multiply(x, _wrap(np.asarray(float(d.max) + 0.5, x._value.dtype)))
    return _m.saturate_cast(scaled, d) if saturate else _m.cast(scaled, d)


def _to_float(x: Tensor) -> Tensor:
    """TF's ``flt_image``: float16/float32 unchanged, anything else converted to float32."""
    if x._value.dtype in (np.float16, np.float32):
        return x
    return convert_image_dtype(x, _dtypes.float32)


# == colour spaces ====================================================================================

def _check_channels(x: Tensor, n: int, op: str) -> None:
    sh = _shape(x)
    if not sh or sh[-1] != n:
        raise InvalidArgumentError(f"{op}: the last dimension must be of size {n}, got shape {list(sh)}.")


def _float_only(x: Tensor, op: str) -> None:
    if x._value.dtype.kind != "f":
        raise InvalidArgumentError(f"{op}: images must be a floating type (float16/32/64), got "
                                   f"{_dtypes.from_numpy(x._value.dtype).name}; convert with "
                                   "tf.image.convert_image_dtype first.")


def rgb_to_grayscale(images: Any, name: Optional[str] = None) -> Tensor:
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` with a trailing channel of 1 (``tf.image.rgb_to_grayscale``)."""
    x = _t(images)
    _check_channels(x, 3, "rgb_to_grayscale")
    orig = x._value.dtype
    flt = convert_image_dtype(x, _dtypes.float32)
    wts = _wrap(np.array([0.2989, 0.5870, 0.1140], np.float32))
    gray = _s.expand_dims(_r.reduce_sum(_m.multiply(flt, wts), axis=-1), -1)
    return convert_image_dtype(gray, _dtypes.from_numpy(orig))


def grayscale_to_rgb(images: Any, name: Optional[str] = None) -> Tensor:
    """Repeat the single channel three times (``tf.image.grayscale_to_rgb``)."""
    x = _t(images)
    sh = _shape(x)
    if len(sh) < 2:
        raise ValueError(f"grayscale_to_rgb: images must be at least two-dimensional, got shape {list(sh)}.")
    _check_channels(x, 1, "grayscale_to_rgb")
    return _s.tile(x, [1] * (len(sh) - 1) + [3])


def _channels(x: Tensor) -> list:
    return _s.unstack(x, axis=-1)


def rgb_to_hsv(images: Any, name: Optional[str] = None) -> Tensor:
    """RGB in [0, 1] to HSV in [0, 1] (``tf.image.rgb_to_hsv``; TF's RGBToHSV formulas)."""
    x = _t(images)
    _float_only(x, "rgb_to_hsv")
    _check_channels(x, 3, "rgb_to_hsv")
    r, g, b = _channels(x)
    v = _m.maximum(_m.maximum(r, g), b)
    mn = _m.minimum(_m.minimum(r, g), b)
    rng = _m.subtract(v, mn)
    zero = zeros_like(v)
    one = _m.add(zero, 1)
    pos_v = _m.greater(v, 0)
    s = _m.where(pos_v, _m.divide(rng, _m.where(pos_v, v, one)), zero)
    pos_r = _m.greater(rng, 0)
    norm = _m.divide(_m.divide(one, _m.where(pos_r, rng, one)), 6)
    h = _m.where(_m.equal(r, v), _m.multiply(norm, _m.subtract(g, b)),
                 _m.where(_m.equal(g, v), _m.add(_m.multiply(norm, _m.subtract(b, r)), 2.0 / 6.0),
                          _m.add(_m.multiply(norm, _m.subtract(r, g)), 4.0 / 6.0)))
    h = _m.where(pos_r, h, zero)
    h = _m.where(_m.less(h, 0), _m.add(h, 1), h)
    return _s.stack([h, s, v], axis=-1)


def hsv_to_rgb(images: Any, name: Optional[str] = None) -> Tensor:
    """HSV in [0, 1] to RGB (``tf.image.hsv_to_rgb``; TF's HSVToRGB formulas)."""
    x = _t(images)
    _float_only(x, "hsv_to_rgb")
    _check_channels(x, 3, "hsv_to_rgb")
    h, s, v = _channels(x)
    dh = _m.multiply(h, 6)

    def clip01(t):
        return _m.minimum(_m.maximum(t, 0), 1)
    dr = clip01(_m.subtract(_m.abs(_m.subtract(dh, 3)), 1))
    dg = clip01(_m.add(_m.negative(_m.abs(_m.subtract(dh, 2))), 2))
    db = clip01(_m.add(_m.negative(_m.abs(_m.subtract(dh, 4))), 2))
    one_s = _m.add(_m.negative(s), 1)
    return _s.stack([_m.multiply(_m.add(one_s, _m.multiply(s, c)), v) for c in (dr, dg, db)], axis=-1)


_RGB_TO_YUV = np.array([[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
                        [0.114, 0.43601035, -0.10001026]])
_YUV_TO_RGB = np.array([[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]])
_RGB_TO_YIQ = np.array([[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
                        [0.114, -0.32134392, 0.31119955]])
_YIQ_TO_RGB = np.array([[1, 1, 1], [0.95598634, -0.27201283, -1.10674021],
                        [0.6208248, -0.64720424, 1.70423049]])


def _colour_matrix(images: Any, kernel: np.ndarray, op: str) -> Tensor:
    x = _t(images)
    _float_only(x, op)
    _check_channels(x, 3, op)
    k = _wrap(kernel.astype(x._value.dtype))
    sh = _shape(x)
    flat = _s.reshape(x, (-1, 3))
    from ..ops.linalg import matmul
    return _s.reshape(matmul(flat, k), sh)


def rgb_to_yuv(images: Any) -> Tensor:
    """RGB to YUV (``tf.image.rgb_to_yuv``; TF's conversion matrix)."""
    return _colour_matrix(images, _RGB_TO_YUV, "rgb_to_yuv")


def yuv_to_rgb(images: Any) -> Tensor:
    """YUV to RGB (``tf.image.yuv_to_rgb``)."""
    return _colour_matrix(images, _YUV_TO_RGB, "yuv_to_rgb")


def rgb_to_yiq(images: Any) -> Tensor:
    """RGB to YIQ (``tf.image.rgb_to_yiq``)."""
    return _colour_matrix(images, _RGB_TO_YIQ, "rgb_to_yiq")


def yiq_to_rgb(images: Any) -> Tensor:
    """YIQ to RGB (``tf.image.yiq_to_rgb``)."""
    return _colour_matrix(images, _YIQ_TO_RGB, "yiq_to_rgb")


# == adjustments ======================================================================================

def adjust_brightness(image: Any, delta: Any) -> Tensor:
    """Add ``delta`` to every value (in the [0, 1] float domain; integer images are converted and
    converted back with saturation) (``tf.image.adjust_brightness``)."""
    x = _t(image)
    orig = _dtypes.from_numpy(x._value.dtype)
    flt = _to_float(x)
    adjusted = _m.add(flt, _m.cast(delta, flt.dtype))
    return convert_image_dtype(adjusted, orig, saturate=True)


def adjust_contrast(images: Any, contrast_factor: Any) -> Tensor:
    """``(x - mean) * contrast_factor + mean`` with the mean per image and channel over height and
    width (``tf.image.adjust_contrast``)."""
    x = _t(images)
    _at_least_3d(x, "adjust_contrast", "images")
    orig = _dtypes.from_numpy(x._value.dtype)
    flt = _to_float(x)
    mean = _r.reduce_mean(flt, axis=[-3, -2], keepdims=True)
    f = _m.cast(contrast_factor, flt.dtype)
    adjusted = _m.add(_m.multiply(_m.subtract(flt, mean), f), mean)
    return convert_image_dtype(adjusted, orig, saturate=True)


def adjust_gamma(image: Any, gamma: Any = 1, gain: Any = 1) -> Tensor:
    """``gain * image ** gamma`` in the float domain (``tf.image.adjust_gamma``)."""
    x = _t(image)
    orig = _dtypes.from_numpy(x._value.dtype)
    flt = _to_float(x)
    if np.any(np.asarray(gamma) < 0):
        raise ValueError("Gamma should be a non-negative real number.")
    g = gamma if isinstance(gamma, Tensor) else _m.cast(gamma, flt.dtype)
    adjusted = _m.multiply(_m.cast(gain, flt.dtype), _m.pow(flt, _m.cast(g, flt.dtype)))
    return convert_image_dtype(adjusted, orig, saturate=True)


def adjust_hue(image: Any, delta: Any, name: Optional[str] = None) -> Tensor:
    """Rotate the hue by ``delta`` (a fraction of the colour wheel, in [-1, 1]) (``tf.image.adjust_hue``)."""
    d = _float(delta)
    if d < -1 or d > 1:
        raise ValueError("delta must be in the interval [-1, 1]")
    return _adjust_hue(image, delta)


def _adjust_hue(image: Any, delta: Any) -> Tensor:
    x = _t(image)
    _check_channels(x, 3, "adjust_hue")
    orig = _dtypes.from_numpy(x._value.dtype)
    flt = _to_float(x)
    h, s, v = _channels(rgb_to_hsv(flt))
    h = _m.add(h, _m.cast(delta, flt.dtype))
    h = _m.subtract(h, _m.floor(h))
    return convert_image_dtype(hsv_to_rgb(_s.stack([h, s, v], axis=-1)), orig)


def adjust_saturation(image: Any, saturation_factor: Any, name: Optional[str] = None) -> Tensor:
    """Scale the HSV saturation by ``saturation_factor``, clipped to [0, 1] (``tf.image.adjust_saturation``)."""
    x = _t(image)
    _check_channels(x, 3, "adjust_saturation")
    orig = _dtypes.from_numpy(x._value.dtype)
    flt = _to_float(x)
    h, s, v = _channels(rgb_to_hsv(flt))
    s = _m.minimum(_m.maximum(_m.multiply(s, _m.cast(saturation_factor, flt.dtype)), 0), 1)
    return convert_image_dtype(hsv_to_rgb(_s.stack([h, s, v], axis=-1)), orig)


def per_image_standardization(image: Any) -> Tensor:
    """``(x - mean) / max(stddev, 1/sqrt(N))`` per image, in float32 (``tf.image.per_image_standardization``)."""
    x = _t(image)
    _at_least_3d(x, "per_image_standardization")
    x = _m.cast(x, _dtypes.float32)
    n = int(np.prod(_shape(x)[-3:]))
    mean = _r.reduce_mean(x, axis=[-1, -2, -3], keepdims=True)
    std = _r.reduce_std(x, axis=[-1, -2, -3], keepdims=True)
    adjusted = _m.maximum(std, _wrap(np.float32(1.0 / np.sqrt(np.float32(n)))))
    return _m.divide(_m.subtract(x, mean), adjusted)


# == random augmentations =============================================================================

def _draw(fn: Any, seed: Optional[int] = None) -> Tensor:
    """A random draw ``fn(generator)`` through gradtape's random-op entry point, so a traced
    ``tf.function`` draws again on every call (a value taken out with ``np.asarray`` makes it run
    eagerly instead; either way no stale random number is replayed)."""
    from ..ops.random import _draw as draw
    return draw(lambda g: np.asarray(fn(g)), seed)


def _draw_np(fn: Any, seed: Optional[int] = None) -> np.ndarray:
    return np.asarray(_draw(fn, seed))


def _stateless_rng(seed: Any, op: str) -> np.random.Generator:
    s = np.asarray(seed)
    if s.shape != (2,) or s.dtype.kind not in "iu":
        raise ValueError(f"{op}: seed must be a shape [2] integer Tensor, got {s.tolist()!r}.")
    return np.random.Generator(np.random.Philox(key=[int(s[0]) & (2 ** 64 - 1), int(s[1]) & (2 ** 64 - 1)]))


def _random_flip(image: Any, axis: int, u: np.ndarray, op: str) -> Tensor:
    x = _t(image)
    nd = _at_least_3d(x, op)
    if nd == 3:
        return _s.reverse(x, [axis]) if u[0] < 0.5 else x
    if nd != 4:
        raise ValueError(f"{op}: 'image' (shape {list(_shape(x))}) must have either 3 or 4 dimensions.")
    flips = np.round(u.astype(np.float32)).reshape(-1, 1, 1, 1).astype(x._value.dtype)
    f = _wrap(flips)
    return _m.add(_m.multiply(f, _s.reverse(x, [axis + 1])), _m.multiply(_m.subtract(1, f), x))


def _flip_draws(image: Any, rng: np.random.Generator) -> np.ndarray:
    sh = np.shape(getattr(image, "_value", image))
    return rng.random(sh[0] if len(sh) == 4 else 1)


def random_flip_left_right(image: Any, seed: Optional[int] = None) -> Tensor:
    """Flip each image horizontally with probability 1/2 (``tf.image.random_flip_left_right``)."""
    return _random_flip(image, 1, _draw_np(lambda g: _flip_draws(image, g), seed), "random_flip_left_right")


def random_flip_up_down(image: Any, seed: Optional[int] = None) -> Tensor:
    """Flip each image vertically with probability 1/2 (``tf.image.random_flip_up_down``)."""
    return _random_flip(image, 0, _draw_np(lambda g: _flip_draws(image, g), seed), "random_flip_up_down")


def stateless_random_flip_left_right(image: Any, seed: Any) -> Tensor:
    """Deterministic (given ``seed``) horizontal flip with probability 1/2."""
    return _random_flip(image, 1, _flip_draws(image, _stateless_rng(seed, "stateless_random_flip_left_right")),
                        "stateless_random_flip_left_right")


def stateless_random_flip_up_down(image: Any, seed: Any) -> Tensor:
    """Deterministic (given ``seed``) vertical flip with probability 1/2."""
    return _random_flip(image, 0, _flip_draws(image, _stateless_rng(seed, "stateless_random_flip_up_down")),
                        "stateless_random_flip_up_down")


def _uniform(rng: np.random.Generator, lo: float, hi: float) -> np.float32:
    return np.float32(lo + rng.random() * (hi - lo))


def _random_uniform(seed: Optional[int], lo: float, hi: float) -> Tensor:
    return _draw(lambda g: _uniform(g, lo, hi), seed)


def _check_brightness(max_delta: float) -> None:
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")


def _check_range(lower: float, upper: float) -> None:
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


def _check_hue(max_delta: float) -> None:
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")


def random_brightness(image: Any, max_delta: float, seed: Optional[int] = None) -> Tensor:
    """:func:`adjust_brightness` by a delta uniform in ``[-max_delta, max_delta)`` (``tf.image.random_brightness``)."""
    max_delta = _float(max_delta)
    _check_brightness(max_delta)
    return adjust_brightness(image, _random_uniform(seed, -max_delta, max_delta))


def random_contrast(image: Any, lower: float, upper: float, seed: Optional[int] = None) -> Tensor:
    """:func:`adjust_contrast` by a factor uniform in ``[lower, upper)`` (``tf.image.random_contrast``)."""
    lower, upper = _float(lower), _float(upper)
    _check_range(lower, upper)
    return adjust_contrast(image, _random_uniform(seed, lower, upper))


def random_hue(image: Any, max_delta: float, seed: Optional[int] = None) -> Tensor:
    """:func:`adjust_hue` by a delta uniform in ``[-max_delta, max_delta)``, ``max_delta <= 0.5``
    (``tf.image.random_hue``)."""
    max_delta = _float(max_delta)
    _check_hue(max_delta)
    return _adjust_hue(image, _random_uniform(seed, -max_delta, max_delta))


def random_saturation(image: Any, lower: float, upper: float, seed: Optional[int] = None) -> Tensor:
    """:func:`adjust_saturation` by a factor uniform in ``[lower, upper)`` (``tf.image.random_saturation``)."""
    lower, upper = _float(lower), _float(upper)
    _check_range(lower, upper)
    return adjust_saturation(image, _random_uniform(seed, lower, upper))


def stateless_random_brightness(image: Any, max_delta: float, seed: Any) -> Tensor:
    """Deterministic (given ``seed``) :func:`random_brightness`."""
    max_delta = _float(max_delta)
    _check_brightness(max_delta)
    return adjust_brightness(image, _uniform(_stateless_rng(seed, "stateless_random_brightness"),
                                             -max_delta, max_delta))


def stateless_random_contrast(image: Any, lower: float, upper: float, seed: Any) -> Tensor:
    """Deterministic (given ``seed``) :func:`random_contrast`."""
    lower, upper = _float(lower), _float(upper)
    _check_range(lower, upper)
    return adjust_contrast(image, _uniform(_stateless_rng(seed, "stateless_random_contrast"), lower, upper))


def stateless_random_hue(image: Any, max_delta: float, seed: Any) -> Tensor:
    """Deterministic (given ``seed``) :func:`random_hue`."""
    max_delta = _float(max_delta)
    _check_hue(max_delta)
    return adjust_hue(image, _uniform(_stateless_rng(seed, "stateless_random_hue"), -max_delta, max_delta))


def stateless_random_saturation(image: Any, lower: float, upper: float, seed: Any) -> Tensor:
    """Deterministic (given ``seed``) :func:`random_saturation`."""
    lower, upper = _float(lower), _float(upper)
    _check_range(lower, upper)
    return adjust_saturation(image, _uniform(_stateless_rng(seed, "stateless_random_saturation"), lower, upper))


def _crop_at_random(value: Any, size: Any, rng: np.random.Generator, op: str) -> Tensor:
    x = _t(value)
    shape = np.asarray(_shape(x), np.int64)
    size = np.asarray(size).astype(np.int64).reshape(-1)
    if size.shape != shape.shape:
        raise ValueError(f"{op}: size must have one entry per dimension of value (rank {len(shape)}), "
                         f"got {size.tolist()}.")
    if np.any(shape < size):
        raise InvalidArgumentError(f"{op}: Need value.shape >= size, got {shape.tolist()} {size.tolist()}")
    offsets = [int(rng.integers(0, int(lim))) for lim in (shape - size + 1)]
    key = tuple(slice(o, o + int(n)) for o, n in zip(offsets, size))
    return x[key]


def random_crop(value: Any, size: Any, seed: Optional[int] = None, name: Optional[str] = None) -> Tensor:
    """Crop a random ``size`` window from ``value`` (any rank) (``tf.image.random_crop``)."""
    x = _t(value)
    shape = np.asarray(_shape(x), np.int64)
    sz = np.asarray(size).astype(np.int64).reshape(-1)
    if sz.shape != shape.shape:
        raise ValueError(f"random_crop: size must have one entry per dimension of value (rank {len(shape)}), "
                         f"got {sz.tolist()}.")
    if np.any(shape < sz):
        raise InvalidArgumentError(f"random_crop: Need value.shape >= size, got {shape.tolist()} {sz.tolist()}")
    offsets = _draw_np(lambda g: np.array([g.integers(0, int(lim)) for lim in (shape - sz + 1)], np.int64), seed)
    return x[tuple(slice(int(o), int(o) + int(n)) for o, n in zip(offsets, sz))]


def stateless_random_crop(value: Any, size: Any, seed: Any, name: Optional[str] = None) -> Tensor:
    """Deterministic (given ``seed``) :func:`random_crop`."""
    return _crop_at_random(value, size, _stateless_rng(seed, "stateless_random_crop"), "stateless_random_crop")


# == metrics and filters ==============================================================================

def _verify_compatible(a: Tensor, b: Tensor, op: str) -> None:
    sa, sb = _shape(a), _shape(b)
    if len(sa) < 3 or len(sb) < 3:
        raise ValueError(f"{op}: shapes must have at least rank 3, got {list(sa)} and {list(sb)}.")
    if sa[-3:] != sb[-3:]:
        raise ValueError(f"{op}: the last three dimensions must match, got {list(sa)} and {list(sb)}.")


def psnr(a: Any, b: Any, max_val: Any, name: Optional[str] = None) -> Tensor:
    """Peak signal-to-noise ratio per image: ``20 log10(max_val) - 10 log10(mse)`` (``tf.image.psnr``)."""
    a, b = _t(a), _t(b)
    _verify_compatible(a, b, "psnr")
    mv = convert_image_dtype(_m.cast(max_val, a.dtype), _dtypes.float32)
    a = convert_image_dtype(a, _dtypes.float32)
    b = convert_image_dtype(b, _dtypes.float32)
    mse = _r.reduce_mean(_m.squared_difference(a, b), axis=[-3, -2, -1])
    return _m.subtract(_m.divide(_m.multiply(20.0, _m.log(mv)), _m.log(_wrap(np.float32(10.0)))),
                       _m.multiply(_wrap(np.float32(10 / np.log(10))), _m.log(mse)))


def _gauss_kernel(size: int, sigma: float, dtype: np.dtype) -> np.ndarray:
    coords = np.arange(size, dtype=dtype) - dtype.type(size - 1) / dtype.type(2.0)
    g = np.square(coords) * dtype.type(-0.5 / (np.float64(dtype.type(sigma)) ** 2))
    g = (g.reshape(1, -1) + g.reshape(-1, 1)).reshape(-1)
    g = np.exp(g - g.max())
    return (g / g.sum()).astype(dtype).reshape(size, size)


def _depthwise_valid(x: Tensor, kernel: np.ndarray) -> Tensor:
    """Per-channel 2-D VALID correlation of ``(..., h, w, c)`` with one ``(kh, kw)`` kernel."""
    from ..ops.conv import conv2d
    sh = _shape(x)
    n = int(np.prod(sh[:-3])) if len(sh) > 3 else 1
    h, w, c = sh[-3:]
    y = _s.reshape(x, (n, h, w, c))
    y = _s.reshape(_s.transpose(y, [0, 3, 1, 2]), (n * c, h, w, 1))
    k = _wrap(kernel.astype(x._value.dtype).reshape(kernel.shape + (1, 1)))
    out = conv2d(y, k, strides=1, padding="VALID")
    oh, ow = _shape(out)[1:3]
    out = _s.transpose(_s.reshape(out, (n, c, oh, ow)), [0, 2, 3, 1])
    return _s.reshape(out, tuple(sh[:-3]) + (oh, ow, c))


def _ssim_per_channel(img1: Tensor, img2: Tensor, max_val: Tensor, filter_size: int, filter_sigma: float,
                      k1: float, k2: float, return_index_map: bool = False) -> tuple:
    sh = _shape(img1)
    if sh[-3] < filter_size or sh[-2] < filter_size or _shape(img2)[-3] < filter_size \
            or _shape(img2)[-2] < filter_size:
        raise InvalidArgumentError(f"ssim: image height and width ({sh[-3]}, {sh[-2]}) must be at least "
                                   f"filter_size={filter_size}.")
    kernel = _gauss_kernel(filter_size, filter_sigma, np.dtype(img1._value.dtype))

    def reducer(t):
        return _depthwise_valid(t, kernel)
    c1 = _m.square(_m.multiply(k1, max_val))
    c2 = _m.square(_m.multiply(k2, max_val))
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = _m.multiply(_m.multiply(mean0, mean1), 2.0)
    den0 = _m.add(_m.square(mean0), _m.square(mean1))
    luminance = _m.divide(_m.add(num0, c1), _m.add(den0, c1))
    num1 = _m.multiply(reducer(_m.multiply(img1, img2)), 2.0)
    den1 = reducer(_m.add(_m.square(img1), _m.square(img2)))
    cs = _m.divide(_m.add(_m.subtract(num1, num0), c2), _m.add(_m.subtract(den1, den0), c2))
    if return_index_map:
        return _m.multiply(luminance, cs), cs
    ssim_val = _r.reduce_mean(_m.multiply(luminance, cs), axis=[-3, -2])
    return ssim_val, _r.reduce_mean(cs, axis=[-3, -2])


def ssim(img1: Any, img2: Any, max_val: Any, filter_size: int = 11, filter_sigma: float = 1.5, k1: float = 0.01,
         k2: float = 0.03, return_index_map: bool = False) -> Tensor:
    """Structural similarity per image with an 11x11 Gaussian window, averaged over channels
    (``tf.image.ssim``; TF's formula with compensation 1, VALID filtering)."""
    a, b = _t(img1), _t(img2)
    _verify_compatible(a, b, "ssim")
    mv = convert_image_dtype(_m.cast(max_val, a.dtype), _dtypes.float32)
    a = convert_image_dtype(a, _dtypes.float32)
    b = convert_image_dtype(b, _dtypes.float32)
    val, _ = _ssim_per_channel(a, b, mv, int(filter_size), float(filter_sigma), k1, k2, return_index_map)
    return _r.reduce_mean(val, axis=[-1])


_MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_multiscale(img1: Any, img2: Any, max_val: Any, power_factors: Sequence[float] = _MSSSIM_WEIGHTS,
                    filter_size: int = 11, filter_sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03) -> Tensor:
    """Multi-scale SSIM (``tf.image.ssim_multiscale``): 2x2 average-pool downsampling between
    scales (symmetric padding to even sizes), contrast-structure terms of every scale but the last."""
    from ..ops.conv import avg_pool2d
    from ..ops.nn import relu
    a, b = _t(img1), _t(img2)
    _verify_compatible(a, b, "ssim_multiscale")
    mv = convert_image_dtype(_m.cast(max_val, a.dtype), _dtypes.float32)
    imgs = [convert_image_dtype(a, _dtypes.float32), convert_image_dtype(b, _dtypes.float32)]
    heads = [_shape(t)[:-3] for t in imgs]
    mcs = []
    val = None
    for k in range(len(power_factors)):
        if k > 0:
            new = []
            for t, head in zip(imgs, heads):
                tail = _shape(t)[-3:]
                flat = _s.reshape(t, (-1,) + tail)
                rem = [tail[0] % 2, tail[1] % 2]
                if any(rem):
                    flat = _s.pad(flat, [[0, 0], [0, rem[0]], [0, rem[1]], [0, 0]], mode="SYMMETRIC")
                down = avg_pool2d(flat, 2, 2, "VALID")
                new.append(_s.reshape(down, tuple(head) + _shape(down)[1:]))
            imgs = new
        val, cs = _ssim_per_channel(imgs[0], imgs[1], mv, int(filter_size), float(filter_sigma), k1, k2)
        mcs.append(relu(cs))
    mcs.pop()
    stacked = _s.stack(mcs + [relu(val)], axis=-1)
    pf = _wrap(np.asarray(power_factors, np.float32))
    return _r.reduce_mean(_r.reduce_prod(_m.pow(stacked, pf), axis=[-1]), axis=[-1])


def total_variation(images: Any, name: Optional[str] = None) -> Tensor:
    """Sum of absolute differences of neighbouring pixels, per image for a batch
    (``tf.image.total_variation``)."""
    x = _t(images)
    nd = len(_shape(x))
    if nd == 3:
        d1 = _m.subtract(x[1:, :, :], x[:-1, :, :])
        d2 = _m.subtract(x[:, 1:, :], x[:, :-1, :])
        axis = None
    elif nd == 4:
        d1 = _m.subtract(x[:, 1:, :, :], x[:, :-1, :, :])
        d2 = _m.subtract(x[:, :, 1:, :], x[:, :, :-1, :])
        axis = [1, 2, 3]
    else:
        raise ValueError("'images' must be either 3 or 4-dimensional.")
    return _m.add(_r.reduce_sum(_m.abs(d1), axis=axis), _r.reduce_sum(_m.abs(d2), axis=axis))


def image_gradients(image: Any) -> tuple:
    """Forward differences ``(dy, dx)`` of a 4-D batch, zero in the last row/column
    (``tf.image.image_gradients``)."""
    x = _t(image)
    if len(_shape(x)) != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not {list(_shape(x))}.")
    b, h, w, d = _shape(x)
    dy = _m.subtract(x[:, 1:, :, :], x[:, :-1, :, :])
    dx = _m.subtract(x[:, :, 1:, :], x[:, :, :-1, :])
    dy = _s.concat([dy, _wrap(np.zeros((b, 1, w, d), x._value.dtype))], 1)
    dx = _s.concat([dx, _wrap(np.zeros((b, h, 1, d), x._value.dtype))], 2)
    return dy, dx


def sobel_edges(image: Any) -> Tensor:
    """Sobel responses ``(..., 2)`` (vertical then horizontal kernel) with reflect padding
    (``tf.image.sobel_edges``)."""
    x = _t(image)
    if len(_shape(x)) != 4:
        raise ValueError(f"sobel_edges expects a 4D tensor [batch_size, h, w, d], not {list(_shape(x))}.")
    padded = _s.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)
    return _s.stack([_depthwise_valid(padded, ky), _depthwise_valid(padded, ky.T)], axis=-1)


def _four(v: Any, what: str) -> tuple:
    v = [int(e) for e in np.asarray(v).reshape(-1)]
    if len(v) != 4 or v[0] != 1 or v[3] != 1:
        raise ValueError(f"extract_patches: {what} must be [1, rows, cols, 1], got {v}.")
    return v[1], v[2]


def extract_patches(images: Any, sizes: Any, strides: Any, rates: Any, padding: str, name: Optional[str] = None) -> Tensor:
    """Patches of ``sizes`` every ``strides`` (dilated by ``rates``), flattened into the depth
    dimension in (row, col, channel) order (``tf.image.extract_patches``)."""
    x = _t(images)
    if len(_shape(x)) != 4:
        raise ValueError(f"extract_patches: images must be 4-D [batch, rows, cols, depth], got shape "
                         f"{list(_shape(x))}.")
    kh, kw = _four(sizes, "sizes")
    sh, sw = _four(strides, "strides")
    rh, rw = _four(rates, "rates")
    padding = str(padding).upper()
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"extract_patches: padding must be 'SAME' or 'VALID', got {padding!r}.")
    b, h, w, c = _shape(x)
    eh, ew = (kh - 1) * rh + 1, (kw - 1) * rw + 1
    if padding == "VALID":
        oh, ow = (h - eh) // sh + 1, (w - ew) // sw + 1
        pads = ((0, 0), (0, 0))
    else:
        oh, ow = -(-h // sh), -(-w // sw)
        th, tw = max((oh - 1) * sh + eh - h, 0), max((ow - 1) * sw + ew - w, 0)
        pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))
    if oh <= 0 or ow <= 0:
        return _wrap(np.zeros((b, max(oh, 0), max(ow, 0), kh * kw * c), x._value.dtype))
    if any(p for pair in pads for p in pair):
        x = _s.pad(x, [[0, 0], list(pads[0]), list(pads[1]), [0, 0]])
    parts = []
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * rh, j * rw
            parts.append(x[:, r0:r0 + (oh - 1) * sh + 1:sh, c0:c0 + (ow - 1) * sw + 1:sw, :])
    return _s.reshape(_s.stack(parts, axis=3), (b, oh, ow, kh * kw * c))


# == boxes ============================================================================================

def _nms(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: Any, score_threshold: Any,
         op: str) -> tuple:
    bx = np.asarray(boxes, np.float64)
    sc = np.asarray(scores, np.float64)
    if bx.ndim != 2 or bx.shape[1] != 4:
        raise InvalidArgumentError(f"{op}: boxes must be 2-D [num_boxes, 4], got shape {list(bx.shape)}.")
    if sc.ndim != 1:
        raise InvalidArgumentError(f"{op}: scores must be 1-D, got shape {list(sc.shape)}.")
    if sc.shape[0] != bx.shape[0]:
        raise InvalidArgumentError(f"{op}: scores has incompatible shape ({sc.shape[0]} scores for "
                                   f"{bx.shape[0]} boxes).")
    k = _int(max_output_size)
    thr = np.float32(_float(iou_threshold))
    if not 0 <= thr <= 1:
        raise InvalidArgumentError(f"{op}: iou_threshold must be in [0, 1], got {float(thr)}.")
    sthr = np.float32(_float(score_threshold))
    bx = bx.astype(np.float32)
    ymin, xmin = np.minimum(bx[:, 0], bx[:, 2]), np.minimum(bx[:, 1], bx[:, 3])
    ymax, xmax = np.maximum(bx[:, 0], bx[:, 2]), np.maximum(bx[:, 1], bx[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    cand = [i for i in np.argsort(-sc.astype(np.float32), kind="stable") if np.float32(sc[i]) > sthr]
    selected: list = []
    for i in cand:
        if len(selected) >= k:
            break
        ok = True
        for j in reversed(selected):
            if area[i] <= 0 or area[j] <= 0:
                continue
            ih = max(min(ymax[i], ymax[j]) - max(ymin[i], ymin[j]), 0)
            iw = max(min(xmax[i], xmax[j]) - max(xmin[i], xmin[j]), 0)
            inter = np.float32(ih * iw)
            iou = inter / np.float32(area[i] + area[j] - inter)
            if iou > thr:
                ok = False
                break
        if ok:
            selected.append(int(i))
    return np.asarray(selected, np.int32), sc[selected]


def non_max_suppression(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: float = 0.5,
                        score_threshold: float = float("-inf"), name: Optional[str] = None) -> Tensor:
    """Greedy non-max suppression (``tf.image.non_max_suppression``): indices (int32) of boxes in
    decreasing score order, dropping any box whose IoU with a kept box exceeds ``iou_threshold``."""
    idx, _ = _nms(boxes, scores, max_output_size, iou_threshold, score_threshold, "non_max_suppression")
    return _wrap(idx)


def non_max_suppression_with_scores(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: float = 0.5,
                                    score_threshold: float = float("-inf"), soft_nms_sigma: float = 0.0,
                                    name: Optional[str] = None) -> tuple:
    """:func:`non_max_suppression` also returning the kept scores
    (``tf.image.non_max_suppression_with_scores``); Soft-NMS (``soft_nms_sigma > 0``) is not supported."""
    if _float(soft_nms_sigma) != 0.0:
        raise NotImplementedError("non_max_suppression_with_scores: Soft-NMS (soft_nms_sigma > 0) is not "
                                  "supported by gradtape; use soft_nms_sigma=0.0 (hard NMS).")
    idx, sc = _nms(boxes, scores, max_output_size, iou_threshold, score_threshold,
                   "non_max_suppression_with_scores")
    dt = np.asarray(scores).dtype
    dt = dt if dt.kind == "f" else np.dtype(np.float32)
    return _wrap(idx), _wrap(sc.astype(dt))


def draw_bounding_boxes(images: Any, boxes: Any, colors: Any, name: Optional[str] = None) -> Tensor:
    """Draw 1-pixel box outlines on a batch of images (``tf.image.draw_bounding_boxes``).

    ``boxes`` is ``[batch, num_boxes, 4]`` of relative ``[y_min, x_min, y_max, x_max]``; box ``k``
    uses ``colors[k % len(colors)]`` (RGBA; as many leading channels as the image has are used).
    """
    x = _t(images)
    img = np.array(x)
    if img.ndim != 4 or img.shape[-1] not in (1, 3, 4):
        raise InvalidArgumentError(f"draw_bounding_boxes: images must be 4-D with 1, 3 or 4 channels, got "
                                   f"shape {list(img.shape)}.")
    bx = np.asarray(boxes, np.float32)
    if bx.ndim != 3 or bx.shape[-1] != 4 or bx.shape[0] != img.shape[0]:
        raise InvalidArgumentError(f"draw_bounding_boxes: boxes must be [batch, num_boxes, 4], got shape "
                                   f"{list(bx.shape)}.")
    col = None if colors is None else np.asarray(colors, np.float32)
    if col is None or col.size == 0:
        col = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
                        [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]], np.float32)
    _, h, w, c = img.shape
    for bi in range(img.shape[0]):
        for k in range(bx.shape[1]):
            color = col[k % len(col)][:c].astype(img.dtype)
            y0 = int(np.float32(bx[bi, k, 0]) * np.float32(h - 1))
            x0 = int(np.float32(bx[bi, k, 1]) * np.float32(w - 1))
            y1 = int(np.float32(bx[bi, k, 2]) * np.float32(h - 1))
            x1 = int(np.float32(bx[bi, k, 3]) * np.float32(w - 1))
            if y0 > y1 or x0 > x1 or y0 >= h or x0 >= w or y1 < 0 or x1 < 0:
                continue
            ya, yb = max(y0, 0), min(y1, h - 1)
            xa, xb = max(x0, 0), min(x1, w - 1)
            if 0 <= y0 < h:
                img[bi, y0, xa:xb + 1] = color
            if 0 <= y1 < h:
                img[bi, y1, xa:xb + 1] = color
            if 0 <= x0 < w:
                img[bi, ya:yb + 1, x0] = color
            if 0 <= x1 < w:
                img[bi, ya:yb + 1, x1] = color
    return _wrap(img)


def crop_and_resize(image: Any, boxes: Any, box_indices: Any, crop_size: Any, method: str = "bilinear",
                    extrapolation_value: float = 0.0, name: Optional[str] = None) -> Tensor:
    """Crop boxes out of a batch of images and resize each to ``crop_size`` (``tf.image.crop_and_resize``).

    ``boxes`` are ``[num_boxes, 4]`` normalised ``[y1, x1, y2, x2]`` (corner-aligned: 0 and 1 are the
    centres of the first and last pixels; ``y1 > y2`` flips); ``box_indices`` pick the image of each
    box. Samples outside the image read ``extrapolation_value``. Returns float32
    ``[num_boxes, crop_height, crop_width, depth]``. Differentiable in the image and in the boxes; with
    ``nearest`` the box gradient is the bilinear one, as TF approximates it.
    """
    from ..ops.constructors import constant
    img = _t(image)
    sh = _shape(img)
    if len(sh) != 4:
        raise InvalidArgumentError(f"crop_and_resize: input image must be 4-D, got shape {list(sh)}.")
    b, h, w, c = sh
    bx = _t(boxes)
    if bx._value.dtype.kind != "f":
        bx = _m.cast(bx, _dtypes.float32)
    elif bx._value.dtype != np.float32:
        bx = _m.cast(bx, _dtypes.float32)
    if _shape(bx)[-1:] != (4,) or len(_shape(bx)) != 2:
        raise InvalidArgumentError(f"crop_and_resize: boxes must be 2-D [num_boxes, 4], got shape {list(_shape(bx))}.")
    n = _shape(bx)[0]
    ind = np.asarray(box_indices).astype(np.int64).reshape(-1)
    if ind.shape != (n,):
        raise InvalidArgumentError(f"crop_and_resize: box_indices must be 1-D with {n} entries, got shape "
                                   f"{list(np.shape(getattr(box_indices, '_value', box_indices)))}.")
    if n and (ind.min() < 0 or ind.max() >= b):
        raise InvalidArgumentError(f"crop_and_resize: box_index has values outside [0, batch_size={b}).")
    cs = np.asarray(crop_size).reshape(-1)
    if cs.shape != (2,) or np.any(cs <= 0):
        raise InvalidArgumentError(f"crop_and_resize: crop_size must be two positive integers, got {cs.tolist()}.")
    ch, cw = int(cs[0]), int(cs[1])
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"crop_and_resize: method must be 'bilinear' or 'nearest', got {method!r}.")
    if img._value.dtype != np.float32:
        img = _m.cast(img, _dtypes.float32)
    y1, x1, y2, x2 = _s.unstack(bx, axis=1)

    def coords(lo: Tensor, hi: Tensor, size: int, count: int) -> Tensor:
        f = np.float32(size - 1)
        if count > 1:
            steps = constant(np.arange(count, dtype=np.float32) / np.float32(count - 1))
            start = _m.multiply(_s.expand_dims(lo, 1), f)
            span = _m.multiply(_s.expand_dims(_m.subtract(hi, lo), 1), f)
            return _m.add(start, _m.multiply(steps, span))
        return _s.expand_dims(_m.multiply(_m.multiply(_m.add(lo, hi), np.float32(0.5)), f), 1)

    in_y = coords(y1, y2, h, ch)          # (n, ch)
    in_x = coords(x1, x2, w, cw)          # (n, cw)
    yv, xv = np.asarray(in_y._value, np.float32), np.asarray(in_x._value, np.float32)
    valid = (((yv >= 0) & (yv <= h - 1))[:, :, None] & ((xv >= 0) & (xv <= w - 1))[:, None, :])
    rows = _s.reshape(img, (b * h * w, c))

    def gather(yi: np.ndarray, xi: np.ndarray, src: Tensor) -> Tensor:
        yi = np.clip(yi, 0, h - 1).astype(np.int64)
        xi = np.clip(xi, 0, w - 1).astype(np.int64)
        flat = (ind[:, None, None] * h + yi[:, :, None]) * w + xi[:, None, :]
        return _s.reshape(_i.gather(src, flat.reshape(-1)), (n, ch, cw, c))

    def bilinear(src: Tensor) -> Tensor:
        top, bottom = np.floor(yv), np.ceil(yv)
        left, right = np.floor(xv), np.ceil(xv)
        ylerp = _s.reshape(_m.subtract(in_y, constant(top)), (n, ch, 1, 1))
        xlerp = _s.reshape(_m.subtract(in_x, constant(left)), (n, 1, cw, 1))
        tl, tr = gather(top, left, src), gather(top, right, src)
        bl, br = gather(bottom, left, src), gather(bottom, right, src)
        t = _m.add(tl, _m.multiply(_m.subtract(tr, tl), xlerp))
        btm = _m.add(bl, _m.multiply(_m.subtract(br, bl), xlerp))
        return _m.add(t, _m.multiply(_m.subtract(btm, t), ylerp))

    if method == "bilinear":
        out = bilinear(rows)
    else:
        def round_half_away(v: np.ndarray) -> np.ndarray:
            return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))
        nearest = gather(round_half_away(yv), round_half_away(xv), rows)
        # TF's box gradient for nearest sampling is the bilinear one: add a zero-valued bilinear term
        # that carries it (image gradient stays nearest's).
        frozen = _s.stop_gradient(rows)
        lin = bilinear(frozen)
        out = _m.add(nearest, _m.subtract(lin, _s.stop_gradient(lin)))
    mask = _wrap(np.broadcast_to(valid[..., None], (n, ch, cw, c)).copy())
    return _m.where(mask, out, _wrap(np.full((n, ch, cw, c), extrapolation_value, np.float32)))


def combined_non_max_suppression(boxes: Any, scores: Any, max_output_size_per_class: int, max_total_size: int,
                                 iou_threshold: float = 0.5, score_threshold: float = float("-inf"),
                                 pad_per_class: bool = False, clip_boxes: bool = True,
                                 name: Optional[str] = None) -> tuple:
    """Greedy NMS per batch item and class, then the best ``max_total_size`` detections over all
    classes (``tf.image.combined_non_max_suppression``).

    ``boxes`` is ``[batch, num_boxes, q, 4]`` (``q`` 1: shared by all classes, else one per class),
    ``scores`` ``[batch, num_boxes, num_classes]``. Returns ``(nmsed_boxes, nmsed_scores,
    nmsed_classes, valid_detections)``, zero-padded to ``max_total_size`` (or, with ``pad_per_class``,
    to ``min(max_total_size, max_output_size_per_class * num_classes)``); boxes clipped to [0, 1]
    when ``clip_boxes``. Ties in score are kept in index order.
    """
    bx = np.asarray(boxes, np.float32)
    sc = np.asarray(scores, np.float32)
    if bx.ndim != 4 or bx.shape[-1] != 4:
        raise InvalidArgumentError(f"combined_non_max_suppression: boxes must be 4-D [batch, num_boxes, q, 4], got "
                                   f"shape {list(bx.shape)}.")
    if sc.ndim != 3 or sc.shape[:2] != bx.shape[:2]:
        raise InvalidArgumentError(f"combined_non_max_suppression: scores must be [batch, num_boxes, num_classes] "
                                   f"matching boxes, got shape {list(sc.shape)}.")
    batch, num_boxes, q, _ = bx.shape
    num_classes = sc.shape[2]
    if q not in (1, num_classes):
        raise InvalidArgumentError(f"combined_non_max_suppression: third dimension of boxes must be 1 or "
                                   f"num_classes={num_classes}, got {q}.")
    per_class = _int(max_output_size_per_class)
    total = _int(max_total_size)
    if per_class <= 0 or total <= 0:
        raise InvalidArgumentError("combined_non_max_suppression: max_output_size_per_class and max_total_size "
                                   "must be > 0.")
    size = min(total, per_class * num_classes) if pad_per_class else total
    out_boxes = np.zeros((batch, size, 4), np.float32)
    out_scores = np.zeros((batch, size), np.float32)
    out_classes = np.zeros((batch, size), np.float32)
    valid = np.zeros((batch,), np.int32)
    for bi in range(batch):
        found = []
        for cls in range(num_classes):
            cb = bx[bi, :, 0 if q == 1 else cls]
            idx, _ = _nms(cb, sc[bi, :, cls], min(per_class, num_boxes), iou_threshold, score_threshold,
                          "combined_non_max_suppression")
            found.extend((float(sc[bi, i, cls]), cls, cb[i]) for i in idx)
        found.sort(key=lambda t: -t[0])
        k = min(len(found), size)
        valid[bi] = k
        for j, (s, cls, box) in enumerate(found[:k]):
            out_boxes[bi, j] = np.clip(box, 0.0, 1.0) if clip_boxes else box
            out_scores[bi, j] = s
            out_classes[bi, j] = cls
    return _wrap(out_boxes), _wrap(out_scores), _wrap(out_classes), _wrap(valid)


def _sample_box(rng: np.random.Generator, image_size: Any, bounding_boxes: Any, min_object_covered: float,
                aspect_ratio_range: Any, area_range: Any, max_attempts: Any, use_image: Any, op: str) -> tuple:
    size_arr = np.asarray(_t(image_size)._value)
    if size_arr.shape != (3,) or size_arr.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: image_size must be a 1-D integer [height, width, channels], got "
                                   f"{size_arr.tolist()!r}.")
    height, width = int(size_arr[0]), int(size_arr[1])
    if height <= 0 or width <= 0:
        raise InvalidArgumentError(f"{op}: image height and width must be positive, got {height}x{width}.")
    bx = np.asarray(bounding_boxes, np.float32).reshape(-1, 4)
    ar = [0.75, 1.33] if aspect_ratio_range is None else [float(v) for v in aspect_ratio_range]
    area = [0.05, 1.0] if area_range is None else [float(v) for v in area_range]
    attempts = 100 if max_attempts is None else int(max_attempts)
    if len(ar) != 2 or ar[0] <= 0 or ar[0] > ar[1]:
        raise InvalidArgumentError(f"{op}: aspect_ratio_range must be [min, max] with 0 < min <= max, got {ar}.")
    if len(area) != 2 or not 0 < area[0] <= area[1] <= 1:
        raise InvalidArgumentError(f"{op}: area_range must be [min, max] within (0, 1], got {area}.")
    if attempts <= 0:
        raise InvalidArgumentError(f"{op}: max_attempts must be positive, got {attempts}.")
    rects = []
    for y0, x0, y1, x1 in bx:
        if not (0 <= y0 < y1 <= 1 and 0 <= x0 < x1 <= 1):
            raise InvalidArgumentError(f"{op}: bounding boxes must be [y_min, x_min, y_max, x_max] with 0 <= min < max "
                                       f"<= 1, got {[float(y0), float(x0), float(y1), float(x1)]}.")
        rects.append((int(x0 * width), int(y0 * height), int(x1 * width), int(y1 * height)))
    if not rects:
        if not use_image:
            raise InvalidArgumentError(f"{op}: no bounding box was given; pass use_image_if_no_bounding_boxes=True "
                                       "to use the whole image.")
        rects = [(0, 0, width, height)]
    min_area, max_area = area[0] * height * width, area[1] * height * width

    def random_crop(aspect: float):
        h = int(np.rint(np.sqrt(min_area / aspect)))
        max_h = int(np.rint(np.sqrt(max_area / aspect)))
        if int(np.rint(max_h * aspect)) > width:
            max_h = int((width + 0.5 - 1e-7) / aspect)
        max_h = min(max_h, height)
        h = min(h, max_h)
        if h < max_h:
            h += int(rng.integers(0, max_h - h + 1))
        w = int(np.rint(h * aspect))
        a = w * h
        if a < min_area:
            h += 1
            w = int(np.rint(h * aspect))
            a = w * h
        if a > max_area:
            h -= 1
            w = int(np.rint(h * aspect))
            a = w * h
        if a < min_area or a > max_area or w > width or h > height or w <= 0 or h <= 0:
            return None
        yo = int(rng.integers(0, height - h)) if h < height else 0
        xo = int(rng.integers(0, width - w)) if w < width else 0
        return (xo, yo, xo + w, yo + h)

    def covers(crop) -> bool:
        if (crop[2] - crop[0]) * (crop[3] - crop[1]) < 1:
            return False
        for r in rects:
            obj = (r[2] - r[0]) * (r[3] - r[1])
            if obj < 1:
                continue
            iw = max(min(crop[2], r[2]) - max(crop[0], r[0]), 0)
            ih = max(min(crop[3], r[3]) - max(crop[1], r[1]), 0)
            if iw * ih / obj >= min_object_covered:
                return True
        return False

    crop = None
    for _ in range(attempts):
        cand = random_crop(ar[0] + rng.random() * (ar[1] - ar[0]))
        if cand is not None and covers(cand):
            crop = cand
            break
    if crop is None:
        crop = (0, 0, width, height)
    dt = size_arr.dtype
    begin = np.array([crop[1], crop[0], 0], dt)
    size = np.array([crop[3] - crop[1], crop[2] - crop[0], -1], dt)
    box = np.array([[[crop[1] / height, crop[0] / width, crop[3] / height, crop[2] / width]]], np.float32)
    return _wrap(begin), _wrap(size), _wrap(box)


def sample_distorted_bounding_box(image_size: Any, bounding_boxes: Any, seed: int = 0, min_object_covered: float = 0.1,
                                  aspect_ratio_range: Any = None, area_range: Any = None, max_attempts: Any = None,
                                  use_image_if_no_bounding_boxes: Any = None, name: Optional[str] = None) -> tuple:
    """A random crop ``(begin, size, bbox)`` covering at least ``min_object_covered`` of one of the
    boxes, with aspect ratio and area fraction in the given ranges; the whole image after
    ``max_attempts`` failures (``tf.image.sample_distorted_bounding_box``, TF's sampling procedure).
    ``tf.slice(image, begin, size)`` takes the crop. ``seed=0`` draws from the global generator."""
    from ..ops.random import _generator
    rng = _generator(None if not seed else int(seed))
    return _sample_box(rng, image_size, bounding_boxes, float(min_object_covered), aspect_ratio_range, area_range,
                       max_attempts, use_image_if_no_bounding_boxes, "sample_distorted_bounding_box")


def stateless_sample_distorted_bounding_box(image_size: Any, bounding_boxes: Any, seed: Any,
                                            min_object_covered: float = 0.1, aspect_ratio_range: Any = None,
                                            area_range: Any = None, max_attempts: Any = None,
                                            use_image_if_no_bounding_boxes: Any = None,
                                            name: Optional[str] = None) -> tuple:
    """Deterministic (given ``seed``) :func:`sample_distorted_bounding_box`."""
    rng = _stateless_rng(seed, "stateless_sample_distorted_bounding_box")
    return _sample_box(rng, image_size, bounding_boxes, float(min_object_covered), aspect_ratio_range, area_range,
                       max_attempts, use_image_if_no_bounding_boxes, "stateless_sample_distorted_bounding_box")
