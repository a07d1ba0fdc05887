"""TensorFlow (CPU): eager, and the same code under ``tf.function``."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(C.THREADS)
tf.config.threading.set_inter_op_parallelism_threads(C.THREADS)


def _wrap(fn, mode):
    return tf.function(fn) if mode == "function" else fn


def chain(mode):
    def run(y):
        for _ in range(C.CHAIN):
            y = tf.sin(y) * 1.01 + 0.1
        return y

    def grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = run(x)
        return tape.gradient(y, x)
    f, g = _wrap(run, mode), _wrap(grad, mode)
    x = tf.constant(0.5)

    def recorded():
        with tf.GradientTape() as tape:
            tape.watch(x)
            f(x)
    n = 3 * C.CHAIN
    return {"not recorded us/op": C.timeit(lambda: f(x)) / n * 1e6,
            "recorded us/op": C.timeit(recorded) / n * 1e6,
            "with gradient us/op": C.timeit(lambda: g(x)) / n * 1e6}


def mlp(mode):
    x, labels, params = C.mlp_data()
    xs, ys = tf.constant(x), tf.constant(labels)
    variables = [tf.Variable(p) for p in params]
    opt = tf.keras.optimizers.SGD(learning_rate=0.01)

    def step(xs, ys):
        w1, b1, w2, b2, w3, b3 = variables
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(xs, w1) + b1)
            h = tf.nn.relu(tf.matmul(h, w2) + b2)
            logits = tf.matmul(h, w3) + b3
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(ys, logits))
        grads = tape.gradient(loss, variables)
        opt.apply_gradients(zip(grads, variables))
        return loss
    s = _wrap(step, mode)
    return {"ms/step": C.timeit(lambda: s(xs, ys), min_time=1.0, repeat=5) * 1e3}


def adam(mode):
    xv, yv = C.adam_data()
    x, y = tf.constant(xv), tf.constant(yv)
    steps = C.ADAM_STEPS if mode == "function" else 100   # TF eager: 100 steps (about 5 ms each)

    def train():
        w = tf.Variable(0.0)
        b = tf.Variable(0.0)
        variables = [w, b]
        opt = tf.keras.optimizers.Adam(learning_rate=0.05)

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.multiply(w, x) + b - y))
            grads = tape.gradient(loss, variables)
            opt.apply_gradients(zip(grads, variables))
            return loss
        s = _wrap(step, mode)
        s(x, y)
        import time
        t0 = time.perf_counter()
        for _ in range(steps):
            s(x, y)
        return (time.perf_counter() - t0) / steps
    train()
    return {"us/step": min(train() for _ in range(2)) * 1e6}


def sgd(mode):
    xd, yd, idx = C.sgd_data()
    steps = C.SGD_STEPS if mode == "function" else 200

    def train():
        w = tf.Variable(0.0)
        b = tf.Variable(0.0)
        opt = tf.keras.optimizers.SGD(learning_rate=1e-3)

        def step(xb, yb):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(w * xb + b - yb)) / C.SGD_BATCH
            grads = tape.gradient(loss, [w, b])
            opt.apply_gradients(zip(grads, [w, b]))
            return loss
        s = _wrap(step, mode)
        s(xd[idx[0]], yd[idx[0]])
        import time
        t0 = time.perf_counter()
        for i in range(steps):
            j = idx[i]
            s(xd[j], yd[j])
        return (time.perf_counter() - t0) / steps
    train()
    return {"us/step": min(train() for _ in range(2)) * 1e6}


def memory(mode):
    C.reset_hwm()
    base = C.vm_hwm_mib()
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((C.MEM_BATCH, C.MEM_WIDTH)).astype(np.float32))
    ws = []
    for _ in range(C.MEM_LAYERS):
        w = (rng.standard_normal((C.MEM_WIDTH, C.MEM_WIDTH)) / np.sqrt(C.MEM_WIDTH)).astype(np.float32)
        ws.append(tf.Variable(w))
        del w
    bs = [tf.Variable(np.zeros(C.MEM_WIDTH, np.float32)) for _ in range(C.MEM_LAYERS)]

    def fb(x):
        with tf.GradientTape() as tape:
            h = x
            for w, b in zip(ws, bs):
                h = tf.nn.relu(tf.matmul(h, w) + b)
            loss = tf.reduce_mean(h)
        return tape.gradient(loss, ws + bs)
    f = _wrap(fb, mode)
    grads = f(x)
    del grads
    return {"peak MiB above import": C.vm_hwm_mib() - base}


def cnn(mode):
    x, y, src = C.digits_data()
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)),
                                 tf.keras.layers.Conv2D(16, 3, activation="relu"),
                                 tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  run_eagerly=(mode == "eager"))
    import time
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    return {"s/epoch": time.perf_counter() - t0, "data": src}


def jac(mode):
    wv, xv = C.jac_data()
    w, x = tf.constant(wv), tf.constant(xv)

    def j(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.tanh(tf.linalg.matvec(w, x))
        return tape.jacobian(y, x)
    f = _wrap(j, mode)
    return {"ms": C.timeit(lambda: f(x), min_time=0.5) * 1e3}


W = {}
for _m in ("eager", "function"):
    for _n, _f in dict(a=chain, b=mlp, c=adam, d=sgd, e=memory, f=cnn, g=jac).items():
        W[(_n, _m)] = (lambda fn, m: (lambda: fn(m)))(_f, _m)
    for _n in "hijk":     # model workloads, shared Keras code
        W[(_n, _m)] = (lambda n, m: (lambda: __import__("models_keras").run(tf, n, m)))(_n, _m)

if __name__ == "__main__":
    C.main(W)
