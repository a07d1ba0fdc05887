"""Cases for ``tf.signal`` (Fourier transforms, frame/overlap_and_add, windows, stft and its
inverse, mel matrix, MFCCs, DCT, MDCT), with values and gradients; part of ``api_cases.CASES``,
so record_api_ops.py records them from real TensorFlow and tests/test_api_ops.py checks gradtape.
Inputs are float64 unless a case checks float32's result dtype."""
from __future__ import annotations

import numpy as np

_R = np.random.default_rng(20261205)
SIG = _R.normal(size=(2, 37))                      # two signals, odd length
IMG = _R.normal(size=(2, 5, 6))
CRE, CIM = _R.normal(size=(2, 7)), _R.normal(size=(2, 7))
C2RE, C2IM = _R.normal(size=(3, 4, 5)), _R.normal(size=(3, 4, 5))
W_RE, W_IM = _R.normal(size=(2, 7)), _R.normal(size=(2, 7))


def _grad(tf, f, x):
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = f(t)
    return [y, tape.gradient(y, t)]


def _cgrad(tf, f, re, im):
    """f maps a complex tensor to a real scalar; gradients with respect to the real and imaginary
    parts (TF's complex convention, taken through tf.complex)."""
    a, b = tf.constant(re), tf.constant(im)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = f(tf.complex(a, b))
    return [y] + tape.gradient(y, [a, b])


def _weighted(tf, z, wre, wim):
    """A real scalar that depends on both parts of z with distinct weights."""
    return tf.reduce_sum(tf.math.real(z) * wre + tf.math.imag(z) * wim)


def _c(re, im):
    return np.asarray(re) + 1j * np.asarray(im)


def _second(tf, f, x):
    from api_cases import grad2     # the shared second-order helper (api_cases imports this module)
    return grad2(tf, f, x)


def _rfft_weighted(tf, x, n):
    z = tf.signal.rfft(x, [n])
    bins = n // 2 + 1
    w = np.linspace(-1.0, 2.0, bins)
    return tf.reduce_sum(tf.math.real(z) * w + tf.math.imag(z) * w[::-1] ** 2)


