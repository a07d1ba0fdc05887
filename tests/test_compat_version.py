"""``tf.compat`` text helpers and ``tf.compat.v1``'s eager-tutorial names, ``tf.version``."""
from __future__ import annotations

import pathlib

import pytest

import gradtape as tf


def test_text_conversions_match_tf():
    assert tf.compat.as_bytes("é") == b"\xc3\xa9"
    assert tf.compat.as_bytes(bytearray(b"ab")) == b"ab"
    assert tf.compat.as_bytes("é", encoding="latin-1") == b"\xe9"
    assert tf.compat.as_text(b"\xc3\xa9") == "é" and tf.compat.as_str("x") == "x"
    assert tf.compat.as_str_any(3) == "3" and tf.compat.as_str_any(b"y") == "y"
    assert tf.compat.path_to_str(pathlib.Path("a/b")) == "a/b" and tf.compat.path_to_str(4) == 4
    with pytest.raises(TypeError, match="Expected binary or unicode string"):
        tf.compat.as_bytes(3)


def test_v1_keeps_only_the_eager_tutorial_names():
    assert tf.compat.v1.enable_eager_execution() is None
    assert tf.compat.v1.executing_eagerly() is True
    with pytest.raises(AttributeError, match="not supported by gradtape"):
        tf.compat.v1.placeholder


def test_version_strings():
    assert tf.version.VERSION == tf.__version__ == tf.keras.__version__
    assert isinstance(tf.version.GIT_VERSION, str) and isinstance(tf.version.COMPILER_VERSION, str)


def test_dtypes_complex_is_tf_complex():
    z = tf.dtypes.complex(tf.constant([1.0]), tf.constant([2.0]))
    assert z.dtype == tf.complex64 and z.numpy()[0] == 1 + 2j


def test_keras_backend_random_helpers():
    tf.random.set_seed(3)
    a = tf.keras.backend.random_normal([500], mean=2.0, stddev=0.5, seed=1)
    assert a.dtype == tf.float32 and abs(float(tf.reduce_mean(a)) - 2.0) < 0.1
    u = tf.keras.backend.random_uniform([500], 1.0, 3.0)
    assert 1.0 <= float(tf.reduce_min(u)) and float(tf.reduce_max(u)) < 3.0
    b = tf.keras.backend.random_bernoulli([1000], p=0.25)
    assert set(b.numpy().tolist()) <= {0.0, 1.0} and 0.18 < float(tf.reduce_mean(b)) < 0.32
    assert float(tf.reduce_max(tf.abs(tf.keras.backend.truncated_normal([500])))) <= 2.0
