"""tf.data.Dataset: sources, transformations, shuffling, specs and cardinality."""
import collections

import numpy as np
import pytest

import gradtape as tf
from gradtape.data import Dataset


def np_list(ds):
    return list(ds.as_numpy_iterator())


def test_from_tensor_slices_structures():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ds = Dataset.from_tensor_slices((x, y))
    items = list(ds)
    assert len(items) == 6 and isinstance(items[0][0], tf.Tensor)
    np.testing.assert_array_equal(items[2][0].numpy(), x[2])
    assert items[2][1].numpy() == 2
    d = Dataset.from_tensor_slices({"a": x, "b": y})
    first = next(iter(d))
    assert set(first) == {"a", "b"}
    P = collections.namedtuple("P", "u v")
    e = next(iter(Dataset.from_tensor_slices(P(x, y))))
    assert isinstance(e, P)
    assert np_list(Dataset.from_tensor_slices([1.0, 2.0])) == [1.0, 2.0]
    assert Dataset.from_tensor_slices([1.0, 2.0]).element_spec.dtype == tf.float32
    t = Dataset.from_tensor_slices(tf.constant([[1, 2], [3, 4]]))
    np.testing.assert_array_equal(np_list(t)[1], [3, 4])
    with pytest.raises(ValueError, match="first axis"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))


def test_from_tensors_range_zip():
    assert len(np_list(Dataset.from_tensors(np.zeros((3, 2))))) == 1
    assert np_list(Dataset.range(2, 8, 2)) == [2, 4, 6]
    assert Dataset.range(3).element_spec.dtype == tf.int64
    z = Dataset.zip((Dataset.range(3), Dataset.range(10, 20)))
    assert np_list(z) == [(0, 10), (1, 11), (2, 12)]
    assert int(z.cardinality()) == 3
    z2 = Dataset.zip(Dataset.range(2), Dataset.range(2))
    assert np_list(z2) == [(0, 0), (1, 1)]


def test_batch_and_unbatch():
    ds = Dataset.range(10).batch(4)
    out = np_list(ds)
    assert [list(b) for b in out] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert ds.element_spec.shape.as_list() == [None]
    dd = Dataset.range(10).batch(4, drop_remainder=True)
    assert len(np_list(dd)) == 2 and dd.element_spec.shape.as_list() == [4]
    assert int(ds.cardinality()) == 3 and int(dd.cardinality()) == 2
    assert np_list(ds.unbatch()) == list(range(10))
    # element-wise path (after map) gives the same batches
    m = Dataset.range(10).map(lambda x: x * 2).batch(4)
    assert [list(b) for b in np_list(m)] == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]
    # batching across repeat boundaries, as TF
    r = Dataset.range(3).repeat(2).batch(4)
    assert [list(b) for b in np_list(r)] == [[0, 1, 2, 0], [1, 2]]


def test_shuffle_properties():
    base = Dataset.range(100)
    s = base.shuffle(100, seed=3)
    a, b = np_list(s), np_list(s)
    assert sorted(a) == list(range(100)) and a != list(range(100))
    assert a != b  # reshuffled each iteration
    s2 = base.shuffle(100, seed=3)
    assert np_list(s2) == a  # same seed, same first order
    fixed = base.shuffle(100, seed=3, reshuffle_each_iteration=False)
    assert np_list(fixed) == np_list(fixed)
    small = np_list(base.shuffle(5, seed=0))
    assert sorted(small) == list(range(100))
    # with a buffer of 5, element i can only come out at position >= i - 5
    assert all(pos >= v - 5 for pos, v in enumerate(small))
    # shuffle + batch on slices gathers rows consistently across components
    x = np.arange(20)
    ds = Dataset.from_tensor_slices((x, x * 10)).shuffle(20, seed=1).batch(6)
    for u, v in ds.as_numpy_iterator():
        np.testing.assert_array_equal(v, u * 10)
    # element-wise shuffle path (after map)
    m = np_list(Dataset.range(30).map(lambda v: v + 1).shuffle(7, seed=2))
    assert sorted(m) == list(range(1, 31))


