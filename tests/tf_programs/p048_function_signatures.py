"""Adapted from the TensorFlow guide "Introduction to graphs and tf.function": input_signature,
retracing on Python values, reduce_retracing, variables created once, and the same function called
with many shapes and values."""
import numpy as np
import tensorflow as tf

RESULTS = {}


@tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
def next_collatz(x):
    return tf.where(x % 2 == 0, x // 2, 3 * x + 1)


RESULTS["signature_calls"] = [next_collatz(tf.constant([1, 2])), next_collatz(tf.constant([3, 4, 5, 6]))]


@tf.function
def power(a, b):
    return a ** b


RESULTS["python_args"] = [power(tf.constant(2.0), 2), power(tf.constant(2.0), 3), power(tf.constant(3.0), 2)]
v = tf.Variable(2.0)


@tf.function
def scale(x, factor):
    return x * v * factor


RESULTS["captured_variable"] = [scale(tf.constant(1.0), 2.0)]
v.assign(10.0)
RESULTS["captured_variable"].append(scale(tf.constant(1.0), 2.0))


class Count(tf.Module):
    def __init__(self):
        super().__init__()
        self.count = None

    @tf.function
    def __call__(self):
        if self.count is None:
            self.count = tf.Variable(0)
        return self.count.assign_add(1)


c = Count()
RESULTS["created_once"] = [c(), c(), c()]


@tf.function(reduce_retracing=True)
def total(x):
    return tf.reduce_sum(x * x)


RESULTS["reduce_retracing"] = [total(tf.ones([n])) for n in range(1, 6)]


@tf.function
def relu_sum(x, y):
    return tf.reduce_sum(tf.nn.relu(x) * y), tf.reduce_max(x)


rng = np.random.default_rng(4)
RESULTS["changing_values"] = [relu_sum(tf.constant(rng.normal(size=5).astype(np.float32)),
                                       tf.constant(rng.normal(size=5).astype(np.float32))) for _ in range(4)]
w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])


@tf.function
def loss_and_grad(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.tanh(x @ w))
    return loss, tape.gradient(loss, w)


RESULTS["grad_in_function"] = [loss_and_grad(tf.constant([[0.1, -0.2]])), loss_and_grad(tf.constant([[0.5, 0.3]]))]
x = tf.Variable([0.5, -1.0])
with tf.GradientTape() as tape:
    y = tf.function(lambda t: tf.reduce_sum(tf.sin(t) * t))(x)
RESULTS["function_in_tape"] = tape.gradient(y, x)
RESULTS["concrete_signature"] = str(next_collatz.input_signature[0].shape)
