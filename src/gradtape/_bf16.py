"""bfloat16 for ops NumPy cannot run on ml_dtypes' bfloat16 (matmul, einsum, convolutions, pools,
linear algebra, erf, scatter-reductions): the forward computes in float32 and rounds its floating
outputs back to bfloat16, as TF's CPU kernels do (they accumulate bfloat16 in float32)."""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

_F32 = np.dtype(np.float32)


def via_float32(fn: Callable) -> Callable:
    """Wrap an op forward: bfloat16 array arguments are computed in float32 and floating results
    are cast back to bfloat16. Other dtypes pass straight through (one dtype check per argument)."""
    @functools.wraps(fn)
    def forward(*args: Any, **kwargs: Any) -> Any:
        bf = None
        for a in args:
            d = getattr(a, "dtype", None)
            if d is not None and d.kind == "V":
                bf = d
                break
        if bf is None:
            return fn(*args, **kwargs)
        args = tuple(a.astype(_F32) if getattr(a, "dtype", None) is not None and a.dtype.kind == "V" else a
                     for a in args)
        kwargs = {k: (v.astype(_F32) if getattr(v, "dtype", None) is not None and getattr(v.dtype, "kind", "") == "V"
                      else v) for k, v in kwargs.items()}
        out = fn(*args, **kwargs)
        if type(out) is tuple:
            return tuple(_back(o, bf) for o in out)
        return _back(out, bf)
    return forward


def _back(o: Any, bf: np.dtype) -> Any:
    d = getattr(o, "dtype", None)
    if d is not None and d.kind == "f":
        return o.astype(bf)
    return o
