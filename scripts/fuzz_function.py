"""Long runs of the ``gradtape.function`` differential fuzzer (compiled vs eager).

    PYTHONPATH=src python scripts/fuzz_function.py --programs 10000 --seed 0

Prints every mismatch (shrunk, as Python), then the totals: programs, mismatches, the fallback
rate (programs whose function ran eagerly) and the median compiled speed-up over eager.
Exit status 1 when a mismatch was found.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tests.fuzz.function_fuzz import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
