"""Keras image preprocessing layers against Keras 3.15 recordings (tests/tf_reference/make_image_refs.py).

Random layers are checked with degenerate factor ranges (``(a, a)``) so the transform is fixed and the
output must equal Keras's exactly; random behaviour is checked for seeding, ranges and inference."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import gradtape as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tf_reference"))
from image_inputs import image, uint8_image  # noqa: E402
from test_image import REFS, check  # noqa: E402

L = tf.keras.layers
KIMG = image((2, 7, 8, 3), 34, 0, 255)


def test_projective_transform_matches_tf():
    from gradtape.image._transform import projective_transform
    t = np.asarray(REFS["projective/transforms"], np.float32)
    pimg = image((2, 5, 6, 2), 33)
    for interp in ("nearest", "bilinear"):
        for mode in ("reflect", "wrap", "constant", "nearest"):
            check(f"projective/{interp}/{mode}", projective_transform(pimg, t, interp, mode, 0.5))


@pytest.mark.parametrize("mode", ["reflect", "wrap", "constant", "nearest"])
def test_affine_layers_match_keras(mode):
    check(f"keras/RandomRotation/{mode}", L.RandomRotation((0.1, 0.1), fill_mode=mode, fill_value=7.0)(
        KIMG, training=True), atol=1e-3)
    check(f"keras/RandomZoom/{mode}", L.RandomZoom((0.3, 0.3), (-0.2, -0.2), fill_mode=mode)(KIMG, training=True),
          atol=1e-3)
    check(f"keras/RandomTranslation/{mode}", L.RandomTranslation((0.2, 0.2), (-0.3, -0.3), fill_mode=mode)(
        KIMG, training=True), atol=1e-3)


def test_deterministic_layers_match_keras():
    check("keras/RandomRotation/nearest_interp",
          L.RandomRotation((-0.3, -0.3), interpolation="nearest")(KIMG, training=True), atol=1e-3)
    check("keras/RandomZoom/in_single", L.RandomZoom((-0.4, -0.4))(KIMG[0], training=True), atol=1e-3)
    check("keras/RandomRotation/inference", L.RandomRotation(0.2)(KIMG, training=False))
    check("keras/Resizing/bilinear", L.Resizing(4, 5)(KIMG), atol=1e-3)
    check("keras/Resizing/crop", L.Resizing(4, 6, crop_to_aspect_ratio=True)(KIMG), atol=1e-3)
    check("keras/Resizing/pad", L.Resizing(4, 8, pad_to_aspect_ratio=True, fill_value=1.0)(KIMG), atol=1e-3)
    check("keras/Resizing/nearest_u8", L.Resizing(5, 3, interpolation="nearest")(uint8_image((2, 7, 8, 3), 35)))
    check("keras/Resizing/lanczos3_aa", L.Resizing(3, 5, interpolation="lanczos3", antialias=True)(KIMG[0]),
          atol=1e-3)
    check("keras/CenterCrop/crop", L.CenterCrop(4, 5)(KIMG))
    check("keras/CenterCrop/smart", L.CenterCrop(9, 6)(KIMG), atol=1e-3)
    check("keras/RandomCrop/inference", L.RandomCrop(4, 5)(KIMG, training=False))
    check("keras/RandomCrop/small_training", L.RandomCrop(9, 6)(KIMG, training=True), atol=1e-3)
    check("keras/RandomBrightness/fixed", L.RandomBrightness((0.1, 0.1))(KIMG, training=True), atol=1e-3)
    check("keras/RandomBrightness/range01",
          L.RandomBrightness((-0.3, -0.3), value_range=(0, 1))(KIMG / 255.0, training=True))
    check("keras/RandomFlip/inference", L.RandomFlip()(uint8_image((2, 3, 4, 1), 36), training=False))


def test_random_layers_seeded_and_identity_at_inference():
    x = image((6, 5, 7, 3), 70)
    for make in [lambda: L.RandomFlip(seed=5), lambda: L.RandomRotation(0.2, seed=5),
                 lambda: L.RandomZoom(0.3, seed=5), lambda: L.RandomTranslation(0.2, 0.2, seed=5),
                 lambda: L.RandomContrast(0.5, value_range=(0, 1), seed=5),
                 lambda: L.RandomBrightness(0.2, value_range=(0, 1), seed=5)]:
        a, b = make(), make()
        np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
        np.testing.assert_array_equal(a(x, training=False).numpy(), x)
        assert not np.array_equal(a(x).numpy(), a(x).numpy())  # fresh draws each call
    crop = L.RandomCrop(3, 4, seed=1)
    outs = {tuple(crop(x).numpy()[0, 0, :2, 0]) for _ in range(8)}
    assert len(outs) > 1 and crop(x).shape == (6, 3, 4, 3)


def test_random_flip_flips_whole_images():
    x = np.arange(2 * 1 * 4 * 1, dtype=np.float32).reshape(2, 1, 4, 1)
    layer = L.RandomFlip("horizontal", seed=0)
    for _ in range(5):
        y = layer(x).numpy()
        for i in range(2):
            assert np.array_equal(y[i], x[i]) or np.array_equal(y[i], x[i, :, ::-1])
    with pytest.raises(ValueError, match="unknown mode"):
        L.RandomFlip("diagonal")


def test_contrast_factor_range_follows_keras():
    x = image((64, 4, 4, 1), 71, 0, 255)
    y = L.RandomContrast(0.5, seed=2)(x).numpy()
    m = x.mean(axis=(1, 2), keepdims=True)
    f = ((y - m) / (x - m))[:, 0, 0, 0]
    assert f.min() >= 1.0 - 1e-4 and f.max() <= 1.5 + 1e-4   # Keras 3: RandomContrast(f) draws [1, 1 + f]


def test_argument_validation():
    with pytest.raises(ValueError):
        L.RandomRotation(1.5)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        L.RandomZoom(0.2, fill_mode="mirror")
    with pytest.raises(ValueError):
        L.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="interpolation"):
        L.Resizing(3, 3, interpolation="gaussian")
    with pytest.raises(ValueError, match="Only one of"):
        L.Resizing(3, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="rank"):
        L.RandomFlip()(np.zeros((3, 3)))


def test_layers_in_a_model_fit_and_predict():
    tf.keras.utils.set_random_seed(0)
    aug = tf.keras.Sequential([L.RandomFlip("horizontal"), L.RandomRotation(0.05), L.RandomZoom(0.1),
                               L.RandomTranslation(0.1, 0.1), L.RandomContrast(0.1, value_range=(0, 1))])
    model = tf.keras.Sequential([tf.keras.Input((12, 12, 3)), L.Resizing(8, 8), aug,
                                 L.Conv2D(4, 3, activation="relu"), L.GlobalAveragePooling2D(), L.Dense(2)])
    x = image((16, 12, 12, 3), 72)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(np.int32)
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    p1, p2 = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(p1, p2)     # augmentation is off in predict


def test_layers_in_dataset_map_and_channels_first():
    ds = tf.data.Dataset.from_tensor_slices(image((4, 6, 6, 3), 73)).batch(2)
    flip = L.RandomFlip(seed=1)
    out = list(ds.map(lambda b: flip(b, training=True)))
    assert [tuple(o.shape) for o in out] == [(2, 6, 6, 3), (2, 6, 6, 3)]
    x = image((2, 3, 6, 5), 74)  # channels first
    y = L.Resizing(4, 4, data_format="channels_first")(x).numpy()
    want = L.Resizing(4, 4)(np.transpose(x, (0, 2, 3, 1))).numpy()
    np.testing.assert_allclose(y, np.transpose(want, (0, 3, 1, 2)), atol=1e-6)


def test_get_config_roundtrip():
    for layer in [L.RandomRotation(0.2, fill_mode="wrap", seed=3), L.Resizing(4, 5, interpolation="nearest"),
                  L.RandomZoom(0.1, 0.2), L.CenterCrop(3, 3), L.RandomCrop(2, 2, seed=1), L.RandomFlip("vertical")]:
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config()


def test_gradient_flows_through_augmentation():
    x = tf.Variable(image((2, 6, 6, 1), 75))
    layer = L.RandomRotation(0.1, seed=0)
    with tf.GradientTape() as t:
        y = tf.reduce_sum(layer(x) ** 2)
    g = t.gradient(y, x)
    assert g is not None and np.all(np.isfinite(g.numpy()))


def test_random_draws_stay_random_under_function():
    x = image((4, 5, 6, 3), 76)
    flip = L.RandomFlip(seed=2)
    rot = L.RandomRotation(0.3, seed=2)

    @tf.function
    def augment(t):
        return rot(flip(t, training=True), training=True)

    @tf.function
    def bright(t):
        return tf.image.random_brightness(t, 0.5)

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs = [augment(x).numpy() for _ in range(3)]
        b = [bright(x).numpy() for _ in range(3)]
    assert not np.array_equal(outs[0], outs[1]) and not np.array_equal(outs[1], outs[2])
    assert not np.array_equal(b[0], b[1]) and not np.array_equal(b[1], b[2])
