"""JAX (CPU), op by op and under ``jax.jit``."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

import numpy as np  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_platforms", "cpu")


def _j(fn, mode):
    return jax.jit(fn) if mode == "jit" else fn


def _block(x):
    return jax.block_until_ready(x)


def chain(mode):
    def run(y):
        for _ in range(C.CHAIN):
            y = jnp.sin(y) * 1.01 + 0.1
        return y
    f, g = _j(run, mode), _j(jax.grad(run), mode)
    x = jnp.float32(0.5)
    n = 3 * C.CHAIN
    return {"not recorded us/op": C.timeit(lambda: _block(f(x))) / n * 1e6,
            "with gradient us/op": C.timeit(lambda: _block(g(x)), min_time=0.5 if mode == "jit" else 2.0)
            / n * 1e6}


def _loss(params, x, labels):
    w1, b1, w2, b2, w3, b3 = params
    h = jax.nn.relu(x @ w1 + b1)
    h = jax.nn.relu(h @ w2 + b2)
    logits = h @ w3 + b3
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))


def mlp(mode):
    x, labels, params = C.mlp_data()
    x, labels = jnp.asarray(x), jnp.asarray(labels)
    state = [jnp.asarray(p) for p in params]

    def step(state, x, labels):
        loss, gs = jax.value_and_grad(_loss)(state, x, labels)
        return [p - 0.01 * g for p, g in zip(state, gs)], loss
    s = _j(step, mode)

    def run():
        nonlocal state
        state, loss = s(state, x, labels)
        _block(loss)
    return {"ms/step": C.timeit(run, min_time=1.0, repeat=5) * 1e3}


def adam(mode):
    xv, yv = C.adam_data()
    x, y = jnp.asarray(xv), jnp.asarray(yv)
    loss = lambda p: jnp.mean(jnp.square(p[0] * x + p[1] - y))  # noqa: E731

    def step(p, m, v, t):
        g = jax.grad(loss)(p)
        alpha = 0.05 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        m = m + (g - m) * 0.1
        v = v + (g * g - v) * 0.001
        return p - alpha * m / (jnp.sqrt(v) + 1e-7), m, v
    s = _j(step, mode)
    steps = C.ADAM_STEPS if mode == "jit" else 50

    def train():
        p = m = v = jnp.zeros(2, jnp.float32)
        for t in range(1, steps + 1):
            p, m, v = s(p, m, v, jnp.float32(t))
        return _block(p)
    return {"us/step": C.timeit(train, min_time=0.5) / steps * 1e6}


def sgd(mode):
    xd, yd, idx = C.sgd_data()
    loss = lambda p, xb, yb: jnp.sum(jnp.square(p[0] * xb + p[1] - yb)) / C.SGD_BATCH  # noqa: E731
    s = _j(lambda p, xb, yb: p - 1e-3 * jax.grad(loss)(p, xb, yb), mode)
    steps = C.SGD_STEPS if mode == "jit" else 100

    def train():
        p = jnp.zeros(2, jnp.float32)
        for i in range(steps):
            j = idx[i]
            p = s(p, xd[j], yd[j])
        return _block(p)
    return {"us/step": C.timeit(train, min_time=0.5, repeat=2) / steps * 1e6}


def memory(mode):
    C.reset_hwm()
    base = C.vm_hwm_mib()
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((C.MEM_BATCH, C.MEM_WIDTH)).astype(np.float32))
    ws, bs = [], []
    for _ in range(C.MEM_LAYERS):
        w = (rng.standard_normal((C.MEM_WIDTH, C.MEM_WIDTH)) / np.sqrt(C.MEM_WIDTH)).astype(np.float32)
        ws.append(jnp.asarray(w))
        del w
        bs.append(jnp.zeros(C.MEM_WIDTH, jnp.float32))

    def f(params, x):
        h = x
        for w, b in zip(*params):
            h = jax.nn.relu(h @ w + b)
        return jnp.mean(h)
    g = _j(jax.grad(f), mode)
    grads = _block(g((ws, bs), x))
    del grads
    return {"peak MiB above import": C.vm_hwm_mib() - base}


def jac(mode):
    wv, xv = C.jac_data()
    w, x = jnp.asarray(wv), jnp.asarray(xv)
    j = _j(jax.jacrev(lambda x: jnp.tanh(w @ x)), mode)
    return {"ms": C.timeit(lambda: _block(j(x)), min_time=0.5) * 1e3}


W = {}
for _m in ("eager", "jit"):
    for _n, _f in dict(a=chain, b=mlp, c=adam, d=sgd, e=memory, g=jac).items():
        W[(_n, _m)] = (lambda fn, m: (lambda: fn(m)))(_f, _m)

for _n in "hijk":     # model workloads (jit only)
    W[(_n, "jit")] = (lambda n: (lambda: __import__("models_jax").run(n)))(_n)

if __name__ == "__main__":
    C.main(W)
