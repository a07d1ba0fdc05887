"""File-reading datasets: ``TextLineDataset``, ``TFRecordDataset``, ``FixedLengthRecordDataset``,
``experimental.CsvDataset``, ``experimental.make_csv_dataset`` and ``Dataset.list_files``."""
from __future__ import annotations

import collections
import gzip
import io
import os
import zlib
from typing import Any, Iterator, List, Optional, Sequence

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError, NotFoundError
from .dataset import UNKNOWN, AUTOTUNE, Dataset, _Sliceable


def _file_names(filenames: Any, what: str) -> Any:
    """A list of paths, or a Dataset of them (read when iterated)."""
    if isinstance(filenames, Dataset):
        return filenames
    v = getattr(filenames, "_value", None)
    if v is not None:
        filenames = np.asarray(v).reshape(-1).tolist()
    if isinstance(filenames, (str, bytes, os.PathLike)):
        filenames = [filenames]
    out = []
    for f in filenames:
        f = getattr(f, "_value", f)
        if isinstance(f, np.ndarray):
            f = f[()]
        if isinstance(f, bytes):
            f = f.decode("utf-8")
        if not isinstance(f, (str, os.PathLike)):
            raise TypeError(f"{what}: filenames must be strings; got {type(f).__name__}.")
        out.append(os.fspath(f))
    return out


def _iter_names(names: Any) -> Iterator[str]:
    if isinstance(names, Dataset):
        for e in names._elements():
            v = np.asarray(e)[()]
            yield v.decode("utf-8") if isinstance(v, bytes) else str(v)
    else:
        yield from names


def _open(path: str, compression: str) -> Any:
    if not os.path.exists(path):
        raise NotFoundError(None, None, f"{path}; No such file or directory")
    if compression == "GZIP":
        return gzip.open(path, "rb")
    if compression == "ZLIB":
        with open(path, "rb") as f:
            return io.BytesIO(zlib.decompress(f.read()))
    return open(path, "rb")


def _comp(c: Any) -> str:
    from ..io.tfrecord import _compression_name
    v = getattr(c, "_value", None)
    if v is not None:
        c = np.asarray(v)[()]
        c = c.decode() if isinstance(c, bytes) else c
    return _compression_name(c)


class _FileDataset(Dataset):
    def __init__(self, filenames: Any, num_parallel_reads: Any, what: str):
        self._names = _file_names(filenames, what)
        n = num_parallel_reads
        self._parallel = None if n is None else int(getattr(n, "_value", n))

    def _file_elements(self, path: str) -> Iterator:
        raise NotImplementedError

    def _elements(self) -> Iterator:
        if self._parallel is None or self._parallel == 1:
            for p in _iter_names(self._names):
                yield from self._file_elements(p)
            return
        # num_parallel_reads: TF interleaves the files (cycle of that many, one record each)
        names = list(_iter_names(self._names))
        ds = _Sliceable(np.asarray([n.encode() for n in names], dtype=object)) if names else None
        if ds is None:
            return
        cycle = os.cpu_count() or 1 if self._parallel == AUTOTUNE else self._parallel
        me = self
        inter = ds.interleave(lambda f: _OneFile(me, f), cycle_length=cycle, block_length=1,
                              num_parallel_calls=cycle)
        yield from inter._elements()

    def _cardinality(self) -> int:
        return UNKNOWN


class _OneFile(Dataset):
    def __init__(self, owner: _FileDataset, name: Any):
        v = np.asarray(getattr(name, "_value", name))[()]
        self._owner, self._path = owner, v.decode() if isinstance(v, bytes) else str(v)

    def _elements(self) -> Iterator:
        return self._owner._file_elements(self._path)

    def _element_spec(self) -> Any:
        return self._owner._element_spec()


def _string_spec() -> Any:
    from ..function import TensorSpec
    return TensorSpec((), _dtypes.string)


class TextLineDataset(_FileDataset):
    """The lines of one or more text files, without their line ends (``tf.data.TextLineDataset``);
    files are read in order (interleaved with ``num_parallel_reads``)."""

    def __init__(self, filenames: Any, compression_type: Any = None, buffer_size: Any = None,
                 num_parallel_reads: Any = None, name: Optional[str] = None):
        super().__init__(filenames, num_parallel_reads, "TextLineDataset")
        self._comp = _comp(compression_type)

    def _file_elements(self, path: str) -> Iterator:
        with _open(path, self._comp) as f:
            for line in f:
                if line.endswith(b"\n"):
                    line = line[:-1]
                    if line.endswith(b"\r"):
                        line = line[:-1]
                yield np.array(line, dtype=object)

    def _element_spec(self) -> Any:
        return _string_spec()


class TFRecordDataset(_FileDataset):
    """The records of one or more TFRecord files (``tf.data.TFRecordDataset``), checksums verified."""

    def __init__(self, filenames: Any, compression_type: Any = None, buffer_size: Any = None,
                 num_parallel_reads: Any = None, name: Optional[str] = None):
        super().__init__(filenames, num_parallel_reads, "TFRecordDataset")
        self._comp = _comp(compression_type)

    def _file_elements(self, path: str) -> Iterator:
        from ..io.tfrecord import read_records
        for r in read_records(path, self._comp):
            yield np.array(r, dtype=object)

    def _element_spec(self) -> Any:
        return _string_spec()


