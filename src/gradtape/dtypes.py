"""Data types with TensorFlow's names (``gradtape.float32`` ...) mapped onto NumPy dtypes.

A :class:`DType` compares equal to its NumPy dtype, to the NumPy scalar type and to its name,
so ``t.dtype == tf.float32``, ``t.dtype == np.float32`` and ``t.dtype == "float32"`` all hold.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class DType:
    """A tensor element type, mirroring ``tf.DType``."""

    __slots__ = ("_np", "_name")

    def __init__(self, np_dtype: Any, name: str):
        self._np = np.dtype(np_dtype)
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def as_numpy_dtype(self) -> type:
        """The NumPy scalar type, as in TF (``tf.float32.as_numpy_dtype is np.float32``)."""
        return self._np.type

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f" or self._np.kind == "V"   # V: ml_dtypes' bfloat16

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_complex(self) -> bool:
        return self._np.kind == "c"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def real_dtype(self) -> "DType":
        if self.is_complex:
            return as_dtype(np.float32 if self._np == np.complex64 else np.float64)
        return self

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self):
        return _finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return _finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self._np == other._np
        try:
            return self._np == np.dtype(other)
        except TypeError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self._np)

    def __repr__(self) -> str:
        return f"tf.{self._name}"

    def __str__(self) -> str:
        return f"<dtype: '{self._name}'>"

    def __reduce__(self):
        return (as_dtype, (self._name,))


float16 = half = DType(np.float16, "float16")
float32 = DType(np.float32, "float32")
float64 = double = DType(np.float64, "float64")
int8 = DType(np.int8, "int8")
int16 = DType(np.int16, "int16")
int32 = DType(np.int32, "int32")
int64 = DType(np.int64, "int64")
uint8 = DType(np.uint8, "uint8")
uint16 = DType(np.uint16, "uint16")
uint32 = DType(np.uint32, "uint32")
uint64 = DType(np.uint64, "uint64")
bool = DType(np.bool_, "bool")  # noqa: A001  (TF's name)
complex64 = DType(np.complex64, "complex64")
complex128 = DType(np.complex128, "complex128")
string = DType(np.object_, "string")

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
        bool, complex64, complex128, string)
_BY_NP: dict = {d._np: d for d in _ALL}
_BY_NAME: dict = {d._name: d for d in _ALL}
_BY_NAME.update(half=float16, double=float64)


def _finfo(np_dtype: np.dtype) -> Any:
    if np_dtype.kind == "V":
        return _ml_dtypes().finfo(np_dtype)
    return np.finfo(np_dtype)


def _ml_dtypes() -> Any:
    try:
        import ml_dtypes
    except ImportError:
        raise ImportError("tf.bfloat16 needs the ml_dtypes package: pip install 'gradtape[bfloat16]' "
                          "(or pip install ml_dtypes).") from None
    return ml_dtypes


def _bfloat16() -> DType:
    """``tf.bfloat16``, registered on first use (its NumPy type comes from ml_dtypes)."""
    d = _BY_NAME.get("bfloat16")
    if d is None:
        d = DType(_ml_dtypes().bfloat16, "bfloat16")
        _BY_NP[d._np] = d
        _BY_NAME["bfloat16"] = d
    return d


def __getattr__(name: str) -> Any:
    if name == "bfloat16":
        return _bfloat16()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def as_dtype(type_value: Any) -> DType:
    """Convert a DType, NumPy dtype, scalar type or name to a :class:`DType` (``tf.as_dtype``)."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str) and type_value in _BY_NAME:
        return _BY_NAME[type_value]
    if type_value == "bfloat16" and isinstance(type_value, str):
        return _bfloat16()
    if getattr(type_value, "__name__", None) == "bfloat16" or (
            isinstance(type_value, np.dtype) and type_value.name == "bfloat16"):
        return _bfloat16()
    if type_value is None:
        raise TypeError("Cannot convert None to a dtype. Pass a dtype such as tf.float32.")
    try:
        return _BY_NP[np.dtype(type_value)]
    except (TypeError, KeyError):
        raise TypeError(f"Cannot convert {type_value!r} to a gradtape DType. "
                        f"Supported: {', '.join(sorted(_BY_NAME))}.") from None


def from_numpy(np_dtype: np.dtype) -> DType:
    """Fast lookup of the DType for a NumPy dtype (used on the per-op path)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        return as_dtype(np_dtype)


def to_numpy(dtype: Any) -> np.dtype:
    """The NumPy dtype for anything :func:`as_dtype` accepts."""
    return as_dtype(dtype)._np


__all__ = ["DType", "as_dtype"] + [d._name for d in _ALL] + ["half", "double"]


def complex(real: Any, imag: Any, name: Any = None) -> Any:  # noqa: A001  (TF's name)
    """``real + i * imag`` (``tf.dtypes.complex``, the same function as ``tf.complex``)."""
    from .ops.array import complex as _complex
    return _complex(real, imag)
