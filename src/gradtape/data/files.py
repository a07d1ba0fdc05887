"""Dataset elements on disk: ``cache(filename)``, ``snapshot``, ``save``/``load``.

gradtape's own format, read without running code (no pickle):

* a file starts with ``GTDATA1\\n`` and a JSON header line (the element structure and the leaves'
  kinds), then one record per element;
* a record is ``uint64 length | uint32 zlib.crc32(data) | data``; ``data`` holds each leaf in turn:
  a dense array as ``dtype-str, shape, raw little-endian bytes`` and a string array as lengths then
  bytes; a RaggedTensor as its row splits and flat values.

Files are written under a temporary name and renamed when the pass is complete, so an interrupted
pass leaves no partial cache. The format is not TF's cache/snapshot format.
"""
from __future__ import annotations

import collections
import gzip
import json
import os
import struct
import zlib
from typing import Any, Iterator, List, Optional, Tuple

import numpy as np

from ..errors import DataLossError, NotFoundError
from ..ragged import RaggedTensor
from .dataset import Dataset, _flatten, _is_namedtuple, _spec_of, _Unary

MAGIC = b"GTDATA1\n"


# -- structure ----------------------------------------------------------------------------------------
def _treedef(e: Any) -> Any:
    if isinstance(e, dict):
        return {"dict": [[k, _treedef(v)] for k, v in e.items()]}
    if _is_namedtuple(e):
        return {"namedtuple": type(e).__name__, "fields": list(type(e)._fields),
                "items": [_treedef(v) for v in e]}
    if isinstance(e, tuple):
        return {"tuple": [_treedef(v) for v in e]}
    return None


def _build(tree: Any, leaves: Iterator) -> Any:
    if tree is None:
        return next(leaves)
    if "dict" in tree:
        return {k: _build(t, leaves) for k, t in tree["dict"]}
    if "namedtuple" in tree:
        cls = collections.namedtuple(tree["namedtuple"], tree["fields"])
        return cls(*[_build(t, leaves) for t in tree["items"]])
    return tuple(_build(t, leaves) for t in tree["tuple"])


# -- leaves ---------------------------------------------------------------------------------------------
def _put_array(out: List[bytes], a: np.ndarray) -> None:
    shape = struct.pack(f"<B{a.ndim}q", a.ndim, *a.shape)
    if a.dtype == object:
        items = [bytes(x) for x in a.reshape(-1)]
        out += [b"S", shape, struct.pack(f"<{len(items)}q", *[len(x) for x in items]), b"".join(items)]
    else:
        ds = a.dtype.newbyteorder("<").str.encode()
        out += [b"A", struct.pack("<B", len(ds)), ds, shape, np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()]


def _encode(leaves: List[Any]) -> bytes:
    out: List[bytes] = []
    for x in leaves:
        if isinstance(x, RaggedTensor):
            splits = [np.asarray(s.numpy()) for s in x.nested_row_splits]
            out.append(struct.pack("<cB", b"R", len(splits)))
            for s in splits:
                _put_array(out, s)
            _put_array(out, np.asarray(x.flat_values._value))
        elif isinstance(x, Dataset):
            raise TypeError("Dataset cache/save: elements that are Datasets (from window) cannot be stored.")
        else:
            _put_array(out, np.array(x, dtype=object) if isinstance(x, bytes) else np.asarray(x))
    return b"".join(out)


class _Reader:
    def __init__(self, data: bytes):
        self.d = data
        self.i = 0

    def take(self, n: int) -> bytes:
        if self.i + n > len(self.d):
            raise DataLossError(None, None, "dataset file record is truncated")
        b = self.d[self.i:self.i + n]
        self.i += n
        return b

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def array(self, kind: bytes) -> np.ndarray:
        if kind == b"S":
            (nd,) = self.unpack("<B")
            shape = self.unpack(f"<{nd}q")
            n = int(np.prod(shape))
            lens = self.unpack(f"<{n}q")
            out = np.empty(n, dtype=object)
            out[:] = [self.take(k) for k in lens]
            return out.reshape(shape)
        (k,) = self.unpack("<B")
        dt = np.dtype(self.take(k).decode())
        if dt.kind == "O":
            raise DataLossError(None, None, "dataset file declares an object array")
        (nd,) = self.unpack("<B")
        shape = self.unpack(f"<{nd}q")
        n = int(np.prod(shape)) * dt.itemsize
        return np.frombuffer(self.take(n), dtype=dt).astype(dt.newbyteorder("="), copy=True).reshape(shape)


