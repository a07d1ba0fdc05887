"""Small TF-fidelity cases (integer division by zero, NaN in argmax/top_k, float shapes, empty
reductions and reshapes, scatter bounds, numeric boolean masks, Keras argument checks), compared with
what real TF returned or raised (tests/data/tf_fidelity.json, recorded by
tests/tf_reference/record_fidelity.py, whose ``cases`` this test runs under gradtape)."""
import importlib.util
import json
import os

import numpy as np
import pytest

import gradtape as tf

HERE = os.path.dirname(__file__)
REF = json.load(open(os.path.join(HERE, "data", "tf_fidelity.json")))
_spec = importlib.util.spec_from_file_location("record_fidelity", os.path.join(HERE, "tf_reference", "record_fidelity.py"))
_rec = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_rec)
CASES = _rec.cases(tf)

_ERRORS = {"InvalidArgumentError": tf.errors.InvalidArgumentError, "InternalError": tf.errors.InternalError,
           "TypeError": TypeError, "ValueError": ValueError}


def test_every_recorded_case_is_run():
    assert sorted(CASES) == sorted(REF)


@pytest.mark.parametrize("name", sorted(REF))
def test_matches_tf(name):
    want = REF[name]
    fn = CASES[name]
    if "error" in want:
        with pytest.raises(_ERRORS[want["error"]]):
            fn()
        return
    got = fn()
    if "ok" in want:
        return
    v = np.asarray(got.numpy())
    assert got.dtype.name == want["dtype"]
    assert list(v.shape) == want["shape"]
    np.testing.assert_array_equal(v, np.asarray(want["value"], dtype=v.dtype).reshape(want["shape"]))


def test_top_k_with_nan_and_k_above_1_refuses_instead_of_guessing():
    # TF's answer then depends on its sort's internals (e.g. [1, nan, 3, 2], k=4 gives [3, 1, nan, 2]).
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN"):
        tf.math.top_k(tf.constant([1.0, float("nan"), 3.0, 2.0]), k=2)
    v, i = tf.math.top_k(tf.constant([1.0, 4.0, 3.0, 2.0]), k=2)     # no NaN: unchanged
    assert v.numpy().tolist() == [4.0, 3.0] and i.numpy().tolist() == [1, 2]


def test_integer_division_without_zero_divisor_is_unchanged():
    assert (tf.constant([7, -7]) // tf.constant([2, 2])).numpy().tolist() == [3, -4]
    assert (tf.constant([7, -7]) % 3).numpy().tolist() == [1, 2]


def test_dense_units_accepts_numpy_integers():
    assert tf.keras.layers.Dense(np.int64(3)).units == 3
    with pytest.raises(ValueError, match="units"):
        tf.keras.layers.Dense(2.5)


def test_optimizer_hyper_parameters_are_validated_by_name():
    with pytest.raises(ValueError, match="learning_rate"):
        tf.keras.optimizers.SGD(learning_rate=None)
    with pytest.raises(ValueError, match="learning_rate"):
        tf.keras.optimizers.SGD(learning_rate=[0.1])
    with pytest.raises(ValueError, match="learning_rate"):
        tf.keras.optimizers.Adam(learning_rate="0.1")
    with pytest.raises(ValueError, match="learning_rate"):
        tf.keras.optimizers.Adam(learning_rate=True)
    for cls, kw in [(tf.keras.optimizers.Adam, "beta_1"), (tf.keras.optimizers.Adam, "beta_2"),
                    (tf.keras.optimizers.Adam, "epsilon"), (tf.keras.optimizers.RMSprop, "rho"),
                    (tf.keras.optimizers.RMSprop, "momentum"), (tf.keras.optimizers.Adagrad, "initial_accumulator_value"),
                    (tf.keras.optimizers.Adadelta, "rho"), (tf.keras.optimizers.Adamax, "beta_1"),
                    (tf.keras.optimizers.Nadam, "beta_2"), (tf.keras.optimizers.Lion, "beta_2"),
                    (tf.keras.optimizers.Adam, "clipnorm"), (tf.keras.optimizers.Adam, "weight_decay")]:
        with pytest.raises(ValueError, match=kw):
            cls(**{kw: "0.9"})
        with pytest.raises(ValueError, match=kw):
            cls(**{kw: [0.9]})
    # numbers of every kind still work (tf.keras 2 accepted ints, NumPy scalars and scalar tensors)
    assert float(tf.keras.optimizers.Adam(learning_rate=1).learning_rate) == 1.0
    assert float(tf.keras.optimizers.Adam(learning_rate=np.float32(0.5)).learning_rate) == 0.5
    assert float(tf.keras.optimizers.Adam(learning_rate=tf.constant(0.25)).learning_rate) == 0.25
    assert tf.keras.optimizers.Adam(beta_1=np.float32(0.5), epsilon=None).epsilon == 1e-7


def _xy():
    rng = np.random.RandomState(0)
    return rng.rand(8, 2).astype(np.float32), rng.rand(8, 1).astype(np.float32)


def test_custom_train_step_receives_x_y_without_sample_weight():
    seen = []

    class Custom(tf.keras.Model):
        def train_step(self, data):
            seen.append(type(data).__name__ + str(len(data)))
            x, y = data                      # the Keras guide's unpacking
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = tf.keras.Input(shape=(2,))
    model = Custom(inputs, tf.keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse", metrics=["mae"])
    x, y = _xy()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert seen == ["tuple2", "tuple2"]

    seen.clear()

    class WithWeights(Custom):
        def train_step(self, data):
            seen.append(len(data))
            x, y, sw = data
            return {}

    model = WithWeights(inputs, tf.keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    model.fit(x, y, sample_weight=np.ones(8, np.float32), epochs=1, batch_size=8, verbose=0)
    assert seen == [3]


def test_predict_step_gets_x_alone_and_multi_input_tuples_stay_whole():
    seen = []

    class P(tf.keras.Model):
        def predict_step(self, data):
            seen.append(type(data).__name__)
            return super().predict_step(data)

    a, b = tf.keras.Input(shape=(2,)), tf.keras.Input(shape=(2,))
    m = P([a, b], tf.keras.layers.Add()([a, b]))
    out = m.predict([np.ones((3, 2), np.float32), np.ones((3, 2), np.float32)], verbose=0)
    assert out.shape == (3, 2) and float(out.sum()) == 12.0
    assert seen == ["tuple"]


def test_fit_with_no_epochs_returns_an_empty_history():
    m = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    x, y = _xy()
    h = m.fit(x, y, epochs=0, verbose=0)
    assert isinstance(h, tf.keras.callbacks.History) and h.history == {} and h.epoch == []
    full = m.fit(x, y, epochs=1, verbose=0)
    assert list(full.history) == ["loss"]
    h = m.fit(x, y, epochs=2, initial_epoch=2, verbose=0)
    assert isinstance(h, tf.keras.callbacks.History) and h is not full and h.history == {}


def test_custom_train_step_with_compiled_loss_reports_the_loss_as_the_builtin_step():
    class Custom(tf.keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = _xy()
    histories = []
    for cls in (tf.keras.Model, Custom):
        inputs = tf.keras.Input(shape=(2,))
        dense = tf.keras.layers.Dense(1, kernel_regularizer=tf.keras.regularizers.l2(0.1))
        model = cls(inputs, dense(inputs))
        model.set_weights([np.array([[0.5], [-0.25]], np.float32), np.array([0.1], np.float32)])
        model.compile(tf.keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
        histories.append(model.fit(x, y, epochs=2, batch_size=3, verbose=0, shuffle=False).history)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-6)
    assert histories[1]["loss"][0] > 0
