"""``tf.compat``: text conversions (``as_bytes``, ``as_text``/``as_str``, ``as_str_any``,
``path_to_str``), the ``bytes_or_text_types``/``integral_types``/``real_types`` tuples, and of
the TF1 API (``tf.compat.v1``) only what eager tutorials call."""
from __future__ import annotations

import numbers
import os
from typing import Any, Union

import numpy as _np

bytes_or_text_types = (bytes, str)
integral_types = (numbers.Integral, _np.integer)
real_types = (numbers.Real, _np.integer, _np.floating)
complex_types = (numbers.Complex, _np.number)


def as_bytes(bytes_or_text: Union[bytes, str, bytearray], encoding: str = "utf-8") -> bytes:
    """``bytes_or_text`` as bytes, encoding text with ``encoding`` (``tf.compat.as_bytes``)."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text: Union[bytes, str], encoding: str = "utf-8") -> str:
    """``bytes_or_text`` as str, decoding bytes with ``encoding`` (``tf.compat.as_text``)."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value: Any, encoding: str = "utf-8") -> str:
    """``str(value)``, decoding bytes (``tf.compat.as_str_any``)."""
    return as_str(value, encoding) if isinstance(value, bytes) else str(value)


def path_to_str(path: Any) -> Any:
    """A path-like object as a string (``tf.compat.path_to_str``); other values unchanged."""
    return os.fspath(path) if isinstance(path, os.PathLike) else path


class _V1:
    """``tf.compat.v1``: only the two names TF 1.x-era eager tutorials call
    (``enable_eager_execution``, a no-op, and ``executing_eagerly``); the rest of the TF1 API is
    not part of gradtape and raises AttributeError saying so."""

    @staticmethod
    def enable_eager_execution(*args: Any, **kwargs: Any) -> None:
        """A no-op: eager execution is always on."""
        return None

    @staticmethod
    def executing_eagerly() -> bool:
        """Whether ops run eagerly (``tf.executing_eagerly``)."""
        import gradtape
        return gradtape.executing_eagerly()

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"tf.compat.v1.{name} is not supported by gradtape: it implements TF 2's "
                             f"eager API, not the TF1 graph API; port the program to TF 2 names.")


v1 = _V1()


__all__ = ["as_bytes", "as_text", "as_str", "as_str_any", "path_to_str", "bytes_or_text_types",
           "integral_types", "real_types", "complex_types", "v1"]
