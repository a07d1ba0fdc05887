"""Keras text/lookup/categorical preprocessing layers and keras.utils text & sequence helpers, checked
against values recorded with real Keras 3 (tests/tf_reference/make_io_refs.py)."""
import json
import os

import numpy as np
import pytest

import gradtape as tf
from gradtape.errors import InvalidArgumentError

keras = tf.keras
with open(os.path.join(os.path.dirname(__file__), "data", "io_refs", "io_refs.json")) as _f:
    REFS = json.load(_f)
CORPUS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; and THE bird.", "dog dog dog cat"]


def check(name, got):
    g = got.numpy().tolist() if hasattr(got, "numpy") else got
    if isinstance(g, list):
        g = [x.decode() if isinstance(x, bytes) else x for x in g]
    want = REFS[name]
    try:
        np.testing.assert_allclose(np.asarray(g, dtype=float), np.asarray(want, dtype=float), atol=1e-6)
    except (ValueError, TypeError):
        assert g == want, name


def test_text_vectorization_matches_keras():
    tv = keras.layers.TextVectorization(output_sequence_length=6)
    tv.adapt(CORPUS)
    check("tv_vocab", tv.get_vocabulary())
    out = tv(["the cat and the unknownword", "dog"])
    assert out.dtype == tf.int64 and out.shape == (2, 6)
    check("tv_int", out)
    tv2 = keras.layers.TextVectorization(max_tokens=6)
    tv2.adapt(tf.data.Dataset.from_tensor_slices(CORPUS).batch(2))
    check("tv_vocab_max", tv2.get_vocabulary())
    check("tv_int_ragless", tv2(["bird dog cat the zebra"]))
    for mode in ("multi_hot", "count", "tf_idf"):
        t = keras.layers.TextVectorization(max_tokens=8, output_mode=mode)
        t.adapt(CORPUS)
        check(f"tv_{mode}_vocab", t.get_vocabulary())
        check(f"tv_{mode}", t(["the cat the dog zebra", "bird"]))
    tvb = keras.layers.TextVectorization(ngrams=2)
    tvb.adapt(["a b c", "a b"])
    check("tv_bigram_vocab", tvb.get_vocabulary())
    tvw = keras.layers.TextVectorization(standardize=None, split="whitespace", output_sequence_length=3)
    tvw.adapt(["A a B"])
    check("tv_nostd_vocab", tvw.get_vocabulary())
    custom = keras.layers.TextVectorization(standardize=lambda x: tf.strings.regex_replace(x, "x", "y"),
                                            split=lambda x: tf.strings.split(x, ","), vocabulary=["ya", "b"])
    assert custom(["xa,b,c"]).numpy().tolist() == [[2, 3, 1]]
    with pytest.raises(ValueError):
        keras.layers.TextVectorization(output_mode="multi_hot", output_sequence_length=3)
    with pytest.raises(ValueError):
        tv(tf.constant([["a", "b"]]))


def test_text_vectorization_in_dataset_map_and_functional_model():
    tv = keras.layers.TextVectorization(output_sequence_length=4, vocabulary=["cat", "dog"])
    ds = tf.data.Dataset.from_tensor_slices(["cat dog", "dog"]).batch(2).map(tv)
    assert next(iter(ds)).numpy().tolist() == [[2, 3, 0, 0], [3, 0, 0, 0]]
    single = tf.data.Dataset.from_tensor_slices(["cat dog"]).map(tv)
    assert next(iter(single)).numpy().tolist() == [2, 3, 0, 0]
    inp = keras.Input(shape=(1,), dtype="string")
    out = keras.layers.Embedding(4, 2, embeddings_initializer="ones")(tv(inp))
    model = keras.Model(inp, out)
    assert model(tf.constant([["cat"], ["dog dog"]])).shape == (2, 4, 2)