SIGNAL_CASES = {
    # Fourier transforms: values and gradients
    "signal_fft": lambda tf: tf.signal.fft(tf.constant(_c(CRE, CIM))),
    "signal_ifft": lambda tf: tf.signal.ifft(tf.constant(_c(CRE, CIM))),
    "signal_fft2d": lambda tf: tf.signal.fft2d(tf.constant(_c(C2RE, C2IM))),
    "signal_ifft3d": lambda tf: tf.signal.ifft3d(tf.constant(_c(C2RE, C2IM))),
    "signal_fft_complex64": lambda tf: tf.signal.fft(tf.constant(_c(CRE, CIM).astype(np.complex64))),
    "signal_fft_grad": lambda tf: _cgrad(tf, lambda z: _weighted(tf, tf.signal.fft(z), W_RE, W_IM), CRE, CIM),
    "signal_ifft_grad": lambda tf: _cgrad(tf, lambda z: _weighted(tf, tf.signal.ifft(z), W_RE, W_IM), CRE, CIM),
    "signal_fft2d_grad": lambda tf: _cgrad(tf, lambda z: _weighted(tf, tf.signal.fft2d(z), C2IM, C2RE), C2RE, C2IM),
    "signal_rfft": lambda tf: tf.signal.rfft(tf.constant(SIG)),
    "signal_rfft_float32": lambda tf: tf.signal.rfft(tf.constant(SIG[:, :8].astype(np.float32))),
    "signal_rfft_pad": lambda tf: tf.signal.rfft(tf.constant(SIG), [40]),
    "signal_rfft_crop": lambda tf: tf.signal.rfft(tf.constant(SIG), [16]),
    "signal_rfft_grad_odd": lambda tf: _grad(tf, lambda x: _rfft_weighted(tf, x, 37), SIG),
    # (TF 2.21's rfft gradient fails when fft_length crops the input -- "Incompatible shapes";
    # gradtape's is checked against finite differences in tests/op_db_signal.py)
    "signal_rfft_grad_pad": lambda tf: _grad(tf, lambda x: _rfft_weighted(tf, x, 40), SIG),
    "signal_irfft": lambda tf: tf.signal.irfft(tf.constant(_c(CRE, CIM))),
    "signal_irfft_odd": lambda tf: tf.signal.irfft(tf.constant(_c(CRE, CIM)), [13]),
    "signal_irfft_pad": lambda tf: tf.signal.irfft(tf.constant(_c(CRE, CIM)), [20]),
    "signal_irfft_grad": lambda tf: _cgrad(tf, lambda z: tf.reduce_sum(
        tf.signal.irfft(z) * np.linspace(-1.0, 1.0, 12)), CRE, CIM),
    "signal_irfft_grad_odd": lambda tf: _cgrad(tf, lambda z: tf.reduce_sum(
        tf.signal.irfft(z, [13]) * np.linspace(-1.0, 1.0, 13) ** 2), CRE, CIM),
    "signal_rfft2d": lambda tf: tf.signal.rfft2d(tf.constant(IMG)),
    "signal_rfft2d_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(
        tf.abs(tf.signal.rfft2d(x)) ** 2 * 0.5 + tf.math.imag(tf.signal.rfft2d(x))), IMG),
    "signal_irfft2d": lambda tf: tf.signal.irfft2d(tf.constant(_c(C2RE, C2IM))),
    "signal_irfft2d_grad": lambda tf: _cgrad(tf, lambda z: tf.reduce_sum(
        tf.signal.irfft2d(z) * np.linspace(0.0, 1.0, 8)), C2RE, C2IM),
    "signal_rfft_second_order": lambda tf: _second(tf, lambda x: tf.abs(tf.signal.rfft(x)) ** 2, SIG[:, :10]),
    "signal_rfft_bad_dtype": lambda tf: tf.signal.rfft(tf.constant([1, 2, 3])),
    "signal_fftshift": lambda tf: tf.signal.fftshift(tf.reshape(tf.range(15), [3, 5])),
    "signal_ifftshift_axes": lambda tf: tf.signal.ifftshift(tf.reshape(tf.range(24), [4, 6]), axes=1),
    # framing
    "signal_frame": lambda tf: tf.signal.frame(tf.constant(SIG), 8, 5),
    "signal_frame_pad_end": lambda tf: tf.signal.frame(tf.constant(SIG), 8, 5, pad_end=True, pad_value=-1.0),
    "signal_frame_axis0": lambda tf: tf.signal.frame(tf.constant(IMG), 3, 2, axis=1),
    "signal_frame_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(
        tf.signal.frame(x, 8, 3) ** 2 * np.linspace(0, 1, 8)), SIG),
    "signal_overlap_and_add": lambda tf: tf.signal.overlap_and_add(tf.constant(IMG), 2),
    "signal_overlap_and_add_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(
        tf.signal.overlap_and_add(x, 4) * np.linspace(-1, 1, 22)), IMG),
    # windows
    "signal_hann": lambda tf: tf.signal.hann_window(10),
    "signal_hann_odd_symmetric": lambda tf: tf.signal.hann_window(9, periodic=False, dtype=tf.float64),
    "signal_hann_one": lambda tf: tf.signal.hann_window(1),
    "signal_hamming": lambda tf: tf.signal.hamming_window(11, dtype=tf.float64),
    "signal_kaiser": lambda tf: tf.signal.kaiser_window(8, beta=6.0, dtype=tf.float64),
    "signal_kbd": lambda tf: tf.signal.kaiser_bessel_derived_window(10, dtype=tf.float64),
    "signal_vorbis": lambda tf: tf.signal.vorbis_window(8, dtype=tf.float64),
    # stft and its inverse
    "signal_stft": lambda tf: tf.signal.stft(tf.constant(SIG), 16, 4),
    "signal_stft_float32": lambda tf: tf.signal.stft(tf.constant(SIG.astype(np.float32)), 12, 6, pad_end=True),
    "signal_stft_fft_length": lambda tf: tf.signal.stft(tf.constant(SIG), 10, 5, fft_length=32,
                                                        window_fn=tf.signal.hamming_window),
    "signal_stft_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(tf.abs(tf.signal.stft(x, 16, 4)) ** 2), SIG),
    "signal_spectrogram_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(
        tf.math.log(tf.abs(tf.signal.stft(x, 16, 8, pad_end=True)) + 1e-3)), SIG),
    "signal_inverse_stft": lambda tf: tf.signal.inverse_stft(tf.signal.stft(tf.constant(SIG), 16, 4), 16, 4),
    "signal_inverse_stft_window": lambda tf: tf.signal.inverse_stft(
        tf.signal.stft(tf.constant(SIG), 16, 4), 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4)),
    "signal_inverse_stft_grad": lambda tf: _cgrad(tf, lambda z: tf.reduce_sum(
        tf.signal.inverse_stft(z, 8, 4, fft_length=12) ** 2), _R2[0], _R2[1]),
    # mel and MFCC
    "signal_mel": lambda tf: tf.signal.linear_to_mel_weight_matrix(),
    "signal_mel_16k": lambda tf: tf.signal.linear_to_mel_weight_matrix(40, 257, 16000, 20.0, 7600.0, tf.float64),
    "signal_mel_bad_edge": lambda tf: tf.signal.linear_to_mel_weight_matrix(20, 129, 8000, 125.0, 5000.0),
    "signal_mfcc": lambda tf: tf.signal.mfccs_from_log_mel_spectrograms(tf.constant(IMG)),
    "signal_mfcc_pipeline_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(
        tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(tf.tensordot(
            tf.abs(tf.signal.stft(x, 16, 8)), tf.signal.linear_to_mel_weight_matrix(
                6, 9, 8000, 100.0, 3000.0, tf.float64), 1) + 1e-6))[..., :4] ** 2), SIG),
    # DCT
    **{f"signal_dct{t}{'_ortho' if o else ''}": (lambda tf, t=t, o=o: tf.signal.dct(
        tf.constant(IMG), type=t, norm=o)) for t in (1, 2, 3, 4) for o in (None, "ortho") if not (t == 1 and o)},
    "signal_dct_n_pad": lambda tf: tf.signal.dct(tf.constant(IMG), n=9),
    "signal_dct_n_crop": lambda tf: tf.signal.dct(tf.constant(IMG), type=3, n=4, norm="ortho"),
    "signal_idct2": lambda tf: tf.signal.idct(tf.constant(IMG), type=2),
    "signal_dct_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(
        tf.signal.dct(x, type=2, norm="ortho") * np.linspace(-1, 1, 6)), IMG),
    "signal_dct3_grad": lambda tf: _grad(tf, lambda x: tf.reduce_sum(tf.signal.dct(x, type=3) ** 2), IMG),
    "signal_dct1_ortho_bad": lambda tf: tf.signal.dct(tf.constant(IMG), type=1, norm="ortho"),
    "signal_mdct": lambda tf: tf.signal.mdct(tf.constant(SIG), 8),
    "signal_inverse_mdct": lambda tf: tf.signal.inverse_mdct(tf.signal.mdct(tf.constant(SIG), 8, pad_end=True)),
}

_R2 = (_R.normal(size=(3, 7)), _R.normal(size=(3, 7)))
