"""Adapted from the TensorFlow tutorial "Basic regression: Predict fuel efficiency": a Normalization
layer adapted to the features, a Dense network, fit with a validation split, evaluate (synthetic data
with the tutorial's shapes instead of the downloaded Auto MPG file)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(42)
n = 120
features = np.stack([rng.uniform(3, 8, n), rng.uniform(70, 450, n), rng.uniform(46, 230, n),
                     rng.uniform(1600, 5200, n), rng.uniform(8, 25, n)], axis=1).astype(np.float32)
labels = (45 - 0.006 * features[:, 3] + 0.3 * features[:, 4] + rng.normal(0, 1.5, n)).astype(np.float32)
normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(features)
RESULTS["mean"] = normalizer.mean
RESULTS["first_normalized"] = normalizer(features[:1])
model = tf.keras.Sequential([normalizer, tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1)])
model.build((None, 5))
weights = model.get_weights()
new = []
for i, w in enumerate(weights):
    if i < 3:
        new.append(w)
    else:
        new.append(np.random.default_rng(100 + i).normal(scale=0.3, size=w.shape).astype(np.float32))
model.set_weights(new)
model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(0.05))
history = model.fit(features, labels, epochs=6, batch_size=32, validation_split=0.2, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["val_loss"] = history.history["val_loss"]
RESULTS["evaluate"] = model.evaluate(features[:20], labels[:20], verbose=0)
RESULTS["predict"] = model.predict(features[:3], verbose=0)
TOLERANCE = {"rtol": 5e-4, "atol": 1e-4}
