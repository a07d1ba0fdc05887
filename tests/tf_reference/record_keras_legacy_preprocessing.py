"""Record Keras's legacy preprocessing numbers (what TF 2.21's tf.keras exposes) for
tests/test_keras_legacy_preprocessing.py: ImageDataGenerator transforms, statistics and seeded flows,
skipgrams / make_sampling_table, RandomHeight / RandomWidth with fixed factors, tf.audio WAV coding and
audio_dataset_from_directory.

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python \
     tests/tf_reference/record_keras_legacy_preprocessing.py
Writes tests/data/keras_legacy_preprocessing.json. Keras's ImageDataGenerator needs SciPy: when the TF
environment lacks it, install it aside (pip install --target /tmp/scipy scipy) and prefix the command
with PYTHONPATH=/tmp/scipy.
"""
import json
import os
import random
import sys
import tempfile

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_inputs import image  # noqa: E402

IDG = tf.keras.preprocessing.image.ImageDataGenerator
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "keras_legacy_preprocessing.json")

PARAMS = [
    {"theta": 27.0},
    {"tx": 1.7, "ty": -2.3},
    {"shear": 15.0, "zx": 0.8, "zy": 1.3},
    {"theta": -40.0, "tx": 0.5, "zx": 1.2, "zy": 0.9, "flip_horizontal": True, "channel_shift_intensity": 0.1},
    {"zx": 0.6, "zy": 0.7, "flip_vertical": True},
]


def f32(a):
    return [float("%.7g" % v) for v in np.asarray(a, np.float32).ravel()]


