"""Differential fuzzer for ``gradtape.function``: random programs run compiled and eagerly.

A program is a list of instructions over a pool of tensors (two float inputs ``x``, ``y``, an int
vector ``ids``, a Python float ``s``, two Variables). Each program runs in two worlds with their
own Variables: eager (the Python function) and compiled (``gradtape.function`` of it). Over
several calls (new values, a new Python float, sometimes a new shape) the worlds must agree on:
outputs, gradients under a tape (inputs and Variables; of all outputs, and of the first output
alone; under persistent and non-persistent tapes), second-order gradients under nested tapes,
Variable states after every call, the random stream (draws inside and after the program), and
exceptions (same type). A failing program is shrunk (instructions dropped one at a time while it
still fails) and printed as Python.

    python -m tests.fuzz.function_fuzz --programs 10000 --seed 0      (or scripts/fuzz_function.py)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import traceback
import warnings
from typing import Any, Optional

import numpy as np

import gradtape as tf

N = 4   # default vector length

UNARY = {
    "sin": lambda a: tf.sin(a), "cos": lambda a: tf.cos(a), "tanh": lambda a: tf.tanh(a),
    "sigmoid": lambda a: tf.sigmoid(a), "square": lambda a: tf.square(a),
    "abs": lambda a: tf.abs(a), "neg": lambda a: -a, "relu": lambda a: tf.nn.relu(a),
    "softplus": lambda a: tf.nn.softplus(a), "identity": lambda a: tf.identity(a),
    "exp_t": lambda a: tf.exp(tf.tanh(a)), "log1": lambda a: tf.math.log(tf.abs(a) + 1.0),
    "sqrt1": lambda a: tf.sqrt(tf.abs(a) + 1.0), "scale": lambda a: a * 1.5 + 0.25,
    "stopg": lambda a: tf.stop_gradient(a), "clip": lambda a: tf.clip_by_value(a, -0.5, 0.7),
    "cumsum": lambda a: tf.cumsum(a), "reverse": lambda a: tf.reverse(a, [0]),
    "sum_b": lambda a: a + tf.reduce_sum(a), "mean_b": lambda a: a - tf.reduce_mean(a),
    "max_b": lambda a: a * tf.reduce_max(a), "lse_b": lambda a: a + tf.reduce_logsumexp(a * 3.0),
    "fill": lambda a: tf.fill([int(a.shape[0])], tf.reduce_sum(a)),
    "const": lambda a: tf.constant(a * 2.0),
    "zeros_shape": lambda a: tf.zeros(tf.shape(a)) + a,
    "softmax": lambda a: tf.nn.softmax(a),
    "pad_reflect": lambda a: tf.pad(a, [[1, 1]], mode="REFLECT")[1:-1] * 2.0,
    "tdiv": lambda a: tf.truncatediv(a * 4.0, 3.0),
    "nnz": lambda a: a * tf.cast(tf.math.count_nonzero(tf.nn.relu(a)), a.dtype),
    "concat_self": lambda a: tf.reduce_sum(tf.reshape(tf.concat([a, a], 0), [2, -1]), axis=0),
    "sort": lambda a: tf.sort(a),
    "where_pos": lambda a: tf.where(a > 0.0, a, a * 0.1),
    # Python reads a value: compiled or not, the result must be eager's
    "index_t": lambda a: a + a[tf.cast(tf.reduce_sum(tf.abs(a)), tf.int32) % int(a.shape[0])],
    "slice_t": lambda a: a + tf.reduce_sum(a[:tf.cast(tf.reduce_sum(tf.abs(a)), tf.int32) % 3 + 1]),
    "py_if": lambda a: a * 2.0 if float(tf.reduce_sum(a)) > 0 else a - 1.0,
    "matmul": lambda a: tf.reshape(tf.matmul(tf.reshape(a, [2, -1]), tf.reshape(a, [2, -1]),
                                             transpose_b=True), [-1]) + tf.reduce_sum(a),
    "transpose": lambda a: tf.reshape(tf.transpose(tf.reshape(a, [2, -1])), [-1]),
    "custom": lambda a: _half_grad(a) * 3.0,
}


@tf.custom_gradient
def _half_grad(x):
    def grad(g):
        return g * 0.5
    return tf.identity(x), grad



BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (tf.abs(b) + 1.0), "max": lambda a, b: tf.maximum(a, b),
    "min": lambda a, b: tf.minimum(a, b), "where": lambda a, b: tf.where(a > b, a, b),
    "stack_sum": lambda a, b: tf.reduce_sum(tf.stack([a, b]), axis=0),
    "dot_b": lambda a, b: a * tf.reduce_sum(a * b),
}
INDEXED = {
    "gather": lambda a, ids: tf.gather(a, ids),
    "embed": lambda a, ids: tf.nn.embedding_lookup(a, ids),
    "scatter_upd": lambda a, ids: tf.tensor_scatter_nd_update(a, tf.reshape(ids[:1], [1, 1]),
                                                              tf.reshape(a[0] * 3.0, [1])),
    "bmask": lambda a, ids: tf.boolean_mask(a, tf.equal(tf.range(int(a.shape[0])) % 2,
                                                        ids[0] % 2)),
    "onehot": lambda a, ids: a * tf.reduce_sum(tf.one_hot(ids, int(a.shape[0]), dtype=a.dtype),
                                               axis=0),
}
RANDOM = {
    "normal": lambda a: a + tf.random.normal([int(a.shape[0])]),
    "uniform": lambda a: a * tf.random.uniform([int(a.shape[0])]),
    "shuffle": lambda a: tf.random.shuffle(a),
    "dead_normal": lambda a: (tf.random.normal([2]), a)[1],
    "dropout": lambda a: tf.nn.dropout(a, 0.5),
}
#: Instructions with the world (state: Variables, a captured tensor, layers, an optimizer, a metric)
STATEFUL = ["assign", "read", "capture", "div_s", "metric", "opt_step", "dense", "bn"]


class Program:
    """``instrs``: tuples ``(kind, name, operand indices...)`` appending one value to the pool."""

    def __init__(self, instrs: list, outs: list, reshape_last: bool):
        self.instrs = instrs
        self.outs = outs
        self.reshape_last = reshape_last

    def source(self) -> str:
        lines = ["def prog(x, y, ids, s):  # v0 = x, v1 = y, v2 = s * x"]
        for i, ins in enumerate(self.instrs):
            kind, name, *a = ins
            dst = f"v{i + 3}"
            if kind == "un":
                lines.append(f"    {dst} = {name}(v{a[0]})")
            elif kind == "bin":
                lines.append(f"    {dst} = {name}(v{a[0]}, v{a[1]})")
            elif kind == "idx":
                lines.append(f"    {dst} = {name}(v{a[0]}, ids)")
            elif kind == "rand":
                lines.append(f"    {dst} = {name}(v{a[0]})")
            elif kind == "assign":
                lines.append(f"    {dst} = {name}.assign_add(v{a[0]} * 0.125) ; read {name}")
            elif kind == "read":
                lines.append(f"    {dst} = {name}.read_value() * v{a[0]}")
            elif kind == "state":
                lines.append(f"    {dst} = {name}(v{a[0]})")
        lines.append(f"    return {', '.join(f'v{o}' for o in self.outs)}")
        return "\n".join(lines)


def generate(rng: np.random.Generator) -> Program:
    n_instr = int(rng.integers(1, 9))
    instrs = []
    pool = 3
    for _ in range(n_instr):
        r = rng.random()
        pick = lambda: int(rng.integers(0, pool))  # noqa: E731
        if r < 0.42:
            instrs.append(("un", str(rng.choice(list(UNARY))), pick()))
        elif r < 0.70:
            instrs.append(("bin", str(rng.choice(list(BINARY))), pick(), pick()))
        elif r < 0.78:
            instrs.append(("idx", str(rng.choice(list(INDEXED))), pick()))
        elif r < 0.85:
            instrs.append(("rand", str(rng.choice(list(RANDOM))), pick()))
        elif r < 0.90:
            instrs.append(("assign", str(rng.choice(["v", "w"])), pick()))
        elif r < 0.94:
            instrs.append(("read", str(rng.choice(["v", "w", "u"])), pick()))
        else:
            instrs.append(("state", str(rng.choice(STATEFUL[2:])), pick()))
        pool += 1
    k = int(rng.integers(1, 4))
    outs = [int(rng.integers(max(0, pool - 4), pool)) for _ in range(k)]
    if rng.random() < 0.15:
        outs.append(outs[0])          # the same tensor returned twice
    return Program(instrs, outs, bool(rng.random() < 0.2))


class World:
    """One world's Variables and the Python function that interprets the program."""

    def __init__(self, prog: Program):
        self.v = tf.Variable(np.linspace(-1, 1, N).astype(np.float32), name="v")
        self.w = tf.Variable(np.linspace(0.5, 2, N).astype(np.float32), name="w")
        self.u = tf.Variable(np.full(N, 0.5, np.float32), trainable=False, name="u")
        self.c = tf.constant(np.linspace(1, 2, N).astype(np.float32))     # a captured tensor
        self.dense = tf.keras.layers.Dense(N, kernel_initializer="glorot_uniform")
        self.bn = tf.keras.layers.BatchNormalization()
        self.opt = tf.keras.optimizers.SGD(0.1)
        self.metric = tf.keras.metrics.Mean()
        self.prog = prog

    def variables(self) -> list:
        return [self.v, self.w, self.u]

    def state(self) -> list:
        out = [self.v, self.w, self.u] + list(self.dense.weights) + list(self.bn.weights)
        return [_np(x) for x in out] + [_np(self.metric.result())]

    def stateful(self, name: str, a: Any, s: float) -> Any:
        if name == "capture":
            return a * self.c if a.shape == self.c.shape else a
        if name == "div_s":
            return a / s
        if name == "metric":
            self.metric.update_state(a)
            return a
        if name == "opt_step":
            if a.shape == self.w.shape:
                self.opt.apply_gradients([(a * 0.5, self.w)])
            return self.w.read_value() * 1.0
        if name == "dense":
            return tf.reshape(self.dense(tf.reshape(a, [1, -1])), [-1])
        return tf.reshape(self.bn(tf.reshape(a, [-1, 1]), training=True), [-1])

    def __call__(self, x: Any, y: Any, ids: Any, s: float) -> Any:
        pool = [x, y, x * s]
        for kind, name, *a in self.prog.instrs:
            if kind == "un":
                out = UNARY[name](pool[a[0]])
            elif kind == "bin":
                out = BINARY[name](pool[a[0]], pool[a[1]])
            elif kind == "idx":
                out = INDEXED[name](pool[a[0]], ids)
            elif kind == "rand":
                out = RANDOM[name](pool[a[0]])
            elif kind == "assign":
                var = getattr(self, name)
                src = pool[a[0]]
                if src.shape == var.shape:
                    var.assign_add(src * 0.125)
                out = var.read_value() + 0.0
            elif kind == "read":
                var = getattr(self, name)
                src = pool[a[0]]
                out = var * src if src.shape == var.shape else var.read_value() * 1.0
            else:
                out = self.stateful(name, pool[a[0]], s)
            pool.append(out)
        res = tuple(pool[o] for o in self.prog.outs)
        return res if len(res) > 1 else res[0]


