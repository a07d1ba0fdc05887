"""tf.saved_model.save/load of a tf.Module: two signatures (keyword inputs, dict outputs and output_0/output_1
naming), a method that writes a Variable, restored variables; a Keras model through model.export."""
import os
import tempfile

import numpy as np
import tensorflow as tf

RESULTS = {}


class Scorer(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(np.linspace(-1.0, 1.0, 6).reshape(3, 2).astype("float32"), name="w")
        self.b = tf.Variable([0.5, -0.25], name="b")
        self.count = tf.Variable(0, name="count")
        self.scales = [tf.Variable(2.0, name="s0"), tf.Variable(-1.0, name="s1")]

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="features")])
    def score(self, x):
        self.count.assign_add(1)
        h = tf.matmul(x, self.w) + self.b
        return {"probs": tf.nn.softmax(h), "logits": h}

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32), tf.TensorSpec([], tf.float32)])
    def mix(self, x, t):
        return x * self.scales[0] + t, tf.reduce_sum(x * self.scales[1], axis=1)


x = np.array([[0.1, -0.2, 0.3], [1.0, 0.5, -1.5]], "float32")
m = Scorer()
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "scorer")
    tf.saved_model.save(m, path, signatures={"serving_default": m.score, "mix": m.mix})
    loaded = tf.saved_model.load(path)
    RESULTS["signature_keys"] = sorted(loaded.signatures.keys())
    out = loaded.signatures["serving_default"](features=tf.constant(x))
    RESULTS["serving_keys"] = sorted(out.keys())
    RESULTS["serving"] = {k: out[k] for k in out}
    out2 = loaded.signatures["mix"](x=tf.constant(x), t=tf.constant(0.5))
    RESULTS["mix_keys"] = sorted(out2.keys())
    RESULTS["mix"] = {k: out2[k] for k in out2}
    RESULTS["method"] = loaded.score(tf.constant(x))["logits"]
    RESULTS["count_after_calls"] = loaded.count.numpy()
    RESULTS["restored"] = {"w": loaded.w.numpy(), "b": loaded.b.numpy(), "s1": loaded.scales[1].numpy(),
                           "trainable_count": bool(loaded.count.trainable)}
    loaded.b.assign([1.0, 1.0])
    RESULTS["after_assign"] = loaded.score(tf.constant(x[:1]))["logits"]

    inp = tf.keras.Input((3,), name="features")
    hidden = tf.keras.layers.Dense(4, activation="tanh", name="hidden")(inp)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(2, name="head")(hidden))
    model.set_weights([np.linspace(-0.5, 0.5, w.size).reshape(w.shape).astype("float32") for w in model.get_weights()])
    model.export(os.path.join(d, "exported"))
    served = tf.saved_model.load(os.path.join(d, "exported")).signatures["serving_default"]
    res = served(features=tf.constant(x))
    RESULTS["export_keys"] = sorted(res.keys())
    RESULTS["export"] = res["output_0"]
