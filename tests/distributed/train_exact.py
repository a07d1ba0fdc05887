"""Run by tests/test_distribute.py: train a small MLP with Keras fit and with a custom loop under
MultiWorkerMirroredStrategy on a fixed global batch, then write the weights (rank 0) to argv[1]."""
import json
import sys

import numpy as np

import gradtape as tf

out = sys.argv[1]
strategy = tf.distribute.MultiWorkerMirroredStrategy()
rng = np.random.default_rng(0)
x = rng.normal(size=(32, 5)).astype(np.float32)
y = rng.normal(size=(32, 1)).astype(np.float32)
tf.random.set_seed(1 + strategy.cluster_resolver.task_id)   # different seeds: scope() must broadcast

with strategy.scope():
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh"), tf.keras.layers.Dense(1)])
    model.build((None, 5))
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="mse")
hist = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

with strategy.scope():
    w = tf.Variable(rng.normal(size=(5, 1)).astype(np.float32) if strategy.cluster_resolver.task_id == 0
                    else np.zeros((5, 1), np.float32))
    opt = tf.keras.optimizers.SGD(0.05)
ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def step(xb, yb):
    with tf.GradientTape() as tape:
        per_example = tf.reduce_sum(tf.square(tf.matmul(xb, w) - yb), axis=1)
        loss = tf.nn.compute_average_loss(per_example)
    opt.apply_gradients([(tape.gradient(loss, w), w)])
    return loss


losses = []
for xb, yb in strategy.experimental_distribute_dataset(ds):
    per_replica = strategy.run(step, args=(xb, yb))
    losses.append(float(strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None).numpy()))
gathered = strategy.gather(tf.constant([[float(strategy.cluster_resolver.task_id)]] * 2), axis=0)
if strategy.cluster_resolver.task_id == 0:
    with open(out, "w") as f:
        json.dump({"weights": [v.numpy().tolist() for v in model.weights], "history": hist.history["loss"],
                   "w": w.numpy().tolist(), "losses": losses, "gathered": gathered.numpy().tolist(),
                   "replicas": strategy.num_replicas_in_sync}, f)
