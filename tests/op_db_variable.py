"""Op-database entries for the op behind sliced Variable assignment (``v[key].assign(value)``):
``tensor_strided_slice_update``, a copy of ``x`` with ``x[key]`` replaced by ``value`` broadcast to
the slice. The reference writes into a NumPy copy."""
from __future__ import annotations

import numpy as np

from gradtape.ops.indexing import strided_slice_update
from op_db import OpInfo, Sample


def _ref(x, v, key):
    out = np.array(x, copy=True)
    out[key] = v
    return out


def _n(rng, shape):
    return rng.standard_normal(shape)


CASES = [
    ("rows", (4, 3), (slice(1, 3),), (2, 3)),
    ("column-broadcast", (3, 5), (slice(None), slice(1, 4)), (3,)),
    ("element", (3, 4), (1, 2), ()),
    ("step-ellipsis", (4, 2, 3), (slice(None, None, 2), Ellipsis, 0), (2, 2)),
    ("negative-newaxis", (3, 4), (None, -1), (1, 4)),
]


OPS = [OpInfo(f"tensor_strided_slice_update-{name}",
              lambda x, v, key=key: strided_slice_update(x, key, v),
              lambda x, v, key=key: _ref(x, v, key),
              lambda rng, xs=xs, vs=vs: [Sample((_n(rng, xs), _n(rng, vs)))],
              covers=("tensor_strided_slice_update",))
       for name, xs, key, vs in CASES]
