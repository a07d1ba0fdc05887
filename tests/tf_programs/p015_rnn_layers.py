"""Adapted from the Keras guide "Working with RNNs": SimpleRNN, GRU and LSTM on a fixed sequence,
with return_sequences/return_state, outputs and gradients (weights from NumPy)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(9)
x = tf.constant(rng.normal(size=(2, 5, 3)).astype(np.float32))


def fixed(layer, seed):
    layer.build((None, 5, 3))
    layer.set_weights([np.random.default_rng(seed + i).normal(scale=0.4, size=w.shape).astype(np.float32)
                       for i, w in enumerate(layer.get_weights())])
    return layer


for name, layer in [("simple_rnn", tf.keras.layers.SimpleRNN(4, return_sequences=True)),
                    ("gru", tf.keras.layers.GRU(4, return_sequences=True)),
                    ("lstm", tf.keras.layers.LSTM(4, return_sequences=True))]:
    fixed(layer, 30)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y ** 2)
    grads = tape.gradient(loss, [x] + layer.trainable_variables)
    RESULTS[name] = y
    RESULTS[name + "_grads"] = grads
lstm = fixed(tf.keras.layers.LSTM(4, return_state=True), 40)
out, h, c = lstm(x)
RESULTS["lstm_state"] = [out, h, c]
gru = fixed(tf.keras.layers.GRU(3, return_state=True, reset_after=False), 50)
out, h = gru(x)
RESULTS["gru_v1_state"] = [out, h]
RESULTS["gru_weight_shapes"] = [list(w.shape) for w in gru.get_weights()]
