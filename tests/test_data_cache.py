"""Dataset.cache(): filled by any complete pass, including one that Model.fit stops after exactly the
dataset's known number of batches (it never asks past the last one)."""
import os

import numpy as np
import pytest

import gradtape as tf


def _counting_pipeline(calls, cache_arg=None):
    rng = np.random.RandomState(0)
    x = rng.rand(32, 4).astype("float32")
    y = x.sum(1)

    def f(a, b):
        calls.append(1)
        return a, b

    ds = tf.data.Dataset.from_tensor_slices((x, y)).map(f)
    ds = ds.cache() if cache_arg is None else ds.cache(cache_arg)
    return ds.batch(8)


def _model():
    tf.keras.utils.set_random_seed(0)
    m = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    return m


def test_memory_cache_fills_under_fit():
    calls = []
    ds = _counting_pipeline(calls)
    m = _model()
    h = m.fit(ds, epochs=3, verbose=0)
    # 32 elements computed once (+1 for the element_spec probe of the mapped dataset), not 3 * 32
    assert len(calls) <= 33
    assert len(h.history["loss"]) == 3
    # the cached elements are the same as the uncached ones
    plain = _counting_pipeline([])
    a = [e[0].numpy() for e in ds]
    b = [e[0].numpy() for e in plain]
    assert all(np.array_equal(u, v) for u, v in zip(a, b)) and len(a) == len(b) == 4


def test_file_cache_written_under_fit(tmp_path):
    calls = []
    path = str(tmp_path / "c")
    ds = _counting_pipeline(calls, path)
    _model().fit(ds, epochs=2, verbose=0)
    assert len(calls) <= 33
    assert any(n.startswith("c") for n in os.listdir(tmp_path))
    # a fresh pipeline over the same file reads it instead of the input
    calls2 = []
    ds2 = _counting_pipeline(calls2, path)
    got = np.concatenate([e[0].numpy() for e in ds2])
    assert got.shape == (32, 4)
    assert len(calls2) <= 1


def test_partial_pass_leaves_no_cache(tmp_path):
    calls = []
    ds = tf.data.Dataset.range(6).map(lambda i: (calls.append(1), i)[1]).cache()
    assert [int(v) for v in ds.take(3)] == [0, 1, 2]
    n = len(calls)
    assert [int(v) for v in ds] == list(range(6))
    assert len(calls) == n + 6  # the partial pass did not fill it; this complete pass did
    assert [int(v) for v in ds] == list(range(6))
    assert len(calls) == n + 6
    path = str(tmp_path / "p")
    fds = tf.data.Dataset.range(6).cache(path)
    it = iter(fds)
    next(it)
    del it
    assert not [n for n in os.listdir(tmp_path) if not n.endswith(".tmp")]


def test_empty_cache():
    ds = tf.data.Dataset.range(0).cache()
    assert list(ds) == [] and list(ds) == []


def test_parallel_reads_interleave_as_many_files_as_asked(tmp_path):
    # TF interleaves num_parallel_reads files (one record from each in turn), whatever the core count
    names = []
    for k in range(4):
        p = tmp_path / f"f{k}.txt"
        p.write_text("".join(f"f{k}r{i}\n" for i in range(2)))
        names.append(str(p))
    got = [v.decode() for v in tf.data.TextLineDataset(names, num_parallel_reads=4).as_numpy_iterator()]
    assert got == ["f0r0", "f1r0", "f2r0", "f3r0", "f0r1", "f1r1", "f2r1", "f3r1"]
    got3 = [v.decode() for v in tf.data.TextLineDataset(names, num_parallel_reads=3).as_numpy_iterator()]
    assert got3 == ["f0r0", "f1r0", "f2r0", "f0r1", "f1r1", "f2r1", "f3r0", "f3r1"]
