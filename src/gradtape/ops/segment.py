"""Segment reductions (``tf.math.segment_*``, ``tf.math.unsorted_segment_*``), ``unique``,
``bincount`` and ``confusion_matrix``.

``unsorted_segment_<r>(data, segment_ids, num_segments)`` reduces the slices ``data[i...]`` that
share a segment id; ``segment_ids``' shape is a prefix of ``data``'s and the output has shape
``[num_segments] + data.shape[segment_ids.ndim:]``. Negative ids are dropped, as in TF. Empty
segments get TF's values: sum 0, prod 1, mean and sqrt_n 0, max the lowest finite value of the
dtype and min the highest (``numeric_limits<T>::lowest()/max()``). The sorted ``segment_<r>``
ops take 1-D sorted ids, have ``ids[-1] + 1`` segments and give 0 for an empty max/min segment.

Gradients follow TF's math_grad.py: the sum's gradient gathers the upstream (zeros for dropped
ids); max/min split the upstream evenly between tied maxima; prod divides the product by each
entry, with TF's handling of zeros.
"""
from __future__ import annotations

import collections
from typing import Any, Optional

import numpy as np

from .. import _array, dtypes as _dtypes
from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from .._bf16 import via_float32
from .._host import host_array, host_value
from ..registry import Op, ANY, NUMERIC
from ..tensor import Tensor


# -- the primitives ----------------------------------------------------------------------------

def _rows(data: np.ndarray, nids: int, k: int) -> np.ndarray:
    """``data`` with its first ``k`` (segment-id) axes flattened into one of length ``nids``."""
    return _array.as_array(data).reshape((nids,) + np.shape(data)[k:])


def _empty_value(dtype: np.dtype, kind: str, sorted_ids: bool) -> Any:
    if kind == "sum":
        return 0
    if kind == "prod":
        return 1
    if sorted_ids:
        return 0
    if dtype.kind == "f":
        info = np.finfo(dtype)
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
    else:
        raise TypeError(f"segment_{kind}: unsupported dtype {dtype}.")
    return info.min if kind == "max" else info.max


_UFUNC = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}


def _identity(dt: np.dtype, kind: str) -> Any:
    identity = {"sum": 0, "prod": 1}.get(kind)
    if identity is None:
        info = np.finfo(dt) if dt.kind == "f" else np.iinfo(dt)
        identity = info.min if kind == "max" else info.max
        if dt.kind == "f":
            identity = -np.inf if kind == "max" else np.inf
    return identity


def _device_segment_forward(data, ids, num_segments, kind, sorted_ids):
    """The segment reduction on a device, with nothing read back: ids outside ``[0, num_segments)``
    go to one extra segment that is dropped (TF's GPU kernels ignore them)."""
    k = ids.ndim
    flat = ids.reshape(-1)
    rows = _rows(data, flat.shape[0], k)
    ok = (flat >= 0) & (flat < num_segments)
    safe = np.where(ok, flat, flat.dtype.type(num_segments)).astype(np.int64)
    n1 = num_segments + 1
    dt = data.dtype
    if kind == "prod":      # no multiply.at on CuPy: a masked product per segment
        hit = safe[None, :] == _array.arange(n1, dtype=np.int64, ref=safe)[:, None]        # (n1, R)
        hit = hit.reshape(hit.shape + (1,) * (rows.ndim - 1))
        out = np.prod(np.where(hit, rows[None], dt.type(1)), axis=1).astype(dt)
    else:
        out = _array.full((n1,) + data.shape[k:], _identity(dt, kind), dt, data)
        _UFUNC[kind].at(out, safe, rows)
    out = out[:num_segments]
    if kind in ("max", "min"):
        empty = np.bincount(safe, minlength=n1)[:num_segments] == 0
        out = np.where(empty.reshape(empty.shape + (1,) * (out.ndim - 1)),
                       dt.type(_empty_value(dt, kind, sorted_ids)), out)
    return out


