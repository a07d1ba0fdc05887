"""Seeing the tape: why a gradient is None, what a tape holds, and DOT pictures of it.

TensorFlow returns ``None`` for a disconnected gradient and says nothing more; this module tells
the user why. It is **off by default** and costs nothing on the per-op path while off: the only
connection to the hot path is ``dispatch.HOOKS``, an empty list unless an explaining tape is alive.

Turn it on per tape with ``GradientTape(explain=True)`` or for every new tape with
``gradtape.debugging.explain_gradients(True)`` (``gradtape.explain.enable(True)`` here). An
explaining tape keeps a small side table (:class:`_TapeExplain`, one per tape) of the events that
cut a gradient path while it records:

* non-differentiable ops applied to a watched tensor (``dispatch.record`` calls
  ``hook.on_nondifferentiable``): integer casts, ``argmax``, ``round``, comparisons, ``stop_gradient``;
* values leaving the library (``numpy()``, ``np.asarray``, ``float()``, ``bool()``: ``hook.on_numpy_exit``);
* ops run inside ``tape.stop_recording()``;
* ``Variable.assign*`` calls (the Variable methods are wrapped only while explaining);
* ops computed from the tape's tensors after its ``with`` block ended.

To follow the ops that consume a tensor cut off by those events, an explaining tape puts a shadow
recorder (:class:`_Shadow`) in ``dispatch.ACTIVE`` next to itself. The shadow records into its own
log, never into the tape, so gradients are exactly those of a tape without ``explain``. While any
explaining tape is alive, ``Variable.assign*``/``numpy``/``__array__``/``__init__`` and
``GradientTape.gradient``/``jacobian``/``batch_jacobian`` are wrapped (the latter only to pause the
shadow during the tape's own backward pass); the originals are restored when the last one dies.

``tape.explain(target, source)`` then answers in plain words, with the user's file and line. Without
``explain=True`` it still answers what the records show (unwatched tensor, integer dtype,
non-trainable Variable, unused source, target not recorded).
"""
from __future__ import annotations

import linecache
import os
import sys
import warnings
import threading
import weakref
from collections import Counter
from typing import Any, Iterable, Optional

import numpy as np

from . import dispatch
from .dispatch import ACTIVE, HOOKS, READ
from .tensor import Tensor

__all__ = ["GradientExplanationWarning", "TapeMemoryWarning", "TapeSummary", "enable", "is_enabled",
           "explain", "summary", "to_dot", "reasons_for_none", "no_gradients_hint",
           "set_memory_warning_threshold", "get_memory_warning_threshold"]

#: True when every new GradientTape explains its None gradients (``debugging.explain_gradients``).
ENABLED = False

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_SKIP_DIRS = (_PKG_DIR + os.sep, os.path.dirname(np.__file__) + os.sep,
              os.path.dirname(os.path.abspath(warnings.__file__)) + os.sep + "contextlib.py")
_MAX_SHADOW = 100_000        # events a shadow logs at most (after that it stops following)
_MEMORY_THRESHOLD = [256 * 1024 * 1024]


class GradientExplanationWarning(UserWarning):
    """Emitted by an explaining tape once per None gradient, with the reason."""


class TapeMemoryWarning(ResourceWarning):
    """A persistent tape that was already used keeps more than the threshold of tensors alive."""


# -- where in the user's code --------------------------------------------------------------------

def _user_frame(depth: int = 1):
    """The innermost frame outside gradtape, NumPy and contextlib (the user's code)."""
    f = sys._getframe(depth)
    while f is not None:
        fn = f.f_code.co_filename
        if not (fn.startswith(_SKIP_DIRS[0]) or fn.startswith(_SKIP_DIRS[1])
                or fn == _SKIP_DIRS[2] or fn.startswith("<frozen")):
            return f
        f = f.f_back
    return None


def _where() -> str:
    """``file:line (`source text`)`` of the user's call site ('' when none is found)."""
    f = _user_frame(2)
    if f is None:
        return ""
    fn, line = f.f_code.co_filename, f.f_lineno
    text = linecache.getline(fn, line).strip()
    short = fn if len(fn) < 60 else "..." + fn[-57:]
    return f"{short}:{line}" + (f" (`{text}`)" if text else "")


def _short_where(where: str) -> str:
    return where.split(" (`", 1)[0]


def _exit_how(default: str = "numpy()") -> str:
    """Which door a value left by: the Tensor method on the stack below the hook."""
    f = sys._getframe(2)
    names = {"numpy": ".numpy()", "__array__": "np.asarray() / np.array()", "__float__": "float()",
             "__int__": "int()", "__bool__": "bool() (a Python `if` or `while` on a tensor)",
             "__index__": "an index (operator.index)", "__complex__": "complex()",
             "_scalar": None}
    found = None
    while f is not None and f.f_code.co_filename.startswith(_SKIP_DIRS[0]):
        name = f.f_code.co_name
        if name in names and names[name] is not None:
            found = names[name]
        f = f.f_back
    return found or default


def _name_of(obj: Any, frame: Any) -> Optional[str]:
    """A variable name that ``obj`` is bound to in the user's frame, for friendlier messages."""
    if frame is None:
        return None
    try:
        for name, val in frame.f_locals.items():
            if val is obj and not name.startswith("_"):
                return name
    except Exception:  # pragma: no cover - exotic frames
        return None
    return None


def _describe(obj: Any, name: Optional[str] = None) -> str:
    if hasattr(type(obj), "_gt_read"):
        text = f"Variable '{obj.name}' ({obj.dtype.name}{list(np.shape(obj._value))})"
        return f"`{name}` = {text}" if name else text
    if isinstance(obj, Tensor):
        text = f"Tensor {obj.dtype.name}{list(obj._value.shape)}"
        return f"`{name}` ({text})" if name else f"the {text}"
    if isinstance(obj, (list, tuple, dict)):
        n = len(_flat(obj))
        return f"`{name}` ({n} targets)" if name else f"the {n} targets"
    return f"{type(obj).__name__} {obj!r:.40}"


# -- the shadow recorder -------------------------------------------------------------------------

class _LostIds:
    """The id set a shadow puts in front of ``dispatch.record``: lost tensors, plus the tape's ids
    while the tape is paused (``stop_recording``) or has exited (``after``)."""

    __slots__ = ("state",)

    def __init__(self, state: "_TapeExplain"):
        self.state = state

    def __contains__(self, i: int) -> bool:
        st = self.state
        return i in st.lost or (st.tape_ids is not None and i in st.tape_ids)

    def add(self, i: int) -> None:
        if self.state.accept:
            self.state.lost.add(i)

    def update(self, ids: Iterable[int]) -> None:
        if self.state.accept:
            self.state.lost.update(ids)


class _ShadowLog:
    """Stands in for a tape's record list: each append is one op the tape itself did not record."""

    __slots__ = ("state",)

    def __init__(self, state: "_TapeExplain"):
        self.state = state

    def append(self, rec: tuple) -> None:
        self.state.on_shadow_op(rec)


