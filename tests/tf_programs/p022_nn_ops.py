"""tf.nn functions on fixed inputs: activations, losses with logits, l2_loss, batch_normalization."""
import numpy as np
import tensorflow as tf

RESULTS = {}
x = tf.constant([[-2.0, -0.5, 0.0, 0.5, 3.0], [1.0, 2.0, -1.0, 0.2, -0.1]])
for name in ["relu", "relu6", "elu", "selu", "softplus", "softsign", "sigmoid", "tanh", "swish", "gelu",
             "softmax", "log_softmax", "silu"]:
    RESULTS[name] = getattr(tf.nn, name)(x)
RESULTS["leaky_relu"] = tf.nn.leaky_relu(x, alpha=0.1)
RESULTS["gelu_approx"] = tf.nn.gelu(x, approximate=True)
labels = tf.constant([[0.0, 1.0, 0.0, 0.0, 0.0], [0.2, 0.2, 0.2, 0.2, 0.2]])
RESULTS["softmax_ce"] = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x)
RESULTS["sparse_softmax_ce"] = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 4], logits=x)
RESULTS["sigmoid_ce"] = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(x) * 0.3, logits=x)
RESULTS["weighted_ce"] = tf.nn.weighted_cross_entropy_with_logits(labels=tf.ones_like(x) * 0.3, logits=x, pos_weight=2.0)
RESULTS["l2_loss"] = tf.nn.l2_loss(x)
RESULTS["bias_add"] = tf.nn.bias_add(x, tf.range(5, dtype=tf.float32))
mean, var = tf.nn.moments(x, axes=[1], keepdims=True)
RESULTS["batch_norm"] = tf.nn.batch_normalization(x, mean, var, offset=0.5, scale=2.0, variance_epsilon=1e-3)
RESULTS["l2_normalize"] = tf.nn.l2_normalize(x, axis=1)
RESULTS["avg_pool"] = tf.nn.avg_pool2d(tf.reshape(tf.range(16, dtype=tf.float32), [1, 4, 4, 1]), 2, 2, "VALID")
v = tf.Variable(x)
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=v)) + \
        tf.reduce_sum(tf.nn.selu(v) * tf.nn.gelu(v))
RESULTS["grad"] = tape.gradient(loss, v)
