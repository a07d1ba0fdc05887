"""compile/fit/evaluate/predict, History, callbacks and the progress bar (part C2)."""
import re

import numpy as np
import pytest

import gradtape as tf

L = tf.keras.layers


@pytest.fixture(autouse=True)
def _fresh():
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(0)
    yield


def regression_data(n=64, seed=0):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    return x, y


def small_model(lr=0.05, optimizer=None, metrics=None):
    m = tf.keras.Sequential([L.Dense(8, activation="tanh", input_shape=(3,)), L.Dense(1)])
    m.compile(optimizer=optimizer or tf.keras.optimizers.SGD(learning_rate=lr), loss="mse", metrics=metrics)
    return m


def test_fit_loss_falls_and_history_contents():
    x, y = regression_data()
    m = small_model(metrics=["mae"])
    h = m.fit(x, y, batch_size=16, epochs=8, verbose=0)
    assert isinstance(h, tf.keras.callbacks.History) and m.history is h
    assert set(h.history) == {"loss", "mae"}
    assert h.epoch == list(range(8)) and len(h.history["loss"]) == 8
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert h.params["epochs"] == 8 and h.params["steps"] == 4
    assert all(isinstance(v, float) for v in h.history["loss"])
    loss, mae = m.evaluate(x, y, verbose=0)
    assert loss < h.history["loss"][0]
    assert m.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "mae"}
    assert m.predict(x, batch_size=10, verbose=0).shape == (64, 1)


def test_epoch_loss_is_batch_weighted_mean_and_includes_regularization():
    x, y = regression_data(n=10)
    m = tf.keras.Sequential([L.Dense(1, input_shape=(3,), kernel_regularizer=tf.keras.regularizers.l2(0.1))])
    m.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    h = m.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    k, b = m.get_weights()
    pred = x @ k + b
    reg = 0.1 * np.sum(k ** 2)
    per_batch = [(np.mean((pred[s] - y[s]) ** 2) + reg, len(range(*s.indices(10))))
                 for s in (slice(0, 4), slice(4, 8), slice(8, 10))]
    expected = sum(v * n for v, n in per_batch) / 10
    assert h.history["loss"][0] == pytest.approx(expected, rel=1e-5)


def test_validation_split_uses_last_samples():
    x, y = regression_data(n=50)
    m = small_model(lr=0.0)
    h = m.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert set(h.history) == {"loss", "val_loss"}
    assert h.params["steps"] == 2                     # 40 training samples, batch 32
    val = m.evaluate(x[40:], y[40:], verbose=0)
    assert h.history["val_loss"][-1] == pytest.approx(val, rel=1e-6)
    h2 = m.fit(x, y, epochs=1, validation_data=(x[:5], y[:5]), verbose=0)
    assert "val_loss" in h2.history


def test_accuracy_metric_resolution_and_classification_training():
    r = np.random.default_rng(1)
    x = r.normal(size=(120, 2)).astype(np.float32)
    labels = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    m = tf.keras.Sequential([L.Dense(16, activation="relu", input_shape=(2,)), L.Dense(2, activation="softmax")])
    m.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(x, labels, batch_size=32, epochs=15, verbose=0)
    assert h.history["accuracy"][-1] > 0.9
    assert type(m.compiled_metrics.metrics[0]).__name__ == "SparseCategoricalAccuracy"
    mb = tf.keras.Sequential([L.Dense(1, activation="sigmoid", input_shape=(2,))])
    mb.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    mb.fit(x, labels.astype(np.float32), epochs=1, verbose=0)
    assert type(mb.compiled_metrics.metrics[0]).__name__ == "BinaryAccuracy"


