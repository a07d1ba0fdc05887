"""Neural-network ops (``tf.nn``): activations, softmax, fused cross-entropies, ``l2_loss``,
``bias_add``, ``dropout``, ``moments``.

Activations with a kink follow TF's gradient at the kink: relu and relu6 give 0, leaky_relu gives
alpha, elu and selu take the x >= 0 branch. Cross-entropies are fused primitives: stable for
large logits and with gradient ``softmax - labels``.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import _array
from . import fused as _fused
from ..dispatch import apply, bad_dtype, convert_to_tensor, unary, dtype_mismatch
from ..errors import InvalidArgumentError
from ..registry import Op, FLOAT, REAL
from ..tensor import Tensor
from .math import (add, cast, exp, greater, greater_equal, less, log, logical_and, multiply, negative, sigmoid,
                   softplus, square, subtract, tanh, where, erf, log_sigmoid, maximum, divide)
from .reduction import reduce_sum, reduce_mean, reduce_logsumexp, _axes
from .shape import expand_dims

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _relu(x):
    return np.maximum(x, x.dtype.type(0))


RELU = Op("relu", _relu, vjp=lambda g, ans, x: relu_grad(g, ans), kinds=REAL + "iu",
          doc="max(x, 0). The gradient is 1 where x > 0 and 0 elsewhere (0 at x = 0, as TF); the rule "
              "reads the output (relu(x) > 0 exactly where x > 0), so the input need not be kept.")
relu = unary(RELU)


def _relu_grad(g, x):
    # One pass: multiplying by the bool mask is several times faster than np.where.
    return g * (x > 0)


RELU_GRAD = Op("relu_grad", _relu_grad,
               vjp=(lambda gg, ans, g, x: relu_grad(gg, x), None), kinds=FLOAT + "iu",
               doc="g * (x > 0): relu's backward as one op. Linear in g; its derivative in x is 0.")


def relu_grad(g: Any, x: Any) -> Tensor:
    """The gradient of relu: ``g`` where ``x > 0``, else 0 (TF's ``ReluGrad``)."""
    return apply(RELU_GRAD, (g, x))


def _relu6(x):
    return np.minimum(np.maximum(x, x.dtype.type(0)), x.dtype.type(6))


RELU6 = Op("relu6", _relu6,
           vjp=lambda g, ans, x: where(logical_and(greater(x, 0), less(x, 6)), g, 0),
           doc="min(max(x, 0), 6). The gradient is 1 on (0, 6) and 0 at both kinks, as TF.")
relu6 = unary(RELU6)


def _leaky_forward(x, alpha):
    return np.where(x > 0, x, x * x.dtype.type(alpha))[()]


LEAKY_RELU = Op("leaky_relu", _leaky_forward,
                vjp=lambda g, ans, x, alpha: where(greater(x, 0), g, multiply(g, alpha)), kinds=REAL,
                doc="x if x > 0 else alpha x. The gradient at 0 is alpha, as TF.")


def leaky_relu(features: Any, alpha: float = 0.2, name: Optional[str] = None) -> Tensor:
    """Leaky ReLU with slope ``alpha`` for negative inputs (``tf.nn.leaky_relu``, default 0.2)."""
    x = convert_to_tensor(features)
    if x._value.dtype.kind not in LEAKY_RELU.kinds:
        raise bad_dtype(LEAKY_RELU, x)
    return apply(LEAKY_RELU, (x,), {"alpha": float(alpha)})


def _elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, x.dtype.type(0))))[()]


ELU = Op("elu", _elu, vjp=lambda g, ans, x: where(less(ans, 0), multiply(g, add(ans, 1)), g), kinds=REAL,
         doc="x if x > 0 else e^x - 1. The gradient uses the output: g (ans + 1) where ans < 0, else g "
             "(1 at x = 0, as TF).")
elu = unary(ELU)


def _selu(x):
    neg = _SELU_ALPHA * np.expm1(np.minimum(x, x.dtype.type(0)))
    return (_SELU_SCALE * np.where(x > 0, x, neg)).astype(x.dtype)[()]


SELU = Op("selu", _selu,
          vjp=lambda g, ans, x: where(less(ans, 0), multiply(g, add(ans, _SELU_SCALE * _SELU_ALPHA)),
                                      multiply(g, _SELU_SCALE)),
          kinds=REAL, doc="scale * elu(x, alpha). The gradient at 0 is scale, as TF.")
