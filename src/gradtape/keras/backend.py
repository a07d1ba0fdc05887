"""A minimal ``tf.keras.backend``: ``floatx``/``set_floatx``, ``epsilon``/``set_epsilon``, ``clear_session``."""
from __future__ import annotations

from typing import Any

from .. import dtypes as _dtypes
from .layers import base as _base

_EPSILON = [1e-7]


def floatx() -> str:
    """The default float type of layers and weights (``'float32'`` unless changed)."""
    return _base._FLOATX[0]


def set_floatx(value: str) -> None:
    """Set the default float type: ``'float16'``, ``'float32'`` or ``'float64'``."""
    accepted = {"float16", "float32", "float64", "bfloat16"}
    name = getattr(value, "name", value)
    if name not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {sorted(accepted)}")
    _dtypes.as_dtype(name)
    _base._FLOATX[0] = str(name)


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7)."""
    return _EPSILON[0]


def set_epsilon(value: float) -> None:
    _EPSILON[0] = float(value)


def clear_session(free_memory: bool = True) -> None:
    """Reset Keras's global state: layer-name counters (so names restart at ``dense``)."""
    _base.reset_uids()


def image_data_format() -> str:
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError("gradtape supports only data_format='channels_last'.")


def learning_phase() -> int:
    """0 (inference) unless inside a call with ``training=True``."""
    return int(bool(_base._CTX.training and _base._CTX.training[-1]))


def get_value(x: Any) -> Any:
    import numpy as np
    return np.asarray(getattr(x, "_value", x))


def set_value(x: Any, value: Any) -> None:
    x.assign(value)


def count_params(x: Any) -> int:
    import numpy as np
    return int(np.prod(x.shape))


# -- CTC (tf.keras.backend's ctc_* helpers, on tf.nn's CTC) -----------------------------------

def ctc_label_dense_to_sparse(labels: Any, label_lengths: Any) -> Any:
    """Dense ``[batch, max_len]`` labels with per-row lengths as a SparseTensor
    (``keras.backend.ctc_label_dense_to_sparse``)."""
    import numpy as np
    from ..sparse import SparseTensor
    dense = np.asarray(getattr(labels, "_value", labels))
    lengths = np.asarray(getattr(label_lengths, "_value", label_lengths)).astype(np.int64).reshape(-1)
    idx = [[b, i] for b in range(dense.shape[0]) for i in range(int(lengths[b]))]
    vals = [dense[b, i] for b, i in idx]
    return SparseTensor(np.asarray(idx, dtype=np.int64).reshape(-1, 2), np.asarray(vals, dtype=dense.dtype),
                        np.asarray(dense.shape, dtype=np.int64))


def ctc_batch_cost(y_true: Any, y_pred: Any, input_length: Any, label_length: Any) -> Any:
    """CTC loss per example, ``[batch, 1]`` (``keras.backend.ctc_batch_cost``): ``y_pred`` are
    softmax probabilities ``[batch, time, classes]`` with the blank last; ``input_length`` and
    ``label_length`` are ``[batch, 1]``."""
    import numpy as np
    from ..dispatch import convert_to_tensor
    from ..ops.ctc import ctc_loss
    from ..ops.math import log
    from ..ops.shape import expand_dims, transpose
    pred = convert_to_tensor(y_pred)
    eps = np.asarray(epsilon(), dtype=pred._value.dtype)
    logits = log(transpose(pred, [1, 0, 2]) + eps)
    lab_len = np.asarray(getattr(label_length, "_value", label_length)).astype(np.int64).reshape(-1)
    in_len = np.asarray(getattr(input_length, "_value", input_length)).astype(np.int64).reshape(-1)
    loss = ctc_loss(np.asarray(getattr(y_true, "_value", y_true)).astype(np.int64), logits, lab_len, in_len,
                    logits_time_major=True, blank_index=-1)
    return expand_dims(loss, 1)


def ctc_decode(y_pred: Any, input_length: Any, greedy: bool = True, beam_width: int = 100,
               top_paths: int = 1) -> tuple:
    """Decode softmax outputs ``[batch, time, classes]`` (``keras.backend.ctc_decode``): greedy best
    path, or beam search keeping ``top_paths``. Returns ``(list of dense [batch, max_len] int64
    sequences padded with -1, log probabilities [batch, top_paths])``."""
    import numpy as np
    from .. import sparse as _sparse
    from ..dispatch import convert_to_tensor
    from ..ops.ctc import ctc_beam_search_decoder, ctc_greedy_decoder
    from ..ops.math import log
    from ..ops.shape import transpose
    pred = convert_to_tensor(y_pred)
    eps = np.asarray(epsilon(), dtype=pred._value.dtype)
    logits = log(transpose(pred, [1, 0, 2]) + eps)
    lengths = np.asarray(getattr(input_length, "_value", input_length)).astype(np.int64).reshape(-1)
    if greedy:
        decoded, log_prob = ctc_greedy_decoder(logits, lengths)
    else:
        decoded, log_prob = ctc_beam_search_decoder(logits, lengths, beam_width=beam_width, top_paths=top_paths,
                                                    merge_repeated=True)     # tf.compat.v1's decoder, as Keras
    batch, steps = np.shape(pred._value)[:2]
    dense = []
    for d in decoded:         # Keras pads every sequence to the number of time steps with -1
        sp = _sparse.SparseTensor(d.indices, d.values, np.asarray([batch, steps], dtype=np.int64))
        dense.append(_sparse.to_dense(sp, default_value=-1))
    return dense, log_prob


# -- random tensors (tf.keras.backend's legacy helpers, on tf.random) --------------------------

def random_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Normal samples (``keras.backend.random_normal``); ``dtype`` defaults to ``floatx()``."""
    from ..ops.random import normal
    return normal(shape, mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape: Any, minval: float = 0.0, maxval: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Uniform samples in ``[minval, maxval)`` (``keras.backend.random_uniform``)."""
    from ..ops.random import uniform
    return uniform(shape, minval, maxval, dtype=dtype or floatx(), seed=seed)


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = None, seed: Any = None) -> Any:
    """Normal samples within two standard deviations (``keras.backend.truncated_normal``)."""
    from ..ops.random import truncated_normal as _tn
    return _tn(shape, mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_bernoulli(shape: Any, p: float = 0.0, dtype: Any = None, seed: Any = None) -> Any:
    """0/1 samples that are 1 with probability ``p`` (``keras.backend.random_bernoulli``)."""
    from ..ops.math import cast, less
    from ..ops.random import uniform
    return cast(less(uniform(shape, dtype="float32", seed=seed), p), dtype or floatx())
