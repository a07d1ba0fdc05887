"""Gradient handling that training loops use: clip_by_global_norm before apply_gradients, sparse
(IndexedSlices) gradients of embeddings and gather, and gradient accumulation over steps."""
import numpy as np
import tensorflow as tf

RESULTS = {}
emb = tf.Variable(np.arange(12, dtype=np.float32).reshape(6, 2) / 10)
dense = tf.Variable([[0.5], [-0.5]])
opt = tf.keras.optimizers.SGD(0.1, momentum=0.5)
for ids in ([0, 2, 2], [5, 1], [2]):
    with tf.GradientTape() as tape:
        h = tf.nn.embedding_lookup(emb, tf.constant(ids))
        loss = tf.reduce_sum(tf.matmul(h, dense) ** 2)
    grads = tape.gradient(loss, [emb, dense])
    RESULTS.setdefault("grad_types", []).append(type(grads[0]).__name__)
    clipped, norm = tf.clip_by_global_norm(grads, 0.5)
    RESULTS.setdefault("norms", []).append(norm)
    opt.apply_gradients(zip(clipped, [emb, dense]))
RESULTS["emb"] = emb
RESULTS["dense"] = dense
g = tf.IndexedSlices(values=tf.constant([[1.0, 2.0], [3.0, 4.0]]), indices=tf.constant([0, 2]), dense_shape=tf.constant([3, 2]))
RESULTS["indexed_slices_dense"] = tf.convert_to_tensor(g)
w = tf.Variable([1.0, 2.0, 3.0])
accum = [tf.zeros_like(w)]
for step in range(3):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((w * float(step + 1)) ** 2)
    grads = tape.gradient(loss, [w])
    accum = [a + g for a, g in zip(accum, grads)]
tf.keras.optimizers.SGD(0.01).apply_gradients(zip([a / 3.0 for a in accum], [w]))
RESULTS["accumulated"] = w
x = tf.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.gather(x, [2, 0, 2]) * tf.constant([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]))
RESULTS["gather_grad"] = tf.convert_to_tensor(tape.gradient(y, x))
