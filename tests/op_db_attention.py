"""Op-database entries for the attention kernels (``gradtape/ops/fused.py``: the softmax gradient).

References are plain NumPy formulas; tests/test_ops.py checks values, first- and second-order
gradients (central differences in float64) and tests/test_duck_array.py the duck-array runs.
"""
from __future__ import annotations

import numpy as np

from gradtape.dispatch import apply, convert_to_tensor
from gradtape.ops import fused as FU
from op_db import OpInfo, Sample


def _n(rng, shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_grad_fn(g, s, axis):
    ins = tuple(convert_to_tensor(v, dtype=s.dtype) for v in (g, s))
    return apply(FU.SOFTMAX_GRAD, ins, {"axis": axis})


def ref_softmax_grad(g, s, axis):
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))


def _softmax_grad_samples(rng):
    return [Sample((_n(rng, (2, 3, 4)), _softmax(_n(rng, (2, 3, 4)), 2), 2), name="last-axis"),
            Sample((_n(rng, (2, 3, 4)), _softmax(_n(rng, (2, 3, 4)), 1), 1), name="middle-axis"),
            Sample((_n(rng, (5,)), _softmax(_n(rng, (5,)), 0), 0), name="vector")]


OPS = [
    OpInfo("softmax_grad", _softmax_grad_fn, ref_softmax_grad, _softmax_grad_samples,
           covers=("softmax_grad",)),
]


# -- einsum as batched matmul (gradtape/ops/linalg.py): the equations of MultiHeadAttention ----------

def _einsum_fn(a, b, eq):
    import gradtape as tf
    return tf.einsum(eq, a, b)


def _einsum_ref(a, b, eq):
    return np.einsum(eq, a, b)


def _mha_einsum_samples(rng):
    B, T, S, H, K, D = 2, 3, 4, 2, 2, 3
    return [Sample((_n(rng, (B, T, D)), _n(rng, (D, H, K))), {"eq": "abc,cde->abde"}, "projection"),
            Sample((_n(rng, (B, S, H, K)), _n(rng, (B, T, H, K))), {"eq": "aecd,abcd->acbe"}, "scores"),
            Sample((_n(rng, (B, H, T, S)), _n(rng, (B, S, H, K))), {"eq": "acbe,aecd->abcd"}, "combine"),
            Sample((_n(rng, (B, T, H, K)), _n(rng, (H, K, D))), {"eq": "abcd,cde->abe"}, "output"),
            Sample((_n(rng, (2, 3, 4)), _n(rng, (4, 3))), {"eq": "abc,cb->a"}, "two-contracted"),
            Sample((_n(rng, (2, 3)), _n(rng, (4, 3))), {"eq": "ab,cb->ca"}, "swapped-output"),
            Sample((_n(rng, (1, 2, 3)), _n(rng, (2, 3, 4))), {"eq": "...ij,...jk->...ik"}, "broadcast-batch")]


OPS += [
    OpInfo("einsum_attention", _einsum_fn, _einsum_ref, _mha_einsum_samples, covers=("einsum",)),
]


# -- dense: matmul and bias in one op (gradtape/ops/fused.py) -----------------------------------------

def _dense_samples(rng):
    return [Sample((_n(rng, (3, 4)), _n(rng, (4, 2)), _n(rng, (2,))), name="rows"),
            Sample((_n(rng, (1, 3)), _n(rng, (3, 1)), _n(rng, (1,))), name="one-row")]


OPS += [
    OpInfo("dense", FU.dense, lambda x, k, b: x @ k + b, _dense_samples, covers=("dense",)),
]
