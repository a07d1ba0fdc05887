"""Regression tests: ``function`` gives the eager result on every call (values and gradients).

Each test is a minimal program found by the differential fuzzer (compiled vs eager) or reported
against an earlier version; each one failed before its fix.
"""
from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import gradtape as tf
from gradtape import dispatch
from gradtape.errors import InvalidArgumentError


def f32(*v):
    return tf.constant(np.array(v, np.float32))


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*a, **k)


# -- values that Python reads at trace time --------------------------------------------------

def test_fill_with_a_value_computed_from_the_input():
    f = tf.function(lambda x: tf.fill([2], tf.reduce_sum(x)))
    np.testing.assert_array_equal(_quiet(f, f32(1, 2)).numpy(), [3, 3])
    np.testing.assert_array_equal(_quiet(f, f32(5, 5)).numpy(), [10, 10])
    np.testing.assert_array_equal(_quiet(f, f32(1, 1)).numpy(), [2, 2])


@pytest.mark.parametrize("prog", [
    lambda x: tf.constant(x * 2.0),
    lambda x: tf.truncatediv(x, 3.0),
    lambda x: tf.cast(tf.math.count_nonzero(x), tf.float32),
    lambda x: x[tf.cast(tf.reduce_sum(x), tf.int32) % 2],
    lambda x: x[:tf.cast(tf.reduce_sum(x), tf.int32) % 2 + 1],
    lambda x: tf.tensor_scatter_nd_update(x, tf.reshape(tf.cast(x[:1], tf.int32) % 2, [1, 1]),
                                          f32(9.0)),
    lambda x: tf.zeros(tf.shape(x)) + x,
    lambda x: tf.reduce_logsumexp(x),
])
def test_ops_reading_values_are_not_constant_folded(prog):
    f = tf.function(prog)
    for v in ([1.0, 0.0], [2.0, 1.0], [0.0, 3.0], [1.0, 1.0], [5.0, -2.0]):
        want = prog(f32(*v)).numpy()
        got = _quiet(f, f32(*v)).numpy()
        np.testing.assert_allclose(got, want, err_msg=str(v))


def test_truncatediv_by_a_python_float_eager():
    np.testing.assert_array_equal(tf.truncatediv(f32(7.0, -7.0), 3.0).numpy(), [2.0, -2.0])


@pytest.mark.parametrize("prog", [
    lambda x, i: tf.gather(x, i),
    lambda x, i: tf.nn.embedding_lookup(x, i),
    lambda x, i: tf.boolean_mask(x, tf.equal(tf.range(3), i[0])),
    lambda x, i: tf.pad(x * tf.cast(i[0] + 1, tf.float32), [[2, 1]], mode="REFLECT"),
    lambda x, i: tf.pad(x * tf.cast(i[0] + 1, tf.float32), [[2, 1]], mode="SYMMETRIC"),
])
def test_value_dependent_gradients_are_computed_per_call(prog):
    f = tf.function(prog)
    x = f32(1.0, 2.0, 3.0)
    for ids in ([0], [1], [2], [1], [0]):
        i = tf.constant(np.array(ids, np.int32))
        with tf.GradientTape() as t1:
            t1.watch(x)
            want = tf.reduce_sum(prog(x, i) * f32(*range(1, 1 + prog(x, i).shape[0])))
        with tf.GradientTape() as t2:
            t2.watch(x)
            y = _quiet(f, x, i)
            got = tf.reduce_sum(y * f32(*range(1, 1 + y.shape[0])))
        np.testing.assert_allclose(got.numpy(), want.numpy())
        np.testing.assert_allclose(t2.gradient(got, x).numpy(), t1.gradient(want, x).numpy(),
                                   err_msg=str(ids))


def test_logsumexp_gradient_is_shifted_per_call():
    f = tf.function(tf.reduce_logsumexp)
    for v in ([1.0, 2.0], [3.0, 1.0], [800.0, 801.0], [-900.0, -901.0]):
        x = f32(*v)
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
        g = t.gradient(y, x).numpy()
        assert np.all(np.isfinite(g)), (v, g)
        e = np.exp(np.array(v) - max(v))
        np.testing.assert_allclose(g, e / e.sum(), rtol=1e-5)


