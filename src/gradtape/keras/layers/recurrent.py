"""Recurrent layers (``tf.keras.layers``): SimpleRNN, LSTM, GRU, their cells, and the generic ``RNN``.

Keras 2/3 semantics and defaults:

* weights ``kernel`` ``(input_dim, k * units)``, ``recurrent_kernel`` ``(units, k * units)`` and
  ``bias``, in that order, initialised ``glorot_uniform`` / ``orthogonal`` / ``zeros``;
* LSTM gates in the order ``i, f, c, o``, ``unit_forget_bias=True`` (forget bias initialised to 1),
  ``c = f * c + i * tanh(.)``, ``h = o * tanh(c)``;
* GRU gates ``z, r, h``; ``reset_after=True`` (the default of tf.keras 2 and Keras 3) has a bias of
  shape ``(2, 3 * units)`` (input and recurrent biases) and applies the reset gate after the
  recurrent matmul; ``h = z * h_prev + (1 - z) * hh``;
* ``activation='tanh'``, ``recurrent_activation='sigmoid'``;
* ``return_sequences``, ``return_state`` (``[output, h]`` or ``[output, h, c]`` for LSTM),
  ``go_backwards`` (outputs in processing order, as Keras), ``time_major``, ``initial_state``,
  ``dropout``/``recurrent_dropout`` (one mask per sequence, in training only).

Speed: the input projection ``x @ kernel + bias`` for every time step is one matmul; each step then
costs one ``h @ recurrent_kernel`` plus elementwise ops. Masks and ``stateful=True`` follow
Keras (see ``RNN``).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from ...dispatch import convert_to_tensor
from ...ops import math as _m
from ...ops import shape as _s
from ...ops.linalg import matmul
from ...tensor import Tensor
from .. import activations
from .base import Layer, _CTX
from .core import _add_weight_with_options, _set_weight_options, _weight_options_config


def _dropout_mask(shape: tuple, rate: float, dtype: Any) -> Tensor:
    from ...ops.random import _draw
    dt = np.dtype(dtype)
    return _draw(lambda rng: ((rng.random(shape) >= rate) / (1.0 - rate)).astype(dt))


class _Cell(Layer):
    """Shared constructor arguments of the built-in cells."""

    n_gates = 1

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, **kwargs: Any):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        units = int(units)
        if units <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a positive integer, "
                             f"got {units}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        _set_weight_options(self, kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                            recurrent=(recurrent_initializer, recurrent_regularizer, recurrent_constraint),
                            bias=(bias_initializer, bias_regularizer, bias_constraint))
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))

    @property
    def state_size(self) -> Any:
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _bias_shape(self) -> tuple:
        return (self.n_gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        input_dim = int(tuple(input_shape)[-1])
        k = self.n_gates * self.units
        self.kernel = _add_weight_with_options(self, "kernel", (input_dim, k))
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", shape=(self.units, k), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = _add_weight_with_options(self, "bias", self._bias_shape(),
                                             self._bias_initializer()) if self.use_bias else None
        self.built = True

    # The fast path used by the built-in layers: project every step's input at once.
    def _input_bias(self) -> Any:
        return self.bias

    def _project(self, x: Tensor) -> Tensor:
        """``x @ kernel (+ input bias)`` for x of shape (..., input_dim)."""
        shape = tuple(x.shape)
        y = matmul(_s.reshape(x, (-1, shape[-1])), self.kernel)
        b = self._input_bias()
        if b is not None:
            y = _m.add(y, b)
        return _s.reshape(y, shape[:-1] + (self.n_gates * self.units,))

    def _step(self, xw: Tensor, states: list, rec_mask: Optional[Tensor]) -> tuple:
        raise NotImplementedError

    def get_initial_state(self, inputs: Any = None, batch_size: Optional[int] = None, dtype: Any = None) -> list:
        """Zero states of shape ``(batch, units)``."""
        if batch_size is None:
            batch_size = int(tuple(inputs.shape)[0])
        dt = dtype or self.compute_dtype
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [convert_to_tensor(np.zeros((batch_size, s), dtype=np.dtype(str(getattr(dt, "name", dt)))))
                for s in sizes]

    def call(self, inputs: Any, states: Any, training: Optional[bool] = None) -> tuple:
        """One step: ``(output, new_states)`` (the Keras cell protocol)."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        x = inputs
        if training and self.dropout > 0:
            x = _m.multiply(x, _dropout_mask(tuple(x.shape), self.dropout, self.compute_dtype))
        rec_mask = None
        if training and self.recurrent_dropout > 0:
            rec_mask = _dropout_mask(tuple(states[0].shape), self.recurrent_dropout, self.compute_dtype)
        out, new = self._step(self._project(x), states, rec_mask)
        return out, new

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            **_weight_options_config(self, "kernel", "recurrent", "bias"),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout})
        return config


