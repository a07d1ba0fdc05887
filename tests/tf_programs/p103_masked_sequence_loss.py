"""A sequence tagger on padded sequences (Embedding(mask_zero=True), LSTM(return_sequences=True),
TimeDistributed Dense): Keras masks the padded steps out of the loss (the mean is over the real
steps only), in evaluate and in fit."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

RESULTS = {}
rng = np.random.default_rng(103)
ids = np.zeros((8, 6), np.int32)
for i, n in enumerate(rng.integers(2, 7, size=8)):
    ids[i, :n] = rng.integers(1, 9, size=n)
tags = (ids % 3).astype(np.int32)

inputs = keras.Input((6,), dtype="int32")
x = layers.Embedding(9, 4, mask_zero=True)(inputs)
x = layers.LSTM(3, return_sequences=True)(x)
outputs = layers.TimeDistributed(layers.Dense(3, activation="softmax"))(x)
model = keras.Model(inputs, outputs)
model.set_weights([np.random.default_rng(4000 + i).normal(scale=0.5, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
RESULTS["evaluate"] = model.evaluate(ids, tags, batch_size=8, verbose=0)
loss_fn = keras.losses.SparseCategoricalCrossentropy()
RESULTS["loss_object"] = loss_fn(tags, model(ids))
history = model.fit(ids, tags, batch_size=4, epochs=2, shuffle=False, verbose=0)
RESULTS["fit_loss"] = history.history["loss"]
RESULTS["predict"] = model.predict(ids[:2], verbose=0)
TOLERANCE = {"rtol": 2e-4, "atol": 2e-5}