def _segment_forward(data, ids, num_segments, kind, sorted_ids):
    if _array.is_device(ids) or _array.is_device(data):
        data = _array.as_array(data)
        ids = _array.with_kind(data, _array.as_array(ids))   # host ids next to device data: copied there
        return _device_segment_forward(data, ids, num_segments, kind, sorted_ids)
    data = np.asarray(data)
    ids = np.asarray(ids)
    k = ids.ndim
    flat_ids = ids.reshape(-1)
    rows = _rows(data, flat_ids.size, k)
    keep = flat_ids >= 0
    if not keep.all():
        flat_ids, rows = flat_ids[keep], rows[keep]
    out_shape = (num_segments,) + data.shape[k:]
    if kind == "sum" and rows.ndim == 1 and data.dtype.kind == "f":
        out = np.bincount(flat_ids, weights=rows, minlength=num_segments).astype(data.dtype)
        return out
    identity = {"sum": 0, "prod": 1}.get(kind)
    if identity is None:
        dt = data.dtype
        info = np.finfo(dt) if dt.kind == "f" else np.iinfo(dt)
        identity = info.min if kind == "max" else info.max
        if dt.kind == "f":
            identity = -np.inf if kind == "max" else np.inf
    out = np.full(out_shape, identity, dtype=data.dtype)
    _UFUNC[kind].at(out, flat_ids, rows)
    if kind in ("max", "min"):
        counts = np.bincount(flat_ids, minlength=num_segments)
        empty = counts == 0
        if empty.any():
            out[empty] = _empty_value(data.dtype, kind, sorted_ids)
    return out


def _gather_drop_negatives(params, ids):
    """``params[ids]`` with zero rows where an id is negative (TF's _GatherDropNegatives)."""
    params = _array.as_array(params)
    ids = _array.with_kind(params, _array.as_array(ids))     # host ids next to device data: copied there
    safe = np.maximum(ids, ids.dtype.type(0))
    out = np.take(params, safe, axis=0)
    neg = ids < 0
    if _array.is_device(neg) or neg.any():      # a device array is not read back to test
        out = np.where(neg.reshape(neg.shape + (1,) * (out.ndim - ids.ndim)),
                       out.dtype.type(0), out)
    return out


SEGMENT_SUM = Op("unsorted_segment_sum", via_float32(lambda data, ids, num_segments, sorted_ids:
                 _segment_forward(data, ids, num_segments, "sum", sorted_ids)),
                 vjp=(lambda g, ans, data, ids, num_segments, sorted_ids: gather_drop_negatives(g, ids), None),
                 kinds=NUMERIC,
                 doc="Sum of the rows of data sharing a segment id (negative ids dropped). The gradient "
                     "gathers the upstream at the ids (zeros for dropped rows).")

GATHER_DROP_NEGATIVES = Op(
    "gather_drop_negatives", _gather_drop_negatives,
    vjp=(lambda g, ans, params, ids: _segment_sum_raw(g, ids, int(np.shape(params._value)[0])), None),
    kinds=ANY,
    doc="Rows of params at ids, zero rows for negative ids; differentiates unsorted_segment_sum and "
        "is differentiated by it.")


def gather_drop_negatives(params: Any, ids: Any) -> Tensor:
    return apply(GATHER_DROP_NEGATIVES, (convert_to_tensor(params), ids))


def _segment_sum_raw(data: Any, ids: Any, num_segments: int, sorted_ids: bool = False) -> Tensor:
    return apply(SEGMENT_SUM, (convert_to_tensor(data), ids),
                 {"num_segments": num_segments, "sorted_ids": sorted_ids})


def _extreme_vjp(g, ans, data, ids, num_segments, sorted_ids):
    from .math import cast, divide_no_nan, equal, greater_equal, logical_and, where, zeros_like_t
    from .shape import reshape
    gathered = gather_drop_negatives(ans, ids)
    selected = equal(data, gathered)
    ids = convert_to_tensor(ids)
    if _array.is_device(data._value) and not _array.is_device(ids._value):
        from .array import on_device_of
        ids = on_device_of(ids, data)      # host ids next to device data: copied there (an op, so a plan repeats it)
    vshape = np.shape(ids._value)
    valid = reshape(greater_equal(ids, 0), vshape + (1,) * (np.ndim(data._value) - len(vshape)))
    sel = logical_and(selected, valid)
    count = _segment_sum_raw(cast(sel, g._value.dtype), ids, num_segments)
    weighted = divide_no_nan(g, count)
    gathered_g = gather_drop_negatives(weighted, ids)
    return where(sel, gathered_g, zeros_like_t(gathered_g))


SEGMENT_MAX = Op("unsorted_segment_max", via_float32(lambda data, ids, num_segments, sorted_ids:
                 _segment_forward(data, ids, num_segments, "max", sorted_ids)),
                 vjp=(_extreme_vjp, None), kinds="fiuV",
                 doc="Maximum of the rows sharing a segment id; empty segments hold the dtype's lowest "
                     "value (0 for the sorted op). The gradient goes to the maxima, split evenly between ties.")

