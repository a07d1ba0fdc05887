"""Adapted from the TensorFlow tutorials "Distributed training with Keras" and "Custom training with
tf.distribute.Strategy", on one CPU (one replica): scope(), run, reduce, distributed datasets,
compute_average_loss and fit under the strategy."""
import numpy as np
import tensorflow as tf

RESULTS = {}
strategy = tf.distribute.MirroredStrategy()
RESULTS["replicas"] = strategy.num_replicas_in_sync
RESULTS["default_replicas"] = tf.distribute.get_strategy().num_replicas_in_sync
GLOBAL_BATCH_SIZE = 8
rng = np.random.default_rng(2)
x = rng.random((32, 4)).astype(np.float32)
y = rng.integers(0, 3, 32)
with strategy.scope():
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    model.set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), np.zeros(3, np.float32)])
    optimizer = tf.keras.optimizers.SGD(0.1)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")


def compute_loss(labels, predictions):
    per_example_loss = loss_object(labels, predictions)
    return tf.nn.compute_average_loss(per_example_loss, global_batch_size=GLOBAL_BATCH_SIZE)


def train_step(inputs):
    images, labels = inputs
    with tf.GradientTape() as tape:
        predictions = model(images, training=True)
        loss = compute_loss(labels, predictions)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


@tf.function
def distributed_train_step(dataset_inputs):
    per_replica_losses = strategy.run(train_step, args=(dataset_inputs,))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses, axis=None)


dist_dataset = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH_SIZE))
losses = []
for epoch in range(2):
    total_loss, num_batches = 0.0, 0
    for batch in dist_dataset:
        total_loss += distributed_train_step(batch)
        num_batches += 1
    losses.append(total_loss / num_batches)
RESULTS["custom_loop_losses"] = losses
RESULTS["weights"] = model.get_weights()
with strategy.scope():
    m2 = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3)])
    m2.set_weights([np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), np.zeros(3, np.float32)])
    m2.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
               optimizer=tf.keras.optimizers.SGD(0.1), metrics=["accuracy"])
hist = m2.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
RESULTS["fit_loss"] = hist.history["loss"]
RESULTS["reduce_mean"] = strategy.reduce(tf.distribute.ReduceOp.MEAN, tf.constant([1.0, 3.0]), axis=0)
