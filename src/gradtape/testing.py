"""Gradient checking: compare gradtape's derivatives with central finite differences.

``check_gradients(f, args, order=1)`` is the public checker (like ``jax.test_util.check_grads``
and ``torch.autograd.gradcheck``): in float64, it builds the full Jacobian of ``f`` with respect
to every floating argument both ways, or, for large ones, compares one random projection. With
``order=2`` it also checks the derivative of the VJP (the second-order rules), through a nested tape.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .dispatch import convert_to_tensor
from .tape import GradientTape
from .tensor import Tensor

_FULL_LIMIT = 4096  # Jacobian entries above which one random projection is checked instead


def _flat_float64(y: Any) -> np.ndarray:
    if isinstance(y, (list, tuple)):
        return np.concatenate([_flat_float64(v) for v in y]) if y else np.zeros(0)
    if y is None:
        return np.zeros(0)
    return np.asarray(getattr(y, "_value", y), dtype=np.float64).reshape(-1)


def numerical_jacobian(f: Callable[..., Any], args: Sequence[Any], argnum: int,
                       delta: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of ``flatten(f(*args))`` w.r.t. ``args[argnum]``: shape (y_size, x_size)."""
    base = [np.array(getattr(a, "_value", a), dtype=np.float64, copy=True) for a in args]
    x = base[argnum]
    cols = []
    for k in range(x.size):
        plus = x.copy()
        minus = x.copy()
        plus.reshape(-1)[k] += delta
        minus.reshape(-1)[k] -= delta
        fp = _flat_float64(f(*_with(base, argnum, plus)))
        fm = _flat_float64(f(*_with(base, argnum, minus)))
        cols.append((fp - fm) / (2 * delta))
    if not cols:
        y = _flat_float64(f(*[convert_to_tensor(b) for b in base]))
        return np.zeros((y.size, 0))
    return np.stack(cols, axis=1)


def _with(base: list, i: int, value: np.ndarray) -> list:
    out = [convert_to_tensor(b) for b in base]
    out[i] = convert_to_tensor(value)
    return out


def analytic_jacobian(f: Callable[..., Any], args: Sequence[Any], argnum: int) -> np.ndarray:
    """The Jacobian by reverse mode, one VJP per output element: shape (y_size, x_size)."""
    xs = [convert_to_tensor(np.asarray(getattr(a, "_value", a), dtype=np.float64)) for a in args]
    with GradientTape(persistent=True) as tape:
        for x in xs:
            if x._value.dtype.kind == "f":
                tape.watch(x)
        y = f(*xs)
        # IndexedSlices (sparse gradients) are made dense under the tape, so it sees the op
        ys = [convert_to_tensor(v) for v in (y if isinstance(y, (list, tuple)) else [y])]
    rows = []
    x = xs[argnum]
    for yi in ys:
        yi = convert_to_tensor(yi)
        n = int(np.size(yi._value))
        for j in range(n):
            seed = np.zeros(n)
            seed[j] = 1
            g = tape.gradient(yi, x, output_gradients=seed.reshape(np.shape(yi._value)))
            rows.append(np.zeros(np.size(x._value)) if g is None else _flat_float64(g))
    if not rows:
        return np.zeros((0, int(np.size(x._value))))
    return np.stack(rows, axis=0)


def _projected(f: Callable[..., Any], args: list, argnum: int, delta: float,
               rng: np.random.Generator) -> tuple:
    """u^T J v by reverse mode and by a central difference along v."""
    xs = [np.array(getattr(a, "_value", a), dtype=np.float64) for a in args]
    v = rng.standard_normal(xs[argnum].shape)
    y0 = _flat_float64(f(*[convert_to_tensor(a) for a in xs]))
    u = rng.standard_normal(y0.shape)
    fp = _flat_float64(f(*_with(xs, argnum, xs[argnum] + delta * v)))
    fm = _flat_float64(f(*_with(xs, argnum, xs[argnum] - delta * v)))
    numeric = float(u @ ((fp - fm) / (2 * delta)))
    ts = [convert_to_tensor(a) for a in xs]
    with GradientTape() as tape:
        tape.watch(ts[argnum])
        y = f(*ts)
        ys = [convert_to_tensor(v) for v in (y if isinstance(y, (list, tuple)) else [y])]
    off = 0
    seeds = []
    for yi in ys:
        n = int(np.size(yi._value))
        seeds.append(u[off:off + n].reshape(np.shape(yi._value)))
        off += n
    g = tape.gradient(ys, ts[argnum], output_gradients=seeds)
    analytic = 0.0 if g is None else float(_flat_float64(g) @ v.reshape(-1))
    return analytic, numeric


