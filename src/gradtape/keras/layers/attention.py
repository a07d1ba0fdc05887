"""Attention layers (``tf.keras.layers``): ``MultiHeadAttention``, ``Attention`` (dot-product, Luong
style) and ``AdditiveAttention`` (Bahdanau style), with Keras 3's semantics and weight layout.

``MultiHeadAttention`` holds four ``EinsumDense`` projections named ``query``, ``key``, ``value`` and
``attention_output``; for ``(batch, T, d_model)`` inputs their kernels have shapes
``(d_model, num_heads, key_dim)``, ``(d_model, num_heads, key_dim)``, ``(d_model, num_heads, value_dim)``
and ``(num_heads, value_dim, d_model)`` and their biases ``(num_heads, key_dim)`` ... ``(d_model,)``,
in that order in ``get_weights()`` -- the same arrays as Keras, so weights can be exchanged.

Masks: ``attention_mask`` (``(B, T, S)``, True = attend), the Keras masks the query/value/key carry
(from ``Embedding(mask_zero=True)``: the query's mask as ``(B, T, 1)``, the value's and key's as
``(B, 1, S)``), and ``use_causal_mask`` are ANDed, as Keras. Masked scores are set to -1e9 before the
softmax, and fully masked rows give zero weights (Keras 3's ``Softmax``).
"""
from __future__ import annotations

import string
from typing import Any, Dict, Optional

import numpy as np

from ...dispatch import convert_to_tensor
from ...ops import math as _m
from ...ops import shape as _s
from ...ops.linalg import einsum, matmul
from ...tensor import Tensor
from .. import constraints, initializers, regularizers
from .base import Layer
from .core import Dropout, _ser
from .einsum_dense import EinsumDense
from .masking import get_keras_mask


def _causal_mask(t: int, s: int) -> Tensor:
    """``(1, T, S)`` lower-triangular True (Keras's ``row_index >= col_index`` on cumsums from 1)."""
    rows = np.arange(1, t + 1).reshape(t, 1)
    cols = np.arange(1, s + 1).reshape(1, s)
    return convert_to_tensor((rows >= cols)[None])


def masked_softmax(scores: Tensor, mask: Any, axes: tuple, zero_masked: bool = True) -> Tensor:
    """Keras 3's ``Softmax(axis=axes)(scores, mask)``: masked entries are set to -1e9 (-3e4 for float16),
    the softmax runs over ``axes``, and masked entries of the result are 0 (with ``zero_masked``; without
    it a fully masked row stays uniform, as Keras's ``dot_product_attention``)."""
    from ...ops.nn import softmax
    from ...ops.reduction import reduce_logsumexp
    if mask is not None:
        m = convert_to_tensor(mask)
        if m.dtype.name != "bool":
            m = _m.greater(m, _m.cast(0.5, m.dtype))
        big = -3e4 if scores.dtype.name == "float16" else -1e9
        scores = _m.where(m, scores, _m.cast(big, scores.dtype))
    if len(axes) > 1:
        out = _m.exp(_m.subtract(scores, reduce_logsumexp(scores, axis=list(axes), keepdims=True)))
    else:
        out = softmax(scores, axis=axes[0])
    if mask is not None and zero_masked:
        out = _m.where(m, out, _m.cast(0, out.dtype))
    return out


def _build_sub(layer: Layer, shape: tuple) -> None:
    """Build a sublayer for inputs of ``shape`` (weights named under the caller's scope)."""
    layer._build_input_shape = tuple(shape)
    layer.build(tuple(shape))
    layer.built = True


def _letter(i: int) -> str:
    return string.ascii_lowercase[i]


def _proj_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple:
    """Keras's ``_build_proj_equation``: e.g. ``('abc,cde->abde', 'de', 4)``."""
    inp = kern = out = bias = ""
    for i in range(free_dims):
        inp += _letter(i)
        out += _letter(i)
    for i in range(bound_dims):
        c = _letter(free_dims + i)
        inp += c
        kern += c
    for i in range(output_dims):
        c = _letter(free_dims + bound_dims + i)
        kern += c
        out += c
        bias += c
    return f"{inp},{kern}->{out}", bias, len(out)


