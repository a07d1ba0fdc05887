"""Normalization layers under float16/bfloat16 dtypes and policies (Keras 3): BatchNormalization
computes the autocast input in float32 with its weights cast; LayerNormalization and
GroupNormalization do not autocast (a float32 input is normalized in float32, a float64 one in
float64) and cast the output to the compute dtype. Gradients reach the half-precision weights."""
import numpy as np
import tensorflow as tf

# half-precision outputs may differ by one unit in the last place where a float32 sum rounds
# differently; the old behaviour (autocast input) is off by two units of bfloat16 (1.5%)
TOLERANCE = {"rtol": 1e-2, "atol": 1e-3}
RESULTS = {}
rng = np.random.default_rng(242)
x32 = (rng.standard_normal((4, 6)) * 3 + 1).astype(np.float32)
x64 = x32.astype(np.float64) * (1 + 1e-9)
for name in ("LayerNormalization", "BatchNormalization", "GroupNormalization"):
    for policy in ("bfloat16", "float16", "mixed_float16", "mixed_bfloat16", "float64"):
        for xname, x in (("f32", x32), ("f64", x64)):
            kwargs = {"groups": 2} if name == "GroupNormalization" else {}
            layer = getattr(tf.keras.layers, name)(dtype=policy, **kwargs)
            with tf.GradientTape() as tape:
                y = layer(x, training=True)
                loss = tf.reduce_sum(tf.cast(y, tf.float32) * tf.constant(np.arange(6, dtype=np.float32)))
            grads = tape.gradient(loss, layer.trainable_weights)
            key = f"{name}_{policy}_{xname}"
            RESULTS[key] = tf.cast(y, tf.float32)
            RESULTS[key + "_dtype"] = y.dtype.name
            RESULTS[key + "_grads"] = [tf.cast(g, tf.float32) for g in grads]
            RESULTS[key + "_weight_dtypes"] = [tf.as_dtype(w.dtype).name for w in layer.weights]
