"""Reductions with axes and keepdims, as in the tf.math.reduce_* API docs."""
import numpy as np
import tensorflow as tf

RESULTS = {}
x = tf.constant([[1.0, 2.0, 3.0], [4.0, -5.0, 6.5]])
for name in ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_std",
             "reduce_variance", "reduce_logsumexp"]:
    f = getattr(tf.math, name)
    RESULTS[name] = [f(x), f(x, axis=0), f(x, axis=1, keepdims=True), f(x, axis=[0, 1])]
b = tf.constant([[True, False], [True, True]])
RESULTS["all_any"] = [tf.reduce_all(b), tf.reduce_any(b, axis=0), tf.reduce_all(b, axis=1)]
RESULTS["arg"] = [tf.argmax(x), tf.argmax(x, axis=1), tf.argmin(x, axis=0), tf.math.argmin(x, axis=1, output_type=tf.int32)]
i = tf.constant([[1, 2], [3, 4]])
RESULTS["int_mean"] = tf.reduce_mean(i)
RESULTS["int_sum"] = tf.reduce_sum(i, axis=0)
RESULTS["neg_axis"] = tf.reduce_sum(x, axis=-1)
v = tf.Variable(x)
with tf.GradientTape() as tape:
    y = tf.reduce_logsumexp(v, axis=1) + tf.reduce_max(v, axis=1) + tf.math.reduce_std(v, axis=0)[0]
RESULTS["grad"] = tape.gradient(y, v)
RESULTS["moments"] = list(tf.nn.moments(x, axes=[0]))
RESULTS["norm"] = [tf.norm(x), tf.norm(x, ord=1), tf.norm(x, axis=1), tf.norm(x, ord="fro", axis=[0, 1]),
                   tf.norm(x, ord=np.inf)]
