"""The model-workload targets (h-k) from a ``run_suite.py --json`` file, as a markdown table.

    python benchmarks/model_targets.py results/run6.json

Targets: gradtape eager no slower than PyTorch eager; gradtape.function faster than tf.function and
within 1.3x of JAX jit; gradtape fit within 5% of the hand-written step under gradtape.function;
the step's peak memory (above model and data) no higher than PyTorch's. Medians over processes.
"""
from __future__ import annotations

import json
import statistics
import sys

NAMES = {"h": "CNN", "i": "LSTM", "j": "GRU", "k": "transformer"}
# (label, our column, their column, metric, limit on ours/theirs)
TARGETS = [
    ("eager <= PyTorch", "gradtape", "PyTorch", "ms/step", 1.0),
    ("function < tf.function", "gradtape.function", "tf.function", "ms/step", 1.0),
    ("function <= 1.3x JAX jit", "gradtape.function", "JAX jit", "ms/step", 1.3),
    ("fit <= 1.05x function", "gradtape fit", "gradtape.function", "ms/step", 1.05),
    ("eager peak <= PyTorch's", "gradtape", "PyTorch", "step peak MiB", 1.0),
]


def med(raw: dict, w: str, col: str, metric: str):
    v = [r[metric] for r in raw.get(f"{w}|{col}", []) if metric in r]
    return (statistics.median(v), len(v)) if v else (None, 0)


def main(path: str) -> None:
    with open(path) as f:
        raw = json.load(f)
    print("| model | target | gradtape | peer | ratio | met |")
    print("|---|---|---|---|---|---|")
    for w, name in NAMES.items():
        for label, ours, theirs, metric, limit in TARGETS:
            a, na = med(raw, w, ours, metric)
            b, nb = med(raw, w, theirs, metric)
            if a is None or b is None:
                print(f"| {name} | {label} | {'-' if a is None else f'{a:,.1f}'} | "
                      f"{'-' if b is None else f'{b:,.1f}'} | - | not measured |")
                continue
            r = a / b if b else float("inf")
            print(f"| {name} | {label} | {a:,.1f} (n={na}) | {b:,.1f} (n={nb}) | {r:.2f}x | "
                  f"{'met' if r <= limit else '**not met**'} |")


if __name__ == "__main__":
    main(sys.argv[1])
