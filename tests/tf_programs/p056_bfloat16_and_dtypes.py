"""dtype handling as the "Introduction to Tensors" guide and the mixed-precision guide use it: casts
between float16, bfloat16, float64 and integers, saturate_cast, dtype properties, and the error for
mixing dtypes."""
import numpy as np
import tensorflow as tf

RESULTS = {}
x = tf.constant([1.1, 2.7, -3.5, 1000.25, 65504.0])
RESULTS["float16"] = tf.cast(x, tf.float16)
RESULTS["bfloat16"] = tf.cast(tf.cast(x, tf.bfloat16), tf.float32)
RESULTS["bf16_arith"] = tf.cast(tf.cast(x, tf.bfloat16) * tf.cast(3.3, tf.bfloat16), tf.float32)
RESULTS["int32"] = tf.cast(x, tf.int32)
RESULTS["uint8_saturate"] = tf.saturate_cast(tf.constant([-5.0, 100.0, 300.0]), tf.uint8)
RESULTS["float64"] = tf.cast(x, tf.float64) / 3.0
RESULTS["props"] = [tf.float32.is_floating, tf.int32.is_integer, tf.bfloat16.is_floating, tf.float16.size,
                    tf.as_dtype(np.float64).name, tf.bfloat16.name, tf.int64.max, tf.uint8.min]
try:
    tf.constant(1.0) + tf.constant(1, tf.int32)
    RESULTS["mixing"] = "no error"
except (tf.errors.InvalidArgumentError, TypeError) as e:
    RESULTS["mixing"] = type(e).__name__
v = tf.Variable(tf.cast([1.5, 2.5], tf.bfloat16))
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.cast(v * v, tf.float32))
g = tape.gradient(y, v)
RESULTS["bf16_grad"] = tf.cast(g, tf.float32)
RESULTS["bf16_dtype"] = g.dtype.name
