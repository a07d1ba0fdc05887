"""Numerics checks (``tf.debugging``): ``check_numerics``, ``enable_check_numerics`` and
``disable_check_numerics``.

``enable_check_numerics()`` mirrors ``tf.debugging.enable_check_numerics``: the first op whose
output holds an Inf or NaN raises ``InvalidArgumentError`` naming the op, its output dtype and
shape, the counts of bad values, and the line of user code that called it. It goes one step
beyond TF in the backward pass: when a *gradient rule* produces the Inf/NaN, the error names the op
whose rule it was and the file:line where that op was called in the forward pass.

Implementation: enabling wraps ``forward`` and ``vjp`` of every op in ``registry.REGISTRY``
(the per-op closures in ``dispatch`` look ``op.forward`` up on each call); disabling restores
them, so the checks cost nothing when off. While on, each forward output's call site is kept in
a side table keyed by the id of its NumPy value.
"""
from __future__ import annotations

import os
import sys
import threading
import weakref
from typing import Any, Callable, Optional

import numpy as np

from . import dispatch
from .errors import InvalidArgumentError
from .registry import REGISTRY, Op
from .tensor import Tensor

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))

# -- check_numerics ----------------------------------------------------------------------------


def _bad_counts(v: Any) -> Optional[dict]:
    a = np.asarray(v)
    if a.dtype.kind not in "fc":
        return None
    if a.dtype.kind == "c":
        a = np.concatenate([a.real.ravel(), a.imag.ravel()])
    with np.errstate(invalid="ignore"):
        if np.isfinite(a).all():
            return None
        return {"NaN": int(np.isnan(a).sum()), "+Inf": int(np.isposinf(a).sum()),
                "-Inf": int(np.isneginf(a).sum())}


def _check_numerics_op(vjp: Callable[..., Any]) -> Op:
    """An unregistered identity op whose gradient rule checks the upstream."""
    from .custom_gradient import _make_op
    return _make_op("check_numerics", vjp, 1)


def check_numerics(tensor: Any, message: str, name: Optional[str] = None) -> Tensor:
    """Return ``tensor`` unchanged, or raise ``InvalidArgumentError`` if it holds Inf or NaN
    (``tf.debugging.check_numerics``). The gradient passes through and is checked the same way.

    The message follows TF: ``"<message> : Tensor had NaN values"`` (or ``Inf values``).
    """
    t = dispatch.convert_to_tensor(tensor)
    if t._value.dtype.kind not in "fc":
        raise TypeError(f"check_numerics: expected a floating tensor, got {t.dtype.name}.")
    counts = _bad_counts(t._value)
    if counts:
        kind = "NaN" if counts["NaN"] else "Inf"
        raise InvalidArgumentError(f"{message} : Tensor had {kind} values")
    def vjp(g: Any, ans: Any, x: Any) -> Any:
        c = _bad_counts(g._value)
        if c:
            kind = "NaN" if c["NaN"] else "Inf"
            raise InvalidArgumentError("Not a number (NaN) or infinity (Inf) values detected in "
                                       f"gradient. {message} : Tensor had {kind} values")
        return g

    op = _check_numerics_op(vjp)
    out = object.__new__(Tensor)
    out._value = t._value
    if dispatch.ACTIVE:
        dispatch.record(op, (t,), out, None)
    return out


# -- enable_check_numerics ---------------------------------------------------------------------

_ORIGINALS: dict = {}          # op name -> (forward, vjp) while enabled
_SITES: dict = {}              # id(NumPy value) -> (ref, "file:line (function)")
_STATE = threading.local()     # .rule: stack of (op, site) whose gradient rule is running;
                               # .enabled: whether this thread turned the checks on (TF: per thread)
_THREADS: set = set()          # idents of the threads with the checks on
_LOCK = threading.Lock()
_SITES_LIMIT = 200_000


def _user_site() -> str:
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if not os.path.abspath(fn).startswith(_PKG_DIR):
            return f"{fn}:{f.f_lineno} (in {f.f_code.co_name})"
        f = f.f_back
    return "<unknown>"


def _remember(value: Any, site: str) -> None:
    if len(_SITES) > _SITES_LIMIT:
        for k in [k for k, (r, _) in list(_SITES.items()) if type(r) is weakref.ref and r() is None]:
            _SITES.pop(k, None)
        if len(_SITES) > _SITES_LIMIT:
            _SITES.clear()
    try:
        ref: Any = weakref.ref(value)
    except TypeError:  # NumPy scalars cannot be weakly referenced; keep them (they are small)
        ref = value
    _SITES[id(value)] = (ref, site)


def _site_of(value: Any) -> Optional[str]:
    e = _SITES.get(id(value))
    if e is None:
        return None
    ref, site = e
    target = ref() if type(ref) is weakref.ref else ref
    return site if target is value else None


def _describe_counts(c: dict) -> str:
    return ", ".join(f"# of {k} elements: {n}" for k, n in c.items() if n)


def _rule_context() -> str:
    stack = getattr(_STATE, "rule", None)
    if not stack:
        return ""
    op, site = stack[-1]
    where = f", whose forward was called at {site}" if site else ""
    return (f"\n  This op ran inside the gradient rule of op \"{op.name}\"{where}: the backward pass "
            f"of \"{op.name}\" produced the Inf/NaN.")


