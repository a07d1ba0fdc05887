"""Files written by real Keras 3.15 (tests/tf_reference/make_keras_files.py: .keras, Keras 3 .weights.h5,
tf.keras 2 legacy .h5 model and weights files) load in gradtape and predict as Keras did; gradtape's
files in those layouts round-trip; unsupported layers and options fail with errors naming them."""
import json
import os
import zipfile

import numpy as np
import pytest

import gradtape as tf

h5py = pytest.importorskip("h5py")
L = tf.keras.layers
DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
PRED = json.load(open(os.path.join(DATA, "predictions.json")))
NAMES = ["cnn", "two_inputs", "two_dense", "lstm"]


@tf.keras.saving.register_keras_serializable(package="gradtape_test")
class TwoDense(tf.keras.Model):
    """The subclassed model of make_keras_files.py."""

    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = L.Dense(units, activation="tanh", name="hidden")
        self.out = L.Dense(2, name="out")

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def build(name):
    """The same architectures, built in gradtape (fresh weights)."""
    if name == "cnn":
        return tf.keras.Sequential([
            L.Input((8, 8, 1)), L.Conv2D(4, 3, activation="relu", padding="same", name="conv"),
            L.BatchNormalization(name="bn"), L.MaxPooling2D(2, name="pool"), L.Flatten(name="flat"),
            L.Dropout(0.2, name="drop"), L.Dense(3, activation="softmax", name="dense")], name="cnn")
    if name == "two_inputs":
        a, b = L.Input((4,), name="a"), L.Input((3,), name="b")
        h = L.Dense(5, activation="relu", name="da")(a)
        return tf.keras.Model([a, b], L.Dense(2, name="head")(L.Concatenate(name="cat")([h, b])), name="two_inputs")
    if name == "two_dense":
        m = TwoDense(5, name="two_dense")
        m(np.zeros((1, 4), np.float32))
        return m
    return tf.keras.Sequential([L.Input((5, 3)), L.LSTM(4, name="lstm"), L.Dense(1, name="out")], name="lstm_model")


def inputs(name):
    x = PRED[name]["x"]
    if name == "two_inputs":
        return [np.asarray(t, np.float32) for t in x]
    return np.asarray(x, np.float32)


