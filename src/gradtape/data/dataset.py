"""``tf.data.Dataset`` for gradtape: lazy, re-iterable input pipelines on NumPy arrays.

Elements are nested structures (tuples, namedtuples, dicts) of arrays; iterating a Dataset in Python
yields gradtape Tensors, ``as_numpy_iterator`` yields NumPy values, as in TF.

Speed: pipelines that start from ``from_tensor_slices`` or ``range`` and go through ``shuffle``,
``repeat``, ``take`` and ``skip`` are run as a stream of *row indices*; ``batch`` then gathers each
batch with one fancy-indexing per array instead of stacking elements one by one. ``shuffle`` uses TF's
buffer algorithm (fill ``buffer_size`` elements, emit a random one, refill), on indices when it can.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator, Optional

import numpy as np

from .. import dtypes as _dtypes
from ..ragged import RaggedTensor, RaggedTensorSpec, stack_rows
from ..tensor import Tensor

INFINITE = -1
UNKNOWN = -2
AUTOTUNE = -1


# -- structures ----------------------------------------------------------------------------------
def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _map_structure(fn: Callable, *structs: Any) -> Any:
    s0 = structs[0]
    if isinstance(s0, dict):
        return type(s0)((k, _map_structure(fn, *(s[k] for s in structs))) for k in s0)
    if _is_namedtuple(s0):
        return type(s0)(*(_map_structure(fn, *parts) for parts in zip(*structs)))
    if isinstance(s0, tuple):
        return tuple(_map_structure(fn, *parts) for parts in zip(*structs))
    return fn(*structs)


def _flatten(s: Any) -> list:
    if isinstance(s, dict):
        return [x for k in s for x in _flatten(s[k])]
    if isinstance(s, tuple):
        return [x for part in s for x in _flatten(part)]
    return [s]


def _to_array(x: Any) -> np.ndarray:
    """A leaf as a NumPy array with TF's dtype rules (Python floats -> float32, ints -> int32);
    RaggedTensors and nested Datasets (``window``) stay as they are."""
    if isinstance(x, (RaggedTensor, Dataset)):
        return x
    v = getattr(x, "_value", None)
    if v is None and hasattr(type(x), "_gt_read"):
        v = x.read_value()._value
    if v is not None:
        return np.asarray(v)
    if isinstance(x, np.ndarray):
        return x.copy()         # TF copies: later edits of the caller's array do not reach the dataset
    if isinstance(x, (str, bytes)):
        return np.asarray(x.encode() if isinstance(x, str) else x, dtype=object)
    if isinstance(x, (list, tuple)) and x and any(hasattr(e, "_value") for e in _flat_list(x)):
        return np.asarray([_to_array(e) for e in x])
    from ..dispatch import convert_to_tensor
    if isinstance(x, (list,)) and x and all(isinstance(e, (str, bytes)) for e in _flat_list(x)):
        return np.asarray([e.encode() if isinstance(e, str) else e for e in x], dtype=object)
    return np.asarray(convert_to_tensor(x)._value)


def _flat_list(x: Any) -> list:
    out = []
    for e in x:
        if isinstance(e, (list, tuple)):
            out.extend(_flat_list(e))
        else:
            out.append(e)
    return out


def _normalize(structure: Any) -> Any:
    """Lists at the top are tensors in TF, not structures; tuples/dicts are structures."""
    return _map_structure(_to_array, structure)


def _tensor(a: Any) -> Tensor:
    if isinstance(a, (RaggedTensor, Dataset)):
        return a
    if isinstance(a, bytes):
        a = np.array(a, dtype=object)
    t = object.__new__(Tensor)
    if isinstance(a, np.ndarray):
        t._value = a[()] if a.ndim == 0 and a.dtype.kind != "O" else a
    else:
        t._value = a
    return t


def _numpy_out(a: np.ndarray) -> Any:
    if isinstance(a, np.ndarray) and a.ndim == 0:
        return a[()]
    return a


def _to_tensors(element: Any) -> Any:
    return _map_structure(_tensor, element)


def _call(fn: Callable, element: Any) -> Any:
    args = _to_tensors(element)
    if isinstance(args, tuple) and not _is_namedtuple(args):
        return fn(*args)
    return fn(args)


def _from_user(value: Any) -> Any:
    if isinstance(value, list):  # a list returned by map is one tensor in TF
        value = _to_array(value)
    return _normalize(value)


def _spec_of(element: Any) -> Any:
    from ..function import TensorSpec

    def one(a: np.ndarray) -> Any:
        if isinstance(a, RaggedTensor):
            return RaggedTensorSpec(a.shape, a.dtype, a.ragged_rank)
        if isinstance(a, Dataset):
            return DatasetSpec(a.element_spec)
        dt = _dtypes.string if a.dtype == object else _dtypes.from_numpy(a.dtype)
        return TensorSpec(a.shape, dt)
    return _map_structure(one, element)


def _spec_with(spec: Any, fn: Callable) -> Any:
    from ..function import TensorSpec

    def one(s: Any) -> Any:
        if isinstance(s, RaggedTensorSpec):
            return RaggedTensorSpec(fn(tuple(s.shape)), s.dtype, max(s.ragged_rank + len(fn(tuple(s.shape))) - len(s.shape), 0)
                                    if len(fn(tuple(s.shape))) != len(s.shape) else s.ragged_rank)
        return TensorSpec(fn(tuple(s.shape)), s.dtype, s.name)
    return _map_structure(one, spec)


class Dataset:
    """A lazy sequence of elements (``tf.data.Dataset``). Build one with ``from_tensor_slices``,
    ``from_tensors``, ``range`` or ``zip`` and chain transformations; iterating it again starts over
    (and reshuffles, unless ``reshuffle_each_iteration=False``)."""

    # -- to override -----------------------------------------------------------------------------
    def _elements(self) -> Iterator:
        """Elements as nested structures of NumPy arrays."""
        raise NotImplementedError

    def _index_source(self) -> Optional["_Sliceable"]:
        """The array source when this pipeline is a stream of row indices into it, else None."""
        return None

    def _index_chunks(self) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _cardinality(self) -> int:
        return UNKNOWN

    def _element_spec(self) -> Any:
        raise NotImplementedError

    # -- Python protocol ---------------------------------------------------------------------------
    def __iter__(self) -> "DatasetIterator":
        return DatasetIterator(self)

    def as_numpy_iterator(self) -> Iterator:
        """Iterate over NumPy values (0-d as NumPy scalars), as ``Dataset.as_numpy_iterator``."""
        for e in self._elements():
            yield _map_structure(_numpy_out, e)

    def __len__(self) -> int:
        n = self._cardinality()
        if n == INFINITE:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self) -> bool:
        return True

    def cardinality(self) -> Tensor:
        """The number of elements, ``-1`` (INFINITE) or ``-2`` (UNKNOWN), as an int64 Tensor."""
        return Tensor(np.int64(self._cardinality()))

    @property
    def element_spec(self) -> Any:
        """The structure of ``TensorSpec`` of one element (``None`` for dimensions that vary)."""
        return self._element_spec()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} element_spec={self.element_spec}>"

    # -- sources -------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: Optional[str] = None) -> "Dataset":
        """One element per row of ``tensors`` (all leaves must share their first dimension)."""
        return _Sliceable(_normalize(tensors))

    @staticmethod
    def from_tensors(tensors: Any, name: Optional[str] = None) -> "Dataset":
        """A dataset of exactly one element, ``tensors``."""
        return _FromTensors(_normalize(tensors))

    @staticmethod
    def range(*args: Any, dtype: Any = None, name: Optional[str] = None) -> "Dataset":
        """``range(stop)``, ``range(start, stop[, step])`` of int64 (``Dataset.range``)."""
        arr = np.arange(*[int(getattr(a, "_value", a)) for a in args], dtype=np.int64)
        if dtype is not None:
            arr = arr.astype(_dtypes.to_numpy(dtype))
        return _Sliceable(arr)

    @staticmethod
    def zip(*datasets: Any, name: Optional[str] = None) -> "Dataset":
        """Elements pairing the elements of ``datasets`` (a tuple, nested structure or several args)."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        return _Zip(datasets)

    @staticmethod
    def from_generator(generator: Callable, output_types: Any = None, output_shapes: Any = None,
                       args: Any = None, output_signature: Any = None, name: Optional[str] = None) -> "Dataset":
        """Elements produced by calling ``generator(*args)`` anew on each iteration. With
        ``output_signature`` (or ``output_types``/``output_shapes``) each element is converted to the
        declared dtypes and checked against the declared shapes: a mismatch raises TypeError (a value
        that cannot be converted) or InvalidArgumentError (a wrong shape), as TF."""
        if output_signature is not None and (output_types is not None or output_shapes is not None):
            raise TypeError("from_generator: `output_signature` cannot be used with the deprecated "
                            "`output_types`/`output_shapes` arguments.")
        if output_signature is None and output_types is not None:
            output_signature = _signature_from_types(output_types, output_shapes)
        if output_signature is None:
            raise TypeError("from_generator: pass `output_signature` (a structure of tf.TensorSpec) "
                            "describing the generated elements.")
        return _Generator(generator, tuple(args or ()), output_signature)

    # -- transformations ---------------------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False, num_parallel_calls: Any = None,
              deterministic: Any = None, name: Optional[str] = None) -> "Dataset":
        """Stack ``batch_size`` consecutive elements (the last batch smaller unless ``drop_remainder``)."""
        batch_size = int(getattr(batch_size, "_value", batch_size))
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive; got {batch_size}.")
        return _Batch(self, batch_size, bool(drop_remainder))

    def unbatch(self, name: Optional[str] = None) -> "Dataset":
        """Split each element along its first dimension (``Dataset.unbatch``)."""
        return _Unbatch(self)

    def shuffle(self, buffer_size: int, seed: Optional[int] = None, reshuffle_each_iteration: bool = True,
                name: Optional[str] = None) -> "Dataset":
        """Shuffle with a buffer of ``buffer_size`` elements (TF's algorithm: emit a random element of the
        buffer and refill it). A buffer at least the dataset's size gives a uniform permutation."""
        buffer_size = int(getattr(buffer_size, "_value", buffer_size))
        if buffer_size == AUTOTUNE:
            buffer_size = 1 << 30
        if buffer_size <= 0:
            raise ValueError(f"buffer_size must be greater than zero; got {buffer_size}.")
        if seed is None:
            # as TF: with tf.random.set_seed(...) an unseeded shuffle is still reproducible
            from ..ops import random as _random
            if _random.get_global_generator_seed() is not None:
                seed = int(_random._generator().integers(2 ** 31))
        return _Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def map(self, map_func: Callable, num_parallel_calls: Any = None, deterministic: Any = None,
            name: Optional[str] = None) -> "Dataset":
        """Apply ``map_func`` to each element (a tuple element is passed as separate arguments).

        With ``num_parallel_calls`` (a number or ``AUTOTUNE``) the function runs on a pool of threads
        (NumPy releases the GIL in its kernels), several elements ahead of the consumer; the output
        order is the input order unless ``deterministic=False`` (then elements come as they finish).
        An exception raised by ``map_func`` reaches the caller with a note naming the element's index.
        """
        n = None if num_parallel_calls is None else int(getattr(num_parallel_calls, "_value", num_parallel_calls))
        if n is not None and n != AUTOTUNE and n < 1:
            raise ValueError(f"map: num_parallel_calls must be positive or tf.data.AUTOTUNE; got {n}.")
        if n is None or n == 1:
            return _Map(self, map_func)
        return _ParallelMap(self, map_func, n, deterministic)

    def filter(self, predicate: Callable, name: Optional[str] = None) -> "Dataset":
        """Keep the elements for which ``predicate`` returns True (a scalar bool)."""
        return _Filter(self, predicate)

    def repeat(self, count: Optional[int] = None, name: Optional[str] = None) -> "Dataset":
        """Repeat ``count`` times (forever with None or -1)."""
        count = None if count is None else int(getattr(count, "_value", count))
        return _Repeat(self, None if count is not None and count < 0 else count)

    def take(self, count: int, name: Optional[str] = None) -> "Dataset":
        """The first ``count`` elements (all with -1)."""
        count = int(getattr(count, "_value", count))
        return self if count < 0 else _Take(self, count)

    def skip(self, count: int, name: Optional[str] = None) -> "Dataset":
        """All but the first ``count`` elements (-1 skips everything)."""
        count = int(getattr(count, "_value", count))
        return _Skip(self, count)

    def cache(self, filename: str = "", name: Optional[str] = None) -> "Dataset":
        """Keep the elements after the first complete pass: in memory, or with ``filename`` in a file
        (gradtape's own format, no pickle) that later iterations -- and later programs -- read instead
        of the input. A partial pass leaves no cache file."""
        filename = _path_arg(filename)
        if filename:
            from .files import FileCache
            return FileCache(self, filename)
        return _Cache(self)

    def prefetch(self, buffer_size: Any = AUTOTUNE, name: Optional[str] = None) -> "Dataset":
        """Produce up to ``buffer_size`` elements ahead on a background thread, so the input pipeline
        overlaps the consumer's work (``AUTOTUNE``: 2 elements)."""
        n = int(getattr(buffer_size, "_value", buffer_size))
        if n == 0:
            return self
        if n < 0 and n != AUTOTUNE:
            raise ValueError(f"prefetch: buffer_size must be >= 0 or tf.data.AUTOTUNE; got {n}.")
        return _Prefetch(self, 2 if n == AUTOTUNE else n)

    def enumerate(self, start: int = 0, name: Optional[str] = None) -> "Dataset":
        """Pairs ``(index, element)`` with int64 indices."""
        return _Enumerate(self, int(start))

    def concatenate(self, dataset: "Dataset", name: Optional[str] = None) -> "Dataset":
        """The elements of this dataset followed by those of ``dataset``."""
        return _Concat(self, dataset)

    def padded_batch(self, batch_size: int, padded_shapes: Any = None, padding_values: Any = None,
                     drop_remainder: bool = False, name: Optional[str] = None) -> "Dataset":
        """Batch elements of different shapes, padding each component at the end to the largest size
        in the batch (or to ``padded_shapes``, where None dimensions take the batch maximum) with
        ``padding_values`` (default 0, or b'' for strings)."""
        batch_size = int(getattr(batch_size, "_value", batch_size))
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive; got {batch_size}.")
        return _PaddedBatch(self, batch_size, padded_shapes, padding_values, bool(drop_remainder))

    def flat_map(self, map_func: Callable, name: Optional[str] = None) -> "Dataset":
        """``map_func`` returns a Dataset per element; their elements are chained."""
        return _FlatMap(self, map_func)

    def interleave(self, map_func: Callable, cycle_length: Any = None, block_length: Any = None,
                   num_parallel_calls: Any = None, deterministic: Any = None, name: Optional[str] = None) -> "Dataset":
        """Like ``flat_map`` with ``cycle_length`` inputs open at once, taking ``block_length`` elements
        from each in turn (TF's deterministic order). With ``num_parallel_calls`` each open input is
        read ahead on its own thread (same order)."""
        par = num_parallel_calls is not None and int(getattr(num_parallel_calls, "_value", num_parallel_calls)) != 1
        return _Interleave(self, map_func, cycle_length, block_length or 1, par)

    def shard(self, num_shards: int, index: int, name: Optional[str] = None) -> "Dataset":
        """Every ``num_shards``-th element starting at ``index``."""
        return _Enumerate(self, 0).filter(lambda i, e: i % num_shards == index).map(lambda i, e: e)

    def apply(self, transformation_func: Callable) -> "Dataset":
        return transformation_func(self)

    def with_options(self, options: Any, name: Optional[str] = None) -> "Dataset":
        """This dataset with ``options`` merged into its options (``Dataset.with_options``);
        ``deterministic=False`` lets parallel maps emit elements as they finish."""
        from . import Options
        if not isinstance(options, Options):
            raise TypeError(f"with_options: expected a tf.data.Options; got {type(options).__name__}.")
        return _WithOptions(self, self.options().merge(options))

    def options(self) -> Any:
        """The ``tf.data.Options`` in effect for this dataset."""
        from . import Options
        return Options()

    def reduce(self, initial_state: Any, reduce_func: Callable) -> Any:
        """Fold the elements: ``state = reduce_func(state, element)``."""
        state = initial_state
        for e in self:
            state = reduce_func(state, e)
        return state

    def unique(self, name: Optional[str] = None) -> "Dataset":
        """The elements without repeats, in first-seen order (``Dataset.unique``; scalar int or string
        elements, as TF)."""
        return _Unique(self)

    def get_single_element(self) -> Any:
        it = iter(self)
        try:
            first = next(it)
        except StopIteration:
            raise ValueError("Dataset was empty.") from None
        for _ in it:
            raise ValueError("Dataset had more than one element.")
        return first


    # -- more transformations ------------------------------------------------------------------------
    def ragged_batch(self, batch_size: int, drop_remainder: bool = False, row_splits_dtype: Any = None,
                     name: Optional[str] = None) -> "Dataset":
        """Batch elements whose shapes differ into RaggedTensors (components of one shape stay dense
        tensors), ``Dataset.ragged_batch``."""
        batch_size = int(getattr(batch_size, "_value", batch_size))
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive; got {batch_size}.")
        return _RaggedBatch(self, batch_size, bool(drop_remainder))

    def window(self, size: int, shift: Optional[int] = None, stride: int = 1, drop_remainder: bool = False,
               name: Optional[str] = None) -> "Dataset":
        """Windows of ``size`` consecutive elements, starting every ``shift`` elements and taking every
        ``stride``-th; each element is a (structure of) Dataset, as ``Dataset.window`` (use
        ``flat_map(lambda w: w.batch(size))`` to get tensors)."""
        size = int(getattr(size, "_value", size))
        shift = size if shift is None else int(getattr(shift, "_value", shift))
        stride = int(getattr(stride, "_value", stride))
        if size <= 0 or shift <= 0 or stride <= 0:
            raise ValueError(f"window: size, shift and stride must be positive; got {size}, {shift}, {stride}.")
        return _Window(self, size, shift, stride, bool(drop_remainder))

    def group_by_window(self, key_func: Callable, reduce_func: Callable, window_size: Any = None,
                        window_size_func: Optional[Callable] = None, name: Optional[str] = None) -> "Dataset":
        """Group elements by ``key_func(element)`` (an int64 scalar); each group of ``window_size`` elements
        (or ``window_size_func(key)``) is passed as a Dataset to ``reduce_func(key, window)``, whose
        Dataset's elements are emitted. Groups left at the end are reduced in the order their keys
        first appeared."""
        if (window_size is None) == (window_size_func is None):
            raise ValueError("group_by_window: pass exactly one of window_size and window_size_func.")
        return _GroupByWindow(self, key_func, reduce_func, window_size, window_size_func)

    def bucket_by_sequence_length(self, element_length_func: Callable, bucket_boundaries: list,
                                  bucket_batch_sizes: list, padded_shapes: Any = None, padding_values: Any = None,
                                  pad_to_bucket_boundary: bool = False, no_padding: bool = False,
                                  drop_remainder: bool = False, name: Optional[str] = None) -> "Dataset":
        """Batch elements of similar length together (``Dataset.bucket_by_sequence_length``): bucket i
        holds lengths in ``[boundaries[i-1], boundaries[i])`` and is batched by ``bucket_batch_sizes[i]``
        with ``padded_batch`` (or ``batch`` with ``no_padding``)."""
        bounds = [int(b) for b in bucket_boundaries]
        sizes = [int(b) for b in bucket_batch_sizes]
        if len(sizes) != len(bounds) + 1:
            raise ValueError(f"bucket_by_sequence_length: len(bucket_batch_sizes) must equal "
                             f"len(bucket_boundaries) + 1; got {len(sizes)} and {len(bounds)}.")
        if sorted(bounds) != bounds:
            raise ValueError("bucket_by_sequence_length: bucket_boundaries must be sorted.")

        def key(*e: Any) -> Any:
            n = int(np.asarray(getattr(_call(element_length_func, e if len(e) > 1 else e[0]), "_value",
                                       _call(element_length_func, e if len(e) > 1 else e[0]))))
            return np.int64(int(np.searchsorted(bounds, n, side="right")))

        def reduce(k: Any, window: "Dataset") -> "Dataset":
            k = int(np.asarray(getattr(k, "_value", k)))
            b = sizes[k]
            if no_padding:
                return window.batch(b, drop_remainder=drop_remainder)
            shapes = padded_shapes
            if pad_to_bucket_boundary:
                if k == len(bounds):
                    raise ValueError("bucket_by_sequence_length: with pad_to_bucket_boundary, every element "
                                     "must be shorter than the last boundary.")
                spec = window.element_spec
                shapes = _map_structure(lambda sp: (bounds[k] - 1,) + tuple(None for _ in tuple(sp.shape)[1:]), spec)
            return window.padded_batch(b, padded_shapes=shapes, padding_values=padding_values,
                                       drop_remainder=drop_remainder)

        return _GroupByWindow(self, key, reduce, None, lambda k: sizes[int(np.asarray(getattr(k, "_value", k)))],
                              raw_key=True)

    def rejection_resample(self, class_func: Callable, target_dist: Any, initial_dist: Any = None,
                           seed: Optional[int] = None, name: Optional[str] = None) -> "Dataset":
        """Resample toward ``target_dist`` by rejection (``Dataset.rejection_resample``): element x of
        class c is kept with probability ``min(1, (t_c / p_c) / max_j (t_j / p_j))``, where ``p`` is
        ``initial_dist`` or, when None, the running class frequencies seen so far. Elements are
        ``(class, element)`` pairs, as TF. The random draws differ from TF's."""
        return _RejectionResample(self, class_func, target_dist, initial_dist, seed)

    def save(self, path: str, compression: Optional[str] = None, shard_func: Any = None,
             checkpoint_args: Any = None, name: Optional[str] = None) -> None:
        """Write all elements to the directory ``path`` (``Dataset.save``) in gradtape's own format
        (no pickle; compression None or 'GZIP'); read it back with ``Dataset.load``. The format is not
        TF's snapshot format."""
        if shard_func is not None or checkpoint_args is not None:
            raise NotImplementedError("Dataset.save: shard_func and checkpoint_args are not supported.")
        from .files import save_dataset
        save_dataset(self, _path_arg(path), compression)

    @staticmethod
    def load(path: str, element_spec: Any = None, compression: Optional[str] = None, reader_func: Any = None,
             name: Optional[str] = None) -> "Dataset":
        """The dataset ``Dataset.save`` wrote to ``path``."""
        if reader_func is not None:
            raise NotImplementedError("Dataset.load: reader_func is not supported.")
        from .files import LoadedDataset
        return LoadedDataset(_path_arg(path), element_spec)

    def snapshot(self, path: str, compression: str = "AUTO", reader_func: Any = None, shard_func: Any = None,
                 name: Optional[str] = None) -> "Dataset":
        """Persist the elements under the directory ``path`` on the first complete pass and read them
        from there afterwards (``Dataset.snapshot``; gradtape's own format, like ``cache(filename)``)."""
        if reader_func is not None or shard_func is not None:
            raise NotImplementedError("Dataset.snapshot: reader_func and shard_func are not supported.")
        import os
        from .files import FileCache
        p = _path_arg(path)
        os.makedirs(p, exist_ok=True)
        return FileCache(self, os.path.join(p, "snapshot"))

    def ignore_errors(self, log_warning: bool = False, name: Optional[str] = None) -> "Dataset":
        """Drop the elements whose computation raises an error (``Dataset.ignore_errors``)."""
        return _IgnoreErrors(self, log_warning)

    def take_while(self, predicate: Callable, name: Optional[str] = None) -> "Dataset":
        """The elements up to the first one for which ``predicate`` is False."""
        return _TakeWhile(self, predicate)

    def scan(self, initial_state: Any, scan_func: Callable, name: Optional[str] = None) -> "Dataset":
        """Emit ``out`` of ``state, out = scan_func(state, element)`` for each element."""
        return _Scan(self, initial_state, scan_func)

    @staticmethod
    def sample_from_datasets(datasets: list, weights: Any = None, seed: Optional[int] = None,
                             stop_on_empty_dataset: bool = False, rerandomize_each_iteration: Any = None) -> "Dataset":
        """Each element drawn from ``datasets[i]`` with probability ``weights[i]`` (uniform by default);
        an exhausted input is dropped from the draw (or ends the dataset with
        ``stop_on_empty_dataset``). The random draws differ from TF's."""
        return _Sample(list(datasets), weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets: list, choice_dataset: "Dataset", stop_on_empty_dataset: bool = True) -> "Dataset":
        """Element i comes from ``datasets[choice_dataset[i]]``."""
        return _Choose(list(datasets), choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def list_files(file_pattern: Any, shuffle: Optional[bool] = None, seed: Optional[int] = None,
                   name: Optional[str] = None) -> "Dataset":
        """The file names matching one or more glob patterns, shuffled unless ``shuffle=False``
        (then sorted); no match raises InvalidArgumentError, as TF."""
        from .readers import list_files
        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def counter(start: int = 0, step: int = 1, dtype: Any = None, name: Optional[str] = None) -> "Dataset":
        """``start, start + step, ...`` forever (``Dataset.counter``)."""
        return _Counter(start, step, dtype)


class DatasetIterator:
    """An iterator over a Dataset (``iter(dataset)``): ``next(it)``, ``it.get_next()``, and checkpointable
    with ``tf.train.Checkpoint(iterator=it)`` (its position is saved; restoring replays the pipeline to
    that position, which reproduces the elements when shuffles are seeded)."""

    def __init__(self, dataset: Dataset):
        self._dataset = dataset
        self._gen = dataset._elements()
        self._position = 0

    def __iter__(self) -> "DatasetIterator":
        return self

    def __next__(self) -> Any:
        e = next(self._gen)
        self._position += 1
        return _to_tensors(e)

    def get_next(self) -> Any:
        """The next element; raises ``OutOfRangeError`` at the end (as TF)."""
        try:
            return next(self)
        except StopIteration:
            from ..errors import OutOfRangeError
            raise OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self) -> Any:
        try:
            return next(self)
        except StopIteration:
            return None

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec

    def _checkpoint_state(self) -> dict:
        return {"position": np.asarray(self._position, dtype=np.int64)}

    def _restore_checkpoint_state(self, state: dict) -> None:
        n = int(np.asarray(state["position"]))
        self._gen = self._dataset._elements()
        for _ in range(n):
            next(self._gen)
        self._position = n


