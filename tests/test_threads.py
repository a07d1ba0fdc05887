"""Tapes, observers and other process-wide state are per thread, as in TF.

Each test drives two threads through an exact interleaving with events, so it fails
deterministically on a library whose tape list is shared by threads.
"""
from __future__ import annotations

import os
import sys
import threading
import warnings

import numpy as np
import pytest

import gradtape as tf
from gradtape import dispatch

TIMEOUT = 20


def _run(*targets):
    """Run the callables in threads; re-raise the first exception one of them raised."""
    errors: list = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "thread did not finish"
    if errors:
        raise errors[0]


def test_ops_of_another_thread_recorded_while_one_is_inside_custom_gradient():
    b_recording, inside, done = threading.Event(), threading.Event(), threading.Event()
    out = {}

    @tf.custom_gradient
    def slow_double(x):
        inside.set()
        assert done.wait(TIMEOUT)
        return x * 2.0, lambda dy: dy * 2.0

    def a():
        assert b_recording.wait(TIMEOUT)
        x = tf.constant(1.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = slow_double(x)
        out["a"] = float(tape.gradient(y, x))

    def b():
        try:
            x = tf.constant(2.0)
            with tf.GradientTape() as tape:
                tape.watch(x)
                b_recording.set()
                assert inside.wait(TIMEOUT)     # A is inside its custom-gradient forward now
                y = x * x + x
            out["b"] = float(tape.gradient(y, x))
        finally:
            done.set()

    _run(a, b)
    assert out == {"a": 2.0, "b": 5.0}


def test_custom_gradient_in_one_thread_does_not_revive_another_threads_released_tape():
    b_recording, inside, b_done = threading.Event(), threading.Event(), threading.Event()
    v = tf.Variable(3.0)
    out = {}

    @tf.custom_gradient
    def slow_double(x):
        inside.set()
        assert b_done.wait(TIMEOUT)
        return x * 2.0, lambda dy: dy * 2.0

    def a():
        assert b_recording.wait(TIMEOUT)
        out["a"] = float(slow_double(tf.constant(1.0)))

    def b():
        try:
            with tf.GradientTape() as tape:
                b_recording.set()
                assert inside.wait(TIMEOUT)
                y = v * v
            out["b"] = float(tape.gradient(y, v))   # releases the tape
        finally:
            b_done.set()

    _run(a, b)
    assert out == {"a": 2.0, "b": 6.0}
    assert not dispatch.ACTIVE
    assert float(v + 1.0) == 4.0                # reading a Variable works afterwards


def test_interleaved_tapes_leave_nothing_active():
    steps = [threading.Event() for _ in range(4)]
    v = tf.Variable(3.0)

    def a():
        x = tf.constant(1.0)
        with tf.GradientTape() as tape:         # A enters first ...
            tape.watch(x)
            steps[0].set()
            assert steps[1].wait(TIMEOUT)
            y = x * v
        steps[2].set()                          # ... and leaves while B still records
        assert float(tape.gradient(y, x)) == 3.0

    def b():
        assert steps[0].wait(TIMEOUT)
        with tf.GradientTape() as tape:
            steps[1].set()
            assert steps[2].wait(TIMEOUT)
            y = v * v
        assert float(tape.gradient(y, v)) == 6.0

    _run(a, b)
    assert not dispatch.ACTIVE
    assert float(v + 1.0) == 4.0


def test_persistent_tape_does_not_see_another_threads_ops():
    recording, done = threading.Event(), threading.Event()
    result = {}

    def a():
        w = tf.Variable(1.0, name="wa")
        with tf.GradientTape(persistent=True) as tape:
            y = w * 2.0
            recording.set()
            assert done.wait(TIMEOUT)
        result["records"] = len(tape._records)
        result["watched"] = [v.name for v in tape.watched_variables()]
        result["grad"] = float(tape.gradient(y, w))

    def b():
        assert recording.wait(TIMEOUT)
        try:
            u = tf.Variable(np.ones((4, 4), np.float32), name="ub")
            x = tf.ones((4, 4))
            for _ in range(50):
                x = tf.matmul(x, u) * 0.5     # reads ``u``: a tape in this thread would watch it
        finally:
            done.set()

    _run(a, b)
    assert result == {"records": 2, "watched": ["wa:0"], "grad": 2.0}


def test_custom_gradient_with_variables_while_another_thread_reads_a_variable():
    inside, done = threading.Event(), threading.Event()
    out = {}
    w = tf.Variable(3.0, name="w")

    @tf.custom_gradient
    def scaled(x):
        y = x * w
        inside.set()
        assert done.wait(TIMEOUT)

        def grad(dy, variables=None):
            return dy * w, [dy * x]
        return y, grad

    def a():
        x = tf.constant(2.0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = scaled(x)
        gx, gw = tape.gradient(y, [x, w])
        out["a"] = (float(gx), float(gw))

    def b():
        assert inside.wait(TIMEOUT)
        try:
            other = tf.Variable(5.0, name="other")
            out["b"] = float(other * 2.0)
        finally:
            done.set()

    _run(a, b)
    assert out == {"a": (3.0, 2.0), "b": 10.0}


def test_thread_stack_truth_test_is_process_wide_and_contents_per_thread():
    s = dispatch.ThreadStack()
    assert not s
    seen, go = threading.Event(), threading.Event()
    other = {}

    def t():
        s.append("theirs")
        seen.set()
        assert go.wait(TIMEOUT)
        other["items"] = list(s)
        s.remove("theirs")

    th = threading.Thread(target=t)
    th.start()
    assert seen.wait(TIMEOUT)
    assert s                                   # another thread has an entry
    assert list(s) == [] and "theirs" not in s
    s.append("mine")
    s[:] = ["a", "b"]
    assert list(s) == ["a", "b"] and s[-1] == "b"
    go.set()
    th.join(TIMEOUT)
    assert other["items"] == ["theirs"]
    s.add_shared("all")
    assert list(s) == ["a", "b", "all"]
    s.remove_shared("all")
    del s[:]
    assert not s


# -- stress: four threads training four models get the numbers of a serial run ----------------------

STRESS_STEPS = int(os.environ.get("GRADTAPE_STRESS_STEPS", "12"))


def _data(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 6)).astype(np.float32)
    y = np.tanh(x @ rng.standard_normal((6, 1))).astype(np.float32)
    return x, y


def _weights(seed):
    rng = np.random.default_rng(100 + seed)
    return [rng.standard_normal((6, 8)).astype(np.float32) * 0.5, np.zeros(8, np.float32),
            rng.standard_normal((8, 1)).astype(np.float32) * 0.5, np.zeros(1, np.float32)]


def _mlp(x, w, act=tf.tanh):
    return tf.matmul(act(tf.matmul(x, w[0]) + w[1]), w[2]) + w[3]


def _mse(p, y):
    return tf.reduce_mean(tf.square(p - y))


def train_eager(steps):
    x, y = _data(1)
    w = [tf.Variable(a) for a in _weights(1)]
    opt = tf.keras.optimizers.SGD(0.1)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = _mse(_mlp(x, w), y)
        opt.apply_gradients(zip(tape.gradient(loss, w), w))
    return [v.numpy() for v in w]


def train_function(steps):
    x, y = _data(2)
    w = [tf.Variable(a) for a in _weights(2)]
    opt = tf.keras.optimizers.Adam(0.01)

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = _mse(_mlp(xb, w), yb)
        opt.apply_gradients(zip(tape.gradient(loss, w), w))
        w[3].assign(w[3] * 0.5)            # a write of its own on every call
        return loss

    for _ in range(steps):
        step(tf.constant(x), tf.constant(y))
    return [v.numpy() for v in w]


def train_custom(steps):
    x, y = _data(3)
    w = [tf.Variable(a) for a in _weights(3)]
    scale = tf.Variable(1.5, name="scale")

    @tf.custom_gradient
    def scaled_tanh(z):
        out = tf.tanh(z) * scale                     # reads a Variable: grad_fn gets variables=
        def grad(dy, variables=None):
            t = tf.tanh(z)
            return dy * scale * (1.0 - t * t), [tf.reduce_sum(dy * t)]
        return out, grad

    opt = tf.keras.optimizers.SGD(0.05)
    params = w + [scale]
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = _mse(_mlp(x, w, act=scaled_tanh), y)
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
    return [v.numpy() for v in params]


def train_fit(steps):
    x, y = _data(4)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh"),
                                 tf.keras.layers.Dense(1)])
    model.build((None, 6))
    model.set_weights(_weights(4))
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=8, epochs=max(1, steps // 4), shuffle=False, verbose=0)
    return [np.asarray(a) for a in model.get_weights()]


TRAINERS = [train_eager, train_function, train_custom, train_fit]


def test_four_threads_train_four_models_like_a_serial_run():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        serial = [fn(STRESS_STEPS) for fn in TRAINERS]
        results: dict = {}
        start = threading.Barrier(len(TRAINERS))

        def runner(i, fn):
            def run():
                start.wait(TIMEOUT)
                results[i] = fn(STRESS_STEPS)
            return run

        old = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)          # switch threads often: many interleavings
        try:
            _run(*[runner(i, fn) for i, fn in enumerate(TRAINERS)])
        finally:
            sys.setswitchinterval(old)
    for i, fn in enumerate(TRAINERS):
        for a, b in zip(results[i], serial[i]):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=fn.__name__)
    assert not dispatch.ACTIVE and not dispatch.HOOKS


