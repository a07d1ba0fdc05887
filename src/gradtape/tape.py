"""``GradientTape``: records ops on watched tensors and computes reverse-mode gradients.

The tape is a list of records ``(op, inputs, output, attrs)`` appended by ``dispatch.record``.
``gradient`` walks the list backwards, iteratively, calling each op's rule; a chain of 100,000
ops needs no recursion. Rules are gradtape ops, so an outer tape records the backward pass of an
inner one (higher-order derivatives). A non-persistent tape drops its records when ``gradient``
returns, releasing every intermediate it kept alive.
"""
from __future__ import annotations

import contextlib
import enum
import itertools
import sys
import threading
import warnings
import weakref
from typing import Any, Iterator, Optional

import numpy as np

from . import dispatch
from . import nest
from . import explain as _explain
from .dispatch import ACTIVE
from .errors import InvalidArgumentError
from .tensor import Tensor, TensorShape

_new = object.__new__
_f32 = np.float32
_ONE32 = np.float32(1)      # (NumPy scalars are immutable: one shared seed is safe)
_refcount = sys.getrefcount
_weakcount = weakref.getweakrefcount


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on (``tf.UnconnectedGradients``)."""

    NONE = "none"
    ZERO = "zero"


def _parse_unconnected(value: Any) -> UnconnectedGradients:
    if isinstance(value, UnconnectedGradients):
        return value
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}. Use "
                         "tf.UnconnectedGradients.NONE / 'none' (return None) or "
                         "tf.UnconnectedGradients.ZERO / 'zero' (return zeros).") from None


_NONE = UnconnectedGradients.NONE


def _is_variable(x: Any) -> bool:
    return dispatch._IS_VAR[type(x)]


def _is_float(x: Any) -> bool:
    return x._value.dtype.kind in "fcV"


class _LazyOps:
    """The ops the backward pass calls, bound on first use: the op modules import this one, so it
    cannot import them at its top, and an import statement inside a function costs ~1.5 us a call."""

    def __getattr__(self, name: str) -> Any:
        from .ops import constructors, math, reduction, shape
        for mod in (math, reduction, shape, constructors):
            if hasattr(mod, name):
                value = getattr(mod, name)
                setattr(self, name, value)
                return value
        raise AttributeError(name)


_OPS = _LazyOps()


# -- the backward pass -------------------------------------------------------------------------

def _sum_to_shape(g: Tensor, shape: tuple) -> Tensor:
    """Sum ``g`` over the dimensions that broadcasting added, so it has ``shape``.

    The one place where broadcast gradients are reduced: rules return gradients of the
    broadcast shape and the tape calls this after every rule. (Calls the primitives directly:
    the axes are already normalised.)
    """
    gshape = g._value.shape
    if not shape:           # to a scalar (a bias, a scalar variable): one full reduction
        return dispatch.apply(_OPS.REDUCE_SUM, (g,), {"axes": None, "keepdims": False})
    lead = len(gshape) - len(shape)
    if lead < 0:
        return dispatch.apply(_OPS.BROADCAST_TO, (g,), {"shape": shape})
    axes = list(range(lead))
    for i, d in enumerate(shape):
        if d == 1 and gshape[i + lead] != 1:
            axes.append(i + lead)
    axes = tuple(axes)
    if axes:
        g = dispatch.apply(_OPS.REDUCE_SUM, (g,), {"axes": axes, "keepdims": False})
    if g._value.shape != shape:
        g = dispatch.apply(_OPS.RESHAPE, (g,), {"shape": shape})
    return g


def _standin(v: np.ndarray) -> np.ndarray:
    """A value's shape and dtype without its memory: one NaN (zero for non-float dtypes),
    broadcast. A rule that reads it by mistake gives NaN gradients, not a silent wrong number."""
    try:
        one = np.full((), np.nan if v.dtype.kind in "fcV" else 0, dtype=v.dtype)
    except (ValueError, TypeError):
        one = np.zeros((), dtype=v.dtype)
    return np.broadcast_to(one, v.shape)


def _ones_seed(t: Any) -> Tensor:
    """The default upstream gradient: ones shaped like the target (a non-scalar target is summed)."""
    v = t._value
    seed = _new(Tensor)
    # NumPy scalars (0-d host values) take the scalar type; ndarrays and device arrays ones_like
    tv = type(v)
    seed._value = _ONE32 if tv is _f32 else v.dtype.type(1) if isinstance(v, np.generic) \
        else np.ones_like(v)
    return seed


def _accumulate(grads: dict, x: Any, gx: Any) -> None:
    if type(gx) is not Tensor:
        gx = _as_gradient(gx, x)
        if gx is None:
            return
        if type(gx) is not Tensor:  # a sparse gradient (IndexedSlices) sums itself
            grads[id(x)] = type(gx)._gt_accumulate(grads.get(id(x)), gx, x)
            return
    xv = x._value
    if gx._value.shape != xv.shape:
        gx = _sum_to_shape(gx, xv.shape)
    k = id(x)
    prev = grads.get(k)
    if prev is None:
        grads[k] = gx
    elif type(prev) is not Tensor:
        grads[k] = type(prev)._gt_accumulate(prev, gx, x)
    else:
        grads[k] = _add_gradients(prev, gx)


def _dense(g: Any) -> Any:
    """A sparse upstream (IndexedSlices) as the dense Tensor a gradient rule expects."""
    return g.__gt_tensor__() if hasattr(type(g), "__gt_tensor__") else g


def _as_gradient(gx: Any, x: Any) -> Optional[Tensor]:
    """Rules return Tensors; accept other gradient types that define ``_gt_gradient``."""
    if gx is None:
        return None
    hook = getattr(type(gx), "_gt_accumulate", None)
    if hook is not None:
        return gx
    return dispatch.convert_to_tensor(gx, dtype=x._value.dtype)


def _add_gradients(a: Any, b: Any) -> Any:
    return _OPS.add(a, b)


class _BackwardState(threading.local):
    """``consuming``: the rule being called belongs to a record that its (non-persistent) tape
    dropped and will not ask again, so the rule may release what it saved (compiled functions'
    saved forward values). Set by ``backward`` around its walk, per thread."""
    consuming = False


BACKWARD = _BackwardState()


def _consume(records: list) -> Iterator[tuple]:
    """Records newest first, each dropped from the list once walked: the values only it kept
    alive (a layer's activations) are freed during the backward pass, not after it."""
    records.insert(0, None)          # the sentinel: iteration stops when it is popped
    return iter(records.pop, None)   # C-level iteration: as fast as reversed(records)


def _reachable(records: list, source_ids: set) -> set:
    """Ids of the floating tensors that depend on a source, by one forward walk of the records."""
    reach = set(source_ids)
    for op, inputs, out, attrs in records:
        for x in inputs:
            if id(x) in reach:
                if type(out) is tuple:
                    reach.update(id(o) for o in out if o._value.dtype.kind in "fcV")
                elif out._value.dtype.kind in "fcV":
                    reach.add(id(out))
                break
    return reach


def backward(records: list, seeds: list, sources: list, watched: Optional[set] = None,
             leaves: Any = None, consume: bool = False) -> list:
    """Gradients of ``seeds`` (pairs ``(target, upstream)``) with respect to ``sources``.

    Returns one entry per source: a Tensor, or None where no path connects it to a target.
    ``records`` are walked once forwards (which tensors depend on a source) and once backwards
    (the rules), so only the gradients that lead to a source are computed. With ``watched`` (the
    tape's traced ids), a source the tape never watched gets None even if ops used it, as in TF.
    When every watched leaf (``leaves``: ids of the tensors and variables the tape watched) is a
    source, everything the tape traced depends on a source and the forward walk is skipped.
    """
    target_ids = {id(seeds[0][0])} if len(seeds) == 1 else {id(t) for t, _ in seeds}
    source_ids = set()
    for s in sources:
        k = id(s)
        if s._value.dtype.kind in "fcV" and (watched is None or k in watched or k in target_ids):
            source_ids.add(k)
    if watched is not None and leaves is not None and source_ids.issuperset(leaves):
        reach = watched if source_ids.issubset(watched) else watched | source_ids
    else:
        reach = _reachable(records, source_ids)

    grads: dict = {}
    for target, seed in seeds:
        if id(target) in reach:
            _accumulate(grads, target, seed)

    state = BACKWARD
    prev = state.consuming
    state.consuming = consume
    try:
        _walk(records, grads, reach, source_ids, consume)
    finally:
        state.consuming = prev
    return [grads.get(id(s)) if id(s) in source_ids else None for s in sources]


def _walk(records: list, grads: dict, reach: set, source_ids: set, consume: bool) -> None:
    """``backward``'s walk: each record's rule, newest first, accumulating into ``grads``."""
    add = _OPS.add
    for op, inputs, out, attrs in (_consume(records) if consume else reversed(records)):
        if not grads:
            break
        if type(out) is tuple:
            gs = []
            for o in out:
                oid = id(o)
                gs.append(grads.get(oid) if oid in source_ids else grads.pop(oid, None))
            if all(g is None for g in gs):
                continue
            if getattr(op, "none_cotangents", False):
                # the op's rule takes None for an output no target reaches (a compiled call)
                g = tuple(gi if gi is None or type(gi) is Tensor else _dense(gi) for gi in gs)
            else:
                zeros_like = _OPS.zeros_like
                g = tuple(zeros_like(o) if gi is None else gi if type(gi) is Tensor else _dense(gi)
                          for o, gi in zip(out, gs))
        else:
            oid = id(out)
            g = grads.get(oid) if oid in source_ids else grads.pop(oid, None)
            if g is None:
                continue
            if type(g) is not Tensor and op is not dispatch.READ:
                g = _dense(g)
        vjp = op.vjp
        if not op.broadcasts:
            # One input, elementwise: the rule's gradient has the input's shape (fast path).
            x = inputs[0]
            k = id(x)
            if k in reach:
                gx = vjp(g, out, *inputs, **attrs) if attrs else vjp(g, out, x)
                if type(gx) is tuple:
                    gx = gx[0]
                if type(gx) is Tensor:
                    prev = grads.get(k)
                    if prev is None:
                        grads[k] = gx
                    elif type(prev) is Tensor:
                        grads[k] = add(prev, gx)
                    else:
                        _accumulate(grads, x, gx)
                elif gx is not None:
                    _accumulate(grads, x, gx)
        elif type(vjp) is tuple:
            two = len(inputs) == 2 and not attrs
            if two:
                x0, x1 = inputs
            for x, rule in zip(inputs, vjp):
                if rule is not None and id(x) in reach:
                    if two:
                        gx = rule(g, out, x0, x1)
                    else:
                        gx = rule(g, out, *inputs, **attrs) if attrs else rule(g, out, *inputs)
                    if type(gx) is Tensor and gx._value.shape == x._value.shape:
                        # already the input's shape: stored without _accumulate's general path
                        k = id(x)
                        prev = grads.get(k)
                        if prev is None:
                            grads[k] = gx
                        elif type(prev) is Tensor:
                            grads[k] = add(prev, gx)
                        else:
                            _accumulate(grads, x, gx)
                    elif gx is not None:
                        _accumulate(grads, x, gx)
        elif len(inputs) == 1:
            x = inputs[0]
            gxs = vjp(g, out, x, **attrs) if attrs else vjp(g, out, x)
            if gxs is not None and id(x) in reach:
                gx = gxs[0] if type(gxs) is tuple else gxs
                if type(gx) is Tensor and gx._value.shape == x._value.shape:
                    k = id(x)           # (a Variable's read, a reduction: the common cases)
                    prev = grads.get(k)
                    if prev is None:
                        grads[k] = gx
                    elif type(prev) is Tensor:
                        grads[k] = add(prev, gx)
                    else:
                        _accumulate(grads, x, gx)
                else:
                    _accumulate(grads, x, gx)
        else:
            gxs = vjp(g, out, *inputs, **attrs) if attrs else vjp(g, out, *inputs)
            for x, gx in zip(inputs, gxs):
                if gx is not None and id(x) in reach:
                    _accumulate(grads, x, gx)


# -- the tape ----------------------------------------------------------------------------------

_persistent_in_context_warned = False


class GradientTape:
    """Record operations for automatic differentiation (``tf.GradientTape``).

    Ops run inside ``with GradientTape() as tape:`` are recorded when one of their inputs is
    watched: trainable Variables read inside the context are watched automatically (unless
    ``watch_accessed_variables=False``); other tensors with ``tape.watch(t)``. ``tape.gradient``
    then computes gradients of a target with respect to sources. A non-persistent tape allows one
    ``gradient`` (or ``jacobian``) call and then releases what it recorded.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True,
                 explain: Optional[bool] = None):
        """``explain=True`` (or ``gradtape.debugging.explain_gradients(True)``) makes the tape say why a
        gradient is None (a warning per None gradient, and ``tape.explain``); not in TF."""
        self._explain = _explain.attach(self) if explain or (
            explain is None and _explain.ENABLED) else None
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._records: Optional[list] = None
        self._ids: Optional[set] = None
        self._keep: Optional[dict] = None  # watched tensors and variables, kept alive while recorded
        # Recorded outputs no rule read so far: id -> [tensor, references held by records]
        self._pending: Optional[dict] = None
        self._watched_vars: dict = {}
        self._recording = False
        self._entered = False
        self._consumed = False
        self._released_facts: Optional["_explain.ReleasedFacts"] = None

    # -- context -------------------------------------------------------------------------------
    def __enter__(self) -> "GradientTape":
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an "
                             "already-active tape.")
        self._push()
        self._entered = True
        return self

    def __exit__(self, typ, value, traceback) -> None:
        if self._recording:
            self._pop()

    def _push(self) -> None:
        if self._records is None:
            self._records = []
            self._ids = set()
            self._keep = {}
            self._pending = {} if self._explain is None else None
            self._consumed = False
            self._released_facts = None
        ACTIVE.append(self)
        self._recording = True
        if self._explain is not None:
            self._explain.on_push()

    def _pop(self) -> None:
        if not self._recording:
            raise ValueError("Tape is not recording.")
        ACTIVE.discard(self)
        self._recording = False
        if self._explain is not None:
            self._explain.on_pop()

    # -- watching ------------------------------------------------------------------------------
    def _watch_variable(self, var: Any) -> None:
        self._ids.add(id(var))
        self._keep[id(var)] = var
        self._watched_vars[id(var)] = var

    def watch(self, tensor: Any) -> None:
        """Ensure ``tensor`` (a Tensor, Variable or nested structure of them) is traced by this tape."""
        if self._ids is None:
            raise AttributeError(
                "watch() was called on a GradientTape that has not been entered (or whose "
                "non-persistent gradient was already computed). Call it inside the context: "
                "`with tf.GradientTape() as tape: tape.watch(x); ...`.")
        flat = nest.flatten(tensor)
        if not flat and isinstance(tensor, (list, tuple, dict)):
            warnings.warn("GradientTape.watch() received an empty structure, so nothing is watched. "
                          "If you passed model.trainable_variables before the model was built, "
                          "call the model once first (layers create their variables lazily).",
                          stacklevel=2)
        for t in flat:
            if _is_variable(t):
                if t._value.dtype.kind not in "fcV":
                    warnings.warn(f"The dtype of the watched variable must be floating (e.g. tf.float32), "
                                  f"got tf.{t.dtype.name}: its gradient will be None.", stacklevel=2)
                self._watch_variable(t)
            elif type(t) is Tensor:
                if t._value.dtype.kind not in "fcV":
                    warnings.warn(f"The dtype of the watched tensor must be floating (e.g. tf.float32), "
                                  f"got tf.{t.dtype.name}: its gradient will be None. Cast it with "
                                  "tf.cast(x, tf.float32) before watching.", stacklevel=2)
                self._ids.add(id(t))
                self._keep[id(t)] = t
            else:
                raise ValueError(
                    f"Passed in object {t!r} of type '{type(t).__name__}', not tf.Tensor or "
                    "tf.Variable. Convert it first, e.g. x = tf.constant(x), then watch and use "
                    "that tensor inside the tape.")

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Temporarily stop recording: ops in the body are not traced (``tape.stop_recording``)."""
        if not self._entered:
            raise RuntimeError("Trying to stop recording a tape which is not recording. Enter the "
                               "tape first: `with tf.GradientTape() as tape:`.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self) -> None:
        """Forget everything recorded so far and keep recording (only inside the context)."""
        self._pop()
        self._records = None
        self._ids = None
        self._keep = None
        self._pending = None
        self._watched_vars = {}
        self._push()

    def watched_variables(self) -> tuple:
        """The variables this tape watched, in creation order."""
        return tuple(sorted(self._watched_vars.values(), key=lambda v: v._uid))

    # -- seeing the tape (gradtape.explain; not in TF) -------------------------------------------
    def explain(self, target: Any, source: Any) -> str:
        """Why ``gradient(target, source)`` is None (or which ops connect them), in plain words."""
        return _explain.explain(self, target, source)

    def summary(self) -> "_explain.TapeSummary":
        """Recorded ops by type and the bytes of tensors this tape keeps alive (print it)."""
        return _explain.summary(self)

    def to_dot(self, target: Any = None, sources: Any = None) -> str:
        """Graphviz DOT text of the recorded computation, paths from sources to target highlighted."""
        return _explain.to_dot(self, target, sources)

    # -- gradients -----------------------------------------------------------------------------
    def _check_usable(self, method: str = "gradients") -> None:
        if self._records is None:
            if not self._entered:
                raise RuntimeError(
                    f"{method} was requested from a GradientTape that was never entered. Run the "
                    "computation inside `with tf.GradientTape() as tape:` first.")
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of gradients "
                "(or jacobians). Create it with tf.GradientTape(persistent=True) to call "
                "gradient() several times, or record again in a new tape.")

    def _stop_if_recording(self) -> None:
        global _persistent_in_context_warned
        if not self._recording:
            return
        if not self._persistent:
            self._pop()
        elif not _persistent_in_context_warned:
            _persistent_in_context_warned = True
            warnings.warn(
                "Calling GradientTape.gradient on a persistent tape inside its context is "
                "significantly less efficient than calling it outside the context (it causes the "
                "gradient ops to be recorded on the tape, leading to increased CPU and memory "
                "usage). Only call GradientTape.gradient inside the context if you actually want "
                "to trace the gradient in order to compute higher order derivatives.", stacklevel=3)

    def _release(self) -> None:
        if not self._persistent:
            self._records = None
            self._ids = None
            self._keep = None
            self._pending = None
            self._consumed = True

    # -- releasing values no rule reads ---------------------------------------------------------
    def _note_uses(self, op: Any, inputs: tuple) -> None:
        """A record just appended takes ``inputs``: count its references to pending outputs, and
        drop from pending those its rule reads (they stay alive). Then try the newest pending."""
        pend = self._pending
        unread = op.unread_inputs
        for i, x in enumerate(inputs):
            e = pend.get(id(x))
            if e is not None:
                if i in unread:
                    e[1] += 1
                else:
                    del pend[id(x)]
        if pend:
            self._free_unread(4)

    def _free_unread(self, limit: Optional[int] = None) -> None:
        """Release the values of pending outputs that only this tape's records refer to.

        A pending output is a large tensor produced by a recorded op whose rule does not read its
        output, and read by no recorded rule since. When the records are its only references (its
        reference count is theirs, no weak references), no code outside the tape can reach it,
        and no rule will read its value: the value is replaced by a zero-strided NaN stand-in of
        the same shape and dtype (shape and dtype are all the tape uses). ``limit``: how many of
        the newest entries to try (None: all).
        """
        pend = self._pending
        if not pend:
            return
        done = []
        n = 0
        for k, e in reversed(pend.items()):
            t = e[0]
            # references: the records' (e[1]), e's, t's and getrefcount's argument
            if _refcount(t) == e[1] + 3 and not _weakcount(t):
                t._value = _standin(t._value)
                done.append(k)
            n += 1
            if n == limit:
                break
        for k in done:
            del pend[k]

    def _snapshot(self) -> list:
        return list(self._records) if self._recording else self._records

    @staticmethod
    def _flatten_targets(target: Any) -> list:
        if target is None:
            raise TypeError("Argument `target` should be a list or nested structure of Tensors, "
                            "Variables or CompositeTensors to be differentiated, but received None.")
        flat = nest.flatten(target)
        for i, t in enumerate(flat):
            if t is None:
                raise TypeError(f"Argument `target` contains None at position {i} (of {len(flat)}). "
                                "Every target must be a Tensor: check that the function computing "
                                "it returns a value.")
            if type(t) is not Tensor and not _is_variable(t):
                raise TypeError(f"Argument `target` contains {type(t).__name__} {t!r:.60} at position "
                                f"{i}; targets must be Tensors computed inside the tape.")
        return flat

    @staticmethod
    def _flatten_sources(sources: Any) -> list:
        flat = nest.flatten(sources)
        for i, s in enumerate(flat):
            if type(s) is not Tensor and not _is_variable(s):
                raise AttributeError(
                    f"gradient(): source {i} is a {type(s).__name__} ({s!r:.60}), not a Tensor or "
                    "Variable. Gradients are taken with respect to tensors the tape watched: use a "
                    "tf.Variable, or x = tf.constant(...) followed by tape.watch(x).")
        return flat

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """Gradients of ``target`` with respect to ``sources`` (``tf.GradientTape.gradient``).

        ``target`` and ``sources`` may be nested structures; the result has the structure of
        ``sources``. A non-scalar target is summed (its upstream gradient is all ones) unless
        ``output_gradients`` gives one upstream per target. Sources the target does not depend on
        get None, or zeros with ``unconnected_gradients='zero'``.
        """
        # (The common call -- one Tensor target, a flat list of Variables or Tensors -- takes the
        # short branches: this is a fixed cost of every training step.)
        if self._records is None:
            self._check_usable()
        if self._recording:
            self._stop_if_recording()
        unconnected = unconnected_gradients if unconnected_gradients is _NONE \
            else _parse_unconnected(unconnected_gradients)
        targets = [target] if type(target) is Tensor else self._flatten_targets(target)
        ts = type(sources)
        flat_list = False
        if ts is list or ts is tuple:
            for s in sources:
                if type(s) is not Tensor and not dispatch._IS_VAR[type(s)]:
                    flat_sources = self._flatten_sources(sources)
                    break
            else:
                flat_sources = list(sources)    # leaves only: the result is a flat list too
                flat_list = True
        else:
            flat_sources = self._flatten_sources(sources)
        seeds = [(t, _ones_seed(t)) for t in targets] if output_gradients is None \
            else self._seeds(targets, output_gradients)
        if self._pending:
            self._free_unread()
        records = self._snapshot()
        try:
            grads = backward(records, seeds, flat_sources, self._ids, self._keep,
                             consume=not self._persistent and self._explain is None)
            if self._explain is not None or self._persistent:
                _explain.after_gradient(self, targets, flat_sources, grads, records)
            else:
                # What explain() needs about this call's targets and sources, without values.
                self._released_facts = _explain.ReleasedFacts(self, targets, flat_sources, grads)
        finally:
            self._release()
        if unconnected is not _NONE:
            grads = self._fill_unconnected(grads, flat_sources, unconnected)
        if flat_list:
            return grads if ts is list else tuple(grads)
        return nest.pack_sequence_as(sources, grads)

    def _seeds(self, targets: list, output_gradients: Any) -> list:
        if output_gradients is None:
            return [(t, _ones_seed(t)) for t in targets]
        ones_like = _OPS.ones_like
        flat = nest.flatten(output_gradients) if isinstance(output_gradients, (list, tuple, dict)) \
            else [output_gradients]
        if len(flat) != len(targets):
            raise ValueError(f"output_gradients has {len(flat)} entries but there are {len(targets)} "
                             "targets; give one upstream gradient (or None) per target.")
        seeds = []
        for i, (t, g) in enumerate(zip(targets, flat)):
            if g is None:
                seeds.append((t, ones_like(t)))
                continue
            g = dispatch.convert_to_tensor(g, dtype_hint=t._value.dtype)
            if g._value.shape != t._value.shape:
                raise InvalidArgumentError(
                    f"output_gradients[{i}] has shape {list(g._value.shape)} but target {i} has shape "
                    f"{list(t._value.shape)}; each output gradient must have its target's shape.")
            if g._value.dtype != t._value.dtype:
                raise InvalidArgumentError(
                    f"output_gradients[{i}] has dtype {g.dtype.name} but target {i} has dtype "
                    f"{t.dtype.name}; cast it with tf.cast.")
            seeds.append((t, g))
        return seeds

    @staticmethod
    def _fill_unconnected(grads: list, sources: list, unconnected: UnconnectedGradients) -> list:
        if unconnected is UnconnectedGradients.ZERO:
            from .ops.constructors import zeros
            return [zeros(s._value.shape, dtype=s._value.dtype) if g is None else g
                    for g, s in zip(grads, sources)]
        return grads

    # -- jacobians -----------------------------------------------------------------------------
    def jacobian(self, target: Any, sources: Any,
                 unconnected_gradients: Any = UnconnectedGradients.NONE,
                 parallel_iterations: Optional[int] = None,
                 experimental_use_pfor: bool = True) -> Any:
        """The Jacobian of ``target`` with respect to each source: shape ``target.shape + source.shape``.

        Mirrors ``tf.GradientTape.jacobian``. ``parallel_iterations`` bounds how many rows are
        computed per backward pass (memory); the result does not depend on it.
        """
        self._check_usable("jacobian")
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError("GradientTape must be created with persistent=True to compute the "
                               "jacobian with eager execution enabled and with experimental_use_pfor "
                               "set to False.")
        self._stop_if_recording()
        unconnected = _parse_unconnected(unconnected_gradients)
        if type(target) is not Tensor and not _is_variable(target):
            self._flatten_targets(target)
            target = dispatch.convert_to_tensor(target)
        flat_sources = self._flatten_sources(sources)
        records = self._snapshot()
        watched = self._ids
        try:
            if experimental_use_pfor:
                rows = _jacobian_rows(records, target, flat_sources, parallel_iterations)
            else:
                rows = _jacobian_rows_loop(records, target, flat_sources)
        finally:
            self._release()
        out = []
        tshape = tuple(target._value.shape)
        for s, r in zip(flat_sources, rows):
            if id(s) not in watched and s is not target:
                r = None  # a source the tape never watched is unconnected, as in gradient()
            if r is None:
                if unconnected is UnconnectedGradients.ZERO:
                    from .ops.constructors import zeros
                    r = zeros(tshape + tuple(s._value.shape), dtype=s._value.dtype)
            out.append(r)
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target: Any, source: Any,
                       unconnected_gradients: Any = UnconnectedGradients.NONE,
                       parallel_iterations: Optional[int] = None,
                       experimental_use_pfor: bool = True) -> Any:
        """Per-example Jacobian: ``result[i] = d target[i] / d source[i]`` (``tf.GradientTape.batch_jacobian``).

        Both tensors need rank >= 2 and the same first dimension; examples must be independent.
        The result has shape ``[batch] + target.shape[1:] + source.shape[1:]``.
        """
        self._check_usable("batch_jacobian")
        if not experimental_use_pfor and not self._persistent:
            raise RuntimeError("GradientTape must be created with persistent=True to compute the "
                               "batch jacobian with eager execution enabled and with "
                               "experimental_use_pfor set to False.")
        self._stop_if_recording()
        _parse_unconnected(unconnected_gradients)
        if type(target) is not Tensor:
            self._flatten_targets(target)
        self._flatten_sources(source)
        tshape, sshape = tuple(target._value.shape), tuple(source._value.shape)
        if len(tshape) < 2:
            raise ValueError(f"Shape {tshape} must have rank at least 2 (batch_jacobian target); "
                             "use jacobian() for unbatched tensors.")
        if len(sshape) < 2:
            raise ValueError(f"Shape {sshape} must have rank at least 2 (batch_jacobian source); "
                             "use jacobian() for unbatched tensors.")
        if tshape[0] != sshape[0]:
            raise ValueError(f"Need first dimension of target shape ({tshape}) and source shape "
                             f"({sshape}) to match.")
        records = self._snapshot()
        try:
            result = _batch_jacobian(records, target, source, parallel_iterations)
        finally:
            self._release()
        return result


