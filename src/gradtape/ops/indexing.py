"""Indexing: ``__getitem__`` (strided slices and integer arrays), ``gather``, ``gather_nd``,
``scatter_nd``, ``boolean_mask``, ``one_hot``, ``sort``/``argsort`` and ``top_k``.

Each gather-like op has a scatter-add partner as its gradient, and the partner's gradient is the
gather again, so both orders of differentiation work. Duplicate indices accumulate (``np.add.at``).
"""
from __future__ import annotations

import collections
from typing import Any, Optional

import numpy as np

from .. import _array, dtypes as _dtypes
from ..dispatch import apply, convert_to_tensor, _note_numpy_exit
from ..errors import InvalidArgumentError
from ..registry import Op, ANY
from ..tensor import Tensor


# -- __getitem__ -------------------------------------------------------------------------------

def _normalise_key(key: Any) -> Any:
    """Turn tensors and lists inside an index into NumPy values."""
    if isinstance(key, tuple):
        return tuple(_normalise_key_item(k) for k in key)
    return _normalise_key_item(key)


def _normalise_key_item(k: Any) -> Any:
    if isinstance(k, Tensor) or hasattr(type(k), "_gt_read"):
        if isinstance(k, Tensor):
            _note_numpy_exit(k)   # the index's value becomes part of the key (a traced function
                                  # that indexes with a computed tensor must not bake it in)
        v = _array.as_array(k._value)     # a device index stays on its device (CuPy indexes with it)
        if v.dtype.kind not in "iub":
            raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                            f"integer or bool tensors are valid indices, got a {_dtypes.from_numpy(v.dtype).name} tensor.")
        return v[()] if v.ndim == 0 else v
    if isinstance(k, slice):
        return slice(*(None if s is None else _slice_bound(s) for s in (k.start, k.stop, k.step)))
    if isinstance(k, list):
        return np.asarray(k)
    if isinstance(k, float):
        raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and integer "
                        f"tensors are valid indices, got the float {k!r}.")
    return k


def _slice_bound(s: Any) -> int:
    if isinstance(s, Tensor):
        _note_numpy_exit(s)
    return int(getattr(s, "_value", s))


def _is_basic(key: Any) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis for k in items)


def _slice_forward(x, key):
    out = np.asarray(x)[key] if isinstance(x, (np.generic, bytes, str)) else x[key]
    if isinstance(out, (np.ndarray, np.generic)):
        return out if out.dtype.kind == "O" else out[()]
    if hasattr(out, "__array_function__"):      # a device array (CuPy): stays on the device
        return out
    return np.array(out, dtype=object)  # one string element: a 0-d object array, as string scalars are


def _slice_grad_forward(g, key, shape):
    z = np.zeros(shape, dtype=g.dtype) if isinstance(g, (np.ndarray, np.generic)) else \
        np.zeros(shape, dtype=g.dtype, like=g)
    if _is_basic(key):
        z[key] = g
    else:
        np.add.at(z, key, g)
    return z[()]


STRIDED_SLICE = Op("strided_slice", _slice_forward,
                   vjp=lambda g, ans, x, key: _slice_grad(g, key, np.shape(x._value)), kinds=ANY,
                   doc="x[key] with ints, slices (any step), ..., newaxis and integer arrays. The "
                       "gradient scatters the upstream into zeros, accumulating repeated indices.")

STRIDED_SLICE_GRAD = Op("strided_slice_grad", _slice_grad_forward,
                        vjp=lambda g, ans, upstream, key, shape: strided_slice_key(g, key), kinds=ANY,
                        doc="The scatter-add that differentiates strided_slice; its gradient is the slice.")


def _slice_grad(g: Tensor, key: Any, shape: tuple) -> Tensor:
    return apply(STRIDED_SLICE_GRAD, (g,), {"key": key, "shape": shape})


def strided_slice_key(x: Any, key: Any) -> Tensor:
    """``x[key]`` for an already-normalised NumPy key."""
    return apply(STRIDED_SLICE, (convert_to_tensor(x),), {"key": key})


class _Pos:
    """Where an integer index tensor goes in a ``strided_slice_index`` key."""

    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i

    def __eq__(self, other: object) -> bool:
        return type(other) is _Pos and other.i == self.i

    def __hash__(self) -> int:
        return hash((_Pos, self.i))

    def __repr__(self) -> str:
        return f"<index tensor {self.i}>"