selu = unary(SELU)


def gelu(features: Any, approximate: bool = False, name: Optional[str] = None) -> Tensor:
    """Gaussian error linear unit (``tf.nn.gelu``): ``x Phi(x)`` exactly, or the tanh approximation."""
    x = convert_to_tensor(features)
    if approximate:
        c = np.sqrt(2 / np.pi)
        inner = multiply(add(x, multiply(multiply(square(x), x), 0.044715)), c)
        return multiply(multiply(x, 0.5), add(tanh(inner), 1))
    return multiply(multiply(x, 0.5), add(erf(multiply(x, 1 / np.sqrt(2))), 1))


def silu(features: Any, beta: float = 1.0, name: Optional[str] = None) -> Tensor:
    """``x * sigmoid(beta x)`` (``tf.nn.silu`` / swish)."""
    x = convert_to_tensor(features)
    return multiply(x, sigmoid(multiply(x, beta)))


swish = silu


def softsign(features: Any, name: Optional[str] = None) -> Tensor:
    """``x / (1 + |x|)`` (``tf.nn.softsign``)."""
    from .math import abs as _abs
    x = convert_to_tensor(features)
    return divide(x, add(_abs(x), 1))


# -- softmax -----------------------------------------------------------------------------------

def _softmax_forward(x, axis):
    e = x - np.max(x, axis=axis, keepdims=True)
    np.exp(e, out=e)
    if axis == e.ndim - 1:
        e /= _fused._row_sum(e)[..., None]
    else:
        e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _softmax_vjp(g, ans, x, axis):
    # d softmax: s * (g - sum(g * s)), one fused op (ops/fused.py)
    return apply(_fused.SOFTMAX_GRAD, (g, ans), {"axis": axis})


SOFTMAX = Op("softmax", _softmax_forward, vjp=_softmax_vjp, kinds=REAL, reads=("out",),
             doc="exp(x - max) / sum. The gradient is s (g - sum(g s)); stable for large logits.")


def _log_softmax_forward(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(g, ans, x, axis):
    return subtract(g, multiply(exp(ans), reduce_sum(g, axis=axis, keepdims=True)))


LOG_SOFTMAX = Op("log_softmax", _log_softmax_forward, vjp=_log_softmax_vjp, kinds=REAL,
                 doc="x - logsumexp(x). The gradient is g - softmax(x) sum(g).")


def _softmax_axis(x: Tensor, axis: Any, op: str) -> int:
    nd = x._value.ndim
    if nd == 0:
        raise InvalidArgumentError(f"{op}: logits must have rank >= 1, got a scalar.")
    if x._value.dtype.kind not in "fV":
        raise InvalidArgumentError(f"{op}: logits must be a real floating tensor (TF has no {op} "
                                   f"kernel for {x.dtype.name}); cast it first, e.g. tf.cast(x, tf.float32).")
    (ax,) = _axes(-1 if axis is None else axis, nd, op)
    return ax


def softmax(logits: Any, axis: Any = None, name: Optional[str] = None) -> Tensor:
    """Softmax along ``axis`` (default last) (``tf.nn.softmax``)."""
    x = convert_to_tensor(logits)
    return apply(SOFTMAX, (x,), {"axis": _softmax_axis(x, axis, "softmax")})


def log_softmax(logits: Any, axis: Any = None, name: Optional[str] = None) -> Tensor:
    """Log-softmax along ``axis`` (default last) (``tf.nn.log_softmax``)."""
    x = convert_to_tensor(logits)
    return apply(LOG_SOFTMAX, (x,), {"axis": _softmax_axis(x, axis, "log_softmax")})


# -- cross-entropies ---------------------------------------------------------------------------

def _sce_forward(labels, logits, axis):
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    lse = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return -np.sum(labels * (shifted - lse), axis=axis)[()]


def _sce_vjp(g, ans, labels, logits, axis):
    ge = expand_dims(g, axis)
    d_logits = multiply(ge, subtract(multiply(softmax(logits, axis), reduce_sum(labels, axis, keepdims=True)),
                                     labels))
    d_labels = negative(multiply(ge, log_softmax(logits, axis)))
    return d_labels, d_logits


SOFTMAX_CROSS_ENTROPY = Op(
    "softmax_cross_entropy_with_logits", _sce_forward, vjp=_sce_vjp, kinds=FLOAT,
    doc="-sum(labels * log_softmax(logits)). d/dlogits = softmax * sum(labels) - labels; the labels "
        "get -log_softmax (TF differentiates them too).")


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1,
                                      name: Optional[str] = None) -> Tensor:
    """Cross-entropy between a label distribution and softmax(logits), per example
    (``tf.nn.softmax_cross_entropy_with_logits``)."""
    z = convert_to_tensor(logits)
    y = convert_to_tensor(labels, dtype_hint=z._value.dtype)
    if y._value.dtype != z._value.dtype:
        raise dtype_mismatch(SOFTMAX_CROSS_ENTROPY, y, z)
    if np.shape(y._value) != np.shape(z._value):
        raise InvalidArgumentError(
            f"softmax_cross_entropy_with_logits: labels shape {list(np.shape(y._value))} must equal logits "
            f"shape {list(np.shape(z._value))}. For integer class ids use "
            "tf.nn.sparse_softmax_cross_entropy_with_logits.")
    return apply(SOFTMAX_CROSS_ENTROPY, (y, z), {"axis": _softmax_axis(z, axis, "softmax_cross_entropy")})


