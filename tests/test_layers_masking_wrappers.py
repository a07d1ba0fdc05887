"""Keras masks carried between layers, masked and stateful RNNs, Bidirectional, attention and
reshaping layers: behaviour beyond the recorded Keras values (tests/test_layers_keras_parity.py)."""
import gc

import numpy as np
import pytest

import gradtape as tf
from gradtape.keras.layers import masking as M

L = tf.keras.layers
IDS = np.array([[3, 1, 2, 0, 0], [4, 0, 0, 0, 0]], np.int32)


def test_masks_flow_through_supporting_layers_and_stop_at_others():
    e = L.Embedding(6, 4, mask_zero=True)(IDS)
    want = IDS != 0
    np.testing.assert_array_equal(M.get_keras_mask(e).numpy(), want)
    d = L.Dense(3)(e)                                    # supports masking: passes it on
    np.testing.assert_array_equal(M.get_keras_mask(d).numpy(), want)
    assert M.get_keras_mask(L.Flatten()(d)) is None     # does not: the mask stops
    assert M.get_keras_mask(L.Embedding(6, 4)(IDS)) is None
    other = L.Embedding(6, 4, mask_zero=True)(np.array([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0]]))
    np.testing.assert_array_equal(M.get_keras_mask(L.Add()([e, other])).numpy(),
                                  want & np.array([[1, 1, 1, 1, 0], [1, 1, 0, 0, 0]], bool))


def test_mask_table_does_not_keep_tensors_alive():
    before = len(M._MASKS)
    e = L.Embedding(6, 2, mask_zero=True)(IDS)
    assert len(M._MASKS) == before + 1
    del e
    gc.collect()
    assert len(M._MASKS) == before


def test_masked_rnn_equals_the_rnn_on_the_unpadded_sequence():
    for layer_cls in (L.SimpleRNN, L.GRU, L.LSTM):
        emb = L.Embedding(6, 3, mask_zero=True)
        rnn = layer_cls(4)
        full = rnn(emb(IDS)).numpy()
        short = rnn(emb(IDS[:1, :3])).numpy()
        np.testing.assert_allclose(full[0], short[0], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(full[1], rnn(emb(IDS[1:, :1])).numpy()[0], rtol=1e-6, atol=1e-7)


def test_stateful_rnn_continues_and_resets():
    x = np.random.default_rng(0).standard_normal((2, 3, 2)).astype(np.float32)
    layer = L.GRU(3, stateful=True)
    first = layer(x).numpy()
    second = layer(x).numpy()
    assert not np.allclose(first, second)
    both = L.GRU(3, return_sequences=True)
    both.build((2, 6, 2))
    both.set_weights(layer.get_weights())
    np.testing.assert_allclose(both(np.concatenate([x, x], 1)).numpy()[:, -1], second, rtol=1e-5, atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(layer(x).numpy(), first, rtol=1e-6)
    assert len(layer.get_weights()) == 3                  # the kept states are not weights (Keras)
    with pytest.raises(ValueError, match="batch size"):
        layer(x[:1])
    with pytest.raises(AttributeError, match="stateful"):
        L.GRU(3).reset_states()


def test_stateful_rnn_inside_a_function_updates_every_call():
    x = np.ones((1, 2, 1), np.float32)
    layer = L.SimpleRNN(1, stateful=True, kernel_initializer="ones", recurrent_initializer="ones")
    eager = [float(layer(x).numpy()[0, 0]) for _ in range(3)]
    layer.reset_states()
    fn = tf.function(lambda t: layer(t))
    traced = [float(fn(x).numpy()[0, 0]) for _ in range(3)]
    np.testing.assert_allclose(traced, eager, rtol=1e-6)


def test_bidirectional_config_roundtrip_and_errors():
    layer = L.Bidirectional(L.LSTM(2, return_sequences=True), merge_mode="mul")
    x = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    y = layer(x)
    clone = L.Bidirectional.from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), y.numpy(), rtol=1e-6)
    assert [w.shape for w in layer.get_weights()] == [(4, 8), (2, 8), (8,)] * 2
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2))


def test_rnn_refuses_cells_without_the_protocol():
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(L.Dense(2))


def test_multi_head_attention_config_and_unsupported_options():
    mha = L.MultiHeadAttention(2, 3, value_dim=4, output_shape=5)
    x = np.random.default_rng(2).standard_normal((2, 4, 6)).astype(np.float32)
    y = mha(x, x)
    assert y.shape == (2, 4, 5)
    clone = L.MultiHeadAttention.from_config(mha.get_config())
    clone(x, x)
    clone.set_weights(mha.get_weights())
    np.testing.assert_allclose(clone(x, x).numpy(), y.numpy(), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="use_gate"):
        L.MultiHeadAttention(2, 3, use_gate=True)
    with pytest.raises(ValueError, match="num_heads"):
        L.MultiHeadAttention(0, 3)
    with pytest.raises(NotImplementedError, match="ellipsis"):
        L.EinsumDense("...b,bc->...c", output_shape=3)(x)


def test_multi_head_attention_in_a_functional_model_trains():
    inp = tf.keras.Input((5,), dtype="int32")
    e = L.Embedding(6, 4, mask_zero=True)(inp)
    h = L.MultiHeadAttention(2, 2, dropout=0.1)(e, e)
    out = L.Dense(1)(L.GlobalAveragePooling1D()(h))
    model = tf.keras.Model(inp, out)
    model.compile("adam", "mse")
    hist = model.fit(np.tile(IDS, (4, 1)), np.ones((8, 1), np.float32), epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_reshaping_layer_errors():
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping2D(((2, 2), (0, 0)))(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="non-negative"):
        L.ZeroPadding2D(((-1, 0), (0, 0)))
    y = L.UpSampling2D(2, data_format="channels_first")(np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2))
    np.testing.assert_array_equal(y.numpy()[0, 0], np.repeat(np.repeat([[0, 1], [2, 3]], 2, 0), 2, 1))


def test_group_normalization_checks_groups():
    with pytest.raises(ValueError, match="multiple"):
        L.GroupNormalization(groups=4)(np.zeros((1, 6), np.float32))


def _mha_bidirectional_model():
    K = tf.keras
    inp = K.Input((5,), dtype="int32")
    e = K.layers.Embedding(7, 4, mask_zero=True)(inp)
    h = K.layers.MultiHeadAttention(2, 3)(e, e)
    h = K.layers.Bidirectional(K.layers.LSTM(2))(h)
    return K.Model(inp, K.layers.Dense(1)(h))


def test_keras_weights_file_with_attention_and_bidirectional_loads_and_round_trips(tmp_path):
    h5py = pytest.importorskip("h5py")
    import json
    import os
    data = os.path.join(os.path.dirname(__file__), "data", "keras_layers_files")
    with open(os.path.join(data, "mha_bidirectional.json")) as f:
        ref = json.load(f)
    model = _mha_bidirectional_model()
    keras_file = os.path.join(data, "mha_bidirectional.weights.h5")
    model.load_weights(keras_file)
    np.testing.assert_allclose(model.predict(np.array(ref["ids"], np.int32), verbose=0), ref["predictions"],
                               rtol=1e-5, atol=1e-6)
    ours = str(tmp_path / "ours.weights.h5")
    model.save_weights(ours)

    def datasets(path):
        out = {}
        with h5py.File(path, "r") as f:
            f.visititems(lambda n, o: out.__setitem__(n, o.shape) if isinstance(o, h5py.Dataset) else None)
        return out
    assert datasets(ours) == datasets(keras_file)          # the same paths and shapes as Keras writes
