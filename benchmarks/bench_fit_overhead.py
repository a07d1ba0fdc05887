"""Model.fit against the same step hand-written under gradtape.function, in one process, interleaved.

    PYTHONPATH=src python benchmarks/bench_fit_overhead.py [--models h,i,j,k] [--rounds 5]

For each suite model (benchmarks/suite/models_keras.py: same data, batch, Adam, loss), alternates a
``Model.fit`` epoch of FIT_BATCHES batches and FIT_BATCHES calls of the compiled hand-written step,
``--rounds`` times, and prints the median CPU ms per step of each and their ratio. CPU time of the
process (``time.process_time``) with one thread (set BENCH_THREADS=1), so a busy shared machine
disturbs the ratio far less than the wall-clock suite; not for published absolute figures.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "suite"))
import common as C  # noqa: E402  (fixes threads before NumPy starts)
import models_keras as M  # noqa: E402

import gradtape as tf  # noqa: E402


def _setup(name: str, mode: str):
    xv, yv = C.model_data(name)
    model = M.build(tf, name)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.Adam(1e-3)
    k = C.FIT_BATCHES
    if mode == "fit":
        model.compile(optimizer=opt, loss=loss_fn)
        xs, ys = C.tile(xv, k), C.tile(yv, k)

        def epoch():
            model.fit(xs, ys, batch_size=len(xv), epochs=1, verbose=0, shuffle=False)
        return epoch
    x, y = tf.constant(xv), tf.constant(yv)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    def steps():
        for _ in range(k):
            step(x, y)
    return steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="h,i,j,k")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    for name in a.models.split(","):
        runs = {m: _setup(name, m) for m in ("function", "fit")}
        for run in runs.values():     # traces, warm-up
            run()
            run()
        times: dict = {m: [] for m in runs}
        for _ in range(a.rounds):
            for m, run in runs.items():
                c0 = time.process_time()
                run()
                times[m].append((time.process_time() - c0) / C.FIT_BATCHES * 1e3)
        f, t = statistics.median(times["function"]), statistics.median(times["fit"])
        print(f"({name}) function {f:.1f}  fit {t:.1f} CPU ms/step  fit/function {t / f:.3f}", flush=True)


if __name__ == "__main__":
    main()
