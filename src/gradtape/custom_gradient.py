"""User-defined gradients: ``custom_gradient``, ``grad_pass_through`` and ``recompute_grad``.

``@custom_gradient`` mirrors ``tf.custom_gradient`` in eager mode: the decorated ``f(*x)``
returns ``(y, grad_fn)``; the ops inside ``f`` are recorded as usual (as TF records them: an
outer tape differentiates ``grad_fn``'s use of ``f``'s intermediates), and the outputs are new
tensors with one record on every active tape (and forward accumulator) whose inputs are the
arguments plus the Variables ``f`` read, and whose gradient rule calls ``grad_fn(*upstream)`` (or
``grad_fn(*upstream, variables=...)`` returning ``(input_grads, variable_grads)`` when ``f`` read
Variables). ``grad_fn`` runs during the backward pass with the tapes recording, so it is
differentiated again by outer tapes when it is written with gradtape ops.

Under ``tf.function`` the outputs are identities of ``f``'s results for the tracer (so the
compiled plan computes them), and the record with ``grad_fn`` goes to the gradient tapes only: the
compiled backward is ``grad_fn``'s ops, traced once per signature.

``recompute_grad(f)`` keeps no intermediate of ``f`` alive: the forward runs unrecorded and the
backward pass runs ``f`` again under a fresh tape (gradient checkpointing).
"""
from __future__ import annotations

import functools
import inspect
import itertools
from typing import Any, Callable

from . import dispatch
from . import nest
from .dispatch import ACTIVE, convert_to_tensor
from .registry import Op, REGISTRY
from .tensor import Tensor

_new = object.__new__


class _Discard(list):
    """A records list that keeps nothing (the variable watcher records no ops)."""

    __slots__ = ()

    def append(self, item: Any) -> None:  # noqa: D401
        return None


class _VariableWatcher:
    """A pseudo-tape put in ``dispatch.ACTIVE`` that notes which trainable Variables are read
    (TF's ``VariableWatcher``) and records nothing else."""

    def __init__(self) -> None:
        self._ids: set = set()
        self._records = _Discard()
        self._watch_accessed_variables = True
        self._persistent = False
        self.variables: dict = {}

    def _watch_variable(self, var: Any) -> None:
        self._ids.add(id(var))
        self.variables[id(var)] = var


class _suspend_recording:
    """Run a block with every tape of this thread replaced by ``watcher`` (or by nothing); other
    threads' tapes are theirs (``dispatch.ACTIVE`` is per thread). ``keep`` (a predicate) keeps
    the tapes it accepts, ``add`` keeps all of them and adds ``watcher``."""

    def __init__(self, watcher: Any = None, keep: Any = None, add: bool = False):
        self.watcher = watcher
        self.keep = keep
        self.add = add

    def __enter__(self) -> list:
        self.saved = list(ACTIVE)
        kept = list(self.saved) if self.add else [t for t in self.saved if self.keep(t)] \
            if self.keep is not None else []
        ACTIVE[:] = kept + ([self.watcher] if self.watcher is not None else [])
        return self.saved

    def __exit__(self, *exc: Any) -> None:
        ACTIVE[:] = self.saved


