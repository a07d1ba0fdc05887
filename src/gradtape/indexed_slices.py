"""Sparse gradients: :class:`IndexedSlices` (``tf.IndexedSlices``).

The gradient of ``gather(params, indices)`` (axis 0, no batch dims) and of
``nn.embedding_lookup`` with respect to ``params`` is, as in TF, an ``IndexedSlices``: the rows
``values[i]`` belong at row ``indices[i]`` of a tensor of shape ``dense_shape``. Duplicate indices
are kept (they add up when densified). Optimizers apply it sparsely through ``.values``,
``.indices`` and ``.dense_shape``; everything else sees a dense tensor on demand:
``convert_to_tensor``, arithmetic operators, ``numpy()`` and ``np.asarray``. The tape sums two
IndexedSlices by concatenation (still sparse) and an IndexedSlices with a dense gradient densely;
a gradient rule that receives one as its upstream gets the dense tensor.

Densifying a large one warns (naming the variable when known), like TF's "Converting sparse
IndexedSlices to a dense Tensor ... may consume a large amount of memory".
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from . import dtypes as _dtypes
from .tensor import Tensor, TensorShape

#: Densifying an IndexedSlices with more elements than this warns (TF uses 100M).
LARGE_DENSE_ELEMENTS = 100_000_000


class IndexedSlices:
    """A sparse representation of a dense tensor of shape ``dense_shape``: ``values[i]`` is the
    slice at row ``indices[i]`` (``tf.IndexedSlices``). Duplicate indices add up."""

    __slots__ = ("_values", "_indices", "_dense_shape", "_variable_name", "__weakref__")
    __array_priority__ = 100

    def __init__(self, values: Any, indices: Any, dense_shape: Any = None):
        from .dispatch import convert_to_tensor
        self._values = values if type(values) is Tensor else convert_to_tensor(values)
        self._indices = indices if type(indices) is Tensor else convert_to_tensor(indices)
        if dense_shape is not None and type(dense_shape) is not Tensor:
            dense_shape = convert_to_tensor(dense_shape if isinstance(dense_shape, np.ndarray)
                                            else [int(d) for d in dense_shape])
        self._dense_shape = dense_shape
        self._variable_name: Optional[str] = None

    # -- TF's attributes -------------------------------------------------------------------------
    @property
    def values(self) -> Tensor:
        """The slices, shape ``[N] + dense_shape[1:]``."""
        return self._values

    @property
    def indices(self) -> Tensor:
        """Row of each slice, shape ``[N]``."""
        return self._indices

    @property
    def dense_shape(self) -> Optional[Tensor]:
        """Shape of the dense tensor represented (a 1-D int tensor), or None."""
        return self._dense_shape

    @property
    def dtype(self) -> _dtypes.DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        if self._dense_shape is None:
            return TensorShape((None,) + tuple(self._values._value.shape[1:]))
        return TensorShape(self._dense_shape_tuple())

    @property
    def device(self) -> str:
        return self._values.device

    @property
    def name(self) -> str:
        return "IndexedSlices"

    def __repr__(self) -> str:
        ds = None if self._dense_shape is None else self.shape.as_list()
        return (f"IndexedSlices(indices={self._indices!r}, values={self._values!r}, "
                f"dense_shape={ds})")

    # -- densify ---------------------------------------------------------------------------------
    def _dense_shape_tuple(self) -> tuple:
        if self._dense_shape is None:
            raise ValueError("Cannot convert an IndexedSlices without dense_shape to a dense tensor: "
                             "its number of rows is unknown. Pass dense_shape=... when creating it.")
        return tuple(int(d) for d in np.asarray(self._dense_shape._value))

    def to_dense(self) -> Tensor:
        """The dense tensor (rows scattered and duplicates summed); differentiable."""
        from .dispatch import apply
        from .ops.indexing import GATHER_GRAD
        shape = self._dense_shape_tuple()
        n = int(np.prod(shape)) if shape else 1
        if n > LARGE_DENSE_ELEMENTS:
            who = f" (the gradient of variable {self._variable_name!r})" if self._variable_name else ""
            warnings.warn(f"Converting sparse IndexedSlices{who} to a dense Tensor with {n} elements "
                          f"(shape {list(shape)}). This may consume a large amount of memory; apply "
                          "it sparsely (optimizers use .values/.indices) instead.", stacklevel=3)
        return apply(GATHER_GRAD, (self._values, self._indices),
                     {"axis": 0, "batch_dims": 0, "shape": shape})

    def __gt_tensor__(self) -> Tensor:
        return self.to_dense()

    def numpy(self) -> np.ndarray:
        return self.to_dense().numpy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = np.asarray(self.to_dense()._value)
        return a.astype(dtype) if dtype is not None else a

    # -- the tape's accumulation -----------------------------------------------------------------
    @staticmethod
    def _gt_accumulate(prev: Any, new: Any, target: Any = None) -> Any:
        """Sum two gradients, at least one an IndexedSlices (called by ``tape._accumulate``).

        Two IndexedSlices concatenate (TF's aggregation, still sparse); with a dense gradient the
        sum is dense.
        """
        from .ops.math import add
        from .ops.shape import concat
        name = getattr(target, "name", None) if hasattr(type(target), "_gt_read") else None
        for g in (prev, new):
            if type(g) is IndexedSlices and name is not None:
                g._variable_name = name
        if prev is None:
            return new
        if type(prev) is IndexedSlices and type(new) is IndexedSlices:
            # The tape walks records backwards, so ``new`` comes from the earlier op: put it first,
            # giving TF's order (the order of the forward uses).
            out = IndexedSlices(concat([new._values, prev._values], 0),
                                concat([_same_int(new._indices, prev._indices), prev._indices], 0),
                                prev._dense_shape if prev._dense_shape is not None else new._dense_shape)
            out._variable_name = prev._variable_name or new._variable_name
            return out
        return add(convert_to_dense(prev), convert_to_dense(new))

    # -- arithmetic (dense) ----------------------------------------------------------------------
    def _binop(name: str, reflected: bool = False):  # type: ignore[misc]
        def op(self: "IndexedSlices", other: Any) -> Tensor:
            import gradtape.ops.math as m
            fn = getattr(m, name)
            dense = self.to_dense()
            other = convert_to_dense(other)
            return fn(other, dense) if reflected else fn(dense, other)
        op.__name__ = name
        return op

    __add__ = _binop("add")
    __radd__ = _binop("add", True)
    __sub__ = _binop("subtract")
    __rsub__ = _binop("subtract", True)
    __mul__ = _binop("multiply")
    __rmul__ = _binop("multiply", True)
    __truediv__ = _binop("divide")
    __rtruediv__ = _binop("divide", True)
    del _binop

    def __neg__(self) -> "IndexedSlices":
        from .ops.math import negative
        return IndexedSlices(negative(self._values), self._indices, self._dense_shape)


def _same_int(idx: Tensor, like: Tensor) -> Tensor:
    if idx._value.dtype == like._value.dtype:
        return idx
    from .ops.math import cast
    return cast(idx, like.dtype)


def convert_to_dense(x: Any) -> Any:
    """``x`` as a dense Tensor if it is an IndexedSlices, unchanged otherwise."""
    return x.to_dense() if type(x) is IndexedSlices else x


def _gather_gradient(g: Tensor, indices: Any, axis: int, batch_dims: int, shape: tuple) -> Any:
    """The gradient of an axis-0 gather with respect to params, as TF makes it: IndexedSlices."""
    if axis != 0 or batch_dims != 0 or len(shape) == 0:
        return None
    from .ops.shape import reshape
    from .dispatch import convert_to_tensor
    idx = reshape(convert_to_tensor(indices), [-1])    # an op: recomputed by compiled functions
    values = reshape(g, (int(np.size(idx._value)),) + tuple(shape[1:]))
    return IndexedSlices(values, idx,
                         convert_to_tensor(np.asarray(shape, dtype=np.int32)))


def _install() -> None:
    from .ops import indexing
    indexing._GATHER_GRADIENT_HOOK[0] = _gather_gradient


_install()

__all__ = ["IndexedSlices", "convert_to_dense", "LARGE_DENSE_ELEMENTS"]