SEGMENT_MIN = Op("unsorted_segment_min", via_float32(lambda data, ids, num_segments, sorted_ids:
                 _segment_forward(data, ids, num_segments, "min", sorted_ids)),
                 vjp=(_extreme_vjp, None), kinds="fiuV",
                 doc="Minimum of the rows sharing a segment id; empty segments hold the dtype's highest "
                     "value (0 for the sorted op). The gradient goes to the minima, split evenly between ties.")


def _prod_vjp(g, ans, data, ids, num_segments, sorted_ids):
    from .math import cast, divide, equal, greater, maximum, multiply, where, zeros_like_t
    from .constructors import ones_like
    ids = convert_to_tensor(ids)
    is_zero = equal(data, 0)
    nz = _segment_sum_raw(cast(is_zero, np.int32), ids, num_segments, sorted_ids)
    g = where(greater(nz, 1), zeros_like_t(g), g)
    non_zero_data = where(is_zero, ones_like(data), data)
    non_zero_prod = _segment_prod_raw(non_zero_data, ids, num_segments, sorted_ids)
    clipped = maximum(ids, 0)
    gathered_prod = gather_drop_negatives(ans, clipped)
    gathered_nz_prod = gather_drop_negatives(non_zero_prod, clipped)
    partial = where(is_zero, gathered_nz_prod, divide(gathered_prod, non_zero_data))
    return multiply(gather_drop_negatives(g, ids), partial)


SEGMENT_PROD = Op("unsorted_segment_prod", via_float32(lambda data, ids, num_segments, sorted_ids:
                  _segment_forward(data, ids, num_segments, "prod", sorted_ids)),
                  vjp=(_prod_vjp, None), kinds=NUMERIC,
                  doc="Product of the rows sharing a segment id (1 for empty segments). The gradient is "
                      "the product of the other entries (TF's rule, exact with zeros).")


def _segment_prod_raw(data: Any, ids: Any, num_segments: int, sorted_ids: bool) -> Tensor:
    return apply(SEGMENT_PROD, (convert_to_tensor(data), ids),
                 {"num_segments": num_segments, "sorted_ids": sorted_ids})


# -- argument checking -------------------------------------------------------------------------

def _check_unsorted(op: str, data: Any, segment_ids: Any, num_segments: Any) -> tuple:
    d = convert_to_tensor(data)
    ids_t = convert_to_tensor(segment_ids)
    ids = ids_t._value if _array.is_device(ids_t._value) else host_array(ids_t)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: segment_ids must be int32 or int64, got {ids_t.dtype.name}.")
    n = int(_array.to_host(host_value(num_segments)))
    if n < 0:
        raise InvalidArgumentError(f"{op}: num_segments must be non-negative, got {n}.")
    ds = np.shape(d._value)
    if tuple(ds[:ids.ndim]) != ids.shape:
        raise InvalidArgumentError(f"{op}: segment_ids.shape = {list(ids.shape)} must be a prefix of "
                                   f"data.shape = {list(ds)}.")
    # (device ids are not read back: out-of-range ids are ignored, as by TF's GPU kernels)
    if not _array.is_device(ids) and ids.size and ids.max() >= n:
        bad = int(ids.max())
        raise InvalidArgumentError(f"{op}: segment_ids[{np.argwhere(ids == bad)[0].tolist()}] = {bad} "
                                   f"is out of range [0, {n}) (num_segments = {n}).")
    return d, ids_t, n


