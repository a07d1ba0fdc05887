"""Embedding lookups and their (sparse) gradients, and Dropout's inference behaviour, as in the Keras
layer docs and the "Word embeddings" tutorial."""
import numpy as np
import tensorflow as tf

RESULTS = {}
emb = tf.keras.layers.Embedding(10, 3)
emb.build((None,))
emb.set_weights([np.arange(30, dtype=np.float32).reshape(10, 3) / 10])
ids = tf.constant([[1, 2, 2], [9, 0, 1]])
with tf.GradientTape() as tape:
    out = emb(ids)
    loss = tf.reduce_sum(out * tf.constant([1.0, 2.0, 3.0]))
g = tape.gradient(loss, emb.embeddings)
RESULTS["embedding"] = out
RESULTS["embedding_grad_dense"] = tf.convert_to_tensor(g)
drop = tf.keras.layers.Dropout(0.5)
x = tf.ones([2, 4])
RESULTS["dropout_inference"] = drop(x, training=False)
RESULTS["dropout_default"] = drop(x)
y = drop(x, training=True)
vals = np.unique(y.numpy())
RESULTS["dropout_train_values"] = sorted(vals.tolist())
RESULTS["lookup"] = tf.nn.embedding_lookup(emb.embeddings, [3, 3, 0])
RESULTS["one_hot"] = tf.one_hot([0, 2, -1, 1], depth=3, on_value=5.0, off_value=-1.0)
