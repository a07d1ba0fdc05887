"""Cases about aliasing, Variable writes and custom gradients with Variable arguments.

Each ``case_*`` takes the library module (``tensorflow`` or ``gradtape``) and returns a JSON-able
value; ``run`` turns an exception into ``{"raises": <type name>}``. ``record_rel.py`` runs them under
TensorFlow and stores the results in ``tests/data/tf_rel_behaviour.json``; ``tests/test_variable_writes.py``
runs them under gradtape and compares. No TensorFlow is needed to import this file.
"""
from __future__ import annotations

from typing import Any, Callable, Dict

import numpy as np

CASES: Dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__[len("case_"):]] = fn
    return fn


def _j(x: Any) -> Any:
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x).tolist()
    if isinstance(x, (list, tuple)):
        return [_j(v) for v in x]
    return x


def run(tf: Any, name: str) -> Any:
    try:
        return {"value": _j(CASES[name](tf))}
    except Exception as e:  # noqa: BLE001 - the type is the result
        return {"raises": type(e).__name__}


# -- aliasing ------------------------------------------------------------------------------------

@case
def case_numpy_result_edited(tf):
    t = tf.constant([1.0, 2.0])
    n = t.numpy()
    n += 1
    return t


@case
def case_asarray_tensor_write(tf):
    t = tf.constant([1.0, 2.0])
    np.asarray(t)[0] = 9.0
    return t


@case
def case_asarray_variable_write(tf):
    v = tf.Variable([1.0, 2.0])
    np.asarray(v)[0] = 99.0
    return v


@case
def case_convert_to_tensor_then_edit(tf):
    a = np.array([1.0, 2.0], np.float32)
    t = tf.convert_to_tensor(a)
    a[0] = 5.0
    return t


@case
def case_variable_init_then_edit(tf):
    a = np.array([1.0, 2.0], np.float32)
    v = tf.Variable(a)
    a[0] = 5.0
    return v


@case
def case_assign_then_edit(tf):
    a = np.array([1.0, 2.0], np.float32)
    v = tf.Variable([0.0, 0.0])
    v.assign(a)
    a[0] = 5.0
    return v


@case
def case_input_edited_after_forward(tf):
    x = np.ones((2, 3), np.float32)
    w = tf.Variable(np.ones((3, 1), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.matmul(x, w))
    x[:] = 7.0
    return tape.gradient(y, w)


@case
def case_input_edited_after_dense(tf):
    layer = tf.keras.layers.Dense(1, kernel_initializer="ones")
    x = np.ones((2, 3), np.float32)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x))
    x[:] = 7.0
    return tape.gradient(y, layer.kernel)


# -- assign / assign_add / assign_sub -------------------------------------------------------------

def _v3(tf):
    return tf.Variable([1.0, 2.0, 3.0])


@case
def case_assign_add_other_shape(tf):
    return _v3(tf).assign_add([1.0, 2.0])


@case
def case_assign_add_scalar(tf):
    return _v3(tf).assign_add(1.0)


@case
def case_assign_add_one_element(tf):
    return _v3(tf).assign_add([1.0])


@case
def case_assign_sub_one_element(tf):
    return _v3(tf).assign_sub([1.0])


@case
def case_assign_add_2d_row(tf):
    return tf.Variable(np.zeros((2, 3), np.float32)).assign_add(np.ones((3,), np.float32))


@case
def case_assign_add_same_shape(tf):
    return _v3(tf).assign_add([1.0, 1.0, 1.0])


@case
def case_assign_other_shape(tf):
    return _v3(tf).assign([1.0, 2.0])


@case
def case_assign_scalar_to_vector(tf):
    return _v3(tf).assign(1.0)


@case
def case_assign_float64_numpy(tf):
    return _v3(tf).assign(np.array([1.5, 2.5, 3.5]))


@case
def case_assign_float64_tensor(tf):
    return _v3(tf).assign(tf.constant([1.5, 2.5, 3.5], tf.float64))


@case
def case_assign_add_float64_numpy(tf):
    return _v3(tf).assign_add(np.array([1.5, 2.5, 3.5]))


@case
def case_assign_int_list_to_float(tf):
    return _v3(tf).assign([1, 2, 3])


@case
def case_assign_float_list_to_int(tf):
    return tf.Variable([1, 2, 3]).assign([1.5, 2.0, 3.0])


@case
def case_assign_float64_numpy_to_int(tf):
    return tf.Variable([1, 2, 3]).assign(np.array([1.5, 2.7, 3.0]))


@case
def case_assign_int64_numpy_to_int32(tf):
    return tf.Variable([1, 2, 3]).assign(np.array([4, 5, 6], np.int64))


@case
def case_assign_bool_numpy_to_float(tf):
    return _v3(tf).assign(np.array([True, False, True]))


@case
def case_assign_int_tensor_to_float(tf):
    return _v3(tf).assign(tf.constant([1, 2, 3]))


# -- scatter -----------------------------------------------------------------------------------

def _m(tf):
    return tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))


