"""TFRecord files: TF's framing with masked CRC32C checksums, optionally GZIP or ZLIB compressed.

Each record is ``uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)``
(little-endian), the layout TF's ``TFRecordWriter`` writes and ``TFRecordDataset`` reads.
"""
from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from typing import Any, Iterator, Optional

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

try:  # optional fast path
    import google_crc32c as _gcrc  # type: ignore

    def crc32c(data: bytes) -> int:
        """CRC-32C (Castagnoli) of ``data``."""
        return _gcrc.value(bytes(data))
except ImportError:
    def crc32c(data: bytes) -> int:
        """CRC-32C (Castagnoli) of ``data`` (pure Python; install google-crc32c for speed)."""
        crc = 0xFFFFFFFF
        t = _TABLE
        for b in data:
            crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF


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
