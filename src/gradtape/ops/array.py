"""More array ops: ``repeat``, ``meshgrid``, ``roll``, ``slice``, ``searchsorted``,
``sequence_mask``, the matrix diagonal ops (``linalg.diag``, ``diag_part``, ``set_diag``),
``clip_by_norm``/``clip_by_global_norm``/``global_norm``, ``tensor_scatter_nd_sub``,
``nn.depth_to_space``/``space_to_depth`` and ``nn.batch_normalization``.

Most are composites of registered ops (gather, reshape, broadcast_to, ...), so their gradients
come from those ops' rules; the diagonal ops and ``searchsorted`` are primitives of their own.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .. import _array, dtypes as _dtypes
from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from ..registry import Op, ANY
from ..tensor import Tensor


def _is_tensorlike(v: Any) -> bool:
    return isinstance(v, Tensor) or hasattr(type(v), "_gt_read")


def _np(v: Any) -> np.ndarray:
    """A parameter's value in Python (counts, axes, partitions: they decide shapes); a device
    value is copied to the host explicitly, as TF's GPU kernels read such values back."""
    from .._host import host_array, host_value
    hv = host_value(v)
    return _array.to_host(hv) if _array.is_device(hv) else host_array(hv)


# -- repeat, meshgrid, roll, slice -------------------------------------------------------------

def repeat(input: Any, repeats: Any, axis: Any = None, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Repeat each entry (or each slice along ``axis``) ``repeats`` times (``tf.repeat``).

    With ``axis=None`` the input is flattened first, as ``np.repeat``. ``repeats`` is a scalar or
    one count per entry along the axis. A gather, so the gradient sums over the copies.
    """
    from .indexing import gather
    from .shape import reshape
    x = convert_to_tensor(input)
    if axis is None:
        x = reshape(x, (-1,))
        ax = 0
    else:
        nd = x._value.ndim
        ax = int(_np(axis))
        if not -nd <= ax < nd:
            raise InvalidArgumentError(f"repeat: axis {ax} is out of range for rank {nd}.")
        ax %= nd
    r = _np(repeats)
    if r.dtype.kind not in "iu":
        raise TypeError(f"repeat: repeats must be integers, got {r.dtype}.")
    n = np.shape(x._value)[ax]
    if r.ndim > 1 or (r.ndim == 1 and r.size not in (1, n)):
        raise ValueError(f"repeat: repeats must be a scalar or have one entry per element along "
                                   f"axis {ax} ({n}), got shape {list(r.shape)}.")
    if np.any(r < 0):
        raise InvalidArgumentError(f"repeat: repeats must be non-negative, got {r.tolist()}.")
    idx = np.repeat(np.arange(n, dtype=np.int64), r.reshape(-1) if r.ndim else int(r))
    return gather(x, idx, axis=ax)


def meshgrid(*args: Any, **kwargs: Any) -> list:
    """Coordinate grids from 1-D tensors (``tf.meshgrid``); ``indexing='xy'`` (default, Cartesian:
    the first two outputs' axes swapped) or ``'ij'`` (matrix). Broadcasts, so gradients sum."""
    from .shape import broadcast_to, reshape
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}.")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}.")
    ts = [convert_to_tensor(a) for a in args]
    if not ts:
        return []
    dts = {t._value.dtype for t in ts}
    if len(dts) > 1:
        raise InvalidArgumentError(f"meshgrid: all inputs must have the same dtype, got "
                                   f"{[t.dtype.name for t in ts]}.")
    ts = [reshape(t, (-1,)) for t in ts]
    sizes = [int(np.size(t._value)) for t in ts]
    nd = len(ts)
    if indexing == "xy" and nd > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and nd > 1 and i < 2:
            pos = 1 - i
        shape = [1] * nd
        shape[pos] = int(np.size(t._value))
        out.append(broadcast_to(reshape(t, shape), sizes))
    return out


