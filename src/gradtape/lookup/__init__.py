"""``tf.lookup``: key-value tables (``StaticHashTable``, ``StaticVocabularyTable``,
``MutableHashTable``) and their initializers (``KeyValueTensorInitializer``,
``TextFileInitializer``), with TF's semantics: lookups of missing keys give the default value
(or, in a vocabulary table, ``vocab_size + Fingerprint64(key) % num_oov_buckets``, TF's
buckets), keys must have the table's dtype, and dense, sparse and ragged keys are accepted.

Tables live on the host as Python dicts; lookups are not differentiable (TF registers no
gradient either).
"""
from __future__ import annotations

import os
import threading
from typing import Any, Optional

import numpy as np

from .. import dtypes as _dtypes
from ..dispatch import convert_to_tensor
from ..errors import FailedPreconditionError, InvalidArgumentError
from ..tensor import Tensor

__all__ = ["KeyValueTensorInitializer", "TextFileInitializer", "TextFileIndex", "StaticHashTable",
           "StaticVocabularyTable", "MutableHashTable", "experimental"]


def _np_key(v: Any) -> Any:
    """A hashable Python key for one table entry (bytes for strings, int/float otherwise)."""
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def _keys_tensor(keys: Any, dtype: Any, what: str) -> Tensor:
    t = convert_to_tensor(keys, dtype=dtype) if dtype is not None else convert_to_tensor(keys)
    if t.shape.rank is not None and t.shape.rank > 1 and what == "initializer":
        raise ValueError(f"KeyValueTensorInitializer: keys must be a vector, got shape {t.shape}.")
    return t


class TextFileIndex:
    """Special column indices of :class:`TextFileInitializer` (``tf.lookup.TextFileIndex``)."""
    WHOLE_LINE = -2
    LINE_NUMBER = -1


class _Initializer:
    key_dtype: Any
    value_dtype: Any

    def _pairs(self) -> tuple:
        raise NotImplementedError


class KeyValueTensorInitializer(_Initializer):
    """Table initializer from two equal-length vectors (``tf.lookup.KeyValueTensorInitializer``)."""

    def __init__(self, keys: Any, values: Any, key_dtype: Any = None, value_dtype: Any = None,
                 name: Optional[str] = None):
        k = _keys_tensor(keys, key_dtype, "initializer")
        v = convert_to_tensor(values, dtype=value_dtype) if value_dtype is not None else convert_to_tensor(values)
        if k.shape.num_elements() != v.shape.num_elements():
            raise InvalidArgumentError(f"KeyValueTensorInitializer: keys and values must have the "
                                       f"same size, got {k.shape.num_elements()} keys and "
                                       f"{v.shape.num_elements()} values.")
        self._keys, self._values = k, v
        self.key_dtype, self.value_dtype = k.dtype, v.dtype

    def _pairs(self) -> tuple:
        return (np.asarray(self._keys._value).reshape(-1), np.asarray(self._values._value).reshape(-1))


