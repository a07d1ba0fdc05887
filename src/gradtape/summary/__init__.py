"""``tf.summary``: write TensorBoard event files (scalars, histograms, images, text, audio, graphs).

Mirrors TF 2's summary API: ``create_file_writer(logdir)`` gives a :class:`SummaryWriter`; inside
``with writer.as_default(step=...)`` (or after ``writer.set_as_default()``) the ops ``scalar``,
``histogram``, ``image``, ``text``, ``audio`` and ``write`` append events to the writer's file. As in TF they
return ``False`` and write nothing when there is no default writer or recording is off (``record_if``),
and raise ``ValueError`` when a writer is set but no step was given (argument, ``as_default(step)`` or
``experimental.set_step``). The default writer and step are per thread, as in TF.

The files are real TensorBoard event files (``events.out.tfevents.<time>.<host>.<pid>.<n>.v2``): records
framed as TFRecords (length, masked CRC32C) holding ``tensorboard.compat.proto`` ``Event`` messages with
the same plugin metadata and tensor layouts TF writes, so TensorBoard and its ``EventAccumulator`` read
them. Needs the ``tensorboard`` package (``pip install gradtape[tensorboard]``).

``graph(obj)`` accepts a ``GraphDef`` proto, a Keras model (one node per layer, edges from its
inbound layers) or a ``GradientTape`` (one node per recorded op) -- gradtape has no TF graphs, so this is
a display of the structure, not an executable graph. ``trace_on`` / ``trace_export`` / ``trace_off`` write the
graphs of the ``tf.function`` calls made in between (see ``_trace.py``).
"""
from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
import time
import zlib
from typing import Any, Callable, Iterator, Optional, Union

import numpy as np

from ..io.tfrecord import masked_crc32c

__all__ = ["SummaryWriter", "create_file_writer", "create_noop_writer", "scalar", "histogram", "image", "text",
           "audio", "write", "graph", "record_if", "should_record_summaries", "flush", "experimental",
           "trace_on", "trace_off", "trace_export"]


def _tb() -> Any:
    try:
        from tensorboard.compat.proto import event_pb2, graph_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("tf.summary needs the 'tensorboard' package: pip install 'gradtape[tensorboard]' "
                          "(or pip install tensorboard).") from e
    return event_pb2, graph_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2


class _State(threading.local):
    def __init__(self) -> None:
        self.writer: Optional["SummaryWriter"] = None
        self.step: Any = None
        self.record: Any = True


_state = _State()
_file_counter = [0]
_counter_lock = threading.Lock()


def _value(x: Any) -> np.ndarray:
    v = getattr(x, "_value", None)
    if v is None and hasattr(x, "numpy"):
        v = x.numpy()
    return np.asarray(x if v is None else v)


def _resolve_step(step: Any) -> int:
    if step is None:
        step = _state.step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument or through "
                         "tf.summary.experimental.set_step()")
    return int(_value(step))