class Recorder(tf.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_user_callback_hooks_and_lambda_callback():
    x, y = regression_data(n=20)
    m = small_model()
    rec = Recorder()
    ends = []
    lam = tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append((epoch, logs["loss"])))
    m.fit(x, y, batch_size=10, epochs=2, validation_data=(x, y), callbacks=[rec, lam], verbose=0)
    assert rec.model is m and rec.params["epochs"] == 2
    assert rec.events == [
        "train_begin", ("epoch_begin", 0), ("batch", 0, ["loss"]), ("batch", 1, ["loss"]),
        ("epoch_end", 0, ["loss", "val_loss"]), ("epoch_begin", 1), ("batch", 0, ["loss"]),
        ("batch", 1, ["loss"]), ("epoch_end", 1, ["loss", "val_loss"]), "train_end"]
    assert [e for e, _ in ends] == [0, 1]


def test_early_stopping_patience_and_restore_best_weights():
    x, y = regression_data(n=16)
    m = small_model(lr=0.0)                       # constant loss: never improves after epoch 0
    es = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=2)
    h = m.fit(x, y, epochs=20, callbacks=[es], verbose=0)
    assert len(h.history["loss"]) == 3 and es.stopped_epoch == 2

    class Perturb(tf.keras.callbacks.Callback):
        """Makes the weights worse after the first epoch so that restoring matters."""

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 0:
                self.best = [w.copy() for w in self.model.get_weights()]
            else:
                self.model.set_weights([w + 1.0 for w in self.model.get_weights()])

    m2 = small_model(lr=0.0)
    p = Perturb()
    es2 = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True, min_delta=1e-9)
    m2.fit(x, y, epochs=10, callbacks=[es2, p], verbose=0)
    assert es2.best_epoch == 0 and es2.stopped_epoch == 1
    for w, b in zip(m2.get_weights(), p.best):
        np.testing.assert_allclose(w, b)


def test_early_stopping_mode_auto_and_missing_metric_warns():
    es = tf.keras.callbacks.EarlyStopping(monitor="val_accuracy")
    assert es.monitor_op == np.greater
    x, y = regression_data(n=8)
    m = small_model()
    with pytest.warns(UserWarning, match="not available"):
        m.fit(x, y, epochs=1, callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_nope")], verbose=0)


def test_learning_rate_scheduler_sets_lr_and_logs_it():
    x, y = regression_data(n=8)
    m = small_model(lr=0.1)
    seen = []
    cb = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * (0.5 ** epoch))
    rec = tf.keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(
        float(np.asarray(m.optimizer.learning_rate))))
    h = m.fit(x, y, epochs=3, callbacks=[cb, rec], verbose=0)
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.05, 0.025], rtol=1e-6)


def test_verbose_zero_prints_nothing(capsys):
    x, y = regression_data(n=8)
    m = small_model()
    m.fit(x, y, epochs=2, verbose=0, validation_split=0.25)
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_bar_verbose_1_and_2(capsys):
    x, y = regression_data(n=40)
    m = small_model(metrics=["mae"])
    m.fit(x, y, batch_size=10, epochs=2, verbose=1, validation_split=0.25)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    final = [line.split("\r")[-1] for line in out.splitlines() if "val_loss" in line]
    assert len(final) == 2
    assert re.match(r"^3/3 \[=+\] - \d+s \d+(ms|us|s)/step - loss: \d+\.\d{4} - mae: \d+\.\d{4} - "
                    r"val_loss: \d+\.\d{4} - val_mae: \d+\.\d{4}", final[0]), final[0]
    m.fit(x, y, batch_size=10, epochs=1, verbose=2)
    out2 = capsys.readouterr().out
    assert re.match(r"^4/4 - \d+s - loss: \d+\.\d{4} - mae: \d+\.\d{4} - \d+(ms|us|s)/epoch - \d+(ms|us|s)/step$",
                    out2.strip()), out2
    assert "Epoch" not in out2                          # one epoch: no "Epoch 1/1" line, as Keras
    m.evaluate(x, y, batch_size=20, verbose=1)
    out3 = capsys.readouterr().out.split("\r")[-1]
    assert re.search(r"2/2 \[=+\] - \d+s .*loss: \d+\.\d{4} - mae: ", out3), out3


