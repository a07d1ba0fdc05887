"""Device placement (``tf.device``, ``Tensor.device``, mixed-device ops) on the stand-in GPU backend
(tests/gpu_standin.py), or on real GPUs with ``GRADTAPE_TEST_BACKEND=cupy``.

The mixing rule under test (gradtape.devices): inside ``tf.device(d)`` an op runs on ``d`` (its
floating inputs copied there); outside any scope it runs on the device of its first input that is
not on the CPU, the other inputs copied there. Integer and string tensors stay in host memory."""
import threading

import numpy as np
import pytest

import gradtape as tf
import gradtape.devices as gdevices
from gpu_standin import USE_CUPY, installed, on_device, host

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


@pytest.fixture
def gpu():
    with installed(1) as backend:
        yield backend


@pytest.fixture
def two_gpus():
    with installed(2) as backend:
        yield backend


def test_without_a_backend_gpu_requests_are_soft_placed_on_the_cpu():
    if USE_CUPY:
        pytest.skip("this machine has a GPU")
    assert tf.config.list_physical_devices("GPU") == []
    with tf.device("/GPU:0"):
        x = tf.constant([1.0, 2.0])
        v = tf.Variable(x)
    assert x.device == CPU and v.device == CPU
    assert type(x._value) is np.ndarray


def test_devices_are_listed(two_gpus):
    assert [d.name for d in tf.config.list_physical_devices("GPU")] == [
        "/physical_device:GPU:0", "/physical_device:GPU:1"]
    assert [d.name for d in tf.config.list_logical_devices()] == ["/device:CPU:0", "/device:GPU:0", "/device:GPU:1"]
    tf.config.experimental.set_memory_growth(tf.config.list_physical_devices("GPU")[0], True)


def test_new_tensors_and_variables_are_placed_in_the_scope(gpu):
    tf.random.set_seed(7)
    with tf.device("/GPU:0"):
        made = {
            "constant": tf.constant([1.0, 2.0]),
            "convert_to_tensor": tf.convert_to_tensor(np.ones((2, 2), np.float32)),
            "zeros": tf.zeros([3]), "ones": tf.ones([2, 2]), "fill": tf.fill([2], 3.0),
            "zeros_like": tf.zeros_like(tf.constant([1.0])),
            "random.normal": tf.random.normal([4], seed=1),
            "random.uniform": tf.random.uniform([4], seed=2),
            "Variable": tf.Variable([1.0, 2.0]),
            "Variable from a CPU tensor": tf.Variable(tf.constant(1.5)),
        }
    for what, t in made.items():
        assert t.device == GPU0, what
        assert on_device(t), what
    # the numbers are the CPU's (random ops draw the same values as on the CPU)
    tf.random.set_seed(7)
    np.testing.assert_array_equal(made["random.normal"].numpy(), tf.random.normal([4], seed=1).numpy())
    assert made["constant"].device == GPU0 and tf.constant([1.0]).device == CPU   # scope ended


