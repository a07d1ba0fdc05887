"""tf.keras.applications: layer names, weight shapes and parameter counts equal Keras's (recorded with
tests/tf_reference/make_app_refs.py under TF 2.21 / Keras 3.15), argument checks, preprocessing, and one
small models' outputs equal Keras's for the same weights, including weights read from files Keras wrote.

Every recorded architecture is built, the largest included (ConvNeXtXLarge allocates 1.4 GB; the
file takes about a minute on 2 cores). On a machine without the memory, GRADTAPE_SKIP_LARGE_APPS=1 leaves
out the models of 30M+ parameters and the deeper copies of a family built here anyway (ResNet101/152,
DenseNet169/201, EfficientNetB7, EfficientNetV2B1-B3/M/L, ConvNeXtSmall..XLarge)."""
import gzip
import hashlib
import json
import os
import shutil

import numpy as np
import pytest

import gradtape as tf

A = tf.keras.applications
REF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "keras_apps.json")))
# Models whose classifier has no Flatten: parameter counts do not depend on the image size, so the default
# (224x224 / 299x299) reference is checked on a small build (building runs each layer on small zero batches).
SIZE_FREE = {"ResNet50": 32, "ResNet101": 32, "ResNet152": 32, "ResNet50V2": 32, "ResNet101V2": 32,
             "ResNet152V2": 32, "MobileNet": 32, "MobileNetV2": 32, "DenseNet121": 32, "DenseNet169": 32,
             "DenseNet201": 32, "Xception": 71, "InceptionV3": 75, "EfficientNetB0": 32, "EfficientNetB3": 32,
             "EfficientNetB7": 32, "MobileNetV3Small": 32, "MobileNetV3Large": 32, "ConvNeXtTiny": 32,
             "ConvNeXtSmall": 32, "ConvNeXtBase": 32, "ConvNeXtLarge": 32, "ConvNeXtXLarge": 32,
             "EfficientNetV2B0": 32, "EfficientNetV2B1": 32, "EfficientNetV2B2": 32, "EfficientNetV2B3": 32,
             "EfficientNetV2S": 32, "EfficientNetV2M": 32, "EfficientNetV2L": 32}
SKIP_LARGE = os.environ.get("GRADTAPE_SKIP_LARGE_APPS") == "1"
HEAVY = {"ResNet101", "ResNet152", "ResNet101V2", "ResNet152V2", "DenseNet169", "DenseNet201", "EfficientNetB7", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge", "EfficientNetV2B1",
         "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2M", "EfficientNetV2L"}


def _digest(items):
    return hashlib.sha1("\n".join(items).encode()).hexdigest()


def _facts(m):
    layers = [lay for lay in m.layers if type(lay).__name__ != "InputLayer"]
    return {
        "params": int(m.count_params()),
        "trainable": int(sum(int(np.prod(w.shape)) for w in m.trainable_weights)),
        "layers": len(layers),
        "layer_names": _digest([lay.name for lay in layers]),
        "weight_shapes": _digest([str(tuple(int(d) for d in w.shape)) for w in m.weights]),
        "output_shape": list(m.output_shape),
        "name": m.name,
    }


def _cases(names):
    out = []
    for name in names:
        for i, row in enumerate(REF["models"].get(name, [])):
            kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in row["kwargs"].items()}
            if "input_shape" not in kw:
                if name not in SIZE_FREE:
                    continue                      # a 224x224 build is too slow for the suite
                kw["input_shape"] = (SIZE_FREE[name], SIZE_FREE[name], 3)
            marks = [pytest.mark.skipif(name in HEAVY and SKIP_LARGE, reason="GRADTAPE_SKIP_LARGE_APPS=1")]
            out.append(pytest.param(name, kw, row, id=f"{name}-{i}", marks=marks))
    return out


BUILT = ["VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
         "MobileNet", "MobileNetV2", "DenseNet121", "DenseNet169", "DenseNet201", "Xception", "InceptionV3",
         "EfficientNetB0", "EfficientNetB3", "EfficientNetB7", "MobileNetV3Small", "MobileNetV3Large",
         "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge", "EfficientNetV2B0",
         "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S", "EfficientNetV2M",
         "EfficientNetV2L"]


def test_every_recorded_architecture_is_checked():
    assert set(REF["models"]) == set(BUILT)


