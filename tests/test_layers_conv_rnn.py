"""Conv, pooling and recurrent Keras layers: shapes, weights, values against NumPy references and
against numbers recorded from tf.keras (TF 2.21 / Keras 3.15), gradients in float64."""
from __future__ import annotations

import numpy as np
import pytest

import gradtape as tf
from gradtape.testing import check_gradients
from op_db_conv import ref_conv, ref_pool

L = tf.keras.layers
RNG = np.random.default_rng(7)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# -- convolution layers ------------------------------------------------------------------------

@pytest.mark.parametrize("kw,in_shape,out_shape", [
    ({"filters": 4, "kernel_size": 3}, (2, 8, 8, 3), (2, 6, 6, 4)),
    ({"filters": 4, "kernel_size": 3, "padding": "same"}, (2, 8, 8, 3), (2, 8, 8, 4)),
    ({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 7, 3), (2, 4, 4, 4)),
    ({"filters": 2, "kernel_size": (3, 2), "strides": (2, 1)}, (1, 9, 6, 1), (1, 4, 5, 2)),
    ({"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (1, 9, 9, 1), (1, 5, 5, 2)),
])
def test_conv2d_output_shapes(kw, in_shape, out_shape):
    layer = L.Conv2D(**kw)
    y = layer(np.zeros(in_shape, np.float32))
    assert y.shape == out_shape
    assert layer.kernel.shape == tuple(layer.kernel_size) + (in_shape[-1], kw["filters"])
    assert [w.name.split("/")[-1] for w in layer.weights] == ["kernel:0", "bias:0"]


def test_conv_layers_kernel_shapes_and_values():
    c3 = L.Conv3D(5, 3, padding="same")
    y = c3(np.zeros((1, 4, 4, 4, 2), np.float32))
    assert c3.kernel.shape == (3, 3, 3, 2, 5) and y.shape == (1, 4, 4, 4, 5)
    c2 = L.Conv2D(3, 3, strides=2, padding="same", activation="relu")
    x = RNG.standard_normal((2, 7, 7, 2)).astype(np.float32)
    c2(x)
    k = RNG.standard_normal((3, 3, 2, 3)).astype(np.float32)
    b = RNG.standard_normal((3,)).astype(np.float32)
    c2.set_weights([k, b])
    expect = np.maximum(ref_conv(x.astype(np.float64), k.astype(np.float64), 2, "SAME") + b, 0)
    np.testing.assert_allclose(c2(x).numpy(), expect, rtol=1e-4, atol=1e-5)


def test_conv1d_causal_sees_only_the_past():
    layer = L.Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False, kernel_initializer="ones")
    x = np.zeros((1, 10, 1), np.float32)
    x[0, 5, 0] = 1.0
    y = layer(x).numpy()[0, :, 0]
    assert y.shape == (10,)
    np.testing.assert_array_equal(np.nonzero(y)[0], [5, 7, 9])   # t sees t, t-2, t-4


def test_conv_channels_first_matches_channels_last():
    x = RNG.standard_normal((2, 3, 6, 6)).astype(np.float32)
    a = L.Conv2D(4, 3, padding="same", data_format="channels_first")
    b = L.Conv2D(4, 3, padding="same")
    ya = a(x)
    b(np.moveaxis(x, 1, -1))
    b.set_weights(a.get_weights())
    assert ya.shape == (2, 4, 6, 6)
    np.testing.assert_allclose(ya.numpy(), np.moveaxis(b(np.moveaxis(x, 1, -1)).numpy(), -1, 1), atol=1e-5)


def test_conv_layer_config_and_errors():
    layer = L.Conv2D(8, (3, 3), strides=(1, 1), padding="same", activation="relu", name="c")
    config = layer.get_config()
    assert config["filters"] == 8 and config["kernel_size"] == (3, 3) and config["padding"] == "same"
    clone = L.Conv2D.from_config(config)
    assert clone.kernel_size == (3, 3) and clone.activation is layer.activation
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="filters"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match="min_ndim=4"):
        L.Conv2D(2, 3)(np.zeros((5, 5, 1), np.float32))
    ok = L.Conv2D(2, 3)
    ok(np.zeros((1, 5, 5, 1), np.float32))
    with pytest.raises(ValueError, match="expected axis -1"):
        ok(np.zeros((1, 5, 5, 2), np.float32))


