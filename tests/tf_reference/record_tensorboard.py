"""Record the tags, plugins, steps and values real TF/Keras writes to TensorBoard event files.

Run: TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/record_tensorboard.py
Writes tests/data/tensorboard_tf.json, which tests/test_summary.py compares gradtape's files against.
"""
import json
import os
import tempfile

import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "tensorboard_tf.json")


def read_dir(d):
    acc = EventAccumulator(d, size_guidance={"tensors": 0, "scalars": 0, "histograms": 0, "images": 0})
    acc.Reload()
    tags = acc.Tags()
    out = {"tensors": {}, "graph": bool(tags.get("graph")), "files": sorted(os.listdir(d))}
    for t in tags.get("tensors", []):
        evs = acc.Tensors(t)
        plugin = acc.SummaryMetadata(t).plugin_data.plugin_name
        vals = []
        for e in evs:
            a = tf.make_ndarray(e.tensor_proto)
            vals.append(float(a) if a.ndim == 0 and a.dtype.kind == "f" else list(a.shape))
        out["tensors"][t] = {"plugin": plugin, "steps": [e.step for e in evs], "values": vals,
                             "dtype": int(evs[0].tensor_proto.dtype)}
    return out


def walk(root):
    res = {}
    for dirpath, _, files in os.walk(root):
        if any("tfevents" in f for f in files):
            rel = os.path.relpath(dirpath, root)
            res[rel] = read_dir(dirpath)
            res[rel]["files"] = [f.split(".")[0] + "." + f.split(".")[1] for f in res[rel]["files"]]
    return res


def set_fixed_weights(model):
    """Deterministic weights (the same in tests/test_summary.py) so logged values can be compared."""
    for layer in model.layers:
        model_ws = [np.linspace(-0.7, 0.9, w.size).reshape(w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(model_ws)


def main():
    result = {}
    tf.random.set_seed(0)
    np.random.seed(0)
    x = np.random.RandomState(0).randn(32, 3).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    with tempfile.TemporaryDirectory() as d:
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="relu", name="d1"),
                                     tf.keras.layers.Dense(1, name="d2")])
        set_fixed_weights(model)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
        cb = tf.keras.callbacks.TensorBoard(log_dir=d, histogram_freq=1, update_freq="epoch", write_graph=True)
        model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), callbacks=[cb], verbose=0, shuffle=False)
        result["callback_epoch"] = walk(d)
    with tempfile.TemporaryDirectory() as d:
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1, name="d")])
        set_fixed_weights(model)
        model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
        cb = tf.keras.callbacks.TensorBoard(log_dir=d, update_freq=2, write_graph=False)
        model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, callbacks=[cb], verbose=0, shuffle=False)
        result["callback_batch2"] = walk(d)
    with tempfile.TemporaryDirectory() as d:
        w = tf.summary.create_file_writer(d)
        with w.as_default(step=3):
            tf.summary.scalar("loss", 0.5)
            tf.summary.scalar("loss", 0.25, step=4)
            tf.summary.histogram("w", np.arange(10.0))
            tf.summary.image("img", np.zeros((2, 4, 5, 3), "float32"), max_outputs=2)
            tf.summary.text("note", "hello")
            tf.summary.audio("snd", np.zeros((1, 100, 1), "float32"), sample_rate=8000)
        w.flush()
        result["summary"] = walk(d)
        try:
            tf.summary.scalar("x", 1.0)
            result["no_writer_returns"] = "ok"
        except Exception as e:  # noqa
            result["no_writer_returns"] = type(e).__name__
        with w.as_default():
            try:
                tf.summary.scalar("x", 1.0)
                result["no_step"] = "ok"
            except Exception as e:
                result["no_step"] = type(e).__name__ + ": " + str(e)[:200]
    with tempfile.TemporaryDirectory() as d:
        w = tf.summary.create_file_writer(d)
        v = tf.Variable(2.0, name="scale")

        @tf.function
        def f(x, y):
            v.assign_add(1.0)
            return tf.nn.relu(tf.matmul(x, y) + v)
        tf.summary.trace_on(graph=True, profiler=False)
        f(tf.ones((2, 3)), tf.ones((3, 2)))
        with w.as_default():
            tf.summary.trace_export(name="fn_trace", step=3)
        w.flush()
        result["trace"] = walk(d)
        from tensorboard.compat.proto import config_pb2
        acc = EventAccumulator(d, size_guidance={"tensors": 0})
        acc.Reload()
        rm = config_pb2.RunMetadata.FromString(acc.Tensors("fn_trace")[0].tensor_proto.string_val[0])
        result["trace_graph_ops"] = sorted({n.op for g in rm.function_graphs for n in g.pre_optimization_graph.node})
        result["trace_content"] = acc.SummaryMetadata("fn_trace").plugin_data.content.decode()
        result["trace_after_export_on"] = True
        try:
            with w.as_default():
                tf.summary.trace_export(name="again", step=4)   # tracing was stopped by the export
            w.flush()
            result["trace_after_export_on"] = "again" in EventAccumulator(d).Reload().Tags()["tensors"]
        except Exception as e:  # noqa
            result["trace_after_export_on"] = type(e).__name__
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    print(json.dumps(result, indent=1, sort_keys=True)[:6000])


if __name__ == "__main__":
    main()
