"""Crash safety of every saver: a forked child saves in a loop (save k holds the value k in every weight,
optimizer slot and the iteration counter) and is killed with SIGKILL at random moments; after each kill
the file must load as one save's complete state (never a mix of two saves), and the temporary files the
kill left must be gone after the next save. GRADTAPE_CRASH_KILLS sets the kills per format (default 50)."""
import os
import random
import signal
import sys
import time

import numpy as np
import pytest

import gradtape as tf
from gradtape.keras import saving
from gradtape.train import Checkpoint, CheckpointManager

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs fork and SIGKILL")

KILLS = int(os.environ.get("GRADTAPE_CRASH_KILLS", "50"))


def make_model():
    tf.keras.backend.clear_session() if hasattr(tf.keras.backend, "clear_session") else None
    m = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)])
    m.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    m.train_on_batch(np.ones((2, 3), np.float32), np.ones((2, 2), np.float32))  # creates the slots
    return m


def set_state(model, k):
    """Every weight, every slot and the optimizer's iteration counter hold ``k``."""
    for v in model.weights:
        v.assign(np.full(v.shape, k, np.float32))
    opt = model.optimizer
    opt.iterations = k
    for var, slots in opt._slot_items():
        opt._restore_slots(var, {n: np.full(np.shape(b), k, np.float32) for n, b in slots.items()})


def state_of(model):
    """The single ``k`` the model's state holds; fails on a mix."""
    values = {float(x) for v in model.weights for x in np.unique(np.asarray(v.numpy()))}
    opt = getattr(model, "optimizer", None)
    if opt is not None:
        values.add(float(int(opt.iterations.numpy())))
        for _, slots in opt._slot_items():
            for b in slots.values():
                values.update(float(x) for x in np.unique(b))
    assert len(values) == 1, f"mixed state from several saves: {sorted(values)[:8]}"
    return values.pop()


def _save_model(path):
    def save(model, k):
        model.save(path)

    def load():
        return tf.keras.models.load_model(path)
    return save, load


def _save_weights(path):
    def save(model, k):
        model.save_weights(path)

    def load():
        m = make_model()
        m.optimizer = None
        m.load_weights(path)
        return m
    return save, load


def _manager(directory):
    def save(model, k):
        mgr = CheckpointManager(Checkpoint(model=model, optimizer=model.optimizer), directory, max_to_keep=2)
        mgr.save(checkpoint_number=k)

    def load():
        m = make_model()
        latest = tf.train.latest_checkpoint(directory)
        Checkpoint(model=m, optimizer=m.optimizer).restore(latest).assert_consumed()
        return m
    return save, load


def _write_same_prefix(prefix):
    def save(model, k):
        Checkpoint(model=model, optimizer=model.optimizer).write(prefix)

    def load():
        m = make_model()
        Checkpoint(model=m, optimizer=m.optimizer).restore(prefix)
        return m
    return save, load


FORMATS = {
    "model_dir": lambda d: _save_model(os.path.join(d, "model")),
    "keras_zip": lambda d: _save_model(os.path.join(d, "m.keras")),
    "h5_model": lambda d: _save_model(os.path.join(d, "m.h5")),
    "weights_npz": lambda d: _save_weights(os.path.join(d, "w.npz")),
    "weights_keras_h5": lambda d: _save_weights(os.path.join(d, "w.weights.h5")),
    "checkpoint_manager": lambda d: _manager(os.path.join(d, "ckpts")),
    "checkpoint_same_prefix": lambda d: _write_same_prefix(os.path.join(d, "ck", "state")),
}


def _leftovers(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        out += [os.path.join(dirpath, n) for n in filenames + dirnames if ".gttmp-" in n]
    return out


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_sigkill_during_saves_never_mixes(tmp_path, fmt):
    if fmt in ("h5_model", "weights_keras_h5"):
        pytest.importorskip("h5py")
    save, load = FORMATS[fmt](str(tmp_path))
    model = make_model()
    set_state(model, 1)
    save(model, 1)  # a first complete save: every later load must succeed
    rng = random.Random(1234)
    k = 2
    seen = set()
    killed_with_temps = 0
    for kill in range(KILLS):
        start = k
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: save k, k+1, ... until killed
            os.close(r)
            try:
                i = start
                set_state(model, i)
                save(model, i)
                os.write(w, b"x")  # one save done: the kill can come at any point of the next ones
                while True:
                    i += 1
                    set_state(model, i)
                    save(model, i)
            finally:
                os._exit(1)
        os.close(w)
        os.read(r, 1)
        os.close(r)
        time.sleep(rng.uniform(0, 0.012))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        killed_with_temps += bool(_leftovers(str(tmp_path)))
        loaded = load()
        got = state_of(loaded)
        assert got >= start, f"kill {kill}: loaded save {got} older than the child's first save {start}"
        seen.add(got)
        k = int(got) + 1000  # the next child's saves are distinguishable from this one's
    assert len(seen) > KILLS // 2, f"the kills hit too few distinct saves: {sorted(seen)}"
    set_state(model, k)
    save(model, k)  # the next save removes what the killed writers left
    assert _leftovers(str(tmp_path)) == []
    assert state_of(load()) == k
    if fmt == "model_dir":
        gens = [n for n in os.listdir(tmp_path / "model") if n.startswith("gen-")]
        assert len(gens) == 1, gens
