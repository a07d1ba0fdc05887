"""``tf.io``: files (``read_file``, ``write_file``, ``gfile``), TFRecord files, ``tf.train.Example``
parsing (``parse_single_example``, ``parse_example``, feature configurations), tensor serialization
(``serialize_tensor``/``parse_tensor`` in TF's TensorProto format), ``decode_raw`` and ``decode_csv``.

Messages and TensorProto bytes are TF's wire format (the ``protobuf`` package, extra ``io``), so
files and records written by gradtape are read by TensorFlow and the other way round.
"""
from __future__ import annotations

import csv as _csv
import io as _pyio
import os as _os
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..tensor import Tensor
from . import gfile  # noqa: F401
from .tfrecord import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator  # noqa: F401

__all__ = ["read_file", "write_file", "gfile", "TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType",
           "FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "RaggedFeature", "parse_single_example",
           "parse_example", "parse_single_sequence_example", "parse_sequence_example", "serialize_tensor",
           "parse_tensor", "decode_raw", "decode_csv", "matching_files", "encode_base64", "decode_base64",
           "decode_bmp", "decode_gif", "decode_image", "decode_jpeg", "decode_png", "encode_jpeg", "encode_png",
           "is_jpeg"]


def _wrap(a: np.ndarray) -> Tensor:
    t = object.__new__(Tensor)
    t._value = a if (a.ndim or a.dtype == object) else a[()]
    return t


def _bytes_scalar(x: Any, op: str) -> bytes:
    v = getattr(x, "_value", None)
    if v is not None:
        v = np.asarray(v)
        if v.ndim != 0:
            raise InvalidArgumentError(f"tf.io.{op}: expected a scalar string; got shape {list(v.shape)}.")
        x = v[()]
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x)
    raise TypeError(f"tf.io.{op}: expected a string; got {type(x).__name__}.")


def _strings(x: Any, op: str) -> np.ndarray:
    from ..strings import _strings as s
    return s(x, op)


# -- files ------------------------------------------------------------------------------------------
def read_file(filename: Any, name: Any = None) -> Tensor:
    """The contents of a file as a scalar string tensor (``tf.io.read_file``)."""
    p = gfile._path(filename)
    if not _os.path.exists(p):
        from ..errors import NotFoundError
        raise NotFoundError(None, None, f"{p}; No such file or directory")
    gfile._check_not_dir(p)
    with open(p, "rb") as f:
        return _wrap(np.array(f.read(), dtype=object))


def write_file(filename: Any, contents: Any, name: Any = None) -> None:
    """Write ``contents`` (a scalar string) to a file, creating parent directories as TF does; the
    data goes to a temporary file renamed into place (``tf.io.write_file``)."""
    p = gfile._path(filename)
    data = _bytes_scalar(contents, "write_file")
    d = _os.path.dirname(_os.path.abspath(p))
    _os.makedirs(d, exist_ok=True)
    gfile._atomic_write(p, data)


def matching_files(pattern: Any, name: Any = None) -> Tensor:
    """The sorted file names matching a glob pattern, as a 1-D string tensor."""
    pats = _strings(pattern, "matching_files").reshape(-1)
    names = gfile.glob([p.decode() for p in pats])
    out = np.empty(len(names), dtype=object)
    out[:] = [n.encode() for n in names]
    return _wrap(out)


# -- feature configurations --------------------------------------------------------------------------
_FEATURE_DTYPES = ("int64", "float32", "string")


def _feature_dtype(dtype: Any, what: str) -> _dtypes.DType:
    dt = _dtypes.as_dtype(dtype)
    if dt.name not in _FEATURE_DTYPES:
        raise ValueError(f"{what}: dtype must be tf.int64, tf.float32 or tf.string; got tf.{dt.name}.")
    return dt


class FixedLenFeature(NamedTuple("FixedLenFeature", [("shape", Any), ("dtype", Any), ("default_value", Any)])):
    """A feature with a fixed number of values, parsed to a dense tensor of ``shape``
    (``tf.io.FixedLenFeature``); without ``default_value`` the feature is required."""

    def __new__(cls, shape: Any, dtype: Any, default_value: Any = None) -> "FixedLenFeature":
        return super().__new__(cls, tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else
                                                            getattr(shape, "as_list", lambda: shape)())),
                               _feature_dtype(dtype, "FixedLenFeature"), default_value)