class FixedLengthRecordDataset(_FileDataset):
    """Records of ``record_bytes`` bytes after ``header_bytes`` and before ``footer_bytes``
    (``tf.data.FixedLengthRecordDataset``); a trailing partial record raises DataLossError."""

    def __init__(self, filenames: Any, record_bytes: int, header_bytes: Any = None, footer_bytes: Any = None,
                 buffer_size: Any = None, compression_type: Any = None, num_parallel_reads: Any = None,
                 name: Optional[str] = None):
        super().__init__(filenames, num_parallel_reads, "FixedLengthRecordDataset")
        self._rb = int(getattr(record_bytes, "_value", record_bytes))
        self._hb = int(getattr(header_bytes, "_value", header_bytes or 0))
        self._fb = int(getattr(footer_bytes, "_value", footer_bytes or 0))
        if self._rb <= 0:
            raise ValueError(f"FixedLengthRecordDataset: record_bytes must be positive; got {self._rb}.")
        self._comp = _comp(compression_type)

    def _file_elements(self, path: str) -> Iterator:
        with _open(path, self._comp) as f:
            data = f.read()
        body = data[self._hb:len(data) - self._fb if self._fb else len(data)]
        if len(body) % self._rb:
            from ..errors import DataLossError
            raise DataLossError(None, None, f"Excluding the header ({self._hb} bytes) and footer ({self._fb} bytes), "
                                f"input file \"{path}\" has body length {len(body)} bytes, which is not an exact "
                                f"multiple of the record length ({self._rb} bytes).")
        for i in range(0, len(body), self._rb):
            yield np.array(body[i:i + self._rb], dtype=object)

    def _element_spec(self) -> Any:
        return _string_spec()


def list_files(file_pattern: Any, shuffle: Optional[bool] = None, seed: Optional[int] = None) -> Dataset:
    from ..io import gfile
    pats = _file_names(file_pattern, "list_files")
    if isinstance(pats, Dataset):
        pats = list(_iter_names(pats))
    names = sorted(set(gfile.glob(pats)))
    if not names:
        raise InvalidArgumentError(f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
                                   f"b'No files matched pattern: ' b'{', '.join(pats)}'")
    ds: Dataset = _Sliceable(np.asarray([n.encode() for n in names], dtype=object))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(names), seed=seed)
    return ds


# -- CSV ------------------------------------------------------------------------------------------------------
class CsvDataset(_FileDataset):
    """Rows of CSV files as tuples of scalars (``tf.data.experimental.CsvDataset``); ``record_defaults``
    as in ``tf.io.decode_csv`` (dtypes for required columns, or one-value defaults)."""

    def __init__(self, filenames: Any, record_defaults: Sequence[Any], compression_type: Any = None,
                 buffer_size: Any = None, header: bool = False, field_delim: str = ",", use_quote_delim: bool = True,
                 na_value: str = "", select_cols: Any = None, exclude_cols: Any = None, name: Optional[str] = None):
        super().__init__(filenames, None, "CsvDataset")
        from ..io import _csv_columns
        self._cols = _csv_columns(record_defaults)
        self._comp = _comp(compression_type)
        self._header = bool(header)
        self._delim = field_delim
        self._quote = use_quote_delim
        self._na = na_value
        if select_cols is not None and exclude_cols is not None:
            raise ValueError("CsvDataset: select_cols and exclude_cols cannot both be given.")
        self._select = None if select_cols is None else [int(c) for c in select_cols]
        if self._select is not None and sorted(set(self._select)) != self._select:
            raise ValueError("CsvDataset: select_cols must be strictly increasing.")
        self._exclude = None if exclude_cols is None else {int(c) for c in exclude_cols}

    def _file_elements(self, path: str) -> Iterator:
        from ..io import _csv_value, _split_csv
        with _open(path, self._comp) as f:
            lines = io.TextIOWrapper(f, encoding="utf-8", newline="")
            first = True
            for line in lines:
                line = line.rstrip("\r\n")
                if first and self._header:
                    first = False
                    continue
                first = False
                if line == "" and len(self._cols) > 1:
                    continue
                fields = _split_csv(line, self._delim, self._quote)
                if self._select is not None:
                    if self._select and self._select[-1] >= len(fields):
                        raise InvalidArgumentError(f"Expect {self._select[-1] + 1} fields but have {len(fields)} in "
                                                   f"record {line!r} of {path}")
                    fields = [fields[i] for i in self._select]
                elif self._exclude is not None:
                    fields = [x for i, x in enumerate(fields) if i not in self._exclude]
                if len(fields) != len(self._cols):
                    raise InvalidArgumentError(f"Expect {len(self._cols)} fields but have {len(fields)} in record "
                                               f"{line!r} of {path}")
                row = []
                for j, (x, (npd, dflt)) in enumerate(zip(fields, self._cols)):
                    v = _csv_value(x, npd, dflt, self._na, j, line.encode())
                    row.append(np.array(v, dtype=object) if npd == object else np.asarray(v, dtype=npd))
                yield tuple(row)

    def _element_spec(self) -> Any:
        from ..function import TensorSpec
        return tuple(TensorSpec((), _dtypes.string if npd == object else _dtypes.from_numpy(np.dtype(npd)))
                     for npd, _ in self._cols)


