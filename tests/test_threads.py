"""Tapes, observers and other process-wide state are per thread, as in TF.

Each test drives two threads through an exact interleaving with events, so it fails
deterministically on a library whose tape list is shared by threads.
"""
from __future__ import annotations

import threading

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
