"""CTC beyond the TF-recorded cases (tests/tf_reference/ctc_cases.py): the loss of an impossible
alignment, no second derivative, label validation, and keras.backend's helpers in a model."""
from __future__ import annotations

import numpy as np
import pytest

import gradtape as tf


def test_impossible_alignment_is_infinite_with_zero_gradient():
    # TF 2.21 returns a large finite number (709.7) here; -log 0 is inf, and the gradient is 0.
    x = tf.constant(np.zeros((3, 1, 4), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss([[1, 1, 1, 1]], x, [4], [3], blank_index=-1)
    assert np.isinf(loss.numpy()[0])
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), 0.0)


def test_second_order_raises_as_tf():
    x = tf.constant(np.random.default_rng(0).normal(size=(4, 1, 3)))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            loss = tf.reduce_sum(tf.nn.ctc_loss([[1, 2]], x, [2], [4]))
        g = inner.gradient(loss, x)
        s = tf.reduce_sum(g * g)
    with pytest.raises(LookupError, match="second derivative"):
        outer.gradient(s, x)


@pytest.mark.parametrize("labels, msg", [([[0, 1]], "blank"), ([[1, 7]], r"\[0, 3\)")])
def test_bad_labels_are_refused(labels, msg):
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        tf.nn.ctc_loss(labels, tf.zeros([4, 1, 3]), [2], [4], blank_index=0)


def test_a_keras_ocr_style_model_trains_with_ctc_batch_cost():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 6, 4)).astype(np.float32)
    y = rng.integers(0, 3, size=(8, 2))
    inp = tf.keras.Input((6, 4))
    probs = tf.keras.layers.Dense(4, activation="softmax")(inp)
    model = tf.keras.Model(inp, probs)
    opt = tf.keras.optimizers.Adam(0.05)
    first = None
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.keras.backend.ctc_batch_cost(y, model(x), np.full((8, 1), 6), np.full((8, 1), 2)))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        first = float(loss) if first is None else first
    assert float(loss) < first
    decoded, logp = tf.keras.backend.ctc_decode(model(x), np.full(8, 6))
    assert decoded[0].shape == (8, 6) and logp.shape == (8, 1)


def test_examples_of_different_lengths_in_one_batch():
    """The loss runs every example at once over the padded lattice: each example's loss equals the
    brute-force sum over its own alignments (labels and logits of other lengths beside it, empty
    labels, no steps, repeated labels, an impossible alignment), and its gradient is zero past its
    own last step."""
    from op_db_ctc import _brute
    rng = np.random.default_rng(3)
    T, K = 5, 3
    labels = np.array([[1, 1, 2], [2, 0, 0], [0, 0, 0], [1, 2, 1], [2, 1, 0], [1, 1, 1]])
    label_len = np.array([2, 1, 0, 3, 2, 3])
    logit_len = np.array([5, 3, 4, 5, 0, 4])              # the last: 1 1 1 needs 5 steps (impossible)
    x = tf.constant(rng.normal(size=(T, len(labels), K)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.nn.ctc_loss(labels, x, label_len, logit_len, blank_index=0)
    g = tape.gradient(loss, x).numpy()
    for b in range(len(labels)):
        with np.errstate(divide="ignore"):              # -log 0 for the impossible one
            want = _brute(x.numpy()[:, b:b + 1], labels[b:b + 1], label_len[b:b + 1], logit_len[b:b + 1])[0] \
                if logit_len[b] else (0.0 if label_len[b] == 0 else np.inf)
        if np.isinf(want):
            assert np.isinf(loss.numpy()[b]) and not g[:, b].any()
        else:
            np.testing.assert_allclose(loss.numpy()[b], want, rtol=1e-10)
        assert not g[logit_len[b]:, b].any()
    assert np.isfinite(g).all()
