"""Cases for the core API ops (repeat, meshgrid, unique, searchsorted, clipping, segment ops,
diagonals, confusion_matrix, sparse tensors, losses...), shared by the TF recording script
(``record_api_ops.py``, run with real TensorFlow) and ``tests/test_api_ops.py`` (run with gradtape).

Each case is ``name -> fn(tf)``: a function of the TF module (real ``tensorflow`` or ``gradtape``)
returning tensors, tuples/lists of them or None. Gradients are taken with ``grad(tf, f, *xs)``.
"""
from __future__ import annotations

import numpy as np


def grad(tf, f, *xs):
    """Gradients of sum(f(*xs)) with respect to each x (a float64 constant)."""
    ts = [tf.constant(np.asarray(x, dtype=np.float64)) for x in xs]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = f(*ts)
        y = tf.reduce_sum(y)
    return tape.gradient(y, ts)


def grad2(tf, f, x):
    """d/dx of sum(d/dx sum(f(x))) (the diagonal of the Hessian summed over rows), float64."""
    t = tf.constant(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = tf.reduce_sum(f(t))
        g = inner.gradient(y, t)
        s = tf.reduce_sum(g * g)
    return outer.gradient(s, t)


F = np.array([1.5, -2.0, 3.0, 3.0, 0.5, -1.0])
M = np.arange(12, dtype=np.float32).reshape(4, 3) - 5.0
SEG = [0, 0, 2, 2, 2, 4]
USEG = [3, -1, 0, 3, 0, 1]


def _segment_cases():
    out = {}
    for kind in ("sum", "mean", "max", "min", "prod", "sqrt_n"):
        fn = f"unsorted_segment_{kind}"
        out[f"{fn}_1d"] = lambda tf, fn=fn: getattr(tf.math, fn)(F.astype(np.float32), USEG, 5)
        out[f"{fn}_2d"] = lambda tf, fn=fn: getattr(tf.math, fn)(M, [1, 0, 1, 3], 5)
        out[f"{fn}_int"] = lambda tf, fn=fn: getattr(tf.math, fn)(np.array([4, 5, 6, 7], np.int32), [1, 1, 3, 0], 5) \
            if fn not in ("unsorted_segment_mean", "unsorted_segment_sqrt_n") else None
        out[f"{fn}_2d_ids"] = lambda tf, fn=fn: getattr(tf.math, fn)(M.reshape(2, 2, 3), [[0, 2], [2, -1]], 3)
        out[f"{fn}_grad"] = lambda tf, fn=fn: grad(tf, lambda x: getattr(tf.math, fn)(x, USEG, 5), F)
        out[f"{fn}_grad2"] = lambda tf, fn=fn: grad2(tf, lambda x: getattr(tf.math, fn)(x, USEG, 5) ** 2, F)
        out[f"{fn}_out_of_range"] = lambda tf, fn=fn: getattr(tf.math, fn)(F, [0, 1, 2, 3, 4, 9], 5)
        if kind != "sqrt_n":
            sfn = f"segment_{kind}"
            out[f"{sfn}_1d"] = lambda tf, sfn=sfn: getattr(tf.math, sfn)(F.astype(np.float32), SEG)
            out[f"{sfn}_2d"] = lambda tf, sfn=sfn: getattr(tf.math, sfn)(M, [0, 0, 2, 3])
            out[f"{sfn}_grad"] = lambda tf, sfn=sfn: grad(tf, lambda x: getattr(tf.math, sfn)(x, SEG), F)
            out[f"{sfn}_unsorted_ids"] = lambda tf, sfn=sfn: getattr(tf.math, sfn)(F, [0, 1, 0, 2, 2, 3])
    # zeros in the product and ties in the max
    out["unsorted_segment_prod_zeros_grad"] = lambda tf: grad(
        tf, lambda x: tf.math.unsorted_segment_prod(x, [0, 0, 0, 1, 1, 2], 3), [0.0, 2.0, 3.0, 0.0, 0.0, 4.0])
    out["unsorted_segment_max_ties_grad"] = lambda tf: grad(
        tf, lambda x: tf.math.unsorted_segment_max(x, [0, 0, 0, 1, 1, 2], 3), [3.0, 3.0, 1.0, 2.0, 2.0, 4.0])
    return out


CASES = {
    # repeat
    "repeat_flat": lambda tf: tf.repeat([[1, 2], [3, 4]], 2),
    "repeat_axis0": lambda tf: tf.repeat([[1, 2], [3, 4]], [1, 3], axis=0),
    "repeat_axis1_scalar": lambda tf: tf.repeat(np.arange(6, dtype=np.float32).reshape(2, 3), 2, axis=1),
    "repeat_zero": lambda tf: tf.repeat([1.0, 2.0, 3.0], [0, 2, 0]),
    "repeat_grad": lambda tf: grad(tf, lambda x: tf.repeat(x, [1, 3], axis=0) * np.arange(8.0).reshape(4, 2),
                                   [[1.0, 2.0], [3.0, 4.0]]),
    "repeat_bad_len": lambda tf: tf.repeat([1, 2, 3], [1, 2]),
    # meshgrid
    "meshgrid_xy": lambda tf: tf.meshgrid([1, 2, 3], [4, 5]),
    "meshgrid_ij": lambda tf: tf.meshgrid([1, 2, 3], [4, 5], indexing="ij"),
    "meshgrid_xy_3": lambda tf: tf.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0]),
    "meshgrid_ij_3": lambda tf: tf.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0], indexing="ij"),
    "meshgrid_grad": lambda tf: grad(tf, lambda x, y: tf.meshgrid(x, y)[0] * tf.meshgrid(x, y)[1],
                                     [1.0, 2.0, 3.0], [4.0, 5.0]),
    # unique
    "unique": lambda tf: tuple(tf.unique([1, 1, 2, 4, 4, 4, 7, 8, 8])),
    "unique_unsorted": lambda tf: tuple(tf.unique([5.0, 3.0, 5.0, -1.0, 3.0])),
    "unique_int64": lambda tf: tuple(tf.unique([5, 3, 5, -1, 3], out_idx=tf.int64)),
    "unique_with_counts": lambda tf: tuple(tf.unique_with_counts([9, 3, 9, 9, 1, 3])),
    "unique_with_counts_int64": lambda tf: tuple(tf.unique_with_counts([9, 3, 9], out_idx=tf.int64)),
    "unique_empty": lambda tf: tuple(tf.unique(np.zeros([0], np.int32))),
    "unique_2d": lambda tf: tuple(tf.unique([[1, 2], [2, 3]])),
    # searchsorted
    "searchsorted_left": lambda tf: tf.searchsorted([0.0, 3.0, 9.0, 9.0, 10.0], [2.0, 4.0, 9.0, -1.0, 11.0]),
    "searchsorted_right": lambda tf: tf.searchsorted([0.0, 3.0, 9.0, 9.0, 10.0], [2.0, 4.0, 9.0, -1.0, 11.0],
                                                     side="right"),
    "searchsorted_2d": lambda tf: tf.searchsorted([[0, 3, 9, 9, 10], [1, 2, 3, 4, 5]], [[2, 4, 9], [0, 2, 6]],
                                                  side="right"),
    "searchsorted_int64": lambda tf: tf.searchsorted([1, 2, 3], [2], out_type=tf.int64),
    # clipping
    "clip_by_norm": lambda tf: tf.clip_by_norm([[1.0, 2.0], [3.0, 4.0]], 2.0),
    "clip_by_norm_axes": lambda tf: tf.clip_by_norm([[1.0, 2.0], [3.0, 4.0]], 3.0, axes=[1]),
    "clip_by_norm_noop": lambda tf: tf.clip_by_norm([0.1, 0.2], 5.0),
    "clip_by_norm_zero": lambda tf: tf.clip_by_norm([0.0, 0.0], 1.0),
    "clip_by_norm_grad": lambda tf: grad(tf, lambda x: tf.clip_by_norm(x, 2.0) * [1.0, 2.0, -1.0], [1.0, 2.0, 3.0]),
    "clip_by_norm_grad_zero": lambda tf: grad(tf, lambda x: tf.clip_by_norm(x, 2.0), [0.0, 0.0]),
    "clip_by_global_norm": lambda tf: tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None, tf.constant([[12.0]])], 5.0),
    "clip_by_global_norm_noop": lambda tf: tf.clip_by_global_norm([tf.constant([0.3, 0.4])], 5.0),
    "clip_by_global_norm_use_norm": lambda tf: tf.clip_by_global_norm([tf.constant([3.0, 4.0])], 1.0, use_norm=tf.constant(2.0)),
    "clip_by_global_norm_inf": lambda tf: tf.clip_by_global_norm([tf.constant([np.inf, 1.0]), tf.constant([2.0])], 1.0),
    "clip_by_global_norm_zero": lambda tf: tf.clip_by_global_norm([tf.constant([0.0, 0.0])], 1.0),
    "clip_by_global_norm_grad": lambda tf: grad(
        tf, lambda x, y: tf.clip_by_global_norm([x, y], 2.0)[0][0] * 3.0 + tf.reduce_sum(tf.clip_by_global_norm([x, y], 2.0)[0][1]),
        [1.0, 2.0], [3.0]),
    "clip_by_global_norm_not_list": lambda tf: tf.clip_by_global_norm(tf.constant([1.0]), 1.0),
    "global_norm": lambda tf: tf.linalg.global_norm([tf.constant([3.0, 4.0]), None, tf.constant([[12.0]])]),
    # diagonals
    "set_diag": lambda tf: tf.linalg.set_diag(np.zeros((2, 3, 4), np.float32), np.arange(6, dtype=np.float32).reshape(2, 3)),
    "set_diag_tall": lambda tf: tf.linalg.set_diag(np.ones((4, 2), np.float32), [7.0, 8.0]),
    "set_diag_grad": lambda tf: grad(tf, lambda x, d: tf.linalg.set_diag(x, d) * np.arange(6.0).reshape(2, 3),
                                     np.ones((2, 3)), [5.0, 6.0]),
    "set_diag_bad_shape": lambda tf: tf.linalg.set_diag(np.zeros((3, 3), np.float32), [1.0, 2.0]),
    "diag_part": lambda tf: tf.linalg.diag_part(np.arange(24, dtype=np.float32).reshape(2, 3, 4)),
    "diag": lambda tf: tf.linalg.diag([[1.0, 2.0], [3.0, 4.0]]),
    # confusion matrix
    "confusion_matrix": lambda tf: tf.math.confusion_matrix([1, 2, 4], [2, 2, 4]),
    "confusion_matrix_num_classes": lambda tf: tf.math.confusion_matrix([0, 1, 1], [1, 1, 0], num_classes=3),
    "confusion_matrix_weights": lambda tf: tf.math.confusion_matrix([0, 1, 1], [1, 1, 0], num_classes=2,
                                                                    weights=[0.5, 1.0, 2.0], dtype=tf.float32),
    "confusion_matrix_out_of_range": lambda tf: tf.math.confusion_matrix([0, 3], [1, 1], num_classes=3),
    "confusion_matrix_negative": lambda tf: tf.math.confusion_matrix([0, -1], [1, 1]),
    # others
    "bincount": lambda tf: tf.math.bincount([1, 1, 3, 0, 7]),
    "bincount_minlength": lambda tf: tf.math.bincount([1, 1, 3], minlength=6),
    "bincount_maxlength": lambda tf: tf.math.bincount([1, 1, 3, 5], maxlength=3),
    "bincount_weights": lambda tf: tf.math.bincount([1, 1, 3], weights=[0.5, 1.0, 2.0]),
    "bincount_axis": lambda tf: tf.math.bincount(np.array([[1, 1, 3], [0, 0, 0]], np.int32), axis=-1),
    "roll": lambda tf: tf.roll([[1, 2, 3], [4, 5, 6]], shift=[1, -1], axis=[0, 1]),
    "roll_same_axis": lambda tf: tf.roll([1, 2, 3, 4, 5], shift=[2, 5], axis=[0, 0]),
    "slice": lambda tf: tf.slice(np.arange(24).reshape(2, 3, 4), [1, 0, 1], [1, -1, 2]),
    "slice_bad": lambda tf: tf.slice(np.arange(6).reshape(2, 3), [1, 0], [2, 1]),
    "sequence_mask": lambda tf: tf.sequence_mask([1, 3, 2], 5),
    "sequence_mask_default": lambda tf: tf.sequence_mask([[1, 3], [2, 0]]),
    "sequence_mask_float": lambda tf: tf.sequence_mask([1, 2], 3, dtype=tf.float32),
    "tensor_scatter_nd_sub": lambda tf: tf.tensor_scatter_nd_sub([1.0, 2.0, 3.0, 4.0], [[1], [3], [1]], [5.0, 6.0, 7.0]),
    "depth_to_space": lambda tf: tf.nn.depth_to_space(np.arange(16, dtype=np.float32).reshape(1, 1, 2, 8), 2),
    "space_to_depth": lambda tf: tf.nn.space_to_depth(np.arange(32, dtype=np.float32).reshape(1, 4, 4, 2), 2),
    "batch_normalization": lambda tf: tf.nn.batch_normalization(
        np.arange(6, dtype=np.float32).reshape(2, 3), np.float32([1, 2, 3]), np.float32([1, 4, 9]),
        np.float32([0.5, 0, 0]), np.float32([2, 1, 1]), 1e-3),
    "math_softmax": lambda tf: tf.math.softmax([[1.0, 2.0, 3.0]]),
    # losses
    "compute_average_loss": lambda tf: tf.nn.compute_average_loss([1.0, 2.0, 3.0]),
    "compute_average_loss_gbs": lambda tf: tf.nn.compute_average_loss([1.0, 2.0, 3.0], global_batch_size=8),
    "compute_average_loss_weights": lambda tf: tf.nn.compute_average_loss([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 2.0],
                                                                          global_batch_size=4),
    "compute_average_loss_scalar_weight": lambda tf: tf.nn.compute_average_loss([[1.0, 2.0], [3.0, 4.0]], sample_weight=0.5),
    "compute_average_loss_2d_weights": lambda tf: tf.nn.compute_average_loss([[1.0, 2.0], [3.0, 4.0]],
                                                                             sample_weight=[[2.0], [1.0]]),
    "compute_average_loss_float64": lambda tf: tf.nn.compute_average_loss(np.array([1.0, 2.0]), global_batch_size=3),
    "compute_average_loss_weights_float64": lambda tf: tf.nn.compute_average_loss(
        np.array([1.0 / 3.0, 2.0 / 3.0]), sample_weight=np.array([1.0, 0.1])),
    "compute_average_loss_scalar": lambda tf: tf.nn.compute_average_loss(1.0),
    "compute_average_loss_zero_gbs": lambda tf: tf.nn.compute_average_loss([1.0], global_batch_size=0),
    "compute_average_loss_float_gbs": lambda tf: tf.nn.compute_average_loss([1.0], global_batch_size=2.0),
    "scale_regularization_loss": lambda tf: tf.nn.scale_regularization_loss(tf.constant([1.0, 2.5])),
    "scale_regularization_loss_list": lambda tf: tf.nn.scale_regularization_loss([tf.constant(1.0), tf.constant(2.0)]),
}
CASES.update(_segment_cases())


