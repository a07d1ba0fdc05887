"""Tests of ``gradtape.function`` (tf.function): same results as eager, gradients, retracing rules."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradtape as tf
from gradtape.registry import REGISTRY


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _chain(y):
    for _ in range(20):
        y = tf.sin(y) * 1.01 + 0.1
    return y


def _mlp(x, w1, b1, w2):
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    return tf.reduce_mean(tf.square(tf.matmul(h, w2)))


def _shapes(x):
    y = tf.reshape(x, [-1])
    z = tf.transpose(x) * 2.0
    return {"flat": y + 1.0, "t": z, "n": 3, "sum": tf.reduce_sum(z, axis=0)}


def _views(x):
    a = x * 2.0                 # a fresh buffer
    v = tf.reshape(a, [-1])     # a view of it
    b = tf.exp(a)               # last use of a: must not overwrite v's memory
    return tf.reduce_sum(b) + tf.reduce_sum(v * 3.0)


def _softmax_ce(logits, labels):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))


CASES = [
    (_chain, lambda r: (tf.constant(np.float32(0.3)),)),
    (_chain, lambda r: (tf.constant(r.standard_normal(5).astype(np.float32)),)),
    (_mlp, lambda r: (tf.constant(r.standard_normal((4, 3)).astype(np.float32)),
                      tf.constant(r.standard_normal((3, 5)).astype(np.float32)),
                      tf.constant(r.standard_normal(5).astype(np.float32)),
                      tf.constant(r.standard_normal((5, 2)).astype(np.float32)))),
    (_shapes, lambda r: (tf.constant(r.standard_normal((2, 3)).astype(np.float32)),)),
    (_views, lambda r: (tf.constant(r.standard_normal((3, 4)).astype(np.float32)),)),
    (_softmax_ce, lambda r: (tf.constant(r.standard_normal((6, 4)).astype(np.float32)),
                             tf.constant(np.array([0, 1, 2, 3, 0, 1], np.int32)))),
]


def _np(x):
    return tf.nest.map_structure(lambda v: v.numpy() if isinstance(v, tf.Tensor) else v, x)


@pytest.mark.parametrize("fn,make", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_same_results_as_eager(fn, make):
    f = tf.function(fn)
    for seed in range(3):   # first call traces, later calls run the plan (new values each time)
        args = make(_rng(seed))
        want = _np(fn(*args))
        got = _np(f(*args))
        for a, b in zip(tf.nest.flatten(want), tf.nest.flatten(got)):
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)
    assert f.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("fn,make", [c for c in CASES if c[0] is not _shapes],
                         ids=lambda c: getattr(c, "__name__", ""))
def test_gradients_through_function_equal_eager(fn, make):
    f = tf.function(fn)
    for seed in range(4):   # traced call, joint trace, then the compiled backward plan
        args = make(_rng(seed))
        floats = [a for a in args if a.dtype.is_floating]
        with tf.GradientTape() as t1:
            t1.watch(floats)
            y1 = fn(*args)
        want = t1.gradient(y1, floats)
        with tf.GradientTape() as t2:
            t2.watch(floats)
            y2 = f(*args)
        got = t2.gradient(y2, floats)
        np.testing.assert_allclose(y2.numpy(), y1.numpy(), rtol=1e-6)
        for a, b in zip(want, got):
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)


def test_gradient_to_captured_variables():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    frozen = tf.Variable([0.5, 0.5], trainable=False)

    @tf.function
    def f(x):
        return tf.reduce_sum(tf.tanh(tf.matmul(x, w)) * frozen)

    x = tf.constant([[0.1, -0.2]])
    for _ in range(3):
        with tf.GradientTape() as tape:
            y = f(x)
        g = tape.gradient(y, [w, frozen])
        with tf.GradientTape() as tape:
            y0 = f.python_function(x)
        g0 = tape.gradient(y0, [w, frozen])
        np.testing.assert_allclose(g[0].numpy(), g0[0].numpy(), rtol=1e-6)
        assert g[1] is None and g0[1] is None


def test_training_step_matches_eager():
    r = _rng(1)
    x = tf.constant(r.standard_normal((16, 4)).astype(np.float32))
    y = tf.constant(r.integers(0, 3, 16).astype(np.int32))
    init = [r.standard_normal((4, 3)).astype(np.float32), np.zeros(3, np.float32)]

    def make():
        vs = [tf.Variable(v) for v in init]
        opt = tf.keras.optimizers.Adam(0.05)

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = _softmax_ce(tf.matmul(x, vs[0]) + vs[1], y)
            grads = tape.gradient(loss, vs)
            opt.apply_gradients(zip(grads, vs))
            return loss
        return vs, step

    ve, eager = make()
    vf, step = make()
    compiled = tf.function(step)
    for _ in range(5):
        np.testing.assert_allclose(compiled(x, y).numpy(), eager(x, y).numpy(), rtol=1e-5)
    for a, b in zip(ve, vf):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
    assert compiled.experimental_get_tracing_count() == 1


def test_variables_updated_between_calls_are_reread():
    v = tf.Variable(2.0)
    f = tf.function(lambda x: x * v)
    assert f(tf.constant(3.0)).numpy() == 6.0
    v.assign(5.0)
    assert f(tf.constant(3.0)).numpy() == 15.0


def test_assign_inside_function():
    counter = tf.Variable(0.0)
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        counter.assign_add(1.0)
        w.assign_sub(x * 0.5)
        return tf.reduce_sum(w) + counter

    outs = [f(tf.constant([1.0, 1.0])).numpy() for _ in range(3)]
    assert counter.numpy() == 3.0
    np.testing.assert_allclose(w.numpy(), [-0.5, 0.5])
    np.testing.assert_allclose(outs, [3.0 - 1 + 1, 3.0 - 2 + 2, 3.0 - 3 + 3])


def test_python_values_retrace_tensors_do_not():
    calls = []

    @tf.function
    def f(x, n):
        calls.append(n)
        for _ in range(n):
            x = x * 2.0
        return x

    assert f(tf.constant(1.0), 2).numpy() == 4.0
    assert f(tf.constant(3.0), 2).numpy() == 12.0
    assert f(tf.constant(1.0), 3).numpy() == 8.0
    assert len(calls) == 2 and f.experimental_get_tracing_count() == 2
    f(tf.constant([1.0, 2.0]), 2)      # a new shape retraces
    assert f.experimental_get_tracing_count() == 3


def test_excessive_retracing_warns_naming_the_argument():
    f = tf.function(lambda x, scale: x * scale)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for i in range(7):
            f(tf.constant(1.0), float(i))
    msgs = [str(m.message) for m in w if "retracing" in str(m.message)]
    assert len(msgs) == 1 and "'scale'" in msgs[0]


def test_input_signature():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        return tf.reduce_sum(x, axis=1)

    np.testing.assert_allclose(f(tf.constant([[1.0, 2.0]])).numpy(), [3.0])
    np.testing.assert_allclose(f(np.ones((3, 2), np.float32)).numpy(), [2.0, 2.0, 2.0])
    with pytest.raises(TypeError, match="input_signature"):
        f(tf.constant([[1, 2]]))
    with pytest.raises(TypeError, match="input_signature"):
        f(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError):
        tf.function(lambda x: x, input_signature=[3])


def test_reduce_retracing_does_not_trace_new_shapes():
    f = tf.function(lambda x: tf.reduce_sum(x * 2.0), reduce_retracing=True)
    for n in range(1, 6):
        assert f(tf.ones([n])).numpy() == 2.0 * n
    assert f.experimental_get_tracing_count() == 1


def test_branch_on_tensor_value_falls_back_to_eager():
    @tf.function
    def f(x):
        if x > 0:
            return x * 2.0
        return -x

    with pytest.warns(RuntimeWarning, match="value of a traced tensor"):
        assert f(tf.constant(3.0)).numpy() == 6.0
    assert f(tf.constant(-3.0)).numpy() == 3.0     # not baked in


def test_random_ops_are_not_baked_in():
    f = tf.function(lambda x: x + tf.random.normal([3]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # compiled: the plan draws on every call
        a = f(tf.zeros([3])).numpy()
        b = f(tf.zeros([3])).numpy()
    assert not np.allclose(a, b)
    assert f._eager_reason is None


def test_constant_folding_and_cse():
    c = tf.constant(np.arange(4, dtype=np.float32))

    @tf.function
    def f(x):
        k = tf.exp(c) * 2.0           # no input: folded
        return tf.sin(x) * k + tf.sin(x) * k

    x = tf.constant(np.ones(4, np.float32))
    np.testing.assert_allclose(f(x).numpy(), f.python_function(x).numpy(), rtol=1e-6)
    src = f.get_plan_source(x)
    assert src.count("F") <= 3 and "exp" not in src   # one sin (CSE), no exp (folded)


def test_nested_functions_and_methods():
    inner = tf.function(lambda x: x * 3.0)

    class M:
        def __init__(self):
            self.v = tf.Variable(2.0)

        @tf.function
        def __call__(self, x):
            return inner(x) + self.v

    m1, m2 = M(), M()
    m2.v.assign(10.0)
    assert m1(tf.constant(1.0)).numpy() == 5.0
    assert m2(tf.constant(1.0)).numpy() == 13.0
    assert m1(tf.constant(2.0)).numpy() == 8.0


def test_registry_not_polluted():
    before = set(REGISTRY)
    f = tf.function(lambda x: tf.reduce_sum(x * x))
    x = tf.constant([1.0, 2.0])
    for _ in range(3):
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
        t.gradient(y, x)
    assert set(REGISTRY) == before


def test_decorator_forms_and_arguments():
    @tf.function(autograph=False, jit_compile=True, reduce_retracing=True, experimental_relax_shapes=True)
    def f(x):
        return x + 1.0

    assert f(tf.constant(1.0)).numpy() == 2.0
    assert tf.function(f) is f
    assert f.python_function(tf.constant(1.0)).numpy() == 2.0


def test_second_order_through_function():
    f = tf.function(lambda x: tf.reduce_sum(x * x * x))
    x = tf.constant([1.0, 2.0])
    for _ in range(3):   # traced call, joint trace, compiled plan
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = f(x)
            g = t1.gradient(y, x)
        np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
        np.testing.assert_allclose(t2.gradient(g, x).numpy(), [6.0, 12.0])


def test_keras_training_step_matches_eager_and_builds_inside_the_trace():
    r = _rng(3)
    x = r.standard_normal((16, 4)).astype(np.float32)
    y = r.integers(0, 3, 16).astype(np.int32)

    def make(build: bool):
        tf.random.set_seed(0)
        m = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(3)])
        if build:
            m(x[:1])
        opt = tf.keras.optimizers.Adam(0.01)
        lossf = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = lossf(y, m(x, training=True))
            g = tape.gradient(loss, m.trainable_variables)
            opt.apply_gradients(zip(g, m.trainable_variables))
            return loss
        return step

    eager, compiled = make(True), tf.function(make(True))
    for _ in range(3):
        np.testing.assert_allclose(compiled(x, y).numpy(), eager(x, y).numpy(), rtol=1e-5)
    lazy = tf.function(make(False))       # the layers create their variables while traced
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        losses = [float(lazy(x, y)) for _ in range(4)]
    assert losses[-1] < losses[0] and lazy.experimental_get_tracing_count() == 1


def test_tf_quickstart_training_step_with_metrics_matches_eager():
    """The TF 2 'expert quickstart' loop: a compiled step with sparse cross-entropy, Adam and two
    Keras metrics updated inside the function gives the eager numbers on every call."""
    import gradtape as tf

    def run(compiled):
        tf.random.set_seed(0)
        model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(3)])
        loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        optimizer = tf.keras.optimizers.Adam()
        train_loss = tf.keras.metrics.Mean(name="train_loss")
        train_acc = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")

        def train_step(images, labels):
            with tf.GradientTape() as tape:
                predictions = model(images, training=True)
                loss = loss_object(labels, predictions)
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients, model.trainable_variables))
            train_loss(loss)
            train_acc(labels, predictions)

        step = tf.function(train_step) if compiled else train_step
        rng = np.random.default_rng(0)
        x = rng.random((32, 4)).astype(np.float32)
        y = rng.integers(0, 3, 32)
        out = []
        for _ in range(3):
            train_loss.reset_state()
            train_acc.reset_state()
            for i in range(4):
                step(x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8])
            out.append((float(train_loss.result()), float(train_acc.result())))
        return out, [v.numpy() for v in model.trainable_variables]

    (eager_metrics, eager_w), (fn_metrics, fn_w) = run(False), run(True)
    np.testing.assert_allclose(fn_metrics, eager_metrics, rtol=1e-6)
    for a, b in zip(eager_w, fn_w):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_dropout_inside_a_function_draws_a_new_mask_each_call():
    import gradtape as tf
    f = tf.function(lambda x: tf.nn.dropout(x, 0.5))
    x = tf.ones([64])
    a = f(x).numpy()
    b = f(x).numpy()
    assert not np.array_equal(a, b)
