"""Training on a GPU, run here on the stand-in GPU backend (tests/gpu_standin.py: StrictArray device
arrays, host conversions raise) and on a real GPU with ``GRADTAPE_TEST_BACKEND=cupy``
(``make gpu-check``): the tape, ``function``, an MLP step, a small CNN step with Keras layers, an
optimizer and ``fit``, and a checkpoint saved from the device and restored to the CPU and back.
Every result equals the CPU run of the same program."""
import warnings

import numpy as np
import pytest

import gradtape as tf
from gpu_standin import USE_CUPY, installed, on_device, host

# On a real GPU, kernels round differently from NumPy: compare within float32 tolerance there.
RTOL, ATOL = (2e-4, 1e-5) if USE_CUPY else (1e-6, 1e-7)


def close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(host(a), host(b), rtol=rtol, atol=atol)


@pytest.fixture
def gpu():
    with installed(1) as backend:
        yield backend


def _tape_program():
    x = tf.constant([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    w = tf.Variable([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]])
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)
        g = inner.gradient(y, w)
        gsum = tf.reduce_sum(g * g)
    gg = outer.gradient(gsum, w)
    jac = outer.jacobian(g, w)
    return y, g, gg, jac, w


def test_tape_first_and_second_order_on_the_device(gpu):
    ref = _tape_program()
    with tf.device("/GPU:0"):
        dev = _tape_program()
    for r, d in zip(ref, dev):
        assert on_device(d), d
        close(d, r)


def test_function_traced_on_the_device_equals_cpu(gpu):
    @tf.function
    def step(x, w):
        with tf.GradientTape() as tape:
            tape.watch(w)
            loss = tf.reduce_mean(tf.nn.relu(x @ w) ** 2)
        return loss, tape.gradient(loss, w)

    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(4, 3)).astype(np.float32) for _ in range(3)]
    w = rng.normal(size=(3, 2)).astype(np.float32)
    ref = [step(tf.constant(x), tf.constant(w)) for x in xs]
    with tf.device("/GPU:0"):
        dev = [step(tf.constant(x), tf.constant(w)) for x in xs]   # replayed: new values each call
    for (rl, rg), (dl, dg) in zip(ref, dev):
        assert on_device(dl) and on_device(dg)
        close(dl, rl)
        close(dg, rg)


def _mlp_steps(n_steps=3):
    tf.keras.utils.set_random_seed(3)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 10)).astype(np.float32)
    y = rng.integers(0, 4, size=16)
    model = tf.keras.Sequential([tf.keras.Input((10,)), tf.keras.layers.Dense(12, activation="relu"),
                                 tf.keras.layers.Dense(4)])
    opt = tf.keras.optimizers.SGD(0.1, momentum=0.9)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    losses = []
    for _ in range(n_steps):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(loss)
    return model, opt, losses


def test_mlp_training_step_on_the_device(gpu):
    ref_model, _, ref_losses = _mlp_steps()
    with tf.device("/GPU:0"):
        model, opt, losses = _mlp_steps()
    assert all(on_device(w) for w in model.weights)
    assert all(w.device.endswith("device:GPU:0") for w in model.weights)
    slots = [v for v in opt.variables if v.dtype.is_floating]
    assert slots and all(on_device(v) for v in slots)        # momentum slots live with the weights
    for a, b in zip(losses, ref_losses):
        close(a, b)
    for a, b in zip(model.weights, ref_model.weights):
        close(a, b)


