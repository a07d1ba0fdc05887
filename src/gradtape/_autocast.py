"""Keras's variable autocasting (mixed precision): inside the call of a layer whose compute dtype
differs from its variable dtype, reading one of the layers' floating weights gives it cast to the
compute dtype (the gradient flows back through the cast to the float32 Variable).

``ACTIVE[0]`` counts open autocast scopes in all threads, so a Variable read checks one integer
when mixed precision is not in use; the scope itself (the dtype) is per thread, as Keras's.
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, Optional

import numpy as np

ACTIVE = [0]
_LOCK = threading.Lock()
_TLS = threading.local()
#: Variables made by ``Layer.add_weight`` (Keras's ``autocast=True`` variables), by id, held weakly
#: (Variables are unhashable, as in TF).
_VARS: dict = {}


def register(var: Any) -> None:
    """Mark a layer weight as autocast (cast to the compute dtype inside mixed layers' calls)."""
    key = id(var)
    _VARS[key] = weakref.ref(var, lambda r, k=key: _VARS.pop(k, None) if _VARS.get(k) is r else None)


def _registered(var: Any) -> bool:
    r = _VARS.get(id(var))
    return r is not None and r() is var


def current() -> Optional[np.dtype]:
    """The innermost autocast dtype of this thread, or None."""
    stack = getattr(_TLS, "stack", None)
    return stack[-1] if stack else None


def in_scope() -> bool:
    stack = getattr(_TLS, "stack", None)
    return bool(stack)


def push(dtype: Optional[Any]) -> None:
    """Open a scope casting autocast variables to ``dtype`` (None: no casting)."""
    stack = getattr(_TLS, "stack", None)
    if stack is None:
        stack = _TLS.stack = []
    from . import dtypes as _dtypes
    stack.append(None if dtype is None else _dtypes.to_numpy(dtype))
    with _LOCK:
        ACTIVE[0] += 1


def pop() -> None:
    _TLS.stack.pop()
    with _LOCK:
        ACTIVE[0] -= 1


def read(var: Any) -> Any:
    """``var``'s value for an op: cast to the scope's dtype when it is an autocast weight."""
    from .dispatch import read_variable
    t = read_variable(var)
    dt = current()
    if dt is not None:
        vd = t._value.dtype
        if vd != dt and vd.kind == "f" and _registered(var):
            from .ops.math import cast
            return cast(t, dt)
    return t


def scope_dtype(layer: Any) -> Any:
    """The autocast scope a layer's call opens (Keras 3's rule): a dtype, None (a scope that
    casts nothing), or False (no new scope)."""
    compute = layer.compute_dtype
    if in_scope():
        if not getattr(layer, "_autocast", True):
            return None
        from . import dtypes as _dtypes
        try:
            floating = _dtypes.as_dtype(compute).is_floating
        except TypeError:
            floating = False
        if not floating:
            return None
        cur = current()
        return compute if cur is None or cur != np.dtype(_dtypes.to_numpy(compute)) else False
    if compute != layer.dtype:
        return compute
    return False
