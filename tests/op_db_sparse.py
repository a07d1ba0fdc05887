"""Op-database entries for the sparse primitives (``gradtape/sparse``): to_dense / from_dense and
sparse_dense_matmul, differentiated with respect to the values and the dense operand."""
from __future__ import annotations

import numpy as np

import gradtape as tf
from op_db import OpInfo, Sample, _u

IDX = np.array([[0, 1], [1, 0], [1, 2], [2, 3]])
IDX_REPEATED = np.array([[0, 1], [2, 0], [0, 1]])


def _dense(v, idx, shape):
    out = np.zeros(shape)
    for (i, j), x in zip(idx, v):
        out[i, j] += x
    return out


def _build():
    return [
        OpInfo("sparse_to_dense", lambda v: tf.sparse.to_dense(tf.SparseTensor(IDX, v, [3, 4])),
               lambda v: _dense(v, IDX, (3, 4)), lambda rng: [Sample((_u(rng, (4,), -1, 1),))],
               covers=("sparse_to_dense", "sparse_gather_entries")),
        # the mask keeps the zeros at zero when finite differences perturb the input
        OpInfo("sparse_from_dense", lambda x: tf.sparse.from_dense(x * np.array([1.0, 0.0, -1.0], x.dtype.as_numpy_dtype)).values,
               lambda x: (x * [1, 0, -1])[:, [0, 2]].ravel(), lambda rng: [Sample((_u(rng, (2, 3), 0.5, 1),))],
               covers=("sparse_gather_entries", "sparse_to_dense")),
        OpInfo("sparse_dense_matmul", lambda v, b, **k: tf.sparse.sparse_dense_matmul(
                   tf.SparseTensor(k.pop("idx"), v, k.pop("shape")), b, **k),
               lambda v, b, idx, shape, adjoint_a=False: (
                   _dense(v, idx, shape).T if adjoint_a else _dense(v, idx, shape)) @ b,
               lambda rng: [Sample((_u(rng, (4,), -1, 1), _u(rng, (4, 2), -1, 1)), {"idx": IDX, "shape": [3, 4]}),
                            Sample((_u(rng, (3,), -1, 1), _u(rng, (3, 3), -1, 1)),
                                   {"idx": IDX_REPEATED, "shape": [3, 2], "adjoint_a": True}, name="repeated-adjoint")],
               covers=("sparse_dense_matmul", "gather_drop_negatives", "unsorted_segment_sum")),
        OpInfo("sparse_reduce_sum", lambda v: tf.sparse.reduce_sum(tf.SparseTensor(IDX, v, [3, 4]), axis=1),
               lambda v: _dense(v, IDX, (3, 4)).sum(1), lambda rng: [Sample((_u(rng, (4,), -1, 1),))],
               covers=("unsorted_segment_sum",)),
        OpInfo("sparse_add", lambda v, w: tf.sparse.to_dense(tf.sparse.add(
                   tf.SparseTensor(IDX, v, [3, 4]), tf.SparseTensor([[0, 1], [0, 3]], w, [3, 4]))),
               lambda v, w: _dense(v, IDX, (3, 4)) + _dense(w, [[0, 1], [0, 3]], (3, 4)),
               lambda rng: [Sample((_u(rng, (4,), -1, 1), _u(rng, (2,), -1, 1)))],
               covers=("unsorted_segment_sum", "concat")),
    ]


OPS = _build()
