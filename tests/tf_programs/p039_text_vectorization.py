"""Adapted from the "Basic text classification" tutorial and the TextVectorization / StringLookup API
docs: adapt a vocabulary, vectorize in int, multi_hot, count and tf_idf modes, look up strings."""
import numpy as np
import tensorflow as tf

RESULTS = {}
texts = ["The cat sat on the mat.", "The dog ate my homework!", "the Cat and the dog", "A <br /> mat"]
vec = tf.keras.layers.TextVectorization(max_tokens=12, output_mode="int", output_sequence_length=6)
vec.adapt(texts)
RESULTS["vocab"] = vec.get_vocabulary()
RESULTS["int"] = vec(tf.constant(["the cat ate the mat", "unknown words here"]))
for mode in ["multi_hot", "count", "tf_idf"]:
    v = tf.keras.layers.TextVectorization(max_tokens=10, output_mode=mode)
    v.adapt(texts)
    RESULTS[mode] = v(tf.constant(["the cat ate the mat"]))
bigrams = tf.keras.layers.TextVectorization(ngrams=2, output_mode="int", max_tokens=20)
bigrams.adapt(texts[:2])
RESULTS["bigram_vocab"] = bigrams.get_vocabulary()
lookup = tf.keras.layers.StringLookup(vocabulary=["a", "b", "c"])
RESULTS["string_lookup"] = lookup(tf.constant([["a", "c", "d"], ["d", "z", "b"]]))
inv = tf.keras.layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
RESULTS["string_lookup_invert"] = inv(tf.constant([[1, 3, 0]]))
ilookup = tf.keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
RESULTS["integer_lookup"] = ilookup(tf.constant([[12, 1138, 42], [42, 1000, 36]]))
RESULTS["category_encoding"] = tf.keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(tf.constant([3, 2, 0, 1]))
RESULTS["category_multi"] = tf.keras.layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")(tf.constant([[0, 1], [0, 0], [1, 2], [3, 1]]))
RESULTS["discretization"] = tf.keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])(tf.constant([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))
RESULTS["hashing"] = tf.keras.layers.Hashing(num_bins=3)(tf.constant([["A"], ["B"], ["C"], ["D"], ["E"]]))
RESULTS["pad_sequences"] = tf.keras.preprocessing.sequence.pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
RESULTS["pad_post"] = tf.keras.utils.pad_sequences([[1], [2, 3]], padding="post", value=-1)
RESULTS["to_categorical"] = tf.keras.utils.to_categorical([0, 2, 1], num_classes=3)
