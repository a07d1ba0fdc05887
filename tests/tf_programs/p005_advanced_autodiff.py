"""Adapted from the TensorFlow guide "Advanced automatic differentiation"
(site/en/guide/advanced_autodiff.ipynb): stop_recording, stop_gradient, higher-order gradients,
Jacobians and batch Jacobians, custom gradients."""
import numpy as np
import tensorflow as tf

RESULTS = {}
x = tf.Variable(2.0)
y = tf.Variable(3.0)
with tf.GradientTape() as t:
    x_sq = x * x
    with t.stop_recording():
        y_sq = y * y
    z = x_sq + y_sq
grad = t.gradient(z, {"x": x, "y": y})
RESULTS["stop_recording"] = [grad["x"], grad["y"] is None]

with tf.GradientTape() as t:
    y_sq = y ** 2
    z = x ** 2 + tf.stop_gradient(y_sq)
grad = t.gradient(z, {"x": x, "y": y})
RESULTS["stop_gradient"] = [grad["x"], grad["y"] is None]

x = tf.Variable(1.0)
with tf.GradientTape() as t2:
    with tf.GradientTape() as t1:
        y = x * x * x
    dy_dx = t1.gradient(y, x)
d2y_dx2 = t2.gradient(dy_dx, x)
RESULTS["higher_order"] = [dy_dx, d2y_dx2]

x = tf.linspace(-2.0, 2.0, 9)
delta = tf.Variable(0.0)
with tf.GradientTape() as tape:
    y = tf.nn.sigmoid(x + delta)
RESULTS["jacobian_scalar_source"] = tape.jacobian(y, delta)

x = tf.constant(np.linspace(-1, 1, 14, dtype=np.float32).reshape(7, 2))
layer = tf.keras.layers.Dense(3, activation=tf.nn.relu)
layer.build((None, 2))
layer.set_weights([np.array([[0.5, -0.3, 0.8], [0.2, 0.9, -0.4]], np.float32), np.array([0.1, 0.0, -0.1], np.float32)])
with tf.GradientTape(persistent=True) as tape:
    y = layer(x)
j = tape.jacobian(y, layer.kernel)
RESULTS["jacobian_kernel_shape"] = list(j.shape)
RESULTS["jacobian_kernel_sum"] = tf.reduce_sum(j, axis=[0, 1])
RESULTS["jacobian_check"] = tape.gradient(y, layer.kernel) - tf.reduce_sum(j, axis=[0, 1])
del tape

x = tf.constant(np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4))
w = tf.constant(np.linspace(-0.5, 0.7, 12, dtype=np.float32).reshape(4, 3))
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = tf.nn.elu(x @ w)
RESULTS["batch_jacobian"] = tape.batch_jacobian(y, x)
RESULTS["full_jacobian_shape"] = list(tape.jacobian(y, x).shape)
del tape

x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
with tf.GradientTape() as t2:
    with tf.GradientTape() as t1:
        y = tf.reduce_sum(tf.sin(x) * x)
    g = t1.gradient(y, x)
    gg = tf.reduce_sum(g * g)
RESULTS["grad_of_grad_norm"] = t2.gradient(gg, x)

# Hessian of a tiny model via nested jacobians.
x = tf.constant([[0.5, -1.0]])
w = tf.Variable([[1.0, -2.0], [0.5, 0.3]])
with tf.GradientTape() as t2:
    with tf.GradientTape() as t1:
        loss = tf.reduce_sum(tf.tanh(x @ w) ** 2)
    g = t1.gradient(loss, w)
h = t2.jacobian(g, w)
RESULTS["hessian"] = tf.reshape(h, [4, 4])
