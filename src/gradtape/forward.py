"""Forward-mode automatic differentiation: ``ForwardAccumulator``, ``jvp`` and ``linearize``.

``ForwardAccumulator(primals, tangents)`` mirrors ``tf.autodiff.ForwardAccumulator``: inside
``with acc:``, every op that reads a tensor with a tangent computes the tangent of its output at
once (a Jacobian-vector product), and ``acc.jvp(y)`` returns it.

How ops are seen: the accumulator registers itself in ``dispatch.ACTIVE`` like a tape (it has the
attributes ``dispatch.record`` uses: ``_ids`` and ``_records``), but its ``_records`` is a list
whose ``append`` computes the tangent instead of storing the record. So the per-op hot path is
unchanged and costs nothing when no accumulator is active.

Forward rules: an op's own ``Op.jvp(tangents, ans, *inputs, **attrs)`` when it has one (this
module gives the common elementwise and linear ops one), otherwise one derived from its reverse
rule: the VJP ``u -> J^T u`` is linear in ``u``, so ``J t`` is the gradient with respect to a
dummy cotangent ``u`` of ``<vjp(u), t>`` (one nested tape over the rule). Tangent computations
run with the accumulator paused but other tapes and accumulators recording, so an outer
GradientTape differentiates them (forward-over-reverse Hessian-vector products) and nested
accumulators give higher-order forward derivatives.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import dispatch
from . import nest
from .dispatch import ACTIVE, convert_to_tensor
from .registry import REGISTRY, Op
from .tensor import Tensor


def _is_variable(x: Any) -> bool:
    return hasattr(type(x), "_gt_read")


class _TangentRecords(list):
    """The accumulator's stand-in for a tape's record list: appending a record computes the
    output tangents of that op."""

    __slots__ = ("_acc",)

    def __init__(self, acc: "ForwardAccumulator"):
        super().__init__()
        self._acc = acc

    def append(self, record: tuple) -> None:  # noqa: D401
        self._acc._process(*record)


class ForwardAccumulator:
    """Computes Jacobian-vector products with forward-mode autodiff (``tf.autodiff.ForwardAccumulator``).

    ``primals`` (a tensor, variable or nested structure of them) get the matching ``tangents``.
    Ops executed inside ``with acc:`` that use them propagate tangents; ``acc.jvp(y)`` returns the
    tangent of ``y`` (None, or zeros with ``unconnected_gradients='zero'``, when ``y`` does not
    depend on the primals). Nest it with ``GradientTape`` for Hessian-vector products::

        with tf.autodiff.ForwardAccumulator(x, v) as acc:
            with tf.GradientTape() as tape:
                y = f(x)
            g = tape.gradient(y, x)
        hvp = acc.jvp(g)
    """

    def __init__(self, primals: Any, tangents: Any):
        flat_p = nest.flatten(primals)
        flat_t = nest.flatten(tangents)
        if len(flat_p) != len(flat_t):
            raise ValueError(f"ForwardAccumulator: got {len(flat_p)} primals but {len(flat_t)} "
                             "tangents; primals and tangents must have the same structure.")
        self._ids: set = set()
        self._records = _TangentRecords(self)
        self._watch_accessed_variables = False
        self._persistent = True
        self._recording = False
        self._tangents: dict = {}
        for i, (p, t) in enumerate(zip(flat_p, flat_t)):
            if type(p) is not Tensor and not _is_variable(p):
                p = convert_to_tensor(p)
            if p._value.dtype.kind not in "fc":
                raise ValueError(f"ForwardAccumulator: primal {i} has dtype "
                                 f"{np.dtype(p._value.dtype).name}; only floating and complex "
                                 "tensors have tangents.")
            t = convert_to_tensor(t, dtype_hint=p._value.dtype)
            if t._value.dtype != p._value.dtype:
                raise ValueError(f"ForwardAccumulator: tangent {i} has dtype {t.dtype.name} but its "
                                 f"primal has dtype {np.dtype(p._value.dtype).name}.")
            if np.shape(t._value) != np.shape(p._value):
                raise ValueError(f"ForwardAccumulator: tangent {i} has shape "
                                 f"{list(np.shape(t._value))} but its primal has shape "
                                 f"{list(np.shape(p._value))}; they must match.")
            self._set(p, t)

    # -- the tape protocol used by dispatch.record / read_variable ----------------------------
    def _watch_variable(self, var: Any) -> None:  # never called: accessed variables are not watched
        return None

    def _set(self, x: Any, tangent: Tensor) -> None:
        self._tangents[id(x)] = (x, tangent)
        self._ids.add(id(x))

    def __enter__(self) -> "ForwardAccumulator":
        if self._recording:
            raise ValueError("ForwardAccumulator is already active; it cannot be re-entered.")
        ACTIVE.append(self)
        self._recording = True
        return self

    def __exit__(self, *exc: Any) -> None:
        ACTIVE.discard(self)
        self._recording = False

    def _pause(self) -> int:
        """Step out of this thread's tape stack while a tangent rule runs (edits the thread's own
        list directly: the process-wide "someone records" flag may stay on meanwhile)."""
        stack = ACTIVE.current()
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is self:
                del stack[i]
                return i
        return -1

    # -- tangent propagation ------------------------------------------------------------------
    def _process(self, op: Op, inputs: tuple, out: Any, attrs: Optional[dict]) -> None:
        tangents = []
        any_t = False
        for x in inputs:
            e = self._tangents.get(id(x))
            if e is not None and e[0] is x:
                tangents.append(e[1])
                any_t = True
            else:
                tangents.append(None)
        if not any_t:
            return
        pos = self._pause()
        try:
            if op is dispatch.READ:
                outs_t = tangents[0]
            elif op.jvp is not None:
                outs_t = op.jvp(tuple(tangents), out, *inputs, **(attrs or {}))
            else:
                outs_t = _derived_jvp(op, inputs, out, attrs, tangents)
        finally:
            if pos >= 0:
                stack = ACTIVE.current()
                if stack:
                    stack.insert(pos, self)
                else:                      # emptied meanwhile: re-register the thread's flag
                    ACTIVE.insert(pos, self)
        if type(out) is tuple:
            for o, t in zip(out, outs_t):
                if t is not None and o._value.dtype.kind in "fc":
                    self._set(o, _densify(t))
        elif outs_t is not None and out._value.dtype.kind in "fc":
            self._set(out, _densify(outs_t))

    # -- results --------------------------------------------------------------------------------
    def jvp(self, primals: Any, unconnected_gradients: Any = "none") -> Any:
        """The tangent of each tensor in ``primals`` (a nested structure), ``tf.autodiff.ForwardAccumulator.jvp``.

        Tensors that do not depend on the accumulator's primals give None, or zeros with
        ``unconnected_gradients=tf.UnconnectedGradients.ZERO``.
        """
        from .tape import UnconnectedGradients, _parse_unconnected
        zero = _parse_unconnected(unconnected_gradients) is UnconnectedGradients.ZERO

        def one(t: Any) -> Any:
            e = self._tangents.get(id(t))
            if e is not None and e[0] is t:
                return e[1]
            if zero:
                from .ops.constructors import zeros
                return zeros(np.shape(t._value), dtype=t._value.dtype)
            return None

        return nest.map_structure(one, primals)

    def __repr__(self) -> str:
        return f"<ForwardAccumulator tracking {len(self._tangents)} tensors>"


def _densify(t: Any) -> Any:
    if type(t) is Tensor:
        return t
    if hasattr(type(t), "__gt_tensor__"):
        return t.__gt_tensor__()
    return convert_to_tensor(t)


def _derived_jvp(op: Op, inputs: tuple, out: Any, attrs: Optional[dict], tangents: list) -> Any:
    """``J t`` from the reverse rule: the gradient with respect to a dummy cotangent ``u`` of
    ``sum_i <vjp_i(u), t_i>`` (the VJP is linear in ``u``). Complex tangents are conjugated so the
    result follows TF's convention (gradients are conjugate derivatives)."""
    from .ops.constructors import zeros_like
    from .ops.math import multiply, conj
    from .ops.reduction import reduce_sum
    from .tape import GradientTape, _sum_to_shape
    multi = type(out) is tuple
    outs = out if multi else (out,)
    us = [zeros_like(o) for o in outs]
    float_us = [u for u in us if u._value.dtype.kind in "fc"]
    if not float_us:
        return (None,) * len(outs) if multi else None
    kw = attrs or {}
    with GradientTape() as tape:
        tape.watch(float_us)
        g = tuple(us) if multi else us[0]
        vjp = op.vjp
        if type(vjp) is tuple:
            grads = [rule(g, out, *inputs, **kw) if (rule is not None and t is not None) else None
                     for rule, t in zip(vjp, tangents)]
        else:
            grads = vjp(g, out, *inputs, **kw)
            if len(inputs) == 1:
                grads = [grads[0] if type(grads) is tuple else grads]
            else:
                grads = list(grads)
        total = None
        for x, gx, t in zip(inputs, grads, tangents):
            if gx is None or t is None:
                continue
            gx = _densify(gx)
            xshape = np.shape(x._value)
            if gx._value.shape != xshape:
                gx = _sum_to_shape(gx, xshape)
            if gx._value.dtype != t._value.dtype:
                continue
            tt = conj(t) if t._value.dtype.kind == "c" else t
            term = reduce_sum(multiply(gx, tt))
            total = term if total is None else total + term
    if total is None:
        return (None,) * len(outs) if multi else None
    res = tape.gradient(total, float_us)
    it = iter(res)
    full = [next(it) if u._value.dtype.kind in "fc" else None for u in us]
    return tuple(full) if multi else full[0]