class VarLenFeature(NamedTuple("VarLenFeature", [("dtype", Any)])):
    """A feature with any number of values (``tf.io.VarLenFeature``), parsed to a ``tf.sparse.SparseTensor``
    (indices ``[example, position]`` in a batch), as TF."""

    def __new__(cls, dtype: Any) -> "VarLenFeature":
        return super().__new__(cls, _feature_dtype(dtype, "VarLenFeature"))


class FixedLenSequenceFeature(NamedTuple("FixedLenSequenceFeature", [("shape", Any), ("dtype", Any),
                                                                     ("allow_missing", bool), ("default_value", Any)])):
    """Any number of items of ``shape`` each (``tf.io.FixedLenSequenceFeature``): parsed to
    ``[num_items] + shape``; batches are padded with ``default_value`` (0 or b'')."""

    def __new__(cls, shape: Any, dtype: Any, allow_missing: bool = False, default_value: Any = None) -> "FixedLenSequenceFeature":
        return super().__new__(cls, tuple(int(d) for d in shape), _feature_dtype(dtype, "FixedLenSequenceFeature"),
                               bool(allow_missing), default_value)


class RaggedFeature(NamedTuple("RaggedFeature", [("dtype", Any), ("value_key", Any), ("partitions", Any),
                                                 ("row_splits_dtype", Any), ("validate", bool)])):
    """A feature parsed to a RaggedTensor (``tf.io.RaggedFeature``); only the form without
    ``partitions`` is supported: one ragged row per example (a 1-D tensor for a single example)."""

    def __new__(cls, dtype: Any, value_key: Any = None, partitions: Any = (), row_splits_dtype: Any = _dtypes.int32,
                validate: bool = False) -> "RaggedFeature":
        if partitions:
            raise NotImplementedError("tf.io.RaggedFeature: partitions are not supported in gradtape.")
        return super().__new__(cls, _feature_dtype(dtype, "RaggedFeature"), value_key, tuple(partitions),
                               row_splits_dtype, validate)


def _msgs() -> Any:
    from . import _protos as p
    return p


_KIND = {"int64": "int64_list", "float32": "float_list", "string": "bytes_list"}
_KIND_NAME = {"int64_list": "int64", "float_list": "float", "bytes_list": "string"}


def _np_dtype(dt: _dtypes.DType) -> Any:
    return object if dt.name == "string" else _dtypes.to_numpy(dt)


def _feature_values(feature: Any, dt: _dtypes.DType, key: str) -> np.ndarray:
    """The values of one ``Feature`` as a 1-D array of ``dt`` (an empty Feature has no values)."""
    kind = feature.WhichOneof("kind")
    if kind is None:
        return np.zeros(0, dtype=_np_dtype(dt))
    if kind != _KIND[dt.name]:
        raise InvalidArgumentError(f"Key: {key}.  Data types don't match. Data type: {_KIND_NAME[kind]} but "
                                   f"expected type: {'float' if dt.name == 'float32' else dt.name}")
    vals = getattr(feature, kind).value
    if dt.name == "string":
        out = np.empty(len(vals), dtype=object)
        out[:] = list(vals)
        return out
    return np.asarray(vals, dtype=_dtypes.to_numpy(dt))


def _default(cfg: Any, shape: tuple) -> np.ndarray:
    dv = cfg.default_value
    dv = getattr(dv, "_value", dv)
    if cfg.dtype.name == "string":
        a = np.asarray(dv, dtype=object)
        a = np.vectorize(lambda e: e.encode() if isinstance(e, str) else e, otypes=[object])(a) if a.size else a
    else:
        a = np.asarray(dv, dtype=_dtypes.to_numpy(cfg.dtype))
    if a.size == int(np.prod(shape)):
        return a.reshape(shape)
    if a.size == 1:
        return np.broadcast_to(a.reshape(()), shape).copy()
    raise ValueError(f"FixedLenFeature: default_value has {a.size} values; shape {list(shape)} needs "
                     f"{int(np.prod(shape))}.")