def test_numpy_and_python_conversions_copy_to_the_host(gpu):
    with tf.device("/GPU:0"):
        t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        s = tf.reduce_sum(t)
        v = tf.Variable([5.0, 6.0])
    out = t.numpy()
    assert type(out) is np.ndarray and on_device(t)
    out[0, 0] = 99.0                                  # a copy: the device value is unchanged
    assert t.numpy()[0, 0] == 1.0
    assert float(s) == 10.0 and int(s) == 10 and bool(s)
    np.testing.assert_array_equal(np.asarray(t), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(v.numpy(), [5.0, 6.0])
    assert "numpy=" in repr(t) and "10.0" in str(s)
    assert f"{s:.1f}" == "10.0"


def test_ops_run_on_their_inputs_device(gpu):
    with tf.device("/GPU:0"):
        x = tf.constant([0.5, 1.0, 1.5])
    y = tf.nn.relu(tf.sin(x) * 2.0 - 1.0)            # outside the scope: stays on the GPU
    assert y.device == GPU0 and on_device(y)
    np.testing.assert_allclose(host(y), np.maximum(np.sin([0.5, 1.0, 1.5]) * 2 - 1, 0).astype(np.float32),
                               rtol=1e-6)


def test_mixed_devices_run_on_the_first_non_cpu_input(gpu):
    with tf.device("/GPU:0"):
        g = tf.constant([1.0, 2.0])
    c = tf.constant([10.0, 20.0])
    for out in (c + g, g + c, tf.add_n([c, g, c]), tf.concat([c, g], 0), tf.stack([c, g])):
        assert out.device == GPU0
    np.testing.assert_array_equal((c * g).numpy(), [10.0, 40.0])


def test_the_scope_wins_over_the_inputs_device(gpu):
    c = tf.constant([1.0, 2.0])
    with tf.device("/GPU:0"):
        g = tf.constant([3.0, 4.0])
        on_gpu = c + c                               # CPU inputs, GPU scope: runs on the GPU
    with tf.device("/CPU:0"):
        on_cpu = g * 2.0                              # GPU input, CPU scope: copied to the host
        v = tf.Variable(g)
    assert on_gpu.device == GPU0 and on_device(on_gpu)
    assert on_cpu.device == CPU and type(on_cpu._value) is np.ndarray
    assert v.device == CPU
    np.testing.assert_array_equal(on_cpu.numpy(), [6.0, 8.0])


def test_two_devices_and_copies_between_them(two_gpus):
    with tf.device("/GPU:1"):
        a = tf.constant([1.0, 2.0])
    with tf.device("/GPU:0"):
        b = tf.constant([3.0, 4.0])
        ab = a + b                                   # a copied from GPU:1 to GPU:0
    assert a.device == GPU1 and b.device == GPU0 and ab.device == GPU0
    assert (a * b).device == GPU1                     # no scope: the first input's device
    np.testing.assert_array_equal((a * b).numpy(), [3.0, 8.0])
    with tf.device("/GPU:1"):
        v = tf.Variable([0.0, 0.0])
    v.assign(b)                                       # a Variable keeps its device
    v.assign_add(tf.constant([1.0, 1.0]))
    assert v.device == GPU1
    np.testing.assert_array_equal(v.numpy(), [4.0, 5.0])


def test_integer_and_string_tensors_stay_in_host_memory(gpu):
    with tf.device("/GPU:0"):
        i = tf.constant([1, 2, 3])
        s = tf.constant(["a", "bc"])
        x = tf.reshape(tf.range(6.0), [2, 3])          # the shape argument is read on the host
        picked = tf.gather(x, i[:1])                  # int indices copied to the op's device
        am = tf.argmax(x, axis=1)
    assert i.device == CPU and s.device == CPU
    assert x.device == GPU0 and picked.device == GPU0
    np.testing.assert_array_equal(picked.numpy(), [[3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(host(am), [2, 2])
    assert tf.strings.length(s).numpy().tolist() == [1, 2]


def test_gradients_live_with_their_variables(gpu):
    with tf.device("/GPU:0"):
        w = tf.Variable([[1.0, -2.0], [0.5, 3.0]])
    x = tf.constant([[1.0, 2.0]])                    # CPU data, GPU weights
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    g = tape.gradient(loss, w)
    assert loss.device == GPU0 and g.device == GPU0
    np.testing.assert_allclose(g.numpy(), [[4.0, 8.0], [8.0, 16.0]])


def test_function_plans_are_per_device(gpu):
    @tf.function
    def f(x):
        return x * 2.0 + tf.constant(1.0)

    c = f(tf.constant([1.0, 2.0]))
    with tf.device("/GPU:0"):
        g = f(tf.constant([1.0, 2.0]))
        g_cpu_in = f(tf.constant([3.0]))
    g2 = f(g)                                         # device input, no scope: the device plan
    assert c.device == CPU and g.device == GPU0 and g2.device == GPU0 and g_cpu_in.device == GPU0
    np.testing.assert_array_equal(g.numpy(), c.numpy())
    np.testing.assert_array_equal(g2.numpy(), [7.0, 11.0])
    assert f(tf.constant([1.0, 2.0])).device == CPU   # and the CPU plan is still the CPU's


def test_placement_scopes_are_per_thread(gpu):
    seen = {}
    barrier = threading.Barrier(2)

    def on_gpu():
        with tf.device("/GPU:0"):
            barrier.wait()
            seen["gpu"] = (tf.constant([1.0]) + 1.0).device
            barrier.wait()

    def on_host():
        barrier.wait()
        seen["cpu"] = (tf.constant([1.0]) + 1.0).device   # another thread's scope does not apply
        barrier.wait()

    threads = [threading.Thread(target=on_gpu), threading.Thread(target=on_host)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"gpu": GPU0, "cpu": CPU}


def test_copies_are_counted_and_synchronize_reaches_the_backend(gpu):
    if USE_CUPY:
        pytest.skip("stand-in counters")
    with tf.device("/GPU:0"):
        x = tf.constant(np.arange(4.0, dtype=np.float32))
    before = dict(gpu.copies)
    y = x * 2.0 + 1.0                                # on the device: no copy at all
    assert gpu.copies == before
    y.numpy()
    assert gpu.copies["to_host"] == before["to_host"] + 1
    gdevices.synchronize("GPU")
    assert gpu.synced == 1


def test_errors_still_name_the_op(gpu):
    with tf.device("/GPU:0"):
        a = tf.constant([1.0, 2.0])
        b = tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes|add"):
        a + b
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.matmul(tf.reshape(a, [1, 2]), tf.reshape(b, [3, 1]))
