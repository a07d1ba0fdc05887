"""Deterministic test images shared by make_image_refs.py (run under real TF) and the tests.

Values come from a closed formula (no NumPy random stream), so both environments build
bit-identical inputs whatever their NumPy versions.
"""
import numpy as np


def image(shape, seed=0, lo=0.0, hi=1.0, dtype=np.float32):
    n = int(np.prod(shape))
    k = np.arange(n, dtype=np.float64)
    v = np.sin(k * 12.9898 + seed * 78.233) * 43758.5453
    v = v - np.floor(v)
    return (lo + (hi - lo) * v).reshape(shape).astype(dtype)


def uint8_image(shape, seed=0):
    return np.floor(image(shape, seed, 0.0, 255.999, np.float64)).astype(np.uint8)


def boxes(n, seed=0):
    c = image((n, 2), seed, 0.1, 0.9, np.float64)
    s = image((n, 2), seed + 1, 0.05, 0.4, np.float64)
    b = np.concatenate([c - s / 2, c + s / 2], axis=1)[:, [0, 1, 2, 3]]
    return b.astype(np.float32)


def smooth(shape, seed=0):
    """A smooth-ish image (SSIM and JPEG tests want structure, not white noise)."""
    h, w = shape[-3], shape[-2]
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    base = 0.5 + 0.25 * np.sin(yy / 5.0 + seed) * np.cos(xx / 7.0 - seed)
    noise = image(shape, seed, -0.1, 0.1, np.float64)
    out = base[..., None] + noise
    return np.clip(out, 0, 1).astype(np.float32)
