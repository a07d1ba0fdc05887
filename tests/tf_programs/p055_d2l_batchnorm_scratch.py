"""Adapted from "Dive into Deep Learning" (TensorFlow edition), 8.5 "Batch Normalization": batch_norm
from scratch with moving statistics, inside a custom layer, in training and inference."""
import numpy as np
import tensorflow as tf

RESULTS = {}


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps):
    inv = tf.cast(tf.math.rsqrt(moving_var + eps), X.dtype)
    inv *= gamma
    Y = X * inv + (beta - moving_mean * inv)
    return Y


class BatchNorm(tf.keras.layers.Layer):
    def __init__(self, **kwargs):
        super(BatchNorm, self).__init__(**kwargs)

    def build(self, input_shape):
        weight_shape = [input_shape[-1], ]
        self.gamma = self.add_weight(name="gamma", shape=weight_shape, initializer=tf.initializers.ones, trainable=True)
        self.beta = self.add_weight(name="beta", shape=weight_shape, initializer=tf.initializers.zeros, trainable=True)
        self.moving_mean = self.add_weight(name="moving_mean", shape=weight_shape, initializer=tf.initializers.zeros, trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=weight_shape, initializer=tf.initializers.ones, trainable=False)
        super(BatchNorm, self).build(input_shape)

    def assign_moving_average(self, variable, value):
        momentum = 0.1
        delta = (1.0 - momentum) * variable + momentum * value
        return variable.assign(delta)

    def call(self, inputs, training):
        if training:
            axes = list(range(len(inputs.shape) - 1))
            batch_mean = tf.reduce_mean(inputs, axes, keepdims=True)
            batch_variance = tf.reduce_mean(tf.math.squared_difference(inputs, tf.stop_gradient(batch_mean)), axes, keepdims=True)
            batch_mean = tf.squeeze(batch_mean, axes)
            batch_variance = tf.squeeze(batch_variance, axes)
            self.assign_moving_average(self.moving_mean, batch_mean)
            self.assign_moving_average(self.moving_variance, batch_variance)
            mean, variance = batch_mean, batch_variance
        else:
            mean, variance = self.moving_mean, self.moving_variance
        return batch_norm(inputs, moving_mean=mean, moving_var=variance, beta=self.beta, gamma=self.gamma, eps=1e-5)


rng = np.random.default_rng(6)
X = tf.constant(rng.normal(loc=1.0, scale=2.0, size=(6, 2, 2, 3)).astype(np.float32))
bn = BatchNorm()
with tf.GradientTape() as tape:
    tape.watch(X)
    y = bn(X, training=True)
    loss = tf.reduce_sum(y * tf.reshape(tf.range(3, dtype=tf.float32), (1, 1, 1, 3)) + y ** 2)
RESULTS["train_out"] = y
RESULTS["grads"] = tape.gradient(loss, [X, bn.gamma, bn.beta])
RESULTS["moving"] = [bn.moving_mean, bn.moving_variance]
RESULTS["infer_out"] = bn(X, training=False)
step = tf.function(lambda t: bn(t, training=True))
for k in range(3):
    step(X * float(k + 1))
RESULTS["moving_after_function"] = [bn.moving_mean, bn.moving_variance]
