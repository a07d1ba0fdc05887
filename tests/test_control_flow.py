"""Control flow (cond, case, switch_case, while_loop, map_fn, scan, folds, vectorized_map,
TensorArray), Python callbacks, ensure_shape and get_static_value.

Three kinds of checks: values and gradients recorded with real TensorFlow
(``tests/tf_reference/make_control_flow.py`` -> ``tests/data/tf_control_flow.json``), first and
second derivatives against central differences in float64, and behaviour under ``gradtape.function``
(a predicate or loop count that depends on the inputs is decided again on every call).
"""
from __future__ import annotations

import importlib.util
import json
import os
import warnings

import numpy as np
import pytest

import gradtape as tf
from gradtape.errors import InvalidArgumentError, OutOfRangeError
from gradtape.testing import check_gradients

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_cases():
    spec = importlib.util.spec_from_file_location(
        "control_flow_cases", os.path.join(HERE, "tf_reference", "control_flow_cases.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CASES = _load_cases()
with open(os.path.join(HERE, "data", "tf_control_flow.json")) as _f:
    RECORDED = json.load(_f)["cases"]


# -- values and gradients recorded with TensorFlow -----------------------------------------------

@pytest.mark.parametrize("case", CASES.CASES, ids=lambda c: c.__name__)
def test_matches_tensorflow(case):
    expected = RECORDED[case.__name__]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = CASES.to_json(case(tf))
    assert sorted(got) == sorted(expected)
    for k, e in expected.items():
        g = got[k]
        if e is None:
            assert g is None, f"{k}: TF gives None, gradtape {g}"
            continue
        assert g is not None, f"{k}: gradtape gives None, TF {e['value']}"
        assert g["dtype"] == e["dtype"], k
        assert g["shape"] == e["shape"], k
        np.testing.assert_allclose(np.asarray(g["value"], np.float64), np.asarray(e["value"], np.float64),
                                   rtol=2e-5, atol=2e-6, err_msg=k)


# -- finite differences (float64, first and second order) -----------------------------------------

def _x(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


def test_fd_cond_both_branches():
    f = lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: x ** 3 * tf.reduce_sum(x),
                          lambda: tf.sin(x) * tf.exp(x))
    check_gradients(f, [np.array([0.4, 0.9])], order=2)
    check_gradients(f, [np.array([-0.4, -0.9])], order=2)


def test_fd_case_and_switch_case():
    def make(i):
        def f(x):
            a = tf.case([(x[0] < -0.5, lambda: x * x), (x[0] < 0.5, lambda: tf.tanh(x))],
                        default=lambda: x ** 3)
            b = tf.switch_case(tf.constant(i), [lambda: tf.sin(x), lambda: x * tf.reduce_sum(x)])
            return a * b
        return f
    for v in (-0.8, 0.1, 0.9):
        for i in (0, 1, 5):
            check_gradients(make(i), [np.array([v, 0.3])], order=2)


def test_fd_while_loop_fixed_and_data_dependent_counts():
    def fixed(x, w):
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, tf.tanh(y * w) + x), [0, x])
        return y
    check_gradients(fixed, [_x(3), _x(3, seed=1)], order=2)

    def dependent(x):
        _, y = tf.while_loop(lambda i, y: tf.reduce_sum(y) < 20.0, lambda i, y: (i + 1, y * 1.5 + x),
                             [0, x], maximum_iterations=10)
        return y
    check_gradients(dependent, [np.array([1.0, 2.0])], order=2)


def test_fd_map_fn_nested():
    def f(a, b):
        out = tf.map_fn(lambda e: (e[0] * tf.reduce_sum(e[1]), tf.sin(e[1])), (a, b))
        return out[0] * tf.reduce_sum(out[1], axis=1)
    check_gradients(f, [_x(3), _x(3, 2, seed=1)], order=2)


