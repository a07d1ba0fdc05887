"""Image codecs (``tf.io.decode_png`` / ``tf.image.decode_png`` and friends) on Pillow.

Pillow is an optional dependency (the ``image`` extra: ``pip install gradtape[image]``); it is
imported on first use, and a clear error names the extra when it is missing. Decoded images are
uint8 ``(height, width, channels)`` tensors (``decode_png`` can give uint16, ``decode_gif`` gives
``(frames, height, width, 3)``), as TF returns them. JPEG decoding goes through Pillow's libjpeg;
TF uses libjpeg-turbo with the same default (islow DCT, fancy upsampling), so decoded values agree
with TF's to within one grey level (usually exactly).
"""
from __future__ import annotations

import io as _io
from typing import Any, Optional

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..ops.constructors import _wrap
from ..tensor import Tensor


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("gradtape's image decoding and encoding need Pillow: install the 'image' extra "
                          "(pip install 'gradtape[image]') or Pillow itself (pip install Pillow).") from None
    return Image


def _bytes(contents: Any, op: str) -> bytes:
    if isinstance(contents, Tensor):
        from ..dispatch import _note_numpy_exit
        _note_numpy_exit(contents)  # the bytes leave the library: a traced function must not bake them in
    v = getattr(contents, "_value", contents)
    if isinstance(v, np.ndarray):
        if v.ndim != 0:
            raise InvalidArgumentError(f"{op}: contents must be a scalar string, got shape {list(v.shape)}.")
        v = v[()]
    if isinstance(v, str):
        v = v.encode("latin-1")
    if not isinstance(v, (bytes, bytearray)):
        raise TypeError(f"{op}: contents must be a string tensor of encoded bytes, got {type(contents).__name__}.")
    return bytes(v)


def _string(b: bytes) -> Tensor:
    from ..dispatch import convert_to_tensor
    return convert_to_tensor(b)


