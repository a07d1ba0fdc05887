"""Record Keras 3 layer outputs and gradients for tests/test_layers_keras_parity.py.

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_layer_refs.py
Writes tests/data/keras_layers.json: per case the weights' shapes (Keras's get_weights() order), the
fixed weight values, the outputs of the last call, and the gradients of sum(out_i * cot_i) with respect
to the float inputs and to every weight (None where Keras gives none).
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from layer_cases import CASES, call_layer, cotangent, weight_values  # noqa: E402

K = tf.keras


def flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in flat(v)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in flat(x[k])]
    return [x]


def r8(a):
    """An array as nested lists, floats rounded to 8 significant digits (float32 keeps about 7)."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return np.vectorize(lambda v: float("%.8g" % v), otypes=[object])(a).tolist() if a.ndim else float("%.8g" % a)
    return a.tolist()


def conv(v):
    if isinstance(v, np.ndarray):
        return tf.constant(v)
    if isinstance(v, list) and v and isinstance(v[0], np.ndarray):
        return [tf.constant(a) for a in v]
    return v


def record(case):
    K.backend.clear_session()
    layer = case.build(K)
    inputs = case.make_inputs()
    kwargs = {k: conv(v) for k, v in case.kwargs.items()}
    call_layer(case, layer, [tf.constant(a) for a in inputs], kwargs)      # build
    names = [w.path if hasattr(w, "path") else w.name for w in layer.weights]
    shapes = [tuple(w.shape) for w in layer.get_weights()]
    weights = weight_values(case.name, shapes, names)
    layer.set_weights(weights)
    if getattr(layer, "stateful", False):
        layer.reset_states()
    tensors = [tf.constant(a) for a in inputs]
    for _ in range(case.calls - 1):
        call_layer(case, layer, tensors, kwargs)
    with tf.GradientTape(persistent=True) as tape:
        for t, a in zip(tensors, inputs):
            if a.dtype.kind == "f":
                tape.watch(t)
        out = call_layer(case, layer, tensors, kwargs)
        outs = flat(out)
        loss = tf.add_n([tf.reduce_sum(tf.cast(o, tf.float32) * cotangent(tuple(o.shape), k))
                         for k, o in enumerate(outs)])
        reg = tf.add_n([tf.reduce_sum(v) for v in layer.losses]) if layer.losses else None
    gin = [tape.gradient(loss, t) if a.dtype.kind == "f" else None for t, a in zip(tensors, inputs)]
    gw = tape.gradient(loss, [w.value if hasattr(w, "value") else w for w in layer.weights])
    tol = lambda g: None if g is None else r8(np.asarray(tf.convert_to_tensor(g)))  # noqa: E731
    return {
        "weight_shapes": [list(s) for s in shapes],
        "weights": [r8(w) for w in weights],
        "inputs": [r8(a) for a in inputs],
        "outputs": [r8(np.asarray(o)) for o in outs],
        "output_dtypes": [str(np.asarray(o).dtype) for o in outs],
        "input_grads": [tol(g) for g in gin],
        "weight_grads": [tol(g) for g in gw],
        "losses": None if reg is None else float(reg),
    }


def main():
    out = {"keras_version": K.__version__ if hasattr(K, "__version__") else tf.__version__,
           "tf_version": tf.__version__, "cases": {}}
    only = set(sys.argv[1:])
    for case in CASES:
        if only and case.name not in only:
            continue
        out["cases"][case.name] = record(case)
        print("recorded", case.name)
    path = os.path.join(os.path.dirname(__file__), "..", "data", "keras_layers.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
