"""Op-database entries for the core API ops: segment reductions, unique, searchsorted, the matrix
diagonal ops, and the composites repeat, meshgrid, roll, slice, clip_by_norm and
clip_by_global_norm. References are plain NumPy loops written independently of the ops."""
from __future__ import annotations

import numpy as np

import gradtape as tf
from gradtape.ops import segment as S
from op_db import OpInfo, Sample, _distinct, _u


def _ref_segment(kind, data, ids, n):
    data = np.asarray(data, dtype=np.float64)
    ids = np.asarray(ids)
    rows = data.reshape((ids.size,) + data.shape[ids.ndim:])
    out = []
    for s in range(n):
        sel = rows[ids.reshape(-1) == s]
        if kind == "sum":
            out.append(sel.sum(0))
        elif kind == "prod":
            out.append(sel.prod(0))
        elif kind == "max":
            out.append(sel.max(0))
        elif kind == "min":
            out.append(sel.min(0))
        elif kind == "mean":
            out.append(sel.sum(0) / max(len(sel), 1))
        elif kind == "sqrt_n":
            out.append(sel.sum(0) / np.sqrt(max(len(sel), 1)))
    return np.stack(out)


def _segment_samples(kind):
    def samples(rng):
        # Max/min samples have no empty segment (the empty value is the dtype's lowest, which
        # differs between float32 and the float64 reference) and distinct values (no ties).
        full = kind in ("max", "min")
        ids1 = np.array([2, 0, 2, -1, 1, 0]) if full else np.array([3, 0, 3, -1, 1, 0])
        n1 = 3 if full else 5
        x1 = _distinct(rng, (6,)) if full else _u(rng, (6,), 0.5, 1.5) * rng.choice([-1, 1], 6)
        x2 = _distinct(rng, (4, 3)) if full else _u(rng, (4, 3), 0.5, 1.5)
        x3 = _distinct(rng, (2, 2, 2)) if full else _u(rng, (2, 2, 2), -1.5, 1.5)
        return [Sample((x1, ids1, n1), name="1d"),
                Sample((x2, np.array([1, 0, 1, 0]), 2), name="rows"),
                Sample((x3, np.array([[0, 1], [1, 0]]), 2), name="2d-ids")]
    return samples


def _sorted_samples(kind):
    def samples(rng):
        x = _distinct(rng, (5, 2)) if kind in ("max", "min") else _u(rng, (5, 2), 0.5, 1.5)
        return [Sample((x, np.array([0, 0, 1, 3, 3])), name="gap")] if kind not in ("max", "min") else \
            [Sample((x, np.array([0, 0, 1, 2, 2])))]
    return samples


def _unsorted(kind):
    return lambda x, ids, n: getattr(tf.math, f"unsorted_segment_{kind}")(x, ids, n)


def _sorted(kind):
    return lambda x, ids: getattr(tf.math, f"segment_{kind}")(x, ids)


def _sorted_ref(kind):
    return lambda x, ids: _ref_segment(kind, x, ids, int(ids[-1]) + 1)


def _ref_unique(x):
    seen, y, idx, counts = {}, [], [], []
    for v in np.asarray(x).tolist():
        if v not in seen:
            seen[v] = len(y)
            y.append(v)
            counts.append(0)
        idx.append(seen[v])
        counts[seen[v]] += 1
    return np.array(y), np.array(idx), np.array(counts)


def _ref_meshgrid(x, y, indexing="xy"):
    return list(np.meshgrid(x, y, indexing=indexing))


def _ref_clip_by_norm(x, c, axes=None):
    n = np.sqrt(np.sum(x * x, axis=None if axes is None else tuple(axes), keepdims=True))
    return x * c / np.maximum(n, c)


def _ref_clip_global(x, y, c):
    n = np.sqrt(np.sum(x * x) + np.sum(y * y))
    s = c / max(n, c)
    return [x * s, y * s, np.float64(n)]