def _fill_key(template: Any, idx: tuple) -> Any:
    if type(template) is tuple:
        return tuple(idx[k.i] if type(k) is _Pos else k for k in template)
    return idx[template.i] if type(template) is _Pos else template


def _index_forward(x, *idx, template):
    return _slice_forward(x, _fill_key(template, idx))


def _index_grad_forward(g, *idx, template, shape):
    return _slice_grad_forward(g, _fill_key(template, idx), shape)


STRIDED_SLICE_INDEX = Op(
    "strided_slice_index", _index_forward,
    vjp=lambda g, ans, x, *idx, template: (apply(STRIDED_SLICE_INDEX_GRAD, (g,) + idx, {
        "template": template, "shape": np.shape(x._value)}),) + (None,) * len(idx),
    kinds=ANY,
    doc="x[key] where the key holds integer tensors (scalars or arrays): they are inputs of the op, "
        "so the output's shape depends only on their shapes and a compiled function reads their "
        "values on every call. The gradient scatters the upstream into zeros at those positions.")

STRIDED_SLICE_INDEX_GRAD = Op(
    "strided_slice_index_grad", _index_grad_forward,
    vjp=lambda g, ans, upstream, *idx, template, shape: (apply(
        STRIDED_SLICE_INDEX, (g,) + idx, {"template": template}),) + (None,) * len(idx),
    kinds=ANY, doc="The scatter-add that differentiates strided_slice_index; its gradient is the slice.")


def _index_tensors(key: Any) -> Optional[tuple]:
    """``(template, tensors)`` when the key's only tensors are integer tensors (their values decide
    which elements, not the output's shape), else None."""
    items = key if isinstance(key, tuple) else (key,)
    tensors = []
    template = []
    for k in items:
        if type(k) is Tensor:
            if k._value.dtype.kind not in "iu":
                return None
            template.append(_Pos(len(tensors)))
            tensors.append(k)
        elif isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis:
            if isinstance(k, slice) and any(isinstance(b, Tensor) or hasattr(type(b), "_gt_read")
                                            for b in (k.start, k.stop, k.step)):
                return None
            template.append(_normalise_key_item(k))
        else:
            return None
    if not tensors:
        return None
    return (tuple(template) if isinstance(key, tuple) else template[0]), tuple(tensors)


def getitem(x: Any, key: Any) -> Tensor:
    """``tensor[key]`` (TF's ``__getitem__``, extended with NumPy's integer and bool arrays)."""
    x = convert_to_tensor(x)
    dyn = _index_tensors(key)
    if dyn is not None:
        return apply(STRIDED_SLICE_INDEX, (x,) + dyn[1], {"template": dyn[0]})
    return apply(STRIDED_SLICE, (x,), {"key": _normalise_key(key)})


def _slice_update_forward(x, value, key):
    out = _array.as_array(x).copy()
    region = out[key]
    v = _array.as_array(value)
    try:
        np.broadcast_to(v, np.shape(region))
    except ValueError:
        raise InvalidArgumentError(
            f"tensor_strided_slice_update: Cannot broadcast input shape {list(v.shape)} into final "
            f"shape {list(np.shape(region))} (the shape of the slice being written).") from None
    out[key] = v
    return out[()]


def _slice_update_grad_x(g, ans, x, value, key):
    from .constructors import zeros_like
    return strided_slice_update(g, key, zeros_like(strided_slice_key(g, key)))


TENSOR_STRIDED_SLICE_UPDATE = Op(
    "tensor_strided_slice_update", _slice_update_forward,
    vjp=(_slice_update_grad_x, lambda g, ans, x, value, key: strided_slice_key(g, key)), kinds=ANY,
    doc="A copy of x with x[key] replaced by value (broadcast to the slice's shape); basic keys "
        "only (ints, slices, ..., newaxis), as TF's TensorStridedSliceUpdate. The gradient is g "
        "with the slice zeroed for x, and g[key] (summed to value's shape) for value.")


