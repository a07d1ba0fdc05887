"""Input-pipeline overlap: does ``map(num_parallel_calls=AUTOTUNE)`` + ``prefetch`` make a training loop
faster than the serial pipeline?

Each element's preprocessing is NumPy work that releases the GIL (sorting and an FFT of a ~0.5 M
sample signal, like audio/feature extraction); the training step is a gradtape Dense model whose time
goes to matmuls (BLAS releases the GIL too). Three runs of the same loop:

* serial:   ``ds.map(f).batch(b)``, no prefetch (preprocessing, then the step, one after the other);
* parallel: ``ds.map(f, num_parallel_calls=AUTOTUNE).batch(b).prefetch(AUTOTUNE)``;
* map only: the two pipelines iterated without a training step (throughput of the map alone);
* storage-bound: each record waits ``--io-latency-ms`` (slow disk or network) before light NumPy work,
  read with ``--io-calls`` parallel calls: the waits overlap each other and the training step even
  when the machine has no idle core.

"cores used" is process CPU time over wall time: a parallel pipeline can only beat the serial one
when it gets more than one core's worth of CPU.

Run: ``PYTHONPATH=src python benchmarks/bench_data_pipeline.py [--elements 48] [--repeats 3]``
The speedup depends on free cores: with N idle cores the map alone approaches min(N, threads)x and the
loop approaches (map + step) / max(map, step).
"""
import argparse
import os
import sys
import time

# One BLAS thread for the training step's matmuls, so the step and the input pipeline's threads do not
# oversubscribe the cores (TF likewise separates its inter-op pool from the tf.data threads). Set
# GRADTAPE_BENCH_BLAS_THREADS to change it.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, os.environ.get("GRADTAPE_BENCH_BLAS_THREADS", "1"))

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import gradtape as tf  # noqa: E402

SIGNAL = 1 << 19


def featurize(i):
    """NumPy-heavy preprocessing of one element (GIL released inside sort/FFT)."""
    rng = np.random.default_rng(int(i))
    x = rng.standard_normal(SIGNAL).astype(np.float32)
    s = np.sort(x)
    spec = np.abs(np.fft.rfft(x))[:4096]
    feats = np.concatenate([spec[::16], s[:: SIGNAL // 256]]).astype(np.float32)
    return feats, np.float32(feats.mean() > 0.5)


def read_remote(i, latency):
    """A record from slow storage: ``latency`` seconds of waiting (network/disk), then light NumPy work."""
    time.sleep(latency)
    rng = np.random.default_rng(int(i))
    feats = rng.standard_normal(512).astype(np.float32)
    return feats, np.float32(feats.mean() > 0)


def make(parallel: bool, n: int, batch: int, latency: float = 0.0, calls=None):
    ds = tf.data.Dataset.range(n)
    fn = (lambda i: read_remote(i, latency)) if latency else (lambda i: featurize(int(i)))
    if parallel:
        ds = ds.map(fn, num_parallel_calls=calls or tf.data.AUTOTUNE)
        return ds.batch(batch).prefetch(tf.data.AUTOTUNE)
    return ds.map(fn).batch(batch)


def train_loop(ds, model, opt, steps_per_batch: int) -> float:
    t0 = time.perf_counter()
    for x, y in ds:
        for _ in range(steps_per_batch):
            with tf.GradientTape() as tape:
                p = model(x)
                loss = tf.reduce_mean(tf.square(p[:, 0] - y))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
    return time.perf_counter() - t0


def iterate(ds) -> float:
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in ds:
        pass
    wall = time.perf_counter() - t0
    iterate.cpu_ratio = (time.process_time() - c0) / wall
    return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--elements", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--steps-per-batch", type=int, default=10)
    ap.add_argument("--io-latency-ms", type=float, default=20.0)
    ap.add_argument("--io-calls", type=int, default=8)
    args = ap.parse_args()
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1024, activation="relu"),
                                 tf.keras.layers.Dense(1024, activation="relu"), tf.keras.layers.Dense(1)])
    opt = tf.keras.optimizers.SGD(1e-3)
    model(np.zeros((args.batch, 512), np.float32))
    print(f"cpus={os.cpu_count()} elements={args.elements} batch={args.batch} "
          f"steps/batch={args.steps_per_batch} repeats={args.repeats} (best of)")
    res = {}
    ratios = {}
    lat = args.io_latency_ms / 1000.0
    for name, par in (("serial", False), ("parallel+prefetch", True)):
        best = None
        for _ in range(args.repeats):
            t = iterate(make(par, args.elements, args.batch))
            if best is None or t < best:
                best, ratios[name] = t, iterate.cpu_ratio
        res[("map", name)] = best
        res[("loop", name)] = min(train_loop(make(par, args.elements, args.batch), model, opt, args.steps_per_batch)
                                  for _ in range(args.repeats))
        res[("io", name)] = min(train_loop(make(par, args.elements, args.batch, lat, args.io_calls), model, opt,
                                           args.steps_per_batch) for _ in range(args.repeats))
    step_only = min(train_loop(tf.data.Dataset.from_tensors((np.zeros((args.batch, 512), np.float32),
                                                             np.zeros(args.batch, np.float32)))
                               .repeat(args.elements // args.batch), model, opt, args.steps_per_batch)
                    for _ in range(args.repeats))
    print(f"NumPy map alone:    serial {res[('map', 'serial')]:.2f} s   parallel {res[('map', 'parallel+prefetch')]:.2f} s"
          f"   speedup {res[('map', 'serial')] / res[('map', 'parallel+prefetch')]:.2f}x   (cores used: serial "
          f"{ratios['serial']:.2f}, parallel {ratios['parallel+prefetch']:.2f})")
    print(f"training steps alone (no preprocessing): {step_only:.2f} s")
    print(f"training loop:      serial {res[('loop', 'serial')]:.2f} s   parallel+prefetch "
          f"{res[('loop', 'parallel+prefetch')]:.2f} s   speedup "
          f"{res[('loop', 'serial')] / res[('loop', 'parallel+prefetch')]:.2f}x")
    print(f"training loop, {args.io_latency_ms:g} ms storage latency per record, {args.io_calls} parallel calls: "
          f"serial {res[('io', 'serial')]:.2f} s   parallel+prefetch {res[('io', 'parallel+prefetch')]:.2f} s   "
          f"speedup {res[('io', 'serial')] / res[('io', 'parallel+prefetch')]:.2f}x")


if __name__ == "__main__":
    main()
