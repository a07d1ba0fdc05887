"""A text classifier trained from a folder of .txt files, as in the Keras text-classification tutorial.

1. writes a small corpus: ``out/text_corpus/{positive,negative}/*.txt`` (generated, seeded);
2. reads it with ``keras.utils.text_dataset_from_directory`` (80/20 training/validation split);
3. learns a vocabulary with ``TextVectorization.adapt`` on the training texts;
4. trains ``Embedding -> GlobalAveragePooling1D -> Dense`` with ``fit`` on the vectorized dataset
   (``Dataset.map(..., num_parallel_calls=AUTOTUNE)`` + ``prefetch``), and prints the accuracy.

Run: ``PYTHONPATH=src python examples/text_classifier_from_folder.py``
"""
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import gradtape as tf  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "out", "text_corpus")

POSITIVE = ["great", "wonderful", "excellent", "loved", "delightful", "superb", "enjoyable", "brilliant"]
NEGATIVE = ["awful", "terrible", "boring", "hated", "dull", "poor", "disappointing", "worst"]
NEUTRAL = ["the", "movie", "film", "plot", "actors", "story", "was", "and", "a", "really", "it", "scenes",
           "music", "ending", "very", "quite", "this", "with", "of", "characters"]


def write_corpus(root: str, per_class: int = 150, seed: int = 0) -> None:
    """``per_class`` short reviews per class: neutral filler with a few sentiment words mixed in."""
    rng = np.random.default_rng(seed)
    if os.path.isdir(root):
        shutil.rmtree(root)
    for label, words in (("positive", POSITIVE), ("negative", NEGATIVE)):
        d = os.path.join(root, label)
        os.makedirs(d)
        for i in range(per_class):
            n = int(rng.integers(8, 20))
            tokens = list(rng.choice(NEUTRAL, size=n))
            for _ in range(int(rng.integers(1, 3))):
                tokens.insert(int(rng.integers(0, len(tokens) + 1)), str(rng.choice(words)))
            text = " ".join(tokens).capitalize() + rng.choice([".", "!", "..."])
            with open(os.path.join(d, f"review_{i:04d}.txt"), "w") as f:
                f.write(text)


def main() -> float:
    t0 = time.perf_counter()
    tf.keras.utils.set_random_seed(1)
    write_corpus(OUT)
    train_ds, val_ds = tf.keras.utils.text_dataset_from_directory(
        OUT, batch_size=32, validation_split=0.2, subset="both", seed=42)
    print("classes:", train_ds.class_names)

    vectorize = tf.keras.layers.TextVectorization(max_tokens=200, output_sequence_length=24)
    vectorize.adapt(train_ds.map(lambda text, label: text))
    print("vocabulary (first 10):", vectorize.get_vocabulary()[:10])

    def to_ids(text, label):
        return vectorize(text), label

    train = train_ds.map(to_ids, num_parallel_calls=tf.data.AUTOTUNE).cache().prefetch(tf.data.AUTOTUNE)
    val = val_ds.map(to_ids, num_parallel_calls=tf.data.AUTOTUNE).cache().prefetch(tf.data.AUTOTUNE)

    model = tf.keras.Sequential([
        tf.keras.layers.Embedding(vectorize.vocabulary_size(), 16),
        tf.keras.layers.GlobalAveragePooling1D(),
        tf.keras.layers.Dense(16, activation="relu"),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(train, validation_data=val, epochs=8, verbose=0)
    loss, acc = model.evaluate(val, verbose=0)
    print(f"validation accuracy: {acc:.3f} (loss {loss:.3f})")

    # the same vectorizer inside an end-to-end model that takes raw strings
    end_to_end = tf.keras.Sequential([vectorize, model])
    end_to_end.compile(loss="binary_crossentropy", metrics=["accuracy"])
    _, raw_acc = end_to_end.evaluate(val_ds, verbose=0)
    print(f"end-to-end model on raw text: accuracy {raw_acc:.3f}")
    probs = end_to_end(tf.constant(["a wonderful and brilliant film", "boring plot, the worst actors"]))
    print("end-to-end predictions:", np.round(probs.numpy().reshape(-1), 3))
    print(f"took {time.perf_counter() - t0:.1f} s")
    return float(acc)


if __name__ == "__main__":
    main()
