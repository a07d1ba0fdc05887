"""Cases for ``tf.lookup`` tables, shared by record_api_ops.py (real TF) and test_api_ops.py
(gradtape); part of ``api_cases.CASES``. Text-file initializers use a file the case writes."""
from __future__ import annotations

import os
import tempfile

import numpy as np


def _kv(tf, keys, values, **kw):
    return tf.lookup.KeyValueTensorInitializer(tf.constant(keys), tf.constant(values), **kw)


def _vocab_file(lines):
    fd, path = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def _text_table(tf):
    path = _vocab_file(["emerson\t10", "lake\t20", "palmer\t30"])
    try:
        init = tf.lookup.TextFileInitializer(path, tf.string, 0, tf.int64, 1, delimiter="\t")
        table = tf.lookup.StaticHashTable(init, -1)
        return table.lookup(tf.constant(["lake", "palmer", "x"]))
    finally:
        os.remove(path)


def _text_line_numbers(tf):
    path = _vocab_file(["a", "b", "c"])
    try:
        init = tf.lookup.TextFileInitializer(path, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
                                             tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER)
        table = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=3)
        return [table.lookup(tf.constant(["c", "a", "zzz", "b", "qq"])), table.size()]
    finally:
        os.remove(path)


def _mutable(tf):
    t = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)
    t.insert(tf.constant(["a", "b", "c"]), tf.constant([1, 2, 3], tf.int64))
    t.remove(tf.constant(["b"]))
    t.insert(tf.constant(["c"]), tf.constant([30], tf.int64))
    return [t.lookup(tf.constant(["a", "b", "c"])), t.size()]


def _mutable_vector(tf):
    t = tf.lookup.experimental.MutableHashTable(tf.int64, tf.float32, default_value=[0.0, -1.0])
    t.insert(tf.constant([5, 7], tf.int64), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    return t.lookup(tf.constant([[7, 1], [5, 5]], tf.int64))


LOOKUP_CASES = {
    "lookup_static_string": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, ["a", "b", "c"], np.array([0, 1, 2], np.int64)), -1).lookup(tf.constant([["b", "z"], ["c", "a"]])),
    "lookup_static_int_to_string": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, np.array([3, 1], np.int64), ["three", "one"]), "?").lookup(tf.constant([1, 2, 3], tf.int64)),
    "lookup_static_float_values": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, ["x", "y"], np.array([0.5, 1.5], np.float32)), 0.0)[tf.constant(["y", "q"])],
    "lookup_static_size": lambda tf: tf.lookup.StaticHashTable(_kv(tf, ["a", "b"], np.array([1, 2], np.int64)), -1).size(),
    "lookup_static_wrong_key_dtype": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, ["a"], np.array([1], np.int64)), -1).lookup(tf.constant([1, 2], tf.int64)),
    "lookup_static_sparse": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, ["a", "b"], np.array([1, 2], np.int64)), -1).lookup(
        tf.SparseTensor([[0, 0], [1, 2]], tf.constant(["b", "q"]), [2, 3])).values,
    "lookup_static_ragged": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, ["a", "b"], np.array([1, 2], np.int64)), -1).lookup(
        tf.ragged.constant([["a"], ["b", "q", "a"]])).flat_values,
    "lookup_static_duplicate_key_conflict": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, ["a", "a"], np.array([1, 2], np.int64)), -1).lookup(tf.constant(["a"])),
    "lookup_static_duplicate_key_same_value": lambda tf: tf.lookup.StaticHashTable(
        _kv(tf, ["a", "a"], np.array([1, 1], np.int64)), -1).lookup(tf.constant(["a"])),
    "lookup_text_file": _text_table,
    "lookup_vocab_text_file": _text_line_numbers,
    "lookup_vocab_strings": lambda tf: tf.lookup.StaticVocabularyTable(
        _kv(tf, ["emerson", "lake", "palmer"], np.array([0, 1, 2], np.int64)), num_oov_buckets=5).lookup(
        tf.constant(["lake", "king", "crimson", "palmer", "yes"])),
    "lookup_vocab_int_keys": lambda tf: tf.lookup.StaticVocabularyTable(
        _kv(tf, np.array([10, 20], np.int64), np.array([0, 1], np.int64)), num_oov_buckets=7).lookup(
        tf.constant([20, 11, 10, 99], tf.int64)),
    "lookup_vocab_size": lambda tf: tf.lookup.StaticVocabularyTable(
        _kv(tf, ["a", "b"], np.array([0, 1], np.int64)), num_oov_buckets=4).size(),
    "lookup_mutable": _mutable,
    "lookup_mutable_vector": _mutable_vector,
}
