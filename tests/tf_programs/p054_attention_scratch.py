"""Adapted from "Dive into Deep Learning" (TensorFlow edition), 11.3 "Attention Scoring Functions":
masked softmax, additive and scaled dot-product attention written with tf ops (fixed weights)."""
import numpy as np
import tensorflow as tf

RESULTS = {}


def sequence_mask(X, valid_len, value=0):
    maxlen = X.shape[1]
    mask = tf.range(start=0, limit=maxlen, dtype=tf.float32)[None, :] < tf.cast(valid_len[:, None], dtype=tf.float32)
    if len(X.shape) == 3:
        return tf.where(tf.expand_dims(mask, axis=-1), X, value)
    return tf.where(mask, X, value)


def masked_softmax(X, valid_lens):
    if valid_lens is None:
        return tf.nn.softmax(X, axis=-1)
    shape = X.shape
    if len(valid_lens.shape) == 1:
        valid_lens = tf.repeat(valid_lens, repeats=shape[1])
    else:
        valid_lens = tf.reshape(valid_lens, shape=-1)
    X = sequence_mask(tf.reshape(X, shape=(-1, shape[-1])), valid_lens, value=-1e6)
    return tf.nn.softmax(tf.reshape(X, shape=shape), axis=-1)


X = tf.constant(np.linspace(0, 1, 16, dtype=np.float32).reshape(2, 2, 4))
RESULTS["masked_softmax_1d"] = masked_softmax(X, tf.constant([2, 3]))
RESULTS["masked_softmax_2d"] = masked_softmax(X, tf.constant([[1, 3], [2, 4]]))


class AdditiveAttention(tf.keras.layers.Layer):
    def __init__(self, key_size, query_size, num_hiddens, dropout, **kwargs):
        super().__init__(**kwargs)
        self.W_k = tf.keras.layers.Dense(num_hiddens, use_bias=False)
        self.W_q = tf.keras.layers.Dense(num_hiddens, use_bias=False)
        self.w_v = tf.keras.layers.Dense(1, use_bias=False)
        self.dropout = tf.keras.layers.Dropout(dropout)

    def call(self, queries, keys, values, valid_lens, **kwargs):
        queries, keys = self.W_q(queries), self.W_k(keys)
        features = tf.expand_dims(queries, axis=2) + tf.expand_dims(keys, axis=1)
        features = tf.nn.tanh(features)
        scores = tf.squeeze(self.w_v(features), axis=-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return tf.matmul(self.dropout(self.attention_weights, **kwargs), values)


queries = tf.constant(np.linspace(-1, 1, 40, dtype=np.float32).reshape(2, 1, 20))
keys = tf.ones((2, 10, 2))
values = tf.repeat(tf.reshape(tf.range(40, dtype=tf.float32), shape=(1, 10, 4)), repeats=2, axis=0)
valid_lens = tf.constant([2, 6])
attention = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
attention(queries, keys, values, valid_lens, training=False)
attention.W_q.set_weights([np.linspace(-0.5, 0.5, 160, dtype=np.float32).reshape(20, 8)])
attention.W_k.set_weights([np.linspace(0.5, -0.5, 16, dtype=np.float32).reshape(2, 8)])
attention.w_v.set_weights([np.linspace(-1, 1, 8, dtype=np.float32).reshape(8, 1)])
RESULTS["additive"] = attention(queries, keys, values, valid_lens, training=False)
RESULTS["additive_weights"] = attention.attention_weights


class DotProductAttention(tf.keras.layers.Layer):
    def call(self, queries, keys, values, valid_lens, **kwargs):
        d = queries.shape[-1]
        scores = tf.matmul(queries, keys, transpose_b=True) / tf.math.sqrt(tf.cast(d, dtype=tf.float32))
        self.attention_weights = masked_softmax(scores, valid_lens)
        return tf.matmul(self.attention_weights, values)


queries = tf.constant(np.linspace(-1, 1, 4, dtype=np.float32).reshape(2, 1, 2))
dot = DotProductAttention()
RESULTS["dot"] = dot(queries, keys, values, valid_lens, training=False)
q = tf.Variable(queries)
with tf.GradientTape() as tape:
    out = tf.reduce_sum(dot(q, keys * tf.reshape(tf.range(10, dtype=tf.float32), (1, 10, 1)) / 10.0, values, valid_lens) ** 2)
RESULTS["dot_grad"] = tape.gradient(out, q)