@case
def case_scatter_update_negative_index(tf):
    return _m(tf).scatter_update(tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([-1])))


@case
def case_scatter_update_index_too_big(tf):
    return _m(tf).scatter_update(tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([3])))


@case
def case_scatter_update_broadcast_row(tf):
    return _m(tf).scatter_update(tf.IndexedSlices(tf.constant([1.0]), tf.constant([0])))


@case
def case_scatter_update_float64_tensor(tf):
    return _m(tf).scatter_update(tf.IndexedSlices(tf.constant([[1.0, 1.0]], tf.float64), tf.constant([0])))


@case
def case_scatter_update_rows(tf):
    return _m(tf).scatter_update(tf.IndexedSlices(tf.constant([[9.0, 9.0], [7.0, 7.0]]), tf.constant([2, 0])))


@case
def case_scatter_update_scalar_update(tf):
    return _m(tf).scatter_update(tf.IndexedSlices(tf.constant(5.0), tf.constant([0, 1])))


@case
def case_scatter_update_2d_indices(tf):
    return _m(tf).scatter_update(tf.IndexedSlices(tf.ones((1, 1, 2)), tf.constant([[1]])))


@case
def case_scatter_update_not_indexed_slices(tf):
    return _m(tf).scatter_update(([0], [[1.0, 1.0]]))


@case
def case_scatter_add_duplicates(tf):
    return _m(tf).scatter_add(tf.IndexedSlices(tf.constant([[1.0, 1.0], [1.0, 1.0]]), tf.constant([1, 1])))


@case
def case_scatter_add_negative_index(tf):
    return _m(tf).scatter_add(tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([-1])))


@case
def case_scatter_sub(tf):
    return _m(tf).scatter_sub(tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([2])))


@case
def case_scatter_max_min_mul_div(tf):
    m = _m(tf)
    m.scatter_max(tf.IndexedSlices(tf.constant([[10.0, 0.0]]), tf.constant([0])))
    m.scatter_min(tf.IndexedSlices(tf.constant([[-1.0, 0.0]]), tf.constant([1])))
    m.scatter_mul(tf.IndexedSlices(tf.constant([[2.0, 3.0]]), tf.constant([2])))
    m.scatter_div(tf.IndexedSlices(tf.constant([[2.0, 4.0]]), tf.constant([0])))
    return m


# -- sliced assignment -----------------------------------------------------------------------------

def _x(tf):
    return tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4))


@case
def case_slice_assign_columns(tf):
    x = _x(tf)
    x[:, 1:3].assign(tf.zeros((3, 2)))
    return x


@case
def case_slice_assign_element(tf):
    x = _x(tf)
    x[1, 2].assign(-7.0)
    return x


@case
def case_slice_assign_all(tf):
    x = _x(tf)
    x[:].assign(tf.ones((3, 4)))
    return x


@case
def case_slice_assign_broadcast_scalar(tf):
    x = _x(tf)
    x[:, 1:3].assign(5.0)
    return x


@case
def case_slice_assign_wrong_shape(tf):
    return _x(tf)[:, 1:3].assign(tf.zeros((3, 3)))


@case
def case_slice_assign_float64_numpy(tf):
    x = _x(tf)
    x[0].assign(np.array([1.5, 2.5, 3.5, 4.5]))
    return x


@case
def case_slice_assign_float64_tensor(tf):
    return _x(tf)[0].assign(tf.zeros((4,), tf.float64))


@case
def case_slice_assign_float_to_int(tf):
    return tf.Variable([1, 2, 3])[0].assign(1.5)


@case
def case_slice_assign_add(tf):
    return _x(tf)[0].assign_add([1.0, 1.0, 1.0, 1.0])


@case
def case_slice_assign_sub(tf):
    return _x(tf)[0].assign_sub([1.0, 1.0, 1.0, 1.0])


@case
def case_slice_assign_steps(tf):
    x = _x(tf)
    x[::2, ::-1].assign(tf.reshape(tf.range(8.0), (2, 4)))
    return x


@case
def case_slice_assign_ellipsis_negative(tf):
    x = _x(tf)
    x[..., -1].assign(tf.ones((3,)))
    return x


@case
def case_slice_assign_newaxis(tf):
    x = _x(tf)
    x[tf.newaxis, 0].assign(-tf.ones((1, 4)))
    return x


@case
def case_slice_assign_tensor_index(tf):
    x = _x(tf)
    x[tf.constant(1)].assign(tf.zeros((4,)))
    return x


@case
def case_slice_assign_returns_variable(tf):
    x = _x(tf)
    r = x[0].assign(tf.zeros((4,)))
    return tf.reduce_sum(r)


@case
def case_slice_of_slice_assign(tf):
    return _x(tf)[0][1:3].assign(tf.zeros((2,)))


@case
def case_constant_has_no_assign(tf):
    return hasattr(tf.constant(1.0), "assign")


@case
def case_slice_assign_in_tape_after_use(tf):
    w = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * w)
        w[0].assign(10.0)
    return [tape.gradient(y, w), w]