class SimpleRNNCell(_Cell):
    """``h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)`` (``tf.keras.layers.SimpleRNNCell``)."""

    n_gates = 1

    def _step(self, xw: Tensor, states: list, rec_mask: Optional[Tensor]) -> tuple:
        h = states[0]
        if rec_mask is not None:
            h = _m.multiply(h, rec_mask)
        h = self.activation(_m.add(xw, matmul(h, self.recurrent_kernel)))
        return h, [h]


class _GatedCell(_Cell):
    """What LSTMCell and GRUCell add to ``_Cell``: the gates' ``recurrent_activation``."""

    def __init__(self, units: int, recurrent_activation: Any = "sigmoid", **kwargs: Any):
        super().__init__(units, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        return config


class LSTMCell(_GatedCell):
    """One LSTM step, gates ``i, f, c, o`` (``tf.keras.layers.LSTMCell``); states ``[h, c]``."""

    n_gates = 4

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> list:
        return [self.units, self.units]

    def _bias_initializer(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units

        def bias_init(shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
            from ..._array import to_host
            # assembled on the host; the new tensor is placed on the scope's device
            parts = [to_host(init((u,), dtype=dtype)._value), np.ones((u,)),
                     to_host(init((2 * u,), dtype=dtype)._value)]
            return convert_to_tensor(np.concatenate(parts).astype(parts[0].dtype))
        return bias_init

    def _step(self, xw: Tensor, states: list, rec_mask: Optional[Tensor]) -> tuple:
        h, c = states
        if rec_mask is not None:
            h = _m.multiply(h, rec_mask)
        z = _m.add(xw, matmul(h, self.recurrent_kernel))
        zi, zf, zc, zo = _s.split(z, 4, axis=-1)
        ra = self.recurrent_activation
        i, f, o = ra(zi), ra(zf), ra(zo)
        c = _m.add(_m.multiply(f, c), _m.multiply(i, self.activation(zc)))
        h = _m.multiply(o, self.activation(c))
        return h, [h, c]

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class GRUCell(_GatedCell):
    """One GRU step, gates ``z, r, h`` (``tf.keras.layers.GRUCell``), ``reset_after=True`` by default."""

    n_gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 reset_after: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self) -> Any:
        if self.bias is None:
            return None
        if self.reset_after:
            return _s.unstack(self.bias, axis=0)[0]
        return self.bias

    def _step(self, xw: Tensor, states: list, rec_mask: Optional[Tensor]) -> tuple:
        h_prev = states[0]
        h_rec = h_prev if rec_mask is None else _m.multiply(h_prev, rec_mask)
        x_z, x_r, x_h = _s.split(xw, 3, axis=-1)
        ra = self.recurrent_activation
        if self.reset_after:
            inner = matmul(h_rec, self.recurrent_kernel)
            if self.bias is not None:
                inner = _m.add(inner, _s.unstack(self.bias, axis=0)[1])
            r_z, r_r, r_h = _s.split(inner, 3, axis=-1)
            z = ra(_m.add(x_z, r_z))
            r = ra(_m.add(x_r, r_r))
            hh = self.activation(_m.add(x_h, _m.multiply(r, r_h)))
        else:
            k_z, k_r, k_h = _s.split(self.recurrent_kernel, 3, axis=-1)
            z = ra(_m.add(x_z, matmul(h_rec, k_z)))
            r = ra(_m.add(x_r, matmul(h_rec, k_r)))
            hh = self.activation(_m.add(x_h, matmul(_m.multiply(r, h_rec), k_h)))
        h = _m.add(_m.multiply(z, h_prev), _m.multiply(_m.subtract(1.0, z), hh))
        return h, [h]

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config


class StackedRNNCells(Layer):
    """Cells run one after the other at each step, as one cell (``tf.keras.layers.StackedRNNCells``):
    each cell's output is the next cell's input; the states are the cells' states in order."""

    def __init__(self, cells: Any, **kwargs: Any):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `call` method and a `state_size` attribute. "
                                 f"Received cells={cells}")
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> Any:
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is None:
            size = _state_sizes(last)[0]
        return size

    def get_initial_state(self, inputs: Any = None, batch_size: Optional[int] = None, dtype: Any = None) -> list:
        return [_cell_initial_state(c, batch_size, dtype or self.compute_dtype) for c in self.cells]

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                _CTX.scopes.append(cell.name)
                try:
                    cell.build(shape)
                finally:
                    _CTX.scopes.pop()
                cell.built = True
            size = getattr(cell, "output_size", None)
            if size is None:
                size = _state_sizes(cell)[0]
            shape = shape[:-1] + (int(size),)
        self.built = True

    def call(self, inputs: Any, states: Any, training: Optional[bool] = None) -> tuple:
        new_states = []
        x = inputs
        for cell, st in zip(self.cells, states):
            st_list = list(st) if isinstance(st, (list, tuple)) else [st]
            x, ns = _call_cell(cell, x, st_list, training)
            new_states.append(ns if isinstance(cell.state_size, (list, tuple)) else ns[0])
        return x, new_states

    def get_config(self) -> Dict[str, Any]:
        from .serialization import serialize
        config = super().get_config()
        config["cells"] = [serialize(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "StackedRNNCells":
        from .serialization import deserialize
        config = dict(config)
        cells = [deserialize(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _state_sizes(cell: Any) -> list:
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


def _cell_initial_state(cell: Any, batch: int, dtype: Any) -> Any:
    """The zero state of ``cell`` for ``batch`` rows: a list (one entry per state, nested for
    StackedRNNCells)."""
    fn = getattr(cell, "get_initial_state", None)
    if fn is not None:
        try:
            out = fn(batch_size=batch, dtype=dtype)
        except TypeError:
            out = fn(batch_size=batch)
        return list(out) if isinstance(out, (list, tuple)) else [out]
    dt = np.dtype(str(getattr(dtype, "name", dtype)))
    return [convert_to_tensor(np.zeros((batch, int(s)), dtype=dt)) for s in _state_sizes(cell)]


def _call_cell(cell: Any, x: Any, states: list, training: Optional[bool]) -> tuple:
    """``cell(x, states)`` as Keras calls a cell, with ``new_states`` always a list."""
    if isinstance(cell, Layer) and cell._call_accepts("training"):
        out, new = cell(x, states, training=training)
    else:
        out, new = cell(x, states)
    return out, (list(new) if isinstance(new, (list, tuple)) else [new])


def _flat(states: Any) -> list:
    if isinstance(states, (list, tuple)):
        return [leaf for s in states for leaf in _flat(s)]
    return [states]


def _pack(structure: Any, flat: list) -> Any:
    it = iter(flat)

    def build(s: Any) -> Any:
        if isinstance(s, (list, tuple)):
            return [build(v) for v in s]
        return next(it)
    return build(structure)


def _sequence_op_kind(cell: Any, training: Any, x: Tensor) -> Optional[str]:
    """``'lstm'``/``'gru'`` when ``cell`` is a built-in LSTM/GRU cell that the whole-sequence ops run
    exactly (tanh/sigmoid activations, float32/float64, no recurrent dropout in training, 3-D input);
    None otherwise (the step-by-step loop)."""
    t = type(cell)
    if t is LSTMCell or (isinstance(cell, LSTMCell) and t._step is LSTMCell._step and t.call is _Cell.call):
        kind = "lstm"
    elif t is GRUCell or (isinstance(cell, GRUCell) and t._step is GRUCell._step and t.call is _Cell.call
                          and t._input_bias is GRUCell._input_bias):
        kind = "gru"
    else:
        return None
    if cell.activation not in _TANH or cell.recurrent_activation not in _SIGMOID:
        return None
    if training and cell.recurrent_dropout > 0:
        return None
    if x.ndim != 3 or x._value.dtype.name not in ("float32", "float64") or int(x.shape[1]) == 0:
        return None
    if str(getattr(cell.compute_dtype, "name", cell.compute_dtype)) != x._value.dtype.name:
        return None
    return kind


_TANH = (activations.tanh, _m.tanh)
_SIGMOID = (activations.sigmoid, _m.sigmoid)


def _masked(keep: Tensor, new: Tensor, old: Tensor) -> Tensor:
    """``new`` where the step is kept (``keep`` of shape (batch,)), ``old`` elsewhere."""
    k = keep
    for _ in range(new.ndim - 1):
        k = _s.expand_dims(k, -1)
    return _m.where(k, new, old)


class RNN(Layer):
    """Run a cell over the time axis (``tf.keras.layers.RNN``).

    ``cell`` follows Keras's protocol: ``call(inputs, states) -> (output, new_states)``, a
    ``state_size``, and (optionally) ``output_size`` and ``get_initial_state``; a list of cells is
    run as ``StackedRNNCells``. Inputs are ``(batch, time, features)`` (``(time, batch, features)``
    with ``time_major=True``).

    Masks (``mask=`` or the mask the inputs carry from ``Embedding(mask_zero=True)``/``Masking``):
    at a masked step the states are carried over unchanged and the output repeats the previous
    step's output (zeros before the first unmasked step), or is zero with ``zero_output_for_mask``,
    as Keras's ``backend.rnn``. ``stateful=True`` keeps the last states of each call (per batch
    row) as the next call's initial states, until ``reset_states()``.
    """

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 time_major: bool = False, zero_output_for_mask: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or getattr(cell, "state_size", None) is None:
            raise ValueError("Argument `cell` should have a `call` method and a `state_size` attribute. "
                             f"Received: cell={cell}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self._ndim = 3
        self.__dict__["_gt_states"] = None

    @property
    def states(self) -> Any:
        """The kept states of a stateful RNN (``None`` before the first call or when not stateful)."""
        return None if self._gt_states is None else _pack(_state_structure(self.cell), self._gt_states)

    def reset_states(self, states: Any = None) -> None:
        """Set the kept states of a stateful RNN to zeros (or to ``states``) (``RNN.reset_states``)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if self._gt_states is None:
            return
        if states is None:
            for v in self._gt_states:
                v.assign(np.zeros(tuple(v.shape), dtype=v.dtype.as_numpy_dtype))
            return
        given = _flat(states if isinstance(states, (list, tuple)) else [states])
        if len(given) != len(self._gt_states):
            raise ValueError(f"Layer {self.name} expects {len(self._gt_states)} state(s), but it received "
                             f"{len(given)} state value(s).")
        for v, new in zip(self._gt_states, given):
            v.assign(new)

    reset_state = reset_states

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        step = (shape[1],) + shape[2:] if self.time_major else (shape[0],) + shape[2:]
        cell = self.cell
        if isinstance(cell, Layer) and not cell.built:
            _CTX.scopes.append(cell.name)
            try:
                cell.build(step)
            finally:
                _CTX.scopes.pop()
            cell.built = True
        if self.stateful and shape[1 if self.time_major else 0] is None:
            raise ValueError("When using `stateful=True` in a RNN, the batch size must be static. Found dynamic "
                             f"batch size: sequence.shape={shape}")
        self.built = True

    def get_initial_state(self, inputs: Tensor) -> list:
        batch = int(tuple(inputs.shape)[1 if self.time_major else 0])
        return _cell_initial_state(self.cell, batch, self.compute_dtype)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(_flat(_state_structure(self.cell)))
        return out

    def call(self, inputs: Any, mask: Any = None, training: Optional[bool] = None,
             initial_state: Any = None) -> Any:
        if isinstance(inputs, (list, tuple)):           # [sequences, *initial_states] (Keras 2 style)
            if initial_state is None and len(inputs) > 1:
                initial_state = list(inputs[1:])
            inputs = inputs[0]
            if isinstance(mask, (list, tuple)):
                mask = mask[0]
        x = inputs
        if self.time_major:
            x = _s.transpose(x, [1, 0, 2] + list(range(3, x.ndim)))
        batch = int(x.shape[0])
        structure = _state_structure(self.cell)
        if initial_state is None and self.stateful and self._gt_states is not None:
            if int(self._gt_states[0].shape[0]) != batch:
                raise ValueError(f"If an RNN is stateful, the batch size of the input sequences must be the same "
                                 f"as the batch size of the initial state. Expected batch size: "
                                 f"{int(self._gt_states[0].shape[0])}; received batch size: {batch}")
            states = _pack(structure, [v.read_value() for v in self._gt_states])
        elif initial_state is None:
            states = _cell_initial_state(self.cell, batch, self.compute_dtype)
            from ..._array import const_like, is_device
            if is_device(x._value):          # device input outside a device scope: zeros beside it
                states = _pack(structure, [const_like(x, s._value) if type(s) is Tensor and not is_device(s._value)
                                           else s for s in _flat(states)])
        else:
            given = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
            n_states = len(_flat(structure))
            flat_given = [_m.cast(convert_to_tensor(s), self.compute_dtype) if convert_to_tensor(s).dtype.is_floating
                          else convert_to_tensor(s) for s in _flat(list(given))]
            if len(flat_given) != n_states:
                raise ValueError(f"Layer {self.name} expects {n_states} state(s), but it received "
                                 f"{len(flat_given)} initial state(s).")
            states = _pack(structure, flat_given)
        states = list(states)
        keep_steps = None
        mk = None
        if mask is not None:
            mk = convert_to_tensor(mask)
            if mk.ndim == 3:
                mk = _s.squeeze(mk, -1)
            if mk.dtype.name != "bool":
                mk = _m.cast(mk, "bool")
        cell = self.cell
        kind = _sequence_op_kind(cell, training, x)
        if kind is not None:
            return self._call_sequence_op(kind, x, mk, states, training)
        if mk is not None:
            keep_steps = _s.unstack(mk, axis=1)
        fast = isinstance(cell, _Cell)
        if fast:
            if training and cell.dropout > 0:
                mask_in = _dropout_mask((int(x.shape[0]), int(x.shape[-1])), cell.dropout, self.compute_dtype)
                x = _m.multiply(x, _s.expand_dims(mask_in, 1))
            rec_mask = None
            if training and cell.recurrent_dropout > 0:
                rec_mask = _dropout_mask((int(x.shape[0]), cell.units), cell.recurrent_dropout, self.compute_dtype)
            steps = _s.unstack(cell._project(x), axis=1)
        else:
            steps = _s.unstack(x, axis=1)
        if self.go_backwards:
            steps = steps[::-1]
            if keep_steps is not None:
                keep_steps = keep_steps[::-1]
        outputs = []
        out = None
        for t, xt in enumerate(steps):
            if fast:
                new_out, new_states = cell._step(xt, states, rec_mask)
            else:
                new_out, new_states = _call_cell(cell, xt, states, training)
            if keep_steps is not None:
                keep = keep_steps[t]
                prev = out if out is not None else _m.multiply(new_out, _m.cast(0, new_out.dtype))
                new_out = _masked(keep, new_out, prev)
                new_states = _pack(structure, [_masked(keep, n, o) for n, o in zip(_flat(new_states), _flat(states))])
            out, states = new_out, list(new_states)
            if self.return_sequences:
                outputs.append(out)
        if keep_steps is not None and self.zero_output_for_mask:
            zero = _m.cast(0, out.dtype)
            out = _m.where(_s.expand_dims(keep_steps[-1], -1), out, zero)
            outputs = [_m.where(_s.expand_dims(k, -1), o, zero) for k, o in zip(keep_steps, outputs)]
        if self.stateful:
            self._keep_states(states)
        if self.return_sequences:
            y = _s.stack(outputs, axis=1)
            if self.time_major:
                y = _s.transpose(y, [1, 0] + list(range(2, y.ndim)))
        else:
            y = out
        if self.return_state:
            return [y] + list(states)
        return y

    def _keep_states(self, states: list) -> None:
        """A stateful RNN's last states become the next call's initial states."""
        from ...ops.shape import stop_gradient
        kept = self._gt_states
        if kept is None:
            from ...variable import Variable
            kept = [Variable(stop_gradient(s), trainable=False, name=f"{self.name}/rnn_state")
                    for s in _flat(states)]
            self.__dict__["_gt_states"] = kept       # not a weight (Keras does not list it)
        else:
            for v, st in zip(kept, _flat(states)):
                v.assign(stop_gradient(st))

    def _call_sequence_op(self, kind: str, x: Tensor, mk: Optional[Tensor], states: list, training: Any) -> Any:
        """The built-in LSTM/GRU recurrence as one whole-sequence op (``gradtape.ops.recurrent``):
        one matmul projects every step's input, the op runs the loop and its own backward.
        ``x`` is batch-major (batch, time, features); ``mk`` the (batch, time) bool mask or None."""
        from ...ops import recurrent as _rec
        cell = self.cell
        if training and cell.dropout > 0:
            mask_in = _dropout_mask((int(x.shape[0]), int(x.shape[-1])), cell.dropout, self.compute_dtype)
            x = _m.multiply(x, _s.expand_dims(mask_in, 1))
        xt = _s.transpose(x, [1, 0, 2])                 # time-major: each step's rows contiguous
        xw = cell._project(xt)
        mt = None if mk is None else _s.transpose(mk, [1, 0])
        if self.go_backwards:
            xw = _s.reverse(xw, [0])
            if mt is not None:
                mt = _s.reverse(mt, [0])
        if kind == "lstm":
            hs, cs, _ = _rec.lstm_sequence(xw, states[0], states[1], cell.recurrent_kernel, mt)
            new_states = [hs[-1], cs[-1]]
        else:
            if cell.bias is not None and cell.reset_after:
                rb = _s.unstack(cell.bias, axis=0)[1]
            else:
                from ..._array import const_like
                rb = const_like(xw, np.zeros((3 * cell.units,), xw._value.dtype))   # on xw's device
            hs, _ = _rec.gru_sequence(xw, states[0], cell.recurrent_kernel, rb, mt, reset_after=cell.reset_after)
            new_states = [hs[-1]]
        if mt is not None:
            # Keras: a masked step repeats the previous output (zeros before the first kept step),
            # or gives zeros with zero_output_for_mask.
            zero = _m.cast(0, hs.dtype)
            if self.zero_output_for_mask:
                show = mt
            else:
                from ...ops.reduction import cumsum
                show = _m.greater(cumsum(_m.cast(mt, "int32"), axis=0), 0)
            hs = _m.where(_s.expand_dims(show, -1), hs, zero)
        if self.stateful:
            self._keep_states(new_states)
        if self.return_sequences:
            y = hs if self.time_major else _s.transpose(hs, [1, 0, 2])
        else:
            y = hs[-1]
        if self.return_state:
            return [y] + new_states
        return y

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                       "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                       "time_major": self.time_major, "zero_output_for_mask": self.zero_output_for_mask})
        if type(self) is RNN:
            from .serialization import serialize
            config["cell"] = serialize(self.cell)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any], custom_objects: Optional[dict] = None) -> "RNN":
        if cls is not RNN or "cell" not in config:
            return super().from_config(config)
        from .serialization import deserialize
        config = dict(config)
        cell = config.pop("cell")
        cell = [deserialize(c, custom_objects) for c in cell] if isinstance(cell, list) \
            else deserialize(cell, custom_objects)
        return cls(cell, **config)


def _state_structure(cell: Any) -> list:
    """The nesting of ``cell``'s states: ``[0, 0]`` for LSTM, ``[[0, 0], 0]`` for stacked cells."""
    size = cell.state_size
    if isinstance(cell, StackedRNNCells):
        return [_state_structure(c) if isinstance(c.state_size, (list, tuple)) else 0 for c in cell.cells]
    if isinstance(size, (list, tuple)):
        return [0] * len(size)
    return [0]


class _CellLayer(RNN):
    """An RNN layer that builds its own cell: Keras exposes the cell's configuration on the layer
    (``layer.units``, ``layer.activation``, ...) and saves it in the layer's config."""

    def __getattr__(self, name: str) -> Any:
        # Keras exposes the cell's configuration on the layer (layer.units, layer.activation, ...).
        cell = self.__dict__.get("cell")
        if cell is not None and not name.startswith("__"):
            try:
                return getattr(cell, name)
            except AttributeError:
                pass
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self) -> Dict[str, Any]:
        config = self.cell.get_config()
        for k in ("name", "trainable", "dtype"):
            config.pop(k, None)
        config.update(super().get_config())
        return config


class _BuiltinRNN(_CellLayer):
    _cell_class: Any = None

    def __init__(self, units: int, *, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 time_major: bool = False, activity_regularizer: Any = None, zero_output_for_mask: bool = False,
                 **kwargs: Any):
        layer_kw = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype", "input_shape", "batch_input_shape",
                                               "batch_size", "input_dim", "weights", "input_length")
                    if k in kwargs}
        cell_kw = {"dtype": layer_kw["dtype"]} if "dtype" in layer_kw else {}
        cell = self._cell_class(units, **kwargs, **cell_kw)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, time_major=time_major,
                         zero_output_for_mask=zero_output_for_mask, activity_regularizer=activity_regularizer, **layer_kw)



class SimpleRNN(_BuiltinRNN):
    """Fully-connected RNN, ``h = tanh(x W + h U + b)`` (``tf.keras.layers.SimpleRNN``)."""

    _cell_class = SimpleRNNCell

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)


class LSTM(_BuiltinRNN):
    """Long short-term memory (``tf.keras.layers.LSTM``); ``return_state`` gives ``[output, h, c]``."""

    _cell_class = LSTMCell

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, unit_forget_bias: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, unit_forget_bias=unit_forget_bias, **kwargs)