def _sparse_forward(labels, logits):
    shifted = logits - np.max(logits, axis=-1, keepdims=True)
    lse = np.log(np.sum(np.exp(shifted), axis=-1))
    labels = _array.with_kind(logits, labels)     # host labels next to device logits: copied there
    if _array.is_device(labels):    # out-of-range labels: NaN (TF's GPU kernel), nothing read back
        ok = (labels >= 0) & (labels < logits.shape[-1])
        safe = np.where(ok, labels, labels.dtype.type(0))
        picked = np.take_along_axis(shifted, safe[..., None].astype(np.intp), axis=-1)[..., 0]
        return np.where(ok, lse - picked, logits.dtype.type(np.nan))
    picked = np.take_along_axis(shifted, labels[..., None].astype(np.intp), axis=-1)[..., 0]
    return (lse - picked)[()]


def _sparse_vjp(g, ans, labels, logits):
    from .array import on_device_of
    from .indexing import one_hot
    if _array.is_device(logits._value) and not _array.is_device(labels._value):
        labels = on_device_of(labels, logits)   # host labels next to device logits: an op, so a plan repeats it
    onehot = one_hot(labels, np.shape(logits._value)[-1], dtype=logits._value.dtype)
    return multiply(expand_dims(g, -1), subtract(softmax(logits), onehot))


SPARSE_SOFTMAX_CROSS_ENTROPY = Op(
    "sparse_softmax_cross_entropy_with_logits", _sparse_forward, vjp=(None, _sparse_vjp), kinds=FLOAT + "iu",
    doc="-log_softmax(logits)[label]. d/dlogits = softmax - one_hot(label); finite for huge logits.")


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any, name: Optional[str] = None) -> Tensor:
    """Cross-entropy with integer class ids (``tf.nn.sparse_softmax_cross_entropy_with_logits``)."""
    z = convert_to_tensor(logits)
    y = convert_to_tensor(labels)
    yv = y._value
    if yv.dtype.kind not in "iu":
        raise TypeError(f"sparse_softmax_cross_entropy_with_logits: labels must be int32 or int64 class "
                        f"ids, got {y.dtype.name}. For one-hot or soft labels use "
                        "softmax_cross_entropy_with_logits.")
    if z._value.dtype.kind not in "fV":
        raise TypeError(f"sparse_softmax_cross_entropy_with_logits: logits must be floating, got {z.dtype.name}.")
    if yv.shape != np.shape(z._value)[:-1]:
        raise InvalidArgumentError(
            f"sparse_softmax_cross_entropy_with_logits: labels shape {list(yv.shape)} must equal logits "
            f"shape without its last dimension {list(np.shape(z._value)[:-1])}.")
    depth = np.shape(z._value)[-1]
    # (a device does not read the labels back: out-of-range labels give NaN rows, as TF on GPU)
    if not _array.is_device(yv) and yv.size and (yv.min() < 0 or yv.max() >= depth):
        raise InvalidArgumentError(f"Received a label value of {int(yv.max() if yv.max() >= depth else yv.min())} "
                                   f"which is outside the valid range of [0, {depth}).")
    return apply(SPARSE_SOFTMAX_CROSS_ENTROPY, (y, z))


def _sigmoid_ce_forward(labels, logits):
    return (np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits))))[()]