def test_conv2d_layer_gradients_float64():
    layer = L.Conv2D(2, 3, strides=2, padding="same", activation="tanh", dtype="float64")
    x = RNG.standard_normal((1, 5, 5, 2))
    layer(x)

    def f(xx, k, b):
        layer.kernel, layer.bias = k, b   # plain tensors, so the checker can perturb them
        return layer(xx)

    try:
        check_gradients(f, [x, RNG.standard_normal((3, 3, 2, 2)), RNG.standard_normal((2,))], order=2)
    finally:
        layer.kernel, layer.bias = layer.weights


def test_conv_layer_trains_with_a_tape():
    x = RNG.standard_normal((16, 6, 6, 1)).astype(np.float32)
    target = (x[:, 1:-1, 1:-1, :] - x[:, :-2, 1:-1, :]).astype(np.float32)  # a fixed 3x3 filter
    layer = L.Conv2D(1, 3)
    opt = tf.keras.optimizers.SGD(0.1)
    losses = []
    for _ in range(30):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x) - target))
        grads = tape.gradient(loss, layer.trainable_variables)
        opt.apply_gradients(zip(grads, layer.trainable_variables))
        losses.append(float(loss))
    assert losses[-1] < 0.1 * losses[0]


# -- pooling layers ----------------------------------------------------------------------------

def test_pooling_layers_shapes_values_and_aliases():
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    np.testing.assert_allclose(L.MaxPooling2D()(x).numpy(), ref_pool(x, 2, 2, "VALID", "max"), atol=1e-6)
    np.testing.assert_allclose(L.AveragePooling2D(3, 2, padding="same")(x).numpy(),
                               ref_pool(x, 3, 2, "SAME", "avg"), atol=1e-6)
    assert L.MaxPooling2D(pool_size=(2, 3), strides=1)(x).shape == (2, 6, 4, 3)
    assert L.MaxPool2D is L.MaxPooling2D and L.AvgPool1D is L.AveragePooling1D
    assert L.GlobalAvgPool2D is L.GlobalAveragePooling2D and L.GlobalMaxPool2D is L.GlobalMaxPooling2D
    x1 = RNG.standard_normal((2, 9, 4)).astype(np.float32)
    assert L.MaxPooling1D(3)(x1).shape == (2, 3, 4)
    assert L.AveragePooling1D(2, padding="same")(x1).shape == (2, 5, 4)
    x3 = RNG.standard_normal((1, 4, 4, 4, 2)).astype(np.float32)
    assert L.MaxPooling3D()(x3).shape == (1, 2, 2, 2, 2)
    assert L.AveragePooling3D(pool_size=2, strides=1)(x3).shape == (1, 3, 3, 3, 2)
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalMaxPooling2D()(x).numpy(), x.max(axis=(1, 2)))
    assert L.GlobalAveragePooling2D(keepdims=True)(x).shape == (2, 1, 1, 3)
    np.testing.assert_allclose(L.GlobalAveragePooling1D()(x1).numpy(), x1.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(x3).numpy(), x3.mean(axis=(1, 2, 3)), rtol=1e-5)
    cf = L.MaxPooling2D(data_format="channels_first")(np.moveaxis(x, -1, 1)).numpy()
    np.testing.assert_allclose(np.moveaxis(cf, 1, -1), ref_pool(x, 2, 2, "VALID", "max"), atol=1e-6)
    assert L.MaxPooling2D(3, 2, "same").get_config()["pool_size"] == (3, 3)


