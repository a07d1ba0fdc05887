"""The Keras ``Layer`` base class (``tf.keras.layers.Layer``), eager only.

What it mirrors from tf.keras (Keras 2):

* lazy ``build(input_shape)`` on the first ``__call__``, then ``call(inputs, ...)``;
* ``add_weight(name, shape, dtype, initializer, regularizer, trainable, constraint)`` (the Keras 3
  order ``add_weight(shape, ...)`` is also accepted when the first positional is a shape);
* weights of nested layers (and Variables) tracked through attributes, lists, tuples and dicts, in
  assignment order: ``weights``/``variables``/``trainable_weights``/``non_trainable_weights``;
* the ``trainable`` flag propagates to nested layers; a non-trainable layer lists all its weights as
  non-trainable;
* ``training`` is passed to ``call`` when its signature accepts it; a value given to an outer call
  reaches inner layers (Keras's call context);
* ``losses``: weight-regularization losses (re-evaluated on each access, so they are differentiable
  under a tape) and ``add_loss`` activity losses from the latest outermost call;
* unique snake-case names (``dense``, ``dense_1``, ...), ``get_config``/``from_config``;
* floating inputs are cast to the layer's dtype (Keras's autocast), so a float64 NumPy array fed to a
  float32 layer gives float32 outputs;
* rank checks with Keras's messages (``expected min_ndim=2, found ndim=1``).

Calling a layer on a symbolic ``KerasTensor`` (from ``keras.Input``) records a node for the functional API
(see ``keras/engine/functional.py``).
"""
from __future__ import annotations

import inspect
import re
import itertools
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional

import numpy as np

from ... import dtypes as _dtypes
from ... import _autocast
from ...dispatch import convert_to_tensor
from ...tensor import Tensor, TensorShape
from ...variable import Variable
from ...module import Module, name_scope as _name_scope

# ------------------------------------------------------------------------------------------------
# Names, dtype default, call context
# ------------------------------------------------------------------------------------------------
class _NameCounts(threading.local):
    """Layer auto-name counters, per thread as in Keras 3 (its global state is thread-local)."""

    def __init__(self) -> None:
        self.counts: Dict[str, int] = {}


_NAMES = _NameCounts()
_FLOATX = ["float32"]


