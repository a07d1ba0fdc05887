"""A tape keeps alive only what gradient rules read.

Large recorded tensors that no rule reads (a dense layer's pre-activation sums, a reshape's output)
are released once only the tape refers to them (``GradientTape._free_unread``, declarations in
``gradtape/ops/reads.py``). These tests force releasing on for every size and check every op's
gradients against central differences, so a wrong declaration fails here (NaN gradients); they
also check that nothing a program can still reach is ever released.
"""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import gradtape as tf
from gradtape import dispatch
from gradtape.ops.reads import READS
from gradtape.registry import REGISTRY
from gradtape.testing import check_gradients

import test_ops as T


@pytest.fixture
def release_all(monkeypatch):
    monkeypatch.setattr(dispatch, "RELEASE_MIN_BYTES", 0)


def _released(t) -> bool:
    v = t._value
    return isinstance(v, np.ndarray) and v.size > 1 and 0 in v.strides


def _wrapped(info, sample):
    """The op between ops that read nothing (add, negative): its inputs and its output are released
    unless its own rule reads them."""
    f, args = T._closure(info, sample)

    def g(*xs):
        y = f(*[x + 0.0 for x in xs])
        if isinstance(y, (list, tuple)):
            return [-(-yi) for yi in y]
        return -(-y)
    return g, args


@pytest.mark.parametrize("info,sample", T.GRAD_CASES)
def test_gradients_with_releasing_forced_on(release_all, info, sample):
    f, args = _wrapped(info, sample)
    check_gradients(f, args, order=1, atol=info.grad_atol, rtol=info.grad_rtol)


def test_every_declared_op_exists_and_is_differentiable():
    for name in READS:
        assert REGISTRY[name].differentiable, name
        assert REGISTRY[name].out_unread or "out" in READS[name]


def test_unread_intermediates_are_released_and_read_ones_kept(release_all):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((4, 5)).astype(np.float32))
    w = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32))
    b = tf.Variable(np.zeros(3, np.float32))
    with tf.GradientTape(persistent=True) as tape:
        h = tf.matmul(x, w)          # read by nobody: add reads shapes only
        z = h + b                    # read by nobody: relu's rule reads its output
        a = tf.nn.relu(z)            # read by relu's rule
        loss = tf.reduce_sum(a * a)
        refs = [weakref.ref(h), weakref.ref(z)]
    del refs                          # a weak reference keeps a tensor from being released
    hv, zv = h.numpy().copy(), z.numpy().copy()
    g1 = tape.gradient(loss, [w, b])
    # held by the program: never released, values intact
    np.testing.assert_array_equal(h.numpy(), hv)
    np.testing.assert_array_equal(z.numpy(), zv)
    del h, z
    gc.collect()
    g2 = tape.gradient(loss, [w, b])
    released = {r[0].name: _released(r[2]) for r in tape._records}
    assert released["matmul"] and released["add"] and not released["relu"]
    for a1, a2 in zip(g1, g2):
        np.testing.assert_allclose(a1.numpy(), a2.numpy(), rtol=1e-6)
    assert all(np.isfinite(g.numpy()).all() for g in g2)


def test_dense_stack_releases_during_recording(release_all):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((8, 6)).astype(np.float32))
    ws = [tf.Variable(rng.standard_normal((6, 6)).astype(np.float32) / 3) for _ in range(4)]
    with tf.GradientTape() as tape:
        h = x
        for w in ws:
            h = tf.nn.relu(tf.matmul(h, w) + 1.0)
        loss = tf.reduce_mean(h)
        released = sum(_released(r[2]) for r in tape._records if r[0].name in ("matmul", "add"))
    assert released >= 6          # all but the newest pre-activations, before gradient() is called
    grads = tape.gradient(loss, ws)
    with tf.GradientTape() as ref_tape:      # the same without releasing
        dispatch.RELEASE_MIN_BYTES = 1 << 62
        h = x
        for w in ws:
            h = tf.nn.relu(tf.matmul(h, w) + 1.0)
        loss = tf.reduce_mean(h)
    ref = ref_tape.gradient(loss, ws)
    for a, b in zip(grads, ref):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_nested_tapes_and_watched_tensors_keep_values(release_all):
    x = tf.constant(np.linspace(-1, 1, 12).reshape(3, 4))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.exp(x * 2.0 + 1.0))
        g = inner.gradient(y, x)
        s = tf.reduce_sum(g)
    gg = outer.gradient(s, x)
    np.testing.assert_allclose(gg.numpy(), 4 * np.exp(2 * x.numpy() + 1), rtol=1e-12)
    with tf.GradientTape() as tape:
        tape.watch(x)
        h = x + 1.0
        tape.watch(h)
        del h
        y = tf.reduce_sum(x * 3.0)
    assert not any(_released(t) for t in tape._keep.values() if type(t) is tf.Tensor)


def _mlp(n_layers=6, width=384, seed=2):
    rng = np.random.default_rng(seed)
    ws = [tf.Variable(rng.standard_normal((width, width)) / np.sqrt(width)) for _ in range(n_layers)]
    x = tf.constant(rng.standard_normal((width, width)))

    def fwd(x):
        h = x
        for w in ws:
            h = tf.nn.relu(tf.matmul(h, w))
        return tf.reduce_mean(h)
    return ws, x, fwd


def _step_peak(f, x, ws, persistent):
    """(gradients, tape, peak traced bytes of the backward pass above the forward's start)."""
    import tracemalloc
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with tf.GradientTape(persistent=persistent) as tape:
            loss = f(x)
        tracemalloc.reset_peak()
        grads = tape.gradient(loss, ws)
        return grads, tape, loss, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_compiled_call_releases_saved_values_during_a_consuming_backward():
    ws, x, fwd = _mlp()
    f = tf.function(fwd)
    for _ in range(2):                       # trace, then the traced gradient
        with tf.GradientTape() as tape:
            loss = f(x)
        tape.gradient(loss, ws)
    grads, _, _, released_peak = _step_peak(f, x, ws, False)
    pgrads, ptape, ploss, kept_peak = _step_peak(f, x, ws, True)   # asked again: keeps its values
    again = ptape.gradient(ploss, ws)
    with tf.GradientTape() as eager_tape:
        eloss = fwd(x)
    egrads = eager_tape.gradient(eloss, ws)
    for a, b, c, e in zip(grads, pgrads, again, egrads):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(b.numpy(), c.numpy())
    layer = 384 * 384 * 8
    # six saved layer outputs plus six gradients, against gradients plus two temporaries
    assert released_peak < kept_peak - 3 * layer, (released_peak, kept_peak)


def test_compiled_call_on_two_tapes_gives_both_their_gradient():
    ws, x, fwd = _mlp(n_layers=3, width=16)
    f = tf.function(fwd)
    for _ in range(2):
        with tf.GradientTape() as tape:
            loss = f(x)
        tape.gradient(loss, ws)
    with tf.GradientTape() as t1, tf.GradientTape() as t2:
        loss = f(x)
    g1 = t1.gradient(loss, ws)
    g2 = t2.gradient(loss, ws)
    with tf.GradientTape() as tape:
        loss = fwd(x)
    ge = tape.gradient(loss, ws)
    for a, b, e in zip(g1, g2, ge):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with tf.GradientTape() as tape:                      # jacobian: the rule runs once per row
        y = f(x)
    jac = tape.jacobian(y, ws[0])
    with tf.GradientTape() as tape:
        y = fwd(x)
    np.testing.assert_allclose(jac.numpy(), tape.jacobian(y, ws[0]).numpy(), rtol=1e-12, atol=1e-15)
