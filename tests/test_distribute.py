"""tf.config, tf.device and tf.distribute: the single-process strategies here, and
MultiWorkerMirroredStrategy under a real ``mpiexec -n 2`` (exactness against one process)."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradtape as tf

HERE = Path(__file__).parent
CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"


def test_devices_listing_and_strings():
    cpus = tf.config.list_physical_devices("CPU")
    assert [d.name for d in cpus] == ["/physical_device:CPU:0"] and cpus[0].device_type == "CPU"
    assert tf.config.list_physical_devices("GPU") == []          # no GPU backend: as TF without a GPU
    assert tf.config.get_visible_devices("GPU") == []
    assert [d.name for d in tf.config.list_logical_devices("CPU")] == ["/device:CPU:0"]
    assert tf.constant(1.0).device == CPU0 and tf.Variable(1.0).device == CPU0
    with pytest.raises(ValueError):
        tf.config.experimental.set_memory_growth(cpus[0], True)
    with pytest.raises(ValueError):
        tf.config.set_visible_devices([], "CPU")


def test_device_scope_soft_placement_and_errors():
    with tf.device("/GPU:0"):                     # no GPU: soft placement runs it on the CPU
        a = tf.constant([1.0, 2.0]) * 2.0
        v = tf.Variable([1.0])
    assert a.device == CPU0 and v.device == CPU0
    np.testing.assert_allclose(a.numpy(), [2.0, 4.0])
    with tf.device("/job:localhost/replica:0/task:0/device:CPU:0"), tf.device(None):
        pass
    with pytest.raises(ValueError, match="device spec"):
        with tf.device("gpu zero"):
            pass
    tf.config.set_soft_device_placement(False)
    try:
        with pytest.raises(tf.errors.InvalidArgumentError, match="GPU:0"):
            with tf.device("/GPU:0"):
                pass
    finally:
        tf.config.set_soft_device_placement(True)


def test_threading_setters():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(2)
        assert tf.config.threading.get_intra_op_parallelism_threads() == 1
        assert tf.config.threading.get_inter_op_parallelism_threads() == 2
        assert all(p["num_threads"] == 1 for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")
        with pytest.raises(ValueError):
            tf.config.threading.set_intra_op_parallelism_threads(-1)
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)       # 0: the system default again
        tf.config.threading.set_inter_op_parallelism_threads(0)
    assert [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"] == before


def test_default_strategy_and_contexts():
    s = tf.distribute.get_strategy()
    assert s.num_replicas_in_sync == 1 and not tf.distribute.has_strategy()
    assert tf.distribute.get_replica_context() is not None and not tf.distribute.in_cross_replica_context()
    assert float(s.run(lambda x: x * 2, args=(tf.constant(3.0),))) == 6.0


@pytest.mark.parametrize("make", [lambda: tf.distribute.MirroredStrategy(),
                                  lambda: tf.distribute.OneDeviceStrategy("/cpu:0"),
                                  lambda: tf.distribute.OneDeviceStrategy("/gpu:0")])
def test_single_replica_strategies(make):
    s = make()
    assert s.num_replicas_in_sync == 1
    with s.scope():
        assert tf.distribute.get_strategy() is s and tf.distribute.in_cross_replica_context()
        assert tf.distribute.get_replica_context() is None
        v = tf.Variable([1.0, 2.0])

    def step(x):
        ctx = tf.distribute.get_replica_context()
        assert ctx.num_replicas_in_sync == 1 and int(ctx.replica_id_in_sync_group) == 0
        return ctx.all_reduce(tf.distribute.ReduceOp.SUM, x * v)

    out = s.run(step, args=(tf.constant([3.0, 4.0]),))
    np.testing.assert_allclose(out.numpy(), [3.0, 8.0])
    np.testing.assert_allclose(s.reduce("SUM", out, axis=None).numpy(), [3.0, 8.0])
    np.testing.assert_allclose(s.reduce(tf.distribute.ReduceOp.MEAN, out, axis=0).numpy(), 5.5)
    np.testing.assert_allclose(s.reduce(tf.distribute.ReduceOp.SUM, out, axis=0).numpy(), 11.0)
    np.testing.assert_allclose(s.gather(out, axis=0).numpy(), [3.0, 8.0])
    ds = tf.data.Dataset.from_tensor_slices(np.arange(6.0)).batch(4)
    assert [b.numpy().tolist() for b in s.experimental_distribute_dataset(ds)] == [[0, 1, 2, 3], [4, 5]]
    got = s.distribute_datasets_from_function(lambda ctx: (ctx.input_pipeline_id, ctx.num_input_pipelines,
                                                           ctx.get_per_replica_batch_size(8)))
    assert got == (0, 1, 8)
    with pytest.raises(ValueError, match="ReduceOp"):
        s.reduce("MAX", out, axis=None)


def test_keras_fit_under_mirrored_scope_matches_plain():
    def train(strategy):
        tf.keras.utils.set_random_seed(3)
        with strategy.scope() if strategy else tf.distribute.get_strategy().scope():
            m = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(1)])
            m.compile(optimizer="adam", loss="mse")
        rng = np.random.default_rng(0)
        m.fit(rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32"),
              batch_size=8, epochs=2, verbose=0)
        return [w.numpy() for w in m.weights]

    for a, b in zip(train(None), train(tf.distribute.MirroredStrategy())):
        np.testing.assert_array_equal(a, b)


def test_mirrored_over_missing_devices_is_refused():
    with pytest.raises(ValueError, match="does not exist"):
        tf.distribute.MirroredStrategy(["/gpu:0", "/gpu:1"])      # no GPUs here (see test_mirrored_local)


def test_compute_average_loss_uses_replicas_in_sync():
    loss = tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0]))
    assert float(loss) == 2.0


def _mpiexec():
    pytest.importorskip("mpi4py", reason="the 'distributed' extra (mpi4py, mpich) is not installed")
    exe = Path(sys.executable).parent / "mpiexec"
    found = str(exe) if exe.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec (pip install 'gradtape[distributed]' brings MPICH's)")
    return found


def _env():
    env = dict(os.environ)
    src = str(HERE.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def test_two_ranks_train_exactly_like_one_process(tmp_path):
    mpiexec = _mpiexec()
    script = str(HERE / "distributed" / "train_exact.py")
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    subprocess.run([sys.executable, script, str(one)], check=True, timeout=120, env=_env())
    r = subprocess.run([mpiexec, "-n", "2", sys.executable, script, str(two)], timeout=120, env=_env(),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    a, b = json.loads(one.read_text()), json.loads(two.read_text())
    assert a["replicas"] == 1 and b["replicas"] == 2
    for wa, wb in zip(a["weights"], b["weights"]):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a["history"], b["history"], rtol=1e-5)
    np.testing.assert_allclose(a["w"], b["w"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a["losses"], b["losses"], rtol=1e-5)
    assert b["gathered"] == [[0.0], [0.0], [1.0], [1.0]]


def test_a_dead_rank_stops_the_others(tmp_path):
    mpiexec = _mpiexec()
    r = subprocess.run([mpiexec, "-n", "2", sys.executable, str(HERE / "distributed" / "rank_dies.py")],
                       timeout=120, env=_env(), capture_output=True, text=True)
    assert r.returncode != 0
    assert "simulated failure on rank 1" in r.stderr and "aborting all 2 ranks" in r.stderr
    assert "rank 0 finished" not in r.stdout


def test_fused_allreduce_packs_buffers():
    r = subprocess.run([_mpiexec(), "-n", "2", sys.executable, str(HERE / "distributed" / "fused.py")],
                       timeout=120, env=_env(), capture_output=True, text=True)
    assert r.returncode == 0 and "fused ok" in r.stdout, r.stdout + r.stderr
