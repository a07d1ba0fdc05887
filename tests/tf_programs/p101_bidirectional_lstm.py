"""Adapted from the keras-io example "Bidirectional LSTM on IMDB": Embedding, two stacked
Bidirectional LSTMs and a sigmoid output trained with fit -- on short synthetic padded sequences,
with mask_zero=True so the padding is skipped by both directions; trained with SGD."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

RESULTS = {}
max_features, maxlen = 10, 6
rng = np.random.default_rng(101)
lengths = rng.integers(2, maxlen + 1, size=24)
x_train = np.zeros((24, maxlen), np.int32)
for i, n in enumerate(lengths):
    x_train[i, :n] = rng.integers(1, max_features, size=n)
y_train = (x_train.sum(axis=1) % 2).astype(np.float32)

inputs = keras.Input(shape=(maxlen,), dtype="int32")
x = layers.Embedding(max_features, 4, mask_zero=True)(inputs)
x = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(3))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
RESULTS["weight_shapes"] = [list(w.shape) for w in model.get_weights()]
model.set_weights([np.random.default_rng(2000 + i).normal(scale=0.4, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
RESULTS["predict_before"] = model.predict(x_train[:5], verbose=0)
# SGD rather than the example's Adam: Adam's normalized step turns float32 rounding in near-zero
# gradients into full-size updates, so a few steps would compare rounding noise, not the model.
model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["predict_after"] = model.predict(x_train[:5], verbose=0)
# A masked step changes nothing: padding the input further gives the same output.
padded = np.concatenate([x_train[:3], np.zeros((3, 2), np.int32)], axis=1)
inputs2 = keras.Input(shape=(maxlen + 2,), dtype="int32")
model2 = keras.Model(inputs2, model.layers[-1](model.layers[-2](model.layers[-3](model.layers[-4](inputs2)))))
RESULTS["padded_predict"] = model2.predict(padded, verbose=0)
TOLERANCE = {"rtol": 2e-4, "atol": 2e-5}
