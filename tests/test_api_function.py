"""The core API ops under tf.function: when an argument's value steers an op (segment ids,
repeats, partitions, sparse indices, seeds...), a second call with other values must give the
eager answer, never numbers baked in while tracing."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradtape as tf

X = tf.constant([1.0, 2.0, 3.0, 4.0])


def _seg_max_grad(x, i):
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(tf.math.unsorted_segment_max(x, i, 3) * [1.0, 2.0, 3.0])
    return t.gradient(y, x)


def _seg_prod_grad(x, i):
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(tf.math.unsorted_segment_prod(x, i, 3))
    return t.gradient(y, x)


CASES = {
    "unsorted_segment_mean": (lambda x, i: tf.math.unsorted_segment_mean(x, i, 3),
                              [(X, tf.constant([0, 0, 1, 2])), (X, tf.constant([2, 1, 1, 0]))]),
    "segment_sum": (lambda x, i: tf.math.segment_sum(x, i),
                    [(X, tf.constant([0, 0, 1, 1])), (X, tf.constant([0, 1, 1, 2]))]),
    "repeat": (lambda x, r: tf.repeat(x, r), [(X, tf.constant([1, 2, 0, 1])), (X, tf.constant([0, 1, 3, 0]))]),
    "bincount": (lambda a: tf.math.bincount(a, minlength=5), [(tf.constant([1, 1, 2]),), (tf.constant([3, 0, 0]),)]),
    "confusion_matrix": (lambda a, b: tf.math.confusion_matrix(a, b, num_classes=3),
                         [(tf.constant([0, 1, 2]), tf.constant([0, 1, 1])), (tf.constant([2, 2, 2]), tf.constant([0, 1, 1]))]),
    "dynamic_partition": (lambda x, p: tf.dynamic_partition(x, p, 2),
                          [(X, tf.constant([0, 1, 0, 1])), (X, tf.constant([1, 1, 0, 1]))]),
    "sequence_mask": (lambda n: tf.sequence_mask(n, 4), [(tf.constant([1, 2]),), (tf.constant([3, 0]),)]),
    "roll": (lambda x, s: tf.roll(x, s, 0), [(X, tf.constant(1)), (X, tf.constant(2))]),
    "slice": (lambda x, b: tf.slice(x, b, [2]), [(X, tf.constant([0])), (X, tf.constant([1]))]),
    "sparse_from_dense": (lambda m: tf.sparse.to_dense(tf.sparse.from_dense(m)),
                          [(tf.constant([[0.0, 1.0], [2.0, 0.0]]),), (tf.constant([[3.0, 0.0], [0.0, 4.0]]),)]),
    "sparse_indices": (lambda i: tf.sparse.to_dense(tf.SparseTensor(i, [1.0, 2.0], [2, 2])),
                       [(tf.constant([[0, 1], [1, 0]]),), (tf.constant([[0, 0], [1, 1]]),)]),
    "sparse_dense_matmul": (lambda v, b: tf.sparse.sparse_dense_matmul(tf.SparseTensor([[0, 1], [1, 0]], v, [2, 2]), b),
                            [(tf.constant([1.0, 2.0]), tf.ones([2, 2])), (tf.constant([3.0, 4.0]), tf.ones([2, 2]) * 2)]),
    "stateless_normal": (lambda s: tf.random.stateless_normal([2], seed=s), [(tf.constant([1, 2]),), (tf.constant([3, 4]),)]),
    "clip_by_global_norm": (lambda x, c: tf.clip_by_global_norm([x], c)[0][0], [(X, tf.constant(1.0)), (X * 10, tf.constant(2.0))]),
    "segment_max_gradient": (_seg_max_grad, [(X, tf.constant([0, 0, 1, 2])), (tf.constant([4.0, 3.0, 2.0, 1.0]), tf.constant([2, 1, 1, 0]))]),
    "segment_prod_gradient": (_seg_prod_grad, [(X, tf.constant([0, 0, 1, 2])), (tf.constant([0.0, 3.0, 2.0, 1.0]), tf.constant([0, 0, 1, 2]))]),
}


def _flat(r):
    return list(r) if isinstance(r, (list, tuple)) else [r]


@pytest.mark.parametrize("name", sorted(CASES))
def test_function_matches_eager_on_every_call(name):
    fn, argsets = CASES[name]
    f = tf.function(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args in argsets:
            for got, want in zip(_flat(f(*args)), _flat(fn(*args))):
                np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=name)
