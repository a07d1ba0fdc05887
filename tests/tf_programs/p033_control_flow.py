"""TF control flow with gradients, from the API docs of tf.cond, tf.while_loop, tf.map_fn, tf.scan,
tf.foldl and tf.TensorArray, and the "Introduction to graphs and tf.function" guide's loops."""
import numpy as np
import tensorflow as tf

RESULTS = {}
x = tf.constant(2.0)
y = tf.constant(5.0)
RESULTS["cond"] = [tf.cond(x < y, lambda: tf.add(x, y), lambda: tf.square(y)),
                   tf.cond(x > y, lambda: tf.add(x, y), lambda: tf.square(y))]
v = tf.Variable(3.0)
with tf.GradientTape() as tape:
    out = tf.cond(v > 1.0, lambda: v * v, lambda: -v)
RESULTS["cond_grad"] = tape.gradient(out, v)
RESULTS["case"] = tf.case([(tf.less(x, y), lambda: tf.constant(17)), (tf.greater(x, y), lambda: tf.constant(23))],
                          default=lambda: tf.constant(-1))
RESULTS["switch_case"] = [tf.switch_case(tf.constant(i), branch_fns={0: lambda: tf.constant(10), 1: lambda: tf.constant(20)},
                                         default=lambda: tf.constant(30)) for i in range(3)]
i = tf.constant(0)
c = lambda i: tf.less(i, 10)
b = lambda i: [tf.add(i, 1)]
RESULTS["while"] = tf.while_loop(c, b, [i])
ijk_0 = (tf.constant(0), (tf.constant(1), tf.constant(2)))
c = lambda i, p: i < 10
b = lambda i, p: (i + 1, (p[0] + p[1], p[0] - p[1]))
RESULTS["while_nested"] = tf.while_loop(c, b, ijk_0)
RESULTS["while_max_iter"] = tf.while_loop(lambda i: i < 100, lambda i: [i + 2], [tf.constant(0)], maximum_iterations=7)
w = tf.Variable(1.5)
with tf.GradientTape() as tape:
    _, acc = tf.while_loop(lambda k, a: k < 4, lambda k, a: (k + 1, a * w), [tf.constant(0), tf.constant(1.0)])
RESULTS["while_grad"] = [acc, tape.gradient(acc, w)]
elems = tf.constant([1.0, 2.0, 3.0, 4.0])
RESULTS["map_fn"] = tf.map_fn(lambda t: t * t, elems)
RESULTS["map_fn_tuple"] = tf.map_fn(lambda t: t[0] * t[1], (elems, elems + 1), fn_output_signature=tf.float32)
RESULTS["scan"] = tf.scan(lambda a, t: a + t, elems)
RESULTS["scan_init"] = tf.scan(lambda a, t: a * t, elems, initializer=tf.constant(2.0))
RESULTS["scan_reverse"] = tf.scan(lambda a, t: a + t, elems, reverse=True)
RESULTS["foldl"] = tf.foldl(lambda a, t: a - t, elems)
RESULTS["foldr"] = tf.foldr(lambda a, t: a - t, elems)
RESULTS["foldl_init"] = tf.foldl(lambda a, t: a + t * t, elems, initializer=tf.constant(100.0))
ev = tf.Variable(elems)
with tf.GradientTape() as tape:
    s = tf.reduce_sum(tf.scan(lambda a, t: a * t, ev)) + tf.reduce_sum(tf.map_fn(tf.sin, ev))
RESULTS["scan_map_grad"] = tape.gradient(s, ev)
ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
for k in range(4):
    ta = ta.write(k, tf.constant([float(k), float(k * k)]))
RESULTS["tensor_array"] = [ta.stack(), ta.read(2), ta.size(), ta.gather([3, 0]), ta.concat()]
ta2 = tf.TensorArray(tf.float32, size=3).unstack(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
RESULTS["tensor_array_unstack"] = ta2.read(1)
with tf.GradientTape() as tape:
    ta = tf.TensorArray(tf.float32, size=3)
    for k in range(3):
        ta = ta.write(k, w * float(k + 1))
    total = tf.reduce_sum(ta.stack() ** 2)
RESULTS["tensor_array_grad"] = tape.gradient(total, w)
RESULTS["vectorized_map"] = tf.vectorized_map(lambda row: tf.reduce_sum(row * row), tf.reshape(tf.range(6.0), [3, 2]))


@tf.function
def collatz(n):
    steps = tf.constant(0)
    while n > 1:
        n = tf.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
        steps += 1
    return steps


def collatz_eager(n):
    steps = tf.constant(0)
    while n > 1:
        n = tf.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
        steps += 1
    return steps


RESULTS["collatz"] = [collatz_eager(tf.constant(k)) for k in (6, 7, 27)]
f = tf.function(lambda t: tf.cond(t > 0, lambda: t * 2.0, lambda: t * -3.0))
RESULTS["function_cond"] = [f(tf.constant(1.0)), f(tf.constant(-1.0)), f(tf.constant(4.0))]
RESULTS["py_function"] = tf.py_function(func=lambda a: np.sort(a.numpy())[::-1].copy(), inp=[tf.constant([3, 1, 2])], Tout=tf.int32)
RESULTS["numpy_function"] = tf.numpy_function(lambda a: (a * 2).astype(np.float32), [tf.constant([1.0, 2.0])], tf.float32)
RESULTS["static_value"] = tf.get_static_value(tf.constant([1, 2]))
RESULTS["ensure_shape"] = tf.ensure_shape(tf.constant([[1, 2]]), [1, None])
