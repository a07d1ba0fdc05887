"""Record tf.keras.applications facts (parameter counts, layer names, weight shapes, output shapes) with
real Keras into tests/data/keras_apps.json, plus one small MobileNetV2's outputs for seeded weights.

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_app_refs.py
"""
import hashlib
import json
import os

import numpy as np
import tensorflow as tf

A = tf.keras.applications
OUT = os.path.join(os.path.dirname(__file__), "..", "data", "keras_apps.json")


def digest(items):
    return hashlib.sha1("\n".join(items).encode()).hexdigest()


def facts(model):
    layers = [l for l in model.layers if type(l).__name__ != "InputLayer"]
    return {
        "params": int(model.count_params()),
        "trainable": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "layers": len(layers),
        "layer_names": digest([l.name for l in layers]),
        "weight_shapes": digest([str(tuple(int(d) for d in w.shape)) for w in model.weights]),
        "output_shape": list(model.output_shape),
        "name": model.name,
    }


def seeded_weights(shapes, variance_flags, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for s, var in zip(shapes, variance_flags):
        w = rng.standard_normal(s).astype("float32") * 0.2
        if var:
            w = np.abs(w) + 0.5
        out.append(w)
    return out


CASES = {
    "VGG16": [{}, {"input_shape": (32, 32, 3), "classes": 10}, {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}],
    "VGG19": [{}, {"input_shape": (32, 32, 3), "classifier_activation": None}, {"include_top": False, "input_shape": (48, 48, 3), "pooling": "avg"}],
    "ResNet50": [{}, {"include_top": False, "input_shape": (64, 64, 3)}, {"classes": 10, "classifier_activation": None}],
    "ResNet101": [{}],
    "ResNet152": [{}],
    "ResNet50V2": [{}, {"include_top": False, "input_shape": (64, 64, 3), "pooling": "avg"}],
    "ResNet101V2": [{}],
    "ResNet152V2": [{}],
    "MobileNet": [{}, {"alpha": 0.5, "include_top": False, "input_shape": (128, 128, 3)}],
    "MobileNetV2": [{}, {"alpha": 0.35, "input_shape": (96, 96, 3), "classes": 10}, {"alpha": 1.4}],
    "DenseNet121": [{}],
    "DenseNet169": [{}],
    "DenseNet201": [{}],
    "InceptionV3": [{}, {"include_top": False, "input_shape": (75, 75, 3), "pooling": "avg"}],
    "Xception": [{}],
    "EfficientNetB0": [{}],
    "EfficientNetB3": [{}],
    "EfficientNetB7": [{}],
    "ConvNeXtTiny": [{}],
    "MobileNetV3Small": [{}],
    "MobileNetV3Large": [{}],
}


def main():
    out = {"models": {}, "mobilenetv2_small": None}
    for name, cases in CASES.items():
        ctor = getattr(A, name)
        rows = []
        for kw in cases:
            tf.keras.backend.clear_session()
            try:
                m = ctor(weights=None, **kw)
            except Exception as e:  # noqa: BLE001
                print("skip", name, kw, e)
                continue
            r = facts(m)
            r["kwargs"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
            rows.append(r)
            print(name, kw, r["params"], r["layers"])
        out["models"][name] = rows

    tf.keras.backend.clear_session()
    m = A.MobileNetV2(alpha=0.35, input_shape=(32, 32, 3), weights=None, classes=10)
    shapes = [tuple(int(d) for d in w.shape) for w in m.weights]
    flags = ["moving_variance" in w.path for w in m.weights]
    m.set_weights(seeded_weights(shapes, flags))
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    y = m(x, training=False).numpy()
    out["mobilenetv2_small"] = {"variance_flags": flags, "output": y.tolist()}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
