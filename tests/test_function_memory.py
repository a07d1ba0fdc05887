"""Memory of compiled calls: tracing keeps no traced value alive (the first call's peak is eager's),
and the call that traces a function's gradient inside an outer tape (its backward traced when the
tape's gradient reaches it) peaks as eager does and gives eager's gradients."""
from __future__ import annotations

import gc
import threading
import tracemalloc
import warnings

import numpy as np
import pytest

import gradtape as tf

LAYERS, WIDTH, BATCH = 6, 128, 256     # each activation 128 KiB


def _model(seed=0):
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal((BATCH, WIDTH)).astype(np.float32))
    ws = [tf.Variable((rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32))
          for _ in range(LAYERS)]
    bs = [tf.Variable(np.zeros(WIDTH, np.float32)) for _ in range(LAYERS)]

    def forward(x):
        h = x
        for w, b in zip(ws, bs):
            h = tf.nn.relu(tf.matmul(h, w) + b)
        return tf.reduce_mean(h)
    return x, ws, bs, forward


def _peak(fn):
    """Peak traced bytes above the start while ``fn`` runs (NumPy reports to tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_first_call_of_a_step_peaks_as_eager():
    x, ws, bs, forward = _model()

    def step(x):
        with tf.GradientTape() as tape:
            loss = forward(x)
        return tape.gradient(loss, ws + bs)

    eager = _peak(lambda: step(x))
    f = tf.function(step)
    first = _peak(lambda: f(x))
    act = BATCH * WIDTH * 4
    # keeping every traced value (3 per layer) would add 3 * LAYERS activations
    assert first < eager + 2 * act, (first, eager)
    for g, h in zip(f(x), step(x)):
        np.testing.assert_allclose(g.numpy(), h.numpy(), rtol=1e-5, atol=1e-6)


def test_function_inside_a_tape_peaks_as_eager():
    x, ws, bs, forward = _model(1)

    def steps(fn, n=3):
        out = []
        for _ in range(n):
            with tf.GradientTape() as tape:
                loss = fn(x)
            out.append([g.numpy() for g in tape.gradient(loss, ws + bs)])
        return out

    ref = []
    eager = _peak(lambda: ref.extend(steps(forward)))
    f = tf.function(forward)
    got = []
    # calls 1-3: a trace, the joint trace (its backward traced by the tape's gradient), the plans
    compiled = _peak(lambda: got.extend(steps(f)))
    act = BATCH * WIDTH * 4
    assert compiled < eager + 2 * act, (compiled, eager)
    for a, b in zip(ref, got):
        for g, h in zip(a, b):
            np.testing.assert_allclose(h, g, rtol=1e-5, atol=1e-6)
    assert f.experimental_get_tracing_count() == 1


def _run_both(fn, make_args, body, n=4):
    """``body(callable, args)`` per call, eager and compiled; returns both lists of results."""
    out = []
    for compiled in (False, True):
        g = tf.function(fn) if compiled else fn
        out.append([body(g, make_args(i)) for i in range(n)])
    return out


def _close(a, b):
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-6)


def test_deferred_backward_cases_match_eager():
    v = tf.Variable([1.0, 2.0, 3.0])
    table = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    counter = tf.Variable(0.0)

    @tf.custom_gradient
    def clip_grad(t):
        def grad(dy):
            return tf.clip_by_value(dy, -0.5, 0.5)
        return tf.identity(t), grad

    def fn(x, ids):
        counter.assign_add(1.0)                 # a Variable updated on every call
        e = tf.gather(table, ids)               # IndexedSlices gradient for the table
        y = tf.sin(x * v) + tf.reduce_sum(e, axis=0) * counter
        return tf.reduce_sum(clip_grad(y * y))

    def make(i):
        return tf.constant([0.3 * i, -0.2, 0.5 + i]), tf.constant([i % 4, 1])

    def body(g, args):
        x = args[0]
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = g(*args)
        grads = tape.gradient(loss, [x, v, table])
        return [loss.numpy()] + [tf.convert_to_tensor(t).numpy() for t in grads]

    counter.assign(0.0)
    eager = [body(fn, make(i)) for i in range(4)]
    counter.assign(0.0)
    f = tf.function(fn)
    compiled = [body(f, make(i)) for i in range(4)]
    for a, b in zip(eager, compiled):
        for p, q in zip(a, b):
            _close(p, q)
    assert counter.numpy() == 4.0


def test_output_that_is_an_input_gets_one_gradient():
    def fn(x, y):
        return x, x * y

    f = tf.function(fn)
    x, y = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    for g in (fn, f, f, f):
        with tf.GradientTape() as tape:
            tape.watch([x, y])
            a, b = g(x, y)
            loss = tf.reduce_sum(a) + tf.reduce_sum(b)
        gx, gy = tape.gradient(loss, [x, y])
        np.testing.assert_allclose(gx.numpy(), [4.0, 5.0])
        np.testing.assert_allclose(gy.numpy(), [1.0, 2.0])


def test_gradient_never_asked_then_later_calls():
    f = tf.function(lambda x: tf.reduce_sum(tf.exp(x)))
    x = tf.constant([0.0, 1.0])
    f(x)                                    # traces
    with tf.GradientTape() as tape:         # the joint trace; its gradient is never computed
        tape.watch(x)
        f(x)
    del tape
    for _ in range(2):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.exp([0.0, 1.0]), rtol=1e-6)


def test_jacobian_of_a_non_persistent_tape_through_the_call():
    f = tf.function(lambda x: tf.sin(x) * x)
    x = tf.constant([0.1, 0.7, -0.4])
    f(x)
    for _ in range(3):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        jac = tape.jacobian(y, x)
        xv = x.numpy()
        np.testing.assert_allclose(jac.numpy(), np.diag(np.cos(xv) * xv + np.sin(xv)), rtol=1e-5,
                                   atol=1e-7)


def test_backward_recorded_by_a_later_tape_matches_eager():
    def fn(x):
        return tf.reduce_sum(x * x * x)

    def body(g, x):
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = g(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            gx = t1.gradient(y, x)
            s = tf.reduce_sum(gx)
        g2 = t2.gradient(s, x)
        return gx.numpy(), None if g2 is None else g2.numpy()

    x = tf.constant([1.0, -2.0])
    eager, compiled = _run_both(fn, lambda i: x, body, n=3)
    for a, b in zip(eager, compiled):
        _close(a[0], b[0])
        _close(a[1], b[1])


def test_gradient_from_another_thread():
    f = tf.function(lambda x: tf.reduce_sum(tf.tanh(x)))
    x = tf.constant([0.2, -0.3])
    f(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    out = {}

    def run():
        out["g"] = tape.gradient(y, x)
    th = threading.Thread(target=run)
    th.start()
    th.join()
    np.testing.assert_allclose(out["g"].numpy(), 1 - np.tanh(x.numpy()) ** 2, rtol=1e-6)
    with tf.GradientTape() as tape:         # the next call traces jointly and compiles
        tape.watch(x)
        y = f(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 1 - np.tanh(x.numpy()) ** 2, rtol=1e-6)


def test_fallback_while_tracing_jointly_keeps_the_gradient():
    def fn(x):
        y = x * 2.0
        if float(tf.reduce_sum(y)) > 0:     # reads a traced value: falls back to eager
            return tf.reduce_sum(y * y)
        return tf.reduce_sum(y)

    f = tf.function(fn)
    x = tf.constant([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = f(x)
            np.testing.assert_allclose(tape.gradient(y, x).numpy(), 8.0 * x.numpy())


@pytest.mark.parametrize("persistent", [False, True])
def test_duplicate_and_persistent_calls_use_the_joint_trace(persistent):
    f = tf.function(lambda a, b: tf.reduce_sum(a * b))
    x = tf.constant([1.0, 3.0])
    for _ in range(3):
        with tf.GradientTape(persistent=persistent) as tape:
            tape.watch(x)
            y = f(x, x)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), 2 * x.numpy())
