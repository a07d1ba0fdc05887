"""Record real TensorFlow's answers for the cases in api_cases.py into tests/data/tf_api_ops.json.

Run with TensorFlow installed (not needed by the tests):
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_api_ops.py
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tensorflow as tf  # noqa: E402

from api_cases import CASES  # noqa: E402


def encode(v):
    """A JSON-able description of a case's result (shared format with the test's decoder)."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return {"seq": [encode(x) for x in v]}
    if isinstance(v, tf.SparseTensor):
        return {"sparse": {"indices": encode(v.indices), "values": encode(v.values),
                           "dense_shape": encode(v.dense_shape)}}
    if isinstance(v, tf.IndexedSlices):
        return {"indexed_slices": {"indices": encode(v.indices), "values": encode(v.values),
                                   "dense_shape": encode(v.dense_shape)}}
    a = np.asarray(v)
    dtype = v.dtype.name if hasattr(v, "dtype") and hasattr(v.dtype, "name") else a.dtype.name
    if a.dtype.kind in "OS":    # strings: latin-1 text keeps every byte
        return {"dtype": "string", "shape": list(a.shape),
                "value": np.vectorize(lambda b: bytes(b).decode("latin-1"), otypes=[object])(a).tolist()
                if a.size else []}
    if a.dtype.kind == "c":     # [real, imag] pairs
        return {"dtype": dtype, "shape": list(a.shape), "value": np.stack([a.real, a.imag], -1).tolist()}
    return {"dtype": dtype, "shape": list(a.shape),
            "value": a.astype(np.float64).tolist() if a.dtype.kind in "fV" else a.tolist()}


def main() -> None:
    out = {"tensorflow": tf.__version__, "cases": {}}
    for name, fn in sorted(CASES.items()):
        try:
            res = {"result": encode(fn(tf))}
        except Exception as e:  # noqa: BLE001  (the exception type is the recorded answer)
            res = {"error": type(e).__name__, "message": str(e)[:200]}
        out["cases"][name] = res
    path = os.path.join(HERE, "..", "data", "tf_api_ops.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
    os.replace(tmp, path)
    print(f"wrote {len(out['cases'])} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
