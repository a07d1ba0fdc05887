"""Op-database entries for the Fourier transforms (``gradtape/ops/fft.py``) and the ``tf.signal``
functions built on them. The database feeds real float arrays, so complex transforms are wrapped:
the input becomes complex through fixed complex weights and the output is read back through its
real and imaginary parts, which exercises TF's complex gradient convention both ways."""
from __future__ import annotations

import numpy as np

import gradtape as tf
from op_db import OpInfo, Sample, _u

_WRE = np.array([0.3, -1.2, 0.8, 0.5, -0.4, 1.1, 0.9, -0.7])


def _read(z):
    """A real tensor from both parts of a complex one (different weights per part)."""
    n = z.shape[-1]
    return tf.math.real(z) * _WRE[:n].astype(np.float64) + tf.math.imag(z) * 0.6


def _cplx(x):
    return tf.cast(x, tf.complex128 if x.dtype == tf.float64 else tf.complex64) * (0.8 - 0.6j) + tf.cast(
        tf.square(x), tf.complex128 if x.dtype == tf.float64 else tf.complex64) * 0.5j


def _np_cplx(x):
    return x * (0.8 - 0.6j) + np.square(x) * 0.5j


def _np_read(z):
    n = z.shape[-1]
    return z.real * _WRE[:n] + z.imag * 0.6


def _s(*shapes, **kw):
    def samples(rng):
        return [Sample((_u(rng, s, -1, 1),), dict(kw), name=str(s)) for s in shapes]
    return samples


def _build():
    return [
        OpInfo("fft", lambda x: _read(tf.signal.fft(_cplx(x))),
               lambda x: _np_read(np.fft.fft(_np_cplx(x))), _s((5,), (2, 4)), covers=("fft",), rtol=1e-4, atol=1e-5),
        OpInfo("ifft2d", lambda x: _read(tf.signal.ifft2d(_cplx(x))),
               lambda x: _np_read(np.fft.ifft2(_np_cplx(x))), _s((3, 4), (2, 2, 3)), covers=("fft",), rtol=1e-4, atol=1e-5),
        OpInfo("rfft", lambda x, **k: _read(tf.signal.rfft(x, **k)),
               lambda x, fft_length=None: _np_read(np.fft.rfft(x, n=None if fft_length is None else fft_length[0])),
               lambda rng: [Sample((_u(rng, (7,), -1, 1),)), Sample((_u(rng, (2, 6), -1, 1),)),
                            Sample((_u(rng, (2, 6), -1, 1),), {"fft_length": [4]}, "crop"),
                            Sample((_u(rng, (5,), -1, 1),), {"fft_length": [8]}, "pad")],
               covers=("rfft",), rtol=1e-4, atol=1e-5),
        OpInfo("rfft2d", lambda x: _read(tf.signal.rfft2d(x)), lambda x: _np_read(np.fft.rfft2(x)),
               _s((3, 4), (2, 3, 5)), covers=("rfft",), rtol=1e-4, atol=1e-5),
        OpInfo("irfft", lambda x, **k: tf.signal.irfft(_cplx(x), **k),
               lambda x, fft_length=None: np.fft.irfft(_np_cplx(x), n=None if fft_length is None else fft_length[0]),
               lambda rng: [Sample((_u(rng, (5,), -1, 1),)), Sample((_u(rng, (2, 4), -1, 1),), {"fft_length": [7]}, "odd"),
                            Sample((_u(rng, (4,), -1, 1),), {"fft_length": [4]}, "crop"),
                            Sample((_u(rng, (3,), -1, 1),), {"fft_length": [8]}, "pad")],
               covers=("irfft",), rtol=1e-4, atol=1e-5),
        OpInfo("irfft2d", lambda x: tf.signal.irfft2d(_cplx(x)), lambda x: np.fft.irfft2(_np_cplx(x)),
               _s((3, 4), (2, 2, 3)), covers=("irfft",), rtol=1e-4, atol=1e-5),
        OpInfo("stft", lambda x: tf.abs(tf.signal.stft(x, 6, 3)),
               lambda x: np.abs(np.fft.rfft(np.stack([x[..., i:i + 6] for i in range(0, x.shape[-1] - 5, 3)], -2)
                                           * (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(6) / 6)), n=8)),
               _s((14,), (2, 11)), covers=("rfft", "gather"), rtol=1e-4, atol=1e-5),
        OpInfo("dct2", lambda x: tf.signal.dct(x, norm="ortho"),
               lambda x: _dct2_ortho(x), _s((5,), (2, 6)), covers=("rfft",), rtol=1e-4, atol=1e-5),
        OpInfo("overlap_and_add", lambda x: tf.signal.overlap_and_add(x, 2),
               lambda x: _ola(x, 2), _s((3, 4), (2, 3, 5)), covers=("unsorted_segment_sum",)),
    ]


def _dct2_ortho(x):
    n = x.shape[-1]
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    basis = np.cos(np.pi * k * (2 * i + 1) / (2 * n)) * 2
    out = x @ basis.T
    w = np.full(n, np.sqrt(1 / (2 * n)))
    w[0] = np.sqrt(1 / (4 * n))
    return out * w


def _ola(x, step):
    frames, length = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + ((frames - 1) * step + length,))
    for f in range(frames):
        out[..., f * step:f * step + length] += x[..., f, :]
    return out


OPS = _build()