# -- jacobians: batched vector-Jacobian products -------------------------------------------------
#
# A Jacobian row is one VJP. Instead of one backward pass per row, the backward pass runs once per
# chunk of rows with a cotangent carrying a leading batch axis. Ops in BATCHED_VJP_OPS have rules
# that broadcast over that axis (elementwise ops, matmul, ...); any other op's rule runs once per
# row of the chunk inside the same pass, so every graph works. ``parallel_iterations`` bounds the
# chunk size (memory grows linearly with it).

#: Ops whose gradient rules accept an upstream with an extra leading batch axis.
BATCHED_VJP_OPS = {
    "add", "subtract", "multiply", "divide", "multiply_no_nan", "divide_no_nan", "negative",
    "square", "sqrt", "rsqrt", "reciprocal", "exp", "expm1", "log", "log1p", "sin", "cos", "tan",
    "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "softplus", "erf", "maximum",
    "minimum", "relu", "relu6", "leaky_relu", "elu", "selu", "identity", "read_variable",
    "matmul", "clip_by_value", "conj", "cast",
}

from .registry import REGISTRY as _REGISTRY  # noqa: E402

#: Batch-aware rules for shape ops whose ordinary rule would not keep a leading batch axis.
def _b_reshape(g: Any, ans: Any, x: Any, shape: Any) -> Any:
    from .ops.shape import reshape
    return reshape(g, (g._value.shape[0],) + tuple(np.shape(x._value)))


