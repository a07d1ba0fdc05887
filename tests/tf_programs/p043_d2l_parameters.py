"""Adapted from "Dive into Deep Learning" (TensorFlow edition), 5.2 "Parameter Management" and 5.4
"Custom Layers": reading, initialising, tying and listing parameters of Keras models."""
import numpy as np
import tensorflow as tf

RESULTS = {}
net = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(4, activation=tf.nn.relu),
    tf.keras.layers.Dense(1),
])
X = tf.constant(np.linspace(0, 1, 8, dtype=np.float32).reshape(2, 4))
net(X)
RESULTS["n_weights"] = len(net.get_weights())
RESULTS["shapes"] = [list(w.shape) for w in net.get_weights()]
RESULTS["bias_init"] = net.layers[2].weights[1]
net2 = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(4, activation=tf.nn.relu, kernel_initializer=tf.keras.initializers.Constant(1),
                          bias_initializer=tf.zeros_initializer()),
    tf.keras.layers.Dense(1, kernel_initializer=tf.keras.initializers.Constant(0.5))])
RESULTS["constant_init_out"] = net2(X)
RESULTS["constant_kernel"] = net2.layers[1].weights[0][0]
shared = tf.keras.layers.Dense(4, activation=tf.nn.relu, kernel_initializer=tf.keras.initializers.Constant(0.25))
net3 = tf.keras.models.Sequential([tf.keras.layers.Flatten(), shared, shared, tf.keras.layers.Dense(1, kernel_initializer="ones")])
RESULTS["shared_out"] = net3(X)
RESULTS["shared_same"] = len(net3.layers[1].weights) == len(net3.layers[2].weights)
RESULTS["shared_n_weights"] = len(net3.trainable_variables)


class CenteredLayer(tf.keras.Model):
    def __init__(self):
        super().__init__()

    def call(self, inputs):
        return inputs - tf.reduce_mean(inputs)


layer = CenteredLayer()
RESULTS["centered"] = layer(tf.constant([1.0, 2.0, 3.0, 4.0, 5.0]))


class MyDense(tf.keras.Model):
    def __init__(self, units):
        super().__init__()
        self.units = units

    def build(self, X_shape):
        self.weight = self.add_weight(name="weight", shape=[X_shape[-1], self.units],
                                      initializer=tf.keras.initializers.Constant(0.1))
        self.bias = self.add_weight(name="bias", shape=[self.units], initializer=tf.zeros_initializer())

    def call(self, X):
        linear = tf.matmul(X, self.weight) + self.bias
        return tf.nn.relu(linear)


dense = MyDense(3)
RESULTS["mydense"] = dense(tf.ones((2, 5)))
RESULTS["mydense_weights"] = [list(w.shape) for w in dense.get_weights()]
