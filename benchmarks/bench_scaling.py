"""Data-parallel scaling on this machine (MultiWorkerMirroredStrategy over MPI).

    mpiexec -n 1 python benchmarks/bench_scaling.py      # then
    mpiexec -n 2 python benchmarks/bench_scaling.py

Prints (rank 0) JSON with
* ``allreduce``: seconds per fused all-reduce (float32, in place) of 1 KB .. 100 MB, median of repeats;
* ``mlp`` / ``cnn``: training throughput in samples/s of a custom loop (``strategy.run``, gradients
  all-reduced before each Adam step) with a fixed per-replica batch (weak scaling), plus the
  per-step compute time measured with the all-reduce skipped and the gradient bytes per step.
Models: the 784-512-512-10 ReLU MLP of bench_core.py (batch 128 per replica) and the digits CNN of
bench_digits_cnn.py (8x8x1 input, Conv32-Pool-Conv64-Pool-Dense10, batch 32 per replica).
Each rank is pinned to one BLAS thread (OMP_NUM_THREADS=1) so that 2 ranks use the 2 cores.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
import gradtape as tf  # noqa: E402
from gradtape.distribute import _mpi  # noqa: E402

strategy = tf.distribute.MultiWorkerMirroredStrategy()
comm = strategy._comm
rank, size = strategy.cluster_resolver.task_id, strategy.num_replicas_in_sync


def time_allreduce() -> dict:
    out = {}
    for nbytes in (1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20, 100 << 20):
        a = np.ones(nbytes // 4, np.float32)
        reps = 30 if nbytes <= (1 << 20) else 5
        times = []
        for _ in range(reps):
            comm.Barrier()
            t = time.perf_counter()
            _mpi.fused_allreduce(comm, [a])
            times.append(time.perf_counter() - t)
        out[str(nbytes)] = statistics.median(times)
    return out


def build(kind: str):
    tf.keras.utils.set_random_seed(0)
    with strategy.scope():
        if kind == "mlp":
            model = tf.keras.Sequential([tf.keras.layers.Dense(512, activation="relu"),
                                         tf.keras.layers.Dense(512, activation="relu"), tf.keras.layers.Dense(10)])
            model.build((None, 784))
            shape, batch = (784,), 128
        else:
            model = tf.keras.Sequential([
                tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu"), tf.keras.layers.MaxPooling2D(),
                tf.keras.layers.Conv2D(64, 3, padding="same", activation="relu"), tf.keras.layers.MaxPooling2D(),
                tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
            model.build((None, 8, 8, 1))
            shape, batch = (8, 8, 1), 32
        opt = tf.keras.optimizers.Adam(1e-3)
    rng = np.random.default_rng(rank)
    x = tf.constant(rng.normal(size=(batch,) + shape).astype(np.float32))
    y = tf.constant(rng.integers(0, 10, size=batch))
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                            reduction=tf.keras.losses.Reduction.NONE)

    def step(sync: bool):
        with tf.GradientTape() as tape:
            loss = tf.nn.compute_average_loss(loss_fn(y, model(x, training=True)))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables), skip_gradients_aggregation=not sync)

    nbytes = sum(int(np.prod(v.shape)) * 4 for v in model.trainable_variables)
    return step, batch, nbytes


def time_training(kind: str, steps: int) -> dict:
    step, batch, nbytes = build(kind)
    res = {"grad_bytes": nbytes, "batch_per_replica": batch}
    for sync in (False, True):
        for _ in range(3):
            strategy.run(step, args=(sync,))
        comm.Barrier()
        t = time.perf_counter()
        for _ in range(steps):
            strategy.run(step, args=(sync,))
        comm.Barrier()
        dt = (time.perf_counter() - t) / steps
        res["step_s" if sync else "compute_s"] = dt
    res["samples_per_s"] = batch * size / res["step_s"]
    return res


result = {"ranks": size, "allreduce": time_allreduce(), "mlp": time_training("mlp", 30),
          "cnn": time_training("cnn", 60)}
if rank == 0:
    print(json.dumps(result, indent=1))