def test_gather_checks_indices_on_every_call():
    f = tf.function(lambda x, i: tf.gather(x, i))
    x = f32(1, 2, 3)
    f(x, tf.constant([0]))
    f(x, tf.constant([1]))
    with pytest.raises(InvalidArgumentError):
        tf.gather(x, tf.constant([-1]))
    with pytest.raises(InvalidArgumentError):
        f(x, tf.constant([-1]))
    with pytest.raises(InvalidArgumentError):
        f(x, tf.constant([3]))


# -- random ops --------------------------------------------------------------------------------

def test_random_ops_draw_new_numbers_and_keep_the_eager_stream():
    def prog(x):
        a = tf.random.normal([3])
        tf.random.uniform([2])      # dead: still advances the stream, as in eager
        b = tf.random.shuffle(x)
        return a, b

    f = tf.function(prog)
    x = f32(1, 2, 3, 4, 5, 6)
    tf.random.set_seed(3)
    want = [[v.numpy() for v in prog(x)] for _ in range(4)] + [tf.random.normal([2]).numpy()]
    tf.random.set_seed(3)
    got = [[v.numpy() for v in _quiet(f, x)] for _ in range(4)] + [tf.random.normal([2]).numpy()]
    for w, g in zip(want, got):
        for a, b in zip(w if isinstance(w, list) else [w], g if isinstance(g, list) else [g]):
            np.testing.assert_array_equal(b, a)
    assert not np.array_equal(got[0][0], got[1][0])


def test_random_ops_without_inputs_are_not_frozen():
    f = tf.function(lambda: tf.random.normal([3]))
    vals = [f().numpy() for _ in range(3)]
    assert not np.array_equal(vals[1], vals[2])


# -- cache keys --------------------------------------------------------------------------------

def test_negative_zero_python_float_is_its_own_signature():
    f = tf.function(lambda x, s: x / s)
    x = f32(1.0)
    assert f(x, 0.0).numpy()[0] == np.inf
    assert f(x, -0.0).numpy()[0] == -np.inf


def test_nan_python_float_does_not_retrace_every_call():
    f = tf.function(lambda x, s: x + s)
    for _ in range(3):
        f(f32(1.0), float("nan"))
    assert f.experimental_get_tracing_count() == 1


# -- gradient routing --------------------------------------------------------------------------

def test_same_tensor_returned_twice_gets_each_cotangent():
    f = tf.function(lambda x: (x * 2.0, x * 2.0) if False else (lambda y: (y, y))(x * 2.0))
    x = f32(1.0, 2.0)
    for _ in range(4):
        with tf.GradientTape() as t:
            t.watch(x)
            a, b = f(x)
            loss = tf.reduce_sum(a * 1.0 + b * 10.0)
        np.testing.assert_allclose(t.gradient(loss, x).numpy(), [22.0, 22.0])


def test_non_trainable_variable_watched_explicitly():
    v = tf.Variable(2.0, trainable=False)
    f = tf.function(lambda x: x * v)
    x = f32(3.0)
    for _ in range(4):
        with tf.GradientTape() as t:
            t.watch(v)
            y = f(x)
        g = t.gradient(y, v)
        assert g is not None
        np.testing.assert_allclose(g.numpy(), 3.0)


def test_captured_tensor_watched_by_the_outer_tape():
    c = f32(2.0)
    f = tf.function(lambda x: x * c)
    x = f32(3.0, 4.0)
    for _ in range(4):
        with tf.GradientTape() as t:
            t.watch(c)
            y = tf.reduce_sum(f(x))
        g = t.gradient(y, c)
        assert g is not None
        np.testing.assert_allclose(g.numpy(), [7.0])


