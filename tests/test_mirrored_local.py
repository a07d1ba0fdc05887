"""MirroredStrategy over several local devices: two logical CPUs (``set_logical_device_configuration``)
and two stand-in GPUs (tests/gpu_standin.py; real GPUs with GRADTAPE_TEST_BACKEND=cupy).

Exactness: two replicas on a global batch split between them give the same weights (float
tolerance) as one device training on the whole batch -- in a custom loop with ``strategy.run`` and
in Keras ``fit`` under ``scope()``."""
import contextlib

import numpy as np
import pytest

import gradtape as tf
import gradtape.config as cfg
from gpu_standin import USE_CUPY, installed, on_device, host


@contextlib.contextmanager
def logical_cpus(n):
    """Split the CPU into ``n`` logical devices for the block (TF only allows it before the runtime
    is initialised: the test resets that state around the block)."""
    saved = {k: (dict(v) if isinstance(v, dict) else v) for k, v in cfg._STATE.items()}
    cfg._STATE["initialized"] = False
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    try:
        yield
    finally:
        cfg._STATE.clear()
        cfg._STATE.update(saved)


@pytest.fixture(params=["cpu", "gpu"])
def devices(request):
    if request.param == "cpu":
        if USE_CUPY:
            pytest.skip("logical CPUs: covered in CI")
        with logical_cpus(2):
            assert [d.name for d in tf.config.list_logical_devices("CPU")] == ["/device:CPU:0", "/device:CPU:1"]
            yield ["/cpu:0", "/cpu:1"]
    else:
        with installed(2):
            yield ["/gpu:0", "/gpu:1"]


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 6)).astype(np.float32), rng.integers(0, 3, size=32)


def _model():
    tf.keras.utils.set_random_seed(11)
    m = tf.keras.Sequential([tf.keras.Input((6,)), tf.keras.layers.Dense(8, activation="relu"),
                             tf.keras.layers.Dense(3)])
    m.compile(optimizer=tf.keras.optimizers.Adam(0.05),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return m


def test_replicas_run_on_their_devices(devices):
    s = tf.distribute.MirroredStrategy(devices)
    assert s.num_replicas_in_sync == 2
    assert len(s.extended.worker_devices) == 2

    def fn():
        ctx = tf.distribute.get_replica_context()
        rid = int(ctx.replica_id_in_sync_group)
        x = tf.constant([1.0, 2.0]) * float(rid + 1)
        total = ctx.all_reduce("SUM", x)
        return x, total, x.device

    x, total, dev = s.run(fn)
    xs = s.experimental_local_results(x)
    assert [list(host(v)) for v in xs] == [[1.0, 2.0], [2.0, 4.0]]
    for t in s.experimental_local_results(total):
        np.testing.assert_array_equal(host(t), [3.0, 6.0])
    devs = s.experimental_local_results(dev)
    if devices[0].startswith("/gpu"):
        assert devs[0].endswith("GPU:0") and devs[1].endswith("GPU:1")
        assert on_device(xs[0]) and on_device(xs[1])
    np.testing.assert_array_equal(host(s.reduce("SUM", x, axis=None)), [3.0, 6.0])
    np.testing.assert_array_equal(host(s.reduce("MEAN", x, axis=None)), [1.5, 3.0])
    np.testing.assert_allclose(host(s.reduce("MEAN", x, axis=0)), 2.25)
    np.testing.assert_array_equal(host(s.gather(x, axis=0)), [1.0, 2.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="cannot be reduced"):
        s.reduce("SUM", tf.constant(1.0), axis=None)


def test_custom_loop_on_two_replicas_equals_one_device_on_the_whole_batch(devices):
    x, y = _data()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)

    ref = _model()
    ref_opt = tf.keras.optimizers.SGD(0.2, momentum=0.5)
    for bx, by in ds:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(loss_fn(by, ref(bx, training=True)))
        g = tape.gradient(loss, ref.trainable_variables)
        ref_opt.apply_gradients(zip(g, ref.trainable_variables))

    s = tf.distribute.MirroredStrategy(devices)
    with s.scope():
        model = _model()
        opt = tf.keras.optimizers.SGD(0.2, momentum=0.5)

    def step(bx, by):
        with tf.GradientTape() as tape:
            per = loss_fn(by, model(bx, training=True))
            loss = tf.nn.compute_average_loss(per, global_batch_size=16)
        g = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(g, model.trainable_variables))
        return loss

    losses = []
    for bx, by in s.experimental_distribute_dataset(ds):
        assert [int(t.shape[0]) for t in s.experimental_local_results(bx)] == [8, 8]
        losses.append(float(s.reduce("SUM", s.run(step, args=(bx, by)), axis=None)))
    assert int(opt.iterations.numpy()) == 2                       # one update per step, not one per replica
    for a, b in zip(model.weights, ref.weights):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-5, atol=1e-6)
    assert all(np.isfinite(losses))


def test_keras_fit_under_scope_equals_one_device(devices):
    x, y = _data()
    ref = _model()
    ref_hist = ref.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    s = tf.distribute.MirroredStrategy(devices)
    with s.scope():
        model = _model()
    hist = model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    np.testing.assert_allclose(hist.history["loss"], ref_hist.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(hist.history["accuracy"], ref_hist.history["accuracy"])
    assert int(model.optimizer.iterations.numpy()) == 6
    for a, b in zip(model.weights, ref.weights):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-5, atol=1e-6)


def test_a_failing_replica_fails_the_run(devices):
    s = tf.distribute.MirroredStrategy(devices)

    def fn():
        ctx = tf.distribute.get_replica_context()
        if int(ctx.replica_id_in_sync_group) == 1:
            raise ValueError("replica 1 broke")
        return ctx.all_reduce("SUM", tf.constant(1.0))

    with pytest.raises(ValueError, match="replica 1 broke"):
        s.run(fn)


def test_replicas_making_different_collective_calls_fail_instead_of_hanging(devices):
    s = tf.distribute.MirroredStrategy(devices)

    def fn():
        ctx = tf.distribute.get_replica_context()
        if int(ctx.replica_id_in_sync_group) == 0:
            return ctx.all_reduce("SUM", tf.constant(1.0))
        return tf.constant(0.0)                      # replica 1 skips the all-reduce

    with pytest.raises(RuntimeError, match="same collective calls"):
        s.run(fn)
