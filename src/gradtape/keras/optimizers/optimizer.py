"""The optimizer base class: ``apply_gradients(zip(grads, vars))`` with Keras's semantics.

Mirrors Keras 3 / ``tf.keras`` (2.11+) optimizers: one ``update_step`` per variable, gradient
clipping (``clipnorm``, ``clipvalue``, ``global_clipnorm``), decoupled weight decay applied before
the update, ``iterations`` incremented after it, and variable constraints applied last.

Design for speed: slot state (momentum, moments) is held per variable in a small record keyed by
the variable's identity and created lazily, so one optimizer serves variables it has not seen before
(Keras 3 refuses this). Each update is a fused NumPy computation that writes the slots in place
(slots are private ``_SlotVariable`` objects whose reads copy, so no tensor ever shares their buffers)
and replaces ``variable._value`` by one new array (a variable's old array may be shared by tensors
read from it, so it is never mutated). One-element variables (the tutorials' scalars) take a NumPy
scalar path in SGD/Adam/RMSprop, several times cheaper than ufuncs on 0-d arrays. The arithmetic follows
Keras's order and dtype (e.g. Adam's ``float32(beta) ** t``), so float32 results are bit-identical to
Keras 3 on the recorded cases in tests/test_optimizers.py.
"""
from __future__ import annotations

import sys
import warnings
from typing import Any, Callable, Iterable, Optional

import numpy as np

from ... import devices as _devices
from ... import dispatch as _dispatch
from ...tensor import Tensor
from ...variable import Variable
from . import schedules as _schedules

_FLOAT_KINDS = "fcV"
_f32 = np.float32


class _SlotVariable(Variable):
    """An optimizer slot: a Variable whose buffer the optimizer updates in place.

    Its value is always an ndarray (0-d included); every read returns a copy, so tensors never
    alias the buffer that the next step will overwrite.
    """

    __slots__ = ()

    def _gt_read(self) -> Tensor:
        v = self._value.copy()             # an ndarray, or a device array (CuPy): same device
        t = object.__new__(Tensor)
        t._value = v[()] if v.ndim == 0 and type(v) is np.ndarray else v
        return t

    read_value = _gt_read
    value = _gt_read

    def numpy(self) -> Any:
        v = np.array(_devices.to_host(self._value), copy=True)
        return v[()] if v.ndim == 0 else v

    def _set(self, new: Any) -> "_SlotVariable":
        if type(new) is not type(self._value) and _dispatch.DEVICE_TYPES:   # onto the slot's device
            new = _devices.to_device(new, _devices.device_of(self._value))
        self._value[...] = new
        return self

    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        self._value[...] += self._checked_delta(delta, "assign_add")
        return self if read_value else None

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True):
        self._value[...] -= self._checked_delta(delta, "assign_sub")
        return self if read_value else None


def _make_slot(like: np.ndarray, name: str, fill: float = 0.0) -> _SlotVariable:
    s = _SlotVariable(0.0, trainable=False, name=name)
    if isinstance(like, (np.ndarray, np.generic)):
        arr = np.full(np.shape(like), fill, dtype=like.dtype)
    else:                                   # a device array: the slot lives on the same device
        arr = np.full(like.shape, fill, dtype=like.dtype, like=like)
    s._value = arr
    s._shape = s.shape
    return s


class _VarList(list):
    """A list that can also be called (``optimizer.variables`` is a property in Keras 3, a method
    in older tf.keras; both spellings work)."""

    def __call__(self) -> "_VarList":
        return self


class _State:
    """Per-variable optimizer state: the variable (strong ref, guards against id reuse), its slots
    (name -> _SlotVariable), the raw slot arrays in creation order, and a scratch buffer."""

    __slots__ = ("var", "slots", "arrays", "scratch")

    def __init__(self, var: Any, slots: dict):
        self.var = var
        self.slots = slots
        self.arrays = [s._value for s in slots.values()]
        self.scratch = None


def _number(name: str, value: Any, owner: str) -> float:
    """A numeric hyper-parameter as a float: Python and NumPy numbers and scalar numeric tensors are
    accepted; None, bools, strings, lists and arrays raise a ValueError that names the argument."""
    v = getattr(value, "_value", value)
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
    ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
    if not ok:
        raise ValueError(f"{owner}: argument `{name}` must be a number (e.g. {name}=0.9). Received: "
                         f"{name}={value!r} of type {type(value).__name__}.")
    return float(v)


