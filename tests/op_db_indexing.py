"""Op-database entries for ``x[key]`` with integer index tensors in the key
(``strided_slice_index`` and its scatter-add gradient ``strided_slice_index_grad``): the index
tensors are op inputs, so compiled functions read their values on every call. The reference is
NumPy indexing with the same values."""
from __future__ import annotations

import numpy as np

import gradtape as tf
from op_db import OpInfo, Sample


def _n(rng, shape):
    return rng.standard_normal(shape)


# (name, x shape, key with ("t", value) for an index tensor)
CASES = [
    ("scalar", (4,), (("t", 2),)),
    ("negative-scalar", (4,), (("t", -1),)),
    ("array-repeated", (5,), (("t", [0, 3, 3, 1]),)),
    ("row-then-slice", (3, 4), (("t", 1), slice(1, None))),
    ("slice-then-array", (3, 4), (slice(None), ("t", [2, 0]))),
    ("two-tensors", (3, 4, 2), (("t", 2), Ellipsis, ("t", -2))),
]


def _gt_key(key):
    return tuple(tf.constant(np.array(k[1], np.int32)) if type(k) is tuple else k for k in key)


def _np_key(key):
    return tuple(np.array(k[1]) if type(k) is tuple else k for k in key)


OPS = [OpInfo(f"strided_slice_index-{name}",
              lambda x, key=key: x[_gt_key(key)],
              lambda x, key=key: x[_np_key(key)],
              lambda rng, xs=xs: [Sample((_n(rng, xs),))],
              covers=("strided_slice_index", "strided_slice_index_grad"))
       for name, xs, key in CASES]