class TextFileInitializer(_Initializer):
    """Table initializer from a text file, one entry per line (``tf.lookup.TextFileInitializer``).

    ``key_index``/``value_index`` pick a ``delimiter``-separated column, or
    ``TextFileIndex.WHOLE_LINE`` (-2) / ``TextFileIndex.LINE_NUMBER`` (-1)."""

    def __init__(self, filename: Any, key_dtype: Any, key_index: int, value_dtype: Any, value_index: int,
                 vocab_size: Optional[int] = None, delimiter: str = "\t", name: Optional[str] = None,
                 value_index_offset: int = 0):
        fname = filename.numpy() if isinstance(filename, Tensor) else filename
        self._filename = os.fspath(fname.decode() if isinstance(fname, bytes) else fname)
        self.key_dtype, self.value_dtype = _dtypes.as_dtype(key_dtype), _dtypes.as_dtype(value_dtype)
        for idx, what, dt in ((key_index, "key_index", self.key_dtype), (value_index, "value_index", self.value_dtype)):
            if idx < -2:
                raise ValueError(f"TextFileInitializer: invalid {what} {idx}.")
            if idx == TextFileIndex.LINE_NUMBER and not dt.is_integer:
                raise ValueError(f"TextFileInitializer: {what} LINE_NUMBER needs an integer dtype, got {dt.name}.")
            if idx == TextFileIndex.WHOLE_LINE and dt != _dtypes.string and not dt.is_integer:
                raise ValueError(f"TextFileInitializer: {what} WHOLE_LINE needs a string or integer dtype, got {dt.name}.")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"TextFileInitializer: vocab_size must be positive, got {vocab_size}.")
        self._key_index, self._value_index = key_index, value_index
        self._vocab_size, self._delimiter = vocab_size, delimiter
        self._offset = value_index_offset

    def _column(self, line: bytes, lineno: int, index: int, dtype: Any) -> Any:
        if index == TextFileIndex.LINE_NUMBER:
            return lineno + self._offset
        if index == TextFileIndex.WHOLE_LINE:
            text = line
        else:
            cols = line.split(self._delimiter.encode())
            if index >= len(cols):
                raise InvalidArgumentError(f"TextFileInitializer: invalid line {lineno} of "
                                           f"{self._filename!r}: column {index} missing "
                                           f"(the line has {len(cols)} columns).")
            text = cols[index]
        if dtype == _dtypes.string:
            return text
        try:
            return int(text) if dtype.is_integer else float(text)
        except ValueError:
            raise InvalidArgumentError(f"TextFileInitializer: line {lineno} of {self._filename!r}: "
                                       f"{text!r} is not a valid {dtype.name}.") from None

    def _pairs(self) -> tuple:
        if not os.path.exists(self._filename):
            raise FileNotFoundError(f"TextFileInitializer: {self._filename!r} not found.")
        with open(self._filename, "rb") as f:
            lines = f.read().splitlines()
        if self._vocab_size is not None:
            if len(lines) < self._vocab_size:
                raise InvalidArgumentError(f"TextFileInitializer: invalid vocab_size in "
                                           f"{self._filename!r}: expected {self._vocab_size} lines, "
                                           f"got {len(lines)}.")
            lines = lines[:self._vocab_size]
        keys = [self._column(ln, i, self._key_index, self.key_dtype) for i, ln in enumerate(lines)]
        values = [self._column(ln, i, self._value_index, self.value_dtype) for i, ln in enumerate(lines)]
        kd = object if self.key_dtype == _dtypes.string else self.key_dtype.as_numpy_dtype
        vd = object if self.value_dtype == _dtypes.string else self.value_dtype.as_numpy_dtype
        return np.array(keys, dtype=kd).reshape(-1), np.array(values, dtype=vd).reshape(-1)


def _check_dtype(keys: Tensor, key_dtype: Any, table: str) -> None:
    if keys.dtype != key_dtype:
        raise TypeError(f"{table}.lookup: Dtype of argument `keys` must be {key_dtype.name}, "
                        f"received: {keys.dtype.name}")


