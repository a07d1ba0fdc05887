"""Keras layers against values recorded from real Keras 3 (tests/tf_reference/make_layer_refs.py):
the weights' order and shapes (``get_weights()``), the outputs, and the gradients for the inputs and
every weight, with the same fixed weights and inputs."""
import json
import os
import sys

import numpy as np
import pytest

import gradtape as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "tf_reference"))
from layer_cases import CASES, call_layer, cotangent  # noqa: E402

with open(os.path.join(os.path.dirname(__file__), "data", "keras_layers.json")) as _f:
    REF = json.load(_f)["cases"]

K = tf.keras


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _flat(v)]
    return [x]


def _conv(v):
    if isinstance(v, np.ndarray):
        return tf.constant(v)
    if isinstance(v, list) and v and isinstance(v[0], np.ndarray):
        return [tf.constant(a) for a in v]
    return v


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_layer_matches_keras(case):
    ref = REF[case.name]
    K.backend.clear_session()
    layer = case.build(K)
    inputs = [np.asarray(a, dtype=np.asarray(b).dtype) for a, b in zip(ref["inputs"], case.make_inputs())]
    kwargs = {k: _conv(v) for k, v in case.kwargs.items()}
    call_layer(case, layer, [tf.constant(a) for a in inputs], kwargs)
    shapes = [list(np.shape(w)) for w in layer.get_weights()]
    assert shapes == ref["weight_shapes"], "weight order/shapes differ from Keras's get_weights()"
    layer.set_weights([np.asarray(w, np.float32) for w in ref["weights"]])
    if getattr(layer, "stateful", False):
        layer.reset_states()
    tensors = [tf.constant(a) for a in inputs]
    for _ in range(case.calls - 1):
        call_layer(case, layer, tensors, kwargs)
    with tf.GradientTape(persistent=True) as tape:
        for t, a in zip(tensors, inputs):
            if a.dtype.kind == "f":
                tape.watch(t)
        outs = _flat(call_layer(case, layer, tensors, kwargs))
        loss = tf.add_n([tf.reduce_sum(tf.cast(o, tf.float32) * cotangent(tuple(o.shape), k))
                         for k, o in enumerate(outs)])
    assert len(outs) == len(ref["outputs"])
    tol = case.tol
    for o, want, dt in zip(outs, ref["outputs"], ref["output_dtypes"]):
        assert str(o.dtype.name) == dt
        np.testing.assert_allclose(o.numpy(), np.asarray(want), rtol=1e-4, atol=tol)
    for t, a, want in zip(tensors, inputs, ref["input_grads"]):
        if want is None:
            continue
        g = tape.gradient(loss, t)
        assert g is not None, "input gradient is None"
        np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), np.asarray(want), rtol=1e-4, atol=tol)
    grads = tape.gradient(loss, layer.weights)
    for i, (g, want) in enumerate(zip(grads, ref["weight_grads"])):
        if want is None:
            assert g is None or not layer.weights[i].trainable
            continue
        assert g is not None, f"gradient of weight {i} ({layer.weights[i].name}) is None"
        np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), np.asarray(want), rtol=1e-4, atol=tol,
                                   err_msg=f"weight {i} ({layer.weights[i].name})")
    if ref["losses"] is not None:
        np.testing.assert_allclose(float(tf.add_n(layer.losses).numpy()), ref["losses"], rtol=1e-5)