def _infer_column(values: List[str], na: str) -> Any:
    kinds = [np.int32, np.int64, np.float32]
    best = 0
    for v in values:
        if v == "" or (na and v == na):
            continue
        while best < 3:
            try:
                if best < 2:
                    x = int(v)
                    if best == 0 and not -2**31 <= x < 2**31:
                        raise ValueError
                else:
                    float(v)
                break
            except ValueError:
                best += 1
        if best == 3:
            return object
    return kinds[best] if best < 3 else object


def make_csv_dataset(file_pattern: Any, batch_size: int, column_names: Optional[List[str]] = None,
                     column_defaults: Optional[list] = None, label_name: Optional[str] = None,
                     select_columns: Optional[list] = None, field_delim: str = ",", use_quote_delim: bool = True,
                     na_value: str = "", header: bool = True, num_epochs: Optional[int] = None, shuffle: bool = True,
                     shuffle_buffer_size: int = 10000, shuffle_seed: Optional[int] = None,
                     prefetch_buffer_size: Any = None, num_parallel_reads: Any = None, sloppy: bool = False,
                     num_rows_for_inference: int = 100, compression_type: Any = None, ignore_errors: bool = False,
                     encoding: str = "utf-8") -> Dataset:
    """Batches of ``(features, label)`` -- ``features`` an OrderedDict of column name to tensor -- read
    from CSV files (``tf.data.experimental.make_csv_dataset``). Column types are inferred from the
    first ``num_rows_for_inference`` rows (int32, int64, float32, else string) unless
    ``column_defaults`` are given. As TF, ``num_epochs=None`` repeats forever and rows are shuffled."""
    from ..io import gfile
    pats = _file_names(file_pattern, "make_csv_dataset")
    files = sorted(set(gfile.glob(pats)))
    if not files:
        raise InvalidArgumentError(f"No files match `file_pattern` {file_pattern}.")
    comp = _comp(compression_type)
    from ..io import _split_csv
    with _open(files[0], comp) as f:
        text = io.TextIOWrapper(f, encoding=encoding, newline="")
        rows = []
        for i, line in enumerate(text):
            rows.append(_split_csv(line.rstrip("\r\n"), field_delim, use_quote_delim))
            if i >= num_rows_for_inference:
                break
    if column_names is None:
        if not header:
            raise ValueError("make_csv_dataset: column_names are needed when the files have no header.")
        column_names = rows[0]
    data_rows = rows[1:] if header else rows
    if len(set(column_names)) != len(column_names):
        raise ValueError("make_csv_dataset: column names must be unique.")
    if select_columns is not None:
        idx = [c if isinstance(c, int) else column_names.index(c) for c in select_columns]
        idx = sorted(idx)
    else:
        idx = list(range(len(column_names)))
    names = [column_names[i] for i in idx]
    if label_name is not None and label_name not in names:
        raise ValueError(f"make_csv_dataset: label_name {label_name!r} is not one of the columns {names}.")
    if column_defaults is None:
        defaults: list = []
        for i in idx:
            npd = _infer_column([r[i] for r in data_rows if i < len(r)], na_value)
            dt = _dtypes.string if npd is object else _dtypes.from_numpy(np.dtype(npd))
            defaults.append([b""] if npd is object else np.zeros(1, npd))
            if npd is not object:
                defaults[-1] = _constant_default(npd)
        column_defaults = defaults
    elif len(column_defaults) != len(idx):
        raise ValueError(f"make_csv_dataset: {len(column_defaults)} column_defaults for {len(idx)} columns.")
    ds: Dataset = CsvDataset(files, column_defaults, compression_type=compression_type, header=header,
                             field_delim=field_delim, use_quote_delim=use_quote_delim, na_value=na_value,
                             select_cols=idx if select_columns is not None else None)
    if ignore_errors:
        ds = ds.ignore_errors()
    if num_epochs is None:
        ds = ds.repeat()
    elif num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)

    def to_features(*cols: Any) -> Any:
        feats = collections.OrderedDict(zip(names, cols))
        if label_name is not None:
            label = feats.pop(label_name)
            return feats, label
        return feats
    ds = ds.batch(batch_size).map(to_features)
    if prefetch_buffer_size:
        ds = ds.prefetch(prefetch_buffer_size)
    return ds


def _constant_default(npd: Any) -> Any:
    from ..ops.constructors import constant
    return constant([0], dtype=_dtypes.from_numpy(np.dtype(npd)))
