"""Convolution and pooling ops: forward vs a naive NumPy reference, TF's SAME padding (shapes and
values recorded from TensorFlow 2.21), the max-pool tie rule, gradients to second order, nested
tapes, data formats and errors. (The op database also runs every conv/pool primitive through the
generic forward/gradient checks in tests/test_ops.py.)"""
from __future__ import annotations

import numpy as np
import pytest

import gradtape as tf
from gradtape.errors import InvalidArgumentError
from gradtape.ops import conv as C
from gradtape.testing import check_gradients
from op_db_conv import ref_conv, ref_conv_transpose, ref_pool, ref_max_pool_grad

RNG = np.random.default_rng(1234)


def _grad(f, *xs):
    xs = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = f(*xs)
    return [g.numpy() for g in tape.gradient(y, xs)]


# -- forward vs the naive reference ------------------------------------------------------------

@pytest.mark.parametrize("xs,ks,strides,padding,dil", [
    ((2, 9, 8, 3), (3, 3), 1, "SAME", 1),
    ((2, 9, 8, 3), (3, 3), 2, "SAME", 1),
    ((1, 10, 10, 2), (5, 5), 3, "SAME", 1),
    ((1, 10, 7, 2), (2, 4), (3, 2), "VALID", 1),
    ((1, 9, 9, 1), (3, 3), 1, "VALID", (2, 3)),
    ((1, 6, 6, 2), (1, 1), 2, "SAME", 1),
])
def test_conv2d_matches_naive_reference(xs, ks, strides, padding, dil):
    x = RNG.standard_normal(xs).astype(np.float32)
    w = RNG.standard_normal(ks + (xs[-1], 4)).astype(np.float32)
    y = tf.nn.conv2d(x, w, strides, padding, dilations=dil)
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), ref_conv(x.astype(np.float64), w.astype(np.float64), strides, padding, dil),
                               rtol=1e-4, atol=1e-4)


def test_conv1d_and_conv3d_match_reference():
    x1 = RNG.standard_normal((2, 11, 3))
    w1 = RNG.standard_normal((4, 3, 5))
    np.testing.assert_allclose(tf.nn.conv1d(x1, w1, 2, "SAME").numpy(), ref_conv(x1, w1, 2, "SAME"), atol=1e-10)
    x3 = RNG.standard_normal((1, 5, 6, 4, 2))
    w3 = RNG.standard_normal((3, 3, 2, 2, 3))
    np.testing.assert_allclose(tf.nn.conv3d(x3, w3, [1, 2, 1, 2, 1], "SAME").numpy(),
                               ref_conv(x3, w3, (2, 1, 2), "SAME"), atol=1e-10)
    np.testing.assert_allclose(tf.nn.convolution(x3, w3, padding="VALID").numpy(), ref_conv(x3, w3, 1, "VALID"),
                               atol=1e-10)


# -- TF's SAME padding (values recorded from TF 2.21) ------------------------------------------

def test_same_padding_odd_input_stride2_keeps_input_gradient_shape():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    w = np.ones((3, 3, 1, 1), np.float32)
    y = tf.nn.conv2d(x, w, 2, "SAME")
    assert y.shape == (1, 3, 3, 1)
    np.testing.assert_array_equal(y.numpy().ravel(), [12, 27, 24, 63, 108, 81, 72, 117, 84])
    (gx,) = _grad(lambda t: tf.nn.conv2d(t, w, 2, "SAME"), x)
    assert gx.shape == (1, 5, 5, 1)


def test_same_padding_is_asymmetric_extra_at_bottom_right():
    x = np.arange(36, dtype=np.float32).reshape(1, 6, 6, 1)
    w = np.ones((3, 3, 1, 1), np.float32)
    assert C._pads_and_out((6, 6), (3, 3), (2, 2), (1, 1), "SAME", "t") == (((0, 1), (0, 1)), (3, 3))
    np.testing.assert_array_equal(tf.nn.conv2d(x, w, 2, "SAME").numpy().ravel(),
                                  [63, 81, 63, 171, 189, 135, 168, 180, 126])
    (gx,) = _grad(lambda t: tf.nn.conv2d(t, w, 2, "SAME"), x)
    row = [1, 1, 2, 1, 2, 1]
    np.testing.assert_array_equal(gx[0, :, :, 0], np.outer([1, 1, 2, 1, 2, 1], row))


def test_conv1d_same_stride3_even_kernel():
    x = np.arange(7, dtype=np.float32).reshape(1, 7, 1)
    w = np.array([1, 2, 3, 4], np.float32).reshape(4, 1, 1)
    np.testing.assert_array_equal(tf.nn.conv1d(x, w, 3, "SAME").numpy().ravel(), [11, 40, 17])


