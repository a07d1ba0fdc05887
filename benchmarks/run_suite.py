"""Run the benchmark suite: every framework in its own processes, 2 threads, medians with min-max.

    python benchmarks/run_suite.py [--repeat 3] [--workloads a,b,c,d,e,f,g]
        [--python tf=/work/peers/tf/bin/python --python torch=/work/peers/pt/bin/python ...]
        [--markdown out.md] [--json out.json]

Workloads: (a) scalar chain ``y = sin(y)*1.01 + 0.1`` x 333, us/op not recorded / recorded / with
gradient; (b) 784-512-512-10 ReLU MLP training step, batch 128, ms; (c) the seeds' Adam linear
regression (10 points), us/step; (d) mini-batch SGD on 1M points, batch 1000, us/step; (e) peak
memory of forward + backward through 10 dense layers of 2048, batch 1024, MiB above the after-import
baseline; (f) digits CNN epoch, s; (g) 256x256 Jacobian, ms.

Frameworks (columns): gradtape eager and ``gradtape.function``, TF eager and ``tf.function``,
PyTorch eager, JAX op by op and ``jax.jit``, HIPS autograd, hand-written NumPy. A framework whose
Python (``--python KEY=EXE``, keys: gradtape, numpy, tf, torch, jax, autograd) cannot import it is
shown as n/a. Processes are interleaved across frameworks in each repeat, so all of them see the
same machine state. Ratios are to gradtape eager (lower is faster for gradtape's competitors).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "suite")

# (column, script, mode, python key)
FRAMEWORKS = [
    ("gradtape", "bench_gradtape.py", "eager", "gradtape"),
    ("gradtape.function", "bench_gradtape.py", "function", "gradtape"),
    ("gradtape fit", "bench_gradtape.py", "fit", "gradtape"),
    ("NumPy by hand", "bench_numpy.py", "numpy", "numpy"),
    ("PyTorch", "bench_torch.py", "eager", "torch"),
    ("TF eager", "bench_tf.py", "eager", "tf"),
    ("tf.function", "bench_tf.py", "function", "tf"),
    ("JAX", "bench_jax.py", "eager", "jax"),
    ("JAX jit", "bench_jax.py", "jit", "jax"),
    ("autograd", "bench_autograd.py", "eager", "autograd"),
]
MODULES = {"gradtape": "gradtape", "numpy": "numpy", "tf": "tensorflow", "torch": "torch",
           "jax": "jax", "autograd": "autograd"}
WORKLOADS = {
    "a": "(a) scalar chain, 999 ops",
    "b": "(b) MLP 784-512-512-10 step, batch 128",
    "c": "(c) Adam linear regression, 10 points",
    "d": "(d) SGD on 1M points, batch 1000",
    "e": "(e) peak memory, 10 x dense 2048, batch 1024",
    "f": "(f) digits CNN epoch",
    "g": "(g) 256x256 Jacobian",
    "h": "(h) CNN step, batch 64 of 32x32x3",
    "i": "(i) LSTM(128) text step, batch 64x50",
    "j": "(j) GRU(128) text step, batch 64x50",
    "k": "(k) transformer block step, 32x64x128",
}
MODEL_WORKLOADS = set("hijk")
# columns that have the model workloads (NumPy by hand, autograd and JAX op by op do not)
MODEL_COLUMNS = {"gradtape", "gradtape.function", "gradtape fit", "PyTorch", "TF eager", "tf.function",
                 "JAX jit"}


def default_pythons() -> dict:
    py = {"gradtape": sys.executable, "numpy": sys.executable}
    for key, venv in (("tf", "/work/peers/tf"), ("torch", "/work/peers/pt"), ("jax", "/work/peers/pt"),
                      ("autograd", "/work/peers/pt")):
        exe = os.path.join(venv, "bin", "python")
        py[key] = exe if os.path.exists(exe) else sys.executable
    return py


def importable(python: str, module: str) -> bool:
    r = subprocess.run([python, "-c", f"import {module}"], capture_output=True, timeout=300)
    return r.returncode == 0


def run_one(python: str, script: str, workload: str, mode: str, timeout: float) -> dict:
    env = dict(os.environ)
    env["BENCH_THREADS"] = os.environ.get("BENCH_THREADS", "2")
    try:
        r = subprocess.run([python, os.path.join(SUITE, script), workload, mode], capture_output=True,
                           text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"error": tail[0][:160]}


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs, load average "
            f"{load:.2f} at start; Python {platform.python_version()}")


def fmt(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="processes per (framework, workload)")
    ap.add_argument("--workloads", default="a,b,c,d,e,f,g,h,i,j,k")
    ap.add_argument("--frameworks", default=",".join(f[0] for f in FRAMEWORKS))
    ap.add_argument("--python", action="append", default=[], metavar="KEY=EXE")
    ap.add_argument("--timeout", type=float, default=400)
    ap.add_argument("--markdown", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--from-json", default=None, help="render the table of an earlier --json run")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            raw = {tuple(k.split("|", 1)): v for k, v in json.load(f).items()}
        fws = [f for f in FRAMEWORKS if f[0] in set(args.frameworks.split(","))]
        workloads = [w for w in args.workloads.split(",") if any(k[0] == w for k in raw)]
        print(report(raw, fws, workloads, {}, {}, args, 0.0))
        return
    pythons = default_pythons()
    for item in args.python:
        k, _, exe = item.partition("=")
        pythons[k] = exe
    wanted = set(args.frameworks.split(","))
    fws = [f for f in FRAMEWORKS if f[0] in wanted]
    ok = {}
    for key in {f[3] for f in fws}:
        ok[key] = importable(pythons[key], MODULES[key])
    workloads = [w for w in args.workloads.split(",") if w in WORKLOADS]
    raw: dict = {}
    t_start = time.time()
    for rep in range(args.repeat):
        for w in workloads:
            for col, script, mode, key in fws:
                if not ok[key] or ((w in MODEL_WORKLOADS) != (col in MODEL_COLUMNS)
                                   and (w in MODEL_WORKLOADS or mode == "fit")):
                    continue
                res = run_one(pythons[key], script, w, mode, args.timeout)
                raw.setdefault((w, col), []).append(res)
                if args.json:    # written after every process, so a cut-short run keeps its results
                    with open(args.json, "w") as f:
                        json.dump({f"{w}|{c}": v for (w, c), v in raw.items()}, f, indent=1)
                print(f"[{rep + 1}/{args.repeat}] {w} {col}: {res}", file=sys.stderr, flush=True)
    versions = {}
    for key in ok:
        if ok[key]:
            r = subprocess.run([pythons[key], "-c", f"import {MODULES[key]} as m; print(m.__version__)"],
                               capture_output=True, text=True)
            versions[key] = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "?"
    md = report(raw, fws, workloads, ok, versions, args, time.time() - t_start)
    print(md)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({f"{w}|{c}": v for (w, c), v in raw.items()}, f, indent=1)


def summarize(samples: list) -> dict:
    """metric -> (median, min, max) over the processes that returned it."""
    out: dict = {}
    for s in samples:
        for k, v in s.items():
            if isinstance(v, (int, float)):
                out.setdefault(k, []).append(float(v))
    return {k: (statistics.median(v), min(v), max(v)) for k, v in out.items()}


def report(raw: dict, fws: list, workloads: list, ok: dict, versions: dict, args, elapsed: float) -> str:
    cols = [f[0] for f in fws]
    clock = ", CPU time (BENCH_CLOCK=cpu)" if os.environ.get("BENCH_CLOCK") == "cpu" else ""
    lines = [f"Machine: {machine()}. Threads: {os.environ.get('BENCH_THREADS', '2')} per framework{clock}. {args.repeat} processes per cell, "
             f"interleaved; suite time {elapsed / 60:.1f} min.",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())), "",
             "Cells: median (min-max) over processes; [ratio to gradtape eager].", "",
             "| workload | metric | " + " | ".join(cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for w in workloads:
        stats = {c: summarize(raw.get((w, c), [])) for c in cols}
        metrics: list = []
        for c in cols:
            for m in stats[c]:
                if m not in metrics:
                    metrics.append(m)
        if not metrics:
            notes = {c: (raw.get((w, c)) or [{}])[0] for c in cols}
            lines.append(f"| {WORKLOADS[w]} | - | " + " | ".join(
                (n.get("skip") or n.get("error") or "n/a")[:40] for n in notes.values()) + " |")
            continue
        for m in metrics:
            ref = stats.get("gradtape", {}).get(m)
            cells = []
            for c in cols:
                s = stats[c].get(m)
                if s is None:
                    first = (raw.get((w, c)) or [{}])[0]
                    why = first.get("skip") or first.get("error")
                    cells.append(("n/a: " + why[:30]) if why else "n/a")
                    continue
                cell = f"{fmt(s[0])} ({fmt(s[1])}-{fmt(s[2])})"
                if ref and c != "gradtape":
                    cell += f" [{s[0] / ref[0]:.2f}x]"
                cells.append(cell)
            lines.append(f"| {WORKLOADS[w]} | {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
