"""``tf.strings``: string ops on string tensors (NumPy object arrays of ``bytes``, as TF's).

Inputs may be Python strings (encoded as UTF-8), bytes, lists, NumPy arrays, string Tensors or
RaggedTensors (elementwise ops keep the ragged partition). Ops that give a variable number of
results per string (``split``, ``unicode_split``, ``bytes_split``, ``unicode_decode``, ``ngrams``)
return a ``tf.RaggedTensor`` (a plain Tensor for a scalar input), as TF.

Regular expressions follow Python's ``re`` on bytes (TF uses RE2: the common syntax is the same;
RE2-only constructs such as ``\\pL`` raise an error). The hash-bucket ops use TF's hash functions
(FarmHash Fingerprint64, SipHash-2-4, TF's Hash64), so buckets equal TF's.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..ragged import RaggedTensor, stack_rows
from ..tensor import Tensor

__all__ = ["lower", "upper", "split", "regex_replace", "regex_full_match", "strip", "length", "substr",
           "join", "reduce_join", "to_number", "string_to_number", "as_string", "format", "unicode_split",
           "unicode_decode", "unicode_encode", "bytes_split", "ngrams", "to_hash_bucket_fast",
           "to_hash_bucket_strong", "to_hash_bucket", "strip", "unicode_transcode"]


def _b(x: Any) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    if isinstance(x, np.bytes_):
        return bytes(x)
    raise TypeError(f"tf.strings: expected a string element; got {type(x).__name__} {x!r}.")


def _strings(x: Any, op: str) -> np.ndarray:
    """``x`` as an object array of bytes (checks the dtype)."""
    v = getattr(x, "_value", None)
    if v is None and hasattr(type(x), "_gt_read"):
        v = x.read_value()._value
    if v is None:
        v = x
    a = np.asarray(v, dtype=object) if not isinstance(v, np.ndarray) else v
    if a.dtype.kind in "US":
        a = a.astype(object)
    if a.dtype != object:
        raise TypeError(f"tf.strings.{op}: expected a string tensor; got dtype "
                        f"{_dtypes.from_numpy(a.dtype).name}. Convert numbers with tf.strings.as_string.")
    if a.size and not all(isinstance(e, bytes) for e in a.flat):
        a = np.vectorize(_b, otypes=[object])(a)
    return a


def _wrap(a: Any) -> Tensor:
    t = object.__new__(Tensor)
    a = np.asarray(a) if not isinstance(a, np.ndarray) else a
    t._value = a if (a.ndim or a.dtype == object) else a[()]
    return t


def _obj(shape: tuple, values: Sequence) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out.reshape(shape)


def _map(x: Any, fn: Callable[[bytes], Any], op: str, otype: Any = object) -> Any:
    """Apply ``fn`` to every string of ``x`` (a Tensor-like or RaggedTensor); keep x's structure."""
    if isinstance(x, RaggedTensor):
        return x.with_flat_values(_map(x.flat_values, fn, op, otype)._value)
    a = _strings(x, op)
    flat = [fn(e) for e in a.flat]
    if otype is object:
        return _wrap(_obj(a.shape, flat))
    return _wrap(np.asarray(flat, dtype=otype).reshape(a.shape))


