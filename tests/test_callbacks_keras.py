"""Keras callbacks against Keras 3.15's recorded behaviour (tests/data/callbacks_keras.json, from
tests/tf_reference/record_callbacks.py) and their documented file behaviour."""
import csv
import json
import os

import numpy as np
import pytest

import gradtape as tf

REF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "callbacks_keras.json")))


def model():
    m = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    return m


def drive(cb, m, cfg):
    seq = [-v for v in REF["seq"]] if cfg.get("negate") else REF["seq"]
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


def _check(got, ref):
    for k in ("ran", "weight", "logkeys", "stopped_epoch"):
        assert got[k] == ref[k], (ref["cfg"], k, got[k], ref[k])
    np.testing.assert_allclose(got["lrs"], ref["lrs"], rtol=1e-6)
    if ref["best"] is not None:
        assert got["best"] == pytest.approx(ref["best"])


@pytest.mark.parametrize("i", range(len(REF["early"])))
def test_early_stopping_matches_keras(i):
    ref = REF["early"][i]
    kw = {k: v for k, v in ref["cfg"].items() if k != "negate"}
    _check(drive(tf.keras.callbacks.EarlyStopping(**kw), model(), ref["cfg"]), ref)


@pytest.mark.parametrize("i", range(len(REF["plateau"])))
def test_reduce_lr_on_plateau_matches_keras(i):
    ref = REF["plateau"][i]
    kw = {k: v for k, v in ref["cfg"].items() if k != "negate"}
    _check(drive(tf.keras.callbacks.ReduceLROnPlateau(**kw), model(), ref["cfg"]), ref)


def _data(n=32):
    rng = np.random.RandomState(0)
    x = rng.randn(n, 2).astype("float32")
    return x, (x @ np.array([[1.0], [-1.0]], "float32")).astype("float32")


class _Interrupt(Exception):
    pass


class _InterruptAt(tf.keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise _Interrupt()


def test_backup_and_restore_resumes_at_the_interrupted_epoch(tmp_path):
    x, y = _data()
    backup = str(tmp_path / "backup")
    ref = model()
    w0 = ref.get_weights()
    ref.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    m = model()
    m.set_weights(w0)
    with pytest.raises(_Interrupt):
        m.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
              callbacks=[tf.keras.callbacks.BackupAndRestore(backup), _InterruptAt(2)])
    assert json.load(open(os.path.join(backup, "training_metadata.json")))["epoch"] == 2
    assert os.path.exists(os.path.join(backup, "latest.weights.h5"))
    m2 = model()                                            # a fresh process would build a fresh model
    seen = []
    h = m2.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
               callbacks=[tf.keras.callbacks.BackupAndRestore(backup),
                          tf.keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))])
    assert seen == [2, 3]
    assert len(h.history["loss"]) == 2
    assert not os.path.exists(backup)                       # deleted after a normal end
    for a, b in zip(m2.get_weights(), ref.get_weights()):   # SGD has no slots, so the resumed run is exact
        np.testing.assert_allclose(a, b, rtol=1e-5)
    with pytest.raises(ValueError):
        tf.keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError):
        tf.keras.callbacks.BackupAndRestore(backup, save_freq="batch")


@pytest.mark.parametrize("ext", [".keras", ".weights.h5", ".h5"])
def test_model_checkpoint_formats_and_best_only(tmp_path, ext):
    x, y = _data()
    m = model()
    weights_only = ext == ".weights.h5"
    pattern = str(tmp_path / ("m-{epoch:02d}-{val_loss:.2f}" + ext))
    cb = tf.keras.callbacks.ModelCheckpoint(pattern, save_best_only=True, save_weights_only=weights_only)
    h = m.fit(x, y, epochs=3, batch_size=8, validation_data=(x, y), shuffle=False, verbose=0, callbacks=[cb])
    names = sorted(os.listdir(tmp_path))
    vl = h.history["val_loss"]
    expected = sorted(f"m-{e + 1:02d}-{vl[e]:.2f}{ext}" for e in range(3)
                      if vl[e] < min(vl[:e], default=np.inf))
    assert names == expected
    last = str(tmp_path / expected[-1])
    if weights_only:
        m2 = model()
        m2.load_weights(last)
    else:
        m2 = tf.keras.models.load_model(last)
    np.testing.assert_allclose(m2.predict(x, verbose=0), m.predict(x, verbose=0), rtol=1e-6)


def test_csv_logger_and_history(tmp_path):
    x, y = _data()
    m = model()
    path = str(tmp_path / "log.csv")
    h = m.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0,
              callbacks=[tf.keras.callbacks.CSVLogger(path)])
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]
    np.testing.assert_allclose([float(r["loss"]) for r in rows], h.history["loss"], rtol=1e-6)
    m.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[tf.keras.callbacks.CSVLogger(path, append=True)])
    assert len(list(csv.DictReader(open(path)))) == 3


def test_learning_rate_scheduler_logs_learning_rate():
    x, y = _data()
    m = model()
    h = m.fit(x, y, epochs=3, batch_size=8, verbose=0,
              callbacks=[tf.keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5)])
    np.testing.assert_allclose(h.history["learning_rate"], [0.05, 0.025, 0.0125], rtol=1e-6)


def test_terminate_on_nan_stops():
    x, y = _data()
    y[3] = np.nan
    m = model()
    h = m.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[tf.keras.callbacks.TerminateOnNaN()])
    assert len(h.history["loss"]) == 1 and np.isnan(h.history["loss"][0])
