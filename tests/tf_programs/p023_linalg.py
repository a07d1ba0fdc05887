"""tf.linalg and matrix products: matmul flags, einsum, tensordot, inverse, determinant, solve."""
import numpy as np
import tensorflow as tf

RESULTS = {}
a = tf.constant([[2.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 4.0]])
b = tf.constant(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2))
RESULTS["matmul"] = [tf.matmul(a, b), tf.matmul(b, a, transpose_a=True), tf.matmul(a, a, transpose_b=True)]
batch = tf.reshape(tf.range(12, dtype=tf.float32), [2, 2, 3])
RESULTS["batched_matmul"] = tf.matmul(batch, tf.transpose(batch, [0, 2, 1]))
RESULTS["einsum"] = [tf.einsum("ij,jk->ik", a, b), tf.einsum("bij->bji", batch), tf.einsum("ii->", a)]
RESULTS["tensordot"] = tf.tensordot(a, b, axes=1)
RESULTS["inv"] = tf.linalg.inv(a)
RESULTS["det"] = tf.linalg.det(a)
RESULTS["solve"] = tf.linalg.solve(a, b)
RESULTS["cholesky"] = tf.linalg.cholesky(a)
RESULTS["trace"] = tf.linalg.trace(a)
RESULTS["diag"] = [tf.linalg.diag([1.0, 2.0]), tf.linalg.diag_part(a)]
RESULTS["band"] = tf.linalg.band_part(a, 0, -1)
RESULTS["norm"] = tf.linalg.norm(a)
RESULTS["matvec"] = tf.linalg.matvec(a, tf.constant([1.0, 0.0, -1.0]))
RESULTS["eye"] = tf.linalg.eye(2)
v = tf.Variable(a)
with tf.GradientTape() as tape:
    y = tf.linalg.det(v) + tf.reduce_sum(tf.linalg.inv(v))
RESULTS["grad"] = tape.gradient(y, v)
