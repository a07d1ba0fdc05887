"""Record TF's answers for tests/test_module.py: tf.Module, tf.name_scope, the "Introduction to modules"
and "Basic training loops" guides (with fixed data instead of random draws).

Run with real TensorFlow (not gradtape):
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_module.py
Writes tests/data/tf_module.json.
"""
import json
import os
import tempfile

import numpy as np
import tensorflow as tf

out = {}


def names(vs):
    return [v.name for v in vs]


# --- name_scope and Variable names -------------------------------------------------------------
with tf.name_scope("outer") as s1:
    v1 = tf.Variable(1.0, name="v")
    with tf.name_scope("inner") as s2:
        v2 = tf.Variable(2.0)
        with tf.name_scope("abs/") as s3:
            v3 = tf.Variable(3.0, name="w")
        with tf.name_scope("") as s4:
            v4 = tf.Variable(4.0, name="root")
    v5 = tf.Variable(5.0, name="v")          # not made unique in eager mode
out["scopes"] = [s1, s2, s3, s4]
out["scoped_variable_names"] = names([v1, v2, v3, v4, v5])
try:
    tf.name_scope(3)
except Exception as e:
    out["name_scope_int_error"] = type(e).__name__


# --- Module names, ordering, dedupe --------------------------------------------------------------
class MyDenseModule(tf.Module):
    pass


out["default_name"] = MyDenseModule().name
out["default_name_scope"] = MyDenseModule().name_scope.name
for bad in ["has space", "1abc", "a/b"]:
    try:
        tf.Module(name=bad)
        out.setdefault("bad_names", {})[bad] = None
    except Exception as e:
        out.setdefault("bad_names", {})[bad] = type(e).__name__
with tf.name_scope("scope"):
    m_in_scope = tf.Module(name="child")
out["nested_module_scope"] = m_in_scope.name_scope.name
out["nested_module_name"] = m_in_scope.name


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


t = Tree()
out["tree_variables"] = names(t.variables)
out["tree_trainable"] = names(t.trainable_variables)
out["tree_non_trainable"] = names(t.non_trainable_variables)
out["tree_submodules"] = [m.name for m in t.submodules]
out["tree_flatten_paths"] = [[list(map(str, p)), v.name] for p, v in
                             t._flatten(predicate=lambda x: isinstance(x, tf.Variable), with_path=True)]
out["tree_flatten_nonrecursive"] = [getattr(x, "name", None) for x in
                                    t._flatten(recursive=False, predicate=lambda x: isinstance(x, (tf.Variable, tf.Module)))]


class Scoped(tf.Module):
    @tf.Module.with_name_scope
    def __call__(self, x):
        if not hasattr(self, "w"):
            self.w = tf.Variable(tf.ones([x.shape[-1], 2]), name="w")
        return tf.matmul(x, self.w)


sc = Scoped(name="scoped")
sc(tf.ones([1, 3]))
out["with_name_scope_variable"] = sc.w.name


# --- Guide: Introduction to modules (fixed initial values instead of tf.random.normal) ----------
class SimpleModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.a_variable = tf.Variable(5.0, name="train_me")
        self.non_trainable_variable = tf.Variable(5.0, trainable=False, name="do_not_train_me")

    def __call__(self, x):
        return self.a_variable * x + self.non_trainable_variable


simple_module = SimpleModule(name="simple")
out["simple_call"] = float(simple_module(tf.constant(5.0)))
out["simple_trainable"] = names(simple_module.trainable_variables)
out["simple_all"] = names(simple_module.variables)

W1 = np.linspace(-1, 1, 9).reshape(3, 3).astype(np.float32)
W2 = np.linspace(-0.5, 1.5, 6).reshape(3, 2).astype(np.float32)


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


my_model = SequentialModule(name="the_model")
X = np.array([[2.0, 2.0, 2.0], [1.0, -1.0, 0.5]], np.float32)
out["sequential_module_call"] = my_model(tf.constant(X)).numpy().tolist()
out["sequential_module_submodules"] = [m.name for m in my_model.submodules]
out["sequential_module_variables"] = names(my_model.variables)


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


def ramp(a, b):
    return np.linspace(0.1, 1.0, a * b).reshape(a, b).astype(np.float32)


class MySequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = FlexibleDenseModule(out_features=3, init=ramp)
        self.dense_2 = FlexibleDenseModule(out_features=2, init=lambda a, b: ramp(a, b)[::-1].copy())

    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


