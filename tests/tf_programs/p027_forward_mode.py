"""Adapted from the TensorFlow guide "Advanced automatic differentiation" and the
tf.autodiff.ForwardAccumulator API docs: Jacobian-vector products, forward-over-backward Hessian-vector
products."""
import tensorflow as tf

RESULTS = {}
v = tf.Variable([1.0, 2.0])
with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, -3.0])) as acc:
    y = v * v
RESULTS["jvp_variable"] = acc.jvp(y)
x = tf.constant([1.0, 2.0])
with tf.autodiff.ForwardAccumulator(primals=x, tangents=tf.constant([0.5, 1.0])) as acc:
    y = tf.reduce_sum(tf.sin(x) * x)
RESULTS["jvp_reduce"] = acc.jvp(y)
x = tf.constant([[2.0, 3.0], [1.0, 4.0]])
targets = tf.constant([[1.0], [-1.0]])
kernel = tf.Variable([[0.5], [-0.25]])
with tf.autodiff.ForwardAccumulator(primals=kernel, tangents=tf.constant([[1.0], [0.0]])) as acc:
    loss = tf.reduce_sum((tf.matmul(x, kernel) + 0.1 - targets) ** 2.0)
RESULTS["jvp_layer"] = acc.jvp(loss)
primal = tf.constant(1.1)
with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.0)) as outer:
    with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.0)) as inner:
        primal_out = primal ** tf.constant(3.5)
inner_jvp = inner.jvp(primal_out)
RESULTS["nested_jvp"] = [primal_out, inner_jvp, outer.jvp(inner_jvp)]
x = tf.Variable([1.0, 2.0, 3.0])
tangent = tf.constant([1.0, 0.0, -1.0])
with tf.autodiff.ForwardAccumulator(x, tangent) as acc:
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x ** 3 + tf.sin(x))
    g = tape.gradient(y, x)
RESULTS["hvp"] = acc.jvp(g)
with tf.GradientTape() as tape:
    tape.watch(primal)
    with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.0)) as acc:
        out = tf.tanh(primal) * primal
    jvp = acc.jvp(out)
RESULTS["backward_over_forward"] = tape.gradient(jvp, primal)
