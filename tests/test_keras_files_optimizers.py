"""Optimizer state (slots and iteration count) exchanged with real Keras 3 in ``.keras`` files for RMSprop
(momentum, centered), Adagrad, Adamax, SGD (Nesterov momentum) and AdamW (amsgrad): after loading, one more
training step gives Keras's numbers, and files gradtape writes give, loaded in Keras, gradtape's next step.
Fixtures: tests/tf_reference/make_keras_optimizer_files.py (run this file as a script to write gradtape's
files for its ``--check``)."""
import json
import os
import sys

import numpy as np
import pytest

pytest.importorskip("h5py")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
import gradtape as tf  # noqa: E402

DATA = os.path.join(HERE, "data", "keras_files")
REC = json.load(open(os.path.join(DATA, "opt_steps.json")))
NAMES = ["rmsprop", "adagrad", "adamax", "sgd", "adamw_amsgrad"]
X, Y = np.asarray(REC["x"], "float32"), np.asarray(REC["y"], "float32")


@pytest.mark.parametrize("name", NAMES)
def test_keras_optimizer_state_resumes_as_keras(name):
    model = tf.keras.models.load_model(os.path.join(DATA, f"opt_{name}.keras"))
    assert int(model.optimizer.iterations.numpy()) == 2
    loss = float(model.train_on_batch(X, Y))
    want = REC[name]["next_step"]
    assert loss == pytest.approx(want["loss"], abs=1e-6)
    assert int(model.optimizer.iterations.numpy()) == want["iterations"] == 3
    for w, ref in zip(model.get_weights(), want["weights"]):
        np.testing.assert_allclose(w, ref, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_gradtape_optimizer_state_loads_in_keras(name):
    res = json.load(open(os.path.join(DATA, "gradtape_to_keras_optimizers.json")))[name]
    assert res["ok"], res


def write_for_keras(out):
    os.makedirs(out, exist_ok=True)
    steps = {}
    for name in NAMES:
        model = tf.keras.models.load_model(os.path.join(DATA, f"opt_{name}.keras"))
        model.train_on_batch(X, Y)
        model.save(os.path.join(out, f"opt_{name}_gradtape.keras"))
        loss = float(model.train_on_batch(X, Y))
        steps[name] = {"loss": loss, "weights": [w.tolist() for w in model.get_weights()],
                       "iterations": int(model.optimizer.iterations.numpy())}
    with open(os.path.join(out, "opt_gradtape_steps.json"), "w") as f:
        json.dump(steps, f)


if __name__ == "__main__":
    write_for_keras(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gradtape_keras_files")