class _Shadow:
    """Sits in ``dispatch.ACTIVE`` next to an explaining tape and follows what the tape cannot see.

    It has the attributes ``dispatch.record`` and ``dispatch.read_variable`` use (``_ids``,
    ``_records``, ``_watch_accessed_variables``); it is never a GradientTape and never changes
    a gradient.
    """

    __slots__ = ("_ids", "_records", "_state", "__weakref__")
    _persistent = True
    _is_explain_shadow = True

    def __init__(self, state: "_TapeExplain"):
        self._state = state
        self._ids: Any = state.lost      # while the tape records: only the lost tensors (a plain set)
        self._records = _ShadowLog(state)

    @property
    def _recording(self) -> bool:
        return True

    def watch(self, tensor: Any) -> None:  # code that watches on every active tape: nothing to do
        return None

    @property
    def _watch_accessed_variables(self) -> bool:
        # inside stop_recording, follow the reads the paused tape would have watched
        st = self._state
        return st.mode == "stopped" and st.would_watch_accessed()

    def _watch_variable(self, var: Any) -> None:
        self._state.lost.add(id(var))

    def __repr__(self) -> str:
        return f"<explain shadow of a GradientTape, mode={self._state.mode}>"


class _Event:
    """One thing that cut or escaped a gradient path: an op the tape did not record, a value that
    left the library, or an assignment."""

    __slots__ = ("kind", "op", "ins", "outs", "where", "detail", "seq")

    def __init__(self, kind: str, op: str, ins: tuple, outs: tuple, where: str, detail: str = "",
                 seq: int = 0):
        self.kind = kind          # nondiff | stopped | lost | after | exit | assign
        self.op = op
        self.ins = ins            # ids
        self.outs = outs          # ids
        self.where = where
        self.detail = detail
        self.seq = seq


# -- per-tape side table -------------------------------------------------------------------------

_LIVE = 0          # explaining tapes alive
_LOCK = threading.RLock()   # guards _LIVE and the class-level install/uninstall
_installed = False


class _TapeExplain:
    """What an explaining tape saw while it recorded (its side table)."""

    def __init__(self, tape: Any):
        self.tape_ref = weakref.ref(tape)
        self.tape_ids: Optional[set] = None
        self.records_ref: Optional[list] = None
        self.mode = "idle"          # recording | stopped | after | idle
        self.accept = True
        self.events: list = []
        self.keep: dict = {}        # id -> object, so logged ids are not reused while we hold them
        self.lost: set = set()      # ids of tensors cut off from the tape (non-differentiable outputs, ...)
        self.shadow = _Shadow(self)
        self.entered_at = ""
        self.exited_at = ""
        self.stop_at = ""
        self.frozen: Optional["_Graph"] = None
        self.last: dict = {}        # (id target, id source) -> reason
        self.seq = 0

    # context transitions (called by GradientTape._push/_pop/stop_recording)
    def on_push(self) -> None:
        tape = self.tape_ref()
        if tape is None:  # pragma: no cover
            return
        if tape._records is not self.records_ref:       # a fresh recording (first enter or reset)
            self.records_ref = tape._records
            self.tape_ids = tape._ids
            self.events = []
            self.keep = {}
            self.lost.clear()
            self.frozen = None
            self.last = {}
            self.entered_at = _where()
        _remove(self.shadow)
        self._set_mode("recording")
        ACTIVE.append(self.shadow)

    def on_pop(self) -> None:
        _remove(self.shadow)
        caller = sys._getframe(2).f_code.co_name
        if caller == "stop_recording":                   # paused: follow the ops of the body
            self._set_mode("stopped")
            self.stop_at = _where()
            ACTIVE.append(self.shadow)
            return
        if caller == "reset":
            self.mode = "idle"
            return
        self.exited_at = _where()
        if caller == "_stop_if_recording" or len(self.events) >= _MAX_SHADOW:
            self.mode = "idle"                           # gradient() consumed it
            return
        self._set_mode("after")                          # follow ops computed from it afterwards
        ACTIVE.insert(0, self.shadow)

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        self.shadow._ids = self.lost if mode == "recording" else _LostIds(self)

    def pause_after(self) -> bool:
        """Stop following ops while gradient()/jacobian() run; True if it was following."""
        if self.mode != "after":
            return False
        _remove(self.shadow)
        self.mode = "idle"
        return True

    def resume_after(self) -> None:
        tape = self.tape_ref()
        if self.mode == "idle" and tape is not None and tape._records is not None:
            self._set_mode("after")
            ACTIVE.insert(0, self.shadow)

    def detach(self) -> None:
        """Stop following ops (the tape released its records)."""
        _remove(self.shadow)
        self.mode = "idle"

    # events
    def _keep(self, objs: Iterable[Any]) -> tuple:
        ids = []
        for o in objs:
            i = id(o)
            ids.append(i)
            if i not in self.keep:
                self.keep[i] = o
        return tuple(ids)

    def _log(self, kind: str, op: str, ins: Iterable[Any], outs: Iterable[Any], where: str,
             detail: str = "") -> None:
        self.seq += 1
        self.events.append(_Event(kind, op, self._keep(ins), self._keep(outs), where, detail, self.seq))

    def _tracked(self, i: int) -> bool:
        return (self.tape_ids is not None and i in self.tape_ids) or i in self.lost

    def on_shadow_op(self, rec: tuple) -> None:
        op, inputs, out, attrs = rec
        if len(self.events) >= _MAX_SHADOW:
            self.accept = False
            return
        if self.mode == "after" and _in_backward():
            self.accept = False        # the tape's own backward pass, not user code
            return
        where = _where()
        self.accept = True
        kind = {"recording": "lost", "stopped": "stopped", "after": "after"}.get(self.mode, "lost")
        outs = out if type(out) is tuple else (out,)
        self._log(kind, op.name, inputs, outs, where, _attrs_text(op, inputs, outs))

    def on_nondiff(self, op: Any, inputs: tuple, out: Any) -> None:
        if self.mode == "after" or not any(self._tracked(id(x)) for x in inputs):
            return
        outs = out if type(out) is tuple else (out,)
        self._log("nondiff", op.name, inputs, outs, _where(), _attrs_text(op, inputs, outs))
        self.lost.update(id(o) for o in outs)

    def would_watch_accessed(self) -> bool:
        tape = self.tape_ref()
        return tape is not None and tape._watch_accessed_variables

    def would_watch(self, var: Any) -> bool:
        """Whether the tape watches ``var`` or would watch it on a read."""
        if self.tape_ids is not None and id(var) in self.tape_ids:
            return True
        tape = self.tape_ref()
        return tape is not None and tape._watch_accessed_variables and var._trainable

    def on_exit(self, t: Any, how: str) -> None:
        if self.mode not in ("recording", "stopped"):
            return
        if not (self._tracked(id(t)) or (_is_var(t) and self.would_watch(t))):
            return
        self._log("exit", how, (t,), (), _where())

    def on_assign(self, var: Any, value: Any, how: str) -> None:
        if self.mode not in ("recording", "stopped"):
            return
        ins = (value,) if isinstance(value, Tensor) or hasattr(type(value), "_gt_read") else ()
        self._log("assign", how, ins, (var,), _where())

    def freeze(self, tape: Any) -> None:
        """Keep a light copy of the graph (ids, shapes, names) when a non-persistent tape releases."""
        if tape._records is not None:
            self.frozen = _Graph(tape, self)
        self.keep = {}
        self.records_ref = None


def _in_backward() -> bool:
    """Whether the op being logged runs inside the tape's own code (a backward pass or Jacobian)."""
    f = sys._getframe(3)
    tape_file = os.path.join(_PKG_DIR, "tape.py")
    while f is not None:
        if f.f_code.co_filename == tape_file:
            return True
        f = f.f_back
    return False