def test_string_and_integer_lookup_match_keras():
    sl = keras.layers.StringLookup()
    sl.adapt(["b", "a", "c", "a", "b", "a"])
    check("sl_vocab", sl.get_vocabulary())
    check("sl_out", sl(["a", "c", "zz", "b"]))
    sm = keras.layers.StringLookup(vocabulary=["x", "y"], mask_token="")
    check("sl_mask_vocab", sm.get_vocabulary())
    check("sl_mask_out", sm(["", "y", "q"]))
    check("sl_invert", keras.layers.StringLookup(vocabulary=["x", "y"], invert=True)([0, 1, 2]))
    check("sl_one_hot", keras.layers.StringLookup(vocabulary=["x", "y"], output_mode="one_hot")(["y", "q"]))
    check("sl_multi_hot", keras.layers.StringLookup(vocabulary=["x", "y", "z"], output_mode="multi_hot")(
        [["y", "q"], ["z", "z"]]))
    check("sl_count", keras.layers.StringLookup(vocabulary=["x", "y", "z"], output_mode="count")(
        [["y", "y"], ["z", "q"]]))
    check("sl_no_oov", keras.layers.StringLookup(vocabulary=["x", "y"], num_oov_indices=0)(["y", "x"]))
    with pytest.raises(InvalidArgumentError):
        keras.layers.StringLookup(vocabulary=["x"], num_oov_indices=0)(["q"])
    il = keras.layers.IntegerLookup()
    il.adapt([5, 7, 5, 9, 5, 7])
    check("il_vocab", il.get_vocabulary())
    check("il_out", il([5, 9, 42]))
    im = keras.layers.IntegerLookup(vocabulary=[10, 20], mask_token=0)
    check("il_mask_vocab", im.get_vocabulary())
    check("il_mask_out", im([0, 20, 30]))
    check("il_invert", keras.layers.IntegerLookup(vocabulary=[10, 20], invert=True)([0, 1, 2]))
    with pytest.raises(ValueError, match="repeated"):
        keras.layers.StringLookup(vocabulary=["a", "a"])
    multi = keras.layers.StringLookup(vocabulary=["a"], num_oov_indices=3)
    ids = multi(["a", "q", "r", "q"]).numpy().tolist()
    assert ids[0] == 3 and ids[1] == ids[3] and all(0 <= i < 3 for i in ids[1:])
    assert keras.layers.StringLookup(vocabulary=["a", "b"], output_mode="int").vocabulary_size() == 3


def test_categorical_layers_match_keras():
    ce = keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    check("ce_one_hot", ce([3, 2, 0]))
    check("ce_one_hot_col", ce([[3], [1]]))
    ce2 = keras.layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
    check("ce_multi_hot", ce2([[0, 1], [0, 0], [1, 2], [3, 1]]))
    check("ce_multi_hot_1d", ce2([0, 1]))
    ce3 = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
    check("ce_count", ce3([[0, 1], [0, 0], [1, 2], [3, 1]]))
    check("ce_count_w", ce3([[0, 1], [0, 0]], count_weights=np.array([[0.1, 0.2], [0.1, 0.4]])))
    with pytest.raises(InvalidArgumentError):
        ce3([[0, 4]])
    check("disc_fixed", keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.5])([[-1.5, 1.0, 2.0, 3.0, 0.0]]))
    d2 = keras.layers.Discretization(num_bins=4, epsilon=0.01)
    d2.adapt(np.array(REFS["disc_adapt_data"], "float32"))
    check("disc_adapt_bounds", d2.bin_boundaries)
    check("disc_adapt_out", d2(np.array([-2.0, -0.3, 0.0, 0.3, 2.0], "float32")))
    d3 = keras.layers.Discretization(num_bins=3, epsilon=0.01)
    d3.adapt(np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]], "float32"))
    check("disc_adapt_small_bounds", d3.bin_boundaries)
    check("disc_one_hot", keras.layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")(
        [-1.0, 0.5, 2.0]))
    check("hashing", keras.layers.Hashing(num_bins=10)(["a", "b", "hello", "", "x" * 40]))
    check("hashing_mask", keras.layers.Hashing(num_bins=10, mask_value="")(["a", "", "hello"]))
    check("hashing_salt", keras.layers.Hashing(num_bins=10, salt=[3, 4])(["a", "b", "hello"]))
    check("hashing_one_hot", keras.layers.Hashing(num_bins=4, output_mode="one_hot")(["a", "b"]))
    check("hashing_int", keras.layers.Hashing(num_bins=7)(np.array([[1], [2], [123456]])))


def test_normalization_adapt_exists():
    n = keras.layers.Normalization()
    n.adapt(np.array([[1.0], [3.0]], "float32"))
    np.testing.assert_allclose(n(np.array([[2.0]], "float32")).numpy(), [[0.0]])


