"""``tf.config.run_functions_eagerly`` (the Python function runs on every call, same values) and
``tf.config.optimizer``'s recorded settings."""
from __future__ import annotations

import numpy as np
import pytest

import gradtape as tf


@pytest.fixture
def eager_functions():
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(False)


def test_python_runs_on_every_call_and_values_match(eager_functions):
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return tf.reduce_sum(x * x)

    assert tf.config.functions_run_eagerly()
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(y) == 5.0 and f(x).numpy() == 5.0
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])
    assert len(calls) == 2


def test_compiled_again_after_switching_back():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return x + 1.0

    tf.config.run_functions_eagerly(True)
    try:
        f(tf.constant(1.0))
        f(tf.constant(1.0))
    finally:
        tf.config.run_functions_eagerly(False)
    assert not tf.config.functions_run_eagerly()
    n = len(calls)
    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert len(calls) <= n + 1        # traced at most once, then the plan runs


def test_optimizer_settings_are_recorded():
    tf.config.optimizer.set_jit(True)
    tf.config.optimizer.set_experimental_options({"layout_optimizer": False})
    try:
        assert tf.config.optimizer.get_jit() is True
        assert tf.config.optimizer.get_experimental_options()["layout_optimizer"] is False
    finally:
        tf.config.optimizer.set_jit(False)
    with pytest.raises(TypeError):
        tf.config.optimizer.set_experimental_options(["x"])