def _attrs_text(op: Any, inputs: tuple, outs: tuple) -> str:
    try:
        o = outs[0]._value
        return f"{o.dtype.name}{list(np.shape(o))}"
    except Exception:  # pragma: no cover
        return ""


def _remove(obj: Any) -> None:
    ACTIVE.discard(obj)


# -- the hook in dispatch.HOOKS ------------------------------------------------------------------

def _states() -> list:
    return [s._state for s in ACTIVE if type(s) is _Shadow]


class _Hook:
    """The observer that ``dispatch`` calls while an explaining tape is alive."""

    def on_nondifferentiable(self, op: Any, inputs: tuple, out: Any, attrs: Any) -> None:
        for st in _states():
            st.on_nondiff(op, inputs, out)

    def on_numpy_exit(self, t: Any) -> None:
        states = _states()
        if states:
            how = _exit_how()
            for st in states:
                st.on_exit(t, how)


_HOOK = _Hook()
_VAR_METHODS = ("assign", "assign_add", "assign_sub", "scatter_update", "scatter_add", "scatter_sub",
                "numpy", "__array__", "__init__")
_originals: dict = {}
_tape_originals: dict = {}


def _wrap_variable_method(name: str, orig: Any) -> Any:
    if name == "__init__":
        def wrapper(self, *args, **kwargs):
            orig(self, *args, **kwargs)
            if ACTIVE:
                value = args[0] if args else kwargs.get("initial_value")
                if isinstance(value, Tensor) or _is_var(value):
                    for st in _states():
                        if st._tracked(id(value)):
                            st.on_assign(self, value, "__init__")
    elif name in ("numpy", "__array__"):
        def wrapper(self, *args, **kwargs):
            if ACTIVE:
                for st in _states():
                    if st.would_watch(self):
                        st.on_exit(self, f"Variable.{name}()" if name == "numpy" else "np.asarray()")
            return orig(self, *args, **kwargs)
    else:
        def wrapper(self, value, *args, **kwargs):
            if ACTIVE:
                for st in _states():
                    st.on_assign(self, value, f"{name}")
            return orig(self, value, *args, **kwargs)
    wrapper.__name__ = name
    wrapper.__qualname__ = getattr(orig, "__qualname__", name)
    wrapper.__doc__ = orig.__doc__
    wrapper.__wrapped__ = orig          # inspect.signature still shows the real parameters
    wrapper._gt_explain_wrapper = True
    return wrapper


def _install(tape_cls: Any = None) -> None:
    global _installed
    if tape_cls is not None:
        for name in _TAPE_METHODS:
            orig = tape_cls.__dict__.get(name)
            if orig is not None and not getattr(orig, "_gt_explain_wrapper", False):
                _tape_originals[(tape_cls, name)] = orig
                setattr(tape_cls, name, _paused(orig))
    if _installed:
        return
    from .variable import Variable
    for name in _VAR_METHODS:
        orig = Variable.__dict__.get(name)
        if orig is None:
            continue
        _originals[name] = orig
        setattr(Variable, name, _wrap_variable_method(name, orig))
    HOOKS.add_shared(_HOOK)
    _installed = True


def _uninstall() -> None:
    global _installed
    if not _installed:
        return
    from .variable import Variable
    for name, orig in _originals.items():
        if getattr(Variable.__dict__.get(name), "_gt_explain_wrapper", False):
            setattr(Variable, name, orig)
    _originals.clear()
    for (cls, name), orig in _tape_originals.items():
        if getattr(cls.__dict__.get(name), "_gt_explain_wrapper", False):
            setattr(cls, name, orig)
    _tape_originals.clear()
    HOOKS.remove_shared(_HOOK)
    _installed = False


def _tape_gone(shadow_ref: Any) -> None:
    global _LIVE
    shadow = shadow_ref()
    if shadow is not None:
        ACTIVE.discard_everywhere(shadow)   # the finalizer may run in another thread
    with _LOCK:
        _LIVE -= 1
        if _LIVE <= 0 and not ENABLED:
            _LIVE = 0
            _uninstall()


def attach(tape: Any) -> _TapeExplain:
    """Make ``tape`` explain its None gradients (called by ``GradientTape(explain=True)``)."""
    global _LIVE
    state = _TapeExplain(tape)
    with _LOCK:
        _LIVE += 1
        weakref.finalize(tape, _tape_gone, weakref.ref(state.shadow))
        _install(type(tape))
    return state


_TAPE_METHODS = ("gradient", "jacobian", "batch_jacobian")


def _paused(method: Any) -> Any:
    """``GradientTape.<method>`` with an explaining tape's after-context follower paused while it
    runs (the tape's own backward pass is not user code). Installed only while explaining."""
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        st = self.__dict__.get("_explain")
        was = st.pause_after() if st is not None else False
        try:
            return method(self, *args, **kwargs)
        finally:
            if was:
                st.resume_after()
    call.__name__ = method.__name__
    call.__qualname__ = getattr(method, "__qualname__", method.__name__)
    call.__doc__ = method.__doc__
    call.__wrapped__ = method
    call._gt_explain_wrapper = True
    return call


def enable(flag: bool = True) -> None:
    """Explain None gradients on every GradientTape created from now on (``debugging.explain_gradients``).

    TF has no such switch: its tapes return None silently. With it on, each None gradient emits a
    :class:`GradientExplanationWarning` with the reason, and an optimizer's "No gradients provided"
    error lists the reasons. Turning it off restores the hot path exactly (``dispatch.HOOKS`` empty)
    once no explaining tape is alive.
    """
    global ENABLED
    with _LOCK:
        _enable(flag)


def _enable(flag: bool) -> None:
    global ENABLED
    ENABLED = bool(flag)
    if ENABLED:
        from .tape import GradientTape
        _install(GradientTape)
    elif _LIVE <= 0:
        _uninstall()


def is_enabled() -> bool:
    """Whether new tapes explain their None gradients."""
    return ENABLED


# -- the graph a tape holds ----------------------------------------------------------------------

def _is_var(x: Any) -> bool:
    return hasattr(type(x), "_gt_read")


def _meta_of(x: Any) -> tuple:
    v = x._value
    if type(x) is Tensor:
        return (v.shape, v.dtype.name, "tensor", "", None)
    if _is_var(x):
        return (tuple(np.shape(v)), np.asarray(v).dtype.name, "var", x.name, x._trainable)
    return ((), type(x).__name__, "const", repr(x)[:16], None)


class _Node:
    __slots__ = ("idx", "op", "ins", "outs", "kind", "where", "detail")

    def __init__(self, idx, op, ins, outs, kind, where="", detail=""):
        self.idx, self.op, self.ins, self.outs = idx, op, ins, outs
        self.kind, self.where, self.detail = kind, where, detail


