"""Resizing (``tf.image.resize`` and friends) as separable linear resampling.

Every interpolating method of TF2's ``tf.image.resize`` is linear in the image and separable: the
output is ``Wy @ image @ Wx^T`` per channel, with one weight matrix per spatial axis. This module
builds those matrices exactly as TF's kernels compute their weights (float32 arithmetic, TF's
half-pixel-centre convention), and one registered op, ``image_resample``, applies them. Its
gradient is the same op with the transposed matrices, so every order of derivative is exact.

The methods map to TF's kernels as ``tf.image.resize`` (v2) does:

* ``bilinear`` -> ResizeBilinear(half_pixel_centers=True); with ``antialias`` ScaleAndTranslate
  with the triangle kernel;
* ``bicubic`` -> ResizeBicubic(half_pixel_centers=True): Keys cubic (a = -0.5) read from TF's
  1024-entry coefficient table, weights outside the image dropped and renormalised; with
  ``antialias`` ScaleAndTranslate with the Keys cubic kernel;
* ``area`` -> ResizeArea (box averaging with exact pixel overlaps, corner-aligned);
* ``lanczos3``, ``lanczos5``, ``gaussian``, ``mitchellcubic`` -> ScaleAndTranslate with that kernel;
* ``nearest`` -> ResizeNearestNeighbor(half_pixel_centers=True), done as a gather so integer
  images keep their dtype.
"""
from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..dispatch import apply
from ..registry import Op
from .._bf16 import via_float32 as _via_float32

_f32 = np.float32


# -- kernels (TF's sampling_kernels.h, evaluated in float32) -----------------------------------------

def _lanczos(radius: float):
    def k(x: np.ndarray) -> np.ndarray:
        x = np.abs(x).astype(np.float64)
        safe = np.where(x <= 1e-3, 1.0, x)
        v = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi ** 2 * safe * safe)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, v))
    return k, float(radius)


def _gaussian(x: np.ndarray) -> np.ndarray:
    radius, sigma = 1.5, 0.5
    x = np.abs(x).astype(np.float64)
    return np.where(x >= radius, 0.0, np.exp(-x * x / (2.0 * sigma * sigma)))


def _box(x: np.ndarray) -> np.ndarray:
    x = np.abs(x).astype(np.float64)
    return np.where(x < 0.5, 1.0, np.where(x == 0.5, 0.5, 0.0))


def _triangle(x: np.ndarray) -> np.ndarray:
    x = np.abs(x).astype(np.float64)
    return np.where(x < 1, 1.0 - x, 0.0)


