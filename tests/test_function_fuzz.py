"""CI-sized run of the differential fuzzer of ``gradtape.function`` (tests/fuzz/function_fuzz.py):
random programs, compiled vs eager, must agree on values, gradients, nested gradients, Variable
states, random streams and errors. Long runs: scripts/fuzz_function.py."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.fuzz.function_fuzz import Program, check, generate, run  # noqa: E402


def test_random_programs_compiled_equal_eager():
    rep = run(160, seed=12345, verbose=False, stop_after=1)
    assert rep["mismatches"] == 0, rep["details"]
    assert rep["fallback_rate"] < 0.5


def test_the_fuzzer_sees_a_wrong_plan():
    # a program whose compiled form is made wrong on purpose must be reported
    import importlib
    F = importlib.import_module("gradtape.function")
    prog = Program([("un", "sin", 0)], [3], False)
    orig = F.compile_plan

    def broken(trace, nodes, inputs, outputs, name="plan", protect=()):
        plan = orig(trace, nodes, inputs, outputs, name, protect)
        run_ = plan.run
        plan.run = lambda *a: tuple(v * 2 if hasattr(v, "shape") else v for v in run_(*a))
        return plan
    F.compile_plan = broken
    try:
        assert check(prog, 0)[0] is not None
    finally:
        F.compile_plan = orig
