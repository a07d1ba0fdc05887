"""Loaders fed damaged or hostile files: truncations, bit flips, wrong shapes, pickle payloads and
archive traversal give a clear error or a correct load -- never code execution, never a partly updated
model (a load checks everything before assigning anything)."""
import io
import os
import pickle
import random
import tarfile
import warnings
import zipfile

import numpy as np
import pytest

import gradtape as tf
from gradtape import errors
from gradtape.keras import saving
from gradtape.keras.datasets import _common, cifar10, imdb
from gradtape.keras.utils import data_utils
from gradtape.train import Checkpoint, CheckpointManager

CLEAR = (ValueError, OSError, errors.DataLossError, NotImplementedError)
MUTATIONS = int(os.environ.get("GRADTAPE_FUZZ_MUTATIONS", "40"))


def model(seed=0, units=4, name_a="a", name_b="b"):
    rng = np.random.default_rng(seed)
    m = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(units, name=name_a),
                             tf.keras.layers.Dense(2, name=name_b)])
    for v in m.weights:
        v.assign(rng.normal(size=v.shape).astype(np.float32))
    return m


def snapshot(m):
    return [np.array(v.numpy()) for v in m.weights]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def mutations(data, rng):
    """Truncations, bit flips and overwritten runs of ``data``."""
    n = len(data)
    for _ in range(MUTATIONS):
        kind = rng.randrange(3)
        b = bytearray(data)
        if kind == 0:
            yield bytes(b[:rng.randrange(n)])
        elif kind == 1:
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(n)
                b[i] ^= 1 << rng.randrange(8)
            yield bytes(b)
        else:
            i = rng.randrange(n)
            b[i:i + 8] = bytes(rng.randrange(256) for _ in range(8))
            yield bytes(b)


def _files_in(path):
    if os.path.isdir(path):
        return [os.path.join(dp, f) for dp, _, fs in os.walk(path) for f in fs]
    return [path]


@pytest.mark.parametrize("ext", ["w.npz", "w.weights.h5", "w.safetensors"])
def test_weight_files_fuzz(tmp_path, ext):
    if ext.endswith("h5"):
        pytest.importorskip("h5py")
    if ext.endswith("safetensors"):
        pytest.importorskip("safetensors")
    src, dst = model(1), model(2)
    path = str(tmp_path / ext)
    src.save_weights(path)
    good, before = snapshot(src), snapshot(dst)
    data = open(path, "rb").read()
    rng = random.Random(7)
    outcomes = {"error": 0, "loaded": 0}
    for bad in mutations(data, rng):
        with open(path, "wb") as f:
            f.write(bad)
        try:
            dst.load_weights(path)
        except CLEAR:
            assert same(snapshot(dst), before), "a failed load changed the model"
            outcomes["error"] += 1
            continue
        assert same(snapshot(dst), good), "a damaged file loaded wrong values"
        outcomes["loaded"] += 1
        for v, a in zip(dst.weights, before):
            v.assign(a)
    assert outcomes["error"] > MUTATIONS // 5, outcomes  # HDF5 files have many unused bytes


@pytest.mark.parametrize("name", ["model_dir", "m.keras", "m.h5"])
def test_model_files_fuzz(tmp_path, name):
    if name.endswith("h5"):
        pytest.importorskip("h5py")
    src = model(1)
    src.compile(optimizer="adam", loss="mse")
    src.train_on_batch(np.ones((2, 3), np.float32), np.ones((2, 2), np.float32))
    path = str(tmp_path / name)
    src.save(path)
    good = snapshot(src)
    rng = random.Random(11)
    files = _files_in(path)
    originals = {f: open(f, "rb").read() for f in files}
    for target in files:
        for bad in mutations(originals[target], rng):
            with open(target, "wb") as f:
                f.write(bad)
            try:
                m = tf.keras.models.load_model(path)
            except CLEAR:
                continue
            assert same(snapshot(m), good)
        with open(target, "wb") as f:
            f.write(originals[target])
    assert same(snapshot(tf.keras.models.load_model(path)), good)


