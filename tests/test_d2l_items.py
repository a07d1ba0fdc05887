"""Dive into Deep Learning (TF edition) items checked against real TF (tests/data/tf_d2l.json, recorded by
tests/tf_reference/record_d2l.py): grouped convolutions, a layer shared inside a Sequential, layers held in
Python containers, and tf.keras 2's deferred restore of weights into a model that was never called."""
import json
import os
import warnings

import numpy as np
import pytest

import gradtape as tf

REF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "tf_d2l.json")))


def ramp(shape, lo=-1.0, hi=1.0):
    return np.linspace(lo, hi, int(np.prod(shape))).reshape(shape).astype(np.float32)


def wave(shape, k=0.37):
    return np.sin(np.arange(int(np.prod(shape))) * k).reshape(shape).astype(np.float32)


def close(a, b, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b, dtype=np.float64), rtol=rtol, atol=atol)


# -- grouped convolution --------------------------------------------------------------------------
def test_conv2d_layer_with_groups_matches_tf():
    X = wave((2, 5, 6, 4))
    layer = tf.keras.layers.Conv2D(6, 3, groups=2, padding="same", strides=(1, 2))
    layer.build(X.shape)
    assert list(layer.kernel.shape) == REF["conv2d_groups_kernel_shape"]
    layer.set_weights([ramp((3, 3, 2, 6)), ramp((6,), -0.1, 0.1)])
    close(layer(X).numpy(), REF["conv2d_groups_out"])
    assert layer.get_config()["groups"] == 2
    assert tf.keras.layers.Conv2D.from_config(layer.get_config()).groups == 2


def test_conv_groups_argument_errors_as_keras():
    X = wave((2, 5, 6, 4))
    assert REF["filters_not_divisible"] == REF["channels_not_divisible"] == "ValueError"
    with pytest.raises(ValueError, match="filters must be evenly divisible"):
        tf.keras.layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="input channels must be evenly divisible"):
        tf.keras.layers.Conv2D(6, 3, groups=3)(X)
    with pytest.raises(ValueError, match="groups"):
        tf.keras.layers.Conv2D(6, 3, groups=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="evenly divisible"):
        tf.nn.conv2d(X, ramp((3, 3, 3, 6)), 1, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiple of 2"):
        tf.nn.conv2d(X, ramp((3, 3, 2, 5)), 1, "SAME")


def test_grouped_conv1d_matches_tf():
    close(tf.nn.conv1d(wave((2, 7, 6), 0.9), ramp((3, 2, 6)), 2, "SAME").numpy(), REF["conv1d_grouped"])


def test_grouped_conv2d_gradients_match_tf():
    xt, wt = tf.constant(wave((2, 5, 6, 4))), tf.constant(ramp((3, 3, 2, 6)))
    with tf.GradientTape() as tape:
        tape.watch([xt, wt])
        y = tf.nn.conv2d(xt, wt, [1, 1, 2, 1], "SAME")
        loss = tf.reduce_sum(tf.sin(y) * ramp(y.shape))
    gx, gw = tape.gradient(loss, [xt, wt])
    close(y.numpy(), REF["conv2d_grouped_split_out"])
    close(gx.numpy(), REF["conv2d_grouped_grad_x"], rtol=1e-4, atol=1e-4)
    close(gw.numpy(), REF["conv2d_grouped_grad_w"], rtol=1e-4, atol=1e-4)


def test_grouped_conv_layer_trains():
    tf.random.set_seed(1)
    model = tf.keras.Sequential([tf.keras.Input((6, 6, 4)), tf.keras.layers.Conv2D(4, 3, groups=4),
                                 tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    x, y = wave((8, 6, 6, 4)), ramp((8, 1))
    hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0).history["loss"]
    assert hist[-1] < hist[0]


# -- a layer used twice in a Sequential -----------------------------------------------------------
def _shared_net():
    shared = tf.keras.layers.Dense(4, activation="relu", name="shared")
    net = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", name="first"), shared, shared,
                               tf.keras.layers.Dense(1, name="last")])
    net.build((None, 4))
    net.layers[0].set_weights([ramp((4, 4)), ramp((4,), 0.0, 0.2)])
    shared.set_weights([ramp((4, 4), -0.5, 1.0), ramp((4,), 0.1, 0.3)])
    net.layers[3].set_weights([ramp((4, 1)), np.zeros(1, np.float32)])
    return net, shared


def test_shared_layer_in_sequential_matches_tf():
    net, shared = _shared_net()
    XS = wave((2, 4), 1.3)
    assert len(net.layers) == REF["shared_n_layers"]
    assert [l.name for l in net.layers] == REF["shared_layer_names"]
    assert net.layers[1] is net.layers[2] is shared
    assert len(net.weights) == REF["shared_n_weights"]
    close(net(XS).numpy(), REF["shared_out"])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(net(XS) ** 2)
    grads = tape.gradient(loss, net.trainable_variables)
    assert len(grads) == len(REF["shared_grads"])
    for g, want in zip(grads, REF["shared_grads"]):
        close(g.numpy(), want, rtol=1e-4)
    net.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    h = net.fit(XS, np.array([[1.0], [-1.0]], np.float32), epochs=3, batch_size=2, verbose=0, shuffle=False)
    close(h.history["loss"], REF["shared_fit_loss"], rtol=1e-4)