def test_fd_scan_and_folds():
    def f(x, w):
        s = tf.scan(lambda acc, e: (acc[0] * w + e, acc[1] + tf.sin(acc[0] * e)), x,
                    initializer=(x[0] * 0.0, x[0] * 0.0), reverse=True)
        return tf.concat([s[0], s[1], tf.reshape(tf.foldl(lambda a, e: a * e + w, x), [1]),
                          tf.reshape(tf.foldr(lambda a, e: tf.tanh(a) * e, x), [1]),
                          tf.scan(lambda a, e: a * e, x)], 0)
    check_gradients(f, [_x(4), np.float64(0.7)], order=2)


def test_fd_tensor_array():
    def f(x):
        ta = tf.TensorArray(tf.float64, size=3, clear_after_read=False).unstack(x)
        tb = tf.TensorArray(tf.float64, size=0, dynamic_size=True)
        for i in range(3):
            tb = tb.write(i, ta.read(i) * ta.read(2 - i))
        tc = tf.TensorArray(tf.float64, size=2).scatter([1, 0], tf.sin(x[:2]))
        td = tf.TensorArray(tf.float64, size=2, infer_shape=False).split(tf.reshape(x, [-1]), [2, 4])
        return tf.concat([tf.reshape(tb.stack(), [-1]), tf.reshape(tc.gather([0, 1, 0]), [-1]),
                          td.concat() ** 2], 0)
    check_gradients(f, [_x(3, 2)], order=2)


def test_fd_vectorized_map_broadcast():
    f = lambda x, w: tf.vectorized_map(lambda e: tf.tanh(tf.reduce_sum(e[0] * e[1])) * e[0], (x, w))
    check_gradients(f, [_x(3, 2), _x(1, 2, seed=1)], order=2)


def test_fd_py_function_first_order_and_ensure_shape():
    f = lambda x: tf.py_function(lambda a: tf.sin(a) * a, [x], tf.float64)
    check_gradients(f, [_x(3)], order=1)
    check_gradients(lambda x: tf.ensure_shape(x * x, [None, 2]), [_x(3, 2)], order=2)


# -- cond / case / switch_case semantics ----------------------------------------------------------

def test_cond_runs_only_the_chosen_branch_and_keeps_structure():
    ran = []
    r = tf.cond(tf.constant(True), lambda: ran.append("t") or [tf.constant(1)],
                lambda: ran.append("f") or [tf.constant(2)])
    assert ran == ["t"] and isinstance(r, list) and int(r[0]) == 1
    assert tf.cond(False, lambda: 1, lambda: 2) == 2
    assert tf.cond(tf.constant([True]), lambda: 1, lambda: 2) == 1
    with pytest.raises(ValueError, match="scalar"):
        tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2)
    with pytest.raises(TypeError, match="true_fn"):
        tf.cond(True, 1, lambda: 2)
    with pytest.raises(TypeError, match="false_fn"):
        tf.cond(True, lambda: 1)


def test_case_rules():
    t, f = tf.constant(True), tf.constant(False)
    assert tf.case([(t, lambda: 1), (t, lambda: 2)], default=lambda: 3) == 1
    assert tf.case([(f, lambda: 1), (t, lambda: 2)]) == 2          # last pair is the default
    with pytest.raises(InvalidArgumentError, match="None of conditions"):
        tf.case([(f, lambda: 1), (f, lambda: 2)])
    with pytest.raises(InvalidArgumentError, match="exclusive"):
        tf.case([(t, lambda: 1), (t, lambda: 2)], default=lambda: 3, exclusive=True)
    assert int(tf.case([(t, lambda: [tf.constant(5)])], default=lambda: [tf.constant(3)])) == 5
    assert isinstance(tf.case([(t, lambda: [tf.constant(5)])], default=lambda: [tf.constant(3)],
                              strict=True), list)
    with pytest.raises(TypeError, match="must be a Tensor"):
        tf.case([(True, lambda: 1)], default=lambda: 3)
    with pytest.raises(TypeError, match="bool"):
        tf.case([(tf.constant(1), lambda: 1)], default=lambda: 3)
    with pytest.raises(TypeError, match="2-tuple"):
        tf.case([(t, lambda: 1, 3)])


