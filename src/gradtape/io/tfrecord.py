"""TFRecord files: TF's framing with masked CRC32C checksums, optionally GZIP or ZLIB compressed.

Each record is ``uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)``
(little-endian), the layout TF's ``TFRecordWriter`` writes and ``TFRecordDataset`` reads.
"""
from __future__ import annotations

import functools
import gzip
import io
import os
import struct
import zlib
from typing import Any, Iterator, Optional

import numpy as np

from ..errors import DataLossError, NotFoundError
from .gfile import _path

__all__ = ["TFRecordOptions", "TFRecordWriter", "TFRecordCompressionType", "read_records", "crc32c",
           "masked_crc32c"]


def _make_table() -> list:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _make_table()

def _crc_bytes(crc: int, data: Any) -> int:
    """Advance the (reflected) CRC-32C register ``crc`` over ``data`` byte by byte."""
    t = _TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


# Long inputs: CRC is linear over GF(2), so the data is cut into K lanes processed together with NumPy
# (one table lookup per byte position for all lanes), and the lanes' registers are combined with the
# "advance over L zero bytes" linear map, applied as 32 basis images.
def _apply_int(m: tuple, x: int) -> int:
    r = 0
    b = 0
    while x:
        if x & 1:
            r ^= m[b]
        x >>= 1
        b += 1
    return r


def _compose(a: tuple, b: tuple) -> tuple:
    """The map ``a`` after ``b``."""
    return tuple(_apply_int(a, v) for v in b)


_ONE_ZERO_BYTE = tuple(_TABLE[(1 << b) & 0xFF] ^ ((1 << b) >> 8) for b in range(32))


@functools.lru_cache(maxsize=64)
def _zero_shift_map(nbytes: int) -> tuple:
    """The images of the 32 register bits after ``nbytes`` zero bytes (a GF(2) linear map)."""
    result = tuple(1 << b for b in range(32))
    base = _ONE_ZERO_BYTE
    n = nbytes
    while n:
        if n & 1:
            result = _compose(base, result)
        base = _compose(base, base)
        n >>= 1
    return result


@functools.lru_cache(maxsize=64)
def _tree_maps(L: int, levels: int) -> tuple:
    maps = [_zero_shift_map(L)]
    while len(maps) < levels:
        maps.append(_compose(maps[-1], maps[-1]))
    return tuple(maps[:levels])


