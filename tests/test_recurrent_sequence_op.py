"""The built-in LSTM/GRU layers run their recurrence as one whole-sequence op
(``gradtape.ops.recurrent``); the step-by-step loop remains for other cells and options. Both paths
must give the same outputs, first- and second-order gradients, eagerly and under ``function``."""
from __future__ import annotations

import numpy as np
import pytest

import gradtape as tf
from gradtape.keras.layers import recurrent as rec

L = tf.keras.layers


def _run(layer_fn, x, mask, initial, seq_op: bool, monkeypatch, order2=False, compiled=False):
    if not seq_op:
        monkeypatch.setattr(rec, "_sequence_op_kind", lambda *a, **k: None)
    else:
        monkeypatch.setattr(rec, "_sequence_op_kind", _ORIG)
    tf.keras.utils.set_random_seed(1)
    layer = layer_fn()
    xs = tf.constant(x)

    def go(xs):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as tape:
                tape.watch(xs)
                kw = {}
                if mask is not None:
                    kw["mask"] = tf.constant(mask)
                if initial is not None:
                    kw["initial_state"] = [tf.constant(s) for s in initial]
                out = layer(xs, **kw)
                outs = out if isinstance(out, list) else [out]
                loss = tf.add_n([tf.reduce_sum(o * o) for o in outs])
            grads = tape.gradient(loss, [xs] + layer.trainable_variables)
            pen = tf.add_n([tf.reduce_sum(g * g) for g in grads]) if order2 else None
        g2 = outer.gradient(pen, layer.trainable_variables) if order2 else []
        return outs, grads, g2
    f = tf.function(go) if compiled else go
    res = f(xs)
    if compiled:
        res = f(xs)       # the compiled plan, not the tracing run
    return [[np.asarray(v) for v in part] for part in res]