def test_max_pooling_layer_tie_gradient():
    x = tf.constant(np.ones((1, 2, 2, 1), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = L.MaxPooling2D()(x)
    assert tape.gradient(y, x).numpy().ravel().tolist() == [1, 0, 0, 0]


# -- recurrent layers: NumPy loop references ---------------------------------------------------

def np_simple_rnn(x, k, rk, b, h=None):
    h = np.zeros((x.shape[0], rk.shape[0])) if h is None else h
    out = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ k + h @ rk + b)
        out.append(h)
    return np.stack(out, 1), h


def np_lstm(x, k, rk, b, h=None, c=None):
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u)) if h is None else h
    c = np.zeros((x.shape[0], u)) if c is None else c
    out = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ rk + b
        i, f, g, o = _sigmoid(z[:, :u]), _sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), _sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out, 1), h, c


def np_gru(x, k, rk, b, reset_after=True, h=None):
    u = rk.shape[0]
    h = np.zeros((x.shape[0], u)) if h is None else h
    out = []
    for t in range(x.shape[1]):
        if reset_after:
            mx = x[:, t] @ k + b[0]
            mi = h @ rk + b[1]
            z = _sigmoid(mx[:, :u] + mi[:, :u])
            r = _sigmoid(mx[:, u:2 * u] + mi[:, u:2 * u])
            hh = np.tanh(mx[:, 2 * u:] + r * mi[:, 2 * u:])
        else:
            mx = x[:, t] @ k + b
            z = _sigmoid(mx[:, :u] + h @ rk[:, :u])
            r = _sigmoid(mx[:, u:2 * u] + h @ rk[:, u:2 * u])
            hh = np.tanh(mx[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out, 1), h


def _random_weights(layer):
    return [RNG.standard_normal(w.shape) * 0.5 for w in layer.weights]


def test_simple_rnn_matches_numpy_loop():
    x = RNG.standard_normal((3, 5, 4))
    layer = L.SimpleRNN(6, return_sequences=True, return_state=True, dtype="float64")
    layer(x)
    ws = _random_weights(layer)
    layer.set_weights(ws)
    seq, h = layer(x)
    ref_seq, ref_h = np_simple_rnn(x, *ws)
    np.testing.assert_allclose(seq.numpy(), ref_seq, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), ref_h, atol=1e-12)