def _apply_map(m: tuple, x: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    one = np.uint32(1)
    for b in range(32):
        out ^= ((x >> np.uint32(b)) & one) * np.uint32(m[b])
    return out


_NP_TABLE = np.asarray(_TABLE, dtype=np.uint32)


def _crc_lanes(data: bytes, crc: int) -> int:
    n = len(data)
    lanes = 1 << min(12, max(1, (n // 256).bit_length() - 1))
    L = n // lanes
    body = np.frombuffer(data, dtype=np.uint8, count=lanes * L).reshape(lanes, L).T.copy()
    regs = np.zeros(lanes, dtype=np.uint32)
    regs[0] = crc  # the first lane starts from the initial register; the others from 0 (linearity)
    tab = _NP_TABLE
    mask = np.uint32(0xFF)
    eight = np.uint32(8)
    for j in range(L):
        regs = tab[(regs ^ body[j]) & mask] ^ (regs >> eight)
    # tree: combined = shift(left, len(right)) ^ right; lane lengths double at each level
    for m in _tree_maps(L, lanes.bit_length() - 1):
        regs = _apply_map(m, regs[0::2]) ^ regs[1::2]
    return _crc_bytes(int(regs[0]), data[lanes * L:])


try:  # optional fast path
    import google_crc32c as _gcrc  # type: ignore

    def crc32c(data: bytes) -> int:
        """CRC-32C (Castagnoli) of ``data``."""
        return _gcrc.value(bytes(data))
except ImportError:
    def crc32c(data: bytes) -> int:
        """CRC-32C (Castagnoli) of ``data``: byte by byte for short inputs, NumPy lanes for long ones."""
        if len(data) < 65536:
            return _crc_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF
        return _crc_lanes(bytes(data), 0xFFFFFFFF) ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TF's masked checksum: rotate right 15 bits and add 0xa282ead8."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class TFRecordCompressionType:
    NONE = 0
    ZLIB = 1
    GZIP = 2


def _compression_name(c: Any) -> str:
    if c is None or c == "" or c == 0:
        return ""
    if isinstance(c, TFRecordOptions):
        return c.compression_type
    if c == 1:
        return "ZLIB"
    if c == 2:
        return "GZIP"
    if isinstance(c, str) and c.upper() in ("GZIP", "ZLIB"):
        return c.upper()
    raise ValueError(f"Unsupported compression_type {c!r}: use None, '', 'GZIP' or 'ZLIB'.")


class TFRecordOptions:
    """Options for TFRecord files (``tf.io.TFRecordOptions``): ``compression_type`` None/''/'GZIP'/'ZLIB'
    and ``compression_level`` (0-9). Buffer sizes and zlib tuning knobs are accepted and not used."""

    def __init__(self, compression_type: Any = None, flush_mode: Any = None, input_buffer_size: Any = None,
                 output_buffer_size: Any = None, window_bits: Any = None, compression_level: Any = None,
                 compression_method: Any = None, mem_level: Any = None, compression_strategy: Any = None):
        self.compression_type = _compression_name(compression_type)
        self.compression_level = -1 if compression_level is None else int(compression_level)
        if not -1 <= self.compression_level <= 9:
            raise ValueError(f"TFRecordOptions: compression_level must be in [0, 9]; got {compression_level}.")

    @classmethod
    def get_compression_type_string(cls, options: Any) -> str:
        return _compression_name(options)


class TFRecordWriter:
    """Write records to a TFRecord file (``tf.io.TFRecordWriter``); use as a context manager or call
    ``close()``. The file is written to a temporary name and renamed into place on close, so a crash
    never leaves a truncated file under the final name."""

    def __init__(self, path: Any, options: Any = None):
        self._path = _path(path)
        opts = options if isinstance(options, TFRecordOptions) else TFRecordOptions(options)
        self._compression = opts.compression_type
        self._level = opts.compression_level
        d = os.path.dirname(os.path.abspath(self._path))
        if not os.path.isdir(d):
            raise NotFoundError(None, None, f"{self._path}: parent directory does not exist")
        self._tmp = self._path + ".tmp-write"
        self._raw = open(self._tmp, "wb")
        if self._compression == "GZIP":
            self._f: Any = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0,
                                         compresslevel=9 if self._level < 0 else self._level)
        elif self._compression == "ZLIB":
            self._z = zlib.compressobj(self._level)
            self._f = None
        else:
            self._f = self._raw
        self._closed = False

    def _put(self, b: bytes) -> None:
        if self._compression == "ZLIB":
            self._raw.write(self._z.compress(b))
        else:
            self._f.write(b)

    def write(self, record: Any) -> None:
        """Append one record (bytes, str, or a scalar string tensor)."""
        if self._closed:
            raise ValueError("TFRecordWriter: write to a closed writer.")
        v = getattr(record, "_value", None)
        if v is not None:
            import numpy as np
            record = np.asarray(v)[()]
        if isinstance(record, str):
            record = record.encode("utf-8")
        if not isinstance(record, (bytes, bytearray, memoryview)):
            raise TypeError(f"TFRecordWriter.write expects bytes; got {type(record).__name__}. Serialize "
                            "messages with .SerializeToString().")
        record = bytes(record)
        header = struct.pack("<Q", len(record))
        self._put(header + struct.pack("<I", masked_crc32c(header)) + record + struct.pack("<I", masked_crc32c(record)))

    def flush(self) -> None:
        if self._compression == "ZLIB":
            self._raw.write(self._z.flush(zlib.Z_SYNC_FLUSH))
        elif self._compression == "GZIP":
            self._f.flush()
        self._raw.flush()

    def close(self) -> None:
        if self._closed:
            return
        if self._compression == "GZIP":
            self._f.close()
        elif self._compression == "ZLIB":
            self._raw.write(self._z.flush())
        self._raw.close()
        os.replace(self._tmp, self._path)
        self._closed = True

    def __enter__(self) -> "TFRecordWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _open_stream(path: str, compression: str) -> Any:
    if not os.path.exists(path):
        raise NotFoundError(None, None, f"{path}; No such file or directory")
    if compression == "GZIP":
        return gzip.open(path, "rb")
    if compression == "ZLIB":
        with open(path, "rb") as f:
            return io.BytesIO(zlib.decompress(f.read()))
    return open(path, "rb")


def read_records(path: Any, compression_type: Any = None, verify: bool = True) -> Iterator[bytes]:
    """The records of one TFRecord file; a truncated or corrupted file raises DataLossError."""
    p = _path(path)
    comp = _compression_name(compression_type)
    with _open_stream(p, comp) as f:
        offset = 0
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                raise DataLossError(None, None, f"truncated record at {offset} in {p}")
            (n,) = struct.unpack("<Q", header[:8])
            if verify and struct.unpack("<I", header[8:])[0] != masked_crc32c(header[:8]):
                raise DataLossError(None, None, f"corrupted record at {offset} in {p} (length checksum mismatch)")
            data = f.read(n)
            footer = f.read(4)
            if len(data) < n or len(footer) < 4:
                raise DataLossError(None, None, f"truncated record at {offset} in {p}")
            if verify and struct.unpack("<I", footer)[0] != masked_crc32c(data):
                raise DataLossError(None, None, f"corrupted record at {offset} in {p} (data checksum mismatch)")
            offset += 16 + n
            yield data


def tf_record_iterator(path: Any, options: Any = None) -> Iterator[bytes]:
    """``tf.compat.v1.io.tf_record_iterator``: the records of a file as bytes."""
    return read_records(path, options)
