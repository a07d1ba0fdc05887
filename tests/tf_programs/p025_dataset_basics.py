"""Adapted from the TensorFlow guide "tf.data: Build TensorFlow input pipelines" (site/en/guide/data.ipynb):
the transformations that do not depend on files."""
import numpy as np
import tensorflow as tf

RESULTS = {}
dataset = tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])
RESULTS["elements"] = [elem.numpy() for elem in dataset]
RESULTS["reduce"] = dataset.reduce(0, lambda state, value: state + value)
ds = tf.data.Dataset.from_tensor_slices((np.arange(10, dtype=np.float32), np.arange(10) % 3))
RESULTS["batched"] = [[x, y] for x, y in ds.batch(4)]
RESULTS["batched_drop"] = [x for x, _ in ds.batch(4, drop_remainder=True)]
RESULTS["map_filter"] = list(ds.map(lambda x, y: x * 2 + tf.cast(y, tf.float32)).filter(lambda v: v > 5).as_numpy_iterator())
RESULTS["take_skip"] = [list(ds.take(3).map(lambda x, y: x).as_numpy_iterator()),
                        list(ds.skip(8).map(lambda x, y: x).as_numpy_iterator())]
RESULTS["repeat"] = list(tf.data.Dataset.range(3).repeat(2).as_numpy_iterator())
RESULTS["enumerate"] = [[i, v] for i, v in tf.data.Dataset.from_tensor_slices([5, 6]).enumerate()]
RESULTS["zip"] = [[a, b] for a, b in tf.data.Dataset.zip((tf.data.Dataset.range(3), tf.data.Dataset.range(3).map(lambda v: v * v)))]
RESULTS["concatenate"] = list(tf.data.Dataset.range(2).concatenate(tf.data.Dataset.range(5, 7)).as_numpy_iterator())
padded = tf.data.Dataset.range(1, 5).map(lambda x: tf.fill([x], x)).padded_batch(2)
RESULTS["padded_batch"] = [b for b in padded]
RESULTS["unbatch"] = list(tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]).unbatch().as_numpy_iterator())
RESULTS["flat_map"] = list(tf.data.Dataset.range(3).flat_map(lambda x: tf.data.Dataset.from_tensors(x).repeat(2)).as_numpy_iterator())
RESULTS["cardinality"] = [int(ds.cardinality()), int(ds.batch(4).cardinality())]
features = {"a": np.array([1.0, 2.0, 3.0], np.float32), "b": np.array([[1, 2], [3, 4], [5, 6]])}
RESULTS["dict_elements"] = [{"a": e["a"], "b": e["b"]} for e in tf.data.Dataset.from_tensor_slices(features)]
RESULTS["from_tensors"] = [t for t in tf.data.Dataset.from_tensors(tf.constant([1, 2, 3]))]
RESULTS["range_args"] = list(tf.data.Dataset.range(2, 11, 4).as_numpy_iterator())
RESULTS["element_spec"] = [str(ds.element_spec[0].dtype.name), list(ds.batch(2).element_spec[0].shape.as_list())]
s = tf.data.Dataset.range(10).shuffle(10, seed=1)
RESULTS["shuffle_is_permutation"] = sorted(s.as_numpy_iterator())
