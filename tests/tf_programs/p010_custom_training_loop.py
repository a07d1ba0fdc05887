"""Adapted from the Keras guide "Writing a training loop from scratch": a subclassed model, a
tf.data pipeline, Adam, a loss object and a metric, under tf.function."""
import numpy as np
import tensorflow as tf

RESULTS = {}


class MLP(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = tf.keras.layers.Dense(16, activation="relu")
        self.d2 = tf.keras.layers.Dense(4)

    def call(self, x):
        return self.d2(self.d1(x))


rng = np.random.default_rng(2)
x = rng.normal(size=(96, 5)).astype(np.float32)
y = rng.integers(0, 4, size=96).astype(np.int32)
model = MLP()
model(x[:1])
model.set_weights([np.random.default_rng(11 + i).normal(scale=0.3, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
optimizer = tf.keras.optimizers.Adam(learning_rate=1e-2)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
train_acc = tf.keras.metrics.SparseCategoricalAccuracy()
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)


@tf.function
def train_step(xb, yb):
    with tf.GradientTape() as tape:
        logits = model(xb, training=True)
        loss_value = loss_fn(yb, logits)
    grads = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    train_acc.update_state(yb, logits)
    return loss_value


losses, accs = [], []
for epoch in range(4):
    for xb, yb in dataset:
        losses.append(train_step(xb, yb))
    accs.append(train_acc.result())
    train_acc.reset_state()
RESULTS["losses"] = losses
RESULTS["accs"] = accs
RESULTS["iterations"] = optimizer.iterations
RESULTS["final_kernel_sum"] = tf.reduce_sum(model.d2.kernel)