def _accepts_variables(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    for p in sig.parameters.values():
        if p.name == "variables" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            return True
        if p.kind is p.VAR_KEYWORD:
            return True
    return False


_OP_COUNTER = itertools.count()


def _make_op(name: str, vjp: Callable[..., Any], num_outputs: int) -> Op:
    """A one-off, unregistered Op carrying a closure as its gradient rule (built by Op's own
    constructor, so every slot gets its default, then removed from the registry)."""
    key = f"__custom_gradient_{next(_OP_COUNTER)}"
    op = Op(key, None, vjp, num_outputs=num_outputs, kinds="fciub", doc="custom_gradient")
    REGISTRY.pop(key, None)
    op.name = name
    return op


def _as_input(x: Any) -> Any:
    """A Tensor argument as it is; a Variable argument as a read of it (TF's ``convert_to_tensor``
    of the inputs after ``f`` ran), recorded on the tapes so the gradient reaches the Variable."""
    if type(x) is Tensor:
        return x
    if hasattr(type(x), "_gt_read"):
        return x._gt_read()
    return convert_to_tensor(x)


def _is_tracer(tape: Any) -> bool:
    """The pseudo-tape of ``tf.function`` tracing (it records ops into a plan, not gradients)."""
    return getattr(type(tape), "_gt_tracer", False)


def _call_custom(f: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    watcher = _VariableWatcher()
    with _suspend_recording(watcher, add=True) as saved:
        result, grad_fn = f(*args, **kwargs)
    raw_args = nest.flatten(list(args))
    arg_ids = {id(a) for a in raw_args} | {id(a) for a in nest.flatten(list(kwargs.values()))}
    flat_args = [_as_input(a) for a in raw_args]
    variables = [v for v in sorted(watcher.variables.values(), key=lambda v: getattr(v, "_uid", 0))
                 if id(v) not in arg_ids]
    if variables and not _accepts_variables(grad_fn):
        raise TypeError("@tf.custom_gradient grad_fn must accept keyword argument 'variables', "
                        f"since function uses variables: {variables}")
    flat_result = nest.flatten(result)
    tracers = [t for t in saved if _is_tracer(t)]
    outs = []
    if tracers:
        # the tracer computes the outputs from f's results; the gradient tapes see the record below
        from .ops.shape import identity
        with _suspend_recording(keep=_is_tracer):
            results = [convert_to_tensor(r) for r in flat_result]
            outs = [identity(r) for r in results]
        from .function import custom_gradient_call
        call = custom_gradient_call(getattr(f, "__name__", "custom_gradient"), flat_args,
                                    variables, results, outs)
        saved = [t for t in saved if not _is_tracer(t)]
    else:
        call = None
        for r in flat_result:
            r = convert_to_tensor(r)
            t = _new(Tensor)
            t._value = r._value
            outs.append(t)
    if not saved:
        return nest.pack_sequence_as(result, outs)
    # Tapes that watch accessed variables watch the ones f read (as if f had read them there).
    for tape in saved:
        for v in variables:
            if id(v) not in tape._ids and tape._watch_accessed_variables and v._trainable:
                tape._watch_variable(v)
    n_args = len(flat_args)
    name = getattr(f, "__name__", "custom_gradient")

    def vjp(g: Any, ans: Any, *inputs: Any) -> tuple:
        flat_up = list(g) if type(g) is tuple else [g]
        upstream = nest.pack_sequence_as(result, flat_up)
        upstream = list(upstream) if isinstance(upstream, (list, tuple)) else [upstream]
        start = None
        if call is not None:
            from .function import custom_gradient_begin
            start = custom_gradient_begin(call)
        if variables:
            input_grads, variable_grads = grad_fn(*upstream, variables=variables)
            variable_grads = list(nest.flatten(variable_grads)) if variable_grads is not None else []
            if len(variable_grads) != len(variables):
                raise ValueError("Must return gradient for each variable from @tf.custom_gradient "
                                 f"grad_fn ({name}: {len(variables)} variables, "
                                 f"{len(variable_grads)} gradients).")
        else:
            input_grads = grad_fn(*upstream)
            variable_grads = []
        flat_grads = [input_grads] if type(input_grads) is Tensor or input_grads is None \
            else nest.flatten(input_grads)
        if len(flat_grads) != n_args:
            raise ValueError(f"custom_gradient function expected to return {n_args} gradients, but "
                             f"returned {len(flat_grads)} instead ({name}).")
        if start is not None:
            from .function import custom_gradient_end
            custom_gradient_end(call, start, flat_up, list(flat_grads) + list(variable_grads))
        return tuple(flat_grads) + tuple(variable_grads)

    op = _make_op(name, vjp, len(outs))
    with _suspend_recording(keep=lambda t: not _is_tracer(t)):
        dispatch.record(op, tuple(flat_args) + tuple(variables),
                        outs[0] if len(outs) == 1 else tuple(outs), None)
    return nest.pack_sequence_as(result, outs)


def custom_gradient(f: Callable[..., Any] = None) -> Callable[..., Any]:
    """Decorator to define a function with a custom gradient (``tf.custom_gradient``).

    ``f(*x)`` returns ``(y, grad_fn)``. ``grad_fn(*dy)`` returns the gradients of the inputs
    (one per argument); if ``f`` reads Variables that are not arguments, ``grad_fn`` must accept
    ``variables=`` and return ``(input_grads, variable_grads)`` (TypeError otherwise, as in TF).
    ``y`` may be a tensor or a (nested) list of tensors; ``grad_fn`` then gets one ``dy`` each.
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        return _call_custom(f, args, kwargs)

    return decorated


def grad_pass_through(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` computed forward, identity backward (``tf.grad_pass_through``): the upstream
    gradient is passed unchanged to the inputs (e.g. a straight-through estimator around a
    quantiser, or ``assign``)."""

    @custom_gradient
    def _pass(*args: Any, **kwargs: Any) -> tuple:
        def grad_fn(*dys: Any, variables: Any = None) -> Any:
            if variables is not None:
                return dys, [None] * len(variables)
            return dys
        return f(*args, **kwargs), grad_fn

    return functools.wraps(f)(_pass)


def recompute_grad(f: Callable[..., Any]) -> Callable[..., Any]:
    """Gradient checkpointing (``tf.recompute_grad``): ``f``'s intermediates are not kept for the
    backward pass; they are recomputed by running ``f`` again when the gradient is needed.

    Peak memory of a deep forward + backward falls (see benchmarks/bench_recompute.py) and the
    gradients are identical, at the cost of one extra forward of ``f``. ``f`` must be
    deterministic (stateful random ops would draw different numbers on the second run).
    """
    from .tape import GradientTape, UnconnectedGradients

    @custom_gradient
    def inner(*args: Any, **kwargs: Any) -> tuple:
        # the forward keeps nothing on the gradient tapes (TF runs it with recording stopped);
        # the variable watcher and a function's tracer still see it
        with _suspend_recording(keep=lambda t: _is_tracer(t) or type(t) is _VariableWatcher):
            result = f(*args, **kwargs)

        def grad_fn(*dresult: Any, variables: Any = None) -> tuple:
            with GradientTape() as tape:
                id_args = [convert_to_tensor(a) if not hasattr(type(a), "_gt_read") else a
                           for a in args]
                id_args = [_fresh(a) for a in id_args]
                tape.watch(id_args)
                if variables:
                    tape.watch(variables)
                recomputed = f(*id_args, **kwargs)
            sources = list(id_args) + list(variables or [])
            grads = tape.gradient(nest.flatten(recomputed), sources,
                                  output_gradients=list(dresult),
                                  unconnected_gradients=UnconnectedGradients.ZERO)
            n = len(id_args)
            return (grads[:n], grads[n:]) if variables else grads[:n]

        return result, grad_fn

    return functools.wraps(f)(inner)


def _fresh(x: Any) -> Any:
    """A new Tensor with ``x``'s value (TF's ``identity``), so the recompute tape starts at it."""
    if type(x) is not Tensor:
        return x
    from .ops.shape import identity
    return identity(x)


__all__ = ["custom_gradient", "grad_pass_through", "recompute_grad"]