def _np(v: Any) -> Any:
    return None if v is None else np.asarray(v.numpy() if hasattr(v, "numpy") else v)


def _same(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(a, b))


def _flat(out: Any) -> list:
    return list(out) if isinstance(out, tuple) else [out]


def _call(world: World, fn: Any, mode: str, args: tuple) -> dict:
    """One call in one world: what it returned, its gradients, the Variables after it."""
    x, y = args[0], args[1]
    rec: dict = {}
    try:
        if mode == "plain":
            out = fn(*args)
            rec["out"] = [_np(o) for o in _flat(out)]
        elif mode == "jacobian":
            with tf.GradientTape(persistent=True) as t:
                t.watch(x)
                out = fn(*args)
            first = _flat(out)[0]
            rec["out"] = [_np(o) for o in _flat(out)]
            if first.dtype.is_floating:
                rec["jac"] = _np(t.jacobian(first, x))
        elif mode == "tape":
            with tf.GradientTape(persistent=True) as t:
                t.watch([x, y, world.u, world.c])
                out = fn(*args)
                flat = _flat(out)
                loss = tf.add_n([tf.reduce_sum(o * float(i + 1)) for i, o in enumerate(flat)
                                 if o.dtype.is_floating]) if any(o.dtype.is_floating for o in flat) \
                    else None
            rec["out"] = [_np(o) for o in flat]
            if loss is not None:
                rec["grads"] = [_np(g) for g in t.gradient(loss, [x, y, world.c] + world.variables())]
                # one output only: the others get no gradient (None where only they reach)
                first = [o for o in flat if o.dtype.is_floating][0]
                rec["grads1"] = [_np(g) for g in t.gradient(first, [x, y, world.c] + world.variables())]
        elif mode == "tape1":
            watched = [x, y, world.u, world.c]
            sources = [x, y, world.c] + world.variables()
            with tf.GradientTape() as t:
                t.watch(watched)
                out = fn(*args)
                flat = _flat(out)
                floats = [o for o in flat if o.dtype.is_floating]
                loss = tf.add_n([tf.reduce_sum(o * float(i + 1)) for i, o in enumerate(flat)
                                 if o.dtype.is_floating]) if floats else None
            rec["out"] = [_np(o) for o in flat]
            if loss is not None:
                rec["grads"] = [_np(g) for g in t.gradient(loss, sources)]
                with tf.GradientTape() as t:    # a second call: the gradient of one output
                    t.watch(watched)
                    first = [o for o in _flat(fn(*args)) if o.dtype.is_floating][0]
                rec["grads1"] = [_np(g) for g in t.gradient(first, sources)]
        else:   # nested: second order with respect to x
            with tf.GradientTape() as t2:
                t2.watch(x)
                with tf.GradientTape() as t1:
                    t1.watch([x, y])
                    out = fn(*args)
                    flat = [o for o in _flat(out) if o.dtype.is_floating]
                    loss = tf.add_n([tf.reduce_sum(tf.sin(o) * float(i + 1)) for i, o in enumerate(flat)]) \
                        if flat else None
                if loss is not None:
                    g = t1.gradient(loss, x)
                    gsum = tf.reduce_sum(g) if g is not None else None
            rec["out"] = [_np(o) for o in _flat(out)]
            if loss is not None:
                rec["g1"] = _np(g)
                rec["g2"] = _np(t2.gradient(gsum, x)) if gsum is not None else None
    except Exception as e:  # noqa: BLE001
        rec["error"] = type(e).__name__
    rec["vars"] = world.state()
    return rec