class _Sliceable(Dataset):
    def __init__(self, tensors: Any):
        leaves = _flatten(tensors)
        if not leaves:
            raise ValueError("from_tensor_slices needs at least one tensor.")
        sizes = set()
        for a in leaves:
            if a.ndim == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1: "
                                 "from_tensor_slices needs tensors with a first dimension.")
            sizes.add(a.shape[0])
        if len(sizes) != 1:
            shapes = [list(a.shape) for a in leaves]
            raise ValueError(f"Dimensions {sorted(sizes)} in the first axis of the tensors passed to "
                             f"from_tensor_slices are not equal (shapes {shapes}); every component "
                             "must have the same number of rows.")
        self._data = tensors
        self._n = sizes.pop()

    def _index_source(self) -> "_Sliceable":
        return self

    def _index_chunks(self) -> Iterator[np.ndarray]:
        if self._n:
            yield np.arange(self._n)

    def gather(self, idx: np.ndarray) -> Any:
        if len(idx) and idx[-1] - idx[0] == len(idx) - 1 and (len(idx) == 1 or np.all(np.diff(idx) == 1)):
            s = slice(int(idx[0]), int(idx[-1]) + 1)
            return _map_structure(lambda a: a[s], self._data)
        return _map_structure(lambda a: stack_rows([_row_of(a, int(i)) for i in idx])
                              if isinstance(a, RaggedTensor) else a[idx], self._data)

    def row(self, i: int) -> Any:
        return _map_structure(lambda a: _item(a, i), self._data)

    def _elements(self) -> Iterator:
        for i in range(self._n):
            yield self.row(i)

    def _cardinality(self) -> int:
        return self._n

    def _element_spec(self) -> Any:
        return _spec_with(_spec_of(self._data), lambda s: s[1:])