def test_same_tensor_for_two_parameters():
    f = tf.function(lambda a, b: a * b * 3.0 + a)
    x = f32(2.0)
    for _ in range(4):
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x, x)
        np.testing.assert_allclose(t.gradient(y, x).numpy(), [13.0])
    for _ in range(3):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = f(x, x)
            g = t1.gradient(y, x)
        np.testing.assert_allclose(g.numpy(), [13.0])
        np.testing.assert_allclose(t2.gradient(g, x).numpy(), [6.0])


def test_nested_tapes_do_not_rerun_the_python_function():
    v = tf.Variable(0.0)
    calls = []

    def prog(x):
        calls.append(1)
        v.assign_add(1.0)
        return x * x * v

    f = tf.function(prog)
    x = f32(3.0)
    for n in range(1, 5):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = f(x)
            g = t1.gradient(y, x)
        gg = t2.gradient(g, x)
        assert v.numpy() == n
        np.testing.assert_allclose(g.numpy(), [2 * 3.0 * n])
        np.testing.assert_allclose(gg.numpy(), [2.0 * n])
    assert len(calls) <= 3


def test_assign_add_then_gradient_under_nested_tapes():
    v = tf.Variable(1.0)

    def prog(x):
        v.assign_add(1.0)
        return x * v

    f = tf.function(prog)
    x = f32(3.0)
    for _ in range(3):
        v.assign(1.0)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = f(x)
            g = t1.gradient(y, x)
        np.testing.assert_allclose(g.numpy(), [2.0])
        assert v.numpy() == 2.0


def test_third_order_through_function():
    f = tf.function(lambda x: x * x * x * x)
    x = f32(2.0)
    for _ in range(3):
        with tf.GradientTape() as t3:
            t3.watch(x)
            with tf.GradientTape() as t2:
                t2.watch(x)
                with tf.GradientTape() as t1:
                    t1.watch(x)
                    y = f(x)
                g1 = t1.gradient(y, x)
            g2 = t2.gradient(g1, x)
        np.testing.assert_allclose(t3.gradient(g2, x).numpy(), [24 * 2.0])


# -- plan construction -------------------------------------------------------------------------

def test_cse_does_not_break_buffer_reuse():
    f = tf.function(lambda x: (tf.exp(x), tf.sin(tf.identity(tf.exp(x)))))
    for v in ([0.5, 1.0], [0.1, 0.2], [1.0, 2.0]):
        a, b = f(f32(*v))
        np.testing.assert_allclose(a.numpy(), np.exp(np.float32(v)), rtol=1e-6)
        np.testing.assert_allclose(b.numpy(), np.sin(np.exp(np.float32(v))), rtol=1e-6)


def test_cse_merges_by_exact_content():
    i1 = np.arange(1500) % 7
    i2 = i1.copy()
    i2[750] = 3 if i1[750] != 3 else 4
    f = tf.function(lambda x: tf.reduce_sum(tf.abs(tf.gather(x, i1) - tf.gather(x, i2))))
    x = f32(*range(7))
    for _ in range(3):
        assert f(x).numpy() > 0
    on1, on2 = 1.000000001, 1.000000002
    g = tf.function(lambda i: tf.one_hot(i, 3, on_value=tf.constant(on1, tf.float64),
                                         dtype=tf.float64)
                    - tf.one_hot(i, 3, on_value=tf.constant(on2, tf.float64), dtype=tf.float64))
    for _ in range(3):
        assert g(tf.constant([1])).numpy().min() < 0


def test_negative_zero_constants_are_not_merged():
    f = tf.function(lambda x: (x * 0.0, x * -0.0))
    for _ in range(3):
        a, b = f(f32(-1.0))
        assert np.signbit(a.numpy()[0]) and not np.signbit(b.numpy()[0])


# -- crashes, state, checks --------------------------------------------------------------------

def test_custom_gradient_inside_function():
    @tf.custom_gradient
    def clip_grad(x):
        def grad(g):
            return g * 0.5
        return tf.identity(x), grad

    f = tf.function(lambda x: clip_grad(x) * 3.0)
    x = f32(1.0, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)     # compiled: no fallback warning
        for i in range(4):
            with tf.GradientTape() as t:
                t.watch(x)
                y = f(x)
            np.testing.assert_allclose(y.numpy(), [3.0, 6.0])
            np.testing.assert_allclose(t.gradient(y, x).numpy(), [1.5, 1.5])
    assert f._eager_reason is None