def _sparse_or_ragged(rows: List[np.ndarray], dt: _dtypes.DType, single: bool) -> Any:
    try:
        from ..sparse import SparseTensor  # type: ignore[attr-defined]
    except ImportError:
        SparseTensor = None  # noqa: N806
    npd = _np_dtype(dt)
    if SparseTensor is not None:
        if single:
            v = rows[0]
            idx = np.arange(len(v), dtype=np.int64).reshape(-1, 1)
            return SparseTensor(idx, v, [len(v)])
        idx = np.array([[i, j] for i, r in enumerate(rows) for j in range(len(r))], dtype=np.int64).reshape(-1, 2)
        vals = np.concatenate(rows) if rows else np.zeros(0, npd)
        return SparseTensor(idx, vals.astype(npd), [len(rows), max((len(r) for r in rows), default=0)])
    if single:
        return _wrap(rows[0])
    from ..ragged import RaggedTensor
    vals = np.concatenate(rows).astype(npd) if rows else np.zeros(0, npd)
    return RaggedTensor.from_row_lengths(vals, [len(r) for r in rows])


def _parse_features(messages: List[Any], features: Dict[str, Any], single: bool, names: List[str]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, cfg in features.items():
        if isinstance(cfg, FixedLenFeature):
            shape = cfg.shape
            n = int(np.prod(shape))
            rows = []
            for m, ex_name in zip(messages, names):
                if key in m.feature:
                    v = _feature_values(m.feature[key], cfg.dtype, key)
                    if v.size != n:
                        raise InvalidArgumentError(
                            f"Key: {key}.  Can't parse serialized Example{ex_name}: expected {n} values for shape "
                            f"{list(shape)}, got {v.size}.")
                    rows.append(v.reshape(shape))
                elif cfg.default_value is not None:
                    rows.append(_default(cfg, shape))
                else:
                    raise InvalidArgumentError(f"Feature: {key} (data type: {cfg.dtype.name if cfg.dtype.name != 'float32' else 'float'}) "
                                               f"is required but could not be found{ex_name}.")
            out[key] = _wrap(rows[0] if single else (np.stack(rows) if rows else np.zeros((0,) + shape, _np_dtype(cfg.dtype))))
        elif isinstance(cfg, (VarLenFeature, RaggedFeature)):
            k = cfg.value_key if isinstance(cfg, RaggedFeature) and cfg.value_key else key
            rows = [(_feature_values(m.feature[k], cfg.dtype, k) if k in m.feature else
                     np.zeros(0, _np_dtype(cfg.dtype))) for m in messages]
            if isinstance(cfg, RaggedFeature):
                if single:
                    out[key] = _wrap(rows[0])
                else:
                    from ..ragged import RaggedTensor
                    npd = _np_dtype(cfg.dtype)
                    vals = np.concatenate(rows).astype(npd) if rows else np.zeros(0, npd)
                    out[key] = RaggedTensor.from_row_lengths(vals, [len(r) for r in rows])
            else:
                out[key] = _sparse_or_ragged(rows, cfg.dtype, single)
        elif isinstance(cfg, FixedLenSequenceFeature):
            if not cfg.allow_missing:
                raise ValueError(f"Unsupported: FixedLenSequenceFeature requires allow_missing to be True "
                                 f"(feature {key!r}) when parsing tf.train.Example.")
            shape = cfg.shape
            n = int(np.prod(shape)) if shape else 1
            rows = []
            for m, ex_name in zip(messages, names):
                v = _feature_values(m.feature[key], cfg.dtype, key) if key in m.feature else \
                    np.zeros(0, _np_dtype(cfg.dtype))
                if n == 0 or v.size % n:
                    raise InvalidArgumentError(f"Key: {key}.  Number of values ({v.size}) is not a multiple of "
                                               f"the item size {n} (shape {list(shape)}){ex_name}.")
                rows.append(v.reshape((-1,) + shape))
            if single:
                out[key] = _wrap(rows[0])
            else:
                longest = max((len(r) for r in rows), default=0)
                pad = b"" if cfg.dtype.name == "string" else 0
                if cfg.default_value is not None:
                    pad = _default(cfg, ()).reshape(())[()]
                batch = np.empty((len(rows), longest) + shape, dtype=_np_dtype(cfg.dtype))
                batch[...] = pad
                for i, r in enumerate(rows):
                    batch[i, :len(r)] = r
                out[key] = _wrap(batch)
        else:
            raise TypeError(f"parse_example: unsupported feature configuration for {key!r}: {type(cfg).__name__}. "
                            "Use FixedLenFeature, VarLenFeature, FixedLenSequenceFeature or RaggedFeature.")
    return out


def _decode(serialized: bytes, cls: Any, what: str) -> Any:
    m = cls()
    try:
        m.ParseFromString(serialized)
    except Exception as e:  # protobuf's DecodeError
        raise InvalidArgumentError(f"Could not parse example input, value: {serialized[:40]!r}: not a serialized "
                                   f"{what} ({e}).") from None
    return m


def parse_single_example(serialized: Any, features: Dict[str, Any], example_names: Any = None,
                         name: Any = None) -> Dict[str, Any]:
    """Parse one serialized ``tf.train.Example`` into a dict of tensors (``tf.io.parse_single_example``)."""
    p = _msgs()
    data = _bytes_scalar(serialized, "parse_single_example")
    ex = _decode(data, p.Example, "tf.train.Example")
    return _parse_features([ex.features], features, True, [""])


def parse_example(serialized: Any, features: Dict[str, Any], example_names: Any = None, name: Any = None) -> Dict[str, Any]:
    """Parse a batch (1-D string tensor) of serialized Examples; FixedLenFeatures are stacked,
    FixedLenSequenceFeatures padded, VarLenFeatures sparse (``tf.io.parse_example``)."""
    p = _msgs()
    arr = _strings(serialized, "parse_example")
    if arr.ndim == 0:
        return parse_single_example(serialized, features)
    if arr.ndim != 1:
        raise InvalidArgumentError(f"tf.io.parse_example: serialized must be a vector; got shape {list(arr.shape)}.")
    msgs = [_decode(s, p.Example, "tf.train.Example").features for s in arr]
    names = [f" (example {i})" for i in range(len(msgs))]
    return _parse_features(msgs, features, False, names)


def _parse_sequence(fl: Any, key: str, cfg: Any) -> Any:
    feats = list(fl.feature_list[key].feature) if key in fl.feature_list else None
    if feats is None:
        if isinstance(cfg, FixedLenSequenceFeature) and cfg.default_value is not None:
            return _wrap(_default(cfg, (0,) + cfg.shape))
        if isinstance(cfg, FixedLenSequenceFeature) and not cfg.allow_missing:
            raise InvalidArgumentError(f"Name: <unknown>, Feature list '{key}' is required but could not be found.")
        feats = []
    rows = [_feature_values(f, cfg.dtype, key) for f in feats]
    if isinstance(cfg, FixedLenSequenceFeature):
        n = int(np.prod(cfg.shape)) if cfg.shape else 1
        for r in rows:
            if r.size != n:
                raise InvalidArgumentError(f"Key: {key}.  Each step must have {n} values (shape {list(cfg.shape)}); "
                                           f"got {r.size}.")
        return _wrap(np.stack([r.reshape(cfg.shape) for r in rows]) if rows else
                     np.zeros((0,) + cfg.shape, _np_dtype(cfg.dtype)))
    if isinstance(cfg, VarLenFeature):
        return _sparse_or_ragged(rows, cfg.dtype, False)
    if isinstance(cfg, RaggedFeature):
        from ..ragged import RaggedTensor
        npd = _np_dtype(cfg.dtype)
        return RaggedTensor.from_row_lengths(np.concatenate(rows).astype(npd) if rows else np.zeros(0, npd),
                                             [len(r) for r in rows])
    raise TypeError(f"parse_single_sequence_example: unsupported sequence feature configuration for {key!r}: "
                    f"{type(cfg).__name__}.")


def parse_single_sequence_example(serialized: Any, context_features: Optional[Dict[str, Any]] = None,
                                  sequence_features: Optional[Dict[str, Any]] = None, example_name: Any = None,
                                  name: Any = None) -> tuple:
    """Parse one ``tf.train.SequenceExample`` into ``(context, sequences)`` dicts."""
    p = _msgs()
    se = _decode(_bytes_scalar(serialized, "parse_single_sequence_example"), p.SequenceExample,
                 "tf.train.SequenceExample")
    ctx = _parse_features([se.context], context_features or {}, True, [""])
    seq = {k: _parse_sequence(se.feature_lists, k, c) for k, c in (sequence_features or {}).items()}
    return ctx, seq


def parse_sequence_example(serialized: Any, context_features: Optional[Dict[str, Any]] = None,
                           sequence_features: Optional[Dict[str, Any]] = None, example_names: Any = None,
                           name: Any = None) -> tuple:
    """A scalar input is parsed as ``parse_single_sequence_example`` plus an empty lengths dict;
    batches of SequenceExamples are not supported."""
    arr = _strings(serialized, "parse_sequence_example")
    if arr.ndim != 0:
        raise NotImplementedError("tf.io.parse_sequence_example: only a single (scalar) SequenceExample is "
                                  "supported in gradtape; map parse_single_sequence_example over a dataset.")
    ctx, seq = parse_single_sequence_example(serialized, context_features, sequence_features)
    lengths = {k: _wrap(np.asarray(len(v.numpy()) if isinstance(v, Tensor) else v.nrows_int(), np.int64))
               for k, v in seq.items()}
    return ctx, seq, lengths


# -- TensorProto -----------------------------------------------------------------------------------
_TF_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "string": 7,
            "complex64": 8, "int64": 9, "bool": 10, "bfloat16": 14, "uint16": 17, "complex128": 18,
            "float16": 19, "uint32": 22, "uint64": 23}