class _Unary(Dataset):
    """A transformation of one input dataset; unless overridden, it keeps the input's cardinality and
    element spec."""

    def __init__(self, input_dataset: Dataset):
        self._input = input_dataset

    def _cardinality(self) -> int:
        return self._input._cardinality()

    def _element_spec(self) -> Any:
        return self._input._element_spec()

    def options(self) -> Any:
        return self._input.options()


class _IndexStream(_Unary):
    """Base of datasets that may run as an index stream over a _Sliceable source."""

    def _index_source(self) -> Optional[_Sliceable]:
        return self._input._index_source()

    def _elements(self) -> Iterator:
        src = self._index_source()
        if src is None:
            yield from self._element_stream()
            return
        for chunk in self._index_chunks():
            for i in chunk:
                yield src.row(int(i))

    def _element_stream(self) -> Iterator:
        raise NotImplementedError


def _rechunk_take(chunks: Iterator[np.ndarray], count: int) -> Iterator[np.ndarray]:
    left = count
    for c in chunks:
        if left <= 0:
            return
        if len(c) > left:
            c = c[:left]
        left -= len(c)
        yield c


def _rechunk_skip(chunks: Iterator[np.ndarray], count: int) -> Iterator[np.ndarray]:
    left = count
    for c in chunks:
        if left > 0:
            if len(c) <= left:
                left -= len(c)
                continue
            c = c[left:]
            left = 0
        yield c


