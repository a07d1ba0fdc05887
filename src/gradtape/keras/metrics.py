"""``tf.keras.metrics``: stateful metrics with Keras's semantics, computed in NumPy.

Metrics are not differentiated, so they work on NumPy values directly (fast, no tape records):
``update_state(y_true, y_pred, sample_weight=None)`` accumulates, ``result()`` returns a float32
Tensor, ``reset_state()`` clears; calling a metric updates it and returns the result.
Thresholded metrics use Keras's strict ``y_pred > threshold``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..tensor import Tensor
from .losses import _snake  # default names from class names, the rule losses use

_EPS = 1e-7


def _np(x: Any) -> np.ndarray:
    if x is None:
        return None
    v = getattr(x, "_value", None)
    if v is None and hasattr(type(x), "_gt_read"):
        v = x.read_value()._value
    if v is None:
        v = getattr(x, "numpy", None)
        v = v() if callable(v) and not isinstance(x, np.ndarray) else x
    if not isinstance(v, (np.ndarray, np.generic)):
        from ..devices import to_host       # metrics accumulate on the host (a device value: copied)
        v = to_host(v)
    return np.asarray(v)


_SCALARS = (np.float16, np.float32, np.float64, float)


def _out(x: Any) -> Tensor:
    return Tensor(np.asarray(x, dtype=np.float32)[()] if np.ndim(x) == 0 else np.asarray(x, dtype=np.float32))


def _broadcast_weight(sw: Optional[np.ndarray], values: np.ndarray) -> np.ndarray:
    if sw is None:
        return np.ones_like(values, dtype=np.float64)
    sw = np.asarray(sw, dtype=np.float64)
    while sw.ndim > values.ndim and sw.shape[-1] == 1:
        sw = sw[..., 0]
    while sw.ndim < values.ndim:
        sw = sw[..., None]
    return np.broadcast_to(sw, values.shape)


def _match_rank(y_true: np.ndarray, y_pred: np.ndarray) -> tuple:
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    return y_true, y_pred


class Metric:
    """Base class: subclasses implement ``update_state``, ``result`` and ``reset_state``."""

    def __init__(self, name: Optional[str] = None, dtype: Any = None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtype or "float32"

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        self.update_state(*args, **kwargs)
        return self.result()

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Tensor:
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    def reset_states(self) -> None:
        """tf.keras 2 spelling of ``reset_state``."""
        self.reset_state()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class Mean(Metric):
    """The weighted mean of the values seen (``keras.metrics.Mean``): ``sum(v * w) / sum(w)``."""

    def __init__(self, name: str = "mean", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        if type(sample_weight) is int and type(getattr(values, "_value", None)) in _SCALARS:
            # fit's loss tracker (a scalar loss, the batch size as weight): the same float64 sums
            w = float(sample_weight)
            self.total += float(values._value) * w
            self.count += w
            return
        v = np.asarray(_np(values), dtype=np.float64)
        w = _broadcast_weight(_np(sample_weight), v)
        self.total += float(np.sum(v * w))
        self.count += float(np.sum(w))

    def result(self) -> Tensor:
        return _out(self.total / self.count if self.count else 0.0)


class Sum(Metric):
    """The weighted sum of the values seen (``keras.metrics.Sum``)."""

    def __init__(self, name: str = "sum", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        v = np.asarray(_np(values), dtype=np.float64)
        self.total += float(np.sum(v * _broadcast_weight(_np(sample_weight), v)))

    def result(self) -> Tensor:
        return _out(self.total)


class MeanMetricWrapper(Mean):
    """Mean of a per-sample function ``fn(y_true, y_pred, **kwargs)`` (``keras.metrics.MeanMetricWrapper``)."""

    def __init__(self, fn: Callable, name: Optional[str] = None, dtype: Any = None, **kwargs: Any):
        super().__init__(name=name or getattr(fn, "__name__", "mean"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg


# -- per-sample accuracy functions (Keras's names) -----------------------------------------------
def accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1.0 where ``y_true == y_pred`` (``keras.metrics.accuracy``)."""
    t, p = _match_rank(_np(y_true), _np(y_pred))
    return (t == p.astype(t.dtype) if t.dtype != p.dtype else t == p).astype(np.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """1.0 where ``y_true == (y_pred > threshold)``, elementwise (``keras.metrics.binary_accuracy``,
    Keras 3; the mean over all elements, weighted, is the same as tf.keras 2's per-sample mean)."""
    t, p = _match_rank(_np(y_true), _np(y_pred))
    return (t.astype(np.float64) == (p > threshold).astype(np.float64)).astype(np.float32)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """``argmax(y_true) == argmax(y_pred)`` (``keras.metrics.categorical_accuracy``)."""
    t, p = _np(y_true), _np(y_pred)
    return (np.argmax(t, axis=-1) == np.argmax(p, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """``y_true == argmax(y_pred)`` with integer labels of shape (n,) or (n, 1)
    (``keras.metrics.sparse_categorical_accuracy``)."""
    t, p = _np(y_true), _np(y_pred)
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    return (t.astype(np.int64) == np.argmax(p, axis=-1)).astype(np.float32)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """1.0 where the true class (one-hot) is among the top ``k`` predictions."""
    return sparse_top_k_categorical_accuracy(np.argmax(_np(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """1.0 where the integer label is among the top ``k`` predictions."""
    t, p = _np(y_true), _np(y_pred)
    if t.ndim == p.ndim and t.shape[-1] == 1:
        t = t[..., 0]
    t = t.astype(np.int64)
    score = np.take_along_axis(p, t[..., None], axis=-1)
    rank = (p > score).sum(-1)
    return (rank < k).astype(np.float32)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels (``keras.metrics.Accuracy``)."""

    def __init__(self, name: str = "accuracy", dtype: Any = None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels (``keras.metrics.BinaryAccuracy``)."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches the argmax of one-hot labels."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of predictions matches integer labels."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``mean((y_pred - y_true)^2, -1)``."""

    def __init__(self, name: str = "mean_squared_error", dtype: Any = None):
        super().__init__(lambda t, p: np.mean((_match_rank(_np(t), _np(p))[1] - _match_rank(_np(t), _np(p))[0]) ** 2, -1),
                         name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``mean(|y_pred - y_true|, -1)``."""

    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None):
        super().__init__(lambda t, p: np.mean(np.abs(_match_rank(_np(t), _np(p))[1] - _match_rank(_np(t), _np(p))[0]), -1),
                         name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """``sqrt(weighted mean of (y_pred - y_true)^2)`` over every element seen
    (``keras.metrics.RootMeanSquaredError``)."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        t, p = _match_rank(_np(y_true), _np(y_pred))
        super().update_state((p.astype(np.float64) - t) ** 2, sample_weight)

    def result(self) -> Tensor:
        return _out(np.sqrt(self.total / self.count) if self.count else 0.0)


def _loss_metric(loss_fn_name: str, class_name: str, default_name: str, doc: str, **defaults: Any) -> type:
    """A ``MeanMetricWrapper`` over one of ``keras.losses``' per-sample functions (Keras defines these
    metrics the same way)."""

    def per_sample(y_true: Any, y_pred: Any, **kwargs: Any) -> np.ndarray:
        from . import losses as _losses
        return _np(getattr(_losses, loss_fn_name)(y_true, y_pred, **kwargs))

    def __init__(self, name: str = default_name, dtype: Any = None, **kwargs: Any):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}() got unexpected keyword arguments {sorted(unknown)}; "
                            f"it takes name, dtype and {sorted(defaults) or 'nothing else'}.")
        MeanMetricWrapper.__init__(self, per_sample, name=name, dtype=dtype, **dict(defaults, **kwargs))

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


BinaryCrossentropy = _loss_metric("binary_crossentropy", "BinaryCrossentropy", "binary_crossentropy",
                                  "Mean binary cross-entropy (``keras.metrics.BinaryCrossentropy``).",
                                  from_logits=False, label_smoothing=0.0)
CategoricalCrossentropy = _loss_metric("categorical_crossentropy", "CategoricalCrossentropy",
                                       "categorical_crossentropy",
                                       "Mean categorical cross-entropy (``keras.metrics.CategoricalCrossentropy``).",
                                       from_logits=False, label_smoothing=0.0, axis=-1)
SparseCategoricalCrossentropy = _loss_metric(
    "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
    "Mean sparse categorical cross-entropy (``keras.metrics.SparseCategoricalCrossentropy``).",
    from_logits=False, axis=-1)
KLDivergence = _loss_metric("kl_divergence", "KLDivergence", "kl_divergence",
                            "Mean KL divergence (``keras.metrics.KLDivergence``).")
Hinge = _loss_metric("hinge", "Hinge", "hinge", "Mean hinge loss (``keras.metrics.Hinge``).")
SquaredHinge = _loss_metric("squared_hinge", "SquaredHinge", "squared_hinge",
                            "Mean squared hinge loss (``keras.metrics.SquaredHinge``).")
CategoricalHinge = _loss_metric("categorical_hinge", "CategoricalHinge", "categorical_hinge",
                                "Mean categorical hinge loss (``keras.metrics.CategoricalHinge``).")
LogCoshError = _loss_metric("log_cosh", "LogCoshError", "logcosh",
                            "Mean log-cosh error (``keras.metrics.LogCoshError``).")
Poisson = _loss_metric("poisson", "Poisson", "poisson", "Mean Poisson loss (``keras.metrics.Poisson``).")
MeanAbsolutePercentageError = _loss_metric(
    "mean_absolute_percentage_error", "MeanAbsolutePercentageError", "mean_absolute_percentage_error",
    "Mean absolute percentage error (``keras.metrics.MeanAbsolutePercentageError``).")
MeanSquaredLogarithmicError = _loss_metric(
    "mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error",
    "Mean squared logarithmic error (``keras.metrics.MeanSquaredLogarithmicError``).")


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity ``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``
    (``keras.metrics.CosineSimilarity``: +1 for the same direction; the loss is its negative)."""

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None, axis: int = -1):
        def per_sample(y_true: Any, y_pred: Any, axis: int = -1) -> np.ndarray:
            from . import losses as _losses
            return -_np(_losses.cosine_similarity(y_true, y_pred, axis=axis))
        super().__init__(per_sample, name=name, dtype=dtype, axis=axis)


# -- confusion-matrix metrics --------------------------------------------------------------------
def _thresholds_list(thresholds: Any, default: float = 0.5) -> tuple:
    if thresholds is None:
        return np.array([default]), False
    if np.ndim(thresholds) == 0:
        return np.array([float(thresholds)]), False
    return np.asarray(thresholds, dtype=np.float64), True


def _counts_above(pred: np.ndarray, weight: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """For each threshold, the summed weight of the predictions strictly above it (vectorised with
    a sort of the thresholds and one ``searchsorted``)."""
    order = np.argsort(thresholds, kind="stable")
    st = thresholds[order]
    # number of sorted thresholds strictly below each prediction
    k = np.searchsorted(st, pred, side="left")
    hist = np.bincount(k, weights=weight, minlength=len(st) + 1)
    above_sorted = np.cumsum(hist[::-1])[::-1][1:]  # weight of preds with k > j, j = 0..T-1
    out = np.empty(len(st))
    out[order] = above_sorted
    return out


class _ConfusionMetric(Metric):
    def __init__(self, thresholds: Any = None, top_k: Optional[int] = None, class_id: Optional[int] = None,
                 name: Optional[str] = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds, self._multi = _thresholds_list(thresholds, 0.5 if top_k is None else -1e10)  # Keras's NEG_INF
        self.top_k = top_k
        self.class_id = class_id
        self.reset_state()

    def reset_state(self) -> None:
        n = len(self.thresholds)
        self.true_positives = np.zeros(n)
        self.false_positives = np.zeros(n)
        self.false_negatives = np.zeros(n)
        self.true_negatives = np.zeros(n)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        t, p = _match_rank(_np(y_true), _np(y_pred).astype(np.float64))
        t = np.broadcast_to(t, p.shape) if t.shape != p.shape else t
        w = _broadcast_weight(_np(sample_weight), p)
        if self.top_k is not None:  # keep the top k per row (ties: lowest index first, as top_k)
            p = np.atleast_1d(p)
            top = np.argsort(-p, axis=-1, kind="stable")[..., :self.top_k]
            keep = np.zeros(p.shape, dtype=bool)
            np.put_along_axis(keep, top, True, axis=-1)
            p = np.where(keep, p, -np.inf)
            t = np.broadcast_to(t, p.shape)
            w = np.broadcast_to(w, p.shape)
        if self.class_id is not None:
            t, p, w = t[..., self.class_id], p[..., self.class_id], w[..., self.class_id]
        pos = t.astype(bool).reshape(-1)
        p = p.reshape(-1)
        w = w.reshape(-1)
        wp = np.where(pos, w, 0.0)
        wn = np.where(pos, 0.0, w)
        tp = _counts_above(p, wp, self.thresholds)
        fp = _counts_above(p, wn, self.thresholds)
        self.true_positives += tp
        self.false_positives += fp
        self.false_negatives += wp.sum() - tp
        self.true_negatives += wn.sum() - fp

    def _finish(self, num: np.ndarray, den: np.ndarray) -> Tensor:
        r = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
        return _out(r if self._multi else r[0])

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update({"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id})
        return cfg


class Precision(_ConfusionMetric):
    """``tp / (tp + fp)`` at ``thresholds`` (default 0.5; ``y_pred > t`` counts as positive)
    (``keras.metrics.Precision``). A list of thresholds gives one value per threshold."""

    def __init__(self, thresholds: Any = None, top_k: Optional[int] = None, class_id: Optional[int] = None,
                 name: str = "precision", dtype: Any = None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self) -> Tensor:
        return self._finish(self.true_positives, self.true_positives + self.false_positives)


class Recall(_ConfusionMetric):
    """``tp / (tp + fn)`` at ``thresholds`` (default 0.5) (``keras.metrics.Recall``)."""

    def __init__(self, thresholds: Any = None, top_k: Optional[int] = None, class_id: Optional[int] = None,
                 name: str = "recall", dtype: Any = None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self) -> Tensor:
        return self._finish(self.true_positives, self.true_positives + self.false_negatives)


class _ConfusionCount(_ConfusionMetric):
    """One confusion-matrix count at ``thresholds`` (default 0.5), summed over every element seen."""

    _count = ""

    def __init__(self, thresholds: Any = None, name: Optional[str] = None, dtype: Any = None):
        super().__init__(thresholds, None, None, name=name, dtype=dtype)

    def result(self) -> Tensor:
        r = getattr(self, self._count)
        return _out(r if self._multi else r[0])

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """Weighted count of positives predicted above the threshold (``keras.metrics.TruePositives``)."""
    _count = "true_positives"


class FalsePositives(_ConfusionCount):
    """Weighted count of negatives predicted above the threshold (``keras.metrics.FalsePositives``)."""
    _count = "false_positives"


class TrueNegatives(_ConfusionCount):
    """Weighted count of negatives predicted at or below the threshold (``keras.metrics.TrueNegatives``)."""
    _count = "true_negatives"


class FalseNegatives(_ConfusionCount):
    """Weighted count of positives predicted at or below the threshold (``keras.metrics.FalseNegatives``)."""
    _count = "false_negatives"


class AUC(Metric):
    """Area under the ROC or PR curve (``keras.metrics.AUC``), Keras's discretisation: ``num_thresholds``
    evenly spaced thresholds in [0, 1] (the ends nudged by 1e-7), confusion counts at each with
    ``y_pred > t``, and a Riemann sum (``'interpolation'``, ``'minoring'``, ``'majoring'``); PR with
    interpolation uses Davis & Goadrich's interpolation as Keras does. ``multi_label=True`` keeps one
    curve per label (last axis) and averages the AUCs (weighted by ``label_weights``); otherwise
    ``label_weights`` weight each label's counts."""

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str = "auc", dtype: Any = None, thresholds: Optional[Sequence] = None,
                 multi_label: bool = False, num_labels: Optional[int] = None, label_weights: Any = None,
                 from_logits: bool = False):
        super().__init__(name=name, dtype=dtype)
        curve = curve.upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["ROC", "PR"]')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values '
                             'are ["interpolation", "majoring", "minoring"]')
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.thresholds = np.array([0.0 - _EPS] + inner + [1.0 + _EPS])
            self.num_thresholds = len(self.thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = np.array([0.0 - _EPS] + inner + [1.0 + _EPS])
            self.num_thresholds = num_thresholds
        self.curve = curve
        self.summation_method = summation_method
        self.from_logits = from_logits
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(_np(label_weights), dtype=np.float64)
        self.reset_state()

    def reset_state(self) -> None:
        shape = (self.num_thresholds,) if not self.multi_label or self.num_labels is None else (
            self.num_thresholds, self.num_labels)
        self.true_positives = np.zeros(shape)
        self.false_positives = np.zeros(shape)
        self.true_negatives = np.zeros(shape)
        self.false_negatives = np.zeros(shape)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        t, p = _match_rank(_np(y_true), _np(y_pred).astype(np.float64))
        if self.from_logits:
            p = 1.0 / (1.0 + np.exp(-p))
        t = np.broadcast_to(t, p.shape) if t.shape != p.shape else t
        w = _broadcast_weight(_np(sample_weight), p)
        pos_all = t.astype(bool)
        if self.multi_label:
            labels = p.shape[-1] if p.ndim else 1
            if self.true_positives.ndim == 1:  # first update fixes the number of labels
                self.num_labels = labels
                self.reset_state()
            cols = [(pos_all[..., j].reshape(-1), p[..., j].reshape(-1), w[..., j].reshape(-1)) for j in range(labels)]
        else:
            if self.label_weights is not None:
                w = w * self.label_weights
            cols = [(pos_all.reshape(-1), p.reshape(-1), w.reshape(-1))]
        for j, (pos, pj, wj) in enumerate(cols):
            wp = np.where(pos, wj, 0.0)
            wn = np.where(pos, 0.0, wj)
            tp = _counts_above(pj, wp, self.thresholds)
            fp = _counts_above(pj, wn, self.thresholds)
            idx = (slice(None), j) if self.multi_label else slice(None)
            self.true_positives[idx] += tp
            self.false_positives[idx] += fp
            self.false_negatives[idx] += wp.sum() - tp
            self.true_negatives[idx] += wn.sum() - fp

    @staticmethod
    def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)

    def _auc(self, tp: np.ndarray, fp: np.ndarray, tn: np.ndarray, fn: np.ndarray) -> np.ndarray:
        """AUC along the thresholds axis (0); works per label for 2-D counts."""
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:n - 1] - tp[1:]
            p = tp + fp
            dp = p[:n - 1] - p[1:]
            slope = self._div(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - slope * p[1:]
            both = (p[:n - 1] > 0) & (p[1:] > 0)
            ratio = np.where(both, self._div(p[:n - 1], np.maximum(p[1:], 0)), 1.0)
            ratio = np.where(ratio > 0, ratio, 1.0)
            inc = self._div(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
            return inc.sum(axis=0)
        recall = self._div(tp, tp + fn)
        if self.curve == "ROC":
            x, y = self._div(fp, fp + tn), recall
        else:
            x, y = recall, self._div(tp, tp + fp)
        if self.summation_method == "interpolation":
            h = (y[:n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            h = np.minimum(y[:n - 1], y[1:])
        else:
            h = np.maximum(y[:n - 1], y[1:])
        return np.sum((x[:n - 1] - x[1:]) * h, axis=0)

    def result(self) -> Tensor:
        auc = self._auc(self.true_positives, self.false_positives, self.true_negatives, self.false_negatives)
        if self.multi_label and np.ndim(auc):
            if self.label_weights is None:
                return _out(np.mean(auc))
            lw = self.label_weights
            return _out(np.sum(auc * lw) / np.sum(lw) if np.sum(lw) else 0.0)
        return _out(auc)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update({"num_thresholds": self.num_thresholds, "curve": self.curve,
                    "summation_method": self.summation_method, "multi_label": self.multi_label,
                    "num_labels": self.num_labels, "from_logits": self.from_logits,
                    "label_weights": None if self.label_weights is None else self.label_weights.tolist()})
        return cfg


# -- lookup --------------------------------------------------------------------------------------
_CLASSES = {c.__name__: c for c in (Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                    SparseCategoricalAccuracy, TopKCategoricalAccuracy,
                                    SparseTopKCategoricalAccuracy, AUC, Precision, Recall,
                                    MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError,
                                    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
                                    KLDivergence, Hinge, SquaredHinge, CategoricalHinge, LogCoshError, Poisson,
                                    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity,
                                    TruePositives, FalsePositives, TrueNegatives, FalseNegatives)}
_NAMES = {
    "accuracy": Accuracy, "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy, "auc": AUC, "precision": Precision,
    "recall": Recall, "mean": Mean, "sum": Sum, "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy, "kl_divergence": KLDivergence,
    "kld": KLDivergence, "hinge": Hinge, "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
    "logcosh": LogCoshError, "poisson": Poisson, "mape": MeanAbsolutePercentageError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError, "cosine_similarity": CosineSimilarity,
    "root_mean_squared_error": RootMeanSquaredError,
}


def get(identifier: Any) -> Any:
    """A metric from a name or class name (a fresh instance), a config dict, a Metric or a callable
    (returned as is); ``keras.metrics.get``. ``'accuracy'``/``'acc'`` give plain ``Accuracy`` here: the
    fit loop should call :func:`resolve_metric`, which picks the accuracy that fits the loss and
    shapes as Keras's ``compile`` does."""
    if isinstance(identifier, Metric) or identifier is None:
        return identifier
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown metric {identifier.get('class_name')!r}. Known: {sorted(_CLASSES)}.")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier in ("acc",):
            return Accuracy(name="acc")
        cls = _CLASSES.get(identifier) or _NAMES.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret metric identifier: {identifier!r}. Known names: "
                             f"{sorted(_NAMES)}.")
        return cls()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _loss_kind(loss: Any) -> Optional[str]:
    from . import losses as _losses
    if loss is None:
        return None
    if isinstance(loss, str):
        try:
            loss = _losses.get(loss)
        except ValueError:
            return None
    if isinstance(loss, _losses.BinaryCrossentropy) or loss is _losses.binary_crossentropy:
        return "binary"
    if isinstance(loss, _losses.SparseCategoricalCrossentropy) or loss is _losses.sparse_categorical_crossentropy:
        return "sparse"
    if isinstance(loss, _losses.CategoricalCrossentropy) or loss is _losses.categorical_crossentropy:
        return "categorical"
    return None


def resolve_metric(identifier: Any, loss: Any = None, y_true: Any = None, y_pred: Any = None) -> Any:
    """Resolve a ``compile(metrics=[...])`` entry as Keras does. For ``'accuracy'``/``'acc'`` (and
    ``'crossentropy'``/``'ce'``) the variant depends on the loss and the shapes: binary if the loss is
    binary cross-entropy or ``y_pred``'s last dimension is 1; sparse categorical if the loss is the
    sparse one or ``y_true`` has lower rank than ``y_pred`` (or a last dimension of 1 while ``y_pred``'s
    is larger); categorical otherwise. The metric keeps the name the user wrote."""
    if not isinstance(identifier, str) or identifier not in ("accuracy", "acc", "crossentropy", "ce"):
        return get(identifier)
    kind = _loss_kind(loss)
    if kind is None and y_pred is not None:
        ps = np.shape(_np(y_pred))
        ts = np.shape(_np(y_true)) if y_true is not None else None
        if ps and ps[-1] == 1:
            kind = "binary"
        elif ts is not None and (len(ts) < len(ps) or (ts and ts[-1] == 1 and ps[-1] > 1)):
            kind = "sparse"
        else:
            kind = "categorical"
    if identifier in ("accuracy", "acc"):
        cls = {"binary": BinaryAccuracy, "sparse": SparseCategoricalAccuracy,
               "categorical": CategoricalAccuracy}.get(kind, Accuracy)
        return cls(name=identifier)
    from . import losses as _losses
    fn = {"binary": _losses.binary_crossentropy, "sparse": _losses.sparse_categorical_crossentropy}.get(
        kind, _losses.categorical_crossentropy)
    return MeanMetricWrapper(lambda t, p: fn(t, p).numpy(), name=identifier)
