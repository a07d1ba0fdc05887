"""``tf.keras.preprocessing.sequence``: ``pad_sequences``, ``timeseries_dataset_from_array`` and the
word2vec helpers ``skipgrams`` / ``make_sampling_table`` (Keras's legacy module)."""
from __future__ import annotations

import random
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from ..utils.text_utils import pad_sequences, timeseries_dataset_from_array  # noqa: F401


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """Probability of keeping the word of each frequency rank (``keras.preprocessing.sequence.
    make_sampling_table``): word2vec's ``min(1, sqrt(f / s) / (f / s))`` with the Zipf approximation
    ``1 / f(rank) ~ rank (ln rank + gamma) + 1/2 - 1/(12 rank)`` (gamma = 0.577, rank 0 counted as 1)."""
    gamma = 0.577
    rank = np.arange(int(size))
    if rank.size:
        rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence: Sequence[int], vocabulary_size: int, window_size: int = 4, negative_samples: float = 1.0,
              shuffle: bool = True, categorical: bool = False, sampling_table: Any = None,
              seed: Optional[int] = None) -> Tuple[List[list], list]:
    """Skip-gram ``(couples, labels)`` from a sequence of word indices (``keras.preprocessing.sequence.
    skipgrams``): every ``(word, context)`` pair within ``window_size`` is labelled 1, then
    ``negative_samples`` times as many ``(word, random word)`` pairs labelled 0; index 0 is skipped as a
    non-word. As Keras, the randomness is Python's ``random`` module (its global generator, which
    ``seed`` reseeds for the final shuffle), so ``random.seed(s)`` before the call reproduces Keras's
    output exactly."""
    if int(vocabulary_size) < 2 and negative_samples > 0:
        raise ValueError(f"skipgrams: vocabulary_size must be at least 2 to draw negative samples; "
                         f"got {vocabulary_size}.")
    seq = [int(w) for w in np.asarray(getattr(sequence, "_value", sequence)).reshape(-1)]
    couples: List[list] = []
    labels: list = []
    for i, wi in enumerate(seq):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(seq), i + window_size + 1)):
            if j == i or not seq[j]:
                continue
            couples.append([wi, seq[j]])
            labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        n_neg = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)] for i in range(n_neg)]
        labels += [[1, 0] if categorical else 0 for _ in range(n_neg)]
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
