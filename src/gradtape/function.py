"""``function``: TF's ``tf.function`` for gradtape, a tracing compiler over NumPy.

``@function`` runs the Python function eagerly on its first call for each *input signature*
(tensor shapes and dtypes, Python values, variable identities) while a recording tape watches
every op, variable read and variable write. The recorded graph is optimised and compiled into one
straight-line Python function over NumPy values (a *plan*); later calls with the same signature run
the plan, building no Tensor per op.

Optimisations: ops whose inputs do not depend on the function's inputs or variables are folded into
constants (their values are taken from the trace); common subexpressions are merged by exact
content (attributes and literals hashed and compared exactly); dead ops are dropped (except random
draws and ops that check their indices); elementwise NumPy ufuncs write into a buffer that an
earlier op produced and nobody reads again (``out=``), decided on the final plan; ``+ - * /`` on
NumPy values use the operator form (NumPy's scalar fast path).

A compiled call gives the eager call's values and gradients on every call. A tensor value that
Python reads while tracing (``if x > 0:``, ``float(x)``, ``x.numpy()``, a tensor used as a shape,
an index or a slice bound) is either static (a shape, fixed by the signature, which includes
shapes, dtypes and exact Python values: ``-0.0`` is not ``0.0``) or makes the function fall back to
eager execution with a warning naming the cause; so do variable writes outside ``assign``/
``assign_add``/``assign_sub``/``Optimizer.apply_gradients`` (scatter updates, NumPy writes).
``custom_gradient`` is compiled: its forward ops are traced into the plan and its ``grad_fn`` once
per signature into the backward plan (a ``grad_fn`` that reads a value falls back as above).
Random ops draw again on every call, from the same generator in eager order.
Optimizer steps and Keras metric updates are replayed on every call.

Around ``GradientTape``: a call whose inputs (or variables read inside) are watched by an active
tape is recorded as ONE op on that tape. Its
forward is the forward part of a *joint* plan traced with the gradient included; the values the
backward needs are kept, and its gradient runs the backward part of that plan, once, with every
output's gradient (an output no target reaches contributes nothing, as in eager). When a tape
records the backward pass (higher-order gradients), the traced forward and backward ops are
replayed through the dispatcher instead (the Python function does not run again; a
``custom_gradient``'s outputs are recorded with its traced ``grad_fn``). A call whose plan holds
a tensor that an active tape watches as a constant (a closure's tensor) runs eagerly. The op
object is built per function and is not added to ``registry.REGISTRY``.

Tracing intercepts variable writes, optimizer steps and metric updates with wrappers that act only
for the tracing thread; other threads running at the same time are not affected.

Python control flow on Python values is specialised per signature (it retraces, as TF does).
As in TF, Python side effects (``print``, appending to a list) happen only while tracing; unlike TF,
``tf.print`` too (it is Python here). Variables may be created on the first call only (Keras layers
building themselves; the random draws that initialise them happen once); later calls do not create
them again. ``reduce_retracing=True`` runs calls with new shapes eagerly instead of tracing a
shape-generic graph.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import math
import operator
import struct
import threading
import warnings
import weakref
from typing import Any, Callable, Iterator, Optional

import numpy as np

from . import dtypes as _dtypes
from . import dispatch
from . import devices as _devices
from . import nest
from .dispatch import ACTIVE, HOOKS
from .registry import Op
from .tensor import Tensor, TensorShape

_new = object.__new__

#: Retracing warning threshold (TF warns after 5 traces of one function).
RETRACE_WARN_AFTER = 5


class TensorSpec:
    """Describes a tensor's shape (``None`` for any size) and dtype (``tf.TensorSpec``)."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape: Any, dtype: Any = _dtypes.float32, name: Optional[str] = None):
        if shape is None:
            raise ValueError("TensorSpec: gradtape needs a known rank; pass a list with None for "
                             "unknown dimensions, e.g. TensorSpec([None, 3]).")
        self.shape = TensorShape(shape)
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor: Any, name: Optional[str] = None) -> "TensorSpec":
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, value: Any) -> bool:
        """True when ``value`` (a Tensor or TensorSpec) has a compatible shape and the same dtype."""
        return (self.shape.is_compatible_with(value.shape)
                and _dtypes.as_dtype(value.dtype) == self.dtype)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorSpec) and tuple(self.shape) == tuple(other.shape)
                and self.dtype == other.dtype and self.name == other.name)

    def __hash__(self) -> int:
        return hash((tuple(self.shape), self.dtype.name, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype=tf.{self.dtype.name}, name={self.name!r})"


# -- tracing -----------------------------------------------------------------------------------

class _Untraceable(Exception):
    pass


#: Ops whose output depends only on the input's shape and dtype (fixed by the signature).
_STATIC_OPS = frozenset({"shape", "shape_n", "size", "rank", "zeros_like", "ones_like"})

#: Ops that raise on bad values (indices out of range): kept even when their result is unused,
#: so a compiled call raises where the eager call does.
_CHECKING_OPS = frozenset({"gather", "gather_nd", "scatter_nd"})

#: Ops whose output shape depends on their input's values: Python code after them reads shapes
#: (``tf.shape``, ``.shape``, shape attributes of later ops) that a plan would keep fixed.
_DYNAMIC_SHAPE_OPS = frozenset({"argwhere", "flat_nonzero", "unique"})

_tls = threading.local()


def _trace_stack() -> list:
    st = getattr(_tls, "stack", None)
    if st is None:
        st = _tls.stack = []
    return st


def _current() -> Optional["_Trace"]:
    """The trace this thread is recording, or None (other threads never see it)."""
    st = getattr(_tls, "stack", None)
    return st[-1] if st else None


class _AllIds(set):
    """The trace tape watches everything its own thread computes."""

    def __init__(self, tid: int):
        super().__init__()
        self.tid = tid

    def __contains__(self, key: object) -> bool:  # noqa: D105
        return threading.get_ident() == self.tid


class _Records(list):
    def __init__(self, trace: "_Trace"):
        super().__init__()
        self._trace = trace

    def append(self, rec: tuple) -> None:  # called by dispatch.record / read_variable
        if threading.get_ident() == self._trace.tid:
            self._trace.on_op(*rec)


class _TraceTape:
    """Pushed on ``dispatch.ACTIVE`` while tracing; looks like a GradientTape to dispatch."""

    _watch_accessed_variables = True
    _gt_tracer = True

    def __init__(self, trace: "_Trace"):
        self._ids = _AllIds(trace.tid)
        self._records = _Records(trace)

    def _watch_variable(self, var: Any) -> None:
        return None


class _Hook:
    def __init__(self, trace: "_Trace"):
        self._trace = trace

    def on_nondifferentiable(self, op: Op, inputs: tuple, out: Any, attrs: Optional[dict]) -> None:
        if threading.get_ident() == self._trace.tid:
            self._trace.on_op(op, inputs, out, attrs)

    def on_numpy_exit(self, t: Any) -> None:
        if threading.get_ident() == self._trace.tid:
            self._trace.on_exit(t)


def _base(v: Any) -> Any:
    while type(v) is np.ndarray and v.base is not None:
        v = v.base
    return v


def _base_id(v: Any) -> int:
    return id(_base(v))


def _meta_of(v: Any) -> tuple:
    """What a plan's compiler needs of a value: (kind, shape, dtype); kind 0 for an ndarray,
    1 for a NumPy scalar, 2 for anything else."""
    if type(v) is np.ndarray:
        return (0, v.shape, v.dtype)
    if isinstance(v, np.generic):
        return (1, (), v.dtype)
    try:
        return (2, np.shape(v), np.result_type(v))
    except Exception:   # not array-like
        return (2, None, None)


def _is_standin(v: Any, meta: tuple) -> bool:
    """``v`` is a released value's stand-in (``tape._standin``: one element broadcast) of a
    value with ``meta``'s shape and dtype."""
    return (type(v) is np.ndarray and meta[0] == 0 and v.shape == meta[1] and v.dtype == meta[2]
            and type(v.base) is np.ndarray and v.base.ndim == 0 and not any(v.strides))


_weakref_type = weakref.ref


def _deref(r: Any) -> Any:
    """The object of a weak reference, or ``r`` itself when it is no weak reference."""
    return r() if type(r) is _weakref_type else r



def _watch_traced(gt: Any, trace: "_Trace") -> None:
    """``gt`` (the joint trace's tape) watches the traced function's floating inputs now, and each
    floating Variable the function reads, when it reads it (``trace.on_read``)."""
    for t in trace.inputs:
        if t._value.dtype.kind in "fc":
            gt.watch(t)

    def on_read(var: Any) -> None:
        if var._value.dtype.kind in "fc" and id(var) not in gt._ids:
            gt._watch_variable(var)
    trace.on_read = on_read

class _Trace:
    """What one tracing run recorded: slots (values), nodes, effects.

    Tracing runs the function as eager does and keeps no traced value alive: a slot that depends
    on the inputs or variables (*derived*) keeps only its value's shape and dtype, and what the
    compiler needs to know about the op that made it (whether its output is a view of an input,
    a fresh array). Its value lives as long as eager code or a tape keeps it (a tape inside the
    function keeps only what its gradient rules read). Constant slots keep their values (the plan
    holds them). A Tensor is known by its id and, to tell it from a later Tensor at the same
    address, by its value (weakly referenced).
    """

    def __init__(self) -> None:
        self.tid = threading.get_ident()
        self.slot_of: dict = {}         # id(Tensor) -> slot (checked against ``token``)
        self.values: list = []          # slot -> value of a constant slot; None when derived
        self.meta: list = []            # slot -> _meta_of(value)
        self.token: list = []           # slot -> its value, weakly referenced when derived
        self.derived: list = []         # slot -> depends on inputs/variables
        self.nodes: list = []           # ("op", ...) | ("read", var, out) | ("rand", ...) | effects
        self.keep: list = []            # keeps metric results alive (their ids stay unique)
        self.opinfo: dict = {}          # first output slot of a derived op -> (escapes, owns)
        self.dup: set = set()           # slots whose array another slot holds too
        self._live_slot: dict = {}      # id(array) -> the newest slot that held it
        self.vars: dict = {}            # id(var) -> var read or written
        self.problem: Optional[str] = None
        self._quiet = 0                 # >0 inside an opaque call / sanctioned write
        self._thread = threading.get_ident()
        self.inputs: list = []          # the input tensors the Python function received
        self.tainted: set = set()       # slots holding values computed from Python state (metrics)
        self.taint_ids: set = set()     # ids of such tensors
        self.captures: dict = {}        # id -> tensor used by the plan but made outside it
        self.derived_bases: dict = {}   # id(base array of a derived value) -> (weak) reference
        self.on_read: Optional[Callable] = None   # joint traces: watch every variable read
        self.init_slots: set = set()    # slots passed as a new Variable's initial value
        self.customs: dict = {}         # output slot -> _CustomCall (custom_gradient outputs)

    def fail(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    @property
    def quiet(self) -> int:
        """>0 inside an opaque call or sanctioned write; always >0 seen from another thread: its
        ops, reads and writes during this trace (through the class-level patches) are its own."""
        return self._quiet if threading.get_ident() == self._thread else 1

    @quiet.setter
    def quiet(self, value: int) -> None:
        if threading.get_ident() == self._thread:
            self._quiet = value

    def new_slot(self, value: Any, derived: bool) -> int:
        s = len(self.values)
        self.values.append(None if derived else value)
        self.derived.append(derived)
        self.meta.append(_meta_of(value))
        if type(value) is np.ndarray:
            vid = id(value)
            tok = _weakref_type(value) if derived else value
            prev = self._live_slot.get(vid)
            if prev is not None and _deref(self.token[prev]) is value:
                self.dup.add(s)         # the same array in two slots: never written into
                self.dup.add(prev)
            self._live_slot[vid] = s
            self.token.append(tok)
            if derived:
                b = value.base
                if b is None:
                    self.derived_bases[vid] = tok
                else:
                    b = _base(b)
                    try:
                        self.derived_bases[id(b)] = _weakref_type(b)
                    except TypeError:   # not weakly referable: kept
                        self.derived_bases[id(b)] = b
            return s
        self.token.append(value)
        return s

    def is_derived_base(self, v: Any) -> bool:
        """``v`` (an ndarray) shares its base array with a derived value that is still alive."""
        b = _base(v)
        r = self.derived_bases.get(id(b))
        return r is not None and _deref(r) is b

    def slot(self, t: Any) -> Optional[int]:
        """The slot of tensor ``t``, or None when the trace has not seen it."""
        s = self.slot_of.get(id(t))
        if s is None:
            return None
        v = t._value
        if _deref(self.token[s]) is v:
            return s
        if _is_standin(v, self.meta[s]):    # released by a tape: no rule reads it
            return s
        del self.slot_of[id(t)]     # a new tensor where a dead one was
        return None

    def add_input(self, t: Tensor) -> int:
        s = self.new_slot(t._value, True)
        self.slot_of[id(t)] = s
        return s

    def ref(self, x: Any, use: bool = True) -> tuple:
        """A node input: ("s", slot) for tensors, ("c", value) for Python/NumPy literals.

        A tensor the trace has not seen (made outside a recorded op: a closure's tensor, a
        constant, a shape) becomes a constant of the plan; one whose memory belongs to a traced
        value was computed from it in Python, which the plan cannot repeat: the function falls
        back to eager execution.
        """
        if type(x) is Tensor:
            s = self.slot(x)
            if s is None:
                v = x._value
                if type(v) is np.ndarray and self.is_derived_base(v):
                    self.fail("a tensor was computed from a traced tensor's value outside an op "
                              "(NumPy code on .numpy() or ._value); it would be baked into the plan")
                s = self.new_slot(v, False)
                self.slot_of[id(x)] = s
                self.captures[id(x)] = x
                if id(x) in self.taint_ids:
                    self.tainted.add(s)
            if use and s in self.tainted:
                self.fail("a metric's result (Python state) was used as a tensor")
            return ("s", s)
        if hasattr(type(x), "_gt_read"):
            raise _Untraceable(f"a Variable ({x.name}) was passed to an op directly")
        if type(x) is np.ndarray and self.is_derived_base(x):
            self.fail("an op received a NumPy view of a traced tensor's value; it would be baked "
                      "into the plan")
        return ("c", x)

    def on_op(self, op: Op, inputs: tuple, out: Any, attrs: Optional[dict]) -> None:
        if self.quiet:
            return
        if op is dispatch.READ:
            var = inputs[0]
            self.vars[id(var)] = var
            s = self.new_slot(out._value, True)
            self.slot_of[id(out)] = s
            self.nodes.append(("read", var, s))
            if self.on_read is not None:
                self.on_read(var)
            return
        try:
            ins = [self.ref(x, use=False) for x in inputs]
        except _Untraceable as e:
            self.fail(str(e))
            return
        derived = any(k == "s" and self.derived[v] for k, v in ins)
        if op.name in _STATIC_OPS:
            derived = False
        if derived and op.name in _DYNAMIC_SHAPE_OPS:
            self.fail(f"the output shape of {op.name!r} depends on the values of its input (e.g. "
                      "boolean_mask, unique, where with one argument)")
        if derived and op.forward is None:
            self.fail(f"the op {op.name!r} has no forward that a plan can run (a custom_gradient "
                      "or another Python-level op)")
        if derived and any(k == "s" and v in self.tainted for k, v in ins):
            self.fail("a metric's result (Python state) was used as a tensor")
        multi = type(out) is tuple
        outs_t = out if multi else (out,)
        outs = []
        for o in outs_t:
            s = self.new_slot(o._value, derived)
            self.slot_of[id(o)] = s
            outs.append(s)
        if derived:   # otherwise: constant-folded (the slot keeps its trace-time value)
            self.opinfo[outs[0]] = _op_info(inputs, ins, [o._value for o in outs_t], attrs, multi)
            self.nodes.append(("op", op, ins, outs, attrs, multi))

    def is_derived(self, t: Any) -> bool:
        s = self.slot(t)
        return s is not None and self.derived[s]

    def on_exit(self, t: Any) -> None:
        if not self.quiet and self.is_derived(t):
            self.fail("Python code used the value of a traced tensor (a Python `if`/`while` on a "
                      "tensor, float(), int(), bool(), .numpy(), or an op that reads a tensor "
                      "argument in Python, such as a shape or an index); its value would be baked "
                      "into the plan")

    def effect(self, node: tuple) -> None:
        self.nodes.append(node)

    def random_draw(self, fn: Callable, seed: Any, inputs: tuple, value: Any) -> Tensor:
        """A random op's draw while tracing: the plan draws again (same generator, same order)."""
        t = _new(Tensor)
        t._value = value
        if self.quiet:
            return t
        ins = [self.ref(x) for x in inputs]
        s = self.new_slot(value, True)
        self.slot_of[id(t)] = s
        self.nodes.append(("rand", fn, seed, ins, s))
        return t


def _draw_hook(fn: Callable, seed: Any, inputs: tuple) -> Optional[Tensor]:
    """Installed in ``ops.random``: records a draw when this thread is tracing."""
    trace = _current()
    if trace is None:
        return None
    from .ops import random as _random
    value = _random._run_draw(fn, seed, [x._value for x in inputs])
    if dispatch.PLACING:        # inside tf.device: on that device, as an eager draw (ops.constructors._wrap)
        value = _devices.place_new(value)
    return trace.random_draw(fn, seed, inputs, value)


class _CustomCall:
    """A ``custom_gradient`` call seen while tracing: its arguments, the tensors its outputs are
    computed from, and (``capture``) the traced ops of its ``grad_fn``: the refs of the upstream
    gradients, the refs of the results, the nodes. A higher-order gradient through a compiled call
    records the outputs with a rule that replays these nodes (Python does not run again)."""

    __slots__ = ("name", "arg_refs", "vars", "src_refs", "out_slots", "capture")


def custom_gradient_call(name: str, args: list, variables: list, results: list,
                         outs: list) -> Optional[_CustomCall]:
    """Called by ``custom_gradient`` while this thread traces: note the call (None otherwise)."""
    trace = _current()
    if trace is None or trace.quiet:
        return None
    try:
        c = _CustomCall()
        c.name = name
        c.arg_refs = [trace.ref(a, use=False) for a in args]
        c.vars = list(variables)
        c.src_refs = [trace.ref(r, use=False) for r in results]
        c.out_slots = [trace.slot(o) for o in outs]
    except _Untraceable:
        return None
    if None in c.out_slots:
        return None
    c.capture = None
    for s in c.out_slots:
        trace.customs[s] = c
    return c


def custom_gradient_begin(call: Optional[_CustomCall]) -> Optional[int]:
    """Called before ``grad_fn`` runs: where its traced nodes start (None when not captured)."""
    trace = _current()
    if call is None or call.capture is not None or trace is None or trace.quiet:
        return None
    return len(trace.nodes)


def custom_gradient_end(call: Optional[_CustomCall], start: Optional[int], upstream: list,
                        results: list) -> None:
    """Called after ``grad_fn`` ran: keep its traced nodes and the refs of its inputs/results."""
    trace = _current()
    if start is None or trace is None or trace.quiet:
        return
    try:
        ups = [trace.ref(u, use=False) if type(u) is Tensor else None for u in upstream]
        res = [None if r is None else trace.ref(r if type(r) is Tensor else
                                                dispatch.convert_to_tensor(r), use=False)
               for r in results]
    except (_Untraceable, TypeError, ValueError):
        return
    call.capture = (ups, res, [n for n in trace.nodes[start:] if n[0] in ("op", "read", "rand")])


def traced_value_varies(t: Any) -> bool:
    """True while this thread traces when tensor ``t``'s value can change between calls (it
    depends on the function's inputs, variables or random draws), so Python must not branch on it."""
    trace = _current()
    if trace is None or trace.quiet:
        return False
    s = trace.slot(t)
    return (s is not None and (trace.derived[s] or s in trace.tainted)) or id(t) in trace.taint_ids


def fall_back_to_eager(reason: str) -> None:
    """Called by constructs that cannot be compiled into a plan (``tf.cond`` on a traced predicate,
    ``tf.py_function``): the function being traced runs eagerly from now on, with a warning naming
    ``reason``. A no-op outside tracing."""
    trace = _current()
    if trace is not None and not trace.quiet:
        trace.fail(reason)


# -- interception of state changes while tracing -----------------------------------------------
#
# Variable writes, optimizer steps and metric updates are intercepted by wrappers that are
# installed while at least one thread traces. Each wrapper looks at the calling thread's own
# trace (a thread-local stack): in every other thread it is the original method.

_PATCH_LOCK = threading.Lock()
_PATCHED: dict = {"count": 0, "saved": []}


class _Interception:
    """Context manager: make the wrappers active for the calling thread's trace."""

    def __init__(self, trace: "_Trace"):
        self.trace = trace

    def __enter__(self) -> "_Interception":
        with _PATCH_LOCK:
            if _PATCHED["count"] == 0:
                _PATCHED["saved"] = _install_wrappers()
            _PATCHED["count"] += 1
        _trace_stack().append(self.trace)
        return self

    def __exit__(self, *exc: Any) -> None:
        st = _trace_stack()
        if st and st[-1] is self.trace:
            st.pop()
        else:   # pragma: no cover - defensive
            try:
                st.remove(self.trace)
            except ValueError:
                pass
        with _PATCH_LOCK:
            _PATCHED["count"] -= 1
            if _PATCHED["count"] == 0:
                for owner, name, value in reversed(_PATCHED["saved"]):
                    setattr(owner, name, value)
                _PATCHED["saved"] = []


@contextlib.contextmanager
def _recording(trace: "_Trace") -> Iterator[None]:
    """``trace`` records the block's ops: its tape on ``ACTIVE``, its hook on ``HOOKS`` (for ops
    without a gradient) and its wrappers active (``_Interception``); all removed on the way out."""
    tape = _TraceTape(trace)
    hook = _Hook(trace)
    ACTIVE.append(tape)
    HOOKS.append(hook)
    try:
        with _Interception(trace):
            yield
    finally:
        if hook in HOOKS:
            HOOKS.remove(hook)
        if tape in ACTIVE:
            ACTIVE.remove(tape)



def _install_wrappers() -> list:
    from .variable import Variable
    saved: list = []

    def put(owner: Any, name: str, value: Any) -> None:
        saved.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, value)

    slot_desc = Variable.__dict__["_value"]

    class _Guard:
        def __get__(self, obj: Any, typ: Any = None) -> Any:
            if obj is None:
                return self
            return slot_desc.__get__(obj, typ)

        def __set__(self, obj: Any, value: Any) -> None:
            trace = _current()
            if trace is not None and not trace.quiet:
                trace.fail(f"variable {obj._name!r} was written outside assign/assign_add/"
                           "assign_sub/Optimizer.apply_gradients (e.g. a NumPy update or a "
                           "scatter update)")
            slot_desc.__set__(obj, value)

    put(Variable, "_value", _Guard())
    orig_init = Variable.__dict__["__init__"]

    def init(var: Any, *a: Any, **k: Any) -> None:
        trace = _current()
        if trace is None:
            return orig_init(var, *a, **k)
        init_value = a[0] if a else k.get("initial_value")
        s = trace.slot(init_value) if type(init_value) is Tensor else None
        if s is not None:
            # values computed only to initialise a Variable (the draws of a Keras initializer)
            # belong to the first call: the plan does not repeat them
            trace.init_slots.add(s)
        trace.quiet += 1
        try:
            orig_init(var, *a, **k)
        finally:
            trace.quiet -= 1
    put(Variable, "__init__", init)
    for mode in ("assign", "assign_add", "assign_sub"):
        put(Variable, mode, _traced_assign(Variable.__dict__[mode], mode))
    orig_numpy = Variable.__dict__["numpy"]

    def var_numpy(var: Any) -> Any:
        trace = _current()
        if trace is not None and not trace.quiet:
            trace.fail(f"the value of variable {var.name!r} was read in Python (.numpy())")
        return orig_numpy(var)
    put(Variable, "numpy", var_numpy)
    try:
        from .keras.optimizers.optimizer import Optimizer
    except ImportError:  # pragma: no cover
        Optimizer = None
    if Optimizer is not None:
        put(Optimizer, "apply_gradients", _traced_apply_gradients(Optimizer.__dict__["apply_gradients"]))
    try:
        from .keras.metrics import Metric
    except ImportError:  # pragma: no cover
        Metric = None
    if Metric is not None:
        # Keras metrics keep their state in Python: their updates are replayed on every call.
        for cls in _subclasses(Metric):
            for meth in ("update_state", "reset_state"):
                if meth in cls.__dict__:
                    put(cls, meth, _traced_python_effect(cls.__dict__[meth]))
            if "__init__" in cls.__dict__:
                # a metric made while tracing (Keras builds compiled metrics on the first batch) is made
                # once: its constructor's reset_state is not an effect the plan repeats on every call
                put(cls, "__init__", _quiet_while_tracing(cls.__dict__["__init__"]))
        put(Metric, "__call__", _traced_metric_call(Metric.__dict__["__call__"]))
    return saved


def _traced_assign(orig: Callable, mode: str) -> Callable:
    def assign(var: Any, value: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        trace = _current()
        if trace is None or trace.quiet:
            return orig(var, value, use_locking, name, read_value)
        t = var._write_operand(value, mode)
        ref = trace.ref(t)
        trace.quiet += 1
        try:
            res = orig(var, t, use_locking, name, read_value)
        finally:
            trace.quiet -= 1
        trace.vars[id(var)] = var
        trace.effect(("assign", var, mode, ref))
        return res
    return assign


def _subclasses(cls: type) -> list:
    out, stack = [], [cls]
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(c.__subclasses__())
    return out


def _traced_python_effect(orig: Callable) -> Callable:
    """Wrap a method that changes Python-side state (a Keras metric's ``update_state``): while
    tracing it runs once and is recorded as an opaque effect that the plan replays on every call,
    with the tensors it received rebuilt from that call's values."""
    def method(obj: Any, *args: Any, **kwargs: Any) -> Any:
        trace = _current()
        if trace is None or trace.quiet:
            return orig(obj, *args, **kwargs)
        names = list(kwargs)
        flat = list(args) + [kwargs[k] for k in names]
        refs = [trace.ref(a) if type(a) is Tensor else None for a in flat]
        trace.quiet += 1
        try:
            res = orig(obj, *args, **kwargs)
        finally:
            trace.quiet -= 1

        def replay(*vals: Any) -> None:
            it = iter(vals)
            rebuilt = []
            for a, r in zip(flat, refs):
                if r is None:
                    rebuilt.append(a)
                else:
                    t = _new(Tensor)
                    t._value = next(it)
                    rebuilt.append(t)
            n = len(args)
            orig(obj, *rebuilt[:n], **dict(zip(names, rebuilt[n:])))

        trace.effect(("opaque", replay, [r for r in refs if r is not None]))
        return res
    return method


def _quiet_while_tracing(orig: Callable) -> Callable:
    """Wrap a method so that what it does while tracing is not recorded (it happens once)."""
    def method(obj: Any, *args: Any, **kwargs: Any) -> Any:
        trace = _current()
        if trace is None:
            return orig(obj, *args, **kwargs)
        trace.quiet += 1
        try:
            return orig(obj, *args, **kwargs)
        finally:
            trace.quiet -= 1
    return method


def _traced_metric_call(orig: Callable) -> Callable:
    """``metric(...)`` while tracing: the update is replayed (see above); the returned result is
    computed from Python state, so a plan that used it would bake in one value: its use makes the
    function fall back to eager execution."""
    def call(obj: Any, *args: Any, **kwargs: Any) -> Any:
        res = orig(obj, *args, **kwargs)
        trace = _current()
        if trace is not None and not trace.quiet and type(res) is Tensor:
            trace.taint_ids.add(id(res))
            trace.keep.append(res)
        return res
    return call


def _traced_apply_gradients(orig: Callable) -> Callable:
    def apply_gradients(opt: Any, grads_and_vars: Any, name: Any = None, **kwargs: Any):
        trace = _current()
        if trace is None or trace.quiet:
            return orig(opt, grads_and_vars, name, **kwargs)
        pairs = list(grads_and_vars)
        refs = []       # per pair: None, ("t", ref) or ("s", values_ref, indices_ref, dense_shape)
        flat_refs = []
        for g, v in pairs:
            if g is None:
                refs.append(None)
            elif type(g) is Tensor:
                r = trace.ref(g)
                refs.append(("t",))
                flat_refs.append(r)
            elif hasattr(g, "_indices") and hasattr(g, "_values"):   # IndexedSlices: kept sparse
                refs.append(("s", type(g), g._dense_shape))
                flat_refs.append(trace.ref(g._values))
                flat_refs.append(trace.ref(dispatch.convert_to_tensor(g._indices)))
            else:
                refs.append(("t",))
                flat_refs.append(trace.ref(dispatch.convert_to_tensor(g)))
            trace.vars[id(v)] = v
        trace.quiet += 1
        try:
            res = orig(opt, pairs, name, **kwargs)
        finally:
            trace.quiet -= 1
        variables = [v for _, v in pairs]

        def replay(*gvals: Any) -> None:
            it = iter(gvals)
            gv = []
            for r, v in zip(refs, variables):
                if r is None:
                    gv.append((None, v))
                    continue
                t = _new(Tensor)
                t._value = next(it)
                if r[0] == "s":
                    i = _new(Tensor)
                    i._value = next(it)
                    t = r[1](t, i, r[2])
                gv.append((t, v))
            orig(opt, gv, name, **kwargs)

        trace.effect(("opaque", replay, flat_refs))
        return res
    return apply_gradients


# -- compiling a plan --------------------------------------------------------------------------

_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/"}
#: Forwards written as Python operators, and the ufunc that accepts ``out=`` for each.
_UFUNC_OF = {operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
             operator.truediv: np.true_divide, operator.neg: np.negative}
_is_np = (np.ndarray, np.generic)
_NO_META = (2, None, None)


class _ArrayKey:
    """A NumPy array as a key: hashed by its bytes, equal only to an array with the same dtype,
    shape and bytes (exact content, so -0.0 differs from 0.0 and arrays that print alike differ)."""

    __slots__ = ("a", "h")

    def __init__(self, a: np.ndarray):
        self.a = a
        self.h = hash((a.shape, a.dtype.str, a.tobytes()))

    def __hash__(self) -> int:
        return self.h

    def __eq__(self, other: object) -> bool:
        if type(other) is not _ArrayKey or other.h != self.h:
            return False
        a, b = self.a, other.a
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _exact_key(v: Any) -> Any:
    """A key equal for two values only when they are the same value exactly (type included)."""
    t = type(v)
    if t is float:
        return (float, struct.pack("<d", v))
    if t is complex:
        return (complex, struct.pack("<dd", v.real, v.imag))
    if t is int or t is bool or t is str or t is bytes or v is None:
        return (t, v)
    if t is tuple or t is list:
        return (t, tuple(_exact_key(x) for x in v))
    if t is dict:
        try:
            return (dict, tuple(sorted((k, _exact_key(x)) for k, x in v.items())))
        except TypeError:
            return _Ident(v)
    if t is slice:
        return (slice, _exact_key(v.start), _exact_key(v.stop), _exact_key(v.step))
    if t is np.ndarray:
        if v.dtype.kind in "OV":
            return _Ident(v)
        return _ArrayKey(v)
    if isinstance(v, np.generic):
        return (t, v.tobytes())
    try:
        hash(v)
    except TypeError:
        return _Ident(v)
    return (t, v) if isinstance(v, (type, np.dtype)) or t.__hash__ is not object.__hash__ else _Ident(v)


def _attrs_key(attrs: Optional[dict]) -> Any:
    if not attrs:
        return ()
    return tuple((k, _exact_key(attrs[k])) for k in sorted(attrs))


class Plan:
    """A compiled straight-line NumPy program: ``run(*input_values) -> tuple of output values``."""

    def __init__(self, run: Callable, source: str, n_ops: int, stats: dict):
        self.run = run
        self.run_owned: Optional[Callable] = None   # see compile_plan's owned_inputs
        self.source = source
        self.n_ops = n_ops
        self.stats = stats


def _shares(a: Any, b: Any) -> bool:
    return type(a) is np.ndarray and type(b) is np.ndarray and (a is b or np.may_share_memory(a, b))


def _op_info(inputs: tuple, refs: list, outv: list, attrs: Optional[dict], multi: bool) -> tuple:
    """What buffer reuse needs to know of a traced op, taken while its values are alive:
    ``(escapes, owns)``: per input, whether the output may be a view of it (or it is no array),
    and whether the output is a fresh array that the op allocated (a plan may write into it)."""
    arrs = [o for o in outv if type(o) is np.ndarray]
    escapes = []
    fresh = True
    for x, r in zip(inputs, refs):
        tensor = r[0] == "s"
        v = x._value if tensor else r[1]
        if type(v) is not np.ndarray:
            escapes.append(tensor)
            continue
        sh = False
        for o in arrs:
            if o is v or np.may_share_memory(o, v):
                sh = True
                break
        if sh:
            fresh = False
        escapes.append(tensor and sh)
    if not arrs:
        return tuple(escapes), False
    if attrs and any(_shares(o, a) for o in arrs for a in attrs.values()):
        fresh = False
    ov = outv[0]
    owns = (fresh and not multi and type(ov) is np.ndarray and ov.base is None and ov.flags.owndata
            and ov.flags.writeable)
    return tuple(escapes), owns


def compile_plan(trace: _Trace, nodes: list, inputs: list, outputs: list, name: str = "plan",
                 protect: tuple = (), owned_inputs: bool = False) -> Plan:
    """Optimise ``nodes`` (CSE, dead code, buffer reuse) and generate one Python function.

    ``inputs`` are slots bound to the function's arguments; ``outputs`` are refs (``("s", slot)``,
    ``("c", value)``) returned as a tuple. Effects ("assign", "opaque") and random draws ("rand")
    are always kept, in order. Common subexpressions are merged by exact content (attributes and
    literals hashed and compared exactly); buffer reuse (``out=``) is decided afterwards, on the
    final plan.
    """
    values = trace.values
    meta = trace.meta
    stats = {"traced": len(nodes), "cse": 0, "dead": 0, "out=": 0}
    # 1. common subexpressions (reads are merged until the variable is written)
    canon: dict = {}
    version: dict = {}
    seen: dict = {}
    kept: list = []

    def c(ref: Any) -> Any:
        if ref is None:
            return None
        k, v = ref
        return ("s", canon.get(v, v)) if k == "s" else ref

    def rkey(ref: Any) -> Any:
        if ref[0] == "s":
            return ref
        return ("c", _exact_key(ref[1]))

    for node in nodes:
        kind = node[0]
        if kind == "read":
            _, var, out = node
            key = ("read", id(var), version.get(id(var), 0))
            prev = seen.get(key)
            if prev is not None:
                canon[out] = prev
                stats["cse"] += 1
                continue
            seen[key] = out
            kept.append(node)
        elif kind == "op":
            _, op, ins, outs, attrs, multi = node
            cins = [c(r) for r in ins]
            key = (id(op), tuple(rkey(r) for r in cins), _attrs_key(attrs))
            prev = seen.get(key)
            if prev is not None:
                for o, p in zip(outs, prev):
                    canon[o] = p
                stats["cse"] += 1
                continue
            seen[key] = outs
            kept.append(("op", op, cins, outs, attrs, multi, ins))
        elif kind == "rand":
            _, fn, seed, ins, out = node
            kept.append(("rand", fn, seed, [c(r) for r in ins], out))
        elif kind == "assign":
            _, var, mode, ref = node
            version[id(var)] = version.get(id(var), 0) + 1
            kept.append(("assign", var, mode, c(ref)))
        elif kind == "opaque":
            _, fn, refs = node
            for vid in list(version) + list(trace.vars):
                version[vid] = version.get(vid, 0) + 1
            kept.append(("opaque", fn, [c(r) for r in refs]))
    outputs = [c(r) for r in outputs]
    protect_slots = {c(("s", s))[1] for s in protect}

    # 2. dead code (random draws stay: they advance the random stream, as in eager; except the
    # draws that only initialised a Variable created while tracing, which happen once)
    init_only: set = set(trace.init_slots)
    if init_only:
        for node in reversed(kept):
            if node[0] == "op" and any(o in init_only for o in node[3]):
                init_only.update(r[1] for r in node[2] if r[0] == "s")
            elif node[0] == "rand" and node[4] in init_only:
                init_only.update(r[1] for r in node[3] if r[0] == "s")
    live = {r[1] for r in outputs if r is not None and r[0] == "s"} | protect_slots
    body: list = []
    for node in reversed(kept):
        kind = node[0]
        if kind == "op":
            if not any(o in live for o in node[3]) and node[1].name not in _CHECKING_OPS:
                stats["dead"] += 1
                continue
            live.update(r[1] for r in node[2] if r[0] == "s")
        elif kind == "read":
            if node[2] not in live:
                stats["dead"] += 1
                continue
        elif kind == "assign":
            if node[3][0] == "s":
                live.add(node[3][1])
        elif kind == "rand":
            if node[4] not in live and node[4] in init_only:
                stats["dead"] += 1
                continue
            live.update(r[1] for r in node[3] if r[0] == "s")
        elif kind == "opaque":
            live.update(r[1] for r in node[2] if r[0] == "s")
        body.append(node)
    body.reverse()

    def node_refs(node: tuple) -> list:
        k = node[0]
        if k == "op" or k == "opaque":
            return node[2]
        if k == "rand":
            return node[3]
        if k == "assign":
            return [node[3]]
        return []

    # 3. buffer reuse, on the final plan: last use of every slot; slots that must survive
    last: dict = {}
    for i, node in enumerate(body):
        for r in node_refs(node):
            if r is not None and r[0] == "s":
                last[r[1]] = i
    pinned = {r[1] for r in outputs if r is not None and r[0] == "s"} | protect_slots
    for node in body:
        if node[0] in ("opaque", "assign", "rand"):
            pinned.update(r[1] for r in node_refs(node) if r is not None and r[0] == "s")
    # Views: an op whose traced output shared memory with one of its (traced, pre-CSE) inputs
    # returns a view of that input; after CSE the input is the canonical slot, so the canonical
    # slot is marked. A marked slot is never overwritten, nor is any view of it.
    # (what each op's values were is noted while tracing: trace.opinfo; without it, nothing is
    # written into)
    escaped: set = set()
    owned: set = set()      # slots holding a fresh array that an op of this plan allocated
    opinfo, dup = trace.opinfo, trace.dup
    for node in body:
        if node[0] != "op":
            continue
        _, op, ins, outs, attrs, multi, orig = node
        info = opinfo.get(outs[0])
        if info is None:
            escaped.update(r[1] for r in ins if r[0] == "s")
            continue
        escapes, owns = info
        for r, e in zip(ins, escapes):
            if e:
                escaped.add(r[1])
        if owns and outs[0] not in dup:
            owned.add(outs[0])

    # 4. code generation
    ns: dict = {"_set_value": _set_value}
    input_set = set(inputs)
    lines = [f"def {name}({', '.join(f'v{s}' for s in inputs)}):"]
    consts: dict = {}

    def expr(ref: Any) -> str:
        if ref is None:
            return "None"
        k, v = ref
        if k == "s":
            if trace.derived[v] or v in input_set:
                return f"v{v}"
            return const(values[v])
        return const(v)

    def const(v: Any) -> str:
        if (type(v) in (int, bool) or v is None
                or (type(v) is float and np.isfinite(v) and not (v == 0 and math.copysign(1, v) < 0))):
            return repr(v)
        return _named(v)

    def _named(v: Any) -> str:
        k = consts.get(id(v))
        if k is None:
            k = consts[id(v)] = f"c{len(consts)}"
            ns[k] = v
            ns.setdefault("_keep", []).append(v)
        return k

    out_slots = {r[1] for r in outputs if r is not None and r[0] == "s"}
    dels: dict = {}         # node index -> locals to drop after it (frees memory early)
    for s_, i_ in last.items():
        if s_ not in out_slots and (trace.derived[s_] or s_ in input_set):
            dels.setdefault(i_, []).append(s_)
    for i_, node in enumerate(body):
        if node[0] == "op":
            for o in node[3]:
                if o not in last and o not in out_slots:
                    dels.setdefault(i_, []).append(o)
        elif node[0] == "rand" and node[4] not in last and node[4] not in out_slots:
            dels.setdefault(i_, []).append(node[4])
    nfun = 0
    for i, node in enumerate(body):
        if i > 0 and dels.get(i - 1):
            lines.append(f"    del {', '.join(f'v{d}' for d in sorted(set(dels[i - 1])))}")
        kind = node[0]
        if kind == "read":
            ns[f"V{id(node[1])}"] = node[1]
            lines.append(f"    v{node[2]} = V{id(node[1])}._value")
        elif kind == "assign":
            _, var, mode, ref = node
            vn = f"V{id(var)}"
            ns[vn] = var
            e = expr(ref)
            if mode == "assign":
                lines.append(f"    _set_value({vn}, {e})")
            else:
                lines.append(f"    {vn}._value = {vn}._value {'+' if mode == 'assign_add' else '-'} {e}")
        elif kind == "opaque":
            fname = f"O{nfun}"
            nfun += 1
            ns[fname] = node[1]
            lines.append(f"    {fname}({', '.join(expr(r) for r in node[2])})")
        elif kind == "rand":
            _, fn, seed, ins, out = node
            fname = f"R{nfun}"
            nfun += 1
            ns[fname] = _replay_draw(fn, seed)
            lines.append(f"    v{out} = {fname}({', '.join(expr(r) for r in ins)})")
        else:
            _, op, ins, outs, attrs, multi, _orig = node
            args = [expr(r) for r in ins]
            target = ", ".join(f"v{o}" for o in outs) + ("," if multi and len(outs) == 1 else "")
            fwd = op.forward
            sym = _OPERATORS.get(op.name)
            # (kind, shape, dtype) of the inputs and the output: kind 0 ndarray, 1 NumPy scalar
            inm = [(meta[r[1]] or _NO_META) if r[0] == "s" else _meta_of(r[1]) for r in ins]
            outm = meta[outs[0]] or _NO_META
            reuse = None
            ufunc = fwd if isinstance(fwd, np.ufunc) else _UFUNC_OF.get(fwd) if callable(fwd) else None
            if (not multi and not attrs and ufunc is not None and ufunc.signature is None
                    and ufunc.nout == 1 and outm[0] == 0 and len(outm[1]) > 0):
                for r, m in zip(ins, inm):
                    if (r[0] == "s" and r[1] in owned and last.get(r[1]) == i and r[1] not in pinned
                            and r[1] not in escaped
                            and m[0] == 0 and m[1] == outm[1] and m[2] == outm[2]):
                        reuse = r[1]
                        break
            if reuse is not None:
                fname = f"F{nfun}"
                nfun += 1
                ns[fname] = ufunc
                lines.append(f"    {target} = {fname}({', '.join(args)}, out=v{reuse})")
                stats["out="] += 1
            elif sym is not None and not attrs and len(args) == 2 and any(m[0] < 2 for m in inm):
                lines.append(f"    {target} = {args[0]} {sym} {args[1]}")
            elif op.name == "negative" and inm[0][0] < 2:
                lines.append(f"    {target} = -{args[0]}")
            else:
                fname = f"F{nfun}"
                nfun += 1
                ns[fname] = fwd
                kw = ""
                if attrs:
                    an = f"A{nfun}"
                    ns[an] = dict(attrs)
                    kw = f", **{an}" if args else f"**{an}"
                lines.append(f"    {target} = {fname}({', '.join(args)}{kw})")
    if body and dels.get(len(body) - 1):
        lines.append(f"    del {', '.join(f'v{d}' for d in sorted(set(dels[len(body) - 1])))}")
    lines.append(f"    return ({''.join(expr(r) + ', ' for r in outputs)})")
    source = "\n".join(lines)
    if owned_inputs:
        # ``run_owned(values)``: takes a list of the input values and empties it, so the plan's
        # own ``del`` frees each input after its last use (saved forward values in a backward)
        unpack = "".join(f"v{s_}, " for s_ in inputs)
        lines[0] = f"def {name}(_a):" + (f"\n    {unpack}= _a" if inputs else "") + "\n    _a.clear()"
        exec(compile("\n".join(lines), f"<gradtape.function {name} owned>", "exec"), ns)  # noqa: S102
        ns[name + "_owned"] = ns[name]
    exec(compile(source, f"<gradtape.function {name}>", "exec"), ns)  # noqa: S102
    n_ops = sum(1 for n in body if n[0] == "op")
    plan = Plan(ns[name], source, n_ops, stats)
    plan.run_owned = ns.get(name + "_owned")
    return plan


def _replay_draw(fn: Callable, seed: Any) -> Callable:
    from .ops import random as _random
    run = _random._run_draw

    def draw(*vals: Any) -> Any:
        value = run(fn, seed, vals)
        return _devices.place_new(value) if dispatch.PLACING else value
    return draw


def _set_value(var: Any, value: Any) -> None:
    """``Variable.assign`` without the checks (the plan was checked when traced)."""
    if type(value) is np.ndarray:
        value = value.copy() if value.ndim else value[()]
    var._value = value


# -- signatures --------------------------------------------------------------------------------

class _Ident:
    """A key part compared by identity (holds the object, so its id is not reused)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return type(other) is _Ident and other.obj is self.obj


def _sig(x: Any, tensors: list) -> Any:
    """The retracing key of one argument; appends its tensors (converted) to ``tensors``."""
    t = type(x)
    if t is Tensor:
        tensors.append(x)
        v = x._value
        if dispatch.DEVICE_TYPES and type(v) in dispatch.DEVICE_TYPES:    # a plan per device
            return (v.shape, v.dtype, _devices.device_of(v))
        return (v.shape, v.dtype)
    if t is np.ndarray and x.ndim and x.dtype.kind in "fiub":   # the common case, without checks
        tt = _new(Tensor)
        tt._value = x
        tensors.append(tt)
        return (x.shape, x.dtype)
    if t is np.ndarray or isinstance(x, np.ndarray):
        x = dispatch.convert_to_tensor(x)
        tensors.append(x)
        return (x._value.shape, x._value.dtype)
    if t is float:    # exact: -0.0 is not 0.0, and a NaN matches a NaN
        return (t, struct.pack("<d", x))
    if t is complex:
        return (t, struct.pack("<dd", x.real, x.imag))
    if t in (int, bool, str, type(None), bytes):
        return (t, x)
    if t is tuple or t is list:
        return (t, tuple(_sig(v, tensors) for v in x))
    if t is dict:
        return (t, tuple((k, _sig(x[k], tensors)) for k in nest._sorted_keys(x)))
    if isinstance(x, tuple):   # namedtuple
        return (t, tuple(_sig(v, tensors) for v in x))
    if isinstance(x, np.generic):
        return (t, x.tobytes())
    return _Ident(x)


def _rebuild(x: Any, it: Any) -> Any:
    """``x`` with its tensors (and NumPy arrays) replaced, in order, by those from ``it``."""
    t = type(x)
    if t is Tensor or isinstance(x, np.ndarray):
        return next(it)
    if t is tuple or t is list:
        return t(_rebuild(v, it) for v in x)
    if t is dict:
        built = {k: _rebuild(x[k], it) for k in nest._sorted_keys(x)}
        return {k: built[k] for k in x}
    if isinstance(x, tuple):
        return t(*[_rebuild(v, it) for v in x])
    return x


def _describe_key(k: Any) -> str:
    if type(k) is tuple and len(k) == 2 and type(k[0]) is tuple:
        return f"Tensor(shape={list(k[0])}, dtype={_dtypes.from_numpy(k[1]).name})"
    if type(k) is tuple and len(k) == 2 and k[0] is float:
        return f"float {struct.unpack('<d', k[1])[0]!r}"
    if type(k) is tuple and len(k) == 2 and k[0] is complex:
        return f"complex {complex(*struct.unpack('<dd', k[1]))!r}"
    if type(k) is tuple and len(k) == 2 and isinstance(k[0], type):
        return f"{k[0].__name__} {k[1]!r:.40}"
    if type(k) is _Ident:
        return f"{type(k.obj).__name__} object at {id(k.obj):#x}"
    return repr(k)[:60]


# -- the compiled function ---------------------------------------------------------------------

class _Concrete:
    """One traced signature: the forward plan, and (lazily) the joint forward/backward plans."""

    __slots__ = ("plan", "pack", "vars", "joint", "n_tensor_out", "captures", "deferred")

    def __init__(self) -> None:
        self.plan: Optional[Plan] = None
        self.pack: Optional[Callable] = None
        self.vars: list = []
        self.captures: list = []
        self.joint: Any = None
        # the joint trace whose backward is traced when its gradient is asked for: None (not
        # tried), "pending" (forward traced, backward not yet), "no" (use the joint trace)
        self.deferred: Optional[str] = None
        self.n_tensor_out = 0


def _fast_key(args: tuple) -> Optional[tuple]:
    """``(key, values)`` for calls whose arguments are all Tensors or non-0-d NumPy arrays (the key
    is each argument's type, shape and dtype), else None."""
    fkey = []
    vals = []
    for a in args:
        t = type(a)
        if t is Tensor:
            v = a._value
        elif t is np.ndarray and a.ndim and a.dtype.kind in "fiub":
            v = a
        else:
            return None
        if dispatch.DEVICE_TYPES and type(v) in dispatch.DEVICE_TYPES:    # a plan per device
            fkey.append((t, v.shape, v.dtype, _devices.device_of(v)))
        else:
            fkey.append((t, v.shape, v.dtype))
        vals.append(v)
    return tuple(fkey), vals


# tf.config.run_functions_eagerly: process-wide, as in TF (a debugging switch).
RUN_EAGERLY = [False]


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Make every ``tf.function`` run its Python function eagerly instead of its compiled plan
    (``tf.config.run_functions_eagerly``): for debugging with print statements and breakpoints.
    Values are the same either way; only speed differs. Process-wide, as in TF."""
    RUN_EAGERLY[0] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """Whether ``run_functions_eagerly(True)`` is in effect (``tf.config.functions_run_eagerly``)."""
    return RUN_EAGERLY[0]


class Function:
    """A compiled Python function (``tf.function``'s result).

    Calling it runs the compiled plan for the call's signature, tracing one first when the
    signature is new. ``python_function`` is the original; ``experimental_get_tracing_count()``
    counts traces; ``get_plan_source(*args)`` shows the generated code for a signature.
    """

    def __init__(self, fn: Callable, input_signature: Any = None, reduce_retracing: bool = False,
                 name: Optional[str] = None):
        self._python_function = fn
        self.input_signature = None if input_signature is None else list(input_signature)
        self._reduce_retracing = bool(reduce_retracing)
        self._cache: dict = {}
        self._relaxed: dict = {}
        self._fast: dict = {}     # positional Tensor/ndarray arguments only: (type, shape, dtype)s -> entry
        self._traces = 0
        self._last_trace_args: Optional[dict] = None
        self._warned_retrace = False
        self._eager_reason: Optional[str] = None
        self._name = name or getattr(fn, "__name__", "function")
        try:
            self._signature = inspect.signature(fn)
        except (TypeError, ValueError):
            self._signature = None
        # a method (first parameter ``self``): its input_signature describes the arguments after ``self``
        params = [] if self._signature is None else [
            p for p in self._signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self._takes_self = (self.input_signature is not None and bool(params) and params[0].name == "self"
                            and len(params) == len(self.input_signature) + 1)
        functools.update_wrapper(self, fn)

    # -- public helpers ------------------------------------------------------------------------
    @property
    def python_function(self) -> Callable:
        return self._python_function

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python function was traced (``Function.experimental_get_tracing_count``)."""
        return self._traces

    def get_plan_source(self, *args: Any, **kwargs: Any) -> Optional[str]:
        """The generated code of the forward plan for these arguments' signature (None if untraced)."""
        key, _ = self._key(args, kwargs)
        entry = self._cache.get(key)
        return None if entry is None or entry.plan is None else entry.plan.source

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        bound = functools.partial(self.__call__, instance)
        return bound

    def __repr__(self) -> str:
        return f"<gradtape.function {self._name}>"

    # -- calls ---------------------------------------------------------------------------------
    def _key(self, args: tuple, kwargs: dict) -> tuple:
        tensors: list = []
        if self.input_signature is not None:
            args = self._check_signature(args, kwargs)
            kwargs = {}
        key = (_sig(args, tensors), _sig(kwargs, tensors) if kwargs else None)
        return key, tensors

    def _check_signature(self, args: tuple, kwargs: dict) -> tuple:
        sig = self.input_signature
        if kwargs:
            if self._signature is None:
                raise TypeError(f"{self._name}: keyword arguments are not supported with input_signature.")
            bound = self._signature.bind(*args, **kwargs)
            args = tuple(bound.args)
        lead = ()
        if self._takes_self and len(args) == len(sig) + 1:
            lead, args = args[:1], args[1:]      # the instance of a method
        if len(args) != len(nest.flatten(sig)) and len(args) != len(sig):
            raise TypeError(f"{self._name}: expected {len(sig)} argument(s) matching input_signature "
                            f"{sig}, got {len(args)}.")
        flat_spec = nest.flatten(sig)
        flat_args = nest.flatten(list(args))
        if len(flat_spec) != len(flat_args):
            raise ValueError(f"{self._name}: the arguments' structure does not match input_signature "
                             f"{sig}: {len(flat_args)} values for {len(flat_spec)} TensorSpecs.")
        conv = []
        for i, (spec, a) in enumerate(zip(flat_spec, flat_args)):
            t = a if type(a) is Tensor else dispatch.convert_to_tensor(
                a, dtype=spec.dtype if not isinstance(a, (Tensor, np.ndarray)) else None)
            if t._value.dtype != _dtypes.to_numpy(spec.dtype) or not spec.shape.is_compatible_with(
                    t._value.shape):
                raise TypeError(
                    f"{self._name}: Python inputs incompatible with input_signature: argument {i} is "
                    f"Tensor(shape={list(t._value.shape)}, dtype={t.dtype.name}) but the signature "
                    f"expects {spec}.")
            conv.append(t)
        return lead + tuple(nest.pack_sequence_as(list(sig), conv))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if RUN_EAGERLY[0]:          # tf.config.run_functions_eagerly(True): the Python function runs
            return self._call_eager(args, kwargs)
        if dispatch.PLACING:        # inside tf.device: the arguments are copied to that device first
            args, kwargs = _devices.place_args((args, kwargs))
        if not kwargs and not ACTIVE and self._fast:   # the common case: tensors in, no tape
            fast = _fast_key(args)
            if fast is not None:
                entry = self._fast.get(fast[0])
                if entry is not None:
                    return entry.pack(entry.plan.run(*fast[1]))
        if self._eager_reason is not None or _current() is not None:
            return self._call_eager(args, kwargs)
        key, tensors = self._key(args, kwargs)
        if self.input_signature is not None:
            args, kwargs = self._check_signature(args, kwargs), {}
        entry = self._cache.get(key)
        if entry is None:
            if self._reduce_retracing and self._cache:
                rkey = _relax(key)
                if rkey in self._relaxed:   # a new shape for a signature traced before: no retrace
                    return self._call_eager(args, kwargs)
            result = self._trace_call(key, args, kwargs, tensors)
            if key in self._cache:
                self._register_fast(args, kwargs, self._cache[key])
            return result
        self._register_fast(args, kwargs, entry)
        if ACTIVE:
            if entry.captures and _captures_watched(entry.captures):
                # A tape watches a tensor the plan holds as a constant (a closure's tensor): the
                # gradient must reach it, so this call runs eagerly.
                return self._call_eager(args, kwargs)
            if _watched(tensors, entry.vars):
                return self._call_recorded(entry, key, args, kwargs, tensors)
        outs = entry.plan.run(*[t._value for t in tensors])
        return entry.pack(outs)

    def _call_eager(self, args: tuple, kwargs: dict) -> Any:
        """Run the Python function eagerly, with NumPy arguments converted to tensors (as a
        traced call receives them)."""
        if self.input_signature is not None:
            args, kwargs = self._check_signature(args, kwargs), {}
        tensors: list = []
        _sig((args, kwargs), tensors)
        args, kwargs = _rebuild((args, kwargs), iter(tensors))
        return _snapshot_variables(self._python_function(*args, **kwargs))

    def _register_fast(self, args: tuple, kwargs: dict, entry: _Concrete) -> None:
        """Let calls with this many positional Tensor/ndarray arguments skip the general key."""
        if kwargs or self.input_signature is not None or entry.plan is None:
            return
        fast = _fast_key(args)
        if fast is not None:
            self._fast[fast[0]] = entry

    # -- tracing -------------------------------------------------------------------------------
    def _note_retrace(self, key: tuple, args: tuple, kwargs: dict) -> None:
        self._traces += 1
        if self._reduce_retracing:
            self._relaxed[_relax(key)] = True
        per_arg = self._per_arg_keys(args, kwargs)
        prev, self._last_trace_args = self._last_trace_args, per_arg
        if self._traces < RETRACE_WARN_AFTER or self._warned_retrace or prev is None:
            return
        if self.input_signature is not None:
            return
        changed = [n for n in per_arg if n not in prev or prev[n] != per_arg[n]]
        self._warned_retrace = True
        detail = "; ".join(f"argument {n!r} changed from {_describe_key(prev.get(n))} to "
                           f"{_describe_key(per_arg[n])}" for n in changed[:3]) or "the arguments changed"
        warnings.warn(
            f"{self._traces} calls to {self._name} triggered retracing: {detail}. Tracing is "
            "expensive. Pass tensors instead of Python numbers for values that change, fix the "
            "shapes (or use input_signature / reduce_retracing=True), and define the function once "
            "outside loops.", RuntimeWarning, stacklevel=4)

    def _per_arg_keys(self, args: tuple, kwargs: dict) -> dict:
        try:
            bound = self._signature.bind(*args, **kwargs).arguments if self._signature else None
        except TypeError:
            bound = None
        if bound is None:
            bound = {f"arg{i}": a for i, a in enumerate(args)}
            bound.update(kwargs)
        return {n: _sig(v, []) for n, v in bound.items()}

    def _run_traced(self, trace: _Trace, args: tuple, kwargs: dict, tensors: list,
                    extra: Optional[Callable] = None, fn: Optional[Callable] = None) -> tuple:
        """Run the Python function once with ``trace`` recording; returns (result, inputs)."""
        from .ops.shape import identity
        seen: set = set()
        inputs = []
        for t in tensors:
            if id(t) in seen:
                # The same tensor passed twice: its own slot, connected to the original on the
                # active tapes (an identity they record), so both uses get their gradient.
                t = identity(t)
            seen.add(id(t))
            inputs.append(t)
        for t in inputs:
            trace.add_input(t)
        trace.inputs = inputs
        call_args = _rebuild((args, kwargs), iter(inputs))
        with _recording(trace):
            result = _snapshot_variables((fn or self._python_function)(*call_args[0], **call_args[1]))
            if extra is not None:
                result = extra(result)
        return result, inputs

    def _fallback(self, reason: str) -> None:
        self._eager_reason = reason
        warnings.warn(f"function {self._name} could not be compiled and runs eagerly from now on: "
                      f"{reason}. Results are correct; to compile it, use tensor ops (tf.where, "
                      "tf.cond-free arithmetic) instead of Python branches on tensor values.",
                      RuntimeWarning, stacklevel=4)

    def _trace_call(self, key: tuple, args: tuple, kwargs: dict, tensors: list) -> Any:
        self._note_retrace(key, args, kwargs)
        trace = _Trace()
        result, inputs = self._run_traced(trace, args, kwargs, tensors)
        if trace.problem is not None:
            self._fallback(trace.problem)
            return result
        flat = nest.flatten(result)
        out_refs, template = _output_refs(trace, flat)
        if trace.problem is not None:
            self._fallback(trace.problem)
            return result
        entry = _Concrete()
        entry.plan = compile_plan(trace, trace.nodes, list(range(len(inputs))), out_refs,
                                  name=_ident(self._name))
        entry.pack = _packer(result, template)
        entry.vars = list(trace.vars.values())
        entry.captures = list(trace.captures.values())
        self._cache[key] = entry
        return result

    # -- recorded calls (inside a GradientTape) ------------------------------------------------
    def _call_recorded(self, entry: _Concrete, key: tuple, args: tuple, kwargs: dict,
                       tensors: list) -> Any:
        if entry.joint is None:
            if entry.deferred is None and _can_defer(tensors):
                return self._trace_deferred(entry, args, kwargs, tensors)
            return self._trace_joint(entry, args, kwargs, tensors)
        joint = entry.joint
        vals = joint.forward.run(*[t._value for t in tensors])
        nout = joint.n_out
        outs = vals[:nout]
        saved = vals[nout:]
        out_tensors = []
        for v in outs:
            t = _new(Tensor)
            t._value = v
            out_tensors.append(t)
        _record_call(joint, tensors, out_tensors, saved)
        return joint.pack(tuple(out_tensors))

    def _trace_deferred(self, entry: _Concrete, args: tuple, kwargs: dict, tensors: list) -> Any:
        """The joint trace when one non-persistent tape records the call (``_can_defer``).

        The forward is traced with a tape of the trace's own recording it (which releases what
        no gradient rule reads, as eager), and the call is recorded on the outer tape as one op.
        When that tape's gradient reaches the op (once, consuming it), the backward is traced
        with the upstream gradient as its seed, and the forward and backward plans are compiled
        from the two traces. So the call costs eager's memory and computes its gradient once
        (the joint trace runs the gradient while the forward's values are all alive, and its
        result is thrown away). When the backward cannot be traced there (another tape records
        it, a gradient for several outputs, another thread, a non-consuming pass such as a
        Jacobian's), it runs eagerly from the forward's records, and the next call traces jointly.
        """
        from .tape import GradientTape
        outer = list(ACTIVE)
        trace = _Trace()
        gt = GradientTape(persistent=True, watch_accessed_variables=False)

        def body(*a: Any, **k: Any) -> Any:
            saved = list(ACTIVE.current())
            ACTIVE[:] = [x for x in saved if x not in outer]   # the outer tape records one op
            gt.__enter__()
            try:
                _watch_traced(gt, trace)
                return self._python_function(*a, **k)
            finally:
                trace.on_read = None
                if gt._recording:
                    gt._pop()
                ACTIVE[:] = saved

        entry.deferred = "pending"
        result, inputs = self._run_traced(trace, args, kwargs, tensors, fn=body)
        tensor_outs = [t for t in nest.flatten(result) if type(t) is Tensor]
        target_pos = [i for i, t in enumerate(tensor_outs)
                      if t._value.dtype.kind in "fc" and trace.is_derived(t)]
        variables = [v for v in trace.vars.values() if v._value.dtype.kind in "fc"]
        if trace.problem is not None:
            self._fallback(trace.problem)
        if trace.problem is not None or len(target_pos) != 1:
            entry.deferred = "no"
        if not target_pos:
            return result
        sources = list(inputs) + variables
        for tape in outer:
            if tape._watch_accessed_variables:
                for var in variables:
                    if id(var) not in tape._ids and var._trainable:
                        tape._watch_variable(var)
        box = [gt]
        fn = self

        def vjp(g: Any, ans: Any, *xs: Any) -> tuple:
            from .tape import BACKWARD, _dense
            gs = g if type(g) is tuple else (g,)
            present = [i for i in target_pos if gs[i] is not None]
            tape = box[0]
            if not present:
                return (None,) * len(xs)
            if tape is None:
                raise RuntimeError(f"function {fn._name}: the values saved for this call's gradient "
                                   "were released after its gradient was computed once "
                                   "(non-persistent tape).")
            ups = [gs[i] if type(gs[i]) is Tensor else _dense(gs[i]) for i in present]
            if BACKWARD.consuming:      # this pass is the record's last use: free as it goes
                box[0] = None
                tape._persistent = False
                if (entry.deferred == "pending" and entry.joint is None and fn._eager_reason is None
                        and threading.get_ident() == trace.tid and not ACTIVE.current()
                        and _current() is None):
                    entry.deferred = "no"
                    return tuple(fn._trace_backward(entry, trace, tape, inputs, result, tensor_outs,
                                                    ups[0], target_pos, variables))
            if entry.deferred == "pending":
                entry.deferred = "no"
            grads = tape.gradient([tensor_outs[i] for i in present], sources, output_gradients=ups)
            return tuple(g if g is None or type(g) is Tensor else dispatch.convert_to_tensor(g)
                         for g in grads)

        op = _unregistered_op(f"function:{self._name}", vjp, len(tensor_outs),
                              f"The compiled function {self._name}, recorded as one op.")
        # the call returns new tensors (as a compiled call does): an output may be an input or
        # a tensor made before the call, which the op must not claim as its own
        outs = []
        for t in tensor_outs:
            o = _new(Tensor)
            o._value = t._value
            outs.append(o)
        dispatch.record(op, tuple(tensors) + tuple(variables), tuple(outs) if len(outs) != 1 else outs[0],
                        None)
        return _tensor_packer(result)(tuple(outs))

    def _trace_backward(self, entry: _Concrete, trace: _Trace, gt: Any, inputs: list, result: Any,
                        tensor_outs: list, up: Tensor, target_pos: list, variables: list) -> list:
        """The deferred half of ``_trace_deferred``: run ``gt``'s gradient (consuming it) with
        ``trace`` recording, seeded with the upstream gradient ``up``; compile the joint plans."""
        seed = _new(Tensor)
        seed._value = up._value
        trace.add_input(seed)
        sources = list(inputs) + variables
        with _recording(trace):
            grads = gt.gradient([tensor_outs[target_pos[0]]], sources, output_gradients=[seed])
            grads = [g if g is None or type(g) is Tensor else dispatch.convert_to_tensor(g)
                     for g in grads]
        if trace.problem is not None:
            self._fallback(trace.problem)
        else:
            self._build_joint(entry, trace, inputs, result, tensor_outs, [seed], grads, target_pos,
                              variables, None)
        return grads

    def _trace_joint(self, entry: _Concrete, args: tuple, kwargs: dict, tensors: list) -> Any:
        """Trace forward + gradient together; this call's result is recorded on the outer tapes."""
        from .tape import GradientTape
        outer = list(ACTIVE)
        trace = _Trace()
        state: dict = {}

        def with_gradient(result: Any) -> Any:
            gt = state["gt"]
            gt._pop() if gt._recording else None
            trace.on_read = None
            flat = nest.flatten(result)
            tensor_outs = [t for t in flat if type(t) is Tensor]
            target_pos = [i for i, t in enumerate(tensor_outs)
                          if t._value.dtype.kind in "fc" and trace.is_derived(t)]
            seeds = []
            for i in target_pos:
                v = tensor_outs[i]._value
                s = _new(Tensor)
                s._value = np.ones_like(v)[()] if np.ndim(v) == 0 else np.ones_like(v)
                trace.add_input(s)
                seeds.append(s)
            state["seeds"] = seeds
            state["target_pos"] = target_pos
            variables = [v for v in trace.vars.values() if v._value.dtype.kind in "fc"]
            state["vars"] = variables
            sources = list(trace.inputs) + variables
            saved = list(ACTIVE)
            ACTIVE[:] = [a for a in ACTIVE if a not in outer]     # outer tapes do not see the backward
            try:
                if target_pos:
                    grads = gt.gradient([tensor_outs[i] for i in target_pos], sources,
                                        output_gradients=seeds)
                    grads = [g if g is None or type(g) is Tensor else dispatch.convert_to_tensor(g)
                             for g in grads]
                    if len(target_pos) > 1:
                        # which inputs each output reaches (a gradient is None where it does not,
                        # as eager gives it); computed unrecorded
                        trace.quiet += 1
                        try:
                            state["deps"] = [
                                tuple(g is not None for g in gt.gradient(
                                    tensor_outs[i], sources, output_gradients=seeds[k]))
                                for k, i in enumerate(target_pos)]
                        finally:
                            trace.quiet -= 1
                else:
                    grads = [None] * len(sources)
            finally:
                ACTIVE[:] = saved
            state["grads"] = grads
            return result

        def body(*a: Any, **k: Any) -> Any:
            gt = GradientTape(persistent=True, watch_accessed_variables=False)
            state["gt"] = gt
            gt.__enter__()
            try:
                _watch_traced(gt, trace)
                return self._python_function(*a, **k)
            except BaseException:
                trace.on_read = None
                if gt._recording:
                    gt._pop()
                raise

        result, inputs = self._run_traced(trace, args, kwargs, tensors, extra=with_gradient, fn=body)
        if trace.problem is not None:
            self._fallback(trace.problem)
            return result
        tensor_outs = [t for t in nest.flatten(result) if type(t) is Tensor]
        self._build_joint(entry, trace, inputs, result, tensor_outs, state["seeds"],
                          state["grads"], state["target_pos"], state["vars"], state.get("deps"))
        return result

    def _build_joint(self, entry: _Concrete, trace: _Trace, inputs: list, result: Any,
                     tensor_outs: list, seeds: list, grads: list, target_pos: list,
                     variables: list, deps: Optional[list]) -> bool:
        """Compile the forward and backward plans of a joint trace into ``entry.joint`` (False,
        with a fallback to eager execution, when the trace cannot be compiled)."""
        n_in = len(inputs)
        seed_slots = [trace.slot(s) for s in seeds]
        grad_refs = [None if g is None else trace.ref(g) for g in grads]
        out_refs = [trace.ref(t) for t in tensor_outs]
        if trace.problem is not None:
            self._fallback(trace.problem)
            return False
        # split: nodes that depend on a seed form the backward plan
        seedy = set(seed_slots)
        fwd_nodes, bwd_nodes = [], []
        for node in trace.nodes:
            if node[0] == "op" and any(r[0] == "s" and r[1] in seedy for r in node[2]):
                seedy.update(node[3])
                bwd_nodes.append(node)
            elif node[0] == "rand" and any(r[0] == "s" and r[1] in seedy for r in node[3]):
                self._fallback("a random op draws in the gradient computation")
                return False
            else:
                fwd_nodes.append(node)
        residual = sorted({r[1] for n in bwd_nodes for r in n[2] if r[0] == "s" and r[1] not in seedy
                           and trace.derived[r[1]]}
                          | {r[1] for r in grad_refs if r is not None and r[0] == "s"
                             and r[1] not in seedy and trace.derived[r[1]]})
        # values a recorded backward (higher order) replays from: variable reads, random draws
        replay_slots = [n[2] for n in fwd_nodes if n[0] == "read"] + \
                       [n[4] for n in fwd_nodes if n[0] == "rand"]
        saved = residual + [s for s in replay_slots if s not in residual]
        fplan = compile_plan(trace, fwd_nodes, list(range(n_in)),
                             out_refs + [("s", s) for s in saved], name="forward",
                             protect=tuple(saved))
        bplan = compile_plan(trace, bwd_nodes, residual + seed_slots, grad_refs, name="backward",
                             owned_inputs=True)
        joint = _Joint()
        joint.forward, joint.backward, joint.n_out = fplan, bplan, len(out_refs)
        joint.n_residual = len(residual)
        joint.target_pos = target_pos
        joint.deps = deps
        joint.vars = variables
        joint.n_inputs = n_in
        joint.fn = self
        joint.pack = _tensor_packer(result)
        joint.op = _function_op(self._name, joint)
        # what the higher-order replay needs: the traced nodes, their constants, and where the
        # saved values go
        joint.nodes = [n for n in trace.nodes if n[0] in ("op", "read", "rand")]
        joint.in_slots = list(range(n_in))
        joint.seed_slots = seed_slots
        joint.saved_slots = saved
        joint.grad_refs = grad_refs
        joint.derived = trace.derived
        consts = {}
        for n in joint.nodes:
            if n[0] == "op":
                for r in n[2]:
                    if r[0] == "s" and not trace.derived[r[1]]:
                        consts[r[1]] = trace.values[r[1]]
        for r in grad_refs:
            if r is not None and r[0] == "s" and not trace.derived[r[1]]:
                consts[r[1]] = trace.values[r[1]]
        joint.customs = trace.customs
        for c in trace.customs.values():
            for r in list(c.src_refs) + list(c.arg_refs) + (
                    [x for x in c.capture[0] + c.capture[1] if x is not None] if c.capture else []):
                if r[0] == "s" and not trace.derived[r[1]]:
                    consts[r[1]] = trace.values[r[1]]
        joint.consts = consts
        # what a backward for a subset of the outputs needs (some outputs get no gradient)
        joint.fwd_replay = [n for n in fwd_nodes if n[0] in ("op", "read", "rand")]
        joint.bwd_nodes = bwd_nodes
        joint.residual = residual
        joint.seedy = seedy
        joint.shapes = {s: trace.meta[s][1:] for s in seedy}
        joint.masked = {}
        entry.joint = joint
        return True


class _Joint:
    __slots__ = ("forward", "backward", "n_out", "n_residual", "target_pos", "vars", "n_inputs",
                 "fn", "pack", "op", "nodes", "in_slots", "seed_slots", "saved_slots", "grad_refs",
                 "derived", "consts", "deps", "fwd_replay", "bwd_nodes", "residual", "seedy",
                 "shapes", "masked", "customs")


class _CallOp(Op):
    """The op a compiled call is recorded as: its rule takes None for an output that no
    gradient target reaches (the tape passes None instead of zeros), so the backward runs once,
    for the outputs that have a gradient, as eager does."""

    __slots__ = ()
    none_cotangents = True


def _unregistered_op(name: str, vjp: Any, num_outputs: int, doc: str, cls: type = None) -> Op:
    """An Op object that is not added to ``registry.REGISTRY`` (one per compiled function call).

    Every slot is first copied from a registered op (so slots added to Op later get a value), then
    set: a general (broadcasting, multi-input) op without a forward of its own.
    """
    op = _new(cls or _CallOp)
    template = dispatch.READ
    for cls in type(template).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot != "__weakref__" and hasattr(template, slot):
                setattr(op, slot, getattr(template, slot))
    op.name, op.forward, op.vjp, op.jvp = name, None, vjp, None
    op.num_outputs, op.kinds, op.doc = num_outputs, "fciub", doc
    if hasattr(op, "broadcasts"):
        op.broadcasts = True
    return op


def _function_op(name: str, joint: _Joint) -> Op:
    """A per-function Op (not registered in REGISTRY) describing the compiled function."""
    return _unregistered_op(f"function:{name}", None, joint.n_out,
                            f"The compiled function {name}, recorded as one op.")


def _record_call(joint: _Joint, tensors: list, outs: list, saved: tuple) -> None:
    """Record one op for the call on every active tape that watches an input or a variable.

    Its rule runs the backward plan once with every output's gradient, as eager runs one backward
    pass over the summed gradients (one backward per output, added, rounds differently). Outputs
    that no target reaches get None from the tape: the backward for the others is derived from the
    traced one without their contributions, and an input that only they reach gets None, as eager.
    """
    for tape in ACTIVE:
        if tape._watch_accessed_variables:
            ids = tape._ids
            for var in joint.vars:
                if id(var) not in ids and var._trainable:
                    tape._watch_variable(var)
    inputs = tuple(tensors) + tuple(joint.vars)
    # The saved values, released to the backward plan when one non-persistent tape consumes
    # this record (it is never asked again), so each is freed after its last use there.
    box = [saved]
    n_tapes = sum(1 for tape in ACTIVE if any(id(x) in tape._ids for x in inputs))
    del saved

    def vjp(g: Any, ans: Any, *xs: Any) -> tuple:
        from .tape import BACKWARD
        gs = g if type(g) is tuple else (g,)
        saved = box[0]
        if saved is None:
            raise RuntimeError(f"{joint.op.name}: the values saved for this call's gradient were "
                               "released after its gradient was computed once (non-persistent tape).")
        present = tuple(gs[p] is not None for p in joint.target_pos)
        if not any(present):
            return (None,) * len(xs)
        everything = all(present)
        if ACTIVE and _records_backward(xs, gs, joint.vars):
            # A tape records the backward pass (higher order): replay the traced forward and
            # backward ops one by one, so that the tape records them. Python does not run again.
            res = list(_replay_vjp(joint, xs, saved, gs, present))
        else:
            seeds = [gs[p]._value for p, on in zip(joint.target_pos, present) if on]
            if everything and n_tapes == 1 and BACKWARD.consuming:
                args = list(saved[:joint.n_residual])
                box[0] = saved = None
                args.extend(seeds)
                vals = joint.backward.run_owned(args)
            else:
                plan = joint.backward if everything else _masked(joint, present).plan
                vals = plan.run(*saved[:joint.n_residual], *seeds)
            res = []
            for v in vals:
                if v is None:
                    res.append(None)
                else:
                    t = _new(Tensor)
                    t._value = v
                    res.append(t)
        if not everything:
            _connect(joint, present, res, xs)
        return tuple(res)

    op = _unregistered_op(joint.op.name, vjp, len(outs), joint.op.doc)
    out = tuple(outs) if len(outs) != 1 else outs[0]
    dispatch.record(op, inputs, out, None)


class _Masked:
    """The backward of a compiled call for a subset of its outputs (the others get no gradient)."""

    __slots__ = ("nodes", "grad_refs", "seed_slots", "plan")


class _StubTrace:
    """What ``compile_plan`` reads of a trace, rebuilt from a joint plan (constants only)."""

    def __init__(self, joint: _Joint):
        self.values = [None] * len(joint.derived)
        for s, v in joint.consts.items():
            self.values[s] = v
        self.meta = [None] * len(joint.derived)
        for s, v in joint.consts.items():
            self.meta[s] = _meta_of(v)
        self.opinfo: dict = {}
        self.dup: set = set()
        self.derived = joint.derived
        self.init_slots: set = set()
        self.vars: dict = {}


def _masked(joint: _Joint, present: tuple) -> _Masked:
    """The traced backward without the contributions of the outputs that get no gradient: an op
    whose gradient inputs all come from those outputs is dropped (eager never runs it); an ``add``
    of a dropped and a kept gradient is the kept one; elsewhere (a rule that combines several
    outputs' gradients) the dropped gradient is zeros, as the eager tape passes zeros there."""
    m = joint.masked.get(present)
    if m is not None:
        return m
    absent = {s for s, on in zip(joint.seed_slots, present) if not on}
    alias: dict = {}
    nodes = []
    shapes = joint.shapes
    for node in joint.bwd_nodes:
        _, op, ins, outs, attrs, multi = node
        ins = [("s", alias.get(r[1], r[1])) if r[0] == "s" else r for r in ins]
        gone = [r[0] == "s" and r[1] in absent for r in ins]
        if any(gone):
            kept = [r for r, x in zip(ins, gone) if not x and r[0] == "s" and r[1] in joint.seedy]
            if not kept:
                absent.update(outs)
                continue
            if op.name == "add" and len(ins) == 2 and not multi and len(kept) == 1 \
                    and shapes.get(kept[0][1]) == shapes.get(outs[0]):
                alias[outs[0]] = kept[0][1]
                continue
            ins = [("c", np.zeros(*shapes[r[1]])) if x else r for r, x in zip(ins, gone)]
        nodes.append(("op", op, ins, outs, attrs, multi))
    grad_refs = []
    for r in joint.grad_refs:
        if r is not None and r[0] == "s":
            s = alias.get(r[1], r[1])
            r = None if s in absent else ("s", s)
        grad_refs.append(r)
    m = _Masked()
    m.nodes, m.grad_refs = nodes, grad_refs
    m.seed_slots = [s for s, on in zip(joint.seed_slots, present) if on]
    m.plan = compile_plan(_StubTrace(joint), nodes, list(joint.residual) + m.seed_slots, grad_refs,
                          name="backward")
    joint.masked[present] = m
    return m


def _connect(joint: _Joint, present: tuple, res: list, xs: tuple) -> None:
    """None for the inputs that no output with a gradient reaches (as eager gives), zeros for a
    reached input whose gradient the pruned backward dropped."""
    if joint.deps is None:
        reached = [r is not None for r in joint.grad_refs]
    else:
        reached = [any(d[i] for d, on in zip(joint.deps, present) if on)
                   for i in range(len(joint.grad_refs))]
    for i, x in enumerate(xs):
        if not reached[i]:
            res[i] = None
        elif res[i] is None:
            t = _new(Tensor)
            t._value = np.zeros_like(x._value)
            res[i] = t


def _records_backward(xs: tuple, gs: tuple, variables: list) -> bool:
    """True when an active tape would record an op of the backward pass."""
    for tape in ACTIVE:
        ids = tape._ids
        for x in xs:
            if id(x) in ids:
                return True
        for g in gs:
            if id(g) in ids:
                return True
        if tape._watch_accessed_variables:
            for v in variables:
                if v._trainable:
                    return True
    return False


def _replay_vjp(joint: _Joint, xs: tuple, saved: tuple, gs: tuple,
                present: Optional[tuple] = None) -> tuple:
    """The gradient of one compiled call, computed by replaying the traced forward and backward
    ops through ``dispatch.apply`` (recorded by the active tapes), from this call's inputs, its
    saved variable reads and random draws, and the upstream gradients."""
    from .tape import _dense
    n_in = joint.n_inputs
    env: dict = {}
    for s, x in zip(joint.in_slots, xs[:n_in]):
        env[s] = x
    saved_of = dict(zip(joint.saved_slots, saved))
    nodes, grad_refs = joint.nodes, joint.grad_refs
    if present is not None and not all(present):
        m = _masked(joint, present)
        nodes, grad_refs = joint.fwd_replay + m.nodes, m.grad_refs
    for p, s in zip(joint.target_pos, joint.seed_slots):
        g = gs[p]
        if g is not None:
            env[s] = g if type(g) is Tensor else _dense(g)
    consts = joint.consts
    derived = joint.derived
    customs = joint.customs

    def val(ref: Any, env: dict = env) -> Any:
        k, v = ref
        if k == "c":
            return v
        t = env.get(v)
        if t is None:
            t = _new(Tensor)
            t._value = consts[v] if not derived[v] else saved_of[v]
            env[v] = t
        return t

    def run(nodes: list, env: dict) -> None:
        done: set = set()
        for node in nodes:
            kind = node[0]
            if kind == "read":
                _, var, s = node
                t = _new(Tensor)
                t._value = saved_of[s]
                vid = id(var)
                for tape in ACTIVE:
                    ids = tape._ids
                    if vid not in ids:
                        if not (tape._watch_accessed_variables and var._trainable):
                            continue
                        tape._watch_variable(var)
                    tape._records.append((dispatch.READ, (var,), t, None))
                    ids.add(id(t))
                env[s] = t
            elif kind == "rand":
                t = _new(Tensor)
                t._value = saved_of[node[4]]
                env[node[4]] = t
            elif kind == "op":
                _, op, ins, outs, attrs, multi = node[:6]
                c = customs.get(outs[0]) if customs else None
                if c is not None:
                    # the outputs of a custom_gradient: recorded with its traced gradient
                    if id(c) not in done:
                        done.add(id(c))
                        replay_custom(c, env)
                    continue
                out = dispatch.apply(op, tuple(val(r, env) for r in ins), attrs)
                if type(out) is tuple:
                    for o, t in zip(outs, out):
                        env[o] = t
                else:
                    env[outs[0]] = out

    def replay_custom(c: "_CustomCall", env: dict) -> None:
        outs = []
        for s, r in zip(c.out_slots, c.src_refs):
            t = _new(Tensor)
            t._value = val(r, env)._value if r[0] == "s" else dispatch.convert_to_tensor(r[1])._value
            env[s] = t
            outs.append(t)
        args = [val(r, env) if r[0] == "s" else dispatch.convert_to_tensor(r[1]) for r in c.arg_refs]

        def vjp(g: Any, ans: Any, *xs: Any) -> tuple:
            if c.capture is None:
                raise NotImplementedError(
                    f"function: the gradient of custom_gradient {c.name!r} inside a compiled call "
                    "is needed for a higher-order gradient along a path the traced gradient did "
                    "not take; run the function eagerly (tf.config.run_functions_eagerly(True)).")
            ups, res_refs, sub = c.capture
            gs = g if type(g) is tuple else (g,)
            lenv = dict(env)
            for r, gi in zip(ups, gs):
                if r is not None and r[0] == "s":
                    lenv[r[1]] = gi if type(gi) is Tensor else _dense(gi)
            run(sub, lenv)
            return tuple(None if r is None else val(r, lenv) if r[0] == "s"
                         else dispatch.convert_to_tensor(r[1]) for r in res_refs)

        op = _unregistered_op(f"custom_gradient:{c.name}", vjp, len(outs),
                              "A custom_gradient inside a compiled call (replayed).", cls=Op)
        dispatch.record(op, tuple(args) + tuple(c.vars), outs[0] if len(outs) == 1 else tuple(outs),
                        None)

    run(nodes, env)
    res = []
    for r in grad_refs:
        if r is None:
            res.append(None)
        elif r[0] == "c":
            res.append(dispatch.convert_to_tensor(r[1]))
        else:
            res.append(val(r))
    return tuple(res)


def _can_defer(tensors: list) -> bool:
    """Whether a call's joint trace may trace its backward when its gradient is computed: one
    non-persistent GradientTape records it, and no tensor is passed twice."""
    from .tape import GradientTape
    stack = ACTIVE.current()
    if len(stack) != 1:
        return False
    tape = stack[0]
    if type(tape) is not GradientTape or tape._persistent or tape._pending is None:
        return False
    return len({id(t) for t in tensors}) == len(tensors)


def _captures_watched(captures: list) -> bool:
    for tape in ACTIVE:
        ids = tape._ids
        if type(ids) is _AllIds:
            continue
        for t in captures:
            if id(t) in ids:
                return True
    return False


def _watched(tensors: list, variables: list) -> bool:
    for tape in ACTIVE:
        ids = tape._ids
        for t in tensors:
            if id(t) in ids:
                return True
        for v in variables:
            if id(v) in ids or (tape._watch_accessed_variables and v._trainable):
                return True
    return False


def _relax(key: tuple) -> Any:
    def r(k: Any) -> Any:
        if type(k) is tuple and len(k) == 2 and type(k[0]) is tuple and isinstance(k[1], np.dtype):
            return (len(k[0]), k[1])
        if type(k) is tuple and len(k) == 2 and k[0] in (tuple, list, dict):
            return (k[0], tuple(r(v) for v in k[1]))
        if type(k) is tuple:
            return tuple(r(v) for v in k)
        return k
    return r(key)


def _ident(name: str) -> str:
    s = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
    return s if s and not s[0].isdigit() else "f_" + s


def _output_refs(trace: _Trace, flat: list) -> tuple:
    refs, template = [], []
    for leaf in flat:
        if type(leaf) is Tensor:
            template.append(len(refs))
            refs.append(trace.ref(leaf))
        else:
            template.append(("const", leaf))
    return refs, template


def _snapshot_variables(result: Any) -> Any:
    """A Variable returned by a function comes back as its value at that call (TF returns a tensor,
    not the Variable: later writes must not change what an earlier call returned)."""
    if hasattr(type(result), "_gt_read"):
        return result.read_value()
    if isinstance(result, (list, tuple, dict)):
        flat = nest.flatten(result)
        if any(hasattr(type(x), "_gt_read") for x in flat):
            return nest.pack_sequence_as(result, [x.read_value() if hasattr(type(x), "_gt_read") else x
                                                  for x in flat])
    return result


def _skeleton(result: Any) -> Any:
    """``result`` with its tensors replaced by None (the structure, without keeping values alive)."""
    if isinstance(result, (list, tuple, dict)):
        return nest.pack_sequence_as(result, [None if type(x) is Tensor else x
                                              for x in nest.flatten(result)])
    return None if type(result) is Tensor else result


def _packer(result: Any, template: list) -> Callable:
    """Build ``pack(values) -> result structure`` for the plan's output tuple."""
    if type(result) is Tensor:
        def pack_one(vals: tuple) -> Tensor:
            t = _new(Tensor)
            t._value = vals[0]
            return t
        return pack_one
    if result is None:
        return lambda vals: None
    result = _skeleton(result)

    def pack(vals: tuple) -> Any:
        leaves = []
        for tp in template:
            if type(tp) is int:
                t = _new(Tensor)
                t._value = vals[tp]
                leaves.append(t)
            else:
                leaves.append(tp[1])
        return nest.pack_sequence_as(result, leaves)
    return pack


def _tensor_packer(result: Any) -> Callable:
    """``pack(out_tensors) -> result structure`` (non-tensor leaves kept as traced)."""
    if type(result) is Tensor:
        return lambda outs: outs[0]
    is_t = [type(x) is Tensor for x in nest.flatten(result)]
    result = _skeleton(result)
    flat = nest.flatten(result)

    def pack(outs: tuple) -> Any:
        it = iter(outs)
        return nest.pack_sequence_as(result, [next(it) if t else x for t, x in zip(is_t, flat)])
    return pack


def function(func: Optional[Callable] = None, input_signature: Any = None, autograph: bool = True,
             jit_compile: Any = None, reduce_retracing: bool = False, experimental_implements: Any = None,
             experimental_autograph_options: Any = None, experimental_attributes: Any = None,
             experimental_relax_shapes: Any = None, experimental_compile: Any = None,
             experimental_follow_type_hints: Any = None) -> Any:
    """Compile ``func`` into a traced NumPy plan (``tf.function``); ``@function`` or ``@function(...)``.

    ``input_signature`` (a list of :class:`TensorSpec`) fixes the accepted shapes and dtypes (``None``
    dimensions accept any size) and rejects other inputs with TypeError, as TF does.
    ``reduce_retracing=True`` (alias ``experimental_relax_shapes``) runs calls whose tensor shapes
    differ from an already traced signature eagerly instead of tracing again. ``autograph`` and
    ``jit_compile`` are accepted and ignored (there is no graph language to convert to).
    """
    rr = bool(reduce_retracing or experimental_relax_shapes)
    if input_signature is not None:
        for spec in nest.flatten(list(input_signature)):
            if not isinstance(spec, TensorSpec):
                raise TypeError(f"input_signature must be a possibly nested sequence of TensorSpec "
                                f"objects, got {spec!r}.")

    def deco(fn: Callable) -> Function:
        if isinstance(fn, Function):
            return fn
        return Function(fn, input_signature=input_signature, reduce_retracing=rr)

    return deco if func is None else deco(func)


__all__ = ["function", "Function", "TensorSpec", "Plan", "compile_plan"]


def _install_draw_hook() -> None:
    from .ops import random as _random_ops
    _random_ops._DRAW_HOOK[0] = _draw_hook


_install_draw_hook()
