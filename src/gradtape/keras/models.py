"""Keras models (``tf.keras.Model``, ``tf.keras.Sequential``) with compile/fit/evaluate/predict.

Three ways to build one, as in tf.keras:

* **Subclassing**: ``class Linear(tf.keras.Model)`` with ``__init__`` (create layers) and ``call``;
  ``model.variables`` lists the nested layers' variables.
* **Sequential**: ``Sequential([Dense(...), ...])`` or ``.add(layer)``; ``input_shape=`` on the first
  layer (or an ``Input``) builds it at once, otherwise on the first call.
* **Functional**: ``Model(inputs, outputs)`` from ``keras.Input`` placeholders: the recorded layer graph
  is replayed on real inputs.

Training (``compile``/``fit``/``evaluate``/``predict``/``train_on_batch``) follows tf.keras 2: the train
step runs the forward pass under a ``GradientTape`` with ``training=True``, adds the layers'
regularization losses, and calls ``optimizer.apply_gradients``; ``loss`` in the logs is the running
mean (weighted by batch size) of that total; metrics are updated on every batch.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import numpy as np

from ..devices import to_host as _to_host

from ..dispatch import convert_to_tensor
from ..tape import GradientTape
from ..tensor import Tensor
from . import callbacks as callbacks_module
from .engine import data_adapter as _da
from .engine.functional import (  # noqa: F401
    KerasTensor, Input, Node, layers_in_keras_order, run_graph, topological_nodes)
from .engine.summary import print_summary
from .layers.base import Layer, _dedupe, _flatten, _is_symbolic, _map, unique_object_name, to_snake_case
from .layers.core import InputLayer
from .layers import serialization as _serial


def _as_float(v: Any) -> float:
    return float(np.asarray(getattr(v, "_value", v)))


def _targets(y_true: Any, n_outputs: int, output_names: List[str]) -> List[Any]:
    """Targets in output order: a dict is matched by output name (Keras), a list/tuple by position."""
    if n_outputs <= 1:
        if isinstance(y_true, dict) and len(y_true) == 1:
            return list(y_true.values())
        if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
            return [y_true[0]]
        return [y_true]
    if isinstance(y_true, dict):
        missing = [n for n in output_names if n not in y_true]
        if missing or len(output_names) != n_outputs:
            raise ValueError(f"Found unexpected or missing target keys: expected the output names "
                             f"{output_names}, got {list(y_true)}.")
        return [y_true[n] for n in output_names]
    return list(y_true) if isinstance(y_true, (list, tuple)) else [y_true]


def _distribute_sync_context() -> Any:
    """The replica context of a multi-replica tf.distribute strategy, if one is active (else None)."""
    dist = sys.modules.get("gradtape.distribute")
    return None if dist is None else dist._current_sync_context()


class _LossesContainer:
    """The compiled loss: one loss (or one per output), with sample weights and ``loss_weights``."""

    def __init__(self, loss: Any, loss_weights: Any = None, output_names: Optional[List[str]] = None):
        self._raw = loss
        self.loss_weights = loss_weights
        self.output_names = output_names or []
        self._built: Optional[Any] = None

    @staticmethod
    def _resolve(identifier: Any) -> Any:
        from . import losses as _losses
        obj = _losses.get(identifier)
        if obj is None:
            return None
        if isinstance(obj, _losses.Loss) or hasattr(obj, "reduction"):
            return obj
        if isinstance(obj, type):
            return obj()
        return _losses.LossFunctionWrapper(obj, name=getattr(obj, "__name__", None))

    def build(self, y_pred: Any) -> None:
        outs = _flatten(y_pred)
        raw = self._raw
        if isinstance(raw, dict):
            raw = [raw.get(n) for n in self.output_names] if self.output_names else list(raw.values())
        if isinstance(raw, (list, tuple)):
            if len(raw) != len(outs):
                raise ValueError(f"compile: got {len(raw)} losses for a model with {len(outs)} outputs.")
            self._built = [self._resolve(r) for r in raw]
        else:
            self._built = [self._resolve(raw)] * len(outs) if len(outs) > 1 else [self._resolve(raw)]
        w = self.loss_weights
        if isinstance(w, dict):
            w = [w.get(n, 1.0) for n in self.output_names]
        self._weights = list(w) if isinstance(w, (list, tuple)) else [1.0 if w is None else float(w)] * len(outs)

    # The model's loss tracker: a direct call (a custom train_step's ``self.compiled_loss(y, y_pred)``)
    # updates it with the batch's loss, as tf.keras 2's LossesContainer; Model.compute_loss, which the
    # built-in steps use, tracks the loss itself and sets ``_tracking`` False around its call.
    _tracker: Any = None
    _tracking = True

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None,
                 regularization_losses: Any = None) -> Optional[Tensor]:
        total = self._total(y_true, y_pred, sample_weight)
        if regularization_losses:
            from ..ops.math import add, add_n, cast
            reg = add_n(list(regularization_losses)) if len(regularization_losses) > 1 else \
                convert_to_tensor(regularization_losses[0])
            total = reg if total is None else add(total, cast(reg, total.dtype))
        if self._tracker is not None and self._tracking and total is not None:
            first = _flatten(y_pred)[0]
            n = int(np.shape(getattr(first, "_value", first))[0]) if np.ndim(getattr(first, "_value", first)) else 1
            self._tracker.update_state(np.asarray(total._value), sample_weight=n)
        return total

    def _total(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Optional[Tensor]:
        if self._built is None:
            self.build(y_pred)
        preds = _flatten(y_pred)
        trues = _targets(y_true, len(preds), self.output_names)
        if len(trues) != len(preds):
            raise ValueError(f"Model has {len(preds)} outputs but received {len(trues)} targets.")
        total = None
        from ..ops.math import add, multiply, cast
        self.last_values = []
        names = self.output_names if len(self.output_names) == len(preds) else \
            [f"output_{i + 1}" for i in range(len(preds))]
        for fn, w, t, p, name in zip(self._built, self._weights, trues, preds, names):
            if fn is None or t is None:
                continue
            value = fn(t, p, sample_weight=sample_weight)
            if len(preds) > 1:
                self.last_values.append((f"{name}_loss", value))
            if w != 1.0:
                value = multiply(value, cast(w, value.dtype))
            total = value if total is None else add(total, value)
        return total


class _MetricsContainer:
    """The compiled metrics, resolved on the first batch (``'accuracy'`` depends on loss and shapes).

    With several outputs, each metric is made once per output and logged as ``<output>_<name>``
    (a dict ``{output_name: metrics}`` picks outputs), as tf.keras 2.
    """

    def __init__(self, metrics: Any, loss: Any, weighted: Any = None, output_names: Optional[List[str]] = None):
        self._raw = metrics
        self._weighted_raw = weighted
        self._loss = loss
        self.output_names = output_names or []
        self.metrics: Optional[List[Any]] = None
        self._per_output: List[List[Any]] = []

    @staticmethod
    def _as_list(raw: Any) -> list:
        if raw is None:
            return []
        if isinstance(raw, (list, tuple)):
            return list(raw)
        return [raw]

    def _make(self, ident: Any, loss: Any, t: Any, p: Any, prefix: str) -> Any:
        from . import metrics as _metrics
        m = _metrics.resolve_metric(ident, loss=loss, y_true=t, y_pred=p)
        if not hasattr(m, "update_state"):
            m = _metrics.MeanMetricWrapper(m, name=ident if isinstance(ident, str) else
                                           getattr(m, "__name__", "metric"))
        elif isinstance(ident, str):
            m.name = ident          # Keras 2 logs a string metric under the string given ('mae')
        if prefix:
            m.name = f"{prefix}_{m.name}"
        return m

    def build(self, y_true: Any, y_pred: Any) -> None:
        preds = _flatten(y_pred)
        n = len(preds)
        trues = _targets(y_true, n, self.output_names)
        names = self.output_names if len(self.output_names) == n else [f"output_{i + 1}" for i in range(n)]
        losses = self._loss if isinstance(self._loss, (list, tuple)) else (
            [self._loss.get(nm) for nm in names] if isinstance(self._loss, dict) else [self._loss] * n)
        self._per_output = []
        for i in range(n):
            if isinstance(self._raw, dict):
                idents = self._as_list(self._raw.get(names[i]))
            elif isinstance(self._raw, (list, tuple)) and n > 1 and self._raw and \
                    all(isinstance(r, (list, tuple)) for r in self._raw):
                idents = self._as_list(self._raw[i])
            else:
                idents = self._as_list(self._raw)
            t = trues[i] if i < len(trues) else None
            self._per_output.append([self._make(ident, losses[i], t, preds[i], names[i] if n > 1 else "")
                                     for ident in idents])
        self.metrics = [m for ms in self._per_output for m in ms]

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self.metrics is None:
            self.build(y_true, y_pred)
        preds = _flatten(y_pred)
        trues = _targets(y_true, len(preds), self.output_names)
        for ms, t, p in zip(self._per_output, trues, preds):
            for m in ms:
                if sample_weight is None:
                    m.update_state(t, p)
                else:
                    m.update_state(t, p, sample_weight=sample_weight)

    def reset_state(self) -> None:
        for m in self.metrics or []:
            m.reset_state()


def _node_call_arguments(node: Any) -> tuple:
    """``(first argument, other arguments by name)`` of a layer call recorded in a functional graph: positional
    arguments after the first are named by the layer's ``call`` parameters (tf.keras 2's node format)."""
    import inspect
    args, kwargs = list(node.args), dict(node.kwargs)
    try:
        params = [p for p in inspect.signature(node.layer.call).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if not args and params and params[0].name in kwargs:
        args = [kwargs.pop(params[0].name)]
    if len(args) > 1:
        if len(params) < len(args) or any(p.name in kwargs for p in params[1:len(args)]):
            raise NotImplementedError(f"layer {node.layer.name!r} was called with {len(args)} positional arguments "
                                      "that its call() signature does not name; it cannot be serialized.")
        for p, a in zip(params[1:], args[1:]):
            kwargs[p.name] = a
    return (args[0] if args else None), kwargs


def _map_symbolic(x: Any, fn: Callable[[Any], Any]) -> Any:
    if _is_symbolic(x):
        return fn(x)
    if isinstance(x, (list, tuple)):
        return [_map_symbolic(v, fn) for v in x]
    if isinstance(x, dict):
        return {k: _map_symbolic(v, fn) for k, v in x.items()}
    return x


def _map_refs(x: Any, fn: Callable[[tuple], Any]) -> Any:
    """Replace the Keras-tensor references in a node's kwargs by ``fn((layer, node, tensor))``: Keras 3's
    ``{"class_name": "__keras_tensor__", ...}`` and tf.keras 2's ``[layer, node, tensor]`` lists."""
    if isinstance(x, dict):
        if x.get("class_name") == "__keras_tensor__":
            h = x["config"]["keras_history"]
            return fn((h[0], int(h[1]), int(h[2])))
        return {k: _map_refs(v, fn) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if (len(x) == 3 and isinstance(x[0], str) and type(x[1]) is int and type(x[2]) is int):
            return fn((x[0], x[1], x[2]))
        return [_map_refs(v, fn) for v in x]
    return x


class Model(Layer):
    """A Layer with training and saving (``tf.keras.Model``).

    ``Model()`` in a subclass's ``super().__init__()`` makes a subclassed model; ``Model(inputs,
    outputs)`` a functional one. ``model(x)`` runs ``call``; ``model.variables`` lists every variable
    of the nested layers.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        if name is None:
            prefix = "model" if (inputs is not None and type(self) in (Model,)) else to_snake_case(type(self).__name__)
            name = unique_object_name(prefix)
        trainable = kwargs.pop("trainable", True)
        super().__init__(name=name, trainable=trainable, **{k: v for k, v in kwargs.items()
                                                              if k in ("dtype", "dynamic", "autocast")})
        self.stop_training = False
        self.history = None
        self.optimizer = None
        self._compiled = None
        self._is_graph_network = False
        if inputs is not None:
            if outputs is None:
                raise ValueError("A functional Model needs both `inputs` and `outputs`.")
            self._init_graph(inputs, outputs)

    # -- functional graph ------------------------------------------------------------------------
    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        flat_in = _flatten(inputs)
        flat_out = _flatten(outputs)
        for t in flat_in + flat_out:
            if not _is_symbolic(t):
                raise ValueError(f"Model(inputs, outputs): all inputs and outputs must be symbolic tensors from "
                                 f"keras.Input and layers called on them; got {type(t).__name__}.")
        for t in flat_in:
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(f"Model inputs must come from `tf.keras.Input` (thus holding past layer "
                                 f"metadata). They cannot be the output of a previous non-Input layer. "
                                 f"Received: {t!r}")
        nodes = topological_nodes(flat_in, flat_out)
        self._graph = {"inputs": inputs, "outputs": outputs, "flat_inputs": flat_in, "flat_outputs": flat_out,
                       "nodes": nodes}
        self._self_layers = layers_in_keras_order(flat_in, flat_out)
        self._is_graph_network = True
        self._autocast = False          # inputs are conformed to each Input's dtype instead (Keras 2)
        self.built = True
        self.output_names = [t._keras_history[0].name for t in flat_out]
        self.input_names = [t._keras_history[0].name for t in flat_in]

    @property
    def inputs(self) -> List[KerasTensor]:
        return list(self._graph["flat_inputs"]) if self._is_graph_network else None

    @property
    def outputs(self) -> List[KerasTensor]:
        return list(self._graph["flat_outputs"]) if self._is_graph_network else None

    @property
    def input(self) -> Any:
        if self._is_graph_network:
            return self._graph["inputs"]
        return super().input

    @property
    def output(self) -> Any:
        if self._is_graph_network:
            return self._graph["outputs"]
        return super().output

    @property
    def input_shape(self) -> Any:
        if self._is_graph_network:
            shapes = [tuple(t.shape) for t in self._graph["flat_inputs"]]
            return shapes[0] if len(shapes) == 1 else shapes
        return super().input_shape

    @property
    def output_shape(self) -> Any:
        if self._is_graph_network:
            shapes = [tuple(t.shape) for t in self._graph["flat_outputs"]]
            return shapes[0] if len(shapes) == 1 else shapes
        return super().output_shape

    def _bind_inputs(self, inputs: Any) -> List[Any]:
        flat_in = self._graph["flat_inputs"]
        structure = self._graph["inputs"]
        if isinstance(inputs, dict):
            if isinstance(structure, dict):
                missing = [k for k in structure if k not in inputs]
                if missing:
                    raise ValueError(f"Missing data for input(s) {missing}. Expected keys {list(structure)}.")
                return [inputs[k] for k in structure]          # same order as _flatten(dict)
            names = [t._keras_history[0].name for t in flat_in]
            if all(n in inputs for n in names):
                return [inputs[n] for n in names]
            raise ValueError(f"Missing data for input(s); expected keys {names}, got {list(inputs)}.")
        flat = _flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(flat_in):
            raise ValueError(f'Layer "{self.name}" expects {len(flat_in)} input(s), but it received {len(flat)} '
                             f"input tensors.")
        return flat

    def _run_graph(self, inputs: Any, training: Optional[bool] = None, mask: Any = None) -> Any:
        values = [_conform(v, kt) for v, kt in zip(self._bind_inputs(inputs), self._graph["flat_inputs"])]
        for i, (kt, v) in enumerate(zip(self._graph["flat_inputs"], values)):
            shape = tuple(np.shape(v._value))
            want = tuple(kt.shape)
            if len(shape) != len(want) or any(w is not None and s != w for s, w in zip(shape, want)):
                raise ValueError(f'Input {i} of layer "{self.name}" is incompatible with the layer: expected '
                                 f"shape={want}, found shape={shape}")
        return run_graph(self._graph["nodes"], self._graph["flat_inputs"], values, self._graph["outputs"])

    def call(self, inputs: Any, training: Optional[bool] = None, mask: Any = None) -> Any:
        """Functional models replay their layer graph; subclasses override ``call``."""
        if self._is_graph_network:
            return self._run_graph(inputs, training=training, mask=mask)
        raise NotImplementedError(f"Model {self.name!r}: a subclassed Model must implement call(); a functional "
                                  "model is made with Model(inputs, outputs).")

    def _direct_sublayers(self) -> List[Layer]:
        if self._is_graph_network:
            return list(self._self_layers)
        return super()._direct_sublayers()

    @property
    def weights(self) -> List[Any]:
        """All variables layer by layer (each layer's trainable then non-trainable ones), then the
        model's own: tf.keras 2's ``Model.weights`` order, which ``get_weights``/``set_weights`` use."""
        out: List[Any] = []
        for layer in self._direct_sublayers():
            out.extend(layer.weights)
        own = self._tracked_variables()
        out.extend([v for v in own if v.trainable] + [v for v in own if not v.trainable])
        return _dedupe(out)

    @property
    def variables(self) -> List[Any]:
        return self.weights

    @property
    def trainable_weights(self) -> List[Any]:
        """Nested layers' trainable variables, then the model's own (tf.keras 2's Model order)."""
        if not self._trainable:
            return []
        out: List[Any] = []
        for layer in self._direct_sublayers():
            out.extend(layer.trainable_weights)
        out.extend(v for v in self._tracked_variables() if v.trainable)
        return _dedupe(out)

    @property
    def non_trainable_weights(self) -> List[Any]:
        """Nested layers' non-trainable variables, then the model's own (all weights when frozen)."""
        if not self._trainable:
            return self.weights
        out: List[Any] = []
        for layer in self._direct_sublayers():
            out.extend(layer.non_trainable_weights)
        out.extend(v for v in self._tracked_variables() if not v.trainable)
        return _dedupe(out)

    @property
    def layers(self) -> List[Layer]:
        """The model's layers: graph order for functional models, attribute order for subclassed ones.
        Operations that Keras 3 records as plain operations, not layers, are left out as Keras 3 does."""
        if self._is_graph_network:
            return [lay for lay in self._self_layers if not getattr(lay, "_gt_keras_operation", False)]
        return self._direct_sublayers()

    @layers.setter
    def layers(self, value: Any) -> None:
        raise AttributeError("`Model.layers` attribute is reserved and should not be used. Please use another name.")

    def get_layer(self, name: Optional[str] = None, index: Optional[int] = None) -> Layer:
        """A layer by ``name`` or ``index`` (``Model.get_layer``)."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")

    def build(self, input_shape: Any = None) -> None:
        """Build by running the model once on zeros of ``input_shape`` (``None`` dims become 1)."""
        if self._is_graph_network:
            self.built = True
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")

        def zeros(s: Any) -> Tensor:
            return convert_to_tensor(np.zeros(tuple(1 if d is None else d for d in s), dtype=self.dtype))
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
            x = [zeros(s) for s in input_shape]
        elif isinstance(input_shape, dict):
            x = {k: zeros(s) for k, s in input_shape.items()}
        else:
            x = zeros(input_shape)
        self(x, training=False)
        self.built = True

    build._gt_default = True  # type: ignore[attr-defined]

    # -- summary / config -------------------------------------------------------------------------
    def _summary_rows(self) -> List[tuple]:
        if not self.built:
            raise ValueError("This model has not yet been built. Build the model first by calling `build()` or "
                             "by calling the model on a batch of data.")
        rows = []
        if self._is_graph_network:
            nodes = self._graph["nodes"]
            linear = all(len(n.parent_tensors) <= 1 for n in nodes) and \
                len({id(n.layer) for n in nodes}) == len(nodes) and len(self._graph["flat_inputs"]) == 1
            layer_nodes: Dict[int, List[Node]] = {}
            for n in nodes:
                layer_nodes.setdefault(id(n.layer), []).append(n)
            for layer in self._self_layers:
                ptype = f"{layer.name} ({type(layer).__name__})"
                if isinstance(layer, InputLayer):
                    shape: Any = [tuple(layer._batch_input_shape)]
                    connected = [] if not linear else None
                else:
                    ns = layer_nodes.get(id(layer), [])
                    shape = _map(lambda t: tuple(t.shape), ns[0].outputs) if len(ns) == 1 else None
                    connected = None
                    if not linear:
                        connected = []
                        for n in ns:
                            for p in n.parent_tensors:
                                pl, pi, ti = p._keras_history
                                connected.append(f"{pl.name}[{pi if not isinstance(pl, InputLayer) else 0}][{ti}]")
                rows.append((ptype, shape, layer.count_params() if layer.built else 0, connected))
            return rows
        for layer in self.layers:
            # tf.keras 2 shows "multiple" for the layers of a subclassed model (they have no graph nodes).
            rows.append((f"{layer.name} ({type(layer).__name__})", None,
                         layer.count_params() if layer.built else 0, None))
        return rows

    def summary(self, line_length: Optional[int] = None, positions: Optional[List[float]] = None,
                print_fn: Optional[Callable] = None, expand_nested: bool = False, show_trainable: bool = False,
                layer_range: Any = None) -> None:
        """Print the Keras table: ``name (Type)``, output shape, parameter count, then the totals."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable, layer_range=layer_range)

    def get_config(self) -> Dict[str, Any]:
        """The functional graph as Keras's config (layers with ``inbound_nodes``, input/output layers).

        A node is tf.keras 2's ``[[layer, node, tensor, kwargs], ...]`` (one entry per tensor of the first call
        argument); the other call arguments are in ``kwargs`` by name, Keras tensors there as
        ``[layer, node, tensor]`` (as tf.keras 2 writes them)."""
        return self._functional_config(None)

    def _functional_config(self, keras3: Optional[Callable[[Any, list], Any]]) -> Dict[str, Any]:
        """``get_config``; with ``keras3`` (``(tensor, ref) -> json``) nodes are Keras 3's
        ``{"args": [...], "kwargs": {...}}`` with each Keras tensor written by ``keras3``."""
        if not self._is_graph_network:
            if type(self).get_config is not Model.get_config:  # a subclass's get_config calling super()
                return Layer.get_config(self)                  # gets the base config, as in Keras 3
            raise NotImplementedError(
                f"Model {self.name!r} is a subclassed Model: Keras cannot serialize its call() code. Implement "
                "get_config() (and from_config) in your subclass, or build it with the functional API.")
        nodes = self._graph["nodes"]
        node_ids: Dict[int, int] = {}
        per_layer: Dict[int, int] = {}
        for n in nodes:
            k = per_layer.get(id(n.layer), 0)
            node_ids[id(n)] = k
            per_layer[id(n.layer)] = k + 1

        def ref(t: KerasTensor) -> list:
            layer, ni, ti = t._keras_history
            if isinstance(layer, InputLayer):
                return [layer.name, 0, 0]
            return [layer.name, node_ids[id(layer._inbound_nodes[ni])], ti]

        layers_cfg = []
        for layer in self._self_layers:
            inbound = []
            for n in nodes:
                if n.layer is not layer:
                    continue
                first, kwargs = _node_call_arguments(n)
                kw = _map_symbolic(kwargs, lambda t: ref(t) if keras3 is None else keras3(t, ref(t)))
                if keras3 is not None:
                    inbound.append({"args": [_map_symbolic(first, lambda t: keras3(t, ref(t)))], "kwargs": kw})
                else:
                    inbound.append([ref(t) + [kw] for t in _flatten(first) if _is_symbolic(t)])
            layers_cfg.append({"class_name": type(layer).__name__, "config": layer.get_config(),
                               "name": layer.name, "inbound_nodes": inbound})
        return {"name": self.name, "trainable": self.trainable, "layers": layers_cfg,
                "input_layers": [ref(t) for t in self._graph["flat_inputs"]],
                "output_layers": [ref(t) for t in self._graph["flat_outputs"]]}

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "Model":
        """Rebuild a functional model from ``get_config()`` (fresh weights)."""
        if "layers" not in config or "input_layers" not in config:
            if cls is Model:
                raise ValueError("Model.from_config needs a functional model's config (with layers and "
                                 "input_layers).")
            return cls(**config)
        created: Dict[str, Layer] = {}
        tensors: Dict[tuple, Any] = {}
        pending = []
        for lc in config["layers"]:
            layer = _serial.deserialize({"class_name": lc["class_name"], "config": lc["config"]}, custom_objects)
            created[lc["name"]] = layer
            if isinstance(layer, InputLayer):
                tensors[(lc["name"], 0, 0)] = layer._input_tensor
            for i, node in enumerate(lc.get("inbound_nodes", [])):
                pending.append((lc["name"], i, node))
        def tensor_refs(x: Any) -> List[tuple]:
            out: List[tuple] = []
            _map_refs(x, lambda r: out.append(r) if r[0] in created else None)
            return out

        progress = True
        while pending and progress:
            progress = False
            rest = []
            for lname, idx, node in pending:
                kwargs = dict(node[0][3]) if node and len(node[0]) > 3 else {}
                positional = kwargs.pop("__positional__", [])
                keys = [tuple(n[:3]) for n in node] + tensor_refs(kwargs) + tensor_refs(positional)
                if all(k in tensors for k in keys):
                    args = [tensors[tuple(n[:3])] for n in node]
                    kwargs = _map_refs(kwargs, lambda r: tensors.get(r, list(r)))
                    positional = _map_refs(positional, lambda r: tensors.get(r, list(r)))
                    first = args if len(args) > 1 else args[0]
                    out = created[lname](first, *positional, **kwargs)
                    for ti, t in enumerate(_flatten(out)):
                        tensors[(lname, idx, ti)] = t
                    progress = True
                else:
                    rest.append((lname, idx, node))
            pending = rest
        if pending:
            raise ValueError(f"Model.from_config: could not connect layers {[p[0] for p in pending]}.")
        inputs = [tensors[tuple(r[:3])] for r in config["input_layers"]]
        outputs = [tensors[tuple(r[:3])] for r in config["output_layers"]]
        return Model(inputs=inputs if len(inputs) > 1 else inputs[0],
                     outputs=outputs if len(outputs) > 1 else outputs[0], name=config.get("name"))

    def to_json(self, **kwargs: Any) -> str:
        import json
        from .saving import _json_default
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          default=_json_default, **kwargs)

    # -- saving (file formats live in keras/saving.py) ---------------------------------------
    def save_weights(self, filepath: Any, overwrite: bool = True, save_format: Any = None, options: Any = None) -> None:
        """Write the weights (``.weights.h5`` or ``.safetensors``; see ``keras.saving``)."""
        from . import saving
        if not overwrite and os.path.exists(os.fspath(filepath)):
            raise FileExistsError(f"{filepath} exists and overwrite=False.")
        saving.save_weights(self, filepath)

    def load_weights(self, filepath: Any, skip_mismatch: bool = False, by_name: bool = False, options: Any = None) -> Any:
        """Read weights written by ``save_weights`` into this model; ``by_name``/``skip_mismatch``
        match layers by name / skip mismatched layers with a warning (see ``keras.saving.load_weights``).

        A subclassed model that has not created its variables yet (never called) and a TF-format checkpoint
        (a prefix, not an .h5/.npz/.safetensors file): as tf.keras 2, the restore is deferred to the first
        call, which then runs with the restored values (gradtape builds the model on that first input, then
        restores, then computes the output). The returned status's ``assert_consumed`` passes once that
        happened. HDF5-like files need a built model, as in Keras."""
        from . import saving
        path = os.fspath(filepath)
        if (saving._fmt(path) == "tf" and not os.path.isfile(path) and not self._is_graph_network
                and not self.weights and not self.built and not (by_name or skip_mismatch)):
            from ..train.checkpoint import _read_data
            _read_data(path)                        # fail now on a missing or unreadable checkpoint
            status = _DeferredRestore(self, path)
            object.__setattr__(self, "_gt_deferred_restore", status)
            return status
        if not self._is_graph_network and not self.built and not self.weights and os.path.isfile(path):
            raise ValueError("You are loading weights into a model that has not yet been built. Try building the "
                             "model first by calling it on some data or by using `build()`.")
        return saving.load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        deferred = self.__dict__.get("_gt_deferred_restore")
        if deferred is not None and args and not any(_is_symbolic(t) for t in _flatten(args[0])):
            deferred._run(args, kwargs)
        return super().__call__(*args, **kwargs)

    def export(self, filepath: Any, format: str = "tf_saved_model", **kwargs: Any) -> None:  # noqa: A002
        """Export for serving (Keras 3 ``Model.export``) in gradtape's saved-model directory format, which
        ``tf.saved_model.load`` and ``keras.layers.TFSMLayer`` read (not TF's protobuf SavedModel)."""
        from ..saved_model import export_keras_model
        export_keras_model(self, filepath, format, **kwargs)

    def save(self, filepath: Any, overwrite: bool = True, save_format: Any = None, **kwargs: Any) -> None:
        """Save architecture, weights and optimizer state (``keras.saving.save_model``)."""
        from . import saving
        if not overwrite and os.path.exists(os.fspath(filepath)):
            raise FileExistsError(f"{filepath} exists and overwrite=False.")
        saving.save_model(self, filepath)

    # -- compile / fit ---------------------------------------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None, loss_weights: Any = None,
                weighted_metrics: Any = None, run_eagerly: Any = None, steps_per_execution: Any = None,
                jit_compile: Any = None, **kwargs: Any) -> None:
        """Set the optimizer, loss and metrics for ``fit`` (strings or objects, as tf.keras)."""
        from . import optimizers as _opt
        dist = sys.modules.get("gradtape.distribute")
        object.__setattr__(self, "_gt_strategy", dist.get_strategy() if dist is not None and dist.has_strategy()
                           else None)
        self.optimizer = _opt.get(optimizer) if optimizer is not None else None
        names = getattr(self, "output_names", None)
        self.compiled_loss = _LossesContainer(loss, loss_weights, names) if loss is not None else None
        self.compiled_metrics = _MetricsContainer(metrics, loss, weighted_metrics, names)
        self.loss = loss
        self._compile_metrics = metrics          # read by keras.saving to recompile a loaded model
        from . import metrics as _metrics
        self._loss_tracker = _metrics.Mean(name="loss")
        if self.compiled_loss is not None:
            self.compiled_loss._tracker = self._loss_tracker
        self._output_loss_trackers: Dict[str, Any] = {}
        self._compiled = True
        self.stop_training = False
        object.__setattr__(self, "_gt_run_eagerly", bool(run_eagerly))
        self.__dict__.pop("_gt_train_fn", None)
        self.__dict__.pop("_gt_test_fn", None)

    @property
    def run_eagerly(self) -> bool:
        """Whether ``fit`` runs the train step eagerly instead of compiled (``compile(run_eagerly=...)``)."""
        return bool(self.__dict__.get("_gt_run_eagerly", False))

    @run_eagerly.setter
    def run_eagerly(self, value: bool) -> None:
        object.__setattr__(self, "_gt_run_eagerly", bool(value))

    def _assert_compiled(self, what: str) -> None:
        if not self._compiled:
            raise RuntimeError(f"You must compile your model before {what}. Use `model.compile(optimizer, loss)`.")

    @property
    def metrics(self) -> List[Any]:
        """The loss tracker then the compiled metrics (after the first batch)."""
        if not self._compiled:
            return []
        out = [self._loss_tracker] + list(self._output_loss_trackers.values())
        if self.compiled_metrics is not None and self.compiled_metrics.metrics:
            out.extend(self.compiled_metrics.metrics)
        return out

    @property
    def metrics_names(self) -> List[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None) -> Tensor:
        """The compiled loss plus ``self.losses`` (regularization and ``add_loss``), as Keras 2."""
        from ..ops.math import add, add_n
        total = None
        if self.compiled_loss is not None:
            self.compiled_loss._tracking = False        # the built-in steps track the loss in _track_loss
            try:
                total = self.compiled_loss(y, y_pred, sample_weight)
            finally:
                self.compiled_loss._tracking = True
        extra = self.losses
        if extra:
            reg = add_n(extra) if len(extra) > 1 else extra[0]
            total = reg if total is None else add(total, _cast(reg, total.dtype))
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any) -> Dict[str, float]:
        if y is not None:
            self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> Dict[str, float]:
        return {m.name: _as_float(m.result()) for m in self.metrics}

    def _track_loss(self, loss: Tensor, x: Any) -> None:
        first = _flatten(x)[0]
        n = int(first.shape[0]) if getattr(first, "ndim", 0) else 1
        self._loss_tracker.update_state(loss, sample_weight=n)
        if self.compiled_loss is not None:
            from . import metrics as _metrics
            for name, value in getattr(self.compiled_loss, "last_values", ()):
                tracker = self._output_loss_trackers.get(name)
                if tracker is None:
                    tracker = self._output_loss_trackers[name] = _metrics.Mean(name=name)
                tracker.update_state(value, sample_weight=n)

    def train_step(self, data: Any) -> Dict[str, float]:
        """One optimizer step on a batch ``(x, y, sample_weight)`` (override to customize ``fit``)."""
        x, y, y_pred, sample_weight = self._train_step_updates(data)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _train_step_updates(self, data: Any) -> tuple:
        """The built-in ``train_step`` up to its logs: forward, loss, gradients, the optimizer step and the
        loss tracker's update; returns ``(x, y, y_pred, sample_weight)``. ``fit`` compiles this part and
        the compiled-metric updates (see ``_compiled_train_step``)."""
        x, y, sample_weight = _da.unpack(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
            scale_loss = getattr(self.optimizer, "scale_loss", None)   # LossScaleOptimizer
            scaled = scale_loss(loss) if scale_loss is not None else loss
            sync = _distribute_sync_context()
            if sync is not None:       # the replicas' gradients are summed: scale as Keras does
                scaled = scaled * (1.0 / sync.num_replicas_in_sync)
        variables = self._fit_trainable_variables()
        grads = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        self._track_loss(loss if sync is None else sync.all_reduce("MEAN", loss), x)
        return x, y, y_pred, sample_weight

    def _train_function(self, strategy: Any) -> Callable[[Any], Dict[str, float]]:
        """What ``fit`` runs per batch (Keras's ``make_train_function``): a batch -> the logs.

        The built-in ``train_step`` is compiled with ``gradtape.function`` (as Keras wraps it in
        ``tf.function``), unless ``compile(run_eagerly=True)``, ``tf.config.run_functions_eagerly(True)``
        or a distribution strategy is in effect, or the model overrides ``train_step``,
        ``compute_metrics`` or ``get_metrics_result`` (their returned values would come from Python state
        that a compiled plan cannot follow: such a model's own ``train_step`` runs eagerly, as it did).
        The compiled part is the step and the metric updates (replayed on every call); the logs are read
        from the metrics after it, so they are the same numbers as the eager step's."""
        if strategy is not None:
            return lambda batch: strategy._keras_train_step(self, batch)
        cls = type(self)
        if (self.__dict__.get("_gt_run_eagerly") or cls.train_step is not Model.train_step
                or cls.compute_metrics is not Model.compute_metrics
                or cls.get_metrics_result is not Model.get_metrics_result):
            return self.train_step

        def run(batch: Any) -> Dict[str, float]:
            self._compiled_step("_gt_train_fn", self._train_step_updates)(batch)
            return self.get_metrics_result()
        return run

    def _test_function(self) -> Callable[[Any], Dict[str, float]]:
        """What ``evaluate`` (and ``fit``'s validation) runs per batch (Keras's ``make_test_function``): the
        built-in ``test_step`` compiled as ``_train_function`` compiles ``train_step``, on the same terms."""
        cls = type(self)
        if (self.__dict__.get("_gt_run_eagerly") or cls.test_step is not Model.test_step
                or cls.compute_metrics is not Model.compute_metrics
                or cls.get_metrics_result is not Model.get_metrics_result
                or self.__dict__.get("_gt_strategy") is not None):
            return self.test_step

        def run(batch: Any) -> Dict[str, float]:
            self._compiled_step("_gt_test_fn", self._test_step_updates)(batch)
            return self.get_metrics_result()
        return run

    def _compiled_step(self, attr: str, updates: Callable[[Any], tuple]) -> Any:
        """``updates`` (``_train_step_updates`` or ``_test_step_updates``) plus the compiled-metric updates
        as one ``gradtape.function``, kept in ``attr`` and made again when the layer structure,
        ``trainable`` flags, optimizer, loss or metrics change (the plan holds the variable list and the
        optimizer it was traced with)."""
        from ..function import Function
        from .layers.base import _STATE
        key = (_STATE["version"], self.optimizer, self.compiled_loss, self.compiled_metrics)
        cached = self.__dict__.get(attr)
        if cached is not None and cached[0] == key:
            return cached[1]

        def step_function(data: Any) -> None:
            x, y, y_pred, sample_weight = updates(data)
            if y is not None:
                self.compiled_metrics.update_state(y, y_pred, sample_weight)
        step_function.__name__ = "train_function" if attr == "_gt_train_fn" else "test_function"
        fn = Function(step_function)

        def call(data: Any) -> None:
            fn(data)
            # the first call built the layers (new weights move the version): key the cache after it
            state = (_STATE["version"], self.optimizer, self.compiled_loss, self.compiled_metrics)
            if self.__dict__.get(attr, (None,))[0] != state:
                object.__setattr__(self, attr, (state, call))
        object.__setattr__(self, attr, (key, call))
        return call

    def _fit_trainable_variables(self) -> List[Any]:
        """``trainable_variables``, reused between steps while no layer changed its weights, sublayers or
        ``trainable`` flag (the walk over the layer tree costs more than a small Dense step)."""
        from .layers.base import _STATE
        key = _STATE["version"]
        cache = self.__dict__.get("_gt_tv_cache")
        if cache is None or cache[0] != key:
            cache = (key, self.trainable_variables)
            object.__setattr__(self, "_gt_tv_cache", cache)
        return cache[1]

    def test_step(self, data: Any) -> Dict[str, float]:
        """Loss and metrics on a batch, with ``training=False``."""
        x, y, y_pred, sample_weight = self._test_step_updates(data)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _test_step_updates(self, data: Any) -> tuple:
        """The built-in ``test_step`` up to its logs (the loss tracker updated); ``(x, y, y_pred, sw)``."""
        x, y, sample_weight = _da.unpack(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._track_loss(loss, x)
        return x, y, y_pred, sample_weight

    def predict_step(self, data: Any) -> Any:
        x, _, _ = _da.unpack(data)
        return self(x, training=False)

    def _make_callbacks(self, callbacks: Any, verbose: int, epochs: int, steps: Optional[int], **extra: Any):
        if isinstance(callbacks, callbacks_module.CallbackList):
            cbs = callbacks
            cbs.set_model(self)
            cbs.set_params({"verbose": verbose, "epochs": epochs, "steps": steps, **extra})
            return cbs
        return callbacks_module.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                             verbose=verbose, epochs=epochs, steps=steps, **extra)

    def fit(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None, epochs: int = 1,
            verbose: Union[int, str] = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: Any = True, class_weight: Optional[dict] = None,
            sample_weight: Any = None, initial_epoch: int = 0, steps_per_epoch: Optional[int] = None,
            validation_steps: Optional[int] = None, validation_batch_size: Optional[int] = None,
            validation_freq: Any = 1, max_queue_size: int = 10, workers: int = 1,
            use_multiprocessing: bool = False) -> callbacks_module.History:
        """Train for ``epochs`` epochs (tf.keras 2's ``Model.fit``); returns the ``History``."""
        self._assert_compiled("training/testing")
        if self.optimizer is None:
            raise ValueError("fit needs an optimizer: compile(optimizer=...).")
        verbose = 1 if verbose == "auto" else int(verbose)
        if x is None:
            raise ValueError("fit: `x` is required.")
        if validation_split and validation_data is None:
            if _da.is_dataset(x) or _da.is_iterator_like(x):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, found "
                                 f"following types in the input: {type(x)}")
            if not 0 < validation_split < 1:
                raise ValueError(f"validation_split must be in (0, 1), got {validation_split}.")
            (x, y, sample_weight), validation_data = _da.train_validation_split(
                (_da.to_arrays(x), _da.to_arrays(y), _da.to_arrays(sample_weight)), validation_split)
            if validation_data[2] is None:
                validation_data = validation_data[:2]
        handler = _da.DataHandler(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                  shuffle=shuffle, class_weight=class_weight)
        val_handler = None
        if validation_data is not None:
            if _da.is_dataset(validation_data) or _da.is_iterator_like(validation_data):
                val_handler = _da.DataHandler(validation_data, batch_size=validation_batch_size or batch_size,
                                              steps_per_epoch=validation_steps)
            else:
                vx, vy, vsw = _da.unpack(tuple(validation_data))
                val_handler = _da.DataHandler(vx, vy, vsw, batch_size=validation_batch_size or batch_size,
                                              steps_per_epoch=validation_steps)
        cbs = self._make_callbacks(callbacks, verbose, epochs, handler.steps)
        strategy = self.__dict__.get("_gt_strategy")   # compiled under a tf.distribute scope
        self.stop_training = False
        self.__dict__.pop("_initial_epoch", None)
        cbs.on_train_begin()
        initial_epoch = self.__dict__.pop("_initial_epoch", None) or initial_epoch  # set by BackupAndRestore
        logs: Dict[str, float] = {}
        for epoch in range(int(initial_epoch), int(epochs)):
            self.__dict__.pop("_gt_tv_cache", None)
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            train_function = self._train_function(strategy)
            step = -1
            for step, batch in enumerate(handler.epoch()):
                cbs.on_train_batch_begin(step)
                logs = train_function(batch)
                cbs.on_train_batch_end(step, dict(logs))
                if self.stop_training:
                    break
            if step == -1:
                if handler.exhausted:
                    break
                raise ValueError("Unexpected result of `train_function` (Empty logs). Please use "
                                 "`Model.compile(..., run_eagerly=True)`, or check that your data is not empty.")
            epoch_logs = dict(self.get_metrics_result())
            if val_handler is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_handler(val_handler, cbs, in_fit=True)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            logs = epoch_logs
            if self.stop_training or handler.exhausted:
                break
        cbs.on_train_end(logs)
        history = getattr(cbs, "_history", None)
        if history is not None:         # also when no epoch ran (epochs=0, initial_epoch >= epochs)
            self.history = history
        return self.history

    def _evaluate_handler(self, handler: Any, cbs: Any, in_fit: bool = False) -> Dict[str, float]:
        self.reset_metrics()
        progbars = [cb for cb in cbs if isinstance(cb, callbacks_module.ProgbarLogger)]
        for cb in progbars:
            cb._in_fit = in_fit                 # validation inside fit draws no bar of its own
        cbs.on_test_begin()
        logs: Dict[str, float] = {}
        test_function = self._test_function()
        for step, batch in enumerate(handler.epoch()):
            cbs.on_test_batch_begin(step)
            logs = test_function(batch)
            cbs.on_test_batch_end(step, dict(logs))
        logs = self.get_metrics_result()
        cbs.on_test_end(logs)
        for cb in progbars:
            cb._in_fit = False
        return logs

    def evaluate(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None, verbose: Union[int, str] = "auto",
                 sample_weight: Any = None, steps: Optional[int] = None, callbacks: Any = None,
                 max_queue_size: int = 10, workers: int = 1, use_multiprocessing: bool = False,
                 return_dict: bool = False, **kwargs: Any) -> Any:
        """Loss and metrics over the data (``training=False``): a scalar loss, ``[loss, *metrics]``, or a dict."""
        self._assert_compiled("training/testing")
        verbose = 1 if verbose == "auto" else int(verbose)
        handler = _da.DataHandler(x, y, sample_weight, batch_size=batch_size, steps_per_epoch=steps)
        cbs = callbacks_module.CallbackList(callbacks, add_history=False, add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=1, steps=handler.steps)
        logs = self._evaluate_handler(handler, cbs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: Optional[int] = None, verbose: Union[int, str] = "auto",
                steps: Optional[int] = None, callbacks: Any = None, max_queue_size: int = 10, workers: int = 1,
                use_multiprocessing: bool = False) -> Any:
        """Outputs for ``x`` in batches (``training=False``), concatenated into NumPy arrays."""
        verbose = 1 if verbose == "auto" else int(verbose)
        handler = _da.DataHandler(x, None, None, batch_size=batch_size, steps_per_epoch=steps)
        cbs = callbacks_module.CallbackList(callbacks, add_history=False, add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=1, steps=handler.steps)
        cbs.on_predict_begin()
        outputs: List[Any] = []
        for step, batch in enumerate(handler.epoch()):
            cbs.on_predict_batch_begin(step)
            out = self.predict_step(batch)
            outputs.append(_map(lambda t: np.asarray(_to_host(getattr(t, "_value", t))), out))   # to the host
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). Please check that "
                             "your input is not empty.")
        first = outputs[0]
        if isinstance(first, dict):
            return {k: np.concatenate([o[k] for o in outputs]) for k in first}
        if isinstance(first, (list, tuple)):
            return [np.concatenate([o[i] for o in outputs]) for i in range(len(first))]
        return np.concatenate(outputs)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Optional[dict] = None,
                       reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """One optimizer step on exactly this batch; returns the loss (and metrics)."""
        self._assert_compiled("training/testing")
        if reset_metrics:
            self.reset_metrics()
        handler = _da.DataHandler(x, y, sample_weight, batch_size=_da.num_samples(_da.to_arrays(x)) or 1,
                                  class_weight=class_weight)
        logs = {}
        for batch in handler.epoch():
            logs = self.train_step(batch)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else list(logs.values())[0])

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, reset_metrics: bool = True,
                      return_dict: bool = False) -> Any:
        """Loss (and metrics) on exactly this batch, ``training=False``."""
        self._assert_compiled("training/testing")
        if reset_metrics:
            self.reset_metrics()
        handler = _da.DataHandler(x, y, sample_weight, batch_size=_da.num_samples(_da.to_arrays(x)) or 1)
        logs = {}
        for batch in handler.epoch():
            logs = self.test_step(batch)
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else list(logs.values())[0])

    def predict_on_batch(self, x: Any) -> Any:
        out = self(_da.tensorize(_da.to_arrays(x)), training=False)
        return _map(lambda t: np.asarray(t._value), out)