def strided_slice_update(x: Any, key: Any, value: Any) -> Tensor:
    """``x`` with ``x[key] = value`` (TF's ``raw_ops.TensorStridedSliceUpdate``): ``key`` holds ints,
    slices, ``...`` and ``tf.newaxis`` (integer tensors as ints); ``value`` broadcasts to the slice."""
    x = convert_to_tensor(x)
    key = _normalise_key(key)
    if not _is_basic(key):
        raise TypeError("Sliced assignment takes ints, slices (`:`), ellipsis (`...`) and tf.newaxis "
                        f"only (TF's strided_slice), got {key!r}. To write rows given by an index "
                        "array, use tf.tensor_scatter_nd_update or Variable.scatter_update.")
    value = convert_to_tensor(value, dtype=x._value.dtype) if type(value) is not Tensor else value
    if value._value.dtype != x._value.dtype:
        raise ValueError(f"tensor_strided_slice_update: value has dtype {value.dtype.name} but the "
                         f"tensor has dtype {x.dtype.name}; cast it with tf.cast.")
    return apply(TENSOR_STRIDED_SLICE_UPDATE, (x, value), {"key": key})


# -- gather / scatter --------------------------------------------------------------------------

def _check_indices(idx: np.ndarray, n: int, op: str) -> None:
    if _array.is_device(idx):
        return      # not read back: a device gathers zeros for (scatters drop) out-of-range indices, as TF on GPU
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].ravel()[0]
        pos = np.argwhere((idx < 0) | (idx >= n))[0].tolist()
        raise InvalidArgumentError(f"{op}: indices{pos} = {bad} is not in [0, {n}).")


def _gather_forward(params, indices, axis, batch_dims):
    n = np.shape(params)[axis]
    _check_indices(_array.as_array(indices), n, "gather")
    if _array.is_device(indices):
        return _device_gather(params, indices, axis, batch_dims, n)
    if batch_dims == 0:
        return np.take(params, indices, axis=axis)[()]
    bshape = params.shape[:batch_dims]
    pb = params.reshape((-1,) + params.shape[batch_dims:])
    ib = indices.reshape((-1,) + indices.shape[batch_dims:])
    out = np.stack([np.take(pb[i], ib[i], axis=axis - batch_dims) for i in range(pb.shape[0])])
    return out.reshape(bshape + out.shape[1:])


def _in_range(idx: Any, n: int) -> Any:
    return (idx >= 0) & (idx < n)


def _device_gather(params, indices, axis, batch_dims, n):
    """gather on a device: out-of-range indices give zeros (TF's GPU kernel), nothing is read back."""
    ok = _in_range(indices, n)
    safe = np.where(ok, indices, indices.dtype.type(0))
    if batch_dims == 0:
        out = np.take(params, safe, axis=axis)
        mask_shape = (1,) * axis + ok.shape + (1,) * (params.ndim - axis - 1)
    else:
        bshape = params.shape[:batch_dims]
        pb = params.reshape((-1,) + params.shape[batch_dims:])
        ib = safe.reshape((-1,) + safe.shape[batch_dims:])
        out = np.stack([np.take(pb[i], ib[i], axis=axis - batch_dims) for i in range(pb.shape[0])])
        out = out.reshape(bshape + out.shape[1:])
        rest = ok.shape[batch_dims:]
        mask_shape = bshape + (1,) * (axis - batch_dims) + rest + (1,) * (params.ndim - axis - 1)
    return np.where(ok.reshape(mask_shape), out, out.dtype.type(0))


def _gather_grad_forward(g, indices, axis, batch_dims, shape):
    g = _array.as_array(g)
    z = _array.zeros(shape, g.dtype, g)
    if _array.is_device(indices):     # out-of-range indices were gathered as zeros: they scatter nothing
        n = shape[axis]
        ok = _in_range(indices, n)
        gshape = (1,) * axis + ok.shape + (1,) * (len(shape) - axis - 1) if batch_dims == 0 else \
            shape[:batch_dims] + (1,) * (axis - batch_dims) + ok.shape[batch_dims:] + (1,) * (len(shape) - axis - 1)
        g = np.where(ok.reshape(gshape), g, g.dtype.type(0))
        indices = np.where(ok, indices, indices.dtype.type(0))
    if batch_dims == 0:
        zm = np.moveaxis(z, axis, 0)
        gm = g
        # g has shape params[:axis] + indices.shape + params[axis+1:]; move index dims first.
        ni = np.ndim(indices)
        gm = np.moveaxis(gm, tuple(range(axis, axis + ni)), tuple(range(ni)))
        np.add.at(zm, indices.reshape(-1) if ni else indices, gm.reshape((-1,) + zm.shape[1:]) if ni else gm)
        return z[()]
    zb = z.reshape((-1,) + shape[batch_dims:])
    gb = g.reshape((zb.shape[0],) + np.shape(g)[batch_dims:])
    ib = indices.reshape((zb.shape[0],) + indices.shape[batch_dims:])
    for i in range(zb.shape[0]):
        zb[i] = _gather_grad_forward(gb[i], ib[i], axis - batch_dims, 0, zb.shape[1:])
    return z


