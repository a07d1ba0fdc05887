"""Shape manipulation: reshape, transpose, expand_dims/squeeze, concat/stack/unstack/split,
tile, broadcast_to, pad, reverse, identity and stop_gradient, plus ``shape``/``rank``/``size``."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .. import dtypes as _dtypes
from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from ..registry import Op, ANY
from ..tensor import Tensor


def _int_like(d: Any) -> bool:
    """Whether ``d`` is an integer (Python, NumPy, or an integer scalar tensor): TF shape arguments
    take int32/int64 only, so ``2.0`` is refused rather than truncated."""
    if isinstance(d, (int, np.integer)):
        return True
    v = getattr(d, "_value", None)
    return v is not None and np.asarray(v).dtype.kind in "iub"


def _ints(v: Any, what: str, error: type = TypeError) -> tuple:
    if isinstance(v, Tensor) or hasattr(type(v), "_gt_read"):
        if np.asarray(v._value).dtype.kind not in "iu":
            raise error(f"{what} must hold int32 or int64 values, got a {np.asarray(v._value).dtype} tensor.")
        v = np.asarray(v._value).tolist()
    if isinstance(v, (int, np.integer)):
        return (int(v),)
    if isinstance(v, np.ndarray) and v.dtype.kind not in "iu":
        raise error(f"{what} must hold int32 or int64 values, got a {v.dtype} array: {v.tolist()!r}.")
    try:
        items = list(v)
    except TypeError:
        raise TypeError(f"{what} must be a list of ints, got {v!r}.") from None
    for d in items:
        if not _int_like(d):
            if isinstance(d, (float, np.floating)) or getattr(d, "_value", None) is not None:
                raise error(f"{what} must hold int32 or int64 values, got {v!r} (cast it: e.g. int(d)).")
            break
    try:
        return tuple(int(d) for d in items)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a list of ints, got {v!r}.") from None


def _axis(axis: Any, ndim: int, op: str) -> int:
    axis = int(getattr(axis, "_value", axis))
    if not -ndim <= axis < ndim:
        raise InvalidArgumentError(f"{op}: axis {axis} is out of range for rank {ndim} "
                                   f"(valid: [{-ndim}, {ndim})).")
    return axis % ndim


# -- reshape / transpose -----------------------------------------------------------------------

def _reshape_forward(x, shape):
    return np.reshape(x, shape)[()]


RESHAPE = Op("reshape", _reshape_forward,
             vjp=lambda g, ans, x, shape: reshape(g, np.shape(x._value)), kinds=ANY,
             doc="Reshape in C order. The gradient is reshaped back (always a copy-safe reshape of the "
                 "upstream, never a view of a stale buffer).")


def reshape(tensor: Any, shape: Any, name: Optional[str] = None) -> Tensor:
    """Give ``tensor`` a new shape with the same number of elements; one dim may be -1 (``tf.reshape``)."""
    x = convert_to_tensor(tensor)
    dims = _ints(shape, "reshape: shape", InvalidArgumentError)
    size = int(np.size(x._value))
    known = int(np.prod([d for d in dims if d != -1])) if dims else 1
    if dims.count(-1) > 1:
        raise InvalidArgumentError(f"reshape: only one dimension can be -1, got {list(dims)}.")
    if -1 in dims and 0 in dims and dims.count(-1) == 1:
        # TF's rule when the new shape has a 0: the input's zero dimensions are left out of its element
        # count, so the -1 takes the size of the rest ([0] -> [0, -1] is [0, 1]; [0, 3] -> [0, -1] is [0, 3]).
        rest = int(np.prod([d for d in np.shape(x._value) if d > 0]))
        product = int(np.prod([d for d in dims if d > 0]))
        return apply(RESHAPE, (x,), {"shape": tuple(rest // product if d == -1 else d for d in dims)})
    if (-1 in dims and (known == 0 or size % known)) or (-1 not in dims and known != size):
        raise InvalidArgumentError(
            f"Input to reshape is a tensor with {size} values (shape {list(np.shape(x._value))}), "
            f"but the requested shape {list(dims)} has {known}. The element counts must match.")
    if -1 in dims:
        dims = tuple(size // known if d == -1 else d for d in dims)
    if dims == np.shape(x._value):
        return x if type(tensor) is Tensor else apply(RESHAPE, (x,), {"shape": dims})
    return apply(RESHAPE, (x,), {"shape": dims})


def _transpose_forward(x, perm):
    return np.transpose(x, perm)


TRANSPOSE = Op("transpose", _transpose_forward,
               vjp=lambda g, ans, x, perm: transpose(g, tuple(int(i) for i in np.argsort(perm))),
               kinds=ANY, doc="Permute axes. The gradient applies the inverse permutation.")


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: Optional[str] = None) -> Tensor:
    """Permute the dimensions of ``a`` (``tf.transpose``); by default reverse them."""
    x = convert_to_tensor(a)
    nd = x._value.ndim
    perm = tuple(range(nd))[::-1] if perm is None else _ints(perm, "transpose: perm")
    if sorted(p % nd if nd else p for p in perm) != list(range(nd)):
        raise InvalidArgumentError(f"transpose: perm {list(perm)} is not a permutation of "
                                   f"[0..{nd - 1}] for a tensor of rank {nd}.")
    perm = tuple(p % nd for p in perm)
    out = apply(TRANSPOSE, (x,), {"perm": perm})
    if conjugate:
        from .math import conj
        out = conj(out)
    return out


def matrix_transpose(a: Any, name: Optional[str] = None, conjugate: bool = False) -> Tensor:
    """Swap the last two axes (``tf.linalg.matrix_transpose``)."""
    x = convert_to_tensor(a)
    nd = x._value.ndim
    if nd < 2:
        raise ValueError(f"matrix_transpose needs rank >= 2, got shape {list(np.shape(x._value))}.")
    perm = tuple(range(nd - 2)) + (nd - 1, nd - 2)
    return transpose(x, perm, conjugate=conjugate)


def expand_dims(input: Any, axis: int, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Insert a size-1 dimension at ``axis`` (``tf.expand_dims``)."""
    x = convert_to_tensor(input)
    nd = x._value.ndim
    axis = int(getattr(axis, "_value", axis))
    if not -nd - 1 <= axis <= nd:
        raise InvalidArgumentError(f"expand_dims: axis {axis} is out of range for rank {nd} "
                                   f"(valid: [{-nd - 1}, {nd}]).")
    axis = axis % (nd + 1)
    shape = list(np.shape(x._value))
    shape.insert(axis, 1)
    return apply(RESHAPE, (x,), {"shape": tuple(shape)})


