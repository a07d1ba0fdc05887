"""Record tf.keras.applications facts (parameter counts, layer names, weight shapes, output shapes) with
real Keras into tests/data/keras_apps.json, plus small models' outputs for seeded weights (MobileNetV2,
MobileNetV3Small, EfficientNetV2B0, a narrow ConvNeXt) and weight files written by Keras for two of them:
tests/data/keras_apps_mnv3_small.h5.gz (Keras 2's legacy layout, the layout of Keras's published files) and
tests/data/keras_apps_convnext_mini.h5.gz / .weights.h5.gz (legacy and Keras 3 layouts).

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_app_refs.py
(``--outputs-only`` keeps the recorded model facts and redoes only the outputs and weight files;
``--models=A,B`` redoes the facts of those models too).
"""
import hashlib
import json
import os
import shutil
import sys
import tempfile

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
    "ConvNeXtTiny": [{}, {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"},
                     {"include_top": False, "include_preprocessing": False, "input_shape": (32, 32, 3)}],
    "ConvNeXtSmall": [{}],
    "ConvNeXtBase": [{}],
    "ConvNeXtLarge": [{}],
    "ConvNeXtXLarge": [{}],
    "MobileNetV3Small": [{}, {"alpha": 0.75, "input_shape": (32, 32, 3)},
                         {"minimalistic": True, "include_top": False, "input_shape": (64, 64, 3), "pooling": "avg"},
                         {"include_preprocessing": False, "classes": 10, "dropout_rate": 0.0,
                          "input_shape": (48, 48, 3), "classifier_activation": None}],
    "EfficientNetV2B0": [{}, {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg",
                          "include_preprocessing": False}],
    "EfficientNetV2B1": [{}],
    "EfficientNetV2B2": [{}],
    "EfficientNetV2B3": [{}],
    "EfficientNetV2S": [{}],
    "EfficientNetV2M": [{}],
    "EfficientNetV2L": [{}],
    "MobileNetV3Large": [{}, {"minimalistic": True}, {"alpha": 1.25},
                         {"alpha": 0.75, "include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}],
}
PREPROCESS_MODULES = ["vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet", "mobilenet_v2",
                      "mobilenet_v3", "densenet", "inception_v3", "xception", "efficientnet", "efficientnet_v2",
                      "convnext"]
DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def weight_kind(w):
    """How a seeded weight is drawn: 'variance' (positive), 'gamma' (near 1), 'kernel' (He-scaled by its
    fan-in, so signals neither vanish nor explode through deep models), 'other' (small)."""
    shape = tuple(int(d) for d in w.shape)
    if "moving_variance" in w.path:
        return "variance"
    if w.path.endswith("gamma"):
        return "gamma"
    if len(shape) >= 2:
        return "kernel"
    return "other"


def scaled_weights(shapes, kinds, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for s, kind in zip(shapes, kinds):
        w = rng.standard_normal(s).astype("float32")
        if kind == "variance":
            w = np.abs(w) * 0.2 + 0.5
        elif kind == "gamma":
            w = 1.0 + 0.2 * w
        elif kind == "kernel":
            # a depthwise kernel (k, k, C, 1) reads k*k inputs per output
            fan_in = s[0] * s[1] if len(s) == 4 and s[-1] == 1 else int(np.prod(s[:-1]))
            w = w * np.float32(np.sqrt(2.0 / fan_in))
        else:
            w = w * np.float32(0.1)
        out.append(w.astype("float32"))
    return out


def seeded_outputs(m, x, coarse=False):
    """Give ``m`` seeded weights (see ``weight_kind``) and return the kinds and its outputs on ``x``.
    ``coarse``: weights rounded to float16 precision (still float32), so the files compress."""
    shapes = [tuple(int(d) for d in w.shape) for w in m.weights]
    kinds = [weight_kind(w) for w in m.weights]
    ws = scaled_weights(shapes, kinds)
    if coarse:
        ws = [w.astype("float16").astype("float32") for w in ws]
    m.set_weights(ws)
    y = m(x, training=False).numpy()
    assert np.abs(y[0] - y[1]).max() > 1e-3 * np.abs(y).max(), "the outputs do not depend on the input"
    return kinds, y


def gzip_file(path):
    """``path`` -> ``path.gz`` (the test unpacks it to a temporary file and loads that)."""
    import gzip
    with open(path, "rb") as src, gzip.GzipFile(path + ".gz", "wb", compresslevel=9, mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    os.remove(path)


def save_legacy_h5(m, path):
    """Keras 2's weights-only .h5 layout (layer_names / weight_names), as Keras's published files."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, m)
    gzip_file(path)


def main():
    out = {"models": {}, "mobilenetv2_small": None}
    names = CASES
    only = [a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--models=")]
    if "--outputs-only" in sys.argv or only:   # keep the recorded facts (but those of --models=A,B)
        with open(OUT) as f:
            out["models"] = json.load(f)["models"]
        names = {k: CASES[k] for k in (only[0] if only else [])}
    for name, cases in names.items():
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

    # MobileNetV3Small with its classifier (hard-swish, squeeze-excite, the in-model Rescaling).
    tf.keras.backend.clear_session()
    m = A.MobileNetV3Small(alpha=0.75, input_shape=(32, 32, 3), weights=None, classes=10)
    x = np.random.default_rng(2).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    flags, y = seeded_outputs(m, x)
    out["mobilenetv3_small"] = {"kinds": flags, "output": y.tolist()}

    # EfficientNetV2B0 with its classifier (fused and plain MBConv blocks, the in-model normalisation).
    tf.keras.backend.clear_session()
    m = A.EfficientNetV2B0(input_shape=(32, 32, 3), weights=None, classes=10)
    flags, y = seeded_outputs(m, x)
    out["efficientnetv2_b0"] = {"kinds": flags, "output": y.tolist()}

    # The smallest MobileNetV3Small and a two-block-wide ConvNeXt: Keras writes their weight files.
    tf.keras.backend.clear_session()
    m = A.MobileNetV3Small(alpha=0.25, input_shape=(32, 32, 3), weights=None, include_top=False, pooling="avg")
    flags, y = seeded_outputs(m, x, coarse=True)
    save_legacy_h5(m, os.path.join(DATA, "keras_apps_mnv3_small.h5"))
    out["mobilenetv3_small_file"] = {"output": y.tolist()}

    from keras.src.applications import convnext
    tf.keras.backend.clear_session()
    m = convnext.ConvNeXt(depths=[1, 1, 2, 1], projection_dims=[8, 8, 16, 16], name="convnext_mini", weights=None,
                          input_shape=(32, 32, 3), classes=10)
    flags, y = seeded_outputs(m, x, coarse=True)
    save_legacy_h5(m, os.path.join(DATA, "keras_apps_convnext_mini.h5"))
    tmp = tempfile.mkdtemp()
    try:
        m.save_weights(os.path.join(tmp, "w.weights.h5"))
        shutil.copy(os.path.join(tmp, "w.weights.h5"), os.path.join(DATA, "keras_apps_convnext_mini.weights.h5"))
        gzip_file(os.path.join(DATA, "keras_apps_convnext_mini.weights.h5"))
    finally:
        shutil.rmtree(tmp)
    out["convnext_mini"] = {"output": y.tolist(), "params": int(m.count_params())}
    # Each module's preprocess_input on the same pixels (caffe, tf, torch modes and the pass-throughs).
    px = np.arange(2 * 2 * 3 * 3, dtype="float32").reshape(2, 3, 2, 3) * 7.0
    out["preprocess"] = {mod: getattr(A, mod).preprocess_input(px.copy()).tolist() for mod in PREPROCESS_MODULES}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
