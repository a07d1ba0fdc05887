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

* image pipeline (``--workload image``): each element is a 256x256 PNG decoded, converted to float,
  resized to 160x160, flipped, contrast-adjusted and standardized with gradtape's ``tf.io`` /
  ``tf.image`` ops (Pillow's decoder and NumPy's kernels release the GIL); batches of 8 feed a small
  conv net's training step. Serial and parallel runs are interleaved and medians reported, with the
  load average before and after (the machine may be shared).

Run: ``PYTHONPATH=src python benchmarks/bench_data_pipeline.py [--workload all|image|features]
[--elements 48] [--repeats 3]``
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


IMG_SRC, IMG_OUT = 256, 160


def make_pngs(n: int) -> list:
    """``n`` distinct 256x256 RGB PNG files (in memory), textured so the encoder cannot shortcut them."""
    rng = np.random.RandomState(0)
    yy, xx = np.mgrid[0:IMG_SRC, 0:IMG_SRC]
    out = []
    for i in range(n):
        img = np.stack([(xx * (i % 7 + 1)) % 256, (yy * 3 + i) % 256, ((xx + yy) * 2 + 5 * i) % 256], -1)
        img = np.clip(img + rng.randint(-20, 20, img.shape), 0, 255).astype(np.uint8)
        out.append(tf.io.encode_png(img).numpy())
    return out


def augment(png, label):
    """A typical image input function: decode, convert, resize, flip, adjust contrast, standardize."""
    img = tf.io.decode_png(png, channels=3)
    img = tf.image.convert_image_dtype(img, tf.float32)
    img = tf.image.resize(img, (IMG_OUT, IMG_OUT))
    img = tf.image.flip_left_right(img)
    img = tf.image.adjust_contrast(img, 1.2)
    return tf.image.per_image_standardization(img), label


def make_images(parallel: bool, pngs: list, batch: int):
    labels = (np.arange(len(pngs)) % 2).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((np.array(pngs, dtype=object), labels))
    if parallel:
        return ds.map(augment, num_parallel_calls=tf.data.AUTOTUNE).batch(batch).prefetch(tf.data.AUTOTUNE)
    return ds.map(augment).batch(batch)


def image_train_loop(ds, model, opt) -> float:
    loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    t0 = time.perf_counter()
    for x, y in ds:
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x)[:, 0])
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
    return time.perf_counter() - t0


def _load() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def image_section(args) -> None:
    pngs = make_pngs(args.elements)
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Conv2D(16, 5, strides=2, activation="relu"),
                                 tf.keras.layers.Conv2D(16, 3, strides=2, activation="relu"),
                                 tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(1)])
    opt = tf.keras.optimizers.SGD(1e-3)
    model(np.zeros((args.batch, IMG_OUT, IMG_OUT, 3), np.float32))
    for _ in make_images(True, pngs[:4], 4):  # warm-up
        pass
    x0 = np.zeros((args.batch, IMG_OUT, IMG_OUT, 3), np.float32)
    y0 = np.zeros(args.batch, np.float32)
    nb = -(-args.elements // args.batch)
    res: dict = {k: [] for k in ("map_s", "map_p", "loop_s", "loop_p", "step")}
    cores: dict = {"map_s": [], "map_p": []}
    print(f"image pipeline: {args.elements} PNGs {IMG_SRC}x{IMG_SRC} -> {IMG_OUT}x{IMG_OUT}, batch {args.batch}, "
          f"threads {min(os.cpu_count() or 1, 16)}, cpus {os.cpu_count()}, load before {_load()}")
    for _ in range(args.repeats):  # serial and parallel interleaved
        for key, par in (("map_s", False), ("map_p", True)):
            res[key].append(iterate(make_images(par, pngs, args.batch)))
            cores[key].append(iterate.cpu_ratio)
        res["loop_s"].append(image_train_loop(make_images(False, pngs, args.batch), model, opt))
        res["loop_p"].append(image_train_loop(make_images(True, pngs, args.batch), model, opt))
        res["step"].append(image_train_loop(tf.data.Dataset.from_tensors((x0, y0)).repeat(nb), model, opt))
    med = {k: float(np.median(v)) for k, v in res.items()}
    print(f"  map alone:        serial {med['map_s']:.2f} s  parallel+prefetch {med['map_p']:.2f} s  "
          f"speedup {med['map_s'] / med['map_p']:.2f}x  (cores used: serial {np.median(cores['map_s']):.2f}, "
          f"parallel {np.median(cores['map_p']):.2f})")
    print(f"  training steps alone: {med['step']:.2f} s")
    print(f"  training loop:    serial {med['loop_s']:.2f} s  parallel+prefetch {med['loop_p']:.2f} s  "
          f"speedup {med['loop_s'] / med['loop_p']:.2f}x  (overlap bound max(map, step) = "
          f"{max(med['map_p'], med['step']):.2f} s)")
    print(f"  runs (s): " + "; ".join(f"{k} " + ",".join(f"{t:.2f}" for t in v) for k, v in res.items()))
    print(f"  load after {_load()}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--elements", type=int, default=32)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--steps-per-batch", type=int, default=10)
    ap.add_argument("--io-latency-ms", type=float, default=20.0)
    ap.add_argument("--io-calls", type=int, default=8)
    ap.add_argument("--workload", choices=("all", "image", "features"), default="all")
    args = ap.parse_args()
    if args.workload in ("all", "image"):
        image_section(args)
        if args.workload == "image":
            return
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