def test_switch_case_rules():
    fns = [lambda: 10, lambda: 11, lambda: 12]
    assert tf.switch_case(tf.constant(1), fns) == 11
    assert tf.switch_case(tf.constant(9), fns) == 12
    assert tf.switch_case(tf.constant(-1), fns, default=lambda: 99) == 99
    assert tf.switch_case(tf.constant(0, tf.int64), {1: lambda: 1, 0: lambda: 0}) == 0
    assert tf.switch_case(tf.constant(1), [(1, lambda: "one"), (0, lambda: "zero")]) == "one"
    with pytest.raises(TypeError, match="must be a Tensor"):
        tf.switch_case(1, fns)
    with pytest.raises(TypeError, match="integer"):
        tf.switch_case(tf.constant(0.0), fns)
    with pytest.raises(ValueError, match="contiguous"):
        tf.switch_case(tf.constant(0), {1: fns[0], 2: fns[1]})


# -- while_loop semantics -------------------------------------------------------------------------

def test_while_loop_structures_and_conversion():
    r = tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [0])
    assert isinstance(r, tuple) and int(r[0]) == 3 and isinstance(r[0], tf.Tensor)
    r = tf.while_loop(lambda i: i < 0, lambda i: (i + 1,), [0])     # no iteration: inputs converted
    assert isinstance(r, list) and isinstance(r[0], tf.Tensor) and r[0].dtype == tf.int32
    r = tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])   # bare single result
    assert int(r[0]) == 3
    i, s = tf.while_loop(lambda i, s: i < 2, lambda i, s: [i + 1, {"a": s["a"] * 2.0, "b": (s["b"][0],)}],
                         (0, {"a": tf.constant(1.5), "b": (tf.constant(1),)}))
    assert float(s["a"]) == 6.0 and int(s["b"][0]) == 1
    v = tf.Variable(1.0)
    (r,) = tf.while_loop(lambda x: x < 3.0, lambda x: (x + 1.0,), [v])
    assert float(r) == 3.0 and float(v) == 1.0
    (r,) = tf.while_loop(lambda x: x < 100, lambda x: [x + 1], [0], maximum_iterations=tf.constant(4))
    assert int(r) == 4
    (r,) = tf.while_loop(lambda x: x < 100, lambda x: [x + 1], [0], maximum_iterations=0)
    assert int(r) == 0


def test_while_loop_errors():
    with pytest.raises(TypeError, match="'cond' must be callable"):
        tf.while_loop(1, lambda i: (i,), [0])
    with pytest.raises(TypeError, match="parallel_iterations"):
        tf.while_loop(lambda i: i < 1, lambda i: (i + 1,), [0], parallel_iterations=0)
    for bad in ([], 0, tf.constant(1)):
        with pytest.raises(ValueError, match="loop_vars"):
            tf.while_loop(lambda i: i < 1, lambda i: (i + 1,), bad)
    with pytest.raises(ValueError, match="structure"):
        tf.while_loop(lambda a, b: a < 3, lambda a, b: (a + 1, [b]), [0, 1.0])
    with pytest.raises(TypeError, match="sequence type"):
        tf.while_loop(lambda a: a[0] < 3, lambda a: [[a[0] + 1, a[1]]], [(0, 1)])
    with pytest.raises(ValueError, match="scalar"):
        tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [0], maximum_iterations=[3])
    grow = lambda a: (tf.concat([a, a], 0),)
    (r,) = tf.while_loop(lambda a: tf.size(a) < 4, grow, [tf.constant([1.0])])   # eager: shapes may change
    assert r.shape == (4,)
    (r,) = tf.while_loop(lambda a: tf.size(a) < 4, grow, [tf.constant([1.0])],
                         shape_invariants=[tf.TensorShape([None])], parallel_iterations=1,
                         swap_memory=True)
    assert r.shape == (4,)
    with pytest.raises(ValueError, match="shape invariant"):
        tf.while_loop(lambda a: tf.size(a) < 4, grow, [tf.constant([1.0])],
                      shape_invariants=[tf.TensorShape([1])])