def test_checkpoint_fuzz(tmp_path):
    src, dst = model(1), model(2)
    prefix = Checkpoint(model=src).write(str(tmp_path / "ck"))
    good, before = snapshot(src), snapshot(dst)
    path = prefix + ".data-00000-of-00001"
    data = open(path, "rb").read()
    rng = random.Random(3)
    errors_seen = 0
    for bad in mutations(data, rng):
        with open(path, "wb") as f:
            f.write(bad)
        try:
            Checkpoint(model=dst).restore(prefix)
        except CLEAR:
            assert same(snapshot(dst), before)
            errors_seen += 1
            continue
        assert same(snapshot(dst), good)
        for v, a in zip(dst.weights, before):
            v.assign(a)
    assert errors_seen > MUTATIONS // 2


def test_bit_flip_in_array_data_is_reported(tmp_path):
    """A flip inside a stored value (past every container checksum) is caught by the digest."""
    src = model(1)
    path = str(tmp_path / "w.npz")
    arrays = [np.array(v.numpy()) for v in src.weights]
    names = [v.name for v in src.weights]
    meta = saving.weights_meta(arrays, names)
    arrays[0] = arrays[0].copy()
    arrays[0].view(np.uint32)[0, 0] ^= 1  # the file is internally consistent except for the digest
    payload = {f"{i:06d}": a for i, a in enumerate(arrays)}
    payload["__meta__"] = np.asarray(__import__("json").dumps(meta))
    np.savez(path, **payload)
    dst = model(2)
    before = snapshot(dst)
    with pytest.raises(saving.CorruptFileError, match="SHA-256"):
        dst.load_weights(path)
    assert same(snapshot(dst), before)


def test_wrong_shapes_change_nothing(tmp_path):
    src = model(1, units=5)
    path = str(tmp_path / "w.npz")
    src.save_weights(path)
    dst = model(2, units=4)
    before = snapshot(dst)
    with pytest.raises(ValueError, match="shape"):
        dst.load_weights(path)
    assert same(snapshot(dst), before)
    src.save(str(tmp_path / "m"))
    ck = Checkpoint(model=src).write(str(tmp_path / "ck"))
    with pytest.raises(ValueError, match="shape"):
        Checkpoint(model=dst).restore(ck)
    assert same(snapshot(dst), before)


class Boom:
    """A pickle payload that would create a marker file when unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_payloads_never_run(tmp_path):
    marker = str(tmp_path / "PWNED")
    evil = np.empty(1, dtype=object)
    evil[0] = Boom(marker)
    # a weights file holding an object array
    path = str(tmp_path / "w.npz")
    np.savez(path, **{"000000": evil, "__meta__": np.asarray("{}")})
    with pytest.raises(CLEAR):
        model(1).load_weights(path)
    # a checkpoint data file
    np.savez(str(tmp_path / "ck.data-00000-of-00001"), v000000=evil,
             __meta__=np.asarray('{"keys": ["model/weights/0"]}'))
    with pytest.raises(CLEAR):
        Checkpoint(model=model(1)).restore(str(tmp_path / "ck"))
    # the data-set readers: a CIFAR batch and an IMDB npz
    with open(tmp_path / "batch", "wb") as f:
        pickle.dump({b"data": Boom(marker), b"labels": [1]}, f)
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        cifar10.load_batch(str(tmp_path / "batch"))
    np.savez(str(tmp_path / "imdb.npz"), x_train=evil, y_train=np.zeros(1), x_test=evil, y_test=np.zeros(1),
             allow_pickle=True)
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        _common.load_npz(str(tmp_path / "imdb.npz"))
    assert not os.path.exists(marker)


def test_safe_unpickler_reads_arrays_and_lists(tmp_path):
    seqs = np.empty(2, dtype=object)
    seqs[0], seqs[1] = [1, 2, 3], [4]
    np.savez(str(tmp_path / "d.npz"), x=seqs, y=np.arange(2))
    d = _common.load_npz(str(tmp_path / "d.npz"))
    assert d["x"][0] == [1, 2, 3] and d["x"][1] == [4]
    np.testing.assert_array_equal(d["y"], np.arange(2))
    buf = io.BytesIO()
    pickle.dump({b"data": np.arange(6, dtype=np.uint8).reshape(2, 3), b"labels": [0, 1]}, buf, protocol=2)
    buf.seek(0)
    out = _common.safe_pickle_load(buf, encoding="bytes")
    np.testing.assert_array_equal(out[b"data"], np.arange(6).reshape(2, 3))


def test_cifar_legacy_archive_is_hash_checked(tmp_path, monkeypatch):
    """tf.keras 2's archive name in the cache is checked like the current one before extraction."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.setattr(data_utils, "_download", lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
    d = tmp_path / "kh" / "datasets"
    d.mkdir(parents=True)
    marker = str(tmp_path / "PWNED")
    with tarfile.open(d / "cifar-10-batches-py.tar.gz", "w:gz") as t:
        data = pickle.dumps({b"data": Boom(marker), b"labels": [0]})
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    with pytest.raises(data_utils.DownloadError, match="SHA-256"):
        cifar10.load_data()
    assert not (d / "cifar-10-batches-py").exists()
    assert not os.path.exists(marker)


