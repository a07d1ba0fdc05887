"""Categorical preprocessing layers: ``CategoryEncoding``, ``Hashing``, ``Discretization``, and the
encoding (one-hot / multi-hot / count) they share with the lookup layers. Values follow Keras 3.

These layers work on NumPy values (integers, strings, bucket indices): their outputs carry no
gradient, as in Keras.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from ....errors import InvalidArgumentError
from ....ragged import RaggedTensor
from ....tensor import Tensor
from ..base import Layer


def _np(x: Any) -> Any:
    if isinstance(x, RaggedTensor):
        return x
    v = getattr(x, "_value", None)
    if v is None and hasattr(type(x), "_gt_read"):
        v = x.read_value()._value
    if v is not None:
        return np.asarray(v)
    if isinstance(x, np.ndarray):
        return x
    from ....dispatch import convert_to_tensor
    return np.asarray(convert_to_tensor(x)._value)


def _wrap(a: Any) -> Any:
    if isinstance(a, RaggedTensor):
        return a
    t = object.__new__(Tensor)
    a = np.asarray(a)
    t._value = a if (a.ndim or a.dtype == object) else a[()]
    return t


def _rows(ids: Any) -> List[np.ndarray]:
    if isinstance(ids, RaggedTensor):
        return [np.asarray(r._value) if isinstance(r, Tensor) else np.asarray(r.flat_values._value) for r in ids]
    return list(ids)


def encode(ids: Any, mode: str, depth: int, dtype: str = "float32", count_weights: Any = None,
           check_range: bool = False) -> Any:
    """Keras's ``encode_categorical_inputs`` on NumPy ids (or a RaggedTensor of ids): ``one_hot``
    adds a ``depth`` axis (squeezing a trailing 1); ``multi_hot`` and ``count`` reduce the last axis
    (a 1-D input is one sample). Ids outside ``[0, depth)`` are dropped, or refused with
    ``check_range``."""
    if mode == "int":
        return ids
    ragged = isinstance(ids, RaggedTensor)
    a = None if ragged else np.asarray(ids)
    if check_range:
        flat = np.asarray(ids._flat() if ragged else a).reshape(-1)
        if flat.size and (flat.min() < 0 or flat.max() >= depth):
            raise InvalidArgumentError(f"Input values must be in the range 0 <= values < num_tokens with "
                                       f"num_tokens={depth}; got values in [{flat.min()}, {flat.max()}].")
    if mode == "one_hot":
        if ragged:
            raise ValueError("one_hot output needs a dense input; got a RaggedTensor.")
        if a.ndim == 0:
            a = a[None]
        if a.ndim > 1 and a.shape[-1] == 1:
            a = a.reshape(a.shape[:-1])
        out = np.zeros(a.shape + (depth,), dtype=dtype)
        ok = (a >= 0) & (a < depth)
        idx = np.nonzero(ok)
        out[idx + (a[ok].astype(np.int64),)] = 1
        return out
    if mode not in ("multi_hot", "count"):
        raise ValueError(f"Unknown output_mode {mode!r}: use 'int', 'one_hot', 'multi_hot', 'count' or 'tf_idf'.")
    if ragged:
        rows = _rows(ids)
        single = False
    else:
        if a.ndim == 0:
            a = a[None]
        single = a.ndim == 1
        if a.ndim > 2:
            lead = a.shape[:-1]
            flat = encode(a.reshape(-1, a.shape[-1]), mode, depth, dtype,
                          None if count_weights is None else np.asarray(count_weights).reshape(-1, a.shape[-1]))
            return flat.reshape(lead + (depth,))
        rows = [a] if single else list(a)
    w = None if count_weights is None else np.asarray(getattr(count_weights, "_value", count_weights))
    if w is not None and single:
        w = w[None]
    out_dtype = dtype if w is None else w.dtype
    out = np.zeros((len(rows), depth), dtype=out_dtype)
    for i, r in enumerate(rows):
        r = np.asarray(r).reshape(-1).astype(np.int64)
        keep = (r >= 0) & (r < depth)
        if mode == "multi_hot":
            out[i, r[keep]] = 1
        elif w is not None:
            np.add.at(out[i], r[keep], np.asarray(w[i]).reshape(-1)[keep])
        else:
            np.add.at(out[i], r[keep], 1)
    return out[0] if single else out


class CategoryEncoding(Layer):
    """Encode integer ids in ``[0, num_tokens)`` as ``one_hot``, ``multi_hot`` or ``count`` vectors
    (``tf.keras.layers.CategoryEncoding``); ``call(inputs, count_weights=None)``."""

    def __init__(self, num_tokens: Optional[int] = None, output_mode: str = "multi_hot", sparse: bool = False,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if num_tokens is None or int(num_tokens) < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if output_mode not in ("one_hot", "multi_hot", "count"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}. Allowed: 'one_hot', 'multi_hot', 'count'.")
        if sparse:
            raise NotImplementedError("CategoryEncoding: sparse=True is not supported in gradtape.")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False
        self._autocast = False

    def call(self, inputs: Any, count_weights: Any = None) -> Any:
        ids = _np(inputs)
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is only used when `output_mode='count'`.")
        return _wrap(encode(ids, self.output_mode, self.num_tokens, self.dtype, count_weights, check_range=True))

    def compute_output_shape(self, input_shape: Any) -> Any:
        s = tuple(input_shape)
        if not s:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (s[-1] != 1 or len(s) == 1):
            return s + (self.num_tokens,)
        return s[:-1] + (self.num_tokens,)

    def get_config(self) -> dict:
        c = super().get_config()
        c.update(num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=self.sparse)
        return c


class Hashing(Layer):
    """Hash strings (or numbers, via their decimal string) into ``num_bins`` bins
    (``tf.keras.layers.Hashing``) with TF's FarmHash fingerprint, or keyed SipHash with ``salt``;
    ``mask_value`` reserves bin 0. Bins equal Keras's."""

    def __init__(self, num_bins: int, mask_value: Any = None, salt: Any = None, output_mode: str = "int",
                 sparse: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if num_bins is None or int(num_bins) <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                             f"Received: num_bins={num_bins}.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Unknown output_mode {output_mode!r}.")
        if sparse:
            raise NotImplementedError("Hashing: sparse=True is not supported in gradtape.")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = False
        if salt is None:
            self.salt = None
        elif isinstance(salt, (tuple, list)):
            if len(salt) != 2:
                raise ValueError(f"`salt` must be an int or a list of 2 ints. Received: salt={salt}.")
            self.salt = [int(salt[0]), int(salt[1])]
        else:
            self.salt = [int(salt), int(salt)]
        self._autocast = False

    def _bins(self, values: np.ndarray) -> np.ndarray:
        from ....strings._farmhash import fingerprint64, siphash24
        n = self.num_bins
        mask = None
        if self.mask_value is not None and n > 1:
            n -= 1
            mv = self.mask_value.encode() if isinstance(self.mask_value, str) else self.mask_value
            mask = values == mv
        if values.dtype.kind == "f":
            values = values.astype(np.int64)
        if values.dtype != object:
            from ....strings import as_string
            values = as_string(_wrap(values))._value
        flat = values.reshape(-1)
        if self.salt is not None:
            k0, k1 = (int(k) & ((1 << 64) - 1) for k in self.salt)
            h = [siphash24(k0, k1, bytes(s)) % n for s in flat]
        else:
            h = [fingerprint64(bytes(s)) % n for s in flat]
        out = np.asarray(h, dtype=np.int64).reshape(values.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def call(self, inputs: Any) -> Any:
        x = _np(inputs)
        if isinstance(x, RaggedTensor):
            ids: Any = x.with_flat_values(self._bins(x._flat()))
        else:
            if x.dtype.kind in "US":
                x = x.astype(object)
            if self.output_mode == "one_hot" and x.ndim and x.shape[-1] == 1:
                x = x.reshape(x.shape[:-1])
            ids = self._bins(x)
        if self.output_mode == "int":
            return _wrap(ids)
        return _wrap(encode(ids, self.output_mode, self.num_bins, self.dtype))

    def get_config(self) -> dict:
        c = super().get_config()
        c.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                 output_mode=self.output_mode, sparse=self.sparse)
        return c