class _Take(_IndexStream):
    def __init__(self, input_dataset: Dataset, count: int):
        super().__init__(input_dataset)
        self._count = count

    def _index_chunks(self) -> Iterator[np.ndarray]:
        return _rechunk_take(self._input._index_chunks(), self._count)

    def _element_stream(self) -> Iterator:
        return itertools.islice(self._input._elements(), self._count)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n == INFINITE:
            return self._count
        if n == UNKNOWN:
            return UNKNOWN
        return min(n, self._count)


class _Skip(_IndexStream):
    def __init__(self, input_dataset: Dataset, count: int):
        super().__init__(input_dataset)
        self._count = count

    def _index_chunks(self) -> Iterator[np.ndarray]:
        if self._count < 0:
            return iter(())
        return _rechunk_skip(self._input._index_chunks(), self._count)

    def _element_stream(self) -> Iterator:
        if self._count < 0:
            return iter(())
        return itertools.islice(self._input._elements(), self._count, None)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        return 0 if self._count < 0 else max(n - self._count, 0)


class _Repeat(_IndexStream):
    def __init__(self, input_dataset: Dataset, count: Optional[int]):
        super().__init__(input_dataset)
        self._count = count

    def _passes(self) -> Iterator[int]:
        return itertools.count() if self._count is None else iter(range(self._count))

    def _index_chunks(self) -> Iterator[np.ndarray]:
        for _ in self._passes():
            got = False
            for c in self._input._index_chunks():
                got = got or len(c) > 0
                yield c
            if not got:
                return

    def _element_stream(self) -> Iterator:
        for _ in self._passes():
            got = False
            for e in self._input._elements():
                got = True
                yield e
            if not got:
                return

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count is None:
            return 0 if n == 0 else (UNKNOWN if n == UNKNOWN else INFINITE)
        if n < 0:
            return n
        return n * self._count


class _Shuffle(_IndexStream):
    def __init__(self, input_dataset: Dataset, buffer_size: int, seed: Optional[int], reshuffle: bool):
        super().__init__(input_dataset)
        self._buffer_size = buffer_size
        self._seed = seed
        self._reshuffle = reshuffle
        self._epoch = 0
        self._base = np.random.SeedSequence(seed).entropy if seed is not None else None

    def _rng(self) -> np.random.Generator:
        if self._seed is None:
            if not self._reshuffle:
                if not hasattr(self, "_fixed_seed"):
                    self._fixed_seed = np.random.SeedSequence().entropy
                return np.random.default_rng(self._fixed_seed)
            return np.random.default_rng()
        epoch = self._epoch if self._reshuffle else 0
        self._epoch += 1
        return np.random.default_rng([self._seed, epoch])

    def _shuffle_stream(self, items: Iterator, rng: np.random.Generator) -> Iterator:
        buf: list = []
        size = self._buffer_size
        for x in items:
            if len(buf) < size:
                buf.append(x)
                continue
            j = int(rng.integers(len(buf)))
            out = buf[j]
            buf[j] = x
            yield out
        order = rng.permutation(len(buf)) if buf else ()
        for j in order:
            yield buf[j]

    def _index_chunks(self) -> Iterator[np.ndarray]:
        rng = self._rng()
        n = self._input._cardinality()
        if 0 <= n <= self._buffer_size:
            idx = np.concatenate(list(self._input._index_chunks()) or [np.zeros(0, np.int64)])
            yield idx[rng.permutation(len(idx))]
            return
        flat = (int(i) for c in self._input._index_chunks() for i in c)
        block: list = []
        for i in self._shuffle_stream(flat, rng):
            block.append(i)
            if len(block) >= 1024:
                yield np.asarray(block)
                block = []
        if block:
            yield np.asarray(block)

    def _element_stream(self) -> Iterator:
        return self._shuffle_stream(self._input._elements(), self._rng())


