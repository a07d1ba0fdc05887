"""Cases for ``tf.experimental.numpy`` (NumPy's dtype rules on tensors), part of
``api_cases.CASES``. ``experimental_enable_numpy_behavior`` changes the process, so it is tested
in a subprocess by tests/test_experimental_numpy.py instead."""
from __future__ import annotations

import numpy as np


def _tnp(tf):
    return tf.experimental.numpy


def _grad(tf):
    tnp = _tnp(tf)
    x = tf.constant([1.0, 2.0, 3.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tnp.sum(tnp.multiply(tnp.square(tnp.exp(x * 0.5)), [1, 2, 3]))
    return [y, tape.gradient(y, x)]


TNP_CASES = {
    "tnp_asarray_float": lambda tf: _tnp(tf).asarray([1.0, 2.0]),
    "tnp_array_int": lambda tf: _tnp(tf).array([1, 2]),
    "tnp_arange": lambda tf: _tnp(tf).arange(5),
    "tnp_arange_float": lambda tf: _tnp(tf).arange(0.0, 1.0, 0.25),
    "tnp_ones": lambda tf: _tnp(tf).ones([2, 3]),
    "tnp_zeros_int32": lambda tf: _tnp(tf).zeros([2], dtype=np.int32),
    "tnp_mean_int": lambda tf: _tnp(tf).mean(_tnp(tf).asarray([[1, 2], [3, 5]]), axis=0),
    "tnp_sum_int32": lambda tf: _tnp(tf).sum(tf.constant([1, 2], tf.int32)),
    "tnp_add_promotes": lambda tf: _tnp(tf).add([1, 2], [1.5, 2.0]),
    "tnp_add_tensor_float32_int": lambda tf: _tnp(tf).add(tf.constant([1.5]), tf.constant([2])),
    "tnp_square_int": lambda tf: _tnp(tf).square([1, 2]),
    "tnp_maximum": lambda tf: _tnp(tf).maximum([1, 5], [3, 2]),
    "tnp_matmul": lambda tf: _tnp(tf).matmul([[1.0, 2.0]], [[3.0], [4.0]]),
    "tnp_dot_vectors": lambda tf: _tnp(tf).dot([1, 2, 3], [4, 5, 6]),
    "tnp_expand_dims": lambda tf: _tnp(tf).expand_dims([1, 2], 0),
    # (tnp.exp/sqrt of integers fail in TF 2.21 unless numpy behaviour is on; gradtape gives
    # NumPy's float64 -- tests/test_experimental_numpy.py)
    "tnp_exp_float": lambda tf: _tnp(tf).exp(1.0),
    "tnp_sqrt_float": lambda tf: _tnp(tf).sqrt([4.0, 9.0]),
    "tnp_divide_ints": lambda tf: _tnp(tf).divide([1, 2], [4, 4]),
    "tnp_std": lambda tf: _tnp(tf).std([[1.0, 2.0], [3.0, 7.0]], axis=1),
    "tnp_argmax_flat": lambda tf: _tnp(tf).argmax([[1, 9], [3, 4]]),
    "tnp_reshape_transpose": lambda tf: _tnp(tf).transpose(_tnp(tf).reshape(_tnp(tf).arange(6), (2, 3))),
    "tnp_concatenate": lambda tf: _tnp(tf).concatenate([[1, 2], [3.5]]),
    "tnp_where": lambda tf: _tnp(tf).where([True, False], [1, 2], [3.0, 4.0]),
    "tnp_clip": lambda tf: _tnp(tf).clip([1, 5, 9], 2, 6),
    "tnp_linspace": lambda tf: _tnp(tf).linspace(0, 1, 5),
    "tnp_eye": lambda tf: _tnp(tf).eye(3, k=1),
    "tnp_random_randn_dtype": lambda tf: _tnp(tf).random.randn(3).dtype == tf.float64,
    "tnp_random_randint_dtype": lambda tf: _tnp(tf).random.randint(0, 5, size=4).dtype == tf.int64,
    "tnp_dtypes_are_numpy": lambda tf: [_tnp(tf).float32 is np.float32, _tnp(tf).int64 is np.int64,
                                        _tnp(tf).newaxis is None, _tnp(tf).ndarray is type(tf.constant(1.0))
                                        or issubclass(type(tf.constant(1.0)), _tnp(tf).ndarray)],
    "tnp_gradient": _grad,
}
