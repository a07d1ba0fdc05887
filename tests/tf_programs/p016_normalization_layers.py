"""BatchNormalization (training and inference, moving statistics) and LayerNormalization, as the
Keras layer docs describe them."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(4)
x = tf.constant(rng.normal(loc=2.0, scale=3.0, size=(8, 4)).astype(np.float32))
bn = tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
y_train = bn(x, training=True)
RESULTS["bn_train"] = y_train
RESULTS["bn_moving"] = [bn.moving_mean, bn.moving_variance]
for _ in range(3):
    bn(x * 2.0 + 1.0, training=True)
RESULTS["bn_moving_after"] = [bn.moving_mean, bn.moving_variance]
RESULTS["bn_infer"] = bn(x, training=False)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = bn(x, training=True)
    loss = tf.reduce_sum(y * tf.range(4, dtype=tf.float32))
RESULTS["bn_grads"] = tape.gradient(loss, [x, bn.gamma, bn.beta])
RESULTS["bn_counts"] = [len(bn.trainable_weights), len(bn.non_trainable_weights)]
ln = tf.keras.layers.LayerNormalization(epsilon=1e-5)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = ln(x)
    loss = tf.reduce_sum(y * tf.range(4, dtype=tf.float32))
RESULTS["ln"] = y
RESULTS["ln_grads"] = tape.gradient(loss, [x, ln.gamma, ln.beta])
x3 = tf.constant(rng.normal(size=(2, 3, 4)).astype(np.float32))
bn_axis = tf.keras.layers.BatchNormalization(axis=1)
RESULTS["bn_axis1"] = bn_axis(x3, training=True)
norm = tf.keras.layers.Normalization(axis=-1)
norm.adapt(rng.normal(loc=5.0, size=(50, 3)).astype(np.float32))
RESULTS["normalization"] = norm(tf.constant([[5.0, 6.0, 4.0]]))
RESULTS["normalization_stats"] = [norm.mean, norm.variance]
