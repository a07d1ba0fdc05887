"""``tf.experimental.numpy`` beyond the TF-recorded cases (tests/tf_reference/tnp_cases.py):
NumPy's float64 for transcendental functions of integers, gradients through tnp functions, and
``experimental_enable_numpy_behavior`` -- which changes the whole process, so it runs in a
subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

import gradtape as tf

tnp = tf.experimental.numpy
SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def test_transcendental_functions_of_integers_are_float64_as_numpy():
    for fn, ref in ((tnp.exp, np.exp), (tnp.sqrt, np.sqrt), (tnp.log, np.log), (tnp.sin, np.sin)):
        out = fn([1, 4])
        assert out.dtype == tf.float64
        np.testing.assert_allclose(out.numpy(), ref(np.array([1, 4])))


def test_gradients_flow_through_promotion():
    x = tf.constant([1.0, 2.0], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tnp.sum(tnp.multiply(x, [2, 3]))          # float32 x int64 -> float64
    assert y.dtype == tf.float64
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 3.0])


def test_where_with_one_argument_gives_indices():
    rows, cols = tnp.where([[True, False], [False, True]])
    assert rows.numpy().tolist() == [0, 1] and cols.numpy().tolist() == [0, 1]


def test_random_is_reproducible_after_seed():
    tnp.random.seed(3)
    a = tnp.random.randn(4).numpy()
    tnp.random.seed(3)
    np.testing.assert_array_equal(a, tnp.random.randn(4).numpy())


def test_operators_refuse_mixed_dtypes_until_numpy_behavior_is_enabled():
    code = textwrap.dedent("""
        import numpy as np
        import gradtape as tf
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        try:
            tf.constant(1) + tf.constant(1.5)
        except tf.errors.InvalidArgumentError:
            print("refused")
        assert not hasattr(x, "astype")
        tf.experimental.numpy.experimental_enable_numpy_behavior()
        assert x.reshape([4]).numpy().tolist() == [1.0, 2.0, 3.0, 4.0]
        assert x.reshape(4, 1).shape == (4, 1)
        assert x.T.numpy().tolist() == [[1.0, 3.0], [2.0, 4.0]]
        assert x.astype("int32").dtype == tf.int32
        assert float(x.mean()) == 2.5 and x.max().numpy() == 4.0 and x.size == 4
        assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
        s = tf.constant(1) + tf.constant(1.5)
        assert s.dtype == tf.float64 and float(s) == 2.5
        assert (tf.constant([1, 2]) * 2.5).dtype == tf.float64
        v = tf.Variable([1.0, 2.0])
        with tf.GradientTape() as tape:
            y = (v * tf.constant([2, 3])).sum()
        assert tape.gradient(y, v).numpy().tolist() == [2.0, 3.0]
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["refused", "ok"]
