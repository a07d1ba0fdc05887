"""Op-database entries for image ops (``gradtape/image/_resize.py``).

``image_resample`` applies separable resize weights; the references below rebuild the weights
with naive float64 loops written from TF's kernel descriptions (half-pixel bilinear; the
scale-and-translate sampler with a triangle or Lanczos-3 kernel, widened when antialiasing), so
the op's forward, its adjoint and its gradients are checked independently of its own weight code.
TF-recorded values for every method are checked in tests/test_image.py.
"""
from __future__ import annotations

import math

import numpy as np

from gradtape.image import _resize
from op_db import OpInfo, Sample


def _bilinear(in_size, out_size):
    w = np.zeros((out_size, in_size))
    for o in range(out_size):
        p = (o + 0.5) * in_size / out_size - 0.5
        lo = math.floor(p)
        frac = p - lo
        w[o, min(max(lo, 0), in_size - 1)] += 1 - frac
        w[o, min(max(lo + 1, 0), in_size - 1)] += frac
    return w


def _kernel(name, x):
    x = abs(x)
    if name == "triangle":
        return max(1 - x, 0.0)
    if x > 3:
        return 0.0
    if x < 1e-3:
        return 1.0
    return 3 * math.sin(math.pi * x) * math.sin(math.pi * x / 3) / (math.pi ** 2 * x * x)


def _sampler(name, in_size, out_size, antialias):
    radius = 1.0 if name == "triangle" else 3.0
    scale = out_size / in_size
    ks = max(1 / scale, 1.0) if antialias else 1.0
    w = np.zeros((out_size, in_size))
    for o in range(out_size):
        s = (o + 0.5) / scale
        for i in range(in_size):
            w[o, i] = _kernel(name, (i + 0.5 - s) / ks) if abs(i + 0.5 - s) <= radius * ks + 0.5 else 0.0
        w[o] /= w[o].sum()
    return w


def _weights(spec):
    kind, n_in, n_out = spec[:3]
    return _bilinear(n_in, n_out) if kind == "bilinear" else _sampler(kind, n_in, n_out, spec[3])


def ref_resample(x, rows, cols, adjoint=False):
    wy, wx = _weights(rows), _weights(cols)
    if adjoint:
        wy, wx = wy.T, wx.T
    return np.einsum("oh,bhwc,pw->bopc", wy, x, wx)


CASES = [
    ("bilinear-up", (2, 3, 4, 2), ("bilinear", 3, 5, False), ("bilinear", 4, 7, False), False),
    ("bilinear-down", (1, 6, 5, 1), ("bilinear", 6, 4, False), ("bilinear", 5, 2, False), False),
    ("triangle-aa-down", (1, 7, 4, 2), ("triangle", 7, 3, True), ("triangle", 4, 6, True), False),
    ("lanczos3-aa", (1, 5, 6, 1), ("lanczos3", 5, 3, True), ("lanczos3", 6, 8, True), False),
    ("lanczos3-adjoint", (1, 3, 8, 1), ("lanczos3", 5, 3, False), ("lanczos3", 6, 8, False), True),
]


def _samples(rng):
    return [Sample((rng.standard_normal(shape),), {"rows": rows, "cols": cols, "adjoint": adj}, name)
            for name, shape, rows, cols, adj in CASES]


OPS = [OpInfo("image_resample", lambda x, **k: _resize.resample(x, **k), ref_resample, _samples,
              covers=("image_resample",), rtol=2e-5, atol=2e-6)]
