"""Adapted from "Dive into Deep Learning" (TensorFlow edition), 4.2-4.6: an MLP from scratch, weight
decay by hand, dropout at inference, and the concise Keras MLP (synthetic data, NumPy weights)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(11)
num_inputs, num_outputs, num_hiddens = 12, 3, 8
W1 = tf.Variable(rng.normal(scale=0.1, size=(num_inputs, num_hiddens)).astype(np.float32))
b1 = tf.Variable(tf.zeros(num_hiddens))
W2 = tf.Variable(rng.normal(scale=0.1, size=(num_hiddens, num_outputs)).astype(np.float32))
b2 = tf.Variable(tf.zeros(num_outputs))
params = [W1, b1, W2, b2]


def relu(X):
    return tf.math.maximum(X, 0)


def net(X):
    X = tf.reshape(X, (-1, num_inputs))
    H = relu(tf.matmul(X, W1) + b1)
    return tf.matmul(H, W2) + b2


def loss(y_hat, y):
    return tf.losses.sparse_categorical_crossentropy(y, y_hat, from_logits=True)


def l2_penalty(w):
    return tf.reduce_sum(tf.pow(w, 2)) / 2


y_all = rng.integers(0, 3, 90)
X_all = (rng.random((90, num_inputs)) + y_all[:, None] * 0.2).astype(np.float32)
updater = tf.keras.optimizers.SGD(learning_rate=0.1)
history = []
for epoch in range(3):
    for i in range(0, 90, 30):
        X, y = X_all[i:i + 30], y_all[i:i + 30]
        with tf.GradientTape() as tape:
            l = tf.reduce_mean(loss(net(X), y)) + 0.01 * l2_penalty(W1)
        grads = tape.gradient(l, params)
        updater.apply_gradients(zip(grads, params))
    history.append(tf.reduce_mean(loss(net(X_all), y_all)))
RESULTS["scratch_history"] = history


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return tf.zeros_like(X)
    if dropout == 0:
        return X
    mask = tf.random.uniform(shape=tf.shape(X), minval=0, maxval=1) < 1 - dropout
    return tf.cast(mask, dtype=tf.float32) * X / (1.0 - dropout)


X = tf.reshape(tf.range(16, dtype=tf.float32), (2, 8))
RESULTS["dropout_0_1"] = [dropout_layer(X, 0.0), dropout_layer(X, 1.0)]
kept = dropout_layer(X, 0.5).numpy()
RESULTS["dropout_scaled_values_ok"] = bool(np.all((kept == 0) | np.isclose(kept, 2 * X.numpy())))
model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(8, activation="relu"),
    tf.keras.layers.Dropout(0.5),
    tf.keras.layers.Dense(3)])
model(X_all[:1])
model.set_weights([np.random.default_rng(40 + i).normal(scale=0.2, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
RESULTS["concise_inference"] = model(X_all[:3], training=False)
RESULTS["concise_predict"] = model.predict(X_all[:3], verbose=0)