def _b_transpose(g: Any, ans: Any, x: Any, perm: Any) -> Any:
    from .ops.shape import transpose
    inv = np.argsort(perm)
    return transpose(g, (0,) + tuple(int(i) + 1 for i in inv))


def _b_broadcast_to(g: Any, ans: Any, x: Any, shape: Any) -> Any:
    return g  # _batched_sum_to_shape sums the broadcast axes, keeping the batch axis


def _b_reduce_sum(g: Any, ans: Any, x: Any, axes: Any, keepdims: bool) -> Any:
    from .ops.shape import reshape, broadcast_to
    xshape = tuple(np.shape(x._value))
    batch = g._value.shape[0]
    reduced = range(len(xshape)) if axes is None else axes
    kept = tuple(1 if i in reduced else d for i, d in enumerate(xshape))
    return broadcast_to(reshape(g, (batch,) + kept), (batch,) + xshape)


BATCHED_RULES = {"reshape": _b_reshape, "transpose": _b_transpose,
                 "broadcast_to": _b_broadcast_to, "reduce_sum": _b_reduce_sum}

#: Default bound on (rows per chunk) x (largest recorded tensor), in elements.
JACOBIAN_CHUNK_ELEMENTS = 1 << 24


def _batched_sum_to_shape(g: Tensor, batch: int, shape: tuple) -> Tensor:
    """Like ``_sum_to_shape`` for a gradient with a leading batch axis, which is kept."""
    from .ops.reduction import reduce_sum
    from .ops.shape import reshape, broadcast_to
    full = (batch,) + tuple(shape)
    gshape = g._value.shape
    if gshape == full:
        return g
    if len(gshape) < len(full) or gshape[0] != batch:
        return broadcast_to(g, full)
    rest = gshape[1:]
    lead = len(rest) - len(shape)
    axes = tuple(range(1, lead + 1)) + tuple(
        1 + lead + i for i, d in enumerate(shape) if d == 1 and rest[lead + i] != 1)
    if axes:
        g = reduce_sum(g, axis=axes, keepdims=False)
    if g._value.shape != full:
        g = reshape(g, full)
    return g