def _split_rows(x: Any, fn: Callable[[bytes], list], op: str, dtype: Any = object) -> Any:
    """A ragged result: each string becomes a row ``fn(s)``; a scalar gives a 1-D Tensor."""
    if isinstance(x, RaggedTensor):
        return x.with_flat_values(_split_rows(x.flat_values, fn, op, dtype))
    a = _strings(x, op)
    if a.ndim == 0:
        return _wrap(np.asarray(fn(a[()]), dtype=dtype) if dtype is not object else _obj((len(fn(a[()])),), fn(a[()])))
    rows = []
    for e in a.flat:
        r = fn(e)
        rows.append(_obj((len(r),), r) if dtype is object else np.asarray(r, dtype=dtype).reshape(-1))
    rt = stack_rows(rows) if rows else RaggedTensor._from(np.zeros(0, dtype), np.zeros(1, np.int64))
    # restore leading dims: each further input dimension becomes a uniform row partition
    for d in reversed(a.shape[1:]):
        rt = RaggedTensor.from_uniform_row_length(rt, d, nrows=rt.nrows_int() // d if d else 0)
    return rt


# -- elementwise -----------------------------------------------------------------------------------
def lower(input: Any, encoding: str = "", name: Any = None) -> Any:  # noqa: A002
    """Lowercase (``tf.strings.lower``): ASCII letters only unless ``encoding='utf-8'``."""
    if encoding.lower().replace("-", "") == "utf8":
        return _map(input, lambda s: s.decode("utf-8", "replace").lower().encode("utf-8"), "lower")
    return _map(input, lambda s: s.lower(), "lower")


def upper(input: Any, encoding: str = "", name: Any = None) -> Any:  # noqa: A002
    """Uppercase (``tf.strings.upper``): ASCII letters only unless ``encoding='utf-8'``."""
    if encoding.lower().replace("-", "") == "utf8":
        return _map(input, lambda s: s.decode("utf-8", "replace").upper().encode("utf-8"), "upper")
    return _map(input, lambda s: s.upper(), "upper")


_WS = b" \t\n\r\x0b\x0c"


def strip(input: Any, name: Any = None) -> Any:  # noqa: A002
    """Remove leading and trailing whitespace (``tf.strings.strip``)."""
    return _map(input, lambda s: s.strip(_WS), "strip")


def _compile(pattern: Any, op: str) -> "re.Pattern[bytes]":
    p = _b(pattern) if isinstance(pattern, (str, bytes)) else _b(_strings(pattern, op)[()])
    try:
        return re.compile(p)
    except re.error as e:
        raise InvalidArgumentError(f"tf.strings.{op}: invalid pattern {p!r}: {e} (gradtape uses Python's "
                                   "re syntax, which covers RE2's common subset).") from None


def regex_replace(input: Any, pattern: Any, rewrite: Any, replace_global: bool = True, name: Any = None) -> Any:  # noqa: A002
    """Replace matches of ``pattern`` with ``rewrite`` (``\\1`` and ``\\0`` refer to groups, as RE2)."""
    rx = _compile(pattern, "regex_replace")
    rw = _b(rewrite) if isinstance(rewrite, (str, bytes)) else _b(_strings(rewrite, "regex_replace")[()])
    rw = re.sub(rb"\\0", rb"\\g<0>", rw)
    count = 0 if replace_global else 1
    return _map(input, lambda s: rx.sub(rw, s, count=count), "regex_replace")


def regex_full_match(input: Any, pattern: Any, name: Any = None) -> Any:  # noqa: A002
    """True where the whole string matches ``pattern`` (``tf.strings.regex_full_match``)."""
    rx = _compile(pattern, "regex_full_match")
    return _map(input, lambda s: rx.fullmatch(s) is not None, "regex_full_match", np.bool_)


def _unit_len(s: bytes, unit: str) -> int:
    return len(s) if unit == "BYTE" else len(s.decode("utf-8", "replace"))


def _check_unit(unit: str, op: str) -> str:
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"tf.strings.{op}: unit must be 'BYTE' or 'UTF8_CHAR'; got {unit!r}.")
    return unit


def length(input: Any, unit: str = "BYTE", name: Any = None) -> Any:  # noqa: A002
    """Length of each string in bytes or UTF-8 characters (int32)."""
    unit = _check_unit(unit, "length")
    return _map(input, lambda s: _unit_len(s, unit), "length", np.int32)


def substr(input: Any, pos: Any, len: Any, unit: str = "BYTE", name: Any = None) -> Any:  # noqa: A002
    """``s[pos:pos+len]`` per string (``tf.strings.substr``); negative ``pos`` counts from the end;
    ``pos`` past the end raises InvalidArgumentError, as TF."""
    unit = _check_unit(unit, "substr")
    a = _strings(input, "substr")
    p = np.asarray(getattr(pos, "_value", pos))
    n = np.asarray(getattr(len, "_value", len))
    a_b, p_b, n_b = np.broadcast_arrays(a, p, n)
    out = []
    for s, i, k in zip(a_b.flat, p_b.flat, n_b.flat):
        seq: Any = s if unit == "BYTE" else s.decode("utf-8")
        i, k = int(i), int(k)
        L = _builtin_len(seq)
        if i > L or i < -L:
            raise InvalidArgumentError(f"tf.strings.substr: pos {i} out of range for string of length {L}: {s!r}.")
        if i < 0:
            i += L
        piece = seq[i:i + max(k, 0)]
        out.append(piece if unit == "BYTE" else piece.encode("utf-8"))
    return _wrap(_obj(a_b.shape, out))


