"""IMDB movie-review sentiment (``tf.keras.datasets.imdb``) from ``imdb.npz``."""
from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np

from ._common import ORIGIN, fetch, load_npz, shuffled

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def _remove_long_seq(maxlen: int, seqs: list, labels: np.ndarray) -> tuple:
    keep = [i for i, s in enumerate(seqs) if len(s) < maxlen]
    return [seqs[i] for i in keep], labels[keep]


def load_data(path: str = "imdb.npz", num_words: Optional[int] = None, skip_top: int = 0,
              maxlen: Optional[int] = None, seed: int = 113, start_char: Optional[int] = 1,
              oov_char: Optional[int] = 2, index_from: int = 3, cache_dir: Optional[str] = None,
              **kwargs: Any) -> tuple:
    """``(x_train, y_train), (x_test, y_test)`` as Keras: each split shuffled with
    ``np.random.RandomState(seed)``; word ids shifted by ``index_from`` and prefixed with
    ``start_char``; sequences of length >= ``maxlen`` dropped; ids outside ``[skip_top, num_words)``
    replaced by ``oov_char`` (or removed when it is None). ``x`` are object arrays of lists."""
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}.")
    fpath = fetch(path, ORIGIN + "imdb.npz", FILE_HASH, cache_dir)
    f = load_npz(fpath)  # object arrays of lists, unpickled without running code
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    x_train, labels_train = shuffled(rng, x_train, labels_train)
    x_test, labels_test = shuffled(rng, x_test, labels_test)

    def shift(seqs: np.ndarray) -> list:
        if start_char is not None:
            return [[start_char] + [w + index_from for w in x] for x in seqs]
        if index_from:
            return [[w + index_from for w in x] for x in seqs]
        return [list(x) for x in seqs]

    x_train, x_test = shift(x_train), shift(x_test)

    if maxlen:
        x_train, labels_train = _remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = _remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence "
                             "was kept. Increase maxlen.")

    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = len(x_train)
    out_train = np.empty(idx, dtype=object)
    out_train[:] = xs[:idx]
    out_test = np.empty(len(xs) - idx, dtype=object)
    out_test[:] = xs[idx:]
    return (out_train, labels[:idx]), (out_test, labels[idx:])


def get_word_index(path: str = "imdb_word_index.json", cache_dir: Optional[str] = None) -> dict:
    """The word -> index dictionary (indices before the ``index_from`` shift)."""
    fpath = fetch(path, ORIGIN + "imdb_word_index.json", WORD_INDEX_HASH, cache_dir)
    with open(fpath) as f:
        return json.load(f)