class SummaryWriter:
    """A file writer for TensorBoard events (``tf.summary.SummaryWriter``); make one with
    :func:`create_file_writer`. Events are appended to an open file and flushed every ``max_queue`` events,
    every ``flush_millis`` ms, on :meth:`flush` and on :meth:`close`."""

    def __init__(self, logdir: Optional[str], max_queue: Optional[int] = None, flush_millis: Optional[int] = None,
                 filename_suffix: Optional[str] = None) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._f = None
        self._pending = 0
        self._max_queue = 10 if max_queue is None else int(max_queue)
        self._flush_secs = (120000 if flush_millis is None else int(flush_millis)) / 1000.0
        self._last_flush = time.time()
        self.logdir = None if logdir is None else os.fspath(logdir)
        if self.logdir is None:
            return
        _tb()
        os.makedirs(self.logdir, exist_ok=True)
        with _counter_lock:
            n = _file_counter[0]
            _file_counter[0] += 1
        suffix = ".v2" if filename_suffix is None else str(filename_suffix)
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{n}{suffix}"
        self.path = os.path.join(self.logdir, name)
        self._f = open(self.path, "ab")
        ev = _tb()[0].Event(wall_time=time.time(), file_version="brain.Event:2")
        self._write_record(ev.SerializeToString())
        self._f.flush()

    def _write_record(self, data: bytes) -> None:
        header = struct.pack("<Q", len(data))
        self._f.write(header + struct.pack("<I", masked_crc32c(header)) + data
                      + struct.pack("<I", masked_crc32c(data)))

    def _write_event(self, event: Any) -> bool:
        if self._f is None:
            return False
        with self._lock:
            if self._closed:
                raise RuntimeError("SummaryWriter is already closed; create a new writer.")
            self._write_record(event.SerializeToString())
            self._pending += 1
            if self._pending >= self._max_queue or time.time() - self._last_flush >= self._flush_secs:
                self._flush_locked()
        return True

    def _flush_locked(self) -> None:
        if self._f is not None and not self._closed:
            self._f.flush()
        self._pending = 0
        self._last_flush = time.time()

    def set_as_default(self, step: Any = None) -> None:
        """Make this the default writer for the current thread (and set the default step if given)."""
        _state.writer = self
        if step is not None:
            _state.step = step

    @contextlib.contextmanager
    def as_default(self, step: Any = None) -> Iterator["SummaryWriter"]:
        """Within the block, summary ops write to this writer (and use ``step`` as default step if given);
        the previous writer and step come back at exit, and the writer is flushed, as in TF."""
        old_writer, old_step = _state.writer, _state.step
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            self.flush()
            _state.writer = old_writer
            if step is not None:
                _state.step = old_step

    def init(self) -> None:
        """No-op: the file is opened at creation (TF's eager writer does the same)."""

    def flush(self) -> None:
        """Write buffered events to disk."""
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        """Flush and close the file; later writes raise."""
        with self._lock:
            if self._f is not None and not self._closed:
                self._f.flush()
                self._f.close()
            self._closed = True

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def create_file_writer(logdir: Any, max_queue: Optional[int] = None, flush_millis: Optional[int] = None,
                       filename_suffix: Optional[str] = None, name: Optional[str] = None,
                       experimental_trackable: bool = False,
                       experimental_mesh: Any = None) -> SummaryWriter:
    """Create a :class:`SummaryWriter` writing an event file under ``logdir`` (``tf.summary.create_file_writer``)."""
    if logdir is None:
        raise ValueError("Expected logdir to be a string, got None.")
    return SummaryWriter(logdir, max_queue, flush_millis, filename_suffix)


def create_noop_writer() -> SummaryWriter:
    """A writer that writes nothing (``tf.summary.create_noop_writer``)."""
    return SummaryWriter(None)


@contextlib.contextmanager
def record_if(condition: Union[bool, Callable[[], bool], Any]) -> Iterator[None]:
    """Within the block, summaries are written only if ``condition`` (a bool, tensor or callable) is true."""
    old = _state.record
    _state.record = condition
    try:
        yield
    finally:
        _state.record = old


def should_record_summaries() -> bool:
    """Whether summary ops would write now: a default writer is set and recording is on."""
    if _state.writer is None or _state.writer._f is None:
        return False
    cond = _state.record
    if callable(cond):
        cond = cond()
    return bool(_value(cond))


def flush(writer: Optional[SummaryWriter] = None, name: Optional[str] = None) -> None:
    """Flush ``writer`` (default: the current default writer)."""
    w = writer if writer is not None else _state.writer
    if w is not None:
        w.flush()


# ---------------------------------------------------------------------------------------------- tensors

_DT = {np.dtype(np.float32): 1, np.dtype(np.float64): 2, np.dtype(np.int32): 3, np.dtype(np.uint8): 4,
       np.dtype(np.int16): 5, np.dtype(np.int8): 6, np.dtype(np.int64): 9, np.dtype(np.bool_): 10,
       np.dtype(np.float16): 19, np.dtype(np.uint16): 17, np.dtype(np.uint32): 22, np.dtype(np.uint64): 23}


