"""Adapted from the Keras guide "Training & evaluation with the built-in methods": a small
Sequential classifier trained with fit/evaluate/predict (data and initial weights from NumPy)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(1)
x_train = rng.normal(size=(256, 8)).astype(np.float32)
y_train = (x_train[:, 0] + 0.5 * x_train[:, 1] > 0).astype(np.int64) + (x_train[:, 2] > 1).astype(np.int64)
x_val, y_val = x_train[:64], y_train[:64]

model = tf.keras.Sequential([
    tf.keras.Input(shape=(8,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(3, activation="softmax"),
])
init = [np.random.default_rng(7 + i).normal(scale=0.3, size=w.shape).astype(np.float32) for i, w in enumerate(model.get_weights())]
model.set_weights(init)
model.compile(optimizer=tf.keras.optimizers.RMSprop(learning_rate=1e-2),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(),
              metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
history = model.fit(x_train, y_train, batch_size=32, epochs=3, shuffle=False, verbose=0,
                    validation_data=(x_val, y_val))
RESULTS["loss"] = history.history["loss"]
RESULTS["acc"] = history.history["sparse_categorical_accuracy"]
RESULTS["val_loss"] = history.history["val_loss"]
RESULTS["evaluate"] = model.evaluate(x_val, y_val, batch_size=64, verbose=0)
RESULTS["predict"] = model.predict(x_val[:4], verbose=0)
RESULTS["count_params"] = model.count_params()
RESULTS["n_layers"] = len(model.layers)
RESULTS["output_shape"] = list(model(x_val[:2]).shape)
TOLERANCE = {"rtol": 2e-4, "atol": 2e-5}
