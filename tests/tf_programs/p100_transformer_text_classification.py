"""Adapted from the keras-io example "Text classification with Transformer": token and position
embeddings, one Transformer block (MultiHeadAttention, feed-forward, residuals, LayerNormalization),
GlobalAveragePooling1D and a softmax head, trained with fit -- on synthetic token sequences instead of
IMDB, with dropout rate 0 so that the numbers are deterministic."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

RESULTS = {}


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.0):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = tf.shape(x)[-1]
        positions = tf.range(start=0, limit=maxlen, delta=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


vocab_size, maxlen, embed_dim, num_heads, ff_dim = 12, 6, 4, 2, 8
rng = np.random.default_rng(100)
x_train = rng.integers(1, vocab_size, size=(32, maxlen)).astype(np.int32)
y_train = (x_train[:, 0] > x_train[:, -1]).astype(np.int32)

inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.0)(x)
x = layers.Dense(6, activation="relu")(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
RESULTS["weight_shapes"] = [list(w.shape) for w in model.get_weights()]
model.set_weights([np.random.default_rng(1000 + i).normal(scale=0.4, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
RESULTS["predict_before"] = model.predict(x_train[:4], verbose=0)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=8, epochs=2, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["predict_after"] = model.predict(x_train[:4], verbose=0)
scores = transformer_block.att(tf.ones((1, 3, embed_dim)), tf.zeros((1, 2, embed_dim)),
                               return_attention_scores=True)[1]
RESULTS["scores_shape"] = list(scores.shape)
TOLERANCE = {"rtol": 2e-4, "atol": 2e-5}
