"""Turning ``fit``/``evaluate``/``predict`` inputs into batches, as tf.keras 2's data adapters.

* NumPy arrays, Tensors, lists of scalars, and nests (lists/tuples/dicts) of arrays: sliced into
  batches of ``batch_size`` (last batch partial), shuffled per epoch with gradtape's random generator
  (so ``tf.random.set_seed``/``keras.utils.set_random_seed`` make runs repeat). Floating NumPy arrays
  become ``floatx`` (float32) tensors, as Keras.
* ``data.Dataset`` (anything with ``element_spec``) and other iterables/generators of batches: iterated;
  elements are ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.
"""
from __future__ import annotations

import inspect
import math
import warnings
from typing import Any, Iterator, Optional, Tuple

import numpy as np

from ... import dispatch as _dispatch
from ...dispatch import convert_to_tensor
from ...tensor import Tensor
from ..layers.base import _floatx, _map, _flatten

_new = object.__new__


def is_dataset(x: Any) -> bool:
    return (hasattr(x, "element_spec") or getattr(x, "_gt_py_dataset", False)
            or (hasattr(x, "__iter__") and type(x).__name__.endswith("Dataset")))


def is_iterator_like(x: Any) -> bool:
    return inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def _is_scalar_list(x: Any) -> bool:
    if not isinstance(x, (list, tuple)):
        return isinstance(x, (int, float, bool, np.number))
    return all(_is_scalar_list(v) for v in x) and len(x) > 0


