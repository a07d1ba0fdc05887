"""Op-database entries for the special functions (``ops/special.py``) and the added linear algebra
(band_part, slogdet, logdet, cross, triangular/cholesky solves, lstsq, pinv, eigh, svd, qr).

References: the gamma family is checked against Python's ``math.lgamma`` and series written out
independently (digamma and polygamma by direct summation of 1/(x+k)^(n+1) plus an integral tail);
matrix ops against NumPy's LAPACK routines.
"""
from __future__ import annotations

import math

import numpy as np

import gradtape as tf
from op_db import OpInfo, Sample, _u, unary, binary


def _lgamma_ref(x):
    return np.vectorize(math.lgamma)(x)


def _hurwitz_ref(s, x, terms=20000):
    """sum_{k>=0} (x+k)^-s by brute force plus the Euler-Maclaurin tail."""
    x = np.asarray(x, dtype=np.float64)
    k = np.arange(terms, dtype=np.float64)
    head = np.sum((x[..., None] + k) ** (-s), axis=-1)
    y = x + terms
    return head + y ** (1 - s) / (s - 1) + 0.5 * y ** (-s) + s * y ** (-s - 1) / 12


def _digamma_ref(x, terms=20000):
    x = np.asarray(x, dtype=np.float64)
    k = np.arange(terms, dtype=np.float64)
    # psi(x) = -gamma + sum_k (1/(k+1) - 1/(k+x)), tail ~ log(N + x) - log(N+1) style correction
    head = np.sum(1.0 / (k + 1) - 1.0 / (k[None] + x[..., None] if x.ndim else k + x), axis=-1)
    n = terms
    tail = np.log((n + x - 0.5) / (n + 0.5))  # midpoint estimate of the remaining sum
    return -0.5772156649015329 + head + tail


def _polygamma_ref(n, x):
    return (-1) ** (n + 1) * math.factorial(n) * _hurwitz_ref(n + 1, x)


def _sym(x):
    return (x + np.swapaxes(x, -1, -2)) / 2


