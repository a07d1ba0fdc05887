"""Adapted from "Dive into Deep Learning" (TensorFlow edition), 6.2 "Convolutions for Images" and 6.5
"Pooling": corr2d with sliced Variable assignment, edge detection, learning a kernel, pool2d."""
import tensorflow as tf

RESULTS = {}


def corr2d(X, K):
    h, w = K.shape
    Y = tf.Variable(tf.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1)))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j].assign(tf.reduce_sum(X[i: i + h, j: j + w] * K))
    return Y


X = tf.constant([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = tf.constant([[0.0, 1.0], [2.0, 3.0]])
RESULTS["corr2d"] = corr2d(X, K)
X = tf.Variable(tf.ones((6, 8)))
X[:, 2:6].assign(tf.zeros(X[:, 2:6].shape))
RESULTS["edge_input"] = X
K = tf.constant([[1.0, -1.0]])
Y = corr2d(X, K)
RESULTS["edges"] = Y
RESULTS["edges_t"] = corr2d(tf.transpose(X), K)
conv2d = tf.keras.layers.Conv2D(1, (1, 2), use_bias=False)
Xr = tf.reshape(X, (1, 6, 8, 1))
Yr = tf.reshape(Y, (1, 6, 7, 1))
lr = 3e-2
Y_hat = conv2d(Xr)
conv2d.set_weights([tf.constant([[[[0.5]], [[0.2]]]]).numpy()])
losses = []
for i in range(10):
    with tf.GradientTape() as g:   # the book watches conv2d.weights[0]; Keras 3 variables need the default
        Y_hat = conv2d(Xr)
        l = (abs(Y_hat - Yr)) ** 2
        update = tf.multiply(lr, g.gradient(l, conv2d.weights[0]))
        weights = conv2d.get_weights()
        weights[0] = conv2d.weights[0] - update
        conv2d.set_weights(weights)
        losses.append(tf.reduce_sum(l))
RESULTS["losses"] = losses
RESULTS["learned"] = tf.reshape(conv2d.get_weights()[0], (1, 2))


def pool2d(X, pool_size, mode="max"):
    p_h, p_w = pool_size
    Y = tf.Variable(tf.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1)))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == "max":
                Y[i, j].assign(tf.reduce_max(X[i: i + p_h, j: j + p_w]))
            elif mode == "avg":
                Y[i, j].assign(tf.reduce_mean(X[i: i + p_h, j: j + p_w]))
    return Y


X = tf.constant([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
RESULTS["pool_max"] = pool2d(X, (2, 2))
RESULTS["pool_avg"] = pool2d(X, (2, 2), "avg")
X4 = tf.reshape(tf.range(16, dtype=tf.float32), (1, 4, 4, 1))
RESULTS["maxpool_layer"] = tf.keras.layers.MaxPool2D(pool_size=[3, 3])(X4)
RESULTS["maxpool_pad"] = tf.keras.layers.MaxPool2D(pool_size=[3, 3], padding="same", strides=2)(X4)