_builtin_len = __builtins__["len"] if isinstance(__builtins__, dict) else __builtins__.len  # type: ignore[index]


def join(inputs: Sequence[Any], separator: str = "", name: Any = None) -> Any:
    """Elementwise concatenation of several string tensors (broadcast), ``tf.strings.join``."""
    arrs = [_strings(x, "join") for x in inputs]
    sep = _b(separator)
    if not arrs:
        return _wrap(np.array(b"", dtype=object))
    bs = np.broadcast_arrays(*arrs)
    out = [sep.join(parts) for parts in zip(*(b.flat for b in bs))]
    return _wrap(_obj(bs[0].shape, out))


def reduce_join(inputs: Any, axis: Any = None, keepdims: bool = False, separator: str = "", name: Any = None) -> Any:
    """Join strings along ``axis`` (all axes with None), ``tf.strings.reduce_join``."""
    if isinstance(inputs, RaggedTensor):
        if axis in (-1, 1) and inputs.ragged_rank == 1:
            sep = _b(separator)
            rows = [sep.join(list(np.asarray(r.numpy() if isinstance(r, Tensor) else r).flat)) for r in inputs]
            return _wrap(_obj((_builtin_len(rows),), rows))
        raise NotImplementedError("tf.strings.reduce_join on a RaggedTensor: only axis=-1 is supported.")
    a = _strings(inputs, "reduce_join")
    sep = _b(separator)
    if axis is None:
        axes = tuple(range(a.ndim))
    else:
        ax = np.asarray(getattr(axis, "_value", axis)).reshape(-1)
        axes = tuple(sorted(int(x) % max(a.ndim, 1) for x in ax))
    keep = [d for d in range(a.ndim) if d not in axes]
    moved = np.transpose(a, keep + list(axes))
    lead = moved.shape[:_builtin_len(keep)]
    flat = moved.reshape(lead + (-1,))
    out = np.empty(lead, dtype=object)
    for idx in np.ndindex(*lead):
        out[idx] = sep.join(list(flat[idx]))
    if keepdims:
        out = out.reshape(tuple(1 if d in axes else a.shape[d] for d in range(a.ndim)))
    return _wrap(out)


def to_number(string_tensor: Any, out_type: Any = _dtypes.float32, name: Any = None) -> Any:
    """Parse numbers (``tf.strings.to_number``); a string that is not a number raises
    InvalidArgumentError, as TF."""
    dt = _dtypes.as_dtype(out_type)
    npd = _dtypes.to_numpy(dt)
    is_int = np.dtype(npd).kind in "iu"

    def conv(s: bytes) -> Any:
        t = s.strip()
        try:
            if is_int:
                v = int(t)
                info = np.iinfo(npd)
                if not info.min <= v <= info.max:
                    raise ValueError
                return v
            return float(t)
        except ValueError:
            raise InvalidArgumentError(f"StringToNumberOp could not correctly convert string: {s.decode('utf-8', 'replace')}") from None
    return _map(string_tensor, conv, "to_number", npd)


string_to_number = to_number


def _fmt_float(v: float, precision: int, scientific: bool, shortest: bool) -> str:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    if shortest:
        return f"%{'.' + str(precision) if precision >= 0 else ''}g" % v
    if scientific:
        return f"%.{precision if precision >= 0 else 6}e" % v
    return f"%.{precision if precision >= 0 else 6}f" % v