def _epsilon(epsilon: Optional[float], owner: str = "Optimizer") -> float:
    """An optimizer's ``epsilon`` argument as a float; ``None`` means Keras's backend epsilon, 1e-7."""
    return 1e-7 if epsilon is None else _number("epsilon", epsilon, owner)


def _is_indexed_slices(g: Any) -> bool:
    return hasattr(g, "indices") and hasattr(g, "values") and hasattr(g, "dense_shape")


def _densify(g: Any, dtype: np.dtype, shape: tuple) -> np.ndarray:
    """An IndexedSlices-like gradient as a dense array of ``shape`` on its values' kind of array (host
    or device); duplicate indices accumulate."""
    from ..._array import as_array, zeros
    values = as_array(getattr(g.values, "_value", g.values), dtype=dtype)
    out = zeros(shape, dtype, values)
    _add_rows_at(out, getattr(g.indices, "_value", g.indices), values)
    return out


def _add_rows_at(out: Any, indices: Any, values: Any) -> None:
    """``out[indices[k]] += values[k]`` for every k, duplicates accumulating in order (``np.add.at``),
    on ``out``'s kind of array. On the host, rows go through flat element indices: NumPy's 1-D fast
    path of ``add.at`` (about 5x faster than row indices for an embedding's gradient), the same sums
    bit for bit."""
    from ..._array import is_device, with_kind
    if is_device(out):
        np.add.at(out, with_kind(out, indices), values)
        return
    idx = np.asarray(indices)
    row = int(np.prod(out.shape[1:], dtype=np.int64))
    if (idx.ndim != 1 or row <= 1 or not out.flags.c_contiguous or values.dtype != out.dtype
            or values.shape != idx.shape + out.shape[1:] or idx.dtype.kind not in "iu"):
        np.add.at(out, idx, values)
        return
    flat = (idx.astype(np.intp)[:, None] * row + np.arange(row, dtype=np.intp)).reshape(-1)
    np.add.at(out.reshape(-1), flat, np.ascontiguousarray(values).reshape(-1))


class _Slices:
    __slots__ = ("indices", "values", "dense_shape")

    def __init__(self, pair: tuple):
        self.indices, self.values = pair
        self.dense_shape = None


def _initial(initializer: Any, shape: tuple, dtype: Any) -> np.ndarray:
    if callable(initializer) and not isinstance(initializer, str):
        out = initializer(shape, dtype=dtype) if initializer.__class__.__name__ != "function" else initializer(shape)
        return np.asarray(getattr(out, "_value", out), dtype=dtype)
    name = str(initializer).lower()
    if name == "zeros":
        return np.zeros(shape, dtype=dtype)
    if name == "ones":
        return np.ones(shape, dtype=dtype)
    raise ValueError(f"Unknown initializer {initializer!r} for an optimizer variable: use 'zeros', 'ones' "
                     "or a callable(shape, dtype).")


def _takes_argument(f: Callable) -> bool:
    import inspect
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
               for p in sig.parameters.values())


def _var_name(v: Any) -> str:
    return str(getattr(v, "name", None) or repr(v))


_CONFIG_BASE = ("clipnorm", "clipvalue", "global_clipnorm", "weight_decay", "use_ema", "ema_momentum",
                "ema_overwrite_frequency", "jit_compile", "loss_scale_factor",
                "gradient_accumulation_steps", "decay", "epsilon_override")


