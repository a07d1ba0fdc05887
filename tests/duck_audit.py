"""Run the op database on StrictArray (tests/strict_array.py) device arrays: forward values, first-
and second-order gradients (float64), each compared with the same computation on NumPy arrays.

    PYTHONPATH=src python tests/duck_audit.py            # prints the table; --json writes the lists

An op passes a stage when every sample runs on device arrays without an implicit host conversion,
every result of the stage is a device array (never a host ndarray or NumPy scalar), and its values
equal the host run's. Used by tests/test_duck_array.py, which runs the whole database.
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

STAGES = ("forward", "grad1", "grad2")


def _diff(a) -> bool:
    return isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype.kind == "f"


def _positions(info, sample) -> list:
    pos = [i for i, a in enumerate(sample.args) if _diff(a)]
    if info.diff_args is not None:
        pos = [p for p in pos if p in info.diff_args]
    return pos


def _flat(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


class Mismatch(AssertionError):
    pass


def _host_of(v, device: bool, what: str) -> np.ndarray:
    """``v``'s value on the host; on the device run it must be a StrictArray (else a host leak)."""
    if isinstance(v, Tensor):
        v = v._value
    if device:
        if not isinstance(v, StrictArray):
            raise Mismatch(f"{what} is a host {type(v).__name__}, not a device array")
        return v.get()
    return np.asarray(v)


def _run(info, sample, device: bool, weights: list, ints_on_device: bool = True) -> dict:
    """Forward, first- and second-order gradients of one sample; host values of each stage's results.

    Stage values: ``forward`` the op's tensor outputs; ``grad1`` the gradients of the float outputs
    with respect to the differentiable inputs (TF's default ones seed); ``grad2`` the gradients of
    ``sum(grad1_i * w_i)`` (fixed weights) with respect to the same inputs. Exceptions propagate,
    tagged with the stage.
    """
    pos = _positions(info, sample)
    wrap = (lambda a: Tensor(StrictArray(np.array(a, dtype=np.float64)))) if device else \
        (lambda a: tf.constant(np.asarray(a, dtype=np.float64)))
    # Indices, masks and labels: on the device (``ints_on_device``), or host arrays next to device
    # data (gradtape keeps integer tensors in host memory, as TF does for int32 on a GPU); the host
    # run passes them as the op database does.
    args = [wrap(a) if _diff(a) else Tensor(StrictArray(a.copy())) if device and ints_on_device and
            isinstance(a, np.ndarray) else a for a in sample.args]
    xs = [args[p] for p in pos]
    res: dict = {}
    stage = "forward"
    try:
        with tf.GradientTape(persistent=True) as outer:
            if xs:
                outer.watch(xs)
            with tf.GradientTape() as inner:
                if xs:
                    inner.watch(xs)
                out = info.fn(*args, **sample.kwargs)
            outs = [o for o in _flat(out) if isinstance(o, Tensor)]
            res["forward"] = [_host_of(o, device, "a result") for o in outs]
            if not (info.grad and xs):
                return res
            targets = [o for o in outs if o._value.dtype.kind == "f"]
            if not targets:
                return res
            stage = "grad1"
            gs = inner.gradient(targets, xs)
            res["grad1"] = [None if g is None else _host_of(tf.convert_to_tensor(g), device, "a gradient")
                            for g in gs]
            if not info.second_order:
                return res
            stage = "grad2"
            terms = [tf.reduce_sum(tf.convert_to_tensor(g) * wrap(w)) for g, w in zip(gs, weights)
                     if g is not None]
            if not terms:
                return res
            total = tf.add_n(terms) if len(terms) > 1 else terms[0]
        g2 = outer.gradient(total, xs)
        res["grad2"] = [None if g is None else _host_of(tf.convert_to_tensor(g), device, "a second-order gradient")
                        for g in g2]
    except Mismatch:
        raise Mismatch(stage) from None
    except Exception as e:  # noqa: BLE001
        e.stage = stage
        raise
    return res


def _same(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if (x is None) != (y is None):
            return False
        if x is None:
            continue
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.dtype.kind in "fc":
            if not np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


def check(info) -> dict:
    """``{"forward": ok, "grad1": ok, "grad2": ok, "error": first failure}``; a stage an op does
    not have (no gradient, first order only) counts as passed."""
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))
    ok = dict.fromkeys(STAGES, True)
    err = ""
    for sample in rng_samples(info, rng):
        wrng = np.random.default_rng(7)
        weights = [wrng.uniform(0.5, 1.5, np.shape(sample.args[p])) for p in _positions(info, sample)]
        host = _run(info, sample, False, weights)
        # (host integer inputs next to device data; with no device input an op runs on the host)
        has_ints = any(isinstance(a, np.ndarray) and not _diff(a) for a in sample.args) and \
            any(_diff(a) for a in sample.args)
        for ints_on_device in ((True, False) if has_ints else (True,)):
            where = "" if not has_ints else " (integer inputs on the device)" if ints_on_device else \
                " (integer inputs on the host)"
            try:
                dev = _run(info, sample, True, weights, ints_on_device)
            except Mismatch as e:
                stage = str(e)
                dev = None
                msg = f"{stage}: result of the stage is a host array{where}"
            except Exception as e:  # noqa: BLE001
                stage = getattr(e, "stage", "forward")
                dev = None
                msg = f"{stage}: {type(e).__name__}: {str(e)[:140]}{where}"
            if dev is None:
                for s in STAGES[STAGES.index(stage):]:
                    ok[s] = False
                err = err or msg
                continue
            for s in STAGES:
                if s in host and (s not in dev or not _same(host[s], dev[s])):
                    ok[s] = False
                    err = err or f"{s}: values differ from the NumPy run ({sample.name or 'sample'}){where}"
    # a later stage cannot pass when an earlier one failed
    for i in range(1, 3):
        ok[STAGES[i]] = ok[STAGES[i]] and ok[STAGES[i - 1]]
    ok["error"] = err
    return ok


def rng_samples(info, rng) -> list:
    return info.samples(rng)


def audit() -> dict:
    return {info.name: check(info) for info in ALL_OPS}


if __name__ == "__main__":
    r = audit()
    n = len(r)
    counts = {s: sum(v[s] for v in r.values()) for s in STAGES}
    print(f"{n} ops on duck arrays: forward {counts['forward']}/{n}, first-order gradient "
          f"{counts['grad1']}/{n}, second-order gradient {counts['grad2']}/{n}")
    for name, v in sorted(r.items()):
        if v["error"]:
            print(f"  {name}: {v['error']}")
    if "--json" in sys.argv:
        print(json.dumps(r))