@pytest.mark.parametrize("size,k,s,d,out,pads", [
    (5, 3, 2, 1, 3, (1, 1)), (6, 3, 2, 1, 3, (0, 1)), (7, 4, 3, 1, 3, (1, 2)), (4, 1, 3, 1, 2, (0, 0)),
    (8, 3, 1, 2, 8, (2, 2)), (2, 5, 1, 1, 2, (2, 2)), (9, 2, 1, 1, 9, (0, 1)),
])
def test_same_padding_table(size, k, s, d, out, pads):
    got_pads, got_out = C._pads_and_out((size,), (k,), (s,), (d,), "SAME", "t")
    assert got_out == (out,) and got_pads == (pads,)


# -- pooling: TF's tie rule and SAME averaging ------------------------------------------------

def test_max_pool_all_equal_window_sends_gradient_to_first():
    x = np.ones((1, 2, 2, 1), np.float32)
    (gx,) = _grad(lambda t: tf.nn.max_pool2d(t, 2, 2, "VALID"), x)
    np.testing.assert_array_equal(gx.ravel(), [1, 0, 0, 0])


def test_max_pool_overlapping_ties_match_tf():
    x = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], np.float32).reshape(1, 3, 3, 1)
    (gx,) = _grad(lambda t: tf.nn.max_pool2d(t, 2, 1, "VALID"), x)
    np.testing.assert_array_equal(gx[0, :, :, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_max_pool_same_pads_with_minus_infinity():
    x = -np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], np.float32).reshape(1, 3, 3, 1)
    y = tf.nn.max_pool2d(x, 2, 2, "SAME")
    np.testing.assert_array_equal(y.numpy().ravel(), [-1, 0, 0, -1])
    (gx,) = _grad(lambda t: tf.nn.max_pool2d(t, 2, 2, "SAME"), x)
    np.testing.assert_array_equal(gx[0, :, :, 0], [[1, 0, 1], [0, 0, 0], [1, 0, 1]])


def test_max_pool_gradient_differs_from_reduce_max_on_ties():
    x = tf.constant(np.ones((1, 2, 2, 1), np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a = tf.nn.max_pool2d(x, 2, 2, "VALID")
        b = tf.reduce_max(x)
    assert tape.gradient(a, x).numpy().ravel().tolist() == [1, 0, 0, 0]
    assert tape.gradient(b, x).numpy().ravel().tolist() == [0.25] * 4  # reduce_max splits, as TF


def test_max_pool_grad_matches_reference_with_many_ties():
    x = np.round(RNG.standard_normal((2, 7, 6, 3)))
    g = RNG.standard_normal((2, 6, 5, 3))
    got = C.max_pool_grad(x, g, 2, 1, "VALID").numpy()
    np.testing.assert_allclose(got, ref_max_pool_grad(x, g, 2, 1, "VALID"), atol=1e-12)


def test_avg_pool_same_divides_by_valid_entries():
    x = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    np.testing.assert_allclose(tf.nn.avg_pool2d(x, 2, 2, "SAME").numpy().ravel(),
                               [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24])
    np.testing.assert_allclose(tf.nn.avg_pool2d(x, 3, 2, "SAME").numpy().ravel(),
                               [3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21])
    np.testing.assert_array_equal(tf.nn.avg_pool2d(np.ones((1, 3, 3, 1), np.float32), 2, 2, "SAME").numpy().ravel(),
                                  [1, 1, 1, 1])


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_matches_reference(n, kind):
    shape = (2,) + (6, 5, 4)[:n] + (3,)
    x = RNG.standard_normal(shape)
    for k, s, pad in [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "SAME")]:
        y = getattr(tf.nn, f"{kind}_pool{n}d")(x, k, s, pad)
        np.testing.assert_allclose(y.numpy(), ref_pool(x, k, s, pad, kind), atol=1e-12)
        y2 = getattr(tf.nn, f"{kind}_pool")(x, [1] + [k] * n + [1], s, pad)
        np.testing.assert_array_equal(y2.numpy(), y.numpy())


def test_max_pool_integer_input():
    x = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)
    y = tf.nn.max_pool2d(x, 2, 2, "SAME")
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy().ravel(), [5, 7, 13, 15])


# -- gradients ---------------------------------------------------------------------------------

