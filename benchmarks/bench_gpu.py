"""Training-step benchmark on a GPU: gradtape on the GPU vs the same step on the CPU vs CuPy by hand.

    python benchmarks/bench_gpu.py [--repeat 5] [--steps 20] [--workloads mlp,digits_cnn,large_cnn]
    python benchmarks/bench_gpu.py --check          # correctness only (runs without a GPU too)

Workloads (one SGD step each: forward, softmax cross-entropy, backward, update):

* ``mlp``        784-512-512-10 ReLU MLP, batch 128 (as ``bench_core.py``).
* ``digits_cnn`` the digits CNN of ``examples/digits_cnn.py``: 8x8x1, Conv(32)-Pool-Conv(64)-Pool-Dense(10), batch 64.
* ``large_cnn``  32x32x3, Conv(32)-Pool-Conv(64)-Pool-Conv(128)-Pool-Dense(10), batch 64.

Columns: gradtape on the CPU (NumPy), gradtape on ``/GPU:0`` (CuPy), and the same step written by
hand against the array module (``xp`` = CuPy; im2col convolutions, the algorithm gradtape uses), in
milliseconds per step (median over ``--repeat`` runs of ``--steps`` steps, the GPU synchronised
at the end of each run). The hand-written step also runs on NumPy, and ``--check`` verifies it
against gradtape's CPU step, and gradtape's GPU step against its CPU step (same weights after one
step), so the three columns compute the same thing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import numpy as np

import gradtape as tf
import gradtape.devices as gdevices

LR = 0.05

WORKLOADS: Dict[str, dict] = {
    "mlp": {"input": (784,), "batch": 128, "convs": [], "dense": [512, 512]},
    "digits_cnn": {"input": (8, 8, 1), "batch": 64, "convs": [32, 64], "dense": []},
    "large_cnn": {"input": (32, 32, 3), "batch": 64, "convs": [32, 64, 128], "dense": []},
}


# -- gradtape ------------------------------------------------------------------------------------

def build_model(spec: dict) -> Any:
    tf.keras.utils.set_random_seed(0)
    layers = [tf.keras.Input(spec["input"])]
    for c in spec["convs"]:
        layers += [tf.keras.layers.Conv2D(c, 3, padding="same", activation="relu"), tf.keras.layers.MaxPooling2D()]
    if spec["convs"]:
        layers.append(tf.keras.layers.Flatten())
    for d in spec["dense"]:
        layers.append(tf.keras.layers.Dense(d, activation="relu"))
    layers.append(tf.keras.layers.Dense(10))
    return tf.keras.Sequential(layers)


def data(spec: dict, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(spec["batch"],) + spec["input"]).astype(np.float32)
    y = rng.integers(0, 10, size=spec["batch"]).astype(np.int32)
    return x, y


def gradtape_step(spec: dict, device: Optional[str]) -> tuple:
    """``(step, model)``: a function running one SGD step of ``spec`` on ``device`` (None: CPU)."""
    ctx = tf.device(device) if device else tf.device("/CPU:0")
    with ctx:
        model = build_model(spec)
        opt = tf.keras.optimizers.SGD(LR)
        x, y = data(spec)
        x, y = tf.constant(x), tf.constant(y)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def step() -> Any:
        with (tf.device(device) if device else tf.device("/CPU:0")):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return step, model


# -- by hand ---------------------------------------------------------------------------------------

class HandStep:
    """The same SGD step written directly against ``xp`` (NumPy or CuPy), from the model's initial
    weights: im2col convolution (same padding, 3x3, stride 1), 2x2 max pooling (first maximum
    takes the gradient, as TF), dense layers, softmax cross-entropy averaged over the batch."""

    def __init__(self, spec: dict, xp: Any, weights: List[np.ndarray]):
        self.xp = xp
        self.spec = spec
        self.w = [xp.asarray(w) for w in weights]
        x, y = data(spec)
        self.x = xp.asarray(x)
        self.y = xp.asarray(y)

    def _windows(self, xpad: Any, h: int, w: int) -> Any:
        xp = self.xp
        v = xp.lib.stride_tricks.sliding_window_view(xpad, (3, 3), axis=(1, 2))   # (B, h, w, C, 3, 3)
        return v.transpose(0, 1, 2, 4, 5, 3)

    def __call__(self) -> Any:
        xp = self.xp
        ws = self.w
        acts = []
        h = self.x
        k = 0
        for _ in self.spec["convs"]:
            wk, bk = ws[k], ws[k + 1]
            b_, hh, ww, c = h.shape
            xpad = xp.zeros((b_, hh + 2, ww + 2, c), dtype=h.dtype)
            xpad[:, 1:-1, 1:-1, :] = h
            cols = self._windows(xpad, hh, ww).reshape(b_ * hh * ww, 9 * c)
            z = (cols @ wk.reshape(9 * c, -1) + bk).reshape(b_, hh, ww, -1)
            a = xp.maximum(z, 0)
            t = a.reshape(b_, hh // 2, 2, ww // 2, 2, -1).transpose(0, 1, 3, 5, 2, 4).reshape(
                b_, hh // 2, ww // 2, a.shape[-1], 4)
            idx = t.argmax(axis=-1)
            p = xp.take_along_axis(t, idx[..., None], axis=-1)[..., 0]
            acts.append(("conv", h.shape, cols, z, idx, a.shape))
            h = p
            k += 2
        if self.spec["convs"]:
            acts.append(("flatten", h.shape))
            h = h.reshape(h.shape[0], -1)
        for _ in self.spec["dense"]:
            z = h @ ws[k] + ws[k + 1]
            acts.append(("dense", h, z))
            h = xp.maximum(z, 0)
            k += 2
        logits = h @ ws[k] + ws[k + 1]
        m = logits.max(axis=1, keepdims=True)
        e = xp.exp(logits - m)
        probs = e / e.sum(axis=1, keepdims=True)
        n = logits.shape[0]
        loss = -xp.log(probs[xp.arange(n), self.y]).mean()
        # backward
        g = probs
        g[xp.arange(n), self.y] -= 1
        g /= n
        grads: List[Any] = [None] * len(ws)
        grads[k], grads[k + 1] = h.T @ g, g.sum(axis=0)
        g = g @ ws[k].T
        for rec in reversed(acts):
            if rec[0] == "dense":
                _, hin, z = rec
                k -= 2
                g = g * (z > 0)
                grads[k], grads[k + 1] = hin.T @ g, g.sum(axis=0)
                g = g @ ws[k].T
            elif rec[0] == "flatten":
                g = g.reshape(rec[1])
            else:
                _, xshape, cols, z, idx, ashape = rec
                k -= 2
                b_, hh, ww, c = xshape
                co = ashape[-1]
                onehot = (idx[..., None] == xp.arange(4)) * g[..., None]          # (B, h/2, w/2, C, 4)
                ga = onehot.reshape(b_, hh // 2, ww // 2, co, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(ashape)
                gz = (ga * (z > 0)).reshape(b_ * hh * ww, co)
                grads[k], grads[k + 1] = (cols.T @ gz).reshape(ws[k].shape), gz.sum(axis=0)
                if k == 0:
                    break
                dcols = (gz @ ws[k].reshape(9 * c, co).T).reshape(b_, hh, ww, 3, 3, c)
                dxp = xp.zeros((b_, hh + 2, ww + 2, c), dtype=gz.dtype)
                for i in range(3):
                    for j in range(3):
                        dxp[:, i:i + hh, j:j + ww, :] += dcols[:, :, :, i, j, :]
                g = dxp[:, 1:-1, 1:-1, :]
        self.w = [w - LR * gw for w, gw in zip(ws, grads)]
        return loss


# -- timing ----------------------------------------------------------------------------------------

def _sync_gpu() -> None:
    gdevices.synchronize("GPU")


def time_steps(step: Callable[[], Any], steps: int, repeat: int, sync: Callable[[], None]) -> float:
    step()                                   # warm-up (slots, kernel compilation)
    sync()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        runs.append((time.perf_counter() - t0) / steps * 1e3)
    return statistics.median(runs)


def check(names: List[str], gpu: bool) -> None:
    """gradtape CPU == by hand (NumPy); gradtape GPU == gradtape CPU (after one step)."""
    for name in names:
        spec = WORKLOADS[name]
        step, model = gradtape_step(spec, None)
        w0 = [w.numpy() for w in model.weights]
        loss = float(step())
        hand = HandStep(spec, np, w0)
        hloss = float(hand())
        np.testing.assert_allclose(hloss, loss, rtol=1e-4, err_msg=f"{name}: loss by hand vs gradtape")
        for a, b in zip(hand.w, model.weights):
            np.testing.assert_allclose(a, b.numpy(), rtol=1e-3, atol=1e-5, err_msg=f"{name}: weights by hand")
        if gpu:
            gstep, gmodel = gradtape_step(spec, "/GPU:0")
            gloss = float(gstep())
            np.testing.assert_allclose(gloss, loss, rtol=1e-4, err_msg=f"{name}: GPU loss vs CPU")
            for a, b in zip(gmodel.weights, model.weights):
                assert a.device.endswith("GPU:0"), a.device
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-5,
                                           err_msg=f"{name}: GPU weights vs CPU")
        print(f"check {name}: ok (loss {loss:.5f})")


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--workloads", default=",".join(WORKLOADS))
    p.add_argument("--check", action="store_true", help="only check that the variants agree")
    a = p.parse_args(argv)
    names = [n for n in a.workloads.split(",") if n]
    gpus = tf.config.list_physical_devices("GPU")
    if a.check:
        check(names, bool(gpus))
        return 0
    if not gpus:
        print("bench_gpu: no GPU (CuPy not installed or no CUDA device); run `make gpu-check` on a GPU machine.")
        return 2
    import cupy
    dev = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    print(f"GPU: {dev}; CuPy {cupy.__version__}; NumPy {np.__version__}; {a.steps} steps x {a.repeat} runs")
    print("| workload | gradtape CPU (ms) | gradtape GPU (ms) | CuPy by hand (ms) | GPU speed-up | gradtape / by hand |")
    print("|---|---|---|---|---|---|")
    for name in names:
        spec = WORKLOADS[name]
        cpu_step, model = gradtape_step(spec, None)
        w0 = [w.numpy() for w in model.weights]
        t_cpu = time_steps(cpu_step, max(1, a.steps // 4), a.repeat, lambda: None)
        gpu_step, _ = gradtape_step(spec, "/GPU:0")
        t_gpu = time_steps(gpu_step, a.steps, a.repeat, _sync_gpu)
        hand = HandStep(spec, cupy, w0)
        t_hand = time_steps(hand, a.steps, a.repeat, lambda: cupy.cuda.Device().synchronize())
        print(f"| {name} | {t_cpu:.2f} | {t_gpu:.2f} | {t_hand:.2f} | {t_cpu / t_gpu:.1f}x | {t_gpu / t_hand:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