def _build():
    ops = []
    kinds = {"sum": ("unsorted_segment_sum", "gather_drop_negatives"),
             "prod": ("unsorted_segment_prod", "unsorted_segment_sum", "gather_drop_negatives"),
             "max": ("unsorted_segment_max", "unsorted_segment_sum", "gather_drop_negatives"),
             "min": ("unsorted_segment_min", "unsorted_segment_sum", "gather_drop_negatives"),
             "mean": ("unsorted_segment_sum",), "sqrt_n": ("unsorted_segment_sum",)}
    for kind, covers in kinds.items():
        ops.append(OpInfo(f"unsorted_segment_{kind}", _unsorted(kind),
                          lambda x, ids, n, kind=kind: _ref_segment(kind, x, ids, n),
                          _segment_samples(kind), covers=covers))
        if kind != "sqrt_n":
            ops.append(OpInfo(f"segment_{kind}", _sorted(kind), _sorted_ref(kind), _sorted_samples(kind),
                              covers=covers))
    ops.append(OpInfo("gather_drop_negatives", lambda p, ids: S.gather_drop_negatives(p, ids),
                      lambda p, ids: np.where((ids >= 0)[:, None], p[np.maximum(ids, 0)], 0.0),
                      lambda rng: [Sample((_u(rng, (3, 2), -1, 1), np.array([2, -1, 0, 2])))],
                      covers=("gather_drop_negatives", "unsorted_segment_sum")))
    ops.append(OpInfo("unique_values", lambda x: tf.unique(x).y, lambda x: _ref_unique(x)[0],
                      # distinct values: finite differences would split duplicates apart
                      lambda rng: [Sample((_distinct(rng, (5,)),))],
                      covers=("unique", "gather", "gather_grad")))
    ops.append(OpInfo("unique", lambda x: tuple(tf.unique_with_counts(x))[1:], lambda x: _ref_unique(x)[1:],
                      lambda rng: [Sample((np.array([3.0, 1.0, 3.0, 2.0]),))], covers=("unique",), grad=False))
    ops.append(OpInfo("searchsorted", lambda s, v, **k: tf.searchsorted(s, v, **k),
                      lambda s, v, side="left": np.stack([np.searchsorted(a, b, side=side)
                                                          for a, b in zip(s.reshape(-1, s.shape[-1]),
                                                                          v.reshape(-1, v.shape[-1]))]
                                                         ).reshape(v.shape),
                      lambda rng: [Sample((np.sort(_u(rng, (2, 5), -1, 1)), _u(rng, (2, 3), -1, 1))),
                                   Sample((np.array([0.0, 1.0, 1.0, 2.0]), np.array([1.0, 1.5, -1.0])),
                                          {"side": "right"})],
                      grad=False))
    ops.append(OpInfo("matrix_diag_part", lambda x: tf.linalg.diag_part(x),
                      lambda x: np.diagonal(x, axis1=-2, axis2=-1),
                      lambda rng: [Sample((_u(rng, (3, 3), -1, 1),)), Sample((_u(rng, (2, 2, 4), -1, 1),))],
                      covers=("matrix_diag_part", "matrix_set_diag")))
    ops.append(OpInfo("matrix_set_diag", lambda x, d: tf.linalg.set_diag(x, d), _ref_set_diag,
                      lambda rng: [Sample((_u(rng, (3, 3), -1, 1), _u(rng, (3,), -1, 1))),
                                   Sample((_u(rng, (2, 4, 3), -1, 1), _u(rng, (2, 3), -1, 1)))],
                      covers=("matrix_set_diag", "matrix_diag_part")))
    ops.append(OpInfo("matrix_diag", lambda d: tf.linalg.diag(d),
                      lambda d: np.einsum("...i,ij->...ij", d, np.eye(d.shape[-1])),
                      lambda rng: [Sample((_u(rng, (3,), -1, 1),)), Sample((_u(rng, (2, 2), -1, 1),))],
                      covers=("matrix_diag", "matrix_diag_part")))
    # composites
    ops.append(OpInfo("repeat", lambda x, r, **k: tf.repeat(x, r, **k),
                      lambda x, r, axis=None: np.repeat(x, r, axis=axis),
                      lambda rng: [Sample((_u(rng, (2, 3), -1, 1), 2)),
                                   Sample((_u(rng, (3, 2), -1, 1), np.array([2, 0, 1])), {"axis": 0}),
                                   Sample((_u(rng, (2, 2), -1, 1), np.array([1, 3])), {"axis": -1})],
                      covers=("gather", "gather_grad")))
    ops.append(OpInfo("meshgrid", lambda x, y, **k: tf.meshgrid(x, y, **k), _ref_meshgrid,
                      lambda rng: [Sample((_u(rng, (3,), -1, 1), _u(rng, (2,), -1, 1))),
                                   Sample((_u(rng, (3,), -1, 1), _u(rng, (4,), -1, 1)), {"indexing": "ij"})],
                      covers=("broadcast_to", "reshape")))
    ops.append(OpInfo("roll", lambda x, s, a: tf.roll(x, s, a),
                      lambda x, s, a: np.roll(x, s, a),
                      lambda rng: [Sample((_u(rng, (3, 4), -1, 1), [1, -3], [0, 1])),
                                   Sample((_u(rng, (5,), -1, 1), 7, 0))],
                      covers=("gather", "gather_grad")))
    ops.append(OpInfo("slice", lambda x, b, s: tf.slice(x, b, s),
                      lambda x, b, s: x[tuple(slice(bi, None if si == -1 else bi + si) for bi, si in zip(b, s))],
                      lambda rng: [Sample((_u(rng, (3, 4), -1, 1), [1, 0], [2, -1]))],
                      covers=("strided_slice", "strided_slice_grad")))
    ops.append(OpInfo("clip_by_norm", lambda x, c, **k: tf.clip_by_norm(x, c, **k), _ref_clip_by_norm,
                      lambda rng: [Sample((_u(rng, (2, 3), -2, 2), 1.0)),
                                   Sample((_u(rng, (3, 2), 0.5, 1), 1.0), {"axes": [1]}),
                                   Sample((_u(rng, (3,), -0.1, 0.1), 5.0), name="unclipped")],
                      covers=("sqrt", "maximum", "divide")))
    ops.append(OpInfo("clip_by_global_norm",
                      lambda x, y, c: (lambda r: [r[0][0], r[0][1], r[1]])(tf.clip_by_global_norm([x, y], c)),
                      _ref_clip_global,
                      lambda rng: [Sample((_u(rng, (2, 2), -2, 2), _u(rng, (3,), -2, 2), 1.5)),
                                   Sample((_u(rng, (2,), -0.1, 0.1), _u(rng, (1,), -0.1, 0.1), 2.0), name="unclipped")],
                      covers=("l2_loss", "minimum", "stack")))
    ops.append(OpInfo("depth_to_space", lambda x: tf.nn.depth_to_space(x, 2),
                      lambda x: x.reshape(1, 2, 3, 2, 2, 1).transpose(0, 1, 3, 2, 4, 5).reshape(1, 4, 6, 1),
                      lambda rng: [Sample((_u(rng, (1, 2, 3, 4), -1, 1),))], covers=("transpose", "reshape")))
    ops.append(OpInfo("batch_normalization",
                      lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
                      lambda x, m, v, o, s: s * (x - m) / np.sqrt(v + 1e-3) + o,
                      lambda rng: [Sample((_u(rng, (2, 3), -1, 1), _u(rng, (3,), -1, 1), _u(rng, (3,), 0.5, 2),
                                           _u(rng, (3,), -1, 1), _u(rng, (3,), 0.5, 2)))],
                      covers=("rsqrt",)))
    ops.append(OpInfo("complex", lambda x, y: tf.math.real(tf.complex(x, y) * (0.5 - 2j))
                      + tf.math.imag(tf.complex(x, y)) * 3.0,
                      lambda x, y: np.real((x + 1j * y) * (0.5 - 2j)) + 3.0 * y,
                      lambda rng: [Sample((_u(rng, (3,), -1, 1), _u(rng, (3,), -1, 1))),
                                   Sample((_u(rng, (2, 1), -1, 1), _u(rng, (3,), -1, 1)), name="broadcast")],
                      covers=("complex", "real", "imag")))
    ops.append(OpInfo("dynamic_partition", lambda x: tf.dynamic_partition(x, np.array([[1, 0], [2, 1]]), 3),
                      lambda x: [x.reshape(4)[[1]], x.reshape(4)[[0, 3]], x.reshape(4)[[2]]],
                      lambda rng: [Sample((_u(rng, (2, 2), -1, 1),))],
                      covers=("gather_drop_negatives", "unsorted_segment_sum")))
    return ops


def _ref_set_diag(x, d):
    out = np.array(x, copy=True)
    n = min(out.shape[-2:])
    out[..., np.arange(n), np.arange(n)] = d
    return out


OPS = _build()
