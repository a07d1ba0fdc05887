"""The functional API's graph: ``KerasTensor`` placeholders, ``Node`` records and their replay.

``keras.Input(shape)`` returns a ``KerasTensor`` (a shape with a ``None`` batch dimension and a dtype,
no value). Calling a layer on KerasTensors builds the layer from the symbolic shape, records a
``Node`` (layer, arguments, outputs) and returns new KerasTensors whose shapes are found by running
the layer on small zero batches (batch sizes 2 and 3: a dimension that differs between the two runs is
unknown, ``None``). ``Model(inputs, outputs)`` then walks the nodes back from the outputs and replays
them, in order, on real tensors. Arithmetic and indexing on KerasTensors (``x + y``, ``x[:, 0]``) become
``TFOpLambda``-style layers, as in tf.keras.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ... import dtypes as _dtypes
from ...dispatch import convert_to_tensor
from ...tensor import Tensor, TensorShape
from ..layers.base import Layer, _CTX, _flatten, _is_symbolic, _map


class KerasTensor:
    """A symbolic tensor of the functional API: ``shape`` (``None`` for unknown dims) and ``dtype``."""

    _gt_keras_tensor = True
    __array_priority__ = 200

    def __init__(self, shape: Any, dtype: Any = "float32", name: Optional[str] = None):
        self._shape = TensorShape(tuple(shape))
        self._dtype = _dtypes.as_dtype(getattr(dtype, "name", dtype))
        self.name = name
        self._keras_history: Optional[Tuple[Layer, int, int]] = None

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def node(self) -> Any:
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index] if layer._inbound_nodes else None

    def __repr__(self) -> str:
        layer = self._keras_history[0].name if self._keras_history else None
        return (f"<KerasTensor: shape={tuple(self._shape)} dtype={self._dtype.name} "
                f"(created by layer '{layer}')>")

    def __len__(self) -> int:
        raise TypeError("len() is not defined on a symbolic KerasTensor (its batch size is unknown).")

    def __bool__(self) -> bool:
        raise TypeError("A symbolic KerasTensor has no truth value: it is a placeholder in a functional model. "
                        "Use Python control flow in a subclassed Model's call() instead.")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"You are passing {self!r}, an intermediate Keras symbolic input/output, to a function that "
            "needs a value (NumPy or a gradtape op called directly). Symbolic tensors only flow through "
            "Keras layers; wrap the computation in a `tf.keras.layers.Lambda` layer.")

    def numpy(self) -> Any:
        raise TypeError("A symbolic KerasTensor has no value; call the model on data to get one.")

    # -- operators become op layers ------------------------------------------------------------
    def _op(self, name: str, fn: Any, *others: Any) -> "KerasTensor":
        return TFOpLambda(fn, name=None, op_name=name)([self] + list(others)) if others else \
            TFOpLambda(fn, op_name=name)(self)


def _install_operators() -> None:
    from ...ops import math as m

    def make(name: str, fn: Any, reflected: bool = False):
        if reflected:
            def method(self, other):
                return TFOpLambda(lambda xs: fn(xs[1], xs[0]) if isinstance(xs, list) else fn(other, xs),
                                  op_name=name)([self, other] if _is_symbolic(other) else self)
        else:
            def method(self, other):
                return TFOpLambda(lambda xs: fn(xs[0], xs[1]) if isinstance(xs, list) else fn(xs, other),
                                  op_name=name)([self, other] if _is_symbolic(other) else self)
        return method

    for dunder, name, fn in [("add", "__operators__.add", m.add), ("sub", "math.subtract", m.subtract),
                             ("mul", "math.multiply", m.multiply), ("truediv", "math.truediv", m.truediv),
                             ("pow", "math.pow", m.pow)]:
        setattr(KerasTensor, f"__{dunder}__", make(name, fn))
        setattr(KerasTensor, f"__r{dunder}__", make(name, fn, reflected=True))
    from ...ops.linalg import matmul
    KerasTensor.__matmul__ = make("linalg.matmul", matmul)
    KerasTensor.__neg__ = lambda self: TFOpLambda(m.negative, op_name="math.negative")(self)
    KerasTensor.__abs__ = lambda self: TFOpLambda(m.abs, op_name="math.abs")(self)

    def getitem(self, key):
        return TFOpLambda(lambda x: x[key], op_name="__operators__.getitem")(self)
    KerasTensor.__getitem__ = getitem


class TFOpLambda(Layer):
    """A layer wrapping a gradtape function applied to KerasTensors (arithmetic, indexing)."""

    def __init__(self, function: Any, op_name: str = "lambda", **kwargs: Any):
        from ..layers.base import unique_object_name
        kwargs.setdefault("name", unique_object_name(f"tf.{op_name}"))
        super().__init__(**kwargs)
        self.function = function
        self._autocast = False

    def call(self, inputs: Any) -> Any:
        return self.function(inputs)

    def get_config(self) -> Dict[str, Any]:
        raise NotImplementedError(
            f"Layer {self.name!r} wraps an operator applied to symbolic tensors (x + y, x[...]) and cannot be "
            "serialized; use tf.keras.layers.Add/Multiply/Lambda (with custom_objects) to make the model "
            "serializable.")


class Node:
    """One call of ``layer`` on symbolic arguments: ``args``, ``kwargs`` and the ``outputs`` it made."""

    __slots__ = ("layer", "args", "kwargs", "outputs")

    def __init__(self, layer: Layer, args: tuple, kwargs: dict, outputs: Any):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs

    @property
    def input_tensors(self) -> Any:
        return self.args[0]

    @property
    def parent_tensors(self) -> List[KerasTensor]:
        return [t for t in _flatten(list(self.args) + list(self.kwargs.values())) if _is_symbolic(t)]


def _zeros_for(kt: KerasTensor, fill: int) -> Tensor:
    shape = tuple(fill if d is None else d for d in kt.shape)
    dt = _dtypes.to_numpy(kt.dtype)
    if np.dtype(dt) == object:  # string inputs probe with empty strings
        return convert_to_tensor(np.full(shape, b"", dtype=object))
    return convert_to_tensor(np.zeros(shape, dtype=dt))


def _concrete(structure: Any, fill: int) -> Any:
    return _map(lambda v: _zeros_for(v, fill) if _is_symbolic(v) else v, structure)


def _run_on_zeros(layer: Layer, args: tuple, kwargs: dict, fill: int) -> Any:
    cargs = _concrete(list(args), fill)
    ckwargs = {k: _concrete(v, fill) for k, v in kwargs.items()}
    if "training" in ckwargs or layer._call_accepts("training"):
        ckwargs["training"] = False
    saved = _CTX.depth
    _CTX.depth = 1                      # an inner call: do not clear anyone's losses
    try:
        out = layer(*cargs, **ckwargs)
    finally:
        _CTX.depth = saved
    return out


def _symbolic_like(a: Any, b: Any) -> Any:
    """A KerasTensor whose dims are those of ``a`` where ``a`` and ``b`` agree, ``None`` elsewhere."""
    if isinstance(a, Tensor) or hasattr(type(a), "_gt_read"):
        sa, sb = tuple(a.shape), tuple(b.shape)
        if len(sa) != len(sb):
            shape = sa
        else:
            shape = tuple(x if x == y else None for x, y in zip(sa, sb))
        return KerasTensor(shape, a.dtype)
    return a


def _zip_map(fn: Any, a: Any, b: Any) -> Any:
    if isinstance(a, dict):
        return {k: _zip_map(fn, a[k], b[k]) for k in a}
    if isinstance(a, (list, tuple)):
        return type(a)(_zip_map(fn, x, y) for x, y in zip(a, b))
    return fn(a, b)


def call_symbolic(layer: Layer, args: tuple, kwargs: dict) -> Any:
    """Record ``layer(*args, **kwargs)`` on KerasTensors as a Node and return symbolic outputs."""
    inputs = args[0]
    if not isinstance(inputs, (list, tuple, dict)):
        layer._check_input(inputs)
    if not layer.built:
        layer._maybe_build(inputs)
    first = _run_on_zeros(layer, args, kwargs, 2)
    second = _run_on_zeros(layer, args, kwargs, 3)
    layer._clear_losses() if _CTX.depth == 0 else None
    outputs = _zip_map(_symbolic_like, first, second)
    node = Node(layer, tuple(args), dict(kwargs), outputs)
    index = len(layer._inbound_nodes)
    layer._inbound_nodes.append(node)
    for i, t in enumerate(_flatten(outputs)):
        if _is_symbolic(t):
            t._keras_history = (layer, index, i)
            t.name = layer.name if i == 0 else f"{layer.name}_{i}"
    return outputs


def infer_output_shape(layer: Layer, input_shape: Any) -> Any:
    """Output shape of ``layer`` for ``input_shape`` (``None`` dims allowed), by two zero runs."""
    def make(s: Any) -> KerasTensor:
        return KerasTensor(tuple(s), layer.dtype)
    if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
        sym = [make(s) for s in input_shape]
    else:
        sym = make(input_shape)
    if not layer.built:
        layer._maybe_build(sym)
    a = _run_on_zeros(layer, (sym,), {}, 2)
    b = _run_on_zeros(layer, (sym,), {}, 3)
    return _map(lambda t: t.shape, _zip_map(_symbolic_like, a, b))


def Input(shape: Any = None, batch_size: Optional[int] = None, name: Optional[str] = None, dtype: Any = None,
          sparse: Any = None, tensor: Any = None, ragged: Any = None, type_spec: Any = None,
          batch_shape: Any = None, **kwargs: Any) -> KerasTensor:
    """A symbolic input for the functional API (``tf.keras.Input``): ``shape`` excludes the batch size."""
    from ..layers.core import InputLayer
    if "batch_input_shape" in kwargs:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    if shape is None and batch_shape is None:
        raise ValueError("Please provide to Input a `shape` or a `batch_shape` argument. Note that `shape` "
                         "does not include the batch dimension.")
    if batch_shape is None:
        if isinstance(shape, int):
            shape = (shape,)
        batch_shape = (batch_size,) + tuple(shape)
    layer = InputLayer(batch_input_shape=tuple(batch_shape), dtype=dtype, name=name, sparse=sparse, ragged=ragged)
    return layer._input_tensor


def topological_nodes(inputs: List[KerasTensor], outputs: List[KerasTensor]) -> List[Node]:
    """Nodes needed to compute ``outputs`` from ``inputs``, in an order where parents come first."""
    input_ids = {id(t) for t in inputs}
    order: List[Node] = []
    done: set = set()
    for out in outputs:
        stack: List[Tuple[KerasTensor, bool]] = [(out, False)]
        while stack:
            t, expanded = stack.pop()
            if id(t) in input_ids:
                continue
            hist = t._keras_history
            if hist is None:
                raise ValueError(f"Output tensors of a functional Model must be the output of a Keras layer; "
                                 f"got {t!r}.")
            layer, node_index, _ = hist
            from ..layers.core import InputLayer
            if isinstance(layer, InputLayer):
                raise ValueError(
                    f'Graph disconnected: cannot obtain value for tensor {t!r} at layer "{layer.name}". '
                    "The following previous layers were accessed without issue: "
                    f"{[n.layer.name for n in order]}. Pass this Input in `inputs=`.")
            node = layer._inbound_nodes[node_index]
            if id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((t, True))
            for p in reversed(node.parent_tensors):
                stack.append((p, False))
    return order


def layers_in_keras_order(inputs: List[KerasTensor], outputs: List[KerasTensor]) -> List[Layer]:
    """The layers of a graph network in Keras's ``model.layers`` order: by depth (distance to the
    outputs, the longest path), deepest first, ties in the order a depth-first walk from the outputs
    first meets them (Keras's ``map_graph``). Input layers are included."""
    input_ids = {id(t) for t in inputs}
    first_seen: Dict[int, int] = {}          # id(layer) -> pre-order index
    layer_of: Dict[int, Layer] = {}
    post_order: List[Tuple[Any, Layer, list]] = []   # (node key, layer, parent node keys)
    finished: set = set()
    for out in outputs:
        stack: List[Tuple[KerasTensor, bool]] = [(out, False)]
        while stack:
            t, expanded = stack.pop()
            layer, node_index, _ = t._keras_history
            is_input = id(t) in input_ids
            key = (id(layer), node_index)
            if key in finished:
                continue
            if not expanded:
                if id(layer) not in first_seen:
                    first_seen[id(layer)] = len(first_seen)
                    layer_of[id(layer)] = layer
                stack.append((t, True))
                if not is_input:
                    for p in reversed(layer._inbound_nodes[node_index].parent_tensors):
                        stack.append((p, False))
                continue
            finished.add(key)
            parents = [] if is_input else [(id(p._keras_history[0]), p._keras_history[1])
                                           for p in layer._inbound_nodes[node_index].parent_tensors]
            post_order.append((key, layer, parents))
    node_depth: Dict[Any, int] = {}
    layer_depth: Dict[int, int] = {}
    for key, layer, parents in reversed(post_order):
        depth = max(node_depth.setdefault(key, 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = depth
        node_depth[key] = depth
        for parent in parents:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    ids = sorted(layer_depth, key=lambda i: (-layer_depth[i], first_seen[i]))
    return [layer_of[i] for i in ids]


def run_graph(nodes: List[Node], inputs: List[KerasTensor], values: List[Any], outputs: Any) -> Any:
    """Replay ``nodes`` with ``inputs`` bound to ``values``; return ``outputs``' values (same structure)."""
    env: Dict[int, Any] = {id(k): v for k, v in zip(inputs, values)}

    def resolve(x: Any) -> Any:
        if _is_symbolic(x):
            try:
                return env[id(x)]
            except KeyError:
                raise ValueError(f"Graph disconnected: no value for {x!r}.") from None
        return x

    for node in nodes:
        args = _map(resolve, list(node.args))
        kwargs = {k: _map(resolve, v) for k, v in node.kwargs.items()}
        out = node.layer(*args, **kwargs)
        _zip_map(lambda kt, v: env.__setitem__(id(kt), v) if _is_symbolic(kt) else None, node.outputs, out)
    return _map(resolve, outputs)


_install_operators()