def check(model, name):
    y = model(inputs(name), training=False)
    np.testing.assert_allclose(np.asarray(y), np.asarray(PRED[name]["y"], np.float32), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", NAMES)
def test_keras_zip_from_keras(name):
    model = tf.keras.models.load_model(os.path.join(DATA, name + ".keras"))
    check(model, name)
    assert model.optimizer is not None and type(model.optimizer).__name__ == "Adam"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", [".weights.h5", ".legacy_weights.h5"])
def test_weights_from_keras(name, kind):
    model = build(name)
    model.load_weights(os.path.join(DATA, name + kind))
    check(model, name)


@pytest.mark.parametrize("name", ["cnn", "two_inputs", "lstm"])
def test_legacy_h5_model_from_keras(name):
    check(tf.keras.models.load_model(os.path.join(DATA, name + ".h5")), name)


def test_legacy_weights_by_name_from_keras():
    m = tf.keras.Sequential([L.Input((5, 3)), L.LSTM(4, name="lstm"), L.Dense(1, name="other")])
    dense_before = [np.array(v.numpy()) for v in m.layers[1].weights]
    m.load_weights(os.path.join(DATA, "lstm.legacy_weights.h5"), by_name=True)
    ref = build("lstm")
    ref.load_weights(os.path.join(DATA, "lstm.legacy_weights.h5"))
    for v, w in zip(m.layers[0].weights, ref.layers[0].weights):
        np.testing.assert_array_equal(v.numpy(), w.numpy())
    for v, a in zip(m.layers[1].weights, dense_before):
        np.testing.assert_array_equal(v.numpy(), a)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", ["m.keras", "m.h5", "w.weights.h5", "w.h5"])
def test_round_trip_in_keras_layouts(tmp_path, name, fmt):
    src = tf.keras.models.load_model(os.path.join(DATA, name + ".keras"))
    path = str(tmp_path / fmt)
    if fmt.startswith("m."):
        src.save(path)
        if fmt == "m.h5" and name != "two_dense":
            with h5py.File(path, "r") as f:  # tf.keras 2's layout
                assert "model_weights" in f and "model_config" in f.attrs
        model = tf.keras.models.load_model(path)
    else:
        src.save_weights(path)
        model = build(name)
        model.load_weights(path)
    check(model, name)


def test_keras_zip_members_are_keras_layout(tmp_path):
    src = tf.keras.models.load_model(os.path.join(DATA, "cnn.keras"))
    src.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        names = z.namelist()
        cfg = json.loads(z.read("config.json"))
    assert {"config.json", "metadata.json", "model.weights.h5"} <= set(names)
    assert cfg["class_name"] == "Sequential" and cfg["config"]["layers"][1]["class_name"] == "Conv2D"


def test_optimizer_state_round_trips_through_keras_zip(tmp_path):
    m = build("two_inputs")
    m.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    x = inputs("two_inputs")
    m.fit(x, np.ones((2, 2), np.float32), epochs=2, verbose=0)
    m.save(str(tmp_path / "m.keras"))
    m2 = tf.keras.models.load_model(str(tmp_path / "m.keras"))
    assert int(m2.optimizer.iterations.numpy()) == int(m.optimizer.iterations.numpy())
    m.fit(x, np.ones((2, 2), np.float32), epochs=1, verbose=0)
    m2.fit(x, np.ones((2, 2), np.float32), epochs=1, verbose=0)
    for a, b in zip(m.weights, m2.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def _edit_config(src, dst, edit):
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    cfg = json.loads(members["config.json"])
    edit(cfg)
    members["config.json"] = json.dumps(cfg).encode()
    meta = json.loads(members["metadata.json"])
    meta.pop("gradtape", None)
    members["metadata.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(dst, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)


def test_unsupported_layer_and_option_are_named(tmp_path):
    src = os.path.join(DATA, "cnn.keras")

    def unknown_layer(cfg):
        cfg["config"]["layers"][1]["class_name"] = "FancyConv"
    _edit_config(src, str(tmp_path / "a.keras"), unknown_layer)
    with pytest.raises(ValueError, match="FancyConv"):
        tf.keras.models.load_model(str(tmp_path / "a.keras"))

    def renorm(cfg):
        cfg["config"]["layers"][2]["config"]["renorm"] = True
    _edit_config(src, str(tmp_path / "b.keras"), renorm)
    with pytest.raises(NotImplementedError, match="renorm"):
        tf.keras.models.load_model(str(tmp_path / "b.keras"))

    def unknown_option(cfg):
        cfg["config"]["layers"][1]["config"]["foo_option"] = 3
    _edit_config(src, str(tmp_path / "c.keras"), unknown_option)
    with pytest.raises(NotImplementedError, match="foo_option.*Conv2D"):
        tf.keras.models.load_model(str(tmp_path / "c.keras"))


def test_keras3_only_options_at_defaults_are_accepted(tmp_path):
    """Keras 3 options gradtape lacks load when they are off (rms_scaling=False, lora_rank=None, ...)."""
    def keras3_opts(cfg):
        cfg["config"]["layers"][6]["config"].update({"lora_rank": None, "quantization_config": None})
        cfg["config"]["layers"][2]["config"].update({"synchronized": False})
    _edit_config(os.path.join(DATA, "cnn.keras"), str(tmp_path / "k.keras"), keras3_opts)
    check(tf.keras.models.load_model(str(tmp_path / "k.keras")), "cnn")


def test_lambda_bytecode_is_refused(tmp_path):
    def add_lambda(cfg):
        cfg["config"]["layers"].insert(5, {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                                           "config": {"name": "lam", "function": {
                                               "class_name": "__lambda__", "config": {
                                                   "code": "4wEAAAAAAAAA", "defaults": None, "closure": None}}}})
    _edit_config(os.path.join(DATA, "cnn.keras"), str(tmp_path / "l.keras"), add_lambda)
    with pytest.raises(ValueError, match="safe_mode=False"):
        tf.keras.models.load_model(str(tmp_path / "l.keras"))


def test_custom_objects_argument(tmp_path):
    class Plain(tf.keras.Model):  # not registered: found through custom_objects
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.d = L.Dense(units)

        def call(self, x):
            return self.d(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}
    m = Plain(3)
    m(np.ones((1, 2), np.float32))
    m.save(str(tmp_path / "p.keras"))
    with pytest.raises(ValueError, match="Plain"):
        tf.keras.models.load_model(str(tmp_path / "p.keras"))
    m2 = tf.keras.models.load_model(str(tmp_path / "p.keras"), custom_objects={"Plain": Plain})
    np.testing.assert_allclose(m2(np.ones((1, 2), np.float32)).numpy(), m(np.ones((1, 2), np.float32)).numpy())