@pytest.mark.parametrize("strides,padding,dil", [(2, "SAME", 1), (1, "VALID", 2), ((2, 1), "SAME", 1)])
def test_conv2d_gradients_first_and_second_order(strides, padding, dil):
    x = RNG.standard_normal((1, 5, 5, 2))
    w = RNG.standard_normal((3, 3, 2, 2))
    f = lambda a, b: tf.nn.conv2d(a, b, strides, padding, dilations=dil)  # noqa: E731
    check_gradients(f, [x, w], order=1)
    # A nonlinear function of the conv, so its second derivative is not zero.
    g = lambda a, b: tf.reduce_sum(tf.tanh(tf.nn.conv2d(a, b, strides, padding, dilations=dil)))  # noqa: E731
    check_gradients(g, [x, w], order=2)


def test_pool_gradients_second_order():
    x = (RNG.permutation(2 * 5 * 5 * 2) * 0.1).reshape(2, 5, 5, 2)
    check_gradients(lambda t: tf.reduce_sum(tf.square(tf.nn.max_pool2d(t, 3, 2, "SAME"))), [x], order=2)
    check_gradients(lambda t: tf.reduce_sum(tf.square(tf.nn.avg_pool2d(t, 3, 2, "SAME"))), [x], order=2)


def test_third_order_through_nested_tapes():
    """Third derivative of sum(conv(x, w)^3) w.r.t. w through three nested tapes, against NumPy."""
    x = RNG.standard_normal((1, 4, 4, 1))
    w = tf.constant(np.array([[[[0.3]], [[-0.2]]], [[[0.5]], [[0.1]]]]))  # (2, 2, 1, 1)
    with tf.GradientTape() as t3:
        t3.watch(w)
        with tf.GradientTape() as t2:
            t2.watch(w)
            with tf.GradientTape() as t1:
                t1.watch(w)
                y = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "VALID") ** 3)
            g1 = tf.reduce_sum(t1.gradient(y, w))
        g2 = tf.reduce_sum(t2.gradient(g1, w))
    g3 = t3.gradient(g2, w).numpy()
    # y_o = sum_k P[o, k] w_k with P the (9 outputs, 4 taps) patch matrix; the third derivative of
    # sum_o y_o^3, summed over the first two derivative indices, is 6 * sum_o s_o^2 P[o, m], s = row sums.
    patches = np.stack([x[0, i:i + 2, j:j + 2, 0].reshape(-1) for i in range(3) for j in range(3)])
    s = patches.sum(axis=1)
    expected = (6 * (s ** 2) @ patches).reshape(2, 2, 1, 1)
    np.testing.assert_allclose(g3, expected, rtol=1e-10)


def test_conv_transpose_is_the_input_gradient():
    w = RNG.standard_normal((3, 3, 2, 4))   # forward conv filter: (k, k, in=2, out=4)
    g = RNG.standard_normal((2, 3, 3, 4))
    x = tf.constant(np.zeros((2, 5, 5, 2)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.conv2d(x, w, 2, "SAME")
    gx = tape.gradient(y, x, output_gradients=tf.constant(g)).numpy()
    # conv2d_transpose takes filters (k, k, out_channels_of_transpose, in_channels_of_transpose).
    yt = tf.nn.conv2d_transpose(g, w, (2, 5, 5, 2), 2, "SAME").numpy()
    np.testing.assert_allclose(yt, gx, atol=1e-12)
    np.testing.assert_allclose(yt, ref_conv_transpose(g, w, (2, 5, 5, 2), 2, "SAME"), atol=1e-12)
    check_gradients(lambda a, b: tf.nn.conv2d_transpose(a, b, (1, 5, 5, 2), 2, "SAME"), [g[:1], w], order=1)


def test_gradient_primitives_are_recorded_for_nested_tapes():
    x = tf.constant(RNG.standard_normal((1, 4, 4, 1)))
    w = tf.constant(RNG.standard_normal((2, 2, 1, 1)))
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, w])
        with tf.GradientTape() as inner:
            inner.watch([x, w])
            y = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "VALID"))
        gx, gw = inner.gradient(y, [x, w])
    names = {rec[0].name for rec in outer._records}
    assert {"conv2d_backprop_input", "conv2d_backprop_filter"} <= names
    # d(sum gx)/dw: each filter entry w_k contributes to every output once (sum of ones upstream).
    hw = outer.gradient(gx, w).numpy()
    np.testing.assert_allclose(hw, np.full((2, 2, 1, 1), 9.0))


# -- layouts and errors ------------------------------------------------------------------------

