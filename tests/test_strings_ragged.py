"""tf.strings and tf.RaggedTensor against values recorded with TensorFlow (tests/tf_reference/make_io_refs.py)."""
import json
import os

import numpy as np
import pytest

import gradtape as tf
from gradtape.errors import InvalidArgumentError

with open(os.path.join(os.path.dirname(__file__), "data", "io_refs", "io_refs.json")) as _f:
    REFS = json.load(_f)
S = REFS["strings"]
R = REFS["ragged"]


def py(x):
    """Nested Python values with bytes decoded, for comparison with the JSON fixtures."""
    if isinstance(x, tf.RaggedTensor):
        return py(x.to_list())
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, bytes):
        return x.decode("utf-8")
    if isinstance(x, list):
        return [py(e) for e in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


INPUT = tf.constant(["Hello, World!", "  tabs\tand  spaces ", "Ünïcödé ÄÖ", ""])


def test_string_tensors_hold_bytes():
    t = tf.constant(["a", b"b\x00"])
    assert t.dtype == tf.string and t.numpy().dtype == object and t.numpy().tolist() == [b"a", b"b\x00"]
    assert tf.constant("x").numpy() == b"x" and tf.constant("x").shape == ()
    assert t[1].numpy() == b"b\x00"
    assert (t == "a").numpy().tolist() == [True, False]


@pytest.mark.parametrize("name,fn", [
    ("lower", lambda: tf.strings.lower(INPUT)), ("upper", lambda: tf.strings.upper(INPUT)),
    ("lower_utf8", lambda: tf.strings.lower(INPUT, encoding="utf-8")),
    ("split", lambda: tf.strings.split(INPUT)),
    ("split_sep", lambda: tf.strings.split(tf.constant(["a,b,,c", ",x"]), ",")),
    ("split_max", lambda: tf.strings.split(tf.constant(["a b c d"]), maxsplit=2)),
    ("strip", lambda: tf.strings.strip(INPUT)),
    ("regex_replace", lambda: tf.strings.regex_replace(INPUT, "[^a-zA-Z ]", "")),
    ("regex_replace_group", lambda: tf.strings.regex_replace(tf.constant(["ab12cd"]), r"(\d)", r"<\1>")),
    ("regex_full_match", lambda: tf.strings.regex_full_match(INPUT, r"[A-Za-z, !]+")),
    ("length", lambda: tf.strings.length(INPUT)),
    ("length_utf8", lambda: tf.strings.length(INPUT, unit="UTF8_CHAR")),
    ("substr", lambda: tf.strings.substr(tf.constant(["hello", "world"]), 1, 3)),
    ("substr_neg", lambda: tf.strings.substr(tf.constant(["hello"]), -3, 2)),
    ("substr_utf8", lambda: tf.strings.substr(tf.constant(["Ünïcödé"]), 1, 3, unit="UTF8_CHAR")),
    ("join", lambda: tf.strings.join([tf.constant(["a", "b"]), tf.constant(["x", "y"])], separator="-")),
    ("reduce_join", lambda: tf.strings.reduce_join(tf.constant([["a", "b"], ["c", "d"]]), axis=1, separator=",")),
    ("reduce_join_all", lambda: tf.strings.reduce_join(tf.constant([["a", "b"], ["c", "d"]]))),
    ("to_number", lambda: tf.strings.to_number(tf.constant(["1.5", "-2", "3e2"]))),
    ("to_number_int", lambda: tf.strings.to_number(tf.constant(["12", "-7"]), tf.int64)),
    ("as_string_f", lambda: tf.strings.as_string(tf.constant([1.5, -0.25, 3.0]))),
    ("as_string_prec", lambda: tf.strings.as_string(tf.constant([3.14159]), precision=2)),
    ("as_string_i", lambda: tf.strings.as_string(tf.constant([3, -4]))),
    ("as_string_b", lambda: tf.strings.as_string(tf.constant([True, False]))),
    ("as_string_sci", lambda: tf.strings.as_string(tf.constant([12345.678]), scientific=True)),
    ("as_string_width", lambda: tf.strings.as_string(tf.constant([7]), width=4, fill="0")),
    ("format", lambda: tf.strings.format("x={} y={}", [tf.constant([1, 2, 3]), tf.constant(2.5)])),
    ("format_long", lambda: tf.strings.format("{}", [tf.range(10)])),
    ("unicode_split", lambda: tf.strings.unicode_split(tf.constant(["Äb", "ç"]), "UTF-8")),
    ("unicode_decode", lambda: tf.strings.unicode_decode(tf.constant(["Äb", "ç"]), "UTF-8")),
    ("bytes_split", lambda: tf.strings.bytes_split(tf.constant(["ab", "c"]))),
    ("ngrams", lambda: tf.strings.ngrams(tf.strings.split(tf.constant(["a b c d", "e f"])), 2)),
    ("ngrams_multi", lambda: tf.strings.ngrams(tf.constant(["a", "b", "c"]), [1, 3])),
    ("ngrams_pad", lambda: tf.strings.ngrams(tf.constant(["a", "b"]), 3, pad_values=("<s>", "</s>"))),
])
def test_strings_match_tf(name, fn):
    got = py(fn())
    want = S[name]
    if name.startswith("to_number"):
        np.testing.assert_allclose(got, want)
    else:
        assert got == want


def test_hash_buckets_equal_tf():
    x = S["hash_inputs"]
    assert tf.strings.to_hash_bucket_fast(x, 1 << 30).numpy().tolist() == S["to_hash_bucket_fast_all"]
    assert tf.strings.to_hash_bucket(x, 1 << 30).numpy().tolist() == S["to_hash_bucket_all"]
    assert tf.strings.to_hash_bucket_strong(x, 1 << 30, [1, 2]).numpy().tolist() == S["to_hash_bucket_strong_all"]


def test_string_errors():
    with pytest.raises(InvalidArgumentError):
        tf.strings.to_number(["abc"])
    with pytest.raises(InvalidArgumentError):
        tf.strings.substr("abc", 5, 1)
    with pytest.raises(TypeError):
        tf.strings.lower(tf.constant([1.0]))
    with pytest.raises(ValueError):
        tf.strings.length("x", unit="CHAR")


def test_split_shapes_and_ragged_elementwise():
    r = tf.strings.split(tf.constant([["a b", "c"], ["d", "e f g"]]))
    assert r.shape.as_list() == S["split_2d_shape"] and py(r) == [[["a", "b"], ["c"]], [["d"], ["e", "f", "g"]]]
    words = tf.strings.split(["Hello World", "A"])
    low = tf.strings.lower(words)
    assert isinstance(low, tf.RaggedTensor) and py(low) == [["hello", "world"], ["a"]]
    assert tf.strings.split("a b").numpy().tolist() == [b"a", b"b"]


def test_ragged_tensor_matches_tf():
    rt = tf.ragged.constant([[1, 2], [3], [], [4, 5, 6]])
    assert rt.shape.as_list() == [4, None] and rt.dtype == tf.int32
    assert py(rt.to_tensor()) == R["to_tensor"]
    assert py(rt.row_splits) == R["row_splits"] and rt.row_splits.dtype == tf.int64
    assert py(rt.row_lengths()) == R["row_lengths"] and py(rt.value_rowids()) == R["value_rowids"]
    assert py(rt.to_tensor(default_value=-1, shape=[4, 2])) == R["to_tensor_shape"]
    assert py(tf.RaggedTensor.from_tensor([[1, 0, 0], [2, 3, 0]], padding=0)) == R["from_tensor_padding"]
    assert tf.ragged.constant([[[1, 2], [3]], [[4]]]).shape.as_list() == R["nested_shape"]
    assert py(rt[1]) == R["getitem_1"] and py(rt[1:3]) == R["getitem_slice"]
    assert py(tf.ragged.range([1, 3], [4, 5])) == R["range"]
    assert int(rt.nrows()) == 4 and py(rt.flat_values) == [1, 2, 3, 4, 5, 6]
    assert rt[-1].numpy().tolist() == [4, 5, 6] and rt[3, 1].numpy() == 5


def test_ragged_factories_and_validation():
    a = tf.RaggedTensor.from_row_lengths([1, 2, 3], [2, 0, 1])
    b = tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 2, 3])
    c = tf.RaggedTensor.from_value_rowids([1, 2, 3], [0, 0, 2], nrows=3)
    assert a.to_list() == b.to_list() == c.to_list() == [[1, 2], [], [3]]
    with pytest.raises(ValueError):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2])
    with pytest.raises(ValueError):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 3, 2, 3])
    nested = tf.RaggedTensor.from_nested_row_splits([1, 2, 3, 4], [[0, 2, 3], [0, 1, 3, 4]])
    assert nested.to_list() == [[[1], [2, 3]], [[4]]]
    doubled = tf.ragged.map_flat_values(lambda v: v * 2, a)
    assert doubled.to_list() == [[2, 4], [], [6]]
    assert (a + 1).to_list() == [[2, 3], [], [4]]
    s = tf.ragged.constant([["a", "bc"], []])
    assert s.dtype == tf.string and s.to_tensor().numpy().tolist() == [[b"a", b"bc"], [b"", b""]]
    with pytest.raises(TypeError, match="to_tensor"):
        tf.convert_to_tensor(tf.ragged.constant([[1, 2], [3, 4]]))


def test_string_tensors_in_core_ops():
    s = tf.constant(["a", "b", "c"])
    assert [t.numpy() for t in s] == [b"a", b"b", b"c"]  # iteration (unstack) keeps bytes scalars
    assert tf.concat([s, s], 0).numpy().tolist() == [b"a", b"b", b"c"] * 2
    assert tf.gather(s, [2, 0]).numpy().tolist() == [b"c", b"a"]
    assert tf.where([True, False, True], s, tf.constant(["x", "y", "z"])).numpy().tolist() == [b"a", b"y", b"c"]
    assert tf.zeros_like(s).numpy().tolist() == [b"", b"", b""]  # TF's zero string
    assert tf.fill([2], "q").numpy().tolist() == [b"q", b"q"]
    with pytest.raises(TypeError):
        tf.ones_like(s)
    with pytest.raises(tf.errors.UnimplementedError, match="to_number"):
        tf.cast(s, tf.float32)