def _check_sorted(op: str, data: Any, segment_ids: Any) -> tuple:
    d = convert_to_tensor(data)
    ids_t = convert_to_tensor(segment_ids)
    ids = ids_t._value if _array.is_device(ids_t._value) else host_array(ids_t)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: segment_ids must be int32 or int64, got {ids_t.dtype.name}.")
    if ids.ndim != 1:
        raise InvalidArgumentError(f"{op}: segment_ids should be a vector, got shape {list(ids.shape)}.")
    ds = np.shape(d._value)
    if not ds or ds[0] != ids.size:
        raise InvalidArgumentError(f"{op}: segment_ids should be the same size as dimension 0 of data; "
                                   f"got {ids.size} ids for data of shape {list(ds)}.")
    if _array.is_device(ids):
        # The number of segments is data: its one value is read back (as TF's GPU kernel does); the
        # order of the ids is not checked (TF on GPU: unspecified result for unsorted ids).
        n = int(_array.to_host(ids[-1])) + 1 if ids.size else 0
        return d, ids_t, n
    if ids.size and ids[0] < 0:
        raise InvalidArgumentError(f"{op}: segment ids must be non-negative, got {int(ids[0])}.")
    if ids.size > 1 and np.any(np.diff(ids) < 0):
        i = int(np.argmax(np.diff(ids) < 0))
        raise InvalidArgumentError(f"{op}: segment ids are not increasing: segment_ids[{i}] = {int(ids[i])} "
                                   f"> segment_ids[{i + 1}] = {int(ids[i + 1])}. Sort them, or use "
                                   f"tf.math.unsorted_{op.split('.')[-1]}.")
    n = int(ids[-1]) + 1 if ids.size else 0
    return d, ids_t, n


_RAW = {"sum": SEGMENT_SUM, "max": SEGMENT_MAX, "min": SEGMENT_MIN, "prod": SEGMENT_PROD}


def _apply(kind: str, d: Tensor, ids: Tensor, n: int, sorted_ids: bool) -> Tensor:
    return apply(_RAW[kind], (d, ids), {"num_segments": n, "sorted_ids": sorted_ids})


def _counts(ids: Tensor, n: int, d: Tensor) -> np.ndarray:
    if _array.is_device(ids._value):     # ids outside [0, n) counted in a dropped extra bin
        flat = ids._value.reshape(-1)
        safe = np.where((flat >= 0) & (flat < n), flat, flat.dtype.type(n)).astype(np.int64)
        c = np.bincount(safe, minlength=n + 1)[:n].astype(d._value.dtype)
    else:
        ids_np = host_array(ids).reshape(-1)
        c = np.bincount(ids_np[ids_np >= 0], minlength=n).astype(d._value.dtype)
    return c.reshape((n,) + (1,) * (np.ndim(d._value) - np.ndim(ids._value)))


def _mean(d: Tensor, ids: Tensor, n: int, sorted_ids: bool, sqrt: bool) -> Tensor:
    from .math import divide
    if d._value.dtype.kind not in "fcV":
        raise TypeError(f"segment_{'sqrt_n' if sqrt else 'mean'}: data must be floating point, got "
                        f"{d.dtype.name}.")
    c = np.maximum(_counts(ids, n, d), d._value.dtype.type(1))
    if sqrt:
        c = np.sqrt(c)
    return divide(_apply("sum", d, ids, n, sorted_ids), _array.const_like(d, c.astype(d._value.dtype)))


# -- public functions --------------------------------------------------------------------------

def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any, name: Optional[str] = None) -> Tensor:
    """Sum of ``data``'s rows per segment id (``tf.math.unsorted_segment_sum``)."""
    d, ids, n = _check_unsorted("unsorted_segment_sum", data, segment_ids, num_segments)
    return _apply("sum", d, ids, n, False)


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any, name: Optional[str] = None) -> Tensor:
    """Product of ``data``'s rows per segment id, 1 for empty segments (``tf.math.unsorted_segment_prod``)."""
    d, ids, n = _check_unsorted("unsorted_segment_prod", data, segment_ids, num_segments)
    return _apply("prod", d, ids, n, False)


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any, name: Optional[str] = None) -> Tensor:
    """Maximum per segment id; empty segments hold the dtype's lowest value (``tf.math.unsorted_segment_max``)."""
    d, ids, n = _check_unsorted("unsorted_segment_max", data, segment_ids, num_segments)
    return _apply("max", d, ids, n, False)


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any, name: Optional[str] = None) -> Tensor:
    """Minimum per segment id; empty segments hold the dtype's highest value (``tf.math.unsorted_segment_min``)."""
    d, ids, n = _check_unsorted("unsorted_segment_min", data, segment_ids, num_segments)
    return _apply("min", d, ids, n, False)


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any, name: Optional[str] = None) -> Tensor:
    """Mean per segment id, 0 for empty segments (``tf.math.unsorted_segment_mean``)."""
    d, ids, n = _check_unsorted("unsorted_segment_mean", data, segment_ids, num_segments)
    return _mean(d, ids, n, False, sqrt=False)


