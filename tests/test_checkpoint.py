"""Weight files (h5, safetensors, npz), whole-model files, tf.train.Checkpoint/CheckpointManager:
exact resumption of training (optimizer slots and iterations included) and atomic writes."""
import os

import numpy as np
import pytest

import gradtape as tf
from gradtape.keras import optimizers as O
from gradtape.keras import saving
from gradtape.train import Checkpoint, CheckpointManager, latest_checkpoint


class TinyModel:
    """Any object with an ordered .weights list works with save_weights/Checkpoint."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.w = tf.Variable(rng.normal(size=(3, 2)).astype(np.float32), name="w")
        self.b = tf.Variable(np.zeros(2, np.float32), name="b")
        self.scale = tf.Variable(np.float32(1.5), name="scale", trainable=False)

    @property
    def weights(self):
        return [self.w, self.b, self.scale]

    @property
    def trainable_weights(self):
        return [self.w, self.b]

    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype(np.float32)
Y = RNG.normal(size=(16, 2)).astype(np.float32)


def step(model, opt, i):
    xb, yb = X[(i % 4) * 4:(i % 4) * 4 + 4], Y[(i % 4) * 4:(i % 4) * 4 + 4]
    with tf.GradientTape() as t:
        loss = tf.reduce_mean(tf.square(model(xb) - yb))
    opt.apply_gradients(zip(t.gradient(loss, model.trainable_weights), model.trainable_weights))


@pytest.mark.parametrize("make_opt", [lambda: O.Adam(0.05), lambda: O.Nadam(0.05), lambda: O.SGD(0.1, momentum=0.9),
                                      lambda: O.RMSprop(0.01, momentum=0.5, centered=True),
                                      lambda: O.Adam(O.schedules.ExponentialDecay(0.1, 2, 0.5))])
def test_resume_is_identical(tmp_path, make_opt):
    ref_model, ref_opt = TinyModel(1), make_opt()
    for i in range(10):
        step(ref_model, ref_opt, i)

    model, opt = TinyModel(1), make_opt()
    for i in range(5):
        step(model, opt, i)
    path = Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "ckpt"))
    assert path.endswith("ckpt-1")

    model2, opt2 = TinyModel(99), make_opt()  # fresh objects, different init
    status = Checkpoint(model=model2, optimizer=opt2).restore(path)
    status.assert_consumed()
    assert int(opt2.iterations.numpy()) == 5
    for i in range(5, 10):
        step(model2, opt2, i)
    for a, b in zip(ref_model.weights, model2.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_checkpoint_variables_and_status(tmp_path):
    v = tf.Variable([1.0, 2.0])
    step_var = tf.Variable(np.int64(7))
    ck = Checkpoint(v=v, step=step_var)
    p = ck.write(str(tmp_path / "one"))
    assert os.path.exists(p + ".index") and os.path.exists(p + ".data-00000-of-00001")
    v.assign([0.0, 0.0])
    step_var.assign(np.int64(0))
    Checkpoint(v=v, step=step_var).read(p).assert_consumed()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert int(step_var.numpy()) == 7
    extra = tf.Variable(3.0)
    st = Checkpoint(v=v, extra=extra).restore(p)
    with pytest.raises(AssertionError, match="extra"):
        st.assert_consumed()
    st.expect_partial()
    with pytest.raises(ValueError, match="shape"):
        Checkpoint(v=tf.Variable([1.0, 2.0, 3.0]), step=step_var).restore(p)
    with pytest.raises(FileNotFoundError, match="latest_checkpoint"):
        ck.restore(str(tmp_path / "nope"))
    assert ck.restore(None) is not None
    assert dict(tf.train.list_variables(p))["v"] == [2]


def test_save_counter_and_latest(tmp_path):
    v = tf.Variable(1.0)
    ck = Checkpoint(v=v)
    p1 = ck.save(str(tmp_path / "ck"))
    p2 = ck.save(str(tmp_path / "ck"))
    assert p1.endswith("ck-1") and p2.endswith("ck-2") and int(ck.save_counter.numpy()) == 2
    assert latest_checkpoint(str(tmp_path)) == p2
    ck2 = Checkpoint(v=tf.Variable(0.0))
    ck2.restore(latest_checkpoint(str(tmp_path)))
    assert int(ck2.save_counter.numpy()) == 2


def test_manager_keeps_max(tmp_path):
    v = tf.Variable(0.0)
    ck = Checkpoint(v=v)
    mgr = CheckpointManager(ck, str(tmp_path / "run"), max_to_keep=2)
    assert mgr.latest_checkpoint is None
    paths = []
    for i in range(4):
        v.assign(float(i))
        paths.append(mgr.save())
    assert mgr.checkpoints == paths[-2:]
    assert not os.path.exists(paths[0] + ".data-00000-of-00001")
    assert os.path.exists(paths[3] + ".index")
    mgr2 = CheckpointManager(Checkpoint(v=tf.Variable(-1.0)), str(tmp_path / "run"), max_to_keep=2)
    assert mgr2.latest_checkpoint == paths[-1] and mgr2.checkpoints == paths[-2:]
    assert mgr2.restore_or_initialize() == paths[-1]
    assert float(mgr2.checkpoint.v.numpy()) == 3.0
    assert mgr.save(checkpoint_number=100).endswith("ckpt-100")


def test_checkpoint_failure_mid_write_keeps_old(tmp_path, monkeypatch):
    v = tf.Variable([1.0, 2.0])
    ck = Checkpoint(v=v)
    p = ck.write(str(tmp_path / "c"))
    before = open(p + ".data-00000-of-00001", "rb").read()
    v.assign([5.0, 6.0])

    def broken(f, arrays):
        f.write(b"PK\x03\x04 partial garbage")
        raise RuntimeError("disk full (simulated)")
    monkeypatch.setattr(saving, "_write_npz", broken)
    with pytest.raises(RuntimeError, match="simulated"):
        ck.write(p)
    assert open(p + ".data-00000-of-00001", "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["c.data-00000-of-00001", "c.index"]  # no temp files left
    monkeypatch.undo()
    Checkpoint(v=v).restore(p)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])


@pytest.mark.parametrize("ext", [".weights.h5", ".safetensors", ".npz", ".weights.bin"])
def test_weight_files_round_trip(tmp_path, ext):
    if ext == ".weights.h5":
        pytest.importorskip("h5py")
    if ext == ".safetensors":
        pytest.importorskip("safetensors")
    a, b = TinyModel(1), TinyModel(2)
    path = str(tmp_path / ("m" + ext))
    saving.save_weights(a, path)
    saving.load_weights(b, path)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
        assert x.numpy().dtype == y.numpy().dtype
    assert np.ndim(b.scale._value) == 0


def test_weight_file_mismatch_errors(tmp_path):
    a = TinyModel(1)
    path = str(tmp_path / "m.npz")
    saving.save_weights(a, path)

    class Other:
        weights = [tf.Variable(np.zeros((3, 3), np.float32)), tf.Variable(np.zeros(2, np.float32)),
                   tf.Variable(np.float32(0))]
    with pytest.raises(ValueError, match="shape"):
        saving.load_weights(Other(), path)

    class Fewer:
        weights = [tf.Variable(1.0)]
    with pytest.raises(ValueError, match="3 weights"):
        saving.load_weights(Fewer(), path)
    with pytest.raises(FileNotFoundError):
        saving.load_weights(a, str(tmp_path / "missing.npz"))


@pytest.mark.parametrize("ext", [".weights.h5", ".npz"])
def test_weight_file_failure_mid_write_keeps_old(tmp_path, monkeypatch, ext):
    if ext == ".weights.h5":
        h5py = pytest.importorskip("h5py")
    a = TinyModel(1)
    path = str(tmp_path / ("m" + ext))
    saving.save_weights(a, path)
    before = open(path, "rb").read()
    a.w.assign(np.ones((3, 2), np.float32))
    if ext == ".npz":
        def broken(f, arrays):
            f.write(b"partial")
            raise RuntimeError("crash (simulated)")
        monkeypatch.setattr(saving, "_write_npz", broken)
    else:
        real = h5py.Group.create_dataset
        calls = []

        def broken(self, name, *args, **kw):
            calls.append(name)
            if len(calls) == 2:
                raise RuntimeError("crash (simulated)")
            return real(self, name, *args, **kw)
        monkeypatch.setattr(h5py.Group, "create_dataset", broken)
    with pytest.raises(RuntimeError, match="simulated"):
        saving.save_weights(a, path)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == [os.path.basename(path)]
    monkeypatch.undo()
    b = TinyModel(5)
    saving.load_weights(b, path)
    np.testing.assert_array_equal(b.w.numpy(), TinyModel(1).w.numpy())


def _keras_model():
    layers = pytest.importorskip("gradtape.keras.layers")
    models = pytest.importorskip("gradtape.keras.models")
    m = models.Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])
    return m


@pytest.mark.parametrize("name", ["model.keras", "model.h5", "model_dir"])
def test_save_and_load_model_with_optimizer(tmp_path, name):
    if name.endswith(".h5"):
        pytest.importorskip("h5py")
    m = _keras_model()
    m.compile(optimizer=O.Adam(0.01), loss="mse")
    opt = m.optimizer
    for i in range(3):
        step(m, opt, i)
    path = str(tmp_path / name)
    saving.save_model(m, path)
    m2 = saving.load_model(path)
    assert type(m2) is type(m)
    for a, b in zip(m.weights, m2.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(m2.optimizer.iterations.numpy()) == 3
    x = X[:4]
    np.testing.assert_array_equal(m(x).numpy(), m2(x).numpy())
    for i in range(3, 6):
        step(m, opt, i)
        step(m2, m2.optimizer, i)
    for a, b in zip(m.weights, m2.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_checkpoint_keras_model_tracks_optimizer(tmp_path):
    m = _keras_model()
    m.compile(optimizer=O.Adam(0.01), loss="mse")
    for i in range(2):
        step(m, m.optimizer, i)
    p = Checkpoint(model=m).save(str(tmp_path / "k"))
    m2 = _keras_model()
    m2.compile(optimizer=O.Adam(0.01), loss="mse")
    Checkpoint(model=m2).restore(p).assert_consumed()
    assert int(m2.optimizer.iterations.numpy()) == 2
    step(m, m.optimizer, 2)
    step(m2, m2.optimizer, 2)
    for a, b in zip(m.weights, m2.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_tf_format_save_weights_and_latest_checkpoint(tmp_path):
    a, b = TinyModel(1), TinyModel(2)
    prefix = str(tmp_path / "training_1" / "cp.ckpt")
    saving.save_weights(a, prefix)
    assert os.path.exists(prefix + ".index")
    assert latest_checkpoint(str(tmp_path / "training_1")) == prefix
    saving.load_weights(b, latest_checkpoint(str(tmp_path / "training_1")))
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_dataset_iterator_in_checkpoint(tmp_path):
    ds = tf.data.Dataset.range(10).shuffle(10, seed=4).batch(3)
    it = iter(ds)
    first = next(it).numpy()
    ck = Checkpoint(iterator=it)
    p = ck.save(str(tmp_path / "it"))
    expected = [b.numpy().tolist() for b in it]
    it2 = iter(tf.data.Dataset.range(10).shuffle(10, seed=4).batch(3))
    Checkpoint(iterator=it2).restore(p).assert_consumed()
    assert [b.numpy().tolist() for b in it2] == expected
    assert len(first) == 3
    with pytest.raises(tf.errors.OutOfRangeError):
        it2.get_next()


def test_restore_into_unbuilt_model_warns(tmp_path):
    a = TinyModel(1)
    p = Checkpoint(model=a).write(str(tmp_path / "u"))

    class Unbuilt:
        weights = []
    with pytest.warns(UserWarning, match="no weights yet"):
        st = Checkpoint(model=Unbuilt()).restore(p)
    with pytest.raises(AssertionError):
        st.assert_consumed()


def test_load_checkpoint_reader_reads_shapes_dtypes_and_values(tmp_path):
    v = tf.Variable([[1.0, 2.0, 3.0]])
    step = tf.Variable(7, dtype=tf.int64)
    path = tf.train.Checkpoint(v=v, step=step).save(str(tmp_path / "ck"))
    for where in (path, str(tmp_path)):
        reader = tf.train.load_checkpoint(where)
        shapes = reader.get_variable_to_shape_map()
        assert shapes["v"] == [1, 3] and shapes["step"] == []
        assert reader.get_variable_to_dtype_map()["step"] == tf.int64
        np.testing.assert_array_equal(reader.get_tensor("v"), [[1.0, 2.0, 3.0]])
        assert reader.has_tensor("step") and not reader.has_tensor("w")
    with pytest.raises(tf.errors.NotFoundError, match="w"):
        reader.get_tensor("w")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no checkpoint"):
        tf.train.load_checkpoint(str(empty))
