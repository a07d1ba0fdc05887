"""``tf.ragged`` and ``tf.RaggedTensor``: tensors whose rows have different lengths.

A RaggedTensor is TF's row-partitioned encoding: ``values`` (a NumPy array, or another
RaggedTensor for more ragged dimensions) and ``row_splits`` (int64, ``nrows + 1`` offsets, starting
at 0 and non-decreasing); row ``i`` is ``values[row_splits[i]:row_splits[i+1]]``. Its shape has
``None`` for the ragged dimension, as TF's. It is a value container for the string and data
pipeline ops (``tf.strings.split``, ``Dataset.ragged_batch``, ...), not a differentiable tensor:
gradients do not flow through it.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

import builtins as _builtins

import numpy as np

from .. import dtypes as _dtypes
from ..tensor import Tensor, TensorShape

_brange = _builtins.range


def _arr(x: Any) -> np.ndarray:
    v = getattr(x, "_value", None)
    if v is not None:
        return np.asarray(v)
    if hasattr(type(x), "_gt_read"):
        return np.asarray(x.read_value()._value)
    if isinstance(x, np.ndarray):
        return x
    from ..dispatch import convert_to_tensor
    return np.asarray(convert_to_tensor(x)._value)


def _wrap(a: np.ndarray) -> Tensor:
    t = object.__new__(Tensor)
    t._value = a if (not isinstance(a, np.ndarray) or a.ndim or a.dtype.kind == "O") else a[()]
    return t


def _splits(x: Any, name: str) -> np.ndarray:
    s = _arr(x)
    if s.ndim != 1 or s.dtype.kind not in "iu":
        raise ValueError(f"RaggedTensor: {name} must be a 1-D integer tensor; got shape {list(s.shape)} "
                         f"dtype {s.dtype}.")
    return s.astype(np.int64)


class RaggedTensor:
    """``tf.RaggedTensor``: build with ``tf.ragged.constant`` or the ``from_*`` factories."""

    __slots__ = ("_values", "_row_splits", "_uniform")

    def __init__(self, values: Any, row_splits: np.ndarray, _internal: bool = False):
        if not _internal:
            raise ValueError("RaggedTensor constructor is private; use tf.ragged.constant or "
                             "RaggedTensor.from_row_splits / from_row_lengths / from_value_rowids.")
        self._values = values
        self._row_splits = row_splits
        self._uniform: Optional[int] = None  # set by from_uniform_row_length: a known row length

    # -- factories ----------------------------------------------------------------------------------
    @classmethod
    def _from(cls, values: Any, splits: np.ndarray, validate: bool = True) -> "RaggedTensor":
        if not isinstance(values, RaggedTensor):
            values = _arr(values)
            if values.ndim == 0:
                raise ValueError("RaggedTensor: values must have rank >= 1; got a scalar.")
        if validate:
            nvals = values.nrows_int() if isinstance(values, RaggedTensor) else values.shape[0]
            if len(splits) == 0 or splits[0] != 0:
                raise ValueError(f"RaggedTensor: row_splits must start with 0; got {splits.tolist()[:8]}.")
            if np.any(np.diff(splits) < 0):
                raise ValueError("RaggedTensor: row_splits must be non-decreasing.")
            if splits[-1] != nvals:
                raise ValueError(f"RaggedTensor: row_splits[-1] ({int(splits[-1])}) must equal the number of "
                                 f"values ({nvals}).")
        return cls(values, splits, _internal=True)

    @classmethod
    def from_row_splits(cls, values: Any, row_splits: Any, name: Any = None, validate: bool = True) -> "RaggedTensor":
        """Rows ``values[row_splits[i]:row_splits[i+1]]`` (``RaggedTensor.from_row_splits``)."""
        return cls._from(values, _splits(row_splits, "row_splits"), validate)

    @classmethod
    def from_row_lengths(cls, values: Any, row_lengths: Any, name: Any = None, validate: bool = True) -> "RaggedTensor":
        """Consecutive rows of the given lengths (``RaggedTensor.from_row_lengths``)."""
        lengths = _splits(row_lengths, "row_lengths")
        if np.any(lengths < 0):
            raise ValueError("RaggedTensor.from_row_lengths: row_lengths must be non-negative.")
        return cls._from(values, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), validate)

    @classmethod
    def from_row_starts(cls, values: Any, row_starts: Any, name: Any = None, validate: bool = True) -> "RaggedTensor":
        starts = _splits(row_starts, "row_starts")
        v = values if isinstance(values, RaggedTensor) else _arr(values)
        n = v.nrows_int() if isinstance(v, RaggedTensor) else v.shape[0]
        return cls._from(v, np.concatenate([starts, [n]]).astype(np.int64), validate)

    @classmethod
    def from_row_limits(cls, values: Any, row_limits: Any, name: Any = None, validate: bool = True) -> "RaggedTensor":
        limits = _splits(row_limits, "row_limits")
        return cls._from(values, np.concatenate([[0], limits]).astype(np.int64), validate)

    @classmethod
    def from_value_rowids(cls, values: Any, value_rowids: Any, nrows: Any = None, name: Any = None,
                          validate: bool = True) -> "RaggedTensor":
        """Value ``i`` goes to row ``value_rowids[i]`` (sorted); ``nrows`` defaults to max + 1."""
        ids = _splits(value_rowids, "value_rowids")
        if len(ids) and (np.any(np.diff(ids) < 0) or ids[0] < 0):
            raise ValueError("RaggedTensor.from_value_rowids: value_rowids must be sorted and non-negative.")
        n = int(_arr(nrows)) if nrows is not None else (int(ids[-1]) + 1 if len(ids) else 0)
        if len(ids) and ids[-1] >= n:
            raise ValueError(f"RaggedTensor.from_value_rowids: nrows ({n}) must be > max(value_rowids).")
        counts = np.bincount(ids, minlength=n) if len(ids) else np.zeros(n, np.int64)
        return cls._from(values, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), validate)

    @classmethod
    def from_uniform_row_length(cls, values: Any, uniform_row_length: Any, nrows: Any = None,
                                validate: bool = True, name: Any = None) -> "RaggedTensor":
        v = values if isinstance(values, RaggedTensor) else _arr(values)
        n = v.nrows_int() if isinstance(v, RaggedTensor) else v.shape[0]
        k = int(_arr(uniform_row_length))
        rows = int(_arr(nrows)) if nrows is not None else (n // k if k else 0)
        out = cls._from(v, np.arange(rows + 1, dtype=np.int64) * k, validate)
        out._uniform = k
        return out

    @classmethod
    def from_nested_row_splits(cls, flat_values: Any, nested_row_splits: Sequence[Any], name: Any = None,
                               validate: bool = True) -> "RaggedTensor":
        result = flat_values
        for s in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, s, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values: Any, nested_row_lengths: Sequence[Any], name: Any = None,
                                validate: bool = True) -> "RaggedTensor":
        result = flat_values
        for s in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, s, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor: Any, lengths: Any = None, padding: Any = None, ragged_rank: int = 1,
                    name: Any = None, row_splits_dtype: Any = None) -> "RaggedTensor":
        """Rows of a dense tensor, cut to ``lengths`` or with trailing ``padding`` values removed."""
        if ragged_rank != 1:
            raise NotImplementedError("RaggedTensor.from_tensor: only ragged_rank=1 is supported.")
        t = _arr(tensor)
        if t.ndim < 2:
            raise ValueError(f"RaggedTensor.from_tensor: tensor must have rank >= 2; got shape {list(t.shape)}.")
        n, m = t.shape[0], t.shape[1]
        if lengths is not None and padding is not None:
            raise ValueError("RaggedTensor.from_tensor: specify lengths or padding, not both.")
        if lengths is not None:
            ln = np.minimum(_splits(lengths, "lengths"), m)
        elif padding is not None:
            p = _arr(padding)
            same = t == p if t.ndim == 2 else np.all(t == p, axis=tuple(_brange(2, t.ndim)))
            keep = ~same
            # the length of a row is one past its last non-padding value
            idx = np.where(keep.any(axis=1), m - np.argmax(keep[:, ::-1], axis=1), 0)
            ln = idx.astype(np.int64)
        else:
            ln = np.full(n, m, np.int64)
        mask = np.arange(m)[None, :] < ln[:, None]
        return cls._from(t[mask], np.concatenate([[0], np.cumsum(ln)]).astype(np.int64), False)

    # -- properties ----------------------------------------------------------------------------------
    @property
    def values(self) -> Any:
        """The concatenated rows: a Tensor, or a RaggedTensor when more dimensions are ragged."""
        return self._values if isinstance(self._values, RaggedTensor) else _wrap(self._values)

    @property
    def flat_values(self) -> Tensor:
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return _wrap(v)

    def _flat(self) -> np.ndarray:
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def row_splits(self) -> Tensor:
        return _wrap(self._row_splits)

    @property
    def nested_row_splits(self) -> tuple:
        out = [self.row_splits]
        v = self._values
        while isinstance(v, RaggedTensor):
            out.append(v.row_splits)
            v = v._values
        return tuple(out)

    def row_lengths(self, axis: int = 1, name: Any = None) -> Any:
        if axis != 1:
            raise NotImplementedError("RaggedTensor.row_lengths: only axis=1 is supported.")
        return _wrap(np.diff(self._row_splits))

    def row_starts(self, name: Any = None) -> Tensor:
        return _wrap(self._row_splits[:-1])

    def row_limits(self, name: Any = None) -> Tensor:
        return _wrap(self._row_splits[1:])

    def value_rowids(self, name: Any = None) -> Tensor:
        return _wrap(np.repeat(np.arange(self.nrows_int(), dtype=np.int64), np.diff(self._row_splits)))

    def nrows_int(self) -> int:
        return len(self._row_splits) - 1

    def nrows(self, out_type: Any = None, name: Any = None) -> Tensor:
        dt = np.int64 if out_type is None else _dtypes.to_numpy(out_type)
        return _wrap(np.asarray(self.nrows_int(), dtype=dt))

    @property
    def ragged_rank(self) -> int:
        return 1 + (self._values.ragged_rank if isinstance(self._values, RaggedTensor) else 0)

    @property
    def dtype(self) -> _dtypes.DType:
        f = self._flat()
        return _dtypes.string if f.dtype == object else _dtypes.from_numpy(f.dtype)

    @property
    def row_splits_dtype(self) -> _dtypes.DType:
        return _dtypes.int64

    @property
    def shape(self) -> TensorShape:
        inner = self._values.shape if isinstance(self._values, RaggedTensor) else TensorShape(self._values.shape)
        return TensorShape((self.nrows_int(), self._uniform) + tuple(inner)[1:])

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def rank(self) -> int:
        return self.ndim

    def bounding_shape(self, axis: Any = None, name: Any = None, out_type: Any = None) -> Tensor:
        lengths = np.diff(self._row_splits)
        inner = self._values.bounding_shape().numpy() if isinstance(self._values, RaggedTensor) else \
            np.asarray(self._values.shape, np.int64)
        shape = np.concatenate([[self.nrows_int(), lengths.max() if len(lengths) else 0], inner[1:]]).astype(np.int64)
        return _wrap(shape if axis is None else shape[axis])

    # -- conversion ----------------------------------------------------------------------------------
    def to_list(self) -> list:
        """Nested Python lists (``RaggedTensor.to_list``; strings stay bytes)."""
        inner = self._values.to_list() if isinstance(self._values, RaggedTensor) else self._values.tolist()
        s = self._row_splits
        return [inner[s[i]:s[i + 1]] for i in _brange(self.nrows_int())]

    def numpy(self) -> np.ndarray:
        """A 1-D object array of rows (each a NumPy array or, when nested, an object array)."""
        out = np.empty(self.nrows_int(), dtype=object)
        for i in _brange(self.nrows_int()):
            r = self._row(i)
            out[i] = r.numpy() if isinstance(r, RaggedTensor) else r
        return out

    def to_tensor(self, default_value: Any = None, name: Any = None, shape: Any = None) -> Tensor:
        """A dense tensor padded with ``default_value`` (0 or b'') to the bounding shape, or to ``shape``
        (None entries take the bounding size; larger rows are truncated, as TF)."""
        flat = self._flat()
        bshape = [int(d) for d in self.bounding_shape().numpy()]
        if shape is not None:
            want = shape.as_list() if hasattr(shape, "as_list") else list(np.asarray(getattr(shape, "_value", shape)).tolist()
                                                                         if not isinstance(shape, (list, tuple)) else shape)
            if len(want) != len(bshape):
                raise ValueError(f"RaggedTensor.to_tensor: shape {want} must have rank {len(bshape)}.")
            bshape = [b if w is None or w == -1 else int(w) for w, b in zip(want, bshape)]
        if default_value is None:
            default_value = b"" if flat.dtype == object else 0
        dv = _arr(default_value) if not isinstance(default_value, (bytes, str)) else default_value
        if isinstance(dv, str):
            dv = dv.encode()
        out = np.empty(bshape, dtype=flat.dtype)
        out[...] = dv
        self._fill(out)
        return _wrap(out)

    def _fill(self, out: np.ndarray) -> None:
        s = self._row_splits
        rows = min(self.nrows_int(), out.shape[0])
        for i in _brange(rows):
            r = self._row(i)
            if isinstance(r, RaggedTensor):
                r._fill(out[i])
            else:
                k = min(len(r), out.shape[1])
                sl = tuple(slice(0, min(a, b)) for a, b in zip(r.shape[1:], out.shape[2:]))
                out[(i, slice(0, k)) + sl] = r[(slice(0, k),) + sl]

    def to_sparse(self, name: Any = None) -> Any:
        from ..sparse import SparseTensor  # type: ignore[attr-defined]
        if self.ragged_rank != 1:
            raise NotImplementedError("RaggedTensor.to_sparse: only ragged_rank=1 is supported.")
        rows = self.value_rowids().numpy()
        cols = np.arange(len(rows)) - self._row_splits[rows]
        inner = self._values.shape[1:]
        if inner:
            raise NotImplementedError("RaggedTensor.to_sparse: only 2-D ragged tensors are supported.")
        return SparseTensor(np.stack([rows, cols], 1).astype(np.int64), self._values,
                            [int(d) for d in self.bounding_shape().numpy()])

    @classmethod
    def from_sparse(cls, st_input: Any, name: Any = None, row_splits_dtype: Any = None) -> "RaggedTensor":
        idx = _arr(st_input.indices)
        shape = [int(d) for d in _arr(st_input.dense_shape)]
        if len(shape) != 2:
            raise ValueError("RaggedTensor.from_sparse: only 2-D SparseTensors are supported.")
        return cls.from_value_rowids(_arr(st_input.values), idx[:, 0], nrows=shape[0])

    def merge_dims(self, outer_axis: int, inner_axis: int) -> Any:
        if (outer_axis, inner_axis) != (0, 1):
            raise NotImplementedError("RaggedTensor.merge_dims: only (0, 1) is supported.")
        return self.values

    def with_values(self, new_values: Any) -> "RaggedTensor":
        return RaggedTensor._from(new_values, self._row_splits)

    def with_flat_values(self, new_values: Any) -> "RaggedTensor":
        if isinstance(self._values, RaggedTensor):
            return RaggedTensor(self._values.with_flat_values(new_values), self._row_splits, _internal=True)
        return RaggedTensor._from(new_values, self._row_splits)

    # -- indexing ------------------------------------------------------------------------------------
    def _row(self, i: int) -> Any:
        s = self._row_splits
        a, b = int(s[i]), int(s[i + 1])
        if isinstance(self._values, RaggedTensor):
            return self._values._slice_rows(a, b)
        return self._values[a:b]

    def _slice_rows(self, start: int, stop: int) -> "RaggedTensor":
        s = self._row_splits[start:stop + 1]
        base = int(s[0]) if len(s) else 0
        vals = self._values._slice_rows(base, int(s[-1])) if isinstance(self._values, RaggedTensor) \
            else self._values[base:int(s[-1]) if len(s) else 0]
        return RaggedTensor(vals, (s - base) if len(s) else np.zeros(1, np.int64), _internal=True)

    def __getitem__(self, key: Any) -> Any:
        """``rt[i]`` (a row: a Tensor, or a RaggedTensor if still ragged), ``rt[a:b]`` (rows),
        ``rt[i, j]`` and ``rt[:, j]`` where every row has that element."""
        if isinstance(key, tuple):
            if not key:
                return self
            head, rest = key[0], key[1:]
            if not rest:
                return self[head]
            if isinstance(head, slice):
                sub = self[head]
                rows = [sub[(i,) + rest] for i in _brange(sub.nrows_int())]
                vals = [r.numpy() if isinstance(r, Tensor) else r for r in rows]
                if any(isinstance(v, RaggedTensor) for v in vals):
                    raise NotImplementedError("RaggedTensor.__getitem__: this slicing is not supported.")
                return _wrap(np.stack([np.asarray(v) for v in vals]) if vals else np.zeros(0, self._flat().dtype))
            row = self[head]
            return row[rest] if isinstance(row, RaggedTensor) else _wrap(np.asarray(row.numpy() if isinstance(row, Tensor) else row)[rest])
        if isinstance(key, slice):
            idx = _brange(self.nrows_int())[key]
            if idx.step == 1:
                return self._slice_rows(idx.start, idx.stop) if len(idx) else self._slice_rows(0, 0)
            rows = [self._row(i) for i in idx]
            return _stack_rows(rows, self._flat().dtype)
        k = int(_arr(key)) if not isinstance(key, (int, np.integer)) else int(key)
        n = self.nrows_int()
        if not -n <= k < n:
            from ..errors import InvalidArgumentError
            raise InvalidArgumentError(f"RaggedTensor index {k} is out of bounds for {n} rows.")
        r = self._row(k % n)
        return r if isinstance(r, RaggedTensor) else _wrap(r)

    def __iter__(self):
        for i in _brange(self.nrows_int()):
            yield self[i]

    def __len__(self) -> int:
        return self.nrows_int()

    def __repr__(self) -> str:
        return f"<tf.RaggedTensor {self.to_list()!r}>"

    __str__ = __repr__

    def __eq__(self, other: Any) -> Any:  # elementwise as TF, when the row partitions match
        if isinstance(other, RaggedTensor):
            if not np.array_equal(self._row_splits, other._row_splits):
                return False
            return self.with_flat_values(self._flat() == other._flat()) if not isinstance(self._values, RaggedTensor) \
                else self.with_values(self._values == other._values)
        return self.with_flat_values(self._flat() == _arr(other))

    __hash__ = None  # type: ignore[assignment]

    # elementwise arithmetic on the flat values with a scalar or an equally partitioned RaggedTensor
    def _binary(self, other: Any, fn: Callable) -> "RaggedTensor":
        if isinstance(other, RaggedTensor):
            if not np.array_equal(self._row_splits, other._row_splits):
                from ..errors import InvalidArgumentError
                raise InvalidArgumentError("RaggedTensor: operands have different row partitions.")
            return self.with_flat_values(fn(self._flat(), other._flat()))
        o = _arr(other)
        if o.ndim:
            raise NotImplementedError("RaggedTensor arithmetic with a dense non-scalar tensor is not supported.")
        return self.with_flat_values(fn(self._flat(), o.astype(self._flat().dtype)))

    def __add__(self, o: Any) -> "RaggedTensor":
        return self._binary(o, np.add)

    def __sub__(self, o: Any) -> "RaggedTensor":
        return self._binary(o, np.subtract)

    def __mul__(self, o: Any) -> "RaggedTensor":
        return self._binary(o, np.multiply)

    def __truediv__(self, o: Any) -> "RaggedTensor":
        return self._binary(o, np.true_divide)

    __radd__ = __add__
    __rmul__ = __mul__

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("A RaggedTensor cannot be converted to a dense array or Tensor implicitly (as in TF): "
                        "use rt.to_tensor() (padded), rt.flat_values, or tf.ragged.map_flat_values(op, rt).")


def _stack_rows(rows: List[Any], dtype: Any) -> RaggedTensor:
    """A RaggedTensor whose rows are ``rows`` (arrays with a first dimension, or RaggedTensors)."""
    if rows and isinstance(rows[0], RaggedTensor):
        values = _concat_ragged(rows)
        lengths = [r.nrows_int() for r in rows]
    else:
        arrs = [np.asarray(r) for r in rows]
        inner = {a.shape[1:] for a in arrs}
        if len(inner) > 1:
            return _stack_rows([_to_ragged_row(a) for a in arrs], dtype)
        values = np.concatenate(arrs) if arrs else np.zeros((0,), dtype=dtype)
        lengths = [len(a) for a in arrs]
    return RaggedTensor(values, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), _internal=True)


def _to_ragged_row(a: np.ndarray) -> RaggedTensor:
    return RaggedTensor.from_tensor(a) if a.ndim >= 2 else a


def _concat_ragged(rts: List[RaggedTensor]) -> RaggedTensor:
    if isinstance(rts[0]._values, RaggedTensor):
        values: Any = _concat_ragged([r._values for r in rts])
    else:
        values = np.concatenate([r._values for r in rts])
    splits = [np.zeros(1, np.int64)]
    off = 0
    for r in rts:
        splits.append(r._row_splits[1:] + off)
        off += int(r._row_splits[-1])
    return RaggedTensor(values, np.concatenate(splits), _internal=True)


def stack_rows(rows: List[Any]) -> RaggedTensor:
    """Internal: a RaggedTensor from a list of per-row arrays (or RaggedTensors)."""
    dtype = object
    if rows:
        r0 = rows[0]
        dtype = r0._flat().dtype if isinstance(r0, RaggedTensor) else np.asarray(r0).dtype
    return _stack_rows(rows, dtype)


# -- tf.ragged ---------------------------------------------------------------------------------------
def _infer_leaf(leaves: list, dtype: Any) -> np.ndarray:
    from ..dispatch import _infer_value, value_as
    if dtype is not None:
        return value_as(leaves, _dtypes.to_numpy(dtype))
    if not leaves:
        return np.zeros(0, np.float32)
    return _infer_value(leaves)


def constant(pylist: Any, dtype: Any = None, ragged_rank: Optional[int] = None, inner_shape: Any = None,
             name: Any = None, row_splits_dtype: Any = None) -> Any:
    """A RaggedTensor from nested Python lists (``tf.ragged.constant``): every list level whose
    elements have different lengths becomes a ragged dimension; with ``ragged_rank`` given, the levels
    below it must be uniform and stay dense."""
    if isinstance(pylist, RaggedTensor):
        return pylist
    if not isinstance(pylist, (list, tuple)):
        from ..dispatch import convert_to_tensor
        return convert_to_tensor(pylist, dtype=dtype)

    def depth(x: Any) -> int:
        if isinstance(x, (list, tuple)):
            ds = {depth(e) for e in x}
            if len(ds) > 1:
                raise ValueError("tf.ragged.constant: all scalar values must have the same nesting depth.")
            return 1 + (ds.pop() if ds else 0)
        return 0

    d = depth(pylist)
    if inner_shape is not None:
        inner_rank = len(inner_shape)
    elif ragged_rank is not None:
        inner_rank = d - 1 - ragged_rank
    else:
        inner_rank = 0
    rr = d - 1 - inner_rank if ragged_rank is None else ragged_rank
    if rr < 1:
        raise ValueError(f"tf.ragged.constant: ragged_rank must be >= 1 for a value of depth {d}.")
    # peel rr list levels into row splits
    level: list = list(pylist)
    splits_list = []
    for _ in _brange(rr):
        lengths = [len(e) for e in level]
        splits_list.append(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
        level = [x for e in level for x in e]
    flat = _infer_leaf(level, dtype)
    if flat.ndim == 0:
        flat = flat.reshape(0)
    if inner_shape is not None and flat.size == 0:
        flat = flat.reshape((0,) + tuple(inner_shape))
    result: Any = flat
    for s in reversed(splits_list):
        result = RaggedTensor(result, s, _internal=True)
    return result


def constant_value(pylist: Any, dtype: Any = None, ragged_rank: Any = None, inner_shape: Any = None,
                   row_splits_dtype: Any = "int64") -> Any:
    return constant(pylist, dtype=dtype, ragged_rank=ragged_rank, inner_shape=inner_shape)


def map_flat_values(op: Callable, *args: Any, **kwargs: Any) -> Any:
    """Apply ``op`` to the flat values of the RaggedTensor arguments (``tf.ragged.map_flat_values``);
    all of them must share their row partition."""
    ragged = [a for a in list(args) + list(kwargs.values()) if isinstance(a, RaggedTensor)]
    if not ragged:
        return op(*args, **kwargs)
    ref = ragged[0]
    for r in ragged[1:]:
        if not all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(r.nested_row_splits, ref.nested_row_splits)):
            from ..errors import InvalidArgumentError
            raise InvalidArgumentError("map_flat_values: RaggedTensors have different row partitions.")
    sub = lambda a: a.flat_values if isinstance(a, RaggedTensor) else a  # noqa: E731
    out = op(*[sub(a) for a in args], **{k: sub(v) for k, v in kwargs.items()})
    return ref.with_flat_values(_arr(out))


def range(starts: Any, limits: Any = None, deltas: Any = 1, dtype: Any = None, name: Any = None,  # noqa: A001
          row_splits_dtype: Any = None) -> RaggedTensor:
    """Row ``i`` is ``range(starts[i], limits[i], deltas[i])`` (``tf.ragged.range``)."""
    if limits is None:
        starts, limits = 0, starts
    s, l, d = np.broadcast_arrays(_arr(starts), _arr(limits), _arr(deltas))
    s, l, d = np.atleast_1d(s), np.atleast_1d(l), np.atleast_1d(d)
    rows = [np.arange(a, b, c) for a, b, c in zip(s, l, d)]
    dt = _dtypes.to_numpy(dtype) if dtype is not None else np.result_type(s, l, d)
    vals = np.concatenate(rows).astype(dt) if rows else np.zeros(0, dt)
    return RaggedTensor.from_row_lengths(vals, [len(r) for r in rows])


def stack(values: Sequence[Any], axis: int = 0, name: Any = None) -> RaggedTensor:
    """Rows of several tensors/RaggedTensors of the same rank stacked into a new ragged dimension (axis 0)."""
    if axis != 0:
        raise NotImplementedError("tf.ragged.stack: only axis=0 is supported.")
    rows = [v if isinstance(v, RaggedTensor) else _arr(v) for v in values]
    return stack_rows(rows)


def boolean_mask(data: Any, mask: Any, name: Any = None) -> Any:
    """Keep ``data[i][j]`` where ``mask[i][j]`` (same partition); a 2-D dense input gives ragged rows."""
    if isinstance(data, RaggedTensor):
        m = mask._flat() if isinstance(mask, RaggedTensor) else _arr(mask)
        keep = [np.asarray(data._row(i))[m[data._row_splits[i]:data._row_splits[i + 1]]]
                for i in _brange(data.nrows_int())]
        return stack_rows(keep)
    d, m = _arr(data), _arr(mask).astype(bool)
    if m.ndim == 1:
        return _wrap(d[m])
    return stack_rows([d[i][m[i]] for i in _brange(d.shape[0])])




class RaggedTensorSpec:
    """``tf.RaggedTensorSpec``: shape (with None ragged dimensions), dtype and ragged rank."""

    def __init__(self, shape: Any = None, dtype: Any = _dtypes.float32, ragged_rank: Optional[int] = None,
                 row_splits_dtype: Any = _dtypes.int64, flat_values_spec: Any = None):
        self.shape = TensorShape(shape) if shape is not None else None
        self.dtype = _dtypes.as_dtype(dtype)
        n = len(self.shape) if self.shape is not None else 2
        self.ragged_rank = n - 1 if ragged_rank is None else ragged_rank
        self.row_splits_dtype = _dtypes.as_dtype(row_splits_dtype)

    def __repr__(self) -> str:
        return (f"RaggedTensorSpec(TensorShape({list(self.shape) if self.shape is not None else None}), "
                f"tf.{self.dtype.name}, {self.ragged_rank}, tf.int64)")

    def __eq__(self, other: Any) -> bool:
        return (isinstance(other, RaggedTensorSpec) and self.dtype == other.dtype
                and self.ragged_rank == other.ragged_rank
                and (list(self.shape) if self.shape is not None else None)
                == (list(other.shape) if other.shape is not None else None))

    def __hash__(self) -> int:
        return hash((self.dtype.name, self.ragged_rank))

    def is_compatible_with(self, value: Any) -> bool:
        if isinstance(value, RaggedTensorSpec):
            other_shape, other_dtype = value.shape, value.dtype
        elif isinstance(value, RaggedTensor):
            other_shape, other_dtype = value.shape, value.dtype
        else:
            return False
        if other_dtype != self.dtype:
            return False
        if self.shape is None or other_shape is None:
            return True
        if len(self.shape) != len(other_shape):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self.shape, other_shape))

    @classmethod
    def from_value(cls, value: RaggedTensor) -> "RaggedTensorSpec":
        return cls(value.shape, value.dtype, value.ragged_rank)


def is_ragged(x: Any) -> bool:
    return isinstance(x, RaggedTensor)


__all__ = ["RaggedTensor", "RaggedTensorSpec", "constant", "constant_value", "map_flat_values", "range",
           "stack", "boolean_mask"]