def to_arrays(x: Any) -> Any:
    """A nest of NumPy arrays from NumPy arrays, Tensors, Variables and lists of scalars."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: to_arrays(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if _is_scalar_list(x):
            return np.asarray(x)
        return type(x)(to_arrays(v) for v in x) if not hasattr(type(x), "_fields") else type(x)(*[to_arrays(v) for v in x])
    if isinstance(x, Tensor) or hasattr(type(x), "_gt_read"):
        return np.asarray(x._value)
    if hasattr(x, "__array__") or isinstance(x, (int, float, np.number)):
        return np.asarray(x)
    raise ValueError(f"Failed to find data adapter that can handle input: {type(x)}. Pass NumPy arrays, "
                     "tensors, lists of them, dicts of them, or a tf.data.Dataset.")


def to_tensor(a: Any, owned: bool = False) -> Any:
    """A Tensor from a NumPy batch; floating arrays in ``floatx`` (Keras casts float64 NumPy to float32).

    ``owned``: ``a`` is a new array that nothing else holds (a gather of the batch's rows), so the
    Tensor takes it as it is; otherwise (the caller's array) it is copied, as ``convert_to_tensor`` does."""
    if a is None:
        return None
    if isinstance(a, np.ndarray):
        if a.dtype.kind == "f" and a.dtype != np.dtype(_floatx()):
            a = a.astype(_floatx())
            owned = True
        if owned and type(a) is np.ndarray and a.ndim and a.dtype.kind in "biufc" and not _dispatch.PLACING:
            t = _new(Tensor)
            t._value = a
            return t
        return convert_to_tensor(a)
    if isinstance(a, Tensor) or hasattr(type(a), "_gt_read"):
        return a
    return convert_to_tensor(a)


def tensorize(structure: Any, owned: bool = False) -> Any:
    if structure is None:
        return None
    return _map(lambda a: to_tensor(a, owned), structure) if owned else _map(to_tensor, structure)


def num_samples(*structures: Any) -> int:
    sizes = {}
    for name, s in zip(("x", "y", "sample_weight"), structures):
        if s is None:
            continue
        lens = [int(np.shape(a)[0]) if np.ndim(a) else 1 for a in _flatten(s)]
        sizes[name] = lens
    all_lens = {n for lens in sizes.values() for n in lens}
    if len(all_lens) > 1:
        detail = "\n".join(f"{k} sizes: {', '.join(str(n) for n in v)}" for k, v in sizes.items())
        raise ValueError(f"Data cardinality is ambiguous:\n{detail}\nMake sure all arrays contain the same "
                         "number of samples.")
    return all_lens.pop() if all_lens else 0


def take(structure: Any, idx: Any) -> Any:
    if structure is None:
        return None
    return _map(lambda a: a[idx], structure)


def train_validation_split(arrays: tuple, validation_split: float) -> Tuple[tuple, tuple]:
    """The last ``validation_split`` fraction of the samples (before shuffling) for validation, as Keras."""
    n = num_samples(*arrays)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split it into a "
                         f"validation and training set as specified by `validation_split={validation_split}`. "
                         "Either provide more data, or a different value for the `validation_split` argument.")
    train = tuple(take(a, slice(0, split_at)) for a in arrays)
    val = tuple(take(a, slice(split_at, n)) for a in arrays)
    return train, val


def pack(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """A batch as Keras hands it to ``train_step``: ``x`` alone (``(x,)`` when ``x`` is a list or tuple of
    inputs), ``(x, y)`` without sample weights, else ``(x, y, sample_weight)``
    (``keras.utils.pack_x_y_sample_weight``)."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack(data: Any) -> tuple:
    """``(x, y, sample_weight)`` from a batch element (``keras.utils.unpack_x_y_sample_weight``)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"found: {data!r}")


class DataHandler:
    """Yields batches of Tensors (``x``, ``(x, y)`` or ``(x, y, sample_weight)``) for each epoch of
    ``fit``/``evaluate``/``predict``."""

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None, batch_size: Optional[int] = None,
                 steps_per_epoch: Optional[int] = None, shuffle: Any = False, class_weight: Optional[dict] = None):
        self._steps_arg = steps_per_epoch
        self._class_weight = class_weight
        self._iterator: Optional[Iterator] = None
        if is_dataset(x) or is_iterator_like(x):
            if y is not None:
                raise ValueError("`y` argument is not supported when using dataset as input.")
            if sample_weight is not None:
                raise ValueError("`sample_weight` argument is not supported when using dataset as input.")
            self.kind = "dataset"
            self._data = x
            self._one_shot = is_iterator_like(x) and not is_dataset(x)
            size = None
            try:
                size = len(x) if not self._one_shot else None
            except TypeError:
                size = None
            if size is not None and size < 0:
                size = None
            self._size = size
            self.steps = steps_per_epoch if steps_per_epoch is not None else size
            self._recreate = not self._one_shot and (steps_per_epoch is None or steps_per_epoch == size)
        else:
            self.kind = "arrays"
            self.x, self.y, self.sw = to_arrays(x), to_arrays(y), to_arrays(sample_weight)
            self.n = num_samples(self.x, self.y, self.sw)
            self.batch_size = 32 if batch_size is None else int(batch_size)
            if self.batch_size <= 0:
                raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
            self._full_steps = max(1, int(math.ceil(self.n / self.batch_size))) if self.n else 0
            self.steps = steps_per_epoch if steps_per_epoch is not None else self._full_steps
            self.shuffle = shuffle
            self._pos = 0
            self._order: Optional[np.ndarray] = None

    def _epoch_order(self) -> np.ndarray:
        if self.shuffle == "batch":
            from ...ops.random import _generator
            batches = np.arange(self._full_steps)
            _generator().shuffle(batches)
            return np.concatenate([np.arange(b * self.batch_size, min(self.n, (b + 1) * self.batch_size))
                                   for b in batches]) if self.n else np.arange(0)
        if self.shuffle:
            from ...ops.random import _generator
            return _generator().permutation(self.n)
        return np.arange(self.n)

    def _with_class_weight(self, y: Any, sw: Any) -> Any:
        cw = self._class_weight
        if not cw or y is None:
            return sw
        yv = np.asarray(getattr(y, "_value", y))
        cls = np.argmax(yv, axis=-1) if yv.ndim > 1 and yv.shape[-1] > 1 else yv.reshape(yv.shape[0], -1)[:, 0]
        w = np.array([cw.get(int(c), 1.0) for c in np.round(cls).astype(int)], dtype=_floatx())
        if sw is not None:
            w = w * np.asarray(getattr(sw, "_value", sw)).reshape(-1)
        return convert_to_tensor(w)

    def epoch(self) -> Iterator[Any]:
        """One epoch of batches packed as Keras does (``x``, ``(x, y)`` or ``(x, y, sample_weight)``;
        ``steps`` of them when known)."""
        if self.kind == "arrays":
            if self.n == 0:
                return
            for _ in range(self.steps):
                if self._order is None or self._pos >= self.n:
                    self._order = self._epoch_order()
                    self._pos = 0
                idx = self._order[self._pos:self._pos + self.batch_size]
                self._pos += self.batch_size
                owned = True            # a gather (integer index array) makes new arrays
                if len(idx) == self.n and not self.shuffle:
                    idx = slice(None)   # the whole arrays: views, copied by to_tensor
                    owned = False
                y = tensorize(take(self.y, idx), owned)
                sw = tensorize(take(self.sw, idx), owned)
                yield pack(tensorize(take(self.x, idx), owned), y, self._with_class_weight(y, sw))
                if self._steps_arg is None and self._pos >= self.n:
                    self._order = None
            return
        if self._iterator is None or self._recreate:
            self._iterator = iter(self._data)
        count = 0
        while self.steps is None or count < self.steps:
            try:
                element = next(self._iterator)
            except StopIteration:
                if self.steps is not None and count < self.steps:
                    warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset "
                                  "or generator can generate at least `steps_per_epoch * epochs` batches (use "
                                  "dataset.repeat()).", stacklevel=3)
                    self.exhausted = True
                self._iterator = None if not self._one_shot else self._iterator
                break
            x, y, sw = unpack(element)
            y = tensorize(to_arrays(y)) if y is not None else None
            sw = tensorize(to_arrays(sw)) if sw is not None else None
            yield pack(tensorize(to_arrays(x)), y, self._with_class_weight(y, sw))
            count += 1
        if self.steps is None and self._size is None:
            self._size = count
        if getattr(self._data, "_gt_py_dataset", False):
            self._data.on_epoch_end()  # keras.utils.Sequence / PyDataset

    exhausted = False
