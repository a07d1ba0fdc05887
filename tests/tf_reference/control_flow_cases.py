"""Control-flow programs written once against a ``tf`` module argument.

``tests/tf_reference/make_control_flow.py`` runs them with real TensorFlow and stores the results in
``tests/data/tf_control_flow.json``; ``tests/test_control_flow.py`` runs them with gradtape and
compares. Each case returns a dict of name -> tensor (or None for a None gradient). Inputs are
float32 constants, as a TF program would write them.
"""
from __future__ import annotations

import numpy as np


def _grads(tf, fn, xs, order2=True):
    """Value, first gradients and (optionally) the gradient of the sum of first gradients."""
    xs = [tf.constant(np.asarray(x, np.float32)) for x in xs]
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(xs)
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(xs)
            y = fn(*xs)
            s = tf.reduce_sum(y)
        g = inner.gradient(s, xs)
        gs = tf.add_n([tf.reduce_sum(gi) for gi in g if gi is not None])
    out = {"y": y}
    for i, gi in enumerate(g):
        out[f"g{i}"] = gi
    if order2:
        for i, hi in enumerate(outer.gradient(gs, xs)):
            out[f"h{i}"] = hi
    return out


def cond_pos(tf):
    return _grads(tf, lambda x: tf.cond(x > 0, lambda: x ** 3, lambda: tf.sin(x)), [1.5])


def cond_neg(tf):
    return _grads(tf, lambda x: tf.cond(x > 0, lambda: x ** 3, lambda: tf.sin(x)), [-0.5])


def cond_struct(tf):
    def f(x, w):
        a, b = tf.cond(tf.reduce_sum(x) < 1.0,
                       lambda: (x * w, {"k": tf.exp(w)}),
                       lambda: (x / w, {"k": tf.square(w)}))
        return tf.reduce_sum(a) + b["k"]
    return _grads(tf, f, [[0.2, 0.3], 1.3])


def case_branches(tf):
    out = {}
    for v in (-2.0, 0.5, 3.0):
        r = _grads(tf, lambda x: tf.case([(x < 0.0, lambda: x * x), (x < 1.0, lambda: tf.exp(x))],
                                         default=lambda: x ** 3), [v])
        out.update({f"{k}@{v}": t for k, t in r.items()})
    return out


def switch_case_branches(tf):
    out = {}
    for idx in (0, 1, 2, 7, -1):
        r = _grads(tf, lambda x: tf.switch_case(tf.constant(idx), [lambda: x * x, lambda: tf.sin(x),
                                                                   lambda: x ** 3]), [0.7])
        out.update({f"{k}@{idx}": t for k, t in r.items()})
    return out


def while_power(tf):
    def f(x):
        _, y = tf.while_loop(lambda i, y: i < 4, lambda i, y: (i + 1, y * x + tf.sin(y)),
                             [tf.constant(0), x])
        return y
    return _grads(tf, f, [0.8])


def while_maxit(tf):
    def f(x):
        (y,) = tf.while_loop(lambda y: y < 100.0, lambda y: [y * x], [x], maximum_iterations=3)
        return y
    return _grads(tf, f, [1.5])


def while_data_dependent(tf):
    def f(x):
        _, y = tf.while_loop(lambda i, y: tf.reduce_sum(y) < 50.0,
                             lambda i, y: (i + 1, y * 1.7 + x), [0, x])
        return y
    return _grads(tf, f, [[1.0, 2.0]])


def while_nested(tf):
    def f(x, w):
        def body(i, s):
            return i + 1, {"a": s["a"] * w, "b": (s["b"][0] + tf.reduce_sum(s["a"]), s["b"][1])}
        _, s = tf.while_loop(lambda i, s: i < 3, body,
                             [tf.constant(0), {"a": x, "b": (tf.constant(0.0), tf.constant(1))}])
        return s["b"][0] + tf.reduce_sum(s["a"])
    return _grads(tf, f, [[0.5, -1.0], 1.1])


def while_tensor_array(tf):
    def f(x):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        def body(i, y, ta):
            y = tf.tanh(y * x)
            return i + 1, y, ta.write(i, y)
        _, _, ta = tf.while_loop(lambda i, y, ta: i < 4, body, [0, tf.ones([2]), ta])
        return ta.stack()
    return _grads(tf, f, [[0.9, -0.3]])


def map_fn_basic(tf):
    return _grads(tf, lambda m: tf.map_fn(lambda r: tf.reduce_sum(r * r) * r[0], m),
                  [[[1.0, 2.0], [0.5, -1.0], [3.0, 0.1]]])


def map_fn_nested(tf):
    def f(a, b):
        out = tf.map_fn(lambda e: {"s": e[0] * e[1]["v"], "n": tf.cast(e[1]["k"], tf.float32) * e[0]},
                        (a, {"v": b, "k": tf.constant([1, 2, 3])}),
                        fn_output_signature={"s": tf.float32, "n": tf.TensorSpec([], tf.float32)})
        return out["s"] ** 2 + out["n"]
    return _grads(tf, f, [[1.0, 2.0, 3.0], [0.5, 0.25, -1.0]])


