"""Adapted from the TensorFlow guide "Introduction to modules, layers, and models"
(site/en/guide/intro_to_modules.ipynb); initial values from NumPy instead of tf.random."""
import numpy as np
import tensorflow as tf

RESULTS = {}


class SimpleModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.a_variable = tf.Variable(5.0, name="train_me")
        self.non_trainable_variable = tf.Variable(5.0, trainable=False, name="do_not_train_me")

    def __call__(self, x):
        return self.a_variable * x + self.non_trainable_variable


simple_module = SimpleModule(name="simple")
RESULTS["call"] = simple_module(tf.constant(5.0))
RESULTS["trainable"] = [v.name for v in simple_module.trainable_variables]
RESULTS["all"] = [v.name for v in simple_module.variables]
RESULTS["name"] = simple_module.name

_rng = np.random.default_rng(0)


class Dense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(_rng.normal(size=(in_features, out_features)).astype(np.float32), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class SequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(in_features=3, out_features=3)
        self.dense_2 = Dense(in_features=3, out_features=2)

    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)


my_model = SequentialModule(name="the_model")
RESULTS["model_result"] = my_model(tf.constant([[2.0, 2.0, 2.0]]))
RESULTS["submodules"] = len(my_model.submodules)
RESULTS["submodule_names"] = sorted(m.name for m in my_model.submodules)
RESULTS["n_vars"] = len(my_model.variables)
RESULTS["var_shapes"] = [list(v.shape) for v in my_model.variables]


class FlexibleDenseModule(tf.Module):
    def __init__(self, out_features, name=None):
        super().__init__(name=name)
        self.is_built = False
        self.out_features = out_features

    def __call__(self, x):
        if not self.is_built:
            self.w = tf.Variable(_rng.normal(size=(x.shape[-1], self.out_features)).astype(np.float32), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")
            self.is_built = True
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)


class MySequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = FlexibleDenseModule(out_features=3)
        self.dense_2 = FlexibleDenseModule(out_features=2)
        self.layers = [self.dense_1, self.dense_2]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


flex = MySequentialModule(name="the_model")
RESULTS["flex_result"] = flex(tf.constant([[2.0, 2.0, 2.0]]))
RESULTS["flex_vars"] = len(flex.variables)
RESULTS["flex_trainable_shapes"] = [list(v.shape) for v in flex.trainable_variables]


class MyModule(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable(1.0)
        self.vs = [tf.Variable(x) for x in range(3)]
        self.d = {"a": tf.Variable(2.0), "z": tf.Variable(3.0)}


m = MyModule()
RESULTS["containers"] = [v.numpy() for v in m.variables]


class InnerScoped(tf.Module):
    @tf.Module.with_name_scope
    def __call__(self, x):
        if not hasattr(self, "v"):
            self.v = tf.Variable(x, name="v")
        return self.v * x


inner = InnerScoped(name="inner")
RESULTS["scoped_value"] = inner(tf.constant(3.0))
RESULTS["scoped_name"] = inner.v.name
with tf.name_scope("outer"):
    v = tf.Variable(1.0, name="x")
    with tf.name_scope("deeper"):
        w = tf.Variable(2.0, name="y")
RESULTS["scope_names"] = [v.name, w.name]
