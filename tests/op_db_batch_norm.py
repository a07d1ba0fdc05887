"""Op-database entries for the fused training-mode batch normalization (``gradtape/ops/batch_norm.py``).

References: the textbook NumPy formula (batch mean, biased variance over every axis but the last);
the backward op is checked against the vector-Jacobian product of that reference computed by the
complex step (exact to rounding), with its statistics inputs produced by the forward op.
"""
from __future__ import annotations

import numpy as np

from gradtape.dispatch import apply, convert_to_tensor
from gradtape.ops import batch_norm as BN
from op_db import OpInfo, Sample
from op_db_recurrent import _complex_step_vjp


def ref_batch_norm(x, gamma, beta, epsilon):
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    var = ((x - mean) ** 2).mean(axis=axes)
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta, mean, var


def _n(rng, shape):
    return rng.standard_normal(shape)


def _bn_samples(rng):
    return [Sample((_n(rng, (2, 3, 2, 4)), _n(rng, (4,)) + 1, _n(rng, (4,)), 1e-3), name="4d"),
            Sample((_n(rng, (5, 3)) * 3 + 2, _n(rng, (3,)), _n(rng, (3,)), 1e-5), name="2d"),
            Sample((_n(rng, (16, 8)), _n(rng, (8,)), _n(rng, (8,)), 1e-3), name="wide view")]


def _bn_grad_fn(g, x, gamma, beta, epsilon):
    ins = tuple(convert_to_tensor(v, dtype=x.dtype) for v in (x, gamma, beta))
    _, mean, var = BN.batch_norm_train(*ins, epsilon)
    g = convert_to_tensor(g, dtype=x.dtype)
    return apply(BN.BATCH_NORM_TRAIN_GRAD, (g, ins[0], ins[1], mean, var), {"epsilon": epsilon})


def _bn_grad_ref(g, x, gamma, beta, epsilon):
    return _complex_step_vjp(lambda *a: (ref_batch_norm(*a, epsilon)[0],), (g,), (x, gamma, beta))


def _bn_grad_samples(rng):
    return [Sample((_n(rng, (4, 3)), _n(rng, (4, 3)), _n(rng, (3,)) + 1, _n(rng, (3,)), 1e-3)),
            Sample((_n(rng, (2, 2, 2, 2)), _n(rng, (2, 2, 2, 2)) * 2 - 1, _n(rng, (2,)), _n(rng, (2,)), 1e-3))]


OPS = [
    OpInfo("batch_norm_train", BN.batch_norm_train, ref_batch_norm, _bn_samples,
           covers=("batch_norm_train", "batch_norm_train_grad"), rtol=1e-4, atol=1e-5),
    OpInfo("batch_norm_train_grad", _bn_grad_fn, _bn_grad_ref, _bn_grad_samples,
           covers=("batch_norm_train_grad", "batch_norm_train"), rtol=1e-4, atol=1e-5,
           diff_args=(0, 1, 2)),     # beta: the gradient does not depend on it
]