def test_dataset_input_and_steps_per_epoch():
    from gradtape.data import Dataset
    x, y = regression_data(n=32)
    m = small_model()
    ds = Dataset.from_tensor_slices((x, y)).batch(8)
    h = m.fit(ds, epochs=3, verbose=0, validation_data=ds)
    assert h.params["steps"] == 4 and len(h.history["val_loss"]) == 3
    with pytest.raises(ValueError, match="`y` argument is not supported"):
        m.fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        m.fit(ds, validation_split=0.2, verbose=0)
    rec = Recorder()
    m.fit(ds.repeat(), epochs=2, steps_per_epoch=3, callbacks=[rec], verbose=0)
    assert sum(1 for e in rec.events if e[0] == "batch") == 6
    assert m.evaluate(ds, verbose=0) > 0
    assert m.predict(Dataset.from_tensor_slices(x).batch(5), verbose=0).shape == (32, 1)


def test_train_and_test_on_batch_and_initial_epoch():
    x, y = regression_data(n=16)
    m = small_model(metrics=["mae"])
    first = m.train_on_batch(x, y)
    assert isinstance(first, list) and len(first) == 2
    for _ in range(20):
        last = m.train_on_batch(x, y, return_dict=True)
    assert last["loss"] < first[0]
    assert m.test_on_batch(x, y)[0] == pytest.approx(m.evaluate(x, y, batch_size=16, verbose=0)[0], rel=1e-6)
    h = m.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert h.epoch == [3, 4]
    with pytest.raises(RuntimeError, match="compile"):
        tf.keras.Sequential([L.Dense(1, input_shape=(3,))]).fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        m.fit(x, y[:10], verbose=0)


def test_fit_uses_training_true_for_batchnorm_and_dropout():
    x, y = regression_data(n=32)
    m = tf.keras.Sequential([L.Dense(4, input_shape=(3,)), L.BatchNormalization(), L.Dropout(0.5), L.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    bn = m.layers[1]
    m.fit(x, y, epochs=1, verbose=0)
    moved = bn.moving_mean.numpy().copy()
    assert np.any(moved != 0)
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moved)
    np.testing.assert_allclose(m.predict(x, verbose=0), m.predict(x, verbose=0))   # no dropout at inference


def test_subclassed_model_fit_and_custom_train_step():
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)
            self.steps_seen = 0

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            self.steps_seen += 1
            return super().train_step(data)

    x, y = regression_data(n=32)
    net = Net()
    net.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss=tf.keras.losses.MeanSquaredError())
    h = net.fit(x, y, batch_size=8, epochs=4, verbose=0)
    assert net.steps_seen == 16 and h.history["loss"][-1] < h.history["loss"][0]


def test_shuffle_is_seeded():
    x, y = regression_data(n=40)
    runs = []
    for _ in range(2):
        tf.keras.backend.clear_session()
        tf.keras.utils.set_random_seed(3)
        m = small_model()
        runs.append(m.fit(x, y, batch_size=8, epochs=2, verbose=0).history["loss"])
    assert runs[0] == runs[1]


