"""A functional model calling MultiHeadAttention with several tensor arguments, compiled with Adam and metric
objects, exchanged with real Keras 3.15 through ``.keras`` files: architecture (Keras 3 node arguments),
compile config (metric objects) and the optimizer's state (iteration count and Adam slots) in both directions.

Fixtures: tests/tf_reference/make_keras_attention_file.py (real Keras writes attn_adam.keras after 3 Adam steps
and records one more step); make_gradtape_attention_file.py + ``--check`` (real Keras loads gradtape's file and
records the outcome in gradtape_to_keras_attn.json)."""
import json
import os
import zipfile

import numpy as np
import pytest

import gradtape as tf

h5py = pytest.importorskip("h5py")
L = tf.keras.layers
DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
REC = json.load(open(os.path.join(DATA, "attn_adam.json")))
X, Y = np.asarray(REC["x"], "float32"), np.asarray(REC["y"])


def test_keras_file_loads_with_metrics_and_adam_state():
    model = tf.keras.models.load_model(os.path.join(DATA, "attn_adam.keras"))
    np.testing.assert_allclose(model.predict(X, verbose=0), REC["predictions"], atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam"
    assert int(model.optimizer.iterations.numpy()) == REC["iterations"] == 3
    kernel = model.get_layer("head").kernel
    assert np.any(model.optimizer.get_slot(kernel, "m").numpy() != 0)      # Keras's moments, not fresh zeros
    logs = model.train_on_batch(X, Y, return_dict=True)
    nxt = REC["next_step"]
    assert sorted(logs) == ["loss", "sparse_categorical_accuracy"]
    assert logs["loss"] == pytest.approx(nxt["loss"], abs=1e-6)
    assert logs["sparse_categorical_accuracy"] == pytest.approx(nxt["sparse_categorical_accuracy"])
    assert int(model.optimizer.iterations.numpy()) == nxt["iterations"] == 4
    for w, want in zip(model.get_weights(), nxt["weights"]):
        np.testing.assert_allclose(w, want, atol=2e-5)          # Keras's step (fresh slots would be off by ~1e-2)
    np.testing.assert_allclose(model.predict(X, verbose=0), nxt["predictions"], atol=1e-5)


def test_gradtape_file_loaded_by_keras_with_optimizer_slots():
    res = json.load(open(os.path.join(DATA, "gradtape_to_keras_attn.json")))
    assert res["ok"], res
    assert res["iterations"] == 4 and res["n_optimizer_variables"] == [30, 30]
    assert res["optimizer_variables_max_abs_diff"] < 1e-6
    assert res["next_weights_max_abs_diff"] < 1e-5


def test_keras_zip_written_in_keras3_layout(tmp_path):
    model = tf.keras.models.load_model(os.path.join(DATA, "attn_adam.keras"))
    model.train_on_batch(X, Y)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
        with h5py.File(__import__("io").BytesIO(z.read("model.weights.h5")), "r") as f:
            opt = f["optimizer/vars"]
            n = len(opt)
            assert int(opt["0"][()]) == 4
            assert n == 2 + 2 * len(model.trainable_variables)
            m_kernel = np.asarray(opt["2"][()])                      # first trainable variable's momentum
    first = model.trainable_variables[0]
    np.testing.assert_array_equal(m_kernel, model.optimizer.get_slot(first, "m").numpy())
    nodes = {lc["name"]: lc["inbound_nodes"] for lc in config["config"]["layers"]}
    self_att = nodes["self_att"][0]
    assert [a["config"]["keras_history"] for a in self_att["args"]] == [["tokens", 0, 0]]
    assert self_att["kwargs"]["value"]["config"]["keras_history"] == ["tokens", 0, 0]
    assert sorted(nodes["cross_att"][0]["kwargs"]) == ["key", "value"]
    cc = config["compile_config"]
    assert cc["metrics"][0]["class_name"] == "SparseCategoricalAccuracy"
    assert cc["metrics"][0]["module"] == "keras.metrics" and cc["loss"]["module"] == "keras.losses"
    again = tf.keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-7)
    assert again.optimizer.get_slot(again.trainable_variables[0], "v").numpy().tolist() == \
        model.optimizer.get_slot(first, "v").numpy().tolist()


def _attention_model():
    tokens = tf.keras.Input((5, 8), name="tokens")
    mask = tf.keras.Input((5, 5), name="mask")
    a = L.MultiHeadAttention(num_heads=2, key_dim=4, name="self_att")(tokens, tokens)
    b = L.MultiHeadAttention(num_heads=1, key_dim=3, name="cross")(a, value=tokens, key=a, attention_mask=mask)
    out = L.Dense(3, name="head")(L.GlobalAveragePooling1D()(b))
    return tf.keras.Model([tokens, mask], out)


@pytest.mark.parametrize("fmt", ["config", "keras", "h5"])
def test_attention_with_several_tensor_arguments_round_trips(tmp_path, fmt):
    model = _attention_model()
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(2, 5, 8)).astype("float32"), (rng.random((2, 5, 5)) > 0.3).astype("float32")]
    want = model.predict(x, verbose=0)
    if fmt == "config":
        cfg = model.get_config()
        node = [lc for lc in cfg["layers"] if lc["name"] == "cross"][0]["inbound_nodes"][0]
        assert [e[:3] for e in node] == [["self_att", 0, 0]]                    # tf.keras 2's node form
        assert node[0][3] == {"value": ["tokens", 0, 0], "key": ["self_att", 0, 0], "attention_mask": ["mask", 0, 0]}
        again = tf.keras.Model.from_config(json.loads(json.dumps(cfg)))
        again.set_weights(model.get_weights())
    else:
        path = str(tmp_path / f"m.{fmt}")
        model.save(path)
        again = tf.keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), want, atol=1e-6)


def test_metric_objects_restored_after_reload(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4)])
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy(name="acc"),
                           tf.keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    x = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    y = np.array([0, 1, 2, 3, 0, 1])
    model.fit(x, y, epochs=1, verbose=0)
    for ext in ("keras", "h5"):
        path = str(tmp_path / f"m.{ext}")
        model.save(path)
        again = tf.keras.models.load_model(path)
        logs = again.evaluate(x, y, verbose=0, return_dict=True)
        assert sorted(logs) == ["acc", "loss", "top2"], ext
        assert logs == pytest.approx(model.evaluate(x, y, verbose=0, return_dict=True))
