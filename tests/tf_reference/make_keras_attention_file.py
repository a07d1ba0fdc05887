"""Real Keras 3 side of the attention-model / optimizer-state exchange test.

Write (default):
  TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_keras_attention_file.py
builds a small functional model that calls ``MultiHeadAttention(x, x)`` (query and value the same tensor) and a
second ``MultiHeadAttention(a, value=x, key=a)`` (Keras tensors as keyword arguments), compiles it with Adam, a
loss object and a metric object (``SparseCategoricalAccuracy()``), trains 3 Adam steps on fixed data and saves
``tests/data/keras_files/attn_adam.keras``; ``attn_adam.json`` records the predictions, the optimizer's
iteration count and variables, and what ONE more ``train_on_batch`` step gives (loss, metric, weights,
predictions).

Check (the reverse direction):
  ... make_keras_attention_file.py --check DIR
loads ``DIR/attn_adam_gradtape.keras`` (written by make_gradtape_attention_file.py) in Keras, compares the
predictions, the optimizer's iteration count and slot variables with ``DIR/attn_adam_gradtape.json``, runs one
Keras train step and compares it with gradtape's next step; the outcome goes into
``tests/data/keras_files/gradtape_to_keras_attn.json``.
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "keras_files")


def data():
    rng = np.random.default_rng(7)
    return rng.normal(size=(8, 4, 6)).astype("float32"), rng.integers(0, 3, size=(8,)).astype("int64")


def build():
    inp = keras.Input((4, 6), name="tokens")
    att = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, name="self_att")(inp, inp)
    h = keras.layers.Add(name="res")([inp, att])
    cross = keras.layers.MultiHeadAttention(num_heads=1, key_dim=2, use_bias=False, name="cross_att")(
        h, value=inp, key=h)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(cross)
    out = keras.layers.Dense(3, activation="softmax", name="head")(pooled)
    model = keras.Model(inp, out, name="attn")
    rng = np.random.default_rng(3)
    for v in model.weights:
        v.assign((rng.normal(size=tuple(v.shape)) * 0.4).astype("float32"))
    return model


def state(model, full=True):
    out = {"optimizer_variable_names": [v.path for v in model.optimizer.variables],
           "iterations": int(model.optimizer.iterations.numpy())}
    if full:
        out["weights"] = [np.asarray(w).tolist() for w in model.get_weights()]
    return out


def one_step(model, x, y):
    logs = model.train_on_batch(x, y, return_dict=True)
    return {"loss": float(logs["loss"]), "sparse_categorical_accuracy": float(logs["sparse_categorical_accuracy"]),
            "predictions": np.asarray(model.predict(x, verbose=0)).tolist(), **state(model)}


def write():
    x, y = data()
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    path = os.path.join(OUT, "attn_adam.keras")
    model.save(path)
    rec = {"keras_version": keras.__version__, "x": x.tolist(), "y": y.tolist(),
           "predictions": np.asarray(model.predict(x, verbose=0)).tolist(), **state(model, full=False)}
    reloaded = keras.models.load_model(path)
    rec["reloaded_metrics"] = [type(m).__name__ for m in reloaded.metrics]
    rec["next_step"] = one_step(reloaded, x, y)
    with open(os.path.join(OUT, "attn_adam.json"), "w") as f:
        json.dump(rec, f)
    print("wrote", path, os.path.getsize(path), "bytes")


def check(directory):
    x, y = data()
    want = json.load(open(os.path.join(directory, "attn_adam_gradtape.json")))
    res = {"keras_version": keras.__version__}
    try:
        model = keras.models.load_model(os.path.join(directory, "attn_adam_gradtape.keras"))
        got = np.asarray(model.predict(x, verbose=0))
        res["predictions_max_abs_diff"] = float(np.max(np.abs(got - np.asarray(want["predictions"]))))
        res["iterations"] = int(model.optimizer.iterations.numpy())
        res["want_iterations"] = want["iterations"]
        ov = [np.asarray(v) for v in model.optimizer.variables]
        wv = [np.asarray(v) for v in want["optimizer_variables"]]
        res["n_optimizer_variables"] = [len(ov), len(wv)]
        res["optimizer_variables_max_abs_diff"] = float(max(np.max(np.abs(a.astype("float64") - b))
                                                            for a, b in zip(ov, wv))) if len(ov) == len(wv) else None
        res["metrics"] = [type(m).__name__ for m in model.metrics]
        step = one_step(model, x, y)
        res["next_loss"], res["want_next_loss"] = step["loss"], want["next_step"]["loss"]
        res["next_weights_max_abs_diff"] = float(max(np.max(np.abs(np.asarray(a) - np.asarray(b)))
                                                     for a, b in zip(step["weights"], want["next_step"]["weights"])))
        res["ok"] = bool(res["predictions_max_abs_diff"] < 1e-5 and res["iterations"] == res["want_iterations"]
                         and res["optimizer_variables_max_abs_diff"] is not None
                         and res["optimizer_variables_max_abs_diff"] < 1e-6
                         and abs(res["next_loss"] - res["want_next_loss"]) < 1e-5
                         and res["next_weights_max_abs_diff"] < 1e-5)
    except Exception as e:  # noqa: BLE001 - record the failure
        import traceback
        traceback.print_exc()
        res["ok"] = False
        res["error"] = f"{type(e).__name__}: {e}"[:500]
    with open(os.path.join(OUT, "gradtape_to_keras_attn.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    print(json.dumps(res, indent=1))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    write()
