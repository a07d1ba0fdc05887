"""Record real TF's answers for mixed_precision_cases.py into tests/data/tf_mixed_precision.json:
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_mixed_precision.py
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tensorflow as tf  # noqa: E402

import mixed_precision_cases as C  # noqa: E402


def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if hasattr(v, "numpy"):
        return np.asarray(v.numpy(), dtype=np.float64).tolist()
    return v


def main() -> None:
    out = {"tensorflow": tf.__version__, "forward": plain(C.forward(tf)),
           "loss_scale_steps": plain(C.loss_scale_steps(tf)), "fit": plain(C.fit(tf))}
    path = os.path.join(HERE, "..", "data", "tf_mixed_precision.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, indent=0)
    os.replace(path + ".tmp", path)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