def _tar(path, members):
    with tarfile.open(path, "w") as t:
        for name, kind, link in members:
            info = tarfile.TarInfo(name)
            if kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, link
                t.addfile(info)
            elif kind == "hard":
                info.type, info.linkname = tarfile.LNKTYPE, link
                t.addfile(info)
            else:
                info.size = 2
                t.addfile(info, io.BytesIO(b"hi"))


@pytest.mark.parametrize("own_checks", [False, True])
@pytest.mark.parametrize("members", [
    [("../escape.txt", "file", None)],
    [("/tmp/abs_escape_gradtape.txt", "file", None)],
    [("d/link", "sym", "../../.."), ("d/link/escape.txt", "file", None)],
    [("d/hl", "hard", "/etc/passwd")],
    [("ok/a.txt", "file", None), ("ok/../../escape.txt", "file", None)],
])
def test_archive_traversal_is_refused(tmp_path, monkeypatch, own_checks, members):
    if not own_checks and not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no tarfile filters")
    monkeypatch.setattr(data_utils, "_FORCE_OWN_TAR_CHECKS", own_checks)
    out = tmp_path / "a" / "b" / "out"
    out.mkdir(parents=True)
    archive = str(tmp_path / "x.tar")
    _tar(archive, members)
    try:
        data_utils._extract(archive, str(out), "tar")
        assert not own_checks, "our own checks refuse every such member"
    except data_utils.DownloadError:
        pass  # tarfile's data filter may instead strip a leading '/' and extract inside the target
    assert not (tmp_path / "a" / "b" / "escape.txt").exists()
    assert not (tmp_path / "escape.txt").exists()
    assert not os.path.exists("/tmp/abs_escape_gradtape.txt")


def test_own_tar_checks_extract_plain_archives(tmp_path, monkeypatch):
    monkeypatch.setattr(data_utils, "_FORCE_OWN_TAR_CHECKS", True)
    archive = str(tmp_path / "x.tar")
    _tar(archive, [("pkg/a.txt", "file", None), ("pkg/sub/b.txt", "file", None)])
    assert data_utils._extract(archive, str(tmp_path / "out"), "tar")
    assert (tmp_path / "out" / "pkg" / "sub" / "b.txt").read_bytes() == b"hi"


def test_zip_traversal_is_refused(tmp_path):
    archive = str(tmp_path / "x.zip")
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../escape.txt", b"hi")
    (tmp_path / "out").mkdir()
    with pytest.raises(data_utils.DownloadError):
        data_utils._extract(archive, str(tmp_path / "out"), "zip")
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("name", ["модель", "ckpt é", 'we"ird\\name'])
def test_manager_with_non_ascii_name(tmp_path, name):
    m = model(1)
    mgr = CheckpointManager(Checkpoint(model=m), str(tmp_path), max_to_keep=2, checkpoint_name=name)
    p1 = mgr.save()
    p2 = mgr.save()
    assert tf.train.latest_checkpoint(str(tmp_path)) == p2
    again = CheckpointManager(Checkpoint(model=m), str(tmp_path), max_to_keep=2, checkpoint_name=name)
    assert again.latest_checkpoint == p2 and again.checkpoints == [p1, p2]
    assert open(tmp_path / "checkpoint", "rb").read().isascii()  # non-ASCII as octal escapes, like TF


