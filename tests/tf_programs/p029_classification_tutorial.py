"""Adapted from the TensorFlow tutorial "Basic classification: Classify images of clothing"
(Flatten, Dense, from_logits loss, Softmax for predictions) on synthetic 8x8 images."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(3)
train_labels = rng.integers(0, 4, 200)
patterns = rng.random((4, 8, 8)).astype(np.float32)
train_images = (patterns[train_labels] + 0.3 * rng.random((200, 8, 8))).astype(np.float32)
train_images = train_images / train_images.max()
model = tf.keras.Sequential([
    tf.keras.Input(shape=(8, 8)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(4),
])
model.set_weights([np.random.default_rng(60 + i).normal(scale=0.2, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(train_images, train_labels, epochs=3, batch_size=32, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["accuracy"] = history.history["accuracy"]
test_loss, test_acc = model.evaluate(train_images[:50], train_labels[:50], verbose=0)
RESULTS["test"] = [test_loss, test_acc]
probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
predictions = probability_model.predict(train_images[:5], verbose=0)
RESULTS["predictions"] = predictions
RESULTS["argmax"] = np.argmax(predictions, axis=1)
TOLERANCE = {"rtol": 5e-4, "atol": 5e-5}