def _rule_grads(op: Any, g: Any, out: Any, inputs: tuple, attrs: Optional[dict], reach: set) -> list:
    """``[(input, gradient), ...]`` from one call of ``op``'s rule (as ``backward`` calls it)."""
    res = []
    kw = attrs or {}
    vjp = op.vjp
    if type(vjp) is tuple:
        for x, rule in zip(inputs, vjp):
            if rule is not None and id(x) in reach:
                gx = rule(g, out, *inputs, **kw)
                if gx is not None:
                    res.append((x, gx))
    else:
        gxs = vjp(g, out, *inputs, **kw)
        if len(inputs) == 1:
            gx = gxs[0] if type(gxs) is tuple else gxs
            if gx is not None and id(inputs[0]) in reach:
                res.append((inputs[0], gx))
        else:
            for x, gx in zip(inputs, gxs):
                if gx is not None and id(x) in reach:
                    res.append((x, gx))
    return res


def _as_dense_gradient(gx: Any, x: Any) -> Tensor:
    if type(gx) is Tensor:
        return gx
    if hasattr(type(gx), "__gt_tensor__"):
        return gx.__gt_tensor__()
    return dispatch.convert_to_tensor(gx, dtype=x._value.dtype)


def _batched_backward(records: list, target: Any, seed: Tensor, sources: list) -> list:
    """``backward`` for a batch of seeds: ``seed`` has shape ``[B] + target.shape`` and every
    result has shape ``[B] + source.shape`` (None where a source is not connected). Rules may be
    called several times per record here: none may release what it saved."""
    state = BACKWARD
    prev = state.consuming
    state.consuming = False
    try:
        return _batched_walk(records, target, seed, sources)
    finally:
        state.consuming = prev