class _Graph:
    """A light copy of what a tape recorded (ids, op names, shapes), plus its explain events."""

    def __init__(self, tape: Any, state: Optional[_TapeExplain] = None):
        records = tape._records or []
        self.meta: dict = {}
        self.nodes: list = []
        for op, inputs, out, attrs in records:
            outs = out if type(out) is tuple else (out,)
            for x in inputs:
                if id(x) not in self.meta:
                    self.meta[id(x)] = _meta_of(x) if (type(x) is Tensor or _is_var(x)) else (
                        (), type(x).__name__, "const", repr(x)[:16], None)
            for o in outs:
                self.meta[id(o)] = _meta_of(o)
            self.nodes.append(_Node(len(self.nodes), op.name, tuple(id(x) for x in inputs),
                                    tuple(id(o) for o in outs), "read" if op is READ else "op"))
        self.watched: set = set()
        keep = tape._keep or {}
        for i, obj in keep.items():
            self.watched.add(i)
            self.meta.setdefault(i, _meta_of(obj))
        self.watched_vars = set(tape._watched_vars)
        self.ids = set(tape._ids) if tape._ids is not None else set()
        self.watch_accessed = tape._watch_accessed_variables
        self.events: list = []
        self.entered_at = self.exited_at = self.stop_at = ""
        self.explaining = state is not None
        if state is not None:
            for i, obj in state.keep.items():
                if i not in self.meta and (type(obj) is Tensor or _is_var(obj)):
                    self.meta[i] = _meta_of(obj)
            self.events = list(state.events)
            self.entered_at, self.exited_at, self.stop_at = state.entered_at, state.exited_at, state.stop_at
        # indexes
        self.producer: dict = {}
        self.consumers: dict = {}
        for n in self.nodes:
            for o in n.outs:
                self.producer[o] = n
            for i in n.ins:
                self.consumers.setdefault(i, []).append(n)
        self.ev_producer: dict = {}
        self.ev_consumers: dict = {}
        for e in self.events:
            for o in e.outs:
                self.ev_producer.setdefault(o, e)
            for i in e.ins:
                self.ev_consumers.setdefault(i, []).append(e)

    def is_float(self, i: int) -> bool:
        m = self.meta.get(i)
        return m is not None and m[2] != "const" and np.dtype(m[1]).kind in "fc"

    def reach(self, source_id: int) -> set:
        """Ids the gradient can flow to from ``source_id`` (the tape's forward rule of ``backward``)."""
        reach = {source_id}
        stack = [source_id]
        while stack:
            i = stack.pop()
            for n in self.consumers.get(i, ()):
                for o in n.outs:
                    if o not in reach and self.is_float(o):
                        reach.add(o)
                        stack.append(o)
        return reach

    def ancestry(self, target_id: int, through_events: bool = True) -> set:
        """Ids ``target_id`` was computed from, through recorded ops and (optionally) logged events."""
        seen = {target_id}
        stack = [target_id]
        while stack:
            i = stack.pop()
            srcs = []
            n = self.producer.get(i)
            if n is not None:
                srcs.extend(n.ins)
            if through_events:
                e = self.ev_producer.get(i)
                if e is not None:
                    srcs.extend(e.ins)
            for j in srcs:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        return seen

    def path(self, source_id: int, target_id: int) -> list:
        """Op names along one recorded path from source to target (breadth first)."""
        prev = {source_id: None}
        queue = [source_id]
        for i in queue:
            if i == target_id:
                break
            for n in self.consumers.get(i, ()):
                for o in n.outs:
                    if o not in prev and self.is_float(o):
                        prev[o] = (i, n.op)
                        queue.append(o)
        if target_id not in prev:
            return []
        ops = []
        i = target_id
        while prev[i] is not None:
            i, op = prev[i]
            ops.append(op)
        return ops[::-1]


def _graph_of(tape: Any) -> Optional[_Graph]:
    st = getattr(tape, "_explain", None)
    if tape._records is not None:
        return _Graph(tape, st)
    if st is not None and st.frozen is not None:
        return st.frozen
    return None


# -- reasons -------------------------------------------------------------------------------------

_NONDIFF_ADVICE = {
    "cast_to_integer": "a cast to (or from) an integer or bool dtype has no gradient (TF registers "
                       "none). Keep the differentiable path in floating point; cast only values "
                       "you do not differentiate",
    "argmax": "argmax returns integer indices, which have no gradient. Use tf.reduce_max, or a soft "
              "argmax (softmax weights) if you need a gradient",
    "argmin": "argmin returns integer indices, which have no gradient. Use tf.reduce_min, or a soft "
              "argmin (softmax of -x) if you need a gradient",
    "round": "round is piecewise constant, so TF registers no gradient. For a straight-through "
             "estimate use `x + tf.stop_gradient(tf.round(x) - x)`",
    "floor": "floor is piecewise constant and has no gradient. For a straight-through estimate use "
             "`x + tf.stop_gradient(tf.floor(x) - x)`",
    "ceil": "ceil is piecewise constant and has no gradient",
    "stop_gradient": "tf.stop_gradient treats its input as a constant: every tape cuts the gradient "
                     "there. Remove it if you want this gradient",
    "sign": "sign has a zero gradient",
    "floordiv": "floor division is piecewise constant and has no gradient",
    "mod": "mod has no gradient registered",
}
_COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
                "logical_and", "logical_or", "logical_xor", "logical_not", "is_nan", "is_inf",
                "is_finite", "reduce_any", "reduce_all"}


def _nondiff_text(op: str) -> str:
    if op in _NONDIFF_ADVICE:
        return _NONDIFF_ADVICE[op]
    if op in _COMPARISONS:
        return (f"{op} returns a bool tensor, which has no gradient. To select values "
                "differentiably use tf.where(condition, a, b) on the float values")
    return f"{op} is not differentiable (it has no gradient rule)"


def _at(where: str) -> str:
    return f" at {where}" if where else ""