def squeeze(input: Any, axis: Any = None, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Remove size-1 dimensions, all or those in ``axis`` (``tf.squeeze``)."""
    x = convert_to_tensor(input)
    shape = np.shape(x._value)
    nd = len(shape)
    if axis is None:
        new = tuple(d for d in shape if d != 1)
    else:
        axes = {_axis(a, nd, "squeeze") for a in _ints(axis, "squeeze: axis")}
        for a in axes:
            if shape[a] != 1:
                raise InvalidArgumentError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                           f"{shape[a]} (input shape {list(shape)}).")
        new = tuple(d for i, d in enumerate(shape) if i not in axes)
    return apply(RESHAPE, (x,), {"shape": new})


# -- joining and splitting ---------------------------------------------------------------------

def _concat_forward(*values, axis):
    return np.concatenate(values, axis=axis)


def _concat_vjp(g, ans, *inputs, axis):
    sizes = [np.shape(x._value)[axis] for x in inputs]
    return split(g, sizes, axis=axis)


CONCAT = Op("concat", _concat_forward, vjp=_concat_vjp, kinds=ANY,
            doc="Join along an axis. The gradient is the upstream split at the input sizes.")


def _tensors(values: Any, op: str) -> list:
    if isinstance(values, (Tensor,)) or hasattr(type(values), "_gt_read"):
        return list(values)
    ts = [convert_to_tensor(v) for v in values]
    if not ts:
        raise ValueError(f"{op}: expected a non-empty list of tensors.")
    d0 = ts[0]._value.dtype
    for i, t in enumerate(ts):
        if t._value.dtype != d0:
            # Python literals among tensors take the tensors' dtype.
            if not isinstance(values[i], (Tensor,)) and not hasattr(type(values[i]), "_gt_read") \
                    and not isinstance(values[i], np.ndarray):
                ts[i] = convert_to_tensor(values[i], dtype=d0)
                continue
            raise InvalidArgumentError(f"{op}: all inputs must have the same dtype; input 0 is "
                                       f"{ts[0].dtype.name} and input {i} is {t.dtype.name}. Cast "
                                       "them with tf.cast.")
    return ts


def concat(values: Any, axis: int, name: Optional[str] = "concat") -> Tensor:
    """Concatenate tensors along ``axis`` (``tf.concat``)."""
    ts = _tensors(values, "concat")
    nd = ts[0]._value.ndim
    if nd == 0:
        raise InvalidArgumentError("concat: cannot concatenate scalars; use tf.stack.")
    ax = _axis(axis, nd, "concat")
    for i, t in enumerate(ts):
        s0, s = np.shape(ts[0]._value), np.shape(t._value)
        if len(s) != nd or any(a != b for j, (a, b) in enumerate(zip(s0, s)) if j != ax):
            raise InvalidArgumentError(f"concat: input {i} has shape {list(s)}, which does not match "
                                       f"input 0's shape {list(s0)} outside axis {ax}.")
    if len(ts) == 1:
        return ts[0]
    return apply(CONCAT, tuple(ts), {"axis": ax})


def _stack_forward(*values, axis):
    return np.stack(values, axis=axis)


STACK = Op("stack", _stack_forward, vjp=lambda g, ans, *inputs, axis: unstack(g, axis=axis), kinds=ANY,
           doc="Stack along a new axis. The gradient is the upstream unstacked.")


def stack(values: Any, axis: int = 0, name: Optional[str] = "stack") -> Tensor:
    """Stack same-shape tensors along a new ``axis`` (``tf.stack``)."""
    ts = _tensors(values, "stack")
    s0 = np.shape(ts[0]._value)
    for i, t in enumerate(ts):
        if np.shape(t._value) != s0:
            raise InvalidArgumentError(f"stack: shapes of all inputs must match: values[0].shape = "
                                       f"{list(s0)} != values[{i}].shape = {list(np.shape(t._value))}")
    nd = len(s0) + 1
    ax = _axis(axis, nd, "stack")
    return apply(STACK, tuple(ts), {"axis": ax})


def _unstack_forward(x, axis):
    if x.dtype.kind == "O":  # strings: each slice stays an array (a 0-d one for a scalar element)
        return tuple(np.asarray(np.take(x, [i], axis=axis)).squeeze(axis) for i in range(x.shape[axis]))
    return tuple(np.take(x, i, axis=axis)[()] for i in range(x.shape[axis]))


UNSTACK = Op("unstack", _unstack_forward, vjp=lambda g, ans, x, axis: stack(list(g), axis=axis),
             num_outputs=0, kinds=ANY,
             doc="Split into slices along an axis. Unused slices get zero gradients.")


def unstack(value: Any, num: Optional[int] = None, axis: int = 0, name: Optional[str] = "unstack") -> list:
    """Unpack ``value`` along ``axis`` into a list of tensors (``tf.unstack``)."""
    x = convert_to_tensor(value)
    nd = x._value.ndim
    if nd == 0:
        raise ValueError("unstack: cannot unstack a scalar (rank 0) tensor.")
    ax = _axis(axis, nd, "unstack")
    n = np.shape(x._value)[ax]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} but the dimension {ax} has size {n}.")
    return list(apply(UNSTACK, (x,), {"axis": ax}))


def _split_forward(x, sizes, axis):
    cuts = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, cuts, axis=axis))


SPLIT = Op("split", _split_forward, vjp=lambda g, ans, x, sizes, axis: concat(list(g), axis=axis),
           num_outputs=0, kinds=ANY,
           doc="Split along an axis. The gradient concatenates the pieces' upstreams (zeros for "
               "unused pieces).")


def split(value: Any, num_or_size_splits: Any, axis: int = 0, num: Optional[int] = None,
          name: Optional[str] = "split") -> list:
    """Split ``value`` into pieces along ``axis`` (``tf.split``): a count of equal pieces, or sizes
    (one may be -1)."""
    x = convert_to_tensor(value)
    ax = _axis(axis, x._value.ndim, "split")
    n = np.shape(x._value)[ax]
    if isinstance(num_or_size_splits, (int, np.integer)) or (
            isinstance(num_or_size_splits, Tensor) and np.ndim(num_or_size_splits._value) == 0):
        k = int(getattr(num_or_size_splits, "_value", num_or_size_splits))
        if k <= 0 or n % k:
            raise InvalidArgumentError(f"split: dimension {ax} of size {n} cannot be split into {k} "
                                       "equal pieces; pass a list of sizes instead.")
        sizes = (n // k,) * k
    else:
        sizes = list(_ints(num_or_size_splits, "split: num_or_size_splits"))
        if sizes.count(-1) > 1:
            raise InvalidArgumentError("split: at most one size can be -1.")
        if -1 in sizes:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise InvalidArgumentError(f"split: sizes {list(sizes)} must be non-negative and add up to "
                                       f"the dimension's size {n}.")
        sizes = tuple(sizes)
    return list(apply(SPLIT, (x,), {"sizes": sizes, "axis": ax}))


# -- tile, broadcast, pad, reverse -------------------------------------------------------------

def _tile_forward(x, multiples):
    return np.tile(x, multiples)


def _tile_vjp(g, ans, x, multiples):
    from .reduction import reduce_sum
    shape = np.shape(x._value)
    inter = []
    for m, d in zip(multiples, shape):
        inter += [m, d]
    g = reshape(g, inter)
    return reduce_sum(g, axis=tuple(range(0, 2 * len(shape), 2)))


TILE = Op("tile", _tile_forward, vjp=_tile_vjp, kinds=ANY,
          doc="Repeat the tensor. The gradient sums the upstream over the repeats.")


def tile(input: Any, multiples: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Repeat ``input`` ``multiples[i]`` times along axis i (``tf.tile``)."""
    x = convert_to_tensor(input)
    m = _ints(multiples, "tile: multiples")
    if len(m) != x._value.ndim:
        raise InvalidArgumentError(f"tile: multiples has length {len(m)} but the input has rank "
                                   f"{x._value.ndim}; give one multiple per dimension.")
    return apply(TILE, (x,), {"multiples": m})


def _broadcast_forward(x, shape):
    if isinstance(x, (np.ndarray, np.generic)) and x.size == 1 and _prod(shape) <= 65536:
        # A single host value to a small shape: a filled array is several times cheaper than
        # np.broadcast_to's Python wrapper. Large shapes (and device arrays) stay read-only views.
        out = np.empty(shape, dtype=x.dtype)
        out.fill(x if x.ndim == 0 else x.reshape(()))
        return out
    return np.broadcast_to(x, shape)


def _prod(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


BROADCAST_TO = Op("broadcast_to", _broadcast_forward, vjp=lambda g, ans, x, shape: g, kinds=ANY,
                  doc="Broadcast to a shape. The rule returns the upstream as is; the tape sums it "
                      "back to the input's shape.")


def broadcast_to(input: Any, shape: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Broadcast ``input`` to ``shape`` (``tf.broadcast_to``)."""
    x = convert_to_tensor(input)
    dims = _ints(shape, "broadcast_to: shape")
    try:
        np.broadcast_shapes(np.shape(x._value), dims)
    except ValueError:
        raise InvalidArgumentError(f"broadcast_to: cannot broadcast shape {list(np.shape(x._value))} "
                                   f"to {list(dims)}; each dimension must match or be 1.") from None
    if np.shape(x._value) == dims:
        return x
    return apply(BROADCAST_TO, (x,), {"shape": dims})


def _pad_forward(x, paddings, constant_values):
    return np.pad(x, paddings, mode="constant", constant_values=constant_values)


def _pad_vjp(g, ans, x, paddings, constant_values):
    shape = np.shape(x._value)
    key = tuple(slice(b, b + d) for (b, _), d in zip(paddings, shape))
    from .indexing import strided_slice_key
    return strided_slice_key(g, key)


PAD = Op("pad", _pad_forward, vjp=_pad_vjp, kinds=ANY,
         doc="Constant padding. The gradient is the upstream's interior (the input's region).")


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: Optional[str] = None) -> Tensor:
    """Pad ``tensor`` with ``paddings[i] = [before, after]`` per axis (``tf.pad``).

    ``mode`` is ``"CONSTANT"``, ``"REFLECT"`` or ``"SYMMETRIC"``; the last two gather border
    entries, so their gradient accumulates onto the entries they copy.
    """
    x = convert_to_tensor(tensor)
    pads = np.asarray(getattr(paddings, "_value", paddings)).astype(int).reshape(-1, 2)
    if pads.shape[0] != x._value.ndim or (pads < 0).any():
        raise InvalidArgumentError(f"pad: paddings must have shape [{x._value.ndim}, 2] with "
                                   f"non-negative entries, got {pads.tolist()}.")
    pads_t = tuple((int(a), int(b)) for a, b in pads)
    mode = mode.upper()
    if mode == "CONSTANT":
        cv = np.asarray(getattr(constant_values, "_value", constant_values), dtype=x._value.dtype)
        return apply(PAD, (x,), {"paddings": pads_t, "constant_values": cv[()]})
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', got {mode!r}.")
    from .indexing import gather
    out = x
    for ax, (b, a) in enumerate(pads_t):
        if b == 0 and a == 0:
            continue
        n = np.shape(x._value)[ax]
        limit = n - 1 if mode == "REFLECT" else n
        if b > limit or a > limit:
            raise InvalidArgumentError(f"pad: {mode} paddings must be at most {limit} on axis {ax} "
                                       f"(size {n}), got {[b, a]}.")
        idx = np.pad(np.arange(n), (b, a), mode="reflect" if mode == "REFLECT" else "symmetric")
        out = gather(out, idx.astype(np.int64), axis=ax)
    return out


def _reverse_forward(x, axes):
    return np.flip(x, axes)


REVERSE = Op("reverse", _reverse_forward, vjp=lambda g, ans, x, axes: reverse(g, list(axes)), kinds=ANY,
             doc="Reverse along axes. The gradient is reversed the same way.")


def reverse(tensor: Any, axis: Any, name: Optional[str] = None) -> Tensor:
    """Reverse ``tensor`` along the axes in ``axis`` (``tf.reverse``)."""
    x = convert_to_tensor(tensor)
    axes = tuple(sorted({_axis(a, x._value.ndim, "reverse") for a in _ints(axis, "reverse: axis")}))
    return apply(REVERSE, (x,), {"axes": axes})


# -- identity and stop_gradient ----------------------------------------------------------------

def _identity_forward(x):
    return x


IDENTITY = Op("identity", _identity_forward, vjp=lambda g, ans, x: g, kinds=ANY,
              doc="Return the input (a new tensor). The gradient passes unchanged.")


def identity(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """A tensor with the same value as ``input`` (``tf.identity``)."""
    return apply(IDENTITY, (convert_to_tensor(input),))


STOP_GRADIENT = Op("stop_gradient", _identity_forward, vjp=None, kinds=ANY,
                   doc="Return the input, cutting the gradient (it is treated as a constant).")


def stop_gradient(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The value of ``input``, treated as a constant by every tape (``tf.stop_gradient``)."""
    return apply(STOP_GRADIENT, (convert_to_tensor(input),))


# -- shape queries -----------------------------------------------------------------------------

def shape(input: Any, out_type: Any = _dtypes.int32, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The shape of ``input`` as a 1-D int32 tensor (``tf.shape``)."""
    x = input if hasattr(input, "_value") else convert_to_tensor(input)
    return convert_to_tensor(np.asarray(np.shape(x._value), dtype=_dtypes.to_numpy(out_type)))


def rank(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The number of dimensions, as an int32 scalar (``tf.rank``)."""
    x = input if hasattr(input, "_value") else convert_to_tensor(input)
    return convert_to_tensor(np.int32(np.ndim(x._value)))


def size(input: Any, out_type: Any = _dtypes.int32, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """The number of elements (``tf.size``)."""
    x = input if hasattr(input, "_value") else convert_to_tensor(input)
    return convert_to_tensor(np.asarray(np.size(x._value), dtype=_dtypes.to_numpy(out_type)))
