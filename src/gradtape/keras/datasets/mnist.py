"""MNIST handwritten digits (``tf.keras.datasets.mnist``)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ._common import ORIGIN, fetch

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz", cache_dir: Optional[str] = None) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28), (60000,),
    (10000, 28, 28), (10000,), read from ``mnist.npz`` (keys x_train, y_train, x_test, y_test)."""
    fpath = fetch(path, ORIGIN + "mnist.npz", FILE_HASH, cache_dir)
    with np.load(fpath, allow_pickle=False) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]
    return (x_train, y_train), (x_test, y_test)