def roll(input: Any, shift: Any, axis: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Rotate entries by ``shift`` positions along ``axis`` (``tf.roll``); several axes may be given
    (shifts on a repeated axis add up). A gather per axis, so the gradient rolls back."""
    from .indexing import gather
    x = convert_to_tensor(input)
    shifts = _np(shift).reshape(-1).astype(np.int64)
    axes = _np(axis).reshape(-1).astype(np.int64)
    if shifts.size != axes.size:
        raise InvalidArgumentError(f"roll: shift and axis must have the same size, got {shifts.size} "
                                   f"and {axes.size}.")
    nd = x._value.ndim
    total: dict = {}
    for s, a in zip(shifts.tolist(), axes.tolist()):
        if not -nd <= a < nd:
            raise InvalidArgumentError(f"roll: axis {a} is out of range for rank {nd}.")
        total[a % nd] = total.get(a % nd, 0) + s
    out = x
    for a, s in sorted(total.items()):
        n = np.shape(x._value)[a]
        if n == 0 or s % n == 0:
            continue
        idx = (np.arange(n, dtype=np.int64) - s) % n
        out = gather(out, idx, axis=a)
    return out if out is not x else convert_to_tensor(x)


def slice(input_: Any, begin: Any, size: Any, name: Optional[str] = None) -> Tensor:  # noqa: A001
    """``input_[begin[i] : begin[i] + size[i]]`` on every axis; ``size[i] = -1`` takes the rest
    (``tf.slice``)."""
    from .indexing import strided_slice_key
    import builtins
    x = convert_to_tensor(input_)
    shape = np.shape(x._value)
    b = _np(begin).reshape(-1).astype(np.int64)
    s = _np(size).reshape(-1).astype(np.int64)
    if b.size != len(shape) or s.size != len(shape):
        raise InvalidArgumentError(f"slice: begin and size must have one entry per dimension of the input "
                                   f"(rank {len(shape)}), got {b.tolist()} and {s.tolist()}.")
    key = []
    for d, (bi, si, n) in enumerate(zip(b.tolist(), s.tolist(), shape)):
        if si == -1:
            si = n - bi
        if bi < 0 or si < 0 or bi + si > n:
            raise InvalidArgumentError(f"slice: expected begin[{d}] = {bi} and size[{d}] = {si} to satisfy "
                                       f"0 <= begin <= begin + size <= {n} (dimension {d}).")
        key.append(builtins.slice(bi, bi + si))
    return strided_slice_key(x, tuple(key))


# -- searchsorted, sequence_mask ---------------------------------------------------------------

def _searchsorted_forward(seq, values, side, out_dtype):
    seq = _array.as_array(seq)
    values = _array.as_array(values)
    if seq.ndim == 1:
        return np.searchsorted(seq, values, side=side).astype(out_dtype)
    s2 = seq.reshape(-1, seq.shape[-1])
    v2 = values.reshape(-1, values.shape[-1])
    out = _array.zeros(v2.shape, out_dtype, values)
    for i in range(s2.shape[0]):
        out[i] = np.searchsorted(s2[i], v2[i], side=side)
    return out.reshape(values.shape)


SEARCHSORTED = Op("searchsorted", _searchsorted_forward, vjp=None, kinds="fiuV",
                  doc="Insertion points of values in each row of a sorted sequence (left or right side). "
                      "Integer output: no gradient.")


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = _dtypes.int32,
                 name: Optional[str] = None) -> Tensor:
    """Where each of ``values`` would go in the innermost dimension of ``sorted_sequence`` to keep it
    sorted (``tf.searchsorted``). ``side='left'`` gives the first such index, ``'right'`` the last.
    Leading dimensions of the two inputs must agree."""
    seq = convert_to_tensor(sorted_sequence)
    vals = convert_to_tensor(values)
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}.")
    if seq._value.dtype != vals._value.dtype:
        raise InvalidArgumentError(f"searchsorted: sorted_sequence ({seq.dtype.name}) and values "
                                   f"({vals.dtype.name}) must have the same dtype.")
    ss, vs = np.shape(seq._value), np.shape(vals._value)
    if len(ss) < 1 or len(vs) < 1 or ss[:-1] != vs[:-1]:
        raise InvalidArgumentError(f"searchsorted: sorted_sequence {list(ss)} and values {list(vs)} must "
                                   "have rank >= 1 and the same leading dimensions.")
    od = _dtypes.to_numpy(out_type)
    if od.kind not in "i":
        raise TypeError(f"searchsorted: out_type must be int32 or int64, got {out_type}.")
    return apply(SEARCHSORTED, (seq, vals), {"side": side, "out_dtype": od})


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = _dtypes.bool,
                  name: Optional[str] = None) -> Tensor:
    """``mask[..., j] = j < lengths[...]`` (``tf.sequence_mask``); ``maxlen`` defaults to
    ``max(lengths)``."""
    from .constructors import _wrap
    lt = convert_to_tensor(lengths)
    ln = _np(lt)
    if ln.dtype.kind not in "iu":
        raise TypeError(f"sequence_mask: lengths must be integers, got {lt.dtype.name}.")
    m = int(ln.max()) if maxlen is None and ln.size else int(_np(maxlen)) if maxlen is not None else 0
    if m < 0:
        raise InvalidArgumentError(f"sequence_mask: maxlen must be non-negative, got {m}.")
    mask = np.arange(m) < ln[..., None]
    return _wrap(mask.astype(_dtypes.to_numpy(dtype)))


# -- diagonals ---------------------------------------------------------------------------------

def _diag_part_forward(x):
    return np.diagonal(x, axis1=-2, axis2=-1).copy()


def _set_diag_forward(x, d):
    out = _array.as_array(x).copy()
    n = min(out.shape[-2], out.shape[-1])
    i = np.arange(n)
    out[..., i, i] = d
    return out


def _diag_forward(d):
    d = _array.as_array(d)
    n = d.shape[-1]
    out = _array.zeros(d.shape + (n,), d.dtype, d)
    i = np.arange(n)
    out[..., i, i] = d
    return out


MATRIX_DIAG_PART = Op("matrix_diag_part", _diag_part_forward,
                      vjp=lambda g, ans, x: apply(MATRIX_SET_DIAG, (_zeros(x), g)), kinds=ANY,
                      doc="The main diagonal of the last two axes. The gradient writes the upstream on "
                          "the diagonal of zeros.")
MATRIX_SET_DIAG = Op("matrix_set_diag", _set_diag_forward,
                     vjp=(lambda g, ans, x, d: apply(MATRIX_SET_DIAG, (g, _zeros(d))),
                          lambda g, ans, x, d: apply(MATRIX_DIAG_PART, (g,))),
                     kinds=ANY,
                     doc="The input with its main diagonal replaced. d/dinput = upstream with a zero "
                         "diagonal, d/ddiagonal = the upstream's diagonal.")
MATRIX_DIAG = Op("matrix_diag", _diag_forward, vjp=lambda g, ans, d: apply(MATRIX_DIAG_PART, (g,)), kinds=ANY,
                 doc="Square matrices with the given diagonals. The gradient is the upstream's diagonal.")


def _zeros(x: Tensor) -> Tensor:
    from .math import zeros_like_t
    return zeros_like_t(x)


def _only_main(k: Any, op: str) -> None:
    if np.any(_np(k) != 0):
        raise NotImplementedError(f"{op}: only the main diagonal (k=0) is supported, got k={_np(k).tolist()}.")


def diag_part(input: Any, name: Optional[str] = "diag_part", k: Any = 0, padding_value: Any = 0,  # noqa: A002
              align: str = "RIGHT_LEFT") -> Tensor:
    """The main diagonal of each matrix in the last two axes (``tf.linalg.diag_part``)."""
    _only_main(k, "linalg.diag_part")
    x = convert_to_tensor(input)
    if x._value.ndim < 2:
        raise ValueError(f"linalg.diag_part: input must have rank >= 2, got shape {list(np.shape(x._value))}.")
    return apply(MATRIX_DIAG_PART, (x,))


def set_diag(input: Any, diagonal: Any, name: Optional[str] = "set_diag", k: Any = 0,  # noqa: A002
             align: str = "RIGHT_LEFT") -> Tensor:
    """``input`` with the main diagonal of each matrix replaced by ``diagonal``
    (``tf.linalg.set_diag``); ``diagonal`` has shape ``input.shape[:-2] + [min(M, N)]``."""
    _only_main(k, "linalg.set_diag")
    x = convert_to_tensor(input)
    d = convert_to_tensor(diagonal, dtype=x._value.dtype) if not _is_tensorlike(diagonal) \
        else convert_to_tensor(diagonal)
    xs = np.shape(x._value)
    if len(xs) < 2:
        raise ValueError(f"linalg.set_diag: input must have rank >= 2, got shape {list(xs)}.")
    want = xs[:-2] + (min(xs[-2], xs[-1]),)
    if np.shape(d._value) != want:
        raise InvalidArgumentError(f"linalg.set_diag: diagonal must have shape {list(want)} for input of "
                                   f"shape {list(xs)}, got {list(np.shape(d._value))}.")
    if d._value.dtype != x._value.dtype:
        raise InvalidArgumentError(f"linalg.set_diag: input ({x.dtype.name}) and diagonal ({d.dtype.name}) "
                                   "must have the same dtype.")
    return apply(MATRIX_SET_DIAG, (x, d))


def diag(diagonal: Any, name: Optional[str] = "diag", k: Any = 0, num_rows: Any = -1, num_cols: Any = -1,
         padding_value: Any = 0, align: str = "RIGHT_LEFT") -> Tensor:
    """Square matrices with ``diagonal`` (last axis) on their main diagonal (``tf.linalg.diag``)."""
    _only_main(k, "linalg.diag")
    if int(_np(num_rows)) not in (-1,) or int(_np(num_cols)) not in (-1,) or np.any(_np(padding_value) != 0):
        raise NotImplementedError("linalg.diag: num_rows, num_cols and padding_value are not supported.")
    d = convert_to_tensor(diagonal)
    if d._value.ndim < 1:
        raise ValueError("linalg.diag: diagonal must have rank >= 1.")
    return apply(MATRIX_DIAG, (d,))


# -- clipping by norm --------------------------------------------------------------------------

def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: Optional[str] = None) -> Any:
    """Scale ``t`` so that its L2 norm (over ``axes``, all by default) is at most ``clip_norm``
    (``tf.clip_by_norm``), with TF's formula ``t * clip_norm / max(norm, clip_norm)`` and a zero
    norm leaving ``t`` unchanged. An IndexedSlices is clipped by the norm of its values."""
    from ..indexed_slices import IndexedSlices
    from .math import divide, greater, maximum, multiply, sqrt, where
    from .reduction import reduce_sum
    if type(t) is IndexedSlices:
        return IndexedSlices(clip_by_norm(t.values, clip_norm, axes), t.indices, t.dense_shape)
    x = convert_to_tensor(t)
    if x._value.dtype.kind not in "fcV":
        raise TypeError(f"clip_by_norm: t must be floating point, got {x.dtype.name}.")
    c = convert_to_tensor(clip_norm, dtype=x._value.dtype) if not _is_tensorlike(clip_norm) \
        else convert_to_tensor(clip_norm)
    if np.ndim(c._value) != 0:
        raise ValueError(f"clip_by_norm: clip_norm must be a scalar, got shape {list(np.shape(c._value))}.")
    l2sum = reduce_sum(multiply(x, x), axes, keepdims=True)
    pred = greater(l2sum, 0)
    safe = where(pred, l2sum, 1)
    l2norm = where(pred, sqrt(safe), l2sum)
    return divide(multiply(x, c), maximum(l2norm, c))


def global_norm(t_list: Sequence[Any], name: Optional[str] = None) -> Tensor:
    """``sqrt(sum(||t||^2))`` over the tensors in ``t_list``; None entries are skipped
    (``tf.linalg.global_norm``)."""
    from ..indexed_slices import IndexedSlices
    from .math import multiply, sqrt
    from .nn import l2_loss
    from .reduction import reduce_sum
    from .shape import stack
    if isinstance(t_list, (Tensor,)) or not isinstance(t_list, (list, tuple)):
        raise TypeError("global_norm: t_list must be a sequence of tensors.")
    halves = []
    for v in t_list:
        if v is None:
            continue
        if type(v) is IndexedSlices:
            v = v.values
        halves.append(l2_loss(convert_to_tensor(v)))
    if not halves:
        raise ValueError("global_norm: t_list has no tensors (every entry is None).")
    total = reduce_sum(stack(halves))
    return sqrt(multiply(total, 2.0))


def clip_by_global_norm(t_list: Sequence[Any], clip_norm: Any, use_norm: Any = None,
                        name: Optional[str] = None) -> tuple:
    """Scale every tensor by ``clip_norm / max(global_norm, clip_norm)`` (``tf.clip_by_global_norm``).

    Returns ``(list_clipped, global_norm)``; None entries stay None. TF's exact formula:
    ``scale = clip_norm * min(1 / norm, 1 / clip_norm)``, and an infinite or NaN norm makes every
    entry NaN.
    """
    from ..indexed_slices import IndexedSlices
    from .math import add, cast, divide, minimum, multiply, subtract
    if isinstance(t_list, Tensor) or not isinstance(t_list, (list, tuple)):
        raise TypeError("clip_by_global_norm: t_list should be a sequence (list or tuple) of tensors.")
    norm = global_norm(t_list) if use_norm is None else convert_to_tensor(use_norm)
    nd = norm._value.dtype
    c = convert_to_tensor(clip_norm, dtype=nd) if not _is_tensorlike(clip_norm) else cast(clip_norm, nd)
    scale_finite = multiply(c, minimum(divide(1.0, norm), divide(1.0, c)))
    scale = add(scale_finite, subtract(norm, norm))
    out = []
    for v in t_list:
        if v is None:
            out.append(None)
            continue
        if type(v) is IndexedSlices:
            vals = v.values
            out.append(IndexedSlices(multiply(vals, cast(scale, vals.dtype)), v.indices, v.dense_shape))
            continue
        v = convert_to_tensor(v)
        out.append(multiply(v, cast(scale, v.dtype)))
    return out, norm


# -- scatter -----------------------------------------------------------------------------------

def tensor_scatter_nd_sub(tensor: Any, indices: Any, updates: Any, name: Optional[str] = None) -> Tensor:
    """``tensor`` with ``updates`` subtracted at ``indices`` (``tf.tensor_scatter_nd_sub``)."""
    from .indexing import scatter_nd
    from .math import subtract
    t = convert_to_tensor(tensor)
    return subtract(t, scatter_nd(indices, convert_to_tensor(updates, dtype=t._value.dtype), np.shape(t._value)))


# -- nn: depth_to_space, space_to_depth, batch_normalization -----------------------------------

def depth_to_space(input: Any, block_size: int, data_format: str = "NHWC", name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Move depth blocks into spatial blocks (``tf.nn.depth_to_space``, NHWC, TF's DCR order)."""
    from .shape import reshape, transpose
    if data_format != "NHWC":
        raise NotImplementedError(f"depth_to_space: only data_format='NHWC' is supported, got {data_format!r}.")
    x = convert_to_tensor(input)
    b = int(block_size)
    s = np.shape(x._value)
    if len(s) != 4 or b < 2 or s[3] % (b * b):
        raise InvalidArgumentError(f"depth_to_space: input must be 4-D with depth divisible by "
                                   f"block_size^2 (block_size >= 2); got shape {list(s)} and block_size {b}.")
    n, h, w, c = s
    y = reshape(x, (n, h, w, b, b, c // (b * b)))
    y = transpose(y, (0, 1, 3, 2, 4, 5))
    return reshape(y, (n, h * b, w * b, c // (b * b)))


def space_to_depth(input: Any, block_size: int, data_format: str = "NHWC", name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Move spatial blocks into depth (``tf.nn.space_to_depth``, NHWC); the inverse of depth_to_space."""
    from .shape import reshape, transpose
    if data_format != "NHWC":
        raise NotImplementedError(f"space_to_depth: only data_format='NHWC' is supported, got {data_format!r}.")
    x = convert_to_tensor(input)
    b = int(block_size)
    s = np.shape(x._value)
    if len(s) != 4 or b < 2 or s[1] % b or s[2] % b:
        raise InvalidArgumentError(f"space_to_depth: input must be 4-D with height and width divisible by "
                                   f"block_size (>= 2); got shape {list(s)} and block_size {b}.")
    n, h, w, c = s
    y = reshape(x, (n, h // b, b, w // b, b, c))
    y = transpose(y, (0, 1, 3, 2, 4, 5))
    return reshape(y, (n, h // b, w // b, b * b * c))


def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any,
                        variance_epsilon: float, name: Optional[str] = None) -> Tensor:
    """``scale * (x - mean) / sqrt(variance + eps) + offset`` with TF's arithmetic
    (``tf.nn.batch_normalization``); ``offset`` and ``scale`` may be None."""
    from .math import add, multiply, rsqrt, subtract
    x = convert_to_tensor(x)
    inv = rsqrt(add(convert_to_tensor(variance, dtype=x._value.dtype) if not _is_tensorlike(variance)
                    else variance, variance_epsilon))
    if scale is not None:
        inv = multiply(inv, scale)
    mean_t = mean if _is_tensorlike(mean) else convert_to_tensor(mean, dtype=x._value.dtype)
    shift = _negative_times(mean_t, inv)
    if offset is not None:
        shift = add(offset, shift)
    return add(multiply(x, _cast_like(inv, x)), _cast_like(shift, x))


def _negative_times(a: Any, b: Any) -> Tensor:
    from .math import multiply, negative
    return negative(multiply(a, b))


def _cast_like(v: Any, x: Tensor) -> Tensor:
    from .math import cast
    v = convert_to_tensor(v)
    return v if v._value.dtype == x._value.dtype else cast(v, x.dtype)


# -- complex, dynamic_partition ----------------------------------------------------------------

def _complex_forward(re, im):
    re, im = _array.as_array(re), _array.as_array(im)
    out_t = np.complex64 if np.result_type(re.dtype, im.dtype) == np.float32 else np.complex128
    return (re + 1j * im).astype(out_t)[()]


def _real_part(g: Tensor) -> Tensor:
    from .math import real
    return real(g)


def _imag_part(g: Tensor) -> Tensor:
    from .math import imag
    return imag(g)


COMPLEX = Op("complex", _complex_forward,
             vjp=(lambda g, ans, re, im: _real_part(g), lambda g, ans, re, im: _imag_part(g)), kinds="f",
             doc="real + i imag (complex64 from float32, complex128 from float64). d/dreal = real(g), "
                 "d/dimag = imag(g) (TF's convention for complex gradients).")


def complex(real: Any, imag: Any, name: Optional[str] = None) -> Tensor:  # noqa: A001  (TF's name)
    """A complex tensor from its real and imaginary parts (``tf.complex``); both float32 (giving
    complex64) or both float64 (complex128), broadcasting."""
    re = convert_to_tensor(real)
    im = convert_to_tensor(imag, dtype=re._value.dtype) if not _is_tensorlike(imag) else convert_to_tensor(imag)
    if re._value.dtype != im._value.dtype or re._value.dtype not in (np.float32, np.float64):
        raise TypeError(f"complex: real and imag must both be float32 or both float64, got {re.dtype.name} "
                        f"and {im.dtype.name}.")
    return apply(COMPLEX, (re, im))


def dynamic_partition(data: Any, partitions: Any, num_partitions: int, name: Optional[str] = None) -> list:
    """Split ``data`` into ``num_partitions`` tensors by the partition index of each slice
    (``tf.dynamic_partition``); order within a partition is kept. ``partitions``' shape is a prefix
    of ``data``'s. The gradient w.r.t. ``data`` is dense, as TF's."""
    from .segment import gather_drop_negatives
    from .shape import reshape
    d = convert_to_tensor(data)
    # the partition sizes are data: a device's partitions are read back explicitly (as TF's GPU kernel)
    p = _array.to_host(getattr(partitions, "_value", partitions)) if _array.is_device(
        getattr(partitions, "_value", partitions)) else _np(partitions)
    if p.dtype.kind not in "iu":
        raise TypeError(f"dynamic_partition: partitions must be int32, got {p.dtype}.")
    n = int(num_partitions)
    ds = np.shape(d._value)
    if tuple(ds[:p.ndim]) != p.shape:
        raise InvalidArgumentError(f"dynamic_partition: partitions.shape {list(p.shape)} must be a prefix of "
                                   f"data.shape {list(ds)}.")
    flat = p.reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        bad = int(flat[(flat < 0) | (flat >= n)][0])
        raise InvalidArgumentError(f"dynamic_partition: partitions value {bad} is not in [0, {n}).")
    rows = reshape(d, (flat.size,) + tuple(ds[p.ndim:])) if p.ndim != 1 else d
    from .constructors import _wrap
    return [gather_drop_negatives(rows, _array.const_like(d, np.flatnonzero(flat == i).astype(np.int64)))
            for i in range(n)]


# -- placement of host data next to a device tensor --------------------------------------------

def _on_device_of_forward(x, ref):
    return _array.with_kind(ref, x)


ON_DEVICE_OF = Op("on_device_of", _on_device_of_forward, vjp=(lambda g, ans, x, ref: g, None), kinds=ANY,
                  doc="``x`` on ``ref``'s device: host data next to a device array is copied there (TF "
                      "places an op's host inputs on the op's device); otherwise ``x`` itself. The "
                      "gradient passes to ``x``; ``ref`` is read for its device only.")


def on_device_of(x: Any, ref: Any) -> Tensor:
    """``x`` beside ``ref``: copied to ``ref``'s device when ``x`` is host data and ``ref`` lives on
    a device. An op (not a copy of ``x``'s value), so a compiled function repeats the copy with each
    call's ``x`` and a tape passes gradients through it."""
    return apply(ON_DEVICE_OF, (x, ref))
