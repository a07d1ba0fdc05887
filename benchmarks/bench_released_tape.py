"""Memory a non-persistent GradientTape keeps after ``gradient()`` (not a test; run by hand).

    python benchmarks/bench_released_tape.py

A 200-op chain on a 1 MB float32 tensor is recorded and differentiated; tracemalloc gives the
peak during forward + backward and what is still allocated after ``gradient()`` while the tape,
the target and the source stay referenced (so ``tape.explain`` can still be asked), minus what
the source and the gradient themselves hold.
"""
from __future__ import annotations

import gc
import tracemalloc

import numpy as np

import gradtape as tf

N = 200
SIZE = 1 << 18   # float32 elements: 1 MiB


def main() -> None:
    x = tf.constant(np.linspace(0.0, 1.0, SIZE, dtype=np.float32))
    tf.sin(x)  # warm up
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(N):
            y = tf.sin(y) * 1.01
        loss = tf.reduce_sum(y)
    del y
    g = tape.gradient(loss, x)
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gbytes = g._value.nbytes
    explained = tape.explain(loss, x)[:60] if hasattr(tape, "explain") else "n/a"
    print(f"chain of {2 * N} ops on {SIZE * 4 / 2**20:.0f} MiB float32")
    print(f"peak during forward+backward: {(peak - base) / 2**20:.1f} MiB")
    print(f"retained after gradient() (tape, loss, x alive; gradient excluded): "
          f"{(current - base - gbytes) / 2**10:.1f} KiB")
    print(f"explain after gradient(): {explained!r}")


if __name__ == "__main__":
    main()
