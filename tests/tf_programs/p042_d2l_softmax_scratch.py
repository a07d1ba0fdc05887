"""Adapted from "Dive into Deep Learning" (TensorFlow edition), 3.6 "Implementation of Softmax
Regression from Scratch", on synthetic 4x4 "images" (the book downloads Fashion-MNIST)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(1)
num_inputs, num_outputs = 16, 3
labels_np = rng.integers(0, 3, 120)
X_all = (rng.random((120, 4, 4)) + labels_np[:, None, None] * 0.3).astype(np.float32)
W = tf.Variable(rng.normal(0, 0.01, (num_inputs, num_outputs)).astype(np.float32))
b = tf.Variable(tf.zeros(num_outputs))


def softmax(X):
    X_exp = tf.exp(X)
    partition = tf.reduce_sum(X_exp, 1, keepdims=True)
    return X_exp / partition


X = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
RESULTS["softmax_rows"] = tf.reduce_sum(softmax(X), 1)


def net(X):
    return softmax(tf.matmul(tf.reshape(X, (-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return -tf.math.log(tf.boolean_mask(y_hat, tf.one_hot(y, depth=y_hat.shape[-1])))


y = tf.constant([0, 2])
y_hat = tf.constant([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
RESULTS["boolean_mask_pick"] = tf.boolean_mask(y_hat, tf.one_hot(y, depth=y_hat.shape[-1]))
RESULTS["cross_entropy"] = cross_entropy(y_hat, y)


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = tf.argmax(y_hat, axis=1)
    cmp = tf.cast(y_hat, y.dtype) == y
    return float(tf.reduce_sum(tf.cast(cmp, y.dtype)))


RESULTS["accuracy_example"] = accuracy(y_hat, y) / len(y)


class Updater:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr

    def __call__(self, batch_size, grads):
        for param, grad in zip(self.params, grads):
            param.assign_sub(self.lr * grad / batch_size)


updater = Updater([W, b], lr=0.1)
dataset = tf.data.Dataset.from_tensor_slices((X_all, labels_np)).batch(20)
history = []
for epoch in range(4):
    total, correct, n = 0.0, 0.0, 0
    for Xb, yb in dataset:
        with tf.GradientTape() as tape:
            y_hat = net(Xb)
            l = cross_entropy(y_hat, yb)
        grads = tape.gradient(l, updater.params)
        updater(Xb.shape[0], grads)
        total += float(tf.reduce_sum(l))
        correct += accuracy(y_hat, yb)
        n += int(tf.size(yb))
    history.append([total / n, correct / n])
RESULTS["history"] = history
RESULTS["final_W_sum"] = tf.reduce_sum(W)