def test_lstm_matches_numpy_loop_with_initial_state():
    x = RNG.standard_normal((2, 6, 3))
    layer = L.LSTM(4, return_sequences=True, return_state=True, dtype="float64")
    layer(x)
    ws = _random_weights(layer)
    layer.set_weights(ws)
    h0, c0 = RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))
    seq, h, c = layer(x, initial_state=[h0, c0])
    ref_seq, ref_h, ref_c = np_lstm(x, *ws, h=h0, c=c0)
    np.testing.assert_allclose(seq.numpy(), ref_seq, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), ref_h, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), ref_c, atol=1e-12)
    last = L.LSTM(4, dtype="float64")
    last(x)
    last.set_weights(ws)
    np.testing.assert_allclose(last(x).numpy(), np_lstm(x, *ws)[1], atol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_numpy_loop(reset_after):
    x = RNG.standard_normal((2, 5, 3))
    layer = L.GRU(4, return_sequences=True, reset_after=reset_after, dtype="float64")
    layer(x)
    assert layer.weights[2].shape == ((2, 12) if reset_after else (12,))
    ws = _random_weights(layer)
    layer.set_weights(ws)
    np.testing.assert_allclose(layer(x).numpy(), np_gru(x, *ws, reset_after=reset_after)[0], atol=1e-12)


def test_go_backwards_and_time_major():
    x = RNG.standard_normal((2, 5, 3))
    layer = L.SimpleRNN(3, return_sequences=True, go_backwards=True, dtype="float64")
    layer(x)
    ws = _random_weights(layer)
    layer.set_weights(ws)
    # Keras returns the outputs in processing order (not re-reversed).
    np.testing.assert_allclose(layer(x).numpy(), np_simple_rnn(x[:, ::-1], *ws)[0], atol=1e-12)
    tm = L.SimpleRNN(3, return_sequences=True, time_major=True, dtype="float64")
    tm(np.swapaxes(x, 0, 1))
    tm.set_weights(ws)
    np.testing.assert_allclose(tm(np.swapaxes(x, 0, 1)).numpy(), np.swapaxes(np_simple_rnn(x, *ws)[0], 0, 1),
                               atol=1e-12)


# Recorded from tf.keras (TF 2.21, Keras 3.15): weights sin(0.7 j + i) * 0.6 for the i-th weight,
# x = linspace(-1, 1, 12).reshape(2, 3, 2); the last output of return_sequences=True.
TF_RNN_LAST = {
    "SimpleRNN": ({}, [[0.739464, 0.429666, -0.241555], [0.907271, 0.774808, 0.067038]]),
    "LSTM": ({}, [[0.088959, 0.182481, 0.144764], [-0.189706, 0.176484, 0.213452]]),
    "GRU": ({}, [[0.172263, 0.559199, 0.740266], [-0.326858, -0.11901, 0.212462]]),
    "GRU_v1": ({"reset_after": False}, [[0.209743, 0.562945, 0.69949], [-0.435544, -0.213588, 0.10161]]),
}


@pytest.mark.parametrize("name", sorted(TF_RNN_LAST))
def test_recurrent_layers_match_recorded_tf_keras(name):
    kw, expected = TF_RNN_LAST[name]
    layer = getattr(L, name.split("_")[0])(3, return_sequences=True, **kw)
    x = np.linspace(-1, 1, 12).reshape(2, 3, 2).astype(np.float32)
    layer(x)
    layer.set_weights([np.sin(np.arange(int(np.prod(w.shape))) * 0.7 + i).reshape(w.shape).astype(np.float32) * 0.6
                       for i, w in enumerate(layer.weights)])
    np.testing.assert_allclose(layer(x).numpy()[:, -1], expected, atol=2e-6)


def test_recurrent_default_initializers_and_weight_names():
    lstm = L.LSTM(5)
    lstm(np.zeros((1, 2, 3), np.float32))
    k, rk, b = lstm.weights
    assert [w.name for w in lstm.weights] == ["lstm/lstm_cell/kernel:0", "lstm/lstm_cell/recurrent_kernel:0",
                                              "lstm/lstm_cell/bias:0"] or all(
        w.name.endswith(s) for w, s in zip(lstm.weights, ["kernel:0", "recurrent_kernel:0", "bias:0"]))
    assert k.shape == (3, 20) and rk.shape == (5, 20)
    r = rk.numpy()
    # orthogonal recurrent kernel: (5, 20) has orthonormal rows
    np.testing.assert_allclose(r @ r.T, np.eye(5), atol=1e-5)
    np.testing.assert_array_equal(b.numpy(), np.r_[np.zeros(5), np.ones(5), np.zeros(10)])  # unit_forget_bias
    limit = np.sqrt(6 / (3 + 20))
    assert np.abs(k.numpy()).max() <= limit
    gru = L.GRU(2)
    gru(np.zeros((1, 2, 3), np.float32))
    assert gru.weights[2].shape == (2, 6) and not gru.weights[2].numpy().any()
    assert gru.units == 2 and gru.reset_after
    assert gru.get_config()["units"] == 2 and gru.get_config()["return_sequences"] is False


def test_recurrent_return_state_shapes_and_errors():
    x = np.zeros((4, 7, 3), np.float32)
    out, h, c = L.LSTM(5, return_state=True)(x)
    assert out.shape == h.shape == c.shape == (4, 5)
    out, h = L.GRU(5, return_state=True, return_sequences=True)(x)
    assert out.shape == (4, 7, 5) and h.shape == (4, 5)
    with pytest.raises(ValueError, match="min_ndim=3|ndim=3"):
        L.SimpleRNN(2)(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="state"):
        L.LSTM(2)(x, initial_state=[np.zeros((4, 2), np.float32)])


def test_recurrent_dropout_only_in_training():
    x = RNG.standard_normal((3, 4, 2)).astype(np.float32)
    layer = L.GRU(3, dropout=0.5, recurrent_dropout=0.5)
    a = layer(x).numpy()
    np.testing.assert_array_equal(a, layer(x, training=False).numpy())
    assert not np.allclose(layer(x, training=True).numpy(), a)


def test_generic_rnn_with_builtin_cell():
    x = RNG.standard_normal((2, 4, 3))
    cell = L.SimpleRNNCell(3, dtype="float64")
    layer = L.RNN(cell, return_sequences=True, dtype="float64")
    layer(x)
    ws = _random_weights(layer)
    layer.set_weights(ws)
    np.testing.assert_allclose(layer(x).numpy(), np_simple_rnn(x, *ws)[0], atol=1e-12)
    out, states = cell(tf.constant(x[:, 0]), [tf.constant(np.zeros((2, 3)))])
    np.testing.assert_allclose(out.numpy(), np_simple_rnn(x[:, :1], *ws)[1], atol=1e-12)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_gradients_float64(kind):
    layer = getattr(L, kind)(3, return_sequences=True, dtype="float64")
    x = RNG.standard_normal((2, 3, 2))
    layer(x)
    cell = layer.cell
    shapes = [w.shape for w in layer.weights]
    originals = (cell.kernel, cell.recurrent_kernel, cell.bias)

    def f(xx, k, rk, b):
        cell.kernel, cell.recurrent_kernel, cell.bias = k, rk, b
        return layer(xx)

    try:
        check_gradients(f, [x] + [RNG.standard_normal(s) * 0.5 for s in shapes], order=1)
    finally:
        cell.kernel, cell.recurrent_kernel, cell.bias = originals


def test_lstm_trains_on_a_sequence_task():
    # predict the sum of a sequence: loss must fall
    x = RNG.uniform(-1, 1, (32, 5, 1)).astype(np.float32)
    y = x.sum(axis=1)
    lstm, dense = L.LSTM(8), L.Dense(1)
    opt = tf.keras.optimizers.Adam(0.05)
    first = last = None
    for step in range(40):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(dense(lstm(x)) - y))
        vars_ = lstm.trainable_variables + dense.trainable_variables
        opt.apply_gradients(zip(tape.gradient(loss, vars_), vars_))
        first = float(loss) if first is None else first
        last = float(loss)
    assert last < 0.2 * first


