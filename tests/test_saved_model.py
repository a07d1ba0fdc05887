"""tf.saved_model.save/load, Model.export and keras.layers.TFSMLayer on gradtape's own directory format."""
import json
import os

import numpy as np
import pytest

import gradtape as tf


def _model():
    inp = tf.keras.Input((3,), name="features")
    h = tf.keras.layers.Dense(4, activation="relu", name="hidden")(inp)
    out = tf.keras.layers.Dense(2, name="head")(h)
    m = tf.keras.Model(inp, out)
    m.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32")
                   for i, w in enumerate(m.get_weights())])
    return m


def test_save_load_serving_default(tmp_path):
    m = _model()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    d = str(tmp_path / "sm")
    tf.saved_model.save(m, d)
    assert tf.saved_model.contains_saved_model(d)
    meta = json.load(open(os.path.join(d, "gradtape_saved_model.json")))
    assert meta["format"] == "gradtape-saved-model"
    loaded = tf.saved_model.load(d)
    out = loaded.signatures["serving_default"](tf.constant(x))
    assert list(out) == ["output_0"]                       # as TF 2.21 + Keras 3
    np.testing.assert_allclose(loaded.signatures["serving_default"](inputs=x)["output_0"].numpy(),
                               m.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(next(iter(out.values())).numpy(), m.predict(x, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(loaded(x).numpy(), m.predict(x, verbose=0), rtol=1e-6)
    assert len(loaded.variables) == 4
    with pytest.raises(ValueError):
        loaded.signatures["serving_default"](np.zeros((2, 4), "float32"))
    # saving again over the directory replaces it whole
    m.layers[-1].bias.assign(np.ones(2, "float32"))
    tf.saved_model.save(m, d)
    np.testing.assert_allclose(tf.saved_model.load(d)(x).numpy(), m.predict(x, verbose=0), rtol=1e-6)
    assert [p for p in os.listdir(tmp_path) if p.startswith(".")] == []


def test_export_and_tfsm_layer(tmp_path):
    m = _model()
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    d = str(tmp_path / "exported")
    m.export(d)
    loaded = tf.saved_model.load(d)
    assert list(loaded.signatures["serving_default"](x)) == ["output_0"]
    layer = tf.keras.layers.TFSMLayer(d, call_endpoint="serving_default")
    np.testing.assert_allclose(layer(x).numpy(), m.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError):
        tf.keras.layers.TFSMLayer(d, call_endpoint="nope")


def test_unsupported_and_bad_dirs(tmp_path):
    with pytest.raises(ValueError, match="tf.Module"):
        tf.saved_model.save(object(), str(tmp_path / "m"))
    with pytest.raises(ValueError, match="input_signature"):
        tf.saved_model.save(_model(), str(tmp_path / "m"), signatures={"a": None})
    with pytest.raises(OSError):
        tf.saved_model.load(str(tmp_path / "missing"))
    os.makedirs(tmp_path / "tfsm")
    open(tmp_path / "tfsm" / "saved_model.pb", "wb").close()
    with pytest.raises(NotImplementedError, match="protobuf SavedModel"):
        tf.saved_model.load(str(tmp_path / "tfsm"))
    assert not os.path.exists(tmp_path / "m")


def test_default_serving_signature_key_names_the_loaded_signature(tmp_path):
    assert tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY == "serving_default"   # TF 2.21's value
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    tf.saved_model.save(model, str(tmp_path / "m"))
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    assert tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY in loaded.signatures