my_model = MySequentialModule(name="the_model")
out["flexible_call"] = my_model(tf.constant(X)).numpy().tolist()


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


scoped_model = MySequentialModuleScoped(name="my_model")
out["scoped_module_variables"] = names(scoped_model.variables)
out["scoped_module_submodules"] = [m.name_scope.name for m in scoped_model.submodules]

# Checkpoint: save, change, restore.
d = tempfile.mkdtemp()
chkp_path = os.path.join(d, "my_checkpoint")
checkpoint = tf.train.Checkpoint(model=my_model)
checkpoint.write(chkp_path)
new_model = MySequentialModule()
new_model(tf.zeros([1, 3]))             # create the variables, with other values
new_checkpoint = tf.train.Checkpoint(model=new_model)
new_checkpoint.restore(chkp_path)
out["restored_call"] = new_model(tf.constant(X)).numpy().tolist()


# Keras layers and models (values only: Keras 3 names its weights differently from tf.keras 2).
class FlexibleDense(tf.keras.layers.Layer):
    def __init__(self, out_features, **kwargs):
        super().__init__(**kwargs)
        self.out_features = out_features

    def build(self, input_shape):
        # The guide assigns tf.Variable(...) here, which tf.keras 2 tracks but Keras 3 does not;
        # add_weight is tracked by both.
        w0 = ramp(input_shape[-1], self.out_features)
        self.w = self.add_weight(shape=w0.shape, initializer=tf.keras.initializers.Constant(w0), name="w")
        self.b = self.add_weight(shape=(self.out_features,), initializer="zeros", name="b")

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


my_sequential_model = MySequentialModel(name="the_model")
out["keras_model_call"] = my_sequential_model(tf.constant(X)).numpy().tolist()
out["keras_model_variable_shapes"] = [list(v.shape) for v in my_sequential_model.variables]
out["keras_model_n_submodules"] = len([m for m in my_sequential_model._flatten_layers(include_self=False)])

# --- Guide: Basic training loops (fixed data instead of tf.random.normal) -----------------------
TRUE_W, TRUE_B, NUM_EXAMPLES = 3.0, 2.0, 201
x = tf.linspace(-2, 2, NUM_EXAMPLES)
x = tf.cast(x, tf.float32)
noise = tf.constant(np.sin(np.arange(NUM_EXAMPLES) * 1.7).astype(np.float32))


def f(x):
    return x * TRUE_W + TRUE_B


y = f(x) + noise


class MyModel(tf.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b


model = MyModel()
out["btl_variables"] = names(model.variables)


def loss(target_y, predicted_y):
    return tf.reduce_mean(tf.square(target_y - predicted_y))


out["btl_initial_loss"] = float(loss(y, model(x)))


def train(model, x, y, learning_rate):
    with tf.GradientTape() as t:
        current_loss = loss(y, model(x))
    dw, db = t.gradient(current_loss, [model.w, model.b])
    model.w.assign_sub(learning_rate * dw)
    model.b.assign_sub(learning_rate * db)


weights, biases, losses = [], [], []
for epoch in range(10):
    train(model, x, y, learning_rate=0.1)
    weights.append(float(model.w))
    biases.append(float(model.b))
    losses.append(float(loss(y, model(x))))
out["btl_weights"], out["btl_biases"], out["btl_losses"] = weights, biases, losses


class MyModelKeras(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def call(self, x):
        return self.w * x + self.b


keras_model = MyModelKeras()
for epoch in range(10):
    train(keras_model, x, y, learning_rate=0.1)
out["btl_keras_manual"] = [float(keras_model.w), float(keras_model.b)]


class MyModelKerasWeights(tf.keras.Model):
    """The guide's Keras model with add_weight (Keras 3 does not track a tf.Variable attribute, tf.keras 2
    did, so the guide's own version does not train under TF 2.21's Keras 3)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = self.add_weight(shape=(), initializer=tf.keras.initializers.Constant(5.0))
        self.b = self.add_weight(shape=(), initializer="zeros")

    def call(self, x):
        return self.w * x + self.b


keras_model = MyModelKerasWeights()
keras_model.compile(run_eagerly=False, optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
                    loss=tf.keras.losses.MeanSquaredError())
hist = keras_model.fit(x, y, epochs=10, batch_size=1000, verbose=0)
out["btl_keras_fit_loss"] = [float(v) for v in hist.history["loss"]]
out["btl_keras_fit_wb"] = [float(keras_model.w), float(keras_model.b)]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tf_module.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print(json.dumps(out, indent=1)[:4000])