def test_nchw_matches_nhwc():
    x = RNG.standard_normal((2, 3, 6, 5))  # NCHW
    w = RNG.standard_normal((3, 3, 3, 4))
    a = tf.nn.conv2d(x, w, 2, "SAME", data_format="NCHW").numpy()
    b = tf.nn.conv2d(np.moveaxis(x, 1, -1), w, 2, "SAME").numpy()
    np.testing.assert_allclose(a, np.moveaxis(b, -1, 1), atol=1e-12)
    p = tf.nn.max_pool2d(x, 2, 2, "VALID", data_format="NCHW").numpy()
    np.testing.assert_array_equal(p, np.moveaxis(ref_pool(np.moveaxis(x, 1, -1), 2, 2, "VALID", "max"), -1, 1))


def test_extra_batch_dimensions():
    x = RNG.standard_normal((2, 3, 5, 5, 1))
    w = RNG.standard_normal((3, 3, 1, 2))
    y = tf.nn.conv2d(x, w, 1, "SAME")
    assert y.shape == (2, 3, 5, 5, 2)
    np.testing.assert_allclose(y.numpy()[1, 2], ref_conv(x[1, 2][None], w, 1, "SAME")[0], atol=1e-12)


def test_errors_name_the_problem():
    x = np.zeros((1, 5, 5, 1), np.float32)
    with pytest.raises(InvalidArgumentError, match="input depth must be evenly divisible by filter depth: 1 vs 2"):
        tf.nn.conv2d(x, np.zeros((3, 3, 2, 1), np.float32), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="Computed output size would be negative"):
        tf.nn.conv2d(x, np.zeros((7, 7, 1, 1), np.float32), 1, "VALID")
    with pytest.raises(InvalidArgumentError, match="was expected to be a float32 tensor but is a float64"):
        tf.nn.conv2d(x, np.zeros((3, 3, 1, 1), np.float64), 1, "SAME")
    with pytest.raises(ValueError, match="padding"):
        tf.nn.conv2d(x, np.zeros((3, 3, 1, 1), np.float32), 1, "FULL")
    with pytest.raises(ValueError, match="rank 4"):
        tf.nn.conv2d(np.zeros((5, 5, 1), np.float32), np.zeros((3, 3, 1, 1), np.float32), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="batch and depth"):
        tf.nn.conv2d(x, np.zeros((3, 3, 1, 1), np.float32), [2, 1, 1, 1], "SAME")
    with pytest.raises(TypeError, match="floating"):
        tf.nn.avg_pool2d(np.zeros((1, 4, 4, 1), np.int32), 2, 2, "VALID")
    with pytest.raises(InvalidArgumentError, match="not compatible"):
        tf.nn.conv2d_transpose(np.zeros((1, 3, 3, 1), np.float32), np.zeros((3, 3, 1, 1), np.float32),
                               (1, 9, 9, 1), 2, "SAME")


def test_conv1d_and_conv3d_transpose_are_input_gradients():
    for n, xs, ks in [(1, (2, 7, 3), (3,)), (3, (1, 5, 4, 3, 2), (2, 3, 2))]:
        w = RNG.standard_normal(ks + (xs[-1], 4))
        y_shape = ref_conv(np.zeros(xs), w, 2, "SAME").shape
        g = RNG.standard_normal(y_shape)
        fwd = {1: tf.nn.conv1d, 3: tf.nn.conv3d}[n]
        x = tf.constant(np.zeros(xs))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fwd(x, w, 2, "SAME")
        gx = tape.gradient(y, x, output_gradients=tf.constant(g)).numpy()
        tr = {1: tf.nn.conv1d_transpose, 3: tf.nn.conv3d_transpose}[n](g, w, xs, 2, "SAME").numpy()
        np.testing.assert_allclose(tr, gx, atol=1e-12)
        np.testing.assert_allclose(tf.nn.conv_transpose(g, w, xs, 2, "SAME").numpy(), gx, atol=1e-12)
        np.testing.assert_allclose(gx, ref_conv_transpose(g, w, xs, 2, "SAME"), atol=1e-12)


def test_atrous_conv2d_and_pool():
    x = RNG.standard_normal((1, 9, 9, 2))
    w = RNG.standard_normal((3, 3, 2, 2))
    np.testing.assert_allclose(tf.nn.atrous_conv2d(x, w, 2, "SAME").numpy(), ref_conv(x, w, 1, "SAME", 2), atol=1e-12)
    np.testing.assert_array_equal(tf.nn.pool(x, [2, 2], "MAX", strides=[2, 2], padding="SAME").numpy(),
                                  ref_pool(x, 2, 2, "SAME", "max"))
    np.testing.assert_allclose(tf.nn.pool(x, [3, 3], "AVG").numpy(), ref_pool(x, 3, 1, "VALID", "avg"), atol=1e-12)
    with pytest.raises(ValueError, match="pooling_type"):
        tf.nn.pool(x, [2, 2], "MIN")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chunk_bytes", [1, 1 << 40])
