"""Run the op database on StrictArray (tests/strict_array.py) device arrays and list which ops
convert to host arrays: forward, first-order gradient (float64).

    PYTHONPATH=src python tests/duck_audit.py            # prints the table; --json writes the lists

Used by tests/test_duck_array.py, which keeps the ops that already run on duck arrays from
regressing; the ones still converting to the host are the work list for a GPU (CuPy) backend.
"""
from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import gradtape as tf  # noqa: E402
from gradtape.tensor import Tensor  # noqa: E402
from op_db import ALL_OPS  # noqa: E402
from strict_array import StrictArray  # noqa: E402


def _diff(a):
    return isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype.kind == "f"


def _check(info) -> tuple:
    """(forward_ok, grad_ok, first error) over the op's samples, float64."""
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    fwd = grad = True
    err = ""
    for sample in info.samples(rng):
        xs = [Tensor(StrictArray(np.asarray(a, dtype=np.float64))) if _diff(a) else a for a in sample.args]
        try:
            with tf.GradientTape() as tape:
                for x in xs:
                    if isinstance(x, Tensor):
                        tape.watch(x)
                out = info.fn(*xs, **sample.kwargs)
            outs = out if isinstance(out, (list, tuple)) else [out]
            for o in outs:
                if isinstance(o, Tensor) and not isinstance(o._value, StrictArray):
                    raise TypeError(f"result is a host {type(o._value).__name__}, not a device array")
        except Exception as e:  # noqa: BLE001
            return False, False, f"forward: {type(e).__name__}: {str(e)[:120]}"
        if not info.grad:
            continue
        watched = [x for x in xs if isinstance(x, Tensor)]
        if not watched:
            continue
        try:
            targets = [o for o in outs if isinstance(o, Tensor) and o._value.dtype.kind == "f"]
            gs = tape.gradient(targets, watched)
            for g in gs:
                if g is not None and not isinstance(getattr(g, "_value", None), StrictArray):
                    raise TypeError(f"gradient is a host {type(getattr(g, '_value', g)).__name__}")
        except Exception as e:  # noqa: BLE001
            grad = False
            err = err or f"gradient: {type(e).__name__}: {str(e)[:120]}"
    return fwd, grad, err


def audit() -> dict:
    res = {"forward_and_grad": [], "forward_only": [], "fail": {}}
    for info in ALL_OPS:
        f, g, err = _check(info)
        if f and g:
            res["forward_and_grad"].append(info.name)
        elif f:
            res["forward_only"].append(info.name)
            res["fail"][info.name] = err
        else:
            res["fail"][info.name] = err
    return res


if __name__ == "__main__":
    r = audit()
    n = len(ALL_OPS)
    print(f"{len(r['forward_and_grad'])}/{n} ops run forward and gradient on duck arrays; "
          f"{len(r['forward_only'])} forward only; {n - len(r['forward_and_grad']) - len(r['forward_only'])} fail")
    for name, err in sorted(r["fail"].items()):
        print(f"  {name}: {err}")
    if "--json" in sys.argv:
        print(json.dumps(r))
