"""Convolution and pooling ops (``tf.nn.conv1d/2d/3d``, ``convolution``, ``conv*_transpose``,
``max_pool*``, ``avg_pool*``), channels-last, vectorised NumPy.

Layout and padding follow TF: inputs are ``(batch, *spatial, channels)`` (NWC / NHWC / NDHWC),
filters ``(*kernel, in_channels, out_channels)``. ``SAME`` gives ``ceil(in / stride)`` outputs and pads
``max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0)`` zeros, the extra one on the bottom/right
(TF's asymmetric padding); ``VALID`` pads nothing. Explicit ``[[0, 0], [lo, hi], ..., [0, 0]]`` pads
are accepted by the convolutions, as TF.

How it is computed (no Python loop over pixels):

* forward: a strided window view ``(B, *out, *k, C)`` of the padded input (``as_strided``), copied
  into an im2col matrix, times the filter matrix. On NumPy arrays (ungrouped) the matrix is built a
  few images at a time (``CHUNK_BYTES``, ``_forward_chunked``): each chunk's columns stay in cache
  while one ``(rows, K*C) @ (K*C, O)`` product reads them, and the whole ``k^n``-times-larger
  matrix never exists;
* input gradient (``conv{n}d_backprop_input``, a transposed convolution): with stride 1 (ungrouped,
  NumPy) it is a forward convolution of the upstream padded by ``(k - 1) * d - pad`` with the filter
  flipped in every spatial axis and its channel axes swapped (``_backprop_input_stride1``), so it
  costs what the forward costs; otherwise ``upstream @ filter^T`` gives the columns, added back to
  the padded input with one strided slice-add per kernel offset (col2im: a loop over the ``k^n``
  kernel offsets, each vectorised over every pixel);
* filter gradient (``conv{n}d_backprop_filter``): ``im2col(input)^T @ upstream``, on NumPy arrays
  summed over the same chunks of images (``_backprop_filter_chunked``).

The three are registered primitives whose rules are each other (they are the three partial
products of one trilinear form ``<g, conv(x, w)>``), so nested tapes give every order.

Pooling: ``max_pool{n}d`` sends the whole gradient to the **first** maximum of each window (TF's
``MaxPoolGrad``: an all-equal 2x2 window gives ``[1, 0, 0, 0]``); ``max_pool{n}d_grad`` and
``max_pool{n}d_grad_grad`` close it under differentiation. ``avg_pool{n}d`` with ``SAME`` divides by
the number of real (non-padding) entries of each window, as TF; its gradient ``avg_pool{n}d_grad``
is its adjoint.
"""
from __future__ import annotations

import itertools
from typing import Any, Optional, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _array
from ..dispatch import apply, convert_to_tensor
from ..errors import InvalidArgumentError
from .._bf16 import via_float32
from ..registry import Op, NUMERIC
from ..tensor import Tensor

_FMT = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


# -- shapes and padding ------------------------------------------------------------------------

def _norm_ints(value: Any, n: int, what: str, op: str, full_ok: bool = True) -> tuple:
    """TF's int-or-list arguments (strides, dilations, ksize): an int, n values or n + 2 values.

    The n + 2 form is in data-format order and must be 1 in the batch and channel positions.
    """
    if value is None:
        return (1,) * n
    if isinstance(value, Tensor):
        value = np.asarray(value._value).tolist()
    if isinstance(value, (int, np.integer)):
        vals = (int(value),) * n
    else:
        vals = tuple(int(v) for v in value)
        if len(vals) == 1:
            vals = vals * n
        elif len(vals) == n + 2 and full_ok:
            if vals[0] != 1 or vals[-1] != 1:
                raise InvalidArgumentError(
                    f"{op}: {what} {list(vals)} has a value other than 1 in the batch or channel "
                    f"position; the current implementation, like TF's, does not support {what} in "
                    "the batch and depth dimensions.")
            vals = vals[1:-1]
        elif len(vals) != n:
            raise ValueError(f"{op}: {what} should be an int or a list of length 1, {n} or {n + 2}, "
                             f"got {list(vals)}.")
    if any(v < 1 for v in vals):
        raise ValueError(f"{op}: every {what} value must be >= 1, got {list(vals)}.")
    return vals