def _custom_program(calls):
    v = tf.Variable([0.5, -1.0, 2.0])

    @tf.custom_gradient
    def scaled_exp(x):
        e = tf.exp(x)

        def grad(g):
            calls.append(1)
            return g * e * 2.0       # f's intermediate: an outer tape differentiates it
        return e, grad

    @tf.custom_gradient
    def times_var(x):
        y = x * v

        def grad(g, variables=None):
            calls.append(1)
            return g * v, [g * x * 3.0]
        return y, grad

    @tf.custom_gradient
    def two_outputs(x):
        def grad(ga, gb):
            calls.append(1)
            return ga * 2.0 + gb * 3.0
        return (tf.sin(x), tf.cos(x)), grad

    def prog(x):
        a = scaled_exp(x * 0.5)
        c = times_var(tf.sin(x))
        s, k = two_outputs(a)
        return tf.reduce_sum(a * a) + tf.reduce_sum(c) + tf.reduce_sum(s * k), c
    return v, prog


def test_custom_gradient_compiled_values_gradients_nested_and_variables():
    runs = []
    for compiled in (False, True):
        calls: list = []
        v, prog = _custom_program(calls)
        fn = tf.function(prog) if compiled else prog
        res = []
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            for vals in ([0.1, -0.4, 0.3], [1.0, 0.5, -2.0], [0.2, 0.2, 0.2], [-1.0, 0.0, 0.7],
                         [0.3, 0.1, -0.2]):
                x = f32(*vals)
                with tf.GradientTape() as t2:
                    t2.watch(x)
                    with tf.GradientTape() as t1:
                        t1.watch(x)
                        y, c = fn(x)
                    g, gv = t1.gradient(y, [x, v])
                    s = tf.reduce_sum(g * g) + tf.reduce_sum(gv)
                h = t2.gradient(s, x)
                with tf.GradientTape() as t:          # first order only
                    t.watch(x)
                    y1, _ = fn(x)
                g1 = t.gradient(y1, x)
                res.append([y.numpy(), c.numpy(), g.numpy(), gv.numpy(), h.numpy(), g1.numpy(),
                            fn(x)[0].numpy()])
                v.assign_add([0.25, 0.0, -0.5])
        runs.append((res, len(calls)))
        if compiled:
            assert fn._eager_reason is None
            assert fn.experimental_get_tracing_count() == 1
            n_after_trace = len(calls)
            x = f32(0.4, 0.5, 0.6)
            with tf.GradientTape() as t:
                t.watch(x)
                y, _ = fn(x)
            t.gradient(y, x)
            assert len(calls) == n_after_trace     # the compiled backward runs no Python
    (eager, _), (comp, _) = runs
    for e, c in zip(eager, comp):
        for a, b in zip(e, c):
            np.testing.assert_allclose(b, a, rtol=2e-5, atol=1e-6)


def test_custom_gradient_whose_gradient_reads_a_value_falls_back():
    @tf.custom_gradient
    def f(x):
        def grad(g):
            return g * (2.0 if float(tf.reduce_sum(g)) > 0 else -1.0)
        return tf.identity(x), grad

    fn = tf.function(lambda x: f(x) * 1.0)
    out = []
    for sign in (1.0, 1.0, -1.0, 1.0):
        x = f32(1.0, 2.0)
        with tf.GradientTape() as t:
            t.watch(x)
            y = _quiet(fn, x) * sign
        out.append(t.gradient(y, x).numpy())
    np.testing.assert_allclose(out, [[2, 2], [2, 2], [1, 1], [2, 2]])
    assert "value" in fn._eager_reason