class _Table:
    """Shared lookup over a dict: dense/sparse/ragged keys, dtype checks, defaults."""

    _name = "table"

    def __init__(self, key_dtype: Any, value_dtype: Any, default_value: Any):
        self._key_dtype = _dtypes.as_dtype(key_dtype)
        self._value_dtype = _dtypes.as_dtype(value_dtype)
        dv = convert_to_tensor(default_value, dtype=self._value_dtype)
        self._default = dv
        self._dict: dict = {}
        self._lock = threading.Lock()

    key_dtype = property(lambda self: self._key_dtype)
    value_dtype = property(lambda self: self._value_dtype)
    default_value = property(lambda self: self._default)

    def _np_value_dtype(self) -> Any:
        return object if self._value_dtype == _dtypes.string else self._value_dtype.as_numpy_dtype

    def _lookup_flat(self, flat: np.ndarray, shape: tuple) -> Tensor:
        default = np.asarray(self._default._value)
        with self._lock:
            d = self._dict
            if default.ndim == 0:
                dflt = default[()]
                out = np.array([d.get(_np_key(k), dflt) for k in flat], dtype=self._np_value_dtype())
                return convert_to_tensor(out.reshape(shape), dtype=self._value_dtype)
            rows = [d.get(_np_key(k), default) for k in flat]
        out = np.array(rows, dtype=self._np_value_dtype()).reshape(tuple(shape) + default.shape)
        return convert_to_tensor(out, dtype=self._value_dtype)

    def lookup(self, keys: Any, name: Optional[str] = None) -> Any:
        """Values for ``keys`` (dense, SparseTensor or RaggedTensor), the default where missing."""
        from ..sparse import SparseTensor
        from ..ragged import RaggedTensor
        if isinstance(keys, (SparseTensor, RaggedTensor)):
            vals = keys.values if isinstance(keys, SparseTensor) else keys.flat_values
            _check_dtype(vals, self._key_dtype, self._name)
            looked = self._lookup_flat(np.asarray(vals._value).reshape(-1), tuple(np.shape(vals._value)))
            if isinstance(keys, SparseTensor):
                return SparseTensor(keys.indices, looked, keys.dense_shape)
            return keys.with_flat_values(looked)
        t = convert_to_tensor(keys, dtype=self._key_dtype) if not isinstance(keys, Tensor) else keys
        _check_dtype(t, self._key_dtype, self._name)
        return self._lookup_flat(np.asarray(t._value).reshape(-1), tuple(np.shape(t._value)))

    def __getitem__(self, keys: Any) -> Any:
        return self.lookup(keys)

    def size(self, name: Optional[str] = None) -> Tensor:
        """The number of entries (int64)."""
        with self._lock:
            return convert_to_tensor(np.int64(len(self._dict)))

    def export(self, name: Optional[str] = None) -> tuple:
        """``(keys, values)`` of every entry."""
        with self._lock:
            items = list(self._dict.items())
        kd = object if self._key_dtype == _dtypes.string else self._key_dtype.as_numpy_dtype
        keys = np.array([k for k, _ in items], dtype=kd)
        vals = np.array([v for _, v in items], dtype=self._np_value_dtype())
        if not items:
            vals = vals.reshape((0,) + np.shape(self._default._value))
        return (convert_to_tensor(keys, dtype=self._key_dtype), convert_to_tensor(vals, dtype=self._value_dtype))


class StaticHashTable(_Table):
    """An immutable table built once from an initializer (``tf.lookup.StaticHashTable``)."""

    _name = "StaticHashTable"

    def __init__(self, initializer: _Initializer, default_value: Any, name: Optional[str] = None,
                 experimental_is_anonymous: bool = False):
        if not isinstance(initializer, _Initializer):
            raise TypeError(f"StaticHashTable: initializer must be a KeyValueTensorInitializer or "
                            f"TextFileInitializer, got {type(initializer).__name__}.")
        super().__init__(initializer.key_dtype, initializer.value_dtype, default_value)
        keys, values = initializer._pairs()
        d: dict = {}
        for k, v in zip(keys.tolist(), values.tolist()):
            k = _np_key(k)
            if k in d and d[k] != v:
                raise FailedPreconditionError(f"StaticHashTable: the key {k!r} appears twice with "
                                              f"different values ({d[k]!r} and {v!r}).")
            d[k] = v
        self._dict = d
        self._initializer = initializer
        self.name = name or "hash_table"

    resource_handle = property(lambda self: id(self))


