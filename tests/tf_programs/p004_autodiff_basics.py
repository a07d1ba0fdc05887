"""Adapted from the TensorFlow guide "Introduction to gradients and automatic differentiation"
(site/en/guide/autodiff.ipynb)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x ** 2
RESULTS["dy_dx"] = tape.gradient(y, x)

w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 10.0, name="w")
b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
x = [[1.0, 2.0, 3.0]]
with tf.GradientTape(persistent=True) as tape:
    y = x @ w + b
    loss = tf.reduce_mean(y ** 2)
[dl_dw, dl_db] = tape.gradient(loss, [w, b])
RESULTS["dl_dw"] = dl_dw
RESULTS["dl_db"] = dl_db
my_vars = {"w": w, "b": b}
grad = tape.gradient(loss, my_vars)
RESULTS["dict_grad_b"] = grad["b"]
del tape

layer = tf.keras.layers.Dense(2, activation="relu")
x = tf.constant([[1.0, 2.0, 3.0]])
layer.build((None, 3))
layer.set_weights([np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]], np.float32), np.array([0.1, 0.2], np.float32)])
with tf.GradientTape() as tape:
    y = layer(x)
    loss = tf.reduce_mean(y ** 2)
grad = tape.gradient(loss, layer.trainable_variables)
RESULTS["layer_grads"] = grad

x0 = tf.Variable(3.0, name="x0")
x1 = tf.Variable(3.0, name="x1", trainable=False)
x2 = tf.Variable(2.0, name="x2") + 1.0
x3 = tf.constant(3.0, name="x3")
with tf.GradientTape() as tape:
    y = (x0 ** 2) + (x1 ** 2) + (x2 ** 2)
grad = tape.gradient(y, [x0, x1, x2, x3])
RESULTS["which_none"] = [g is None for g in grad]
RESULTS["g0"] = grad[0]
RESULTS["watched"] = [v.name for v in tape.watched_variables()]

x = tf.constant(3.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x ** 2
RESULTS["watch_constant"] = tape.gradient(y, x)

x = tf.constant(3.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
    z = y * y
RESULTS["intermediate"] = tape.gradient(z, y)

x = tf.constant([1, 3.0])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = x * x
    z = y * y
RESULTS["persistent"] = [tape.gradient(z, x), tape.gradient(y, x)]
del tape

x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y0 = x ** 2
    y1 = 1 / x
RESULTS["list_target"] = tape.gradient({"y0": y0, "y1": y1}, x)
with tf.GradientTape() as tape:
    y = x * [3.0, 4.0]
RESULTS["vector_target"] = tape.gradient(y, x)

x = tf.linspace(-10.0, 10.0, 200 + 1)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.nn.sigmoid(x)
dy_dx = tape.gradient(y, x)
RESULTS["sigmoid_grad_sum"] = tf.reduce_sum(dy_dx)
RESULTS["sigmoid_grad_mid"] = dy_dx[95:106]

x = tf.constant(1.0)
v0 = tf.Variable(2.0)
v1 = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    if x > 0.0:
        result = v0
    else:
        result = v1 ** 2
dv0, dv1 = tape.gradient(result, [v0, v1])
RESULTS["control_flow"] = [dv0, dv1 is None]
RESULTS["dx_none"] = tape.gradient(result, x) is None
del tape

x = tf.Variable(2.0)
y = tf.Variable(3.0)
with tf.GradientTape() as tape:
    z = y * y
RESULTS["unconnected_none"] = tape.gradient(z, x) is None
x = tf.Variable([2.0, 2.0])
y = tf.Variable(3.0)
with tf.GradientTape() as tape:
    z = y ** 2
RESULTS["unconnected_zero"] = tape.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)

x = tf.Variable(2.0)
for epoch in range(2):
    with tf.GradientTape() as tape:
        y = x + 1
    RESULTS[f"assign_loop_{epoch}_is_none"] = tape.gradient(y, x) is None
    x = x + 1
x = tf.constant(10)
with tf.GradientTape() as g:
    g.watch(x)
    y = x * x
RESULTS["int_source_none"] = g.gradient(y, x) is None
x0 = tf.Variable(3.0)
x1 = tf.Variable(0.0)
with tf.GradientTape() as tape:
    x1.assign_add(x0)
    y = x1 ** 2
RESULTS["stateful_none"] = tape.gradient(y, x0) is None
