"""tf.saved_model.save/load of a tf.Module: functions stored as traced graphs of registered ops, replayed on
load (in a fresh process, so nothing comes from the saving process), with signatures and variables."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import gradtape as tf
from gradtape import dispatch
from gradtape.registry import REGISTRY, Op

SRC = os.path.dirname(os.path.dirname(os.path.abspath(tf.__file__)))


def _run_fresh(code: str, tmp_path) -> dict:
    """Run ``code`` in a new Python process (gradtape imported as tf, ``d`` the directory); it fills ``out`` (a
    dict of arrays) which comes back."""
    script = tmp_path / "child.py"
    out = tmp_path / "child_out.npz"
    script.write_text("import numpy as np\nimport gradtape as tf\nout = {}\n" + code +
                      f"\nnp.savez({str(out)!r}, **{{k: np.asarray(v) for k, v in out.items()}})\n")
    env = dict(os.environ, PYTHONPATH=SRC)
    r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    with np.load(out) as z:
        return {k: z[k] for k in z.files}


class Scaler(tf.Module):
    def __init__(self):
        super().__init__(name="scaler")
        rng = np.random.default_rng(0)
        self.w = tf.Variable(rng.normal(size=(3, 2)).astype("float32"), name="w")
        self.b = tf.Variable(np.float32(0.5), name="b")
        self.calls = tf.Variable(0, name="calls", trainable=False)
        self.dense = tf.keras.layers.Dense(2, name="head")
        self.extra = [tf.Variable(np.float32(2.0), name="k")]

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="features")])
    def predict(self, x):
        self.calls.assign_add(1)
        h = tf.nn.relu(tf.matmul(x, self.w) + self.b)
        return {"scores": tf.nn.softmax(self.dense(h)), "flat": tf.reshape(h, [-1])}

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([], tf.float32)])
    def shifted(self, x, shift):
        self.b.assign(self.b + shift)
        return x * self.extra[0] + self.b, tf.reduce_sum(x, axis=1)


def test_module_two_signatures_fresh_process(tmp_path):
    m = Scaler()
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    d = str(tmp_path / "sm")
    m.predict(x[:1])                                   # builds the Dense layer
    before = {v.name: v.numpy().copy() for v in m.variables}
    tf.saved_model.save(m, d, signatures={"serving_default": m.predict, "shift": m.shifted})
    # tracing for the save does not change the variables
    assert {v.name: v.numpy().tolist() for v in m.variables} == {k: v.tolist() for k, v in before.items()}
    assert sorted(os.listdir(d)) == ["gradtape_saved_model.json", "variables.npz"]
    meta = json.load(open(os.path.join(d, "gradtape_saved_model.json")))
    assert meta["kind"] == "module" and sorted(meta["signatures"]) == ["serving_default", "shift"]
    expect = m.predict(x)
    calls_after = int(m.calls.numpy())
    expect2 = m.shifted(x, tf.constant(1.5))
    got = _run_fresh(f"""
d = {d!r}
x = np.asarray({x.tolist()!r}, "float32")
m = tf.saved_model.load(d)
for v in m.variables:
    out["var_" + v.name] = v.numpy()