class _Batch(_Unary):
    def __init__(self, input_dataset: Dataset, batch_size: int, drop_remainder: bool):
        super().__init__(input_dataset)
        self._b = batch_size
        self._drop = drop_remainder

    def _elements(self) -> Iterator:
        b = self._b
        src = self._input._index_source()
        if src is not None:
            pending: list = []
            have = 0
            for c in self._input._index_chunks():
                while len(c):
                    need = b - have
                    part, c = c[:need], c[need:]
                    pending.append(part)
                    have += len(part)
                    if have == b:
                        idx = pending[0] if len(pending) == 1 else np.concatenate(pending)
                        yield src.gather(idx)
                        pending, have = [], 0
            if have and not self._drop:
                yield src.gather(np.concatenate(pending))
            return
        yield from self._groups(self._stack)

    def _groups(self, combine: Callable) -> Iterator:
        """``combine(group)`` for each group of ``batch_size`` input elements (the last one shorter
        unless ``drop_remainder``)."""
        group: list = []
        for e in self._input._elements():
            group.append(e)
            if len(group) == self._b:
                yield combine(group)
                group = []
        if group and not self._drop:
            yield combine(group)

    @staticmethod
    def _stack(group: list) -> Any:
        def stack(*xs: Any) -> Any:
            if isinstance(xs[0], RaggedTensor):
                return stack_rows(list(xs))
            return np.stack(xs)
        try:
            return _map_structure(stack, *group)
        except ValueError as e:
            shapes = [[list(np.shape(x)) for x in _flatten(g)] for g in group[:4]]
            raise ValueError(f"Dataset.batch: cannot batch elements of different shapes ({e}); first "
                             f"element shapes: {shapes}. Use padded_batch-style padding in map, or "
                             "batch elements of one shape.") from None

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        return n // self._b if self._drop else -(-n // self._b)

    def _element_spec(self) -> Any:
        lead = self._b if self._drop else None
        return _spec_with(self._input._element_spec(), lambda s: (lead,) + s)


class _Unbatch(_Unary):
    def _elements(self) -> Iterator:
        for e in self._input._elements():
            leaves = _flatten(e)
            if any(a.ndim == 0 for a in leaves):
                raise ValueError("Dataset.unbatch: elements must have a first dimension; got a scalar.")
            n = leaves[0].shape[0]
            for i in range(n):
                yield _map_structure(lambda a: _row_of(a, i), e)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return n if n == INFINITE else UNKNOWN

    def _element_spec(self) -> Any:
        return _spec_with(self._input._element_spec(), lambda s: s[1:])


class _Map(_Unary):
    def __init__(self, input_dataset: Dataset, fn: Callable):
        super().__init__(input_dataset)
        self._fn = fn
        self._spec = None

    def _elements(self) -> Iterator:
        fn = self._fn
        for i, e in enumerate(self._input._elements()):
            try:
                out = _from_user(_call(fn, e))
            except Exception as err:
                raise _with_index_note(err, i)
            yield out

    def _element_spec(self) -> Any:
        if self._spec is None:
            first = next(iter(self._elements()), None)
            if first is None:
                raise ValueError("element_spec of an empty mapped dataset is unknown.")
            in_spec = self._input._element_spec()
            unknown_lead = any(len(s.shape) and s.shape[0] is None for s in _flatten(in_spec))
            spec = _spec_of(first)
            self._spec = _spec_with(spec, lambda s: ((None,) + s[1:]) if unknown_lead and s else s)
        return self._spec


class _Filter(_Unary):
    def __init__(self, input_dataset: Dataset, predicate: Callable):
        super().__init__(input_dataset)
        self._pred = predicate

    def _elements(self) -> Iterator:
        p = self._pred
        for e in self._input._elements():
            keep = _call(p, e)
            v = np.asarray(getattr(keep, "_value", keep))
            if v.shape != () or v.dtype != np.bool_:
                raise ValueError(f"Dataset.filter: the predicate must return a scalar bool; got dtype "
                                 f"{v.dtype} and shape {list(v.shape)}.")
            if v:
                yield e

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN


class _Cache(_Unary):
    def __init__(self, input_dataset: Dataset):
        super().__init__(input_dataset)
        self._store: Optional[list] = None

    def _elements(self) -> Iterator:
        if self._store is not None:
            yield from self._store
            return
        got = []
        for e, last in _with_last(self._input._elements()):
            got.append(e)
            if last:
                # only a complete pass fills the cache; it is filled before the last element goes out,
                # so a consumer that stops after exactly the known number of elements (Model.fit with
                # a known cardinality) still leaves a complete cache behind
                self._store = got
            yield e


def _with_last(it: Iterator) -> Iterator:
    """``(element, is_last)`` pairs, reading one element ahead so the last one is known as such."""
    it = iter(it)
    try:
        cur = next(it)
    except StopIteration:
        return
    for nxt in it:
        yield cur, False
        cur = nxt
    yield cur, True


class _FromTensors(Dataset):
    def __init__(self, tensors: Any):
        self._data = tensors

    def _elements(self) -> Iterator:
        yield self._data

    def _cardinality(self) -> int:
        return 1

    def _element_spec(self) -> Any:
        return _spec_of(self._data)


class _Zip(Dataset):
    def __init__(self, datasets: Any):
        for d in _flatten(datasets):
            if not isinstance(d, Dataset):
                raise TypeError(f"Dataset.zip expects datasets (a tuple or dict of them); got "
                                f"{type(d).__name__}.")
        self._structure = datasets

    def _elements(self) -> Iterator:
        flat = _flatten(self._structure)
        for parts in zip(*(d._elements() for d in flat)):
            it = iter(parts)
            yield _map_structure(lambda _d: next(it), self._structure)

    def _cardinality(self) -> int:
        ns = [d._cardinality() for d in _flatten(self._structure)]
        finite = [n for n in ns if n >= 0]
        if finite:
            return min(finite)
        return UNKNOWN if UNKNOWN in ns else INFINITE

    def _element_spec(self) -> Any:
        return _map_structure(lambda d: d._element_spec(), self._structure)


def _flatten_up_to(structure: Any, value: Any) -> list:
    """``value``'s parts at the leaves of ``structure`` (a shape given as a list/tuple stays whole);
    a value that is not a matching structure applies to every leaf."""
    if isinstance(structure, dict):
        if isinstance(value, dict):
            return [x for k in structure for x in _flatten_up_to(structure[k], value.get(k))]
        return [value] * len(_flatten(structure))
    if isinstance(structure, tuple):
        if isinstance(value, tuple) and len(value) == len(structure) and not all(
                v is None or isinstance(v, (int, np.integer)) for v in value):
            return [x for s, v in zip(structure, value) for x in _flatten_up_to(s, v)]
        return [value] * len(_flatten(structure))
    return [value]


def _pad_to(a: np.ndarray, shape: tuple, value: Any) -> np.ndarray:
    if a.shape == shape:
        return a
    out = np.full(shape, value, dtype=a.dtype)
    out[tuple(slice(0, d) for d in a.shape)] = a
    return out


class _PaddedBatch(_Batch):
    def __init__(self, input_dataset: Dataset, batch_size: int, padded_shapes: Any, padding_values: Any,
                 drop_remainder: bool):
        super().__init__(input_dataset, batch_size, drop_remainder)
        self._shapes = padded_shapes
        self._values = padding_values

    def _pad_group(self, group: list) -> Any:
        structure = group[0]
        leaves = [_flatten(e) for e in group]
        n = len(leaves[0])
        wanted = _flatten_up_to(structure, self._shapes)
        values = _flatten_up_to(structure, self._values)
        out = []
        for j in range(n):
            parts = [np.asarray(l[j]) for l in leaves]
            rank = parts[0].ndim
            if any(p.ndim != rank for p in parts):
                raise ValueError("padded_batch: components must keep their rank across elements.")
            biggest = tuple(max(p.shape[d] for p in parts) for d in range(rank))
            w = wanted[j] if j < len(wanted) else None
            if w is not None:
                w = tuple(int(getattr(x, "_value", x)) if x is not None and int(getattr(x, "_value", x)) >= 0
                          else None for x in w)
                if len(w) != rank:
                    raise ValueError(f"padded_batch: padded shape {list(w)} has rank {len(w)} but the component "
                                     f"has rank {rank}.")
                for d, (ws, bs) in enumerate(zip(w, biggest)):
                    if ws is not None and bs > ws:
                        raise ValueError(f"padded_batch: component dimension {d} is {bs}, larger than the padded "
                                         f"shape {ws}.")
                target = tuple(bs if ws is None else ws for ws, bs in zip(w, biggest))
            else:
                target = biggest
            pv = values[j] if j < len(values) else None
            if pv is None:
                pv = b"" if parts[0].dtype == object else 0
            pv = getattr(pv, "_value", pv)
            out.append(np.stack([_pad_to(p, target, pv) for p in parts]))
        it = iter(out)
        return _map_structure(lambda _x: next(it), structure)

    def _elements(self) -> Iterator:
        return self._groups(self._pad_group)

    def _element_spec(self) -> Any:
        lead = self._b if self._drop else None
        return _spec_with(self._input._element_spec(), lambda s: (lead,) + tuple(None for _ in s))


