"""The fused training-mode batch normalization (ops/batch_norm.py) against its op-by-op reference,
and BatchNormalization's use of it (outputs, moving statistics, gradients, compiled functions)."""
import numpy as np
import pytest

import gradtape as tf
from gradtape.ops import batch_norm as BN


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_batch_norm_matches_the_reference_to_second_order(dtype):
    rng = np.random.default_rng(0)
    tol = 2e-5 if dtype == "float32" else 1e-12
    for shape in [(4, 3, 5, 6), (7, 4), (16, 8)]:
        c = shape[-1]
        x = tf.Variable(rng.standard_normal(shape) * 3 + 1, dtype=dtype)
        g = tf.Variable(rng.standard_normal(c) + 1, dtype=dtype)
        b = tf.Variable(rng.standard_normal(c), dtype=dtype)
        up = tf.constant(rng.standard_normal(shape), dtype=dtype)
        um = tf.constant(rng.standard_normal(c), dtype=dtype)
        for stats in (False, True):     # with and without gradients reaching the statistics
            res = []
            for f in (BN.batch_norm_train, BN.batch_norm_train_reference):
                with tf.GradientTape() as t2:
                    with tf.GradientTape() as t:
                        y, m, v = f(x, g, b, 1e-3)
                        loss = tf.reduce_sum(y * up)
                        if stats:
                            loss = loss + tf.reduce_sum(m * um) + tf.reduce_sum(v * um * 2.0)
                    gr = t.gradient(loss, [x, g, b])
                    s = tf.reduce_sum(gr[0] * gr[0]) + tf.reduce_sum(gr[1] * gr[1])
                h = t2.gradient(s, [x, g])
                res.append([y, m, v] + gr + h)
            for got, want in zip(*res):
                want = want.numpy()
                np.testing.assert_allclose(got.numpy(), want, rtol=tol, atol=tol * np.abs(want).max())


def test_batch_normalization_layer_uses_the_fused_op_with_keras_semantics(monkeypatch):
    """Training output, moving statistics (momentum, biased variance) and gradients equal the
    op-by-op path (the reference put in the fused op's place), eagerly and in a compiled function."""
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((4, 5, 5, 3)).astype("float32") * 2 + 1)
    layers = []
    for axis in (-1, -1):
        layer = tf.keras.layers.BatchNormalization(axis=axis, momentum=0.9)
        layer.build(x.shape)
        layer.gamma.assign(rng.standard_normal(3).astype("float32") if not layers else layers[0].gamma.numpy())
        layer.beta.assign(rng.standard_normal(3).astype("float32") if not layers else layers[0].beta.numpy())
        layers.append(layer)
    outs = []
    for layer in layers:
        if layer is layers[1]:
            monkeypatch.setattr(BN, "batch_norm_train", BN.batch_norm_train_reference)
        step = tf.function(lambda v, layer=layer: layer(v, training=True))
        with tf.GradientTape() as t:
            t.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * y * x)
        grads = t.gradient(loss, [x, layer.gamma, layer.beta])
        y2 = step(x + 1.0)
        y3 = step(x * 2.0)
        outs.append([y, y2, y3, layer.moving_mean, layer.moving_variance] + grads)
    for a, b in zip(*outs):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-4)
    xv = (x * 2.0).numpy().reshape(-1, 3)
    mm, mv = np.zeros(3), np.ones(3)
    for v in (x.numpy().reshape(-1, 3), (x + 1.0).numpy().reshape(-1, 3), xv):
        mm = mm * 0.9 + v.mean(0) * 0.1
        mv = mv * 0.9 + v.var(0) * 0.1
    np.testing.assert_allclose(layers[0].moving_mean.numpy(), mm, rtol=1e-5)
    np.testing.assert_allclose(layers[0].moving_variance.numpy(), mv, rtol=1e-5)


def test_fused_kernels_take_non_contiguous_inputs():
    """A transposed (non-contiguous) input or upstream gives the same numbers as contiguous ones
    (the wide views are taken only when every operand is contiguous)."""
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((16, 2, 120))
    x = np.swapaxes(xs, 0, 1).copy().swapaxes(0, 1)           # same values, not C-contiguous
    assert not x.flags.c_contiguous
    g = rng.standard_normal((16, 2, 120))
    gamma, beta = rng.standard_normal(120), rng.standard_normal(120)
    want_y = BN._bn_forward(xs, gamma, beta, 1e-3)
    got_y = BN._bn_forward(x, gamma, beta, 1e-3)
    for a, b in zip(got_y, want_y):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    m, v = want_y[1], want_y[2]
    for xa, ga in ((x, g), (xs, np.swapaxes(np.swapaxes(g, 0, 1).copy(), 0, 1))):
        for a, b in zip(BN._bn_backward(ga, xa, gamma, m, v, 1e-3), BN._bn_backward(g, xs, gamma, m, v, 1e-3)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
