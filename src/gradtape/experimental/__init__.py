"""``tf.experimental``: the NumPy API on tensors (``tf.experimental.numpy``)."""
from __future__ import annotations

from . import numpy  # noqa: F401

__all__ = ["numpy"]