r = m.predict(x)
out["scores"], out["flat"] = r["scores"].numpy(), r["flat"].numpy()
out["calls"] = m.calls.numpy()
s = m.signatures["serving_default"](features=tf.constant(x))
out["sig_keys"] = np.array(sorted(s))
out["sig_scores"] = s["scores"].numpy()
s2 = m.signatures["shift"](x=x, shift=tf.constant(1.5))
out["shift_keys"] = np.array(sorted(s2))
out["shift_0"], out["shift_1"] = s2["output_0"].numpy(), s2["output_1"].numpy()
out["b"] = m.b.numpy()
out["k"] = m.extra[0].numpy()
out["trainable"] = np.array(sorted(v.name for v in m.trainable_variables))
""", tmp_path)
    for name, val in before.items():
        np.testing.assert_array_equal(got["var_" + name], val)
    np.testing.assert_allclose(got["scores"], expect["scores"].numpy(), rtol=1e-6)
    np.testing.assert_allclose(got["sig_scores"], expect["scores"].numpy(), rtol=1e-6)
    np.testing.assert_allclose(got["flat"], expect["flat"].numpy(), rtol=1e-6)
    assert got["calls"] == 2 and calls_after == 2   # saved 1, plus the call: the write replays on each call
    assert list(got["sig_keys"]) == ["flat", "scores"]
    assert list(got["shift_keys"]) == ["output_0", "output_1"]
    np.testing.assert_allclose(got["shift_0"], expect2[0].numpy(), rtol=1e-6)
    np.testing.assert_allclose(got["shift_1"], expect2[1].numpy(), rtol=1e-6)
    assert got["b"] == pytest.approx(2.0) and got["k"] == 2.0
    assert "calls:0" not in list(got["trainable"]) and "w:0" in list(got["trainable"])


def test_loaded_function_checks_signature_and_is_differentiable(tmp_path):
    m = Scaler()
    d = str(tmp_path / "sm")
    x = np.random.default_rng(2).normal(size=(2, 3)).astype("float32")
    m.predict(x)
    tf.saved_model.save(m, d, signatures=m.predict)
    loaded = tf.saved_model.load(d)
    with pytest.raises(TypeError, match="input_signature"):
        loaded.predict(np.zeros((2, 4), "float32"))
    with pytest.raises(TypeError):
        loaded.signatures["serving_default"](wrong=x)
    # same gradients as the original function
    grads = []
    for mod in (m, loaded):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(mod.predict(x)["flat"] ** 2)
        grads.append(tape.gradient(y, [mod.w, mod.b]))
    for g0, g1 in zip(*grads):
        np.testing.assert_allclose(g1.numpy(), g0.numpy(), rtol=1e-5)
    # a method's input_signature describes the arguments after self; keyword calls work too
    np.testing.assert_allclose(m.predict(x=x)["flat"].numpy(), m.predict(x)["flat"].numpy(), rtol=1e-6)
    np.testing.assert_allclose(loaded.predict(x=x)["flat"].numpy(), m.predict(x)["flat"].numpy(), rtol=1e-6)


class Callable(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable([1.0, 2.0, 3.0])

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32)])
    def __call__(self, x):
        return x * self.v

    @tf.function
    def untraceable_later(self, x):
        return x + 1.0


def test_default_signature_and_call(tmp_path):
    m = Callable()
    d = str(tmp_path / "c")
    tf.saved_model.save(m, d)
    loaded = tf.saved_model.load(d)
    x = np.array([1.0, -1.0, 0.5], "float32")
    np.testing.assert_allclose(loaded(x).numpy(), [1.0, -2.0, 1.5])
    # no input_signature: not saved (TF would keep its concrete traces; gradtape keeps none)
    assert not hasattr(loaded, "untraceable_later")
    # two tf.function methods: no default serving signature unless given (as TF)
    assert list(loaded.signatures) == []
    tf.saved_model.save(m, d, signatures=m.__call__)
    out = tf.saved_model.load(d).signatures["serving_default"](x=x)
    np.testing.assert_allclose(out["output_0"].numpy(), [1.0, -2.0, 1.5])


def test_unsavable_functions_raise_clear_errors(tmp_path):
    class Rand(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
        def f(self, x):
            return x + tf.random.uniform([2])
    with pytest.raises(NotImplementedError, match="random"):
        tf.saved_model.save(Rand(), str(tmp_path / "r"))

    class Branch(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def f(self, x):
            return x if float(x) > 0 else -x
    with pytest.raises(ValueError, match="cannot be saved as a graph"):
        tf.saved_model.save(Branch(), str(tmp_path / "b"))

    class ShapeDependent(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def f(self, x):
            return x / tf.cast(tf.shape(x)[0], tf.float32)
    with pytest.raises(ValueError, match="None dimension"):
        tf.saved_model.save(ShapeDependent(), str(tmp_path / "s"))
    # the same function with a fixed size saves and reloads
    class Fixed(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([4], tf.float32)])
        def f(self, x):
            return x / tf.cast(tf.shape(x)[0], tf.float32)
    tf.saved_model.save(Fixed(), str(tmp_path / "f"))
    np.testing.assert_allclose(tf.saved_model.load(str(tmp_path / "f")).f(np.ones(4, "float32")).numpy(), 0.25)

    untracked = tf.Variable(1.0)

    class WritesGlobal(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
        def f(self, x):
            untracked.assign_add(x)
            return x
    with pytest.raises(ValueError, match="does not track"):
        tf.saved_model.save(WritesGlobal(), str(tmp_path / "w"))
    assert untracked.numpy() == 1.0                    # the trace's write was undone

    op = Op("_saved_model_test_callable_attr", forward=lambda x, fn: fn(x))
    try:
        class OddAttr(tf.Module):
            @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
            def f(self, x):
                return dispatch.apply(op, (x,), {"fn": np.negative})
        with pytest.raises(NotImplementedError, match="_saved_model_test_callable_attr.*'fn'"):
            tf.saved_model.save(OddAttr(), str(tmp_path / "o"))
    finally:
        REGISTRY.pop(op.name, None)
    with pytest.raises(NotImplementedError, match="not a registered op"):
        tf.saved_model.save(OddAttr(), str(tmp_path / "o"))
    assert sorted(p for p in os.listdir(tmp_path)) == ["f"]      # failed saves leave nothing


def test_keras_export_reloads_in_fresh_process(tmp_path):
    inp = tf.keras.Input((3,), name="features")
    out = tf.keras.layers.Dense(2, name="head")(tf.keras.layers.Dense(4, activation="relu")(inp))
    model = tf.keras.Model(inp, out)
    x = np.random.default_rng(3).normal(size=(5, 3)).astype("float32")
    d = str(tmp_path / "exported")
    model.export(d)
    got = _run_fresh(f"""