def _tensor_proto(a: Any) -> Any:
    tensor_pb2, shape_pb2 = _tb()[3], _tb()[4]
    shape = shape_pb2.TensorShapeProto(dim=[shape_pb2.TensorShapeProto.Dim(size=int(d)) for d in np.shape(a)])
    if isinstance(a, np.ndarray) and a.dtype.kind in "fiub":
        if a.dtype not in _DT:
            raise TypeError(f"tf.summary: unsupported dtype {a.dtype}")
        return tensor_pb2.TensorProto(dtype=_DT[a.dtype], tensor_shape=shape,
                                      tensor_content=np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes())
    flat = [x if isinstance(x, bytes) else str(x).encode("utf-8") for x in np.asarray(a, dtype=object).reshape(-1)]
    return tensor_pb2.TensorProto(dtype=7, tensor_shape=shape, string_val=flat)


def _metadata(plugin: str, content: bytes = b"", description: Optional[str] = None,
              display_name: Optional[str] = None) -> Any:
    summary_pb2 = _tb()[2]
    md = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin, content=content))
    if description:
        md.summary_description = description
    if display_name:
        md.display_name = display_name
    return md


def _emit(tag: str, tensor: np.ndarray, step: Any, metadata: Any) -> bool:
    if not should_record_summaries():
        return False
    writer = _state.writer
    s = _resolve_step(step)
    event_pb2, _, summary_pb2, _, _ = _tb()
    summ = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=metadata,
                                                               tensor=_tensor_proto(tensor))])
    return writer._write_event(event_pb2.Event(wall_time=time.time(), step=s, summary=summ))


def _full_name(name: str) -> str:
    from .. import _scope
    return _scope.current() + name


def write(tag: str, tensor: Any, step: Any = None, metadata: Any = None, name: Optional[str] = None) -> bool:
    """Write ``tensor`` under ``tag`` with optional ``SummaryMetadata`` (``tf.summary.write``)."""
    if not should_record_summaries():
        return False
    if metadata is None:
        metadata = _tb()[2].SummaryMetadata()
    elif isinstance(metadata, bytes):
        metadata = _tb()[2].SummaryMetadata.FromString(metadata)
    return _emit(_full_name(tag), _value(tensor), step, metadata)


def scalar(name: str, data: Any, step: Any = None, description: Optional[str] = None) -> bool:
    """Write a scalar (stored as float32, plugin ``scalars``) (``tf.summary.scalar``)."""
    if not should_record_summaries():
        return False
    a = _value(data)
    if a.ndim != 0:
        raise ValueError(f"tf.summary.scalar: data must be a scalar; got shape {a.shape} for '{name}'.")
    return _emit(_full_name(name), a.astype(np.float32), step, _metadata("scalars", b"", description))


def _histogram_buckets(data: np.ndarray, bucket_count: int) -> np.ndarray:
    data = data.reshape(-1).astype(np.float64)
    bucket_count = max(0, int(bucket_count))
    if data.size == 0 or bucket_count == 0:
        return np.zeros((bucket_count, 3), np.float64)
    lo, hi = data.min(), data.max()
    if hi - lo == 0:
        counts = np.zeros(bucket_count)
        counts[-1] = data.size
        edges = np.full(bucket_count, hi)
        return np.stack([edges, edges, counts], axis=1)
    width = (hi - lo) / bucket_count
    idx = np.minimum(np.floor((data - lo) / width).astype(np.int64), bucket_count - 1)
    counts = np.bincount(idx, minlength=bucket_count).astype(np.float64)
    edges = np.linspace(lo, hi, bucket_count + 1)
    edges[-1] = hi
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def histogram(name: str, data: Any, step: Any = None, buckets: Optional[int] = None,
              description: Optional[str] = None) -> bool:
    """Write a histogram of ``data`` as a ``[buckets, 3]`` float64 tensor of (left, right, count), 30 equal-width
    buckets by default (``tf.summary.histogram``, plugin ``histograms``)."""
    if not should_record_summaries():
        return False
    b = _histogram_buckets(_value(data), 30 if buckets is None else buckets)
    return _emit(_full_name(name), b, step, _metadata("histograms", b"", description))