def main():
    rec = {"tf_version": tf.__version__, "keras_version": tf.keras.__version__ if hasattr(tf.keras, "__version__")
           else None}
    img = image((6, 7, 2), seed=3)
    rec["apply_transform"] = []
    for fmt in ("channels_last", "channels_first"):
        x = img if fmt == "channels_last" else np.ascontiguousarray(img.transpose(2, 0, 1))
        for mode in ("constant", "nearest", "reflect", "wrap"):
            for order in (0, 1):
                g = IDG(fill_mode=mode, cval=0.25, interpolation_order=order, data_format=fmt)
                for pi, p in enumerate(PARAMS):
                    if order == 0 and pi > 2:
                        continue
                    y = g.apply_transform(x.copy(), p)
                    rec["apply_transform"].append({"format": fmt, "mode": mode, "order": order, "params": p,
                                                   "out": f32(y)})
    # brightness goes through Pillow
    g = IDG()
    xb = image((5, 4, 3), seed=5, hi=255.0)
    rec["brightness"] = {"in": f32(xb), "out": f32(g.apply_transform(xb.copy(), {"brightness": 1.3})),
                         "out_dark": f32(g.apply_transform(xb.copy(), {"brightness": 0.6}))}
    # statistics and standardize
    data = image((8, 5, 4, 3), seed=7, hi=255.0)
    g = IDG(featurewise_center=True, featurewise_std_normalization=True, rescale=1 / 255.0)
    g.fit(data)
    s = g.standardize(data[2].copy())
    g2 = IDG(samplewise_center=True, samplewise_std_normalization=True, rescale=0.5)
    rec["standardize"] = {"mean": f32(g.mean), "std": f32(g.std), "featurewise": f32(s),
                          "samplewise": f32(g2.standardize(data[3].copy()))}
    gcf = IDG(featurewise_center=True, data_format="channels_first")
    gcf.fit(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
    rec["standardize"]["mean_channels_first"] = f32(gcf.mean)
    rec["standardize"]["mean_shape_channels_first"] = list(gcf.mean.shape)
    # seeded random parameters
    rec["random_params"] = []
    for kw in ({"rotation_range": 30, "width_shift_range": 0.2, "height_shift_range": 0.1, "shear_range": 10,
                "zoom_range": 0.2, "channel_shift_range": 5.0, "horizontal_flip": True, "vertical_flip": True,
                "brightness_range": [0.5, 1.5]},
               {"width_shift_range": 3, "height_shift_range": [1, 2, 4], "zoom_range": [0.5, 1.0]}):
        g = IDG(**kw)
        ps = [g.get_random_transform((9, 11, 3), seed=s) for s in (0, 1, 42)]
        rec["random_params"].append({"kw": kw, "params": [{k: (None if v is None else float(v)) for k, v in p.items()}
                                                          for p in ps]})
    # seeded flow, end to end
    x = image((10, 6, 7, 1), seed=11, hi=255.0)
    y = np.arange(10) % 3
    g = IDG(rotation_range=20, width_shift_range=0.15, zoom_range=0.1, horizontal_flip=True, rescale=1 / 255.0,
            fill_mode="reflect")
    it = g.flow(x, y, batch_size=4, seed=5)
    batches = [next(it) for _ in range(3)]
    rec["flow"] = {"x": f32(x), "batches": [{"x": f32(b[0]), "y": b[1].tolist()} for b in batches]}
    it = g.flow(x, y, batch_size=4, seed=5)
    rec["flow"]["getitem1"] = {"x": f32(it[1][0]), "y": it[1][1].tolist()}
    gv = IDG(validation_split=0.3)
    rec["flow"]["split_train_y"] = next(gv.flow(x, y, batch_size=10, shuffle=False, subset="training"))[1].tolist()
    rec["flow"]["split_val_y"] = next(gv.flow(x, y, batch_size=10, shuffle=False, subset="validation"))[1].tolist()
    # skipgrams / make_sampling_table
    seq = [3, 1, 4, 1, 5, 9, 2, 6, 0, 5, 3, 5, 8, 9, 7, 9]
    sk = []
    for kw in ({"window_size": 2}, {"window_size": 3, "negative_samples": 0.5, "categorical": True},
               {"window_size": 2, "sampling_table": tf.keras.preprocessing.sequence.make_sampling_table(10, 0.05).tolist()},
               {"window_size": 1, "shuffle": False}, {"window_size": 2, "negative_samples": 0.0, "seed": 3}):
        random.seed(1234)
        c, lab = tf.keras.preprocessing.sequence.skipgrams(seq, 10, **kw)
        sk.append({"kw": kw, "couples": [list(map(int, p)) for p in c],
                   "labels": [list(map(int, v)) if isinstance(v, list) else int(v) for v in lab]})
    rec["skipgrams"] = {"seq": seq, "cases": sk}
    rec["sampling_table"] = {"default": tf.keras.preprocessing.sequence.make_sampling_table(20).tolist(),
                             "f1e-3": tf.keras.preprocessing.sequence.make_sampling_table(12, 1e-3).tolist()}
    # RandomHeight / RandomWidth with a fixed factor (deterministic)
    xr = image((2, 5, 6, 2), seed=13)
    rh = tf.keras.layers.RandomHeight((0.5, 0.5))(xr, training=True).numpy()
    rw = tf.keras.layers.RandomWidth((-0.4, -0.4), interpolation="nearest")(xr, training=True).numpy()
    rec["random_resize"] = {"height": {"shape": list(rh.shape), "out": f32(rh)},
                            "width": {"shape": list(rw.shape), "out": f32(rw)}}
    # tf.audio
    a = np.array([[0.0, 0.5], [-1.0, 1.0], [0.25, -0.3], [1.5, -2.0], [0.49999, 0.00002], [-0.5, 0.7]], np.float32)
    w = tf.audio.encode_wav(a, 22050).numpy()
    dec = tf.audio.decode_wav(w)
    rec["wav"] = {"audio": f32(a), "encoded_hex": w.hex(), "decoded": f32(dec.audio), "rate": int(dec.sample_rate),
                  "ch1": f32(tf.audio.decode_wav(w, desired_channels=1).audio),
                  "ch3": f32(tf.audio.decode_wav(w, desired_channels=3).audio),
                  "s8": f32(tf.audio.decode_wav(w, desired_samples=8).audio),
                  "s3": f32(tf.audio.decode_wav(w, desired_samples=3).audio)}
    # audio_dataset_from_directory on generated files
    d = tempfile.mkdtemp()
    for ci, c in enumerate(("down", "up")):
        os.makedirs(os.path.join(d, c))
        for i in range(4):
            sig = image((20 + 3 * i + ci, 1), seed=100 + 10 * ci + i, lo=-0.9, hi=0.9)
            tf.io.write_file(os.path.join(d, c, f"s{i}.wav"), tf.audio.encode_wav(sig, 8000))
    ds = tf.keras.utils.audio_dataset_from_directory(d, batch_size=3, shuffle=False, verbose=False)
    rec["audio_ds"] = {"class_names": ds.class_names,
                       "batches": [{"shape": list(x.shape), "x": f32(x), "y": y.numpy().tolist()} for x, y in ds]}
    ds = tf.keras.utils.audio_dataset_from_directory(d, batch_size=8, shuffle=False, output_sequence_length=24,
                                                     label_mode="categorical", verbose=False)
    rec["audio_ds"]["fixed"] = [{"shape": list(x.shape), "x": f32(x), "y": y.numpy().tolist()} for x, y in ds]
    tr, va = tf.keras.utils.audio_dataset_from_directory(d, batch_size=8, seed=7, validation_split=0.25,
                                                         subset="both", verbose=False)
    rec["audio_ds"]["split_lengths"] = {
        "train": sorted(int(np.count_nonzero(np.abs(r) > 0)) for x, _ in tr for r in x.numpy()[..., 0]),
        "val": sorted(int(np.count_nonzero(np.abs(r) > 0)) for x, _ in va for r in x.numpy()[..., 0])}
    with open(OUT + ".tmp", "w") as f:
        json.dump(rec, f, separators=(",", ":"))
    os.replace(OUT + ".tmp", OUT)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
