"""Optimizer state in ``.keras`` files, exchanged with real Keras 3, for the optimizers whose Keras 3 variable
layout gradtape maps (besides Adam, covered by make_keras_attention_file.py).

Write:  TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_keras_optimizer_files.py
  for each optimizer: a Dense(2) model on 3 features, compiled with it, trained 2 steps on fixed data, saved as
  tests/data/keras_files/opt_<name>.keras; opt_steps.json records the loss and weights of ONE more step.
Check:  ... make_keras_optimizer_files.py --check DIR
  loads DIR/opt_<name>_gradtape.keras (written by tests/test_keras_files_optimizers.py's writer,
  PYTHONPATH=src python tests/test_keras_files_optimizers.py DIR), runs one Keras step and compares it with
  gradtape's next step (DIR/opt_gradtape_steps.json); the outcome goes into
  tests/data/keras_files/gradtape_to_keras_optimizers.json.
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "keras_files")


def optimizers():
    return {"rmsprop": keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
            "adagrad": keras.optimizers.Adagrad(0.1),
            "adamax": keras.optimizers.Adamax(0.05),
            "sgd": keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
            "adamw_amsgrad": keras.optimizers.AdamW(0.02, weight_decay=0.01, amsgrad=True)}


def data():
    rng = np.random.default_rng(11)
    return rng.normal(size=(6, 3)).astype("float32"), rng.normal(size=(6, 2)).astype("float32")


def build():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="tiny")
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


def step(model, x, y):
    loss = float(model.train_on_batch(x, y))
    return {"loss": loss, "weights": [w.tolist() for w in model.get_weights()],
            "iterations": int(model.optimizer.iterations.numpy())}


def write():
    x, y = data()
    rec = {"keras_version": keras.__version__, "x": x.tolist(), "y": y.tolist()}
    for name, opt in optimizers().items():
        model = build()
        model.compile(optimizer=opt, loss="mse")
        model.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
        path = os.path.join(OUT, f"opt_{name}.keras")
        model.save(path)
        reloaded = keras.models.load_model(path)
        rec[name] = {"n_optimizer_variables": len(reloaded.optimizer.variables),
                     "names": [v.path for v in reloaded.optimizer.variables], "next_step": step(reloaded, x, y)}
        print(name, os.path.getsize(path), "bytes")
    with open(os.path.join(OUT, "opt_steps.json"), "w") as f:
        json.dump(rec, f)


def check(directory):
    x, y = data()
    want = json.load(open(os.path.join(directory, "opt_gradtape_steps.json")))
    res = {"keras_version": keras.__version__}
    for name in optimizers():
        try:
            model = keras.models.load_model(os.path.join(directory, f"opt_{name}_gradtape.keras"))
            got = step(model, x, y)
            w = want[name]
            diff = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(got["weights"], w["weights"]))
            res[name] = {"loss": got["loss"], "want_loss": w["loss"], "weights_max_abs_diff": diff,
                         "iterations": got["iterations"], "want_iterations": w["iterations"],
                         "ok": bool(diff < 1e-5 and abs(got["loss"] - w["loss"]) < 1e-5
                                    and got["iterations"] == w["iterations"])}
        except Exception as e:  # noqa: BLE001
            res[name] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:400]}
    with open(os.path.join(OUT, "gradtape_to_keras_optimizers.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    print(json.dumps(res, indent=1))
    return 0 if all(v["ok"] for k, v in res.items() if isinstance(v, dict)) else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    write()