# -- Discretization: Keras's approximate quantile summaries ---------------------------------------------
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    values = np.sort(np.reshape(values, [-1]))
    elements = np.size(values)
    num_buckets = 1.0 / epsilon
    increment = elements / num_buckets
    step = max(increment, 1)
    start = step - 1
    boundaries = values[int(start)::int(step)]
    weights = np.ones_like(boundaries) * step
    return np.stack([boundaries, weights])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def _merge(prev: np.ndarray, nxt: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((prev, nxt), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress(merged, epsilon)


class Discretization(Layer):
    """Bucket continuous values by ``bin_boundaries`` (``tf.keras.layers.Discretization``): value x
    goes to bucket ``i`` with ``boundaries[i-1] <= x < boundaries[i]``. ``adapt`` with ``num_bins``
    learns boundaries with Keras's approximate quantile summaries (same numbers as Keras)."""

    def __init__(self, bin_boundaries: Optional[Sequence[float]] = None, num_bins: Optional[int] = None,
                 epsilon: float = 0.01, output_mode: str = "int", sparse: bool = False, dtype: Any = None,
                 name: Optional[str] = None, **kwargs: Any):
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise NotImplementedError("Discretization: sparse=True is not supported in gradtape.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Unknown output_mode {output_mode!r}.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.output_mode = output_mode
        self.sparse = False
        self._autocast = False
        self._summary = None

    def adapt(self, data: Any, steps: Optional[int] = None, batch_size: Optional[int] = None) -> None:
        """Learn ``num_bins - 1`` boundaries from ``data`` (array, Tensor or Dataset of batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with "
                             "`bin_boundaries`, use `num_bins` instead.")
        summary = np.array([[], []], dtype="float32")
        batches = [b for i, b in enumerate(data) if steps is None or i < steps] if isinstance(data, list) \
            else _batches(data, steps)  # Keras reads a Python list as a list of batches
        for batch in batches:
            v = np.asarray(_np(batch)).astype("float32")
            summary = _merge(_summarize(v, self.epsilon), summary, self.epsilon)
        self._summary = summary
        self.bin_boundaries = [float(b) for b in _compress(summary, 1.0 / self.num_bins)[0, :-1]]

    def call(self, inputs: Any) -> Any:
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time "
                             "or call `adapt(dataset)` before you can start using the `Discretization` layer.")
        x = _np(inputs)
        b = np.asarray(self.bin_boundaries, dtype=np.float64)
        ids = np.searchsorted(b, np.asarray(x, dtype=np.float64), side="right").astype(np.int64)
        if self.output_mode == "int":
            return _wrap(ids.astype(self.dtype))
        return _wrap(encode(ids, self.output_mode, len(b) + 1, self.dtype))

    def get_config(self) -> dict:
        c = super().get_config()
        c.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins, epsilon=self.epsilon,
                 output_mode=self.output_mode, sparse=self.sparse)
        return c


def _batches(data: Any, steps: Optional[int]) -> Any:
    """The batches ``adapt`` reads: one array, or each element of a Dataset / iterable of batches."""
    from ....data import Dataset
    if isinstance(data, Dataset):
        ds = data.take(steps) if steps is not None else data
        return list(ds)
    if isinstance(data, (list, tuple, np.ndarray, Tensor, RaggedTensor)) or hasattr(type(data), "_gt_read"):
        return [data]
    if hasattr(data, "__iter__"):
        out = []
        for i, b in enumerate(data):
            if steps is not None and i >= steps:
                break
            out.append(b)
        return out
    return [data]