class _FlatMap(_Unary):
    def __init__(self, input_dataset: Dataset, fn: Callable):
        super().__init__(input_dataset)
        self._fn = fn

    def _elements(self) -> Iterator:
        for e in self._input._elements():
            sub = _call(self._fn, e)
            if not isinstance(sub, Dataset):
                raise TypeError(f"flat_map/interleave: map_func must return a Dataset; got {type(sub).__name__}.")
            yield from sub._elements()

    def _cardinality(self) -> int:
        return UNKNOWN

    def _element_spec(self) -> Any:
        first = next(iter(self._input._elements()), None)
        if first is None:
            raise ValueError("element_spec of an empty flat_map dataset is unknown.")
        return _call(self._fn, first)._element_spec()


class _Interleave(_FlatMap):
    def __init__(self, input_dataset: Dataset, fn: Callable, cycle_length: Any, block_length: int,
                 parallel: bool = False):
        super().__init__(input_dataset, fn)
        self._parallel = parallel
        c = cycle_length if cycle_length not in (None, AUTOTUNE) else 16
        self._cycle = int(getattr(c, "_value", c))
        self._block = int(getattr(block_length, "_value", block_length))

    def _elements(self) -> Iterator:
        inputs = self._input._elements()
        active: list = []
        exhausted = False
        while True:
            while not exhausted and len(active) < self._cycle:
                try:
                    e = next(inputs)
                except StopIteration:
                    exhausted = True
                    break
                active.append(self._open(e))
            if not active:
                return
            i = 0
            while i < len(active):
                gen = active[i]
                done = False
                for _ in range(self._block):
                    try:
                        yield next(gen)
                    except StopIteration:
                        done = True
                        break
                if done:
                    active.pop(i)
                    # refill this slot right away, as TF does
                    if not exhausted:
                        try:
                            e = next(inputs)
                            active.insert(i, self._open(e))
                            continue
                        except StopIteration:
                            exhausted = True
                    continue
                i += 1


    def _open(self, e: Any) -> Iterator:
        sub = _call(self._fn, e)
        if not isinstance(sub, Dataset):
            raise TypeError(f"interleave: map_func must return a Dataset; got {type(sub).__name__}.")
        return (_Prefetch(sub, 4) if self._parallel else sub)._elements()


class _Enumerate(_Unary):
    def __init__(self, input_dataset: Dataset, start: int):
        super().__init__(input_dataset)
        self._start = start

    def _elements(self) -> Iterator:
        for i, e in enumerate(self._input._elements(), self._start):
            yield (np.asarray(i, dtype=np.int64), e)

    def _element_spec(self) -> Any:
        from ..function import TensorSpec
        return (TensorSpec((), _dtypes.int64), self._input._element_spec())


class _Concat(Dataset):
    def __init__(self, a: Dataset, b: Dataset):
        self._a, self._b = a, b

    def _elements(self) -> Iterator:
        yield from self._a._elements()
        yield from self._b._elements()

    def _cardinality(self) -> int:
        x, y = self._a._cardinality(), self._b._cardinality()
        if INFINITE in (x, y):
            return INFINITE
        if UNKNOWN in (x, y):
            return UNKNOWN
        return x + y

    def _element_spec(self) -> Any:
        return self._a._element_spec()


class _Generator(Dataset):
    def __init__(self, generator: Callable, args: tuple, signature: Any):
        self._gen = generator
        self._args = args
        self._signature = signature

    def _elements(self) -> Iterator:
        sig = self._signature
        args = tuple(np.asarray(a._value) if hasattr(a, "_value") else a for a in self._args)
        for i, e in enumerate(self._gen(*args)):
            yield self._match(sig, e, i)

    def _match(self, sig: Any, e: Any, i: int) -> Any:
        if isinstance(sig, dict):
            if not isinstance(e, dict) or set(e) != set(sig):
                raise TypeError(f"`generator` yielded an element {e!r} that does not match the output_signature "
                                f"structure (a dict with keys {sorted(sig)}); element {i}.")
            return type(sig)((k, self._match(sig[k], e[k], i)) for k in sig)
        if isinstance(sig, tuple):
            if not isinstance(e, (tuple, list)) or len(e) != len(sig):
                raise TypeError(f"`generator` yielded an element that did not match the expected structure. The "
                                f"expected structure was a tuple of {len(sig)} components, but the yielded element "
                                f"was {e!r}; element {i}.")
            parts = [self._match(s, x, i) for s, x in zip(sig, e)]
            return type(sig)(*parts) if _is_namedtuple(sig) else tuple(parts)
        return _conform(e, sig, i)

    def _element_spec(self) -> Any:
        return self._signature


# -- helpers of the transformations below --------------------------------------------------------------
def _row_of(a: Any, i: int) -> Any:
    if isinstance(a, RaggedTensor):
        r = a[i]
        return r if isinstance(r, RaggedTensor) else np.asarray(r._value)
    return _item(a, i)


def _item(a: Any, i: int) -> Any:
    """Row ``i`` of an array; a string element stays a 0-d object array (NumPy would give bytes)."""
    if isinstance(a, RaggedTensor):
        return _row_of(a, i)
    r = a[i]
    return r if isinstance(r, (np.ndarray, np.generic)) else np.array(r, dtype=object)


def _path_arg(p: Any) -> str:
    v = getattr(p, "_value", None)
    if v is not None:
        p = np.asarray(v)[()]
    if isinstance(p, bytes):
        p = p.decode("utf-8")
    import os
    return os.fspath(p) if p is not None else ""


def _with_index_note(err: BaseException, index: int, what: str = "map") -> BaseException:
    note = f"(raised by the Dataset.{what} function on input element {index})"
    if hasattr(err, "add_note") and note not in getattr(err, "__notes__", ()):
        err.add_note(note)
    return err


class _AnyShapeSpec:
    """The spec of a generator component declared by ``output_types`` alone: a dtype, any shape."""

    def __init__(self, dtype: Any):
        self.dtype = _dtypes.as_dtype(dtype)
        self.shape = None
        self.name = None

    def __repr__(self) -> str:
        return f"TensorSpec(shape=<unknown>, dtype=tf.{self.dtype.name}, name=None)"


def _signature_from_types(types: Any, shapes: Any) -> Any:
    from ..function import TensorSpec
    if shapes is None:
        return _map_structure(lambda t: _AnyShapeSpec(t), types)
    flat_t = _flatten(types)
    flat_s = _flatten_up_to(types, shapes)
    it = iter([_AnyShapeSpec(t) if sh is None else TensorSpec(tuple(getattr(sh, "as_list", lambda: sh)()), t)
               for t, sh in zip(flat_t, flat_s)])
    return _map_structure(lambda _t: next(it), types)


def _conform(value: Any, spec: Any, index: int) -> Any:
    """A generated leaf converted to ``spec``'s dtype and checked against its shape (TF's rules)."""
    from ..errors import InvalidArgumentError
    if isinstance(spec, RaggedTensorSpec):
        from ..ragged import constant as ragged_constant
        rt = value if isinstance(value, RaggedTensor) else ragged_constant(
            value.tolist() if isinstance(value, np.ndarray) else value, dtype=spec.dtype)
        if rt.dtype != spec.dtype:
            raise TypeError(f"`generator` yielded a RaggedTensor of dtype {rt.dtype.name} where {spec.dtype.name} "
                            f"was expected (element {index}).")
        return rt
    want = spec.dtype
    npd = _dtypes.to_numpy(want)
    v = getattr(value, "_value", None)
    raw = v if v is not None else value
    try:
        if want.name == "string":
            arr = np.asarray(raw, dtype=object) if not isinstance(raw, np.ndarray) else raw
            if arr.dtype.kind in "US":
                arr = arr.astype(object)
            if arr.dtype != object or not all(isinstance(x, (bytes, str)) for x in arr.flat):
                raise TypeError
            if arr.size and any(isinstance(x, str) for x in arr.flat):
                arr = np.vectorize(lambda x: x.encode() if isinstance(x, str) else x, otypes=[object])(arr)
        else:
            src = np.asarray(raw)
            if src.dtype == object or src.dtype.kind in "USV":
                raise TypeError
            # TF converts with numpy; values that change (1.5 -> int) are refused
            arr = src.astype(npd)
            if src.dtype.kind in "fc" and np.dtype(npd).kind in "iub" and not np.array_equal(arr, src):
                raise TypeError
            if src.dtype.kind == "b" and np.dtype(npd).kind != "b":
                raise TypeError
    except (TypeError, ValueError):
        got = np.asarray(raw).dtype if not isinstance(raw, (list, tuple)) else type(raw).__name__
        raise TypeError(f"`generator` yielded an element that could not be converted to the expected type. "
                        f"The expected type was {want.name}, but the yielded element was {raw!r} "
                        f"(dtype {got}); element {index}.") from None
    shape = spec.shape
    if shape is not None and getattr(shape, "rank", 0) is not None:
        dims = list(shape)
        if len(dims) != arr.ndim or any(d is not None and d != a for d, a in zip(dims, arr.shape)):
            raise InvalidArgumentError(
                f"`generator` yielded an element of shape {tuple(arr.shape)} where an element of shape "
                f"{tuple(dims)} was expected (element {index}).")
    return arr


