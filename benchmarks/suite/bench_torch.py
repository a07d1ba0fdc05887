"""PyTorch eager (CPU) on the suite's workloads."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(C.THREADS)
torch.set_num_interop_threads(C.THREADS)


def chain():
    x = torch.tensor(0.5)

    def run(y):
        for _ in range(C.CHAIN):
            y = torch.sin(y) * 1.01 + 0.1
        return y

    def plain():
        with torch.no_grad():
            run(x)
    xr = torch.tensor(0.5, requires_grad=True)

    def recorded():
        run(xr)

    def grad():
        torch.autograd.grad(run(xr), xr)
    n = 3 * C.CHAIN
    return {"not recorded us/op": C.timeit(plain) / n * 1e6, "recorded us/op": C.timeit(recorded) / n * 1e6,
            "with gradient us/op": C.timeit(grad) / n * 1e6}


def mlp():
    x, labels, params = C.mlp_data()
    xs, ys = torch.from_numpy(x), torch.from_numpy(labels).long()
    ps = [torch.tensor(p, requires_grad=True) for p in params]
    opt = torch.optim.SGD(ps, lr=0.01)

    def step():
        w1, b1, w2, b2, w3, b3 = ps
        h = torch.relu(xs @ w1 + b1)
        h = torch.relu(h @ w2 + b2)
        loss = torch.nn.functional.cross_entropy(h @ w3 + b3, ys)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss
    return {"ms/step": C.timeit(step, min_time=1.0, repeat=5) * 1e3}


def adam():
    xv, yv = C.adam_data()
    x, y = torch.from_numpy(xv), torch.from_numpy(yv)

    def train():
        w = torch.zeros((), requires_grad=True)
        b = torch.zeros((), requires_grad=True)
        opt = torch.optim.Adam([w, b], lr=0.05, eps=1e-7)
        for _ in range(C.ADAM_STEPS):
            loss = torch.mean(torch.square(w * x + b - y))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return loss
    return {"us/step": C.timeit(train, min_time=0.5) / C.ADAM_STEPS * 1e6}


def sgd():
    xd, yd, idx = C.sgd_data()

    def train():
        w = torch.zeros((), requires_grad=True)
        b = torch.zeros((), requires_grad=True)
        opt = torch.optim.SGD([w, b], lr=1e-3)
        for i in range(C.SGD_STEPS):
            j = idx[i]
            xb, yb = torch.from_numpy(xd[j]), torch.from_numpy(yd[j])
            loss = torch.sum(torch.square(w * xb + b - yb)) / C.SGD_BATCH
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return w
    return {"us/step": C.timeit(train, min_time=0.5, repeat=2) / C.SGD_STEPS * 1e6}


def memory():
    C.reset_hwm()
    base = C.vm_hwm_mib()
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((C.MEM_BATCH, C.MEM_WIDTH)).astype(np.float32))
    ws, bs = [], []
    for _ in range(C.MEM_LAYERS):
        ws.append(torch.from_numpy((rng.standard_normal((C.MEM_WIDTH, C.MEM_WIDTH)) /
                                    np.sqrt(C.MEM_WIDTH)).astype(np.float32)).requires_grad_())
        bs.append(torch.zeros(C.MEM_WIDTH, requires_grad=True))
    h = x
    for w, b in zip(ws, bs):
        h = torch.relu(h @ w + b)
    loss = h.mean()
    del h
    grads = torch.autograd.grad(loss, ws + bs)
    del grads, loss
    return {"peak MiB above import": C.vm_hwm_mib() - base}


def cnn():
    x, y, src = C.digits_data()
    xs, ys = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y).long()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(16 * 6 * 6, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    import time

    def epoch():
        for i in range(0, len(xs), 32):
            loss = torch.nn.functional.cross_entropy(model(xs[i:i + 32]), ys[i:i + 32])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    epoch()
    t0 = time.perf_counter()
    epoch()
    return {"s/epoch": time.perf_counter() - t0, "data": src}


def jac():
    wv, xv = C.jac_data()
    w, x = torch.from_numpy(wv), torch.from_numpy(xv)
    f = lambda x: torch.tanh(w @ x)  # noqa: E731
    return {"ms": C.timeit(lambda: torch.autograd.functional.jacobian(f, x, vectorize=True),
                           min_time=0.5) * 1e3}


W = {(k, "eager"): v for k, v in dict(a=chain, b=mlp, c=adam, d=sgd, e=memory, f=cnn, g=jac).items()}
for _n in "hijk":
    W[(_n, "eager")] = (lambda n: (lambda: __import__("models_torch").run(n)))(_n)

if __name__ == "__main__":
    C.main(W)