# -- forward rules of the common ops (fast paths; every other op uses the derived rule) --------

def _install_jvps() -> None:
    from .ops import math as m
    from .ops.linalg import matmul

    def lin2(fn: Callable[..., Any], neg: bool = False) -> Callable[..., Any]:
        def rule(ts: tuple, ans: Any, x: Any, y: Any) -> Any:
            tx, ty = ts
            if ty is None:
                return _bcast(tx, ans)
            if tx is None:
                return _bcast(m.negative(ty) if neg else ty, ans)
            return fn(tx, ty)
        return rule

    def mul(ts: tuple, ans: Any, x: Any, y: Any) -> Any:
        tx, ty = ts
        a = None if tx is None else m.multiply(tx, y)
        b = None if ty is None else m.multiply(x, ty)
        return _bcast(a if b is None else b if a is None else m.add(a, b), ans)

    def div(ts: tuple, ans: Any, x: Any, y: Any) -> Any:
        tx, ty = ts
        a = None if tx is None else m.divide(tx, y)
        b = None if ty is None else m.negative(m.multiply(m.divide(ans, y), ty))
        return _bcast(a if b is None else b if a is None else m.add(a, b), ans)

    def mm(ts: tuple, ans: Any, a: Any, b: Any, **attrs: Any) -> Any:
        ta, tb = ts
        r1 = None if ta is None else matmul(ta, b)
        r2 = None if tb is None else matmul(a, tb)
        return r1 if r2 is None else r2 if r1 is None else m.add(r1, r2)

    def unary(deriv: Callable[[Any, Any], Any]) -> Callable[..., Any]:
        def rule(ts: tuple, ans: Any, x: Any) -> Any:
            return m.multiply(ts[0], deriv(x, ans))
        return rule

    rules = {
        "add": lin2(m.add), "subtract": lin2(m.subtract, neg=True), "multiply": mul,
        "divide": div,
        "negative": lambda ts, ans, x: m.negative(ts[0]),
        "identity": lambda ts, ans, x: ts[0],
        "exp": unary(lambda x, ans: ans),
        "sin": unary(lambda x, ans: m.cos(x)),
        "cos": unary(lambda x, ans: m.negative(m.sin(x))),
        "tanh": unary(lambda x, ans: 1 - m.square(ans)),
        "sigmoid": unary(lambda x, ans: ans * (1 - ans)),
        "square": unary(lambda x, ans: 2 * x),
        "log": unary(lambda x, ans: m.reciprocal(x)),
    }
    for name, rule in rules.items():
        op = REGISTRY.get(name)
        if op is not None and op.jvp is None and op.vjp is not None:
            op.jvp = rule
    op = REGISTRY.get("matmul")
    if op is not None and op.jvp is None:
        def mm_rule(ts: tuple, ans: Any, a: Any, b: Any, _op: Op = op, **attrs: Any) -> Any:
            if attrs:  # transpose/adjoint attributes: use the rule derived from the VJP
                return _derived_jvp(_op, (a, b), ans, attrs, list(ts))
            return mm(ts, ans, a, b)
        op.jvp = mm_rule


