"""Adapted from the TensorFlow guide "Mixed precision": a mixed_float16 policy, float32 variables with
float16 compute, a float32 output activation, and LossScaleOptimizer in a custom loop and in fit."""
import numpy as np
import tensorflow as tf

RESULTS = {}
tf.keras.mixed_precision.set_global_policy("mixed_float16")
policy = tf.keras.mixed_precision.global_policy()
RESULTS["policy"] = [policy.name, policy.compute_dtype, policy.variable_dtype]
inputs = tf.keras.Input(shape=(8,), name="digits")
dense1 = tf.keras.layers.Dense(16, activation="relu", name="dense_1")
x = dense1(inputs)
RESULTS["dense_dtypes"] = [dense1.compute_dtype, dense1.variable_dtype, str(tf.as_dtype(x.dtype).name)]
x = tf.keras.layers.Dense(3, name="dense_logits")(x)
outputs = tf.keras.layers.Activation("softmax", dtype="float32", name="predictions")(x)
model = tf.keras.Model(inputs=inputs, outputs=outputs)
model.set_weights([np.random.default_rng(i).normal(scale=0.3, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
rng = np.random.default_rng(9)
xs = rng.random((64, 8)).astype(np.float32)
ys = rng.integers(0, 3, 64)
out = model(xs[:4])
RESULTS["output_dtype"] = out.dtype.name
RESULTS["outputs"] = out
optimizer = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.SGD(0.1))
RESULTS["scaled_one"] = optimizer.scale_loss(tf.constant(1.0))
loss_object = tf.keras.losses.SparseCategoricalCrossentropy()
losses = []
for step in range(3):
    with tf.GradientTape() as tape:
        predictions = model(xs[:32])
        loss = loss_object(ys[:32], predictions)
        scaled_loss = optimizer.scale_loss(loss)
    grads = tape.gradient(scaled_loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    losses.append(loss)
RESULTS["loop_losses"] = losses
RESULTS["kernel_dtype_after"] = tf.as_dtype(model.trainable_variables[0].dtype).name
tf.keras.mixed_precision.set_global_policy("float32")
RESULTS["reset"] = tf.keras.mixed_precision.global_policy().name
TOLERANCE = {"rtol": 2e-3, "atol": 1e-3}