_FROM_ENUM = {v: k for k, v in _TF_ENUM.items()}


def serialize_tensor(tensor: Any, name: Any = None) -> Tensor:
    """A tensor as a serialized TF ``TensorProto`` (scalar string), ``tf.io.serialize_tensor``."""
    p = _msgs()
    if hasattr(tensor, "_value") or hasattr(type(tensor), "_gt_read"):
        from ..dispatch import convert_to_tensor
        a = np.asarray(convert_to_tensor(tensor)._value)
    else:
        from ..dispatch import convert_to_tensor
        a = np.asarray(convert_to_tensor(tensor)._value)
    dt = _dtypes.string if a.dtype == object else _dtypes.from_numpy(a.dtype)
    if dt.name not in _TF_ENUM:
        raise InvalidArgumentError(f"tf.io.serialize_tensor: dtype {dt.name} is not supported.")
    proto = p.TensorProto(dtype=_TF_ENUM[dt.name])
    proto.tensor_shape.SetInParent()  # TF writes the (empty) shape of a scalar too
    for d in a.shape:
        proto.tensor_shape.dim.add(size=int(d))
    if dt.name == "string":
        proto.string_val.extend(list(a.reshape(-1)))
    else:
        proto.tensor_content = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    return _wrap(np.array(proto.SerializeToString(), dtype=object))