def test_recompute_grad_inside_function():
    w = tf.Variable([[0.5, -0.2], [0.1, 0.3]])
    block = tf.recompute_grad(lambda x: tf.tanh(tf.matmul(x, w)))

    def step(x):
        with tf.GradientTape() as t:
            y = tf.reduce_sum(block(x) ** 2)
        return y, t.gradient(y, w)

    f = tf.function(step)
    for vals in ([[1.0, 2.0]], [[0.5, -1.0]], [[3.0, 0.1]]):
        x = f32(*vals)
        (ye, ge), (yc, gc) = step(x), f(x)
        np.testing.assert_allclose(yc.numpy(), ye.numpy(), rtol=1e-6)
        np.testing.assert_allclose(gc.numpy(), ge.numpy(), rtol=1e-6)
    assert f._eager_reason is None


def test_fallback_and_reduce_retracing_convert_numpy_arguments():
    def prog(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(x * x)
        if float(y) > -1:       # a Python branch on a value: falls back to eager
            return t.gradient(y, x)
        return x

    f = tf.function(prog)
    a = np.array([1.0, 2.0], np.float32)
    for _ in range(3):
        np.testing.assert_allclose(_quiet(f, a).numpy(), [2.0, 4.0])

    def prog2(x):
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(x * x)
        return t.gradient(y, x)

    g = tf.function(prog2, reduce_retracing=True)
    g(np.array([1.0, 2.0], np.float32))
    np.testing.assert_allclose(g(np.array([1.0, 2.0, 3.0], np.float32)).numpy(), [2.0, 4.0, 6.0])


def test_jacobian_through_function_with_an_unconnected_single_input():
    f = tf.function(lambda x: tf.stop_gradient(x) * 2.0)
    x = f32(1.0, 2.0)
    for _ in range(3):
        with tf.GradientTape(persistent=True) as t:
            t.watch(x)
            y = f(x)
        j = t.jacobian(y, x)
        assert j is None or np.all(j.numpy() == 0)


def test_jacobian_of_an_op_taking_the_same_tensor_twice():
    x = f32(1.0, 2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = tf.concat([x, x], 0) * tf.concat([x, x], 0)
    j = t.jacobian(y, x).numpy()
    j_loop = t.jacobian(y, x, experimental_use_pfor=False).numpy()
    np.testing.assert_allclose(j, j_loop)
    np.testing.assert_allclose(j, [[2, 0], [0, 4], [2, 0], [0, 4]])


def test_exception_while_tracing_leaves_no_tape_behind():
    def bad(x):
        raise ValueError("boom")

    f = tf.function(bad)
    x = f32(1.0)
    for _ in range(2):
        with tf.GradientTape() as t:
            t.watch(x)
            with pytest.raises(ValueError):
                f(x)
    assert not dispatch.ACTIVE
    assert not dispatch.HOOKS


# -- state writes on every call ----------------------------------------------------------------

def test_batch_norm_moving_statistics_update_on_every_call():
    tf.random.set_seed(0)
    layer_e = tf.keras.layers.BatchNormalization()
    layer_f = tf.keras.layers.BatchNormalization()
    f = tf.function(lambda x: layer_f(x, training=True))
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = tf.constant(rng.standard_normal((8, 3)).astype(np.float32))
        a = layer_e(x, training=True)
        b = f(x)
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer_f.moving_mean.numpy(), layer_e.moving_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(layer_f.moving_variance.numpy(), layer_e.moving_variance.numpy(),
                               rtol=1e-6)


def test_variable_write_paths_happen_on_every_call():
    def run(fn_wrap):
        v = tf.Variable(np.zeros(4, np.float32))
        w = tf.Variable(np.ones(3, np.float32))
        opt = tf.keras.optimizers.SGD(0.1)
        m = tf.keras.metrics.Mean()

        def prog(x):
            v.assign_add(x)
            v.assign_sub(x * 0.5)
            with tf.GradientTape() as t:
                loss = tf.reduce_sum(w * w) * x[0]
            opt.apply_gradients([(t.gradient(loss, w), w)])
            m.update_state(x)
            return v.read_value()

        f = fn_wrap(prog)
        for k in range(4):
            out = f(f32(1.0 + k, 2.0, 3.0, 4.0))
        return out.numpy(), v.numpy(), w.numpy(), m.result().numpy()

    want = run(lambda p: p)
    got = _quiet(run, tf.function)
    for a, b in zip(want, got):
        np.testing.assert_allclose(b, a, rtol=1e-6)


def test_scatter_updates_of_a_variable_happen_on_every_call():
    def run(wrap):
        v = tf.Variable(np.zeros(3, np.float32))

        def prog(x):
            v.scatter_add(tf.IndexedSlices(x[:1] * 2.0, tf.constant([1])))
            v.scatter_update(tf.IndexedSlices(x[1:2], tf.constant([2])))
            return v.read_value()
        f = wrap(prog)
        return [f(f32(1, 2, 3) + k).numpy() for k in range(3)]

    want = run(lambda p: p)
    with pytest.warns(RuntimeWarning, match="scatter update"):
        got = run(tf.function)
    np.testing.assert_array_equal(np.array(got), np.array(want))


def test_loss_scale_optimizer_step_happens_on_every_call():
    def run(wrap):
        w = tf.Variable(np.ones(2, np.float32))
        opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.1))

        def step(x):
            with tf.GradientTape() as t:
                loss = tf.reduce_sum(w * x)
            opt.apply_gradients([(t.gradient(loss, w), w)])
            return w.read_value()
        f = wrap(step)
        return [f(f32(1, 2) * (k + 1)).numpy() for k in range(3)]

    np.testing.assert_allclose(_quiet(run, tf.function), run(lambda p: p), rtol=1e-6)