def _bcast(t: Any, ans: Any) -> Any:
    """A tangent broadcast to the output's shape (a broadcasting input's tangent)."""
    if t is None:
        return None
    if np.shape(t._value) == np.shape(ans._value):
        return t
    from .ops.shape import broadcast_to
    return broadcast_to(t, np.shape(ans._value))


_install_jvps()


# -- functional forward mode --------------------------------------------------------------------

def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """``(f(*primals), J_f(primals) @ tangents)`` in one forward pass (JAX's ``jax.jvp``).

    ``primals`` and ``tangents`` are sequences with one entry per positional argument of ``f``;
    the output tangent has the structure of ``f``'s output (zeros where it does not depend on
    the primals).
    """
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError("jvp: primals and tangents must be tuples or lists with one entry per "
                        f"argument of f, got {type(primals).__name__} and {type(tangents).__name__}.")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents.")
    args = [nest.map_structure(lambda a: a if type(a) is Tensor or _is_variable(a)
                               else convert_to_tensor(a), p) for p in primals]
    with ForwardAccumulator(args, list(tangents)) as acc:
        out = f(*args)
    if out is None:
        raise TypeError(f"jvp: the function {getattr(f, '__name__', f)} returned None; it must "
                        "return a tensor.")
    return out, acc.jvp(out, unconnected_gradients="zero")


def linearize(f: Callable[..., Any], *primals: Any) -> tuple:
    """``(f(*primals), f_jvp)`` where ``f_jvp(*tangents)`` is the JVP at ``primals`` (JAX's
    ``jax.linearize``). Here ``f_jvp`` re-runs ``f`` in forward mode on each call (no stored
    linearization), so it costs one forward pass per call."""
    args = [nest.map_structure(lambda a: a if type(a) is Tensor or _is_variable(a)
                               else convert_to_tensor(a), p) for p in primals]
    value = f(*args)

    def f_jvp(*tangents: Any) -> Any:
        return jvp(f, args, tangents)[1]

    return value, f_jvp


__all__ = ["ForwardAccumulator", "jvp", "linearize"]