GATHER = Op("gather", _gather_forward,
            vjp=(lambda g, ans, params, indices, axis, batch_dims:
                 _gather_grad(g, indices, axis, batch_dims, np.shape(params._value)), None),
            kinds=ANY,
            doc="Rows of params at indices. The gradient scatter-adds the upstream into the rows "
                "(duplicate indices accumulate).")

GATHER_GRAD = Op("gather_grad", _gather_grad_forward,
                 vjp=(lambda g, ans, upstream, indices, axis, batch_dims, shape:
                      gather(g, indices, axis=axis, batch_dims=batch_dims), None),
                 kinds=ANY,
                 doc="The scatter-add (unsorted segment sum) that differentiates gather; its gradient "
                     "is gather.")


def _gather_grad(g: Tensor, indices: Any, axis: int, batch_dims: int, shape: tuple) -> Any:
    hook = _GATHER_GRADIENT_HOOK[0]
    if hook is not None:
        out = hook(g, indices, axis, batch_dims, shape)
        if out is not None:
            return out
    return apply(GATHER_GRAD, (g, indices), {"axis": axis, "batch_dims": batch_dims, "shape": shape})


# The sparse-gradient issue installs a hook here that returns IndexedSlices for axis-0 gathers.
_GATHER_GRADIENT_HOOK: list = [None]


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: Any = None,
           batch_dims: int = 0, name: Optional[str] = None) -> Tensor:
    """Slices of ``params`` along ``axis`` at ``indices`` (``tf.gather``).

    Out-of-range indices raise InvalidArgumentError (TF on CPU). ``batch_dims`` leading dimensions
    are shared by ``params`` and ``indices``.
    """
    p = convert_to_tensor(params)
    idx_t = convert_to_tensor(indices)
    idx = idx_t._value
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: indices must be int32 or int64, got {idx_t.dtype.name}.")
    nd = p._value.ndim
    batch_dims = int(batch_dims)
    if batch_dims < 0:
        batch_dims += idx.ndim
    ax = batch_dims if axis is None else int(getattr(axis, "_value", axis))
    if ax < 0:
        ax += nd
    if not 0 <= ax < nd:
        raise InvalidArgumentError(f"gather: axis {axis} is out of range for params of rank {nd}.")
    if ax < batch_dims:
        raise ValueError(f"gather: batch_dims ({batch_dims}) must be <= axis ({ax}).")
    return apply(GATHER, (p, idx_t), {"axis": ax, "batch_dims": batch_dims})


def _gnd_key(indices: np.ndarray) -> tuple:
    return tuple([indices[..., j] for j in range(indices.shape[-1])])


def _nd_in_range(indices: Any, shape: tuple) -> Any:
    """Per index row, whether it is inside ``shape`` (device arrays: no read back)."""
    k = indices.shape[-1]
    ok = None
    for j in range(k):
        c = _in_range(indices[..., j], shape[j])
        ok = c if ok is None else ok & c
    return ok


def _gather_nd_forward(params, indices):
    indices = _array.as_array(indices)
    params = _array.as_array(params)
    if _array.is_device(indices):       # out-of-range rows give zeros (TF's GPU kernel)
        ok = _nd_in_range(indices, params.shape)
        out = params[_gnd_key(np.where(ok[..., None], indices, indices.dtype.type(0)))]
        return np.where(ok.reshape(ok.shape + (1,) * (out.ndim - ok.ndim)), out, out.dtype.type(0))
    for j in range(indices.shape[-1] if indices.ndim else 0):
        _check_indices(indices[..., j], np.shape(params)[j], "gather_nd")
    return params[_gnd_key(indices)][()]


def _scatter_nd_forward(indices, updates, shape):
    indices = _array.as_array(indices)
    updates = _array.as_array(updates)
    if _array.is_device(indices):       # out-of-range rows are dropped (TF's GPU kernel)
        ok = _nd_in_range(indices, shape)
        updates = np.where(ok.reshape(ok.shape + (1,) * (updates.ndim - ok.ndim)), updates,
                           updates.dtype.type(0))
        indices = np.where(ok[..., None], indices, indices.dtype.type(0))
    for j in range(indices.shape[-1]):
        _check_indices(indices[..., j], shape[j], "scatter_nd")
    z = _array.zeros(shape, updates.dtype, updates)
    np.add.at(z, _gnd_key(indices), updates)
    return z[()]