def as_string(input: Any, precision: int = -1, scientific: bool = False, shortest: bool = False,  # noqa: A002
              width: int = -1, fill: str = "", name: Any = None) -> Any:
    """Numbers to strings with TF's printf formats (``tf.strings.as_string``): floats ``%f``
    (6 decimals) unless ``precision``/``scientific``/``shortest``; bools ``true``/``false``."""
    if isinstance(input, RaggedTensor):
        return input.with_flat_values(as_string(input.flat_values, precision, scientific, shortest, width, fill)._value)
    v = getattr(input, "_value", None)
    a = np.asarray(v if v is not None else input)
    if a.dtype == object:
        raise InvalidArgumentError("tf.strings.as_string: input is already a string tensor.")
    if fill not in ("", " ", "0"):
        raise InvalidArgumentError(f"tf.strings.as_string: fill must be '', ' ' or '0'; got {fill!r}.")
    out = []
    for e in a.flat:
        if a.dtype.kind == "b":
            s = "true" if e else "false"
        elif a.dtype.kind in "iu":
            s = str(int(e))
        elif a.dtype.kind == "c":
            s = f"({_fmt_float(e.real, precision, scientific, shortest)},{_fmt_float(e.imag, precision, scientific, shortest)})"
        else:
            s = _fmt_float(float(e), precision, scientific, shortest)
        if width > 0 and _builtin_len(s) < width:
            if fill == "0" and s[:1] == "-":
                s = "-" + s[1:].rjust(width - 1, "0")
            else:
                s = s.rjust(width, "0" if fill == "0" else " ")
        out.append(s.encode())
    return _wrap(_obj(a.shape, out))


def format(template: str, inputs: Any, placeholder: str = "{}", summarize: int = 3, name: Any = None) -> Any:  # noqa: A001
    """Fill ``placeholder``s in ``template`` with tensor values printed as ``tf.print`` does."""
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    parts = template.split(placeholder)
    if _builtin_len(parts) - 1 != _builtin_len(inputs):
        raise InvalidArgumentError(f"tf.strings.format: {len(parts) - 1} placeholders in the template but "
                                   f"{len(inputs)} inputs.")
    out = parts[0]
    for x, p in zip(inputs, parts[1:]):
        out += _format_value(x, summarize) + p
    return _wrap(np.array(out.encode(), dtype=object))


def _format_value(x: Any, summarize: int) -> str:
    v = getattr(x, "_value", None)
    if v is None:
        return str(x)
    a = np.asarray(v)
    if a.dtype == object:
        a = np.vectorize(lambda e: e.decode("utf-8", "replace") if isinstance(e, bytes) else str(e), otypes=[object])(a)
        if a.ndim == 0:
            return str(a[()])
        return np.array2string(a.astype(str), threshold=max(2 * summarize, 1), edgeitems=summarize,
                               separator=" ", formatter={"all": lambda s: f'"{s}"'})
    if a.dtype.kind == "f":
        digits = (6, 9) if a.dtype.itemsize <= 4 else (15, 17)
        element = lambda e: _float_text(e, a.dtype.type, digits)  # noqa: E731
    elif a.dtype.kind == "b":
        element = lambda e: "1" if e else "0"  # noqa: E731
    else:
        element = str
    if a.ndim == 0:
        return element(a[()])
    return np.array2string(a, threshold=max(2 * summarize, 1), edgeitems=summarize, separator=" ",
                           formatter={"all": element})


def _float_text(value: Any, kind: type, digits: tuple) -> str:
    """TF's float printing: the short form (6 or 15 significant digits) when it reads back as the
    same value, else 9 or 17 digits (``FloatToBuffer``/``DoubleToBuffer``)."""
    short = "%.*g" % (digits[0], value)
    if np.isnan(value) or np.isinf(value) or kind(short) == value:
        return short
    return "%.*g" % (digits[1], value)


# -- ragged results --------------------------------------------------------------------------------
def split(input: Any, sep: Any = None, maxsplit: int = -1, name: Any = None) -> Any:  # noqa: A002
    """Split each string on ``sep`` (runs of whitespace when None or empty, dropping empty pieces):
    a 1-D Tensor for a scalar input, else a RaggedTensor with one more dimension (``tf.strings.split``)."""
    s = None if sep is None else _b(sep if isinstance(sep, (str, bytes)) else _strings(sep, "split")[()])
    m = int(maxsplit)
    if not s:
        fn = (lambda t: t.split(None, m)) if m >= 0 else (lambda t: t.split())
    else:
        fn = lambda t: t.split(s, m)  # noqa: E731
    return _split_rows(input, fn, "split")