def _attention_equations(rank: int, attn_axes: tuple) -> tuple:
    """Keras's ``_build_attention_equation``: the query-key product and the combination equations."""
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = tuple(i for i in range(rank) if i not in attn_axes + (rank - 1,))
    offset = rank
    source = ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(offset)
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class MultiHeadAttention(Layer):
    """Multi-head attention (``tf.keras.layers.MultiHeadAttention``, Keras 3).

    ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)``; the output has the query's shape (last dim
    ``output_shape`` when given). ``dropout`` applies to the attention weights in training.
    """

    def __init__(self, num_heads: int, key_dim: int, value_dim: Optional[int] = None, dropout: float = 0.0,
                 use_bias: bool = True, output_shape: Any = None, attention_axes: Any = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, seed: Optional[int] = None,
                 **kwargs: Any):
        for unsupported in ("sliding_window", "use_gate"):
            if kwargs.pop(unsupported, None):
                raise NotImplementedError(f"MultiHeadAttention: {unsupported} is not supported by gradtape.")
        if kwargs.pop("flash_attention", None):
            raise NotImplementedError("MultiHeadAttention: flash_attention is not supported by gradtape.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(num_heads, (np.integer,)):
            num_heads = int(num_heads)
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError("Received an invalid value for argument `num_heads`, expected a positive integer. "
                             f"Received: num_heads={num_heads}")
        if isinstance(key_dim, (np.integer,)):
            key_dim = int(key_dim)
        if not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError("Received an invalid value for argument `key_dim`, expected a positive integer. "
                             f"Received: key_dim={key_dim}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("Received an invalid value for argument `value_dim`, expected a positive integer or "
                             f"`None`. Received: value_dim={value_dim}")
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = float(dropout)
        self._use_bias = bool(use_bias)
        if output_shape is not None:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple. Received: "
                             f"attention_axes={attention_axes}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / float(np.sqrt(float(key_dim)))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    def _sublayer(self, equation: str, out_shape: list, bias_axes: str, name: str) -> EinsumDense:
        return EinsumDense(equation, output_shape=out_shape, bias_axes=bias_axes if self._use_bias else None,
                           name=name, kernel_initializer=self._kernel_initializer.__class__.from_config(
                               self._kernel_initializer.get_config()),
                           bias_initializer=self._bias_initializer.__class__.from_config(
                               self._bias_initializer.get_config()),
                           kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                           kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
                           dtype=self.dtype_policy if self._dtype else None)

    def _build_from_shapes(self, query_shape: tuple, value_shape: tuple, key_shape: Optional[tuple]) -> None:
        from .base import _CTX
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                             f"value_shape={value_shape} and key_shape={key_shape}")
        q_rank = len(query_shape)
        _CTX.scopes.append(self.name)
        try:
            eq, bias, out_rank = _proj_equation(q_rank - 1, 1, 2)
            free = [None] * (out_rank - 1 - 2)
            self.query_dense = self._sublayer(eq, free + [self._num_heads, self._key_dim], bias, "query")
            _build_sub(self.query_dense, query_shape)
            eq, bias, out_rank = _proj_equation(len(key_shape) - 1, 1, 2)
            self.key_dense = self._sublayer(eq, [None] * (out_rank - 3) + [self._num_heads, self._key_dim],
                                             bias, "key")
            _build_sub(self.key_dense, key_shape)
            eq, bias, out_rank = _proj_equation(len(value_shape) - 1, 1, 2)
            self.value_dense = self._sublayer(eq, [None] * (out_rank - 3) + [self._num_heads, self._value_dim],
                                               bias, "value")
            _build_sub(self.value_dense, value_shape)
            rank = out_rank
            if self._attention_axes is None:
                self._attention_axes = tuple(range(1, rank - 2))
            else:
                self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
            self._dot_product_equation, self._combine_equation, scores_rank = _attention_equations(
                rank, self._attention_axes)
            self._norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
            self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed)
            out_shape = list(self._output_shape) if self._output_shape else [query_shape[-1]]
            eq, bias, out_rank = _proj_equation(q_rank - 1, 2, len(out_shape))
            self.output_dense = self._sublayer(eq, [None] * (out_rank - 1 - len(out_shape)) + out_shape, bias,
                                                "attention_output")
            _build_sub(self.output_dense, tuple(query_shape[:-1]) + (self._num_heads, self._value_dim))
        finally:
            _CTX.scopes.pop()
        self.built = True

    def build(self, query_shape: Any, value_shape: Any = None, key_shape: Any = None) -> None:
        if value_shape is None:
            if isinstance(query_shape, (list, tuple)) and query_shape and isinstance(query_shape[0], (list, tuple)):
                shapes = [tuple(s) for s in query_shape]
                query_shape, value_shape = shapes[0], shapes[1]
                key_shape = shapes[2] if len(shapes) > 2 else None
            else:
                value_shape = query_shape
        self._build_from_shapes(tuple(query_shape), tuple(value_shape),
                                None if key_shape is None else tuple(key_shape))

    # Keras keeps the projections in ``_query_dense`` etc. behind public properties; its weight files
    # name them by the public names, so they are stored under those here.
    _query_dense = property(lambda self: self.query_dense)
    _key_dense = property(lambda self: self.key_dense)
    _value_dense = property(lambda self: self.value_dense)
    _output_dense = property(lambda self: self.output_dense)

    def _compute_attention_mask(self, query: Tensor, value: Tensor, query_mask: Any, value_mask: Any,
                                key_mask: Any, attention_mask: Any, use_causal_mask: bool) -> Any:
        auto = None
        if query_mask is not None:
            auto = _s.expand_dims(_m.cast(query_mask, "bool"), -1)
        for m in (value_mask, key_mask):
            if m is not None:
                m = _s.expand_dims(_m.cast(m, "bool"), -2)
                auto = m if auto is None else _m.logical_and(auto, m)
        if use_causal_mask:
            m = _causal_mask(int(query.shape[1]), int(value.shape[1]))
            auto = m if auto is None else _m.logical_and(auto, m)
        if attention_mask is not None:
            attention_mask = _m.cast(convert_to_tensor(attention_mask), "bool")
        if auto is not None:
            attention_mask = auto if attention_mask is None else _m.logical_and(attention_mask, auto)
        return attention_mask

    def _compute_attention(self, query: Tensor, key: Tensor, value: Tensor, attention_mask: Any = None,
                           training: Optional[bool] = None, return_attention_scores: bool = False) -> tuple:
        # Keras 3 runs rank-4 projections without dropout or returned scores through
        # ``ops.dot_product_attention``, where a fully masked query row attends uniformly; the other
        # path's Softmax layer gives such rows zero weights.
        fused = not (self._dropout > 0 or return_attention_scores or query.ndim != 4)
        query = _m.multiply(query, _m.cast(self._inverse_sqrt_key_dim, query.dtype))
        scores = einsum(self._dot_product_equation, key, query)
        if attention_mask is not None:
            axis = -len(self._attention_axes) * 2 - 1
            mask = attention_mask
            for _ in range(scores.ndim - mask.ndim):
                mask = _s.expand_dims(mask, axis)
            attention_mask = mask
        scores = masked_softmax(scores, attention_mask, self._norm_axes, zero_masked=not fused)
        final = self._dropout_layer(scores, training=training) if self._dropout > 0 else scores
        return einsum(self._combine_equation, final, value), scores

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.built and len(args) + ("value" in kwargs) + ("query" in kwargs) >= 2:
            vals = list(args[:3])
            query = vals[0] if vals else kwargs.get("query")
            value = vals[1] if len(vals) > 1 else kwargs.get("value")
            key = vals[2] if len(vals) > 2 else kwargs.get("key")
            if query is not None and value is not None:
                shape = lambda t: tuple(getattr(t, "shape", np.shape(t)))  # noqa: E731
                self._build_from_shapes(shape(query), shape(value), None if key is None else shape(key))
                from .base import _bump_version
                _bump_version()
        if "query" in kwargs and not args:
            args = (kwargs.pop("query"),)
        return super().__call__(*args, **kwargs)

    def call(self, query: Any, value: Any, key: Any = None, query_mask: Any = None, value_mask: Any = None,
             key_mask: Any = None, attention_mask: Any = None, return_attention_scores: bool = False,
             training: Optional[bool] = None, use_causal_mask: bool = False) -> Any:
        query = self._cast_input(query)
        value = self._cast_input(value)
        key_given = key is not None
        key = value if key is None else self._cast_input(key)
        q_mask = get_keras_mask(query)
        if q_mask is None:
            q_mask = query_mask
        if value_mask is None:
            value_mask = get_keras_mask(value)
        if key_mask is None and key_given:
            key_mask = get_keras_mask(key)
        mask = self._compute_attention_mask(query, value, q_mask, value_mask, key_mask, attention_mask,
                                            use_causal_mask)
        q = self.query_dense(query)
        k = self.key_dense(key)
        v = self.value_dense(value)
        out, scores = self._compute_attention(q, k, v, mask, training, return_attention_scores)
        out = self.output_dense(out)
        if q_mask is not None:
            from .masking import set_keras_mask
            set_keras_mask(out, q_mask)
        if return_attention_scores:
            return out, scores
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim, "value_dim": self._value_dim,
            "dropout": self._dropout, "use_bias": self._use_bias, "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "kernel_initializer": _ser(self._kernel_initializer, initializers),
            "bias_initializer": _ser(self._bias_initializer, initializers),
            "kernel_regularizer": _ser(self._kernel_regularizer, regularizers),
            "bias_regularizer": _ser(self._bias_regularizer, regularizers),
            "activity_regularizer": _ser(self.activity_regularizer, regularizers),
            "kernel_constraint": _ser(self._kernel_constraint, constraints),
            "bias_constraint": _ser(self._bias_constraint, constraints), "seed": self.seed})
        return config