class GRU(_BuiltinRNN):
    """Gated recurrent unit (``tf.keras.layers.GRU``), ``reset_after=True`` (cuDNN-compatible) by default."""

    _cell_class = GRUCell

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, reset_after: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, reset_after=reset_after, **kwargs)


__all__ = ["ConvLSTM2D", "ConvLSTM2DCell", "RNN", "StackedRNNCells", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell"]


class ConvLSTM2DCell(Layer):
    """One ConvLSTM step on ``(batch, rows, cols, channels)`` inputs (Keras 3's ``ConvLSTMCell``, rank 2):
    the LSTM gates ``i, f, c, o`` are convolutions of the input (``strides``/``padding``/``dilation_rate``)
    plus ``'same'`` convolutions of the previous ``h``; states ``[h, c]`` of shape
    ``(batch, rows', cols', filters)``. Weights ``kernel`` ``(kh, kw, channels, 4 * filters)``,
    ``recurrent_kernel`` ``(kh, kw, filters, 4 * filters)``, ``bias`` ``(4 * filters,)``."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", recurrent_initializer: Any = "orthogonal",
                 bias_initializer: Any = "zeros", unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: Any = None, **kwargs: Any):
        from .convolutional import _data_format, _tuple
        super().__init__(**kwargs)
        if dropout or recurrent_dropout:
            raise NotImplementedError("ConvLSTM2D: dropout/recurrent_dropout are not supported by gradtape.")
        if _data_format(data_format) != "channels_last":
            raise NotImplementedError("ConvLSTM2D: data_format='channels_first' is not supported by gradtape.")
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, 2, "kernel_size")
        self.strides = _tuple(strides, 2, "strides")
        self.dilation_rate = _tuple(dilation_rate, 2, "dilation_rate")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of ('valid', 'same'). Received: padding={padding!r}")
        self.data_format = "channels_last"
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = bool(use_bias), bool(unit_forget_bias)
        self.dropout, self.recurrent_dropout, self.seed = 0.0, 0.0, seed
        _set_weight_options(self, kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                            recurrent=(recurrent_initializer, recurrent_regularizer, recurrent_constraint),
                            bias=(bias_initializer, bias_regularizer, bias_constraint))
        self.state_size = [self.filters, self.filters]
        self._out_spatial: Optional[tuple] = None

    def build(self, input_shape: Any) -> None:
        shape = tuple(input_shape)
        if any(d is None for d in shape[1:]):
            raise ValueError("ConvLSTM layers only support static input shapes for the spatial dimension. "
                             f"Received invalid input shape: input_shape={shape}")
        rows, cols, channels = (int(d) for d in shape[1:])
        out = []
        for n, k, s, d in zip((rows, cols), self.kernel_size, self.strides, self.dilation_rate):
            span = d * (k - 1) + 1
            out.append(-(-n // s) if self.padding == "same" else -(-(n - span + 1) // s))
        self._out_spatial = tuple(out)
        f4 = 4 * self.filters
        self.kernel = _add_weight_with_options(self, "kernel", self.kernel_size + (channels, f4))
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", shape=self.kernel_size + (self.filters, f4), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                f, base = self.filters, self.bias_initializer

                def init(shape: Any, dtype: Any = None, **kw: Any) -> Tensor:
                    parts = [np.asarray(base((f,), dtype=dtype)._value), np.ones((f,)),
                             np.asarray(base((2 * f,), dtype=dtype)._value)]
                    return convert_to_tensor(np.concatenate(parts).astype(parts[0].dtype))
            self.bias = _add_weight_with_options(self, "bias", (f4,), init)
        else:
            self.bias = None
        self.built = True

    def get_initial_state(self, inputs: Any = None, batch_size: Optional[int] = None, dtype: Any = None) -> list:
        dt = np.dtype(str(getattr(dtype, "name", dtype or self.compute_dtype)))
        shape = (int(batch_size),) + tuple(self._out_spatial) + (self.filters,)
        return [convert_to_tensor(np.zeros(shape, dt)), convert_to_tensor(np.zeros(shape, dt))]

    def call(self, inputs: Any, states: Any, training: Optional[bool] = None) -> tuple:
        from ...ops import conv as _conv
        h, c = states[0], states[1]
        z = _conv._conv_nd(2, "ConvLSTM2D", inputs, self.kernel, self.strides, self.padding.upper(), None,
                           self.dilation_rate)
        if self.bias is not None:
            z = _m.add(z, self.bias)
        z = _m.add(z, _conv._conv_nd(2, "ConvLSTM2D", h, self.recurrent_kernel, 1, "SAME", None, 1))
        zi, zf, zc, zo = _s.split(z, 4, axis=-1)
        ra = self.recurrent_activation
        c = _m.add(_m.multiply(ra(zf), c), _m.multiply(ra(zi), self.activation(zc)))
        h = _m.multiply(ra(zo), self.activation(c))
        return h, [h, c]

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation), "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias, **_weight_options_config(self, "kernel", "recurrent", "bias"),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed})
        return config


class ConvLSTM2D(_CellLayer):
    """Convolutional LSTM over ``(batch, time, rows, cols, channels)`` (``tf.keras.layers.ConvLSTM2D``,
    Keras 3); outputs ``(batch, [time,] rows', cols', filters)``."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: Optional[str] = None, dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False, **kwargs: Any):
        layer_kw = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype", "input_shape", "batch_input_shape",
                                               "batch_size", "weights", "activity_regularizer")
                    if k in kwargs}
        cell = ConvLSTM2DCell(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                              dilation_rate=dilation_rate, activation=activation,
                              recurrent_activation=recurrent_activation, use_bias=use_bias, name="conv_lstm_cell",
                              **({"dtype": layer_kw["dtype"]} if "dtype" in layer_kw else {}), **kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **layer_kw)
        self._ndim = 5