def parse_tensor(serialized: Any, out_type: Any, name: Any = None) -> Tensor:
    """A tensor from a serialized TF ``TensorProto`` (``tf.io.parse_tensor``); the stored dtype must be
    ``out_type`` (InvalidArgumentError otherwise, as TF)."""
    p = _msgs()
    proto = _decode(_bytes_scalar(serialized, "parse_tensor"), p.TensorProto, "TensorProto")
    want = _dtypes.as_dtype(out_type)
    got = _FROM_ENUM.get(proto.dtype)
    if got is None:
        raise InvalidArgumentError(f"tf.io.parse_tensor: unsupported TensorProto dtype enum {proto.dtype}.")
    if got != want.name:
        raise InvalidArgumentError(f"Type mismatch between parsed tensor ({got}) and dtype ({want.name})")
    shape = tuple(int(d.size) for d in proto.tensor_shape.dim)
    n = int(np.prod(shape))
    if got == "string":
        vals = list(proto.string_val)
        arr = np.empty(len(vals), dtype=object)
        arr[:] = vals
    else:
        npd = np.dtype(_dtypes.to_numpy(want))
        if proto.tensor_content:
            arr = np.frombuffer(proto.tensor_content, dtype=npd.newbyteorder("<")).astype(npd)
        else:
            field = {"float32": "float_val", "float64": "double_val", "int64": "int64_val", "bool": "bool_val",
                     "complex64": "scomplex_val", "complex128": "dcomplex_val", "uint32": "uint32_val",
                     "uint64": "uint64_val", "float16": "half_val", "bfloat16": "half_val"}.get(got, "int_val")
            raw = list(getattr(proto, field))
            if got in ("complex64", "complex128"):
                raw = [complex(a, b) for a, b in zip(raw[::2], raw[1::2])]
            if got in ("float16",):
                arr = np.asarray(raw, dtype=np.uint16).view(np.float16)
            else:
                arr = np.asarray(raw).astype(npd) if raw else np.zeros(0, npd)
    if arr.size != n:
        if arr.size == 0 and got != "string":
            arr = np.zeros(n, arr.dtype)
        elif 0 < arr.size < n:  # TF repeats the last value
            arr = np.concatenate([arr, np.repeat(arr[-1:], n - arr.size)])
        else:
            raise InvalidArgumentError(f"tf.io.parse_tensor: {arr.size} values for shape {list(shape)}.")
    return _wrap(arr.reshape(shape))


