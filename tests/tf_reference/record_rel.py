"""Record TensorFlow's behaviour for ``rel_cases.py`` into ``tests/data/tf_rel_behaviour.json``.

    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_rel.py
"""
from __future__ import annotations

import json
import os
import sys

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rel_cases  # noqa: E402

out = {"tensorflow": tf.__version__,
       "cases": {name: rel_cases.run(tf, name) for name in sorted(rel_cases.CASES)}}
path = os.path.join(HERE, "..", "data", "tf_rel_behaviour.json")
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
os.replace(tmp, path)
print(f"wrote {len(out['cases'])} cases to {os.path.normpath(path)}")
