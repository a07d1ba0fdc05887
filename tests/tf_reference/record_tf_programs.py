"""Record what real TensorFlow computes for every program in tests/tf_programs/.

Run from the repository root with a Python that has TensorFlow (not gradtape's venv)::

    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /path/to/tf-venv/bin/python \\
        tests/tf_reference/record_tf_programs.py [NAME ...]

Each program runs in its own process (fresh Keras name counters and random state); its RESULTS go
to tests/data/tf_programs/NAME.json with the TF version. With names, only those are recorded;
without, every program that has no recording yet (``--all`` re-records everything).
"""
from __future__ import annotations

import concurrent.futures
import importlib.metadata as md
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)

import tf_program_runner as R  # noqa: E402

_CHILD = """
import json, sys
sys.path.insert(0, {tests!r})
import tensorflow as tf
import tf_program_runner as R
results, _ = R.run_program({path!r}, tf)
print("@@RESULTS@@" + json.dumps(results))
"""


def _tf_version() -> str:
    for dist in ("tensorflow-cpu", "tensorflow"):
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            pass
    return "unknown"


def record(path: str) -> tuple:
    code = _CHILD.format(tests=TESTS, path=path)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                          cwd=os.path.dirname(TESTS))
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULTS@@"):
            return path, json.loads(line[len("@@RESULTS@@"):]), None
    return path, None, proc.stderr[-3000:]


def main(argv: list) -> int:
    everything = "--all" in argv
    names = [a for a in argv if not a.startswith("--")]
    def wanted(path: str) -> bool:
        name = R.program_name(path)
        if names:
            return name in names
        return everything or not os.path.exists(R.expected_path(name))

    paths = [p for p in R.program_paths() if wanted(p)]
    os.makedirs(R.EXPECTED_DIR, exist_ok=True)
    failed = 0
    version = _tf_version()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for path, results, err in pool.map(record, paths):
            name = R.program_name(path)
            if err is not None:
                failed += 1
                print(f"FAILED {name}:\n{err}", file=sys.stderr)
                continue
            out = R.expected_path(name)
            with open(out + ".tmp", "w") as f:
                json.dump({"results": results, "produced_by": {
                    "tensorflow": version, "command": "tests/tf_reference/record_tf_programs.py"}},
                    f, sort_keys=True)
            os.replace(out + ".tmp", out)
            print(f"recorded {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
