"""Op-database entries for convolution and pooling (``gradtape/ops/conv.py``, issue 4 part C1).

References are naive NumPy loops over output positions (slow, obviously right), with TF's padding
rule written out independently: SAME gives ceil(in / stride) outputs and puts the odd extra
padding at the end (bottom/right).
"""
from __future__ import annotations

import itertools

import numpy as np

import gradtape as tf
from gradtape.ops import conv as C
from op_db import OpInfo, Sample


# -- naive references --------------------------------------------------------------------------

def _tup(v, n):
    if v is None:
        return (1,) * n
    if isinstance(v, int):
        return (v,) * n
    v = tuple(v)
    if len(v) == n + 2:
        v = v[1:-1]
    return v * n if len(v) == 1 else v


def _pads(in_sizes, ks, strides, dil, padding):
    if not isinstance(padding, str):
        p = [tuple(q) for q in padding]
        return p[1:-1] if len(p) == len(in_sizes) + 2 else p
    pads = []
    for size, k, s, d in zip(in_sizes, ks, strides, dil):
        eff = (k - 1) * d + 1
        if padding == "VALID":
            pads.append((0, 0))
        else:
            out = -(-size // s)
            total = max((out - 1) * s + eff - size, 0)
            pads.append((total // 2, total - total // 2))
    return pads


def _geom(xshape, ks, strides, padding, dilations):
    n = len(ks)
    strides, dil = _tup(strides, n), _tup(dilations, n)
    pads = _pads(xshape[1:-1], ks, strides, dil, padding)
    padded = [xshape[i + 1] + pads[i][0] + pads[i][1] for i in range(n)]
    out = tuple((padded[i] - (ks[i] - 1) * dil[i] - 1) // strides[i] + 1 for i in range(n))
    return strides, dil, pads, out


def _window(o, ks, strides, dil):
    return (slice(None),) + tuple(slice(oi * s, oi * s + (k - 1) * d + 1, d)
                                  for oi, k, s, d in zip(o, ks, strides, dil)) + (slice(None),)


def ref_conv(x, w, strides=1, padding="VALID", dilations=None):
    n = x.ndim - 2
    ks = w.shape[:n]
    strides, dil, pads, out = _geom(x.shape, ks, strides, padding, dilations)
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    y = np.zeros((x.shape[0],) + out + (w.shape[-1],))
    for o in itertools.product(*map(range, out)):
        patch = xp[_window(o, ks, strides, dil)]
        y[(slice(None),) + o] = np.tensordot(patch, w, axes=(list(range(1, n + 2)), list(range(n + 1))))
    return y


def ref_conv_transpose(g, w, output_shape, strides=1, padding="SAME", dilations=None):
    """Gradient of ref_conv w.r.t. x, by scattering; ``w`` is (*k, cin, cout) as the forward filter."""
    n = g.ndim - 2
    ks = w.shape[:n]
    strides, dil, pads, out = _geom(tuple(output_shape), ks, strides, padding, dilations)
    dxp = np.zeros((output_shape[0],) + tuple(output_shape[i + 1] + pads[i][0] + pads[i][1] for i in range(n))
                   + (output_shape[-1],))
    for o in itertools.product(*map(range, out)):
        dxp[_window(o, ks, strides, dil)] += np.tensordot(g[(slice(None),) + o], w, axes=([1], [n + 1]))
    return dxp[(slice(None),) + tuple(slice(lo, dxp.shape[i + 1] - hi) for i, (lo, hi) in enumerate(pads))]


def ref_conv_filter(x, g, filter_shape, strides=1, padding="VALID", dilations=None):
    n = x.ndim - 2
    ks = tuple(filter_shape[:n])
    strides, dil, pads, out = _geom(x.shape, ks, strides, padding, dilations)
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    dw = np.zeros(filter_shape)
    for o in itertools.product(*map(range, out)):
        dw += np.tensordot(xp[_window(o, ks, strides, dil)], g[(slice(None),) + o], axes=([0], [0]))
    return dw


def ref_pool(x, ksize, strides, padding, kind):
    n = x.ndim - 2
    ks = _tup(ksize, n)
    strides, _, pads, out = _geom(x.shape, ks, strides, padding, None)
    xp = np.pad(x.astype(np.float64), [(0, 0)] + list(pads) + [(0, 0)], constant_values=np.nan)
    y = np.zeros((x.shape[0],) + out + (x.shape[-1],))
    axes = tuple(range(1, n + 1))
    for o in itertools.product(*map(range, out)):
        patch = xp[_window(o, ks, strides, (1,) * n)]
        y[(slice(None),) + o] = np.nanmax(patch, axis=axes) if kind == "max" else np.nanmean(patch, axis=axes)
    return y


def ref_max_pool_grad(x, g, ksize, strides, padding):
    """Scatter each window's upstream to the FIRST maximum of the window (row-major order)."""
    n = x.ndim - 2
    ks = _tup(ksize, n)
    strides, _, pads, out = _geom(x.shape, ks, strides, padding, None)
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=-np.inf)
    dxp = np.zeros(xp.shape)
    b, c = x.shape[0], x.shape[-1]
    for o in itertools.product(*map(range, out)):
        sl = _window(o, ks, strides, (1,) * n)
        patch = xp[sl].reshape(b, -1, c)
        first = np.argmax(patch, axis=1)            # argmax returns the first maximum
        scat = np.zeros(patch.shape)
        scat[np.arange(b)[:, None], first, np.arange(c)[None, :]] = g[(slice(None),) + o]
        dxp[sl] += scat.reshape(xp[sl].shape)
    return dxp[(slice(None),) + tuple(slice(lo, dxp.shape[i + 1] - hi) for i, (lo, hi) in enumerate(pads))]


def ref_max_pool_grad_grad(x, h, ksize, strides, padding):
    n = x.ndim - 2
    ks = _tup(ksize, n)
    strides, _, pads, out = _geom(x.shape, ks, strides, padding, None)
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=-np.inf)
    hp = np.pad(h, [(0, 0)] + list(pads) + [(0, 0)])
    b, c = x.shape[0], x.shape[-1]
    y = np.zeros((b,) + out + (c,))
    for o in itertools.product(*map(range, out)):
        sl = _window(o, ks, strides, (1,) * n)
        first = np.argmax(xp[sl].reshape(b, -1, c), axis=1)
        y[(slice(None),) + o] = hp[sl].reshape(b, -1, c)[np.arange(b)[:, None], first, np.arange(c)[None, :]]
    return y


def ref_avg_pool_grad(shape, g, ksize, strides, padding):
    """Adjoint of ref_pool(.., 'avg'): apply it to basis vectors (tiny shapes only)."""
    size = int(np.prod(shape))
    cols = []
    for k in range(size):
        e = np.zeros(size)
        e[k] = 1
        cols.append(ref_pool(e.reshape(shape), ksize, strides, padding, "avg").reshape(-1))
    jac = np.stack(cols, axis=1)  # (out_size, in_size)
    return (g.reshape(-1) @ jac).reshape(shape)


# -- samples -----------------------------------------------------------------------------------

def _n(rng, shape):
    return rng.standard_normal(shape)


def _distinct(rng, shape):
    """Distinct values with gaps >= 0.1 (max pooling needs no ties for finite differences)."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 - size * 0.05).reshape(shape).astype(np.float64)


# (name, x shape, kernel (spatial), stride, padding, dilations, out channels)
CONV_CASES = [
    ("2d-same-s2-odd", (1, 5, 5, 1), (3, 3), 2, "SAME", None, 1),     # TF: grad keeps (1,5,5,1)
    ("2d-same-s2-asym", (2, 6, 6, 2), (3, 3), 2, "SAME", None, 2),    # pad (0, 1): extra at bottom/right
    ("2d-valid-rect", (1, 7, 6, 2), (3, 2), (2, 1), "VALID", None, 3),
    ("2d-valid-remainder", (1, 6, 6, 1), (3, 3), 2, "VALID", None, 2),  # last row/col unused
    ("2d-same-dil2", (1, 6, 6, 2), (3, 3), 1, "SAME", 2, 2),
    ("2d-explicit", (1, 4, 4, 1), (2, 2), 1, [[0, 0], [1, 0], [0, 2], [0, 0]], None, 2),
    ("1d-same-s2", (2, 7, 2), (3,), 2, "SAME", None, 3),
    ("1d-valid-dil3", (1, 9, 2), (2,), 1, "VALID", 3, 2),
    ("3d-same-s2", (1, 3, 4, 3, 2), (2, 3, 2), 2, "SAME", None, 2),
    ("3d-valid", (1, 4, 3, 3, 1), (2, 2, 2), 1, "VALID", None, 2),
]


def _conv_samples(n):
    def samples(rng):
        out = []
        for name, xs, ks, s, pad, dil, cout in CONV_CASES:
            if len(xs) != n + 2:
                continue
            out.append(Sample((_n(rng, xs), _n(rng, ks + (xs[-1], cout))),
                              {"strides": s, "padding": pad, "dilations": dil}, name))
        return out
    return samples


def _bpi_samples(n):
    def samples(rng):
        out = []
        for name, xs, ks, s, pad, dil, cout in CONV_CASES:
            if len(xs) != n + 2:
                continue
            y = ref_conv(np.zeros(xs), np.zeros(ks + (xs[-1], cout)), s, pad, dil)
            out.append(Sample((_n(rng, y.shape), _n(rng, ks + (xs[-1], cout))),
                              {"input_sizes": xs, "strides": s, "padding": pad, "dilations": dil}, name))
        return out
    return samples


def _bpf_samples(n):
    def samples(rng):
        out = []
        for name, xs, ks, s, pad, dil, cout in CONV_CASES:
            if len(xs) != n + 2:
                continue
            y = ref_conv(np.zeros(xs), np.zeros(ks + (xs[-1], cout)), s, pad, dil)
            out.append(Sample((_n(rng, xs), _n(rng, y.shape)),
                              {"filter_sizes": ks + (xs[-1], cout), "strides": s, "padding": pad,
                               "dilations": dil}, name))
        return out
    return samples


_CONV_FN = {1: lambda x, w, strides, padding, dilations: tf.nn.conv1d(x, w, strides, padding, dilations=dilations),
            2: lambda x, w, strides, padding, dilations: tf.nn.conv2d(x, w, strides, padding, dilations=dilations),
            3: lambda x, w, strides, padding, dilations: tf.nn.conv3d(x, w, strides, padding, dilations=dilations)}

# (name, x spatial shape, ksize, stride, padding)
POOL_CASES = [
    ("2x2-s2-valid", 2, (4, 4), 2, 2, "VALID"),
    ("3x3-s2-same", 2, (5, 5), 3, 2, "SAME"),       # windows at the border hold padding
    ("2x2-s1-same", 2, (3, 4), 2, 1, "SAME"),       # overlapping windows, pad (0, 1)
    ("2x2-s2-same-odd", 2, (5, 3), 2, 2, "SAME"),
    ("2x2-s2-valid-remainder", 2, (5, 5), 2, 2, "VALID"),   # last row/column unused
    ("3x2-s32-same", 2, (4, 5), (3, 2), (3, 2), "SAME"),      # tiles, padded at the end
    ("1d-2-s2-valid-odd", 1, (7,), 2, 2, "VALID"),
    ("1d-3-s2-same", 1, (7,), 3, 2, "SAME"),
    ("1d-2-s1-valid", 1, (5,), 2, 1, "VALID"),
    ("3d-2-s2-same", 3, (3, 3, 2), 2, 2, "SAME"),
]


def _pool_samples(n, distinct):
    def samples(rng):
        out = []
        for name, dim, sp, k, s, pad in POOL_CASES:
            if dim != n:
                continue
            shape = (2,) + sp + (2,)
            x = _distinct(rng, shape) if distinct else _n(rng, shape)
            out.append(Sample((x,), {"ksize": k, "strides": s, "padding": pad}, name))
        return out
    return samples


def _max_grad_samples(n):
    def samples(rng):
        out = []
        for name, dim, sp, k, s, pad in POOL_CASES:
            if dim != n:
                continue
            shape = (2,) + sp + (2,)
            y = ref_pool(np.zeros(shape), k, s, pad, "max")
            out.append(Sample((_distinct(rng, shape), _n(rng, y.shape)),
                              {"ksize": k, "strides": s, "padding": pad}, name))
        if n == 2:  # ties: every window all-equal, so the first entry of each window gets the gradient
            out.append(Sample((np.ones((1, 4, 4, 1)), _n(rng, (1, 2, 2, 1))),
                              {"ksize": 2, "strides": 2, "padding": "VALID"}, "ties-all-equal"))
            out.append(Sample((np.round(_n(rng, (1, 5, 5, 2))), _n(rng, (1, 4, 4, 2))),
                              {"ksize": 2, "strides": 1, "padding": "VALID"}, "ties-overlapping"))
        return out
    return samples


def _max_grad_grad_samples(n):
    def samples(rng):
        out = []
        for name, dim, sp, k, s, pad in POOL_CASES:
            if dim != n:
                continue
            shape = (2,) + sp + (2,)
            out.append(Sample((_distinct(rng, shape), _n(rng, shape)),
                              {"ksize": k, "strides": s, "padding": pad}, name))
        if n == 2:
            out.append(Sample((np.ones((1, 4, 4, 1)), _n(rng, (1, 4, 4, 1))),
                              {"ksize": 2, "strides": 2, "padding": "VALID"}, "ties-all-equal"))
        return out
    return samples


def _avg_grad_samples(n):
    def samples(rng):
        out = []
        for name, dim, sp, k, s, pad in POOL_CASES:
            if dim != n:
                continue
            shape = (2,) + sp + (2,)
            y = ref_pool(np.zeros(shape), k, s, pad, "avg")
            out.append(Sample((shape, _n(rng, y.shape)), {"ksize": k, "strides": s, "padding": pad}, name))
        return out
    return samples


def _pool_fn(kind, n):
    f = getattr(tf.nn, f"{kind}_pool{n}d")
    return lambda x, ksize, strides, padding: f(x, ksize, strides, padding)


def _build() -> list:
    ops = []
    for n in (1, 2, 3):
        ops.append(OpInfo(f"conv{n}d", _CONV_FN[n], ref_conv, _conv_samples(n),
                          covers=(f"conv{n}d", f"conv{n}d_backprop_input", f"conv{n}d_backprop_filter"),
                          rtol=1e-5, atol=1e-5))
        ops.append(OpInfo(f"conv{n}d_backprop_input",
                          lambda g, w, input_sizes, strides, padding, dilations:
                          C.conv_backprop_input(input_sizes, w, g, strides, padding, dilations),
                          lambda g, w, input_sizes, strides, padding, dilations:
                          ref_conv_transpose(g, w, input_sizes, strides, padding, dilations),
                          _bpi_samples(n), covers=(f"conv{n}d_backprop_input", f"conv{n}d",
                                                   f"conv{n}d_backprop_filter"), atol=1e-5))
        ops.append(OpInfo(f"conv{n}d_backprop_filter",
                          lambda x, g, filter_sizes, strides, padding, dilations:
                          C.conv_backprop_filter(x, filter_sizes, g, strides, padding, dilations),
                          ref_conv_filter_kw, _bpf_samples(n),
                          covers=(f"conv{n}d_backprop_filter", f"conv{n}d", f"conv{n}d_backprop_input"),
                          atol=1e-5))
        ops.append(OpInfo(f"max_pool{n}d", _pool_fn("max", n),
                          lambda x, ksize, strides, padding: ref_pool(x, ksize, strides, padding, "max"),
                          _pool_samples(n, distinct=True),
                          covers=(f"max_pool{n}d", f"max_pool{n}d_grad", f"max_pool{n}d_grad_grad")))
        ops.append(OpInfo(f"max_pool{n}d_grad",
                          lambda x, g, ksize, strides, padding: C.max_pool_grad(x, g, ksize, strides, padding),
                          ref_max_pool_grad, _max_grad_samples(n), diff_args=(1,),
                          covers=(f"max_pool{n}d_grad", f"max_pool{n}d_grad_grad")))
        ops.append(OpInfo(f"max_pool{n}d_grad_grad",
                          lambda x, h, ksize, strides, padding: C.max_pool_grad_grad(x, h, ksize, strides, padding),
                          ref_max_pool_grad_grad, _max_grad_grad_samples(n), diff_args=(1,),
                          covers=(f"max_pool{n}d_grad_grad", f"max_pool{n}d_grad")))
        ops.append(OpInfo(f"avg_pool{n}d", _pool_fn("avg", n),
                          lambda x, ksize, strides, padding: ref_pool(x, ksize, strides, padding, "avg"),
                          _pool_samples(n, distinct=False), covers=(f"avg_pool{n}d", f"avg_pool{n}d_grad")))
        ops.append(OpInfo(f"avg_pool{n}d_grad",
                          lambda shape, g, ksize, strides, padding: C.avg_pool_grad(shape, g, ksize, strides, padding),
                          ref_avg_pool_grad, _avg_grad_samples(n), covers=(f"avg_pool{n}d_grad", f"avg_pool{n}d")))
    # the public wrappers that dispatch on rank or transpose layouts
    ops.append(OpInfo("convolution", lambda x, w, **k: tf.nn.convolution(x, w, **k),
                      lambda x, w, strides=1, padding="VALID", dilations=None: ref_conv(x, w, strides, padding, dilations),
                      lambda rng: [Sample((_n(rng, (1, 5, 4, 2)), _n(rng, (2, 3, 2, 2))), {"strides": 2, "padding": "SAME"}),
                                   Sample((_n(rng, (2, 6, 1)), _n(rng, (3, 1, 2))), {"padding": "VALID", "dilations": 2})],
                      covers=("conv2d", "conv1d")))
    # grouped convolutions: TF infers groups = input depth / filter depth
    ops.append(OpInfo("convolution-grouped", lambda x, w, **k: tf.nn.convolution(x, w, **k), ref_grouped_conv,
                      lambda rng: [Sample((_n(rng, (2, 4, 5, 4)), _n(rng, (3, 2, 2, 4))),
                                          {"strides": 2, "padding": "SAME"}, "2d-2groups-same-s2"),
                                   Sample((_n(rng, (1, 5, 5, 6)), _n(rng, (2, 2, 2, 6))),
                                          {"padding": "VALID", "dilations": 2}, "2d-3groups-dil2"),
                                   Sample((_n(rng, (2, 7, 4)), _n(rng, (3, 1, 8))),
                                          {"strides": 2, "padding": "SAME"}, "1d-depthwise-4groups"),
                                   Sample((_n(rng, (1, 3, 4, 3, 4)), _n(rng, (2, 2, 2, 2, 2))),
                                          {"padding": "VALID"}, "3d-2groups")],
                      covers=("conv1d", "conv2d", "conv3d", "conv1d_backprop_input", "conv2d_backprop_input",
                              "conv3d_backprop_input", "conv1d_backprop_filter", "conv2d_backprop_filter",
                              "conv3d_backprop_filter")))
    ops.append(OpInfo("conv2d_transpose",
                      lambda g, w, output_shape, strides, padding:
                      tf.nn.conv2d_transpose(g, w, output_shape, strides, padding),
                      lambda g, w, output_shape, strides, padding:
                      ref_conv_transpose(g, w, output_shape, strides, padding),
                      lambda rng: [Sample((_n(rng, (1, 3, 3, 2)), _n(rng, (3, 3, 1, 2)), (1, 5, 5, 1), 2, "SAME"),
                                          name="5x5-from-3x3"),
                                   Sample((_n(rng, (2, 3, 2, 1)), _n(rng, (2, 2, 3, 1)), (2, 6, 4, 3), 2, "VALID"),
                                          name="valid-s2")],
                      covers=("conv2d_backprop_input",)))
    ops.append(OpInfo("conv2d-NCHW",
                      lambda x, w: tf.nn.conv2d(x, w, 2, "SAME", data_format="NCHW"),
                      lambda x, w: np.moveaxis(ref_conv(np.moveaxis(x, 1, -1), w, 2, "SAME"), -1, 1),
                      lambda rng: [Sample((_n(rng, (1, 2, 5, 4)), _n(rng, (3, 3, 2, 2))))],
                      covers=("conv2d", "transpose")))
    ops.append(OpInfo("max_pool", lambda x, **k: tf.nn.max_pool(x, **k),
                      lambda x, ksize, strides, padding: ref_pool(x, ksize, strides, padding, "max"),
                      lambda rng: [Sample((_distinct(rng, (1, 4, 5, 2)),), {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1],
                                                                           "padding": "SAME"})],
                      covers=("max_pool2d",)))
    ops.append(OpInfo("avg_pool", lambda x, **k: tf.nn.avg_pool(x, **k),
                      lambda x, ksize, strides, padding: ref_pool(x, ksize, strides, padding, "avg"),
                      lambda rng: [Sample((_n(rng, (1, 7, 2)),), {"ksize": 3, "strides": 2, "padding": "SAME"})],
                      covers=("avg_pool1d",)))
    return ops


def ref_grouped_conv(x, w, strides=1, padding="VALID", dilations=None):
    """Grouped convolution as separate convolutions: group g maps input channels [g*cg, (g+1)*cg) to
    output channels [g*og, (g+1)*og)."""
    cg = w.shape[-2]
    groups = x.shape[-1] // cg
    og = w.shape[-1] // groups
    return np.concatenate([ref_conv(x[..., g * cg:(g + 1) * cg], w[..., g * og:(g + 1) * og], strides, padding,
                                    dilations) for g in range(groups)], axis=-1)


def ref_conv_filter_kw(x, g, filter_sizes, strides, padding, dilations):
    return ref_conv_filter(x, g, tuple(filter_sizes), strides, padding, dilations)


OPS = _build()