# -- threads -----------------------------------------------------------------------------------

def test_tracing_in_one_thread_does_not_capture_another_threads_updates():
    v_a = tf.Variable(1.0)
    v_b = tf.Variable(1.0)
    started = threading.Event()
    go_on = threading.Event()

    def prog(x):
        started.set()
        go_on.wait(5)
        v_a.assign_add(x)
        return v_a.read_value()

    f = tf.function(prog)
    errors = []

    def trace_thread():
        try:
            f(tf.constant(1.0))
        except Exception as e:  # pragma: no cover
            errors.append(e)

    th = threading.Thread(target=trace_thread)
    th.start()
    started.wait(5)
    # while thread A traces, thread B updates its own variable eagerly
    for _ in range(3):
        v_b.assign_add(1.0)
    opt = tf.keras.optimizers.SGD(1.0)
    opt.apply_gradients([(tf.constant(1.0), v_b)])
    go_on.set()
    th.join(10)
    assert not errors
    assert v_b.numpy() == 3.0
    for _ in range(3):
        f(tf.constant(1.0))
    assert v_b.numpy() == 3.0
    assert v_a.numpy() == 5.0


def test_value_dependent_shapes_are_not_baked():
    def prog(x):
        u = tf.unique(tf.cast(x > 0, tf.int32)).y
        m = tf.boolean_mask(x, x > 0)
        return x + tf.cast(tf.size(u), tf.float32) + tf.reduce_mean(m) * 0.0 + tf.cast(
            tf.shape(m)[0], tf.float32)

    f = tf.function(prog)
    for v in ([1.0, -1.0, 2.0], [1.0, 1.0, 2.0], [-1.0, -2.0, 3.0], [1.0, 2.0, 3.0]):
        np.testing.assert_allclose(_quiet(f, f32(*v)).numpy(), prog(f32(*v)).numpy())


# -- outputs with and without a gradient -------------------------------------------------------

def _grads_per_call(fn, xs, loss_of):
    out = []
    for v in xs:
        x = tf.constant(np.array(v, np.float32))
        with tf.GradientTape() as t:
            t.watch(x)
            loss = loss_of(fn(x))
        g = t.gradient(loss, x)
        out.append(None if g is None else g.numpy())
    return out