def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any, name: Optional[str] = None) -> Tensor:
    """Sum per segment id divided by sqrt(count), 0 for empty segments (``tf.math.unsorted_segment_sqrt_n``)."""
    d, ids, n = _check_unsorted("unsorted_segment_sqrt_n", data, segment_ids, num_segments)
    return _mean(d, ids, n, False, sqrt=True)


def segment_sum(data: Any, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Sum per sorted segment id; ``ids[-1] + 1`` segments (``tf.math.segment_sum``)."""
    d, ids, n = _check_sorted("math.segment_sum", data, segment_ids)
    return _apply("sum", d, ids, n, True)


def segment_prod(data: Any, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Product per sorted segment id, 1 for empty segments (``tf.math.segment_prod``)."""
    d, ids, n = _check_sorted("math.segment_prod", data, segment_ids)
    return _apply("prod", d, ids, n, True)


def segment_max(data: Any, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Maximum per sorted segment id, 0 for empty segments (``tf.math.segment_max``)."""
    d, ids, n = _check_sorted("math.segment_max", data, segment_ids)
    return _apply("max", d, ids, n, True)


def segment_min(data: Any, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Minimum per sorted segment id, 0 for empty segments (``tf.math.segment_min``)."""
    d, ids, n = _check_sorted("math.segment_min", data, segment_ids)
    return _apply("min", d, ids, n, True)


def segment_mean(data: Any, segment_ids: Any, name: Optional[str] = None) -> Tensor:
    """Mean per sorted segment id, 0 for empty segments (``tf.math.segment_mean``)."""
    d, ids, n = _check_sorted("math.segment_mean", data, segment_ids)
    return _mean(d, ids, n, True, sqrt=False)


# -- unique ------------------------------------------------------------------------------------

UniqueOutput = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCountsOutput = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique_forward(x, out_dtype):
    x = _array.as_array(x)
    _, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    # np.unique orders by value; TF orders by first occurrence.
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = _array.arange(order.size, dtype=order.dtype, ref=order)
    return (first[order].astype(np.int64), rank[inverse.reshape(-1)].astype(out_dtype),
            counts[order].astype(out_dtype))


UNIQUE = Op("unique", _unique_forward, vjp=None, num_outputs=3, kinds=ANY,
            doc="Positions of the first occurrence of each distinct value (in order of first "
                "occurrence), each entry's index into them, and their counts. Integer outputs: no gradient.")


def _unique(x: Any, out_idx: Any, op: str) -> tuple:
    from .indexing import gather
    t = convert_to_tensor(x)
    if t._value.ndim != 1:
        raise InvalidArgumentError(f"{op}: x must be a vector, got shape {list(np.shape(t._value))}.")
    od = _dtypes.to_numpy(out_idx)
    if od not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(f"{op}: out_idx must be tf.int32 or tf.int64, got {_dtypes.as_dtype(od).name}.")
    first, idx, counts = apply(UNIQUE, (t,), {"out_dtype": od})
    return gather(t, first), idx, counts


def unique(x: Any, out_idx: Any = _dtypes.int32, name: Optional[str] = None) -> UniqueOutput:
    """The distinct values of a 1-D ``x`` in order of first occurrence, and each entry's index into
    them (``tf.unique``). ``y`` is a gather of ``x`` at each value's first occurrence, so its
    gradient flows there (TF registers no gradient for Unique and raises LookupError)."""
    y, idx, _ = _unique(x, out_idx, "unique")
    return UniqueOutput(y, idx)


def unique_with_counts(x: Any, out_idx: Any = _dtypes.int32, name: Optional[str] = None) -> UniqueWithCountsOutput:
    """``tf.unique`` plus how often each distinct value occurs (``tf.unique_with_counts``)."""
    return UniqueWithCountsOutput(*_unique(x, out_idx, "unique_with_counts"))


# -- bincount and confusion_matrix -------------------------------------------------------------

def bincount(arr: Any, weights: Any = None, minlength: Any = None, maxlength: Any = None,
             dtype: Any = _dtypes.int32, name: Optional[str] = None, axis: Any = None,
             binary_output: bool = False) -> Tensor:
    """Count occurrences of each non-negative integer (``tf.math.bincount``).

    The output has ``max(arr) + 1`` bins, at least ``minlength`` and at most ``maxlength``;
    values at or past ``maxlength`` are ignored. With ``weights`` each occurrence adds its
    weight (differentiable with respect to the weights). ``axis=-1`` counts per row of a 2-D input.
    """
    a_t = convert_to_tensor(arr)
    a = host_array(a_t)
    if a.dtype.kind not in "iu":
        raise TypeError(f"bincount: arr must be integer, got {a_t.dtype.name}.")
    if a.size and a.min() < 0:
        raise InvalidArgumentError(f"bincount: input arr must be non-negative, got {int(a.min())}.")
    if axis not in (None, 0, -1):
        raise InvalidArgumentError(f"bincount: axis must be None, 0 or -1, got {axis}.")
    n = int(a.max()) + 1 if a.size else 0
    if minlength is not None:
        n = max(n, int(host_array(minlength)))
    if maxlength is not None:
        n = min(n, int(host_array(maxlength)))
    if axis == -1:
        if a.ndim != 2:
            raise InvalidArgumentError(f"bincount: axis=-1 needs a 2-D input, got shape {list(a.shape)}.")
        ids = a + (np.arange(a.shape[0]) * n)[:, None]
        valid = a < n
        total = a.shape[0] * n
    else:
        ids = a
        valid = a < n
        total = n
    ids = np.where(valid, ids, -1).astype(np.int64)
    if weights is not None:
        w = convert_to_tensor(weights)
        if np.shape(w._value) != a.shape:
            raise InvalidArgumentError(f"bincount: weights shape {list(np.shape(w._value))} must match arr "
                                       f"shape {list(a.shape)}.")
        if binary_output:
            raise InvalidArgumentError("bincount: binary_output=True cannot be used with weights.")
        out = _segment_sum_raw(w, convert_to_tensor(ids), total)
    else:
        od = _dtypes.to_numpy(dtype)
        flat = ids.reshape(-1)
        counts = np.bincount(flat[flat >= 0], minlength=total)
        if binary_output:
            counts = np.minimum(counts, 1)
        from .constructors import _wrap
        out = _wrap(counts.astype(od))
    if axis == -1:
        from .shape import reshape
        out = reshape(out, (a.shape[0], n))
    return out


def confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None, weights: Any = None,
                     dtype: Any = _dtypes.int32, name: Optional[str] = None) -> Tensor:
    """The ``[num_classes, num_classes]`` matrix counting (label, prediction) pairs: rows are
    labels, columns predictions (``tf.math.confusion_matrix``). ``weights`` weight each pair."""
    from .indexing import scatter_nd
    from .math import cast
    lab = host_array(convert_to_tensor(labels))
    pred = host_array(convert_to_tensor(predictions))
    if lab.dtype.kind not in "iuf" or pred.dtype.kind not in "iuf":
        raise TypeError("confusion_matrix: labels and predictions must be numeric.")
    lab = lab.astype(np.int64).reshape(-1) if lab.ndim <= 1 else _squeezed(lab, "labels")
    pred = pred.astype(np.int64).reshape(-1) if pred.ndim <= 1 else _squeezed(pred, "predictions")
    if lab.shape != pred.shape:
        raise ValueError(f"confusion_matrix: labels and predictions must have the same shape, got "
                         f"{list(lab.shape)} and {list(pred.shape)}.")
    for what, v in (("labels", lab), ("predictions", pred)):
        if v.size and v.min() < 0:
            raise InvalidArgumentError(f"confusion_matrix: `{what}` contains negative values: {int(v.min())}.")
    if num_classes is None:
        n = int(max(lab.max(initial=-1), pred.max(initial=-1))) + 1
    else:
        n = int(host_array(num_classes))
        for what, v in (("labels", lab), ("predictions", pred)):
            if v.size and v.max() >= n:
                raise InvalidArgumentError(f"confusion_matrix: `{what}` out of bound: {int(v.max())} >= "
                                           f"num_classes = {n}.")
    od = _dtypes.to_numpy(dtype)
    idx = np.stack([lab, pred], axis=1)
    if weights is None:
        w = convert_to_tensor(np.ones(lab.shape, dtype=od))
    else:
        w = convert_to_tensor(weights)
        if w._value.dtype != od:
            w = cast(w, od)
        w = convert_to_tensor(w)
        if np.shape(w._value) != lab.shape:
            from .shape import reshape
            w = reshape(w, lab.shape)
    return scatter_nd(idx, w, (n, n))


def _squeezed(v: np.ndarray, what: str) -> np.ndarray:
    s = np.squeeze(v)
    if s.ndim > 1:
        raise ValueError(f"confusion_matrix: {what} must be 1-D, got shape {list(v.shape)}.")
    return s.astype(np.int64).reshape(-1)
