"""Write a Keras 3 weights file of a model with MultiHeadAttention, Bidirectional(LSTM) and masking,
plus its predictions, for tests/test_layers_masking_wrappers.py (weights exchanged with Keras).

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_layer_files.py
"""
import json
import os

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "keras_layers_files")
IDS = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 6, 1]], np.int32)


def build(K):
    inp = K.Input((5,), dtype="int32")
    e = K.layers.Embedding(7, 4, mask_zero=True)(inp)
    h = K.layers.MultiHeadAttention(2, 3)(e, e)
    h = K.layers.Bidirectional(K.layers.LSTM(2))(h)
    return K.Model(inp, K.layers.Dense(1)(h))


if __name__ == "__main__":
    tf.keras.utils.set_random_seed(5)
    model = build(tf.keras)
    os.makedirs(OUT, exist_ok=True)
    model.save_weights(os.path.join(OUT, "mha_bidirectional.weights.h5"))
    with open(os.path.join(OUT, "mha_bidirectional.json"), "w") as f:
        json.dump({"ids": IDS.tolist(), "predictions": model.predict(IDS, verbose=0).tolist()}, f)
    print("wrote", OUT)