# -- by_name / skip_mismatch ---------------------------------------------------------------------------
def test_load_by_name(tmp_path):
    src = model(1, units=4, name_a="a", name_b="b")
    path = str(tmp_path / "w.npz")
    src.save_weights(path)
    other = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(4, name="x"),
                                 tf.keras.layers.Dense(2, name="b")])
    before_x = [np.array(v.numpy()) for v in other.layers[0].weights]
    with pytest.raises(ValueError, match="shape"):  # by position, x would get a's (3, 4) kernel... then (4,2)
        model(2, units=5).load_weights(path)
    other.load_weights(path, by_name=True)
    assert same([v.numpy() for v in other.layers[0].weights], before_x)  # no layer 'x' in the file
    assert same([v.numpy() for v in other.layers[1].weights], [v.numpy() for v in src.layers[1].weights])


def test_skip_mismatch_skips_layers_with_a_warning(tmp_path):
    src = model(1, units=4)
    path = str(tmp_path / "w.h5") if _has("h5py") else str(tmp_path / "w.npz")  # tf.keras 2's layout
    src.save_weights(path)
    dst = tf.keras.Sequential([tf.keras.layers.Input((5,)), tf.keras.layers.Dense(4, name="a"),
                               tf.keras.layers.Dense(2, name="b")])
    a_before = [np.array(v.numpy()) for v in dst.layers[0].weights]
    b_before = [np.array(v.numpy()) for v in dst.layers[1].weights]
    with pytest.raises(ValueError, match="Shape mismatch in layer 'a'"):
        dst.load_weights(path, by_name=True)
    assert same([v.numpy() for v in dst.layers[1].weights], b_before)  # nothing assigned on error
    with pytest.warns(UserWarning, match="Skipping loading weights of layer 'a'"):
        dst.load_weights(path, by_name=True, skip_mismatch=True)
    assert same([v.numpy() for v in dst.layers[0].weights], a_before)
    assert same([v.numpy() for v in dst.layers[1].weights], [v.numpy() for v in src.layers[1].weights])
    dst2 = tf.keras.Sequential([tf.keras.layers.Input((5,)), tf.keras.layers.Dense(4, name="p"),
                                tf.keras.layers.Dense(2, name="q")])
    with pytest.warns(UserWarning, match="Skipping loading weights of layer 'p'"):
        dst2.load_weights(path, skip_mismatch=True)  # by position, layer by layer (Keras 3)
    assert same([v.numpy() for v in dst2.layers[1].weights], [v.numpy() for v in src.layers[1].weights])


def test_by_name_refused_for_keras3_weights(tmp_path):
    pytest.importorskip("h5py")
    src = model(1)
    src.save_weights(str(tmp_path / "w.weights.h5"))
    with pytest.raises(ValueError, match="by_name=True is not supported"):
        model(2).load_weights(str(tmp_path / "w.weights.h5"), by_name=True)


def test_by_name_refused_for_tf_checkpoints(tmp_path):
    src = model(1)
    src.save_weights(str(tmp_path / "ckpt"))
    with pytest.raises(NotImplementedError, match="by_name"):
        model(2).load_weights(str(tmp_path / "ckpt"), by_name=True)


def _has(mod):
    try:
        __import__(mod)
        return True
    except ImportError:
        return False


def test_checkpoint_with_foreign_slots_changes_nothing(tmp_path):
    """Slots of another optimizer are refused before any weight is assigned."""
    src, dst = model(1), model(2)
    opt_src = tf.keras.optimizers.Adam(0.1)
    opt_src.build(src.trainable_weights)
    ck = Checkpoint(model=src, optimizer=opt_src).write(str(tmp_path / "ck"))
    opt_dst = tf.keras.optimizers.SGD(0.1, momentum=0.9)
    before = snapshot(dst)
    with pytest.raises(ValueError, match="do not exist"):
        Checkpoint(model=dst, optimizer=opt_dst).restore(ck)
    assert same(snapshot(dst), before)
