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