def _sp(tf):
    return tf.sparse.SparseTensor(indices=[[0, 1], [1, 0], [1, 2], [2, 3]], values=[1.0, -2.0, 3.0, 4.0],
                                  dense_shape=[3, 4])


def _sp_unordered(tf):
    return tf.SparseTensor(indices=[[1, 2], [0, 1], [2, 3], [1, 0]], values=[3.0, 1.0, 4.0, -2.0], dense_shape=[3, 4])


B = np.arange(8, dtype=np.float32).reshape(4, 2) - 3.0


def _sparse_grad_values(tf, f):
    """Gradient of sum(f(sp)) w.r.t. the values of _sp (float64)."""
    v = tf.constant([1.0, -2.0, 3.0, 4.0], dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(v)
        sp = tf.SparseTensor([[0, 1], [1, 0], [1, 2], [2, 3]], v, [3, 4])
        out = f(sp)
        out = out.values if isinstance(out, tf.SparseTensor) else out
        y = tf.reduce_sum(out * tf.cast(tf.range(1, tf.size(out) + 1), tf.float64) if len(out.shape) == 1
                          else out * tf.cast(tf.reshape(tf.range(1, tf.size(out) + 1), tf.shape(out)), tf.float64))
    return tape.gradient(y, v)


SPARSE_CASES = {
    "sparse_parts": lambda tf: _sp(tf),
    "sparse_to_dense": lambda tf: tf.sparse.to_dense(_sp(tf)),
    "sparse_to_dense_default": lambda tf: tf.sparse.to_dense(_sp(tf), default_value=9.0),
    "sparse_to_dense_unordered": lambda tf: tf.sparse.to_dense(_sp_unordered(tf)),
    "sparse_to_dense_repeated": lambda tf: tf.sparse.to_dense(
        tf.SparseTensor([[0, 1], [0, 1]], [1.0, 2.0], [2, 2])),
    "sparse_to_dense_out_of_bounds": lambda tf: tf.sparse.to_dense(tf.SparseTensor([[0, 5]], [1.0], [2, 2])),
    "sparse_from_dense": lambda tf: tf.sparse.from_dense([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),
    "sparse_from_dense_int": lambda tf: tf.sparse.from_dense([[0, 3], [0, 0]]),
    "sparse_reorder": lambda tf: tf.sparse.reorder(_sp_unordered(tf)),
    "sparse_retain": lambda tf: tf.sparse.retain(_sp(tf), [True, False, True, False]),
    "sparse_reshape": lambda tf: tf.sparse.reshape(_sp(tf), [2, -1]),
    "sparse_transpose": lambda tf: tf.sparse.transpose(_sp(tf)),
    "sparse_reduce_sum": lambda tf: tf.sparse.reduce_sum(_sp(tf)),
    "sparse_reduce_sum_axis0": lambda tf: tf.sparse.reduce_sum(_sp(tf), axis=0),
    "sparse_reduce_sum_axis1_keepdims": lambda tf: tf.sparse.reduce_sum(_sp(tf), axis=1, keepdims=True),
    "sparse_reduce_sum_sparse": lambda tf: tf.sparse.reduce_sum(_sp(tf), axis=0, output_is_sparse=True),
    "sparse_reduce_max_axis1": lambda tf: tf.sparse.reduce_max(
        tf.SparseTensor([[0, 1], [1, 0], [1, 2]], [-1.0, -2.0, -3.0], [3, 4]), axis=1),
    "sparse_add_sparse": lambda tf: tf.sparse.add(_sp(tf), tf.SparseTensor([[0, 1], [0, 3]], [5.0, 6.0], [3, 4])),
    "sparse_add_threshold": lambda tf: tf.sparse.add(_sp(tf), tf.SparseTensor([[0, 1], [0, 3]], [-0.5, 6.0], [3, 4]),
                                                     threshold=1.0),
    "sparse_add_dense": lambda tf: tf.sparse.add(_sp(tf), tf.ones([3, 4])),
    "sparse_dense_matmul": lambda tf: tf.sparse.sparse_dense_matmul(_sp(tf), B),
    "sparse_dense_matmul_adjoint_a": lambda tf: tf.sparse.sparse_dense_matmul(_sp(tf), B[:3], adjoint_a=True),
    "sparse_dense_matmul_adjoint_b": lambda tf: tf.sparse.sparse_dense_matmul(_sp(tf), B.T, adjoint_b=True),
    "sparse_dense_matmul_dense_sparse": lambda tf: tf.sparse.sparse_dense_matmul(B.T[:, :3], _sp(tf)),
    "sparse_dense_matmul_bad_shape": lambda tf: tf.sparse.sparse_dense_matmul(_sp(tf), B[:3]),
    "sparse_dense_matmul_grad_b": lambda tf: grad(tf, lambda b: tf.sparse.sparse_dense_matmul(
        tf.SparseTensor([[0, 1], [1, 0], [1, 2], [2, 3]], tf.constant([1.0, -2.0, 3.0, 4.0], tf.float64), [3, 4]), b)
        * [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], B),
    "sparse_grad_to_dense": lambda tf: _sparse_grad_values(tf, tf.sparse.to_dense),
    "sparse_grad_matmul": lambda tf: _sparse_grad_values(tf, lambda sp: tf.sparse.sparse_dense_matmul(sp, B.astype(np.float64))),
    "sparse_grad_reduce_sum": lambda tf: _sparse_grad_values(tf, lambda sp: tf.sparse.reduce_sum(sp, axis=0)),
    "sparse_grad_reorder": lambda tf: _sparse_grad_values(tf, lambda sp: tf.sparse.reorder(tf.sparse.transpose(sp))),
    "sparse_grad_add": lambda tf: _sparse_grad_values(tf, lambda sp: tf.sparse.add(
        sp, tf.SparseTensor([[0, 1], [0, 3]], tf.constant([5.0, 6.0], tf.float64), [3, 4]))),
    "sparse_grad_retain": lambda tf: _sparse_grad_values(tf, lambda sp: tf.sparse.retain(sp, [False, True, True, False])),
    "sparse_mul_dense": lambda tf: _sp(tf) * tf.constant([1.0, 2.0, 3.0, 4.0]),
    "sparse_div_scalar": lambda tf: _sp(tf) / 2.0,
    "sparse_concat": lambda tf: tf.sparse.concat(1, [_sp(tf), tf.SparseTensor([[0, 0], [2, 1]], [7.0, 8.0], [3, 2])]),
    "sparse_slice": lambda tf: tf.sparse.slice(_sp(tf), [1, 0], [2, 3]),
    "sparse_map_values": lambda tf: tf.sparse.map_values(tf.math.square, _sp(tf)),
    "sparse_shape_mismatch": lambda tf: tf.SparseTensor([[0, 1], [1, 0]], [1.0], [2, 2]),
}
CASES.update(SPARSE_CASES)


def _gen_shapes(tf):
    g = tf.random.Generator.from_seed(7)
    outs = [g.normal([2, 3]), g.uniform([4], dtype=tf.float64), g.uniform([2], minval=3, maxval=9, dtype=tf.int64),
            g.truncated_normal([1, 2]), g.uniform_full_int([2], dtype=tf.int32), g.make_seeds(3)]
    names = ["float32", "float64", "int32", "int64", "uint64"]
    return [tf.shape(o) for o in outs] + [tf.constant([names.index(o.dtype.name) for o in outs])]


RANDOM_CASES = {
    "rng_state_from_int": lambda tf: tf.random.create_rng_state(1234, "philox"),
    "rng_state_from_big_int": lambda tf: tf.random.create_rng_state(2 ** 64 + 5, "philox"),
    "rng_state_from_vector": lambda tf: tf.random.create_rng_state([12, 34], "philox"),
    "generator_state_from_seed": lambda tf: tf.convert_to_tensor(tf.random.Generator.from_seed(1234).state),
    "generator_split_state": lambda tf: tf.convert_to_tensor(tf.random.Generator.from_seed(1).split(2)[0].state)[:2],
    "generator_shapes": _gen_shapes,
    "generator_uniform_int_needs_both": lambda tf: tf.random.Generator.from_seed(1).uniform([2], maxval=None, dtype=tf.int32),
    "generator_uniform_range": lambda tf: tf.reduce_all(
        (lambda u: (u >= 2.0) & (u < 3.0))(tf.random.Generator.from_seed(3).uniform([1000], 2.0, 3.0))),
    "generator_state_advances": lambda tf: (lambda g: tf.reduce_any(g.normal([3]) != g.normal([3])))(
        tf.random.Generator.from_seed(5)),
    "stateless_normal_same_seed": lambda tf: tf.reduce_all(
        tf.random.stateless_normal([5], seed=[1, 2]) == tf.random.stateless_normal([5], seed=[1, 2])),
    "stateless_normal_shape": lambda tf: tf.shape(tf.random.stateless_normal([2, 3], seed=[1, 2], dtype=tf.float64)),
    "stateless_uniform_int_needs_both": lambda tf: tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.int32),
    "stateless_uniform_int_range": lambda tf: tf.reduce_all(
        (lambda u: (u >= 5) & (u < 8))(tf.random.stateless_uniform([500], seed=[3, 4], minval=5, maxval=8, dtype=tf.int32))),
    "stateless_bad_seed": lambda tf: tf.random.stateless_normal([2], seed=[1, 2, 3]),
    "random_split_shape": lambda tf: (lambda s: (tf.shape(s), s.dtype == tf.int32))(tf.random.split(tf.constant([1, 2]), 3)),
}
CASES.update(RANDOM_CASES)


BF16_CASES = {
    "bf16_cast": lambda tf: tf.cast(tf.constant([1.1, 2.2, 3.3, 1e-3, 65504.0, 1e30]), tf.bfloat16),
    "bf16_constant": lambda tf: tf.constant([0.1, 1.0 / 3.0, 100.7], dtype=tf.bfloat16),
    "bf16_arith": lambda tf: (lambda x, y: [x + y, x * y, x / y, x - y, tf.sqrt(x), tf.exp(y), tf.square(x)])(
        tf.constant([1.1, 2.7, 3.3], tf.bfloat16), tf.constant([0.3, -1.9, 7.1], tf.bfloat16)),
    "bf16_reduce": lambda tf: (lambda x: tf.stack([tf.reduce_sum(x), tf.reduce_mean(x), tf.reduce_max(x)]))(
        tf.cast(tf.range(1, 101) / 7, tf.bfloat16)),
    "bf16_matmul": lambda tf: tf.matmul(tf.cast(tf.reshape(tf.range(12), [3, 4]) / 7, tf.bfloat16),
                                        tf.cast(tf.reshape(tf.range(8), [4, 2]) / 3, tf.bfloat16)),
    "bf16_softmax": lambda tf: tf.nn.softmax(tf.constant([[1.0, 2.0, 3.5]], tf.bfloat16)),
    "bf16_back_to_float32": lambda tf: tf.cast(tf.constant([1.0 / 3.0], tf.bfloat16), tf.float32),
    "bf16_mixed_dtype_error": lambda tf: tf.constant([1.0], tf.bfloat16) + tf.constant([1.0]),
}


def _bf16_grad(tf):
    x = tf.constant([1.5, -2.25, 3.1], tf.bfloat16)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x * x + tf.sin(x))
    return tape.gradient(y, x)