# -- decoding ------------------------------------------------------------------------------------------
def decode_raw(input_bytes: Any, out_type: Any, little_endian: bool = True, fixed_length: Any = None,
               name: Any = None) -> Tensor:
    """Reinterpret each string's bytes as numbers of ``out_type`` (``tf.io.decode_raw``): the result has one
    more dimension; all strings must have the same length (or use ``fixed_length``)."""
    a = _strings(input_bytes, "decode_raw")
    npd = np.dtype(_dtypes.to_numpy(out_type))
    if npd == object:
        raise InvalidArgumentError("tf.io.decode_raw: out_type cannot be tf.string.")
    npd_e = npd.newbyteorder("<" if little_endian else ">")
    rows = []
    for s in a.reshape(-1):
        if fixed_length is not None:
            L = int(getattr(fixed_length, "_value", fixed_length))
            s = s[:L].ljust(L, b"\0")
        if len(s) % npd.itemsize:
            raise InvalidArgumentError(f"Input to DecodeRaw has length {len(s)} that is not a multiple of "
                                       f"{npd.itemsize}, the size of {_dtypes.from_numpy(npd).name}")
        rows.append(np.frombuffer(s, dtype=npd_e).astype(npd))
    lens = {len(r) for r in rows}
    if len(lens) > 1:
        raise InvalidArgumentError(f"DecodeRaw requires input strings to all be the same size, but element 0 has "
                                   f"size {len(rows[0])} != {sorted(lens)}")
    k = lens.pop() if lens else 0
    out = np.stack(rows) if rows else np.zeros((0, k), npd)
    return _wrap(out.reshape(a.shape + (k,)))