def _cnn():
    tf.keras.utils.set_random_seed(5)
    m = tf.keras.Sequential([
        tf.keras.Input((8, 8, 1)),
        tf.keras.layers.Conv2D(4, 3, activation="relu", padding="same"),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.BatchNormalization(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dropout(0.25),
        tf.keras.layers.Dense(3),
    ])
    m.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return m


def _cnn_data():
    rng = np.random.default_rng(2)
    return rng.normal(size=(24, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, size=24)


def test_cnn_fit_on_the_device_equals_cpu(gpu):
    x, y = _cnn_data()
    ref = _cnn()
    ref_hist = ref.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    with tf.device("/GPU:0"), warnings.catch_warnings():
        # fit compiles its step on the device too (a fallback to eager would warn)
        warnings.filterwarnings("error", message=".*could not be compiled", category=RuntimeWarning)
        model = _cnn()
        hist = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        pred = model.predict(x[:5], verbose=0)
    assert "_gt_train_fn" in model.__dict__        # the compiled train step ran
    assert all(on_device(w) for w in model.weights)
    np.testing.assert_allclose(hist.history["loss"], ref_hist.history["loss"], rtol=RTOL * 10)
    for a, b in zip(model.weights, ref.weights):
        close(a, b, rtol=RTOL * 10, atol=ATOL * 10)
    np.testing.assert_allclose(pred, ref.predict(x[:5], verbose=0), rtol=RTOL * 10, atol=ATOL * 10)


def test_checkpoint_saved_on_the_device_restores_on_the_cpu_and_back(gpu, tmp_path):
    x, y = _cnn_data()
    with tf.device("/GPU:0"):
        model = _cnn()
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        path = tf.train.Checkpoint(model=model, optimizer=model.optimizer).write(str(tmp_path / "dev"))
    expect = [host(w) for w in model.weights]

    cpu_model = _cnn()
    cpu_model.fit(x[:8], y[:8], batch_size=8, epochs=1, verbose=0)     # builds the optimizer's slots
    tf.train.Checkpoint(model=cpu_model, optimizer=cpu_model.optimizer).read(path).assert_consumed()
    assert not any(on_device(w) for w in cpu_model.weights)
    for a, b in zip(cpu_model.weights, expect):
        np.testing.assert_array_equal(host(a), b)
    cpu_path = tf.train.Checkpoint(model=cpu_model, optimizer=cpu_model.optimizer).write(str(tmp_path / "cpu"))

    with tf.device("/GPU:0"):
        back = _cnn()
        back.fit(x[:8], y[:8], batch_size=8, epochs=1, verbose=0)
    tf.train.Checkpoint(model=back, optimizer=back.optimizer).read(cpu_path).assert_consumed()
    assert all(on_device(w) for w in back.weights)             # restored values land on the device
    for a, b in zip(back.weights, expect):
        np.testing.assert_array_equal(host(a), b)
    for a, b in zip(back.optimizer.variables, cpu_model.optimizer.variables):   # slots too
        np.testing.assert_array_equal(host(a), host(b))
    assert all(on_device(s) for s in back.optimizer.variables if s.dtype.is_floating)
    with tf.device("/GPU:0"):                # and the restored model predicts as the CPU one
        pred = back.predict(x[:4], verbose=0)
    close(pred, cpu_model.predict(x[:4], verbose=0), rtol=RTOL * 10, atol=ATOL * 10)


def test_keras_weights_file_from_the_device(gpu, tmp_path):
    x, y = _cnn_data()
    with tf.device("/GPU:0"):
        model = _cnn()
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        model.save_weights(str(tmp_path / "w.weights.h5")) if _has_h5py() else None
        weights = model.get_weights()
    assert all(isinstance(w, np.ndarray) for w in weights)      # get_weights copies to the host
    cpu_model = _cnn()
    cpu_model.set_weights(weights)
    np.testing.assert_array_equal(cpu_model.predict(x[:3], verbose=0), _predict_host(model, x[:3]))


def _predict_host(model, x):
    with tf.device("/GPU:0"):
        return model.predict(x, verbose=0)


def _has_h5py():
    try:
        import h5py  # noqa: F401
        return True
    except ImportError:
        return False


def _data_rules_step(x, labels):
    """A gradient rule that reads integer data kept in host memory (the labels) next to float
    tensors on the device, and a windowed STFT (a host window beside a device signal)."""
    w = tf.constant(np.linspace(-1.0, 1.0, 18, dtype=np.float32).reshape(6, 3))
    with tf.GradientTape() as tape:
        tape.watch(w)
        z = tf.matmul(x, w)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z))
        spec = tf.signal.stft(tf.reshape(x, [-1]), frame_length=8, frame_step=4)
        loss += tf.reduce_sum(tf.abs(spec)) * 1e-3
    return loss, tape.gradient(loss, w)


def test_function_on_the_device_reads_each_calls_host_data(gpu):
    """A compiled step on the device uses each call's labels: the copy of host data to the device
    is an op of the plan, not a constant frozen at tracing time."""
    rng = np.random.default_rng(7)
    batches = [(rng.normal(size=(8, 6)).astype(np.float32), rng.integers(0, 3, size=8).astype(np.int32))
               for _ in range(4)]
    ref = [_data_rules_step(*(tf.constant(a) for a in b)) for b in batches]
    step = tf.function(_data_rules_step)
    with tf.device("/GPU:0"):
        got = [step(*(tf.constant(a) for a in b)) for b in batches]
    assert len(step._cache) == 1          # one plan, reused: the later calls ran compiled
    for (rl, rg), (dl, dg) in zip(ref, got):
        assert on_device(dg)
        close(dl, rl, rtol=1e-5, atol=1e-6)
        close(dg, rg, rtol=1e-5, atol=1e-6)