def map_fn_matrix_out(tf):
    return _grads(tf, lambda m: tf.map_fn(lambda r: tf.tensordot(r, r, axes=0), m), [[[1.0, 2.0], [0.5, -1.0]]])


def scan_basic(tf):
    return _grads(tf, lambda x: tf.scan(lambda a, e: a * e + tf.sin(a), x), [[0.5, 1.5, -0.7, 2.0]])


def scan_init_reverse(tf):
    def f(x, w):
        return tf.scan(lambda a, e: (a[0] * w + e, a[1] + a[0] * e), x,
                       initializer=(tf.constant(1.0), tf.constant(0.0)), reverse=True)[1]
    return _grads(tf, f, [[0.5, 1.5, -0.7], 0.9])


def scan_vector_state(tf):
    return _grads(tf, lambda x: tf.scan(lambda a, e: tf.tanh(a + e), x, initializer=tf.zeros([2])),
                  [[[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]]])


def foldl_foldr(tf):
    def f(x):
        return tf.stack([tf.foldl(lambda a, e: a * e + 1.0, x), tf.foldr(lambda a, e: a * e + 1.0, x),
                         tf.foldl(lambda a, e: a + e * e, x, initializer=tf.constant(2.0))])
    return _grads(tf, f, [[0.5, 1.5, -0.7]])


def tensor_array_ops(tf):
    def f(x):
        ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False)
        ta = ta.unstack(x * 2.0)
        a, b = ta.read(0), ta.read(2)
        tb = tf.TensorArray(tf.float32, size=4).write(0, a * b).write(1, tf.sin(a))
        tb = tb.scatter([3, 2], tf.stack([b, a * a]))
        g = ta.gather([2, 0, 2])
        tc = tf.TensorArray(tf.float32, size=2, infer_shape=False).split(tf.reshape(x, [-1]) ** 2, [2, 4])
        return tf.concat([tf.reshape(tb.stack(), [-1]), tf.reshape(g, [-1]), tc.concat(),
                          tf.reshape(tf.cast(tb.size(), tf.float32), [1])], 0)
    return _grads(tf, f, [[[1.0, 2.0], [0.5, -1.0], [3.0, 0.1]]])


def tensor_array_unwritten(tf):
    def f(x):
        ta = tf.TensorArray(tf.float32, size=3).write(1, x)
        return ta.stack() * 3.0
    return _grads(tf, f, [[1.0, -2.0]])


def vectorized_map_grad(tf):
    def f(x, w):
        return tf.vectorized_map(lambda e: tf.reduce_sum(tf.tanh(e[0] * e[1]) ** 2), (x, w))
    return _grads(tf, f, [[[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]], [[0.7, -1.2]]])


def vectorized_map_struct(tf):
    def f(x):
        out = tf.vectorized_map(lambda e: {"sq": e * e, "c": tf.constant([1.0, 2.0])}, x)
        return tf.reduce_sum(out["sq"], axis=1) + tf.reduce_sum(out["c"])
    return _grads(tf, f, [[[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]]])


def py_function_grad(tf):
    def f(x):
        return tf.py_function(lambda a: a * a * tf.sin(a), [x], tf.float32)
    return _grads(tf, f, [[0.5, 1.2]], order2=False)


def py_function_second_order(tf):
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = tf.py_function(lambda a: a * a * a, [x], tf.float32)
        g = t1.gradient(y, x)
    return {"y": y, "g": g, "h": t2.gradient(g, x)}


def py_function_multi(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        a, b = tf.py_function(lambda v: [v * 2.0, tf.cast(v, tf.int32)], [x], [tf.float32, tf.int32])
        y = tf.reduce_sum(a * a)
    return {"a": a, "b": b, "g": t.gradient(y, x)}


def numpy_function_values(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.numpy_function(lambda a: np.sqrt(a) * 2, [x], tf.float32)
    return {"y": y, "g": t.gradient(y, x)}


def ensure_shape_grad(tf):
    return _grads(tf, lambda x: tf.ensure_shape(x * x, [None, 2]), [[[1.0, 2.0]]])


CASES = [cond_pos, cond_neg, cond_struct, case_branches, switch_case_branches, while_power,
         while_maxit, while_data_dependent, while_nested, while_tensor_array, map_fn_basic,
         map_fn_nested, map_fn_matrix_out, scan_basic, scan_init_reverse, scan_vector_state,
         foldl_foldr, tensor_array_ops, tensor_array_unwritten, vectorized_map_grad,
         vectorized_map_struct, py_function_grad, py_function_second_order, py_function_multi,
         numpy_function_values, ensure_shape_grad]


def to_json(result: dict) -> dict:
    """A case's result as JSON-able {name: {"dtype", "shape", "value"} or None}."""
    out = {}
    for k, v in result.items():
        if v is None:
            out[k] = None
            continue
        if hasattr(v, "indices") and hasattr(v, "dense_shape"):   # IndexedSlices: densify
            a = np.zeros(np.asarray(v.dense_shape), np.asarray(v.values).dtype)
            np.add.at(a, np.asarray(v.indices), np.asarray(v.values))
        else:
            a = np.asarray(v)
        out[k] = {"dtype": str(a.dtype), "shape": list(a.shape), "value": a.tolist()}
    return out