class _BaseDenseAttention(Layer):
    """What ``Attention`` and ``AdditiveAttention`` share: inputs ``[query, value]`` or
    ``[query, value, key]``, ``mask=[query_mask, value_mask]``, causal masking, dropout on the weights."""

    def __init__(self, use_scale: bool = False, dropout: float = 0.0, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True

    def _validate(self, inputs: Any, mask: Any = None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{name} layer mask must be a list of length 2, namely [query_mask, value_mask]. "
                             f"Received: mask={mask}.")

    def call(self, inputs: Any, mask: Any = None, training: Optional[bool] = None,
             return_attention_scores: bool = False, use_causal_mask: bool = False) -> Any:
        self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._scores(q, k)
        scores_mask = None if v_mask is None else _m.cast(convert_to_tensor(v_mask), "bool")
        if use_causal_mask:
            causal = _causal_mask(int(scores.shape[-2]), int(scores.shape[-1]))
            scores_mask = causal if scores_mask is None else _m.logical_and(_s.expand_dims(scores_mask, -2), causal)
        if scores_mask is not None:
            if scores_mask.ndim == 2:
                scores_mask = _s.expand_dims(scores_mask, -2)
            big = 65504.0 if scores.dtype.name == "float16" else 1.0e9
            scores = _m.where(scores_mask, scores, _m.subtract(scores, _m.cast(big, scores.dtype)))
        from ...ops.nn import softmax
        weights = softmax(scores, axis=-1)
        if training and self.dropout > 0:
            from ...ops.nn import dropout
            weights = dropout(weights, self.dropout, seed=self.seed)
        out = matmul(weights, v)
        if q_mask is not None:
            out = _m.where(_s.expand_dims(_m.cast(convert_to_tensor(q_mask), "bool"), -1), out,
                           _m.cast(0, out.dtype))
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or mask[0] is None:
            return None
        return convert_to_tensor(mask[0])

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "dropout": self.dropout})
        return config


