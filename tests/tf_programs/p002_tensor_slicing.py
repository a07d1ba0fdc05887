"""Adapted from the TensorFlow guide "Introduction to tensor slicing" (site/en/guide/tensor_slicing.ipynb)."""
import tensorflow as tf

RESULTS = {}
t1 = tf.constant([0, 1, 2, 3, 4, 5, 6, 7])
RESULTS["slice"] = tf.slice(t1, begin=[1], size=[3])
RESULTS["py_slices"] = [t1[1:4], t1[-3:], t1[::2], t1[::-1]]
t2 = tf.constant([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19]])
RESULTS["2d"] = [t2[:-1, 1:3], t2[1, :], t2[:, 2], t2[..., 0]]
RESULTS["gather"] = tf.gather(t1, indices=[0, 3, 6])
alphabet = tf.constant([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
RESULTS["gather_axis1"] = tf.gather(alphabet, indices=[2, 0], axis=1)
t4 = tf.constant([[0, 5], [1, 6], [2, 7], [3, 8], [4, 9]])
RESULTS["gather_nd"] = tf.gather_nd(t4, indices=[[2], [3], [0]])
t5 = tf.reshape(tf.range(18), [2, 3, 3])
RESULTS["gather_nd_3d"] = tf.gather_nd(t5, indices=[[0, 0, 0], [1, 2, 1]])
RESULTS["gather_nd_pairs"] = tf.gather_nd(t5, indices=[[[0, 0], [0, 2]], [[1, 0], [1, 2]]])
t6 = tf.constant([10])
indices = tf.constant([[1], [3], [5], [7], [9]])
data = tf.constant([2, 4, 6, 8, 10])
RESULTS["scatter_nd"] = tf.scatter_nd(indices=indices, updates=data, shape=t6)
t11 = tf.constant([[2, 7, 0], [9, 0, 1], [0, 3, 8]])
RESULTS["tensor_scatter_update"] = tf.tensor_scatter_nd_update(t11, indices=[[0, 2], [1, 1], [2, 0]],
                                                               updates=[6, 5, 4])
RESULTS["tensor_scatter_add"] = tf.tensor_scatter_nd_add(t11, indices=[[0, 2], [1, 1], [2, 0]],
                                                         updates=[6, 5, 4])
RESULTS["boolean_mask"] = tf.boolean_mask(t2, tf.constant([True, False, True, False]))
RESULTS["where"] = tf.where(t11 > 4, t11, tf.zeros_like(t11))
RESULTS["where_idx"] = tf.where(t11 > 4)
x = tf.constant([1.0, 2.0, 3.0, 4.0])
RESULTS["negative_index"] = x[-1]
RESULTS["newaxis"] = list(x[tf.newaxis, :, tf.newaxis].shape)
