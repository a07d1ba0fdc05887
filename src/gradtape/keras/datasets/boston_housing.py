"""Boston housing prices (``tf.keras.datasets.boston_housing``) from ``boston_housing.npz``."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ._common import ORIGIN, fetch, shuffled

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113,
              cache_dir: Optional[str] = None) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: the 506 samples (13 features) shuffled with
    ``np.random.RandomState(seed)`` and split with the last ``test_split`` fraction as test, as Keras."""
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1); got {test_split}.")
    fpath = fetch(path, ORIGIN + "boston_housing.npz", FILE_HASH, cache_dir)
    with np.load(fpath, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    x, y = shuffled(np.random.RandomState(seed), x, y)
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