def decode_csv(records: Any, record_defaults: Sequence[Any], field_delim: str = ",", use_quote_delim: bool = True,
               na_value: str = "", select_cols: Any = None, name: Any = None) -> List[Tensor]:
    """Parse CSV lines into one tensor per column (``tf.io.decode_csv``). ``record_defaults[i]`` gives
    column i's dtype and default: a one-value list/tensor is used for empty fields, an empty one makes
    the column required. Columns: int32, int64, float32, float64 or string."""
    a = _strings(records, "decode_csv")
    cols = _csv_columns(record_defaults)
    sel = list(select_cols) if select_cols is not None else None
    if sel is not None and len(sel) != len(cols):
        raise ValueError(f"decode_csv: {len(sel)} select_cols but {len(cols)} record_defaults.")
    out_cols: List[list] = [[] for _ in cols]
    for line in a.reshape(-1):
        fields = _split_csv(line.decode("utf-8"), field_delim, use_quote_delim)
        if sel is not None:
            if max(sel) >= len(fields):
                raise InvalidArgumentError(f"Expect {max(sel) + 1} fields but have {len(fields)} in record {line!r}")
            fields = [fields[i] for i in sel]
        if len(fields) != len(cols):
            raise InvalidArgumentError(f"Expect {len(cols)} fields but have {len(fields)} in record {line!r}")
        for j, (f, (npd, dflt)) in enumerate(zip(fields, cols)):
            out_cols[j].append(_csv_value(f, npd, dflt, na_value, j, line))
    res = []
    for (npd, _), vals in zip(cols, out_cols):
        arr = np.empty(len(vals), dtype=object) if npd == object else np.asarray(vals, dtype=npd)
        if npd == object:
            arr[:] = vals
        res.append(_wrap(arr.reshape(a.shape)))
    return res


def _csv_columns(record_defaults: Sequence[Any]) -> List[tuple]:
    cols = []
    for d in record_defaults:
        if isinstance(d, _dtypes.DType):
            cols.append((_np_dtype(d), None))
            continue
        v = getattr(d, "_value", None)
        if v is None:
            if isinstance(d, (list, tuple)) and len(d) == 0:
                raise ValueError("decode_csv: an empty record_default needs a dtype: pass "
                                 "tf.constant([], dtype=...) for a required column.")
            from ..dispatch import convert_to_tensor
            v = convert_to_tensor(d if isinstance(d, (list, tuple)) else [d])._value
        v = np.asarray(v).reshape(-1)
        npd = object if v.dtype == object else v.dtype
        if npd != object and np.dtype(npd).kind not in "if":
            raise ValueError(f"decode_csv: unsupported column dtype {v.dtype}.")
        cols.append((npd, v[0] if v.size else None))
    return cols


def _split_csv(line: str, delim: str, quote: bool) -> List[str]:
    if not quote:
        return line.split(delim)
    return next(_csv.reader(_pyio.StringIO(line), delimiter=delim, quotechar='"', strict=True)) if line else [""]


def _csv_value(f: str, npd: Any, dflt: Any, na_value: str, j: int, line: bytes) -> Any:
    if f == "" or (na_value and f == na_value):
        if dflt is None:
            raise InvalidArgumentError(f"Field {j} is required but missing in record {line!r}!")
        return dflt
    if npd == object:
        return f.encode("utf-8")
    try:
        return int(f) if np.dtype(npd).kind == "i" else float(f)
    except ValueError:
        raise InvalidArgumentError(f"Field {j} in record {line!r} is not a valid "
                                   f"{'int' if np.dtype(npd).kind == 'i' else 'float'}: {f!r}") from None


# -- base64 ------------------------------------------------------------------------------------------
def encode_base64(input: Any, pad: bool = False, name: Any = None) -> Any:  # noqa: A002
    """Web-safe base64 (``-`` and ``_``), without padding unless ``pad`` (``tf.io.encode_base64``)."""
    import base64
    from ..strings import _map
    return _map(input, lambda s: base64.urlsafe_b64encode(s) if pad else base64.urlsafe_b64encode(s).rstrip(b"="),
                "encode_base64")


def decode_base64(input: Any, name: Any = None) -> Any:  # noqa: A002
    """Decode web-safe base64, padded or not (``tf.io.decode_base64``)."""
    import base64
    import binascii
    from ..strings import _map

    def dec(s: bytes) -> bytes:
        try:
            return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))
        except (binascii.Error, ValueError):
            raise InvalidArgumentError(f"Invalid character found in base64: {s[:40]!r}") from None
    return _map(input, dec, "decode_base64")


# -- images: implemented in gradtape.image (Pillow, extra ``image``), re-exported as TF does ---------------
from ..image._codecs import (  # noqa: F401,E402
    decode_bmp, decode_gif, decode_image, decode_jpeg, decode_png, encode_jpeg, encode_png, is_jpeg)