class _Explainer:
    """Works out why ``target`` does not get a gradient from ``source`` on one tape."""

    def __init__(self, tape: Any, graph: Optional[_Graph]):
        self.tape = tape
        self.g = graph

    def reason(self, target: Any, source: Any, tname: Optional[str] = None,
               sname: Optional[str] = None, grad_is_none: Optional[bool] = None) -> str:
        """The reason as one paragraph of plain sentences."""
        text = self._reason(target, source, tname, sname, grad_is_none)
        return text[:1].upper() + text[1:]

    def _reason(self, target: Any, source: Any, tname: Optional[str] = None,
                sname: Optional[str] = None, grad_is_none: Optional[bool] = None) -> str:
        s_desc = _describe(source, sname)
        t_desc = _describe(target, tname) if target is not None else "the target"
        if not (type(source) is Tensor or _is_var(source)):
            return (f"The source {s_desc} is not a Tensor or Variable: gradients are taken with "
                    "respect to tensors the tape watched. Use a tf.Variable, or "
                    "x = tf.constant(...) and tape.watch(x) inside the `with` block.")
        kind = np.asarray(source._value).dtype.kind
        if kind not in "fc":
            what = "Variable" if _is_var(source) else "tensor"
            fix = ("create it with a float value or dtype, e.g. tf.Variable(3.0) or "
                   "tf.Variable(x, dtype=tf.float32)" if _is_var(source) else
                   "cast it first, x = tf.cast(x, tf.float32), then watch and use the cast tensor")
            return (f"{s_desc} has dtype {source.dtype.name}: gradients exist only for floating and "
                    f"complex {what}s, so TF returns None for an integer or bool source. To "
                    f"differentiate with respect to it, {fix}.")
        g = self.g
        if g is None:
            return ("This tape has already released its records (a non-persistent tape frees them "
                    "when gradient() returns), so it cannot tell more. Create it with "
                    "tf.GradientTape(persistent=True) or tf.GradientTape(explain=True) to ask "
                    "explain() after gradient().")
        sid = id(source)
        tids = [id(t) for t in _flat(target)] if target is not None else []
        # Is it connected after all?
        reach = g.reach(sid)
        hit = [t for t in tids if t in reach]
        if hit and grad_is_none is not True:
            ops = g.path(sid, hit[0])
            chain = " -> ".join(ops) if ops else "(the target is the source)"
            verb = "depend" if isinstance(target, (list, tuple, dict)) else "depends"
            return f"{t_desc} {verb} on {s_desc}; the gradient is connected through: {chain}."
        # Was the source watched at all?
        used = sid in g.consumers or sid in g.ev_consumers
        if _is_var(source):
            if sid not in g.watched_vars:
                if not source.trainable:
                    return (f"{s_desc} is not trainable (trainable=False), so the tape does not "
                            "watch it automatically and its gradient is None (as in TF). Call "
                            "tape.watch(v) inside the `with` block, create it with trainable=True, "
                            "or differentiate with respect to model.trainable_variables instead of "
                            "model.variables.")
                if not g.watch_accessed:
                    return (f"{s_desc} was not watched: the tape was created with "
                            "watch_accessed_variables=False, so reads of variables are not recorded "
                            "unless you call tape.watch(v) inside the `with` block.")
                extra = self._event_reasons(sid, reach, tids, direct=True)
                if extra:
                    return f"{s_desc} was not read by any recorded op." + extra
                return (f"{s_desc} was never read while the tape was recording, so no recorded op "
                        "uses it. Read it inside the `with tf.GradientTape()` block (for a model, "
                        "call the model inside the block and pass model.trainable_variables; a "
                        "model that creates new variables on each call gives variables the loss "
                        "never used).")
        elif sid not in g.ids:
            return (f"{s_desc} is a tensor the tape does not watch: ops on it were not recorded. "
                    "Tensors (unlike trainable Variables) must be watched: call tape.watch(x) "
                    "inside the `with tf.GradientTape() as tape:` block before computing with x, "
                    "or make it a tf.Variable.")
        if not used:
            extra = self._event_reasons(sid, reach, tids, direct=True)
            if extra:
                return f"{s_desc} was watched, but no recorded op used it." + extra
            return (f"{s_desc} was watched, but no op recorded on this tape used it, so the target "
                    "does not depend on it. Was it used before tape.watch(x), outside the `with` "
                    "block, or only through a Python or NumPy copy of its value?")
        # Used, but the path does not reach the target.
        definite, probable = self._breaks(reach, tids)
        recorded = any(t in g.producer or t in g.watched or (
            t in g.ev_producer and g.ev_producer[t].kind != "after") for t in tids)
        text = ""
        if definite:
            text = " ".join(_unique(self._break_text(e, s_desc) for e in definite)[:3])
        elif probable:
            text = " ".join(_unique(self._break_text(e, s_desc, probable=True) for e in probable)[:3])
            if not recorded:
                text += (f" The target, {t_desc}, was computed only from values the tape does "
                         "not watch.")
        elif not recorded:
            text = self._target_outside(tids, t_desc)
        if not text:
            ops = sorted({n.op for i in reach for n in g.consumers.get(i, ())})
            text = (f"{s_desc} was used by recorded ops ({', '.join(ops[:8])}), but none of them "
                    f"leads to {t_desc}: the target does not depend on it.")
            if not g.explaining:
                text += (" Create the tape with tf.GradientTape(explain=True) to find where the "
                         "path was cut (a NumPy round trip, a non-differentiable op, assign, "
                         "stop_recording).")
        return text.strip()

    def _target_outside(self, tids: list, t_desc: str) -> str:
        g = self.g
        after = [e for e in g.events if e.kind == "after" and any(o in tids for o in e.outs)]
        if after:
            e = after[0]
            return (f"{t_desc} was computed after the tape stopped recording: `{e.op}`"
                    f"{_at(e.where)} ran after the `with` block"
                    f"{' (' + _short_where(g.exited_at) + ')' if g.exited_at else ''} ended. Move the "
                    "computation of the loss inside `with tf.GradientTape() as tape:`.")
        return (f"{t_desc} was not computed by any op this tape recorded: it was computed outside "
                "the `with tf.GradientTape()` block (before it started or after it ended), or only "
                "from values the tape does not watch. Compute the loss inside the block." + (
                    "" if g.explaining else
                    " If it was computed inside, a NumPy round trip (.numpy(), np.asarray, "
                    "float()) may have cut the path: create the tape with "
                    "tf.GradientTape(explain=True) to find where."))

    def _event_reasons(self, sid: int, reach: set, tids: list, direct: bool) -> str:
        g = self.g
        texts = []
        for e in g.events:
            if e.kind in ("exit", "assign", "nondiff", "stopped") and sid in e.ins:
                texts.append(self._break_text(e, "it"))
            elif e.kind == "assign" and sid in e.outs:
                texts.append(f" It was overwritten by `{e.op}`{_at(e.where)} while recording.")
        texts = _unique(t.strip() for t in texts)
        return (" " + " ".join(t[:1].upper() + t[1:] for t in texts[:3])) if texts else ""

    def _breaks(self, reach: set, tids: list) -> tuple:
        g = self.g
        anc = set()
        for t in tids:
            anc |= g.ancestry(t)
        definite, probable = [], []
        for e in g.events:
            if e.kind not in ("nondiff", "stopped", "exit", "assign"):
                continue
            if not any(i in reach for i in e.ins):
                continue
            if e.kind == "exit":
                probable.append(e)
            elif any(o in anc for o in e.outs):
                definite.append(e)
            else:
                probable.append(e)
        order = {"exit": 0, "nondiff": 1, "stopped": 2, "assign": 3}
        probable.sort(key=lambda e: order[e.kind])   # stable: chronological within a kind
        return definite, probable

    def _break_text(self, e: _Event, s_desc: str, probable: bool = False) -> str:
        if e.kind == "nondiff":
            lead = "The path from" if not probable else "A path from"
            return (f"{lead} {s_desc} is cut at `{e.op}`{_at(e.where)}: {_nondiff_text(e.op)}.")
        if e.kind == "stopped":
            return (f"{s_desc[:1].upper() + s_desc[1:]} was used by `{e.op}`{_at(e.where)} inside `tape.stop_recording()`"
                    f"{' (entered at ' + _short_where(self.g.stop_at) + ')' if self.g.stop_at else ''}"
                    ": ops run there are not recorded, so the gradient does not flow through them. "
                    "Move that computation out of the stop_recording block.")
        if e.kind == "exit":
            of = "its value" if s_desc == "it" else f"the value of {s_desc}"
            return (f"{of[:1].upper() + of[1:]} (or that of a tensor computed from it) left gradtape through "
                    f"{e.op}{_at(e.where)} while the tape was recording. Whatever is computed from "
                    "that NumPy array or Python number is a constant to the tape, so the gradient "
                    "is cut there. Keep the computation in gradtape ops (tf.math / tf.* functions "
                    "and tensor operators) instead of NumPy or Python math.")
        if e.kind == "assign" and e.op == "__init__":
            return (f"A value computed from {s_desc} was used to create a new tf.Variable"
                    f"{_at(e.where)} inside the forward pass; a Variable copies its initial value, so "
                    "the gradient does not flow from the new Variable back to it. Use the tensor "
                    "itself, or create the Variable once outside the tape and assign to it.")
        if e.kind == "assign":
            return (f"A value computed from {s_desc} was stored with Variable.{e.op}(...){_at(e.where)}"
                    " inside the forward pass; assignments are not recorded (as in TF), so the "
                    "gradient does not flow from the Variable back to what was assigned. Use the "
                    "tensor directly in the loss instead of storing it in a Variable.")
        return f"{e.kind} {e.op}{_at(e.where)}"