# -- map_fn / scan / folds / vectorized_map -------------------------------------------------------

def test_map_fn_signatures_and_errors():
    x = tf.constant([1, 2])
    with pytest.raises(InvalidArgumentError, match="dtype"):
        tf.map_fn(lambda e: tf.cast(e, tf.float32), x)
    r = tf.map_fn(lambda e: tf.cast(e, tf.float32), x, fn_output_signature=tf.float32)
    assert r.dtype == tf.float32 and r.numpy().tolist() == [1.0, 2.0]
    r = tf.map_fn(lambda e: tf.cast(e, tf.float32), x, dtype=tf.float32)
    assert r.dtype == tf.float32
    assert tf.map_fn(lambda e: 1.5, tf.constant([1.0, 2.0])).numpy().tolist() == [1.5, 1.5]
    with pytest.raises(ValueError, match="not scalars"):
        tf.map_fn(lambda e: e, tf.constant(1.0))
    with pytest.raises(ValueError, match="Incompatible shape"):
        tf.map_fn(lambda e: e[:tf.cast(e[0], tf.int32)], tf.constant([[1.0, 2.0], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="Incompatible shape"):
        tf.map_fn(lambda e: e * 2, tf.constant([[1.0, 2.0]]),
                  fn_output_signature=tf.TensorSpec([3], tf.float32))
    with pytest.raises(ValueError, match="not compatible"):
        tf.map_fn(lambda e: e[0], (tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0])))
    with pytest.raises(ValueError, match="structure"):
        tf.map_fn(lambda e: (e, e), tf.constant([1.0, 2.0]))
    assert tf.map_fn(lambda e: e * 2, tf.zeros([0, 3])).shape == (0,)
    assert tf.map_fn(lambda e: e * 2, tf.zeros([0, 3]),
                     fn_output_signature=tf.TensorSpec([3], tf.float32)).shape == (0, 3)


def test_scan_fold_edges():
    x = tf.constant([1.0, 2.0, 3.0])
    assert tf.scan(lambda a, e: a + e, x).numpy().tolist() == [1.0, 3.0, 6.0]
    assert tf.scan(lambda a, e: a + e, x, reverse=True).numpy().tolist() == [6.0, 5.0, 3.0]
    assert tf.scan(lambda a, e: a + e, x, initializer=0.0).numpy().tolist() == [1.0, 3.0, 6.0]
    with pytest.raises(OutOfRangeError):
        tf.scan(lambda a, e: a + e, tf.zeros([0]))
    assert tf.scan(lambda a, e: a + e, tf.zeros([0, 2]), initializer=tf.zeros([2])).shape == (0, 2)
    with pytest.raises(OutOfRangeError):
        tf.foldl(lambda a, e: a + e, tf.zeros([0]))
    assert float(tf.foldl(lambda a, e: a + e, tf.zeros([0]), initializer=5.0)) == 5.0
    assert float(tf.foldr(lambda a, e: a * 2 + e, x)) == 17.0
    r = tf.foldl(lambda a, e: [a[0] + e, a[1]], x[:2], initializer=[0.0, 1])
    assert isinstance(r, list) and r[1].dtype == tf.int32 and float(r[0]) == 3.0
    with pytest.raises(InvalidArgumentError, match="dtype"):
        tf.scan(lambda a, e: tf.cast(a, tf.int32), x, initializer=0.0)


def test_vectorized_map_edges():
    r = tf.vectorized_map(lambda e: tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))
    assert r.shape == (3, 2)
    assert tf.vectorized_map(lambda e: e * 2, tf.zeros([0, 2])).shape == (0, 2)
    with pytest.raises(InvalidArgumentError, match="broadcast"):
        tf.vectorized_map(lambda e: e[0], (tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0])))
    with pytest.raises(ValueError, match="scalar"):
        tf.vectorized_map(lambda e: e, tf.constant(1.0))


# -- TensorArray ---------------------------------------------------------------------------------