@pytest.mark.parametrize("name,kw,ref", _cases(BUILT))
def test_same_layers_and_parameters_as_keras(name, kw, ref):
    tf.keras.backend.clear_session()
    m = getattr(A, name)(weights=None, **kw)
    got = _facts(m)
    assert got["params"] == ref["params"]
    assert got["trainable"] == ref["trainable"]
    assert got["layers"] == ref["layers"]
    assert got["layer_names"] == ref["layer_names"]
    assert got["weight_shapes"] == ref["weight_shapes"]
    if "input_shape" in ref["kwargs"]:                # else the name and spatial sizes follow the input size
        assert got["name"] == ref["name"]
        assert got["output_shape"] == [None if d is None else d for d in ref["output_shape"]]
    else:
        assert got["output_shape"][-1] == ref["output_shape"][-1]


def _seeded_weights(shapes, variance_flags, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for s, var in zip(shapes, variance_flags):
        w = rng.standard_normal(s).astype("float32") * 0.2
        if var:
            w = np.abs(w) + 0.5
        out.append(w)
    return out


def _scaled_weights(shapes, kinds, seed=0):
    """The recorder's ``scaled_weights``: He-scaled kernels, gammas near 1, positive variances, so the
    outputs of deep models depend on their input (checked below)."""
    rng = np.random.default_rng(seed)
    out = []
    for s, kind in zip(shapes, kinds):
        w = rng.standard_normal(s).astype(np.float32)
        if kind == "variance":
            w = np.abs(w) * 0.2 + 0.5
        elif kind == "gamma":
            w = 1.0 + 0.2 * w
        elif kind == "kernel":
            fan_in = s[0] * s[1] if len(s) == 4 and s[-1] == 1 else int(np.prod(s[:-1]))
            w = w * np.float32(np.sqrt(2.0 / fan_in))
        else:
            w = w * np.float32(0.1)
        out.append(w.astype(np.float32))
    return out


def _check_outputs(m, ref, x):
    shapes = [tuple(int(d) for d in w.shape) for w in m.weights]
    assert len(shapes) == len(ref["kinds"])
    m.set_weights(_scaled_weights(shapes, ref["kinds"]))
    y = m(x, training=False).numpy()
    want = np.array(ref["output"], np.float32)
    assert np.abs(want[0] - want[1]).max() > 1e-3 * np.abs(want).max()     # the input matters
    # float32 rounding through a deep network: entries near zero are compared at the outputs' scale
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
    return y


def test_mobilenet_v2_outputs_equal_keras_for_the_same_weights():
    ref = REF["mobilenetv2_small"]
    tf.keras.backend.clear_session()
    m = A.MobileNetV2(alpha=0.35, input_shape=(32, 32, 3), weights=None, classes=10)
    shapes = [tuple(int(d) for d in w.shape) for w in m.weights]
    assert len(shapes) == len(ref["variance_flags"])
    m.set_weights(_seeded_weights(shapes, ref["variance_flags"]))
    x = np.random.default_rng(1).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    y = m(x, training=False).numpy()
    np.testing.assert_allclose(y, np.array(ref["output"], np.float32), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.predict(x, verbose=0), y, rtol=1e-5, atol=1e-7)


def test_imagenet_weights_error_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        A.VGG16(include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="classes"):
        A.ResNet50(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="weights"):
        A.ResNet50(weights=str(tmp_path / "missing.h5"))
    with pytest.raises(ValueError, match="at least 32x32"):
        A.ResNet50(weights=None, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="pooling"):
        A.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="sum")


def test_weights_file_round_trip(tmp_path):
    tf.keras.utils.set_random_seed(0)
    a = A.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = str(tmp_path / "vgg.h5")
    a.save_weights(path)
    b = A.VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_preprocess_input():
    x = np.arange(2 * 3 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3, 3)
    keep = x.copy()
    caffe = A.vgg16.preprocess_input(x)
    assert caffe.dtype == np.float32
    np.testing.assert_allclose(caffe, x[..., ::-1].astype(np.float32) - np.float32([103.939, 116.779, 123.68]))
    np.testing.assert_array_equal(x, keep)
    np.testing.assert_allclose(A.resnet.preprocess_input(x), caffe)
    np.testing.assert_allclose(A.resnet_v2.preprocess_input(x), x.astype(np.float32) / 127.5 - 1, rtol=1e-6)
    t = A.resnet_v2.preprocess_input(tf.constant(x.astype(np.float32)))
    np.testing.assert_allclose(t.numpy(), x / 127.5 - 1, rtol=1e-6)


