"""``tf.audio``: ``decode_wav`` and ``encode_wav`` for 16-bit PCM WAV data, as TF.

* ``decode_wav(contents, desired_channels=-1, desired_samples=-1)`` returns ``(audio, sample_rate)``:
  float32 ``[samples, channels]`` with ``sample / 32768`` and an int32 scalar rate. Extra channels
  are dropped and missing ones repeat the file's last channel; ``desired_samples`` truncates or pads
  with zeros. Only 16-bit PCM is read (other sample sizes raise InvalidArgumentError, as TF).
* ``encode_wav(audio, sample_rate)`` writes 16-bit PCM: ``round(x * 32768)`` (half away from zero)
  saturated to int16, in TF's 44-byte header layout.
"""
from __future__ import annotations

import collections
import struct
from typing import Any, Tuple

import numpy as np

from .errors import InvalidArgumentError
from .image._codecs import _bytes
from .tensor import Tensor

__all__ = ["decode_wav", "encode_wav"]

DecodeWav = collections.namedtuple("DecodeWav", ["audio", "sample_rate"])


def _wrap(a: np.ndarray) -> Tensor:
    t = object.__new__(Tensor)
    t._value = a if (a.ndim or a.dtype == object) else a[()]
    return t


def _int_arg(x: Any, what: str) -> int:
    v = np.asarray(getattr(x, "_value", x))
    if v.ndim != 0 or not np.issubdtype(v.dtype, np.integer):
        raise InvalidArgumentError(f"tf.audio: {what} must be an integer scalar; got {v!r}.")
    return int(v)


def _parse(data: bytes) -> Tuple[np.ndarray, int]:
    """Samples (int16, ``[frames, channels]``) and rate of a RIFF/WAVE PCM file."""
    if len(data) < 12:
        raise InvalidArgumentError(f"decode_wav: the data is too short to be a WAV file ({len(data)} bytes).")
    if data[:4] != b"RIFF":
        raise InvalidArgumentError(f"Header mismatch: Expected RIFF but found {data[:4].decode('latin-1')}")
    if data[8:12] != b"WAVE":
        raise InvalidArgumentError(f"Header mismatch: Expected WAVE but found {data[8:12].decode('latin-1')}")
    pos, fmt, samples = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            if len(body) < 16:
                raise InvalidArgumentError(f"decode_wav: the 'fmt ' chunk is {len(body)} bytes; expected at least 16.")
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            if fmt is None:
                raise InvalidArgumentError("decode_wav: the 'data' chunk comes before the 'fmt ' chunk.")
            if len(body) < size:
                raise InvalidArgumentError(f"decode_wav: the data chunk declares {size} bytes but only "
                                           f"{len(body)} are present (truncated file).")
            samples = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise InvalidArgumentError("decode_wav: no 'fmt ' chunk found in the WAV data.")
    if samples is None:
        raise InvalidArgumentError("decode_wav: no 'data' chunk found in the WAV data.")
    audio_format, channels, rate, _, _, bits = fmt
    if audio_format not in (1, 0xFFFE):
        raise InvalidArgumentError(f"decode_wav: only PCM WAV files are supported; got audio format {audio_format}.")
    if bits != 16:
        raise InvalidArgumentError(f"Can only read 16-bit WAV files, but received {bits}")
    if channels < 1:
        raise InvalidArgumentError(f"decode_wav: the file declares {channels} channels.")
    frames = len(samples) // (2 * channels)
    pcm = np.frombuffer(samples[:frames * 2 * channels], dtype="<i2").reshape(frames, channels)
    return pcm, int(rate)


def decode_wav(contents: Any, desired_channels: Any = -1, desired_samples: Any = -1, name: Any = None) -> Any:
    """Decode a 16-bit PCM WAV file into float32 ``[samples, channels]`` in [-1, 1) and its sample
    rate (``tf.audio.decode_wav``)."""
    dc, ds = _int_arg(desired_channels, "desired_channels"), _int_arg(desired_samples, "desired_samples")
    pcm, rate = _parse(_bytes(contents, "decode_wav"))
    audio = pcm.astype(np.float32) / np.float32(32768.0)
    if dc > 0 and dc != audio.shape[1]:
        idx = np.minimum(np.arange(dc), audio.shape[1] - 1)
        audio = audio[:, idx]
    if ds >= 0 and ds != audio.shape[0]:
        if ds < audio.shape[0]:
            audio = audio[:ds]
        else:
            audio = np.concatenate([audio, np.zeros((ds - audio.shape[0], audio.shape[1]), np.float32)])
    return DecodeWav(_wrap(np.ascontiguousarray(audio)), _wrap(np.array(rate, dtype=np.int32)))


def encode_wav(audio: Any, sample_rate: Any, name: Any = None) -> Tensor:
    """Encode float ``[samples, channels]`` audio as a 16-bit PCM WAV file (``tf.audio.encode_wav``)."""
    a = np.asarray(getattr(audio, "_value", audio))
    if a.dtype != np.float32:
        raise InvalidArgumentError(f"encode_wav: audio must be float32; got {a.dtype}.")
    if a.ndim != 2:
        raise InvalidArgumentError(f"encode_wav: audio must be 2-D [samples, channels]; got shape {list(a.shape)}.")
    rate = _int_arg(sample_rate, "sample_rate")
    frames, channels = a.shape
    q = np.clip(np.round(a.astype(np.float64) * 32768.0), -32768, 32767)
    # np.round rounds half to even; TF's std::round rounds half away from zero
    x = a.astype(np.float64) * 32768.0
    half = np.abs(x - np.trunc(x)) == 0.5
    q = np.where(half, np.clip(np.trunc(x) + np.sign(x), -32768, 32767), q)
    body = q.astype("<i2").tobytes()
    header = (b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE" + b"fmt "
              + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16)
              + b"data" + struct.pack("<I", len(body)))
    return _wrap(np.array(header + body, dtype=object))
