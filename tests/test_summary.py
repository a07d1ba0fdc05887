"""tf.summary and keras.callbacks.TensorBoard write event files that TensorBoard's own EventAccumulator reads,
with the tags, plugins, steps and values real TF/Keras write (tests/data/tensorboard_tf.json, recorded by
tests/tf_reference/record_tensorboard.py)."""
import json
import os
import struct
import threading
import zlib

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

import gradtape as tf  # noqa: E402

REF = json.load(open(os.path.join(os.path.dirname(__file__), "data", "tensorboard_tf.json")))


def _arr(tp):
    from tensorboard.util import tensor_util
    return tensor_util.make_ndarray(tp)


def read_dir(d):
    acc = EventAccumulator(d, size_guidance={"tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    out = {"tensors": {}, "graph": bool(tags.get("graph")),
           "files": sorted(".".join(f.split(".")[:2]) for f in os.listdir(d))}
    for t in tags.get("tensors", []):
        evs = acc.Tensors(t)
        vals = []
        for e in evs:
            a = _arr(e.tensor_proto)
            vals.append(float(a) if a.ndim == 0 and a.dtype.kind == "f" else list(a.shape))
        out["tensors"][t] = {"plugin": acc.SummaryMetadata(t).plugin_data.plugin_name,
                             "steps": [e.step for e in evs], "values": vals,
                             "dtype": int(evs[0].tensor_proto.dtype)}
    return out, acc


def walk(root):
    res = {}
    for dirpath, _, files in os.walk(root):
        if any("tfevents" in f for f in files):
            res[os.path.relpath(dirpath, root)] = read_dir(dirpath)[0]
    return res


def assert_same(got, ref, rtol=1e-4):
    assert sorted(got) == sorted(ref)
    for run in ref:
        g, r = got[run], ref[run]
        assert g["files"] == r["files"]
        assert g["graph"] == r["graph"]
        assert sorted(g["tensors"]) == sorted(r["tensors"]), run
        for tag, rt in r["tensors"].items():
            gt = g["tensors"][tag]
            assert (gt["plugin"], gt["steps"], gt["dtype"]) == (rt["plugin"], rt["steps"], rt["dtype"]), (run, tag)
            for gv, rv in zip(gt["values"], rt["values"]):
                if isinstance(rv, float):
                    np.testing.assert_allclose(gv, rv, rtol=rtol, err_msg=f"{run}/{tag}")
                else:
                    assert gv == rv, (run, tag)


def set_fixed_weights(model):
    for layer in model.layers:
        layer.set_weights([np.linspace(-0.7, 0.9, w.size).reshape(w.shape).astype("float32")
                           for w in layer.get_weights()])


def data():
    x = np.random.RandomState(0).randn(32, 3).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")
    return x, y


def test_summary_ops_match_tf(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=3):
        assert tf.summary.scalar("loss", 0.5)
        tf.summary.scalar("loss", 0.25, step=4)
        tf.summary.histogram("w", np.arange(10.0))
        tf.summary.image("img", np.zeros((2, 4, 5, 3), "float32"), max_outputs=2)
        tf.summary.text("note", "hello")
        tf.summary.audio("snd", np.zeros((1, 100, 1), "float32"), sample_rate=8000)
    w.flush()
    assert_same(walk(str(tmp_path)), REF["summary"])


def test_no_writer_and_no_step(tmp_path):
    assert tf.summary.scalar("x", 1.0) is False          # no default writer: nothing written, no error
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default():
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
    assert REF["no_step"].startswith("ValueError: No step set")
    tf.summary.experimental.set_step(7)
    try:
        assert tf.summary.experimental.get_step() == 7
        with w.as_default():
            tf.summary.scalar("x", 2.0)
            step = tf.Variable(9, dtype=tf.int64)
            tf.summary.scalar("x", 3.0, step=step)
    finally:
        tf.summary.experimental.set_step(None)
    w.close()
    got, acc = read_dir(str(tmp_path))
    assert got["tensors"]["x"]["steps"] == [7, 9]
    assert got["tensors"]["x"]["values"] == [2.0, 3.0]
    with pytest.raises(RuntimeError):
        with w.as_default(step=1):
            tf.summary.scalar("x", 1.0)


def test_record_if_noop_writer_set_as_default(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=0):
        with tf.summary.record_if(False):
            assert tf.summary.scalar("a", 1.0) is False
            assert not tf.summary.should_record_summaries()
        with tf.summary.record_if(lambda: True):
            assert tf.summary.scalar("b", 1.0)
    with tf.summary.create_noop_writer().as_default(step=0):
        assert tf.summary.scalar("c", 1.0) is False
    w.set_as_default(step=5)
    try:
        with tf.name_scope("outer"):
            tf.summary.scalar("d", 4.0)
        tf.summary.flush()
    finally:
        tf.summary._state.writer = None
        tf.summary._state.step = None
    got, _ = read_dir(str(tmp_path))
    assert sorted(got["tensors"]) == ["b", "outer/d"]
    assert got["tensors"]["outer/d"]["steps"] == [5]


def test_writer_state_is_per_thread(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    seen = []
    with w.as_default(step=1):
        t = threading.Thread(target=lambda: seen.append(tf.summary.scalar("other", 1.0)))
        t.start()
        t.join()
    assert seen == [False]


def test_histogram_buckets_and_edge_cases(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=0):
        tf.summary.histogram("h", np.array([0.0, 1.0, 1.0, 3.0]), buckets=3)
        tf.summary.histogram("same", np.full(5, 2.0), buckets=4)
        tf.summary.histogram("empty", np.zeros((0,)), buckets=2)
    w.flush()
    _, acc = read_dir(str(tmp_path))
    h = _arr(acc.Tensors("h")[0].tensor_proto)
    np.testing.assert_allclose(h, [[0, 1, 1], [1, 2, 2], [2, 3, 1]])
    s = _arr(acc.Tensors("same")[0].tensor_proto)
    np.testing.assert_allclose(s, [[2, 2, 0], [2, 2, 0], [2, 2, 0], [2, 2, 5]])
    assert _arr(acc.Tensors("empty")[0].tensor_proto).shape == (2, 3)


def test_image_png_text_and_audio_contents(tmp_path):
    img = np.linspace(0, 1, 2 * 3 * 2).reshape(1, 2, 3, 2).astype("float32")
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default(step=0):
        tf.summary.image("i", img)
        tf.summary.text("t", tf.constant([["a", "b"]]))
        tf.summary.audio("a", np.array([[[0.5], [-2.0]]], "float32"), sample_rate=16000)
        with pytest.raises(ValueError):
            tf.summary.image("bad", np.zeros((2, 2)))
    w.flush()
    _, acc = read_dir(str(tmp_path))
    parts = _arr(acc.Tensors("i")[0].tensor_proto)
    assert parts[0] == b"3" and parts[1] == b"2"
    png = parts[2]
    assert png.startswith(b"\x89PNG")
    ihdr = png[16:29]
    assert struct.unpack(">II", ihdr[:8]) == (3, 2)
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41:41 + idat_len])
    rows = np.frombuffer(raw, np.uint8).reshape(2, 1 + 3 * 2)
    assert (rows[:, 0] == 0).all()
    expected = np.clip(img[0] * 255.5, 0, 255).astype(np.uint8).reshape(2, 6)
    np.testing.assert_array_equal(rows[:, 1:], expected)
    t = _arr(acc.Tensors("t")[0].tensor_proto)
    assert t.shape == (1, 2) and t[0, 1] == b"b"
    wav = _arr(acc.Tensors("a")[0].tensor_proto)[0, 0]
    assert wav[:4] == b"RIFF" and struct.unpack("<I", wav[24:28])[0] == 16000
    np.testing.assert_array_equal(np.frombuffer(wav[44:], "<i2"), [16384, -32767])


