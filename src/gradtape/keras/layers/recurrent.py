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
costs one ``h @ recurrent_kernel`` plus elementwise ops. Masking and ``stateful=True`` are not
supported (they raise).
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
    from ...ops.random import _generator
    keep = _generator(None).random(shape) >= rate
    return convert_to_tensor((keep / (1.0 - rate)).astype(np.dtype(dtype)))


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
            parts = [np.asarray(init((u,), dtype=dtype)._value), np.ones((u,)),
                     np.asarray(init((2 * u,), dtype=dtype)._value)]
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


class RNN(Layer):
    """Run a cell over the time axis (``tf.keras.layers.RNN``).

    ``cell`` follows Keras's protocol: ``call(inputs, states) -> (output, new_states)``, a
    ``state_size``, and (optionally) ``get_initial_state``. Inputs are ``(batch, time, features)``
    (``(time, batch, features)`` with ``time_major=True``).
    """

    def __init__(self, cell: Any, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 time_major: bool = False, zero_output_for_mask: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            raise NotImplementedError("RNN: stacked cells (a list of cells) are not supported by gradtape; "
                                      "stack RNN layers with return_sequences=True instead.")
        if stateful:
            raise NotImplementedError(f"{type(self).__name__}: stateful=True is not supported by gradtape.")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self._ndim = 3

    @property
    def states(self) -> None:
        return None

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
        self.built = True

    def get_initial_state(self, inputs: Tensor) -> list:
        batch = int(tuple(inputs.shape)[1 if self.time_major else 0])
        if hasattr(self.cell, "get_initial_state"):
            return self.cell.get_initial_state(batch_size=batch, dtype=self.compute_dtype)
        sizes = self.cell.state_size if isinstance(self.cell.state_size, (list, tuple)) else [self.cell.state_size]
        return [convert_to_tensor(np.zeros((batch, s), dtype=np.dtype(self.compute_dtype))) for s in sizes]

    def call(self, inputs: Any, mask: Any = None, training: Optional[bool] = None,
             initial_state: Any = None) -> Any:
        if mask is not None:
            raise NotImplementedError(f"{type(self).__name__}: masks are not supported by gradtape.")
        x = inputs
        if self.time_major:
            x = _s.transpose(x, [1, 0, 2])
        if initial_state is None:
            states = self.get_initial_state(x if not self.time_major else inputs)
        else:
            states = [convert_to_tensor(s) for s in
                      (initial_state if isinstance(initial_state, (list, tuple)) else [initial_state])]
            n_states = len(self.cell.state_size) if isinstance(self.cell.state_size, (list, tuple)) else 1
            if len(states) != n_states:
                raise ValueError(f"Layer {self.name} expects {n_states} state(s), but it received "
                                 f"{len(states)} initial state(s).")
        cell = self.cell
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
        outputs = []
        out = None
        for xt in steps:
            if fast:
                out, states = cell._step(xt, states, rec_mask)
            else:
                out, states = cell(xt, states, training=training) if isinstance(cell, Layer) \
                    else cell(xt, states)
                states = list(states) if isinstance(states, (list, tuple)) else [states]
            if self.return_sequences:
                outputs.append(out)
        if self.return_sequences:
            y = _s.stack(outputs, axis=1)
            if self.time_major:
                y = _s.transpose(y, [1, 0, 2])
        else:
            y = out
        if self.return_state:
            return [y] + list(states)
        return y

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                       "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                       "time_major": self.time_major})
        return config


class _BuiltinRNN(RNN):
    _cell_class: Any = None

    def __init__(self, units: int, *, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 time_major: bool = False, activity_regularizer: Any = None, **kwargs: Any):
        layer_kw = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype", "input_shape", "batch_input_shape",
                                               "batch_size", "input_dim", "weights", "input_length")
                    if k in kwargs}
        cell_kw = {"dtype": layer_kw["dtype"]} if "dtype" in layer_kw else {}
        cell = self._cell_class(units, **kwargs, **cell_kw)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, time_major=time_major,
                         activity_regularizer=activity_regularizer, **layer_kw)

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


__all__ = ["RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell"]
