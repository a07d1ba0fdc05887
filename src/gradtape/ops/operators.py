"""Python operators for Tensor and Variable, mapped to ops (TF's operator overloads)."""
from __future__ import annotations

from typing import Any

from ..errors import InvalidArgumentError
from ..tensor import Tensor
from ..variable import Variable
from . import math as m
from .indexing import getitem
from .linalg import matmul


def _eq(x: Any, y: Any) -> Any:
    # TF 2: elementwise equality; incompatible shapes or None give False.
    if y is None:
        return False
    try:
        return m.equal(x, y)
    except (InvalidArgumentError, TypeError, ValueError):
        return False


def _ne(x: Any, y: Any) -> Any:
    if y is None:
        return True
    try:
        return m.not_equal(x, y)
    except (InvalidArgumentError, TypeError, ValueError):
        return True


def _invert(x: Any) -> Any:
    return m.logical_not(x)


def _pos(x: Any) -> Any:
    return x if type(x) is Tensor else x._gt_read()


OPERATORS = {
    "__add__": m.add, "__radd__": lambda x, y: m.add(y, x),
    "__sub__": m.subtract, "__rsub__": lambda x, y: m.subtract(y, x),
    "__mul__": m.multiply, "__rmul__": lambda x, y: m.multiply(y, x),
    "__truediv__": m.divide, "__rtruediv__": lambda x, y: m.divide(y, x),
    "__floordiv__": m.floordiv, "__rfloordiv__": lambda x, y: m.floordiv(y, x),
    "__mod__": m.mod, "__rmod__": lambda x, y: m.mod(y, x),
    "__pow__": lambda x, y: m.pow(x, y), "__rpow__": lambda x, y: m.pow(y, x),
    "__matmul__": lambda x, y: matmul(x, y), "__rmatmul__": lambda x, y: matmul(y, x),
    "__neg__": m.negative, "__abs__": m.abs, "__pos__": _pos, "__invert__": _invert,
    "__and__": m.logical_and, "__rand__": lambda x, y: m.logical_and(y, x),
    "__or__": m.logical_or, "__ror__": lambda x, y: m.logical_or(y, x),
    "__xor__": m.logical_xor, "__rxor__": lambda x, y: m.logical_xor(y, x),
    "__lt__": m.less, "__le__": m.less_equal, "__gt__": m.greater, "__ge__": m.greater_equal,
    "__eq__": _eq, "__ne__": _ne,
    "__getitem__": getitem,
}


def install() -> None:
    for cls in (Tensor, Variable):
        for name, fn in OPERATORS.items():
            if cls is Variable and name == "__getitem__":
                continue   # Variable's own: the slice it returns has assign()
            setattr(cls, name, fn)
