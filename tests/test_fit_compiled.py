"""``fit`` compiles the built-in train step with ``gradtape.function`` (as Keras wraps it in tf.function):
the History, per-batch logs and weights equal those of ``compile(run_eagerly=True)`` exactly, the plan
is traced once per batch shape, and it is made again when the trainable variables, optimizer or loss
change. Also: a metric created while tracing keeps its state between calls, and a loss-scaled step
follows the dynamic scale."""
import numpy as np
import pytest

import gradtape as tf

L = tf.keras.layers


def _function_of(model):
    call = model.__dict__["_gt_train_fn"][1]
    return next(c.cell_contents for c in call.__closure__ if type(c.cell_contents).__name__ == "Function")


def _train(build, run_eagerly, fit_kwargs, epochs=3, callbacks=None):
    tf.keras.utils.set_random_seed(7)
    model = build()
    model.run_eagerly = run_eagerly
    hist = model.fit(epochs=epochs, verbose=0, callbacks=callbacks, **fit_kwargs)
    return model, hist.history


def _same(build, fit_kwargs, epochs=3):
    batch_logs = {True: [], False: []}
    results = {}
    for eager in (True, False):
        cb = tf.keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda b, logs, e=eager: batch_logs[e].append(dict(logs)))
        results[eager] = _train(build, eager, fit_kwargs, epochs, [cb])
    (m_e, h_e), (m_c, h_c) = results[True], results[False]
    assert h_c == h_e                                   # the same floats, not merely close
    assert batch_logs[False] == batch_logs[True]
    for a, b in zip(m_c.weights, m_e.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    return m_c, h_c


def _cnn():
    m = tf.keras.Sequential([
        tf.keras.Input((6, 6, 1)),
        L.Conv2D(4, 3, padding="same", use_bias=False, kernel_regularizer=tf.keras.regularizers.l2(1e-3)),
        L.BatchNormalization(), L.ReLU(), L.Flatten(), L.Dropout(0.3), L.Dense(3)])
    m.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return m


def _image_data(n=40, seed=0):
    r = np.random.default_rng(seed)
    return r.normal(size=(n, 6, 6, 1)).astype(np.float32), r.integers(0, 3, n).astype(np.int32)


def test_compiled_fit_equals_eager_with_dropout_batchnorm_regularizer_metrics_and_partial_batch():
    x, y = _image_data()
    model, hist = _same(_cnn, dict(x=x, y=y, batch_size=16, shuffle=True, validation_data=(x[:8], y[:8])))
    assert set(hist) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    fn = _function_of(model)
    assert fn._eager_reason is None
    assert fn.experimental_get_tracing_count() == 2     # batches of 16 and the last one of 8, once each


def test_compiled_fit_equals_eager_with_sample_and_class_weights():
    x, y = _image_data()
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(x)).astype(np.float32)
    _same(_cnn, dict(x=x, y=y, batch_size=8, sample_weight=sw, shuffle=False))
    _same(_cnn, dict(x=x, y=y, batch_size=8, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, shuffle=False))


def test_compiled_fit_equals_eager_for_a_multi_output_model_with_per_output_losses_and_metrics():
    def build():
        inp = tf.keras.Input((4,))
        h = L.Dense(8, activation="relu")(inp)
        a = L.Dense(1, name="a")(h)
        b = L.Dense(3, activation="softmax", name="b")(h)
        m = tf.keras.Model(inp, [a, b])
        m.compile(optimizer="rmsprop", loss={"a": "mse", "b": "sparse_categorical_crossentropy"},
                  loss_weights={"a": 0.5, "b": 1.0}, metrics={"a": ["mae"], "b": ["accuracy"]})
        return m
    r = np.random.default_rng(3)
    x = r.normal(size=(30, 4)).astype(np.float32)
    ya = r.normal(size=(30, 1)).astype(np.float32)
    yb = r.integers(0, 3, 30)
    _, hist = _same(build, dict(x=x, y={"a": ya, "b": yb}, batch_size=10))
    assert {"loss", "a_loss", "b_loss", "a_mae", "b_accuracy"} <= set(hist)


def test_a_dataset_and_a_subclassed_model_compile():
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(5, activation="tanh")
            self.d2 = L.Dense(1)

        def call(self, x, training=None):
            return self.d2(self.d1(x))

    def build():
        m = Net()
        m.compile(optimizer=tf.keras.optimizers.SGD(0.05, momentum=0.9), loss="mse", metrics=["mae"])
        return m
    r = np.random.default_rng(4)
    x = r.normal(size=(24, 3)).astype(np.float32)
    y = (x.sum(1, keepdims=True) ** 2).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model, _ = _same(build, dict(x=ds))
    assert _function_of(model).experimental_get_tracing_count() == 1


