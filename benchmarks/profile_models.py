"""Where gradtape's time goes in the model workloads: cProfile top functions (own time) of training steps.

    PYTHONPATH=src python benchmarks/profile_models.py [--models h,i,j,k] [--mode eager|function|fit]
        [--steps 2] [--top 12] [--time]

``--mode fit`` profiles one Model.fit epoch of ``--steps`` batches (after a warm-up epoch).

``--time`` prints per-step timings instead of a profile: the median CPU time of the process
(``time.process_time``, which a busy machine disturbs far less than wall-clock time) and the median
wall time, over ``--steps`` steps after a warm-up; use ``BENCH_THREADS=1`` on a shared machine.

The models are the suite's (benchmarks/suite/models_keras.py); 2 threads, like the suite.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "suite"))
import common as C  # noqa: E402,F401  (fixes threads before NumPy starts)
import models_keras as M  # noqa: E402

import gradtape as tf  # noqa: E402

NAMES = {"h": "CNN", "i": "LSTM", "j": "GRU", "k": "transformer block"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="h,i,j,k")
    ap.add_argument("--mode", default="eager")
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--time", action="store_true", help="median CPU and wall ms per step, no profile")
    a = ap.parse_args()
    if a.time:
        for n in a.models.split(","):
            cpu, wall = M.step_times(tf, n, a.mode, a.steps)
            print(f"{n} {a.mode}: cpu {cpu:.1f} ms/step, wall {wall:.1f} ms/step (medians of {a.steps})", flush=True)
        return
    for n in a.models.split(","):
        print(f"## ({n}) {NAMES[n]}, gradtape {a.mode}, {a.steps} steps\n")
        print(M.profile(tf, n, a.mode, a.steps, a.top))


if __name__ == "__main__":
    main()
