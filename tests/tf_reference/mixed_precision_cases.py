"""Mixed-precision scenarios shared by record_mixed_precision.py (real TF) and
tests/test_mixed_precision.py (gradtape): a small model under 'mixed_float16' with fixed weights
(outputs, dtypes, gradients), LossScaleOptimizer's dynamic scale over finite and non-finite steps,
and a few epochs of fit."""
from __future__ import annotations

import numpy as np

X = (np.arange(24, dtype=np.float32).reshape(6, 4) % 7 - 3.0) / 3.0
Y = np.stack([X.sum(1), X[:, 0] - X[:, 1]], axis=1).astype(np.float32)


def _weights(shapes):
    out = []
    for i, s in enumerate(shapes):
        n = int(np.prod(s))
        out.append(((np.arange(n) * (0.37 + 0.1 * i)) % 1.0 - 0.5).reshape(s).astype(np.float32))
    return out


def build(tf, policy="mixed_float16"):
    tf.keras.mixed_precision.set_global_policy(policy)
    try:
        L = tf.keras.layers
        model = tf.keras.Sequential([L.Dense(5, activation="relu"), L.BatchNormalization(),
                                     L.Dense(2), L.Activation("linear", dtype="float32")])
        model.build((None, 4))
        model.set_weights(_weights([w.shape for w in model.get_weights()]))
        mv = model.layers[1].moving_variance
        mv.assign(np.abs(mv.numpy()) + 0.5)
        return model
    finally:
        tf.keras.mixed_precision.set_global_policy("float32")


def forward(tf):
    model = build(tf)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        h = model.layers[0](x)
        h2 = model.layers[1](h, training=True)
        y = model.layers[3](model.layers[2](h2))
        loss = tf.reduce_sum(y * y)
    grads = tape.gradient(loss, model.trainable_variables)
    name = lambda d: getattr(d, "name", d)  # noqa: E731  (Keras 3 variables give a str)
    return {"dtypes": [name(t.dtype) for t in (h, h2, y)] + [name(v.dtype) for v in model.weights],
            "y": y, "grads": grads, "policy": model.layers[0].dtype_policy.name,
            "compute": model.layers[0].compute_dtype, "variable": model.layers[0].variable_dtype}


def loss_scale_steps(tf):
    opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.1), initial_scale=8.0,
                                                      dynamic_growth_steps=2)
    v = tf.Variable([1.0, 2.0])
    scales, values, its = [], [], []
    for g in ([8.0, 16.0], [np.inf, 1.0], [np.nan, 1.0], [4.0, 4.0], [2.0, -2.0], [1.0, 1.0], [0.5, 0.5]):
        opt.apply_gradients([(tf.constant(g, tf.float32), v)])
        scales.append(float(opt.dynamic_scale.numpy()))
        values.append(v.numpy().tolist())
        its.append(int(opt.iterations.numpy()))
    scaled = opt.scale_loss(tf.constant(3.0))
    return {"scales": scales, "values": values, "iterations": its, "scaled_loss": float(scaled.numpy())}


def fit(tf):
    model = build(tf)
    opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.05))
    model.compile(optimizer=opt, loss="mse")
    hist = model.fit(X, Y, batch_size=3, epochs=3, shuffle=False, verbose=0)
    return {"loss": hist.history["loss"], "weights": [w.tolist() for w in model.get_weights()],
            "scale": float(opt.dynamic_scale.numpy()), "iterations": int(opt.iterations.numpy())}
