"""Gradients through complex tensors follow TF's convention (``dL/dRe z + i dL/dIm z`` for a real
loss), checked against central finite differences in float64, first and second order, for every
op TF differentiates on complex inputs; ops TF has no complex kernel for raise a clear error.
Values recorded from real TF for some of them live in tests/tf_reference/signal_cases.py."""
from __future__ import annotations

import numpy as np
import pytest

import gradtape as tf
from gradtape.testing import check_gradients

RNG = np.random.default_rng(20261205)
A0 = RNG.uniform(0.3, 0.9, (3,))
B0 = RNG.uniform(0.2, 0.7, (3,))
W1 = np.array([0.7, -1.3, 0.4])
W2 = np.array([1.1, 0.5, -0.8])


def _matrix(z):
    return tf.reshape(tf.concat([z, z * z, z + 1.0], 0)[:4], [2, 2])


def _flat3(t):
    return tf.reshape(t, [-1])[:3]


SUPPORTED = {
    "abs": tf.abs, "acos": tf.math.acos, "acosh": lambda z: tf.math.acosh(z + 2.0), "asin": tf.math.asin,
    "asinh": tf.math.asinh, "atan": tf.math.atan, "atanh": tf.math.atanh, "cos": tf.cos, "cosh": tf.math.cosh,
    "exp": tf.exp, "expm1": tf.math.expm1, "log": tf.math.log, "log1p": tf.math.log1p,
    "reciprocal": tf.math.reciprocal, "rsqrt": tf.math.rsqrt, "sigmoid": tf.sigmoid, "sin": tf.sin,
    "sinh": tf.math.sinh, "sqrt": tf.sqrt, "square": tf.square, "tan": tf.math.tan, "tanh": tf.tanh,
    "negative": tf.negative, "conj": tf.math.conj,
    "divide_no_nan": lambda z: tf.math.divide_no_nan(z, z * z + 1.0),
    "multiply_no_nan": lambda z: tf.math.multiply_no_nan(z, z * z + 1.0),
    "divide": lambda z: z / (z * z + 1.0),
    "pow": lambda z: tf.pow(z, z * 0.5 + 1.0),
    "pow_python_exponent": lambda z: tf.pow(z, 3.0),
    "xdivy": lambda z: tf.math.xdivy(z * z, z + 1.0),
    "cumsum": lambda z: tf.cumsum(z * z),
    "cumprod": lambda z: tf.math.cumprod(z + 1.0),
    "reduce_prod": lambda z: tf.reduce_prod(z + 1.0),
    "reduce_sum": lambda z: tf.reduce_sum(z * z),
    "reduce_mean": lambda z: tf.reduce_mean(z * z),
    "matmul": lambda z: _flat3(tf.matmul(_matrix(z), _matrix(z))),
    "einsum": lambda z: _flat3(tf.einsum("ij,jk->ik", _matrix(z), _matrix(z))),
    "tensordot": lambda z: tf.tensordot(z, z * 2.0, 1),
    "matrix_inverse": lambda z: _flat3(tf.linalg.inv(_matrix(z) + 2.0)),
    "matrix_determinant": lambda z: tf.linalg.det(_matrix(z) + 2.0),
    "matrix_solve": lambda z: _flat3(tf.linalg.solve(_matrix(z) + 2.0, _matrix(z))),
    "slogdet": lambda z: tf.math.real(tf.linalg.slogdet(_matrix(z) + 2.0)[1]),
    "transpose_conjugate": lambda z: _flat3(tf.transpose(_matrix(z), conjugate=True)),
    "norm": lambda z: tf.norm(z),
    "l2_normalize": lambda z: tf.math.l2_normalize(z),
    "gather": lambda z: tf.gather(z * z, [0, 2, 2]),
    "where": lambda z: tf.where([True, False, True], z * z, z),
    "fft": lambda z: tf.signal.fft(z * z),
    "ifft": lambda z: tf.signal.ifft(z * z),
    "irfft": lambda z: _flat3(tf.cast(tf.signal.irfft(z * z, [4]), tf.complex128)),
}

# TF registers no complex kernel for these: gradtape refuses complex input instead of computing.
REJECTED = {
    "erf": tf.math.erf, "erfc": tf.math.erfc, "lgamma": tf.math.lgamma, "digamma": tf.math.digamma,
    "softplus": tf.nn.softplus, "relu": tf.nn.relu, "elu": tf.nn.elu, "selu": tf.nn.selu,
    "leaky_relu": tf.nn.leaky_relu, "softmax": tf.nn.softmax, "log_softmax": tf.nn.log_softmax,
    "reduce_logsumexp": tf.reduce_logsumexp, "maximum": lambda z: tf.maximum(z, z),
    "minimum": lambda z: tf.minimum(z, z), "reduce_max": tf.reduce_max, "reduce_min": tf.reduce_min,
}


def _loss(op):
    def f(a, b):
        y = op(tf.complex(a, b))
        return tf.reduce_sum(tf.math.real(y) * W1 + tf.math.imag(y) * W2)
    return f


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_complex_gradient_matches_finite_differences(name, order):
    check_gradients(_loss(SUPPORTED[name]), [A0, B0], order=order)


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_ops_without_a_complex_kernel_refuse_complex_input(name):
    z = tf.complex(tf.constant(A0), tf.constant(B0))
    with pytest.raises((TypeError, tf.errors.InvalidArgumentError), match="complex|real"):
        REJECTED[name](z)


def test_sign_gradient_is_zero_for_complex_as_tf():
    z = tf.complex(tf.constant(A0), tf.constant(B0))
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.reduce_sum(tf.math.real(tf.sign(z)))
    np.testing.assert_array_equal(tape.gradient(y, z).numpy(), np.zeros(3, np.complex128))
