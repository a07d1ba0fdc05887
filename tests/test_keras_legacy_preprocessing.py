"""Keras's legacy preprocessing (ImageDataGenerator, skipgrams, make_sampling_table), RandomHeight /
RandomWidth, tf.audio WAV coding and audio_dataset_from_directory, against numbers recorded from TF 2.21
+ Keras 3.15 by tests/tf_reference/record_keras_legacy_preprocessing.py."""
import json
import os
import random
import sys

import numpy as np
import pytest

import gradtape as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tf_reference"))
from image_inputs import image  # noqa: E402

REF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "keras_legacy_preprocessing.json")))
IDG = tf.keras.preprocessing.image.ImageDataGenerator


def close(got, want, rtol=1e-5, atol=2e-5):
    np.testing.assert_allclose(np.asarray(got, np.float64).ravel(), np.asarray(want, np.float64), rtol=rtol,
                               atol=atol)


@pytest.mark.parametrize("case", range(len(REF["apply_transform"])))
def test_apply_transform_matches_keras(case):
    c = REF["apply_transform"][case]
    img = image((6, 7, 2), seed=3)
    x = img if c["format"] == "channels_last" else np.ascontiguousarray(img.transpose(2, 0, 1))
    g = IDG(fill_mode=c["mode"], cval=0.25, interpolation_order=c["order"], data_format=c["format"])
    before = x.copy()
    close(g.apply_transform(x, c["params"]), c["out"])
    np.testing.assert_array_equal(x, before)  # the caller's image is not modified


def test_brightness_matches_keras():
    pytest.importorskip("PIL")
    b = REF["brightness"]
    xb = image((5, 4, 3), seed=5, hi=255.0)
    close(xb, b["in"])
    g = IDG()
    close(g.apply_transform(xb.copy(), {"brightness": 1.3}), b["out"], atol=1e-3)
    close(g.apply_transform(xb.copy(), {"brightness": 0.6}), b["out_dark"], atol=1e-3)


