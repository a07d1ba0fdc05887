"""Adapted from the TensorFlow tutorial "Save and load models": ModelCheckpoint with save_weights_only
and a {epoch:04d} file pattern, load_weights into a fresh model, save_weights / load_weights, and the
whole model in the .keras format -- on synthetic data with NumPy initial weights, in a temp directory."""
import os
import tempfile

import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(120)
train_images = rng.random((64, 20)).astype(np.float32)
train_labels = (train_images[:, :10].sum(1) > train_images[:, 10:].sum(1)).astype(np.int64) \
    + (train_images[:, 0] > 0.8).astype(np.int64)
test_images, test_labels = train_images[:16], train_labels[:16]


def create_model():
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(16, activation="relu", input_shape=(20,)),
        tf.keras.layers.Dropout(0.0),
        tf.keras.layers.Dense(3),
    ])
    model.set_weights([np.random.default_rng(7 + i).normal(scale=0.3, size=w.shape).astype(np.float32)
                       for i, w in enumerate(model.get_weights())])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["sparse_categorical_accuracy"])
    return model


with tempfile.TemporaryDirectory() as tmp:
    model = create_model()
    checkpoint_path = os.path.join(tmp, "training_2", "cp-{epoch:04d}.weights.h5")
    cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True, verbose=0)
    history = model.fit(train_images, train_labels, epochs=3, batch_size=16, shuffle=False, verbose=0,
                        validation_data=(test_images, test_labels), callbacks=[cp_callback])
    RESULTS["loss"] = history.history["loss"]
    RESULTS["val_loss"] = history.history["val_loss"]
    RESULTS["checkpoint_files"] = sorted(os.listdir(os.path.join(tmp, "training_2")))

    fresh = create_model()
    RESULTS["untrained_eval"] = fresh.evaluate(test_images, test_labels, verbose=0)
    fresh.load_weights(os.path.join(tmp, "training_2", "cp-0002.weights.h5"))
    RESULTS["restored_epoch2_eval"] = fresh.evaluate(test_images, test_labels, verbose=0)

    model.save_weights(os.path.join(tmp, "my_checkpoint.weights.h5"))
    again = create_model()
    again.load_weights(os.path.join(tmp, "my_checkpoint.weights.h5"))
    RESULTS["restored_eval"] = again.evaluate(test_images, test_labels, verbose=0)

    model.save(os.path.join(tmp, "my_model.keras"))
    new_model = tf.keras.models.load_model(os.path.join(tmp, "my_model.keras"))
    RESULTS["loaded_predict"] = new_model.predict(test_images[:4], verbose=0)
    RESULTS["loaded_eval"] = new_model.evaluate(test_images, test_labels, verbose=0)
    RESULTS["loaded_n_layers"] = len(new_model.layers)