def bytes_split(input: Any, name: Any = None) -> Any:  # noqa: A002
    """Each string as a sequence of single bytes (ragged)."""
    return _split_rows(input, lambda t: [t[i:i + 1] for i in range(_builtin_len(t))], "bytes_split")


def _check_enc(enc: str, op: str) -> str:
    e = enc.upper().replace("-", "")
    names = {"UTF8": "utf-8", "UTF16BE": "utf-16-be", "UTF32BE": "utf-32-be"}
    if e not in names:
        raise ValueError(f"tf.strings.{op}: unsupported encoding {enc!r}; use 'UTF-8', 'UTF-16-BE' or 'UTF-32-BE'.")
    return names[e]


def _decoder(enc: str, errors: str, replacement_char: int, op: str) -> Callable[[bytes], str]:
    py = _check_enc(enc, op)
    if errors not in ("replace", "ignore", "strict"):
        raise ValueError(f"tf.strings.{op}: errors must be 'strict', 'replace' or 'ignore'; got {errors!r}.")

    def dec(s: bytes) -> str:
        try:
            return s.decode(py, "strict")
        except UnicodeDecodeError:
            if errors == "strict":
                raise InvalidArgumentError(f"tf.strings.{op}: invalid {enc} string {s!r}.") from None
            if errors == "ignore":
                return s.decode(py, "ignore")
            return s.decode(py, "replace").replace("\ufffd", chr(replacement_char))
    return dec


def unicode_split(input: Any, input_encoding: str, errors: str = "replace", replacement_char: int = 65533,  # noqa: A002
                  name: Any = None) -> Any:
    """Each string as its characters, each character re-encoded (ragged of strings)."""
    dec = _decoder(input_encoding, errors, replacement_char, "unicode_split")
    py = _check_enc(input_encoding, "unicode_split")
    return _split_rows(input, lambda t: [c.encode(py) for c in dec(t)], "unicode_split")


def unicode_decode(input: Any, input_encoding: str, errors: str = "replace", replacement_char: int = 65533,  # noqa: A002
                   replace_control_characters: bool = False, name: Any = None) -> Any:
    """Each string as its Unicode code points (ragged int32), ``tf.strings.unicode_decode``."""
    dec = _decoder(input_encoding, errors, replacement_char, "unicode_decode")

    def cps(t: bytes) -> list:
        out = [ord(c) for c in dec(t)]
        if replace_control_characters:
            out = [replacement_char if (c < 32 or 127 <= c < 160) else c for c in out]
        return out
    return _split_rows(input, cps, "unicode_decode", np.int32)


def unicode_encode(input: Any, output_encoding: str, errors: str = "replace", replacement_char: int = 65533,  # noqa: A002
                   name: Any = None) -> Any:
    """Code points (a Tensor whose last axis is the characters, or a RaggedTensor) to strings."""
    py = _check_enc(output_encoding, "unicode_encode")

    def enc(row: Any) -> bytes:
        chars = []
        for c in np.asarray(row).reshape(-1):
            c = int(c)
            if not 0 <= c <= 0x10FFFF or 0xD800 <= c <= 0xDFFF:
                if errors == "strict":
                    raise InvalidArgumentError(f"tf.strings.unicode_encode: invalid code point {c}.")
                if errors == "ignore":
                    continue
                c = replacement_char
            chars.append(chr(c))
        return "".join(chars).encode(py)
    if isinstance(input, RaggedTensor):
        if input.ragged_rank != 1:
            raise NotImplementedError("tf.strings.unicode_encode: only ragged_rank 1 is supported.")
        rows = [enc(r.numpy()) for r in input]
        return _wrap(_obj((_builtin_len(rows),), rows))
    a = np.asarray(getattr(input, "_value", input))
    if a.ndim == 1:
        return _wrap(np.array(enc(a), dtype=object))
    lead = a.shape[:-1]
    out = np.empty(lead, dtype=object)
    for idx in np.ndindex(*lead):
        out[idx] = enc(a[idx])
    return _wrap(out)


def unicode_transcode(input: Any, input_encoding: str, output_encoding: str, errors: str = "replace",  # noqa: A002
                      replacement_char: int = 65533, replace_control_characters: bool = False, name: Any = None) -> Any:
    dec = _decoder(input_encoding, errors, replacement_char, "unicode_transcode")
    py = _check_enc(output_encoding, "unicode_transcode")
    return _map(input, lambda s: dec(s).encode(py), "unicode_transcode")


