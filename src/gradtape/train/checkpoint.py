"""``tf.train.Checkpoint`` and ``CheckpointManager``: object-based checkpoints of variables, models and
optimizers (iterations, learning rate and slots), so an interrupted training resumes exactly.

A checkpoint ``<prefix>`` is one self-contained NumPy archive ``<prefix>.data-00000-of-00001`` (every value
keyed by its object path, e.g. ``model/weights/3``, ``optimizer/slots/model/weights/3/m``, plus a JSON
description) and a small ``<prefix>.index`` JSON summary written after it; both are written atomically
(temporary file, fsync, ``os.replace``), and ``restore`` reads only the data file, so a crash mid-save
never leaves a corrupt checkpoint in place of a good one. The data file carries a SHA-256 digest of its
values: a truncated or bit-flipped checkpoint raises ``tf.errors.DataLossError`` instead of loading. The directory's ``checkpoint`` file (TF's text
format) names the latest one for :func:`latest_checkpoint`.

Optimizer slots are saved under the path of the variable they belong to, so they are restored onto the
new objects' variables (slots are keyed by variable identity at run time).
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..devices import to_host as _to_host

from ..errors import DataLossError
from ..variable import Variable
from ..keras import saving as _saving

DATA_SUFFIX = ".data-00000-of-00001"
INDEX_SUFFIX = ".index"


def _is_variable(x: Any) -> bool:
    return hasattr(type(x), "_gt_read") and hasattr(x, "_value")


def _is_optimizer(x: Any) -> bool:
    return hasattr(x, "_slot_items") and hasattr(x, "_restore_slots")


def _weights(x: Any) -> Optional[list]:
    for attr in ("weights", "variables"):
        w = getattr(x, attr, None)
        if w is None:
            continue
        if callable(w) and not isinstance(w, list):
            try:
                w = w()
            except TypeError:
                continue
        try:
            return list(w)
        except TypeError:
            continue
    return None


def _collect(prefix: str, obj: Any, variables: List[Tuple[str, Any]], optimizers: List[Tuple[str, Any]],
             seen: set) -> None:
    if obj is None or id(obj) in seen:
        return
    seen.add(id(obj))
    if _is_variable(obj):
        variables.append((prefix, obj))
        return
    if _is_optimizer(obj) or hasattr(obj, "_checkpoint_state"):
        optimizers.append((prefix, obj))  # stateful objects: optimizers, dataset iterators
        return
    if isinstance(obj, Checkpoint):
        for k, v in obj._objects.items():
            _collect(f"{prefix}/{k}", v, variables, optimizers, seen)
        return
    if isinstance(obj, dict):
        for k in sorted(obj, key=str):
            _collect(f"{prefix}/{k}", obj[k], variables, optimizers, seen)
        return
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _collect(f"{prefix}/{i}", v, variables, optimizers, seen)
        return
    if hasattr(obj, "_flatten") and hasattr(obj, "name_scope") and not getattr(type(obj), "_gt_layer", False):
        # a tf.Module: its variables (and optimizers) keyed by attribute path, as TF's object graph
        for path, leaf in obj._flatten(predicate=lambda x: _is_variable(x) or _is_optimizer(x), with_path=True):
            _collect("/".join([prefix] + [str(p) for p in path]), leaf, variables, optimizers, seen)
        return
    w = _weights(obj)
    if w is not None:
        for i, v in enumerate(w):
            if _is_variable(v):
                variables.append((f"{prefix}/weights/{i}", v))
        opt = getattr(obj, "optimizer", None)
        if opt is not None and _is_optimizer(opt):  # a compiled model tracks its optimizer, as in TF
            _collect(f"{prefix}/optimizer", opt, variables, optimizers, seen)
        return
    raise ValueError(f"Checkpoint: cannot track {prefix!r} of type {type(obj).__name__}: pass Variables, "
                     "layers/models (objects with .weights), optimizers, or lists/dicts of them.")


class CheckpointLoadStatus:
    """What ``restore`` matched (``tf.train.Checkpoint.restore``'s status object)."""

    def __init__(self, path: Optional[str], unused_in_file: List[str], missing_in_file: List[str]):
        self.path = path
        self.unused_in_file = unused_in_file
        self.missing_in_file = missing_in_file

    def assert_consumed(self) -> "CheckpointLoadStatus":
        """Raise AssertionError unless every value in the file was restored and every object matched."""
        if self.unused_in_file or self.missing_in_file:
            raise AssertionError(
                f"Checkpoint {self.path}: unmatched values. In the file but not in the objects: "
                f"{self.unused_in_file[:10]}; in the objects but not in the file: {self.missing_in_file[:10]}. "
                "Build models (call them once) before restoring, or use expect_partial().")
        return self

    def assert_existing_objects_matched(self) -> "CheckpointLoadStatus":
        """Raise AssertionError if some object's variable found no value in the file."""
        if self.missing_in_file:
            raise AssertionError(f"Checkpoint {self.path}: no value for {self.missing_in_file[:10]}.")
        return self

    def assert_nontrivial_match(self) -> "CheckpointLoadStatus":
        return self

    def expect_partial(self) -> "CheckpointLoadStatus":
        """Silence the partial-restore checks (a no-op: gradtape never warns at exit)."""
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        return None

    def initialize_or_restore(self, session: Any = None) -> None:
        return None


class Checkpoint:
    """Group objects to save and restore together (``tf.train.Checkpoint(model=..., optimizer=...)``).

    ``save(prefix)`` writes ``prefix-<save_counter>`` and returns that path; ``write(path)`` writes exactly
    ``path``; ``restore(path)`` / ``read(path)`` load (``restore(None)`` does nothing)."""

    def __init__(self, root: Any = None, **kwargs: Any):
        if root is not None:
            kwargs["root"] = root
        for k in kwargs:
            if k.startswith("_"):
                raise ValueError(f"Checkpoint: argument names may not start with '_': {k!r}.")
        object.__setattr__(self, "_objects", dict(kwargs))
        object.__setattr__(self, "_save_counter", Variable(np.int64(0), trainable=False, name="save_counter"))

    def __getattr__(self, name: str) -> Any:
        objs = self.__dict__.get("_objects", {})
        if name in objs:
            return objs[name]
        raise AttributeError(f"'Checkpoint' object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self._objects[name] = value

    @property
    def save_counter(self) -> Variable:
        """How many times ``save`` was called (an int64 Variable, saved and restored)."""
        return self._save_counter

    # -- gathering -------------------------------------------------------------------------------
    def _gather(self) -> tuple:
        variables: List[Tuple[str, Any]] = []
        optimizers: List[Tuple[str, Any]] = []
        seen: set = set()
        for k in sorted(self._objects):  # sorted: keys do not depend on keyword order
            _collect(k, self._objects[k], variables, optimizers, seen)
        return variables, optimizers

    def _values(self) -> tuple:
        variables, optimizers = self._gather()
        arrays: Dict[str, np.ndarray] = {"save_counter": np.asarray(self._save_counter._value)}
        by_id = {}
        for path, v in variables:
            arrays[path] = np.asarray(_to_host(v._value))  # written synchronously: no copy needed
            by_id.setdefault(id(v), path)
        for path, opt in optimizers:
            if not _is_optimizer(opt):
                for k, a in opt._checkpoint_state().items():
                    arrays[f"{path}/{k}"] = np.asarray(_to_host(a))
                continue
            arrays[f"{path}/iterations"] = np.asarray(opt.iterations._value)
            if getattr(opt, "_schedule", None) is None and getattr(opt, "_lr_var", None) is not None:
                arrays[f"{path}/learning_rate"] = np.asarray(_to_host(opt._lr_var._value))
            k = 0
            for var, slots in opt._slot_items():
                vpath = by_id.get(id(var))
                if vpath is None:
                    vpath = f"_untracked/{k}"
                    k += 1
                for name, buf in slots.items():
                    arrays[f"{path}/slots/{vpath}/{name}"] = _to_host(buf)    # device slots: copied
        return arrays, variables, optimizers

    # -- writing ---------------------------------------------------------------------------------
    def write(self, file_prefix: str, options: Any = None) -> str:
        """Write a checkpoint at exactly ``file_prefix`` (no counter); returns the path. The data file is
        self-contained (values, keys, shapes, dtypes and a SHA-256 digest) and is written atomically
        first; the ``.index`` summary after it carries the same digest."""
        file_prefix = os.fspath(file_prefix)
        arrays, _, _ = self._values()
        keys = sorted(arrays)
        values = [np.asarray(arrays[k]) for k in keys]
        meta = {"format": "gradtape-checkpoint", "version": 2, "keys": keys,
                "shapes": {k: list(v.shape) for k, v in zip(keys, values)},
                "dtypes": {k: v.dtype.str for k, v in zip(keys, values)},
                "sha256": _saving.arrays_digest(values, keys)}
        payload = {f"v{i:06d}": v for i, v in enumerate(values)}
        payload["__meta__"] = np.asarray(json.dumps(meta))

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                _saving._write_npz(f, payload)
        _saving.atomic_write(file_prefix + DATA_SUFFIX, write)
        _saving.atomic_write_bytes(file_prefix + INDEX_SUFFIX, json.dumps(
            {k: meta[k] for k in ("format", "version", "shapes", "dtypes", "sha256")}).encode())
        return file_prefix

    def save(self, file_prefix: str, options: Any = None) -> str:
        """Increment ``save_counter``, write ``<file_prefix>-<save_counter>`` and record it as the latest
        in the directory's ``checkpoint`` file; returns the path."""
        file_prefix = os.fspath(file_prefix)
        n = int(self._save_counter._value) + 1
        self._save_counter._value = np.int64(n)
        path = self.write(f"{file_prefix}-{n}")
        directory = os.path.dirname(os.path.abspath(path))
        state = _read_state(directory)
        all_paths = [p for p in state[1] if p != path] + [path]
        _write_state(directory, path, all_paths)
        return path

    def save_as_weights(self, file_prefix: str) -> str:
        """``write(file_prefix)`` and record it as the directory's latest checkpoint (what
        ``model.save_weights(prefix)`` does in TF's checkpoint format)."""
        path = self.write(file_prefix)
        directory = os.path.dirname(os.path.abspath(path))
        _, all_paths = _read_state(directory)
        _write_state(directory, path, [p for p in all_paths if p != path] + [path])
        return path

    # -- reading ---------------------------------------------------------------------------------
    def read(self, save_path: Optional[str], options: Any = None) -> CheckpointLoadStatus:
        """Restore from ``save_path`` (as ``restore``)."""
        return self.restore(save_path, options)

    def restore(self, save_path: Optional[str], options: Any = None) -> CheckpointLoadStatus:
        """Load values into the tracked objects (variables, model weights, optimizer iterations, learning
        rate and slots). Everything is checked before anything is assigned."""
        if save_path is None:
            return CheckpointLoadStatus(None, [], [])
        save_path = os.fspath(save_path)
        stored = _read_data(save_path)
        variables, optimizers = self._gather()
        unused = set(stored)
        missing: List[str] = []
        plan: List[Tuple[Any, np.ndarray]] = []
        for path, v in variables:
            if path not in stored:
                missing.append(path)
                continue
            a = stored[path]
            if tuple(np.shape(v._value)) != tuple(a.shape):
                raise ValueError(f"Checkpoint {save_path}: value {path!r} has shape {list(a.shape)} but "
                                 f"{getattr(v, 'name', path)!r} has shape {list(np.shape(v._value))}.")
            plan.append((v, a))
            unused.discard(path)
        by_path = {p: v for p, v in variables}
        opt_plan = []
        state_plan = []
        for path, opt in optimizers:
            if not _is_optimizer(opt):
                pre = path + "/"
                state = {k[len(pre):]: stored[k] for k in stored if k.startswith(pre)}
                if state:
                    state_plan.append((opt, state))
                    unused.difference_update(pre + k for k in state)
                else:
                    missing.append(path)
                continue
            it = stored.get(f"{path}/iterations")
            lr = stored.get(f"{path}/learning_rate")
            unused.discard(f"{path}/iterations")
            unused.discard(f"{path}/learning_rate")
            if it is None:
                missing.append(f"{path}/iterations")
            slots: Dict[str, Dict[str, np.ndarray]] = {}
            pre = f"{path}/slots/"
            for k in stored:
                if k.startswith(pre):
                    vpath, name = k[len(pre):].rsplit("/", 1)
                    if vpath in by_path:
                        slots.setdefault(vpath, {})[name] = stored[k]
                        unused.discard(k)
            opt_plan.append((opt, it, lr, slots))
        for opt, it, lr, slots in opt_plan:  # check everything before assigning anything
            for name, a in (("iterations", it), ("learning_rate", lr)):
                if a is not None and np.asarray(a).size != 1:
                    raise ValueError(f"Checkpoint {save_path}: optimizer {name} has shape {list(np.shape(a))}, "
                                     "not a scalar.")
            for vpath, arrays in slots.items():
                if hasattr(opt, "_get_state"):  # creates missing slots (as restoring would), then compare names
                    have = set(opt._get_state(by_path[vpath]).slots)
                    if not set(arrays) <= have:
                        raise ValueError(f"Checkpoint {save_path}: slots {sorted(set(arrays) - have)} of {vpath!r} "
                                         f"do not exist in {type(opt).__name__} (its slots: {sorted(have)}); "
                                         "different optimizer or settings?")
                want = tuple(np.shape(by_path[vpath]._value))
                for name, a in arrays.items():
                    if tuple(np.shape(a)) != want:
                        raise ValueError(f"Checkpoint {save_path}: slot {name!r} of {vpath!r} has shape "
                                         f"{list(np.shape(a))} but the variable has shape {list(want)}.")
        for v, a in plan:
            v.assign(np.asarray(a, dtype=v._value.dtype))
        for opt, it, lr, slots in opt_plan:
            if it is not None:
                opt.iterations = int(np.asarray(it).reshape(()))
            if lr is not None and getattr(opt, "_schedule", None) is None:
                opt.learning_rate = float(np.asarray(lr).reshape(()))
            for vpath, arrays in slots.items():
                opt._restore_slots(by_path[vpath], arrays)
        for obj, state in state_plan:
            obj._restore_checkpoint_state(state)
        if "save_counter" in stored:
            self._save_counter._value = np.int64(int(np.asarray(stored["save_counter"]).reshape(-1)[0]))
            unused.discard("save_counter")
        self._warn_unbuilt(save_path, unused, variables)
        return CheckpointLoadStatus(save_path, sorted(unused), missing)

    @staticmethod
    def _warn_unbuilt(save_path: str, unused: set, variables: list) -> None:
        """TF defers restoring the weights of a model that is not built yet; gradtape cannot, so say so
        instead of silently training from fresh weights."""
        have = {p.split("/weights/")[0] for p, _ in variables if "/weights/" in p}
        lacking = sorted({k.split("/weights/")[0] for k in unused if "/weights/" in k} - have)
        if lacking:
            import warnings
            warnings.warn(f"Checkpoint {save_path} has weights for {lacking}, but those objects have no "
                          "weights yet (a Keras model is built on its first call), so they were NOT restored. "
                          "Build the model first (call it on a batch, or model.build(input_shape)), then "
                          "restore. (TF defers this restoration; gradtape does not.)", UserWarning, stacklevel=3)


def _read_data(save_path: str) -> Dict[str, np.ndarray]:
    path = save_path + DATA_SUFFIX
    if not os.path.exists(path):
        if os.path.isdir(save_path):
            latest = latest_checkpoint(save_path)
            if latest:
                return _read_data(latest)
        raise FileNotFoundError(f"Checkpoint not found: {path} does not exist. Pass the prefix returned by "
                                "save() (e.g. 'ckpt-3') or tf.train.latest_checkpoint(directory).")
    try:
        with np.load(path, allow_pickle=False) as f:
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            meta = json.loads(str(f["__meta__"].item()))
            keys = meta["keys"]
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                raise ValueError("malformed key list")
            if len(f.files) != len(keys) + 1:
                raise ValueError(f"{len(f.files) - 1} values for {len(keys)} keys")
            values = [f[f"v{i:06d}"] for i in range(len(keys))]
    except Exception as e:  # noqa: BLE001 - any parse failure of the file's bytes
        raise DataLossError(f"Checkpoint {path} is not a valid gradtape checkpoint (truncated or corrupted?): "
                            f"{type(e).__name__}: {e}") from None
    shapes, dtypes = meta.get("shapes") or {}, meta.get("dtypes") or {}
    for k, v in zip(keys, values):
        if v.dtype.hasobject or (k in shapes and list(v.shape) != shapes[k]) or (
                k in dtypes and v.dtype.str != dtypes[k] and str(v.dtype) != dtypes[k]):
            raise DataLossError(f"Checkpoint {path} is inconsistent: value {k!r} is {v.dtype}{list(v.shape)} but "
                                f"its metadata says {dtypes.get(k)}{shapes.get(k)}.")
    if "sha256" in meta and _saving.arrays_digest(values, keys) != meta["sha256"]:
        raise DataLossError(f"Checkpoint {path} is corrupted: its values do not match the SHA-256 digest stored in "
                            "it. Restore another checkpoint (e.g. an older one in the same directory).")
    return dict(zip(keys, values))


# -- the directory's "checkpoint" state file ---------------------------------------------------------
_LINE = re.compile(r'^(model_checkpoint_path|all_model_checkpoint_paths):\s*"(.*)"\s*$')
_ESCAPES = {"n": 10, "t": 9, "r": 13, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8, "f": 12, "v": 11}


def _unescape(text: str) -> str:
    """A protobuf text-format string literal's value: C escapes (``\\n``, ``\\"``, octal ``\\303``, hex
    ``\\xc3``) give bytes; other characters stand for their UTF-8 bytes; the result is decoded as UTF-8."""
    out = bytearray()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c != "\\" or i + 1 == n:
            out += c.encode("utf-8")
            i += 1
            continue
        e = text[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        elif e in "01234567":
            j = i + 1
            while j < min(i + 4, n) and text[j] in "01234567":
                j += 1
            out.append(int(text[i + 1:j], 8) & 0xFF)
            i = j
        elif e == "x":
            j = i + 2
            while j < min(i + 4, n) and text[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(text[i + 2:j] or "0", 16))
            i = j
        else:
            out += ("\\" + e).encode("utf-8")
            i += 2
    return out.decode("utf-8", errors="surrogateescape")


def _escape(text: str) -> str:
    """Inverse of :func:`_unescape`, as protobuf writes it: printable ASCII as is, other bytes octal."""
    out = []
    for b in text.encode("utf-8", errors="surrogateescape"):
        ch = chr(b)
        if ch in "\\\"'":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif 32 <= b < 127:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return "".join(out)


def _read_state(directory: str) -> Tuple[Optional[str], List[str]]:
    p = os.path.join(directory, "checkpoint")
    if not os.path.exists(p):
        return None, []
    latest, all_paths = None, []
    with open(p, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            m = _LINE.match(line.strip())
            if not m:
                continue
            value = _unescape(m.group(2))
            if not os.path.isabs(value):
                value = os.path.join(directory, value)
            if m.group(1) == "model_checkpoint_path":
                latest = value
            else:
                all_paths.append(value)
    return latest, all_paths


def _write_state(directory: str, latest: str, all_paths: List[str]) -> None:
    def rel(p: str) -> str:
        return _escape(os.path.relpath(p, directory))
    text = f'model_checkpoint_path: "{rel(latest)}"\n' + "".join(
        f'all_model_checkpoint_paths: "{rel(p)}"\n' for p in all_paths)
    _saving.atomic_write_bytes(os.path.join(directory, "checkpoint"), text.encode("ascii"))


def latest_checkpoint(checkpoint_dir: str, latest_filename: Optional[str] = None) -> Optional[str]:
    """The newest checkpoint prefix recorded in ``checkpoint_dir`` (``tf.train.latest_checkpoint``), or
    None when there is none (or its data file is gone)."""
    latest, _ = _read_state(os.fspath(checkpoint_dir))
    if latest and os.path.exists(latest + DATA_SUFFIX):
        return latest
    return None


def list_variables(ckpt_dir_or_file: str) -> List[Tuple[str, List[int]]]:
    """``[(key, shape)]`` stored in a checkpoint (``tf.train.list_variables``)."""
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        path = latest_checkpoint(path) or path
    return [(k, list(v.shape)) for k, v in sorted(_read_data(path).items())]


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    """One stored value (``tf.train.load_variable``)."""
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        path = latest_checkpoint(path) or path
    data = _read_data(path)
    if name not in data:
        raise KeyError(f"{name!r} is not in checkpoint {path}; keys: {sorted(data)[:20]}")
    return data[name]


class CheckpointReader:
    """Read a checkpoint's stored values by key (what ``tf.train.load_checkpoint`` returns):
    ``get_variable_to_shape_map``, ``get_variable_to_dtype_map``, ``has_tensor``,
    ``get_tensor``. The file is read once; values come back as NumPy arrays, as in TF."""

    def __init__(self, ckpt_dir_or_file: str):
        path = os.fspath(ckpt_dir_or_file)
        if os.path.isdir(path):
            latest = latest_checkpoint(path)
            if latest is None:
                raise ValueError(f"load_checkpoint: no checkpoint found in directory {path!r}.")
            path = latest
        self._path = path
        self._data = _read_data(path)

    def get_variable_to_shape_map(self) -> dict:
        """``{key: shape list}`` of every stored value."""
        return {k: list(np.shape(v)) for k, v in self._data.items()}

    def get_variable_to_dtype_map(self) -> dict:
        """``{key: DType}`` of every stored value."""
        from .. import dtypes
        return {k: dtypes.as_dtype(np.asarray(v).dtype) for k, v in self._data.items()}

    def has_tensor(self, key: str) -> bool:
        """Whether ``key`` is stored."""
        return key in self._data

    def get_tensor(self, key: str) -> np.ndarray:
        """The stored value of ``key`` (a copy)."""
        from ..errors import NotFoundError
        if key not in self._data:
            raise NotFoundError(f"Key {key} not found in checkpoint {self._path}; stored keys: "
                                f"{sorted(self._data)[:20]}")
        return np.array(self._data[key], copy=True)


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    """A :class:`CheckpointReader` for a checkpoint file prefix, or the newest checkpoint in a
    directory (``tf.train.load_checkpoint``)."""
    return CheckpointReader(ckpt_dir_or_file)


class CheckpointManager:
    """Numbered checkpoints in a directory, keeping the newest ``max_to_keep``
    (``tf.train.CheckpointManager``)."""

    def __init__(self, checkpoint: Checkpoint, directory: str, max_to_keep: Optional[int],
                 keep_checkpoint_every_n_hours: Optional[float] = None, checkpoint_name: str = "ckpt",
                 step_counter: Any = None, checkpoint_interval: Optional[int] = None,
                 init_fn: Any = None):
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(f"max_to_keep must be a positive integer or None; got {max_to_keep}.")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._prefix = os.path.join(self._directory, checkpoint_name)
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._last_step: Optional[int] = None
        self._init_fn = init_fn
        os.makedirs(self._directory, exist_ok=True)
        latest, all_paths = _read_state(self._directory)
        self._checkpoints = [p for p in all_paths if os.path.exists(p + DATA_SUFFIX)]
        self._latest = latest if latest and os.path.exists(latest + DATA_SUFFIX) else (
            self._checkpoints[-1] if self._checkpoints else None)

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    @property
    def latest_checkpoint(self) -> Optional[str]:
        """The newest checkpoint prefix this manager knows, or None."""
        return self._latest

    @property
    def checkpoints(self) -> List[str]:
        """The kept checkpoint prefixes, oldest first."""
        return list(self._checkpoints)

    def restore_or_initialize(self) -> Optional[str]:
        """Restore the latest checkpoint if any (returning its path), else call ``init_fn``."""
        if self._latest:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None

    def save(self, checkpoint_number: Optional[int] = None, check_interval: bool = True, options: Any = None) -> Optional[str]:
        """Write ``<directory>/<name>-<n>`` (``n`` = ``checkpoint_number`` or the checkpoint's incremented
        ``save_counter``), update the ``checkpoint`` file and delete the oldest beyond ``max_to_keep``."""
        if self._interval and check_interval and self._step_counter is not None:
            step = int(np.asarray(getattr(self._step_counter, "_value", self._step_counter)))
            if self._last_step is not None and step < self._last_step + self._interval:
                return None
            self._last_step = step
        ck = self._checkpoint
        counter = int(ck.save_counter._value) + 1
        ck.save_counter._value = np.int64(counter)
        if checkpoint_number is None:
            checkpoint_number = counter
        path = ck.write(f"{self._prefix}-{int(np.asarray(getattr(checkpoint_number, '_value', checkpoint_number)))}")
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        removed = []
        if self._max_to_keep is not None:
            while len(self._checkpoints) > self._max_to_keep:
                removed.append(self._checkpoints.pop(0))
        self._latest = path
        _write_state(self._directory, path, self._checkpoints)
        for old in removed:  # the state file no longer names them: delete their files
            for suffix in (INDEX_SUFFIX, DATA_SUFFIX):
                try:
                    os.remove(old + suffix)
                except FileNotFoundError:
                    pass
        return path