def _decode(data: bytes, nleaves: int) -> List[Any]:
    r = _Reader(data)
    out: List[Any] = []
    for _ in range(nleaves):
        kind = r.take(1)
        if kind == b"R":
            (k,) = r.unpack("<B")
            splits = [r.array(r.take(1)) for _ in range(k)]
            flat = r.array(r.take(1))
            out.append(RaggedTensor.from_nested_row_splits(flat, splits, validate=True))
        elif kind in (b"A", b"S"):
            out.append(r.array(kind))
        else:
            raise DataLossError(None, None, f"dataset file has an unknown leaf kind {kind!r}")
    return out


# -- files ------------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, path: str, compression: Optional[str]):
        self.path = path
        self.tmp = path + ".tmp-writing"
        self.f: Any = gzip.open(self.tmp, "wb") if compression == "GZIP" else open(self.tmp, "wb")
        self.header_written = False
        self.count = 0

    def write(self, element: Any) -> None:
        leaves = _flatten(element)
        if not self.header_written:
            header = {"tree": _treedef(element), "leaves": len(leaves)}
            self.f.write(MAGIC + json.dumps(header).encode() + b"\n")
            self.header_written = True
        data = _encode(leaves)
        self.f.write(struct.pack("<QI", len(data), zlib.crc32(data)) + data)
        self.count += 1

    def finish(self) -> None:
        if not self.header_written:
            self.f.write(MAGIC + json.dumps({"tree": None, "leaves": 0, "empty": True}).encode() + b"\n")
        self.f.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.f.close()
        finally:
            if os.path.exists(self.tmp):
                os.remove(self.tmp)


def read_elements(path: str) -> Iterator[Any]:
    """The elements stored in one gradtape dataset file."""
    if not os.path.exists(path):
        raise NotFoundError(None, None, f"{path}; No such file or directory")
    with open(path, "rb") as probe:
        gz = probe.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise DataLossError(None, None, f"{path} is not a gradtape dataset file")
        header = json.loads(f.readline().decode())
        if header.get("empty"):
            return
        tree, n = header["tree"], int(header["leaves"])
        while True:
            head = f.read(12)
            if not head:
                return
            if len(head) < 12:
                raise DataLossError(None, None, f"{path}: truncated record")
            size, crc = struct.unpack("<QI", head)
            data = f.read(size)
            if len(data) < size or zlib.crc32(data) != crc:
                raise DataLossError(None, None, f"{path}: corrupted record (checksum mismatch)")
            yield _build(tree, iter(_decode(data, n)))


class FileCache(_Unary):
    """``cache(filename)``: the first complete pass writes ``filename``; later passes read it."""

    def __init__(self, input_dataset: Dataset, filename: str):
        super().__init__(input_dataset)
        self._file = filename + ".gtcache"

    def _elements(self) -> Iterator:
        if os.path.exists(self._file):
            yield from read_elements(self._file)
            return
        from .dataset import _with_last
        w = _Writer(self._file, None)
        done = False
        try:
            for e, last in _with_last(self._input._elements()):
                w.write(e)
                if last:
                    # written before the last element goes out: a consumer that stops after exactly
                    # the known number of elements (Model.fit) has still made a complete pass
                    w.finish()
                    done = True
                yield e
            if not done:  # an empty input
                w.finish()
                done = True
        finally:
            if not done:
                w.abort()


def save_dataset(ds: Dataset, path: str, compression: Optional[str]) -> None:
    if compression not in (None, "", "GZIP"):
        raise ValueError(f"Dataset.save: compression must be None or 'GZIP'; got {compression!r}.")
    os.makedirs(path, exist_ok=True)
    w = _Writer(os.path.join(path, "elements.gtdata"), compression or None)
    try:
        for e in ds._elements():
            w.write(e)
    except BaseException:
        w.abort()
        raise
    w.finish()
    spec_text = repr(ds.element_spec) if w.count else "empty"
    meta = {"format": "gradtape-dataset", "version": 1, "cardinality": w.count, "element_spec": spec_text}
    tmp = os.path.join(path, "dataset.json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f)
    os.replace(tmp, os.path.join(path, "dataset.json"))


class LoadedDataset(Dataset):
    """``Dataset.load(path)``."""

    def __init__(self, path: str, element_spec: Any):
        meta = os.path.join(path, "dataset.json")
        if not os.path.exists(meta):
            raise NotFoundError(None, None, f"Dataset.load: {path} holds no saved dataset (no dataset.json).")
        with open(meta) as f:
            self._meta = json.load(f)
        self._file = os.path.join(path, "elements.gtdata")
        self._spec = element_spec

    def _elements(self) -> Iterator:
        return read_elements(self._file)

    def _cardinality(self) -> int:
        return int(self._meta["cardinality"])

    def _element_spec(self) -> Any:
        if self._spec is not None:
            return self._spec
        first = next(iter(self._elements()), None)
        if first is None:
            raise ValueError("element_spec of an empty loaded dataset is unknown; pass element_spec.")
        return _spec_of(first)