def ngrams(data: Any, ngram_width: Any, separator: str = " ", pad_values: Any = None, padding_width: Any = None,
           preserve_short_sequences: bool = False, name: Any = None) -> Any:
    """Joined n-grams of the innermost sequences (``tf.strings.ngrams``): a 1-D input gives a 1-D
    Tensor, a 2-D Tensor or RaggedTensor gives a RaggedTensor; several widths are concatenated per row."""
    widths = [int(w) for w in (ngram_width if isinstance(ngram_width, (list, tuple)) else [ngram_width])]
    sep = _b(separator)
    if pad_values is not None:
        lp, rp = (pad_values if isinstance(pad_values, (list, tuple)) else (pad_values, pad_values))
        lp, rp = _b(lp), _b(rp)
    else:
        lp = rp = None

    def row(seq: list) -> list:
        out = []
        for w in widths:
            if w < 1:
                raise InvalidArgumentError(f"tf.strings.ngrams: ngram_width must be >= 1; got {w}.")
            pw = (w - 1) if padding_width is None else min(int(padding_width), w - 1)
            s = ([lp] * pw if lp is not None else []) + list(seq) + ([rp] * pw if rp is not None else [])
            grams = [sep.join(s[i:i + w]) for i in range(_builtin_len(s) - w + 1)]
            if not grams and preserve_short_sequences and seq:
                grams = [sep.join(s)]
            out.extend(grams)
        return out

    if isinstance(data, RaggedTensor):
        if data.ragged_rank != 1:
            raise NotImplementedError("tf.strings.ngrams: only ragged_rank 1 is supported.")
        rows = [row(list(np.asarray(r.numpy()).flat)) for r in data]
        return stack_rows([_obj((_builtin_len(r),), r) for r in rows])
    a = _strings(data, "ngrams")
    if a.ndim == 1:
        r = row(list(a))
        return _wrap(_obj((_builtin_len(r),), r))
    if a.ndim == 2:
        return stack_rows([_obj((_builtin_len(r),), r) for r in (row(list(x)) for x in a)])
    raise NotImplementedError("tf.strings.ngrams: only 1-D and 2-D inputs are supported.")


# -- hashing ---------------------------------------------------------------------------------------
def _buckets(n: Any, op: str) -> int:
    n = int(getattr(n, "_value", n))
    if n < 1:
        raise InvalidArgumentError(f"tf.strings.{op}: num_buckets must be >= 1; got {n}.")
    return n


def to_hash_bucket_fast(input: Any, num_buckets: int, name: Any = None) -> Any:  # noqa: A002
    """``Fingerprint64(s) % num_buckets`` per string (int64), TF's FarmHash fingerprint: the same
    buckets as TF and Keras's ``Hashing`` layer."""
    from ._farmhash import fingerprint64
    n = _buckets(num_buckets, "to_hash_bucket_fast")
    return _map(input, lambda s: fingerprint64(s) % n, "to_hash_bucket_fast", np.int64)


def to_hash_bucket(string_tensor: Any, num_buckets: int, name: Any = None) -> Any:
    """TF's legacy ``Hash64(s) % num_buckets`` (``tf.strings.to_hash_bucket``)."""
    from ._farmhash import tf_hash64
    n = _buckets(num_buckets, "to_hash_bucket")
    return _map(string_tensor, lambda s: tf_hash64(s) % n, "to_hash_bucket", np.int64)


def to_hash_bucket_strong(input: Any, num_buckets: int, key: Sequence[int], name: Any = None) -> Any:  # noqa: A002
    """Keyed SipHash-2-4 ``% num_buckets`` with ``key`` (two integers), as TF."""
    from ._farmhash import siphash24
    n = _buckets(num_buckets, "to_hash_bucket_strong")
    if len(key) != 2:
        raise InvalidArgumentError("tf.strings.to_hash_bucket_strong: key must be two integers.")
    k0, k1 = (int(k) & ((1 << 64) - 1) for k in key)
    return _map(input, lambda s: siphash24(k0, k1, s) % n, "to_hash_bucket_strong", np.int64)
