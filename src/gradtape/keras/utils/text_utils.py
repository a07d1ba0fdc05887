"""Keras text and sequence helpers: ``pad_sequences``, ``timeseries_dataset_from_array``,
``text_dataset_from_directory`` and ``Sequence`` / ``PyDataset`` (Keras 3 semantics)."""
from __future__ import annotations

import math
import os
from typing import Any, List, Optional, Sequence as _Seq, Tuple

import numpy as np


# -- pad_sequences -------------------------------------------------------------------------------------
def pad_sequences(sequences: Any, maxlen: Optional[int] = None, dtype: str = "int32", padding: str = "pre",
                  truncating: str = "pre", value: Any = 0.0) -> np.ndarray:
    """Pad (or truncate) sequences to one length (``tf.keras.utils.pad_sequences``): ``padding`` and
    ``truncating`` are ``'pre'`` (default) or ``'post'``; the result is a NumPy array of ``dtype``."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    num_samples = len(sequences)
    lengths = []
    sample_shape: Tuple[int, ...] = ()
    flag = True
    for x in sequences:
        try:
            lengths.append(len(x))
            if flag and len(x):
                sample_shape = np.asarray(x).shape[1:]
                flag = False
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x}") from e
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_dtype_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.object_)
    if isinstance(value, str) and dtype != object and not is_dtype_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating == "pre":
            trunc = s[-maxlen:] if maxlen else s[:0]
        elif truncating == "post":
            trunc = s[:maxlen]
        else:
            raise ValueError(f'Truncating type "{truncating}" not understood')
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} is different from "
                             f"expected shape {sample_shape}")
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        elif padding == "pre":
            x[idx, -len(trunc):] = trunc
        else:
            raise ValueError(f'Padding type "{padding}" not understood')
    return x


# -- timeseries --------------------------------------------------------------------------------------------
def timeseries_dataset_from_array(data: Any, targets: Any, sequence_length: int, sequence_stride: int = 1,
                                  sampling_rate: int = 1, batch_size: Optional[int] = 128, shuffle: bool = False,
                                  seed: Optional[int] = None, start_index: Optional[int] = None,
                                  end_index: Optional[int] = None) -> Any:
    """A Dataset of sliding windows over ``data`` (``tf.keras.utils.timeseries_dataset_from_array``):
    window i is ``data[start + p_i + k * sampling_rate]`` for ``k < sequence_length`` with start
    positions ``p_i`` every ``sequence_stride`` steps; its target is ``targets[start + p_i]``. The
    windows equal Keras's; with ``shuffle`` the start positions are permuted with NumPy's
    ``RandomState(seed)`` as Keras, but the batch shuffle's draws differ from TF's."""
    from ...data import Dataset
    data_a = np.asarray(getattr(data, "_value", data))
    n = len(data_a)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. Received: "
                             f"start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: start_index={start_index}, "
                             f"and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. Received: "
                             f"end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0 or sampling_rate >= n:
        raise ValueError(f"`sampling_rate` must be higher than 0 and lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0 or sequence_stride >= n:
        raise ValueError(f"`sequence_stride` must be higher than 0 and lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    targets_a = None if targets is None else np.asarray(getattr(targets, "_value", targets))
    if targets_a is not None:
        num_seqs = min(num_seqs, len(targets_a))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(positions)
    window = positions[:, None] + np.arange(sequence_length)[None, :] * sampling_rate
    body = data_a[start:end]
    x = body[window] if len(positions) else np.zeros((0, sequence_length) + data_a.shape[1:], data_a.dtype)
    if targets_a is not None:
        y = targets_a[start:end][positions]
        ds = Dataset.from_tensor_slices((x, y))
    else:
        ds = Dataset.from_tensor_slices(x)
    if batch_size is not None:
        if shuffle:
            ds = ds.shuffle(buffer_size=batch_size * 8, seed=seed)
        ds = ds.batch(batch_size)
    elif shuffle:
        ds = ds.shuffle(buffer_size=1024, seed=seed)
    return ds


# -- text_dataset_from_directory ------------------------------------------------------------------------------
def _index_directory(directory: str, labels: Any, formats: tuple, class_names: Any, shuffle: bool, seed: int,
                     follow_links: bool, verbose: bool, loader: str = "text_dataset_from_directory") -> tuple:
    """Keras's dataset_utils.index_directory: sorted class folders, sorted files (recursively), then one
    ``RandomState(seed)`` shuffle of paths and of labels (so the order equals Keras's for a seed)."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{loader}: directory {directory!r} does not exist.")
    if labels == "inferred":
        subdirs = [d.rstrip("/") for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError("The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified.")
            raise ValueError("When argument `labels` is specified, argument `class_names` cannot be specified "
                             "(the `class_names` will be the sorted list of labels).")
    names = subdirs
    filenames: list = []
    found_labels: list = []
    for index, sub in enumerate(names):
        top = os.path.join(directory, sub)
        dirname = os.path.basename(top)
        for root, _, files in sorted(os.walk(top, followlinks=follow_links), key=lambda t: t[0]):
            for fname in sorted(files):
                if fname.lower().endswith(formats):
                    rel = os.path.join(dirname, os.path.relpath(os.path.join(root, fname), top))
                    filenames.append(rel)
                    found_labels.append(index)
    if labels == "inferred":
        label_arr = np.asarray(found_labels, dtype="int32")
    elif labels is None:
        label_arr, names = None, None
    else:
        if len(labels) != len(filenames):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target directory. "
                             f"len(labels) is {len(labels)} while we found {len(filenames)} files in directory "
                             f"{directory}.")
        label_arr = np.asarray(labels)
        names = [str(v) for v in sorted(set(np.asarray(labels).tolist()))]
    if verbose:
        if label_arr is None:
            print(f"Found {len(filenames)} files.")
        else:
            print(f"Found {len(filenames)} files belonging to {len(names)} classes.")
    paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        rng = np.random.RandomState(seed)
        rng.shuffle(paths)
        if label_arr is not None:
            rng = np.random.RandomState(seed)
            rng.shuffle(label_arr)
    return paths, label_arr, names


def _check_split_args(validation_split: Optional[float], subset: Optional[str], shuffle: bool,
                      seed: Optional[int]) -> None:
    """The ``validation_split``/``subset``/``seed`` checks of the text and audio loaders."""
    if validation_split is not None:
        if not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
        if subset not in ("training", "validation", "both"):
            raise ValueError('If `validation_split` is set, `subset` must be "training", "validation" or "both". '
                             f"Received: subset={subset}")
        if shuffle and seed is None:
            raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                             "argument, to make sure that there is no overlap between the training and "
                             "validation subset.")
    elif subset is not None:
        raise ValueError("`subset` must be None if `validation_split` is None.")


