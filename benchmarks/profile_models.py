"""Where gradtape's time goes in the model workloads: cProfile top functions (own time) of training steps.

    PYTHONPATH=src python benchmarks/profile_models.py [--models h,i,j,k] [--mode eager|function]
        [--steps 2] [--top 12]

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
    a = ap.parse_args()
    for n in a.models.split(","):
        print(f"## ({n}) {NAMES[n]}, gradtape {a.mode}, {a.steps} steps\n")
        print(M.profile(tf, n, a.mode, a.steps, a.top))


if __name__ == "__main__":
    main()
