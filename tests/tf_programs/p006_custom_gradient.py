"""Adapted from the API docs of tf.custom_gradient and the "Advanced automatic differentiation" guide."""
import tensorflow as tf

RESULTS = {}


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


x = tf.constant(100.0)
with tf.GradientTape() as tape:
    tape.watch(x)
    y = log1pexp(x)
RESULTS["log1pexp_grad"] = tape.gradient(y, x)
x = tf.constant([0.0, 1.0, -2.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = log1pexp(x)
RESULTS["log1pexp_vec"] = [y, tape.gradient(y, x)]


@tf.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return tf.clip_by_norm(dy, 0.5)
    return y, backward


v = tf.Variable(2.0)
with tf.GradientTape() as t:
    output = clip_gradients(v * v)
RESULTS["clip_gradients"] = t.gradient(output, v)


@tf.custom_gradient
def bar(x, y):
    def grad(upstream):
        dz_dx = y
        dz_dy = x
        return upstream * dz_dx, upstream * dz_dy
    z = x * y
    return z, grad


x = tf.constant(2.0, dtype=tf.float32)
y = tf.constant(3.0, dtype=tf.float32)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    tape.watch(y)
    z = bar(x, y)
RESULTS["two_inputs"] = [z, tape.gradient(z, x), tape.gradient(z, y)]
del tape


@tf.custom_gradient
def op_with_fused_backprop(x):
    y, x_grad = fused_op(x)

    def first_order_gradient(dy):
        @tf.custom_gradient
        def first_order_custom(unused_x):
            def second_order_and_transpose(ddy):
                return ddy * 100.0
            return x_grad, second_order_and_transpose
        return dy * first_order_custom(x)
    return y, first_order_gradient


def fused_op(x):
    y = x ** 3
    return y, 3 * x ** 2


x = tf.constant(2.0)
with tf.GradientTape() as t2:
    t2.watch(x)
    with tf.GradientTape() as t1:
        t1.watch(x)
        y = op_with_fused_backprop(x)
    dy = t1.gradient(y, x)
RESULTS["nested_custom"] = [y, dy, t2.gradient(dy, x)]

x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = tf.grad_pass_through(lambda v: tf.round(v))(x * 1.4)
RESULTS["grad_pass_through"] = tape.gradient(y, x)