def _split(samples: list, labels: Any, validation_split: Optional[float], subset: Optional[str],
           verbose: bool = True) -> tuple:
    if not validation_split:
        return samples, labels
    k = int(validation_split * len(samples))
    if subset == "training":
        if verbose:
            print(f"Using {len(samples) - k} files for training.")
        return samples[:-k] if k else samples, (labels[:-k] if k else labels) if labels is not None else None
    if subset == "validation":
        if verbose:
            print(f"Using {k} files for validation.")
        return samples[-k:] if k else [], (labels[-k:] if k else labels[:0]) if labels is not None else None
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def _text_ds(paths: list, labels: Any, label_mode: Optional[str], num_classes: int, max_length: Optional[int],
             shuffle: bool, buffer: Optional[int], seed: Optional[int]) -> Any:
    from ... import io as gio
    from ... import strings as gstr

    def read(p: Any) -> Any:
        txt = gio.read_file(p)
        return gstr.substr(txt, 0, max_length) if max_length is not None else txt

    return _files_ds(paths, read, labels, label_mode, num_classes, shuffle, buffer, seed)


def _files_ds(paths: list, read: Any, labels: Any, label_mode: Optional[str], num_classes: int,
              shuffle: bool, buffer: Optional[int], seed: Optional[int]) -> Any:
    """The unbatched dataset of a directory loader: each file path mapped through ``read`` (in
    parallel), zipped with its label as ``label_mode`` asks (int32, one-hot float32, or float32 of
    shape (1,) for ``binary``), shuffled with ``buffer`` when ``shuffle``."""
    from ...data import Dataset
    path_ds = Dataset.from_tensor_slices(np.asarray([p.encode() for p in paths], dtype=object))
    if label_mode:
        lab = np.asarray(labels, dtype=np.int32)
        if label_mode == "binary":
            lab_arr: Any = lab.astype(np.float32)[:, None]
        elif label_mode == "categorical":
            lab_arr = np.eye(num_classes, dtype=np.float32)[lab]
        else:
            lab_arr = lab
        ds = Dataset.zip((path_ds, Dataset.from_tensor_slices(lab_arr)))
        if shuffle:
            ds = ds.shuffle(buffer_size=buffer or 1024, seed=seed)
        return ds.map(lambda x, y: (read(x), y), num_parallel_calls=-1)
    ds = path_ds.shuffle(buffer_size=buffer or 1024, seed=seed) if shuffle else path_ds
    return ds.map(read, num_parallel_calls=-1)