class StaticVocabularyTable:
    """Strings (or integers) to ids: known keys through a table from ``initializer``, others to
    ``vocab_size + Fingerprint64(as_string(key)) % num_oov_buckets``, TF's buckets
    (``tf.lookup.StaticVocabularyTable``)."""

    def __init__(self, initializer: Optional[_Initializer], num_oov_buckets: int,
                 lookup_key_dtype: Any = None, name: Optional[str] = None,
                 experimental_is_anonymous: bool = False):
        if num_oov_buckets <= 0:
            raise ValueError(f"StaticVocabularyTable: num_oov_buckets must be > 0, got {num_oov_buckets}.")
        self._num_oov_buckets = int(num_oov_buckets)
        self._table = None
        if initializer is not None:
            if not _dtypes.as_dtype(initializer.value_dtype).is_integer:
                raise TypeError(f"StaticVocabularyTable: the initializer's values must be integer "
                                f"ids, got {initializer.value_dtype.name}.")
            self._table = StaticHashTable(initializer, default_value=np.int64(-1))
            self._table._value_dtype = _dtypes.int64
            kd = initializer.key_dtype
        else:
            kd = _dtypes.string
        if lookup_key_dtype is None:
            lookup_key_dtype = _dtypes.int64 if kd in (_dtypes.int32, _dtypes.int64) else kd
        self._key_dtype = _dtypes.as_dtype(lookup_key_dtype)
        self.name = name or "vocab_table"

    key_dtype = property(lambda self: self._key_dtype)
    value_dtype = property(lambda self: _dtypes.int64)

    def size(self, name: Optional[str] = None) -> Tensor:
        """Vocabulary size plus the number of OOV buckets (int64)."""
        n = 0 if self._table is None else int(self._table.size()._value)
        return convert_to_tensor(np.int64(n + self._num_oov_buckets))

    def _ids(self, flat: np.ndarray) -> np.ndarray:
        from ..strings._farmhash import fingerprint64
        d = {} if self._table is None else self._table._dict
        n = len(d)
        out = np.empty(flat.shape, np.int64)
        for i, k in enumerate(flat.tolist()):
            key = _np_key(k)
            hit = d.get(key)
            if hit is not None:
                out[i] = hit
            else:
                text = key if isinstance(key, bytes) else str(int(key)).encode()
                out[i] = n + fingerprint64(text) % self._num_oov_buckets
        return out

    def lookup(self, keys: Any, name: Optional[str] = None) -> Any:
        """Ids of ``keys`` (dense, SparseTensor or RaggedTensor)."""
        from ..sparse import SparseTensor
        from ..ragged import RaggedTensor
        if isinstance(keys, (SparseTensor, RaggedTensor)):
            vals = keys.values if isinstance(keys, SparseTensor) else keys.flat_values
            _check_dtype(vals, self._key_dtype, "StaticVocabularyTable")
            ids = convert_to_tensor(self._ids(np.asarray(vals._value).reshape(-1)).reshape(np.shape(vals._value)))
            if isinstance(keys, SparseTensor):
                return SparseTensor(keys.indices, ids, keys.dense_shape)
            return keys.with_flat_values(ids)
        t = convert_to_tensor(keys, dtype=self._key_dtype) if not isinstance(keys, Tensor) else keys
        if t.dtype == _dtypes.int32 and self._key_dtype == _dtypes.int64:
            t = convert_to_tensor(np.asarray(t._value).astype(np.int64))
        _check_dtype(t, self._key_dtype, "StaticVocabularyTable")
        flat = np.asarray(t._value).reshape(-1)
        return convert_to_tensor(self._ids(flat).reshape(np.shape(t._value)))

    def __getitem__(self, keys: Any) -> Any:
        return self.lookup(keys)


class MutableHashTable(_Table):
    """A table that can be updated (``tf.lookup.experimental.MutableHashTable``): ``insert``,
    ``remove``, ``lookup``, ``export``. Values may be vectors (the default's shape)."""

    _name = "MutableHashTable"

    def __init__(self, key_dtype: Any, value_dtype: Any, default_value: Any, name: str = "MutableHashTable",
                 checkpoint: bool = True, experimental_is_anonymous: bool = False):
        super().__init__(key_dtype, value_dtype, default_value)
        self.name = name

    def insert(self, keys: Any, values: Any, name: Optional[str] = None) -> None:
        """Set ``table[k] = v`` for each pair; values have the default value's shape."""
        k = convert_to_tensor(keys, dtype=self._key_dtype)
        v = convert_to_tensor(values, dtype=self._value_dtype)
        vshape = tuple(np.shape(self._default._value))
        kk = np.asarray(k._value).reshape(-1)
        vv = np.asarray(v._value)
        if vv.shape != tuple(np.shape(k._value)) + vshape:
            raise InvalidArgumentError(f"MutableHashTable.insert: expected values of shape "
                                       f"{list(np.shape(k._value)) + list(vshape)} for keys of shape "
                                       f"{list(np.shape(k._value))}, got {list(vv.shape)}.")
        vv = vv.reshape((kk.size,) + vshape)
        with self._lock:
            for key, val in zip(kk.tolist(), vv):
                self._dict[_np_key(key)] = val[()] if not vshape else val.copy()

    def remove(self, keys: Any, name: Optional[str] = None) -> None:
        """Delete the entries of ``keys`` (missing keys are ignored)."""
        k = convert_to_tensor(keys, dtype=self._key_dtype)
        with self._lock:
            for key in np.asarray(k._value).reshape(-1).tolist():
                self._dict.pop(_np_key(key), None)


class _Experimental:
    """``tf.lookup.experimental``."""
    MutableHashTable = MutableHashTable


experimental = _Experimental()
