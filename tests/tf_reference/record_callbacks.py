"""Record what Keras 3's EarlyStopping and ReduceLROnPlateau do on fixed monitor sequences.

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_callbacks.py
Writes tests/data/callbacks_keras.json; tests/test_callbacks_keras.py drives gradtape's callbacks the same way.
"""
import json
import os

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "callbacks_keras.json")
SEQ = [1.0, 0.9, 0.95, 0.89, 0.91, 0.92, 0.85, 0.86, 0.87, 0.88, 0.9, 0.95]
EARLY = [
    {"patience": 2},
    {"patience": 0},
    {"patience": 2, "min_delta": 0.02},
    {"patience": 1, "baseline": 0.8},
    {"patience": 2, "baseline": 0.95},
    {"patience": 2, "start_from_epoch": 3},
    {"patience": 3, "restore_best_weights": True},
    {"patience": 20, "restore_best_weights": True},
    {"patience": 2, "monitor": "val_accuracy", "mode": "max", "negate": True},
]
PLATEAU = [
    {"factor": 0.5, "patience": 1},
    {"factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.02},
    {"factor": 0.2, "patience": 1, "min_delta": 0.05},
    {"factor": 0.5, "patience": 1, "monitor": "val_accuracy", "mode": "max", "negate": True},
]


def model():
    m = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    return m


def drive(cb, m, cfg):
    seq = [-v for v in SEQ] if cfg.get("negate") else SEQ
    key = cfg.get("monitor", "val_loss")
    cb.set_model(m)
    m.stop_training = False
    cb.on_train_begin()
    lrs, ran, logkeys = [], 0, None
    for e, v in enumerate(seq):
        m.set_weights([np.full(w.shape, float(e), "float32") for w in m.get_weights()])
        logs = {key: v}
        cb.on_epoch_end(e, logs)
        logkeys = sorted(logs)
        lrs.append(float(np.asarray(m.optimizer.learning_rate)))
        ran = e + 1
        if m.stop_training:
            break
    cb.on_train_end()
    return {"ran": ran, "lrs": lrs, "weight": float(m.get_weights()[0].ravel()[0]), "logkeys": logkeys,
            "stopped_epoch": int(getattr(cb, "stopped_epoch", -1)),
            "best": None if getattr(cb, "best", None) is None else float(cb.best)}


def main():
    res = {"seq": SEQ, "early": [], "plateau": []}
    for cfg in EARLY:
        kw = {k: v for k, v in cfg.items() if k != "negate"}
        res["early"].append({"cfg": cfg, **drive(tf.keras.callbacks.EarlyStopping(**kw), model(), cfg)})
    for cfg in PLATEAU:
        kw = {k: v for k, v in cfg.items() if k != "negate"}
        res["plateau"].append({"cfg": cfg, **drive(tf.keras.callbacks.ReduceLROnPlateau(**kw), model(), cfg)})
    with open(OUT, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res)[:3000])


if __name__ == "__main__":
    main()
