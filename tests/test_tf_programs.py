"""TF2 programs adapted from public guides and tutorials give TF's numbers on gradtape.

Each file in tests/tf_programs/ is TF2 code (``import tensorflow as tf``); it runs here with
gradtape installed as ``tensorflow``, and its RESULTS are compared with what real TensorFlow
computed for the same program (tests/data/tf_programs/NAME.json, written by
tests/tf_reference/record_tf_programs.py).
"""
from __future__ import annotations

import json
import os

import pytest

import gradtape
import tf_program_runner as R

_PATHS = R.program_paths()


@pytest.mark.parametrize("path", _PATHS, ids=[R.program_name(p) for p in _PATHS])
def test_program_matches_tf(path):
    name = R.program_name(path)
    recorded = R.expected_path(name)
    assert os.path.exists(recorded), \
        f"{name}: no values recorded from TF; run tests/tf_reference/record_tf_programs.py {name}"
    with open(recorded) as f:
        want = json.load(f)["results"]
    got, tol = R.run_program(path, gradtape)
    R.compare(got, want, name, tol["rtol"], tol["atol"])