def _keys_cubic(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    outer = ((float(-0.5) * x + float(2.5)) * x - float(4.0)) * x + float(2.0)
    inner = ((float(1.5) * x - float(2.5)) * x) * x + float(1.0)
    return np.where(x >= 2, float(0), np.where(x >= 1, outer, inner))


def _mitchell_cubic(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    outer = (((float(-7.0 / 18.0) * x + float(2.0)) * x - float(10.0 / 3.0)) * x + float(16.0 / 9.0))
    inner = (((float(7.0 / 6.0) * x - float(2.0)) * x) * x + float(8.0 / 9.0))
    return np.where(x >= 2, float(0), np.where(x >= 1, outer, inner))


_KERNELS = {
    "lanczos1": _lanczos(1.0), "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
    "gaussian": (_gaussian, 1.5), "box": (_box, 1.0), "triangle": (_triangle, 1.0),
    "keyscubic": (_keys_cubic, 2.0), "mitchellcubic": (_mitchell_cubic, 2.0),
}


# -- weight matrices ((out, in), float64 holding TF's float32 weights) --------------------------------

def _scale_and_translate(kernel: str, in_size: int, out_size: int, scale: float, translate: float,
                         antialias: bool, ft: type = np.float32) -> np.ndarray:
    """TF's ScaleAndTranslate spans: sample at ``(x + 0.5 - translate) / scale``, kernel widened by
    ``1/scale`` when downsampling with ``antialias``, weights renormalised to sum 1."""
    fn, radius = _KERNELS[kernel]
    scale = ft(scale)
    inv_scale = ft(1.0) / scale
    inv_translate = -inv_scale * ft(translate)
    kernel_scale = max(inv_scale, ft(1.0)) if antialias else ft(1.0)
    reach = ft(radius) * kernel_scale
    w = np.zeros((out_size, in_size), np.float64)
    for x in range(out_size):
        sample = ft(x + 0.5) * inv_scale + inv_translate
        if sample < 0 or sample > in_size:
            continue
        start = int(math.ceil(sample - reach - ft(0.5)))
        end = int(math.floor(sample + reach - ft(0.5)))
        start = min(max(start, 0), in_size - 1)
        end = min(max(end, 0), in_size - 1) + 1
        src = np.arange(start, end)
        pos = (src.astype(ft) + ft(0.5) - sample) * (ft(1.0) / kernel_scale)
        weights = fn(pos).astype(ft)
        total = ft(weights.sum(dtype=ft))
        if abs(total) >= 1000.0 * np.finfo(ft).tiny:
            weights = weights * (ft(1.0) / total)
        w[x, start:end] = weights
    return w


def _bilinear_legacy(in_size: int, out_size: int, ft: type = np.float32) -> np.ndarray:
    """ResizeBilinear with half-pixel centres: ``in = (out + 0.5) * in/out - 0.5``, clamped."""
    scale = ft(in_size) / ft(out_size)
    o = np.arange(out_size, dtype=ft)
    pos = (o + ft(0.5)) * scale - ft(0.5)
    lo_f = np.floor(pos)
    lower = np.maximum(lo_f.astype(np.int64), 0)
    upper = np.minimum(np.ceil(pos).astype(np.int64), in_size - 1)
    lerp = (pos - lo_f).astype(ft)
    w = np.zeros((out_size, in_size), np.float64)
    rows = np.arange(out_size)
    np.add.at(w, (rows, lower), (ft(1) - lerp).astype(np.float64))
    np.add.at(w, (rows, upper), lerp.astype(np.float64))
    return w


@functools.lru_cache(maxsize=1)
def _cubic_table() -> np.ndarray:
    a = -0.5
    n = 1024
    table = np.zeros(((n + 1), 2), _f32)
    for i in range(n + 1):
        x = i * 1.0 / n
        table[i, 0] = ((a + 2) * x - (a + 3)) * x * x + 1
        x += 1.0
        table[i, 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return table


def _bicubic_legacy(in_size: int, out_size: int, ft: type = np.float32) -> np.ndarray:
    """ResizeBicubic with half-pixel centres (Keys cubic from TF's coefficient table)."""
    table = _cubic_table()
    scale = ft(in_size) / ft(out_size)
    w = np.zeros((out_size, in_size), np.float64)
    for o in range(out_size):
        pos = (ft(o) + ft(0.5)) * scale - ft(0.5)
        base = int(math.floor(pos))
        delta = ft(pos - ft(base))
        off = int(np.rint(delta * ft(1024)))
        coeffs = [table[off, 1], table[off, 0], table[1024 - off, 0], table[1024 - off, 1]]
        idx = [base - 1, base, base + 1, base + 2]
        ws = np.array([c if 0 <= i < in_size else 0.0 for c, i in zip(coeffs, idx)], ft)
        total = ft(ws.sum(dtype=ft))
        if abs(total) >= 1000.0 * np.finfo(ft).tiny:
            ws = ws * (ft(1.0) / total)
        for c, i in zip(ws, idx):
            w[o, min(max(i, 0), in_size - 1)] += float(c)
    return w


def _area(in_size: int, out_size: int, ft: type = np.float32) -> np.ndarray:
    """ResizeArea: each output pixel averages the input interval ``[o, o + 1) * in/out`` with exact
    fractional overlaps (corner-aligned, no half-pixel shift)."""
    scale = ft(in_size) / ft(out_size)
    w = np.zeros((out_size, in_size), np.float64)
    for o in range(out_size):
        lo = ft(o) * scale
        hi = ft(o + 1) * scale
        for i in range(int(math.floor(lo)), int(math.ceil(hi))):
            overlap = min(ft(i + 1), hi) - max(ft(i), lo)
            if overlap > 0:
                w[o, min(i, in_size - 1)] += float(overlap) / float(scale)
    return w


@functools.lru_cache(maxsize=256)
def _matrix(spec: tuple, dtype: str) -> np.ndarray:
    kind, in_size, out_size = spec[:3]
    # float32 images use TF's float32 weight arithmetic; float64 images the same formulas in float64.
    ft = np.float64 if np.dtype(dtype) == np.float64 else np.float32
    if kind == "bilinear":
        w = _bilinear_legacy(in_size, out_size, ft)
    elif kind == "bicubic":
        w = _bicubic_legacy(in_size, out_size, ft)
    elif kind == "area":
        w = _area(in_size, out_size, ft)
    else:
        antialias = spec[3]
        w = _scale_and_translate(kind, in_size, out_size, float(ft(out_size) / ft(in_size)), 0.0,
                                 antialias, ft)
    w = w.astype(dtype)
    w.setflags(write=False)
    return w


def weight_matrix(spec: tuple, dtype: Any = np.float64) -> np.ndarray:
    """The ``(out, in)`` resampling matrix for ``spec = (kind, in_size, out_size[, antialias])``."""
    return _matrix(tuple(spec), np.dtype(dtype).str)


# -- the op ----------------------------------------------------------------------------------------

def _resample_forward(x, rows, cols, adjoint):
    dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    wy = weight_matrix(rows, dt)
    wx = weight_matrix(cols, dt)
    if adjoint:
        wy, wx = wy.T, wx.T
    if type(x) is not np.ndarray:       # a device image: the weights (host tables) go to its device
        from .._array import is_device, like
        if is_device(x):
            wy, wx = like(x, wy), like(x, wx)
    x = x.astype(dt, copy=False)
    # (b, h, w, c): rows act on axis 1, columns on axis 2.
    y = np.matmul(wy, x.reshape(x.shape[0], x.shape[1], -1)).reshape(
        (x.shape[0], wy.shape[0]) + x.shape[2:])
    y = np.einsum("pw,bowc->bopc", wx, y, optimize=True)
    return np.ascontiguousarray(y, dtype=dt) if type(y) is np.ndarray else y.astype(dt, copy=False)


def _resample_vjp(g, ans, x, rows, cols, adjoint):
    return resample(g, rows, cols, not adjoint)


IMAGE_RESAMPLE = Op(
    "image_resample", _via_float32(_resample_forward), vjp=_resample_vjp, kinds="fV",
    doc="Separable linear resampling of (batch, height, width, channels) images: out = Wy x Wx^T "
        "per channel, with Wy/Wx TF's resize weights for `rows`/`cols` (adjoint: the transposes). "
        "Linear in x: d/dx = the adjoint resampling of the upstream.")


def resample(x: Any, rows: tuple, cols: tuple, adjoint: bool = False) -> Any:
    """Apply the resampling matrices described by ``rows``/``cols`` to a 4-D float tensor."""
    return apply(IMAGE_RESAMPLE, (x,), {"rows": tuple(rows), "cols": tuple(cols), "adjoint": bool(adjoint)})


def nearest_indices(in_size: int, out_size: int) -> np.ndarray:
    """ResizeNearestNeighbor(half_pixel_centers=True): ``floor((o + 0.5) * in/out)``, clamped."""
    scale = _f32(in_size) / _f32(out_size)
    pos = (np.arange(out_size, dtype=_f32) + _f32(0.5)) * scale
    return np.clip(np.floor(pos).astype(np.int64), 0, in_size - 1)
