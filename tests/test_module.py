"""tf.Module and tf.name_scope, checked against real TF (tests/data/tf_module.json, recorded by
tests/tf_reference/record_module.py): names, variable/submodule order and dedupe, the "Introduction to
modules" guide (checkpoint included) and the "Basic training loops" guide, with fixed data."""
import json
import os
import threading

import numpy as np
import pytest

import gradtape as tf

REF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "tf_module.json")))


def names(vs):
    return [v.name for v in vs]


def test_module_is_a_real_class_and_keras_layers_are_modules():
    assert tf.Module is not object and isinstance(tf.Module(), tf.Module)
    assert issubclass(tf.keras.layers.Layer, tf.Module) and issubclass(tf.keras.Model, tf.Module)
    assert isinstance(tf.keras.layers.Dense(2), tf.Module)


def test_name_scope_names_variables_as_tf():
    with tf.name_scope("outer") as s1:
        v1 = tf.Variable(1.0, name="v")
        with tf.name_scope("inner") as s2:
            v2 = tf.Variable(2.0)
            with tf.name_scope("abs/") as s3:
                v3 = tf.Variable(3.0, name="w")
            with tf.name_scope("") as s4:
                v4 = tf.Variable(4.0, name="root")
        v5 = tf.Variable(5.0, name="v")
    assert [s1, s2, s3, s4] == REF["scopes"]
    assert names([v1, v2, v3, v4, v5]) == REF["scoped_variable_names"]
    assert tf.Variable(0.0, name="after").name == "after:0"


def test_name_scope_error_type_recorded():
    assert REF["name_scope_int_error"] == "ValueError"
    with pytest.raises(ValueError, match="must be a string"):
        tf.name_scope(3)


def test_name_scope_restored_after_exception_and_per_thread():
    with pytest.raises(RuntimeError):
        with tf.name_scope("boom"):
            raise RuntimeError("x")
    assert tf.Variable(0.0, name="v").name == "v:0"
    seen = {}

    def worker():
        seen["name"] = tf.Variable(0.0, name="t").name
    with tf.name_scope("main_thread_only"):
        th = threading.Thread(target=worker)
        th.start()
        th.join()
    assert seen["name"] == "t:0"


class MyDenseModule(tf.Module):
    pass


def test_module_names():
    assert MyDenseModule().name == REF["default_name"]
    assert MyDenseModule().name_scope.name == REF["default_name_scope"]
    for bad, err in REF["bad_names"].items():
        assert err == "ValueError"
        with pytest.raises(ValueError, match="not a valid module name"):
            tf.Module(name=bad)
    with tf.name_scope("scope"):
        m = tf.Module(name="child")
    assert m.name_scope.name == REF["nested_module_scope"] and m.name == REF["nested_module_name"]