class Optimizer:
    """Base class of Keras-style optimizers.

    Subclasses define ``_slot_names`` (or ``_create_slots``) and ``_update(w, g, state, lr, t)``:
    ``w`` the variable's current value and ``g`` the dense gradient in the variable's dtype (neither
    may be mutated: tensors can share them), ``state.arrays`` the slot buffers (update them in place),
    ``t`` the 1-based step; it returns the new value as a fresh array.
    """

    _slot_names: tuple = ()
    _slot_fills: dict = {}

    def __init__(self, learning_rate: Any = 0.001, weight_decay: Optional[float] = None,
                 clipnorm: Optional[float] = None, clipvalue: Optional[float] = None,
                 global_clipnorm: Optional[float] = None, name: Optional[str] = None, **kwargs: Any):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        # tf.keras 2 legacy optimizers' time decay: lr / (1 + decay * iterations). Kept so that
        # older programs (Adam(lr=1e-3, decay=1e-6)) run with the numbers they had.
        self._decay = float(kwargs.pop("decay", None) or 0.0)
        unknown = set(kwargs) - set(_CONFIG_BASE) - {"exclude_from_weight_decay"}
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(unknown)}.")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        owner = type(self).__name__
        for what, val in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            if val is not None and not (_number(what, val, owner) >= 0):
                raise ValueError(f"`{what}` must be a non-negative number. Received: {what}={val!r}")
        self.clipnorm = None if clipnorm is None else float(clipnorm)
        self.clipvalue = None if clipvalue is None else float(clipvalue)
        self.global_clipnorm = None if global_clipnorm is None else float(global_clipnorm)
        self.weight_decay = None if weight_decay is None else _number("weight_decay", weight_decay, owner)
        self._exclude_wd = kwargs.pop("exclude_from_weight_decay", None) or []
        self._extra = {k: kwargs[k] for k in kwargs}
        self.name = name or type(self).__name__
        self._iterations = Variable(np.int64(0), trainable=False, name="iteration")
        self._step = 0
        self._state: dict = {}
        self._order: list = []  # states in creation order (for variables() and checkpoints)
        self.built = False
        self._var_index: dict = {}
        self._extra_variables: list = []  # add_variable / add_variable_from_reference (custom optimizers)
        self._lr_var: Optional[Variable] = None
        self._schedule: Any = None
        self._set_lr(learning_rate)

    # -- learning rate -------------------------------------------------------------------------
    def _set_lr(self, value: Any) -> None:
        self._schedule_raw = value
        if isinstance(value, _schedules.LearningRateSchedule):
            self._schedule = value
            return
        if callable(value) and not isinstance(value, (Variable, Tensor)):
            # Keras 3 calls a plain callable with no arguments; tf.keras-era code passes f(step).
            self._schedule = value if _takes_argument(value) else (lambda step, f=value: f())
            self._schedule_raw = value
            return
        v = getattr(value, "_value", value)
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v[()]
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ValueError("Argument `learning_rate` should be float, or an instance of LearningRateSchedule, "
                             "or a callable (that takes in the current iteration value and returns the "
                             f"corresponding learning rate value). Received instead: learning_rate={value!r}")
        num = float(v)
        self._schedule = None
        if self._lr_var is None:
            with _devices.placing(_devices.CPU if _dispatch.PLACING else None):   # read on the host each step
                self._lr_var = Variable(np.float32(num), trainable=False, name="learning_rate")
        else:
            self._lr_var._value = np.float32(num)

    @property
    def learning_rate(self) -> Any:
        """The learning rate: a float32 Variable, or (with a schedule) the current scheduled value,
        as in Keras. Assign a number or a schedule to change it."""
        if self._schedule is not None:
            return Tensor(np.float32(self._current_lr()))
        return self._lr_var

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self._set_lr(value)

    lr = learning_rate  # legacy alias (``optimizer.lr``)

    def _current_lr(self) -> float:
        s = self._schedule
        if s is None:
            lr = float(_devices.to_host(self._lr_var._value))
        else:
            # user LearningRateSchedule subclasses get the step as an int64 Tensor, as in TF; built-in
            # schedules and plain callables f(step) take a Python int
            step = (Tensor(np.int64(self._step)) if isinstance(s, _schedules.LearningRateSchedule)
                    and type(s) not in _schedules._BUILTIN else self._step)
            out = s(step)
            lr = float(np.asarray(getattr(out, "_value", out)))
        if self._decay:
            lr = lr / (1.0 + self._decay * self._step)
        return lr

    # -- iterations ------------------------------------------------------------------------------
    @property
    def iterations(self) -> Variable:
        """The number of update steps taken (an int64 Variable, as ``optimizer.iterations``)."""
        return self._iterations

    @iterations.setter
    def iterations(self, value: Any) -> None:
        self._step = int(np.asarray(getattr(value, "_value", value)))
        self._iterations._value = np.int64(self._step)

    def _sync_step(self) -> int:
        # ``iterations.assign(n)`` from user code: pick it up.
        it = int(self._iterations._value)
        if it != self._step:
            self._step = it
        return self._step

    # -- slots -----------------------------------------------------------------------------------
    def _create_slots(self, var: Any) -> dict:
        value = var._value
        base = _var_name(var).split(":")[0]
        return {n: _make_slot(value, f"{base}/{n}", self._slot_fills.get(n, 0.0)) for n in self._slot_names}

    def _get_state(self, var: Any) -> _State:
        st = self._state.get(id(var))
        if st is None or st.var is not var:
            st = _State(var, self._create_slots(var))
            self._state[id(var)] = st
            self._order.append(st)
        return st

    def build(self, var_list: Iterable) -> None:
        """Create the slots of ``var_list`` now (Keras's ``optimizer.build``); otherwise lazy.
        Custom optimizers (Keras 3 style) override it, call ``super().build(var_list)`` and create their
        state with ``add_variable_from_reference``."""
        var_list = list(var_list)
        for v in var_list:
            self._get_state(v)
            self._var_index.setdefault(id(v), len(self._var_index))
        self.built = True

    # -- Keras 3 custom-optimizer API ------------------------------------------------------------
    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        """Override in a custom optimizer (Keras 3): update ``variable`` from ``gradient`` with
        ``self.assign``/``assign_add``/``assign_sub``. Built-in optimizers use fused NumPy updates."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step(gradient, variable, "
                                  "learning_rate).")

    def add_variable(self, shape: Any, initializer: Any = "zeros", dtype: Any = None, aggregation: Any = None,
                     name: Optional[str] = None) -> Variable:
        """A new non-trainable state variable of ``shape`` (``Optimizer.add_variable``)."""
        from ... import dtypes as _dtypes
        np_dtype = _dtypes.to_numpy(dtype) if dtype is not None else np.float32
        value = _initial(initializer, tuple(shape), np_dtype)
        v = Variable(value, trainable=False, name=name or "optimizer_variable")
        self._extra_variables.append(v)
        return v

    def add_variable_from_reference(self, reference_variable: Any, name: Optional[str] = None,
                                    initializer: Any = "zeros", shape: Any = None,
                                    initial_value: Any = None) -> Variable:
        """A state variable shaped (and typed) like ``reference_variable`` (Keras 3 / tf.keras 2.11+)."""
        ref = np.asarray(reference_variable._value)
        if initial_value is not None:
            value = np.asarray(getattr(initial_value, "_value", initial_value), dtype=ref.dtype)
        else:
            value = _initial(initializer, tuple(shape) if shape is not None else ref.shape, ref.dtype)
        base = _var_name(reference_variable).split(":")[0]
        v = Variable(value, trainable=False, name=f"{base}_{name or 'slot'}")
        self._extra_variables.append(v)
        return v

    def _get_variable_index(self, variable: Any) -> int:
        """Position of ``variable`` in the list given to ``build`` (Keras 3)."""
        try:
            return self._var_index[id(variable)]
        except KeyError:
            raise KeyError(f"{self.name}: variable {_var_name(variable)!r} was not in the list this custom "
                           "optimizer was built with; call optimizer.build(all_variables) first.") from None

    def _var_key(self, variable: Any) -> int:
        return id(variable)

    def assign(self, variable: Any, value: Any) -> None:
        variable.assign(value)

    def assign_add(self, variable: Any, value: Any) -> None:
        variable.assign_add(value)

    def assign_sub(self, variable: Any, value: Any) -> None:
        variable.assign_sub(value)

    def _apply_custom(self, arrays: list, variables: list, lr: float) -> None:
        """Run a user-defined ``update_step`` per variable (gradients as Tensors)."""
        import inspect
        if not self.built:
            self.build(variables)
        try:
            n_args = len(inspect.signature(self.update_step).parameters)
        except (TypeError, ValueError):
            n_args = 3
        lr_t = Tensor(np.float32(lr))
        for g, v in zip(arrays, variables):
            if type(g) is tuple:
                g = _densify(_Slices(g), v._value.dtype, np.shape(v._value))
            gt = object.__new__(Tensor)
            gt._value = g[()] if isinstance(g, np.ndarray) and g.ndim == 0 else g
            if n_args >= 3:
                self.update_step(gt, v, lr_t)
            else:  # tf.keras 2.11 signature update_step(gradient, variable)
                self.update_step(gt, v)

    def get_slot_names(self) -> list:
        """Names of the per-variable slots (``'m'``, ``'v'``, ``'momentum'``...)."""
        return list(self._slot_names)

    def get_slot(self, var: Any, slot_name: str) -> Variable:
        """The slot Variable ``slot_name`` of ``var`` (reads are copies of the live buffer)."""
        st = self._state.get(id(var))
        if st is None or st.var is not var:
            raise KeyError(f"{self.name} has no slots for variable {_var_name(var)!r} yet: it creates "
                           "them on the first apply_gradients (or call optimizer.build(var_list)).")
        if slot_name not in st.slots:
            raise KeyError(f"{self.name} has no slot {slot_name!r}; its slots are {list(st.slots)}.")
        return st.slots[slot_name]

    @property
    def variables(self) -> _VarList:
        """``[iterations, slots...]`` in creation order (Keras's ``optimizer.variables``)."""
        out = _VarList([self._iterations])
        for st in self._order:
            out.extend(st.slots.values())
        out.extend(self._extra_variables)
        return out

    def get_weights(self) -> list:
        """The values of ``variables`` as NumPy arrays (tf.keras 2's ``Optimizer.get_weights``)."""
        return [np.array(_devices.to_host(v._value), copy=True) for v in self.variables]

    def set_weights(self, weights: list) -> None:
        """Assign ``get_weights()``-ordered values (the optimizer must already have its slots)."""
        variables = self.variables
        if len(weights) != len(variables):
            raise ValueError(f"{self.name}.set_weights: got {len(weights)} values for {len(variables)} "
                             "optimizer variables (build it first: optimizer.build(model.trainable_variables)).")
        for v, w in zip(variables, weights):
            w = np.asarray(getattr(w, "_value", w))
            if np.shape(w) != np.shape(v._value):
                raise ValueError(f"{self.name}.set_weights: shape {np.shape(w)} for {v.name!r} of shape "
                                 f"{np.shape(v._value)}.")
        for v, w in zip(variables, weights):
            w = np.asarray(getattr(w, "_value", w), dtype=v._value.dtype)
            if v is self._iterations:
                self.iterations = int(w)
            else:
                v.assign(w)  # slots write in place (reads are copies); other variables replace

    def _slot_items(self) -> list:
        """``[(variable, {slot_name: ndarray buffer})]`` in creation order, for checkpoints."""
        return [(st.var, dict((k, s._value) for k, s in st.slots.items())) for st in self._order]

    def _restore_slots(self, var: Any, arrays: dict) -> None:
        """Set ``var``'s slots from saved arrays (creating them if needed), for checkpoints."""
        st = self._get_state(var)
        for k, arr in arrays.items():
            if k not in st.slots:
                raise ValueError(f"{self.name}: checkpoint has slot {k!r} for {_var_name(var)!r} but this "
                                 f"optimizer's slots are {list(st.slots)} (different optimizer settings?).")
            buf = st.slots[k]._value
            if buf.shape != np.shape(arr):
                raise ValueError(f"{self.name}: slot {k!r} of {_var_name(var)!r} has shape {buf.shape}, "
                                 f"the checkpoint has {np.shape(arr)}.")
            buf[...] = arr

    # -- applying --------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable, name: Optional[str] = None,
                        skip_gradients_aggregation: bool = False, **kwargs: Any) -> Variable:
        """Apply ``(gradient, variable)`` pairs (``Optimizer.apply_gradients``); returns ``iterations``.

        None gradients are skipped with a warning naming the variables; if every gradient is None
        a ValueError names them. ``zip`` objects can be consumed once: passing a spent one raises a
        clear ValueError.
        """
        grads: list = []
        variables: list = []
        try:
            for pair in grads_and_vars:
                g, v = pair
                grads.append(g)
                variables.append(v)
        except (TypeError, ValueError) as e:
            if isinstance(grads_and_vars, (Tensor, Variable)) or "unpack" not in str(e):
                raise TypeError(f"{type(self).__name__}.apply_gradients expects an iterable of "
                                f"(gradient, variable) pairs, e.g. zip(grads, model.trainable_variables). "
                                f"Got {type(grads_and_vars).__name__}: {e}") from None
            raise ValueError(f"{type(self).__name__}.apply_gradients expects (gradient, variable) pairs, "
                             f"e.g. zip(grads, vars); one element was not a pair ({e}).") from None
        if not variables:
            raise ValueError(
                f"{type(self).__name__}.apply_gradients received no (gradient, variable) pairs. If you "
                "passed a zip(...) object, it can be consumed only once (a second apply_gradients on the "
                "same zip, or list(...)/printing it first, empties it): build the zip again, or pass "
                "list(zip(grads, vars)).")
        dist = sys.modules.get("gradtape.distribute")
        if dist is not None:
            if not skip_gradients_aggregation:
                grads = dist._aggregate_gradients(grads, variables)
            if not dist._applies_update():  # local replicas share the variables: one applies the step
                return self._iterations
        self._apply(grads, variables)
        return self._iterations

    def apply(self, grads: Iterable, trainable_variables: Optional[Iterable] = None) -> Variable:
        """Keras 3's ``optimizer.apply(grads, trainable_variables)``. Without variables, the ones
        the optimizer was built with are used, in order."""
        grads = list(grads)
        if trainable_variables is None:
            if not self._order:
                raise ValueError(f"{self.name}.apply(grads) without trainable_variables needs the optimizer "
                                 "to be built first: call optimizer.build(variables) or pass them.")
            variables = [st.var for st in self._order]
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{self.name}.apply: got {len(grads)} gradients for {len(variables)} variables.")
        if not variables:
            raise ValueError(f"{self.name}.apply received no gradients and variables.")
        self._apply(grads, variables)
        return self._iterations

    def minimize(self, loss: Any, var_list: Any, tape: Any = None) -> Variable:
        """Compute gradients of ``loss`` for ``var_list`` and apply them (``Optimizer.minimize``).

        ``loss`` is a zero-argument callable (evaluated under a new tape) or a tensor computed under
        ``tape``. ``var_list`` may be a callable returning the list (TF 2 legacy).
        """
        from ...tape import GradientTape
        if callable(loss) and not isinstance(loss, (Tensor, Variable)):
            with GradientTape() as t:
                if not callable(var_list):
                    for v in var_list:
                        t.watch(v)
                value = loss()
            tape = t
            loss = value
        elif tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed to minimize: compute the "
                             "loss inside `with tf.GradientTape() as tape:` and call "
                             "optimizer.minimize(loss, var_list, tape=tape), or pass the loss as a callable.")
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def _apply(self, grads: list, variables: list) -> None:
        if (type(self).update_step is not Optimizer.update_step or self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None
                or self.weight_decay):
            return self._apply_general(grads, variables)
        for g in grads:
            if g is None:
                return self._apply_general(grads, variables)
        # Fast path: one pass per variable, no intermediate lists.
        states = self._state
        for v in variables:
            st = states.get(id(v))
            if st is None or st.var is not v:
                self._check_variable(v)
                self._get_state(v)
        step = self._sync_step()
        lr = self._current_lr()
        t = step + 1
        self._before_step(t)
        update = self._update
        constrained = None
        scalar_update = self._update_scalar
        for g, v in zip(grads, variables):
            st = states[id(v)]
            w = v._value
            if type(g) is Tensor:
                a = g._value
                if scalar_update is not None and type(w) is _f32 and type(a) is _f32:
                    # a float32 scalar variable and gradient (the common scalar case, checked by type)
                    v._value = scalar_update(w, a, st, lr, t)
                    if getattr(v, "_constraint", None) is not None:
                        constrained = (constrained or []) + [v]
                    continue
                if scalar_update is not None and w.size == 1 and isinstance(w, (np.ndarray, np.generic)) \
                        and isinstance(a, (np.ndarray, np.generic)):
                    # one-element variables (the tutorials' scalars): NumPy scalar arithmetic, several
                    # times cheaper than ufuncs on 0-d arrays, same float32 rounding
                    if type(a) is np.ndarray:
                        a = a.reshape(-1)[0] if a.size == 1 else self._coerce(a, v)
                    if a.dtype != w.dtype:
                        a = w.dtype.type(a)
                    new = scalar_update(w if type(w) is not np.ndarray else w.reshape(-1)[0], a, st, lr, t)
                    if type(w) is np.ndarray:
                        new = np.full(w.shape, new, dtype=w.dtype)
                    v._value = new
                    if getattr(v, "_constraint", None) is not None:
                        constrained = (constrained or []) + [v]
                    continue
                if type(a) is not np.ndarray or a.dtype != w.dtype or a.shape != w.shape:
                    a = self._coerce(a, v)
                new = update(w, a, st, lr, t)
            else:
                a = self._grad_array(g, v, sparse_ok=self._supports_sparse)
                if type(a) is tuple:
                    new = self._update_sparse(w, a[0], a[1], st, lr, t)
                else:
                    new = update(w, a, st, lr, t)
            if type(new) is np.ndarray and new.ndim == 0:
                new = new[()]
            v._value = new
            if getattr(v, "_constraint", None) is not None:
                constrained = (constrained or []) + [v]
        self._step = t
        self._iterations._value = np.int64(t)
        self._after_step()
        if constrained:
            for v in constrained:
                v.assign(v._constraint(v))

    def _check_variable(self, v: Any) -> None:
        if not hasattr(type(v), "_gt_read"):
            raise TypeError(f"{type(self).__name__}: can only update tf.Variable objects; got "
                            f"{type(v).__name__} (a Tensor is immutable: make it a tf.Variable).")
        dt = v._value.dtype
        if dt.kind not in _FLOAT_KINDS:
            raise TypeError(f"{self.name}: variable {_var_name(v)!r} has dtype {dt}; only floating "
                            "variables can be trained.")

    def _coerce(self, a: Any, v: Any) -> np.ndarray:
        w = v._value
        dt = w.dtype
        if _dispatch.DEVICE_TYPES and not (isinstance(a, (np.ndarray, np.generic))
                                           and isinstance(w, (np.ndarray, np.generic))):
            a = _devices.to_device(a, _devices.device_of(w))     # onto the variable's device
            if a.dtype != dt:
                a = a.astype(dt)
            if a.ndim == 0 and not isinstance(a, np.generic) and isinstance(w, np.ndarray):
                a = a.reshape(())
        elif type(a) is not np.ndarray or a.dtype != dt:
            a = np.asarray(a, dtype=dt)
        if a.shape != np.shape(w):
            if a.size == np.size(w):
                a = a.reshape(np.shape(w))
            else:
                raise ValueError(f"{self.name}: gradient of shape {a.shape} does not match variable "
                                 f"{_var_name(v)!r} of shape {np.shape(w)}.")
        return a

    def _grad_array(self, g: Any, v: Any, sparse_ok: bool) -> Any:
        """A gradient as an ndarray in the variable's dtype and shape, or ``(indices, values)`` for an
        IndexedSlices when ``sparse_ok``."""
        w = v._value
        dt = w.dtype
        if type(g) is Tensor:
            return self._coerce(g._value, v)
        if _is_indexed_slices(g):
            if not sparse_ok:
                return _densify(g, dt, np.shape(w))
            idx = np.asarray(getattr(g.indices, "_value", g.indices))
            vals = np.asarray(getattr(g.values, "_value", g.values), dtype=dt)
            return (idx, vals)
        a = getattr(g, "_value", None)
        if a is None:
            a = np.asarray(g.read_value()._value if hasattr(type(g), "_gt_read") else g)
        elif hasattr(type(g), "_gt_read"):
            a = np.array(a, copy=True)  # a Variable's buffer: never handed to an in-place update
        return self._coerce(a, v)

    def _apply_general(self, grads: list, variables: list) -> None:
        live_g: list = []
        live_v: list = []
        missing: list = []
        for g, v in zip(grads, variables):
            if g is None:
                missing.append(v)
                continue
            if not hasattr(type(v), "_gt_read"):
                raise TypeError(f"{type(self).__name__}: can only update tf.Variable objects; got "
                                f"{type(v).__name__} (a Tensor is immutable: make it a tf.Variable).")
            live_g.append(g)
            live_v.append(v)
        if missing:
            names = [_var_name(v) for v in missing]
            if not live_v:
                raise ValueError(
                    f"No gradients provided for any variable: {names}. Every gradient was None. Likely "
                    "causes: the loss was computed outside the `with tf.GradientTape()` block; a value went "
                    "through NumPy (.numpy(), np.* functions) which cuts the tape; the loss does not use "
                    "these variables; or the variables have an integer dtype (only floating variables get "
                    "gradients)." + _explain_hint(missing))
            warnings.warn(f"Gradients do not exist for variables {names} when minimizing the loss. If "
                          "you're using `model.compile()`, did you forget to provide a `loss` argument?"
                          + _explain_hint(missing, only_reasons=True),
                          UserWarning, stacklevel=4)
        step = self._sync_step()
        lr = self._current_lr()
        arrays = self._prepare_grads(live_g, live_v)
        if self.weight_decay:
            self._apply_weight_decay(live_v, lr)
        t = step + 1
        self._before_step(t)
        if type(self).update_step is not Optimizer.update_step:
            self._apply_custom(arrays, live_v, lr)
            arrays = ()
        update = self._update
        sparse = self._update_sparse
        get_state = self._get_state
        for g, v in zip(arrays, live_v):
            st = get_state(v)
            if type(g) is tuple:
                new = sparse(v._value, g[0], g[1], st, lr, t)
            else:
                new = update(v._value, g, st, lr, t)
            if type(new) is np.ndarray and new.ndim == 0:
                new = new[()]
            v._value = new
        self._step = t
        self._iterations._value = np.int64(t)
        self._after_step()
        for v in live_v:
            c = getattr(v, "_constraint", None)
            if c is not None:
                v.assign(c(v))

    def _before_step(self, t: int) -> None:
        pass

    def _after_step(self) -> None:
        pass

    def _prepare_grads(self, grads: list, variables: list) -> list:
        """NumPy gradients in each variable's dtype; IndexedSlices stay ``(indices, values)`` unless
        clipping needs them dense. Then Keras's clipping."""
        clipping = self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None
        for v in variables:
            self._check_variable(v)
        out = [self._grad_array(g, v, sparse_ok=self._supports_sparse and not clipping)
               for g, v in zip(grads, variables)]
        if clipping:
            out = self._clip(out)
        return out

    def _clip(self, grads: list) -> list:
        if self.clipvalue is not None:
            c = self.clipvalue
            return [np.clip(g, -c, c) for g in grads]
        if self.clipnorm is not None:
            # Keras's clip_by_norm, in the gradient's dtype: g * c / max(||g||, c)
            res = []
            for g in grads:
                f = g.dtype.type
                c = f(self.clipnorm)
                l2sum = f(np.sum(np.square(g, dtype=np.float64)))
                l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
                res.append(np.divide(g * c, np.maximum(l2norm, c)))
            return res
        # Keras's clip_by_global_norm: scale = c * min(1 / ||all||, 1 / c), applied to every gradient
        f = grads[0].dtype.type if grads else np.float32
        # sums accumulated in float64 (closest to TF's tree reductions), then the float32 sqrt as Keras
        total = np.sqrt(f(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))
        c = f(self.global_clipnorm)
        if not np.isfinite(total):
            return [np.full_like(g, np.nan) for g in grads]
        with np.errstate(divide="ignore"):
            scale = c * np.minimum(f(1.0) / total, f(1.0) / c)
        return [g * scale.astype(g.dtype) for g in grads]

    def _apply_weight_decay(self, variables: list, lr: float) -> None:
        wd = self.weight_decay
        for v in variables:
            if self._excluded(v):
                continue
            v._value = v._value - v._value * (wd * lr)

    def exclude_from_weight_decay(self, var_list: Any = None, var_names: Any = None) -> None:
        """Exclude variables (or names containing one of ``var_names``) from weight decay."""
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_wd = list(var_names or [])

    def _excluded(self, v: Any) -> bool:
        if id(v) in getattr(self, "_exclude_ids", ()):
            return True
        name = _var_name(v)
        return any(p in name for p in self._exclude_wd)

    # -- the update rule -------------------------------------------------------------------------
    _supports_sparse = False
    #: Optional ``_update_scalar(w, g, st, lr, t)`` on NumPy scalars for one-element variables (slot
    #: values read and written with ``.flat[0]``); must round exactly as ``_update``.
    _update_scalar = None

    def _update(self, w: np.ndarray, g: np.ndarray, st: _State, lr: float, t: int) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define an update rule (_update).")

    def _update_sparse(self, w: np.ndarray, indices: np.ndarray, values: np.ndarray, st: _State,
                       lr: float, t: int) -> np.ndarray:
        from ..._array import zeros
        dense = zeros(np.shape(w), values.dtype, values)
        _add_rows_at(dense, indices, values)
        return self._update(w, dense, st, lr, t)

    @staticmethod
    def _scratch(st: _State, like: np.ndarray) -> np.ndarray:
        s = st.scratch
        if s is None or s.shape != like.shape or s.dtype != like.dtype:
            s = st.scratch = np.empty_like(like)
        return s

    # -- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras's optimizer config: name, learning_rate (a float or a serialized schedule), clipping,
        weight decay, plus each optimizer's hyperparameters."""
        if self._schedule is not None:
            lr = _schedules.serialize(self._schedule_raw)
        else:
            lr = float(_devices.to_host(self._lr_var._value))
        cfg = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
               "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
               "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99,
               "ema_overwrite_frequency": None, "loss_scale_factor": None,
               "gradient_accumulation_steps": None}
        if self._decay:
            cfg["decay"] = self._decay
        cfg.update(self._hyper_config())
        return cfg

    def _hyper_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict, custom_objects: Any = None) -> "Optimizer":
        """Rebuild an optimizer from ``get_config()`` (schedules are deserialized)."""
        cfg = dict(config)
        lr = cfg.get("learning_rate")
        if isinstance(lr, dict):
            cfg["learning_rate"] = _schedules.deserialize(lr, custom_objects=custom_objects)
        for k in ("use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                  "gradient_accumulation_steps", "is_legacy_optimizer", "jit_compile"):
            cfg.pop(k, None)
        return cls(**cfg)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._current_lr():g}>"


def _explain_hint(variables: list, only_reasons: bool = False) -> str:
    """Why these variables got None gradients, from explaining tapes (gradtape.explain, issue 5)."""
    from ... import explain as _explain
    if only_reasons:
        reasons = _explain.reasons_for_none(variables)
        return ("\nWhy:\n" + "\n".join(f"  - {r}" for r in reasons)) if reasons else ""
    return _explain.no_gradients_hint(variables)