GATHER_ND = Op("gather_nd", _gather_nd_forward,
               vjp=(lambda g, ans, params, indices: scatter_nd(indices, g, np.shape(params._value)), None),
               kinds=ANY,
               doc="Entries or slices of params at N-d indices. The gradient is scatter_nd of the "
                   "upstream (duplicates accumulate).")

SCATTER_ND = Op("scatter_nd", _scatter_nd_forward,
                vjp=(None, lambda g, ans, indices, updates, shape: gather_nd(g, indices)), kinds=ANY,
                doc="Zeros of a shape with updates added at N-d indices (duplicates accumulate). "
                    "d/d updates = gather_nd of the upstream.")


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: Optional[str] = None) -> Tensor:
    """Gather entries (or slices) of ``params`` at N-d ``indices`` (``tf.gather_nd``)."""
    if batch_dims:
        raise NotImplementedError("gather_nd with batch_dims > 0 is not supported yet; add the batch "
                                  "coordinates to the indices instead.")
    p = convert_to_tensor(params)
    idx_t = convert_to_tensor(indices)
    idx = idx_t._value
    k = idx.shape[-1] if idx.ndim else 0
    if idx.ndim == 0 or k > p._value.ndim:
        raise InvalidArgumentError(f"gather_nd: indices.shape[-1] must be <= params rank "
                                   f"{p._value.ndim}, got indices of shape {list(idx.shape)}.")
    return apply(GATHER_ND, (p, idx_t))


def scatter_nd(indices: Any, updates: Any, shape: Any, name: Optional[str] = None) -> Tensor:
    """Zeros of ``shape`` with ``updates`` added at ``indices`` (``tf.scatter_nd``)."""
    idx_t = convert_to_tensor(indices)
    u = convert_to_tensor(updates)
    dims = tuple(int(d) for d in np.asarray(getattr(shape, "_value", shape)).reshape(-1))
    return apply(SCATTER_ND, (idx_t, u), {"shape": dims})


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any, name: Optional[str] = None) -> Tensor:
    """``tensor`` with ``updates`` added at ``indices`` (``tf.tensor_scatter_nd_add``)."""
    from .math import add
    t = convert_to_tensor(tensor)
    return add(t, scatter_nd(indices, convert_to_tensor(updates, dtype=t._value.dtype), np.shape(t._value)))


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any, name: Optional[str] = None) -> Tensor:
    """``tensor`` with the entries at ``indices`` replaced by ``updates`` (``tf.tensor_scatter_nd_update``)."""
    from .math import add, multiply
    from .math import cast, greater, subtract
    from .constructors import ones_like
    t = convert_to_tensor(tensor)
    idx = np.asarray(convert_to_tensor(indices)._value)   # checked here for TF's message
    shape = np.shape(t._value)
    if idx.ndim == 0 or idx.dtype.kind not in "iu" or idx.shape[-1] > len(shape):
        raise InvalidArgumentError(f"tensor_scatter_nd_update: indices must be an integer tensor whose last "
                                   f"dimension is at most the rank of tensor ({len(shape)}); got indices of "
                                   f"shape {list(idx.shape)} and dtype {idx.dtype}.")
    if idx.size:
        bad = ((idx < 0) | (idx >= np.asarray(shape[:idx.shape[-1]], dtype=np.int64))).any(axis=-1)
        if bad.any():
            pos = np.argwhere(bad)[0]
            raise InvalidArgumentError(
                f"tensor_scatter_nd_update: indices{pos.tolist()} = {idx[tuple(pos)].tolist()} does not index "
                f"into shape {list(shape)} [Op:TensorScatterUpdate].")
    idx = convert_to_tensor(indices)
    u = convert_to_tensor(updates, dtype=t._value.dtype)
    # with ops (not NumPy on the indices), so that a compiled function scatters per call
    hit = greater(scatter_nd(idx, ones_like(u), shape), 0)
    keep = subtract(1, cast(hit, t.dtype)) if t._value.dtype.kind != "b" else None
    if keep is None:
        from .math import logical_not, logical_and, logical_or
        return logical_or(logical_and(t, logical_not(hit)), scatter_nd(idx, u, shape))
    return add(multiply(t, keep), scatter_nd(idx, u, shape))