def _calls(rng: np.random.Generator, prog: Program) -> list:
    """The argument sets and modes of one program's calls (the same in both worlds)."""
    calls = []
    n_calls = 5
    for i in range(n_calls):
        n = N + 1 if (prog.reshape_last and i == n_calls - 1) else N
        x = rng.standard_normal(n).astype(np.float32)
        y = rng.standard_normal(n).astype(np.float32)
        if rng.random() < 0.1:
            y = x          # the same tensor for two parameters
        ids = rng.integers(0, n, size=3).astype(np.int32)
        if rng.random() < 0.05:
            ids[1] = int(rng.choice([-1, n]))   # out of range: both worlds must raise
        s = [0.5, 0.5, float(rng.choice([-1.25, 0.0, -0.0])), 0.5, 2.0][i]
        mode = str(rng.choice(["plain", "tape", "nested", "jacobian"], p=[0.35, 0.3, 0.25, 0.1]))
        if mode == "tape" and i % 2:
            mode = "tape1"     # non-persistent tapes, one gradient each
        as_numpy = bool(rng.random() < 0.15)
        calls.append((x, y, ids, s, mode, as_numpy))
    return calls


def check(prog: Program, seed: int) -> tuple:
    """Run ``prog`` in both worlds. Returns (mismatch description or None, fell_back, speed-up)."""
    calls = _calls(np.random.default_rng(seed), prog)
    results = []
    fell_back = False
    timings = {}
    for compiled in (False, True):
        world = World(prog)
        fn = tf.function(world) if compiled else world
        tf.random.set_seed(seed)
        per_call = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for x, y, ids, s, mode, as_numpy in calls:
                xt = tf.constant(x)
                yt = xt if y is x else tf.constant(y)
                if as_numpy and mode == "plain":
                    args = (x, y, ids, s)
                else:
                    args = (xt, yt, tf.constant(ids), s)
                per_call.append(_call(world, fn, mode, args))
            after = tf.random.normal([2]).numpy()
            # speed: plain calls on the first call's arguments (after the traces)
            x, y, ids, s = calls[0][:4]
            args = (tf.constant(x), tf.constant(y), tf.constant(ids), s)
            try:
                fn(*args)
                t0 = time.perf_counter()
                for _ in range(5):
                    fn(*args)
                timings[compiled] = time.perf_counter() - t0
            except Exception:  # noqa: BLE001
                timings[compiled] = None
        if compiled:
            fell_back = fn._eager_reason is not None
        results.append((per_call, after))
    (ea, ea_after), (co, co_after) = results
    for i, (a, b) in enumerate(zip(ea, co)):
        mode = calls[i][4]
        if a.get("error") != b.get("error"):
            return f"call {i} ({mode}): eager error {a.get('error')} vs compiled {b.get('error')}", \
                fell_back, None
        for key in ("out", "grads", "grads1", "g1", "g2", "jac", "vars"):
            av, bv = a.get(key), b.get(key)
            if (av is None) != (bv is None):
                return f"call {i} ({mode}): {key} present in one world only", fell_back, None
            if av is None:
                continue
            if not isinstance(av, list):
                av, bv = [av], [bv]
            if len(av) != len(bv):
                return f"call {i} ({mode}): {key} lengths differ", fell_back, None
            # second-order gradients: the compiled op adds the cotangents of a repeated output
            # in another order than eager; float32 rounding, amplified, stays within 1e-4
            tol = (1e-4, 1e-5) if key == "g2" else (1e-5, 1e-6)
            for j, (p, q) in enumerate(zip(av, bv)):
                if not _same(p, q, *tol):
                    return (f"call {i} ({mode}): {key}[{j}] differs: eager {p!r} vs compiled {q!r}",
                            fell_back, None)
    if not _same(ea_after, co_after):
        return "the random stream after the calls differs", fell_back, None
    te, tc = timings.get(False), timings.get(True)
    speed = te / tc if te and tc else None
    return None, fell_back, speed


