"""Projective image transforms (TF's ImageProjectiveTransformV3), used by Keras's
RandomRotation/RandomZoom/RandomTranslation layers.

Each output pixel ``(x, y)`` samples the input at ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``
with ``k = c0 x + c1 y + 1``, the transform ``[a0, a1, a2, b0, b1, b2, c0, c1]``. Coordinates outside
the image are mapped by ``fill_mode`` exactly as TF's kernel (``reflect``: d c b a | a b c d | d c b a,
``wrap``: a b c d | a b c d, ``nearest``: clamp, ``constant``: read ``fill_value``), then read with
``nearest`` (round half away from zero) or ``bilinear`` interpolation (corners outside the image
read ``fill_value``). The sampling is built from gather/multiply/sum, so it is differentiable in
the images.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..dispatch import convert_to_tensor
from ..ops import indexing as _i
from ..ops import math as _m
from ..ops import reduction as _r
from ..ops import shape as _s
from ..ops.constructors import _wrap
from ..tensor import Tensor

_f32 = np.float32
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _map(c: np.ndarray, n: int, mode: str) -> np.ndarray:
    if mode == "constant":
        return c
    if n <= 1:
        return np.zeros_like(c) if mode != "nearest" else np.clip(c, 0, max(n - 1, 0)).astype(_f32)
    c = c.astype(_f32)
    nf = _f32(n)
    if mode == "reflect":
        sz2 = _f32(2 * n)
        neg = sz2 * np.trunc(-c / sz2) + c
        neg = np.where(neg < -nf, neg + sz2, -neg - _f32(1))
        pos = c - sz2 * np.trunc(c / sz2)
        pos = np.where(pos >= nf, sz2 - pos - _f32(1), pos)
        c = np.where(c < 0, neg, np.where(c > nf - 1, pos, c))
    elif mode == "wrap":
        sz = _f32(n - 1)
        neg = c + nf * (np.trunc(-c / sz) + 1)
        pos = c - nf * np.trunc(c / sz)
        c = np.where(c < 0, neg, np.where(c > nf - 1, pos, c))
    return np.clip(c, _f32(0), nf - 1).astype(_f32)


def _round_half_away(v: np.ndarray) -> np.ndarray:
    return np.where(v >= 0, np.floor(v + _f32(0.5)), np.ceil(v - _f32(0.5)))


def projective_transform(images: Any, transforms: Any, interpolation: str = "bilinear",
                         fill_mode: str = "constant", fill_value: float = 0.0) -> Tensor:
    """Apply ``transforms`` (``(8,)`` or ``(batch, 8)``) to 4-D ``images`` (output size = input size)."""
    x = images if type(images) is Tensor else convert_to_tensor(images)
    interpolation, fill_mode = interpolation.lower(), fill_mode.lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one {INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one {FILL_MODES}. "
                         f"Received: fill_mode={fill_mode}")
    shape = tuple(np.shape(x._value))
    if len(shape) != 4:
        raise ValueError(f"projective_transform: images must be 4-D (batch, height, width, channels), got {list(shape)}.")
    b, h, w, c = shape
    t = np.asarray(transforms, _f32).reshape(-1, 8)
    if t.shape[0] not in (1, b):
        raise ValueError(f"projective_transform: transforms must be (8,), (1, 8) or ({b}, 8), got {list(t.shape)}.")
    t = np.broadcast_to(t, (b, 8))
    ys, xs = np.meshgrid(np.arange(h, dtype=_f32), np.arange(w, dtype=_f32), indexing="ij")
    tt = [t[:, k].reshape(b, 1, 1) for k in range(8)]
    proj = tt[6] * xs + tt[7] * ys + _f32(1)
    zero_proj = proj == 0
    safe = np.where(zero_proj, _f32(1), proj)
    in_x = _map((tt[0] * xs + tt[1] * ys + tt[2]) / safe, w, fill_mode)
    in_y = _map((tt[3] * xs + tt[4] * ys + tt[5]) / safe, h, fill_mode)
    if interpolation == "nearest":
        corners = [(_round_half_away(in_y), _round_half_away(in_x), np.ones_like(in_x))]
    else:
        y0, x0 = np.floor(in_y), np.floor(in_x)
        y1, x1 = y0 + 1, x0 + 1
        corners = [(y0, x0, (y1 - in_y) * (x1 - in_x)), (y0, x1, (y1 - in_y) * (in_x - x0)),
                   (y1, x0, (in_y - y0) * (x1 - in_x)), (y1, x1, (in_y - y0) * (in_x - x0))]
    bidx = np.arange(b).reshape(b, 1, 1)
    idx, wts, fill_w = [], [], np.zeros((b, h, w), np.float64)
    for cy, cx, wt in corners:
        valid = (cy >= 0) & (cy < h) & (cx >= 0) & (cx < w) & ~zero_proj
        wt = np.where(zero_proj, 0, wt).astype(np.float64)
        flat = (bidx * h + np.clip(cy, 0, h - 1).astype(np.int64)) * w + np.clip(cx, 0, w - 1).astype(np.int64)
        idx.append(flat)
        wts.append(np.where(valid, wt, 0.0))
        fill_w += np.where(valid, 0.0, wt)
    fill_w += zero_proj
    dt = x._value.dtype if x._value.dtype.kind == "f" else np.dtype(np.float32)
    xf = x if x._value.dtype == dt else _m.cast(x, dt)
    rows = _s.reshape(xf, (b * h * w, c))
    k = len(corners)
    gathered = _i.gather(rows, np.stack(idx, axis=-1).reshape(-1))
    gathered = _s.reshape(gathered, (b, h, w, k, c))
    weights = _wrap(np.stack(wts, axis=-1).astype(dt)[..., None])
    out = _r.reduce_sum(_m.multiply(gathered, weights), axis=3)
    if float(fill_value) != 0.0 and np.any(fill_w):
        out = _m.add(out, _wrap((fill_w * float(fill_value)).astype(dt)[..., None]))
    if x._value.dtype != dt:
        out = _m.cast(out, x._value.dtype)
    return out
