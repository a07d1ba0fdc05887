"""gradtape side of the attention-model / optimizer-state exchange: write a .keras file for real Keras to check.

Run: PYTHONPATH=src /work/main/.venv/bin/python tests/tf_reference/make_gradtape_attention_file.py [OUT_DIR]
then: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python \
          tests/tf_reference/make_keras_attention_file.py --check OUT_DIR

Loads Keras's ``attn_adam.keras`` (3 Adam steps), trains one more step in gradtape and saves
``attn_adam_gradtape.keras``; ``attn_adam_gradtape.json`` holds gradtape's predictions, iteration count and
optimizer variables (in Keras 3's order) and what one more gradtape step gives, for Keras to compare.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "src"))

import gradtape as tf  # noqa: E402
from gradtape.keras.saving_keras import keras3_optimizer_arrays  # noqa: E402

DATA = os.path.join(HERE, "..", "data", "keras_files")


def main(out):
    os.makedirs(out, exist_ok=True)
    rec = json.load(open(os.path.join(DATA, "attn_adam.json")))
    x, y = np.asarray(rec["x"], "float32"), np.asarray(rec["y"])
    model = tf.keras.models.load_model(os.path.join(DATA, "attn_adam.keras"))
    model.train_on_batch(x, y)
    path = os.path.join(out, "attn_adam_gradtape.keras")
    model.save(path)
    res = {"predictions": np.asarray(model.predict(x, verbose=0)).tolist(),
           "iterations": int(model.optimizer.iterations.numpy()),
           "optimizer_variables": [np.asarray(a).tolist() for a in keras3_optimizer_arrays(model.optimizer, model)]}
    logs = model.train_on_batch(x, y, return_dict=True)
    res["next_step"] = {"loss": float(logs["loss"]), "weights": [w.tolist() for w in model.get_weights()]}
    with open(os.path.join(out, "attn_adam_gradtape.json"), "w") as f:
        json.dump(res, f)
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gradtape_keras_files")