m = tf.saved_model.load({d!r})
x = np.asarray({x.tolist()!r}, "float32")
out["y"] = m.signatures["serving_default"](features=x)["output_0"].numpy()
out["n"] = len(m.variables)
""", tmp_path)
    np.testing.assert_allclose(got["y"], model.predict(x, verbose=0), rtol=1e-6)
    assert got["n"] == 4
    # a Keras model given signatures is saved as a module (its layers' variables in the object graph)
    serve = tf.function(lambda x: {"logits": model(x)}, input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    tf.saved_model.save(model, str(tmp_path / "sig"), signatures={"serving_default": serve})
    loaded = tf.saved_model.load(str(tmp_path / "sig"))
    np.testing.assert_allclose(loaded.signatures["serving_default"](x=x)["logits"].numpy(),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_subclassed_keras_model_saved_through_its_traced_call(tmp_path):
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = tf.keras.layers.Dense(4, activation="relu")
            self.drop = tf.keras.layers.Dropout(0.5)
            self.d2 = tf.keras.layers.Dense(2)

        def call(self, x, training=None):
            return self.d2(self.drop(self.d1(x), training=training))
    net = Net()
    x = np.random.default_rng(4).normal(size=(3, 5)).astype("float32")
    net(x)
    d = str(tmp_path / "sub")
    tf.saved_model.save(net, d)
    got = _run_fresh(f"""
m = tf.saved_model.load({d!r})
x = np.asarray({x.tolist()!r}, "float32")
out["sig"] = m.signatures["serving_default"](inputs=x)["output_0"].numpy()
out["call"] = m(np.concatenate([x, x]))
out["n"] = len(m.variables)
""", tmp_path)
    want = net(x, training=False).numpy()
    np.testing.assert_allclose(got["sig"], want, rtol=1e-6)
    np.testing.assert_allclose(got["call"], np.concatenate([want, want]), rtol=1e-6)   # any batch size
    assert got["n"] == 4
    net.export(str(tmp_path / "exp"))
    np.testing.assert_allclose(tf.keras.layers.TFSMLayer(str(tmp_path / "exp"))(x).numpy(), want, rtol=1e-6)