def test_pad_sequences_timeseries_to_categorical_match_keras():
    ku = keras.utils
    assert ku.pad_sequences([[1, 2, 3], [4], [5, 6, 7, 8, 9]]).tolist() == REFS["pad_sequences"]
    assert ku.pad_sequences([[1, 2, 3], [4], [5, 6, 7, 8, 9]], maxlen=4, padding="post", truncating="post",
                            value=-1).tolist() == REFS["pad_sequences_post"]
    assert keras.preprocessing.sequence.pad_sequences([[1.5], [2.5, 3.5]], dtype="float32").tolist() == \
        REFS["pad_sequences_float"]
    ts = ku.timeseries_dataset_from_array(np.arange(20), np.arange(20) * 10, sequence_length=5, sequence_stride=3,
                                          sampling_rate=2, batch_size=2)
    assert [[x.numpy().tolist(), y.numpy().tolist()] for x, y in ts] == REFS["timeseries"]
    ts2 = keras.preprocessing.timeseries_dataset_from_array(np.arange(10).reshape(10, 1), None, sequence_length=4,
                                                            start_index=1, end_index=9, batch_size=3)
    assert [x.numpy().tolist() for x in ts2] == REFS["timeseries_nolabel"]
    assert ku.to_categorical([0, 2, 1], 3).tolist() == REFS["to_categorical"]


def test_text_dataset_from_directory(tmp_path):
    for cls, texts in (("neg", ["bad", "awful", "meh"]), ("pos", ["good", "great"])):
        (tmp_path / cls).mkdir()
        for i, t in enumerate(texts):
            (tmp_path / cls / f"{i}.txt").write_text(t)
    (tmp_path / "pos" / "ignored.md").write_text("x")
    ds = keras.utils.text_dataset_from_directory(str(tmp_path), batch_size=10, shuffle=False, verbose=False)
    assert ds.class_names == ["neg", "pos"]
    x, y = next(iter(ds))
    assert x.numpy().tolist() == [b"bad", b"awful", b"meh", b"good", b"great"]
    assert y.numpy().tolist() == [0, 0, 0, 1, 1] and y.dtype == tf.int32
    tr, va = keras.utils.text_dataset_from_directory(str(tmp_path), batch_size=2, validation_split=0.4,
                                                     subset="both", seed=3, label_mode="categorical",
                                                     max_length=3, verbose=False)
    tx = [t for b, _ in tr for t in b.numpy().tolist()]
    vx = [t for b, _ in va for t in b.numpy().tolist()]
    assert len(tx) == 3 and len(vx) == 2 and all(len(t) <= 3 for t in tx + vx)
    paths = [b"bad", b"awf", b"meh", b"goo", b"gre"]
    assert sorted(tx + vx) == sorted(paths)
    # Keras's split: the files are permuted with np.random.RandomState(seed) before splitting
    order = [os.path.join(str(tmp_path), c, f) for c, f in
             [("neg", "0.txt"), ("neg", "1.txt"), ("neg", "2.txt"), ("pos", "0.txt"), ("pos", "1.txt")]]
    np.random.RandomState(3).shuffle(order)
    assert sorted(vx) == sorted(open(p).read()[:3].encode() for p in order[-2:])
    _, yb = next(iter(keras.utils.text_dataset_from_directory(str(tmp_path), label_mode="binary", verbose=False)))
    assert yb.shape[1:] == (1,) and yb.dtype == tf.float32
    with pytest.raises(ValueError):
        keras.utils.text_dataset_from_directory(str(tmp_path), validation_split=0.2, subset="training")


def test_sequence_fed_to_fit():
    class Batches(keras.utils.Sequence):
        def __init__(self):
            super().__init__()
            self.epochs_done = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            rng = np.random.default_rng(i)
            x = rng.normal(size=(8, 2)).astype("float32")
            return x, x.sum(axis=1, keepdims=True)

        def on_epoch_end(self):
            self.epochs_done += 1
    tf.keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    seq = Batches()
    hist = m.fit(seq, epochs=3, verbose=0)
    assert seq.epochs_done == 3 and len(hist.history["loss"]) == 3
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_sequential_export_model_on_raw_strings():
    """The text-classification tutorial's export: Sequential([vectorize_layer, model]) on raw strings."""
    tv = keras.layers.TextVectorization(output_sequence_length=3, vocabulary=["good", "bad"])
    tf.keras.utils.set_random_seed(0)
    inner = keras.Sequential([keras.layers.Embedding(4, 2), keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1)])
    export = keras.Sequential([tv, inner])
    out = export(tf.constant(["good bad", "bad"]))
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out.numpy(), inner(tv(tf.constant(["good bad", "bad"]))).numpy(), rtol=1e-6)
    assert out.numpy()[0, 0] != out.numpy()[1, 0]
    export.compile(loss="mse")
    raw = tf.data.Dataset.from_tensor_slices((["good", "bad bad"], [[1.0], [0.0]])).batch(2)
    assert np.isfinite(export.evaluate(raw, verbose=0))
