"""Record TF's answers (values, or the exception type raised) for tests/test_tf_fidelity.py.

Run with real TensorFlow (not gradtape):
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_fidelity.py
Writes tests/data/tf_fidelity.json: {case: {"value": ..., "dtype": ...} or {"error": "ExceptionType"}}.
tests/test_tf_fidelity.py imports ``cases`` from here and runs the same functions under gradtape.
"""
import json
import os

import numpy as np

nan, inf = float("nan"), float("inf")


def cases(tf):
    """Each case is a zero-argument function of the ``tf`` module under test."""
    c = {}
    c["floordiv_int_by_zero"] = lambda: tf.math.floordiv(tf.constant([5, 3]), tf.constant([0, 2]))
    c["floordiv_operator_int_by_zero"] = lambda: tf.constant([5, 3]) // tf.constant([0, 2])
    c["floordiv_int64_scalar_zero"] = lambda: tf.math.floordiv(tf.constant([5, 3], tf.int64), tf.constant(0, tf.int64))
    c["floordiv_uint8_by_zero"] = lambda: tf.math.floordiv(tf.constant([5, 3], tf.uint8), tf.constant([0, 2], tf.uint8))
    c["floormod_int_by_zero"] = lambda: tf.math.floormod(tf.constant([5, 3]), tf.constant([0, 2]))
    c["mod_operator_int_by_zero"] = lambda: tf.constant([5, 3]) % tf.constant([0, 2])
    c["truncatediv_int_by_zero"] = lambda: tf.truncatediv(tf.constant([5, 3]), tf.constant([0, 2]))
    c["floordiv_int_ok"] = lambda: tf.math.floordiv(tf.constant([-7, 7]), tf.constant([2, -2]))
    c["floordiv_float_by_zero"] = lambda: tf.math.floordiv(tf.constant([5., -3., 0.]), tf.constant([0., 0., 0.]))
    c["floormod_float_by_zero"] = lambda: tf.math.floormod(tf.constant([5., -3., 0.]), tf.constant([0., 0., 0.]))
    for i, row in enumerate([[1., nan, 3.], [nan, 1., 3.], [1., 3., nan], [nan, nan], [-inf, nan],
                             [nan, -inf], [nan, 1.], [1., nan], [nan, nan, -inf], [5., nan, 5.]]):
        c[f"argmax_nan_{i}"] = lambda row=row: tf.argmax(tf.constant(row))
        c[f"argmin_nan_{i}"] = lambda row=row: tf.argmin(tf.constant(row))
    m = [[1., nan, 3.], [nan, nan, 1.], [2., 5., nan]]
    c["argmax_nan_2d_axis1"] = lambda: tf.argmax(tf.constant(m), axis=1)
    c["argmin_nan_2d_axis0"] = lambda: tf.argmin(tf.constant(m), axis=0)
    c["argmax_nan_float64"] = lambda: tf.argmax(tf.constant([nan, 2., 7., nan], tf.float64))
    c["top_k1_nan_values"] = lambda: tf.math.top_k(tf.constant([[1., nan, 3., 2.], [nan, -1., nan, 0.]]), k=1).values
    c["top_k1_nan_indices"] = lambda: tf.math.top_k(tf.constant([[1., nan, 3., 2.], [nan, -1., nan, 0.]]), k=1).indices
    c["top_k1_nan_first"] = lambda: tf.math.top_k(tf.constant([nan, 1., 3.]), k=1).indices
    c["ones_float_shape"] = lambda: tf.ones([2.5])
    c["ones_float_integral_shape"] = lambda: tf.ones([2.0])
    c["zeros_float_shape"] = lambda: tf.zeros([2, 2.5])
    c["reshape_float_shape"] = lambda: tf.reshape(tf.range(6), [2.0, 3.0])
    c["reshape_float_tensor_shape"] = lambda: tf.reshape(tf.range(6), tf.constant([2.0, 3.0]))
    c["reshape_empty_0_m1"] = lambda: tf.reshape(tf.zeros([0]), [0, -1])
    c["reshape_empty_03_0_m1"] = lambda: tf.reshape(tf.zeros([0, 3]), [0, -1])
    c["reshape_empty_m1_0"] = lambda: tf.reshape(tf.zeros([0]), [-1, 0])
    c["reshape_empty_2_m1_0"] = lambda: tf.reshape(tf.zeros([0]), [2, -1, 0])
    c["reshape_empty_3_m1"] = lambda: tf.reshape(tf.zeros([0, 4]), [3, -1])
    c["reshape_empty_bad"] = lambda: tf.reshape(tf.zeros([0, 4]), [0, 5])
    c["reduce_max_empty"] = lambda: tf.reduce_max(tf.zeros([0]))
    c["reduce_min_empty"] = lambda: tf.reduce_min(tf.zeros([0]))
    c["reduce_logsumexp_empty"] = lambda: tf.reduce_logsumexp(tf.zeros([0]))
    c["reduce_max_empty_int32"] = lambda: tf.reduce_max(tf.zeros([0], tf.int32))
    c["reduce_min_empty_int32"] = lambda: tf.reduce_min(tf.zeros([0], tf.int32))
    c["reduce_max_empty_uint8"] = lambda: tf.reduce_max(tf.zeros([0], tf.uint8))
    c["reduce_min_empty_uint8"] = lambda: tf.reduce_min(tf.zeros([0], tf.uint8))
    c["reduce_max_empty_axis"] = lambda: tf.reduce_max(tf.zeros([2, 0]), axis=1)
    c["reduce_min_empty_axis_keepdims"] = lambda: tf.reduce_min(tf.zeros([2, 0]), axis=1, keepdims=True)
    c["reduce_logsumexp_empty_axis"] = lambda: tf.reduce_logsumexp(tf.zeros([2, 0]), axis=1)
    c["reduce_logsumexp_empty_axis0"] = lambda: tf.reduce_logsumexp(tf.zeros([0, 2], tf.float64), axis=0)
    c["reduce_max_empty_f64"] = lambda: tf.reduce_max(tf.zeros([0], tf.float64))
    c["scatter_update_oob"] = lambda: tf.tensor_scatter_nd_update(tf.zeros([3]), [[5]], [1.])
    c["scatter_update_negative"] = lambda: tf.tensor_scatter_nd_update(tf.zeros([3]), [[-1]], [1.])
    c["scatter_update_oob_2d"] = lambda: tf.tensor_scatter_nd_update(tf.zeros([2, 2]), [[0, 1], [2, 0]], [1., 2.])
    c["scatter_update_ok"] = lambda: tf.tensor_scatter_nd_update(tf.zeros([2, 2]), [[0, 1], [1, 0]], [1., 2.])
    c["boolean_mask_int_mask"] = lambda: tf.boolean_mask(tf.constant([1, 2, 3]), tf.constant([1, 0, 1]))
    c["boolean_mask_int_list"] = lambda: tf.boolean_mask(tf.constant([1, 2, 3]), [2, 0, 1])
    c["boolean_mask_float_mask"] = lambda: tf.boolean_mask(tf.constant([1., 2., 3.]), tf.constant([1., 0., 0.5]))
    c["boolean_mask_np_int_2d"] = lambda: tf.boolean_mask(tf.reshape(tf.range(6), [2, 3]), np.array([0, 1]))
    c["dense_units_float"] = lambda: tf.keras.layers.Dense(2.5)
    c["dense_units_str"] = lambda: tf.keras.layers.Dense("3")
    c["dense_units_float_integral"] = lambda: tf.keras.layers.Dense(3.0)
    c["sgd_lr_none"] = lambda: tf.keras.optimizers.SGD(learning_rate=None)
    c["sgd_lr_list"] = lambda: tf.keras.optimizers.SGD(learning_rate=[0.1])
    c["sgd_lr_str"] = lambda: tf.keras.optimizers.SGD(learning_rate="0.1")
    c["sgd_momentum_str"] = lambda: tf.keras.optimizers.SGD(momentum="0.9")
    c["adam_both_clips"] = lambda: tf.keras.optimizers.Adam(clipnorm=1., global_clipnorm=1.)
    return c


def record(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__}
    if hasattr(r, "numpy"):
        v = r.numpy()
        return {"value": np.asarray(v, dtype=np.float64).tolist() if v.dtype.kind == "f" else v.tolist(),
                "dtype": r.dtype.name, "shape": list(v.shape)}
    return {"ok": type(r).__name__}


if __name__ == "__main__":
    import tensorflow as tf
    out = {name: record(fn) for name, fn in cases(tf).items()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tf_fidelity.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=0, sort_keys=True, allow_nan=True)
    for k, v in out.items():
        print(k, v)
