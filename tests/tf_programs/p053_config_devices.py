"""Adapted from the TensorFlow guide "Use a GPU" on a CPU-only machine: listing devices, placing
tensors with tf.device, soft placement of a GPU request, and device strings."""
import tensorflow as tf

RESULTS = {}
cpus = tf.config.list_physical_devices("CPU")
RESULTS["n_cpu"] = len(cpus)
RESULTS["cpu_type"] = cpus[0].device_type
RESULTS["gpus"] = len(tf.config.list_physical_devices("GPU"))
RESULTS["logical_cpu"] = [d.name for d in tf.config.list_logical_devices("CPU")]
with tf.device("/CPU:0"):
    a = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    c = tf.matmul(a, b)
RESULTS["matmul"] = c
RESULTS["device"] = c.device
v = tf.Variable(1.0)
RESULTS["variable_device"] = v.device
tf.config.set_soft_device_placement(True)
with tf.device("/device:GPU:0"):
    d = tf.matmul(a, b)
RESULTS["soft_placed"] = d
RESULTS["soft_flag"] = tf.config.get_soft_device_placement()
