"""The Keras losses (tf.keras.losses) on fixed inputs, as in their API documentation examples."""
import numpy as np
import tensorflow as tf

RESULTS = {}
L = tf.keras.losses
y_true = np.array([[0.0, 1.0], [0.0, 0.0], [1.0, 1.0]], np.float32)
y_pred = np.array([[0.6, 0.4], [0.4, 0.6], [0.8, 0.3]], np.float32)
for name in ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
             "MeanSquaredLogarithmicError", "BinaryCrossentropy", "Hinge", "SquaredHinge",
             "LogCosh", "Poisson", "Huber", "CosineSimilarity"]:
    RESULTS[name] = getattr(L, name)()(y_true, y_pred)
RESULTS["mse_none"] = L.MeanSquaredError(reduction=None)(y_true, y_pred)
RESULTS["mse_sum"] = L.MeanSquaredError(reduction="sum")(y_true, y_pred)
RESULTS["mse_weighted"] = L.MeanSquaredError()(y_true, y_pred, sample_weight=[0.5, 1.0, 2.0])
RESULTS["bce_logits"] = L.BinaryCrossentropy(from_logits=True)(y_true, y_pred * 4 - 2)
RESULTS["bce_smooth"] = L.BinaryCrossentropy(label_smoothing=0.2)(y_true, y_pred)
RESULTS["huber_delta"] = L.Huber(delta=0.3)(y_true, y_pred)
ct = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
cp = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]], np.float32)
RESULTS["cce"] = L.CategoricalCrossentropy()(ct, cp)
RESULTS["cce_logits"] = L.CategoricalCrossentropy(from_logits=True)(ct, cp * 3)
RESULTS["cce_smooth"] = L.CategoricalCrossentropy(label_smoothing=0.1)(ct, cp)
RESULTS["scce"] = L.SparseCategoricalCrossentropy()(np.array([1, 2]), cp)
RESULTS["scce_logits"] = L.SparseCategoricalCrossentropy(from_logits=True)(np.array([1, 2]), cp * 3)
RESULTS["kld"] = L.KLDivergence()(ct + 0.1, cp + 0.1)
RESULTS["cat_hinge"] = L.CategoricalHinge()(ct, cp)
RESULTS["fn_scce"] = L.sparse_categorical_crossentropy(np.array([1, 2]), cp)
x = tf.Variable(y_pred)
with tf.GradientTape() as tape:
    l = L.BinaryCrossentropy()(y_true, x)
RESULTS["bce_grad"] = tape.gradient(l, x)