def test_decode_predictions(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("GRADTAPE_IMAGENET_CLASS_INDEX", raising=False)
    monkeypatch.setattr(A.imagenet_utils, "_CLASS_INDEX", None)
    preds = np.random.default_rng(0).random((2, 1000)).astype(np.float32)
    with pytest.raises(FileNotFoundError, match="imagenet_class_index.json"):
        A.resnet.decode_predictions(preds)
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        A.resnet.decode_predictions(preds[:, :10])
    path = tmp_path / "idx.json"
    path.write_text(json.dumps({str(i): [f"n{i:08d}", f"class{i}"] for i in range(1000)}))
    monkeypatch.setenv("GRADTAPE_IMAGENET_CLASS_INDEX", str(path))
    out = A.vgg16.decode_predictions(preds, top=3)
    for row, p in zip(out, preds):
        best = np.argsort(p)[::-1][:3]
        assert [r[1] for r in row] == [f"class{i}" for i in best]
        assert [r[2] for r in row] == list(p[best])


def _unpack(tmp_path, name):
    """A weights file Keras wrote (stored gzipped in tests/data), unpacked to a temporary path."""
    src = os.path.join(os.path.dirname(__file__), "data", name + ".gz")
    dst = tmp_path / name
    with gzip.open(src, "rb") as f, open(dst, "wb") as out:
        shutil.copyfileobj(f, out)
    return str(dst)


def _x_pixels():
    return np.random.default_rng(2).uniform(0, 255, (2, 32, 32, 3)).astype(np.float32)


def test_mobilenet_v3_small_outputs_equal_keras_for_the_same_weights():
    tf.keras.backend.clear_session()
    m = A.MobileNetV3Small(alpha=0.75, input_shape=(32, 32, 3), weights=None, classes=10)
    x = _x_pixels()
    y = _check_outputs(m, REF["mobilenetv3_small"], x)
    # include_preprocessing=False: the same network on inputs already scaled to [-1, 1]
    tf.keras.backend.clear_session()
    m2 = A.MobileNetV3Small(alpha=0.75, input_shape=(32, 32, 3), weights=None, classes=10,
                            include_preprocessing=False)
    m2.set_weights(m.get_weights())
    np.testing.assert_allclose(m2(x / 127.5 - 1, training=False).numpy(), y, rtol=1e-4, atol=1e-6)


def test_efficientnet_v2_outputs_equal_keras_for_the_same_weights():
    tf.keras.backend.clear_session()
    m = A.EfficientNetV2B0(input_shape=(32, 32, 3), weights=None, classes=10)
    _check_outputs(m, REF["efficientnetv2_b0"], _x_pixels())


def test_mobilenet_v3_loads_a_weights_file_written_by_keras(tmp_path):
    # Keras 2's legacy .h5 layout, the layout of Keras's published ImageNet files.
    path = _unpack(tmp_path, "keras_apps_mnv3_small.h5")
    tf.keras.backend.clear_session()
    m = A.MobileNetV3Small(alpha=0.25, input_shape=(32, 32, 3), weights=path, include_top=False, pooling="avg")
    y = m(_x_pixels(), training=False).numpy()
    want = np.array(REF["mobilenetv3_small_file"]["output"], np.float32)
    assert np.abs(want[0] - want[1]).max() > 1e-3 * np.abs(want).max()     # the input matters
    # float32 rounding through a deep network: entries near zero are compared at the outputs' scale
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())


@pytest.mark.parametrize("fname", ["keras_apps_convnext_mini.h5", "keras_apps_convnext_mini.weights.h5"])
def test_convnext_loads_weights_files_written_by_keras(tmp_path, fname):
    # A narrow, shallow ConvNeXt (nested Sequential stem/downsampling blocks, LayerScale, grouped 7x7
    # convolutions) built by Keras's own ConvNeXt function, in the legacy .h5 and Keras 3 layouts.
    path = _unpack(tmp_path, fname)
    tf.keras.backend.clear_session()
    m = A.convnext.ConvNeXt(depths=[1, 1, 2, 1], projection_dims=[8, 8, 16, 16], name="convnext_mini",
                            weights=path, input_shape=(32, 32, 3), classes=10)
    assert m.count_params() == REF["convnext_mini"]["params"]
    y = m(_x_pixels(), training=False).numpy()
    np.testing.assert_allclose(y, np.array(REF["convnext_mini"]["output"], np.float32), rtol=1e-4, atol=1e-6)


def test_convnext_and_mobilenet_v3_weights_round_trip(tmp_path):
    tf.keras.utils.set_random_seed(0)
    x = _x_pixels()
    for make in (lambda w: A.convnext.ConvNeXt([1, 1, 1, 1], [8, 8, 8, 8], name="convnext_rt", weights=w,
                                               input_shape=(32, 32, 3), classes=5),
                 lambda w: A.MobileNetV3Large(alpha=0.75, minimalistic=True, input_shape=(32, 32, 3), weights=w,
                                              include_top=False, pooling="avg")):
        a = make(None)
        for suffix in (".weights.h5", ".h5"):
            path = str(tmp_path / f"{a.name}{suffix}")
            a.save_weights(path)
            b = make(path)
            np.testing.assert_array_equal(b(x, training=False).numpy(), a(x, training=False).numpy())