def _unique(texts: Iterable[str]) -> list:
    out: list = []
    for t in texts:
        if t not in out:
            out.append(t)
    return out


def _flat(target: Any) -> list:
    from . import nest
    return [t for t in nest.flatten(target) if t is not None]


class ReleasedFacts:
    """What ``explain`` needs after a non-persistent tape released its records in ``gradient()``:
    for that call's targets and sources, whether the tape traced them, whether each source was
    watched and whether its gradient was None. Ids and flags only (weak references to check that a
    later question is about the same objects): no tensor values are kept."""

    __slots__ = ("targets", "sources", "watch_accessed")

    def __init__(self, tape: Any, targets: list, sources: list, grads: list):
        ids = tape._ids
        ref = weakref.ref
        # (plain loops: built on every non-persistent gradient() call, a training step's fixed cost)
        self.targets = tt = {}
        for t in targets:
            k = id(t)
            tt[k] = (ref(t), k in ids)
        # Variables are held as they are (they own their value anyway; cheaper than weak
        # references on every training step); tensors weakly, so no value is kept alive.
        self.sources = ss = {}
        for s, g in zip(sources, grads):
            k = id(s)
            ss[k] = (ref(s) if type(s) is Tensor else s, k in ids, g is None)
        self.watch_accessed = tape._watch_accessed_variables

    def lookup(self, table: dict, obj: Any) -> Optional[tuple]:
        e = table.get(id(obj))
        if e is None:
            return None
        held = e[0]() if type(e[0]) is weakref.ref else e[0]
        return e if held is obj else None


def _explain_released(facts: ReleasedFacts, target: Any, source: Any, tname: Optional[str],
                      sname: Optional[str]) -> Optional[str]:
    """The reason from a released tape's facts; None when the question is about other tensors."""
    s_desc = _describe(source, sname)
    t_desc = _describe(target, tname) if target is not None else "the target"
    if not (type(source) is Tensor or _is_var(source)):
        return None
    src = facts.lookup(facts.sources, source)
    tgts = [facts.lookup(facts.targets, t) for t in _flat(target)] if target is not None else []
    if src is None or not tgts or any(t is None for t in tgts):
        return None
    _, watched, was_none = src
    released = (" (This non-persistent tape released its records in gradient(), keeping only "
                "these facts; create it with tf.GradientTape(explain=True) or persistent=True "
                "to see the ops along the path.)")
    if not was_none:
        verb = "depend" if isinstance(target, (list, tuple, dict)) else "depends"
        return f"{t_desc} {verb} on {s_desc}: gradient() returned a gradient for it." + released
    if _is_var(source) and not watched:
        if not source.trainable:
            return (f"{s_desc} is not trainable (trainable=False), so the tape does not watch it "
                    "automatically and its gradient is None (as in TF). Call tape.watch(v) inside "
                    "the `with` block, create it with trainable=True, or differentiate with respect "
                    "to model.trainable_variables instead of model.variables.")
        if not facts.watch_accessed:
            return (f"{s_desc} was not watched: the tape was created with "
                    "watch_accessed_variables=False, so reads of variables are not recorded unless "
                    "you call tape.watch(v) inside the `with` block.")
        return (f"{s_desc} was never read while the tape was recording, so no recorded op uses it. "
                "Read it inside the `with tf.GradientTape()` block (for a model, call the model "
                "inside the block and pass model.trainable_variables).")
    if not watched:
        return (f"{s_desc} is a tensor the tape does not watch: ops on it were not recorded. "
                "Tensors (unlike trainable Variables) must be watched: call tape.watch(x) inside "
                "the `with tf.GradientTape() as tape:` block before computing with x, or make it "
                "a tf.Variable.")
    if not any(t[1] for t in tgts):
        return (f"{t_desc} was not computed by any op this tape recorded: it was computed outside "
                "the `with tf.GradientTape()` block (before it started or after it ended), only "
                "from values the tape does not watch, or through an op that has no gradient (an "
                "integer cast, argmax, a NumPy round trip). Compute the loss inside the block from "
                "watched values with differentiable ops." + released)
    return (f"{s_desc} was watched, but no recorded path leads from it to {t_desc}: no recorded "
            "op used it, or the ops that used it do not lead to the target (a NumPy round trip, "
            "an integer cast or a non-differentiable op cuts the path)." + released)


def explain(tape: Any, target: Any, source: Any, _frame: Any = None) -> str:
    """Why ``tape.gradient(target, source)`` is None, in plain words (``tape.explain``).

    If the gradient is connected, says so and names the ops on the path. Works best on a tape
    created with ``explain=True``, which also remembers NumPy round trips, non-differentiable ops,
    ``stop_recording`` blocks and ``assign`` calls, with the file and line where they happened.
    """
    st = getattr(tape, "_explain", None)
    if st is not None and st.frozen is not None and tape._records is None:
        cached = st.last.get((tuple(id(t) for t in _flat(target)), id(source)))
        if cached is not None:
            return cached
    frame = _frame or _user_frame(1)
    graph = _graph_of(tape)
    facts = getattr(tape, "_released_facts", None)
    if graph is None and facts is not None and tape._records is None:
        text = _explain_released(facts, target, source, _name_of(target, frame),
                                 _name_of(source, frame))
        if text is not None:
            return text[:1].upper() + text[1:]
    return _Explainer(tape, graph).reason(target, source, _name_of(target, frame),
                                          _name_of(source, frame))


# -- after gradient(): warnings, optimizer reasons, memory check -------------------------------------

_LAST_REASONS: dict = {}   # id(var) -> (weakref to var, reason)


def after_gradient(tape: Any, targets: list, sources: list, grads: list, records: Any) -> None:
    """Called by ``GradientTape.gradient`` before it releases the records.

    An explaining tape warns once per None gradient with the reason; any persistent tape checks
    how much it keeps alive.
    """
    st = tape._explain
    if st is not None and any(g is None for g in grads):
        try:
            _warn_reasons(tape, st, targets, sources, grads)
        except Exception as err:  # explaining must never break gradient()
            warnings.warn(f"gradtape.explain could not explain a None gradient ({type(err).__name__}: "
                          f"{err}); the gradients are unaffected.", GradientExplanationWarning,
                          stacklevel=_user_stacklevel())
    if st is not None and not tape._persistent:
        st.keep = {}
        st.detach()
    if tape._persistent:
        _check_memory(tape)


def _user_stacklevel() -> int:
    """The ``stacklevel`` that makes ``warnings.warn`` (called by our caller) point at user code."""
    f = sys._getframe(2)
    level = 2
    while f is not None and f.f_code.co_filename.startswith(_SKIP_DIRS[0]):
        f = f.f_back
        level += 1
    return level