class Attention(_BaseDenseAttention):
    """Dot-product attention (``tf.keras.layers.Attention``): ``softmax(q @ k^T [* scale]) @ v``;
    ``score_mode='concat'`` scores ``sum(tanh(q + k))`` times a learned weight."""

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: Optional[int] = None, **kwargs: Any):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        self.score_mode = score_mode

    def build(self, input_shape: Any) -> None:
        self.scale = self.add_weight("scale", shape=(), initializer="ones") if self.use_scale else None
        self.concat_score_weight = (self.add_weight("concat_score_weight", shape=(), initializer="ones")
                                    if self.score_mode == "concat" else None)
        self.built = True

    def _scores(self, query: Tensor, key: Tensor) -> Tensor:
        if self.score_mode == "dot":
            scores = matmul(query, key, transpose_b=True)
            if self.scale is not None:
                scores = _m.multiply(scores, self.scale)
            return scores
        from ...ops.reduction import reduce_sum
        q = _s.expand_dims(query, -2)
        k = _s.expand_dims(key, -3)
        z = _m.add(q, k)
        if self.scale is not None:
            z = _m.multiply(self.scale, z)
        return _m.multiply(self.concat_score_weight, reduce_sum(_m.tanh(z), axis=-1))

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["score_mode"] = self.score_mode
        return config


class AdditiveAttention(_BaseDenseAttention):
    """Additive (Bahdanau) attention (``tf.keras.layers.AdditiveAttention``): scores
    ``sum(scale * tanh(q + k), -1)`` with a learned ``scale`` of shape ``(dim,)`` (``use_scale=True``)."""

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        dim = int(tuple(input_shape[0])[-1])
        self.scale = self.add_weight("scale", shape=(dim,), initializer="glorot_uniform") if self.use_scale \
            else None
        self.built = True

    def _scores(self, query: Tensor, key: Tensor) -> Tensor:
        from ...ops.reduction import reduce_sum
        z = _m.tanh(_m.add(_s.expand_dims(query, -2), _s.expand_dims(key, -3)))
        if self.scale is not None:
            z = _m.multiply(self.scale, z)
        return reduce_sum(z, axis=-1)


__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention"]