def test_keras3_operations_are_not_layers():
    # Keras 3 keeps x + y and x * c out of model.layers (the hard sigmoid of the squeeze-excite blocks,
    # ConvNeXt's residual sums); they still run, and a whole-model config refuses them clearly.
    tf.keras.backend.clear_session()
    m = A.convnext.ConvNeXt([1, 1, 1, 1], [8, 8, 8, 8], name="cn", weights=None, input_shape=(32, 32, 3), classes=5)
    assert not any("operators" in lay.name or "add" in lay.name for lay in m.layers)
    assert m.get_layer("cn_stage_0_block_0_layer_scale").count_params() == 8
    with pytest.raises(NotImplementedError, match="save_weights"):
        m.get_config()


def test_stochastic_depth_and_layer_scale():
    sd = A.convnext.StochasticDepth(0.5)
    x = tf.ones((64, 2, 2, 3))
    np.testing.assert_array_equal(sd(x).numpy(), x.numpy())
    tf.random.set_seed(0)
    y = sd(x, training=True).numpy()
    per_sample = y.reshape(64, -1)
    assert set(np.unique(per_sample)) <= {0.0, 2.0}
    assert (per_sample == per_sample[:, :1]).all()              # a whole sample is dropped or kept
    assert 10 < (per_sample[:, 0] == 0).sum() < 54
    with pytest.raises(ValueError, match="drop_path_rate"):
        A.convnext.StochasticDepth(1.5)
    ls = A.convnext.LayerScale(1e-6, 3)
    out = ls(tf.ones((2, 3)))
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 1e-6, np.float32))
    assert ls.get_config()["projection_dim"] == 3


def test_mobilenet_v3_and_convnext_arguments():
    with pytest.raises(ValueError, match="alpha can be one of"):
        A.MobileNetV3Small(alpha=0.5)
    with pytest.raises(ValueError, match="at least 32x32"):
        A.MobileNetV3Large(weights=None, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="classes"):
        A.ConvNeXtTiny(classes=10)
    with pytest.raises(ValueError, match="pooling"):
        A.ConvNeXtTiny(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="sum")
    x = np.zeros((1, 4, 4, 3), np.float32)
    assert A.mobilenet_v3.preprocess_input(x) is x                # pass-throughs, as in Keras
    assert A.convnext.preprocess_input(x) is x


def test_new_activations_match_keras3():
    x = np.array([-4, -2.5, -1, 0, 1, 2.5, 4], np.float32)
    want = np.array([0, -0.20833334, -0.33333334, 0, 0.6666667, 2.2916667, 4], np.float32)   # Keras 3.15
    np.testing.assert_allclose(tf.keras.activations.hard_silu(x).numpy(), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tf.keras.layers.Activation("hard_swish")(x).numpy(), want, rtol=1e-6, atol=1e-7)
    assert tf.keras.activations.serialize(tf.keras.activations.hard_swish) == "hard_silu"


@pytest.mark.parametrize("module", sorted(REF["preprocess"]))
def test_every_preprocess_input_equals_keras(module):
    px = np.arange(2 * 2 * 3 * 3, dtype=np.float32).reshape(2, 3, 2, 3) * 7.0
    got = getattr(A, module).preprocess_input(px.copy())
    np.testing.assert_allclose(np.asarray(got), np.array(REF["preprocess"][module], np.float32), rtol=1e-6, atol=1e-5)
    t = getattr(A, module).preprocess_input(tf.constant(px))
    np.testing.assert_allclose(np.asarray(t), np.array(REF["preprocess"][module], np.float32), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("module", ["vgg19", "xception", "mobilenet_v2", "mobilenet_v3", "convnext", "efficientnet",
                                    "efficientnet_v2",
                                    "inception_v3", "densenet", "resnet50"])
def test_every_decode_predictions_reads_the_class_index(tmp_path, monkeypatch, module):
    path = tmp_path / "idx.json"
    path.write_text(json.dumps({str(i): [f"n{i:08d}", f"class{i}"] for i in range(1000)}))
    monkeypatch.setenv("GRADTAPE_IMAGENET_CLASS_INDEX", str(path))
    monkeypatch.setattr(A.imagenet_utils, "_CLASS_INDEX", None)
    preds = np.zeros((1, 1000), np.float32)
    preds[0, [7, 3]] = [0.9, 0.5]
    out = getattr(A, module).decode_predictions(preds, top=2)
    assert [r[1] for r in out[0]] == ["class7", "class3"]
