"""Core TF ops that real programs use, with the examples of their API docs: repeat, meshgrid,
unique, searchsorted, clip_by_norm, clip_by_global_norm, segment sums, sequence_mask, roll."""
import numpy as np
import tensorflow as tf

RESULTS = {}
RESULTS["repeat"] = [tf.repeat([1, 2, 3], repeats=[3, 0, 2], axis=0),
                     tf.repeat([[1, 2], [3, 4]], repeats=[2, 3], axis=0), tf.repeat([[1, 2], [3, 4]], repeats=2)]
x = [1, 2, 3]
y = [4, 5, 6]
X, Y = tf.meshgrid(x, y)
RESULTS["meshgrid"] = [X, Y]
RESULTS["meshgrid_ij"] = list(tf.meshgrid(tf.range(2), tf.range(3), indexing="ij"))
yv, idx = tf.unique([1, 1, 2, 4, 4, 4, 7, 8, 8])
RESULTS["unique"] = [yv, idx]
u = tf.unique_with_counts([1, 1, 2, 4, 4, 4, 7, 8, 8])
RESULTS["unique_counts"] = [u.y, u.idx, u.count]
sorted_sequence = [[0, 3, 9, 9, 10], [1, 2, 3, 4, 5]]
values = [[2, 4, 9], [0, 2, 6]]
RESULTS["searchsorted"] = [tf.searchsorted(sorted_sequence, values), tf.searchsorted(sorted_sequence, values, side="right")]
some_nums = tf.constant([[1.0, 2.0, 3.0, 4.0, 5.0]])
RESULTS["clip_by_norm"] = tf.clip_by_norm(some_nums, 2.0)
t_list = [tf.constant([3.0, 4.0]), tf.constant([[1.0, 2.0], [2.0, 4.0]])]
clipped, gnorm = tf.clip_by_global_norm(t_list, 5.0)
RESULTS["clip_by_global_norm"] = [clipped, gnorm]
RESULTS["global_norm"] = tf.linalg.global_norm(t_list)
c = tf.constant([[1, 2, 3, 4], [4, 3, 2, 1], [5, 6, 7, 8]])
RESULTS["segment_sum"] = tf.math.segment_sum(c, tf.constant([0, 0, 1]))
RESULTS["unsorted_segment_sum"] = tf.math.unsorted_segment_sum(c, tf.constant([0, 1, 0]), num_segments=2)
RESULTS["unsorted_segment_max"] = tf.math.unsorted_segment_max(c, tf.constant([0, 1, 0]), num_segments=3)
RESULTS["segment_mean"] = tf.math.segment_mean(tf.constant([1.0, 2.0, 3.0, 4.0]), tf.constant([0, 0, 1, 1]))
v = tf.Variable([1.0, 2.0, 3.0, 4.0])
with tf.GradientTape() as tape:
    s = tf.reduce_sum(tf.math.unsorted_segment_max(v, tf.constant([1, 0, 1, 0]), 2) * tf.constant([2.0, 3.0]))
RESULTS["segment_grad"] = tape.gradient(s, v)
RESULTS["sequence_mask"] = tf.sequence_mask([1, 3, 2], 5)
RESULTS["roll"] = tf.roll([0, 1, 2, 3, 4], shift=2, axis=0)
RESULTS["slice"] = tf.slice(tf.reshape(tf.range(24), [2, 3, 4]), [1, 0, 1], [1, 2, 2])
RESULTS["one_hot_axis"] = tf.one_hot([0, 2], depth=3, axis=0)
RESULTS["confusion"] = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
RESULTS["bincount"] = tf.math.bincount([1, 1, 2, 5], minlength=7)
RESULTS["set_diag"] = tf.linalg.set_diag(tf.zeros([2, 3]), [1.0, 2.0])
RESULTS["compute_average_loss"] = tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0]), global_batch_size=6)
RESULTS["scale_reg"] = tf.nn.scale_regularization_loss(tf.constant(4.0))
RESULTS["logger"] = tf.get_logger().name
