"""Data-parallel training with tf.distribute.MultiWorkerMirroredStrategy.

    python examples/distributed_mnist.py                 # one process
    mpiexec -n 2 python examples/distributed_mnist.py    # two processes (MPI; pip install 'gradtape[distributed]')

The 8x8 digits of scikit-learn stand in for MNIST (no download). The global batch is split between
the workers; variables created under ``strategy.scope()`` start equal on every worker (broadcast
from rank 0) and gradients are summed over the workers before each optimizer step, so every worker
holds the same weights and the result equals one process training on the whole batch.
"""
import os

import numpy as np

import gradtape as tf

GLOBAL_BATCH = 64


def load():
    try:
        from sklearn.datasets import load_digits
        d = load_digits()
        x, y = d.images.astype("float32")[..., None] / 16.0, d.target.astype("int64")
    except ImportError:                      # no scikit-learn: random stand-in data
        rng = np.random.default_rng(0)
        x, y = rng.random((1797, 8, 8, 1), dtype=np.float32), rng.integers(0, 10, 1797)
    return x, y


def main():
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    rank = strategy.cluster_resolver.task_id
    x, y = load()
    tf.keras.utils.set_random_seed(0)          # the same shuffling on every worker
    with strategy.scope():
        model = tf.keras.Sequential([
            tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu"), tf.keras.layers.MaxPooling2D(),
            tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam", metrics=["accuracy"],
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    epochs = int(os.environ.get("EPOCHS", "2"))
    hist = model.fit(x[:1500], y[:1500], batch_size=GLOBAL_BATCH, epochs=epochs, verbose=0)
    logits = model.predict(x[1500:], verbose=0)
    acc = float(np.mean(np.argmax(logits, -1) == y[1500:]))
    if rank == 0:
        print(f"{strategy.num_replicas_in_sync} worker(s): loss {hist.history['loss'][-1]:.4f}, "
              f"held-out accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