def _warn_reasons(tape: Any, st: _TapeExplain, targets: list, sources: list, grads: list) -> None:
    """One GradientExplanationWarning per None gradient; reasons kept for optimizers."""
    frame = _user_frame(1)
    graph = _Graph(tape, st) if tape._records is not None else st.frozen
    ex = _Explainer(tape, graph)
    key_t = tuple(id(t) for t in targets)
    tname = _name_of(targets[0], frame) if len(targets) == 1 else None
    for s, g in zip(sources, grads):
        if g is not None:
            continue
        sname = _name_of(s, frame)
        reason = ex.reason(targets if len(targets) > 1 else targets[0], s, tname, sname,
                           grad_is_none=True)
        st.last[(key_t, id(s))] = reason
        if _is_var(s):
            if len(_LAST_REASONS) > 10_000:
                _LAST_REASONS.clear()
            _LAST_REASONS[id(s)] = (weakref.ref(s), reason)
        label = f"Variable '{s.name}'" if _is_var(s) else (f"`{sname}`" if sname else "a source")
        warnings.warn(f"The gradient with respect to {label} is None. {reason}",
                      GradientExplanationWarning, stacklevel=_user_stacklevel())
    if not tape._persistent:
        st.frozen = graph


def reasons_for_none(variables: Iterable[Any]) -> list:
    """The recorded reasons why these variables' last gradients were None, as ``"name: reason"``.

    Filled by explaining tapes (``GradientTape(explain=True)`` or
    ``debugging.explain_gradients(True)``); empty for variables no explaining tape reported on.
    Optimizers add these lines to their "No gradients provided" error.
    """
    out = []
    for v in variables:
        entry = _LAST_REASONS.get(id(v))
        if entry is not None and entry[0]() is v:
            out.append(f"{getattr(v, 'name', repr(v))}: {entry[1]}")
    return out


def no_gradients_hint(variables: Iterable[Any]) -> str:
    """Text for an optimizer's "No gradients provided" error: the reasons, or how to get them."""
    reasons = reasons_for_none(variables)
    if reasons:
        return "\nWhy:\n" + "\n".join(f"  - {r}" for r in reasons)
    return (" To see the reason for each variable, run with "
            "gradtape.debugging.explain_gradients(True) or tf.GradientTape(explain=True).")


# -- what the tape holds ---------------------------------------------------------------------------

def set_memory_warning_threshold(nbytes: Optional[int]) -> None:
    """Warn when a used persistent tape keeps more than ``nbytes`` alive (None: never warn)."""
    _MEMORY_THRESHOLD[0] = None if nbytes is None else int(nbytes)


def get_memory_warning_threshold() -> Optional[int]:
    """The current threshold in bytes (default 256 MiB)."""
    return _MEMORY_THRESHOLD[0]


_MEM_CHECKED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _root(a: Any) -> Any:
    while isinstance(a, np.ndarray) and isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _bytes_alive(tape: Any) -> tuple:
    seen: dict = {}
    ntensors = 0
    for op, inputs, out, attrs in tape._records or ():
        outs = out if type(out) is tuple else (out,)
        for x in (*inputs, *outs):
            if type(x) is not Tensor:
                continue
            ntensors += 1
            v = _root(x._value)
            if id(v) not in seen:
                seen[id(v)] = int(getattr(v, "nbytes", 0))
    for obj in (tape._keep or {}).values():
        if type(obj) is Tensor:
            v = _root(obj._value)
            seen.setdefault(id(v), int(getattr(v, "nbytes", 0)))
    return sum(seen.values()), len(seen)


def _check_memory(tape: Any) -> None:
    limit = _MEMORY_THRESHOLD[0]
    if limit is None or tape._records is None:
        return
    info = _MEM_CHECKED.get(tape)
    n = len(tape._records)
    if info is not None and (info[1] or n < 2 * info[0]):
        return  # warned already, or not grown enough since the last look
    nbytes, _ = _bytes_alive(tape)
    warned = nbytes > limit
    _MEM_CHECKED[tape] = (max(n, 1), warned)
    if warned:
        warnings.warn(
            f"This persistent GradientTape has been used for gradients and still keeps "
            f"{_fmt_bytes(nbytes)} of tensors alive ({n} recorded ops; threshold "
            f"{_fmt_bytes(limit)}). Delete it (`del tape`) when you no longer need it, record less "
            "(a new tape per step), or use a non-persistent tape, which frees its records after "
            "gradient(). Change the threshold with "
            "gradtape.explain.set_memory_warning_threshold(nbytes).", TapeMemoryWarning,
            stacklevel=_user_stacklevel())


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


class TapeSummary:
    """What a GradientTape holds: recorded ops by type and the bytes of tensors it keeps alive."""

    def __init__(self, num_ops: int, by_op: dict, bytes_alive: int, num_buffers: int,
                 watched_tensors: int, watched_variables: int, persistent: bool, recording: bool,
                 released: bool):
        self.num_ops = num_ops
        self.by_op = by_op
        self.bytes_alive = bytes_alive
        self.num_buffers = num_buffers
        self.watched_tensors = watched_tensors
        self.watched_variables = watched_variables
        self.persistent = persistent
        self.recording = recording
        self.released = released

    def __repr__(self) -> str:
        top = ", ".join(f"{k}: {v}" for k, v in list(self.by_op.items())[:4])
        more = ", ..." if len(self.by_op) > 4 else ""
        return (f"<TapeSummary: {self.num_ops} ops ({top}{more}), "
                f"{_fmt_bytes(self.bytes_alive)} kept alive>")

    def __str__(self) -> str:
        state = ("released (a non-persistent tape frees its records after gradient())"
                 if self.released else ("recording" if self.recording else "stopped"))
        lines = [f"GradientTape ({'persistent' if self.persistent else 'non-persistent'}, {state})",
                 f"  recorded ops:       {self.num_ops}",
                 f"  tensors kept alive: {_fmt_bytes(self.bytes_alive)} in {self.num_buffers} buffers",
                 f"  watched:            {self.watched_tensors} tensors, {self.watched_variables} variables"]
        if self.by_op:
            w = max(len(k) for k in self.by_op)
            lines.append("  ops by type:")
            for k, v in self.by_op.items():
                lines.append(f"    {k:<{w}}  {v}")
        return "\n".join(lines)


def summary(tape: Any) -> TapeSummary:
    """Count the recorded ops by type and the bytes the tape keeps alive (``tape.summary()``)."""
    records = tape._records
    counts = Counter(op.name for op, *_ in (records or ()))
    by_op = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    nbytes, nbuf = _bytes_alive(tape) if records is not None else (0, 0)
    keep = tape._keep or {}
    nt = sum(1 for o in keep.values() if type(o) is Tensor)
    return TapeSummary(len(records or ()), by_op, nbytes, nbuf, nt, len(tape._watched_vars),
                       tape._persistent, tape._recording, records is None and tape._consumed)


# -- DOT -------------------------------------------------------------------------------------------

def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _sd(meta: Optional[tuple]) -> str:
    if meta is None:
        return "?"
    if meta[2] == "const":
        return meta[3]
    shape, dtype = meta[0], meta[1]
    return f"{dtype}[{','.join(map(str, shape))}]"