def _flat_nonzero(m):
    return np.flatnonzero(m).astype(np.int64)


FLAT_NONZERO = Op("flat_nonzero", _flat_nonzero, vjp=None, kinds="b",
                  doc="Positions of the true entries of a flattened mask (boolean_mask's indices).")


def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: Optional[str] = "boolean_mask") -> Tensor:
    """The entries of ``tensor`` where ``mask`` is true (``tf.boolean_mask``).

    ``mask`` covers dimensions ``axis .. axis + mask.ndim`` of ``tensor``; those are flattened.
    The gradient scatters back into the masked positions (zeros elsewhere).
    """
    from .shape import reshape
    t = convert_to_tensor(tensor)
    mt = convert_to_tensor(mask)
    m = mt._value                   # shape checks only: the positions come from an op on mt
    if m.dtype.kind != "b":
        if m.dtype.kind not in "iuf":
            raise TypeError(f"boolean_mask: mask must be bool or numeric, got {m.dtype}.")
        from .math import not_equal
        mt = not_equal(mt, 0)       # TF casts a numeric mask to bool: nonzero entries are kept
        m = mt._value
    ax = 0 if axis is None else int(axis) % max(t._value.ndim, 1)
    shape = np.shape(t._value)
    k = m.ndim
    if k == 0:
        raise ValueError("boolean_mask: mask cannot be a scalar.")
    if tuple(shape[ax:ax + k]) != m.shape:
        raise ValueError(f"boolean_mask: mask shape {list(m.shape)} must match tensor shape "
                         f"{list(shape)} at dimensions {ax}..{ax + k - 1}.")
    flat = reshape(t, shape[:ax] + (int(np.prod(m.shape)),) + shape[ax + k:])
    return gather(flat, apply(FLAT_NONZERO, (mt,)), axis=ax)


def _one_hot_forward(idx, depth, on, off, axis):
    idx = _array.as_array(idx)
    out = np.where(idx[..., None] == _array.arange(depth, ref=idx), on, off)
    return out if axis in (None, -1) else np.moveaxis(out, -1, axis)


ONE_HOT = Op("one_hot", _one_hot_forward, vjp=None, kinds="iu",
             doc="One-hot encoding of integer indices. No gradient (integer input).")


def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None, axis: Any = None,
            dtype: Any = None, name: Optional[str] = None) -> Tensor:
    """One-hot encode ``indices`` into a new ``axis`` (``tf.one_hot``); out-of-range indices give all
    ``off_value``. No gradient with respect to the indices."""
    idx_t = convert_to_tensor(indices)
    if idx_t._value.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {idx_t.dtype.name}.")
    depth = int(getattr(depth, "_value", depth))
    if dtype is None:
        ref = on_value if on_value is not None else off_value
        np_dtype = convert_to_tensor(ref)._value.dtype if ref is not None else np.dtype(np.float32)
    else:
        np_dtype = _dtypes.to_numpy(dtype)
    on = _array.as_array(1 if on_value is None else getattr(on_value, "_value", on_value), dtype=np_dtype)
    off = _array.as_array(0 if off_value is None else getattr(off_value, "_value", off_value), dtype=np_dtype)
    on, off = (v[()] if type(v) is np.ndarray else v for v in (on, off))    # host values as scalars
    return apply(ONE_HOT, (idx_t,), {"depth": depth, "on": on, "off": off,
                                     "axis": None if axis is None else int(axis)})


# -- sort / top_k ------------------------------------------------------------------------------

def _take_along_forward(x, idx, axis):
    return np.take_along_axis(x, idx, axis=axis)


def _put_along_forward(g, idx, axis, shape):
    z = _array.zeros(shape, g.dtype, g)
    np.put_along_axis(z, idx, g, axis=axis)
    return z


TAKE_ALONG_AXIS = Op("take_along_axis", _take_along_forward,
                     vjp=(lambda g, ans, x, idx, axis: _put_along(g, idx, axis, np.shape(x._value)), None),
                     kinds=ANY,
                     doc="Pick entries along an axis with per-row indices (each index used once per "
                         "row: sort and top_k). The gradient puts the upstream back.")

