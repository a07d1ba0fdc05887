"""Adapted from the TensorFlow guide "Better performance with tf.function": tensor arguments,
retracing on Python arguments, captured Variables, and gradients through a function."""
import tensorflow as tf

RESULTS = {}


@tf.function
def add(a, b):
    return a + b


RESULTS["add"] = [add(tf.ones([2, 2]), tf.ones([2, 2])), add(tf.constant(1.0), 2.0)]
v = tf.Variable(1.0)
with tf.GradientTape() as tape:
    result = add(v, 1.0)
RESULTS["grad_through"] = tape.gradient(result, v)


@tf.function
def dense_layer(x, w, b):
    return add(tf.matmul(x, w), b)


RESULTS["nested"] = dense_layer(tf.ones([3, 2]), tf.ones([2, 2]), tf.ones([2]))


@tf.function
def double(a):
    return a + a


RESULTS["double"] = [double(tf.constant(1)), double(tf.constant(1.1)), double(tf.constant([1, 2]))]


@tf.function
def f(x):
    return tf.abs(x)


RESULTS["calls"] = [f(tf.constant(-1.0)), f(tf.constant(2.0)), f(tf.constant([-1.0, 3.0]))]
counter = tf.Variable(0)


@tf.function
def increment(step):
    counter.assign_add(step)
    return counter.read_value()


RESULTS["counter"] = [increment(tf.constant(1)), increment(tf.constant(2)), increment(tf.constant(3))]


w = tf.Variable([[1.0], [2.0]])


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((tf.matmul(x, w) - y) ** 2)
    g = tape.gradient(loss, w)
    w.assign_sub(0.1 * g)
    return loss


losses = [train_step(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([[1.0], [0.0]])) for _ in range(4)]
RESULTS["train_losses"] = losses
RESULTS["w"] = w
x = tf.constant([1.0, 2.0])
sq = tf.function(lambda t: t * t)
with tf.GradientTape() as t2:
    t2.watch(x)
    with tf.GradientTape() as t1:
        t1.watch(x)
        y = sq(x) * x
    dy = t1.gradient(y, x)
RESULTS["second_order"] = [dy, t2.gradient(dy, x)]