_ORIG = rec._sequence_op_kind

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype(np.float64)
MASK = np.array([[1, 1, 0, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], dtype=bool)
H0 = np.random.default_rng(1).standard_normal((3, 6))

CASES = {
    "lstm": lambda: L.LSTM(6, dtype="float64"),
    "lstm_seq_back_state": lambda: L.LSTM(6, return_sequences=True, go_backwards=True, return_state=True,
                                          dtype="float64"),
    "gru": lambda: L.GRU(6, dtype="float64"),
    "gru_before_seq": lambda: L.GRU(6, reset_after=False, return_sequences=True, dtype="float64"),
    "gru_nobias_state": lambda: L.GRU(6, use_bias=False, return_state=True, go_backwards=True, dtype="float64"),
    "lstm_zero_output": lambda: L.LSTM(6, return_sequences=True, zero_output_for_mask=True, dtype="float64"),
}


def _assert_same(a, b):
    for pa, pb in zip(a, b):
        assert len(pa) == len(pb)
        for u, v in zip(pa, pb):
            np.testing.assert_allclose(u, v, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("masked", [False, True])
def test_sequence_op_matches_step_loop(name, masked, monkeypatch):
    mask = MASK if masked else None
    initial = None
    if name.startswith("gru_before") or name == "lstm":
        initial = [H0, H0 * 0.5] if name.startswith("lstm") else [H0]
    want = _run(CASES[name], X, mask, initial, False, monkeypatch)
    got = _run(CASES[name], X, mask, initial, True, monkeypatch)
    _assert_same(got, want)


@pytest.mark.parametrize("name", ["lstm", "gru", "gru_before_seq"])
def test_second_order_through_the_sequence_op(name, monkeypatch):
    want = _run(CASES[name], X, MASK, None, False, monkeypatch, order2=True)
    got = _run(CASES[name], X, MASK, None, True, monkeypatch, order2=True)
    _assert_same(got, want)


@pytest.mark.parametrize("name", ["lstm_seq_back_state", "gru"])
def test_sequence_op_under_function(name, monkeypatch):
    want = _run(CASES[name], X, MASK, None, False, monkeypatch)
    got = _run(CASES[name], X, MASK, None, True, monkeypatch, compiled=True)
    _assert_same(got, want)


def test_which_path_runs(monkeypatch):
    x = tf.constant(X.astype(np.float32))
    calls = []
    real = rec._sequence_op_kind
    monkeypatch.setattr(rec, "_sequence_op_kind", lambda *a: calls.append(real(*a)) or calls[-1])
    L.LSTM(3)(x)
    L.GRU(3)(x)
    L.LSTM(3, activation="relu")(x)                          # another activation: the step loop
    L.GRU(3, recurrent_dropout=0.5)(x, training=True)        # recurrent dropout: the step loop
    L.RNN(L.LSTMCell(3))(x)                                  # a built-in cell in RNN: the op
    assert calls == ["lstm", "gru", None, None, "lstm"]


def test_forward_accumulator_through_the_sequence_op():
    """Forward mode (derived from the reverse rules) agrees with a finite difference."""
    rng = np.random.default_rng(3)
    layer = L.LSTM(3, dtype="float64")
    x = tf.constant(rng.standard_normal((2, 4, 2)))
    layer(x)
    v = rng.standard_normal((2, 4, 2))
    with tf.autodiff.ForwardAccumulator(x, tf.constant(v)) as acc:
        y = layer(x)
    eps = 1e-6
    fd = (np.asarray(layer(tf.constant(np.asarray(x) + eps * v)))
          - np.asarray(layer(tf.constant(np.asarray(x) - eps * v)))) / (2 * eps)
    np.testing.assert_allclose(np.asarray(acc.jvp(y)), fd, rtol=1e-6, atol=1e-8)


def test_layer_normalization_fused_op_matches_composition():
    """LayerNormalization over the last axis runs the fused layer_norm op; values and first- and
    second-order gradients equal the composition of gradtape ops."""
    from gradtape.ops import fused
    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((2, 3, 5)) * 3 + 1)
    layer = L.LayerNormalization(epsilon=1e-5, dtype="float64")
    layer(x)
    layer.gamma.assign(rng.standard_normal(5))
    layer.beta.assign(rng.standard_normal(5))

    def run(fn):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = fn(x)
                loss = tf.reduce_sum(y * y * y)
            gs = tape.gradient(loss, [x, layer.gamma, layer.beta])
            pen = tf.add_n([tf.reduce_sum(g * g) for g in gs])
        return [np.asarray(y)] + [np.asarray(g) for g in gs] + [np.asarray(outer.gradient(pen, x))]

    got = run(layer)
    want = run(lambda v: fused.layer_norm_reference(v, layer.gamma, layer.beta, 1e-5))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("rnn", ["lstm", "gru", "gru_reset_before"])
def test_text_classifier_trains_on_the_device_as_on_the_cpu(rnn, monkeypatch):
    """Embedding (mask_zero) + a masked LSTM/GRU (reversed, or returning its state) + Dense, two Adam
    steps on the stand-in GPU (tests/gpu_standin.py: host conversions raise): the whole-sequence
    op runs on device arrays, losses and weights stay on the device and equal the CPU run."""
    from gpu_standin import installed, on_device, host
    from gradtape.ops import recurrent as R

    kinds = []
    for name in ("lstm_sequence", "gru_sequence"):
        def spy(*a, _f=getattr(R, name), **k):
            out = _f(*a, **k)
            kinds.append(type(out[0]._value).__name__)
            return out
        monkeypatch.setattr(R, name, spy)

    rng = np.random.default_rng(4)
    tokens = rng.integers(1, 20, size=(6, 7))
    tokens[:2, 4:] = 0                                   # padded tails: masked steps
    labels = rng.integers(0, 2, size=6)

    def program():
        tf.keras.utils.set_random_seed(2)
        layer = {"lstm": lambda: L.LSTM(5, go_backwards=True, return_sequences=True),
                 "gru": lambda: L.GRU(5, go_backwards=True, return_sequences=True),
                 "gru_reset_before": lambda: L.GRU(5, reset_after=False, return_state=True)}[rnn]()
        emb, dense = L.Embedding(20, 4, mask_zero=True), L.Dense(2)
        opt = tf.keras.optimizers.Adam(0.05)
        losses = []
        for _ in range(2):
            with tf.GradientTape() as tape:
                e = emb(tf.constant(tokens))
                out = layer(e, mask=emb.compute_mask(tf.constant(tokens)))
                h = out[0] if isinstance(out, list) else out
                if h.ndim == 3:
                    h = tf.reduce_mean(h, axis=1)
                loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(labels, dense(h), from_logits=True))
            ws = emb.trainable_variables + layer.trainable_variables + dense.trainable_variables
            opt.apply_gradients(zip(tape.gradient(loss, ws), ws))
            losses.append(loss)
        return losses, ws

    with installed(1):
        ref_losses, ref_ws = program()
        with tf.device("/GPU:0"):
            losses, ws = program()
        assert all(on_device(v) for v in losses + ws)
        for a, b in zip(losses + ws, ref_losses + ref_ws):
            np.testing.assert_allclose(host(a), host(b), rtol=1e-6, atol=1e-7)
    assert kinds == ["ndarray"] * 2 + ["StandinArray"] * 2, kinds


@pytest.mark.parametrize("layer", [L.LSTM, L.GRU])
def test_device_input_outside_a_device_scope_gets_device_zero_states(layer, monkeypatch):
    """A layer built on the device and called outside a device scope on a device array: its zero
    initial states are created beside the input, so the sequence op runs without the mixed-device
    retry (an exception and a rerun), with the CPU's result."""
    import gradtape.devices as gdevices
    from gpu_standin import installed, on_device, host
    from gradtape.tensor import Tensor

    x = np.random.default_rng(0).normal(size=(3, 4, 2)).astype(np.float32)
    retried = []
    with installed(1):
        tf.keras.utils.set_random_seed(1)
        ref = layer(3)(tf.constant(x))
        tf.keras.utils.set_random_seed(1)
        with tf.device("/GPU:0"):
            rnn = layer(3)
            rnn.build((3, 4, 2))
        real = gdevices.mixed_forward
        monkeypatch.setattr(gdevices, "mixed_forward", lambda op, *a, **k: retried.append(op.name) or real(op, *a, **k))
        out = rnn(Tensor(gdevices.to_device(x, ("GPU", 0))))
        assert on_device(out) and not retried, retried
        np.testing.assert_allclose(host(out), ref.numpy(), rtol=1e-6, atol=1e-7)
