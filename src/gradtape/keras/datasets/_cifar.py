"""Reading the CIFAR python pickles and locating the extracted archive."""
from __future__ import annotations

import os
from typing import Optional

import numpy as np


def load_batch(fpath: str, label_key: str = "labels") -> tuple:
    """``(data (N, 3, 32, 32) uint8, labels list)`` from one CIFAR pickle (``cifar.load_batch``)."""
    from ._common import safe_pickle_load
    with open(fpath, "rb") as f:
        d = safe_pickle_load(f, encoding="bytes")  # arrays, lists and strings only: never runs code
    if not isinstance(d, dict):
        raise ValueError(f"{fpath} is not a CIFAR batch (no dict inside).")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    data = np.asarray(d["data"], dtype=np.uint8)
    labels = d[label_key]
    return data.reshape(data.shape[0], 3, 32, 32), labels


def locate(dirname: str, archive: str, origin: str, file_hash: str, cache_dir: Optional[str]) -> str:
    """The extracted ``dirname`` directory in the cache, extracting ``archive`` (downloading it first
    when missing). Also accepts tf.keras 2's archive name ``<dirname>.tar.gz``; either archive is
    checked against ``file_hash`` before it is opened."""
    from ..utils import data_utils
    datadir = data_utils.cache_directory(cache_dir, "datasets")
    target = os.path.join(datadir, dirname)
    if os.path.isdir(target):
        return target
    legacy = os.path.join(datadir, dirname + ".tar.gz")
    apath = legacy if os.path.exists(legacy) and not os.path.exists(os.path.join(datadir, archive)) else None
    if apath is not None and file_hash is not None and not data_utils.validate_file(apath, file_hash):
        raise data_utils.DownloadError(
            f"{apath} (tf.keras 2's name for the archive) fails its SHA-256 check (expected {file_hash}): it is "
            f"not the published archive ({origin}). Remove it; the archive is then downloaded again.")
    if apath is None:
        apath = data_utils.get_file(archive, origin=origin, file_hash=file_hash, cache_dir=cache_dir)
    data_utils._extract(apath, datadir, "tar")
    if not os.path.isdir(target):
        raise data_utils.DownloadError(f"{apath} did not contain the directory {dirname!r}; it is not the "
                                       f"published archive ({origin}).")
    return target
