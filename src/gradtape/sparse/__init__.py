"""``tf.sparse``: :class:`SparseTensor` and the common functions on it.

A SparseTensor holds ``indices`` (int64 ``[N, rank]``), ``values`` (``[N]``) and ``dense_shape``
(int64 ``[rank]``), as in TF. Its ``values`` is an ordinary Tensor, so a tape that watches it
(or the Variable it was read from) differentiates everything computed from the SparseTensor with
respect to the values; ``sparse_dense_matmul`` is also differentiable with respect to the dense
operand, with a dense gradient as in TF. Indices are constants (no gradient, as in TF).

Like TF, a SparseTensor does not convert to a dense Tensor implicitly: use ``tf.sparse.to_dense``.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import dtypes as _dtypes
from .._host import host_array, host_value
from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from ..registry import Op
from ..tensor import Tensor, TensorShape

__all__ = ["SparseTensor", "add", "concat", "from_dense", "map_values", "reduce_max", "reduce_sum",
           "reorder", "reshape", "retain", "slice", "sparse_dense_matmul", "to_dense", "transpose",
           "matmul"]


def _is_tensorlike(v: Any) -> bool:
    return isinstance(v, Tensor) or hasattr(type(v), "_gt_read")


def _const(arr: np.ndarray) -> Tensor:
    t = object.__new__(Tensor)
    t._value = arr
    return t


class SparseTensor:
    """A sparse tensor: ``values[i]`` sits at ``indices[i]`` of a tensor of shape ``dense_shape``;
    every other entry is zero (``tf.sparse.SparseTensor``)."""

    __slots__ = ("_indices", "_values", "_dense_shape", "__weakref__")

    def __init__(self, indices: Any, values: Any, dense_shape: Any):
        idx = host_array(indices)
        if idx.size == 0:
            idx = idx.reshape(0, len(np.asarray(getattr(dense_shape, "_value", dense_shape)).reshape(-1)))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"SparseTensor: indices must be integers, got dtype {idx.dtype}.")
        vals = values if type(values) is Tensor else convert_to_tensor(values)
        shape = host_array(dense_shape)
        if shape.dtype.kind not in "iu":
            raise TypeError(f"SparseTensor: dense_shape must be integers, got dtype {shape.dtype}.")
        shape = shape.astype(np.int64).reshape(-1)
        if idx.ndim != 2:
            raise ValueError(f"SparseTensor: indices must be a matrix [N, rank], got shape {list(idx.shape)}.")
        if vals._value.ndim != 1:
            raise ValueError(f"SparseTensor: values must be a vector [N], got shape {list(np.shape(vals._value))}.")
        if idx.shape[0] != np.shape(vals._value)[0]:
            raise ValueError(f"SparseTensor: {idx.shape[0]} indices but {np.shape(vals._value)[0]} values; "
                             "they must be the same number.")
        if idx.shape[1] != shape.size:
            raise ValueError(f"SparseTensor: indices have rank {idx.shape[1]} but dense_shape {shape.tolist()} "
                             f"has rank {shape.size}.")
        self._indices = _const(np.array(idx, dtype=np.int64, copy=True))
        self._values = vals
        self._dense_shape = _const(shape.copy())

    # -- TF's attributes -------------------------------------------------------------------------
    @property
    def indices(self) -> Tensor:
        """The positions of the values, int64 ``[N, rank]``."""
        return self._indices

    @property
    def values(self) -> Tensor:
        """The non-zero values, ``[N]``."""
        return self._values

    @property
    def dense_shape(self) -> Tensor:
        """The shape of the dense tensor represented, int64 ``[rank]``."""
        return self._dense_shape

    @property
    def dtype(self) -> _dtypes.DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape(tuple(int(d) for d in self._dense_shape._value))

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def ndim(self) -> int:
        return int(self._dense_shape._value.size)

    @property
    def device(self) -> str:
        return self._values.device

    def with_values(self, new_values: Any) -> "SparseTensor":
        """The same indices and shape with other values (``SparseTensor.with_values``)."""
        v = new_values if type(new_values) is Tensor else convert_to_tensor(new_values)
        if np.shape(v._value) != np.shape(self._values._value):
            raise ValueError(f"with_values: new values have shape {list(np.shape(v._value))}, expected "
                             f"{list(np.shape(self._values._value))}.")
        return _make(self._indices._value, v, self._dense_shape._value)

    @classmethod
    def from_value(cls, sparse_tensor_value: Any) -> "SparseTensor":
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        return cls(sparse_tensor_value.indices, sparse_tensor_value.values, sparse_tensor_value.dense_shape)

    def consumers(self) -> list:
        return []

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices}, values={self._values}, "
                f"dense_shape={self._dense_shape})")

    # -- TF's operators: elementwise with a dense tensor (broadcast to the sparse entries) --------
    def _cwise(self, other: Any, fn: Callable) -> "SparseTensor":
        if isinstance(other, SparseTensor):
            raise TypeError("SparseTensor * SparseTensor is not supported (as in TF); densify one of them "
                            "with tf.sparse.to_dense.")
        from ..ops.indexing import gather_nd
        from ..ops.shape import broadcast_to
        d = other if _is_tensorlike(other) else convert_to_tensor(other, dtype=self._values._value.dtype)
        shape = tuple(int(s) for s in self._dense_shape._value)
        if np.ndim(d._value) == 0:
            return self.with_values(fn(self._values, d))
        try:
            dense = broadcast_to(d, shape)
        except InvalidArgumentError:
            raise InvalidArgumentError(f"SparseTensor: cannot broadcast the dense operand of shape "
                                       f"{list(np.shape(d._value))} to the sparse shape {list(shape)}.") from None
        return self.with_values(fn(self._values, gather_nd(dense, self._indices)))

    def __mul__(self, other: Any) -> "SparseTensor":
        from ..ops.math import multiply
        return self._cwise(other, multiply)

    def __truediv__(self, other: Any) -> "SparseTensor":
        from ..ops.math import divide
        return self._cwise(other, divide)

    __div__ = __truediv__

    def __neg__(self) -> "SparseTensor":
        from ..ops.math import negative
        return self.with_values(negative(self._values))

    def __abs__(self) -> "SparseTensor":
        from ..ops.math import abs as _abs
        return self.with_values(_abs(self._values))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError("A SparseTensor does not convert to a NumPy array implicitly; use "
                        "tf.sparse.to_dense(sp).numpy().")

    def __bool__(self) -> bool:
        raise TypeError("The truth value of a SparseTensor is ambiguous.")


def _make(indices: np.ndarray, values: Tensor, shape: np.ndarray) -> SparseTensor:
    """A SparseTensor from already-checked parts (the values Tensor is kept as is)."""
    sp = object.__new__(SparseTensor)
    sp._indices = _const(np.asarray(indices, dtype=np.int64).reshape(-1, np.size(shape)))
    sp._values = values
    sp._dense_shape = _const(np.asarray(shape, dtype=np.int64).reshape(-1))
    return sp


def _sp(x: Any, op: str) -> SparseTensor:
    if not isinstance(x, SparseTensor):
        raise TypeError(f"{op}: expected a SparseTensor, got {type(x).__name__}. Convert a dense tensor "
                        "with tf.sparse.from_dense.")
    return x


def _shape(sp: SparseTensor) -> tuple:
    return tuple(int(d) for d in sp._dense_shape._value)


def _take(values: Tensor, positions: np.ndarray) -> Tensor:
    """``values[positions]`` with a dense gradient (TF's gradients of sparse ops are dense)."""
    from ..ops.segment import gather_drop_negatives
    return gather_drop_negatives(values, _const(np.asarray(positions, dtype=np.int64)))


def _linear(idx: np.ndarray, shape: tuple) -> np.ndarray:
    if idx.shape[0] == 0 or not shape:
        return np.zeros(idx.shape[0], dtype=np.int64)
    return np.ravel_multi_index(tuple(idx.T), shape, mode="wrap") if all(shape) else np.zeros(idx.shape[0], np.int64)


def _check_in_bounds(sp: SparseTensor, op: str) -> None:
    idx = sp._indices._value
    shape = np.asarray(_shape(sp))
    if idx.size and ((idx < 0).any() or (idx >= shape).any()):
        i = int(np.argwhere(((idx < 0) | (idx >= shape)).any(axis=1))[0][0])
        raise InvalidArgumentError(f"{op}: indices[{i}] = {idx[i].tolist()} is out of bounds: need 0 <= index < "
                                   f"{shape.tolist()}.")


# -- conversions -------------------------------------------------------------------------------

def _to_dense_forward(values, indices, shape, default):
    from .. import _array
    values = _array.as_array(values)
    out = _array.full(shape, default, values.dtype, values)
    if len(indices):
        ind = _array.as_array(indices)
        out[tuple([ind[:, j] for j in range(ind.shape[1])])] = values
    return out


TO_DENSE = Op("sparse_to_dense", _to_dense_forward, kinds="fciub",
              vjp=lambda g, ans, values, indices, shape, default: _gather_entries(g, indices),
              doc="A dense tensor with the values at their (distinct) indices and a default elsewhere. "
                  "The gradient w.r.t. the values gathers the upstream at the indices.")


def _gather_entries_forward(g, indices):
    from .. import _array
    g = _array.as_array(g)
    if len(indices) == 0:
        return _array.zeros((0,), g.dtype, g)
    ind = _array.as_array(indices)
    return g[tuple([ind[:, j] for j in range(ind.shape[1])])]


GATHER_ENTRIES = Op("sparse_gather_entries", _gather_entries_forward,
                    vjp=lambda g, ans, x, indices: apply(TO_DENSE, (g,), {
                        "indices": indices, "shape": np.shape(x._value), "default": 0}),
                    doc="The entries of a dense tensor at N-d indices (each once); differentiates "
                        "sparse_to_dense and is differentiated by it.")


def _gather_entries(x: Tensor, indices: np.ndarray) -> Tensor:
    return apply(GATHER_ENTRIES, (x,), {"indices": indices})


def to_dense(sp_input: SparseTensor, default_value: Any = None, validate_indices: bool = True,
             name: Optional[str] = None) -> Tensor:
    """The dense tensor, ``default_value`` (0) where there is no value (``tf.sparse.to_dense``).

    With ``validate_indices`` (the default) the indices must be in bounds, sorted in row-major
    order and distinct, as TF checks; use ``tf.sparse.reorder`` first if they are not.
    """
    sp = _sp(sp_input, "sparse.to_dense")
    _check_in_bounds(sp, "sparse.to_dense")
    idx = sp._indices._value
    shape = _shape(sp)
    if validate_indices and idx.shape[0] > 1:
        lin = _linear(idx, shape)
        d = np.diff(lin)
        if (d <= 0).any():
            i = int(np.argmax(d <= 0)) + 1
            what = "is repeated" if d[i - 1] == 0 else "is out of order"
            raise InvalidArgumentError(f"sparse.to_dense: indices[{i}] = {idx[i].tolist()} {what}. Many sparse "
                                       "ops require sorted indices; use tf.sparse.reorder to create a correctly "
                                       "ordered copy.")
    dt = sp._values._value.dtype
    default = np.zeros((), dt) if default_value is None else \
        host_array(default_value).astype(dt)
    if not validate_indices and not _distinct(sp):
        # Repeated indices add up (TF's unvalidated SparseToDense).
        from ..ops.math import add as dense_add
        out = _scatter_add(sp)
        if default != 0:
            fill = np.full(shape, default, dtype=dt)
            fill[tuple(idx.T)] = 0
            out = dense_add(out, _const(fill))
        return out
    return apply(TO_DENSE, (sp._values,), {"indices": idx, "shape": shape, "default": default[()]})


def from_dense(tensor: Any, name: Optional[str] = None) -> SparseTensor:
    """A SparseTensor of the non-zero entries of ``tensor`` in row-major order (``tf.sparse.from_dense``);
    its values are differentiable with respect to ``tensor``."""
    from .. import _array
    t = convert_to_tensor(tensor)
    # which entries are non-zero is data (it sets the shapes): a device tensor is read back explicitly
    v = _array.to_host(t._value) if _array.is_device(t._value) else host_array(t)
    idx = np.argwhere(v != np.zeros((), v.dtype) if v.dtype.kind != "O" else v != b"").astype(np.int64)
    return _make(idx, _gather_entries(t, idx), np.asarray(v.shape, dtype=np.int64))


# -- reordering and selection ------------------------------------------------------------------

def reorder(sp_input: SparseTensor, name: Optional[str] = None) -> SparseTensor:
    """The same SparseTensor with indices sorted in row-major order (``tf.sparse.reorder``)."""
    sp = _sp(sp_input, "sparse.reorder")
    idx = sp._indices._value
    order = np.lexsort(idx.T[::-1]) if idx.shape[0] else np.zeros(0, np.int64)
    if np.array_equal(order, np.arange(idx.shape[0])):
        return _make(idx, sp._values, sp._dense_shape._value)
    return _make(idx[order], _take(sp._values, order), sp._dense_shape._value)


def retain(sp_input: SparseTensor, to_retain: Any) -> SparseTensor:
    """Keep the entries where the bool vector ``to_retain`` is true (``tf.sparse.retain``)."""
    sp = _sp(sp_input, "sparse.retain")
    keep = host_array(to_retain)
    if keep.dtype.kind != "b" or keep.shape != (sp._indices._value.shape[0],):
        raise ValueError(f"sparse.retain: to_retain must be a bool vector with one entry per value "
                         f"({sp._indices._value.shape[0]}), got {keep.dtype} of shape {list(keep.shape)}.")
    pos = np.flatnonzero(keep)
    from ..ops.indexing import gather
    # A gather, as TF: the gradient w.r.t. the values is an IndexedSlices.
    return _make(sp._indices._value[pos], gather(sp._values, _const(pos.astype(np.int64))), sp._dense_shape._value)


def reshape(sp_input: SparseTensor, shape: Any, name: Optional[str] = None) -> SparseTensor:
    """The same entries in a new dense shape, row-major; one dimension may be -1 (``tf.sparse.reshape``)."""
    sp = _sp(sp_input, "sparse.reshape")
    old = _shape(sp)
    new = [int(d) for d in host_array(shape).reshape(-1)]
    total = int(np.prod(old)) if old else 1
    if new.count(-1) > 1:
        raise InvalidArgumentError("sparse.reshape: at most one dimension can be -1.")
    if -1 in new:
        known = int(np.prod([d for d in new if d != -1])) if len(new) > 1 else 1
        if known == 0 or total % known:
            raise InvalidArgumentError(f"sparse.reshape: cannot reshape {list(old)} ({total} entries) to {new}.")
        new[new.index(-1)] = total // known
    if int(np.prod(new)) != total:
        raise InvalidArgumentError(f"sparse.reshape: input has {total} dense entries (shape {list(old)}), "
                                   f"but the requested shape {new} has {int(np.prod(new))}.")
    lin = _linear(sp._indices._value, old)
    idx = np.stack(np.unravel_index(lin, new), axis=1) if new else np.zeros((lin.size, 0), np.int64)
    return _make(idx, sp._values, np.asarray(new))


def transpose(sp_input: SparseTensor, perm: Any = None, name: Optional[str] = None) -> SparseTensor:
    """Permute the dimensions (reversed by default) and reorder the entries (``tf.sparse.transpose``)."""
    sp = _sp(sp_input, "sparse.transpose")
    r = sp.ndim
    p = list(range(r))[::-1] if perm is None else [int(i) for i in host_array(perm)]
    if sorted(q % r for q in p) != list(range(r)):
        raise InvalidArgumentError(f"sparse.transpose: perm {p} is not a permutation of [0..{r - 1}].")
    p = [q % r for q in p]
    out = _make(sp._indices._value[:, p], sp._values, sp._dense_shape._value[p])
    return reorder(out)


def slice(sp_input: SparseTensor, start: Any, size: Any, name: Optional[str] = None) -> SparseTensor:  # noqa: A001
    """The entries inside the box ``[start, start + size)``, re-indexed from ``start``
    (``tf.sparse.slice``); the box is clipped to the dense shape."""
    sp = _sp(sp_input, "sparse.slice")
    shape = np.asarray(_shape(sp))
    st = host_array(start).astype(np.int64).reshape(-1)
    sz = host_array(size).astype(np.int64).reshape(-1)
    if st.size != shape.size or sz.size != shape.size:
        raise InvalidArgumentError(f"sparse.slice: start and size need {shape.size} entries, got "
                                   f"{st.tolist()} and {sz.tolist()}.")
    end = np.minimum(st + sz, shape)
    idx = sp._indices._value
    keep = np.all((idx >= st) & (idx < end), axis=1) if idx.size else np.zeros(idx.shape[0], bool)
    pos = np.flatnonzero(keep)
    return _make(idx[pos] - st, _take(sp._values, pos), np.maximum(end - st, 0))


def concat(axis: int, sp_inputs: Sequence[SparseTensor], expand_nonconcat_dims: bool = False,
           name: Optional[str] = None) -> SparseTensor:
    """Concatenate SparseTensors along ``axis`` (``tf.sparse.concat``); the result is reordered."""
    from ..ops.shape import concat as dense_concat
    sps = [_sp(s, "sparse.concat") for s in sp_inputs]
    if not sps:
        raise ValueError("sparse.concat: needs at least one SparseTensor.")
    r = sps[0].ndim
    ax = int(axis) % r
    shapes = [np.asarray(_shape(s)) for s in sps]
    if expand_nonconcat_dims:
        other = np.max(np.stack(shapes), axis=0)
    else:
        other = shapes[0]
        for s in shapes[1:]:
            if s.size != r or any(a != b for i, (a, b) in enumerate(zip(s, other)) if i != ax):
                raise InvalidArgumentError(f"sparse.concat: shapes {[x.tolist() for x in shapes]} differ outside "
                                           f"axis {ax}.")
    offset = 0
    idxs = []
    for s, sh in zip(sps, shapes):
        i = s._indices._value.copy()
        i[:, ax] += offset
        idxs.append(i)
        offset += int(sh[ax])
    out_shape = other.copy()
    out_shape[ax] = offset
    vals = dense_concat([s._values for s in sps], 0)
    return reorder(_make(np.concatenate(idxs, 0), vals, out_shape))


def map_values(op: Callable, *args: Any, **kwargs: Any) -> SparseTensor:
    """Apply ``op`` to the values of the SparseTensor arguments, which must share their indices
    (``tf.sparse.map_values``)."""
    sps = [a for a in list(args) + list(kwargs.values()) if isinstance(a, SparseTensor)]
    if not sps:
        raise ValueError("sparse.map_values: no SparseTensor among the arguments.")
    ref = sps[0]
    for s in sps[1:]:
        if not (np.array_equal(s._indices._value, ref._indices._value)
                and np.array_equal(s._dense_shape._value, ref._dense_shape._value)):
            raise InvalidArgumentError("sparse.map_values: all SparseTensors must have identical indices "
                                       "and dense_shape.")
    conv = lambda a: a._values if isinstance(a, SparseTensor) else a  # noqa: E731
    out = op(*[conv(a) for a in args], **{k: conv(v) for k, v in kwargs.items()})
    return ref.with_values(out)


# -- reductions --------------------------------------------------------------------------------

def _reduce(sp: SparseTensor, axis: Any, keepdims: bool, kind: str, op: str) -> tuple:
    """Segment ids of each entry over the kept dimensions, their count and the output shape."""
    shape = _shape(sp)
    r = len(shape)
    axes = list(range(r)) if axis is None else \
        [int(a) % r for a in host_array(axis).reshape(-1)]
    kept = [d for d in range(r) if d not in axes]
    kept_shape = tuple(shape[d] for d in kept)
    idx = sp._indices._value
    ids = _linear(idx[:, kept], kept_shape) if kept else np.zeros(idx.shape[0], np.int64)
    n = int(np.prod(kept_shape)) if kept else 1
    out_shape = tuple(1 if d in axes else shape[d] for d in range(r)) if keepdims else kept_shape
    return ids, n, out_shape, kept, kept_shape


def reduce_sum(sp_input: SparseTensor, axis: Any = None, keepdims: bool = False,
               output_is_sparse: bool = False, name: Optional[str] = None) -> Any:
    """Sum over ``axis`` (all by default) (``tf.sparse.reduce_sum``): a dense tensor, or with
    ``output_is_sparse`` a SparseTensor of the non-empty sums. Differentiable in the values."""
    from ..ops.segment import _segment_sum_raw
    from ..ops.shape import reshape as dense_reshape
    sp = _sp(sp_input, "sparse.reduce_sum")
    ids, n, out_shape, kept, kept_shape = _reduce(sp, axis, keepdims, "sum", "sparse.reduce_sum")
    if output_is_sparse:
        uniq, first, inv = np.unique(ids, return_index=True, return_inverse=True)
        sums = _segment_sum_raw(sp._values, _const(inv.reshape(-1).astype(np.int64)), int(uniq.size))
        kidx = np.stack(np.unravel_index(uniq, kept_shape), axis=1) if kept else np.zeros((uniq.size, 0), np.int64)
        if keepdims:
            full = np.zeros((uniq.size, sp.ndim), np.int64)
            full[:, kept] = kidx
            kidx = full
        return _make(kidx, sums, np.asarray(out_shape, dtype=np.int64))
    sums = _segment_sum_raw(sp._values, _const(ids), n)
    return dense_reshape(sums, out_shape)


def reduce_max(sp_input: SparseTensor, axis: Any = None, keepdims: bool = False,
               output_is_sparse: bool = False, name: Optional[str] = None) -> Any:
    """Maximum over ``axis`` of the entries present (``tf.sparse.reduce_max``); a reduction with no
    entry gives 0 in the dense output, as TF. ``output_is_sparse`` is not supported."""
    from ..ops.segment import SEGMENT_MAX
    from ..ops.shape import reshape as dense_reshape
    if output_is_sparse:
        raise NotImplementedError("sparse.reduce_max(output_is_sparse=True) is not supported.")
    sp = _sp(sp_input, "sparse.reduce_max")
    ids, n, out_shape, _, _ = _reduce(sp, axis, keepdims, "max", "sparse.reduce_max")
    out = apply(SEGMENT_MAX, (sp._values, _const(ids)), {"num_segments": n, "sorted_ids": True})
    return dense_reshape(out, out_shape)


# -- arithmetic --------------------------------------------------------------------------------

def add(a: Any, b: Any, threshold: Any = 0) -> Any:
    """``a + b`` where at least one is a SparseTensor (``tf.sparse.add``).

    Sparse + sparse gives a SparseTensor over the union of the indices (reordered), dropping sums
    whose magnitude is below ``threshold``; sparse + dense gives a dense tensor.
    """
    from ..ops.math import add as dense_add
    from ..ops.segment import _segment_sum_raw
    from ..ops.shape import concat as dense_concat
    a_sp, b_sp = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sp or b_sp):
        raise TypeError("sparse.add: at least one operand must be a SparseTensor.")
    if a_sp != b_sp:
        sp, dense = (a, b) if a_sp else (b, a)
        d = dense if _is_tensorlike(dense) else convert_to_tensor(dense, dtype=sp._values._value.dtype)
        if tuple(np.shape(d._value)) != _shape(sp):
            raise InvalidArgumentError(f"sparse.add: the dense operand has shape {list(np.shape(d._value))}, "
                                       f"the sparse one {list(_shape(sp))}.")
        scattered = apply(TO_DENSE, (sp._values,), {"indices": sp._indices._value, "shape": _shape(sp),
                                                    "default": np.zeros((), sp._values._value.dtype)[()]}) \
            if _distinct(sp) else _scatter_add(sp)
        return dense_add(d, scattered) if a_sp is False else dense_add(scattered, d)
    if _shape(a) != _shape(b):
        raise InvalidArgumentError(f"sparse.add: operands have different dense shapes {list(_shape(a))} and "
                                   f"{list(_shape(b))}.")
    if a._values._value.dtype != b._values._value.dtype:
        raise InvalidArgumentError(f"sparse.add: operands have different dtypes {a.dtype.name} and {b.dtype.name}.")
    shape = _shape(a)
    idx = np.concatenate([a._indices._value, b._indices._value], 0)
    lin = _linear(idx, shape)
    uniq, inv = np.unique(lin, return_inverse=True)
    vals = _segment_sum_raw(dense_concat([a._values, b._values], 0), _const(inv.reshape(-1).astype(np.int64)),
                            int(uniq.size))
    out_idx = np.stack(np.unravel_index(uniq, shape), axis=1) if shape else np.zeros((uniq.size, 0), np.int64)
    thr = float(host_array(threshold))
    if thr > 0:
        keep = np.flatnonzero(np.abs(np.asarray(vals._value)) >= thr)
        return _make(out_idx[keep], _take(vals, keep), np.asarray(shape))
    return _make(out_idx, vals, np.asarray(shape))