def test_tensor_array_reads_writes_and_errors():
    ta = tf.TensorArray(tf.float32, size=2)
    assert ta.write(0, 1.0) is ta                      # changed in place, as eager TF
    assert float(ta.read(0)) == 1.0
    with pytest.raises(InvalidArgumentError, match="twice"):
        ta.read(0)
    ta = tf.TensorArray(tf.float32, size=2, clear_after_read=False).write(0, 1.0)
    assert float(ta.read(0)) == 1.0 and float(ta.read(tf.constant(0))) == 1.0
    assert float(ta.read(1)) == 0.0                    # unwritten: zeros of the element shape
    with pytest.raises(OutOfRangeError):
        ta.write(2, 1.0)
    with pytest.raises(OutOfRangeError):
        ta.write(-1, 1.0)
    with pytest.raises(OutOfRangeError):
        ta.read(5)
    with pytest.raises(InvalidArgumentError, match="dtype"):
        ta.write(1, tf.constant(1))
    with pytest.raises(InvalidArgumentError, match="dtype"):
        tf.TensorArray(tf.int32, size=1).write(0, 1.5)
    with pytest.raises(ValueError, match="Incompatible shape"):
        ta.write(1, [1.0, 2.0])
    with pytest.raises(ValueError, match="Incompatible shape"):
        tf.TensorArray(tf.float32, size=1, element_shape=[None, 2]).write(0, [1.0, 2.0])
    with pytest.raises(ValueError, match="never written"):
        tf.TensorArray(tf.float32, size=2).read(1)
    with pytest.raises(ValueError, match="Size must be declared"):
        tf.TensorArray(tf.float32)
    dyn = tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(2, 1.0)
    assert int(dyn.size()) == 3 and dyn.stack().numpy().tolist() == [0.0, 0.0, 1.0]
    assert tf.TensorArray(tf.float32, size=0).stack().shape == (0,)
    assert tf.TensorArray(tf.float32, size=0, element_shape=[2, 3]).stack().shape == (0, 2, 3)
    with pytest.raises(ValueError, match="static size"):
        tf.TensorArray(tf.float32, size=1).unstack([1.0, 2.0])
    assert int(tf.TensorArray(tf.float32, size=3).unstack([1.0, 2.0]).size()) == 2
    with pytest.raises(InvalidArgumentError, match="scalar"):
        tf.TensorArray(tf.float32, size=2).write(0, 1.0).write(1, 2.0).concat()
    ta = tf.TensorArray(tf.float32, size=2, dynamic_size=True, element_shape=[3])
    assert ta.dtype == tf.float32 and ta.element_shape == tf.TensorShape([3]) and ta.dynamic_size
    assert ta.identity() is ta
    ta = tf.TensorArray(tf.float32, size=2).unstack([1.0, 2.0])
    ta.close()
    assert int(ta.size()) == 0
    with pytest.raises(NotImplementedError):
        ta.grad("x")


def test_back_prop_false_warns_and_gradients_flow_as_eager_tf():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        with pytest.warns(UserWarning, match="back_prop"):
            (y,) = tf.while_loop(lambda y: y < 10.0, lambda y: (y * x,), [x], back_prop=False)
        with pytest.warns(UserWarning, match="back_prop"):
            z = tf.map_fn(lambda e: e * x, tf.stack([x, x]), back_prop=False)
        with pytest.warns(UserWarning, match="back_prop"):
            w = tf.foldl(lambda a, e: a * e, tf.stack([x, x]), back_prop=False)
    # TF 2.21 eager gives these (recorded by hand: 32, 8, 4).
    assert [float(t.gradient(v, x)) for v in (y, z, w)] == [32.0, 8.0, 4.0]


def test_py_function_integer_outputs_have_no_gradient():
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        a, b = tf.py_function(lambda v: [v * 3.0, tf.cast(v, tf.int32)], [x], [tf.float32, tf.int32])
    assert float(t.gradient(a, x)) == 3.0 and t.gradient(b, x) is None and int(b) == 2