@case
def case_slice_assign_in_tape_before_use(tf):
    w = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        w[0].assign(10.0)
        y = tf.reduce_sum(w * w)
    return tape.gradient(y, w)


@case
def case_slice_assign_value_gets_no_gradient(tf):
    w = tf.Variable([1.0, 2.0, 3.0])
    u = tf.Variable(5.0)
    with tf.GradientTape() as tape:
        r = w[0].assign(u * 2.0)
        y = tf.reduce_sum(r)
    gw, gu = tape.gradient(y, [w, u])
    return [gw, gu is None]


@case
def case_slice_assign_in_function(tf):
    w = tf.Variable([1.0, 2.0, 3.0])

    @tf.function
    def step(i):
        w[0].assign(w[0] + i)
        w[1:].assign(w[1:] * 2.0)
        return w[0]

    return [[step(tf.constant(1.0)) for _ in range(3)], w]


# -- custom_gradient / function with Variable arguments ----------------------------------------------

def _custom(tf):
    @tf.custom_gradient
    def f(x):
        def grad(dy):
            return dy * 100.0
        return x * 2.0, grad
    return f


@case
def case_custom_gradient_variable_argument(tf):
    v = tf.Variable(3.0)
    f = _custom(tf)
    with tf.GradientTape() as tape:
        y = f(v)
    return [tape.gradient(y, v), [w.name for w in tape.watched_variables()]]


@case
def case_custom_gradient_untrainable_variable_argument(tf):
    v = tf.Variable(3.0, trainable=False)
    f = _custom(tf)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v) is None


@case
def case_custom_gradient_variable_and_tensor(tf):
    @tf.custom_gradient
    def f(x, y):
        def grad(dy):
            return dy * 100.0, dy * 1000.0
        return x * y, grad
    v = tf.Variable(3.0)
    c = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(c)
        y = f(v, c)
    return tape.gradient(y, [v, c])


@case
def case_custom_gradient_variable_in_list(tf):
    @tf.custom_gradient
    def f(xs):
        def grad(dy):
            return [dy * 100.0, dy * 10.0]
        return xs[0] * xs[1], grad
    v = tf.Variable(3.0)
    c = tf.constant(1.0)
    with tf.GradientTape() as tape:
        y = f([v, c])
    return tape.gradient(y, v)


@case
def case_function_of_custom_gradient_variable_argument(tf):
    v = tf.Variable(3.0)
    f = tf.function(_custom(tf))
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v)


@case
def case_function_calling_custom_gradient_variable_argument(tf):
    v = tf.Variable(3.0)
    f = _custom(tf)

    @tf.function
    def g(x):
        return f(x)
    with tf.GradientTape() as tape:
        y = g(v)
    return tape.gradient(y, v)


@case
def case_function_variable_argument(tf):
    v = tf.Variable(3.0)

    @tf.function
    def f(x):
        return x * x
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v)


@case
def case_function_variable_argument_second_call(tf):
    v = tf.Variable(3.0)

    @tf.function
    def f(x):
        return x * x
    f(v)
    v.assign(4.0)
    with tf.GradientTape() as tape:
        y = f(v)
    return [y, tape.gradient(y, v)]


@case
def case_function_variable_keyword_argument(tf):
    v = tf.Variable(3.0)

    @tf.function
    def f(x=None):
        return x * x
    with tf.GradientTape() as tape:
        y = f(x=v)
    return tape.gradient(y, v)


@case
def case_function_list_of_variables(tf):
    v, w = tf.Variable(3.0), tf.Variable(2.0)

    @tf.function
    def f(xs):
        return xs[0] * xs[1]
    with tf.GradientTape() as tape:
        y = f([v, w])
    return tape.gradient(y, [v, w])


@case
def case_recompute_grad_variable_argument(tf):
    v = tf.Variable(3.0)
    f = tf.recompute_grad(lambda x: x * x * 2.0)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v)


@case
def case_custom_gradient_variable_keyword(tf):
    v, w = tf.Variable(3.0), tf.Variable(2.0)

    @tf.custom_gradient
    def f(x, scale=None):
        def grad(dy):
            return dy * 100.0
        return x * scale, grad
    with tf.GradientTape() as tape:
        y = f(v, scale=w)
    gv, gw = tape.gradient(y, [v, w])
    return [gv, gw is None]


@case
def case_function_traced_with_tensor_then_variable(tf):
    v = tf.Variable(3.0)

    @tf.function
    def f(x):
        return x * x
    f(tf.constant(1.0))
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v)


@case
def case_grad_pass_through_variable(tf):
    v = tf.Variable(3.0)
    g = tf.grad_pass_through(lambda x: tf.round(x))
    with tf.GradientTape() as tape:
        y = g(v) * 2.0
    return tape.gradient(y, v)


@case
def case_function_assign_add_on_variable_argument(tf):
    v = tf.Variable(3.0)

    @tf.function
    def f(x):
        return x.assign_add(1.0) * 2.0
    return [f(v), f(v), v]
