"""Every op in the op database: forward vs NumPy (float32 and float64), gradients vs central
differences in float64 (first and second order), gradient shape/dtype, zero upstream, and the
non-differentiable flag checked both ways. A coverage test ties the database to the registry."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import gradtape as tf
from gradtape.registry import REGISTRY, Op
from gradtape.testing import check_gradients
from op_db import ALL_OPS

# Internal primitives exercised elsewhere, with the test that covers them.
EXEMPT = {"read_variable": "tests/test_tape.py (every Variable gradient goes through it)"}


def _cases():
    for info in ALL_OPS:
        rng = np.random.default_rng(zlib.crc32(info.name.encode()))
        for i, sample in enumerate(info.samples(rng)):
            yield pytest.param(info, sample, id=f"{info.name}-{i}{'-' + sample.name if sample.name else ''}")


CASES = list(_cases())


def _is_diff(a) -> bool:
    return isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype.kind == "f"


def _split(info, sample):
    pos = [i for i, a in enumerate(sample.args) if _is_diff(a)]
    if info.diff_args is not None:
        pos = [p for p in pos if p in info.diff_args]
    return pos


def _has_diff_args(param) -> bool:
    info, sample = param.values
    return info.grad and bool(_split(info, sample))


FORWARD_CASES = [pytest.param(*c.values, dt, id=f"{c.id}-{np.dtype(dt).name}")
                 for c in CASES for dt in (np.float32, np.float64) if dt in c.values[0].dtypes]
GRAD_CASES = [c for c in CASES if _has_diff_args(c)]
SECOND_ORDER_CASES = [c for c in GRAD_CASES if c.values[0].second_order]
NONDIFF_CASES = [c for c in CASES if not c.values[0].grad
                 and any(_is_diff(a) for a in c.values[1].args)]


def _call(info, sample, dtype):
    args = [tf.constant(np.asarray(a, dtype=dtype)) if _is_diff(a) else a for a in sample.args]
    return info.fn(*args, **sample.kwargs)


def _closure(info, sample):
    pos = _split(info, sample)

    def f(*diff):
        args = list(sample.args)
        for p, d in zip(pos, diff):
            args[p] = d
        return info.fn(*args, **sample.kwargs)

    return f, [np.asarray(sample.args[p], dtype=np.float64) for p in pos]


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [np.asarray(v) for v in x]
    return [np.asarray(x)]


@pytest.mark.parametrize("info,sample,dtype", FORWARD_CASES)
def test_forward_matches_numpy(info, sample, dtype):
    out = _call(info, sample, dtype)
    ref_args = [np.asarray(a, dtype=dtype).astype(np.float64) if _is_diff(a) else a for a in sample.args]
    ref = info.ref(*ref_args, **sample.kwargs)
    outs, refs = _flat(out), _flat(ref)
    assert len(outs) == len(refs)
    rtol = max(info.rtol, 2e-5) if dtype == np.float32 else max(info.rtol * 1e-3, 1e-9)
    atol = max(info.atol, 2e-6) if dtype == np.float32 else max(info.atol * 1e-3, 1e-10)
    for o, r, t in zip(outs, refs, _flat(out) if not isinstance(out, (list, tuple)) else out):
        assert o.shape == np.shape(r), f"{info.name}: shape {o.shape} != NumPy's {np.shape(r)}"
        if o.dtype.kind == "f" and any(_is_diff(a) for a in sample.args):
            assert o.dtype == np.dtype(dtype) or info.name.startswith("cast"), \
                f"{info.name}: output dtype {o.dtype} for {np.dtype(dtype)} inputs"
        np.testing.assert_allclose(o.astype(np.float64) if o.dtype.kind in "fc" else o, r, rtol=rtol, atol=atol,
                                   err_msg=f"{info.name} forward ({np.dtype(dtype)})")


@pytest.mark.parametrize("info,sample", GRAD_CASES)
def test_gradient_first_order(info, sample):
    f, args = _closure(info, sample)
    check_gradients(f, args, order=1, atol=info.grad_atol, rtol=info.grad_rtol)


@pytest.mark.parametrize("info,sample", SECOND_ORDER_CASES)
def test_gradient_second_order(info, sample):
    f, args = _closure(info, sample)
    check_gradients(f, args, order=2, atol=info.grad_atol, rtol=info.grad_rtol)


@pytest.mark.parametrize("info,sample", GRAD_CASES)
def test_gradient_shape_dtype_and_zero_upstream(info, sample):
    f, args = _closure(info, sample)
    xs = [tf.constant(a.astype(np.float32)) for a in args]
    with tf.GradientTape(persistent=True) as tape:
        for x in xs:
            tape.watch(x)
        y = f(*xs)
    ys = list(y) if isinstance(y, (list, tuple)) else [y]
    grads = tape.gradient(ys, xs)
    for x, g in zip(xs, grads):
        assert g is not None, f"{info.name}: gradient is None for a connected input"
        assert g.shape == x.shape and g.dtype == x.dtype, \
            f"{info.name}: gradient {g.shape}/{g.dtype.name} for source {x.shape}/{x.dtype.name}"
    zeros = [tf.zeros_like(t) for t in ys]
    for g in tape.gradient(ys, xs, output_gradients=zeros):
        assert np.all(np.asarray(g) == 0), f"{info.name}: zero upstream must give exactly zero (no NaN)"


@pytest.mark.parametrize("info,sample", NONDIFF_CASES)
def test_nondifferentiable_gives_none(info, sample):
    args = [tf.constant(np.asarray(a, dtype=np.float32)) if _is_diff(a) else a for a in sample.args]
    watched = [a for a in args if isinstance(a, tf.Tensor)]
    with tf.GradientTape() as tape:
        for a in watched:
            tape.watch(a)
        y = info.fn(*args, **sample.kwargs)
    y = y[0] if isinstance(y, (list, tuple)) else y
    assert all(g is None for g in tape.gradient(y, watched)), f"{info.name} must have no gradient (TF gives None)"


def test_every_registered_op_has_an_entry():
    covered = set()
    for info in ALL_OPS:
        covered.update(info.covers)
    missing = sorted(set(REGISTRY) - covered - set(EXEMPT))
    assert not missing, f"registered ops without an op_db entry: {missing}"


def test_differentiable_flags_match_registry():
    for info in ALL_OPS:
        if info.name in REGISTRY:
            assert REGISTRY[info.name].differentiable == info.grad, \
                f"{info.name}: op_db says grad={info.grad} but the registry says {REGISTRY[info.name].differentiable}"


def test_checker_catches_wrong_rules():
    """A deliberately wrong first-order rule, and one wrong only at second order, must both fail."""
    name1, name2 = "_test_wrong_first", "_test_wrong_second"
    from gradtape.dispatch import unary
    wrong1 = Op(name1, np.sin, vjp=lambda g, ans, x: g * tf.cos(x) * 1.1, kinds="fc")
    # Correct first derivative (cos x), but written with a stop_gradient so its own derivative is wrong.
    wrong2 = Op(name2, np.sin, vjp=lambda g, ans, x: g * tf.stop_gradient(tf.cos(x)), kinds="fc")
    try:
        f1, f2 = unary(wrong1), unary(wrong2)
        x = np.array([0.3, -1.2, 2.0])
        with pytest.raises(AssertionError, match="Jacobian mismatch"):
            check_gradients(f1, [x], order=1)
        check_gradients(f2, [x], order=1)  # first order is right
        with pytest.raises(AssertionError, match="Jacobian mismatch"):
            check_gradients(f2, [x], order=2)
    finally:
        del REGISTRY[name1], REGISTRY[name2]


# One case per differentiable op: a Variable passed where a tensor goes must give the same gradient
# as a watched constant (a Variable handed to an op's implementation unread used to give None).
_VARIABLE_CASES = list({c.values[0].name: c for c in reversed(GRAD_CASES)}.values())


@pytest.mark.parametrize("info,sample", _VARIABLE_CASES)
def test_variable_inputs_give_the_same_gradient(info, sample):
    pos = _split(info, sample)

    def grads(make):
        args = list(sample.args)
        leaves = []
        with tf.GradientTape() as tape:
            for p in pos:
                leaves.append(make(np.asarray(sample.args[p], dtype=np.float64)))
                if not isinstance(leaves[-1], tf.Variable):
                    tape.watch(leaves[-1])
                args[p] = leaves[-1]
            outs = info.fn(*args, **sample.kwargs)
            total = tf.add_n([tf.reduce_sum(tf.cast(o, tf.float64) * 0.5 + tf.cast(o, tf.float64) ** 2)
                              for o in (outs if isinstance(outs, (list, tuple)) else [outs])
                              if o.dtype.is_floating])
        return tape.gradient(total, leaves)

    want = grads(tf.constant)
    got = grads(tf.Variable)
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None:
            assert g is None, f"{info.name}: argument {pos[i]} has a gradient as a Variable but not as a tensor"
            continue
        assert g is not None, f"{info.name}: argument {pos[i]} passed as a tf.Variable got a None gradient"
        np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), tf.convert_to_tensor(w).numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=info.name)