def _distinct(sp: SparseTensor) -> bool:
    lin = _linear(sp._indices._value, _shape(sp))
    return np.unique(lin).size == lin.size


def _scatter_add(sp: SparseTensor) -> Tensor:
    from ..ops.indexing import scatter_nd
    return scatter_nd(sp._indices, sp._values, _shape(sp))


SPARSE_DENSE_MATMUL = Op(
    "sparse_dense_matmul",
    lambda values, b, rows, cols, m: _sdm_forward(values, b, rows, cols, m),
    vjp=(lambda g, ans, values, b, rows, cols, m: _sdm_values_grad(g, b, rows, cols),
         lambda g, ans, values, b, rows, cols, m: apply(SPARSE_DENSE_MATMUL, (values, g),
                                                        {"rows": cols, "cols": rows, "m": np.shape(b._value)[0]})),
    doc="A @ B for A given by values at (rows, cols) of an [m, k] matrix and dense B [k, n]. "
        "d/dvalues[i] = <upstream[rows[i]], B[cols[i]]>; d/dB = A^T @ upstream (dense).")


def _sdm_forward(values, b, rows, cols, m):
    from .. import _array
    b = _array.as_array(b)
    values = _array.as_array(values)
    out = _array.zeros((m,) + b.shape[1:], np.result_type(values.dtype, b.dtype), b)
    if len(rows):
        np.add.at(out, rows, values[:, None] * b[cols])
    return out


