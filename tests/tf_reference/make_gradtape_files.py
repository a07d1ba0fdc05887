"""Write gradtape's Keras-layout files for check_gradtape_files.py to load with real Keras.

Run: PYTHONPATH=src /work/main/.venv/bin/python tests/tf_reference/make_gradtape_files.py [OUT_DIR]

Each model of tests/data/keras_files is loaded in gradtape, given new weights (so Keras cannot pass by
reading back its own values), trained one step with Adam, and saved as ``<name>.keras``, ``<name>.h5``
(Sequential/functional only), ``<name>.weights.h5`` and ``<name>.legacy.h5`` (tf.keras 2 weights), with
gradtape's predictions on the fixed inputs in ``predictions.json``.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src"))

import gradtape as tf  # noqa: E402
from test_keras_files import DATA, NAMES, inputs  # noqa: E402  (registers TwoDense)


def main(out):
    os.makedirs(out, exist_ok=True)
    preds = {}
    for i, name in enumerate(NAMES):
        model = tf.keras.models.load_model(os.path.join(DATA, name + ".keras"))
        rng = np.random.default_rng(100 + i)
        for v in model.weights:
            v.assign((np.asarray(v.numpy()) + rng.normal(size=v.shape) * 0.1).astype(np.float32))
        x = inputs(name)
        y_shape = np.asarray(model(x)).shape
        model.fit(x, np.ones(y_shape, np.float32), epochs=1, verbose=0)
        preds[name] = np.asarray(model(x, training=False)).tolist()
        model.save(os.path.join(out, name + ".keras"))
        if name != "two_dense":
            model.save(os.path.join(out, name + ".h5"))
        model.save_weights(os.path.join(out, name + ".weights.h5"))
        model.save_weights(os.path.join(out, name + ".legacy.h5"))
    with open(os.path.join(out, "predictions.json"), "w") as f:
        json.dump(preds, f)
    print(f"wrote gradtape files into {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gradtape_keras_files")
