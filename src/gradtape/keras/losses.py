"""``tf.keras.losses``: Keras's losses built from gradtape ops (so gradients flow through them).

Semantics follow Keras 3 / tf.keras: each loss function returns one value per sample (the mean over
the last axis for elementwise losses); the ``Loss`` classes then weight by ``sample_weight`` and
reduce with ``reduction``: ``'sum_over_batch_size'`` (default: the weighted sum divided by the number
of elements), ``'sum'``, ``'none'`` (or None) and ``'mean_with_sample_weight'`` (divided by the sum
of the weights). Probabilities are clipped to ``[eps, 1 - eps]`` with Keras's ``epsilon = 1e-7``;
``from_logits=True`` uses the fused, stable ``tf.nn`` cross-entropies.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from ..dispatch import convert_to_tensor
from ..tensor import Tensor
from ..ops import math as _m
from ..ops import reduction as _r
from ..ops import shape as _s
from ..ops import nn as _nn

EPSILON = 1e-7
_REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "auto", "mean", "mean_with_sample_weight")


def _pred(y_pred: Any) -> Tensor:
    t = convert_to_tensor(y_pred)
    if t._value.dtype.kind not in "fc":
        t = _m.cast(t, "float32")
    return t


def _true_like(y_true: Any, y_pred: Tensor) -> Tensor:
    t = convert_to_tensor(y_true)
    if t._value.dtype != y_pred._value.dtype:
        t = _m.cast(t, y_pred.dtype)
    return t


def _match_rank(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Keras's ``squeeze_or_expand_to_same_rank`` for labels of shape (n,) vs predictions (n, 1)."""
    rt, rp = np.ndim(y_true._value), np.ndim(y_pred._value)
    if rt == rp - 1 and np.shape(y_pred._value)[-1] == 1:
        return _s.expand_dims(y_true, -1)
    if rt == rp + 1 and np.shape(y_true._value)[-1] == 1:
        return _s.squeeze(y_true, -1)
    return y_true


def _check_shapes(y_true: Tensor, y_pred: Tensor, what: str) -> None:
    try:
        np.broadcast_shapes(np.shape(y_true._value), np.shape(y_pred._value))
    except ValueError:
        raise ValueError(f"{what}: y_true and y_pred have incompatible shapes "
                         f"{list(np.shape(y_true._value))} and {list(np.shape(y_pred._value))}.") from None


