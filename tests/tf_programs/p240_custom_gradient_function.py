"""tf.custom_gradient eagerly and inside tf.function: first- and second-order gradients over
calls with changing values, a grad_fn that uses f's intermediates, Variables read inside f."""
import numpy as np
import tensorflow as tf

RESULTS = {}


@tf.custom_gradient
def scaled_exp(x):
    e = tf.exp(x)

    def grad(g):
        return g * e * 2.0      # uses f's intermediate: an outer tape differentiates it
    return e, grad


@tf.custom_gradient
def clip_norm_grad(x):
    def grad(g):
        return tf.clip_by_norm(g, 1.0)
    return tf.identity(x), grad


v = tf.Variable([0.5, -1.0, 2.0])


@tf.custom_gradient
def times_var(x):
    y = x * v

    def grad(g, variables=None):
        return g * v, [g * x * 3.0]
    return y, grad


def prog(x):
    a = scaled_exp(x * 0.5)
    b = clip_norm_grad(a * 3.0)
    c = times_var(tf.sin(x))
    return tf.reduce_sum(b * b) + tf.reduce_sum(c)


for label, fn in (("eager", prog), ("function", tf.function(prog))):
    out = []
    for i, vals in enumerate(([0.1, -0.4, 0.3], [1.0, 0.5, -2.0], [0.2, 0.2, 0.2], [-1.0, 0.0, 0.7])):
        x = tf.constant(vals)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = fn(x)
            g, gv = t1.gradient(y, [x, v])
            s = tf.reduce_sum(g * g)
        h = t2.gradient(s, x)
        out.append({"y": y, "g": g, "gv": gv, "h": h})
        v.assign_add([0.25, 0.0, -0.5])
    RESULTS[label] = out
    v.assign([0.5, -1.0, 2.0])