def _kind(b: bytes) -> str:
    if b[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if b[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if b[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if b[:2] == b"BM":
        return "bmp"
    return "unknown"


def _open(b: bytes, op: str):
    Image = _pil()
    try:
        img = Image.open(_io.BytesIO(b))
        img.load()
    except Exception as e:  # Pillow raises several types for corrupt data
        raise InvalidArgumentError(f"{op}: could not decode the image data ({type(e).__name__}: {e}).") from None
    return img


def _gray(rgb: np.ndarray) -> np.ndarray:
    """libpng's RGB -> gray (TF's decode_png with channels 1/2): 15-bit fixed-point weights
    0.299/0.587/0.114, truncated."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((9798 * r + 19235 * g + 3735 * b) >> 15).astype(rgb.dtype)


def _convert_channels(arr: np.ndarray, channels: int) -> np.ndarray:
    """Convert an (h, w, c) array with c in 1..4 (gray, gray+alpha, RGB, RGBA) to ``channels``."""
    c = arr.shape[-1]
    if channels == 0 or channels == c:
        return arr
    full = np.full(arr.shape[:-1] + (1,), np.iinfo(arr.dtype).max, arr.dtype)
    gray = arr[..., :1] if c <= 2 else _gray(arr)[..., None]
    alpha = arr[..., -1:] if c in (2, 4) else full
    rgb = np.repeat(arr[..., :1], 3, axis=-1) if c <= 2 else arr[..., :3]
    return {1: gray, 2: np.concatenate([gray, alpha], -1), 3: rgb,
            4: np.concatenate([rgb, alpha], -1)}[channels]


def _native(img) -> np.ndarray:
    """The decoded pixels as (h, w, c) with the file's channels (palette images expanded)."""
    mode = img.mode
    if mode.startswith("I;16") or mode == "I":
        arr = np.asarray(img).astype(np.uint16)
    elif mode in ("L", "LA", "RGB", "RGBA"):
        arr = np.asarray(img)
    elif mode == "1":
        arr = np.asarray(img.convert("L"))
    elif mode in ("P", "PA"):
        arr = np.asarray(img.convert("RGBA" if ("transparency" in img.info or mode == "PA") else "RGB"))
    else:
        arr = np.asarray(img.convert("RGB"))
    if arr.ndim == 2:
        arr = arr[..., None]
    return arr


def _to_channels(img, channels: int, op: str, allowed: tuple) -> np.ndarray:
    if channels not in allowed:
        raise InvalidArgumentError(f"{op}: channels must be one of {list(allowed)}, got {channels}.")
    return _convert_channels(_native(img), channels)


def _png_bit_depth(b: bytes) -> int:
    return b[24] if len(b) > 25 else 8


def _png_colour_type(b: bytes) -> int:
    return b[25] if len(b) > 25 else 0


def decode_png(contents: Any, channels: int = 0, dtype: Any = _dtypes.uint8, name: Optional[str] = None) -> Tensor:
    """Decode a PNG to ``(height, width, channels)`` (``tf.io.decode_png``); ``channels`` 0 keeps the
    file's, 1/2/3/4 convert; ``dtype`` uint8 or uint16 (values rescaled as TF does)."""
    b = _bytes(contents, "decode_png")
    d = _dtypes.as_dtype(dtype)
    if d not in (_dtypes.uint8, _dtypes.uint16):
        raise TypeError(f"decode_png: dtype must be uint8 or uint16, got {d.name}.")
    if _kind(b) != "png":
        raise InvalidArgumentError("decode_png: expected PNG data (the signature does not match).")
    sixteen = _png_bit_depth(b) == 16
    if sixteen and _png_colour_type(b) not in (0,):
        raise NotImplementedError("decode_png: 16-bit colour PNGs are not supported by gradtape (Pillow reads them "
                                  "as 8-bit); 16-bit grayscale PNGs are.")
    img = _open(b, "decode_png")
    arr = _to_channels(img, int(channels), "decode_png", (0, 1, 2, 3, 4))
    if sixteen:
        arr = arr.astype(np.uint16)
        if d == _dtypes.uint8:
            arr = (arr.astype(np.uint32) // 257).astype(np.uint8)
    else:
        arr = arr.astype(np.uint8)
        if d == _dtypes.uint16:
            arr = arr.astype(np.uint16) * 257
    return _wrap(np.ascontiguousarray(arr))


def decode_jpeg(contents: Any, channels: int = 0, ratio: int = 1, fancy_upscaling: bool = True,
                try_recover_truncated: bool = False, acceptable_fraction: float = 1, dct_method: str = "",
                name: Optional[str] = None) -> Tensor:
    """Decode a JPEG to uint8 ``(height, width, channels)`` (``tf.io.decode_jpeg``); ``channels`` 0, 1 or 3."""
    b = _bytes(contents, "decode_jpeg")
    if int(ratio) != 1:
        raise NotImplementedError("decode_jpeg: ratio other than 1 (downscaled decoding) is not supported by gradtape.")
    if not fancy_upscaling:
        raise NotImplementedError("decode_jpeg: fancy_upscaling=False is not supported by gradtape.")
    img = _open(b, "decode_jpeg")
    if img.format != "JPEG":
        raise InvalidArgumentError(f"decode_jpeg: expected JPEG data, got {img.format}.")
    return _wrap(np.ascontiguousarray(_to_channels(img, int(channels), "decode_jpeg", (0, 1, 3)).astype(np.uint8)))


def decode_bmp(contents: Any, channels: int = 0, name: Optional[str] = None) -> Tensor:
    """Decode a BMP to uint8 ``(height, width, channels)`` (``tf.io.decode_bmp``); ``channels`` 0, 1, 3 or 4."""
    b = _bytes(contents, "decode_bmp")
    img = _open(b, "decode_bmp")
    if img.format != "BMP":
        raise InvalidArgumentError(f"decode_bmp: expected BMP data, got {img.format}.")
    return _wrap(np.ascontiguousarray(_to_channels(img, int(channels), "decode_bmp", (0, 1, 3, 4)).astype(np.uint8)))


def decode_gif(contents: Any, name: Optional[str] = None) -> Tensor:
    """Decode every frame of a GIF to uint8 ``(frames, height, width, 3)`` (``tf.io.decode_gif``)."""
    b = _bytes(contents, "decode_gif")
    img = _open(b, "decode_gif")
    if img.format != "GIF":
        raise InvalidArgumentError(f"decode_gif: expected GIF data, got {img.format}.")
    frames = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        frames.append(np.asarray(img.convert("RGB")))
    return _wrap(np.ascontiguousarray(np.stack(frames).astype(np.uint8)))


def decode_image(contents: Any, channels: Optional[int] = None, dtype: Any = _dtypes.uint8,
                 name: Optional[str] = None, expand_animations: bool = True) -> Tensor:
    """Decode a BMP, GIF, JPEG or PNG by its signature (``tf.io.decode_image``).

    GIFs give ``(frames, h, w, 3)`` (or the first frame when ``expand_animations=False``); other
    formats ``(h, w, c)``. The result is converted with :func:`convert_image_dtype` to ``dtype``.
    """
    from ._core import convert_image_dtype
    b = _bytes(contents, "decode_image")
    ch = 0 if channels is None else int(channels)
    kind = _kind(b)
    if kind == "png":
        img = decode_png(b, ch, dtype=_dtypes.uint16 if _dtypes.as_dtype(dtype) == _dtypes.uint16 else _dtypes.uint8)
    elif kind == "jpeg":
        img = decode_jpeg(b, ch)
    elif kind == "bmp":
        img = decode_bmp(b, ch)
    elif kind == "gif":
        if ch not in (0, 3):
            raise InvalidArgumentError(f"decode_image: channels must be 0 or 3 for GIF, got {ch}.")
        img = decode_gif(b)
        if not expand_animations:
            img = img[0]
    else:
        raise InvalidArgumentError("decode_image: unknown image file format. One of JPEG, PNG, GIF, BMP required.")
    return convert_image_dtype(img, dtype)


def is_jpeg(contents: Any, name: Optional[str] = None) -> Tensor:
    """True when ``contents`` starts with the JPEG signature (``tf.io.is_jpeg``)."""
    return _wrap(np.asarray(_kind(_bytes(contents, "is_jpeg")) == "jpeg"))


def _image_array(image: Any, op: str, allowed: tuple, dtypes: tuple = (np.uint8,)) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim != 3:
        raise InvalidArgumentError(f"{op}: image must be 3-D [height, width, channels], got shape {list(arr.shape)}.")
    if arr.shape[-1] not in allowed:
        raise InvalidArgumentError(f"{op}: image must have {' or '.join(map(str, allowed))} channels, got "
                                   f"{arr.shape[-1]}.")
    if arr.dtype not in dtypes:
        raise TypeError(f"{op}: image dtype must be {' or '.join(np.dtype(d).name for d in dtypes)}, got "
                        f"{arr.dtype.name}; convert with tf.image.convert_image_dtype(..., tf.uint8, saturate=True).")
    return arr


def encode_png(image: Any, compression: int = -1, name: Optional[str] = None) -> Tensor:
    """PNG-encode a uint8/uint16 ``(h, w, c)`` image with 1-4 channels (``tf.io.encode_png``)."""
    Image = _pil()
    arr = _image_array(image, "encode_png", (1, 2, 3, 4), (np.uint8, np.uint16))
    c = arr.shape[-1]
    if arr.dtype == np.uint16:
        if c != 1:
            raise NotImplementedError("encode_png: uint16 images with more than one channel are not supported "
                                      "by gradtape (Pillow writes 16-bit PNGs only for grayscale).")
        img = Image.fromarray(arr[..., 0].astype(np.uint16), mode="I;16")
    else:
        img = Image.fromarray(arr[..., 0] if c == 1 else arr, mode={1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[c])
    level = int(compression)
    buf = _io.BytesIO()
    img.save(buf, format="PNG", compress_level=6 if level < 0 else min(level, 9))
    return _string(buf.getvalue())


def encode_jpeg(image: Any, format: str = "", quality: int = 95, progressive: bool = False,  # noqa: A002
                optimize_size: bool = False, chroma_downsampling: bool = True, density_unit: str = "in",
                x_density: int = 300, y_density: int = 300, xmp_metadata: str = "", name: Optional[str] = None) -> Tensor:
    """JPEG-encode a uint8 ``(h, w, 1 or 3)`` image (``tf.io.encode_jpeg``)."""
    Image = _pil()
    arr = _image_array(image, "encode_jpeg", (1, 3))
    q = int(quality)
    if not 0 <= q <= 100:
        raise InvalidArgumentError(f"encode_jpeg: quality must be in [0, 100], got {q}.")
    img = Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr, mode="L" if arr.shape[-1] == 1 else "RGB")
    buf = _io.BytesIO()
    img.save(buf, format="JPEG", quality=q, progressive=bool(progressive), optimize=bool(optimize_size),
             subsampling=2 if chroma_downsampling else 0,
             dpi=(int(x_density), int(y_density)))
    return _string(buf.getvalue())


def adjust_jpeg_quality(image: Any, jpeg_quality: int, dct_method: str = "", name: Optional[str] = None) -> Tensor:
    """Re-encode through JPEG at ``jpeg_quality`` and decode (``tf.image.adjust_jpeg_quality``)."""
    from ._core import convert_image_dtype, _t
    x = _t(image)
    orig = _dtypes.from_numpy(x._value.dtype)
    u8 = convert_image_dtype(x, _dtypes.uint8, saturate=True)
    decoded = decode_jpeg(encode_jpeg(u8, quality=int(np.asarray(getattr(jpeg_quality, "_value", jpeg_quality)))),
                          channels=int(np.shape(u8._value)[-1]))
    return convert_image_dtype(decoded, orig, saturate=True)


def random_jpeg_quality(image: Any, min_jpeg_quality: int, max_jpeg_quality: int, seed: Optional[int] = None) -> Tensor:
    """:func:`adjust_jpeg_quality` with a quality uniform in ``[min, max)`` (``tf.image.random_jpeg_quality``)."""
    lo, hi = int(min_jpeg_quality), int(max_jpeg_quality)
    if lo < 0 or hi < 0 or lo > 100 or hi > 100:
        raise ValueError("jpeg encoding range must be between 0 and 100.")
    if lo >= hi:
        raise ValueError("`min_jpeg_quality` must be less than `max_jpeg_quality`.")
    from ._core import _draw_np
    return adjust_jpeg_quality(image, int(_draw_np(lambda g: g.integers(lo, hi), seed)))


def stateless_random_jpeg_quality(image: Any, min_jpeg_quality: int, max_jpeg_quality: int, seed: Any) -> Tensor:
    """Deterministic (given ``seed``) :func:`random_jpeg_quality`."""
    lo, hi = int(min_jpeg_quality), int(max_jpeg_quality)
    if lo < 0 or hi < 0 or lo > 100 or hi > 100:
        raise ValueError("jpeg encoding range must be between 0 and 100.")
    if lo >= hi:
        raise ValueError("`min_jpeg_quality` must be less than `max_jpeg_quality`.")
    from ._core import _stateless_rng
    return adjust_jpeg_quality(image, int(_stateless_rng(seed, "stateless_random_jpeg_quality").integers(lo, hi)))
