"""tf.bfloat16 (through ml_dtypes): every float op in the op database runs on bfloat16 tensors,
gives bfloat16 results close to the float32 computation, and bfloat16 gradients; the dtype's
properties; a clear error naming the extra when ml_dtypes is missing. Values against TF are in
tests/test_api_ops.py (the bf16_* cases)."""
from __future__ import annotations

import subprocess
import sys
import zlib

import numpy as np
import pytest

ml_dtypes = pytest.importorskip("ml_dtypes")

import gradtape as tf  # noqa: E402
from op_db import ALL_OPS  # noqa: E402

BF = np.dtype(ml_dtypes.bfloat16)


def _is_float(a) -> bool:
    return isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype.kind == "f"


def _flat(r):
    return [t for t in (r if isinstance(r, (list, tuple)) else [r]) if t is not None]


NOT_BF16 = {"complex",   # TF defines complex() for float32/float64 parts only
            # TF's decompositions (svd, qr, eigh, pinv) have no bfloat16 kernels
            "pinv", "pinv_rank_deficient", "svd_values", "svd_vectors", "qr", "self_adjoint_eig",
            "eigh_vectors",
            # TF's FFT kernels take float32/float64 (complex64/128) only: rfft of bfloat16 raises
            "fft", "ifft2d", "rfft", "rfft2d", "irfft", "irfft2d", "stft", "dct2"}
CASES = [pytest.param(info, id=info.name) for info in ALL_OPS
         if np.float32 in info.dtypes and info.name not in NOT_BF16]


@pytest.mark.parametrize("info", CASES)
def test_op_runs_in_bfloat16(info):
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    sample = info.samples(rng)[0]
    as32 = [tf.constant(np.asarray(a, np.float32).astype(BF).astype(np.float32)) if _is_float(a) else a
            for a in sample.args]
    asbf = [tf.constant(np.asarray(a, np.float32).astype(BF)) if _is_float(a) else a for a in sample.args]
    want = _flat(info.fn(*as32, **sample.kwargs))
    watched = [t for t in asbf if isinstance(t, tf.Tensor) and t.dtype == tf.bfloat16]
    with tf.GradientTape() as tape:
        for t in watched:
            tape.watch(t)
        got = _flat(info.fn(*asbf, **sample.kwargs))
        outs = [t for t in got if t.dtype == tf.bfloat16]
        total = tf.add_n([tf.reduce_sum(t) for t in outs]) if outs else None
    for g, w in zip(got, want):
        w = np.asarray(w)
        if w.dtype.kind == "f" and watched and not info.name.startswith(("cast", "one_hot")):
            assert g.dtype == tf.bfloat16, f"{info.name}: {g.dtype.name} output for bfloat16 inputs"
            np.testing.assert_allclose(np.asarray(g).astype(np.float32), w, rtol=5e-2, atol=5e-2)
    if info.grad and total is not None and watched:
        for g in tape.gradient(total, watched):
            assert g is None or g.dtype == tf.bfloat16


def test_dtype_properties_and_repr():
    b = tf.bfloat16
    assert b.is_floating and b.size == 2 and b.name == "bfloat16" and repr(b) == "tf.bfloat16"
    assert tf.as_dtype("bfloat16") is b and tf.as_dtype(BF) is b and tf.dtypes.bfloat16 is b
    assert float(b.max) == pytest.approx(3.38953e38, rel=1e-5)
    x = tf.constant([1.0, 2.5, 1.0 / 3.0], dtype=tf.bfloat16)
    assert repr(x) == "<tf.Tensor: shape=(3,), dtype=bfloat16, numpy=array([1, 2.5, 0.333984], dtype=bfloat16)>"
    assert str(x) == "tf.Tensor([1 2.5 0.333984], shape=(3,), dtype=bfloat16)"
    v = tf.Variable(x)
    assert v.dtype == tf.bfloat16
    with pytest.raises(tf.errors.InvalidArgumentError):
        x + tf.constant([1.0, 2.0, 3.0])


def test_training_step_in_bfloat16():
    w = tf.Variable(tf.ones([3, 1], tf.bfloat16))
    x = tf.constant(np.arange(6).reshape(2, 3), tf.bfloat16)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0))
    g = tape.gradient(loss, w)
    assert g.dtype == tf.bfloat16
    tf.keras.optimizers.SGD(0.01).apply_gradients([(g, w)])
    assert w.dtype == tf.bfloat16 and float(tf.reduce_sum(tf.cast(w, tf.float32))) < 3.0


def test_missing_ml_dtypes_names_the_extra():
    code = ("import sys; sys.modules['ml_dtypes'] = None\n"
            "import gradtape as tf\n"
            "try:\n    tf.bfloat16\nexcept ImportError as e:\n    print('ERR', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "ERR" in out and "gradtape[bfloat16]" in out and "ml_dtypes" in out