def test_tensor_array_converts_numpy_and_python_values_like_tf():
    ta = tf.TensorArray(tf.float32, size=3).write(0, np.array(1.5)).write(True, 2)
    ta = ta.write(np.int64(2), tf.Variable(3.0))
    assert ta.stack().numpy().tolist() == [1.5, 2.0, 3.0] and ta.dtype == tf.float32
    with pytest.raises(InvalidArgumentError, match="dtype"):
        tf.TensorArray(tf.int32, size=1).write(0, np.array(1.0))
    with pytest.raises(InvalidArgumentError, match="integer"):
        tf.TensorArray(tf.float32, size=2).write(tf.constant(1.0), 1.0)
    r = tf.map_fn(lambda e: np.float64(2.0), tf.constant([1.0, 2.0]))
    assert r.dtype == tf.float32 and r.numpy().tolist() == [2.0, 2.0]
    assert tf.ensure_shape(tf.ones([2]), 2).shape == (2,)


def test_variables_in_elems_and_loop_vars_get_gradients():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.map_fn(lambda e: e * e, v)) + tf.reduce_sum(
            tf.while_loop(lambda a: tf.reduce_sum(a) < 10.0, lambda a: (a * 2.0,), [v])[0])
    assert tape.gradient(y, v).numpy().tolist() == [2.0 + 4.0, 4.0 + 4.0]


def test_tensor_array_as_while_loop_variable():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    _, ta = tf.while_loop(lambda i, ta: i < 3,
                          lambda i, ta: (i + 1, ta.write(i, tf.cast(i, tf.float32) ** 2)), [0, ta])
    assert isinstance(ta, tf.TensorArray) and ta.stack().numpy().tolist() == [0.0, 1.0, 4.0]


# -- Python callbacks ----------------------------------------------------------------------------

def test_py_function_outputs_and_errors():
    r = tf.py_function(lambda a: [a, a * 2], [tf.constant(1.0)], [tf.float32, tf.float32])
    assert isinstance(r, list) and [float(t) for t in r] == [1.0, 2.0]
    r = tf.py_function(lambda a: np.array(1.5), [tf.constant(1.0)], tf.float32)
    assert r.dtype == tf.float32 and float(r) == 1.5
    assert tf.py_function(lambda a: None, [tf.constant(1.0)], []) == []
    assert float(tf.py_function(lambda a: 3, [1.0], tf.float32)) == 3.0
    with pytest.raises(TypeError, match="Tout"):
        tf.py_function(lambda a: a, [1.0])
    with pytest.raises(InvalidArgumentError, match="expects 2"):
        tf.py_function(lambda a: [a], [1.0], [tf.float32, tf.float32])
    with pytest.raises(InvalidArgumentError, match="float64"):
        tf.py_function(lambda a: tf.constant(1.5, tf.float64), [1.0], tf.float32)
    v = tf.Variable(2.0)
    with pytest.raises(RuntimeError, match="variable"):
        tf.py_function(lambda a: v, [1.0], tf.float32)

    @tf.py_function(Tout=tf.float32)
    def double(a):
        return a * 2
    assert float(double(tf.constant(2.0))) == 4.0


def test_py_function_gradients_reach_inputs_and_captured_variables():
    v = tf.Variable(2.0)
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.py_function(lambda a: a * a * v, [x], tf.float32)
        z = tf.py_function(lambda a: a * a, [v], tf.float32)       # a Variable as an input
    assert float(y) == 18.0
    assert float(tape.gradient(y, x)) == 12.0 and float(tape.gradient(y, v)) == 9.0
    assert float(tape.gradient(z, v)) == 4.0
    assert float(tape.gradient(y, x)) == 12.0        # the gradient can be taken twice