def test_backward_runs_once_over_the_summed_output_gradients():
    # Outputs reaching different inputs were recorded as one op per output: the gradient was the
    # sum of one backward per output, which rounds differently from eager's single backward; the
    # batch-norm gradient's cancellation amplified that to 1.4e-5 relative (fuzzer program).
    def prog(x):
        bn_in = tf.reshape(tf.exp(tf.tanh(x * 0.5)), [-1, 1])
        mean = tf.reduce_mean(bn_in, axis=0)
        var = tf.math.reduce_variance(bn_in, axis=0)
        v4 = tf.reshape((bn_in - mean) * tf.math.rsqrt(var + 1e-3), [-1])
        return x * 0.5 * v4, tf.stop_gradient(bn_in), v4

    def loss_of(outs):
        return tf.add_n([tf.reduce_sum(o * float(i + 1)) for i, o in enumerate(outs)])

    xs = [[0.51, -0.50, 0.54, -0.78], [-0.1278685, -0.33599767, 0.17226239, 0.4479746]] * 2
    eager = _grads_per_call(prog, xs, loss_of)
    compiled = _grads_per_call(tf.function(prog), xs, loss_of)
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c, e, rtol=1e-6, atol=1e-7)


def test_output_without_a_gradient_contributes_nothing():
    # The unused output's gradient was zeros run through the backward plan: 0 * inf = NaN.
    def prog(x):
        return x * 2.0, tf.sqrt(x) * tf.math.rsqrt(x)

    f = tf.function(prog)
    got = _quiet(_grads_per_call, f, [[0.0, 1.0]] * 4, lambda o: tf.reduce_sum(o[0]))
    for g in got:
        np.testing.assert_array_equal(g, [2.0, 2.0])


def test_input_reached_only_by_an_unused_output_gets_none():
    def prog(x, y):
        return x * 2.0, y * 3.0, tf.sin(x) * y

    f = tf.function(prog)
    for fn in (prog, f, f, f):
        x, y = f32(1.0, 2.0), f32(3.0, 4.0)
        with tf.GradientTape(persistent=True) as t:
            t.watch([x, y])
            a, b, c = fn(x, y)
            la, lc = tf.reduce_sum(a), tf.reduce_sum(c * 2.0)
        gx, gy = t.gradient(la, [x, y])
        np.testing.assert_array_equal(gx.numpy(), [2.0, 2.0])
        assert gy is None
        gx, gy = t.gradient(lc, [x, y])
        np.testing.assert_allclose(gx.numpy(), 2.0 * np.cos([1.0, 2.0]) * [3.0, 4.0], rtol=1e-6)
        np.testing.assert_allclose(gy.numpy(), 2.0 * np.sin([1.0, 2.0]), rtol=1e-6)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_second_order_with_an_unused_output():
    def prog(x):
        return tf.sin(x) * x, tf.sqrt(x) * tf.math.rsqrt(x)

    f = tf.function(prog)
    res = []
    for fn in (prog, f, f, f):
        x = f32(0.0, 1.0)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                a, _ = fn(x)
                loss = tf.reduce_sum(a)
            g = t1.gradient(loss, x)
        res.append((g.numpy(), t2.gradient(g, x).numpy()))
    for g, h in res[1:]:
        np.testing.assert_allclose(g, res[0][0], rtol=1e-6)
        np.testing.assert_allclose(h, res[0][1], rtol=1e-6)
        assert np.all(np.isfinite(h))


def test_index_with_computed_integer_tensor_is_compiled():
    # x[int_tensor] read the index in Python: the function fell back to eager. The index tensors
    # are now inputs of an op, so the plan reads them on every call.
    def prog(a):
        i = tf.cast(tf.reduce_sum(tf.abs(a)), tf.int32) % 4
        return a * a[i] + tf.reduce_sum(a[tf.stack([i, 3 - i])]) + tf.reshape(a, [2, 2])[-1 - i % 2, 0]

    f = tf.function(prog)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for v in ([1.0, 2.0, 3.0, 4.0], [0.5, 0.1, 0.2, 0.3], [5.0, 1.0, 1.0, 1.0], [-1.0, 0.0, 0.0, 0.5]):
            x = f32(*v)
            res = []
            for fn in (prog, f):
                with tf.GradientTape() as t:
                    t.watch(x)
                    y = fn(x)
                res.append((y.numpy(), t.gradient(y, x).numpy()))
            np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6)
            np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6)
    assert f._eager_reason is None
