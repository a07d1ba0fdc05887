"""strategy.run/reduce inside tf.function give each call's values (a reduce computed on host arrays
was baked into the compiled plan: every call returned the first call's loss)."""
import warnings

import numpy as np

import gradtape as tf


def test_reduce_under_function_is_per_call():
    strategy = tf.distribute.MirroredStrategy()
    step = tf.function(lambda x: strategy.reduce(tf.distribute.ReduceOp.SUM,
                                                 strategy.run(lambda t: t * 2.0, args=(x,)), axis=None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # and it stays compiled: no eager fallback
        got = [float(step(tf.constant(v))) for v in (1.0, 2.0, 5.0)]
    assert got == [2.0, 4.0, 10.0]


def test_reduce_mean_along_axis_and_replica_all_reduce():
    strategy = tf.distribute.get_strategy()
    f = tf.function(lambda x: strategy.reduce("MEAN", x, axis=0))
    assert f(tf.constant([1.0, 3.0])).numpy() == 2.0
    assert f(tf.constant([2.0, 6.0])).numpy() == 4.0
    ctx_sum = tf.function(lambda x: strategy.run(
        lambda t: tf.distribute.get_replica_context().all_reduce("SUM", t), args=(x,)))
    np.testing.assert_allclose(ctx_sum(tf.constant([1.0, 2.0])).numpy(), [1.0, 2.0])
    np.testing.assert_allclose(ctx_sum(tf.constant([3.0, 4.0])).numpy(), [3.0, 4.0])
