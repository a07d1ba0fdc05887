"""Adapted from the TensorFlow guides "Training checkpoints" and "Save and load Keras models":
tf.train.Checkpoint with CheckpointManager, save_weights/load_weights and the .keras format."""
import os
import tempfile

import numpy as np
import tensorflow as tf

RESULTS = {}
tmp = tempfile.mkdtemp()


class Net(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.l1 = tf.keras.layers.Dense(5)

    def call(self, x):
        return self.l1(x)


net = Net()
net(tf.ones((1, 1)))
net.set_weights([np.array([[0.1, 0.2, 0.3, 0.4, 0.5]], np.float32), np.zeros(5, np.float32)])
opt = tf.keras.optimizers.Adam(0.1)
dataset = tf.data.Dataset.from_tensor_slices(dict(x=tf.range(10.0), y=tf.range(10.0) * 2.0)).repeat(10).batch(2)
iterator = iter(dataset)
ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=net)
manager = tf.train.CheckpointManager(ckpt, os.path.join(tmp, "tf_ckpts"), max_to_keep=3)


def train_step(net, example, optimizer):
    with tf.GradientTape() as tape:
        output = net(tf.reshape(example["x"], (-1, 1)))
        loss = tf.reduce_mean(tf.abs(output - tf.reshape(example["y"], (-1, 1))))
    variables = net.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss


losses = []
for _ in range(12):
    example = next(iterator)
    loss = train_step(net, example, opt)
    ckpt.step.assign_add(1)
    if int(ckpt.step) % 4 == 0:
        manager.save()
    losses.append(loss)
RESULTS["losses"] = losses
RESULTS["n_checkpoints"] = len(manager.checkpoints)
saved_kernel = net.l1.kernel.numpy().copy()
net.l1.kernel.assign(tf.zeros_like(net.l1.kernel))
ckpt.restore(manager.latest_checkpoint)
RESULTS["restored_step"] = ckpt.step
RESULTS["restored_kernel"] = net.l1.kernel
RESULTS["restored_equal"] = bool(np.allclose(net.l1.kernel.numpy(), saved_kernel))

model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(1)])
model.set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), np.zeros(4, np.float32),
                   np.linspace(0, 1, 4, dtype=np.float32).reshape(4, 1), np.ones(1, np.float32)])
model.compile(optimizer="adam", loss="mse")
x = np.linspace(0, 1, 30, dtype=np.float32).reshape(10, 3)
model.fit(x, x[:, :1], epochs=2, verbose=0, shuffle=False)
before = model.predict(x, verbose=0)
model.save_weights(os.path.join(tmp, "w.weights.h5"))
model.save(os.path.join(tmp, "m.keras"))
clone = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(1)])
clone.load_weights(os.path.join(tmp, "w.weights.h5"))
RESULTS["weights_roundtrip"] = clone.predict(x, verbose=0)
loaded = tf.keras.models.load_model(os.path.join(tmp, "m.keras"))
RESULTS["keras_roundtrip"] = loaded.predict(x, verbose=0)
RESULTS["before"] = before
RESULTS["continue_training"] = loaded.fit(x, x[:, :1], epochs=1, verbose=0, shuffle=False).history["loss"]