PUT_ALONG_AXIS = Op("put_along_axis", _put_along_forward,
                    vjp=(lambda g, ans, upstream, idx, axis, shape: take_along_axis(g, idx, axis), None),
                    kinds=ANY, doc="Zeros with values put along an axis; differentiates take_along_axis.")


def take_along_axis(x: Any, indices: Any, axis: int) -> Tensor:
    """``np.take_along_axis`` for tensors (unique indices per row)."""
    return apply(TAKE_ALONG_AXIS, (convert_to_tensor(x), convert_to_tensor(indices)), {"axis": axis})


def _put_along(g: Tensor, idx: Any, axis: int, shape: tuple) -> Tensor:
    return apply(PUT_ALONG_AXIS, (g, idx), {"axis": axis, "shape": shape})


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    if descending:
        # Stable on the negated values keeps the first of tied entries first, as TF's top_k.
        if x.dtype.kind in "iu":
            return np.argsort(-x.astype(np.int64), axis=axis, kind="stable")
        return np.argsort(-x, axis=axis, kind="stable")
    return np.argsort(x, axis=axis, kind="stable")


def _order_forward(x, axis, descending, k):
    idx = _order(_array.as_array(x), axis, descending)
    return idx if k is None else idx[..., :k]


ORDER = Op("argsort", _order_forward, vjp=None, kinds="fciuV",
           doc="Indices that sort along an axis (stable; descending keeps the first of ties first), "
               "optionally the first k. Integer output: no gradient.")


def _order_indices(x: Tensor, axis: int, descending: bool, k: Optional[int] = None) -> Tensor:
    return apply(ORDER, (x,), {"axis": axis, "descending": descending, "k": k})


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: Optional[str] = None) -> Tensor:
    """Sort along ``axis`` (``tf.sort``). The gradient is routed back to each entry's position."""
    x = convert_to_tensor(values)
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"sort: direction must be 'ASCENDING' or 'DESCENDING', got {direction!r}.")
    ax = int(axis) % max(x._value.ndim, 1)
    return take_along_axis(x, _order_indices(x, ax, direction == "DESCENDING"), ax)


def argsort(values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False,
            name: Optional[str] = None) -> Tensor:
    """Indices that sort ``values`` along ``axis``, int32 (``tf.argsort``). No gradient."""
    x = convert_to_tensor(values)
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"argsort: direction must be 'ASCENDING' or 'DESCENDING', got {direction!r}.")
    ax = int(axis) % max(x._value.ndim, 1)
    from .math import cast
    return cast(_order_indices(x, ax, direction == "DESCENDING"), np.int32)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input: Any, k: int = 1, sorted: bool = True, index_type: Any = _dtypes.int32,  # noqa: A002
          name: Optional[str] = None) -> TopKV2:
    """The ``k`` largest entries along the last axis and their indices (``tf.math.top_k``).

    Ties go to the lower index, as in TF; the gradient flows to the selected entries only.
    """
    x = convert_to_tensor(input)
    k = int(getattr(k, "_value", k))
    n = np.shape(x._value)[-1] if x._value.ndim else 0
    if x._value.ndim == 0 or not 0 <= k <= n:
        raise InvalidArgumentError(f"top_k: input must have rank >= 1 and last dimension >= k; got "
                                   f"shape {list(np.shape(x._value))} and k={k}.")
    from .math import cast
    last = x._value.ndim - 1
    if k == 1 or x._value.dtype.kind in "fc" and _array.to_host(np.isnan(x._value).any()):
        if k == 1:                  # an argmax: NaNs skipped, ties to the lower index (TF's k == 1 kernel)                  # TF's k == 1 kernel is an argmax: NaNs are skipped
            from .reduction import argmax
            from .shape import expand_dims
            idx = expand_dims(argmax(x, axis=last), last)
            return TopKV2(take_along_axis(x, idx, last), cast(idx, index_type))
        if k > 1:
            raise InvalidArgumentError(
                f"top_k: the input holds NaN; for k={k} TF's result then depends on the internals of its "
                "sort (NaN neither largest nor smallest), which gradtape does not reproduce. Replace the NaNs "
                "first, e.g. tf.where(tf.math.is_nan(x), -float('inf'), x), or use k=1 (NaNs are skipped).")
    idx = _order_indices(x, last, True, k)
    values = take_along_axis(x, idx, last)
    return TopKV2(values, cast(idx, index_type))
