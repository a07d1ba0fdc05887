"""``tf.version``: the library's version strings. gradtape reports its own version (it is not a
TensorFlow build), the same string as ``tf.__version__``."""
from __future__ import annotations

import sys

import numpy as _np

VERSION: str = "0.1.0"
GIT_VERSION: str = "gradtape-" + VERSION
COMPILER_VERSION: str = f"Python {sys.version.split()[0]}, NumPy {_np.__version__}"
GRAPH_DEF_VERSION: int = 0
GRAPH_DEF_VERSION_MIN_CONSUMER: int = 0
GRAPH_DEF_VERSION_MIN_PRODUCER: int = 0

__all__ = ["VERSION", "GIT_VERSION", "COMPILER_VERSION", "GRAPH_DEF_VERSION",
           "GRAPH_DEF_VERSION_MIN_CONSUMER", "GRAPH_DEF_VERSION_MIN_PRODUCER"]
