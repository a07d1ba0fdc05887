"""tf.keras.mixed_precision against numbers recorded from TF 2.21 / Keras 3.15
(tests/data/tf_mixed_precision.json, from tests/tf_reference/record_mixed_precision.py): policies,
layer autocasting, gradients, LossScaleOptimizer's dynamic scale and fit."""
from __future__ import annotations

import json
import os
import sys
import threading

import numpy as np
import pytest

import gradtape as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tf_reference"))

import mixed_precision_cases as C  # noqa: E402

with open(os.path.join(HERE, "data", "tf_mixed_precision.json")) as _f:
    REC = json.load(_f)

mp = tf.keras.mixed_precision


@pytest.fixture(autouse=True)
def _reset_policy():
    mp._clear_global_policy()
    yield
    mp._clear_global_policy()


def test_policies():
    p = mp.Policy("mixed_float16")
    assert (p.name, p.compute_dtype, p.variable_dtype) == ("mixed_float16", "float16", "float32")
    assert repr(p) == '<DTypePolicy "mixed_float16">' and p.get_config() == {"name": "mixed_float16"}
    assert mp.Policy("float64").compute_dtype == "float64"
    with pytest.raises(ValueError, match="mixed precision"):
        mp.Policy("foo")
    assert mp.global_policy().name == "float32"
    mp.set_global_policy("mixed_float16")
    assert mp.global_policy() == mp.Policy("mixed_float16")
    with pytest.raises(ValueError):
        mp.set_global_policy(3)


def test_global_policy_is_per_thread_as_keras3():
    mp.set_global_policy("mixed_float16")
    seen = []
    t = threading.Thread(target=lambda: seen.append(mp.global_policy().name))
    t.start()
    t.join()
    assert seen == ["float32"] and mp.global_policy().name == "mixed_float16"


def test_forward_dtypes_values_and_gradients_match_tf():
    got = C.forward(tf)
    want = REC["forward"]
    assert [getattr(d, "name", d) for d in got["dtypes"]] == want["dtypes"]
    assert (got["policy"], got["compute"], got["variable"]) == (want["policy"], want["compute"], want["variable"])
    np.testing.assert_allclose(got["y"].numpy(), want["y"], rtol=2e-3, atol=2e-3)
    for g, w in zip(got["grads"], want["grads"]):
        assert g.dtype == tf.float32
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-2, atol=1e-2)


def test_loss_scale_optimizer_steps_match_tf():
    got = C.loss_scale_steps(tf)
    want = REC["loss_scale_steps"]
    assert got["scales"] == want["scales"] and got["iterations"] == want["iterations"]
    np.testing.assert_allclose(got["values"], want["values"], rtol=1e-6)
    assert got["scaled_loss"] == want["scaled_loss"]


def test_fit_with_loss_scale_optimizer_matches_tf():
    got = C.fit(tf)
    want = REC["fit"]
    assert got["iterations"] == want["iterations"] and got["scale"] == want["scale"]
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=5e-3)
    for g, w in zip(got["weights"], want["weights"]):
        np.testing.assert_allclose(g, w, rtol=1e-2, atol=2e-3)


def test_keras2_scaled_loss_and_unscaled_gradients_are_not_unscaled_twice():
    opt = mp.LossScaleOptimizer(tf.keras.optimizers.SGD(1.0), initial_scale=4.0)
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v * v)
        scaled = opt.get_scaled_loss(loss)
    assert float(scaled) == 4.0 * float(loss)
    grads = opt.get_unscaled_gradients(tape.gradient(scaled, [v]))
    np.testing.assert_allclose(grads[0], [2.0, 4.0])
    opt.apply_gradients(zip(grads, [v]))
    np.testing.assert_allclose(v.numpy(), [-1.0, -2.0])
    # Keras 3 style: the scaled gradients themselves, unscaled by apply_gradients
    with tf.GradientTape() as tape:
        scaled = opt.scale_loss(tf.reduce_sum(v * v))
    opt.apply_gradients(zip(tape.gradient(scaled, [v]), [v]))
    np.testing.assert_allclose(v.numpy(), [1.0, 2.0])
    assert opt.get_unscaled_gradients([None]) == [None]


def test_layer_autocast_inside_custom_layer_and_explicit_float32_layer():
    mp.set_global_policy("mixed_float16")

    class Scale(tf.keras.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w

    layer = Scale()
    y = layer(np.ones((2, 3), np.float32))
    assert y.dtype == tf.float16 and layer.w.dtype == tf.float32
    assert layer.w.read_value().dtype == tf.float32       # outside call: the float32 value
    out = tf.keras.layers.Dense(2, dtype="float32")(y)
    assert out.dtype == tf.float32


def test_mixed_policy_survives_get_config_and_save(tmp_path):
    mp.set_global_policy("mixed_float16")
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2),
                                 tf.keras.layers.Activation("linear", dtype="float32")])
    mp._clear_global_policy()
    cfg = model.layers[0].get_config()
    assert cfg["dtype"]["config"]["name"] == "mixed_float16"
    assert tf.keras.layers.Dense.from_config(cfg).compute_dtype == "float16"
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    assert loaded.layers[0].compute_dtype == "float16" and loaded.layers[0].dtype == "float32"
    x = np.ones((1, 3), np.float32)
    np.testing.assert_allclose(loaded(x), model(x))