def test_map_filter_take_skip_repeat():
    ds = Dataset.from_tensor_slices((np.arange(6), np.arange(6) * 2.0))
    m = ds.map(lambda x, y: x + tf.cast(y, tf.int64))
    assert np_list(m) == [0, 3, 6, 9, 12, 15]
    f = Dataset.range(10).filter(lambda x: x % 3 == 0)
    assert np_list(f) == [0, 3, 6, 9]
    assert int(f.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    assert np_list(Dataset.range(10).take(3)) == [0, 1, 2]
    assert np_list(Dataset.range(10).skip(7)) == [7, 8, 9]
    assert np_list(Dataset.range(10).take(-1)) == list(range(10))
    r = Dataset.range(2).repeat()
    assert int(r.cardinality()) == tf.data.INFINITE_CARDINALITY
    assert np_list(r.take(5)) == [0, 1, 0, 1, 0]
    assert int(Dataset.range(3).repeat(3).cardinality()) == 9
    with pytest.raises(TypeError, match="infinite"):
        len(r)
    assert len(Dataset.range(4)) == 4
    dm = Dataset.from_tensor_slices({"a": np.arange(3)}).map(lambda d: {"a": d["a"], "b": d["a"] * 2})
    assert np_list(dm)[2] == {"a": 2, "b": 4}
    with pytest.raises(ValueError, match="scalar bool"):
        np_list(Dataset.range(3).filter(lambda x: x))


def test_cache_prefetch_autotune():
    calls = []

    def f(x):
        calls.append(1)
        return x

    ds = Dataset.range(4).map(f).cache().prefetch(tf.data.AUTOTUNE)
    assert np_list(ds) == np_list(ds) == [0, 1, 2, 3]
    assert len(calls) == 4
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    assert int(tf.data.experimental.cardinality(ds)) == 4


def test_element_spec_and_tensorspec():
    x = np.zeros((5, 3), np.float32)
    ds = Dataset.from_tensor_slices((x, np.zeros(5, np.int32))).batch(2)
    sx, sy = ds.element_spec
    assert isinstance(sx, tf.TensorSpec)
    assert sx.shape.as_list() == [None, 3] and sx.dtype == tf.float32 and sy.dtype == tf.int32
    ms = ds.map(lambda a, b: tf.reduce_sum(a, axis=1)).element_spec
    assert ms.shape.as_list() == [None]


def test_vectorised_batch_is_a_gather():
    x = np.random.default_rng(0).normal(size=(1000, 8)).astype(np.float32)
    ds = Dataset.from_tensor_slices(x).shuffle(1000, seed=0).batch(100)
    got = np.concatenate(np_list(ds))
    np.testing.assert_array_equal(np.sort(got, axis=0), np.sort(x, axis=0))


def test_training_loop_over_dataset():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype(np.float32)
    Y = (X @ np.array([2.0, -1.0], np.float32))
    w = tf.Variable(np.zeros(2, np.float32))
    opt = tf.keras.optimizers.SGD(0.1)
    ds = Dataset.from_tensor_slices((X, Y)).shuffle(64, seed=0).batch(16).repeat(20)
    for xb, yb in ds:
        with tf.GradientTape() as t:
            loss = tf.reduce_mean(tf.square(tf.reduce_sum(xb * w, axis=1) - yb))
        opt.apply_gradients(zip([t.gradient(loss, w)], [w]))
    np.testing.assert_allclose(w.numpy(), [2.0, -1.0], atol=1e-3)


def test_padded_batch_flat_map_interleave_shard():
    ds = Dataset.range(1, 5).map(lambda x: tf.fill([x], x)).padded_batch(2)
    out = np_list(ds)
    np.testing.assert_array_equal(out[0], [[1, 0], [2, 2]])
    np.testing.assert_array_equal(out[1], [[3, 3, 3, 0], [4, 4, 4, 4]])
    ds = Dataset.range(1, 5).map(lambda x: (tf.fill([x], x), x)).padded_batch(
        2, padded_shapes=([5], []), padding_values=(tf.constant(-1, tf.int64), tf.constant(0, tf.int64)))
    a, b = np_list(ds)[1]
    np.testing.assert_array_equal(a, [[3, 3, 3, -1, -1], [4, 4, 4, 4, -1]])
    np.testing.assert_array_equal(b, [3, 4])
    assert np_list(Dataset.range(3).flat_map(lambda x: Dataset.from_tensors(x).repeat(2))) == [0, 0, 1, 1, 2, 2]
    # TF's documented interleave example
    inter = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
    assert np_list(inter) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 3, 3, 3, 3, 2, 2, 4, 4, 4, 4, 3, 3, 5, 5, 5, 5,
                              4, 4, 5, 5]
    assert np_list(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert np_list(Dataset.range(3).enumerate(start=5)) == [(5, 0), (6, 1), (7, 2)]
    assert np_list(Dataset.range(2).concatenate(Dataset.range(5, 7))) == [0, 1, 5, 6]
    g = Dataset.from_generator(lambda: iter([(1, 2.0), (3, 4.0)]),
                               output_signature=(tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32)))
    assert np_list(g) == [(1, 2.0), (3, 4.0)]
    assert int(Dataset.range(5).reduce(tf.constant(0, tf.int64), lambda s, x: s + x)) == 10


def test_global_seed_makes_unseeded_shuffle_reproducible():
    tf.random.set_seed(7)
    a = np_list(Dataset.range(50).shuffle(50))
    tf.random.set_seed(7)
    b = np_list(Dataset.range(50).shuffle(50))
    tf.random.set_seed(None)
    assert a == b and sorted(a) == list(range(50))


def test_datasets_copy_the_callers_arrays():
    x = np.arange(4.0, dtype=np.float32)
    slices = tf.data.Dataset.from_tensor_slices(x)
    whole = tf.data.Dataset.from_tensors(x)
    x[:] = -1.0
    assert [float(e) for e in slices] == [0.0, 1.0, 2.0, 3.0]
    assert next(iter(whole)).numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
