"""``EinsumDense`` (``tf.keras.layers.EinsumDense``): a dense layer whose kernel is contracted with the
input by an einsum equation, the projection behind ``MultiHeadAttention``.

Keras 3's shape rules: ``output_shape`` lists the output's dims after the batch dim; the kernel has one
dim per letter of the weight term (taken from the input where the letter is an input letter, else
from the output); the bias covers the output from the first ``bias_axes`` letter on, with 1 for the
letters not in ``bias_axes``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional

from ...ops import math as _m
from ...ops.linalg import einsum
from ...tensor import Tensor
from .. import activations
from .base import Layer
from .core import _add_weight_with_options, _set_weight_options, _weight_options_config


def analyze_einsum(equation: str, bias_axes: Optional[str], input_shape: tuple, output_shape: Any) -> tuple:
    """``(kernel_shape, bias_shape or None, full_output_shape)`` of an ``EinsumDense`` equation
    ``"<input>,<weight>-><output>"`` (no ellipsis) for ``input_shape``."""
    match = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", equation.replace(" ", ""))
    if match is None:
        if "..." in equation:
            raise NotImplementedError(f"EinsumDense: equations with an ellipsis ({equation!r}) are not supported "
                                      "by gradtape; spell out every axis.")
        raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                         "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    input_spec, weight_spec, output_spec = match.groups()
    if len(input_spec) != len(input_shape):
        raise ValueError(f"EinsumDense: equation {equation!r} expects inputs of rank {len(input_spec)}, got "
                         f"shape {tuple(input_shape)}.")
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if len(out) != len(output_spec):
        raise ValueError(f"EinsumDense: output_shape {output_shape} does not match the output term "
                         f"{output_spec!r} of {equation!r}.")
    in_map = {d: i for i, d in enumerate(input_spec)}
    out_map = {d: i for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in out_map and out[out_map[d]] is not None and out[out_map[d]] != input_shape[in_map[d]]:
            raise ValueError(f"Input shape and output shape do not match at shared dimension '{d}'. Input shape "
                             f"is {input_shape[in_map[d]]}, and output shape is {out[out_map[d]]}.")
    kernel = []
    for d in weight_spec:
        if d in out_map:
            kernel.append(out[out_map[d]])
        elif d in in_map:
            kernel.append(input_shape[in_map[d]])
        else:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'.")
    bias = None
    if bias_axes:
        for c in bias_axes:
            if c not in output_spec:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the output spec "
                                 f"'{output_spec}'")
        first = min(output_spec.find(c) for c in bias_axes)
        bias = [out[out_map[c]] if c in bias_axes else 1 for c in output_spec[first:]]
    return tuple(int(k) for k in kernel), (None if bias is None else tuple(int(b) for b in bias)), tuple(out)


class EinsumDense(Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)`` (``tf.keras.layers.EinsumDense``)."""

    def __init__(self, equation: str, output_shape: Any, activation: Any = None, bias_axes: Optional[str] = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, **kwargs: Any):
        kwargs.pop("lora_rank", None)
        kwargs.pop("lora_alpha", None)
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        _set_weight_options(self, kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                            bias=(bias_initializer, bias_regularizer, bias_constraint))
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        kernel, bias, full = analyze_einsum(self.equation, self.bias_axes, tuple(input_shape),
                                            self.partial_output_shape)
        self.full_output_shape = full
        self.kernel = _add_weight_with_options(self, "kernel", kernel)
        self.bias = _add_weight_with_options(self, "bias", bias) if bias is not None else None
        self.built = True

    def call(self, inputs: Any) -> Tensor:
        y = einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            y = _m.add(y, self.bias)
        return self.activation(y) if self.activation is not activations.linear else y

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"equation": self.equation, "output_shape": self.partial_output_shape,
                       "activation": activations.serialize(self.activation), "bias_axes": self.bias_axes,
                       **_weight_options_config(self, "kernel", "bias")})
        return config
