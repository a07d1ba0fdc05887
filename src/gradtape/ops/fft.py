"""Discrete Fourier transforms over the innermost 1, 2 or 3 axes: ``fft``/``ifft`` (complex to
complex), ``rfft`` (real to the non-redundant half spectrum) and ``irfft`` (back), as
``tf.signal`` defines them.

Gradients follow TF's complex convention (``dL/dRe z + i dL/dIm z`` for a real loss): each
transform is linear, so the gradient is its adjoint applied to the upstream, written with these
same ops so nested tapes give higher orders.

- ``fft``:  adjoint ``N * ifft(g)``; ``ifft``: ``fft(g) / N`` (N = product of transformed sizes).
- ``rfft`` (input cropped or zero-padded to ``fft_length``): ``Re(N * ifft(g zero-extended to the
  full spectrum))``, then cropped/padded back to the input's shape.
- ``irfft`` (input cropped or zero-padded to ``fft_length[:-1] + [fft_length[-1] // 2 + 1]``):
  ``rfft(g) * c / N`` with ``c = 1`` for the DC bin and, for an even length, the Nyquist bin, and
  2 for the others (each interior bin stands for itself and its mirror image).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from ..registry import Op
from ..tensor import Tensor

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}
_REAL_OF = {v: k for k, v in _COMPLEX_OF.items()}


def _axes(rank: int) -> tuple:
    return tuple(range(-rank, 0))


def _size(lengths: Sequence[int]) -> int:
    n = 1
    for s in lengths:
        n *= int(s)
    return n


# -- fft / ifft ------------------------------------------------------------------------------

def _fft_forward(x, rank, inverse):
    f = np.fft.ifftn if inverse else np.fft.fftn
    return f(x, axes=_axes(rank)).astype(x.dtype, copy=False)


def _fft_vjp(g, ans, x, rank, inverse):
    n = _size(np.shape(x._value)[-rank:])
    if inverse:
        return _fft(g, rank, False) * (1.0 / n)
    return _fft(g, rank, True) * float(n)


FFT = Op("fft", _fft_forward, vjp=_fft_vjp, kinds="c",
         doc="Complex DFT (or its inverse) over the innermost `rank` axes; the gradient is the adjoint.")


def _fft(x: Tensor, rank: int, inverse: bool) -> Tensor:
    return apply(FFT, (x,), {"rank": rank, "inverse": inverse})


# -- rfft ------------------------------------------------------------------------------------

def _rfft_forward(x, fft_length):
    out = np.fft.rfftn(x, s=fft_length, axes=_axes(len(fft_length)))
    return out.astype(_COMPLEX_OF[np.dtype(x.dtype)], copy=False)


def _fit_to(t: Tensor, shape: Sequence[int]) -> Tensor:
    """Crop or zero-pad the innermost axes of ``t`` to ``shape`` (the adjoint of the other)."""
    from .shape import pad
    cur = list(np.shape(t._value))
    rank = len(shape)
    lead = len(cur) - rank
    if cur[lead:] == list(shape):
        return t
    if any(c > s for c, s in zip(cur[lead:], shape)):
        key = (Ellipsis,) + tuple(slice(0, min(c, s)) for c, s in zip(cur[lead:], shape))
        t = t[key]
        cur = list(np.shape(t._value))
    if any(c < s for c, s in zip(cur[lead:], shape)):
        t = pad(t, [[0, 0]] * lead + [[0, s - c] for c, s in zip(cur[lead:], shape)])
    return t


def _rfft_vjp(g, ans, x, fft_length):
    from .math import real
    full = list(fft_length)
    g = _fit_to(g, full[:-1] + [full[-1]])                 # zero-extend the half spectrum
    n = _size(full)
    spatial = real(_fft(g, len(full), True)) * float(n)
    return _fit_to(spatial, np.shape(x._value)[-len(full):])


RFFT = Op("rfft", _rfft_forward, vjp=_rfft_vjp, kinds="f",
          doc="Real-input DFT over the innermost axes (the non-redundant half of the last axis).")


def _rfft(x: Tensor, fft_length: tuple) -> Tensor:
    return apply(RFFT, (x,), {"fft_length": fft_length})


# -- irfft -----------------------------------------------------------------------------------

def _irfft_forward(x, fft_length):
    out = np.fft.irfftn(x, s=fft_length, axes=_axes(len(fft_length)))
    return out.astype(_REAL_OF[np.dtype(x.dtype)], copy=False)


def _irfft_vjp(g, ans, x, fft_length):
    from .math import cast
    full = list(fft_length)
    half = full[-1] // 2 + 1
    c = np.full(half, 2.0)
    c[0] = 1.0
    if full[-1] % 2 == 0:
        c[-1] = 1.0
    spec = _rfft(g, tuple(full))
    weights = np.asarray(c / _size(full), dtype=spec._value.dtype, like=spec._value)
    grad = spec * weights
    return _fit_to(grad, np.shape(x._value)[-len(full):])


IRFFT = Op("irfft", _irfft_forward, vjp=_irfft_vjp, kinds="c",
           doc="Inverse of rfft: a Hermitian half spectrum to a real signal of length fft_length.")


def _irfft(x: Tensor, fft_length: tuple) -> Tensor:
    return apply(IRFFT, (x,), {"fft_length": fft_length})


# -- public entry points (``tf.signal``) ------------------------------------------------------

def _check(name: str, x: Tensor, rank: int, kinds: str, want: str) -> None:
    if x._value.ndim < rank:
        raise InvalidArgumentError(f"{name}: input must have rank at least {rank}, got shape "
                                   f"{list(np.shape(x._value))}.")
    if x._value.dtype.kind not in kinds:
        raise InvalidArgumentError(f"{name}: input must be {want}, got {x.dtype.name}. Cast it "
                                   f"first (tf.cast).")


def _lengths(name: str, x: Tensor, rank: int, fft_length: Any, inverse_real: bool) -> tuple:
    if fft_length is None:
        dims = list(np.shape(x._value)[-rank:])
        if inverse_real:
            dims[-1] = 2 * (dims[-1] - 1)
        return tuple(int(d) for d in dims)
    arr = np.asarray(getattr(fft_length, "_value", fft_length)).reshape(-1)
    if arr.size != rank or arr.dtype.kind not in "iu" or (arr <= 0).any():
        raise InvalidArgumentError(f"{name}: fft_length must hold {rank} positive integer(s), got "
                                   f"{arr.tolist()}.")
    return tuple(int(v) for v in arr)


def fft_nd(input: Any, rank: int, inverse: bool, name: str) -> Tensor:  # noqa: A002
    x = convert_to_tensor(input)
    _check(name, x, rank, "c", "complex64 or complex128")
    return _fft(x, rank, inverse)


def rfft_nd(input: Any, rank: int, fft_length: Any, name: str) -> Tensor:  # noqa: A002
    x = convert_to_tensor(input)
    if x._value.dtype.kind != "f" or x._value.dtype.itemsize < 4:
        raise ValueError(f"{name}: RFFT requires float32 or float64 inputs, got {x.dtype.name}. "
                         f"Cast it first (tf.cast).")
    _check(name, x, rank, "f", "float32 or float64")
    return _rfft(x, _lengths(name, x, rank, fft_length, False))


def irfft_nd(input: Any, rank: int, fft_length: Any, name: str) -> Tensor:  # noqa: A002
    x = convert_to_tensor(input)
    _check(name, x, rank, "c", "complex64 or complex128")
    lengths = _lengths(name, x, rank, fft_length, True)
    if lengths[-1] <= 0:
        raise InvalidArgumentError(f"{name}: the innermost axis has {np.shape(x._value)[-1]} "
                                   f"bin(s); give fft_length explicitly.")
    return _irfft(x, lengths)


__all__ = ["FFT", "RFFT", "IRFFT", "fft_nd", "rfft_nd", "irfft_nd"]