def _bf16_dense(tf):
    tf.keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        layer = tf.keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
        x = tf.constant([[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]])
        with tf.GradientTape() as tape:
            y = layer(x)
            loss = tf.reduce_sum(tf.cast(y, tf.float32) ** 2)
        return [y, tape.gradient(loss, layer.kernel)]
    finally:
        tf.keras.mixed_precision.set_global_policy("float32")


BF16_CASES["bf16_grad"] = _bf16_grad
BF16_CASES["bf16_mixed_dense"] = _bf16_dense
CASES.update(BF16_CASES)


def _device(tf, spec):
    with tf.device(spec):
        x = tf.constant([1.0, 2.0]) * 2.0
    return x


DEVICE_CASES = {f"device_{i}": (lambda tf, s=s: _device(tf, s)) for i, s in enumerate(
    ["/GPU:0", "/device:CPU:0", "gpu:1", "/job:localhost/replica:0/task:0/device:GPU:0", "/cpu:0", None, "",
     "foo", "/device:GPU:*", "/job:worker/task:x"])}
CASES.update(DEVICE_CASES)


MORE_CASES = {
    "complex": lambda tf: tf.complex(tf.constant([1.0, 2.0]), tf.constant([3.0, -4.0])),
    "complex64_abs": lambda tf: tf.abs(tf.complex(tf.constant([3.0]), tf.constant([4.0]))),
    "complex_float64": lambda tf: tf.complex(tf.constant([1.0], tf.float64), tf.constant([0.5], tf.float64)),
    "complex_mixed": lambda tf: tf.complex(tf.constant([1.0]), tf.constant([1.0], tf.float64)),
    "complex_grad": lambda tf: grad(tf, lambda x, y: tf.math.real(tf.complex(x, y) * tf.complex(
        tf.constant([2.0, 1.0], tf.float64), tf.constant([0.5, -1.0], tf.float64))) + tf.math.imag(tf.complex(x, y)) * 3.0,
        [1.0, 2.0], [3.0, 4.0]),
    "dynamic_partition": lambda tf: tf.dynamic_partition(tf.constant([10.0, 20, 30, 40, 50]), [0, 0, 1, 1, 0], 2),
    "dynamic_partition_2d": lambda tf: tf.dynamic_partition(tf.reshape(tf.range(12), [2, 3, 2]), [[1, 0, 2], [2, 2, 0]], 3),
    "dynamic_partition_grad": lambda tf: grad(tf, lambda x: tf.dynamic_partition(x, [1, 0, 1], 2)[1] * [2.0, 3.0],
                                              [1.0, 2.0, 3.0]),
    "dynamic_partition_bad": lambda tf: tf.dynamic_partition(tf.constant([1.0, 2.0]), [0, 3], 2),
}
CASES.update(MORE_CASES)

from signal_cases import SIGNAL_CASES  # noqa: E402  (tf.signal: transforms, stft, mel, dct)
CASES.update(SIGNAL_CASES)

from lookup_cases import LOOKUP_CASES  # noqa: E402  (tf.lookup tables)
CASES.update(LOOKUP_CASES)

from tnp_cases import TNP_CASES  # noqa: E402  (tf.experimental.numpy)
CASES.update(TNP_CASES)

from ctc_cases import CTC_CASES  # noqa: E402  (CTC loss and decoders)
CASES.update(CTC_CASES)