def _spd(rng, n, batch=()):
    a = rng.uniform(-1, 1, batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _tf_sym(x):
    return (x + tf.linalg.matrix_transpose(x)) / 2


OPS: list = []
add = OPS.append

add(unary("atanh", tf.math.atanh, np.arctanh, lo=-0.8, hi=0.8))
add(unary("asinh", tf.math.asinh, np.arcsinh, lo=-3, hi=3))
add(unary("acosh", tf.math.acosh, np.arccosh, lo=1.2, hi=4))
add(unary("erfc", tf.math.erfc, lambda x: 1 - np.vectorize(math.erf)(x), lo=-2, hi=2))
add(binary("xdivy", tf.math.xdivy, lambda x, y: x / y, lo=-2, hi=2, lo2=0.5, hi2=2.0))
add(unary("lgamma", tf.math.lgamma, _lgamma_ref, lo=0.2, hi=6.0, rtol=2e-5))
add(OpInfo("lgamma_negative", tf.math.lgamma, _lgamma_ref,
           lambda rng: [Sample((np.array([-0.5, -1.3, -2.7, -3.4]),), name="reflection")],
           covers=("lgamma",), rtol=2e-5))
add(unary("digamma", tf.math.digamma, lambda x: _digamma_ref(np.atleast_1d(x)).reshape(np.shape(x)),
          lo=0.2, hi=6.0, rtol=1e-5, atol=1e-5))
add(OpInfo("digamma_negative", tf.math.digamma, lambda x: _digamma_ref(x),
           lambda rng: [Sample((np.array([-0.5, -1.3, -2.7]),), name="reflection")],
           covers=("digamma",), rtol=1e-5, atol=1e-5))
for _n in (1, 2, 3):
    add(OpInfo(f"polygamma_{_n}", (lambda n: lambda x: tf.math.polygamma(float(n), x))(_n),
               (lambda n: lambda x: _polygamma_ref(n, np.atleast_1d(x)).reshape(np.shape(x)))(_n),
               lambda rng: [Sample((_u(rng, (4,), 0.3, 5.0),), name="pos"),
                            Sample((np.array([-0.5, -1.5, 2.5]),), name="neg")],
               covers=("polygamma",), rtol=1e-5, grad_rtol=1e-3))
add(OpInfo("truncatemod", tf.truncatemod, np.fmod,
           lambda rng: [Sample((_u(rng, (5,), -4, 4), _u(rng, (5,), 0.7, 2.0) * np.array([1, -1, 1, -1, 1])))],
           grad=False))
add(OpInfo("polyval", lambda c0, c1, c2, x: tf.math.polyval([c0, c1, c2], x),
           lambda c0, c1, c2, x: (c0 * x + c1) * x + c2,
           lambda rng: [Sample((_u(rng, (), -1, 1), _u(rng, (3,), -1, 1), _u(rng, (), -1, 1), _u(rng, (3,), -2, 2)))],
           covers=("multiply", "add")))
add(OpInfo("in_top_k", lambda p, t: tf.math.in_top_k(t, p, k=2),
           lambda p, t: np.array([np.sum(p[i] > p[i, t[i]]) < 2 for i in range(len(t))]),
           lambda rng: [Sample((np.array([[0.1, 0.5, 0.3, 0.2], [1.0, 1.0, 1.0, 0.0], [0.3, 0.2, 0.1, 0.0]]),
                                np.array([0, 2, 2])))],
           grad=False))
add(OpInfo("cumulative_logsumexp", tf.math.cumulative_logsumexp,
           lambda x, axis=0, exclusive=False, reverse=False: np.log(np.cumsum(
               np.exp(np.flip(x, axis) if reverse else x), axis=axis)) if not reverse else
           np.flip(np.log(np.cumsum(np.exp(np.flip(x, axis)), axis=axis)), axis),
           lambda rng: [Sample((_u(rng, (4,), -2, 2),), name="1d"),
                        Sample((_u(rng, (2, 3), -2, 2),), {"axis": 1, "reverse": True}, "reverse")],
           covers=("cumsum", "exp", "log")))

# -- linear algebra -------------------------------------------------------------------------------

add(OpInfo("band_part", lambda x, lo, up: tf.linalg.band_part(x, lo, up),
           lambda x, lo, up: x * np.array([[(lo < 0 or i - j <= lo) and (up < 0 or j - i <= up)
                                             for j in range(x.shape[-1])] for i in range(x.shape[-2])]),
           lambda rng: [Sample((_u(rng, (3, 4), -1, 1), 1, 0), name="1-0"),
                        Sample((_u(rng, (2, 3, 3), -1, 1), 0, -1), name="upper"),
                        Sample((_u(rng, (4, 3), -1, 1), -1, 1), name="lower+1")],
           covers=("where",)))
add(OpInfo("log_matrix_determinant", lambda x: tf.linalg.slogdet(x)[1],
           lambda x: np.linalg.slogdet(x)[1],
           lambda rng: [Sample((_spd(rng, 3) * np.array([1, -1, 1]),), name="negdet"),
                        Sample((_spd(rng, 2, (2,)),), name="batch")]))
add(OpInfo("slogdet_sign", lambda x: tf.linalg.slogdet(x)[0], lambda x: np.linalg.slogdet(x)[0],
           lambda rng: [Sample((_spd(rng, 3) * np.array([1, -1, 1]),))], diff_args=(),
           covers=("log_matrix_determinant",)))
add(OpInfo("logdet", tf.linalg.logdet, lambda x: np.linalg.slogdet(x)[1],
           lambda rng: [Sample((_spd(rng, 3),))], covers=("cholesky",), rtol=1e-4,
           # logdet reads the lower triangle only: symmetrise the input so finite differences agree
           ))
OPS[-1].fn = lambda x: tf.linalg.logdet(_tf_sym(x))
add(OpInfo("cross", tf.linalg.cross, np.cross,
           lambda rng: [Sample((_u(rng, (3,), -1, 1), _u(rng, (3,), -1, 1))),
                        Sample((_u(rng, (2, 3), -1, 1), _u(rng, (2, 3), -1, 1)), name="batch")],
           covers=("multiply", "subtract")))
add(OpInfo("triangular_solve", lambda a, b, **kw: tf.linalg.triangular_solve(a, b, **kw),
           lambda a, b, lower=True, adjoint=False: np.linalg.solve(
               (np.tril(a) if lower else np.triu(a)).swapaxes(-1, -2) if adjoint else
               (np.tril(a) if lower else np.triu(a)), b),
           lambda rng: [Sample((_spd(rng, 3), _u(rng, (3, 2), -1, 1)), name="lower"),
                        Sample((_spd(rng, 3), _u(rng, (3, 2), -1, 1)), {"lower": False, "adjoint": True}, "upper-adj")],
           covers=("matrix_solve",), rtol=1e-4))
add(OpInfo("cholesky_solve", tf.linalg.cholesky_solve,
           lambda l, b: np.linalg.solve(np.tril(l) @ np.tril(l).T, b),
           lambda rng: [Sample((np.linalg.cholesky(_spd(rng, 3)), _u(rng, (3, 2), -1, 1)))],
           covers=("matrix_solve",), rtol=1e-4))
add(OpInfo("lstsq", tf.linalg.lstsq, lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
           lambda rng: [Sample((_u(rng, (5, 3), -1, 1), _u(rng, (5, 2), -1, 1)), name="tall"),
                        Sample((_u(rng, (2, 4), -1, 1), _u(rng, (2, 1), -1, 1)), name="wide")],
           covers=("cholesky",), rtol=1e-3, atol=1e-4, grad_rtol=1e-3, grad_atol=1e-4))
add(OpInfo("pinv", tf.linalg.pinv, np.linalg.pinv,
           lambda rng: [Sample((_u(rng, (4, 3), -1, 1),), name="tall"),
                        Sample((_u(rng, (2, 3), -1, 1),), name="wide")],
           covers=("matrix_inverse",), rtol=1e-4, atol=1e-5, grad_rtol=1e-3, grad_atol=1e-4))
add(OpInfo("pinv_rank_deficient", tf.linalg.pinv, lambda x: np.linalg.pinv(x, rcond=1e-6),
           lambda rng: [Sample((np.outer([1.0, 2.0, -1.0], [0.5, -1.0]),))], diff_args=(),
           covers=("pinv_svd",), atol=1e-5))
add(OpInfo("self_adjoint_eig", lambda x: tf.linalg.eigvalsh(_tf_sym(x)),
           lambda x: np.linalg.eigvalsh(_sym(x)),
           lambda rng: [Sample((np.diag([1.0, 2.0, 3.5]) + 0.2 * _u(rng, (3, 3), -1, 1),))],
           rtol=1e-4, atol=1e-5))
add(OpInfo("eigh_vectors", lambda x, w: tf.reduce_sum(tf.square(tf.linalg.eigh(_tf_sym(x))[1]) * w),
           lambda x, w: np.sum(np.linalg.eigh(_sym(x))[1] ** 2 * w),
           lambda rng: [Sample((np.diag([1.0, 2.0, 3.5]) + 0.2 * _u(rng, (3, 3), -1, 1),
                                _u(rng, (3, 3), -1, 1)))],
           covers=("self_adjoint_eig",), diff_args=(0,), rtol=1e-4, atol=1e-5, grad_rtol=1e-3, grad_atol=1e-4))
add(OpInfo("svd_values", lambda x: tf.linalg.svd(x, compute_uv=False),
           lambda x: np.linalg.svd(x, compute_uv=False),
           lambda rng: [Sample((_u(rng, (4, 3), -1, 1),), name="tall"),
                        Sample((_u(rng, (2, 2, 3), -1, 1),), name="batch-wide")],
           rtol=1e-4, atol=1e-5, second_order=False, dtypes=(np.float32, np.float64)))
add(OpInfo("svd_vectors", lambda x: tf.abs(tf.linalg.svd(x)[1]),
           lambda x: np.abs(np.linalg.svd(x, full_matrices=False)[0]),
           lambda rng: [Sample((_u(rng, (4, 3), -1, 1),))], diff_args=(), rtol=1e-4, atol=1e-5))
add(OpInfo("qr", lambda x: tf.linalg.qr(x)[1], lambda x: np.linalg.qr(x)[1],
           lambda rng: [Sample((_u(rng, (4, 3), -1, 1),))], diff_args=(), rtol=1e-4, atol=1e-5))
