"""Fashion-MNIST (``tf.keras.datasets.fashion_mnist``): the four gzip'd IDX files."""
from __future__ import annotations

import gzip
import os
from typing import Optional

import numpy as np

from ._common import ORIGIN, fetch

FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]
# MD5 digests of the published files (Zalando's fashion-mnist README; the same bytes Keras hosts).
FILE_HASHES = {"train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
               "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
               "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
               "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79"}


def _read(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data(cache_dir: Optional[str] = None) -> tuple:
    """``(x_train, y_train), (x_test, y_test)``: uint8 images (N, 28, 28) and labels (N,), read from
    ``<cache>/datasets/fashion-mnist/{train,t10k}-{labels-idx1,images-idx3}-ubyte.gz``."""
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [fetch(name, ORIGIN + name, FILE_HASHES.get(name), cache_dir, cache_subdir=dirname) for name in FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