def _png(img: np.ndarray) -> bytes:
    h, w, c = img.shape
    color = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + img[i].tobytes() for i in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def image(name: str, data: Any, step: Any = None, max_outputs: int = 3, description: Optional[str] = None) -> bool:
    """Write up to ``max_outputs`` images of a ``[k, h, w, c]`` batch (c in 1..4) as PNGs (``tf.summary.image``):
    floats are taken in [0, 1] and converted to uint8 as ``tf.image.convert_image_dtype(saturate=True)``."""
    if not should_record_summaries():
        return False
    a = _value(data)
    if a.ndim != 4 or a.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"tf.summary.image: data must have shape [k, h, w, c] with c in 1..4; got {a.shape}.")
    if a.dtype.kind == "f":
        a = np.clip(a.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
    elif a.dtype != np.uint8:
        raise TypeError(f"tf.summary.image: data must be float or uint8; got {a.dtype}.")
    a = a[:max_outputs]
    parts = [str(a.shape[2]).encode(), str(a.shape[1]).encode()] + [_png(np.ascontiguousarray(im)) for im in a]
    return _emit(_full_name(name), np.array(parts, dtype=object), step, _metadata("images", b"", description))


def text(name: str, data: Any, step: Any = None, description: Optional[str] = None) -> bool:
    """Write a string tensor (markdown) (``tf.summary.text``, plugin ``text``)."""
    if not should_record_summaries():
        return False
    a = _value(data)
    if a.dtype.kind not in "USO":
        raise TypeError(f"tf.summary.text: data must be a string tensor; got {a.dtype}.")
    return _emit(_full_name(name), np.asarray(a, dtype=object), step, _metadata("text", b"", description))


def _wav(samples: np.ndarray, rate: int) -> bytes:
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    ch = samples.shape[1]
    body = pcm.tobytes()
    fmt = struct.pack("<HHIIHH", 1, ch, rate, rate * ch * 2, ch * 2, 16)
    return (b"RIFF" + struct.pack("<I", 36 + len(body)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", len(body)) + body)


def audio(name: str, data: Any, sample_rate: Any, step: Any = None, max_outputs: int = 3,
          encoding: Optional[str] = None, description: Optional[str] = None) -> bool:
    """Write up to ``max_outputs`` clips of a ``[k, t, c]`` float batch in [-1, 1] as 16-bit WAV
    (``tf.summary.audio``, plugin ``audio``)."""
    if not should_record_summaries():
        return False
    if encoding not in (None, "wav"):
        raise ValueError(f"tf.summary.audio: unknown encoding {encoding!r}; only 'wav' is supported.")
    a = _value(data).astype(np.float64)
    if a.ndim != 3:
        raise ValueError(f"tf.summary.audio: data must have shape [k, t, c]; got {a.shape}.")
    rate = int(_value(sample_rate))
    clips = [[_wav(c, rate), b""] for c in a[:max_outputs]]
    from tensorboard.plugins.audio import metadata as audio_md
    md = audio_md.create_summary_metadata(display_name=None, description=description,
                                          encoding=audio_md.Encoding.Value("WAV"))
    return _emit(_full_name(name), np.array(clips, dtype=object).reshape(len(clips), 2), step, md)


# ---------------------------------------------------------------------------------------------- graphs

def _graph_def_from_model(model: Any) -> Any:
    graph_pb2 = _tb()[1]
    from tensorboard.compat.proto import node_def_pb2
    gd = graph_pb2.GraphDef()
    layers = list(getattr(model, "layers", []))
    prev = None
    names = {id(l): l.name for l in layers}
    for layer in layers:
        inbound = []
        for node in getattr(layer, "_inbound_nodes", None) or []:
            for il in getattr(node, "inbound_layers", None) or []:
                if id(il) in names:
                    inbound.append(names[id(il)])
        if not inbound and prev is not None and type(model).__name__ == "Sequential":
            inbound = [prev]
        nd = node_def_pb2.NodeDef(name=f"{model.name}/{layer.name}", op=type(layer).__name__,
                                  input=[f"{model.name}/{n}" for n in inbound])
        gd.node.append(nd)
        prev = layer.name
    return gd


def _graph_def_from_tape(tape: Any) -> Any:
    graph_pb2 = _tb()[1]
    from tensorboard.compat.proto import node_def_pb2
    records = getattr(tape, "_records", None)
    if records is None:
        raise ValueError("tf.summary.graph: the GradientTape holds no records (use a persistent tape, or call "
                         "graph() before tape.gradient releases them).")
    gd = graph_pb2.GraphDef()
    producer: dict = {}
    inputs_seen: dict = {}
    for i, (op, inputs, out, attrs) in enumerate(records):
        name = f"{op.name}_{i}"
        ins = []
        for x in inputs:
            if id(x) in producer:
                ins.append(producer[id(x)])
            else:
                if id(x) not in inputs_seen:
                    vname = getattr(x, "name", None) if hasattr(x, "assign") else None
                    n = vname.split(":")[0] if vname else f"input_{len(inputs_seen)}"
                    while n in inputs_seen.values() or n in producer.values():
                        n += "_"
                    inputs_seen[id(x)] = n
                    gd.node.append(node_def_pb2.NodeDef(name=n, op="VarHandleOp" if vname else "Placeholder"))
                ins.append(inputs_seen[id(x)])
        gd.node.append(node_def_pb2.NodeDef(name=name, op=str(op.name), input=ins))
        for o in (out if type(out) is tuple else (out,)):
            producer[id(o)] = name
    return gd


def graph(graph_data: Any) -> bool:
    """Write a graph for TensorBoard's Graphs tab (``tf.summary.graph``). Accepts a ``GraphDef`` proto (or its
    bytes), a Keras model or a ``GradientTape``; written without a step, as TF does."""
    if not should_record_summaries():
        return False
    event_pb2, graph_pb2 = _tb()[0], _tb()[1]
    if isinstance(graph_data, (bytes, bytearray)):
        data = bytes(graph_data)
    elif isinstance(graph_data, graph_pb2.GraphDef):
        data = graph_data.SerializeToString()
    elif hasattr(graph_data, "layers"):
        data = _graph_def_from_model(graph_data).SerializeToString()
    elif type(graph_data).__name__ == "GradientTape":
        data = _graph_def_from_tape(graph_data).SerializeToString()
    else:
        raise TypeError(f"tf.summary.graph: expected a GraphDef, a Keras model or a GradientTape; got "
                        f"{type(graph_data).__name__}. gradtape has no tf.Graph.")
    return _state.writer._write_event(event_pb2.Event(wall_time=time.time(), graph_def=data))


class _Experimental:
    """``tf.summary.experimental``: the default step."""

    @staticmethod
    def get_step() -> Any:
        """The default step of this thread (None if unset)."""
        return _state.step

    @staticmethod
    def set_step(step: Any) -> None:
        """Set the default step used by summary ops without ``step=`` (an int or an int64 Variable)."""
        _state.step = step

    @staticmethod
    def write_raw_pb(tensor: Any, step: Any = None, name: Optional[str] = None) -> bool:
        """Write serialized ``Summary`` protos (bytes) as events."""
        if not should_record_summaries():
            return False
        event_pb2, _, summary_pb2, _, _ = _tb()
        s = _resolve_step(step)
        ok = True
        for b in np.asarray(_value(tensor), dtype=object).reshape(-1):
            ok = _state.writer._write_event(event_pb2.Event(wall_time=time.time(), step=s,
                                                            summary=summary_pb2.Summary.FromString(bytes(b)))) and ok
        return ok


experimental = _Experimental()


from ._trace import trace_export, trace_off, trace_on  # noqa: E402
