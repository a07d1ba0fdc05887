"""Adapted from the TensorFlow guide "Introduction to Variables" (site/en/guide/variable.ipynb)."""
import tensorflow as tf

RESULTS = {}
my_tensor = tf.constant([[1.0, 2.0], [3.0, 4.0]])
my_variable = tf.Variable(my_tensor)
bool_variable = tf.Variable([False, False, False, True])
RESULTS["shape"] = list(my_variable.shape)
RESULTS["dtype"] = my_variable.dtype.name
RESULTS["numpy"] = my_variable.numpy()
RESULTS["convert"] = tf.convert_to_tensor(my_variable)
RESULTS["argmax"] = tf.math.argmax(my_variable)
RESULTS["reshape"] = tf.reshape(my_variable, [1, 4])
RESULTS["bool"] = bool_variable
a = tf.Variable([2.0, 3.0])
a.assign([1, 2])
RESULTS["assigned"] = a
b = tf.Variable(a)
a.assign([5, 6])
RESULTS["copy_independent"] = [a, b]
RESULTS["assign_add"] = a.assign_add([2, 3])
RESULTS["assign_sub"] = a.assign_sub([7, 9])
step_counter = tf.Variable(1, trainable=False)
RESULTS["trainable"] = [a.trainable, step_counter.trainable]
v = tf.Variable(0.0)
for i in range(5):
    v.assign_add(float(i) * 0.5)
RESULTS["loop"] = v
w = tf.Variable([[1.0, 2.0, 3.0]])
RESULTS["matmul"] = tf.matmul(w, tf.transpose(w))
RESULTS["ops_read"] = [w + 1.0, w * w, -w]
