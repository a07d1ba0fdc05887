"""Adapted from the TensorFlow tutorial "Convolutional Neural Network (CNN)": Conv2D/MaxPooling2D/Dense
trained with fit on synthetic 10x10 colour images (the tutorial downloads CIFAR10)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(21)
labels = rng.integers(0, 3, 48)
images = (rng.random((48, 10, 10, 3)) * 0.5 + labels[:, None, None, None] * 0.2).astype(np.float32)
model = tf.keras.models.Sequential()
model.add(tf.keras.Input(shape=(10, 10, 3)))
model.add(tf.keras.layers.Conv2D(4, (3, 3), activation="relu"))
model.add(tf.keras.layers.MaxPooling2D((2, 2)))
model.add(tf.keras.layers.Conv2D(6, (3, 3), activation="relu"))
model.add(tf.keras.layers.Flatten())
model.add(tf.keras.layers.Dense(8, activation="relu"))
model.add(tf.keras.layers.Dense(3))
model.set_weights([np.random.default_rng(110 + i).normal(scale=0.3, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(images, labels, epochs=3, batch_size=16, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["accuracy"] = history.history["accuracy"]
RESULTS["evaluate"] = model.evaluate(images, labels, verbose=0)
RESULTS["summary_params"] = model.count_params()
TOLERANCE = {"rtol": 5e-4, "atol": 5e-5}