def shrink(prog: Program, seed: int) -> Program:
    """Drop instructions (renumbering operands) while the program still fails."""
    def without(p: Program, k: int) -> Optional[Program]:
        idx = k + 3
        instrs = []
        for ins in p.instrs[:k] + p.instrs[k + 1:]:
            kind, name, *a = ins
            a = [x - 1 if x > idx else (0 if x == idx else x) for x in a]
            instrs.append((kind, name, *a))
        outs = [o - 1 if o > idx else (0 if o == idx else o) for o in p.outs]
        return Program(instrs, outs, p.reshape_last)

    changed = True
    while changed:
        changed = False
        for k in range(len(prog.instrs) - 1, -1, -1):
            cand = without(prog, k)
            try:
                bad = check(cand, seed)[0]
            except Exception:  # noqa: BLE001
                bad = None
            if bad:
                prog, changed = cand, True
        for j in range(len(prog.outs) - 1, 0, -1):
            cand = Program(prog.instrs, prog.outs[:j] + prog.outs[j + 1:], prog.reshape_last)
            if check(cand, seed)[0]:
                prog, changed = cand, True
    return prog


def run(programs: int, seed: int = 0, verbose: bool = True, stop_after: int = 5) -> dict:
    rng = np.random.default_rng(seed)
    mismatches, fallbacks, speeds = [], 0, []
    t0 = time.time()
    for i in range(programs):
        prog = generate(rng)
        pseed = int(rng.integers(2 ** 31))
        try:
            bad, fb, speed = check(prog, pseed)
        except Exception:  # noqa: BLE001
            bad, fb, speed = "harness error:\n" + traceback.format_exc(), False, None
        fallbacks += fb
        if speed is not None and not fb:
            speeds.append(speed)
        if bad:
            small = shrink(prog, pseed) if not bad.startswith("harness") else prog
            why = check(small, pseed)[0] or bad
            mismatches.append((i, pseed, small.source(), why))
            if verbose:
                print(f"MISMATCH program {i} (seed {pseed}): {why}\n{small.source()}\n", flush=True)
            if len(mismatches) >= stop_after:
                break
        if verbose and (i + 1) % 500 == 0:
            print(f"{i + 1} programs, {len(mismatches)} mismatches, {time.time() - t0:.0f} s", flush=True)
    done = i + 1 if programs else 0
    report = {"programs": done, "mismatches": len(mismatches),
              "fallback_rate": fallbacks / max(done, 1),
              "median_speedup": statistics.median(speeds) if speeds else None,
              "seconds": time.time() - t0, "details": mismatches}
    return report


def main(argv: Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--programs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stop-after", type=int, default=20, help="stop after this many mismatches")
    args = ap.parse_args(argv)
    rep = run(args.programs, args.seed, stop_after=args.stop_after)
    sp = rep["median_speedup"]
    print(f"{rep['programs']} programs, {rep['mismatches']} mismatches, fallback rate "
          f"{100 * rep['fallback_rate']:.1f}%, median compiled speed-up "
          f"{'n/a' if sp is None else f'{sp:.2f}x'} over eager, {rep['seconds']:.0f} s")
    return 1 if rep["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