def _pads_and_out(in_sizes: Sequence[int], ks: Sequence[int], strides: Sequence[int],
                  dilations: Sequence[int], padding: Any, op: str) -> tuple:
    """``(pads, out_sizes)`` for TF's padding (``'SAME'``, ``'VALID'`` or explicit pairs)."""
    n = len(in_sizes)
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, str):
        mode = padding.upper()
        if mode not in ("SAME", "VALID"):
            raise ValueError(f"{op}: padding must be 'SAME', 'VALID' or a list of [before, after] "
                             f"pairs, got {padding!r}.")
        pads, outs = [], []
        for size, k, s, d in zip(in_sizes, ks, strides, dilations):
            eff = (k - 1) * d + 1
            if mode == "VALID":
                out = (size - eff) // s + 1
                if size < eff:
                    raise InvalidArgumentError(
                        f"{op}: Computed output size would be negative: {(size - eff) // s + 1} "
                        f"[input_size: {size}, effective_filter_size: {eff}, stride: {s}]. Use "
                        "padding='SAME' or a smaller kernel/dilation.")
                pads.append((0, 0))
            else:
                out = -(-size // s)
                total = max((out - 1) * s + eff - size, 0)
                pads.append((total // 2, total - total // 2))
            outs.append(out)
        return tuple(pads), tuple(outs)
    pairs = [tuple(int(v) for v in p) for p in padding]
    if len(pairs) == n + 2:
        if pairs[0] != (0, 0) or pairs[-1] != (0, 0):
            raise ValueError(f"{op}: explicit padding in the batch and channel dimensions must be "
                             f"[0, 0], got {padding!r}.")
        pairs = pairs[1:-1]
    if len(pairs) != n or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise ValueError(f"{op}: explicit padding must be {n + 2} pairs [before, after] of "
                         f"non-negative ints (one per dimension), got {padding!r}.")
    outs = []
    for size, k, s, d, (lo, hi) in zip(in_sizes, ks, strides, dilations, pairs):
        eff = (k - 1) * d + 1
        if size + lo + hi < eff:
            raise InvalidArgumentError(
                f"{op}: Computed output size would be negative [input_size: {size} padded to "
                f"{size + lo + hi}, effective_filter_size: {eff}, stride: {s}].")
        outs.append((size + lo + hi - eff) // s + 1)
    return tuple(pairs), tuple(outs)


def _pad(x: np.ndarray, pads: tuple, value: Any = 0) -> np.ndarray:
    """Pad the spatial axes of a channels-last array with ``value`` (faster than ``np.pad``)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = (x.shape[0],) + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[1:-1], pads)) + (x.shape[-1],)
    out = _full(shape, value, x.dtype, x)
    out[(slice(None),) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[1:-1], pads))
        + (slice(None),)] = x
    return out


def _windows(xp: np.ndarray, out: tuple, ks: tuple, strides: tuple, dilations: tuple) -> np.ndarray:
    """Read-only view ``(B, *out, *k, C)`` of a padded channels-last array (no copy)."""
    st = xp.strides
    sp = st[1:-1]
    shape = (xp.shape[0],) + tuple(out) + tuple(ks) + (xp.shape[-1],)
    strides_ = ((st[0],) + tuple(a * s for a, s in zip(sp, strides))
                + tuple(a * d for a, d in zip(sp, dilations)) + (st[-1],))
    if type(xp) is not np.ndarray:          # a device array: the same windows through dispatch
        return _device_windows(xp, out, ks, strides, dilations)
    return as_strided(xp, shape, strides_, writeable=False)


def _device_windows(xp: Any, out: tuple, ks: tuple, strides: tuple, dilations: tuple) -> Any:
    """``_windows`` for a device array (CuPy): ``sliding_window_view`` (dispatched to the array's
    library) over the dilated extent, sliced by strides and dilations, kernel axes before channels."""
    n = len(ks)
    ext = tuple((k - 1) * d + 1 for k, d in zip(ks, dilations))
    v = np.lib.stride_tricks.sliding_window_view(xp, ext, axis=tuple(range(1, n + 1)))  # (B,*o',C,*ext)
    v = v[(slice(None),) + tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(out, strides))
          + (slice(None),) + tuple(slice(None, None, d) for d in dilations)]
    return v.transpose((0,) + tuple(range(1, n + 1)) + tuple(range(n + 2, 2 * n + 2)) + (n + 1,))


def _full(shape: tuple, value: Any, dtype: Any, ref: Any) -> Any:
    """``np.zeros``/``np.full`` on ``ref``'s kind of array (a device array's device)."""
    if isinstance(ref, (np.ndarray, np.generic)):
        return np.zeros(shape, dtype=dtype) if value == 0 else np.full(shape, value, dtype=dtype)
    return np.full(shape, value, dtype=dtype, like=ref)


def _offset_slices(kidx: tuple, out: tuple, strides: tuple, dilations: tuple) -> tuple:
    """The slice of the padded input that kernel offset ``kidx`` reads for every output position."""
    return ((slice(None),) + tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                                   for k, o, s, d in zip(kidx, out, strides, dilations))
            + (slice(None),))


def _crop(xp: np.ndarray, pads: tuple) -> np.ndarray:
    if any(lo or hi for lo, hi in pads):
        return xp[(slice(None),) + tuple(slice(lo, xp.shape[i + 1] - hi) for i, (lo, hi) in enumerate(pads))]
    return xp


# -- convolution primitives --------------------------------------------------------------------

#: The NumPy convolutions build the im2col matrix a few images at a time, in a buffer of about
#: this many bytes (it stays in cache while the product reads it; the whole matrix is never built).
CHUNK_BYTES = 3 << 20


#: Convolutions whose im2col matrix is smaller than this keep the whole-matrix column path (which
#: rounds exactly like the device path; the chunked one sums the filter gradient in another order).
CHUNKED_MIN_BYTES = 1 << 20


def _use_chunks(rows: int, kc: int, *arrays) -> bool:
    """Whether a convolution with a ``(rows, kc)`` im2col matrix takes the chunked NumPy path."""
    return (all(type(a) is np.ndarray and a.size for a in arrays)
            and rows * kc * arrays[0].dtype.itemsize >= CHUNKED_MIN_BYTES)


def _chunk_images(b: int, per_image_bytes: int) -> int:
    return max(1, min(b, CHUNK_BYTES // max(per_image_bytes, 1)))


class _ChunkWindows:
    """The windows ``(n, *out, *k, C)`` of images ``[s, e)`` of ``x`` padded by ``pads``, chunk by
    chunk: each chunk is padded into one reused zero-bordered buffer (the whole padded input is
    never built), and its windows are copied into one reused column buffer."""

    def __init__(self, x, ks, strides, dilations, pads, out, ch, dtype):
        self.x = x
        self.padded = any(lo or hi for lo, hi in pads)
        if self.padded:
            psz = tuple(x.shape[i + 1] + lo + hi for i, (lo, hi) in enumerate(pads))
            self.pbuf = np.zeros((ch,) + psz + (x.shape[-1],), dtype=x.dtype)
            self.inner = self.pbuf[(slice(None),) + tuple(slice(lo, lo + x.shape[i + 1])
                                                         for i, (lo, _) in enumerate(pads))]
            self.win = _windows(self.pbuf, out, ks, strides, dilations)
        else:
            self.win = _windows(x, out, ks, strides, dilations)
        self.cols = np.empty((ch,) + self.win.shape[1:], dtype=dtype)
        self.kc = int(np.prod(self.win.shape[len(out) + 1:]))

    def __call__(self, s: int, e: int) -> np.ndarray:
        """The ``((e - s) * prod(out), K * C)`` column matrix of images ``[s, e)``."""
        n = e - s
        cols = self.cols[:n]
        if self.padded:
            np.copyto(self.inner[:n], self.x[s:e])
            np.copyto(cols, self.win[:n])
        else:
            np.copyto(cols, self.win[s:e])
        return cols.reshape(-1, self.kc)


def _chunks(x, ks, strides, dilations, pads, out, dtype):
    """The chunk size (images) and the chunk-window builder for a convolution of ``x``."""
    per = int(np.prod(out))
    kc = int(np.prod(ks)) * x.shape[-1]
    ch = _chunk_images(x.shape[0], per * kc * dtype.itemsize)
    return ch, _ChunkWindows(x, ks, strides, dilations, pads, out, ch, dtype)


def _forward_chunked(x, w, strides, dilations, pads):
    """Convolution of ``x`` (NumPy, ungrouped): for each chunk of images, its windows copied into
    a ``(rows, K * C)`` column buffer times the ``(K * C, O)`` filter matrix, into that chunk's
    rows of the output."""
    n = x.ndim - 2
    ks = tuple(w.shape[:n])
    out = tuple((x.shape[i + 1] + pads[i][0] + pads[i][1] - (ks[i] - 1) * dilations[i] - 1) // strides[i] + 1
                for i in range(n))
    b, cout = x.shape[0], w.shape[-1]
    dt = np.result_type(x, w)
    y = np.empty((b,) + out + (cout,), dtype=dt)
    kc = int(np.prod(ks)) * x.shape[-1]
    if not y.size:
        return y
    if kc == 0:
        y[...] = 0
        return y
    ch, cols = _chunks(x, ks, strides, dilations, pads, out, dt)
    wm = w.reshape(kc, cout)
    for s in range(0, b, ch):
        e = min(b, s + ch)
        np.matmul(cols(s, e), wm, out=y[s:e].reshape(-1, cout))
    return y


def _backprop_filter_chunked(x, g, filter_shape, strides, dilations, pads):
    """Filter gradient (NumPy, ungrouped): ``cols^T @ g`` summed over chunks of images, each
    chunk's column matrix built in a cache-sized buffer."""
    n = x.ndim - 2
    ks = tuple(filter_shape[:n])
    out = tuple(g.shape[1:-1])
    b, cout = x.shape[0], g.shape[-1]
    dt = np.result_type(x, g)
    kc = int(np.prod(ks)) * x.shape[-1]
    dw = np.zeros((kc, cout), dtype=dt)
    if not g.size or kc == 0:
        return dw.reshape(filter_shape)
    ch, cols = _chunks(x, ks, strides, dilations, pads, out, dt)
    tmp = np.empty_like(dw) if ch < b else None
    for s in range(0, b, ch):
        e = min(b, s + ch)
        gm = g[s:e].reshape(-1, cout)
        if s == 0:
            np.matmul(cols(s, e).T, gm, out=dw)
        else:
            np.matmul(cols(s, e).T, gm, out=tmp)
            dw += tmp
    return dw.reshape(filter_shape)


def _backprop_input_stride1(g, w, dilations, pads):
    """conv_backprop_input for stride 1, ungrouped, on NumPy arrays, as a forward convolution: the
    upstream padded by ``(k - 1) * d - pad`` on each side, correlated with the filter flipped in
    every spatial axis and with its channel axes swapped. None when a pad exceeds ``(k - 1) * d``."""
    n = g.ndim - 2
    ks = w.shape[:n]
    pads2 = tuple(((k - 1) * d - lo, (k - 1) * d - hi) for k, d, (lo, hi) in zip(ks, dilations, pads))
    if any(lo < 0 or hi < 0 for lo, hi in pads2):
        return None
    wf = np.ascontiguousarray(np.flip(w, axis=tuple(range(n))).swapaxes(-1, -2))
    return _forward_chunked(g, wf, (1,) * n, dilations, pads2)


def _conv_forward(x, w, strides, dilations, pads, groups=1):
    n = x.ndim - 2
    ks = w.shape[:n]
    if groups == 1 and _use_chunks(x.size // max(x.shape[-1], 1), w.size // max(w.shape[-1], 1), x, w):
        return _forward_chunked(x, w, strides, dilations, pads)
    xp = _pad(x, pads)
    out = tuple((xp.shape[i + 1] - (ks[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(n))
    cols = _windows(xp, out, ks, strides, dilations)
    b = x.shape[0]
    m = b * int(np.prod(out))
    if groups > 1:
        y = _group_cols(cols.reshape(m, -1), groups, x.shape[-1]) @ _group_filter(w, groups)
        return y.transpose(1, 0, 2).reshape((b,) + out + (w.shape[-1],))
    y = cols.reshape(m, -1) @ w.reshape(-1, w.shape[-1])
    return y.reshape((b,) + out + (w.shape[-1],))


# Grouped convolution (TF infers ``groups`` = input depth / filter depth): group g reads input channels
# [g*cg, (g+1)*cg) and writes output channels [g*og, (g+1)*og). The helpers lay the im2col matrix and the
# filter out per group, so one batched matmul computes every group.
def _group_cols(cols2d: np.ndarray, groups: int, channels: int) -> np.ndarray:
    """``(m, K*C)`` windows -> ``(G, m, K*cg)``."""
    m = cols2d.shape[0]
    cg = channels // groups
    return cols2d.reshape(m, -1, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, -1)


def _group_filter(w: np.ndarray, groups: int) -> np.ndarray:
    """``(*k, cg, G*og)`` filter -> ``(G, K*cg, og)``."""
    cg, cout = w.shape[-2], w.shape[-1]
    return w.reshape(-1, cg, groups, cout // groups).transpose(2, 0, 1, 3).reshape(groups, -1, cout // groups)


def _conv_backprop_input_forward(g, w, input_shape, strides, dilations, pads, groups=1):
    n = len(input_shape) - 2
    if (groups == 1 and all(s == 1 for s in strides) and all(input_shape)
            and _use_chunks(g.size // max(g.shape[-1], 1), w.size // max(w.shape[-1], 1), g, w)):
        dx = _backprop_input_stride1(g, w, dilations, pads)
        if dx is not None:
            return dx
    ks = w.shape[:n]
    b, out, cin = g.shape[0], g.shape[1:-1], input_shape[-1]
    if groups > 1:
        m = b * int(np.prod(out))
        gg = g.reshape(m, groups, -1).transpose(1, 0, 2)                    # (G, m, og)
        c = gg @ _group_filter(w, groups).transpose(0, 2, 1)                 # (G, m, K*cg)
        cols = c.reshape(groups, m, -1, cin // groups).transpose(1, 2, 0, 3).reshape((b,) + out + ks + (cin,))
    else:
        cols = (g.reshape(-1, g.shape[-1]) @ w.reshape(-1, w.shape[-1]).T).reshape((b,) + out + ks + (cin,))
    padded = (b,) + tuple(input_shape[i + 1] + pads[i][0] + pads[i][1] for i in range(n)) + (cin,)
    dxp = _full(padded, 0, np.result_type(g.dtype, w.dtype), g)
    lead = (slice(None),) * (n + 1)
    for kidx in itertools.product(*map(range, ks)):
        dxp[_offset_slices(kidx, out, strides, dilations)] += cols[lead + kidx]
    return _crop(dxp, pads)


def _conv_backprop_filter_forward(x, g, filter_shape, strides, dilations, pads, groups=1):
    n = x.ndim - 2
    ks = tuple(filter_shape[:n])
    if groups == 1 and _use_chunks(g.size // max(g.shape[-1], 1), int(np.prod(filter_shape[:-1])), x, g):
        return _backprop_filter_chunked(x, g, filter_shape, strides, dilations, pads)
    out = g.shape[1:-1]
    cols = _windows(_pad(x, pads), out, ks, strides, dilations)
    m = g.shape[0] * int(np.prod(out))
    if groups > 1:
        gg = g.reshape(m, groups, -1).transpose(1, 0, 2)                    # (G, m, og)
        dw = _group_cols(cols.reshape(m, -1), groups, x.shape[-1]).transpose(0, 2, 1) @ gg   # (G, K*cg, og)
        cg = filter_shape[-2]
        return dw.reshape(groups, -1, cg, gg.shape[-1]).transpose(1, 2, 0, 3).reshape(filter_shape)
    dw = cols.reshape(m, -1).T @ g.reshape(m, -1)
    return dw.reshape(filter_shape)


_CONV: dict = {}


def _conv_apply(n: int, x: Tensor, w: Tensor, attrs: dict) -> Tensor:
    return apply(_CONV[n, "conv"], (x, w), attrs)


def _bpi_apply(n: int, g: Tensor, w: Tensor, input_shape: tuple, attrs: dict) -> Tensor:
    return apply(_CONV[n, "bpi"], (g, w), dict(attrs, input_shape=tuple(input_shape)))


def _bpf_apply(n: int, x: Tensor, g: Tensor, filter_shape: tuple, attrs: dict) -> Tensor:
    return apply(_CONV[n, "bpf"], (x, g), dict(attrs, filter_shape=tuple(filter_shape)))


def _register_conv(n: int) -> None:
    name = f"conv{n}d"

    def conv_dx(g, ans, x, w, **a):
        return _bpi_apply(n, g, w, np.shape(x._value), a)

    def conv_dw(g, ans, x, w, **a):
        return _bpf_apply(n, x, g, np.shape(w._value), a)

    def bpi_dg(h, ans, g, w, input_shape, **a):
        return _conv_apply(n, h, w, a)

    def bpi_dw(h, ans, g, w, input_shape, **a):
        return _bpf_apply(n, h, g, np.shape(w._value), a)

    def bpf_dx(h, ans, x, g, filter_shape, **a):
        return _bpi_apply(n, g, h, np.shape(x._value), a)

    def bpf_dg(h, ans, x, g, filter_shape, **a):
        return _conv_apply(n, x, h, a)

    _CONV[n, "conv"] = Op(
        name, via_float32(_conv_forward), vjp=(conv_dx, conv_dw), kinds="fV",
        doc=f"{n}-D channels-last convolution (cross-correlation, TF's Conv{n}D). d/dx = "
            f"conv{n}d_backprop_input(g, w) (a transposed convolution), d/dw = "
            f"conv{n}d_backprop_filter(x, g) (a correlation of input and upstream).")
    _CONV[n, "bpi"] = Op(
        f"{name}_backprop_input", via_float32(_conv_backprop_input_forward), vjp=(bpi_dg, bpi_dw), kinds="fV",
        doc=f"Gradient of conv{n}d with respect to its input (TF's Conv{n}DBackpropInput; also "
            f"conv{n}d_transpose). Linear in g and w: d/dg = conv{n}d(h, w), d/dw = "
            f"conv{n}d_backprop_filter(h, g).")
    _CONV[n, "bpf"] = Op(
        f"{name}_backprop_filter", via_float32(_conv_backprop_filter_forward), vjp=(bpf_dx, bpf_dg), kinds="fV",
        doc=f"Gradient of conv{n}d with respect to its filter (TF's Conv{n}DBackpropFilter). Linear "
            f"in x and g: d/dx = conv{n}d_backprop_input(g, h), d/dg = conv{n}d(x, h).")


for _n in (1, 2, 3):
    _register_conv(_n)

CONV1D, CONV2D, CONV3D = _CONV[1, "conv"], _CONV[2, "conv"], _CONV[3, "conv"]
CONV1D_BACKPROP_INPUT, CONV2D_BACKPROP_INPUT, CONV3D_BACKPROP_INPUT = (_CONV[k, "bpi"] for k in (1, 2, 3))
CONV1D_BACKPROP_FILTER, CONV2D_BACKPROP_FILTER, CONV3D_BACKPROP_FILTER = (_CONV[k, "bpf"] for k in (1, 2, 3))


# -- public convolution functions --------------------------------------------------------------

def _float_pair(op: str, x: Any, w: Any) -> tuple:
    x = convert_to_tensor(x)
    w = convert_to_tensor(w, dtype_hint=x._value.dtype)
    xd, wd = x._value.dtype, w._value.dtype
    if xd.kind not in "fV":
        raise TypeError(f"{op}: input must be a floating tensor (float16/32/64, bfloat16), got {x.dtype.name}. "
                        "Cast it first, e.g. tf.cast(x, tf.float32).")
    if wd != xd:
        raise InvalidArgumentError(
            f"{op}: cannot compute {op} as input #1(zero-based) was expected to be a {x.dtype.name} "
            f"tensor but is a {w.dtype.name} tensor. Cast the filters: tf.cast(filters, tf.{x.dtype.name}).")
    return x, w


def _channels_first(data_format: Optional[str], n: int, op: str) -> bool:
    if data_format is None:
        return False
    fmt = data_format.upper()
    last, first = _FMT[n]
    if fmt == last or (fmt.startswith("N") and fmt.endswith("C")):
        return False
    if fmt == first or (fmt.startswith("NC")):
        return True
    raise ValueError(f"{op}: data_format must be {last!r} or {first!r}, got {data_format!r}.")


def _to_last(x: Tensor, n: int) -> Tensor:
    from .shape import transpose
    return transpose(x, (0,) + tuple(range(2, n + 2)) + (1,))


def _to_first(x: Tensor, n: int) -> Tensor:
    from .shape import transpose
    return transpose(x, (0, n + 1) + tuple(range(1, n + 1)))


def _spatial_rank(value: Any, op: str, what: str, hint: str = "") -> int:
    """N for an N-D op taking ``value`` (rank N + 2); only 1-, 2- and 3-D are implemented."""
    n = np.ndim(getattr(value, "_value", value)) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"{op}: {what} must have rank 3, 4 or 5{hint}, got rank {n + 2}.")
    return n


def _conv_nd(n: int, op: str, input: Any, filters: Any, strides: Any, padding: Any,  # noqa: A002
             data_format: Optional[str], dilations: Any) -> Tensor:
    x, w = _float_pair(op, input, filters)
    xs, ws = np.shape(x._value), np.shape(w._value)
    if len(ws) != n + 2:
        raise ValueError(f"{op}: filters must have rank {n + 2} (*kernel, in_channels, out_channels), "
                         f"got shape {list(ws)}.")
    if len(xs) < n + 2:
        raise ValueError(f"{op}: input must have rank {n + 2} (batch, *spatial, channels), got shape "
                         f"{list(xs)}.")
    first = _channels_first(data_format, n, op)
    batch_shape = None
    if len(xs) > n + 2:  # TF accepts extra leading batch dimensions
        from .shape import reshape
        batch_shape = xs[:len(xs) - n - 1]
        x = reshape(x, (-1,) + tuple(xs[len(xs) - n - 1:]))
    if first:
        x = _to_last(x, n)
    xv = x._value
    strides = _norm_ints(strides, n, "strides", op)
    dilations = _norm_ints(dilations, n, "dilations", op)
    groups = 1
    if xv.shape[-1] != ws[-2]:
        if not (ws[-2] and xv.shape[-1] % ws[-2] == 0):
            raise InvalidArgumentError(f"{op}: input depth must be evenly divisible by filter depth: "
                                       f"{xv.shape[-1]} vs {ws[-2]} (input shape {list(xs)}, filter shape "
                                       f"{list(ws)}).")
        groups = xv.shape[-1] // ws[-2]         # a grouped convolution, as TF infers it
        if ws[-1] % groups:
            raise InvalidArgumentError(f"{op}: a grouped convolution ({groups} groups: input depth "
                                       f"{xv.shape[-1]}, filter depth {ws[-2]}) needs the number of output "
                                       f"channels ({ws[-1]}) to be a multiple of {groups}.")
    pad_arg = padding
    if first and not isinstance(padding, (str, bytes)):
        p = [tuple(v) for v in padding]
        pad_arg = [p[0]] + p[2:] + [p[1]] if len(p) == n + 2 else p
    pads, _ = _pads_and_out(xv.shape[1:-1], ws[:n], strides, dilations, pad_arg, op)
    attrs = {"strides": strides, "dilations": dilations, "pads": pads}
    if groups > 1:
        attrs["groups"] = groups
    y = _conv_apply(n, x, w, attrs)
    if first:
        y = _to_first(y, n)
    if batch_shape is not None:
        from .shape import reshape
        y = reshape(y, tuple(batch_shape) + tuple(np.shape(y._value)[1:]))
    return y


def conv1d(input: Any, filters: Any, stride: Any = 1, padding: Any = "VALID",  # noqa: A002
           data_format: str = "NWC", dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """1-D convolution of ``(batch, width, in)`` with filters ``(k, in, out)`` (``tf.nn.conv1d``)."""
    return _conv_nd(1, "conv1d", input, filters, stride, padding, data_format, dilations)


def conv2d(input: Any, filters: Any, strides: Any = 1, padding: Any = "VALID",  # noqa: A002
           data_format: str = "NHWC", dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """2-D convolution of ``(batch, h, w, in)`` with filters ``(kh, kw, in, out)`` (``tf.nn.conv2d``).

    ``padding='SAME'`` pads like TF (the odd extra row/column at the bottom/right).
    """
    return _conv_nd(2, "conv2d", input, filters, strides, padding, data_format, dilations)


def conv3d(input: Any, filters: Any, strides: Any = 1, padding: Any = "VALID",  # noqa: A002
           data_format: str = "NDHWC", dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """3-D convolution of ``(batch, d, h, w, in)`` with filters ``(kd, kh, kw, in, out)`` (``tf.nn.conv3d``)."""
    return _conv_nd(3, "conv3d", input, filters, strides, padding, data_format, dilations)


def convolution(input: Any, filters: Any, strides: Any = None, padding: Any = "VALID",  # noqa: A002
                data_format: Optional[str] = None, dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """N-D convolution, N = rank(filters) - 2 in {1, 2, 3} (``tf.nn.convolution``)."""
    n = _spatial_rank(filters, "convolution", "filters", " (1-D, 2-D or 3-D convolution)")
    return _conv_nd(n, "convolution", input, filters, strides, padding, data_format, dilations)


def _conv_transpose_nd(n: int, op: str, input: Any, filters: Any, output_shape: Any, strides: Any,  # noqa: A002
                       padding: Any, data_format: Optional[str], dilations: Any) -> Tensor:
    g, w = _float_pair(op, input, filters)
    gs, ws = np.shape(g._value), np.shape(w._value)
    if len(ws) != n + 2 or len(gs) != n + 2:
        raise ValueError(f"{op}: input must have rank {n + 2} and filters rank {n + 2} "
                         f"(*kernel, out_channels, in_channels); got shapes {list(gs)} and {list(ws)}.")
    if isinstance(output_shape, Tensor):
        output_shape = np.asarray(output_shape._value).tolist()
    out_shape = tuple(int(v) for v in output_shape)
    first = _channels_first(data_format, n, op)
    if first:
        g = _to_last(g, n)
        out_shape = (out_shape[0],) + out_shape[2:] + (out_shape[1],)
    if len(out_shape) != n + 2:
        raise ValueError(f"{op}: output_shape must have {n + 2} entries, got {list(output_shape)}.")
    strides = _norm_ints(strides, n, "strides", op)
    dilations = _norm_ints(dilations, n, "dilations", op)
    if g._value.shape[-1] != ws[-1]:
        raise InvalidArgumentError(f"{op}: input depth {g._value.shape[-1]} must equal the filters' last "
                                   f"dimension (in_channels) {ws[-1]}; filters are (*kernel, out, in).")
    if out_shape[-1] != ws[-2]:
        raise InvalidArgumentError(f"{op}: output_shape depth {out_shape[-1]} must equal the filters' "
                                   f"out_channels {ws[-2]}.")
    pads, outs = _pads_and_out(out_shape[1:-1], ws[:n], strides, dilations, padding, op)
    if tuple(outs) != tuple(g._value.shape[1:-1]) or out_shape[0] != g._value.shape[0]:
        raise InvalidArgumentError(
            f"{op}: output_shape {list(out_shape)} is not compatible with the input shape "
            f"{list(g._value.shape)}: a forward convolution of that shape gives spatial size {list(outs)}.")
    y = _bpi_apply(n, g, w, out_shape, {"strides": strides, "dilations": dilations, "pads": pads})
    return _to_first(y, n) if first else y


def conv1d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: str = "SAME",  # noqa: A002
                     data_format: str = "NWC", dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """Transposed 1-D convolution (``tf.nn.conv1d_transpose``); filters ``(k, out, in)``."""
    return _conv_transpose_nd(1, "conv1d_transpose", input, filters, output_shape, strides, padding,
                              data_format, dilations)


def conv2d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: str = "SAME",  # noqa: A002
                     data_format: str = "NHWC", dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """Transposed 2-D convolution, the gradient of conv2d w.r.t. its input (``tf.nn.conv2d_transpose``).

    ``filters`` are ``(kh, kw, out_channels, in_channels)`` and ``output_shape`` the full NHWC shape.
    """
    return _conv_transpose_nd(2, "conv2d_transpose", input, filters, output_shape, strides, padding,
                              data_format, dilations)


def conv3d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: str = "SAME",  # noqa: A002
                     data_format: str = "NDHWC", dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """Transposed 3-D convolution (``tf.nn.conv3d_transpose``); filters ``(kd, kh, kw, out, in)``."""
    return _conv_transpose_nd(3, "conv3d_transpose", input, filters, output_shape, strides, padding,
                              data_format, dilations)


def conv_transpose(input: Any, filters: Any, output_shape: Any, strides: Any, padding: str = "SAME",  # noqa: A002
                   data_format: Optional[str] = None, dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """N-D transposed convolution, N = rank(filters) - 2 (``tf.nn.conv_transpose``)."""
    n = _spatial_rank(filters, "conv_transpose", "filters")
    return _conv_transpose_nd(n, "conv_transpose", input, filters, output_shape, strides, padding,
                              data_format, dilations)


# -- the gradient primitives as functions (TF's raw ops; used by tests and advanced code) --------

def _backprop_attrs(op: str, in_sizes: Sequence[int], ks: Sequence[int], strides: Any, padding: Any,
                    dilations: Any, g: Tensor, where: str = "") -> dict:
    """Normalised attrs of a raw backprop op; the upstream ``g`` must have the forward output's shape."""
    n = len(ks)
    strides = _norm_ints(strides, n, "strides", op)
    dilations = _norm_ints(dilations, n, "dilations", op)
    pads, outs = _pads_and_out(in_sizes, ks, strides, dilations, padding, op)
    got = np.shape(g._value)[1:-1]
    if tuple(outs) != tuple(got):
        raise InvalidArgumentError(f"{op}: out_backprop spatial shape {list(got)} does not match the "
                                   f"forward output {list(outs)}{where}.")
    return {"strides": strides, "dilations": dilations, "pads": pads}


def conv_backprop_input(input_sizes: Any, filters: Any, out_backprop: Any, strides: Any, padding: Any,
                        dilations: Any = None) -> Tensor:
    """Gradient of an N-D channels-last convolution w.r.t. its input (TF's ``Conv{N}DBackpropInput``).

    ``filters`` are ``(*kernel, in_channels, out_channels)`` as in the forward convolution.
    """
    g, w = _float_pair("conv_backprop_input", out_backprop, filters)
    n = np.ndim(w._value) - 2
    sizes = tuple(int(v) for v in np.asarray(getattr(input_sizes, "_value", input_sizes)).tolist())
    attrs = _backprop_attrs("conv_backprop_input", sizes[1:-1], np.shape(w._value)[:n], strides, padding,
                            dilations, g, f" of an input of shape {list(sizes)}")
    return _bpi_apply(n, g, w, sizes, attrs)


def conv_backprop_filter(input: Any, filter_sizes: Any, out_backprop: Any, strides: Any,  # noqa: A002
                         padding: Any, dilations: Any = None) -> Tensor:
    """Gradient of an N-D channels-last convolution w.r.t. its filters (TF's ``Conv{N}DBackpropFilter``)."""
    x, g = _float_pair("conv_backprop_filter", input, out_backprop)
    sizes = tuple(int(v) for v in np.asarray(getattr(filter_sizes, "_value", filter_sizes)).tolist())
    n = len(sizes) - 2
    attrs = _backprop_attrs("conv_backprop_filter", np.shape(x._value)[1:-1], sizes[:n], strides, padding,
                            dilations, g)
    return _bpf_apply(n, x, g, sizes, attrs)


# -- pooling primitives ------------------------------------------------------------------------

def _pool_geometry(xshape: tuple, ksize: tuple, strides: tuple, pads: tuple) -> tuple:
    n = len(ksize)
    return tuple((xshape[i + 1] + pads[i][0] + pads[i][1] - ksize[i]) // strides[i] + 1 for i in range(n))


def _lowest(dtype: np.dtype) -> Any:
    if dtype.kind == "f":
        return -np.inf
    return np.iinfo(dtype).min


def _tiles(x, ksize, strides, pads, fill):
    """For non-overlapping windows (stride == ksize): the padded input as ``(B, o1, k1, o2, k2, ..., C)``
    (a view when no padding is needed), else None."""
    if tuple(strides) != tuple(ksize):
        return None
    out = _pool_geometry(x.shape, ksize, strides, pads)
    xp = _pad(x, pads, fill)
    xp = xp[(slice(None),) + tuple(slice(0, o * k) for o, k in zip(out, ksize)) + (slice(None),)]
    shape = (x.shape[0],) + tuple(d for o, k in zip(out, ksize) for d in (o, k)) + (x.shape[-1],)
    return xp.reshape(shape), out


def _tile_axes(n):
    return tuple(2 + 2 * i for i in range(n))


def _tile_offset(kidx: tuple) -> tuple:
    """Index of window offset ``kidx`` in a ``(B, o1, k1, o2, k2, ..., C)`` tile view."""
    return (slice(None),) + tuple(v for k in kidx for v in (slice(None), k)) + (slice(None),)


def _tile_max(t, ksize):
    """Maximum of each tile: a running ``np.maximum`` over the window offsets (each a strided view
    of the tiles), faster than a reduction over the interleaved window axes."""
    y = None
    for kidx in itertools.product(*map(range, ksize)):
        s = t[_tile_offset(kidx)]
        if y is None:
            y = s.copy()
        else:
            np.maximum(y, s, out=y)
    return y


def _tile_first_max(t, ksize):
    """``[(offset index, mask)]``: for each window offset, where it holds its tile's **first**
    maximum (TF's tie rule), from equality with the maximum; None when some tile has no maximum
    equal to itself (a NaN), which the argmax path handles."""
    m = _tile_max(t, ksize)
    taken = None
    masks = []
    for kidx in itertools.product(*map(range, ksize)):
        ix = _tile_offset(kidx)
        eq = t[ix] == m
        if taken is None:
            taken = eq.copy()
        else:
            eq &= ~taken
            taken |= eq
        masks.append((ix, eq))
    if not taken.all():
        return None
    return masks


def _max_pool_forward(x, ksize, strides, pads):
    tiled = _tiles(x, ksize, strides, pads, _lowest(x.dtype))
    if tiled is not None:
        if type(x) is np.ndarray:
            return _tile_max(tiled[0], ksize)
        return tiled[0].max(axis=_tile_axes(len(ksize)))
    xp = _pad(x, pads, _lowest(x.dtype))
    out = _pool_geometry(x.shape, ksize, strides, pads)
    ones = (1,) * len(ksize)
    y = None
    for kidx in itertools.product(*map(range, ksize)):
        s = xp[_offset_slices(kidx, out, strides, ones)]
        if y is None:
            y = s.copy()
        else:
            np.maximum(y, s, out=y)
    return y


def _argmax_windows(x, ksize, strides, pads):
    """Index (in C order over the window) of the first maximum of each window: TF's tie rule."""
    xp = _pad(x, pads, _lowest(x.dtype))
    out = _pool_geometry(x.shape, ksize, strides, pads)
    ones = (1,) * len(ksize)
    best = idx = None
    for j, kidx in enumerate(itertools.product(*map(range, ksize))):
        s = xp[_offset_slices(kidx, out, strides, ones)]
        if best is None:
            best = s.copy()
            idx = _full(s.shape, 0, np.int32, s)
        else:
            better = s > best  # strictly greater: the first maximum keeps the gradient
            idx[better] = j
            np.maximum(best, s, out=best)
    return idx, out, xp.shape


def _tile_argmax(t, n):
    """First maximum of each tile in row-major window order: ``(B, *out, C)`` indices and the
    permutation that puts the window axes last."""
    perm = (0,) + tuple(1 + 2 * i for i in range(n)) + (2 * n + 1,) + _tile_axes(n)
    w = t.transpose(perm)
    w = w.reshape(w.shape[:n + 2] + (-1,))
    return np.argmax(w, axis=-1), perm


def _max_pool_grad_forward(x, g, ksize, strides, pads):
    n = len(ksize)
    tiled = _tiles(x, ksize, strides, pads, _lowest(x.dtype))
    masks = _tile_first_max(tiled[0], ksize) if tiled is not None and type(x) is np.ndarray \
        and type(g) is np.ndarray else None
    if masks is not None:       # g times each offset's first-maximum mask, into that offset's view
        out = tiled[1]
        full = tuple(x.shape[i + 1] + pads[i][0] + pads[i][1] for i in range(n))
        tiled_sizes = tuple(o * k for o, k in zip(out, ksize))
        dxp = (np.empty if tiled_sizes == full else np.zeros)((x.shape[0],) + full + (x.shape[-1],), dtype=g.dtype)
        dxt = dxp[(slice(None),) + tuple(slice(0, d) for d in tiled_sizes) + (slice(None),)]
        dxt = dxt.reshape((x.shape[0],) + tuple(d for o, k in zip(out, ksize) for d in (o, k)) + (x.shape[-1],))
        for ix, eq in masks:
            np.multiply(g, eq, out=dxt[ix])
        return _crop(dxp, pads)
    if tiled is not None:
        t, out = tiled
        idx, perm = _tile_argmax(t, n)
        k = int(np.prod(ksize))
        ar = np.arange(k) if isinstance(idx, np.ndarray) else np.arange(k, like=idx)
        onehot = (idx[..., None] == ar) * g[..., None]          # (B, *out, C, K)
        win = onehot.reshape(onehot.shape[:-1] + tuple(ksize)).astype(g.dtype, copy=False)
        back = [0] * len(perm)
        for i, p_ in enumerate(perm):
            back[p_] = i
        dxt = win.transpose(tuple(back)).reshape((x.shape[0],) + tuple(o * kk for o, kk in zip(out, ksize))
                                          + (x.shape[-1],))
        full = tuple(x.shape[i + 1] + pads[i][0] + pads[i][1] for i in range(n))
        if dxt.shape[1:-1] != full:   # VALID with a remainder: the unused rows/columns get zeros
            dxp = _full((x.shape[0],) + full + (x.shape[-1],), 0, g.dtype, g)
            dxp[(slice(None),) + tuple(slice(0, d) for d in dxt.shape[1:-1]) + (slice(None),)] = dxt
            dxt = dxp
        return _crop(dxt, pads)
    idx, out, padded = _argmax_windows(x, ksize, strides, pads)
    dxp = _full(padded[:1] + padded[1:], 0, g.dtype, g)
    ones = (1,) * len(ksize)
    zero = g.dtype.type(0)
    for j, kidx in enumerate(itertools.product(*map(range, ksize))):
        dxp[_offset_slices(kidx, out, strides, ones)] += np.where(idx == j, g, zero)
    return _crop(dxp, pads)


def _max_pool_grad_grad_forward(x, h, ksize, strides, pads):
    n = len(ksize)
    tiled = _tiles(x, ksize, strides, pads, _lowest(x.dtype))
    masks = _tile_first_max(tiled[0], ksize) if tiled is not None and type(x) is np.ndarray \
        and type(h) is np.ndarray else None
    if masks is not None:
        ht, _ = _tiles(h, ksize, strides, pads, 0)
        y = np.zeros(masks[0][1].shape, dtype=h.dtype)
        for ix, eq in masks:
            np.copyto(y, ht[ix], where=eq)
        return y
    if tiled is not None:
        idx, perm = _tile_argmax(tiled[0], n)
        ht, _ = _tiles(h, ksize, strides, pads, 0)
        hw = ht.transpose(perm)
        hw = hw.reshape(hw.shape[:n + 2] + (-1,))
        return np.take_along_axis(hw, idx[..., None], axis=-1)[..., 0]
    idx, out, _ = _argmax_windows(x, ksize, strides, pads)
    hp = _pad(h, pads)
    ones = (1,) * len(ksize)
    y = _full(idx.shape, 0, h.dtype, h)
    for j, kidx in enumerate(itertools.product(*map(range, ksize))):
        s = hp[_offset_slices(kidx, out, strides, ones)]
        np.copyto(y, s, where=idx == j)
    return y


def _valid_counts(xshape: tuple, ksize: tuple, strides: tuple, pads: tuple, out: tuple, dtype, ref) -> np.ndarray:
    """Number of real (non-padding) entries in each window, shape ``(1, *out, 1)``, on ``ref``'s kind of array."""
    counts = np.ones((1,) * (len(ksize) + 2), dtype=dtype)
    for i, (size, k, s, (lo, _)) in enumerate(zip(xshape[1:-1], ksize, strides, pads)):
        start = np.arange(out[i]) * s - lo
        c = (np.minimum(start + k, size) - np.maximum(start, 0)).astype(dtype)
        shape = [1] * (len(ksize) + 2)
        shape[i + 1] = out[i]
        counts = counts * c.reshape(shape)
    return _array.like(ref, counts)


def _avg_pool_forward(x, ksize, strides, pads):
    xp = _pad(x, pads)
    out = _pool_geometry(x.shape, ksize, strides, pads)
    ones = (1,) * len(ksize)
    y = None
    for kidx in itertools.product(*map(range, ksize)):
        s = xp[_offset_slices(kidx, out, strides, ones)]
        if y is None:
            y = s.copy()
        else:
            y += s
    return y / _valid_counts(x.shape, ksize, strides, pads, out, x.dtype, x)


def _avg_pool_grad_forward(g, input_shape, ksize, strides, pads):
    out = g.shape[1:-1]
    gs = g / _valid_counts(input_shape, ksize, strides, pads, out, g.dtype, g)
    n = len(ksize)
    padded = (input_shape[0],) + tuple(input_shape[i + 1] + pads[i][0] + pads[i][1] for i in range(n)) \
        + (input_shape[-1],)
    dxp = _full(padded, 0, g.dtype, g)
    ones = (1,) * n
    for kidx in itertools.product(*map(range, ksize)):
        dxp[_offset_slices(kidx, out, strides, ones)] += gs
    return _crop(dxp, pads)


_POOL: dict = {}


def _register_pool(n: int) -> None:
    def max_dx(g, ans, x, **a):
        return apply(_POOL[n, "max_grad"], (x, g), a)

    def max_grad_dg(h, ans, x, g, **a):
        return apply(_POOL[n, "max_grad_grad"], (x, h), a)

    def max_grad_grad_dh(g2, ans, x, h, **a):
        return apply(_POOL[n, "max_grad"], (x, g2), a)

    def avg_dx(g, ans, x, **a):
        return apply(_POOL[n, "avg_grad"], (g,), dict(a, input_shape=tuple(np.shape(x._value))))

    def avg_grad_dg(h, ans, g, input_shape, **a):
        return apply(_POOL[n, "avg"], (h,), a)

    _POOL[n, "max"] = Op(
        f"max_pool{n}d", via_float32(_max_pool_forward), vjp=(max_dx,), kinds=NUMERIC,
        doc=f"{n}-D max pooling (TF's MaxPool). The whole gradient of a window goes to its first "
            f"maximum (ties: [1, 0, 0, 0]), via max_pool{n}d_grad; SAME pads with -inf.")
    _POOL[n, "max_grad"] = Op(
        f"max_pool{n}d_grad", via_float32(_max_pool_grad_forward), vjp=(None, max_grad_dg), kinds="fV",
        doc=f"Gradient of max_pool{n}d (TF's MaxPoolGrad): scatters g to each window's first maximum "
            f"of x. Linear in g: d/dg = max_pool{n}d_grad_grad(x, h); piecewise constant in x (no "
            f"gradient, as TF).")
    _POOL[n, "max_grad_grad"] = Op(
        f"max_pool{n}d_grad_grad", via_float32(_max_pool_grad_grad_forward), vjp=(None, max_grad_grad_dh), kinds="fV",
        doc=f"Gradient of max_pool{n}d_grad w.r.t. g (TF's MaxPoolGradGrad): picks h at each "
            f"window's first maximum of x. d/dh = max_pool{n}d_grad(x, g).")
    _POOL[n, "avg"] = Op(
        f"avg_pool{n}d", via_float32(_avg_pool_forward), vjp=(avg_dx,), kinds="fV",
        doc=f"{n}-D average pooling (TF's AvgPool); SAME divides by the number of real entries. "
            f"Linear: d/dx = avg_pool{n}d_grad(g).")
    _POOL[n, "avg_grad"] = Op(
        f"avg_pool{n}d_grad", via_float32(_avg_pool_grad_forward), vjp=(avg_grad_dg,), kinds="fV",
        doc=f"Gradient of avg_pool{n}d (TF's AvgPoolGrad), its adjoint: spreads g / count over each "
            f"window. d/dg = avg_pool{n}d(h).")


for _n in (1, 2, 3):
    _register_pool(_n)

MAX_POOL1D, MAX_POOL2D, MAX_POOL3D = (_POOL[k, "max"] for k in (1, 2, 3))
AVG_POOL1D, AVG_POOL2D, AVG_POOL3D = (_POOL[k, "avg"] for k in (1, 2, 3))


def _pool_nd(n: int, kind: str, op: str, input: Any, ksize: Any, strides: Any, padding: Any,  # noqa: A002
             data_format: Optional[str]) -> Tensor:
    x = convert_to_tensor(input)
    xs = np.shape(x._value)
    if len(xs) != n + 2:
        raise ValueError(f"{op}: input must have rank {n + 2} (batch, *spatial, channels), got shape "
                         f"{list(xs)}.")
    k = x._value.dtype.kind
    if kind == "avg" and k not in "fV":
        raise TypeError(f"{op}: input must be floating, got {x.dtype.name}. Cast it first, e.g. "
                        "tf.cast(x, tf.float32).")
    if kind == "max" and k not in "fiuV":
        raise TypeError(f"{op}: input must be a real number tensor, got {x.dtype.name}.")
    if strides is None:
        raise TypeError(f"{op}: missing required argument 'strides'.")
    ksize = _norm_ints(ksize, n, "ksize", op)
    strides = _norm_ints(strides, n, "strides", op)
    if not isinstance(padding, (str, bytes)):
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}.")
    first = _channels_first(data_format, n, op)
    if first:
        x = _to_last(x, n)
    pads, _ = _pads_and_out(x._value.shape[1:-1], ksize, strides, (1,) * n, padding, op)
    y = apply(_POOL[n, kind], (x,), {"ksize": ksize, "strides": strides, "pads": pads})
    return _to_first(y, n) if first else y


def _pool_attrs(op: str, shape: tuple, ksize: Any, strides: Any, padding: Any) -> dict:
    n = len(shape) - 2
    ksize = _norm_ints(ksize, n, "ksize", op)
    strides = _norm_ints(strides, n, "strides", op)
    pads, _ = _pads_and_out(shape[1:-1], ksize, strides, (1,) * n, padding, op)
    return {"ksize": ksize, "strides": strides, "pads": pads}


def _input_and_grad(orig_input: Any, grad: Any) -> tuple:
    """The pooled input and an upstream gradient; a non-tensor input takes the gradient's dtype."""
    g = convert_to_tensor(grad)
    if isinstance(orig_input, (np.ndarray, list, tuple)) and g._value.dtype.kind == "f":
        x = convert_to_tensor(np.asarray(orig_input, dtype=g._value.dtype))
    else:
        x = convert_to_tensor(orig_input)
    if x._value.dtype != g._value.dtype:
        raise InvalidArgumentError(f"max_pool_grad: input ({x.dtype.name}) and gradient ({g.dtype.name}) "
                                   "must have the same dtype.")
    return x, g


def max_pool_grad(orig_input: Any, grad: Any, ksize: Any, strides: Any, padding: str) -> Tensor:
    """Gradient of channels-last max pooling (TF's ``MaxPoolGrad``): ``grad`` to each window's first max."""
    x, g = _input_and_grad(orig_input, grad)
    n = np.ndim(x._value) - 2
    return apply(_POOL[n, "max_grad"], (x, g), _pool_attrs("max_pool_grad", np.shape(x._value), ksize,
                                                            strides, padding))


def max_pool_grad_grad(orig_input: Any, grad: Any, ksize: Any, strides: Any, padding: str) -> Tensor:
    """TF's ``MaxPoolGradGrad``: ``grad`` (input-shaped) read at each window's first maximum."""
    x, h = _input_and_grad(orig_input, grad)
    n = np.ndim(x._value) - 2
    return apply(_POOL[n, "max_grad_grad"], (x, h), _pool_attrs("max_pool_grad_grad", np.shape(x._value),
                                                                 ksize, strides, padding))


def avg_pool_grad(orig_input_shape: Any, grad: Any, ksize: Any, strides: Any, padding: str) -> Tensor:
    """Gradient of channels-last average pooling (TF's ``AvgPoolGrad``)."""
    g = convert_to_tensor(grad)
    shape = tuple(int(v) for v in np.asarray(getattr(orig_input_shape, "_value", orig_input_shape)).tolist())
    n = len(shape) - 2
    attrs = _pool_attrs("avg_pool_grad", shape, ksize, strides, padding)
    return apply(_POOL[n, "avg_grad"], (g,), dict(attrs, input_shape=shape))


def max_pool1d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NWC",  # noqa: A002
               name: Optional[str] = None) -> Tensor:
    """1-D max pooling (``tf.nn.max_pool1d``); gradient to the first maximum of each window."""
    return _pool_nd(1, "max", "max_pool1d", input, ksize, strides, padding, data_format)


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",  # noqa: A002
               name: Optional[str] = None) -> Tensor:
    """2-D max pooling (``tf.nn.max_pool2d``); gradient to the first maximum of each window, as TF."""
    return _pool_nd(2, "max", "max_pool2d", input, ksize, strides, padding, data_format)


def max_pool3d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC",  # noqa: A002
               name: Optional[str] = None) -> Tensor:
    """3-D max pooling (``tf.nn.max_pool3d``)."""
    return _pool_nd(3, "max", "max_pool3d", input, ksize, strides, padding, data_format)


def max_pool(input: Any, ksize: Any, strides: Any, padding: str, data_format: Optional[str] = None,  # noqa: A002
             name: Optional[str] = None) -> Tensor:
    """N-D max pooling, N = rank(input) - 2 (``tf.nn.max_pool``)."""
    n = _spatial_rank(input, "max_pool", "input")
    return _pool_nd(n, "max", "max_pool", input, ksize, strides, padding, data_format)


def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NWC",  # noqa: A002
               name: Optional[str] = None) -> Tensor:
    """1-D average pooling (``tf.nn.avg_pool1d``); SAME averages over real entries only."""
    return _pool_nd(1, "avg", "avg_pool1d", input, ksize, strides, padding, data_format)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",  # noqa: A002
               name: Optional[str] = None) -> Tensor:
    """2-D average pooling (``tf.nn.avg_pool2d``); SAME averages over real entries only, as TF."""
    return _pool_nd(2, "avg", "avg_pool2d", input, ksize, strides, padding, data_format)


def avg_pool3d(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC",  # noqa: A002
               name: Optional[str] = None) -> Tensor:
    """3-D average pooling (``tf.nn.avg_pool3d``)."""
    return _pool_nd(3, "avg", "avg_pool3d", input, ksize, strides, padding, data_format)


def avg_pool(input: Any, ksize: Any, strides: Any, padding: str, data_format: Optional[str] = None,  # noqa: A002
             name: Optional[str] = None) -> Tensor:
    """N-D average pooling, N = rank(input) - 2 (``tf.nn.avg_pool``)."""
    n = _spatial_rank(input, "avg_pool", "input")
    return _pool_nd(n, "avg", "avg_pool", input, ksize, strides, padding, data_format)


def atrous_conv2d(value: Any, filters: Any, rate: int, padding: str, name: Optional[str] = None) -> Tensor:
    """Dilated 2-D convolution with stride 1 (``tf.nn.atrous_conv2d``): ``conv2d(..., dilations=rate)``."""
    return _conv_nd(2, "atrous_conv2d", value, filters, 1, padding, None, int(rate))


def pool(input: Any, window_shape: Any, pooling_type: str, strides: Any = None, padding: str = "VALID",  # noqa: A002
         data_format: Optional[str] = None, dilations: Any = None, name: Optional[str] = None) -> Tensor:
    """N-D max or average pooling (``tf.nn.pool``); ``strides`` default to 1 as in TF. Dilated pooling
    (dilations > 1) is not supported."""
    n = len(window_shape) if not isinstance(window_shape, int) else np.ndim(getattr(input, "_value", input)) - 2
    if dilations is not None and any(int(d) != 1 for d in np.atleast_1d(dilations)):
        raise NotImplementedError("pool: dilations > 1 are not supported by gradtape.")
    kind = {"MAX": "max", "AVG": "avg"}.get(str(pooling_type).upper())
    if kind is None:
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}.")
    return _pool_nd(n, kind, "pool", input, window_shape, 1 if strides is None else strides, padding, data_format)


__all__ = ["conv1d", "conv2d", "conv3d", "convolution", "conv1d_transpose", "conv2d_transpose",
           "conv3d_transpose", "conv_transpose", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool",
           "avg_pool1d", "avg_pool2d", "avg_pool3d", "avg_pool", "atrous_conv2d", "pool"]