class DatasetSpec:
    """``tf.data.DatasetSpec``: the type of a nested Dataset element (from ``window``)."""

    def __init__(self, element_spec: Any, dataset_shape: Any = ()):
        self.element_spec = element_spec

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, TensorShape([]))"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec


class _WithOptions(_Unary):
    def __init__(self, input_dataset: Dataset, options: Any):
        super().__init__(input_dataset)
        self._options = options

    def _elements(self) -> Iterator:
        return self._input._elements()

    def _index_source(self) -> Any:
        return self._input._index_source()

    def _index_chunks(self) -> Iterator[np.ndarray]:
        return self._input._index_chunks()

    def options(self) -> Any:
        return self._options


_SENTINEL = object()


class _ParallelMap(_Map):
    """``map`` on a thread pool: up to ``n`` calls in flight; results in input order unless
    non-deterministic. Threads start when iteration starts and stop when it ends or is abandoned."""

    def __init__(self, input_dataset: Dataset, fn: Callable, n: int, deterministic: Any):
        super().__init__(input_dataset, fn)
        import os
        self._n = max(1, min(os.cpu_count() or 1, 16)) if n == AUTOTUNE else n
        self._deterministic = deterministic

    def _elements(self) -> Iterator:
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
        det = self._deterministic
        if det is None:
            det = self.options().deterministic
            det = True if det is None else bool(det)
        fn = self._fn

        def work(i: int, e: Any) -> Any:
            try:
                return _from_user(_call(fn, e))
            except BaseException as err:  # the index travels with the error
                raise _with_index_note(err, i)

        pool = ThreadPoolExecutor(max_workers=self._n, thread_name_prefix="gradtape-data-map")
        inputs = enumerate(self._input._elements())
        pending: list = []
        window = 2 * self._n
        try:
            done_input = False
            while True:
                while not done_input and len(pending) < window:
                    try:
                        i, e = next(inputs)
                    except StopIteration:
                        done_input = True
                        break
                    pending.append(pool.submit(work, i, e))
                if not pending:
                    return
                if det:
                    fut = pending.pop(0)
                    yield fut.result()
                else:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    fut = next(f for f in pending if f in done)
                    pending.remove(fut)
                    yield fut.result()
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)