def _batched_walk(records: list, target: Any, seed: Tensor, sources: list) -> list:
    from .ops.constructors import zeros
    from .ops.math import add
    from .ops.shape import stack
    batch = seed._value.shape[0]
    source_ids = {id(s) for s in sources if _is_float(s)}
    reach = _reachable(records, source_ids)
    grads: dict = {}
    if id(target) in reach:
        grads[id(target)] = seed

    def acc(x: Any, gx: Tensor) -> None:
        gx = _batched_sum_to_shape(gx, batch, tuple(np.shape(x._value)))
        prev = grads.get(id(x))
        grads[id(x)] = gx if prev is None else add(prev, gx)

    for op, inputs, out, attrs in reversed(records):
        if not grads:
            break
        if type(out) is tuple:
            gs = [grads.get(id(o)) if id(o) in source_ids else grads.pop(id(o), None) for o in out]
            if all(gi is None for gi in gs):
                continue
            if getattr(op, "none_cotangents", False):
                g = tuple(gs)
            else:
                g = tuple(zeros((batch,) + np.shape(o._value), dtype=o._value.dtype) if gi is None
                          else gi for o, gi in zip(out, gs))
        else:
            oid = id(out)
            g = grads.get(oid) if oid in source_ids else grads.pop(oid, None)
            if g is None:
                continue
        registered = _REGISTRY.get(op.name) is op  # not a same-named custom op
        if registered and op.name in BATCHED_VJP_OPS:
            for x, gx in _rule_grads(op, g, out, inputs, attrs, reach):
                acc(x, _as_dense_gradient(gx, x))
            continue
        if registered and op.name in BATCHED_RULES and id(inputs[0]) in reach:
            acc(inputs[0], BATCHED_RULES[op.name](g, out, *inputs, **(attrs or {})))
            continue
        # Any other rule: once per row of the batch, within this same pass.
        per_input: dict = {}
        for i in range(batch):
            gi = tuple(None if t is None else t[i] for t in g) if type(g) is tuple else g[i]
            for x, gx in _rule_grads(op, gi, out, inputs, attrs, reach):
                gx = _as_dense_gradient(gx, x)
                xshape = tuple(np.shape(x._value))
                if gx._value.shape != xshape:
                    gx = _sum_to_shape(gx, xshape)
                rows = per_input.setdefault(id(x), (x, {}))[1]
                # an op that takes the same tensor twice (concat([x, x])): both gradients add up
                rows[i] = add(rows[i], gx) if i in rows else gx
        for x, rows in per_input.values():
            xshape = tuple(np.shape(x._value))
            full = [rows.get(i) if i in rows else zeros(xshape, dtype=x._value.dtype)
                    for i in range(batch)]
            acc(x, stack(full))
    return [grads.get(id(s)) if id(s) in source_ids else None for s in sources]