def test_multi_input_and_multi_output_fit_logs():
    a = tf.keras.Input((2,), name="a")
    b = tf.keras.Input((3,), name="b")
    h = L.Concatenate()([a, b])
    o1 = L.Dense(1, name="o1")(h)
    o2 = L.Dense(2, activation="softmax", name="o2")(h)
    m = tf.keras.Model([a, b], [o1, o2])
    m.compile("sgd", {"o1": "mse", "o2": "categorical_crossentropy"}, metrics={"o2": ["accuracy"]},
              loss_weights={"o1": 2.0})
    xa, xb = np.ones((8, 2), np.float32), np.ones((8, 3), np.float32)
    y1, y2 = np.ones((8, 1), np.float32), np.eye(2, dtype=np.float32)[[0, 1] * 4]
    hist = m.fit([xa, xb], [y1, y2], epochs=1, verbose=0, shuffle=False, batch_size=8)
    assert list(hist.history) == ["loss", "o1_loss", "o2_loss", "o2_accuracy"]
    h0 = hist.history
    # the total is computed before the step; per-output logs are unweighted
    logs = m.evaluate([xa, xb], [y1, y2], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(2.0 * logs["o1_loss"] + logs["o2_loss"], rel=1e-5)
    assert h0["o2_accuracy"][0] == pytest.approx(0.5)
    assert m.predict([xa, xb], verbose=0)[1].shape == (8, 2)
    by_name = m.evaluate({"a": xa, "b": xb}, {"o2": y2, "o1": y1}, verbose=0, return_dict=True)
    assert by_name == pytest.approx(logs)                          # dict targets matched by output name


def test_model_checkpoint_paths_and_save_best_only(monkeypatch, tmp_path):
    saved = []
    x, y = regression_data(n=16)
    m = small_model(lr=0.0)
    monkeypatch.setattr(m, "save_weights", lambda path, overwrite=True: saved.append(("w", path)))
    monkeypatch.setattr(m, "save", lambda path, overwrite=True: saved.append(("m", path)))
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{loss:.2f}.weights.h5")
    cb = tf.keras.callbacks.ModelCheckpoint(pattern, monitor="loss", save_weights_only=True)
    h = m.fit(x, y, epochs=2, callbacks=[cb], verbose=0)
    loss = h.history["loss"][0]
    assert saved == [("w", str(tmp_path / f"ckpt-01-{loss:.2f}.weights.h5")),
                     ("w", str(tmp_path / f"ckpt-02-{loss:.2f}.weights.h5"))]
    saved.clear()
    best = tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="loss", save_best_only=True)
    m.fit(x, y, epochs=3, callbacks=[best], verbose=0)       # constant loss: only the first epoch improves
    assert saved == [("m", str(tmp_path / "best.keras"))]
    with pytest.raises(KeyError, match="filepath"):
        m.fit(x, y, epochs=1, verbose=0,
              callbacks=[tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "{nope}.h5"), save_weights_only=True)])


def test_reduce_lr_on_plateau_terminate_on_nan_and_csv_logger(tmp_path):
    x, y = regression_data(n=16)
    m = small_model(lr=0.0)
    m.optimizer.learning_rate = 0.0
    cb = tf.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.0)
    m.optimizer.learning_rate = 1e-9
    h = m.fit(x, y, epochs=3, callbacks=[cb], verbose=0)
    assert h.history["learning_rate"][0] == pytest.approx(1e-9) and h.history["learning_rate"][-1] < 1e-9
    path = tmp_path / "log.csv"
    m.fit(x, y, epochs=2, callbacks=[tf.keras.callbacks.CSVLogger(str(path))], verbose=0)
    rows = path.read_text().strip().splitlines()
    assert rows[0] == "epoch,loss" and len(rows) == 3
    bad = np.full_like(y, np.nan)
    hist = m.fit(x, bad, epochs=5, callbacks=[tf.keras.callbacks.TerminateOnNaN()], verbose=0)
    assert len(hist.history["loss"]) == 1


