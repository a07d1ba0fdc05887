"""Adapted from the Keras guide "Making new layers and models via subclassing": weights made with
add_weight, non-trainable state, nested layers, add_loss, the training argument, get_config."""
import numpy as np
import tensorflow as tf

RESULTS = {}


class Linear(tf.keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units, **super().get_config()}


x = tf.ones((2, 2))
linear_layer = Linear(4)
RESULTS["linear"] = linear_layer(x)
RESULTS["linear_weights"] = len(linear_layer.weights)
RESULTS["config_units"] = linear_layer.get_config()["units"]
RESULTS["from_config_units"] = Linear.from_config(linear_layer.get_config()).units


class ComputeSum(tf.keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(tf.reduce_sum(inputs, axis=0))
        return self.total


my_sum = ComputeSum(2)
y = my_sum(x)
y = my_sum(x)
RESULTS["compute_sum"] = y
RESULTS["sum_counts"] = [len(my_sum.weights), len(my_sum.non_trainable_weights), len(my_sum.trainable_weights)]


class MLPBlock(tf.keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = tf.nn.relu(x)
        x = self.linear_2(x)
        x = tf.nn.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(tf.ones(shape=(3, 64)))
RESULTS["mlp"] = y
RESULTS["mlp_weights"] = len(mlp.weights)
RESULTS["mlp_trainable"] = len(mlp.trainable_weights)


class ActivityRegularizationLayer(tf.keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * tf.reduce_sum(inputs))
        return inputs


class OuterLayer(tf.keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


layer = OuterLayer()
_ = layer(tf.zeros((1, 1)))
RESULTS["losses_zero"] = [float(l) for l in layer.losses]
_ = layer(tf.ones((1, 1)) * 3.0)
RESULTS["losses_after"] = [float(l) for l in layer.losses]


class CustomDropout(tf.keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs, training=None):
        if training:
            return inputs * 0.0
        return inputs


cd = CustomDropout(0.5)
RESULTS["training_arg"] = [cd(tf.ones([2]), training=True), cd(tf.ones([2]), training=False)]