class _DeferredRestore:
    """The status of a ``load_weights`` deferred to the model's first call (tf.keras 2's deferred
    restoration): ``assert_consumed`` and friends raise until the first call restored the values."""

    def __init__(self, model: "Model", path: str):
        self._model = model
        self._path = path
        self._status: Any = None

    def _run(self, args: tuple, kwargs: dict) -> None:
        model = self._model
        model.__dict__.pop("_gt_deferred_restore", None)
        try:
            # Create the variables on this input (inference mode: no moving-statistics updates, no dropout),
            # then restore them; the caller's call then runs on the restored values.
            dry = dict(kwargs) if len(args) > 1 else {**kwargs, "training": False}
            Layer.__call__(model, *args, **dry)
            from . import saving
            self._status = saving.load_weights(model, self._path)
        except BaseException:
            object.__setattr__(model, "_gt_deferred_restore", self)
            raise

    def _pending(self, what: str) -> None:
        if self._status is None:
            raise AssertionError(f"{what}: the restore of {self._path} into model {self._model.name!r} is deferred "
                                 "until the model is first called (it has no variables yet).")

    def assert_consumed(self) -> "_DeferredRestore":
        self._pending("assert_consumed")
        self._status.assert_consumed()
        return self

    def assert_existing_objects_matched(self) -> "_DeferredRestore":
        self._pending("assert_existing_objects_matched")
        self._status.assert_existing_objects_matched()
        return self

    def assert_nontrivial_match(self) -> "_DeferredRestore":
        return self

    def expect_partial(self) -> "_DeferredRestore":
        return self