def _chunk_size(records: list, rows: int, parallel_iterations: Optional[int]) -> int:
    if parallel_iterations is not None:
        if int(parallel_iterations) < 1:
            raise ValueError(f"parallel_iterations must be a positive integer, got {parallel_iterations}.")
        return max(1, min(rows, int(parallel_iterations)))
    largest = 1
    for _, _, out, _ in records:
        for o in (out if type(out) is tuple else (out,)):
            largest = max(largest, int(np.size(o._value)))
    return max(1, min(rows, JACOBIAN_CHUNK_ELEMENTS // largest))


def _jacobian_rows(records: list, target: Any, sources: list,
                   chunk: Optional[int]) -> list:
    """Jacobian blocks of one target with respect to each source, by batched VJPs (chunks of
    rows, one backward pass per chunk)."""
    from .ops.constructors import zeros
    from .ops.shape import concat, reshape
    tval = target._value
    n = int(np.prod(tval.shape))
    tshape = tuple(tval.shape)
    if n == 0:
        return [zeros(tshape + tuple(np.shape(s._value)), dtype=s._value.dtype) for s in sources]
    size = _chunk_size(records, n, chunk)
    per_source: list = [[] for _ in sources]
    connected = [False] * len(sources)
    for start in range(0, n, size):
        b = min(size, n - start)
        seed = np.zeros((b, n), dtype=tval.dtype)
        seed[np.arange(b), start + np.arange(b)] = 1
        seed_t = _new(Tensor)
        seed_t._value = seed.reshape((b,) + tshape)
        grads = _batched_backward(records, target, seed_t, sources)
        for j, (s, g) in enumerate(zip(sources, grads)):
            if g is None:
                g = zeros((b,) + tuple(np.shape(s._value)), dtype=s._value.dtype)
            else:
                connected[j] = True
            per_source[j].append(g)
    rows = []
    for j, s in enumerate(sources):
        if not connected[j]:
            rows.append(None)
            continue
        parts = per_source[j]
        stacked = parts[0] if len(parts) == 1 else concat(parts, 0)
        rows.append(reshape(stacked, tshape + tuple(np.shape(s._value))))
    return rows


def _jacobian_rows_loop(records: list, target: Any, sources: list) -> list:
    """The reference: one backward pass per target element (used by ``experimental_use_pfor=False``
    and as the baseline of benchmarks/bench_jacobian.py)."""
    from .ops.constructors import zeros
    from .ops.shape import stack, reshape
    tval = target._value
    n = int(np.prod(tval.shape))
    tshape = tuple(tval.shape)
    per_source: list = [[] for _ in sources]
    connected = [False] * len(sources)
    for i in range(n):
        seed = np.zeros(n, dtype=tval.dtype)
        seed[i] = 1
        seed_t = dispatch.convert_to_tensor(seed.reshape(tshape))
        grads = backward(records, [(target, seed_t)], sources)
        for j, g in enumerate(grads):
            if g is not None:
                connected[j] = True
            per_source[j].append(g)
    rows = []
    for j, s in enumerate(sources):
        if not connected[j]:
            rows.append(None)
            continue
        sshape = tuple(s._value.shape)
        if n == 0:
            rows.append(zeros(tshape + sshape, dtype=s._value.dtype))
            continue
        gs = [zeros(sshape, dtype=s._value.dtype) if g is None else _as_dense_gradient(g, s)
              for g in per_source[j]]
        rows.append(reshape(stack(gs), tshape + sshape))
    return rows


def _batch_jacobian(records: list, target: Any, source: Any, chunk: Optional[int]) -> Tensor:
    """Per-example Jacobian by batched VJPs: the seed for column ``j`` selects ``target[:, j]``
    in every example, so one VJP gives column ``j`` of all examples' Jacobians."""
    from .ops.constructors import zeros
    from .ops.shape import concat, reshape, transpose
    tval = target._value
    b = tval.shape[0]
    m = int(np.prod(tval.shape[1:]))
    sshape = tuple(source._value.shape)
    out_shape = (b,) + tuple(tval.shape[1:]) + sshape[1:]
    if m == 0 or b == 0:
        return zeros(out_shape, dtype=source._value.dtype)
    size = _chunk_size(records, m, chunk)
    parts = []
    for start in range(0, m, size):
        c = min(size, m - start)
        seed = np.zeros((c, b, m), dtype=tval.dtype)
        seed[np.arange(c), :, start + np.arange(c)] = 1
        seed_t = _new(Tensor)
        seed_t._value = seed.reshape((c,) + tuple(tval.shape))
        (g,) = _batched_backward(records, target, seed_t, [source])
        parts.append(zeros((c,) + sshape, dtype=source._value.dtype) if g is None else g)
    cols = parts[0] if len(parts) == 1 else concat(parts, 0)       # [m, b, x...]
    cols = reshape(cols, (m, b, int(np.prod(sshape[1:]))))
    return reshape(transpose(cols, (1, 0, 2)), out_shape)


__all__ = ["GradientTape", "UnconnectedGradients", "backward"]