class _Prefetch(_Unary):
    """Runs the input pipeline on a background thread, ``buffer`` elements ahead."""

    def __init__(self, input_dataset: Dataset, buffer: int):
        super().__init__(input_dataset)
        self._buffer = buffer

    def _elements(self) -> Iterator:
        import queue
        import threading
        q: "queue.Queue" = queue.Queue(maxsize=self._buffer)
        stop = threading.Event()
        src = self._input

        def produce() -> None:
            try:
                for e in src._elements():
                    while not stop.is_set():
                        try:
                            q.put(("item", e), timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                item: Any = ("end", None)
            except BaseException as err:
                item = ("error", err)
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        t = threading.Thread(target=produce, name="gradtape-data-prefetch", daemon=True)
        t.start()
        try:
            while True:
                kind, value = q.get()
                if kind == "item":
                    yield value
                elif kind == "end":
                    return
                else:
                    raise value
        finally:
            stop.set()


class _RaggedBatch(_Batch):
    def _elements(self) -> Iterator:
        def combine(group: list) -> Any:
            def one(*xs: Any) -> Any:
                if isinstance(xs[0], RaggedTensor):
                    return stack_rows(list(xs))
                arrs = [np.asarray(x) for x in xs]
                if all(a.shape == arrs[0].shape for a in arrs):
                    if arrs[0].ndim == 0:
                        return np.stack(arrs)
                    return stack_rows(arrs) if False else _uniform_ragged(arrs)
                if arrs[0].ndim == 0:
                    raise ValueError("ragged_batch: scalar components must keep their shape.")
                return stack_rows(arrs)
            return _map_structure(one, *group)
        return self._groups(combine)

    def _element_spec(self) -> Any:
        lead = self._b if self._drop else None

        def one(sp: Any) -> Any:
            shape = tuple(sp.shape)
            if isinstance(sp, RaggedTensorSpec):
                return RaggedTensorSpec((lead,) + shape, sp.dtype, sp.ragged_rank + 1)
            if not shape:
                from ..function import TensorSpec
                return TensorSpec((lead,), sp.dtype)
            return RaggedTensorSpec((lead,) + shape, sp.dtype, 1)
        return _map_structure(one, self._input._element_spec())


def _uniform_ragged(arrs: list) -> RaggedTensor:
    """Equal-shaped rows batched as a RaggedTensor (TF's ragged_batch of a component with a
    first dimension gives a RaggedTensor even when all rows have the same length)."""
    return stack_rows(arrs)


class _Window(_Unary):
    def __init__(self, input_dataset: Dataset, size: int, shift: int, stride: int, drop: bool):
        super().__init__(input_dataset)
        self._size, self._shift, self._stride, self._drop = size, shift, stride, drop

    def _elements(self) -> Iterator:
        span = (self._size - 1) * self._stride + 1
        buf: list = []
        start = 0  # absolute index of buf[0]
        next_start = 0
        it = self._input._elements()
        exhausted = False
        while True:
            while not exhausted and start + len(buf) < next_start + span:
                try:
                    buf.append(next(it))
                except StopIteration:
                    exhausted = True
            lo = next_start - start
            if lo >= len(buf):
                return
            items = buf[lo:lo + span:self._stride]
            if len(items) < self._size and (self._drop or not items):
                return
            yield self._as_datasets(items)
            next_start += self._shift
            drop = min(next_start - start, len(buf))
            del buf[:drop]
            start += drop
            if exhausted and next_start - start >= len(buf):
                return

    def _as_datasets(self, items: list) -> Any:
        structure = items[0]
        flat = [_flatten(e) for e in items]
        dss = [_Elements([f[j] for f in flat]) for j in range(len(flat[0]))]
        it = iter(dss)
        return _map_structure(lambda _x: next(it), structure)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        span = (self._size - 1) * self._stride + 1
        if self._drop:
            return 0 if n < span else (n - span) // self._shift + 1
        return -(-n // self._shift)

    def _element_spec(self) -> Any:
        return _map_structure(lambda sp: DatasetSpec(sp), self._input._element_spec())


class _Elements(Dataset):
    """A dataset over a list of already-made elements (the windows' datasets, groups)."""

    def __init__(self, items: list):
        self._items = items

    def _elements(self) -> Iterator:
        return iter(self._items)

    def _cardinality(self) -> int:
        return len(self._items)

    def _element_spec(self) -> Any:
        if not self._items:
            raise ValueError("element_spec of an empty window is unknown.")
        spec = _spec_of(self._items[0])
        same = all(np.shape(x) == np.shape(self._items[0]) for x in self._items) if not isinstance(
            self._items[0], (dict, tuple, RaggedTensor)) else True
        return spec if same else _spec_with(spec, lambda s: tuple(None for _ in s))


class _GroupByWindow(_Unary):
    def __init__(self, input_dataset: Dataset, key_func: Callable, reduce_func: Callable, window_size: Any,
                 window_size_func: Optional[Callable], raw_key: bool = False):
        super().__init__(input_dataset)
        self._key, self._reduce = key_func, reduce_func
        self._size = None if window_size is None else int(getattr(window_size, "_value", window_size))
        self._size_func = window_size_func
        self._raw_key = raw_key

    def _key_of(self, e: Any) -> int:
        k = self._key(*_to_tensors(e)) if self._raw_key and isinstance(e, tuple) else (
            self._key(_to_tensors(e)) if self._raw_key else _call(self._key, e))
        v = np.asarray(getattr(k, "_value", k))
        if v.shape != () or v.dtype.kind not in "iu":
            raise ValueError(f"group_by_window: key_func must return an int64 scalar; got dtype {v.dtype} "
                             f"shape {list(v.shape)}.")
        return int(v)

    def _window_size(self, key: int) -> int:
        if self._size is not None:
            return self._size
        w = self._size_func(_tensor(np.asarray(key, np.int64)))
        return int(np.asarray(getattr(w, "_value", w)))

    def _emit(self, key: int, group: list) -> Iterator:
        out = self._reduce(_tensor(np.asarray(key, np.int64)), _Elements(group))
        if not isinstance(out, Dataset):
            raise TypeError(f"group_by_window: reduce_func must return a Dataset; got {type(out).__name__}.")
        yield from out._elements()

    def _elements(self) -> Iterator:
        groups: dict = {}
        for e in self._input._elements():
            k = self._key_of(e)
            g = groups.setdefault(k, [])
            g.append(e)
            if len(g) >= self._window_size(k):
                del groups[k]
                yield from self._emit(k, g)
        for k, g in list(groups.items()):
            yield from self._emit(k, g)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN

    def _element_spec(self) -> Any:
        first = next(iter(self._input._elements()), None)
        if first is None:
            raise ValueError("element_spec of an empty grouped dataset is unknown.")
        spec = self._reduce(_tensor(np.asarray(self._key_of(first), np.int64)), _Elements([first])).element_spec
        return _spec_with(spec, lambda s: tuple(None for _ in s))


class _RejectionResample(_Unary):
    def __init__(self, input_dataset: Dataset, class_func: Callable, target: Any, initial: Any, seed: Any):
        super().__init__(input_dataset)
        self._class_func = class_func
        self._target = np.asarray(getattr(target, "_value", target), dtype=np.float64)
        self._initial = None if initial is None else np.asarray(getattr(initial, "_value", initial), dtype=np.float64)
        self._seed = seed
        if self._target.ndim != 1 or np.any(self._target < 0) or not np.isclose(self._target.sum(), 1.0):
            raise ValueError("rejection_resample: target_dist must be a 1-D probability vector.")

    def _elements(self) -> Iterator:
        rng = np.random.default_rng(self._seed)
        k = len(self._target)
        counts = np.zeros(k)
        for e in self._input._elements():
            c = int(np.asarray(getattr(_call(self._class_func, e), "_value", _call(self._class_func, e))))
            if not 0 <= c < k:
                from ..errors import InvalidArgumentError
                raise InvalidArgumentError(f"rejection_resample: class {c} out of range [0, {k}).")
            counts[c] += 1
            p = self._initial if self._initial is not None else counts / counts.sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(p > 0, self._target / p, 0.0)
            top = ratio.max()
            accept = ratio[c] / top if top > 0 else 0.0
            if rng.random() < accept:
                yield (np.asarray(c, np.int32), e)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN

    def _element_spec(self) -> Any:
        from ..function import TensorSpec
        return (TensorSpec((), _dtypes.int32), self._input._element_spec())


class _IgnoreErrors(_Unary):
    def __init__(self, input_dataset: Dataset, log: bool):
        super().__init__(input_dataset)
        self._log = log

    def _elements(self) -> Iterator:
        # each input is a generator: an error ends it, so errors are skipped per map element
        src = self._input
        if isinstance(src, _Map) and not isinstance(src, _ParallelMap):
            for e in src._input._elements():
                try:
                    yield _from_user(_call(src._fn, e))
                except Exception as err:  # noqa: BLE001
                    if self._log:
                        import warnings
                        warnings.warn(f"ignore_errors: dropped an element: {err}")
            return
        it = src._elements()
        while True:
            try:
                yield next(it)
            except StopIteration:
                return
            except Exception as err:  # noqa: BLE001
                if self._log:
                    import warnings
                    warnings.warn(f"ignore_errors: dropped an element: {err}")
                return  # the input cannot continue after raising

    def _cardinality(self) -> int:
        return UNKNOWN


class _TakeWhile(_Unary):
    def __init__(self, input_dataset: Dataset, predicate: Callable):
        super().__init__(input_dataset)
        self._pred = predicate

    def _elements(self) -> Iterator:
        for e in self._input._elements():
            v = np.asarray(getattr(_call(self._pred, e), "_value", _call(self._pred, e)))
            if v.shape != () or v.dtype != np.bool_:
                raise ValueError("take_while: the predicate must return a scalar bool.")
            if not v:
                return
            yield e

    def _cardinality(self) -> int:
        return UNKNOWN


class _Scan(_Unary):
    def __init__(self, input_dataset: Dataset, initial_state: Any, fn: Callable):
        super().__init__(input_dataset)
        self._init = initial_state
        self._fn = fn

    def _elements(self) -> Iterator:
        state = _to_tensors(_normalize(self._init))
        for e in self._input._elements():
            args = _to_tensors(e)
            out = self._fn(state, *args) if isinstance(args, tuple) and not _is_namedtuple(args) else self._fn(state, args)
            state, value = out
            yield _from_user(value)

    def _element_spec(self) -> Any:
        first = next(iter(self._elements()), None)
        if first is None:
            raise ValueError("element_spec of an empty scan dataset is unknown.")
        return _spec_of(first)


class _Sample(Dataset):
    def __init__(self, datasets: list, weights: Any, seed: Any, stop: bool):
        if not datasets:
            raise ValueError("sample_from_datasets: pass at least one dataset.")
        self._datasets = datasets
        w = np.ones(len(datasets)) if weights is None else np.asarray(getattr(weights, "_value", weights), np.float64)
        if w.shape != (len(datasets),) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"sample_from_datasets: weights must be {len(datasets)} non-negative numbers.")
        self._w = w
        self._seed = seed
        self._stop = stop
        self._epoch = 0

    def _elements(self) -> Iterator:
        rng = np.random.default_rng(None if self._seed is None else [self._seed, self._epoch])
        self._epoch += 1
        its = [d._elements() for d in self._datasets]
        w = self._w.copy()
        while w.sum() > 0:
            i = int(rng.choice(len(its), p=w / w.sum()))
            try:
                yield next(its[i])
            except StopIteration:
                if self._stop:
                    return
                w[i] = 0.0

    def _cardinality(self) -> int:
        ns = [d._cardinality() for d in self._datasets]
        if all(n == INFINITE for n in ns):
            return INFINITE
        if all(n >= 0 for n in ns) and not self._stop:
            return sum(ns)
        return UNKNOWN

    def _element_spec(self) -> Any:
        return self._datasets[0]._element_spec()


class _Choose(Dataset):
    def __init__(self, datasets: list, choice: Dataset, stop: bool):
        self._datasets, self._choice, self._stop = datasets, choice, stop

    def _elements(self) -> Iterator:
        its = [d._elements() for d in self._datasets]
        for c in self._choice._elements():
            i = int(np.asarray(c))
            if not 0 <= i < len(its):
                from ..errors import InvalidArgumentError
                raise InvalidArgumentError(f"choose_from_datasets: index {i} out of range [0, {len(its)}).")
            try:
                yield next(its[i])
            except StopIteration:
                if self._stop:
                    return

    def _element_spec(self) -> Any:
        return self._datasets[0]._element_spec()


class _Counter(Dataset):
    def __init__(self, start: Any, step: Any, dtype: Any):
        self._dtype = np.int64 if dtype is None else _dtypes.to_numpy(dtype)
        self._start = np.asarray(getattr(start, "_value", start)).astype(self._dtype)
        self._step = np.asarray(getattr(step, "_value", step)).astype(self._dtype)

    def _elements(self) -> Iterator:
        v = self._start
        while True:
            yield np.asarray(v, self._dtype)
            v = v + self._step

    def _cardinality(self) -> int:
        return INFINITE

    def _element_spec(self) -> Any:
        from ..function import TensorSpec
        return TensorSpec((), _dtypes.from_numpy(np.dtype(self._dtype)))


class _Unique(_Unary):
    def _elements(self) -> Iterator:
        seen = set()
        for e in self._input._elements():
            if isinstance(e, (tuple, dict)) or np.ndim(e) != 0 or np.asarray(e).dtype.kind not in "iuO":
                raise TypeError("Dataset.unique: elements must be scalar integers or strings (as TF).")
            key = np.asarray(e)[()]
            if key not in seen:
                seen.add(key)
                yield e

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN
