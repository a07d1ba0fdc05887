"""A compiled function returns tensors: a Variable it returns (or assign_add's result) is the value
at that call, as TF's tf.function returns a tensor, never the Variable itself."""
import gradtape as tf


def test_returned_variable_is_a_snapshot_per_call():
    v = tf.Variable(0)
    f = tf.function(lambda: v.assign_add(1))
    first, second = f(), f()
    assert (int(first), int(second)) == (1, 2)
    assert type(first) is tf.Tensor


def test_returned_variable_in_a_structure_is_a_snapshot():
    v = tf.Variable([1.0, 2.0])
    g = tf.function(lambda x: {"v": v, "y": x * 2.0})
    out = g(tf.constant(1.0))
    v.assign([5.0, 6.0])
    assert out["v"].numpy().tolist() == [1.0, 2.0]
    assert g(tf.constant(1.0))["v"].numpy().tolist() == [5.0, 6.0]


def test_module_counter_created_once_counts_per_call():
    class Count(tf.Module):
        def __init__(self):
            super().__init__()
            self.count = None

        @tf.function
        def __call__(self):
            if self.count is None:
                self.count = tf.Variable(0)
            return self.count.assign_add(1)

    c = Count()
    assert [int(c()) for _ in range(3)] == [1, 2, 3]
