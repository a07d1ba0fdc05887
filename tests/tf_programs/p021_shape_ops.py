"""Shape manipulation ops: concat, stack, split, tile, pad, transpose, squeeze, reverse, where."""
import tensorflow as tf

RESULTS = {}
a = tf.reshape(tf.range(6, dtype=tf.float32), [2, 3])
b = a * 10
RESULTS["concat"] = [tf.concat([a, b], axis=0), tf.concat([a, b], axis=-1)]
RESULTS["stack"] = [tf.stack([a, b]), tf.stack([a, b], axis=1)]
RESULTS["unstack"] = tf.unstack(a, axis=1)
RESULTS["split"] = tf.split(tf.range(9), 3)
RESULTS["split_sizes"] = tf.split(tf.reshape(tf.range(12), [2, 6]), [1, 2, 3], axis=1)
RESULTS["tile"] = tf.tile(a, [2, 1])
RESULTS["pad"] = [tf.pad(a, [[1, 0], [0, 2]]), tf.pad(a, [[1, 1], [2, 2]], mode="REFLECT"),
                  tf.pad(a, [[1, 1], [1, 1]], mode="SYMMETRIC"), tf.pad(a, [[0, 1], [1, 0]], constant_values=-1)]
RESULTS["transpose"] = [tf.transpose(a), tf.transpose(tf.reshape(tf.range(24), [2, 3, 4]), perm=[2, 0, 1])]
RESULTS["expand_squeeze"] = [list(tf.expand_dims(a, 0).shape), list(tf.expand_dims(a, -1).shape),
                             list(tf.squeeze(tf.zeros([1, 3, 1])).shape), list(tf.squeeze(tf.zeros([1, 3, 1]), axis=[2]).shape)]
RESULTS["reverse"] = tf.reverse(a, axis=[1])
RESULTS["where"] = tf.where([True, False, True], [1, 2, 3], [10, 20, 30])
RESULTS["ones_zeros"] = [tf.ones([2, 2], dtype=tf.int32), tf.zeros_like(a), tf.ones_like(a), tf.fill([2, 3], 9.0),
                         tf.eye(3), tf.eye(2, 3)]
RESULTS["range"] = [tf.range(5), tf.range(1, 10, 3), tf.range(0.0, 1.0, 0.25), tf.linspace(0.0, 1.0, 5)]
v = tf.Variable(a)
with tf.GradientTape() as tape:
    y = tf.concat([tf.reshape(tf.tile(v, [1, 2]), [-1]), tf.reshape(tf.pad(v, [[1, 1], [1, 1]], mode="REFLECT"), [-1])], axis=0)
    loss = tf.reduce_sum(y * tf.reshape(tf.range(tf.size(y), dtype=tf.float32), y.shape))
RESULTS["grad"] = tape.gradient(loss, v)
RESULTS["sort"] = [tf.sort([3, 1, 2]), tf.sort([3.0, 1.0, 2.0], direction="DESCENDING"), tf.argsort([3, 1, 2])]
RESULTS["shape_fn"] = [tf.shape(a), tf.size(a), tf.rank(a)]
RESULTS["identity"] = tf.identity(a)