def test_keras_auto_names_are_per_thread():
    # Keras 3 keeps its name counters in thread-local state (recorded with TF 2.21 / Keras 3.15:
    # a thread's first Dense is 'dense' even after the main thread made two).
    tf.keras.backend.clear_session()
    tf.keras.layers.Dense(1), tf.keras.layers.Dense(1)
    out = {}

    def t():
        out["thread"] = [tf.keras.layers.Dense(1).name for _ in range(2)]

    _run(t)
    assert out["thread"] == ["dense", "dense_1"]
    assert tf.keras.layers.Dense(1).name == "dense_2"


def test_check_numerics_is_per_thread():
    enabled, done = threading.Event(), threading.Event()
    out = {}

    def a():
        tf.debugging.enable_check_numerics()
        try:
            enabled.set()
            assert done.wait(TIMEOUT)
            try:
                tf.math.log(tf.constant(-1.0))
                out["a"] = "no error"
            except tf.errors.InvalidArgumentError:
                out["a"] = "raised"
        finally:
            tf.debugging.disable_check_numerics()

    def b():
        assert enabled.wait(TIMEOUT)
        try:
            out["b"] = bool(np.isnan(float(tf.math.log(tf.constant(-1.0)))))
            out["b_enabled"] = tf.debugging.is_check_numerics_enabled()
        finally:
            done.set()

    _run(a, b)
    assert out == {"a": "raised", "b": True, "b_enabled": False}


def test_custom_object_scope_is_per_thread_and_keeps_registrations():
    from gradtape.keras.layers.serialization import _lookup

    class Mine(tf.keras.layers.Layer):
        pass

    opened, done = threading.Event(), threading.Event()
    out = {}

    def a():
        with tf.keras.utils.custom_object_scope({"MineA": Mine}):
            out["a"] = _lookup("MineA", None) is Mine

            @tf.keras.utils.register_keras_serializable(package="T")
            class Registered(tf.keras.layers.Layer):
                pass
            opened.set()
            assert done.wait(TIMEOUT)
        out["after"] = "T>Registered" in tf.keras.utils.get_custom_objects()

    def b():
        assert opened.wait(TIMEOUT)
        try:
            _lookup("MineA", None)
            out["b"] = "found"
        except ValueError:
            out["b"] = "unknown"
        finally:
            done.set()

    _run(a, b)
    assert out == {"a": True, "b": "unknown", "after": True}
