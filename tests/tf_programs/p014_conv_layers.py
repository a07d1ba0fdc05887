"""Adapted from the TensorFlow tutorial "Convolutional Neural Network (CNN)": the CIFAR model's layer
stack on a small fixed batch, its outputs and gradients (weights from NumPy)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(5)
images = rng.random(size=(2, 12, 12, 3)).astype(np.float32)
model = tf.keras.Sequential([
    tf.keras.Input(shape=(12, 12, 3)),
    tf.keras.layers.Conv2D(4, (3, 3), activation="relu"),
    tf.keras.layers.MaxPooling2D((2, 2)),
    tf.keras.layers.Conv2D(5, (3, 3), padding="same", strides=2, activation="relu"),
    tf.keras.layers.AveragePooling2D((2, 2), padding="same"),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(3),
])
model.set_weights([np.random.default_rng(20 + i).normal(scale=0.3, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
RESULTS["shapes"] = [list(l.output.shape)[1:] for l in model.layers]
x = tf.constant(images)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    logits = model(x)
    loss = tf.reduce_sum(tf.square(logits))
RESULTS["logits"] = logits
RESULTS["grads"] = tape.gradient(loss, model.trainable_variables)
RESULTS["input_grad"] = tape.gradient(loss, x)
del tape
g = tf.keras.layers.GlobalAveragePooling2D()(x)
m = tf.keras.layers.GlobalMaxPooling2D()(x)
RESULTS["global_pools"] = [g, m]
c1 = tf.keras.layers.Conv1D(2, 3, dilation_rate=2, padding="causal")
c1.build((None, 7, 3))
c1.set_weights([np.linspace(-1, 1, 18, dtype=np.float32).reshape(3, 3, 2), np.array([0.1, -0.1], np.float32)])
RESULTS["conv1d_causal"] = c1(tf.constant(rng.random(size=(1, 7, 3)).astype(np.float32)))
ct = tf.keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same")
ct.build((None, 3, 3, 3))
ct.set_weights([np.linspace(-1, 1, 54, dtype=np.float32).reshape(3, 3, 2, 3), np.zeros(2, np.float32)])
RESULTS["conv2d_transpose"] = ct(tf.constant(rng.random(size=(1, 3, 3, 3)).astype(np.float32)))
RESULTS["nn_conv2d"] = tf.nn.conv2d(x[:1], tf.constant(np.linspace(-1, 1, 3 * 3 * 3 * 2, dtype=np.float32).reshape(3, 3, 3, 2)),
                                    strides=[1, 2, 2, 1], padding="VALID")
RESULTS["nn_max_pool"] = tf.nn.max_pool2d(x[:1], ksize=3, strides=2, padding="SAME")
