"""MPI transport for MultiWorkerMirroredStrategy (mpi4py; the 'distributed' extra)."""
from __future__ import annotations

import sys
from typing import Any, Dict, List

import numpy as np

_WORLD: Any = None


def world() -> Any:
    """``MPI.COMM_WORLD``; installs an excepthook that aborts every rank when one rank fails."""
    global _WORLD
    if _WORLD is None:
        try:
            from mpi4py import MPI
        except ImportError:
            raise ImportError("tf.distribute.MultiWorkerMirroredStrategy needs mpi4py and an MPI library: "
                              "pip install 'gradtape[distributed]' (mpi4py and MPICH from PyPI).") from None
        _WORLD = MPI.COMM_WORLD
        if _WORLD.Get_size() > 1:
            previous = sys.excepthook

            def _abort_all(tp: Any, value: Any, tb: Any) -> None:
                previous(tp, value, tb)
                sys.stderr.write(f"gradtape: rank {_WORLD.Get_rank()} failed; aborting all "
                                 f"{_WORLD.Get_size()} ranks (MPI_Abort).\n")
                sys.stderr.flush()
                _WORLD.Abort(1)

            sys.excepthook = _abort_all
    return _WORLD


def fused_allreduce(comm: Any, arrays: List[np.ndarray], fusion_bytes: int = 0) -> List[np.ndarray]:
    """Sum ``arrays`` over all ranks: packed per dtype into buffers of at most ``fusion_bytes``
    (Horovod's tensor fusion), one ``Allreduce`` per buffer."""
    from mpi4py import MPI
    from . import FUSION_BYTES
    limit = fusion_bytes or FUSION_BYTES
    out: List[Any] = [None] * len(arrays)
    groups: Dict[Any, List[int]] = {}
    for i, a in enumerate(arrays):
        groups.setdefault(np.asarray(a).dtype, []).append(i)
    for dtype, idx in groups.items():
        bucket: List[int] = []
        size = 0
        for i in idx + [None]:
            nbytes = 0 if i is None else np.asarray(arrays[i]).nbytes
            if bucket and (i is None or size + nbytes > limit):
                flat = np.concatenate([np.asarray(arrays[j], dtype=dtype).ravel() for j in bucket])
                comm.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
                off = 0
                for j in bucket:
                    shp = np.shape(arrays[j])
                    n = int(np.prod(shp, dtype=np.int64))
                    out[j] = flat[off:off + n].reshape(shp)
                    off += n
                bucket, size = [], 0
            if i is not None:
                bucket.append(i)
                size += nbytes
    return out