def test_fit_and_standardize_match_keras():
    s = REF["standardize"]
    data = image((8, 5, 4, 3), seed=7, hi=255.0)
    g = IDG(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255.0)
    g.fit(data)
    close(g.mean, s["mean"])
    close(g.std, s["std"])
    close(g.standardize(data[2].copy()), s["featurewise"], atol=1e-4)
    g2 = IDG(samplewise_center=True, samplewise_std_normalization=True, rescale=0.5)
    close(g2.standardize(data[3].copy()), s["samplewise"], atol=1e-4)
    gcf = IDG(featurewise_center=True, data_format="channels_first")
    gcf.fit(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
    assert list(gcf.mean.shape) == s["mean_shape_channels_first"]
    close(gcf.mean, s["mean_channels_first"], rtol=1e-4)


def test_std_normalization_turns_centering_on():
    with pytest.warns(UserWarning, match="overrides"):
        g = IDG(featurewise_std_normalization=True)
    assert g.featurewise_center
    with pytest.warns(UserWarning, match="overrides"):
        g = IDG(samplewise_std_normalization=True)
    assert g.samplewise_center


def test_standardize_before_fit_warns():
    g = IDG(featurewise_center=True)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        g.standardize(np.ones((2, 2, 1), np.float32))


@pytest.mark.parametrize("case", [0, 1])
def test_random_params_match_keras_seeds(case):
    r = REF["random_params"][case]
    g = IDG(**r["kw"])
    for seed, want in zip((0, 1, 42), r["params"]):
        got = g.get_random_transform((9, 11, 3), seed=seed)
        assert set(got) == set(want)
        for k, v in want.items():
            if v is None:
                assert got[k] is None, k
            else:
                assert float(got[k]) == pytest.approx(v, rel=1e-12, abs=1e-12), k


def test_seeded_flow_matches_keras_end_to_end():
    f = REF["flow"]
    x = image((10, 6, 7, 1), seed=11, hi=255.0)
    y = np.arange(10) % 3
    g = IDG(rotation_range=20, width_shift_range=0.15, zoom_range=0.1, horizontal_flip=True, rescale=1 / 255.0,
            fill_mode="reflect")
    it = g.flow(x, y, batch_size=4, seed=5)
    for want in f["batches"]:
        bx, by = next(it)
        assert by.tolist() == want["y"]
        close(bx, want["x"], atol=1e-5)
    it = g.flow(x, y, batch_size=4, seed=5)
    bx, by = it[1]
    assert by.tolist() == f["getitem1"]["y"]
    close(bx, f["getitem1"]["x"], atol=1e-5)
    gv = IDG(validation_split=0.3)
    assert next(gv.flow(x, y, batch_size=10, shuffle=False, subset="training"))[1].tolist() == f["split_train_y"]
    assert next(gv.flow(x, y, batch_size=10, shuffle=False, subset="validation"))[1].tolist() == f["split_val_y"]


def test_flow_trains_with_fit_and_copies_input():
    rng = np.random.RandomState(0)
    x = rng.rand(24, 8, 8, 3).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("float32")
    g = IDG(rotation_range=10, horizontal_flip=True, validation_split=0.25)
    it = g.flow(x, y, batch_size=6, seed=1, subset="training", ignore_class_split=True)
    assert len(it) == 3
    x[:] = 0  # the iterator holds its own copy
    assert np.abs(next(it)[0]).sum() > 0
    tf.keras.utils.set_random_seed(0)
    m = tf.keras.Sequential([tf.keras.Input((8, 8, 3)), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(1, activation="sigmoid")])
    m.compile("adam", "binary_crossentropy")
    h = m.fit(it, epochs=2, verbose=0,
              validation_data=g.flow(x, y, batch_size=6, subset="validation", ignore_class_split=True))
    assert len(h.history["loss"]) == 2 and np.isfinite(h.history["val_loss"]).all()


def test_flow_from_directory(tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.RandomState(0)
    for c in ("cats", "dogs"):
        os.makedirs(tmp_path / c)
        for i in range(5):
            tf.keras.utils.save_img(str(tmp_path / c / f"{i}.png"), rng.randint(0, 255, (10, 12, 3)).astype("uint8"))
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    g = IDG(rescale=1 / 255.0, horizontal_flip=True, validation_split=0.4)
    it = g.flow_from_directory(str(tmp_path), target_size=(8, 8), batch_size=4, seed=0, subset="training")
    assert it.samples == 6 and it.class_indices == {"cats": 0, "dogs": 1}
    bx, by = next(it)
    assert bx.shape == (4, 8, 8, 3) and by.shape == (4, 2) and bx.max() <= 1.0
    assert np.allclose(by.sum(1), 1)
    val = g.flow_from_directory(str(tmp_path), target_size=(8, 8), batch_size=4, class_mode="binary",
                                color_mode="grayscale", subset="validation", shuffle=False)
    vx, vy = next(val)
    assert vx.shape == (4, 8, 8, 1) and vy.tolist() == [0, 0, 1, 1]
    m = tf.keras.Sequential([tf.keras.Input((8, 8, 3)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(2)])
    m.compile("adam", tf.keras.losses.CategoricalCrossentropy(from_logits=True))
    m.fit(it, epochs=1, verbose=0)


def test_unsupported_options_are_clear():
    with pytest.raises(NotImplementedError, match="zca_whitening"):
        IDG(zca_whitening=True)
    with pytest.raises(NotImplementedError, match="interpolation_order"):
        IDG(interpolation_order=3)
    with pytest.raises(NotImplementedError, match="pandas"):
        IDG().flow_from_dataframe(None)
    with pytest.raises(ValueError, match="fill_mode"):
        IDG(fill_mode="mirror")
    with pytest.raises(ValueError, match="validation_split"):
        IDG(validation_split=1.5)
    with pytest.raises(ValueError, match="rank 4"):
        IDG().flow(np.zeros((3, 4, 4)))


def test_random_transform_properties():
    np.random.seed(0)
    x = image((9, 9, 3), seed=1)
    g = IDG(horizontal_flip=True)
    outs = [g.random_transform(x, seed=s) for s in range(20)]
    flipped = sum(np.array_equal(o, x[:, ::-1]) for o in outs)
    same = sum(np.array_equal(o, x) for o in outs)
    assert flipped + same == 20 and 3 <= flipped <= 17
    np.testing.assert_array_equal(g.random_transform(x, seed=4), g.random_transform(x, seed=4))
    g = IDG(rotation_range=90, fill_mode="constant", cval=-1.0)
    o = g.random_transform(x, seed=2)
    assert o.shape == x.shape and (o == -1.0).any() and o.max() <= x.max() + 1e-6


@pytest.mark.parametrize("case", range(5))
def test_skipgrams_match_keras_with_seeded_random(case):
    sk = REF["skipgrams"]
    c = sk["cases"][case]
    kw = dict(c["kw"])
    if "sampling_table" in kw:
        kw["sampling_table"] = np.asarray(kw["sampling_table"])
    random.seed(1234)
    couples, labels = tf.keras.preprocessing.sequence.skipgrams(sk["seq"], 10, **kw)
    assert [list(map(int, p)) for p in couples] == c["couples"]
    assert [list(map(int, v)) if isinstance(v, list) else int(v) for v in labels] == c["labels"]


def test_make_sampling_table_matches_keras():
    st = REF["sampling_table"]
    np.testing.assert_allclose(tf.keras.preprocessing.sequence.make_sampling_table(20), st["default"], rtol=1e-12)
    np.testing.assert_allclose(tf.keras.preprocessing.sequence.make_sampling_table(12, 1e-3), st["f1e-3"],
                               rtol=1e-12)


def test_random_height_width_fixed_factor_match_keras():
    r = REF["random_resize"]
    xr = image((2, 5, 6, 2), seed=13)
    rh = tf.keras.layers.RandomHeight((0.5, 0.5))(xr, training=True)
    assert list(rh.shape) == r["height"]["shape"]
    close(rh.numpy(), r["height"]["out"])
    rw = tf.keras.layers.RandomWidth((-0.4, -0.4), interpolation="nearest")(xr, training=True)
    assert list(rw.shape) == r["width"]["shape"]
    close(rw.numpy(), r["width"]["out"])


def test_random_height_width_properties():
    x = image((3, 10, 8, 1), seed=2)
    lh = tf.keras.layers.RandomHeight(0.3, seed=1)
    hs = {lh(x).shape[1] for _ in range(30)}
    assert hs <= set(range(7, 14)) and len(hs) > 2
    assert tf.keras.layers.RandomHeight(0.3, seed=5)(x).shape == tf.keras.layers.RandomHeight(0.3, seed=5)(x).shape
    np.testing.assert_array_equal(lh(x, training=False).numpy(), x)
    lw = tf.keras.layers.RandomWidth([0.2, 0.5], seed=3)
    ws = {lw(x).shape[2] for _ in range(10)}
    assert ws <= set(range(9, 13))
    with pytest.raises(ValueError, match="larger than -1"):
        tf.keras.layers.RandomHeight((-1.5, 0.2))
    with pytest.raises(ValueError, match="upper bound"):
        tf.keras.layers.RandomWidth((0.5, 0.2))
    m = tf.keras.Sequential([tf.keras.Input((None, 8, 1)), tf.keras.layers.RandomHeight(0.2, seed=0),
                             tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    m.fit(x, np.zeros((3, 1)), epochs=1, verbose=0)
    assert m.predict(x, verbose=0).shape == (3, 1)
    cfg = lw.get_config()
    assert cfg["factor"] == [0.2, 0.5]
    assert type(lw).from_config(cfg).upper == 0.5


def test_wav_encode_decode_match_tf():
    w = REF["wav"]
    a = np.asarray(w["audio"], np.float32).reshape(-1, 2)
    enc = tf.audio.encode_wav(a, 22050).numpy()
    assert enc.hex() == w["encoded_hex"]
    data = bytes.fromhex(w["encoded_hex"])
    dec = tf.audio.decode_wav(data)
    close(dec.audio.numpy(), w["decoded"], rtol=0, atol=1e-7)
    assert int(dec.sample_rate) == w["rate"] and dec.sample_rate.dtype == tf.int32
    close(tf.audio.decode_wav(data, desired_channels=1).audio.numpy(), w["ch1"], rtol=0, atol=1e-7)
    close(tf.audio.decode_wav(data, desired_channels=3).audio.numpy(), w["ch3"], rtol=0, atol=1e-7)
    close(tf.audio.decode_wav(data, desired_samples=8).audio.numpy(), w["s8"], rtol=0, atol=1e-7)
    close(tf.audio.decode_wav(data, desired_samples=3).audio.numpy(), w["s3"], rtol=0, atol=1e-7)


def test_wav_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected RIFF"):
        tf.audio.decode_wav(b"nonsense data")
    data = bytearray(tf.audio.encode_wav(np.zeros((4, 1), np.float32), 8000).numpy())
    data[34] = 8  # bits per sample
    with pytest.raises(tf.errors.InvalidArgumentError, match="16-bit"):
        tf.audio.decode_wav(bytes(data))
    with pytest.raises(tf.errors.InvalidArgumentError, match="float32"):
        tf.audio.encode_wav(np.zeros((4, 1), np.float64), 8000)


@pytest.mark.parametrize("mode", ["constant", "nearest", "reflect", "wrap"])
def test_affine_resampling_agrees_with_scipy_when_installed(mode):
    nd = pytest.importorskip("scipy.ndimage")
    from gradtape.keras.preprocessing.image import _affine_resample
    rng = np.random.RandomState(0)
    for _ in range(60):
        x = rng.rand(rng.randint(1, 7), rng.randint(1, 7))
        m, off = rng.randn(2, 2) * 1.5, rng.randn(2) * 6
        for order in (0, 1):
            np.testing.assert_allclose(_affine_resample(x, m, off, order, mode, 0.25),
                                       nd.affine_transform(x, m, off, order=order, mode=mode, cval=0.25), atol=1e-9)


def _write_audio_dir(d):
    for ci, c in enumerate(("down", "up")):
        os.makedirs(os.path.join(d, c))
        for i in range(4):
            sig = image((20 + 3 * i + ci, 1), seed=100 + 10 * ci + i, lo=-0.9, hi=0.9)
            tf.io.write_file(os.path.join(d, c, f"s{i}.wav"), tf.audio.encode_wav(sig, 8000))


def test_audio_dataset_from_directory_matches_keras(tmp_path):
    ref = REF["audio_ds"]
    d = str(tmp_path)
    _write_audio_dir(d)
    ds = tf.keras.utils.audio_dataset_from_directory(d, batch_size=3, shuffle=False, verbose=False)
    assert ds.class_names == ref["class_names"]
    got = list(ds)
    assert len(got) == len(ref["batches"])
    for (x, y), want in zip(got, ref["batches"]):
        assert list(x.shape) == want["shape"] and y.numpy().tolist() == want["y"]
        close(x.numpy(), want["x"], rtol=0, atol=1e-7)
    ds = tf.keras.utils.audio_dataset_from_directory(d, batch_size=8, shuffle=False, output_sequence_length=24,
                                                     label_mode="categorical", verbose=False)
    for (x, y), want in zip(ds, ref["fixed"]):
        assert list(x.shape) == want["shape"] and y.numpy().tolist() == want["y"]
        close(x.numpy(), want["x"], rtol=0, atol=1e-7)
    tr, va = tf.keras.utils.audio_dataset_from_directory(d, batch_size=8, seed=7, validation_split=0.25,
                                                         subset="both", verbose=False)
    lengths = {k: sorted(int(np.count_nonzero(np.abs(r) > 0)) for x, _ in s for r in x.numpy()[..., 0])
               for k, s in (("train", tr), ("val", va))}
    assert lengths == ref["split_lengths"]
    with pytest.raises(NotImplementedError, match="sampling_rate"):
        tf.keras.utils.audio_dataset_from_directory(d, sampling_rate=16000)
    rag = tf.keras.utils.audio_dataset_from_directory(d, batch_size=4, shuffle=False, ragged=True, verbose=False)
    x, _ = next(iter(rag))
    assert isinstance(x, tf.RaggedTensor)


def test_random_helpers_draw_like_keras():
    from gradtape.keras.preprocessing import image as kimg
    x = image((3, 7, 6), seed=21)  # channels first, as the helpers' defaults
    np.random.seed(3)
    theta = np.random.uniform(-30, 30)
    np.random.seed(3)
    np.testing.assert_array_equal(kimg.random_rotation(x, 30), kimg.apply_affine_transform(x, theta=theta))
    np.random.seed(4)
    tx, ty = np.random.uniform(-0.2, 0.2) * 7, np.random.uniform(-0.1, 0.1) * 6
    np.random.seed(4)
    np.testing.assert_array_equal(kimg.random_shift(x, 0.1, 0.2), kimg.apply_affine_transform(x, tx=tx, ty=ty))
    np.random.seed(5)
    zx, zy = np.random.uniform(0.8, 1.2, 2)
    np.random.seed(5)
    np.testing.assert_array_equal(kimg.random_zoom(x, (0.8, 1.2)), kimg.apply_affine_transform(x, zx=zx, zy=zy))
    np.testing.assert_array_equal(kimg.random_zoom(x, (1, 1)), x)
    with pytest.raises(ValueError, match="zoom_range"):
        kimg.random_zoom(x, (0.5,))
    out = kimg.random_channel_shift(x, 0.3)
    assert out.min() >= x.min() and out.max() <= x.max()