class Leaf(tf.Module):
    def __init__(self, tag, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.z = tf.Variable(float(tag), name="z")
            self.a = tf.Variable(float(tag) + 0.5, trainable=False, name="a")


class Tree(tf.Module):
    def __init__(self):
        super().__init__(name="tree")
        shared = tf.Variable(9.0, name="shared")
        self.b_list = [Leaf(1, name="l1"), shared, (tf.Variable(7.0, name="in_tuple"),)]
        self.a_dict = {"y": Leaf(2, name="l2"), "x": [shared, tf.Variable(8.0, name="in_dict")]}
        self.c = Leaf(3, name="l3")
        self.alias = self.c
        self.nothing = None
        self.text = "not a variable"


def test_variables_and_submodules_order_and_dedupe_as_tf():
    t = Tree()
    assert isinstance(t.variables, tuple)
    assert names(t.variables) == REF["tree_variables"]
    assert names(t.trainable_variables) == REF["tree_trainable"]
    assert names(t.non_trainable_variables) == REF["tree_non_trainable"]
    assert [m.name for m in t.submodules] == REF["tree_submodules"]
    paths = [[list(map(str, p)), v.name] for p, v in
             t._flatten(predicate=lambda x: isinstance(x, tf.Variable), with_path=True)]
    assert paths == REF["tree_flatten_paths"]
    flat = [getattr(x, "name", None) for x in
            t._flatten(recursive=False, predicate=lambda x: isinstance(x, (tf.Variable, tf.Module)))]
    assert flat == REF["tree_flatten_nonrecursive"]


def test_cyclic_modules_terminate():
    a, b = tf.Module(name="a"), tf.Module(name="b")
    a.other, b.other = b, a
    a.v = tf.Variable(1.0, name="va")
    b.v = tf.Variable(2.0, name="vb")
    a.loop = [a.__dict__]
    assert names(a.variables) == ["va:0", "vb:0"]
    assert [m.name for m in a.submodules] == ["b"]


class Scoped(tf.Module):
    @tf.Module.with_name_scope
    def __call__(self, x):
        if not hasattr(self, "w"):
            self.w = tf.Variable(tf.ones([x.shape[-1], 2]), name="w")
        return tf.matmul(x, self.w)


def test_with_name_scope():
    sc = Scoped(name="scoped")
    sc(tf.ones([1, 3]))
    assert sc.w.name == REF["with_name_scope_variable"]
    assert Scoped.__call__.__name__ == "__call__"


def test_module_without_super_init_says_so():
    class NoInit(tf.Module):
        def __init__(self):
            self.v = tf.Variable(1.0)
    m = NoInit()
    assert len(m.variables) == 1
    with pytest.raises(AttributeError, match="super"):
        m.name


# --- the "Introduction to modules" guide ---------------------------------------------------------
class SimpleModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.a_variable = tf.Variable(5.0, name="train_me")
        self.non_trainable_variable = tf.Variable(5.0, trainable=False, name="do_not_train_me")

    def __call__(self, x):
        return self.a_variable * x + self.non_trainable_variable


W1 = np.linspace(-1, 1, 9).reshape(3, 3).astype(np.float32)
W2 = np.linspace(-0.5, 1.5, 6).reshape(3, 2).astype(np.float32)
X = np.array([[2.0, 2.0, 2.0], [1.0, -1.0, 0.5]], np.float32)


class Dense(tf.Module):
    def __init__(self, in_features, out_features, init, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(init, name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class SequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(in_features=3, out_features=3, init=W1)
        self.dense_2 = Dense(in_features=3, out_features=2, init=W2)

    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def ramp(a, b):
    return np.linspace(0.1, 1.0, a * b).reshape(a, b).astype(np.float32)


class FlexibleDenseModule(tf.Module):
    def __init__(self, out_features, init, name=None):
        super().__init__(name=name)
        self.is_built = False
        self.out_features = out_features
        self.init = init

    def __call__(self, x):
        if not self.is_built:
            self.w = tf.Variable(self.init(x.shape[-1], self.out_features), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")
            self.is_built = True
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class MySequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = FlexibleDenseModule(out_features=3, init=ramp)
        self.dense_2 = FlexibleDenseModule(out_features=2, init=lambda a, b: ramp(a, b)[::-1].copy())

    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


class MySequentialModuleScoped(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.dense_1 = Dense(in_features=3, out_features=3, init=W1)
            self.dense_2 = Dense(in_features=3, out_features=2, init=W2)

    @tf.Module.with_name_scope
    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def test_guide_intro_to_modules():
    simple_module = SimpleModule(name="simple")
    assert float(simple_module(tf.constant(5.0))) == REF["simple_call"]
    assert names(simple_module.trainable_variables) == REF["simple_trainable"]
    assert names(simple_module.variables) == REF["simple_all"]

    my_model = SequentialModule(name="the_model")
    np.testing.assert_allclose(my_model(tf.constant(X)).numpy(), REF["sequential_module_call"], rtol=1e-6)
    assert [m.name for m in my_model.submodules] == REF["sequential_module_submodules"]
    assert names(my_model.variables) == REF["sequential_module_variables"]

    flexible = MySequentialModule(name="the_model")
    np.testing.assert_allclose(flexible(tf.constant(X)).numpy(), REF["flexible_call"], rtol=1e-6)

    scoped = MySequentialModuleScoped(name="my_model")
    assert names(scoped.variables) == REF["scoped_module_variables"]
    assert [m.name_scope.name for m in scoped.submodules] == REF["scoped_module_submodules"]


def test_guide_checkpoint_of_a_module_tree(tmp_path):
    my_model = MySequentialModule(name="the_model")
    my_model(tf.constant(X))
    chkp_path = str(tmp_path / "my_checkpoint")
    tf.train.Checkpoint(model=my_model).write(chkp_path)
    new_model = MySequentialModule()
    new_model(tf.zeros([1, 3]))
    for v in new_model.variables:
        v.assign(tf.zeros_like(v) + 0.25)
    tf.train.Checkpoint(model=new_model).restore(chkp_path)
    np.testing.assert_allclose(new_model(tf.constant(X)).numpy(), REF["restored_call"], rtol=1e-6)
    assert len(tf.train.list_variables(chkp_path)) >= 4


def test_checkpoint_restores_each_variable_of_a_nested_module_tree(tmp_path):
    t = Tree()
    path = tf.train.Checkpoint(tree=t).write(str(tmp_path / "tree"))
    t2 = Tree()
    for v in t2.variables:
        v.assign(v * 0.0 - 1.0)
    tf.train.Checkpoint(tree=t2).restore(path).assert_consumed()
    assert [float(v) for v in t2.variables] == [float(v) for v in t.variables]


class FlexibleDense(tf.keras.layers.Layer):
    def __init__(self, out_features, **kwargs):
        super().__init__(**kwargs)
        self.out_features = out_features

    def build(self, input_shape):
        self.w = tf.Variable(ramp(input_shape[-1], self.out_features), name="w")
        self.b = tf.Variable(tf.zeros([self.out_features]), name="b")

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


class MySequentialModel(tf.keras.Model):
    def __init__(self, name=None, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = FlexibleDense(out_features=3)
        self.dense_2 = FlexibleDense(out_features=2)

    def call(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


def test_guide_keras_layers_and_models():
    m = MySequentialModel(name="the_model")
    np.testing.assert_allclose(m(tf.constant(X)).numpy(), REF["keras_model_call"], rtol=1e-6)
    assert [list(v.shape) for v in m.variables] == REF["keras_model_variable_shapes"]
    assert len(m.submodules) == REF["keras_model_n_submodules"]
    # Keras layers inside a plain tf.Module are found by the Module walk.
    holder = tf.Module(name="holder")
    holder.model = m
    assert len(holder.variables) == 4 and m in holder.submodules


# --- the "Basic training loops" guide --------------------------------------------------------------
TRUE_W, TRUE_B, NUM_EXAMPLES = 3.0, 2.0, 201


def _data():
    x = tf.cast(tf.linspace(-2, 2, NUM_EXAMPLES), tf.float32)
    noise = tf.constant(np.sin(np.arange(NUM_EXAMPLES) * 1.7).astype(np.float32))
    return x, x * TRUE_W + TRUE_B + noise


class MyModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b


def loss(target_y, predicted_y):
    return tf.reduce_mean(tf.square(target_y - predicted_y))


def train(model, x, y, learning_rate):
    with tf.GradientTape() as t:
        current_loss = loss(y, model(x))
    dw, db = t.gradient(current_loss, [model.w, model.b])
    model.w.assign_sub(learning_rate * dw)
    model.b.assign_sub(learning_rate * db)


def test_guide_basic_training_loops():
    x, y = _data()
    model = MyModel()
    assert names(model.variables) == REF["btl_variables"]
    np.testing.assert_allclose(float(loss(y, model(x))), REF["btl_initial_loss"], rtol=1e-5)
    weights, biases, losses = [], [], []
    for _ in range(10):
        train(model, x, y, learning_rate=0.1)
        weights.append(float(model.w))
        biases.append(float(model.b))
        losses.append(float(loss(y, model(x))))
    np.testing.assert_allclose(weights, REF["btl_weights"], rtol=1e-5)
    np.testing.assert_allclose(biases, REF["btl_biases"], rtol=1e-5)
    np.testing.assert_allclose(losses, REF["btl_losses"], rtol=1e-5)


class MyModelKeras(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def call(self, x):
        return self.w * x + self.b


def test_guide_basic_training_loops_keras():
    x, y = _data()
    keras_model = MyModelKeras()
    for _ in range(10):
        train(keras_model, x, y, learning_rate=0.1)
    np.testing.assert_allclose([float(keras_model.w), float(keras_model.b)], REF["btl_keras_manual"], rtol=1e-5)
    # tf.keras 2 tracks the tf.Variable attributes, so fit trains them (as the guide shows).
    keras_model = MyModelKeras()
    keras_model.compile(run_eagerly=False, optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
                        loss=tf.keras.losses.mean_squared_error)
    hist = keras_model.fit(x, y, epochs=10, batch_size=1000, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], REF["btl_keras_fit_loss"], rtol=1e-5)
    np.testing.assert_allclose([float(keras_model.w), float(keras_model.b)], REF["btl_keras_fit_wb"], rtol=1e-5)


def test_checkpoint_keys_a_module_tree_by_attribute_path(tmp_path):
    t = Tree()
    path = tf.train.Checkpoint(tree=t).write(str(tmp_path / "tree"))
    keys = sorted(k for k, _ in tf.train.list_variables(path) if k.startswith("tree/"))
    assert keys == sorted(["tree/a_dict/x/0", "tree/a_dict/x/1", "tree/b_list/2/0", "tree/a_dict/y/a",
                           "tree/a_dict/y/z", "tree/alias/a", "tree/alias/z", "tree/b_list/0/a", "tree/b_list/0/z"])

    class Reordered(tf.Module):          # same attributes, created in another order: still matched by path
        def __init__(self):
            super().__init__(name="tree")
            self.c = Leaf(3, name="l3")
            self.alias = self.c
            self.a_dict = {"x": [tf.Variable(0.0), tf.Variable(0.0)], "y": Leaf(0, name="l2")}
            self.b_list = [Leaf(0, name="l1"), self.a_dict["x"][0], (tf.Variable(0.0),)]
    r = Reordered()
    for v in r.variables:
        v.assign(-1.0)
    tf.train.Checkpoint(tree=r).restore(path).assert_consumed()
    assert float(r.b_list[2][0]) == 7.0 and float(r.a_dict["x"][1]) == 8.0 and float(r.c.z) == 3.0
    assert float(r.b_list[0].a) == 1.5


def test_checkpoint_of_a_module_holding_an_optimizer(tmp_path):
    m = MyModel()
    m.opt = tf.keras.optimizers.Adam(0.1)
    with tf.GradientTape() as tape:
        loss = tf.square(m(2.0) - 1.0)
    m.opt.apply_gradients(zip(tape.gradient(loss, [m.w, m.b]), [m.w, m.b]))
    path = tf.train.Checkpoint(m=m).write(str(tmp_path / "m"))
    m2 = MyModel()
    m2.opt = tf.keras.optimizers.Adam(0.1)
    m2.opt.build([m2.w, m2.b]) if hasattr(m2.opt, "build") else None
    tf.train.Checkpoint(m=m2).restore(path)
    assert float(m2.w) == float(m.w) and int(m2.opt.iterations) == 1


def test_modules_can_be_deep_copied_and_pickled():
    import copy
    import pickle
    m = MySequentialModuleScoped(name="my_model")
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert clone.name_scope.name == "my_model/"
        assert names(clone.variables) == names(m.variables)
        assert clone.variables[0] is not m.variables[0]
        np.testing.assert_array_equal(clone(tf.constant(X)).numpy(), m(tf.constant(X)).numpy())
