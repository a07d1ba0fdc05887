"""tf.math elementwise functions on fixed inputs (the tf.math API docs' examples and more)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
x = tf.constant([-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.7])
pos = tf.constant([0.1, 0.5, 1.0, 2.0, 7.5])
unit = tf.constant([-0.9, -0.2, 0.0, 0.3, 0.8])
for name in ["abs", "negative", "sign", "square", "exp", "expm1", "sin", "cos", "tanh", "sigmoid",
             "floor", "ceil", "round", "sinh", "cosh", "atan", "softplus", "erf"]:
    RESULTS[name] = getattr(tf.math, name)(x)
for name in ["log", "log1p", "sqrt", "rsqrt", "reciprocal", "lgamma", "digamma"]:
    RESULTS[name] = getattr(tf.math, name)(pos)
for name in ["asin", "acos", "atanh"]:
    RESULTS[name] = getattr(tf.math, name)(unit)
a = tf.constant([1.0, -2.0, 3.5, 4.0])
b = tf.constant([2.0, 3.0, -1.5, 4.0])
for name in ["add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "squared_difference",
             "floordiv", "floormod", "atan2", "truediv", "divide_no_nan", "xdivy"]:
    RESULTS[name] = getattr(tf.math, name)(a, b)
RESULTS["cmp"] = [tf.math.equal(a, b), tf.math.greater(a, b), tf.math.less_equal(a, b)]
RESULTS["int_ops"] = [tf.math.floordiv(7, 2), tf.math.floormod(-7, 3), tf.truncatediv(-7, 2), tf.truncatemod(-7, 3)]
RESULTS["logical"] = [tf.math.logical_and([True, False], [True, True]), tf.math.logical_xor([True, False], [True, True])]
RESULTS["is"] = [tf.math.is_nan([1.0, np.nan]), tf.math.is_inf([np.inf, 1.0]), tf.math.is_finite([np.inf, 1.0])]
RESULTS["add_n"] = tf.math.add_n([a, b, a])
RESULTS["clip"] = tf.clip_by_value(x, -1.0, 1.0)
RESULTS["l2_normalize"] = tf.math.l2_normalize(a)
RESULTS["polyval"] = tf.math.polyval([1.0, 2.0, 3.0], 2.0)
RESULTS["cumsum"] = [tf.math.cumsum(a), tf.math.cumsum(a, exclusive=True), tf.math.cumsum(a, reverse=True)]
RESULTS["cumprod"] = tf.math.cumprod(a)
RESULTS["bincount"] = tf.math.bincount(tf.constant([1, 1, 3, 0, 3, 3]))
RESULTS["top_k"] = list(tf.math.top_k(tf.constant([1.0, 5.0, 3.0, 4.0]), k=2))
RESULTS["in_top_k"] = tf.math.in_top_k(tf.constant([2, 0]), tf.constant([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]), k=1)
RESULTS["count_nonzero"] = tf.math.count_nonzero(tf.constant([[0, 1, 2], [0, 0, 3]]), axis=1)
v = tf.Variable(pos)
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.math.log(v) * tf.math.sqrt(v) + tf.math.lgamma(v))
RESULTS["grad"] = tape.gradient(y, v)
