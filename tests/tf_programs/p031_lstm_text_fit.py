"""Adapted from the TensorFlow tutorial "Text classification with an RNN": Embedding, LSTM and Dense
trained with fit on synthetic integer sequences (the tutorial's IMDB data is downloaded).
SGD with momentum instead of the tutorial's Adam: Keras 3 on TF applies an Embedding's sparse gradient
with repeated ids to Adam's second moment one duplicate at a time; gradtape sums them first, as Keras 2
and PyTorch do (README, compatibility notes)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(12)
vocab, length = 30, 10
x = rng.integers(1, vocab, size=(64, length))
y = (x[:, :3].sum(axis=1) > 45).astype(np.float32)
model = tf.keras.Sequential([
    tf.keras.Input(shape=(length,)),
    tf.keras.layers.Embedding(vocab, 8),
    tf.keras.layers.LSTM(6),
    tf.keras.layers.Dense(6, activation="relu"),
    tf.keras.layers.Dense(1),
])
model.set_weights([np.random.default_rng(80 + i).normal(scale=0.3, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), optimizer=tf.keras.optimizers.SGD(0.5, momentum=0.9),
              metrics=["accuracy"])
history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["accuracy"] = history.history["accuracy"]
RESULTS["predict"] = model.predict(x[:4], verbose=0)
gru = tf.keras.Sequential([tf.keras.Input(shape=(length,)), tf.keras.layers.Embedding(vocab, 4),
                           tf.keras.layers.GRU(3, return_sequences=True), tf.keras.layers.GlobalAveragePooling1D(),
                           tf.keras.layers.Dense(1)])
gru.set_weights([np.random.default_rng(90 + i).normal(scale=0.3, size=w.shape).astype(np.float32)
                 for i, w in enumerate(gru.get_weights())])
RESULTS["gru_out"] = gru(x[:3])
TOLERANCE = {"rtol": 5e-4, "atol": 5e-5}
