"""Core API ops against numbers recorded from real TensorFlow (tests/data/tf_api_ops.json, written
by tests/tf_reference/record_api_ops.py from the cases in tests/tf_reference/api_cases.py): values,
dtypes, shapes, gradients and the exception type of bad input."""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import gradtape as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tf_reference"))

from api_cases import CASES  # noqa: E402

with open(os.path.join(HERE, "data", "tf_api_ops.json")) as _f:
    RECORDED = json.load(_f)["cases"]


BF16_EXACT = {"bf16_cast", "bf16_constant", "bf16_arith", "bf16_grad", "bf16_back_to_float32"}


def _compare(got, want, where: str) -> None:
    if want is None:
        assert got is None, f"{where}: TF gives None, gradtape {got!r}"
        return
    if "seq" in want:
        assert isinstance(got, (list, tuple)), f"{where}: expected a sequence, got {type(got).__name__}"
        assert len(got) == len(want["seq"]), f"{where}: length {len(got)} != TF's {len(want['seq'])}"
        for i, (g, w) in enumerate(zip(got, want["seq"])):
            _compare(g, w, f"{where}[{i}]")
        return
    if "indexed_slices" in want:
        assert isinstance(got, tf.IndexedSlices), f"{where}: TF gives IndexedSlices, gradtape {type(got).__name__}"
        for part in ("indices", "values", "dense_shape"):
            _compare(getattr(got, part), want["indexed_slices"][part], f"{where}.{part}")
        return
    if "sparse" in want:
        for part in ("indices", "values", "dense_shape"):
            _compare(getattr(got, part), want["sparse"][part], f"{where}.{part}")
        return
    assert got is not None, f"{where}: gradtape gives None, TF a value"
    arr = np.asarray(got)
    got_dtype = got.dtype.name if hasattr(got, "dtype") else arr.dtype.name
    assert got_dtype == want["dtype"], f"{where}: dtype {got_dtype} != TF's {want['dtype']}"
    assert list(arr.shape) == want["shape"], f"{where}: shape {list(arr.shape)} != TF's {want['shape']}"
    if want["dtype"] == "string":
        got_text = [bytes(b).decode("latin-1") for b in arr.reshape(-1)]
        assert got_text == list(np.asarray(want["value"], dtype=object).reshape(-1)), f"{where}: {got_text}"
        return
    ref = np.asarray(want["value"], dtype=np.float64 if arr.dtype.kind in "fcV" else None)
    if arr.dtype.kind == "c":
        ref = ref[..., 0] + 1j * ref[..., 1]
    if got_dtype == "bfloat16":
        # Elementwise ops and casts round exactly as TF; matmul and reductions may differ by one
        # bfloat16 rounding (TF's kernels round intermediate sums differently).
        exact = where.split("[")[0] in BF16_EXACT
        np.testing.assert_allclose(arr.astype(np.float64), ref.reshape(arr.shape), rtol=0 if exact else 2 ** -7,
                                   atol=0, err_msg=where)
    elif arr.dtype.kind in "fc":
        tol = 1e-6 if arr.dtype in (np.float32, np.complex64) else 1e-12
        if where.startswith("bf16") and where.split("[")[0] not in BF16_EXACT:
            tol = 2 ** -7        # float32 results of bfloat16 computations
        np.testing.assert_allclose(arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64),
                                   ref.reshape(arr.shape), rtol=tol * 10, atol=tol, err_msg=where)
    else:
        np.testing.assert_array_equal(arr, ref.reshape(arr.shape).astype(arr.dtype), err_msg=where)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tensorflow(name):
    want = RECORDED[name]
    if "error" in want:
        err = want["error"]
        expected = getattr(tf.errors, err, None) or {"ValueError": ValueError, "TypeError": TypeError}[err]
        with pytest.raises(expected):
            CASES[name](tf)
        return
    _compare(CASES[name](tf), want["result"], name)


def test_every_case_was_recorded():
    assert sorted(RECORDED) == sorted(CASES), "re-run tests/tf_reference/record_api_ops.py"


def test_get_logger_is_tensorflows_logger():
    import logging
    logger = tf.get_logger()
    assert isinstance(logger, logging.Logger) and logger.name == "tensorflow"
    assert tf.get_logger() is logger is logging.getLogger("tensorflow")
    handlers = list(logger.handlers)
    tf.get_logger()
    assert logger.handlers == handlers, "a second call must not add another handler"


def test_segment_sum_gradient_is_sparse_free_and_second_order():
    # d/dx of sum(unsorted_segment_sum(x)^2) = 2 * segment total gathered back; dropped ids get 0
    x = tf.constant([1.0, 2.0, 3.0, 4.0], dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(tf.math.unsorted_segment_sum(x, [1, 1, -1, 0], 2) ** 2)
    np.testing.assert_allclose(t.gradient(y, x), [6.0, 6.0, 0.0, 8.0])


def test_clip_by_global_norm_keeps_none_and_inf_gives_nan():
    out, norm = tf.clip_by_global_norm([None, tf.constant([3.0, 4.0])], 1.0)
    assert out[0] is None and float(norm) == 5.0
    out, norm = tf.clip_by_global_norm([tf.constant([np.inf])], 1.0)
    assert np.isnan(out[0].numpy()).all() and np.isinf(norm.numpy())