def _conform(value: Any, kt: KerasTensor) -> Any:
    """A Tensor for a graph input, as tf.keras 2's Functional conforms inputs to its ``Input``s: NumPy
    converted, floating values cast to the Input's dtype, a missing (or extra) trailing axis of size 1
    added (or squeezed), so ``(n,)`` data feeds an ``Input(shape=(1,))``."""
    if not isinstance(value, Tensor) and not hasattr(type(value), "_gt_read"):
        value = convert_to_tensor(value)
    if value._value.dtype.kind == "f" and kt.dtype.is_floating and value.dtype != kt.dtype:
        value = _cast(value, kt.dtype)
    rank, want = np.ndim(value._value), len(kt.shape)
    if rank == want - 1 and kt.shape[-1] == 1:
        from ..ops.shape import expand_dims
        value = expand_dims(value, -1)
    elif rank == want + 1 and np.shape(value._value)[-1] == 1:
        from ..ops.shape import squeeze
        value = squeeze(value, -1)
    return value


def _should_validate(epoch: int, freq: Any) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


def _cast(v: Any, dtype: Any) -> Any:
    from ..ops.math import cast
    return cast(v, dtype)


class Sequential(Model):
    """A linear stack of layers (``tf.keras.Sequential``).

    ``Sequential([Dense(64, input_shape=(4,)), Dense(1)])`` is built at once (it records its graph, so
    ``summary()`` shows output shapes); without an input shape it is built on the first call.
    """

    def __init__(self, layers: Optional[Sequence[Layer]] = None, name: Optional[str] = None, **kwargs: Any):
        super().__init__(name=name or unique_object_name("sequential"), **kwargs)
        self._seq_layers: List[Layer] = []
        self._autocast = False          # each layer casts its own inputs (Keras 2's Sequential is Functional)
        self._input_layer: Optional[InputLayer] = None
        self._output_shapes: Dict[int, Any] = {}
        self._sym_output: Any = None
        if layers:
            if not isinstance(layers, (list, tuple)):
                layers = [layers]
            for layer in layers:
                self.add(layer)

    def add(self, layer: Any) -> None:
        """Append a layer (an ``Input`` tensor or InputLayer sets the input shape)."""
        if _is_symbolic(layer):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._seq_layers or self._input_layer is not None:
                raise ValueError("An InputLayer must be the first layer of a Sequential model.")
            self._input_layer = layer
            self._sym_output = layer._input_tensor
            return
        if not getattr(type(layer), "_gt_layer", False):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: layer={layer} of type "
                            f"{type(layer)}.")
        if any(l.name == layer.name and l is not layer for l in self._seq_layers):   # reuse shares weights
            raise ValueError(f'All layers added to a Sequential model should have unique names. Name "{layer.name}" '
                             "is already the name of a layer in this model. Update the `name` argument to pass a "
                             "unique name.")
        if not self._seq_layers and self._input_layer is None and layer._batch_input_shape is not None:
            self._input_layer = InputLayer(batch_input_shape=layer._batch_input_shape,
                                           dtype=layer._dtype, name=f"{layer.name}_input")
            self._sym_output = self._input_layer._input_tensor
        self._seq_layers.append(layer)
        if self._sym_output is not None:
            out = layer(self._sym_output)
            if len(_flatten(out)) != 1:
                raise ValueError("All layers in a Sequential model should have a single output tensor. For multi-"
                                 "output layers, use the functional API.")
            self._output_shapes[id(layer)] = tuple(out.shape)
            self._sym_output = out
            self.built = True

    def pop(self) -> None:
        """Remove the last layer."""
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        self._output_shapes.pop(id(layer), None)
        if self._input_layer is not None:
            x = self._input_layer._input_tensor
            for l in self._seq_layers:               # re-record the remaining chain (fresh nodes)
                x = l(x)
            self._sym_output = x

    @property
    def layers(self) -> List[Layer]:
        return list(self._seq_layers)

    def _direct_sublayers(self) -> List[Layer]:
        return list(self._seq_layers)

    @property
    def inputs(self) -> Any:
        return [self._input_layer._input_tensor] if self._input_layer is not None else None

    @property
    def outputs(self) -> Any:
        return [self._sym_output] if self._input_layer is not None and self._seq_layers else None

    @property
    def input(self) -> Any:
        if self._input_layer is None:
            raise AttributeError(f"Sequential model {self.name!r} has no input yet: give the first layer an "
                                 "`input_shape`, add a `tf.keras.Input`, or call build().")
        return self._input_layer._input_tensor

    @property
    def output(self) -> Any:
        if self._input_layer is None or not self._seq_layers:
            raise AttributeError(f"Sequential model {self.name!r} has no output yet (not built).")
        return self._sym_output

    @property
    def input_shape(self) -> Any:
        if self._input_layer is not None:
            return tuple(self._input_layer._batch_input_shape)
        raise AttributeError("The model has not been built yet, so it has no input shape.")

    @property
    def output_shape(self) -> Any:
        if self._seq_layers and id(self._seq_layers[-1]) in self._output_shapes:
            return self._output_shapes[id(self._seq_layers[-1])]
        raise AttributeError("The model has not been built yet, so it has no output shape.")

    def build(self, input_shape: Any = None) -> None:
        """Record the graph for ``input_shape`` (batch dimension included; ``None`` allowed)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("You must provide an `input_shape` argument.")
            return
        self._build_input_shape = tuple(input_shape)
        if self._input_layer is None:
            first = self._seq_layers[0].name if self._seq_layers else None
            self._input_layer = InputLayer(batch_input_shape=tuple(input_shape),
                                           name=f"{first}_input" if first else None,
                                           dtype=getattr(self, "_gt_data_dtype", None))
            x = self._input_layer._input_tensor
            for layer in self._seq_layers:
                x = layer(x)
                self._output_shapes[id(layer)] = tuple(x.shape)
            self._sym_output = x
        self.built = True

    def call(self, inputs: Any, training: Optional[bool] = None, mask: Any = None) -> Any:
        if not self._seq_layers:
            raise ValueError("Sequential model has no layers; add some with .add(layer).")
        x = inputs
        if self._input_layer is not None and not isinstance(x, (list, tuple, dict)):
            x = _conform(x, self._input_layer._input_tensor)
        for layer in self._seq_layers:
            x = layer(x)
        return x

    build._gt_default = True  # type: ignore[attr-defined]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.built and args and not any(_is_symbolic(t) for t in _flatten(args[0])):
            first = args[0]
            shape = getattr(first, "shape", None)
            if shape is None and not isinstance(first, (list, tuple, dict)):
                shape = np.shape(first)
            if shape is not None and not isinstance(first, (list, tuple, dict)):
                v = getattr(first, "_value", first)
                if getattr(v, "dtype", None) is not None and np.dtype(v.dtype).kind in "OUS":
                    self._gt_data_dtype = "string"  # string data (e.g. a TextVectorization first): Keras's Input dtype
                self.build((None,) + tuple(shape)[1:])
        return super().__call__(*args, **kwargs)

    def _summary_rows(self) -> List[tuple]:
        if not self.built:
            raise ValueError("This model has not yet been built. Build the model first by calling `build()` or "
                             "by calling the model on a batch of data.")
        return [(f"{l.name} ({type(l).__name__})", self._output_shapes.get(id(l)),
                 l.count_params() if l.built else 0, None) for l in self._seq_layers]

    def get_config(self) -> Dict[str, Any]:
        """``{'name', 'layers': [...]}``, the InputLayer first when the model has one (Keras 2)."""
        layers = []
        if self._input_layer is not None:
            layers.append({"class_name": "InputLayer", "config": self._input_layer.get_config()})
        for l in self._seq_layers:
            layers.append(_serial.serialize(l))
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "Sequential":
        model = cls(name=config.get("name"))
        for lc in config["layers"]:
            if lc["class_name"] == "InputLayer":
                model.add(InputLayer(**dict(lc["config"])))
            else:
                model.add(_serial.deserialize(lc, custom_objects))
        return model


Functional = Model          # tf.keras 2 writes functional models' configs with class_name "Functional"


def model_from_config(config: Dict[str, Any], custom_objects: Optional[dict] = None) -> Model:
    """A model (or layer) from ``{'class_name', 'config'}``."""
    return _serial.deserialize(config, custom_objects)


def model_from_json(json_string: str, custom_objects: Optional[dict] = None) -> Model:
    import json
    return model_from_config(json.loads(json_string), custom_objects)


def clone_model(model: Model, input_tensors: Any = None, clone_function: Any = None) -> Model:
    """A new model with the same architecture and fresh weights (Sequential and functional)."""
    if isinstance(model, Sequential) or model._is_graph_network:
        return type(model).from_config(model.get_config())
    raise ValueError("clone_model: subclassed models cannot be cloned (their call() code is not serializable).")


def load_model(filepath: Any, custom_objects: Optional[dict] = None, compile: bool = True, **kwargs: Any) -> Model:
    """Load a model saved with ``model.save`` (``keras.models.load_model``; format in ``keras.saving``)."""
    from . import saving
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=kwargs.pop("safe_mode", True))


def save_model(model: Model, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """``model.save(filepath)``."""
    model.save(filepath, overwrite=overwrite)