def _sdm_values_grad(g: Tensor, b: Tensor, rows: np.ndarray, cols: np.ndarray) -> Tensor:
    from ..ops.math import multiply
    from ..ops.reduction import reduce_sum
    return reduce_sum(multiply(_take(g, rows), _take(b, cols)), axis=1)


def sparse_dense_matmul(sp_a: Any, b: Any, adjoint_a: bool = False, adjoint_b: bool = False,
                        name: Optional[str] = None) -> Tensor:
    """``A @ B`` with ``A`` a rank-2 SparseTensor and ``B`` dense (``tf.sparse.sparse_dense_matmul``),
    or ``A`` dense and ``B`` sparse. Repeated indices of the sparse operand add up.
    Differentiable with respect to the sparse operand's values and the dense operand."""
    from ..ops.math import conj
    from ..ops.shape import matrix_transpose
    if not isinstance(sp_a, SparseTensor):
        if not isinstance(b, SparseTensor):
            raise TypeError("sparse_dense_matmul: one operand must be a SparseTensor.")
        # A dense, B sparse: (A B) = (B^H A^H)^H
        out = sparse_dense_matmul(b, sp_a, adjoint_a=not adjoint_b, adjoint_b=not adjoint_a)
        return matrix_transpose(out, conjugate=True) if out._value.dtype.kind == "c" else matrix_transpose(out)
    sp = sp_a
    if sp.ndim != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: the SparseTensor must be rank 2, got shape "
                                   f"{list(_shape(sp))}.")
    _check_in_bounds(sp, "sparse_dense_matmul")
    d = b if _is_tensorlike(b) else convert_to_tensor(b, dtype=sp._values._value.dtype)
    if isinstance(b, SparseTensor):
        raise TypeError("sparse_dense_matmul: both operands are SparseTensors; densify one with tf.sparse.to_dense.")
    if np.ndim(d._value) != 2:
        raise InvalidArgumentError(f"sparse_dense_matmul: the dense operand must be rank 2, got shape "
                                   f"{list(np.shape(d._value))}.")
    if d._value.dtype != sp._values._value.dtype:
        raise InvalidArgumentError(f"sparse_dense_matmul: dtypes differ: {sp.dtype.name} and {d.dtype.name}.")
    if adjoint_b:
        d = matrix_transpose(d, conjugate=d._value.dtype.kind == "c")
    m, k = _shape(sp)
    rows, cols = sp._indices._value[:, 0], sp._indices._value[:, 1]
    values = sp._values
    if adjoint_a:
        m, k = k, m
        rows, cols = cols, rows
        if values._value.dtype.kind == "c":
            values = conj(values)
    if np.shape(d._value)[0] != k:
        raise InvalidArgumentError(f"sparse_dense_matmul: cannot multiply A of shape [{m}, {k}] with B of "
                                   f"shape {list(np.shape(d._value))}: the inner dimensions differ.")
    return apply(SPARSE_DENSE_MATMUL, (values, d), {"rows": rows, "cols": cols, "m": m})


matmul = sparse_dense_matmul