def test_the_plan_is_made_again_when_trainable_weights_change():
    x, y = _image_data()
    tf.keras.utils.set_random_seed(7)
    model = _cnn()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    first = _function_of(model)
    model.layers[0].trainable = False
    frozen = model.layers[0].kernel.numpy().copy()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), frozen)
    assert _function_of(model) is not first
    again = _function_of(model)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)      # nothing changed: the same plan, no retrace
    assert _function_of(model) is again and again.experimental_get_tracing_count() == 1
    model.compile(optimizer="sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert _function_of(model) is not again


def test_custom_train_step_and_run_eagerly_stay_eager():
    seen = []

    class Custom(tf.keras.Model):
        def train_step(self, data):
            seen.append(1)                      # Python runs on every batch: the step is not compiled
            return super().train_step(data)

    inp = tf.keras.Input((2,))
    m = Custom(inp, L.Dense(1)(inp))
    m.compile(optimizer="sgd", loss="mse")
    x = np.ones((12, 2), np.float32)
    m.fit(x, x[:, :1], batch_size=4, epochs=2, verbose=0)
    assert len(seen) == 6 and "_gt_train_fn" not in m.__dict__
    m2 = tf.keras.Sequential([tf.keras.Input((2,)), L.Dense(1)])
    m2.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    assert m2.run_eagerly
    m2.fit(x, x[:, :1], batch_size=4, epochs=1, verbose=0)
    assert "_gt_train_fn" not in m2.__dict__


def test_loss_scale_optimizer_in_compiled_fit_follows_the_dynamic_scale():
    def build():
        m = tf.keras.Sequential([tf.keras.Input((3,)), L.Dense(4), L.Dense(1)])
        opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.01), initial_scale=2.0 ** 127,
                                                          dynamic_growth_steps=1000)
        m.compile(optimizer=opt, loss="mse")
        return m
    r = np.random.default_rng(5)
    x = r.normal(size=(32, 3)).astype(np.float32)    # the scaled loss overflows until the scale dropped
    y = r.normal(size=(32, 1)).astype(np.float32)
    model, _ = _same(build, dict(x=x, y=y, batch_size=4, shuffle=False), epochs=2)
    assert float(model.optimizer.loss_scale.numpy()) < 2.0 ** 127
    assert int(model.optimizer.iterations.numpy()) > 0      # some steps were applied


def test_a_metric_made_while_tracing_keeps_its_state_between_calls():
    made = {}

    @tf.function
    def f(x):
        if "m" not in made:
            made["m"] = tf.keras.metrics.Mean()
        made["m"].update_state(x)
        return x * 2.0

    for v in (1.0, 2.0, 6.0):
        f(tf.constant(v))
    assert float(made["m"].result().numpy()) == pytest.approx(3.0)


def test_a_random_draw_in_a_function_on_a_device_is_made_there_on_every_call():
    from gpu_standin import host, installed, on_device
    with installed(1):
        with tf.device("/GPU:0"):
            @tf.function
            def f(x):
                return x * tf.random.uniform([4], seed=None)

            tf.random.set_seed(3)
            x = tf.constant(np.ones(4, np.float32))
            outs = [f(x) for _ in range(3)]        # the trace, then the plan twice
        tf.random.set_seed(3)
        ref = [x * tf.random.uniform([4]) for _ in range(3)]
        assert all(on_device(o) for o in outs)
        for o, r in zip(outs, ref):
            np.testing.assert_array_equal(host(o), host(r))


@pytest.mark.parametrize("batch_size,shuffle", [(4, False), (4, True), (10, False)])
def test_batches_never_share_memory_with_the_callers_arrays(batch_size, shuffle):
    from gradtape.keras.engine import data_adapter as da
    x = np.arange(40, dtype=np.float32).reshape(10, 4)
    x64 = x.astype(np.float64)
    y = np.arange(10)
    handler = da.DataHandler(x, (y, x64), batch_size=batch_size, shuffle=shuffle)
    rows = []
    for bx, (by, bx64) in handler.epoch():
        for t, src in ((bx, x), (by, y), (bx64, x64)):
            assert not np.shares_memory(t._value, src)
        assert bx.dtype == tf.float32 and bx64.dtype == tf.float32 and by.dtype == tf.int64
        rows.extend(bx.numpy()[:, 0] // 4)
    assert sorted(rows) == list(range(10))


def test_evaluate_is_compiled_and_equals_eager():
    x, y = _image_data(n=36)
    results = {}
    for eager in (True, False):
        tf.keras.utils.set_random_seed(7)
        m = _cnn()
        m.run_eagerly = eager
        m.fit(x, y, batch_size=8, epochs=1, verbose=0)
        results[eager] = (m.evaluate(x, y, batch_size=16, verbose=0, return_dict=True),
                          m.evaluate(x[:20], y[:20], batch_size=16, verbose=0))
        if not eager:
            call = m.__dict__["_gt_test_fn"][1]
            fn = next(c.cell_contents for c in call.__closure__ if type(c.cell_contents).__name__ == "Function")
            assert fn._eager_reason is None and fn.experimental_get_tracing_count() == 2   # batches of 16 and of 4
    assert results[False] == results[True]
