"""Adapted from the TensorFlow guide "Working with sparse tensors" (site/en/guide/sparse_tensor.ipynb)."""
import tensorflow as tf

RESULTS = {}
st1 = tf.sparse.SparseTensor(indices=[[0, 3], [2, 4]], values=[10, 20], dense_shape=[3, 10])
RESULTS["to_dense"] = tf.sparse.to_dense(st1)
st2 = tf.sparse.from_dense([[1, 0, 0, 8], [0, 0, 0, 0], [0, 0, 3, 0]])
RESULTS["from_dense"] = [st2.indices, st2.values, st2.dense_shape]
st_a = tf.sparse.SparseTensor(indices=[[0, 2], [3, 4]], values=[31, 2], dense_shape=[4, 10])
st_b = tf.sparse.SparseTensor(indices=[[0, 2], [7, 0]], values=[56, 38], dense_shape=[4, 10])
st_sum = tf.sparse.add(st_a, tf.sparse.SparseTensor(indices=[[0, 2], [1, 1]], values=[5, 6], dense_shape=[4, 10]))
RESULTS["add"] = tf.sparse.to_dense(st_sum)
st_c = tf.sparse.SparseTensor(indices=([0, 1], [1, 0], [1, 1]), values=(13, 15, 17), dense_shape=(2, 2))
mb = tf.constant([[4], [6]])
RESULTS["sparse_dense_matmul"] = tf.sparse.sparse_dense_matmul(st_c, mb)
RESULTS["reduce_sum"] = [tf.sparse.reduce_sum(st_c), tf.sparse.reduce_sum(st_c, axis=1)]
st = tf.sparse.SparseTensor(indices=[[2, 1], [0, 0]], values=[3.0, 1.0], dense_shape=[3, 2])
RESULTS["reorder"] = tf.sparse.reorder(st).indices
x = tf.Variable([[1.0], [2.0]])
stf = tf.sparse.SparseTensor(indices=[[0, 0], [1, 1], [1, 0]], values=[1.0, 2.0, 3.0], dense_shape=[2, 2])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.sparse.sparse_dense_matmul(stf, x) ** 2)
RESULTS["matmul_grad"] = tape.gradient(y, x)
RESULTS["retain"] = tf.sparse.to_dense(tf.sparse.retain(stf, [True, False, True]))
RESULTS["transpose"] = tf.sparse.to_dense(tf.sparse.transpose(stf))
