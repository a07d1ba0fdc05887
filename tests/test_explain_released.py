"""``tape.explain`` after ``gradient()`` on a non-persistent tape (the natural order: a gradient
came back None, then ask why), with the tape's memory still released."""
from __future__ import annotations

import gc
import tracemalloc
import warnings

import numpy as np

import gradtape as tf


def _tape():
    x, y = tf.constant(2.0), tf.constant(3.0)
    v, frozen = tf.Variable(1.0), tf.Variable(1.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = x * x + frozen
        y * 2.0
    grads = tape.gradient(z, [x, y, v, frozen])
    return tape, z, (x, y, v, frozen), grads


def test_explain_after_gradient_on_a_released_tape():
    tape, z, (x, y, v, frozen), grads = _tape()
    assert grads[0] is not None and grads[1:] == [None, None, None]
    assert "depends on" in tape.explain(z, x)
    assert "does not watch" in tape.explain(z, y) and "tape.watch" in tape.explain(z, y)
    assert "never read" in tape.explain(z, v)
    assert "not trainable" in tape.explain(z, frozen)
    for s in (x, y, v, frozen):
        assert "already released" not in tape.explain(z, s)


def test_explain_after_gradient_target_cut_by_an_integer_cast():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        a = tf.cast(tf.cast(x, tf.int32), tf.float32) * 2.0
    assert tape.gradient(a, x) is None
    assert "integer cast" in tape.explain(a, x)


def test_explain_about_other_tensors_still_says_released():
    tape, z, (x, y, v, frozen), _ = _tape()
    other = tf.constant(1.0)
    assert "released" in tape.explain(other, x)


def test_released_tape_keeps_no_values():
    x = tf.constant(np.linspace(0.0, 1.0, 1 << 16, dtype=np.float32))   # 256 KiB
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for _ in range(20):
                y = tf.sin(y)
            loss = tf.reduce_sum(y)
        del y
        g = tape.gradient(loss, x)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - base - g._value.nbytes
    finally:
        tracemalloc.stop()
    assert retained < 64 * 1024, retained          # the 20 intermediates (5 MiB) are gone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "depends on" in tape.explain(loss, x)
