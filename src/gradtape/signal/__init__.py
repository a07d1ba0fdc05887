"""``tf.signal``: Fourier transforms, framing, windows, the short-time Fourier transform, mel
filter banks, MFCCs and the discrete cosine transform, with TF's definitions and conventions.

The transforms are registered ops (``gradtape/ops/fft.py``); everything else is composed from
gradtape ops as TF composes it, so gradients (any order) flow through ``stft``, ``dct``,
``frame``, ``overlap_and_add`` and the rest. Windows and the mel matrix are constants (TF builds
them from their integer arguments only).
"""
from __future__ import annotations

import math as _math
from typing import Any, Callable, Optional

import numpy as np

from .. import dtypes as _dtypes
from ..dispatch import convert_to_tensor
from ..errors import InvalidArgumentError
from ..ops.fft import fft_nd, irfft_nd, rfft_nd
from ..tensor import Tensor

__all__ = [
    "fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "rfft", "irfft", "rfft2d", "irfft2d",
    "rfft3d", "irfft3d", "fftshift", "ifftshift", "frame", "overlap_and_add", "hann_window",
    "hamming_window", "kaiser_window", "kaiser_bessel_derived_window", "vorbis_window", "stft",
    "inverse_stft", "inverse_stft_window_fn", "linear_to_mel_weight_matrix",
    "mfccs_from_log_mel_spectrograms", "dct", "idct", "mdct", "inverse_mdct",
]


# -- Fourier transforms -----------------------------------------------------------------------