def check_gradients(f: Callable[..., Any], args: Sequence[Any], order: int = 1,
                    atol: float = 1e-5, rtol: float = 1e-4, delta: float = 1e-6,
                    argnums: Optional[Sequence[int]] = None, seed: int = 0) -> None:
    """Assert that ``f``'s reverse-mode derivatives match central differences, in float64.

    ``args`` are converted to float64 (integer and bool arguments are passed through and not
    differentiated). ``order=2`` also checks the derivatives of the VJP ``x -> J(x)^T u`` for a
    random ``u``, which exercises every op's second-order rule. Raises AssertionError naming the
    output and input whose Jacobians disagree, with the largest difference and where it is.
    """
    if order not in (1, 2):
        raise ValueError(f"check_gradients: order must be 1 or 2, got {order}.")
    rng = np.random.default_rng(seed)
    vals = [np.asarray(getattr(a, "_value", a)) for a in args]
    prepared = [v.astype(np.float64) if v.dtype.kind == "f" else v for v in vals]
    nums = [i for i, v in enumerate(prepared) if v.dtype.kind == "f"] if argnums is None else list(argnums)
    _check_first_order(f, prepared, nums, atol, rtol, delta, rng, "f")
    if order == 2:
        y0 = _flat_float64(f(*[convert_to_tensor(v) for v in prepared]))
        u = rng.standard_normal(y0.shape)

        def vjp_fn(*xs: Any) -> list:
            xs = [convert_to_tensor(x) for x in xs]
            with GradientTape() as tape:
                for i in nums:
                    tape.watch(xs[i])
                y = f(*xs)
            ys = y if isinstance(y, (list, tuple)) else [y]
            seeds, off = [], 0
            for yi in ys:
                n = int(np.size(yi._value))
                seeds.append(u[off:off + n].reshape(np.shape(yi._value)))
                off += n
            grads = tape.gradient(ys, [xs[i] for i in nums], output_gradients=seeds,
                                  unconnected_gradients="zero")
            return grads

        _check_first_order(vjp_fn, prepared, nums, atol * 10, rtol * 10, delta * 10, rng, "vjp(f)")


def _check_first_order(f: Callable[..., Any], args: list, nums: list, atol: float, rtol: float,
                       delta: float, rng: np.random.Generator, label: str) -> None:
    y_size = _flat_float64(f(*[convert_to_tensor(a) for a in args])).size
    for i in nums:
        x_size = args[i].size
        if y_size * x_size <= _FULL_LIMIT:
            a = analytic_jacobian(f, args, i)
            n = numerical_jacobian(f, args, i, delta)
            if a.shape != n.shape:
                raise AssertionError(f"{label}: Jacobian shape mismatch with respect to input {i}: "
                                     f"analytic {a.shape}, numerical {n.shape}")
            bad = ~np.isclose(a, n, atol=atol, rtol=rtol, equal_nan=False)
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise AssertionError(
                    f"{label}: Jacobian mismatch for output {r} with respect to input {i} (entry {c}): "
                    f"analytic {a[r, c]!r}, numerical {n[r, c]!r}; max abs diff "
                    f"{np.nanmax(np.abs(a - n))!r} over {int(bad.sum())} of {bad.size} entries.")
        else:
            a, n = _projected(f, args, i, delta, rng)
            if not np.isclose(a, n, atol=atol * 10, rtol=rtol * 10):
                raise AssertionError(f"{label}: projected Jacobian mismatch with respect to input {i}: "
                                     f"analytic u^T J v = {a!r}, numerical {n!r}.")


__all__ = ["check_gradients", "numerical_jacobian", "analytic_jacobian"]