def test_chunked_convolutions_match_the_column_path(monkeypatch, dtype, chunk_bytes):
    """The NumPy paths (im2col a few images at a time; the stride-1 input gradient as a forward
    convolution of the padded upstream with the flipped filter) against the whole-matrix column
    path (im2col, and col2im for the input gradient), over ranks, strides, dilations, explicit
    paddings (one wider than the kernel, which the input gradient leaves to col2im), one image per
    chunk and one chunk in all (the sizes are forced: small convolutions keep the column path)."""
    rng = np.random.default_rng(6)
    cases = [((3, 7, 3), (3, 3, 4), (1,), (1,), ((1, 1),)),
             ((3, 6, 5, 3), (3, 3, 3, 4), (1, 1), (1, 1), ((1, 1), (1, 1))),
             ((2, 7, 6, 2), (2, 3, 2, 3), (1, 1), (2, 1), ((0, 2), (3, 1))),
             ((2, 7, 6, 2), (3, 3, 2, 3), (2, 1), (1, 1), ((1, 1), (1, 0))),
             ((2, 5, 6, 2), (2, 2, 2, 3), (1, 1), (1, 1), ((2, 0), (0, 0))),
             ((2, 5, 4, 3, 2), (2, 2, 2, 2, 3), (1, 1, 1), (1, 1, 1), ((0, 1), (1, 0), (0, 0)))]
    for xshape, wshape, st, dil, pads in cases:
        n = len(xshape) - 2
        x = rng.standard_normal(xshape).astype(dtype)
        w = rng.standard_normal(wshape).astype(dtype)
        monkeypatch.setattr(C, "CHUNKED_MIN_BYTES", 1 << 62)
        y_ref = C._conv_forward(x, w, st, dil, pads)
        g = rng.standard_normal(y_ref.shape).astype(dtype)
        dw_ref = C._conv_backprop_filter_forward(x, g, wshape, st, dil, pads)
        dx_ref = C._conv_backprop_input_forward(g, w, xshape, st, dil, pads)
        monkeypatch.undo()
        monkeypatch.setattr(C, "CHUNK_BYTES", chunk_bytes)
        monkeypatch.setattr(C, "CHUNKED_MIN_BYTES", 0)
        assert C._use_chunks(1, 1, x, w, g)
        y = C._conv_forward(x, w, st, dil, pads)
        dw = C._conv_backprop_filter_forward(x, g, wshape, st, dil, pads)
        dx = C._conv_backprop_input_forward(g, w, xshape, st, dil, pads)
        tol = 1e-5 if dtype == np.float32 else 1e-12
        for got, want in ((y, y_ref), (dw, dw_ref), (dx, dx_ref)):
            assert got.shape == want.shape and got.dtype == dtype
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        assert y.flags.c_contiguous and dw.flags.c_contiguous


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_tiled_max_pool_gradients_from_masks_match_the_argmax_path(monkeypatch, padding):
    """Non-overlapping max pools on NumPy arrays take their gradient from first-maximum masks; with
    many ties (small integers), odd sizes (VALID drops a row, SAME pads one) and a NaN (which the
    argmax path handles), they match the argmax path exactly."""
    rng = np.random.default_rng(7)
    for shape, k in (((2, 5, 7, 3), (2, 2)), ((1, 6, 6, 2), (3, 2)), ((2, 7, 3), (2,))):
        n = len(shape) - 2
        x = rng.integers(0, 3, shape).astype(np.float64)
        g_shape = None
        for with_nan in (False, True):
            if with_nan:
                x[(0,) * (n + 2)] = np.nan
            pads, out = C._pads_and_out(shape[1:-1], k, k, (1,) * n, padding, "t")
            g = rng.standard_normal((shape[0],) + out + (shape[-1],))
            h = rng.standard_normal(shape)
            got = (C._max_pool_grad_forward(x, g, k, k, pads), C._max_pool_grad_grad_forward(x, h, k, k, pads))
            assert (C._tile_first_max(C._tiles(x, k, k, pads, -np.inf)[0], k) is None) == with_nan
            monkeypatch.setattr(C, "_tile_first_max", lambda *a: None)
            want = (C._max_pool_grad_forward(x, g, k, k, pads), C._max_pool_grad_grad_forward(x, h, k, k, pads))
            monkeypatch.undo()
            for a, b in zip(got, want):
                np.testing.assert_array_equal(a, b)