def test_numpy_function():
    x = tf.constant([1.0, 4.0])
    seen = []

    def f(a):
        seen.append(type(a))
        a *= 2.0                                    # a writeable copy
        return a

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.numpy_function(f, [x], tf.float32)
    assert seen == [np.ndarray] and y.numpy().tolist() == [2.0, 8.0] and x.numpy().tolist() == [1.0, 4.0]
    assert tape.gradient(y, x) is None
    buf = np.array([1.0], np.float32)
    r = tf.numpy_function(lambda a: buf, [x], tf.float32)
    buf[0] = 7.0
    assert r.numpy().tolist() == [1.0]              # the returned array was copied
    assert float(tf.numpy_function(lambda a: 1.5, [x], tf.float32)) == 1.5
    assert tf.numpy_function(lambda a: np.array([1.5]), [x], tf.float32).dtype == tf.float64  # as TF
    r = tf.numpy_function(lambda a: [a, a], [x], [tf.float32, tf.float32])
    assert isinstance(r, list) and len(r) == 2


def test_ensure_shape_and_get_static_value():
    x = tf.ones([2, 3])
    assert tf.ensure_shape(x, [None, 3]).shape == (2, 3)
    assert tf.ensure_shape(x, None).shape == (2, 3)
    assert tf.ensure_shape([1.0, 2.0], tf.TensorShape([2])).shape == (2,)
    with pytest.raises(InvalidArgumentError, match=r"\[2,3\] is not compatible with expected shape \[\?,4\]"):
        tf.ensure_shape(x, [None, 4])
    with pytest.raises(InvalidArgumentError):
        tf.ensure_shape(x, [2])
    assert tf.get_static_value(tf.constant([1, 2])).tolist() == [1, 2]
    assert tf.get_static_value([1, 2]) == [1, 2]
    assert tf.get_static_value(tf.Variable(1.0)) is None
    s = tf.get_static_value(tf.constant(1.0))
    assert isinstance(s, np.float32) and s == 1.0


# -- under gradtape.function ----------------------------------------------------------------------

def _calls(fn, values):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = [fn(tf.constant(v)) for v in values]
    return out, [str(x.message) for x in w]


def test_function_cond_on_input_is_decided_on_every_call():
    @tf.function
    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.cond(x > 0, lambda: x * x, lambda: -3.0 * x)
        return y, t.gradient(y, x)

    out, msgs = _calls(f, [1.0, -1.0, 2.0, -2.0])
    assert [(float(y), float(g)) for y, g in out] == [(1.0, 2.0), (3.0, -3.0), (4.0, 4.0), (6.0, -3.0)]
    assert len(msgs) == 1 and "tf.cond" in msgs[0]

    @tf.function
    def g(x):
        return tf.cond(x > 0, lambda: x * x, lambda: tf.sin(x))

    for k, (v, dy) in enumerate([(1.0, 2.0), (-1.0, np.cos(-1.0)), (3.0, 6.0)]):
        xv = tf.constant(v)
        with tf.GradientTape() as tape:
            tape.watch(xv)
            if k == 0:
                with pytest.warns(RuntimeWarning, match="tf.cond"):
                    y = g(xv)
            else:
                y = g(xv)
        np.testing.assert_allclose(float(tape.gradient(y, xv)), dy, rtol=1e-6)
        np.testing.assert_allclose(float(y), v * v if v > 0 else np.sin(v), rtol=1e-6)


def test_function_while_loop_count_from_input():
    @tf.function
    def f(n, x):
        _, y = tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x), [0, tf.ones_like(x)])
        return y

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for n in (2, 3, 5, 1):
            xv = tf.constant(1.5)
            with tf.GradientTape() as tape:
                tape.watch(xv)
                y = f(tf.constant(n), xv)
            np.testing.assert_allclose(float(y), 1.5 ** n, rtol=1e-6)
            np.testing.assert_allclose(float(tape.gradient(y, xv)), n * 1.5 ** (n - 1), rtol=1e-6)
    assert len(w) == 1 and "tf.while_loop" in str(w[0].message)

    @tf.function
    def g(x):   # the count depends on the value, not just the shape
        (y,) = tf.while_loop(lambda y: y < 10.0, lambda y: (y * 2.0,), [x])
        return y
    out, msgs = _calls(g, [1.0, 3.0, 20.0])
    assert [float(y) for y in out] == [16.0, 12.0, 20.0] and len(msgs) == 1


