"""Record TF's answers for tests/test_d2l_items.py: grouped convolutions (Conv2D(groups=...), tf.nn.conv*
with an inferred group count), a layer used twice in a Sequential (shared weights), and a subclassed
model holding its layers in a tuple (Dive into Deep Learning's MySequential).

TF's CPU kernels compute grouped convolutions forward but not their gradients ("Gradients for grouped
convolutions are not supported on CPU"), so the gradients are recorded from the same computation written
as one convolution per group.

Run with real TensorFlow (not gradtape):
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_d2l.py
Writes tests/data/tf_d2l.json.
"""
import json
import os

import numpy as np
import tensorflow as tf


def ramp(shape, lo=-1.0, hi=1.0):
    return np.linspace(lo, hi, int(np.prod(shape))).reshape(shape).astype(np.float32)


def wave(shape, k=0.37):
    return np.sin(np.arange(int(np.prod(shape))) * k).reshape(shape).astype(np.float32)


out = {}

# -- grouped convolution -------------------------------------------------------------------------
X = wave((2, 5, 6, 4))
layer = tf.keras.layers.Conv2D(6, 3, groups=2, padding="same", strides=(1, 2))
layer.build(X.shape)
K, B = ramp((3, 3, 2, 6)), ramp((6,), -0.1, 0.1)
layer.set_weights([K, B])
out["conv2d_groups_kernel_shape"] = list(layer.kernel.shape)
out["conv2d_groups_out"] = layer(X).numpy().tolist()
for name, args in [("filters_not_divisible", dict(filters=5, kernel_size=3, groups=2)),
                   ("channels_not_divisible", dict(filters=6, kernel_size=3, groups=3))]:
    try:
        tf.keras.layers.Conv2D(**args)(X)
        out[name] = None
    except Exception as e:
        out[name] = type(e).__name__

X1 = wave((2, 7, 6), 0.9)
W1 = ramp((3, 2, 6))
out["conv1d_grouped"] = tf.nn.conv1d(X1, W1, 2, "SAME").numpy().tolist()
# (TF's CPU Conv3D refuses groups; gradtape computes them as the GPU kernels do, checked in op_db_conv.)

# gradients, via one convolution per group
xt, wt = tf.constant(X), tf.constant(K)
with tf.GradientTape() as tape:
    tape.watch([xt, wt])
    parts = [tf.nn.conv2d(xt[..., 2 * g:2 * g + 2], wt[..., 3 * g:3 * g + 3], [1, 1, 2, 1], "SAME") for g in range(2)]
    y = tf.concat(parts, -1)
    loss = tf.reduce_sum(tf.sin(y) * ramp(y.shape))
gx, gw = tape.gradient(loss, [xt, wt])
out["conv2d_grouped_split_out"] = y.numpy().tolist()
out["conv2d_grouped_grad_x"] = gx.numpy().tolist()
out["conv2d_grouped_grad_w"] = gw.numpy().tolist()

# -- a layer used twice in a Sequential (parameter sharing, D2L "Parameter Management") ------------
shared = tf.keras.layers.Dense(4, activation="relu", name="shared")
net = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", name="first"), shared, shared,
                           tf.keras.layers.Dense(1, name="last")])
XS = wave((2, 4), 1.3)
net.build((None, 4))
net.layers[0].set_weights([ramp((4, 4)), ramp((4,), 0.0, 0.2)])
shared.set_weights([ramp((4, 4), -0.5, 1.0), ramp((4,), 0.1, 0.3)])
net.layers[3].set_weights([ramp((4, 1)), np.zeros(1, np.float32)])
out["shared_n_layers"] = len(net.layers)
out["shared_layer_names"] = [l.name for l in net.layers]
out["shared_n_weights"] = len(net.weights)
out["shared_out"] = net(XS).numpy().tolist()
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(net(XS) ** 2)
grads = tape.gradient(loss, net.trainable_variables)
out["shared_grads"] = [g.numpy().tolist() for g in grads]
net.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
h = net.fit(XS, np.array([[1.0], [-1.0]], np.float32), epochs=3, batch_size=2, verbose=0, shuffle=False)
out["shared_fit_loss"] = h.history["loss"]


# -- layers held in a tuple attribute (D2L "Layers and Modules": MySequential) ---------------------
class MySequential(tf.keras.Model):
    def __init__(self, *args):
        super().__init__()
        self.modules_ = args            # D2L names it `modules`; Keras 3 reserves nothing here either

    def call(self, X):
        for module in self.modules_:
            X = module(X)
        return X


d1 = tf.keras.layers.Dense(units=5, activation=tf.nn.relu)
d2 = tf.keras.layers.Dense(3)
mnet = MySequential(d1, d2)
XM = wave((3, 4), 0.7)
mnet(XM)
d1.set_weights([ramp((4, 5)), ramp((5,), 0.0, 0.1)])
d2.set_weights([ramp((5, 3), -0.3, 0.6), np.zeros(3, np.float32)])
out["tuple_model_n_trainable"] = len(mnet.trainable_variables)
out["tuple_model_out"] = mnet(XM).numpy().tolist()
mnet.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
h = mnet.fit(XM, ramp((3, 3)), epochs=3, batch_size=3, verbose=0, shuffle=False)
out["tuple_model_fit_loss"] = h.history["loss"]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "tf_d2l.json")
with open(path, "w") as fh:
    json.dump(out, fh)
for k, v in out.items():
    print(k, str(v)[:150])