# -- loss functions (per sample) -----------------------------------------------------------------
def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(square(y_pred - y_true), axis=-1)`` (``keras.losses.mean_squared_error``)."""
    y_pred = _pred(y_pred)
    y_true = _match_rank(_true_like(y_true, y_pred), y_pred)
    _check_shapes(y_true, y_pred, "mean_squared_error")
    return _r.reduce_mean(_m.square(_m.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(abs(y_pred - y_true), axis=-1)`` (``keras.losses.mean_absolute_error``)."""
    y_pred = _pred(y_pred)
    y_true = _match_rank(_true_like(y_true, y_pred), y_pred)
    _check_shapes(y_true, y_pred, "mean_absolute_error")
    return _r.reduce_mean(_m.abs(_m.subtract(y_pred, y_true)), axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Huber loss: ``0.5 e^2`` where ``|e| <= delta``, else ``delta |e| - 0.5 delta^2``; mean over the
    last axis (``keras.losses.huber``)."""
    y_pred = _pred(y_pred)
    y_true = _match_rank(_true_like(y_true, y_pred), y_pred)
    _check_shapes(y_true, y_pred, "huber")
    err = _m.subtract(y_pred, y_true)
    abs_err = _m.abs(err)
    d = float(delta)
    quad = _m.multiply(_m.square(err), 0.5)
    lin = _m.subtract(_m.multiply(abs_err, d), 0.5 * d * d)
    return _r.reduce_mean(_m.where(_m.less_equal(abs_err, d), quad, lin), axis=-1)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """Mean over ``axis`` of ``-(y log p + (1 - y) log(1 - p))``, ``p`` clipped to ``[1e-7, 1 - 1e-7]``;
    with ``from_logits`` the stable ``sigmoid_cross_entropy_with_logits`` (``keras.losses.binary_crossentropy``)."""
    y_pred = _pred(y_pred)
    y_true = _match_rank(_true_like(y_true, y_pred), y_pred)
    _check_shapes(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = _m.add(_m.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        if np.shape(y_true._value) != np.shape(y_pred._value):
            y_true = _s.broadcast_to(y_true, np.shape(y_pred._value))
        ce = _nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p = _m.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        ce = _m.negative(_m.add(_m.multiply(y_true, _m.log(p)),
                                _m.multiply(_m.subtract(1.0, y_true), _m.log(_m.subtract(1.0, p)))))
    return _r.reduce_mean(ce, axis=axis)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0,
                             axis: int = -1) -> Tensor:
    """``-sum(y log p, axis)`` with ``p`` renormalised to sum to 1 and clipped to ``[1e-7, 1 - 1e-7]``;
    with ``from_logits`` the fused ``softmax_cross_entropy_with_logits`` (``keras.losses.categorical_crossentropy``)."""
    y_pred = _pred(y_pred)
    y_true = _true_like(y_true, y_pred)
    if np.shape(y_true._value) != np.shape(y_pred._value):
        raise ValueError("Arguments `target` and `output` must have the same shape for "
                         f"categorical_crossentropy. Received: target.shape={list(np.shape(y_true._value))}, "
                         f"output.shape={list(np.shape(y_pred._value))}. Integer class labels need "
                         "SparseCategoricalCrossentropy (or one-hot encode them).")
    if label_smoothing:
        n = np.shape(y_pred._value)[axis]
        y_true = _m.add(_m.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    p = _m.divide(y_pred, _r.reduce_sum(y_pred, axis=axis, keepdims=True))
    p = _m.clip_by_value(p, EPSILON, 1.0 - EPSILON)
    return _m.negative(_r.reduce_sum(_m.multiply(y_true, _m.log(p)), axis=axis))


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: Optional[int] = None, axis: int = -1) -> Tensor:
    """Categorical cross-entropy with integer labels (``keras.losses.sparse_categorical_crossentropy``):
    ``-log p[label]``; labels of shape ``(n,)`` or ``(n, 1)``. Uses the fused
    ``sparse_softmax_cross_entropy_with_logits`` (on ``log`` of the normalised, clipped probabilities
    when ``from_logits=False``, as Keras does)."""
    y_pred = _pred(y_pred)
    labels = convert_to_tensor(y_true)
    lv = labels._value
    if np.ndim(lv) == np.ndim(y_pred._value) and np.shape(lv)[-1] == 1:
        labels = _s.squeeze(labels, -1)
        lv = labels._value
    if lv.dtype.kind == "f":
        labels = _m.cast(labels, "int64")
        lv = labels._value
    if np.shape(lv) != np.shape(y_pred._value)[:-1]:
        raise ValueError("sparse_categorical_crossentropy: labels of shape "
                         f"{list(np.shape(lv))} do not match predictions of shape "
                         f"{list(np.shape(y_pred._value))}; expected labels of shape "
                         f"{list(np.shape(y_pred._value)[:-1])} (integer class ids).")
    mask = None
    if ignore_class is not None:
        mask = _m.not_equal(labels, ignore_class)        # ops: the labels stay on their device
        labels = _m.where(mask, labels, 0)
    if from_logits:
        logits = y_pred
    else:
        p = _m.divide(y_pred, _r.reduce_sum(y_pred, axis=-1, keepdims=True))
        logits = _m.log(_m.clip_by_value(p, EPSILON, 1.0 - EPSILON))
    out = _nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    if mask is not None:
        out = _m.multiply(out, _m.cast(mask, out._value.dtype))
    return out


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# -- reduction -----------------------------------------------------------------------------------
def _weighted(values: Tensor, sample_weight: Any) -> Tensor:
    if sample_weight is None:
        return values
    sw = convert_to_tensor(sample_weight)
    if sw._value.dtype != values._value.dtype:
        sw = _m.cast(sw, values.dtype)
    rv, rw = np.ndim(values._value), np.ndim(sw._value)
    while rw > rv and np.shape(sw._value)[-1] == 1:
        sw = _s.squeeze(sw, -1)
        rw -= 1
    while rw < rv:
        sw = _s.expand_dims(sw, -1)
        rw += 1
    return _m.multiply(values, sw)


def reduce_weighted_values(values: Tensor, sample_weight: Any = None,
                           reduction: Optional[str] = "sum_over_batch_size") -> Tensor:
    """Weight per-sample losses and reduce them (Keras's ``reduce_weighted_values``)."""
    weighted = _weighted(values, sample_weight)
    if reduction in (None, "none"):
        return weighted
    total = _r.reduce_sum(weighted)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        w = _weighted(_m.cast(convert_to_tensor(np.ones(np.shape(values._value))), values.dtype), sample_weight)
        return _m.divide_no_nan(total, _r.reduce_sum(w))
    n = max(int(np.size(weighted._value)), 1)
    return _m.divide(total, float(n))


def _prepared(y_true: Any, y_pred: Any, what: str) -> tuple:
    y_pred = _pred(y_pred)
    y_true = _match_rank(_true_like(y_true, y_pred), y_pred)
    _check_shapes(y_true, y_pred, what)
    return y_true, y_pred


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7), axis=-1)``
    (``keras.losses.mean_absolute_percentage_error``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "mean_absolute_percentage_error")
    diff = _m.abs(_m.divide(_m.subtract(y_true, y_pred), _m.maximum(_m.abs(y_true), EPSILON)))
    return _m.multiply(_r.reduce_mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(square(log(max(y_pred, 1e-7) + 1) - log(max(y_true, 1e-7) + 1)), axis=-1)``
    (``keras.losses.mean_squared_logarithmic_error``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "mean_squared_logarithmic_error")
    first = _m.log(_m.add(_m.maximum(y_pred, EPSILON), 1.0))
    second = _m.log(_m.add(_m.maximum(y_true, EPSILON), 1.0))
    return _r.reduce_mean(_m.square(_m.subtract(first, second)), axis=-1)


def _hinge_labels(y_true: Tensor) -> Tensor:
    """Keras's rule: labels that are all 0 or 1 become -1 or 1; other labels are used as given."""
    v = y_true._value
    if np.all((v == 0) | (v == 1)):
        return _m.subtract(_m.multiply(y_true, 2.0), 1.0)
    return y_true


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``, 0/1 labels mapped to -1/1 (``keras.losses.hinge``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "hinge")
    y_true = _hinge_labels(y_true)
    return _r.reduce_mean(_m.maximum(_m.subtract(1.0, _m.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`` (``keras.losses.squared_hinge``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "squared_hinge")
    y_true = _hinge_labels(y_true)
    return _r.reduce_mean(_m.square(_m.maximum(_m.subtract(1.0, _m.multiply(y_true, y_pred)), 0.0)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis
    (``keras.losses.categorical_hinge``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "categorical_hinge")
    pos = _r.reduce_sum(_m.multiply(y_true, y_pred), axis=-1)
    neg = _r.reduce_max(_m.multiply(_m.subtract(1.0, y_true), y_pred), axis=-1)
    return _m.maximum(_m.add(_m.subtract(neg, pos), 1.0), 0.0)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log 2``
    (``keras.losses.log_cosh``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "log_cosh")
    x = _m.subtract(y_pred, y_true)
    value = _m.subtract(_m.add(x, _m.softplus(_m.multiply(x, -2.0))), float(np.log(2.0)))
    return _r.reduce_mean(value, axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`` (``keras.losses.poisson``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "poisson")
    return _r.reduce_mean(_m.subtract(y_pred, _m.multiply(y_true, _m.log(_m.add(y_pred, EPSILON)))), axis=-1)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """``sum(y_true * log(y_true / y_pred), axis=-1)``, both clipped to ``[1e-7, 1]``
    (``keras.losses.kl_divergence``)."""
    y_true, y_pred = _prepared(y_true, y_pred, "kl_divergence")
    y_true = _m.clip_by_value(y_true, EPSILON, 1.0)
    y_pred = _m.clip_by_value(y_pred, EPSILON, 1.0)
    return _r.reduce_sum(_m.multiply(y_true, _m.log(_m.divide(y_true, y_pred))), axis=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (``keras.losses.cosine_similarity``:
    -1 for vectors pointing the same way, 0 for orthogonal ones)."""
    y_true, y_pred = _prepared(y_true, y_pred, "cosine_similarity")
    y_true = _l2_normalize(y_true, axis)
    y_pred = _l2_normalize(y_pred, axis)
    return _m.negative(_r.reduce_sum(_m.multiply(y_true, y_pred), axis=axis))


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    square_sum = _r.reduce_sum(_m.square(x), axis=axis, keepdims=True)
    return _m.multiply(x, _m.rsqrt(_m.maximum(square_sum, 1e-12)))


# -- classes -------------------------------------------------------------------------------------
class Loss:
    """Base class of Keras losses: ``loss(y_true, y_pred, sample_weight=None)`` calls
    ``self.call(y_true, y_pred)`` (per-sample values) and reduces them with ``reduction``."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: Optional[str] = None,
                 dtype: Any = None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of {list(_REDUCTIONS)}. "
                             f"Received: reduction={reduction!r}")
        if reduction in ("auto", "mean"):
            reduction = "sum_over_batch_size"
        self.reduction = reduction
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        from .layers import masking as _masks
        mask = _masks.get_keras_mask(y_pred) if _masks.any_masks() else None
        values = self.call(y_true, y_pred)
        if mask is not None:
            sample_weight = _mask_weights(mask, values, sample_weight, self.reduction)
        return reduce_weighted_values(values, sample_weight, self.reduction)

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _snake(name: str) -> str:
    """Default object name from a class name (``MeanSquaredError`` -> ``mean_squared_error``); a run of
    capitals stays one word. Shared with ``metrics``."""
    out = []
    for i, c in enumerate(name):
        if c.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def _mask_weights(mask: Any, values: Tensor, sample_weight: Any, reduction: Optional[str]) -> Tensor:
    """Keras 3's ``apply_mask``: the Keras mask of ``y_pred`` as sample weights; for a mean reduction the
    kept entries weigh ``total / kept``, so the loss is the mean over the unmasked entries."""
    from ..ops import math as _m
    from ..ops.reduction import reduce_sum
    m = _m.cast(mask, values.dtype)
    if tuple(m.shape) != tuple(values.shape):
        raise NotImplementedError(f"Loss on a masked output: the mask has shape {tuple(m.shape)} but the per-entry "
                                  f"losses have shape {tuple(values.shape)}; gradtape applies masks only when "
                                  "they match.")
    if reduction in ("mean", "sum_over_batch_size", "auto"):
        total = _m.cast(int(np.prod(tuple(m.shape))), values.dtype)
        m = _m.multiply(m, _m.divide_no_nan(total, reduce_sum(m)))
    if sample_weight is not None:
        sw = _m.cast(convert_to_tensor(sample_weight), values.dtype)
        while sw.ndim < m.ndim:
            from ..ops.shape import expand_dims
            sw = expand_dims(sw, -1)
        m = _m.multiply(m, sw)
    return m


class LossFunctionWrapper(Loss):
    """A Loss from a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn: Callable, reduction: Optional[str] = "sum_over_batch_size",
                 name: Optional[str] = None, **kwargs: Any):
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """``keras.losses.MeanSquaredError``."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "mean_squared_error",
                 dtype: Any = None):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """``keras.losses.MeanAbsoluteError``."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = "mean_absolute_error",
                 dtype: Any = None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """``keras.losses.Huber(delta=1.0)``."""

    def __init__(self, delta: float = 1.0, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "huber_loss", dtype: Any = None):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class BinaryCrossentropy(LossFunctionWrapper):
    """``keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1)``."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Optional[str] = "sum_over_batch_size", name: str = "binary_crossentropy",
                 dtype: Any = None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """``keras.losses.CategoricalCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1)``."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: Optional[str] = "sum_over_batch_size", name: str = "categorical_crossentropy",
                 dtype: Any = None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """``keras.losses.SparseCategoricalCrossentropy(from_logits=False, ignore_class=None)``."""

    def __init__(self, from_logits: bool = False, ignore_class: Optional[int] = None,
                 reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "sparse_categorical_crossentropy", dtype: Any = None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits


def _wrapper_class(fn: Callable, class_name: str, default_name: str, doc: str) -> type:
    """A ``LossFunctionWrapper`` subclass for a loss function without options."""

    def __init__(self, reduction: Optional[str] = "sum_over_batch_size", name: str = default_name,
                 dtype: Any = None):
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name)

    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc,
                                                      "__module__": __name__})


MeanAbsolutePercentageError = _wrapper_class(
    mean_absolute_percentage_error, "MeanAbsolutePercentageError", "mean_absolute_percentage_error",
    "``keras.losses.MeanAbsolutePercentageError``.")
MeanSquaredLogarithmicError = _wrapper_class(
    mean_squared_logarithmic_error, "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
    "``keras.losses.MeanSquaredLogarithmicError``.")
Hinge = _wrapper_class(hinge, "Hinge", "hinge", "``keras.losses.Hinge``.")
SquaredHinge = _wrapper_class(squared_hinge, "SquaredHinge", "squared_hinge", "``keras.losses.SquaredHinge``.")
CategoricalHinge = _wrapper_class(categorical_hinge, "CategoricalHinge", "categorical_hinge",
                                  "``keras.losses.CategoricalHinge``.")
LogCosh = _wrapper_class(log_cosh, "LogCosh", "log_cosh", "``keras.losses.LogCosh``.")
Poisson = _wrapper_class(poisson, "Poisson", "poisson", "``keras.losses.Poisson``.")
KLDivergence = _wrapper_class(kl_divergence, "KLDivergence", "kl_divergence", "``keras.losses.KLDivergence``.")


class CosineSimilarity(LossFunctionWrapper):
    """``keras.losses.CosineSimilarity(axis=-1)``."""

    def __init__(self, axis: int = -1, reduction: Optional[str] = "sum_over_batch_size",
                 name: str = "cosine_similarity", dtype: Any = None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


class Reduction:
    """``tf.keras.losses.Reduction`` constants (tf.keras 2 spelling)."""
    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)


_FUNCTIONS = {
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error, "MSE": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "huber": huber, "huber_loss": huber,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "mean_absolute_percentage_error": mean_absolute_percentage_error, "mape": mean_absolute_percentage_error,
    "MAPE": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error, "msle": mean_squared_logarithmic_error,
    "MSLE": mean_squared_logarithmic_error,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "log_cosh": log_cosh, "logcosh": log_cosh, "poisson": poisson,
    "kl_divergence": kl_divergence, "kld": kl_divergence, "KLD": kl_divergence,
    "cosine_similarity": cosine_similarity,
}
_CLASSES = {c.__name__: c for c in (MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy,
                                    CategoricalCrossentropy, SparseCategoricalCrossentropy,
                                    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Hinge,
                                    SquaredHinge, CategoricalHinge, LogCosh, Poisson, KLDivergence,
                                    CosineSimilarity)}


def serialize(loss: Any) -> Any:
    """A name for a loss function, ``{"class_name", "config"}`` for a Loss object."""
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    name = getattr(loss, "__name__", None)
    if name in _FUNCTIONS:
        return name
    raise ValueError(f"Cannot serialize loss {loss!r}: not a built-in loss.")


def deserialize(config: Any, custom_objects: Any = None) -> Any:
    """Inverse of ``serialize``."""
    if isinstance(config, str):
        return get(config)
    classes = dict(_CLASSES)
    classes.update(custom_objects or {})
    cls = classes.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown loss {config.get('class_name')!r}. Known: {sorted(classes)}.")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Any:
    """A loss from a name (``'mse'``, ``'categorical_crossentropy'``: the function;
    ``'MeanSquaredError'``: an instance), a config dict, or a callable (returned as is);
    ``keras.losses.get``."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        low = identifier.lower()
        if low in _FUNCTIONS:
            return _FUNCTIONS[low]
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Known names: "
                         f"{sorted(set(_FUNCTIONS) | set(_CLASSES))}.")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
