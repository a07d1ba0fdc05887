"""Adapted from the TensorFlow guide "Introduction to Tensors" (site/en/guide/tensor.ipynb)."""
import tensorflow as tf

RESULTS = {}
rank_0 = tf.constant(4)
rank_1 = tf.constant([2.0, 3.0, 4.0])
rank_2 = tf.constant([[1, 2], [3, 4], [5, 6]], dtype=tf.float16)
RESULTS["ranks"] = [int(tf.rank(rank_0)), int(tf.rank(rank_1)), int(tf.rank(rank_2))]
RESULTS["dtypes"] = [rank_0.dtype.name, rank_1.dtype.name, rank_2.dtype.name]

a = tf.constant([[1, 2], [3, 4]])
b = tf.constant([[1, 1], [1, 1]])
RESULTS["add"] = tf.add(a, b)
RESULTS["multiply"] = tf.multiply(a, b)
RESULTS["matmul"] = tf.matmul(a, b)
RESULTS["operators"] = [a + b, a * b, a @ b]

c = tf.constant([[4.0, 5.0], [10.0, 1.0]])
RESULTS["reduce_max"] = tf.reduce_max(c)
RESULTS["argmax"] = tf.math.argmax(c)
RESULTS["softmax"] = tf.nn.softmax(c)

rank_4 = tf.zeros([3, 2, 4, 5])
RESULTS["shape"] = list(rank_4.shape)
RESULTS["ndim"] = rank_4.ndim
RESULTS["size"] = int(tf.size(rank_4).numpy())
RESULTS["tf_shape"] = tf.shape(rank_4)

x = tf.constant([[1], [2], [3]])
RESULTS["reshape"] = tf.reshape(x, [1, 3])
rank_3 = tf.constant([[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]],
                      [[10, 11, 12, 13, 14], [15, 16, 17, 18, 19]],
                      [[20, 21, 22, 23, 24], [25, 26, 27, 28, 29]]])
RESULTS["reshape_flat"] = tf.reshape(rank_3, [-1])
RESULTS["reshape_23"] = tf.reshape(rank_3, [3 * 2, 5])

the_f64 = tf.constant([2.2, 3.3, 4.4], dtype=tf.float64)
the_f16 = tf.cast(the_f64, dtype=tf.float16)
the_u8 = tf.cast(the_f16, dtype=tf.uint8)
RESULTS["cast_chain"] = the_u8

x = tf.constant([1, 2, 3])
y = tf.constant(2)
z = tf.constant([2, 2, 2])
RESULTS["broadcast_mul"] = [tf.multiply(x, 2), x * y, x * z]
x = tf.reshape(x, [3, 1])
y = tf.range(1, 5)
RESULTS["outer"] = tf.multiply(x, y)
RESULTS["broadcast_to"] = tf.broadcast_to(tf.constant([1, 2, 3]), [3, 3])
RESULTS["convert"] = tf.convert_to_tensor([1, 2, 3])
RESULTS["python_float_dtype"] = tf.constant(1.5).dtype.name
RESULTS["python_int_dtype"] = tf.constant(7).dtype.name