# -- transposed convolution layers -------------------------------------------------------------

@pytest.mark.parametrize("kw,in_shape,out_shape", [   # output shapes recorded from tf.keras 3.15
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 4, 5, 2), (2, 8, 10, 3)),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "valid"}, (1, 3, 3, 2), (1, 7, 7, 2)),
    ({"filters": 2, "kernel_size": 4, "strides": 3, "padding": "valid"}, (1, 3, 2, 1), (1, 10, 7, 2)),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 0}, (1, 3, 3, 1), (1, 5, 5, 2)),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "valid", "output_padding": 1}, (1, 3, 3, 1),
     (1, 8, 8, 2)),
])
def test_conv2d_transpose_layer_shapes_and_values(kw, in_shape, out_shape):
    from op_db_conv import ref_conv_transpose
    layer = L.Conv2DTranspose(**kw, dtype="float64")
    x = RNG.standard_normal(in_shape)
    y = layer(x)
    assert y.shape == out_shape
    k, b = layer.weights
    assert k.shape == (3 if kw["kernel_size"] == 3 else 4,) * 2 + (kw["filters"], in_shape[-1])
    ref = ref_conv_transpose(x, k.numpy(), out_shape, kw["strides"], kw["padding"].upper()) + b.numpy()
    np.testing.assert_allclose(y.numpy(), ref, atol=1e-10)


def test_conv_transpose_layers_1d_3d_and_errors():
    assert L.Conv1DTranspose(2, 3, strides=2, padding="same")(np.zeros((1, 5, 3), np.float32)).shape == (1, 10, 2)
    assert L.Conv3DTranspose(2, 2, strides=2)(np.zeros((1, 2, 3, 2, 1), np.float32)).shape == (1, 4, 6, 4, 2)
    with pytest.raises(ValueError, match="output padding"):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)