def test_distinct_layers_with_the_same_name_are_still_refused():
    with pytest.raises(ValueError, match="unique names"):
        tf.keras.Sequential([tf.keras.layers.Dense(2, name="a"), tf.keras.layers.Dense(2, name="a")])


# -- layers held in Python containers ---------------------------------------------------------------
class MySequential(tf.keras.Model):
    def __init__(self, *args):
        super().__init__()
        self.modules_ = args

    def call(self, X):
        for module in self.modules_:
            X = module(X)
        return X


def test_layers_in_a_tuple_attribute_match_tf():
    d1, d2 = tf.keras.layers.Dense(units=5, activation=tf.nn.relu), tf.keras.layers.Dense(3)
    mnet = MySequential(d1, d2)
    XM = wave((3, 4), 0.7)
    mnet(XM)
    d1.set_weights([ramp((4, 5)), ramp((5,), 0.0, 0.1)])
    d2.set_weights([ramp((5, 3), -0.3, 0.6), np.zeros(3, np.float32)])
    assert len(mnet.trainable_variables) == REF["tuple_model_n_trainable"]
    close(mnet(XM).numpy(), REF["tuple_model_out"])
    mnet.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    h = mnet.fit(XM, ramp((3, 3)), epochs=3, batch_size=3, verbose=0, shuffle=False)
    close(h.history["loss"], REF["tuple_model_fit_loss"], rtol=1e-4)


class Containers(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = []
        for _ in range(2):
            self.blocks.append(tf.keras.layers.Dense(3, activation="tanh"))   # appended after assignment
        self.heads = {"b": [tf.keras.layers.Dense(2)], "a": tf.keras.layers.Dense(2)}

    def call(self, x):
        for b in self.blocks:
            x = b(x)
        return self.heads["a"](x) + self.heads["b"][0](x)


def test_layers_in_lists_and_dicts_are_tracked_trained_and_saved(tmp_path):
    m = Containers()
    x, y = wave((4, 3)), ramp((4, 2))
    m(x)
    assert len(m.trainable_variables) == 8 and len(m.layers) == 4
    m.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
    before = [v.numpy().copy() for v in m.trainable_variables]
    m.fit(x, y, epochs=2, verbose=0)
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(before, m.trainable_variables))
    m.save_weights(str(tmp_path / "c.weights.h5"))
    m2 = Containers()
    m2(x)
    m2.load_weights(str(tmp_path / "c.weights.h5"))
    close(m2(x).numpy(), m(x).numpy(), atol=0)
    with pytest.raises(AttributeError, match="reserved"):
        class Bad(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.layers = [tf.keras.layers.Dense(1)]
        Bad()


# -- load_weights before the first call: deferred restore (tf.keras 2) ------------------------------
class Sub(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = tf.keras.layers.Dense(3, activation="relu")
        self.bn = tf.keras.layers.BatchNormalization()
        self.d2 = tf.keras.layers.Dense(1)

    def call(self, x, training=None):
        return self.d2(self.bn(self.d1(x), training=training))


def _trained(x):
    a = Sub()
    a.compile(optimizer="adam", loss="mse")
    a.fit(x, ramp((6, 1)), epochs=3, verbose=0)
    return a


def test_load_weights_into_an_uncalled_model_is_restored_on_first_call(tmp_path):
    x = wave((6, 2))
    a = _trained(x)
    prefix = str(tmp_path / "ckpt")
    a.save_weights(prefix)
    b = Sub()
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # no "not restored" warning any more
        status = b.load_weights(prefix)
    with pytest.raises(AssertionError, match="deferred"):
        status.assert_existing_objects_matched()
    np.testing.assert_array_equal(b.predict(x, verbose=0), a.predict(x, verbose=0))
    status.assert_existing_objects_matched()       # (assert_consumed: b has no optimizer for the slots)
    for va, vb in zip(a.weights, b.weights):           # moving statistics too, untouched by the build
        np.testing.assert_array_equal(va.numpy(), vb.numpy())


def test_deferred_restore_applies_before_a_training_first_call(tmp_path):
    x = wave((6, 2))
    a = _trained(x)
    prefix = str(tmp_path / "ckpt")
    a.save_weights(prefix)
    b = Sub()
    b.load_weights(prefix)
    with tf.GradientTape() as tape:
        out = b(x, training=True)
        total = tf.reduce_sum(out * out)
    ref = a(x, training=True)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-6)
    assert all(g is not None for g in tape.gradient(total, b.trainable_variables))


def test_load_weights_of_a_missing_checkpoint_or_h5_into_an_uncalled_model_raise(tmp_path):
    with pytest.raises(Exception):
        Sub().load_weights(str(tmp_path / "nothing_here"))
    x = wave((6, 2))
    a = _trained(x)
    a.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="not yet been built"):       # TF 2.21's error
        Sub().load_weights(str(tmp_path / "w.weights.h5"))
