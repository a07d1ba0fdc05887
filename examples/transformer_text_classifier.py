"""A small transformer text classifier, as in the keras-io example "Text classification with
Transformer", on synthetic token sequences.

1. generates padded token sequences (0 = padding); a sequence is positive when the marker token 3
   appears *before* the marker token 4 (order matters, so position embeddings are needed);
2. builds ``TokenAndPositionEmbedding -> TransformerBlock (MultiHeadAttention + feed-forward, residuals,
   LayerNormalization) -> GlobalAveragePooling1D -> Dense`` with the functional API; the token
   embedding has ``mask_zero=True``, so the padding mask reaches the attention and the pooling;
3. trains it with ``fit`` (Adam, sparse categorical cross-entropy, a validation split) and the
   ``keras.callbacks.TensorBoard`` callback (when the ``tensorboard`` package is installed), then reads
   the event files back with TensorBoard's own ``EventAccumulator``, and predicts;
4. saves the model as a Keras 3 ``.keras`` file, loads it back (custom layers via ``custom_objects``)
   and checks that the reloaded model predicts the same.

Everything it writes (event files, the ``.keras`` file) goes into a temporary directory that is removed
at the end.

Run: ``PYTHONPATH=src python examples/transformer_text_classifier.py``
"""
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import gradtape as tf  # noqa: E402

keras = tf.keras
layers = tf.keras.layers

VOCAB, MAXLEN, EMBED, HEADS, FF = 20, 12, 16, 2, 32


def make_data(n: int, seed: int = 0) -> tuple:
    """``n`` padded sequences of tokens 5..VOCAB-1 with the markers 3 and 4 inserted; label 1 when 3
    comes first."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, MAXLEN), np.int32)
    y = np.zeros((n,), np.int32)
    for i in range(n):
        length = int(rng.integers(4, MAXLEN + 1))
        seq = rng.integers(5, VOCAB, size=length)
        a, b = rng.choice(length, size=2, replace=False)
        seq[a], seq[b] = 3, 4
        x[i, :length] = seq
        y[i] = int(a < b)
    return x, y


class TokenAndPositionEmbedding(layers.Layer):
    """Token embedding (index 0 is padding and masked) plus a learned position embedding."""

    def __init__(self, maxlen: int, vocab_size: int, embed_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.maxlen, self.vocab_size, self.embed_dim = maxlen, vocab_size, embed_dim
        self.token_emb = layers.Embedding(vocab_size, embed_dim, mask_zero=True)
        self.pos_emb = layers.Embedding(maxlen, embed_dim)

    def call(self, x):
        positions = tf.range(tf.shape(x)[-1])
        return self.token_emb(x) + self.pos_emb(positions)

    def compute_mask(self, x, mask=None):
        return self.token_emb.compute_mask(x)

    def get_config(self):
        config = super().get_config()
        config.update({"maxlen": self.maxlen, "vocab_size": self.vocab_size, "embed_dim": self.embed_dim})
        return config


class TransformerBlock(layers.Layer):
    """Self-attention and a feed-forward network, each with dropout, a residual and LayerNormalization."""

    def __init__(self, embed_dim: int, num_heads: int, ff_dim: int, rate: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim, self.num_heads, self.ff_dim, self.rate = embed_dim, num_heads, ff_dim, rate
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim // num_heads)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)
        self.supports_masking = True

    def call(self, inputs, training=None, mask=None):
        attention_mask = None
        if mask is not None:                       # padding keys are never attended to
            attention_mask = tf.cast(mask[:, None, :], "bool")
        attn_output = self.att(inputs, inputs, attention_mask=attention_mask)
        out1 = self.layernorm1(inputs + self.dropout1(attn_output, training=training))
        ffn_output = self.ffn(out1)
        return self.layernorm2(out1 + self.dropout2(ffn_output, training=training))

    def get_config(self):
        config = super().get_config()
        config.update({"embed_dim": self.embed_dim, "num_heads": self.num_heads, "ff_dim": self.ff_dim,
                       "rate": self.rate})
        return config


def build_model() -> keras.Model:
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB, EMBED)(inputs)
    x = TransformerBlock(EMBED, HEADS, FF)(x)
    x = layers.GlobalAveragePooling1D()(x)          # averages the unmasked steps only
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(16, activation="relu")(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def main(n_train: int = 1200, epochs: int = 6) -> float:
    keras.utils.set_random_seed(0)
    x_train, y_train = make_data(n_train, seed=0)
    x_test, y_test = make_data(200, seed=1)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    with tempfile.TemporaryDirectory(prefix="transformer_demo_") as work:
        return _train_and_save(model, x_train, y_train, x_test, y_test, epochs, work)


def _tensorboard_available() -> bool:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def _train_and_save(model, x_train, y_train, x_test, y_test, epochs: int, work: str) -> float:
    callbacks = []
    logdir = os.path.join(work, "logs")
    if _tensorboard_available():
        callbacks.append(keras.callbacks.TensorBoard(log_dir=logdir, histogram_freq=1))
    else:
        print("(the tensorboard package is not installed: training without the TensorBoard callback)")
    t0 = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=0,
                        callbacks=callbacks)
    print(f"trained {epochs} epochs in {time.perf_counter() - t0:.1f} s; "
          f"loss {history.history['loss'][0]:.3f} -> {history.history['loss'][-1]:.3f}")
    if callbacks:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        for run in ("train", "validation"):
            acc = EventAccumulator(os.path.join(logdir, run))
            acc.Reload()
            tags = acc.Tags()
            scalars = sorted(t for t in tags["tensors"] if t.startswith("epoch_"))
            print(f"TensorBoard {run}: {scalars}, {len(tags['tensors']) - len(scalars)} histogram/other tags, "
                  f"graph written: {tags['graph']}")
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {acc:.3f} (chance 0.5)")
    probs = model.predict(x_test[:4], verbose=0)
    print("predicted", probs.argmax(-1).tolist(), "true", y_test[:4].tolist())

    path = os.path.join(work, "transformer_text_classifier.keras")
    model.save(path)
    custom = {"TokenAndPositionEmbedding": TokenAndPositionEmbedding, "TransformerBlock": TransformerBlock}
    reloaded = keras.models.load_model(path, custom_objects=custom)
    again = reloaded.predict(x_test[:4], verbose=0)
    print(f"saved {os.path.basename(path)} ({os.path.getsize(path)} bytes); reloaded model predicts the same: {np.allclose(probs, again, atol=1e-6)}")
    return float(acc)


if __name__ == "__main__":
    main()
