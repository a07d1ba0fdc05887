"""The model workloads (h-k) as Keras code, shared by gradtape and TensorFlow (``tf`` is either module).

h: CIFAR-sized CNN, batch 64 of 32x32x3: Conv(32)-BN-ReLU x2, MaxPool, Conv(64)-BN-ReLU x2, MaxPool,
   GlobalAveragePooling, Dense(10).
i: LSTM text classifier, batch 64, length 50, vocabulary 5,000: Embedding(64), LSTM(128), Dense(2).
j: the same with GRU(128).
k: transformer encoder block, batch 32, length 64, d_model 128, 4 heads, FFN 512, post-LayerNorm,
   residuals, mean pooling, Dense(2); attention written with matmul/softmax.
Each is one training step: forward, sparse softmax cross-entropy, backward, Adam update.
"""
from __future__ import annotations

import gc
import time

import common as C


def build(tf, name):
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(0)
    if name == "h":
        def block(f):
            return [L.Conv2D(f, 3, padding="same", use_bias=False), L.BatchNormalization(), L.ReLU()]
        return tf.keras.Sequential([tf.keras.Input((32, 32, 3))] + block(32) + block(32)
                                   + [L.MaxPooling2D()] + block(64) + block(64)
                                   + [L.MaxPooling2D(), L.GlobalAveragePooling2D(), L.Dense(10)])
    if name in ("i", "j"):
        rnn = L.LSTM(C.RNN_UNITS) if name == "i" else L.GRU(C.RNN_UNITS)
        return tf.keras.Sequential([tf.keras.Input((C.RNN_LEN,), dtype="int32"),
                                    L.Embedding(C.RNN_VOCAB, C.RNN_EMBED), rnn, L.Dense(2)])
    if name == "k":
        D, H, T, B = C.TR_D, C.TR_HEADS, C.TR_LEN, C.TR_BATCH
        dh = D // H

        class Block(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.qkv = L.Dense(3 * D)
                self.proj = L.Dense(D)
                self.ln1 = L.LayerNormalization(epsilon=1e-5)
                self.ff1 = L.Dense(C.TR_FFN, activation="relu")
                self.ff2 = L.Dense(D)
                self.ln2 = L.LayerNormalization(epsilon=1e-5)
                self.head = L.Dense(2)

            def call(self, x, training=None):
                qkv = tf.transpose(tf.reshape(self.qkv(x), [B, T, 3, H, dh]), [2, 0, 3, 1, 4])
                q, k, v = qkv[0], qkv[1], qkv[2]
                a = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * (1.0 / dh ** 0.5), axis=-1)
                o = tf.reshape(tf.transpose(tf.matmul(a, v), [0, 2, 1, 3]), [B, T, D])
                x = self.ln1(x + self.proj(o))
                x = self.ln2(x + self.ff2(self.ff1(x)))
                return self.head(tf.reduce_mean(x, axis=1))
        m = Block()
        m(tf.constant(C.model_data("k")[0]))
        return m
    raise KeyError(name)


def run(tf, name, mode):
    """``mode``: eager, function (the step under tf.function), fit (Model.fit over FIT_BATCHES)."""
    xv, yv = C.model_data(name)
    model = build(tf, name)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.Adam(1e-3)
    min_time = 0.5
    if mode == "fit":
        model.compile(optimizer=opt, loss=loss_fn)
        k = C.FIT_BATCHES
        xs, ys = C.tile(xv, k), C.tile(yv, k)
        bs = len(xv)
        gc.collect()
        C.reset_hwm()
        base = C.vm_hwm_mib()
        model.fit(xs[:bs], ys[:bs], batch_size=bs, epochs=1, verbose=0, shuffle=False)
        # whole epochs (their per-epoch costs included), timed as the step of the other modes: the best
        # of 2 loops of at least min_time / 2 each
        t = C.timeit(lambda: model.fit(xs, ys, batch_size=bs, epochs=1, verbose=0, shuffle=False),
                     min_time=min_time, repeat=2)
        return {"ms/step": t / k * 1e3, "step peak MiB": C.vm_hwm_mib() - base}
    x, y = tf.constant(xv), tf.constant(yv)

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    s = tf.function(step) if mode == "function" else step
    gc.collect()
    C.reset_hwm()
    base = C.vm_hwm_mib()
    s(x, y)
    t = C.timeit(lambda: s(x, y), min_time=min_time, repeat=2)
    return {"ms/step": t * 1e3, "step peak MiB": C.vm_hwm_mib() - base}


def step_times(tf, name, mode="eager", steps=10):
    """Median (CPU ms, wall ms) per training step over ``steps`` steps after a warm-up step;
    ``fit`` times ``Model.fit`` epochs of FIT_BATCHES batches (per batch)."""
    import statistics
    xv, yv = C.model_data(name)
    model = build(tf, name)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.Adam(1e-3)
    if mode == "fit":
        model.compile(optimizer=opt, loss=loss_fn)
        k = C.FIT_BATCHES
        xs, ys = C.tile(xv, k), C.tile(yv, k)
        bs = len(xv)

        def s():
            model.fit(xs, ys, batch_size=bs, epochs=1, verbose=0, shuffle=False)
    else:
        k = 1
        x, y = tf.constant(xv), tf.constant(yv)

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        f = tf.function(step) if mode == "function" else step

        def s():
            f(x, y)
    s()
    cpu, wall = [], []
    for _ in range(steps):
        c0, w0 = time.process_time(), time.perf_counter()
        s()
        cpu.append((time.process_time() - c0) / k * 1e3)
        wall.append((time.perf_counter() - w0) / k * 1e3)
    return statistics.median(cpu), statistics.median(wall)


def profile(tf, name, mode="eager", steps=3, top=15):
    """cProfile of ``steps`` training steps (after a warm-up step): the top functions by own time."""
    import cProfile
    import io
    import pstats
    xv, yv = C.model_data(name)
    model = build(tf, name)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.Adam(1e-3)
    x, y = tf.constant(xv), tf.constant(yv)
    if mode == "fit":       # ``steps`` batches in one Model.fit epoch
        model.compile(optimizer=opt, loss=loss_fn)
        xs, ys = C.tile(xv, steps), C.tile(yv, steps)

        def s(*_):
            model.fit(xs, ys, batch_size=len(xv), epochs=1, verbose=0, shuffle=False)
        s()
        pr = cProfile.Profile()
        pr.enable()
        s()
        pr.disable()
        out = io.StringIO()
        pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(top)
        return out.getvalue()

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    s = tf.function(step) if mode == "function" else step
    s(x, y)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(steps):
        s(x, y)
    pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()