def _wrap_forward(op: Op, forward: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*values: Any, **attrs: Any) -> Any:
        result = forward(*values, **attrs)
        if not getattr(_STATE, "enabled", False):   # enabled in another thread only
            return result
        outs = result if type(result) is tuple else (result,)
        site = None
        for i, r in enumerate(outs):
            c = _bad_counts(r)
            if c:
                site = _user_site()
                inputs = ", ".join(repr(v) if isinstance(v, (int, float)) else
                                   f"{np.asarray(v).dtype}{list(np.shape(v))}" for v in values)
                raise InvalidArgumentError(
                    f"!!! Detected Infinity or NaN in output {i} of eagerly-executing op "
                    f"\"{op.name}\" (# of outputs: {len(outs)}) !!!\n"
                    f"  dtype: {np.asarray(r).dtype}, shape: {list(np.shape(r))}, "
                    f"{_describe_counts(c)}\n  inputs: {inputs}\n  called at {site}"
                    + _rule_context())
        if not getattr(_STATE, "rule", None):
            site = _user_site()
            for r in outs:
                _remember(r, site)
        return result
    checked.__wrapped__ = forward  # type: ignore[attr-defined]
    return checked


def _grad_values(gx: Any) -> Any:
    if type(gx) is Tensor:
        return gx._value
    vals = getattr(gx, "values", None)
    if type(vals) is Tensor:
        return vals._value
    return getattr(gx, "_value", None)


def _wrap_rule(op: Op, rule: Callable[..., Any], index: Optional[int]) -> Callable[..., Any]:
    def checked(g: Any, ans: Any, *inputs: Any, **attrs: Any) -> Any:
        if not getattr(_STATE, "enabled", False):   # enabled in another thread only
            return rule(g, ans, *inputs, **attrs)
        first = ans[0] if type(ans) is tuple else ans
        site = _site_of(first._value)
        stack = getattr(_STATE, "rule", None)
        if stack is None:
            stack = _STATE.rule = []
        stack.append((op, site))
        try:
            result = rule(g, ans, *inputs, **attrs)
        finally:
            stack.pop()
        grads = result if type(result) is tuple else (result,)
        for i, gx in enumerate(grads):
            if gx is None:
                continue
            c = _bad_counts(_grad_values(gx))
            if c:
                which = index if index is not None else i
                where = site or "<not recorded: the forward ran before enable_check_numerics()>"
                raise InvalidArgumentError(
                    f"!!! Detected Infinity or NaN in the gradient computed by the gradient rule of "
                    f"op \"{op.name}\" (gradient with respect to input {which}) !!!\n"
                    f"  {_describe_counts(c)}\n"
                    f"  The op \"{op.name}\" was called at {where}.")
        return result
    checked.__wrapped__ = rule  # type: ignore[attr-defined]
    return checked


def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> None:
    """Raise ``InvalidArgumentError`` at the first op (or gradient rule) producing Inf/NaN
    (``tf.debugging.enable_check_numerics``). Idempotent; undo with :func:`disable_check_numerics`.
    As in TF, it takes effect only on the thread in which it is called."""
    with _LOCK:
        _STATE.enabled = True
        _THREADS.add(threading.get_ident())
        _install_checks()


def _install_checks() -> None:
    for name, op in REGISTRY.items():
        if name in _ORIGINALS:
            continue
        _ORIGINALS[name] = (op.forward, op.vjp)
        if op.forward is not None:
            op.forward = _wrap_forward(op, op.forward)
        if callable(op.vjp):
            op.vjp = _wrap_rule(op, op.vjp, None)
        elif type(op.vjp) is tuple:
            op.vjp = tuple(None if r is None else _wrap_rule(op, r, i) for i, r in enumerate(op.vjp))


def disable_check_numerics() -> None:
    """Turn the checks off in this thread (``tf.debugging.disable_check_numerics``); once no thread
    has them on, every op's original forward and rule is restored (zero cost when off)."""
    with _LOCK:
        _STATE.enabled = False
        _THREADS.discard(threading.get_ident())
        if not _THREADS:
            _uninstall_checks()


def _uninstall_checks() -> None:
    for name, (forward, vjp) in _ORIGINALS.items():
        op = REGISTRY.get(name)
        if op is not None:
            op.forward = forward
            op.vjp = vjp
    _ORIGINALS.clear()
    _SITES.clear()


def is_check_numerics_enabled() -> bool:
    """Whether :func:`enable_check_numerics` is on in this thread."""
    return bool(_ORIGINALS) and getattr(_STATE, "enabled", False)


__all__ = ["check_numerics", "enable_check_numerics", "disable_check_numerics"]

# --- explain (issue 5) ---


def explain_gradients(enable: bool = True) -> None:
    """Make every GradientTape created from now on explain its None gradients (not in TF).

    Each None gradient then emits a ``gradtape.explain.GradientExplanationWarning`` saying why
    (an unwatched tensor, an integer dtype, a NumPy round trip, a non-differentiable op, ...) with
    the file and line, ``tape.explain(target, source)`` can say more, and an optimizer's
    "No gradients provided" error lists the reasons. ``explain_gradients(False)`` turns it off;
    the per-op path is back to zero extra cost once no explaining tape is alive.
    Same as ``GradientTape(explain=True)`` for one tape.
    """
    from . import explain as _explain
    _explain.enable(enable)


def is_explaining_gradients() -> bool:
    """Whether :func:`explain_gradients` is on."""
    from . import explain as _explain
    return _explain.is_enabled()


__all__ += ["explain_gradients", "is_explaining_gradients"]
