"""Adapted from "Dive into Deep Learning" (TensorFlow edition), 3.2 "Linear Regression Implementation
from Scratch": synthetic data, minibatches, the model, squared loss and minibatch SGD written by hand
(NumPy draws the data and the shuffles, so both frameworks see the same numbers)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(0)


def synthetic_data(w, b, num_examples):
    X = tf.constant(rng.normal(0, 1, (num_examples, w.shape[0])).astype(np.float32))
    y = tf.matmul(X, tf.reshape(w, (-1, 1))) + b
    y += tf.constant(rng.normal(0, 0.01, y.shape).astype(np.float32))
    y = tf.reshape(y, (-1, 1))
    return X, y


true_w = tf.constant([2, -3.4])
true_b = 4.2
features, labels = synthetic_data(true_w, true_b, 200)


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    rng.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        j = tf.constant(indices[i: min(i + batch_size, num_examples)])
        yield tf.gather(features, j), tf.gather(labels, j)


w = tf.Variable(rng.normal(0, 0.01, (2, 1)).astype(np.float32), trainable=True)
b = tf.Variable(tf.zeros(1), trainable=True)


def linreg(X, w, b):
    return tf.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - tf.reshape(y, y_hat.shape)) ** 2 / 2


def sgd(params, grads, lr, batch_size):
    for param, grad in zip(params, grads):
        param.assign_sub(lr * grad / batch_size)


lr, num_epochs, batch_size = 0.03, 3, 10
losses = []
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        with tf.GradientTape() as g:
            l = squared_loss(linreg(X, w, b), y)
        dw, db = g.gradient(l, [w, b])
        sgd([w, b], [dw, db], lr, batch_size)
    train_l = squared_loss(linreg(features, w, b), labels)
    losses.append(tf.reduce_mean(train_l))
RESULTS["losses"] = losses
RESULTS["w_error"] = true_w - tf.reshape(w, true_w.shape)
RESULTS["b_error"] = true_b - b
TOLERANCE = {"rtol": 1e-3, "atol": 1e-5}
