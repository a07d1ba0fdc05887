"""Run the TF2 programs of tests/tf_programs/ on a given ``tensorflow`` module and compare results.

Each program is plain TF2 code adapted from a public guide or tutorial. It starts with
``import tensorflow as tf`` and stores what it computed in a module-level dict ``RESULTS``
(tensors, arrays, numbers, strings, nested lists/dicts). A program may set ``TOLERANCE =
{"rtol": ..., "atol": ...}`` where its numbers legitimately drift (long float32 training runs).

``run_program(path, module)`` runs one program with ``module`` installed as ``tensorflow`` (real
TensorFlow when recording expectations, gradtape when testing) and returns its RESULTS converted
to JSON-able values; ``compare`` checks two such values.
"""
from __future__ import annotations

import contextlib
import glob
import os
import runpy
import sys
import warnings
from typing import Any, Iterator

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM_DIR = os.path.join(HERE, "tf_programs")
EXPECTED_DIR = os.path.join(HERE, "data", "tf_programs")
DEFAULT_TOLERANCE = {"rtol": 1e-4, "atol": 1e-5}


def program_paths() -> list:
    return sorted(glob.glob(os.path.join(PROGRAM_DIR, "p*.py")))


def program_name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def expected_path(name: str) -> str:
    """Where TF's recorded RESULTS for program ``name`` are stored."""
    return os.path.join(EXPECTED_DIR, name + ".json")


@contextlib.contextmanager
def as_tensorflow(module: Any) -> Iterator[None]:
    """Install ``module`` (and its loaded submodules) as ``tensorflow`` / ``tensorflow.*``."""
    prefix = module.__name__
    saved = {k: v for k, v in sys.modules.items() if k == "tensorflow" or k.startswith("tensorflow.")}
    aliases = {"tensorflow": module}
    if prefix != "tensorflow":
        for name, mod in list(sys.modules.items()):
            if name.startswith(prefix + ".") and mod is not None:
                aliases["tensorflow" + name[len(prefix):]] = mod
        for k in saved:
            del sys.modules[k]
    sys.modules.update(aliases)
    try:
        yield
    finally:
        if prefix != "tensorflow":
            for k in aliases:
                sys.modules.pop(k, None)
            sys.modules.update(saved)


def to_jsonable(value: Any) -> Any:
    """Tensors, arrays and scalars to nested lists of Python numbers; strings stay strings."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SUO":
            return to_jsonable(value.tolist())
        return {"__array__": np.asarray(value, dtype=np.float64).tolist(), "shape": list(value.shape),
                "kind": value.dtype.kind}
    if isinstance(value, (np.generic,)):
        return to_jsonable(value.item())
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"RESULTS holds a {type(value).__name__}; store numbers, arrays, tensors or strings")


def run_program(path: str, module: Any) -> dict:
    """Run one program with ``module`` as ``tensorflow``; return (results, tolerance)."""
    np.random.seed(0)
    # Each program starts as a fresh process would: Keras's automatic layer names from _1 again.
    module.keras.backend.clear_session()
    # Warnings the program provokes (TF logs the same ones) are part of its run, not of the test's.
    with as_tensorflow(module), warnings.catch_warnings(record=True):
        namespace = runpy.run_path(path, run_name="__tf_program__")
    if "RESULTS" not in namespace:
        raise AssertionError(f"{program_name(path)}: the program defines no RESULTS dict")
    tolerance = dict(DEFAULT_TOLERANCE, **namespace.get("TOLERANCE", {}))
    return to_jsonable(namespace["RESULTS"]), tolerance


def compare(got: Any, want: Any, where: str, rtol: float, atol: float) -> None:
    """Assert that ``got`` equals ``want`` (numbers to tolerance, the rest exactly)."""
    if isinstance(want, dict) and "__array__" in want:
        assert isinstance(got, dict) and "__array__" in got, f"{where}: expected an array, got {got!r}"
        assert got["shape"] == want["shape"], f"{where}: shape {got['shape']} != TF's {want['shape']}"
        if want["kind"] in "biu" or got["kind"] in "biu":
            assert (got["kind"] in "biu") == (want["kind"] in "biu"), \
                f"{where}: dtype kind {got['kind']} != TF's {want['kind']}"
        np.testing.assert_allclose(np.array(got["__array__"], dtype=np.float64),
                                   np.array(want["__array__"], dtype=np.float64),
                                   rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(want, dict):
        assert isinstance(got, dict), f"{where}: expected a dict, got {got!r}"
        assert sorted(got) == sorted(want), f"{where}: keys {sorted(got)} != TF's {sorted(want)}"
        for k in want:
            compare(got[k], want[k], f"{where}.{k}", rtol, atol)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), \
            f"{where}: expected a list of {len(want)}, got {got!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, f"{where}[{i}]", rtol, atol)
    elif isinstance(want, bool) or want is None or isinstance(want, str):
        assert got == want, f"{where}: {got!r} != TF's {want!r}"
    elif isinstance(want, (int, float)):
        assert isinstance(got, (int, float)) and not isinstance(got, bool), \
            f"{where}: expected a number, got {got!r}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=where)
    else:
        raise AssertionError(f"{where}: cannot compare {want!r}")
