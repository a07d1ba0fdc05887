"""The model workloads (h-k, see models_keras.py) in JAX under ``jax.jit``, written by hand (no Flax):
same architecture, shapes and batch; Adam by hand; batch statistics in BatchNormalization."""
from __future__ import annotations

import gc

import common as C
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax


def _glorot(rng, shape):
    lim = np.sqrt(6 / (shape[-2] * int(np.prod(shape[:-2] or [1])) + shape[-1]))
    return jnp.asarray(rng.uniform(-lim, lim, shape).astype(np.float32))


def _z(*s):
    return jnp.zeros(s, jnp.float32)


def init(name):
    rng = np.random.default_rng(0)
    if name == "h":
        p = {}
        for i, (ci, co) in enumerate([(3, 32), (32, 32), (32, 64), (64, 64)]):
            p[f"c{i}"] = _glorot(rng, (3, 3, ci, co))
            p[f"g{i}"], p[f"b{i}"] = jnp.ones(co), _z(co)
        p["w"], p["wb"] = _glorot(rng, (64, 10)), _z(10)
        return p
    if name in ("i", "j"):
        g = 4 if name == "i" else 3
        U = C.RNN_UNITS
        return {"emb": jnp.asarray(rng.uniform(-0.05, 0.05, (C.RNN_VOCAB, C.RNN_EMBED)).astype(np.float32)),
                "k": _glorot(rng, (C.RNN_EMBED, g * U)), "r": _glorot(rng, (U, g * U)),
                "b": _z(g * U) if name == "i" else _z(2, g * U), "w": _glorot(rng, (U, 2)), "wb": _z(2)}
    D, F = C.TR_D, C.TR_FFN
    return {"qkv": _glorot(rng, (D, 3 * D)), "qkvb": _z(3 * D), "o": _glorot(rng, (D, D)), "ob": _z(D),
            "g1": jnp.ones(D), "b1": _z(D), "f1": _glorot(rng, (D, F)), "f1b": _z(F),
            "f2": _glorot(rng, (F, D)), "f2b": _z(D), "g2": jnp.ones(D), "b2": _z(D),
            "w": _glorot(rng, (D, 2)), "wb": _z(2)}


def _ln(x, g, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / jnp.sqrt(v + 1e-5) * g + b


def forward(name, p, x):
    if name == "h":
        for i in range(4):
            x = lax.conv_general_dilated(x, p[f"c{i}"], (1, 1), "SAME",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
            m = x.mean((0, 1, 2))
            v = ((x - m) ** 2).mean((0, 1, 2))
            x = jax.nn.relu((x - m) / jnp.sqrt(v + 1e-3) * p[f"g{i}"] + p[f"b{i}"])
            if i in (1, 3):
                x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        return x.mean((1, 2)) @ p["w"] + p["wb"]
    if name in ("i", "j"):
        e = p["emb"][x]                                  # B, T, E
        U = C.RNN_UNITS
        if name == "i":
            xs = jnp.einsum("bte,eg->tbg", e, p["k"]) + p["b"]

            def cell(carry, xt):
                h, c = carry
                z = xt + h @ p["r"]
                i, f, g, o = jnp.split(z, 4, -1)
                c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
                h = jax.nn.sigmoid(o) * jnp.tanh(c)
                return (h, c), None
            (h, _), _ = lax.scan(cell, (_z(x.shape[0], U), _z(x.shape[0], U)), xs)
        else:
            xs = jnp.einsum("bte,eg->tbg", e, p["k"]) + p["b"][0]

            def cell(h, xt):
                hr = h @ p["r"] + p["b"][1]
                xz, xr, xh = jnp.split(xt, 3, -1)
                rz, rr, rh = jnp.split(hr, 3, -1)
                z = jax.nn.sigmoid(xz + rz)
                r = jax.nn.sigmoid(xr + rr)
                hh = jnp.tanh(xh + r * rh)
                return z * h + (1 - z) * hh, None
            h, _ = lax.scan(cell, _z(x.shape[0], U), xs)
        return h @ p["w"] + p["wb"]
    B, T, D, H = C.TR_BATCH, C.TR_LEN, C.TR_D, C.TR_HEADS
    qkv = (x @ p["qkv"] + p["qkvb"]).reshape(B, T, 3, H, D // H).transpose(2, 0, 3, 1, 4)
    a = jax.nn.softmax(qkv[0] @ qkv[1].swapaxes(-1, -2) * (1.0 / (D // H) ** 0.5), axis=-1)
    o = (a @ qkv[2]).transpose(0, 2, 1, 3).reshape(B, T, D)
    x = _ln(x + o @ p["o"] + p["ob"], p["g1"], p["b1"])
    x = _ln(x + jax.nn.relu(x @ p["f1"] + p["f1b"]) @ p["f2"] + p["f2b"], p["g2"], p["b2"])
    return x.mean(1) @ p["w"] + p["wb"]


def run(name):
    xv, yv = C.model_data(name)
    x, y = jnp.asarray(xv), jnp.asarray(yv)
    p = init(name)
    m = jax.tree_util.tree_map(jnp.zeros_like, p)
    v = jax.tree_util.tree_map(jnp.zeros_like, p)

    def loss(p, x, y):
        logits = forward(name, p, x)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))

    @jax.jit
    def step(p, m, v, t, x, y):
        lv, g = jax.value_and_grad(loss)(p, x, y)
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        lr = 1e-3 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        p = jax.tree_util.tree_map(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + 1e-7), p, m, v)
        return p, m, v, lv
    state = [p, m, v, 1.0]

    def one():
        p, m, v, t = state
        p, m, v, lv = step(p, m, v, t, x, y)
        state[:] = [p, m, v, t + 1]
        lv.block_until_ready()
    gc.collect()
    C.reset_hwm()
    base = C.vm_hwm_mib()
    one()
    t = C.timeit(one, min_time=0.5, repeat=2)
    return {"ms/step": t * 1e3, "step peak MiB": C.vm_hwm_mib() - base}