def to_snake_case(name: str) -> str:
    """Keras's class-name to layer-name rule: ``BatchNormalization`` -> ``batch_normalization``."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[:1] != "_" else "private" + insecure


def _container_leaves(values: List[Any]) -> Iterator[Any]:
    """The items of ``values`` with the lists, tuples and dicts among them (nested) replaced by their
    items (dict values), depth first, in order. At most 100000 containers are opened (a guard against
    containers that hold themselves)."""
    stack = list(reversed(values))
    opened = 0
    while stack:
        v = stack.pop()
        t = type(v)
        if t is list or t is tuple or isinstance(v, (list, tuple)):
            opened += 1
            if opened < 100000:
                stack.extend(reversed(v))
        elif isinstance(v, dict):
            opened += 1
            if opened < 100000:
                stack.extend(reversed(list(v.values())))
        else:
            yield v


def unique_object_name(prefix: str, zero_based: bool = True) -> str:
    """``prefix`` the first time (``prefix_1`` when not zero based), then ``prefix_1``, ``prefix_2``..."""
    counts = _NAMES.counts
    count = counts.get(prefix, 0)
    counts[prefix] = count + 1
    if zero_based:
        return prefix if count == 0 else f"{prefix}_{count}"
    return f"{prefix}_{count + 1}"


def reset_uids() -> None:
    """Forget the name counters (``keras.backend.clear_session``)."""
    _NAMES.counts.clear()


class _CallContext(threading.local):
    def __init__(self) -> None:
        self.training: List[Optional[bool]] = []
        self.scopes: List[str] = []
        self.depth = 0


_CTX = _CallContext()

# How many layers hold add_loss/activity losses right now: when 0, an outermost call has nothing to
# clear and skips walking the layer tree. And a version number bumped whenever a layer's tracked
# structure may change (weights created, layers assigned, ``trainable`` set), so ``fit`` can reuse
# its list of trainable variables between steps.
_STATE = {"loss_layers": 0, "version": 0}
_STATE_LOCK = threading.Lock()
_VERSIONS = itertools.count(1)   # next() is atomic: concurrent bumps never collapse into one


def _bump_version() -> None:
    _STATE["version"] = next(_VERSIONS)


def _floatx() -> str:
    return _FLOATX[0]


def _is_symbolic(x: Any) -> bool:
    return getattr(type(x), "_gt_keras_tensor", False)


def _flatten(x: Any) -> list:
    if isinstance(x, dict):
        return [leaf for k in x for leaf in _flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _flatten(v)]
    return [x]


def _map(fn: Callable, x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return type(x)(*[_map(fn, v) for v in x])
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    return fn(x)


def _shape_of(x: Any) -> Any:
    if isinstance(x, (Tensor, Variable)) or _is_symbolic(x):
        return TensorShape(x.shape)
    if isinstance(x, np.ndarray):
        return TensorShape(x.shape)
    if isinstance(x, (int, float, bool, np.generic)):
        return TensorShape(())
    return None


def _plain_shapes(shapes: Any) -> Any:
    """TensorShapes (possibly nested in lists/dicts) as plain tuples."""
    if isinstance(shapes, TensorShape):
        return tuple(shapes)
    if isinstance(shapes, dict):
        return {k: _plain_shapes(v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return [_plain_shapes(v) for v in shapes]
    return shapes


def _input_shapes(inputs: Any) -> Any:
    if isinstance(inputs, (list, tuple, dict)):
        return _map(_shape_of, inputs)
    return _shape_of(inputs)


# ------------------------------------------------------------------------------------------------
# Layer
# ------------------------------------------------------------------------------------------------
_masks: Any = None       # keras/layers/masking.py, bound at the end of this module
# Attributes that hold bookkeeping, never sublayers or weights to track.
_INTERNAL_ATTRS = frozenset({
    "_own_weights", "_tracked_attrs", "_axes", "_build_input_shape", "_batch_input_shape", "_callable_losses",
    "_eager_losses", "_inbound_nodes", "_outbound_nodes", "_graph", "_trainable", "_compiled",
    "stop_training", "history", "optimizer", "_gt_tv_cache", "_gt_train_fn", "_gt_test_fn",
})


_KERAS3_EXTRA_KEYS = frozenset({"module", "registered_name", "build_config", "compile_config", "lora_rank",
                                "lora_alpha", "quantization_config", "seed_generator"})


class Layer(Module):
    """The base of every Keras layer and model (``tf.keras.layers.Layer``); a ``tf.Module``.

    Subclass it and override ``__init__`` (configuration), ``build(input_shape)`` (create weights with
    ``add_weight``) and ``call(inputs, training=None)`` (the computation). Calling the layer builds it
    on the first call, casts floating inputs to the layer's dtype and then runs ``call``.
    """

    _gt_layer = True
    # Bookkeeping that tf.Module's attribute walk (``_flatten``) must not search.
    _TF_MODULE_IGNORED_PROPERTIES = Module._TF_MODULE_IGNORED_PROPERTIES | frozenset((
        "_tracked_attrs", "_inbound_nodes", "_outbound_nodes", "_graph", "_gt_tv_cache", "_gt_train_fn",
        "_gt_test_fn", "history", "optimizer", "_sym_output", "_output_shapes", "_callable_losses",
        "_eager_losses"))

    def __init__(self, trainable: bool = True, name: Optional[str] = None, dtype: Any = None,
                 dynamic: bool = False, **kwargs: Any):
        allowed = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                   "activity_regularizer", "autocast", "implementation", "input_length"}
        unknown = set(kwargs) - allowed
        if unknown:
            raise TypeError(f"Keyword argument not understood: {sorted(unknown)[0]!r} "
                            f"(layer {type(self).__name__}). Allowed extra keywords: {sorted(allowed)}.")
        object.__setattr__(self, "_own_weights", [])
        object.__setattr__(self, "_callable_losses", [])
        object.__setattr__(self, "_eager_losses", [])
        self._trainable = bool(trainable)
        self.built = False
        self._name = name if name is not None else unique_object_name(to_snake_case(type(self).__name__))
        if not isinstance(self._name, str):
            raise TypeError(f"Layer name must be a string, got {self._name!r}.")
        from ..mixed_precision import layer_dtypes
        # variable and compute dtypes from the dtype argument or policy (None: the global policy)
        self._dtype, self._compute_dtype = layer_dtypes(dtype)
        self._autocast = kwargs.get("autocast", True)
        self.supports_masking = False
        self.dynamic = dynamic
        self._inbound_nodes: list = []
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None and kwargs.get("input_shape") is not None:
            batch_input_shape = (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
        if batch_input_shape is None and kwargs.get("input_dim") is not None:
            batch_input_shape = (kwargs.get("batch_size"), int(kwargs["input_dim"]))
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)
        self._initial_weights = kwargs.get("weights")
        ar = kwargs.get("activity_regularizer")
        if ar is not None:
            from .. import regularizers
            ar = regularizers.get(ar)
        self.activity_regularizer = ar

    # -- attribute tracking --------------------------------------------------------------------
    # Attributes whose values may hold layers or variables (layers, Variables, lists, tuples, dicts)
    # are remembered by name when set, so the per-step walks (trainable_variables, losses) look at
    # those few attributes instead of every attribute of every layer.
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        tracked = d.get("_tracked_attrs")
        if tracked is None:
            tracked = {}
            object.__setattr__(self, "_tracked_attrs", tracked)
        t = type(value)
        if "_own_weights" not in d and (hasattr(t, "_gt_read") or getattr(t, "_gt_layer", False)):
            kind = "Model" if any(c.__name__ == "Model" for c in type(self).__mro__) else "Layer"
            raise RuntimeError(f"It looks like you are subclassing `{kind}` and you forgot to call "
                               "`super().__init__()`. Always start with this line.")
        if hasattr(t, "_gt_read"):
            own = d["_own_weights"]
            if not any(v is value for v in own):
                own.append(value)
        if name not in _INTERNAL_ATTRS and (hasattr(t, "_gt_read") or getattr(t, "_gt_layer", False)
                                            or isinstance(value, (list, tuple, dict))):
            tracked[name] = True
            _STATE["version"] = next(_VERSIONS)
        elif name in tracked:
            del tracked[name]
            _STATE["version"] = next(_VERSIONS)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        value = self.__dict__.get(name)
        if value is not None and hasattr(type(value), "_gt_read"):
            own = self.__dict__.get("_own_weights", [])
            self.__dict__["_own_weights"] = [v for v in own if v is not value]
        self.__dict__.get("_tracked_attrs", {}).pop(name, None)
        object.__delattr__(self, name)

    def _tracked_items(self) -> List[tuple]:
        d = self.__dict__
        tracked = d.get("_tracked_attrs")
        if tracked is None:
            return [(k, v) for k, v in d.items() if k not in _INTERNAL_ATTRS]
        return [(k, d[k]) for k in tracked if k in d]

    def _flatten_layers(self, include_self: bool = True, recursive: bool = True) -> Iterator["Layer"]:
        """Yield this layer (optionally) and its nested layers, depth first, each once, in order."""
        seen = set()
        if include_self:
            seen.add(id(self))
            yield self
        stack = list(reversed(self._direct_sublayers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            yield layer
            if recursive:
                stack.extend(reversed(layer._direct_sublayers()))

    def _direct_sublayers(self) -> List["Layer"]:
        """Layers held in attributes (directly or in lists, tuples and dicts), in assignment order."""
        out: list = []
        seen = {id(self)}
        for v in _container_leaves([v for _, v in self._tracked_items()]):
            if getattr(type(v), "_gt_layer", False) and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    def _tracked_variables(self) -> List[Any]:
        """Own weights: ``add_weight`` results and Variables found in attributes/lists/dicts."""
        out = list(self.__dict__["_own_weights"])
        ids = {id(v) for v in out}
        containers = [v for k, v in self._tracked_items()
                      if k != "_own_weights" and isinstance(v, (list, tuple, dict))]
        for v in _container_leaves(containers):
            if hasattr(type(v), "_gt_read") and id(v) not in ids:
                ids.add(id(v))
                out.append(v)
        return out

    # -- weights --------------------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self._flatten_layers():
            layer._trainable = bool(value)
        _bump_version()

    @property
    def trainable_weights(self) -> List[Any]:
        """Trainable variables of this layer, then of nested layers (empty when not trainable)."""
        if not self._trainable:
            return []
        out = [v for v in self._tracked_variables() if v.trainable]
        for layer in self._direct_sublayers():
            out.extend(layer.trainable_weights)
        return _dedupe(out)

    @property
    def non_trainable_weights(self) -> List[Any]:
        """Non-trainable variables; every weight when the layer itself is not trainable."""
        if not self._trainable:
            return self.weights
        out = [v for v in self._tracked_variables() if not v.trainable]
        for layer in self._direct_sublayers():
            out.extend(layer.non_trainable_weights)
        return _dedupe(out)

    @property
    def weights(self) -> List[Any]:
        """All variables: trainable first, then non-trainable (Keras's order)."""
        if not self._trainable:
            out = list(self._tracked_variables())
            for layer in self._direct_sublayers():
                out.extend(layer.weights)
            return _dedupe(out)
        return _dedupe(self.trainable_weights + self.non_trainable_weights)

    @property
    def variables(self) -> List[Any]:
        return self.weights

    @property
    def trainable_variables(self) -> List[Any]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> List[Any]:
        return self.non_trainable_weights

    @property
    def submodules(self) -> List["Layer"]:
        return list(self._flatten_layers(include_self=False))

    def get_weights(self) -> List[np.ndarray]:
        """The weights' values as NumPy arrays, in ``weights`` order."""
        return [np.array(v.numpy(), copy=True) for v in self.weights]

    def set_weights(self, weights: List[Any]) -> None:
        """Assign NumPy values to ``weights`` in order; shapes must match."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"Layer {self.name!r} weight shape mismatch: you called `set_weights(weights)` on layer "
                f"{self.name!r} with a weight list of length {len(weights)}, but the layer was expecting "
                f"{len(params)} weights. Provided weights: {_short(weights)}")
        for p, w in zip(params, weights):
            w = np.asarray(getattr(w, "_value", w))
            if tuple(p.shape) != tuple(w.shape):
                raise ValueError(f"Layer {self.name!r} weight shape {tuple(p.shape)} is not compatible "
                                 f"with provided weight shape {tuple(w.shape)}.")
            p.assign(w.astype(p._value.dtype))

    def count_params(self) -> int:
        """The number of scalars in ``weights`` (raises if the layer is not built, as Keras)."""
        if not self.built and not self.weights:
            raise ValueError(f"You tried to call `count_params` on layer {self.name!r}, but the layer "
                             "isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    def add_weight(self, name: Any = None, shape: Any = None, dtype: Any = None, initializer: Any = None,
                   regularizer: Any = None, trainable: Optional[bool] = None, constraint: Any = None,
                   use_resource: Any = None, synchronization: Any = None, aggregation: Any = None,
                   **kwargs: Any) -> Variable:
        """Create a Variable owned by this layer (``Layer.add_weight``).

        The default initializer is ``glorot_uniform`` for floating dtypes and ``zeros`` otherwise; the
        default dtype is the layer's. A ``regularizer`` contributes ``regularizer(variable)`` to
        ``losses``. ``trainable=False`` (or ``synchronization=ON_READ``) makes a non-trainable weight.
        """
        from .. import initializers as _init, regularizers as _reg, constraints as _con
        if name is not None and not isinstance(name, str) and shape is None:
            name, shape = None, name            # Keras 3 order: add_weight(shape, initializer, ...)
        autocast = kwargs.pop("autocast", kwargs.pop("experimental_autocast", True))
        for k in ("getter", "partitioner", "caching_device"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"add_weight: unknown keyword arguments {sorted(kwargs)}.")
        shape = () if shape is None else tuple(int(d) for d in (shape if not isinstance(shape, int) else (shape,)))
        if any(d is None for d in shape):
            raise ValueError(f"add_weight({name!r}): shape must be fully defined, got {shape}.")
        dt = _dtypes.as_dtype(getattr(dtype, "name", dtype) if dtype is not None else self.dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dt.is_floating else "zeros"
        init = _init.get(initializer)
        value = init(shape, dtype=dt) if not isinstance(init, (Tensor, np.ndarray)) else init
        if trainable is None:
            trainable = True
        if synchronization is not None and "ON_READ" in str(synchronization).upper():
            trainable = False
        constraint = _con.get(constraint) if constraint is not None else None
        # Keras names weights under the layer's name scope: 'dense/kernel:0', 'my_model/dense/kernel:0'.
        scopes = _CTX.scopes
        scope = "/".join(scopes) if scopes and scopes[-1] == self.name else "/".join(scopes + [self.name])
        var = Variable(value, trainable=trainable, name=f"{scope}/{name or 'Variable'}", dtype=dt,
                       constraint=constraint, aggregation=aggregation, synchronization=synchronization)
        self.__dict__["_own_weights"].append(var)
        if dt.is_floating and autocast:
            _autocast.register(var)
        _bump_version()
        if regularizer is not None:
            reg = _reg.get(regularizer)
            self._callable_losses.append(lambda r=reg, v=var: r(v))
        return var

    # -- losses -----------------------------------------------------------------------------------
    def add_loss(self, losses: Any, inputs: Any = None) -> None:
        """Add a loss tensor (or a zero-argument callable) to ``losses`` (``Layer.add_loss``)."""
        for loss in (losses if isinstance(losses, (list, tuple)) else [losses]):
            if loss is None:
                continue
            if callable(loss) and not isinstance(loss, (Tensor, Variable)):
                self._callable_losses.append(loss)
            else:
                self._append_eager_loss(convert_to_tensor(loss))

    @property
    def losses(self) -> List[Tensor]:
        """Regularization and ``add_loss`` losses of this layer and nested layers (``Layer.losses``)."""
        out: list = []
        for layer in self._flatten_layers():
            out.extend(layer._eager_losses)
            for fn in layer._callable_losses:
                v = fn()
                if v is not None:
                    out.append(convert_to_tensor(v))
        return out

    def _append_eager_loss(self, loss: Tensor) -> None:
        if not self._eager_losses:
            with _STATE_LOCK:
                _STATE["loss_layers"] += 1
        self._eager_losses.append(loss)

    def _clear_losses(self) -> None:
        if not _STATE["loss_layers"]:
            return
        for layer in self._flatten_layers():
            if layer.__dict__.get("_eager_losses"):
                with _STATE_LOCK:
                    _STATE["loss_layers"] -= 1
                layer.__dict__["_eager_losses"] = []

    # -- metadata -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> _name_scope:
        """A ``tf.name_scope`` named after the layer (``tf.Module.name_scope``)."""
        return _name_scope(self._name)

    @property
    def dtype(self) -> str:
        """The variables' dtype name (``'float32'`` unless set, or ``keras.backend.set_floatx``)."""
        return self._dtype or _floatx()

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype or self.dtype

    @property
    def dtype_policy(self) -> Any:
        from ..mixed_precision import DTypePolicy
        if self._compute_dtype and self._compute_dtype != self.dtype:
            return DTypePolicy(f"mixed_{self._compute_dtype}")
        return DTypePolicy(self.dtype)

    @property
    def variable_dtype(self) -> str:
        return self.dtype

    @property
    def input_shape(self) -> Any:
        if self._batch_input_shape is not None:
            return self._batch_input_shape
        nodes = self._inbound_nodes
        if nodes:
            shapes = _map(lambda t: tuple(t.shape), nodes[0].input_tensors)
            return shapes
        raise AttributeError(f"The layer {self.name!r} has never been called and thus has no defined "
                             "input shape.")

    @property
    def output_shape(self) -> Any:
        nodes = self._inbound_nodes
        if nodes:
            return _map(lambda t: tuple(t.shape), nodes[0].outputs)
        raise AttributeError(f"The layer {self.name!r} has never been called and thus has no defined "
                             "output shape.")

    @property
    def input(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} is not connected, no input to return.")
        return self._inbound_nodes[0].input_tensors

    @property
    def output(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has no inbound nodes.")
        return self._inbound_nodes[0].outputs

    # -- building and calling -----------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights (override); the base records ``built = True``."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation (override). The base returns its inputs unchanged."""
        return inputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the outputs (``Layer.compute_mask``): the input mask for layers that support
        masking, else ``None`` (the mask stops here)."""
        return mask if self.supports_masking else None

    def _check_input(self, inputs: Any) -> None:
        """Rank checks in Keras's words; subclasses set ``_min_ndim``/``_ndim``/``_axes``."""
        d = self.__dict__
        cls = type(self)
        min_ndim = d.get("_min_ndim", getattr(cls, "_min_ndim", None))
        ndim = d.get("_ndim", getattr(cls, "_ndim", None))
        axes = d.get("_axes", getattr(cls, "_axes", None))
        if min_ndim is None and ndim is None and not axes:
            return
        value = getattr(inputs, "_value", None)
        if value is not None:
            full = tuple(np.shape(value))
        else:
            shape = _shape_of(inputs)
            if shape is None:
                return
            full = tuple(shape)
        r = len(full)
        if ndim is not None and r != ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={ndim}, found ndim={r}. Full shape received: {full}")
        if min_ndim is not None and r < min_ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"min_ndim={min_ndim}, found ndim={r}. Full shape received: {full}")
        if axes:
            for axis, value in axes.items():
                got = full[axis] if -r <= axis < r else None
                if got is not None and value is not None and got != value:
                    raise ValueError(
                        f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis '
                        f"{axis} of input shape to have value {value}, but received input with shape {full}")

    def _maybe_build(self, inputs: Any) -> None:
        if self.built:
            return
        shapes = _input_shapes(inputs)
        self._build_input_shape = _plain_shapes(shapes)
        if not getattr(type(self).build, "_gt_default", False):   # Keras skips a Model's default build
            _CTX.scopes.append(self.name)
            try:
                self.build(shapes)
            finally:
                _CTX.scopes.pop()
        self.built = True
        _bump_version()
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _call_signature(self) -> dict:
        """Cached facts about ``call``'s parameters: names, ``**kwargs``, ``training``'s position/default."""
        cache = type(self).__dict__.get("_gt_call_sig_cache")
        if cache is None:
            cache = {"names": {"**"}, "training_index": None, "training_required": False}
            try:
                params = inspect.signature(self.call).parameters
                names = set(params)
                if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
                    names.add("**")
                cache["names"] = names
                if "training" in params:
                    p = params["training"]
                    if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
                        cache["training_index"] = list(params).index("training")
                    cache["training_required"] = p.default is inspect.Parameter.empty
            except (TypeError, ValueError):
                pass
            try:
                setattr(type(self), "_gt_call_sig_cache", cache)
            except TypeError:
                pass
        return cache

    def _call_accepts(self, arg: str) -> bool:
        return arg in self._call_signature()["names"]

    def _cast_input(self, x: Any) -> Any:
        """Tensors for NumPy/Python inputs; floating inputs cast to the layer's dtype (Keras's autocast)."""
        t = type(x)
        if t is Tensor or hasattr(t, "_gt_read"):
            v = x._value
        elif getattr(t, "_gt_keras_tensor", False):
            return x
        elif isinstance(x, (np.ndarray, np.generic, float, int, bool, list)):
            x = convert_to_tensor(x)
            v = x._value
        else:
            return x
        if self._autocast:
            dt = v.dtype
            if dt.kind == "f" or dt.kind == "V":      # V: bfloat16
                want = self.compute_dtype
                if dt.name != want:
                    from ...ops.math import cast
                    return cast(x, want)
        return x

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Build on first use, cast floating inputs, pass ``training`` when ``call`` accepts it, run ``call``."""
        if not args:
            if "inputs" in kwargs:
                args = (kwargs.pop("inputs"),)
            else:
                raise ValueError(f"Layer {self.name!r} was called without inputs.")
        inputs = args[0]
        nested = isinstance(inputs, (list, tuple, dict))
        if (getattr(type(inputs), "_gt_keras_tensor", False) if not nested
                else any(_is_symbolic(t) for t in _flatten(inputs))):
            from ..engine.functional import call_symbolic
            return call_symbolic(self, args, kwargs)
        if nested:
            inputs = _map(self._cast_input, inputs)
            args = (inputs,) + args[1:]
        else:
            cast = self._cast_input(inputs)
            if cast is not inputs:
                inputs = cast
                args = (inputs,) + args[1:]
            self._check_input(inputs)
        if not self.built:
            self._maybe_build(inputs)
        sig = self._call_signature()
        if "mask" in kwargs and "mask" not in sig["names"] and "**" not in sig["names"]:
            kwargs.pop("mask")                      # Keras passes masks only to layers that take them
        accepts = "training" in sig["names"]
        index = sig["training_index"]
        positional = index is not None and len(args) > index
        training = args[index] if positional else kwargs.get("training", None)
        pushed = False
        if training is not None:
            training = bool(training)
            _CTX.training.append(training)
            pushed = True
        elif _CTX.training:
            training = _CTX.training[-1]
        if positional:
            pass                                    # given positionally: leave it to call()
        elif "training" in kwargs:
            if not accepts and "**" not in sig["names"]:
                kwargs.pop("training")
            elif training is None and not sig["training_required"]:
                kwargs.pop("training")              # the call signature's default applies (Keras)
            else:
                kwargs["training"] = training
        elif accepts and (training is not None or sig["training_required"]):
            kwargs["training"] = training
        masking = _masks.wants_mask_work(self)
        if masking:
            previous_mask = kwargs.get("mask")
            if previous_mask is None:
                previous_mask = _masks.mask_of(inputs)
                if previous_mask is not None and "mask" in sig["names"]:
                    kwargs["mask"] = previous_mask
        outermost = _CTX.depth == 0
        if outermost:
            self._clear_losses()
        _CTX.depth += 1
        _CTX.scopes.append(self.name)
        scoped = _autocast.scope_dtype(self)
        if scoped is not False:
            _autocast.push(scoped)
        try:
            outputs = self.call(*args, **kwargs)
        finally:
            if scoped is not False:
                _autocast.pop()
            _CTX.scopes.pop()
            _CTX.depth -= 1
            if pushed:
                _CTX.training.pop()
        if masking:
            _masks.after_call(self, inputs, previous_mask, outputs)
        if self.activity_regularizer is not None:
            for o in _flatten(outputs):
                if isinstance(o, Tensor):
                    from ...ops.math import truediv, cast
                    n = o.shape[0] if o.ndim else 1
                    self._append_eager_loss(truediv(self.activity_regularizer(o), cast(n, o.dtype)))
        return outputs

    # -- configuration ------------------------------------------------------------------------
    def get_config(self) -> Dict[str, Any]:
        """``{'name', 'trainable', 'dtype'}`` (+ ``batch_input_shape``); subclasses add their arguments."""
        config: Dict[str, Any] = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._compute_dtype and self._compute_dtype != self.dtype:     # a mixed policy, as Keras 3
            config["dtype"] = {"module": "keras", "class_name": "DTypePolicy",
                               "config": {"name": self.dtype_policy.name}, "registered_name": None}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Layer":
        """``cls(**config)`` (``Layer.from_config``); Keras 3 bookkeeping keys (``build_config``,
        ``lora_rank``, ``quantization_config``, ...) are dropped, so Keras 3 configs load too."""
        config = {k: v for k, v in config.items() if k not in _KERAS3_EXTRA_KEYS}
        return cls(**config)

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape``, found by running the layer on zeros of that shape."""
        from ..engine.functional import infer_output_shape
        return infer_output_shape(self, input_shape)

    def __getstate__(self) -> dict:
        return dict(self.__dict__)

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)


def _dedupe(vs: list) -> list:
    seen = set()
    out = []
    for v in vs:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _short(ws: list) -> str:
    text = str([np.shape(getattr(w, "_value", w)) for w in ws])
    return text[:50] + ("..." if len(text) > 50 else "")


class InputSpec:
    """Kept for compatibility (``tf.keras.layers.InputSpec``); layers check ranks with ``_min_ndim``."""

    def __init__(self, dtype: Any = None, shape: Any = None, ndim: Optional[int] = None,
                 max_ndim: Optional[int] = None, min_ndim: Optional[int] = None,
                 axes: Optional[dict] = None, allow_last_axis_squeeze: bool = False, name: Any = None):
        self.dtype, self.shape, self.ndim = dtype, shape, ndim
        self.max_ndim, self.min_ndim, self.axes = max_ndim, min_ndim, axes or {}


from . import masking as _masks  # noqa: E402  (masks attached to tensors; imports this module)