def to_dot(tape: Any, target: Any = None, sources: Any = None, _frame: Any = None) -> str:
    """Graphviz DOT text of what ``tape`` recorded (``tape.to_dot``).

    Ops are boxes labelled with their output's dtype and shape; sources are green, the target red;
    the edges on a path from a source to the target are thick red. A source with no path is drawn
    dashed grey, and the op where its path breaks (a non-differentiable op, a NumPy exit, an
    ``assign`` or a ``stop_recording`` op seen by an explaining tape, else the last recorded op its
    path reaches) is orange.
    """
    g = _graph_of(tape)
    if g is None:
        raise RuntimeError("This tape has released its records (a non-persistent tape frees them when "
                           "gradient() returns). Call to_dot() before gradient(), or create the tape "
                           "with persistent=True or explain=True.")
    frame = _frame or _user_frame(1)
    tids = [id(t) for t in _flat(target)] if target is not None else []
    if sources is None:
        srcs = [i for i in g.watched]
        src_objs = {i: (tape._keep or {}).get(i) for i in srcs}
    else:
        objs = _flat(sources)
        srcs = [id(s) for s in objs]
        src_objs = {id(s): s for s in objs}
        for s in objs:
            g.meta.setdefault(id(s), _meta_of(s))
    tnames = {}
    if target is not None:
        for t in _flat(target):
            g.meta.setdefault(id(t), _meta_of(t))
            tnames[id(t)] = _name_of(t, frame) or "target"

    anc = set()
    anc_ev = set()
    for t in tids:
        anc |= g.ancestry(t, through_events=False)
        anc_ev |= g.ancestry(t)
    reaches = {s: g.reach(s) for s in srcs}
    on_path: set = set()
    connected = {}
    for s, r in reaches.items():
        ok = any(t in r for t in tids)
        connected[s] = ok
        if ok:
            on_path |= (r & anc)
    breaks: dict = {}     # node key -> note
    if tids:
        for s, r in reaches.items():
            if connected[s]:
                continue
            cut = [e for e in g.events if e.kind in ("nondiff", "stopped", "exit", "assign")
                   and any(i in r for i in e.ins)]
            sure = [e for e in cut if any(o in anc_ev for o in e.outs)]
            for e in (sure or cut):
                breaks[("e", e.seq)] = "path breaks here"
            found = bool(cut)
            if not found:
                for n in g.nodes:
                    if any(i in r for i in n.ins) and not any(
                            c for o in n.outs for c in g.consumers.get(o, ())):
                        if not any(o in tids for o in n.outs):
                            breaks[("n", n.idx)] = "path ends here"

    lines = ["digraph tape {", '  rankdir=TB;',
             '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];']
    tensor_nodes: dict = {}

    def tensor_node(i: int, role: str) -> str:
        if i in tensor_nodes:
            return tensor_nodes[i]
        name = f"t{len(tensor_nodes)}"
        tensor_nodes[i] = name
        m = g.meta.get(i)
        is_var = m is not None and m[2] == "var"
        if role == "source":
            obj = src_objs.get(i)
            label = (f"Variable '{m[3]}'" if is_var else (_name_of(obj, frame) or "source")) \
                if m is not None else "source"
            label += f"\n{_sd(m)}"
            if tids and not connected.get(i, False):
                label += "\n(no gradient)"
                style = ('shape=ellipse, style="dashed,filled", fillcolor="#eeeeee", '
                         'color="#888888", fontcolor="#555555"')
            else:
                style = 'shape=ellipse, style=filled, fillcolor="#c8f0c8", color="#2e7d32", penwidth=2'
            lines.append(f"  {name} [label={_q(label)}, {style}, tooltip=\"source\"];")
        elif is_var:
            lines.append(f"  {name} [label={_q(chr(10).join([repr(m[3]), _sd(m)]))}, shape=cylinder];")
        elif i in g.watched:
            lines.append(f"  {name} [label={_q('watched' + chr(10) + _sd(m))}, shape=ellipse];")
        else:
            lines.append(f"  {name} [label={_q('const ' + _sd(m))}, shape=plaintext, "
                         'fontcolor="#777777"];')
        return name

    for s in srcs:
        tensor_node(s, "source")
    producer_node: dict = {}
    for n in g.nodes:
        key = f"op{n.idx}"
        out_m = g.meta.get(n.outs[0]) if n.outs else None
        label = f"{n.op}\n{_sd(out_m)}"
        attrs = 'shape=box, style="rounded,filled", fillcolor="#ffffff"'
        if any(o in on_path for o in n.outs):
            attrs = 'shape=box, style="rounded,filled", fillcolor="#fde0dc", color="#c62828", penwidth=2'
        note = breaks.get(("n", n.idx))
        if note:
            label += f"\n({note})"
            attrs = 'shape=box, style="rounded,filled", fillcolor="#ffcc80", color="#e65100", penwidth=2'
        lines.append(f"  {key} [label={_q(label)}, {attrs}];")
        for o in n.outs:
            producer_node[o] = key
    shown = [e for e in g.events
             if not (e.kind == "after" and not any(o in tids for o in e.outs))
             and not (e.kind in ("lost", "after") and e.outs and all(o in g.producer for o in e.outs))]
    for e in shown:
        key = f"ev{e.seq}"
        if e.kind == "nondiff":
            label = f"{e.op}\n{e.detail}\n(no gradient)"
        elif e.kind == "exit":
            label = f"left gradtape: {e.op}"
        elif e.kind == "assign":
            label = "tf.Variable(...)" if e.op == "__init__" else f"Variable.{e.op}"
        elif e.kind == "stopped":
            label = f"{e.op}\n{e.detail}\n(in stop_recording)"
        elif e.kind == "after":
            label = f"{e.op}\n{e.detail}\n(after the tape ended)"
        else:
            label = f"{e.op}\n{e.detail}\n(not recorded)"
        if e.where:
            label += "\n" + os.path.basename(_short_where(e.where))
        attrs = 'shape=box, style="dashed,rounded", color="#888888"'
        if e.kind in ("nondiff", "exit", "assign", "stopped"):
            attrs = 'shape=octagon, style=filled, fillcolor="#ffe0b2", color="#e65100"'
        if ("e", e.seq) in breaks:
            label += "\n(path breaks here)"
            attrs = 'shape=octagon, style=filled, fillcolor="#ffcc80", color="#e65100", penwidth=2'
        lines.append(f"  {key} [label={_q(label)}, {attrs}];")
        for o in e.outs:
            producer_node.setdefault(o, key)

    def src_of(i: int) -> str:
        if i in producer_node:
            return producer_node[i]
        return tensor_node(i, "source" if i in srcs else "input")

    for n in g.nodes:
        for i in n.ins:
            frm = src_of(i)
            hl = i in on_path and any(o in on_path for o in n.outs)
            style = ' [color="#c62828", penwidth=2.5]' if hl else ""
            lines.append(f"  {frm} -> op{n.idx}{style};")
    for e in shown:
        for i in e.ins:
            if i in producer_node or i in g.meta:
                lines.append(f"  {src_of(i)} -> ev{e.seq} [style=dashed];")
    for k, t in enumerate(tids):
        m = g.meta.get(t)
        name = f"target{k}"
        label = f"{tnames.get(t, 'target')}\n{_sd(m)}"
        if t not in producer_node and t not in tensor_nodes:
            label += "\n(not recorded by this tape)"
        lines.append(f"  {name} [label={_q(label)}, shape=doubleoctagon, style=filled, "
                     'fillcolor="#f8bbd0", color="#ad1457"];')
        if t in producer_node:
            hl = t in on_path
            style = ' [color="#c62828", penwidth=2.5]' if hl else ""
            lines.append(f"  {producer_node[t]} -> {name}{style};")
        elif t in tensor_nodes:
            lines.append(f"  {tensor_nodes[t]} -> {name};")
    lines.append("}")
    return "\n".join(lines) + "\n"