def _check_label_args(labels: Any, class_names: Any, label_mode: Any, the_labels: str, files: str,
                      samples: str) -> None:
    """Keras's checks of a directory loader's ``labels``, ``class_names`` and ``label_mode``; the
    messages name the loader's files (``files``, ``samples``) as Keras's own loaders do."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"{the_labels} argument should be a list/tuple of integer labels, of the same size as "
                             f"the number of {files} in the target directory. If you wish to infer the labels "
                             "from the subdirectory names in the target directory, pass `labels=\"inferred\"`. If "
                             f"you wish to get a dataset that only contains {samples} (no labels), pass "
                             f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                             f"and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")


def text_dataset_from_directory(directory: str, labels: Any = "inferred", label_mode: Optional[str] = "int",
                                class_names: Optional[List[str]] = None, batch_size: Optional[int] = 32,
                                max_length: Optional[int] = None, shuffle: bool = True, seed: Optional[int] = None,
                                validation_split: Optional[float] = None, subset: Optional[str] = None,
                                follow_links: bool = False, format: str = "tf", verbose: bool = True) -> Any:  # noqa: A002
    """A Dataset of ``(text, label)`` batches from ``.txt`` files in one sub-directory per class
    (``tf.keras.utils.text_dataset_from_directory``). Labels: ``int`` (int32), ``categorical``
    (one-hot float32), ``binary`` (float32 of shape (1,)) or None. ``validation_split`` with
    ``subset='training'``/``'validation'``/``'both'`` splits the files as Keras does (same files for
    the same ``seed``); ``class_names`` is set on the result."""
    if format != "tf":
        raise NotImplementedError("text_dataset_from_directory: only format='tf' is supported in gradtape.")
    _check_label_args(labels, class_names, label_mode, "`labels`", "text files", "text samples")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split_args(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, lab, names = _index_directory(directory, labels, (".txt",), class_names, shuffle, seed, follow_links,
                                         verbose)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={names}")
    buffer = batch_size * 8 if batch_size is not None else 1024
    nclass = len(names) if names else 0

    def finish(ds: Any) -> Any:
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds = ds.prefetch(-1)
        ds.class_names = names
        return ds

    if subset == "both":
        tp, tl = _split(paths, lab, validation_split, "training", verbose)
        vp, vl = _split(paths, lab, validation_split, "validation", verbose)
        if not tp:
            raise ValueError(f"No training text files found in directory {directory}. Allowed format: .txt")
        if not vp:
            raise ValueError(f"No validation text files found in directory {directory}. Allowed format: .txt")
        return [finish(_text_ds(tp, tl, label_mode, nclass, max_length, shuffle, buffer, seed)),
                finish(_text_ds(vp, vl, label_mode, nclass, max_length, False, None, None))]
    paths, lab = _split(paths, lab, validation_split, subset, verbose)
    if not paths:
        raise ValueError(f"No text files found in directory {directory}. Allowed format: .txt")
    return finish(_text_ds(paths, lab, label_mode, nclass, max_length, shuffle, buffer, seed))


# -- Sequence / PyDataset ----------------------------------------------------------------------------------------
class PyDataset:
    """A Python dataset of batches (``keras.utils.PyDataset``, alias ``Sequence``): implement
    ``__len__`` (number of batches) and ``__getitem__(index)`` returning ``x``, ``(x, y)`` or
    ``(x, y, sample_weight)``; ``on_epoch_end`` is called after each epoch of ``fit``. Batches are
    read in order on the calling thread (``workers``/``use_multiprocessing`` are accepted and not used)."""

    _gt_py_dataset = True

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError

    @property
    def num_batches(self) -> Optional[int]:
        return len(self) if hasattr(self, "__len__") else None

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]


Sequence = PyDataset