def test_function_switch_case_case_and_tensor_array_index_from_input():
    @tf.function
    def f(i):
        return tf.switch_case(i, [lambda: tf.constant(10.0), lambda: tf.constant(20.0)])
    out, msgs = _calls(f, [0, 1, 0])
    assert [float(y) for y in out] == [10.0, 20.0, 10.0] and "tf.switch_case" in msgs[0]

    @tf.function
    def g(x):
        return tf.case([(x < 0.0, lambda: -x)], default=lambda: x * 10.0)
    out, msgs = _calls(g, [-1.0, 1.0])
    assert [float(y) for y in out] == [1.0, 10.0] and "tf.case" in msgs[0]

    @tf.function
    def h(i):
        ta = tf.TensorArray(tf.float32, size=3).unstack(tf.constant([1.0, 2.0, 3.0]))
        return ta.read(i)
    out, msgs = _calls(h, [0, 2])
    assert [float(y) for y in out] == [1.0, 3.0] and "TensorArray" in msgs[0]


def test_function_constant_control_flow_stays_compiled():
    @tf.function
    def f(x):
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [tf.constant(0), x])
        z = tf.cond(tf.constant(True), lambda: y + 1.0, lambda: y - 1.0)
        ta = tf.TensorArray(tf.float32, size=2).write(0, z).write(1, z * 2.0)
        m = tf.map_fn(lambda r: r * r, tf.stack([z, x]))
        return ta.stack() + tf.reduce_sum(m) + tf.scan(lambda a, e: a + e, tf.stack([x, x]))

    def ref(v):
        z = v ** 4 + 1.0
        return np.array([z, 2 * z]) + z * z + v * v + np.array([v, 2 * v])

    out, msgs = _calls(f, [1.0, 2.0, 0.5])
    assert msgs == []
    for v, y in zip([1.0, 2.0, 0.5], out):
        np.testing.assert_allclose(y.numpy(), ref(v), rtol=1e-6)
    assert f.get_plan_source(tf.constant(1.0)) is not None


def test_function_random_predicate_and_callbacks_run_every_call():
    @tf.function
    def f(x):
        return tf.cond(tf.random.uniform([]) < 0.5, lambda: x, lambda: -x)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        vals = {float(f(tf.constant(1.0))) for _ in range(40)}
    assert vals == {1.0, -1.0} and len(w) >= 1

    count = []

    @tf.function
    def g(x):
        return tf.py_function(lambda a: count.append(1) or a * 2.0, [x], tf.float32) + \
            tf.numpy_function(lambda a: a + 1.0, [x], tf.float32)
    out, msgs = _calls(g, [1.0, 2.0, 3.0])
    assert [float(y) for y in out] == [4.0, 7.0, 10.0] and len(count) == 3
    assert "py_function" in msgs[0]


def test_function_get_static_value():
    @tf.function
    def f(x):
        return (tf.get_static_value(x) is None, tf.get_static_value(x * 0.0 + 1.0) is None,
                tf.get_static_value(tf.constant(2.0)))
    a, b, c = f(tf.ones([2]))
    assert bool(a) and bool(b) and float(c) == 2.0


def test_function_compiled_control_flow_differentiates_under_a_tape():
    @tf.function
    def f(x):
        _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), [tf.constant(0), x])
        ta = tf.TensorArray(tf.float32, size=2).write(0, y).write(1, tf.sin(y))
        return tf.reduce_sum(ta.stack()) + tf.reduce_sum(tf.map_fn(lambda e: e * y, tf.stack([x, x])))

    def ref(v):
        y = v ** 4
        return y + np.sin(y) + 2 * v * y, 4 * v ** 3 * (1 + np.cos(y)) + 10 * v ** 4

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(tf.constant(0.5))                      # compiled first, then traced with its gradient
        for v in (1.1, 0.7, -0.3):
            x = tf.constant(v)
            with tf.GradientTape() as t:
                t.watch(x)
                y = f(x)
            np.testing.assert_allclose([float(y), float(t.gradient(y, x))], ref(v), rtol=2e-6)