def test_graph_of_tape_and_model(tmp_path):
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape(persistent=True) as tape:
        y = x * x + tf.sin(x)
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, name="a"),
                                 tf.keras.layers.Dense(1, name="b")])
    w1 = tf.summary.create_file_writer(str(tmp_path / "tape"))
    with w1.as_default():
        assert tf.summary.graph(tape)
    w2 = tf.summary.create_file_writer(str(tmp_path / "model"))
    with w2.as_default():
        assert tf.summary.graph(model)
        with pytest.raises(TypeError):
            tf.summary.graph(3)
    del y
    _, acc = read_dir(str(tmp_path / "tape"))
    g = acc.Graph()
    ops = [n.op for n in g.node]
    assert "sin" in ops and "add" in ops and "VarHandleOp" in ops
    add = [n for n in g.node if n.op == "add"][0]
    assert len(add.input) == 2
    _, acc = read_dir(str(tmp_path / "model"))
    g = acc.Graph()
    names = [n.name for n in g.node]
    assert names[-2:] == [f"{model.name}/a", f"{model.name}/b"]
    assert list(g.node[-1].input) == [f"{model.name}/a"]


def _tb_model(layers):
    model = tf.keras.Sequential([tf.keras.Input((3,))] + layers, name="sequential")
    set_fixed_weights(model)
    return model


