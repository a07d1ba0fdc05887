"""Write small Keras files with real Keras 3 (TF backend) for gradtape's compatibility tests.

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_keras_files.py

For each of four tiny models (a Sequential CNN, a functional model with two inputs, a registered
subclassed model, an LSTM model) with fixed weights it writes into tests/data/keras_files/:
``<name>.keras`` (Keras 3 zip), ``<name>.weights.h5`` (Keras 3 weights layout), ``<name>.h5``
(Keras 2 legacy whole-model HDF5), ``<name>.legacy_weights.h5`` (Keras 2 legacy weights-only HDF5, as
tf.keras 2's ``save_weights('x.h5')``), and the predictions on a fixed input in ``predictions.json``.
"""
import json
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402
import h5py  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "keras_files")


@keras.saving.register_keras_serializable(package="gradtape_test")
class TwoDense(keras.Model):
    """A subclassed model (the same class is defined and registered in the gradtape test)."""

    def __init__(self, units=5, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="tanh", name="hidden")
        self.out = keras.layers.Dense(2, name="out")

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def fixed_weights(model, seed):
    rng = np.random.default_rng(seed)
    for v in model.weights:
        shape = tuple(v.shape)
        if "moving_variance" in v.path:
            v.assign(rng.uniform(0.5, 1.5, size=shape).astype("float32"))
        else:
            v.assign((rng.normal(size=shape) * 0.5).astype("float32"))


def models():
    cnn = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", padding="same", name="conv"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dropout(0.2, name="drop"),
        keras.layers.Dense(3, activation="softmax", name="dense"),
    ], name="cnn")
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    h = keras.layers.Dense(5, activation="relu", name="da")(a)
    c = keras.layers.Concatenate(name="cat")([h, b])
    o = keras.layers.Dense(2, name="head")(c)
    two = keras.Model([a, b], o, name="two_inputs")
    sub = TwoDense(5, name="two_dense")
    sub(np.zeros((1, 4), "float32"))
    lstm = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, name="lstm"),
                             keras.layers.Dense(1, name="out")], name="lstm_model")
    rng = np.random.default_rng(0)
    inputs = {
        "cnn": rng.normal(size=(2, 8, 8, 1)).astype("float32"),
        "two_inputs": [rng.normal(size=(2, 4)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")],
        "two_dense": rng.normal(size=(2, 4)).astype("float32"),
        "lstm": rng.normal(size=(2, 5, 3)).astype("float32"),
    }
    return {"cnn": cnn, "two_inputs": two, "two_dense": sub, "lstm": lstm}, inputs


def main():
    os.makedirs(OUT, exist_ok=True)
    built, inputs = models()
    preds = {}
    for i, (name, model) in enumerate(built.items()):
        fixed_weights(model, 10 + i)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
        x = inputs[name]
        y = model.predict(x, verbose=0)
        preds[name] = {"x": [np.asarray(t).tolist() for t in x] if isinstance(x, list) else np.asarray(x).tolist(),
                       "y": np.asarray(y).tolist()}
        model.save(os.path.join(OUT, name + ".keras"))
        model.save_weights(os.path.join(OUT, name + ".weights.h5"))
        if name != "two_dense":  # Keras cannot write a subclassed model's architecture to legacy h5
            legacy_h5_format.save_model_to_hdf5(model, os.path.join(OUT, name + ".h5"), include_optimizer=False)
        with h5py.File(os.path.join(OUT, name + ".legacy_weights.h5"), "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, model)
        # check: each file loads back in Keras and predicts the same
        for fn in (name + ".keras",):
            m2 = keras.models.load_model(os.path.join(OUT, fn))
            np.testing.assert_allclose(m2.predict(x, verbose=0), y, rtol=1e-6, atol=1e-6)
    preds["keras_version"] = keras.__version__
    with open(os.path.join(OUT, "predictions.json"), "w") as f:
        json.dump(preds, f)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total / 1024:.0f} KiB, into {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