def fft(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """DFT over the innermost axis of a complex tensor (``tf.signal.fft``)."""
    return fft_nd(input, 1, False, "fft")


def ifft(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Inverse DFT over the innermost axis, scaled by 1/N (``tf.signal.ifft``)."""
    return fft_nd(input, 1, True, "ifft")


def fft2d(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """DFT over the innermost 2 axes (``tf.signal.fft2d``)."""
    return fft_nd(input, 2, False, "fft2d")


def ifft2d(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Inverse DFT over the innermost 2 axes (``tf.signal.ifft2d``)."""
    return fft_nd(input, 2, True, "ifft2d")


def fft3d(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """DFT over the innermost 3 axes (``tf.signal.fft3d``)."""
    return fft_nd(input, 3, False, "fft3d")


def ifft3d(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Inverse DFT over the innermost 3 axes (``tf.signal.ifft3d``)."""
    return fft_nd(input, 3, True, "ifft3d")


def rfft(input_tensor: Any, fft_length: Any = None, name: Optional[str] = None) -> Tensor:
    """DFT of a real signal over its innermost axis, the ``fft_length // 2 + 1`` non-redundant
    bins (``tf.signal.rfft``). The signal is cropped or zero-padded to ``fft_length``; float32
    gives complex64, float64 complex128."""
    return rfft_nd(input_tensor, 1, fft_length, "rfft")


def irfft(input_tensor: Any, fft_length: Any = None, name: Optional[str] = None) -> Tensor:
    """Inverse of :func:`rfft` (``tf.signal.irfft``): a real signal of length ``fft_length``
    (default ``2 * (bins - 1)``); the imaginary parts of the DC and Nyquist bins are ignored."""
    return irfft_nd(input_tensor, 1, fft_length, "irfft")


def rfft2d(input_tensor: Any, fft_length: Any = None, name: Optional[str] = None) -> Tensor:
    """2-D real DFT over the innermost 2 axes (``tf.signal.rfft2d``)."""
    return rfft_nd(input_tensor, 2, fft_length, "rfft2d")


def irfft2d(input_tensor: Any, fft_length: Any = None, name: Optional[str] = None) -> Tensor:
    """Inverse of :func:`rfft2d` (``tf.signal.irfft2d``)."""
    return irfft_nd(input_tensor, 2, fft_length, "irfft2d")


def rfft3d(input_tensor: Any, fft_length: Any = None, name: Optional[str] = None) -> Tensor:
    """3-D real DFT over the innermost 3 axes (``tf.signal.rfft3d``)."""
    return rfft_nd(input_tensor, 3, fft_length, "rfft3d")


def irfft3d(input_tensor: Any, fft_length: Any = None, name: Optional[str] = None) -> Tensor:
    """Inverse of :func:`rfft3d` (``tf.signal.irfft3d``)."""
    return irfft_nd(input_tensor, 3, fft_length, "irfft3d")


def _shift(x: Any, axes: Any, inverse: bool) -> Tensor:
    from ..ops.array import roll
    x = convert_to_tensor(x)
    nd = x._value.ndim
    if axes is None:
        axes = list(range(nd))
    elif isinstance(axes, (int, np.integer)):
        axes = [int(axes)]
    axes = [int(a) for a in axes]
    dims = np.shape(x._value)
    shifts = [(-(dims[a] // 2) if inverse else dims[a] // 2) for a in axes]
    if not axes:
        return x
    return roll(x, shifts, axes)


def fftshift(x: Any, axes: Any = None, name: Optional[str] = None) -> Tensor:
    """Move the zero-frequency bin to the centre (``tf.signal.fftshift``, NumPy's fftshift)."""
    return _shift(x, axes, False)


def ifftshift(x: Any, axes: Any = None, name: Optional[str] = None) -> Tensor:
    """The inverse of :func:`fftshift` (``tf.signal.ifftshift``)."""
    return _shift(x, axes, True)


# -- framing ----------------------------------------------------------------------------------

def _static_int(value: Any, what: str, op: str) -> int:
    arr = np.asarray(getattr(value, "_value", value))
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{op}: {what} must be a scalar integer, got {arr.tolist()!r}.")
    return int(arr)


def frame(signal: Any, frame_length: Any, frame_step: Any, pad_end: bool = False,
          pad_value: Any = 0, axis: int = -1, name: Optional[str] = None) -> Tensor:
    """Slide a window of ``frame_length`` samples, ``frame_step`` apart, along ``axis``
    (``tf.signal.frame``): ``[..., n, ...]`` becomes ``[..., frames, frame_length, ...]``. With
    ``pad_end`` the signal is padded with ``pad_value`` so every sample starts a frame's worth of
    hops; otherwise only complete frames are kept."""
    from ..ops.indexing import gather
    from ..ops.shape import pad
    x = convert_to_tensor(signal)
    length = _static_int(frame_length, "frame_length", "frame")
    step = _static_int(frame_step, "frame_step", "frame")
    if length <= 0 or step <= 0:
        raise InvalidArgumentError(f"frame: frame_length and frame_step must be positive, got "
                                   f"{length} and {step}.")
    nd = x._value.ndim
    if nd < 1:
        raise InvalidArgumentError("frame: signal must have rank at least 1, got a scalar.")
    if not -nd <= axis < nd:
        raise InvalidArgumentError(f"frame: axis {axis} is out of range for rank {nd}.")
    axis %= nd
    n = np.shape(x._value)[axis]
    if pad_end:
        frames = -(-n // step)
        extra = max(0, length + step * (frames - 1) - n)
        if extra:
            paddings = [[0, 0]] * nd
            paddings[axis] = [0, extra]
            x = pad(x, paddings, constant_values=pad_value)
    else:
        frames = max(0, 1 + (n - length) // step)
    index = (np.arange(frames, dtype=np.int64)[:, None] * step
             + np.arange(length, dtype=np.int64)[None, :])
    return gather(x, index, axis=axis)


def overlap_and_add(signal: Any, frame_step: Any, name: Optional[str] = None) -> Tensor:
    """Sum frames ``[..., frames, frame_length]`` placed ``frame_step`` apart into one signal of
    length ``(frames - 1) * frame_step + frame_length`` (``tf.signal.overlap_and_add``)."""
    from ..ops.segment import unsorted_segment_sum
    from ..ops.shape import reshape, transpose
    x = convert_to_tensor(signal)
    step = _static_int(frame_step, "frame_step", "overlap_and_add")
    if x._value.ndim < 2:
        raise InvalidArgumentError(f"overlap_and_add: signal must have rank at least 2, got shape "
                                   f"{list(np.shape(x._value))}.")
    shape = list(np.shape(x._value))
    frames, length = shape[-2], shape[-1]
    outer = shape[:-2]
    out_len = length + step * (frames - 1) if frames else 0
    index = (np.arange(frames, dtype=np.int64)[:, None] * step
             + np.arange(length, dtype=np.int64)[None, :]).reshape(-1)
    k = len(outer)
    flat = reshape(x, outer + [frames * length])
    moved = transpose(flat, [k] + list(range(k)))                 # [frames*length, ...outer]
    summed = unsorted_segment_sum(moved, index, out_len)           # [out_len, ...outer]
    return transpose(summed, list(range(1, k + 1)) + [0])


# -- windows ----------------------------------------------------------------------------------

def _window_dtype(dtype: Any, op: str) -> np.dtype:
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"{op}: dtype must be a floating point type. Found {dt.name}.")
    return dt


def _raised_cosine(window_length: Any, periodic: Any, dtype: Any, a: float, b: float, op: str) -> Tensor:
    dt = _window_dtype(dtype, op)
    n = _static_int(window_length, "window_length", op)
    if n == 1:
        return convert_to_tensor(np.ones([1], dt.as_numpy_dtype))
    periodic = bool(np.asarray(getattr(periodic, "_value", periodic)))
    even = 1 - n % 2
    denom = n + (even if periodic else 0) - 1
    ndt = dt.as_numpy_dtype
    count = np.arange(n).astype(ndt)
    arg = np.asarray(2 * np.pi, ndt) * count / np.asarray(denom, ndt)
    return convert_to_tensor((np.asarray(a, ndt) - np.asarray(b, ndt) * np.cos(arg)).astype(ndt))


def hann_window(window_length: Any, periodic: Any = True, dtype: Any = _dtypes.float32,
                name: Optional[str] = None) -> Tensor:
    """Hann window ``0.5 - 0.5 cos(2 pi n / N)`` (``tf.signal.hann_window``); ``periodic`` uses
    N = window_length for even lengths (for spectral analysis), else N = window_length - 1."""
    return _raised_cosine(window_length, periodic, dtype, 0.5, 0.5, "hann_window")


def hamming_window(window_length: Any, periodic: Any = True, dtype: Any = _dtypes.float32,
                   name: Optional[str] = None) -> Tensor:
    """Hamming window ``0.54 - 0.46 cos(2 pi n / N)`` (``tf.signal.hamming_window``)."""
    return _raised_cosine(window_length, periodic, dtype, 0.54, 0.46, "hamming_window")


def kaiser_window(window_length: Any, beta: float = 12.0, dtype: Any = _dtypes.float32,
                  name: Optional[str] = None) -> Tensor:
    """Kaiser window with shape parameter ``beta`` (``tf.signal.kaiser_window``)."""
    dt = _window_dtype(dtype, "kaiser_window")
    n = _static_int(window_length, "window_length", "kaiser_window")
    if n == 1:
        return convert_to_tensor(np.ones([1], dt.as_numpy_dtype))
    half = (n - 1) / 2.0
    arg = np.arange(-half, half + 0.1, dtype=np.float32).astype(np.float64)
    num = beta * np.sqrt(np.maximum(0.0, 1.0 - np.square(arg / half)))
    window = np.i0(num) / np.i0(beta)
    return convert_to_tensor(window.astype(dt.as_numpy_dtype))


def kaiser_bessel_derived_window(window_length: Any, beta: float = 12.0,
                                 dtype: Any = _dtypes.float32, name: Optional[str] = None) -> Tensor:
    """Kaiser-Bessel-derived window (``tf.signal.kaiser_bessel_derived_window``)."""
    dt = _window_dtype(dtype, "kaiser_bessel_derived_window")
    n = _static_int(window_length, "window_length", "kaiser_bessel_derived_window")
    kaiser = np.asarray(kaiser_window(n // 2 + 1, beta, _dtypes.float64)._value)
    csum = np.cumsum(kaiser)
    half = np.sqrt(csum[:-1] / csum[-1])
    return convert_to_tensor(np.concatenate([half, half[::-1]]).astype(dt.as_numpy_dtype))


def vorbis_window(window_length: Any, dtype: Any = _dtypes.float32, name: Optional[str] = None) -> Tensor:
    """Vorbis power-complementary window (``tf.signal.vorbis_window``)."""
    dt = _window_dtype(dtype, "vorbis_window")
    n = _static_int(window_length, "window_length", "vorbis_window")
    arg = np.arange(n, dtype=np.float64)
    window = np.sin(np.pi / 2.0 * np.square(np.sin(np.pi / n * (arg + 0.5))))
    return convert_to_tensor(window.astype(dt.as_numpy_dtype))


# -- short-time Fourier transform ------------------------------------------------------------

def _enclosing_power_of_two(value: int) -> int:
    return int(2 ** np.ceil(np.log(value) / np.log(2.0)))



def _on_device_of(x: Tensor, w: Tensor) -> Tensor:
    """A window (made on the host) on the device of the signal it multiplies."""
    from .. import _array
    if _array.is_device(x._value) and not _array.is_device(w._value):
        from ..ops.array import on_device_of
        return on_device_of(w, x)
    return w

def stft(signals: Any, frame_length: Any, frame_step: Any, fft_length: Any = None,
         window_fn: Optional[Callable[..., Any]] = hann_window, pad_end: bool = False,
         name: Optional[str] = None) -> Tensor:
    """Short-time Fourier transform (``tf.signal.stft``): frames of ``frame_length`` samples every
    ``frame_step``, each multiplied by ``window_fn(frame_length, dtype=...)`` and transformed with
    an ``fft_length``-point rfft (default: the smallest enclosing power of 2). Shape
    ``[..., frames, fft_length // 2 + 1]``, complex."""
    x = convert_to_tensor(signals)
    length = _static_int(frame_length, "frame_length", "stft")
    n_fft = _enclosing_power_of_two(length) if fft_length is None else \
        _static_int(fft_length, "fft_length", "stft")
    framed = frame(x, length, frame_step, pad_end=pad_end)
    if window_fn is not None:
        framed = framed * _on_device_of(framed, window_fn(length, dtype=framed.dtype))
    return rfft(framed, [n_fft])


def inverse_stft_window_fn(frame_step: Any, forward_window_fn: Callable[..., Any] = hann_window,
                           name: Optional[str] = None) -> Callable[..., Tensor]:
    """The window that makes :func:`inverse_stft` invert :func:`stft` with ``forward_window_fn``
    (``tf.signal.inverse_stft_window_fn``): the forward window divided by the overlapping sum of
    its squares."""
    step = _static_int(frame_step, "frame_step", "inverse_stft_window_fn")

    def window(frame_length: Any, dtype: Any) -> Tensor:
        length = _static_int(frame_length, "frame_length", "inverse_stft_window_fn")
        forward = np.asarray(forward_window_fn(length, dtype=dtype)._value)
        denom = np.square(forward)
        overlaps = -(-length // step)
        denom = np.pad(denom, (0, overlaps * step - length)).reshape(overlaps, step)
        denom = np.tile(denom.sum(0, keepdims=True), (overlaps, 1)).reshape(-1)[:length]
        safe = np.where(denom == 0.0, 1.0, denom)
        return convert_to_tensor(np.where(denom == 0.0, 0.0, forward / safe).astype(forward.dtype))

    return window


def inverse_stft(stfts: Any, frame_length: Any, frame_step: Any, fft_length: Any = None,
                 window_fn: Optional[Callable[..., Any]] = hann_window,
                 name: Optional[str] = None) -> Tensor:
    """Inverse of :func:`stft` by overlap-add (``tf.signal.inverse_stft``); for perfect
    reconstruction pass ``window_fn=inverse_stft_window_fn(frame_step)``."""
    from ..ops.shape import pad
    x = convert_to_tensor(stfts)
    if x._value.ndim < 2:
        raise InvalidArgumentError(f"inverse_stft: stfts must have rank at least 2, got shape "
                                   f"{list(np.shape(x._value))}.")
    length = _static_int(frame_length, "frame_length", "inverse_stft")
    n_fft = _enclosing_power_of_two(length) if fft_length is None else \
        _static_int(fft_length, "fft_length", "inverse_stft")
    frames = irfft(x, [n_fft])
    have = np.shape(frames._value)[-1]
    if have > length:
        frames = frames[..., :length]
    elif have < length:
        frames = pad(frames, [[0, 0]] * (frames._value.ndim - 1) + [[0, length - have]])
    if window_fn is not None:
        frames = frames * window_fn(length, dtype=frames.dtype)
    return overlap_and_add(frames, frame_step)


# -- mel scale and MFCCs ----------------------------------------------------------------------

def _hertz_to_mel(f: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log(1.0 + f / 700.0)


def linear_to_mel_weight_matrix(num_mel_bins: int = 20, num_spectrogram_bins: Any = 129,
                                sample_rate: Any = 8000, lower_edge_hertz: float = 125.0,
                                upper_edge_hertz: float = 3800.0, dtype: Any = _dtypes.float32,
                                name: Optional[str] = None) -> Tensor:
    """The ``[num_spectrogram_bins, num_mel_bins]`` matrix of triangular mel filters, HTK's mel
    scale, peak 1, DC bin zeroed (``tf.signal.linear_to_mel_weight_matrix``). Computed in
    ``dtype`` with TF's formulas, so values match TF's to rounding."""
    dt = _window_dtype(dtype, "linear_to_mel_weight_matrix")
    ndt = dt.as_numpy_dtype
    num_bins = _static_int(num_spectrogram_bins, "num_spectrogram_bins", "linear_to_mel_weight_matrix")
    rate = float(np.asarray(getattr(sample_rate, "_value", sample_rate)))
    if num_mel_bins <= 0:
        raise ValueError(f"linear_to_mel_weight_matrix: num_mel_bins must be positive. Got: {num_mel_bins}")
    if lower_edge_hertz < 0.0:
        raise ValueError(f"linear_to_mel_weight_matrix: lower_edge_hertz must be non-negative. "
                         f"Got: {lower_edge_hertz}")
    if lower_edge_hertz >= upper_edge_hertz:
        raise ValueError(f"linear_to_mel_weight_matrix: lower_edge_hertz {lower_edge_hertz} >= "
                         f"upper_edge_hertz {upper_edge_hertz}")
    if rate <= 0.0:
        raise ValueError(f"linear_to_mel_weight_matrix: sample_rate must be positive. Got: {rate}")
    if upper_edge_hertz > rate / 2:
        raise ValueError(f"linear_to_mel_weight_matrix: upper_edge_hertz must not be larger than the "
                         f"Nyquist frequency (sample_rate / 2). Got {upper_edge_hertz} for "
                         f"sample_rate: {rate}")
    nyquist = np.asarray(rate, ndt) / np.asarray(2.0, ndt)
    linear = np.linspace(np.asarray(0.0, ndt), nyquist, num_bins).astype(ndt)[1:]
    bins_mel = _hertz_to_mel(linear).astype(ndt)[:, None]
    edges = np.linspace(_hertz_to_mel(np.asarray(lower_edge_hertz, ndt)),
                        _hertz_to_mel(np.asarray(upper_edge_hertz, ndt)), num_mel_bins + 2).astype(ndt)
    lower, center, upper = edges[:-2][None, :], edges[1:-1][None, :], edges[2:][None, :]
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = np.maximum(np.asarray(0.0, ndt), np.minimum(lower_slopes, upper_slopes))
    return convert_to_tensor(np.pad(weights, [[1, 0], [0, 0]]).astype(ndt))


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms: Any, name: Optional[str] = None) -> Tensor:
    """MFCCs: the orthonormal-scaled DCT-II of log-mel spectrograms over the last axis
    (``tf.signal.mfccs_from_log_mel_spectrograms``)."""
    x = convert_to_tensor(log_mel_spectrograms)
    n = np.shape(x._value)[-1] if x._value.ndim else 0
    if n == 0:
        raise ValueError(f"mfccs_from_log_mel_spectrograms: num_mel_bins must be positive. Got shape "
                         f"{list(np.shape(x._value))}")
    return dct(x, type=2) * float(1.0 / np.sqrt(2.0 * n))


# -- discrete cosine transform ----------------------------------------------------------------

def _check_dct(x: Tensor, type: int, n: Any, axis: int, norm: Any, op: str) -> None:  # noqa: A002
    if axis != -1:
        raise NotImplementedError(f"{op}: axis must be -1. Got: {axis}")
    if n is not None and n < 1:
        raise ValueError(f"{op}: n should be a positive integer or None")
    if type not in (1, 2, 3, 4):
        raise ValueError(f"{op}: Types I, II, III and IV (I)DCT are supported.")
    if type == 1:
        if norm == "ortho":
            raise ValueError(f"{op}: Normalization is not supported for the Type-I DCT.")
        if x._value.ndim and np.shape(x._value)[-1] < 2:
            raise ValueError(f"{op}: Type-I DCT requires the dimension to be greater than one.")
    if norm not in (None, "ortho"):
        raise ValueError(f"{op}: Unknown normalization. Expected None or 'ortho', got: {norm}")


def _complex_const(values: np.ndarray, real_dtype: np.dtype) -> np.ndarray:
    return values.astype(np.complex64 if real_dtype == np.float32 else np.complex128)


def _dct(x: Tensor, type: int, n: Optional[int], norm: Optional[str]) -> Tensor:  # noqa: A002
    from ..ops.shape import concat
    from ..ops.math import cast, real
    from ..ops.shape import pad
    if n is not None:
        have = np.shape(x._value)[-1]
        if n <= have:
            x = x[..., :n]
        else:
            x = pad(x, [[0, 0]] * (x._value.ndim - 1) + [[0, n - have]])
    dim = np.shape(x._value)[-1]
    rdt = np.dtype(x._value.dtype)
    if type == 1:
        return real(rfft(concat([x, x[..., -2:0:-1]], axis=-1)))
    if type == 2:
        k = np.arange(dim, dtype=np.float64)
        scale = _complex_const(2.0 * np.exp(-1j * k * _math.pi * 0.5 / dim), rdt)
        out = real(rfft(x, [2 * dim])[..., :dim] * scale)
        if norm == "ortho":
            n1 = 0.5 / np.sqrt(dim)
            w = np.full(dim, n1 * _math.sqrt(2.0))
            w[0] = n1
            out = out * w.astype(rdt)
        return out
    if type == 3:
        if norm == "ortho":
            n1 = np.sqrt(dim)
            w = np.full(dim, n1 * _math.sqrt(0.5))
            w[0] = n1
            x = x * w.astype(rdt)
        else:
            x = x * float(dim)
        k = np.arange(dim, dtype=np.float64)
        scale = _complex_const(2.0 * np.exp(1j * k * _math.pi * 0.5 / dim), rdt)
        spec = cast(x, scale.dtype) * scale
        return irfft(spec, [2 * dim])[..., :dim]
    out = _dct(x, 2, 2 * dim, None)[..., 1::2]
    if norm == "ortho":
        out = out * float(_math.sqrt(0.5) / np.sqrt(dim))
    return out


def dct(input: Any, type: int = 2, n: Optional[int] = None, axis: int = -1,  # noqa: A002
        norm: Optional[str] = None, name: Optional[str] = None) -> Tensor:
    """Discrete cosine transform of types I-IV over the last axis (``tf.signal.dct``, scipy's
    definitions); ``n`` crops or zero-pads the input first; ``norm="ortho"`` for II-IV."""
    x = convert_to_tensor(input)
    _check_dct(x, type, n, axis, norm, "dct")
    return _dct(x, type, n, norm)


def idct(input: Any, type: int = 2, n: Optional[int] = None, axis: int = -1,  # noqa: A002
         norm: Optional[str] = None, name: Optional[str] = None) -> Tensor:
    """Inverse DCT (``tf.signal.idct``): the DCT of the inverse type (I, III, II, IV); divide by
    ``2 * N`` (or use ``norm="ortho"``) to invert :func:`dct` exactly."""
    x = convert_to_tensor(input)
    _check_dct(x, type, n, axis, norm, "idct")
    return _dct(x, {1: 1, 2: 3, 3: 2, 4: 4}[type], n, norm)


def mdct(signals: Any, frame_length: int, window_fn: Optional[Callable[..., Any]] = vorbis_window,
         pad_end: bool = False, norm: Optional[str] = None, name: Optional[str] = None) -> Tensor:
    """Modified DCT of frames of ``frame_length`` samples with 50% overlap (``tf.signal.mdct``);
    ``frame_length`` must be a multiple of 4."""
    from ..ops.shape import concat, reverse, split
    x = convert_to_tensor(signals)
    length = _static_int(frame_length, "frame_length", "mdct")
    if length % 4 != 0:
        raise ValueError("mdct: The frame length must be a multiple of 4.")
    framed = frame(x, length, length // 2, pad_end=pad_end)
    if window_fn is not None:
        framed = framed * _on_device_of(framed, window_fn(length, dtype=framed.dtype))
    else:
        framed = framed * float(1.0 / np.sqrt(2))
    a, b, c, d = split(framed, 4, axis=-1)
    first = -reverse(c, [-1]) - d
    second = a - reverse(b, [-1])
    return dct(concat([first, second], axis=-1), type=4, norm=norm)


def inverse_mdct(mdcts: Any, window_fn: Optional[Callable[..., Any]] = vorbis_window,
                 norm: Optional[str] = None, name: Optional[str] = None) -> Tensor:
    """Inverse of :func:`mdct` by overlap-add (``tf.signal.inverse_mdct``)."""
    from ..ops.shape import concat, reverse, split
    x = convert_to_tensor(mdcts)
    if x._value.ndim < 2:
        raise InvalidArgumentError(f"inverse_mdct: mdcts must have rank at least 2, got shape "
                                   f"{list(np.shape(x._value))}.")
    half = np.shape(x._value)[-1]
    if norm is None:
        idct4 = dct(x, type=4) * float(0.5 / half)
    elif norm == "ortho":
        idct4 = dct(x, type=4, norm="ortho")
    else:
        raise ValueError(f"inverse_mdct: Unknown normalization. Expected None or 'ortho', got: {norm}")
    p, q = split(idct4, 2, axis=-1)
    frames = concat([q, -reverse(q, [-1]), -reverse(p, [-1]), -p], axis=-1)
    if window_fn is not None:
        frames = frames * window_fn(2 * half, dtype=x.dtype)
    else:
        frames = frames * float(1.0 / np.sqrt(2))
    return overlap_and_add(frames, half)

