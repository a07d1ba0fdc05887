"""Shared pieces of the benchmark suite: thread pinning, timing, workload data, memory probes.

Every framework script imports this first (before its framework), so the thread count is fixed to
``THREADS`` through the environment before any BLAS or runtime starts.
"""
from __future__ import annotations

import json
import os
import sys
import time

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
for _k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ[_k] = str(THREADS)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={THREADS}")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

CHAIN = 333                      # (a) y = sin(y) * 1.01 + 0.1, three ops each
MLP_SIZES = [(784, 512), (512, 512), (512, 10)]
MLP_BATCH = 128
ADAM_STEPS = 500                 # (c)
SGD_POINTS, SGD_BATCH, SGD_STEPS = 1_000_000, 1000, 1000   # (d)
MEM_LAYERS, MEM_WIDTH, MEM_BATCH = 10, 2048, 1024          # (e)
JAC_N = 256                      # (g)


# BENCH_CLOCK=cpu: time with the process's CPU time (all its threads) instead of the wall clock --
# for A/B comparisons on a shared, busy machine (with BENCH_THREADS=1), where wall time mostly
# measures the other jobs. Not for published figures.
_CLOCK = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter


def timeit(fn, min_time: float = 0.3, repeat: int = 3) -> float:
    """Seconds per call: best over ``repeat`` loops, each running at least ``min_time``."""
    fn()
    n = 1
    while True:
        t0 = _CLOCK()
        for _ in range(n):
            fn()
        dt = _CLOCK() - t0
        if dt >= min_time / repeat or n >= 1 << 20:
            break
        n *= 2
    best = dt / n
    for _ in range(repeat - 1):
        t0 = _CLOCK()
        for _ in range(n):
            fn()
        best = min(best, (_CLOCK() - t0) / n)
    return best


def mlp_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((MLP_BATCH, 784)).astype(np.float32)
    labels = rng.integers(0, 10, MLP_BATCH).astype(np.int32)
    params = []
    for fan_in, fan_out in MLP_SIZES:
        lim = np.sqrt(6 / (fan_in + fan_out))
        params.append(rng.uniform(-lim, lim, (fan_in, fan_out)).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    return x, labels, params


def adam_data(seed: int = 0):
    """The seed program 000: y = 2x + noise on x = 0..9."""
    rng = np.random.default_rng(seed)
    x = np.arange(10, dtype=np.float32)
    y = (2 * x + rng.standard_normal(10)).astype(np.float32)
    return x, y


def sgd_data(seed: int = 0):
    """The seed program 003: a million noisy points on a line."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 10.0, SGD_POINTS).astype(np.float32)
    y = (0.5 * x + 5 + rng.standard_normal(SGD_POINTS)).astype(np.float32)
    idx = rng.integers(0, SGD_POINTS, (SGD_STEPS, SGD_BATCH))
    return x, y, idx


def mem_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((MEM_BATCH, MEM_WIDTH)).astype(np.float32)
    ws = [(rng.standard_normal((MEM_WIDTH, MEM_WIDTH)) / np.sqrt(MEM_WIDTH)).astype(np.float32)
          for _ in range(MEM_LAYERS)]
    return x, ws


def jac_data(seed: int = 0):
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((JAC_N, JAC_N)) / np.sqrt(JAC_N)).astype(np.float32)
    x = rng.standard_normal(JAC_N).astype(np.float32)
    return w, x


def digits_data(seed: int = 0):
    """8x8 digits (scikit-learn's set when installed, else a seeded stand-in of the same shape)."""
    try:
        from sklearn.datasets import load_digits
        d = load_digits()
        x, y = d.images.astype(np.float32) / 16.0, d.target.astype(np.int32)
        src = "sklearn digits"
    except Exception:
        rng = np.random.default_rng(seed)
        x = rng.random((1797, 8, 8)).astype(np.float32)
        y = rng.integers(0, 10, 1797).astype(np.int32)
        src = "synthetic 1797x8x8"
    return x[..., None], y, src


def vm_hwm_mib() -> float:
    """Peak resident memory of this process so far (VmHWM), MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_hwm() -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def emit(result: dict) -> None:
    """Print one JSON line the driver parses."""
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


def main(workloads: dict, argv=None) -> None:
    """``script.py WORKLOAD MODE``: run one workload (a key of ``workloads``) and emit its metrics."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("mode")
    a = ap.parse_args(argv)
    fn = workloads.get((a.workload, a.mode))
    if fn is None:
        emit({"skip": f"no {a.workload}/{a.mode}"})
        return
    try:
        out = fn()
    except ImportError as e:
        out = {"skip": f"unavailable: {e}"}
    emit(out)


# Model workloads (h-k) ---------------------------------------------------------------------------
CNN_BATCH = 64
RNN_BATCH, RNN_LEN, RNN_VOCAB, RNN_EMBED, RNN_UNITS = 64, 50, 5000, 64, 128
TR_BATCH, TR_LEN, TR_D, TR_HEADS, TR_FFN = 32, 64, 128, 4, 512
FIT_BATCHES = 4                  # Model.fit timing: one epoch of this many identical-size batches


def model_data(name: str, seed: int = 0):
    """``(x, y)`` of one batch for model workload ``name`` (h CNN, i LSTM, j GRU, k transformer)."""
    rng = np.random.default_rng(seed)
    if name == "h":
        return (rng.standard_normal((CNN_BATCH, 32, 32, 3)).astype(np.float32),
                rng.integers(0, 10, CNN_BATCH).astype(np.int32))
    if name in ("i", "j"):
        return (rng.integers(0, RNN_VOCAB, (RNN_BATCH, RNN_LEN)).astype(np.int32),
                rng.integers(0, 2, RNN_BATCH).astype(np.int32))
    if name == "k":
        return (rng.standard_normal((TR_BATCH, TR_LEN, TR_D)).astype(np.float32),
                rng.integers(0, 2, TR_BATCH).astype(np.int32))
    raise KeyError(name)


def tile(a, k: int):
    return np.concatenate([a] * k, axis=0)