def test_tensorboard_callback_epoch_matches_keras(tmp_path):
    x, y = data()
    model = _tb_model([tf.keras.layers.Dense(4, activation="relu", name="d1"), tf.keras.layers.Dense(1, name="d2")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    cb = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1, update_freq="epoch",
                                        write_graph=True)
    model.fit(x, y, batch_size=8, epochs=2, validation_data=(x, y), callbacks=[cb], verbose=0, shuffle=False)
    assert_same(walk(str(tmp_path)), REF["callback_epoch"])
    _, acc = read_dir(str(tmp_path / "train"))
    cfg = json.loads(_arr(acc.Tensors("keras")[0].tensor_proto).item())
    assert cfg["class_name"] == "Sequential"
    k = model.layers[0].kernel.numpy()
    h = _arr(acc.Tensors("sequential/d1/kernel/histogram")[1].tensor_proto)
    assert h[:, 2].sum() == k.size and h[0, 0] == k.min() and h[-1, 1] == k.max()


def test_tensorboard_callback_update_freq_matches_keras(tmp_path):
    x, y = data()
    model = _tb_model([tf.keras.layers.Dense(1, name="d")])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.01), loss="mse")
    cb = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq=2, write_graph=False)
    model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, callbacks=[cb], verbose=0, shuffle=False)
    assert_same(walk(str(tmp_path)), REF["callback_batch2"])


def test_tensorboard_callback_unsupported_options(tmp_path):
    with pytest.raises(NotImplementedError):
        tf.keras.callbacks.TensorBoard(str(tmp_path), profile_batch=2)
    with pytest.raises(NotImplementedError):
        tf.keras.callbacks.TensorBoard(str(tmp_path), embeddings_freq=1)
    with pytest.raises(ValueError):
        tf.keras.callbacks.TensorBoard(str(tmp_path), update_freq=0)


def test_trace_on_export_writes_function_graphs_as_tf(tmp_path):
    from tensorboard.compat.proto import config_pb2
    ref = REF["trace"]["."]["tensors"]["fn_trace"]
    w = tf.summary.create_file_writer(str(tmp_path))
    v = tf.Variable(2.0, name="scale")

    @tf.function
    def f(x, y):
        v.assign_add(1.0)
        return tf.nn.relu(tf.matmul(x, y) + v)
    f(tf.ones((2, 3)), tf.ones((3, 2)))                       # traced before trace_on: still recorded
    tf.summary.trace_on(graph=True, profiler=False)
    out = f(tf.ones((2, 3)), tf.ones((3, 2)))
    np.testing.assert_allclose(out.numpy(), np.full((2, 2), 7.0))   # the call's values and writes are kept
    assert v.numpy() == 4.0
    with w.as_default():
        assert tf.summary.trace_export(name="fn_trace", step=3)
    w.flush()
    with pytest.raises(ValueError, match="trace_on"):           # the export stopped tracing, as in TF
        with w.as_default():
            tf.summary.trace_export(name="again", step=4)
    np.testing.assert_allclose(f(tf.ones((2, 3)), tf.ones((3, 2))).numpy(), np.full((2, 2), 8.0))
    acc = EventAccumulator(str(tmp_path), size_guidance={"tensors": 0})
    acc.Reload()
    assert acc.Tags()["tensors"] == ["fn_trace"]
    ev = acc.Tensors("fn_trace")
    md = acc.SummaryMetadata("fn_trace").plugin_data
    assert (md.plugin_name, md.content.decode(), [e.step for e in ev], int(ev[0].tensor_proto.dtype)) == \
        (ref["plugin"], REF["trace_content"], ref["steps"], ref["dtype"])
    rm = config_pb2.RunMetadata.FromString(ev[0].tensor_proto.string_val[0])
    assert len(rm.function_graphs) == 1
    ops = {n.op for n in rm.function_graphs[0].pre_optimization_graph.node}
    # the structural nodes TF writes; gradtape's compute ops keep their registry names (matmul, add, relu)
    assert {"_Arg", "_Retval", "ReadVariableOp", "AssignAddVariableOp", "Const"} <= set(REF["trace_graph_ops"])
    assert {"_Arg", "_Retval", "ReadVariableOp", "AssignAddVariableOp", "Const", "matmul", "relu"} <= ops
    with pytest.warns(UserWarning, match="profiler"):
        tf.summary.trace_on(graph=True, profiler=True)
    tf.summary.trace_off()
    assert f(tf.ones((2, 3)), tf.ones((3, 2))).numpy()[0, 0] == 9.0
