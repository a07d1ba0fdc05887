"""Record TensorFlow's results for the control-flow cases into tests/data/tf_control_flow.json.

Run with real TensorFlow (not gradtape):
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_control_flow.py
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import control_flow_cases as cases  # noqa: E402


def main() -> None:
    results = {}
    for case in cases.CASES:
        results[case.__name__] = cases.to_json(case(tf))
    doc = {"produced_by": {"script": "tests/tf_reference/make_control_flow.py",
                           "tensorflow": tf.__version__, "numpy": np.__version__},
           "cases": results}
    path = os.path.join(HERE, "..", "data", "tf_control_flow.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print(f"wrote {len(results)} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