def test_fit_accepts_tensors_generators_and_validation_freq():
    x, y = regression_data(n=24)
    m = small_model()
    h = m.fit(tf.constant(x), tf.constant(y), batch_size=8, epochs=2, verbose=0,
              validation_data=(tf.constant(x), tf.constant(y)), validation_freq=2)
    assert len(h.history["val_loss"]) == 1 and len(h.history["loss"]) == 2

    def gen():
        while True:
            for i in range(0, 24, 6):
                yield x[i:i + 6], y[i:i + 6]

    rec = Recorder()
    h = m.fit(gen(), steps_per_epoch=4, epochs=3, callbacks=[rec], verbose=0)
    assert len(h.history["loss"]) == 3 and sum(1 for e in rec.events if e[0] == "batch") == 12
    finite = ((x[i:i + 6], y[i:i + 6]) for i in range(0, 24, 6))
    with pytest.warns(UserWarning, match="ran out of data"):
        h = m.fit(finite, steps_per_epoch=4, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 1
    h = m.fit(x, y, batch_size=8, steps_per_epoch=5, epochs=1, verbose=0)   # arrays cycle across steps
    assert h.params["steps"] == 5
    assert m.predict(tf.constant(x), verbose=0).shape == (24, 1)


def test_sample_weight_and_class_weight_scale_the_loss():
    r = np.random.default_rng(4)
    x = r.normal(size=(8, 2)).astype(np.float32)
    labels = np.array([0, 1] * 4)
    m = tf.keras.Sequential([L.Dense(2, activation="softmax", input_shape=(2,))])
    m.compile(tf.keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    p = m.predict(x, verbose=0)
    per_sample = -np.log(p[np.arange(8), labels])
    h = m.fit(x, labels, batch_size=8, epochs=1, verbose=0, class_weight={0: 1.0, 1: 0.0})
    assert h.history["loss"][0] == pytest.approx(per_sample[labels == 0].sum() / 8, rel=1e-5)
    sw = np.linspace(0, 1, 8).astype(np.float32)
    h = m.fit(x, labels, sample_weight=sw, batch_size=8, epochs=1, verbose=0)
    assert h.history["loss"][0] == pytest.approx((per_sample * sw).sum() / 8, rel=1e-5)


def test_history_params_are_keras_keys():
    x, y = regression_data(n=8)
    h = small_model().fit(x, y, epochs=1, verbose=0, validation_split=0.25)
    assert h.params == {"verbose": 0, "epochs": 1, "steps": 1}


def test_keras_utils_progbar_averages_values(capsys):
    bar = tf.keras.utils.Progbar(4, stateful_metrics=["acc"])
    for i in range(1, 5):
        bar.update(i, values=[("loss", float(i)), ("acc", i / 10)])
    out = capsys.readouterr().out.split("\r")[-1]
    assert re.search(r"4/4 \[=+\] - \d+s \S+/step - loss: 2\.5000 - acc: 0\.4000", out), out
    quiet = tf.keras.utils.Progbar(2, verbose=0)
    quiet.add(2, values=[("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_basic_regression_tutorial_flow_one_feature():
    """TF's "Basic regression" tutorial: Normalization(input_shape=[1], axis=None) + Dense on 1-D data."""
    r = np.random.default_rng(0)
    hp = r.uniform(50, 200, size=300)
    mpg = 40 - 0.15 * hp + r.normal(0, 2, 300)
    normalizer = L.Normalization(input_shape=[1, ], axis=None)
    normalizer.adapt(np.array(hp))
    model = tf.keras.Sequential([normalizer, L.Dense(units=1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
    history = model.fit(hp, mpg, epochs=60, verbose=0, validation_split=0.2)   # (n,) data, Input (None, 1)
    assert history.history["val_loss"][-1] < 2.0 < history.history["loss"][0]
    pred = model.predict(np.array([100.0, 150.0]), verbose=0)
    assert pred.shape == (2, 1)
    np.testing.assert_allclose(pred.ravel(), [25.0, 17.5], atol=1.5)


def test_progress_bar_on_a_terminal_is_rendered_by_tqdm():
    import io
    import re

    from gradtape.keras.utils.progress import EpochBar

    class FakeTerminal(io.StringIO):
        def isatty(self):
            return True

    out = FakeTerminal()
    bar = EpochBar(4, verbose=1, stream=out)
    assert bar._bar is not None, "on a terminal the bar is a tqdm bar"
    for step in range(1, 5):
        bar.update(step, {"loss": 1.0 / step})
    bar.finish({"loss": 0.25, "acc": 0.5})
    last = out.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert re.match(r"^4/4 \[=+\] - \d+s \S+/step - loss: 0\.2500 - acc: 0\.5000$", last), last