SIGMOID_CROSS_ENTROPY = Op(
    "sigmoid_cross_entropy_with_logits", _sigmoid_ce_forward,
    vjp=(lambda g, ans, labels, logits: negative(multiply(g, logits)),
         lambda g, ans, labels, logits: multiply(g, subtract(sigmoid(logits), labels))),
    kinds=FLOAT,
    doc="max(x, 0) - x z + log(1 + e^-|x|). d/dx = sigmoid(x) - z (exact at x = 0, unlike the "
        "composite); d/dz = -x.")


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: Optional[str] = None) -> Tensor:
    """Elementwise logistic loss (``tf.nn.sigmoid_cross_entropy_with_logits``), stable for any logit."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits: both labels and logits must be given "
                         "(by keyword, as in TF 2).")
    z = convert_to_tensor(logits)
    y = convert_to_tensor(labels, dtype_hint=z._value.dtype)
    if y._value.dtype != z._value.dtype:
        raise dtype_mismatch(SIGMOID_CROSS_ENTROPY, y, z)
    if np.shape(y._value) != np.shape(z._value):
        raise ValueError(f"logits and labels must have the same shape ({list(np.shape(z._value))} vs "
                         f"{list(np.shape(y._value))})")
    return apply(SIGMOID_CROSS_ENTROPY, (y, z))


def weighted_cross_entropy_with_logits(labels: Any, logits: Any, pos_weight: Any,
                                       name: Optional[str] = None) -> Tensor:
    """Logistic loss with positive examples weighted by ``pos_weight``."""
    z = convert_to_tensor(logits)
    y = convert_to_tensor(labels, dtype=z._value.dtype)
    log_weight = add(multiply(subtract(pos_weight, 1), y), 1)
    return add(multiply(subtract(1, y), z), multiply(log_weight, negative(log_sigmoid(z))))


def l2_loss(t: Any, name: Optional[str] = None) -> Tensor:
    """``sum(t ** 2) / 2`` (``tf.nn.l2_loss``)."""
    return multiply(reduce_sum(square(convert_to_tensor(t))), 0.5)


def bias_add(value: Any, bias: Any, data_format: Optional[str] = None, name: Optional[str] = None) -> Tensor:
    """Add a 1-D ``bias`` along the last (channels) axis (``tf.nn.bias_add``)."""
    v = convert_to_tensor(value)
    b = convert_to_tensor(bias, dtype_hint=v._value.dtype)
    if np.ndim(b._value) != 1:
        raise ValueError(f"bias_add: bias must be 1-D, got shape {list(np.shape(b._value))}.")
    if data_format in ("NCHW", "NCW", "NCDHW"):
        b = expand_dims(b, -1)
        for _ in range(v._value.ndim - 3):
            b = expand_dims(b, -1)
    elif np.shape(v._value)[-1] != np.shape(b._value)[0]:
        raise InvalidArgumentError(f"bias_add: bias of size {np.shape(b._value)[0]} does not match the last "
                                   f"dimension of value {list(np.shape(v._value))}.")
    return add(v, b)


def dropout(x: Any, rate: float, noise_shape: Any = None, seed: Optional[int] = None,
            name: Optional[str] = None) -> Tensor:
    """Zero entries with probability ``rate`` and scale the rest by ``1 / (1 - rate)`` (``tf.nn.dropout``).

    The mask is drawn once and is part of the recorded multiply, so the backward pass reuses it.
    """
    from .random import uniform
    x = convert_to_tensor(x)
    rate = float(getattr(rate, "_value", rate))
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be a scalar in [0, 1), got {rate}.")
    if rate == 0:
        return x
    shape = np.shape(x._value) if noise_shape is None else tuple(int(d) for d in noise_shape)
    # The mask is a random tensor (so a traced function knows it changes every call), kept by the
    # recorded multiply for the backward pass.
    keep = greater_equal(uniform(shape, dtype=x._value.dtype, seed=seed), rate)
    return multiply(x, divide(cast(keep, x._value.dtype), 1 - rate))


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: Optional[str] = None) -> tuple:
    """Mean and variance over ``axes`` (``tf.nn.moments``)."""
    from .reduction import reduce_variance
    x = convert_to_tensor(x)
    return reduce_mean(x, axis=axes, keepdims=keepdims), reduce_variance(x, axis=axes, keepdims=keepdims)
