"""Weight files and whole-model files (``keras.saving``), written atomically and checked on load.

* ``save_weights(obj, path)`` / ``load_weights(obj, path)`` for any object with an ordered ``.weights``
  list of Variables (layers, models, ...). Formats by extension: ``.weights.h5`` (Keras 3's layout for
  layers and models), ``.h5`` (tf.keras 2's per-layer layout for models; see ``saving_keras``),
  ``.safetensors`` (safetensors), ``.npz`` (NumPy only); any other path is a TF-style checkpoint prefix
  (``prefix.index`` + ``prefix.data-00000-of-00001`` via ``tf.train.Checkpoint``, recorded in the
  directory's ``checkpoint`` file so ``tf.train.latest_checkpoint`` finds it; a compiled model's optimizer
  state is included, as in TF). Weights are stored in ``weights`` order with their names and the name of
  the layer owning each, so ``load_weights(by_name=True)`` matches layers by name as Keras 2's h5 loader
  does; loading by position checks the count and every shape and names the mismatch.
* ``save_model(model, path)`` / ``load_model(path)``: the architecture as JSON
  (``{"class_name", "config"}`` from ``model.get_config()``, rebuilt with ``from_config``), the weights,
  and, when the model was compiled, the optimizer's config, iterations and slots. ``.keras`` is Keras 3's
  zip and ``.h5`` tf.keras 2's HDF5 model file (``saving_keras``; gradtape's earlier layouts of those
  extensions, with ``model.weights.npz`` / a ``weights`` group, still load); any other path is a
  directory in gradtape's own layout (see below).

Crash safety. Every file is written to a temporary file in the same directory, flushed and fsync'ed,
then moved over the target with ``os.replace``: a crash or an exception mid-save leaves the previous file
intact. A save that needs several files (the model directory) writes them into a fresh generation
sub-directory and then publishes it by atomically replacing one small manifest (``gradtape_model.json``)
that names the generation and the SHA-256 of each of its files; the superseded generation is deleted
afterwards. A load reads the manifest and refuses files whose digests differ, so it sees one save's
complete state or raises. Temporary files and unpublished generations left by a killed process are
removed by the next save into the same directory.

Integrity. gradtape's own weight files carry a SHA-256 digest of every array (with its name, dtype and
shape) in their metadata; a load recomputes it and raises :class:`CorruptFileError` on a mismatch, so a
flipped bit is reported instead of loaded. Loading never runs code from the file (no pickle), and a load
into a model checks everything before assigning anything.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ..devices import to_host as _to_host

FORMAT_VERSION = 2
MANIFEST = "gradtape_model.json"


class CorruptFileError(ValueError):
    """A saved file is truncated, corrupted, or from an interrupted or mixed save."""


# -- atomic writes ---------------------------------------------------------------------------------
_TMP_TAG = ".gttmp-"
_TMP_RE = re.compile(r"^\..*\.gttmp-(\d+)-[A-Za-z0-9_]+$")
_GEN_RE = re.compile(r"^gen-(\d+)-[A-Za-z0-9_]+$")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # this process (another thread may be writing it)
    if os.name == "nt":
        return True  # os.kill(pid, 0) would terminate the process on Windows: never probe, keep the files
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # exists (another user's process) or cannot tell: keep its files
    return True


def clean_stale_temporaries(directory: str) -> int:
    """Remove temporary files (and unpublished model-directory generations) that a killed process left
    in ``directory``: those tagged with the id of a process that no longer runs. Returns how many."""
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        m = _TMP_RE.match(name)
        if m and not _pid_alive(int(m.group(1))):
            try:
                p = os.path.join(directory, name)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    os.unlink(p)
                removed += 1
            except OSError:
                pass
    return removed


def _temp_path(path: str, directory: str, suffix: str = "") -> str:
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + f"{_TMP_TAG}{os.getpid()}-",
                               suffix=suffix, dir=directory)
    os.close(fd)
    return tmp


def atomic_write(path: str, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` for a temporary file next to ``path``, fsync it, then ``os.replace`` it
    onto ``path``. On any exception the temporary file is removed and ``path`` is left untouched.
    Temporary files of killed processes in the same directory are removed first."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    clean_stale_temporaries(directory)
    tmp = _temp_path(path, directory)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _default_mode())  # mkstemp makes 0600 files; saved files get the usual mode
        os.replace(tmp, path)
        _fsync_dir(directory)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _default_mode() -> int:
    """0o666 minus the process umask: the mode ``open(path, "w")`` would have given the file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
    atomic_write(path, write)


def _write_npz(fileobj: Any, arrays: Dict[str, np.ndarray]) -> None:
    """The NumPy writer (a separate function so tests can make it fail mid-way)."""
    np.savez(fileobj, **arrays)


def _require(module: str, what: str) -> Any:
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"{what} needs the optional package {module!r}: pip install {module} (or "
                          "pip install 'gradtape[demo]'), or save to a .npz file, which needs only NumPy.") from None


# -- integrity ---------------------------------------------------------------------------------------
def arrays_digest(arrays: List[np.ndarray], names: List[str]) -> str:
    """SHA-256 over every array's name, dtype, shape and bytes, in order."""
    h = hashlib.sha256()
    for a, n in zip(arrays, names):
        a = np.ascontiguousarray(a)
        if a.dtype.hasobject:
            raise TypeError(f"Cannot save object array {n!r}.")
        h.update(json.dumps([str(n), a.dtype.str, list(a.shape)]).encode())
        h.update(memoryview(a.reshape(-1)).cast("B") if a.size else b"")
    return h.hexdigest()


def _check_digest(arrays: List[np.ndarray], names: List[str], meta: dict, source: str) -> None:
    want = meta.get("sha256")
    if want is None:
        return  # files written before digests were stored
    if arrays_digest(arrays, names) != want:
        raise CorruptFileError(f"{source} is corrupted: its contents do not match the SHA-256 digest stored "
                               "in it (a flipped bit, a partial copy, or an edited file). Restore it from a good copy.")


def _corrupt(source: str, what: str, e: BaseException) -> CorruptFileError:
    return CorruptFileError(f"Cannot read {source}: it is not a valid {what} (truncated or corrupted?): "
                            f"{type(e).__name__}: {e}")


# -- weights -----------------------------------------------------------------------------------------
def _weights_of(obj: Any) -> List[Any]:
    w = getattr(obj, "weights", None)
    if w is None:
        w = getattr(obj, "variables", None)
        if callable(w):
            w = w()
    if w is None:
        raise TypeError(f"save_weights/load_weights need an object with a `weights` list of Variables; got "
                        f"{type(obj).__name__}.")
    return list(w)


def _value(v: Any) -> np.ndarray:
    return np.asarray(_to_host(v._value))


def layer_groups(obj: Any, weights: Optional[List[Any]] = None) -> List[Tuple[str, List[int]]]:
    """``[(layer name, [indices into weights in the layer's own weight order])]`` for the top-level
    layers of ``obj`` (``obj.layers``) that own weights; weights of no layer form a group named after
    ``obj``. This is what ``by_name`` loading matches (Keras 2's h5 ``layer_names``)."""
    weights = _weights_of(obj) if weights is None else weights
    pos = {id(v): i for i, v in enumerate(weights)}
    groups: List[Tuple[str, List[int]]] = []
    used: set = set()
    layers = getattr(obj, "layers", None)
    if isinstance(layers, (list, tuple)):
        for layer in layers:
            idx = [pos[id(v)] for v in _weights_of(layer) if id(v) in pos and pos[id(v)] not in used]
            if idx:
                used.update(idx)
                groups.append((str(getattr(layer, "name", "")), idx))
    rest = [i for i in range(len(weights)) if i not in used]
    if rest:
        groups.append((str(getattr(obj, "name", type(obj).__name__)), rest))
    return groups


def _fmt(path: str) -> str:
    p = path.lower()
    if p.endswith(".h5") or p.endswith(".hdf5") or p.endswith(".keras.h5"):
        return "h5"
    if p.endswith(".safetensors"):
        return "safetensors"
    if p.endswith(".npz"):
        return "npz"
    return "tf"


def _key(i: int) -> str:
    return f"{i:06d}"


def weights_meta(arrays: List[np.ndarray], names: List[str], groups: Optional[list] = None,
                 kind: str = "gradtape-weights") -> dict:
    """The metadata stored with an ordered list of arrays: names, shapes, dtypes, layers, digest."""
    meta = {"format": kind, "version": FORMAT_VERSION, "names": [str(n) for n in names],
            "shapes": [list(np.shape(a)) for a in arrays], "dtypes": [np.asarray(a).dtype.str for a in arrays],
            "sha256": arrays_digest(arrays, names)}
    if groups is not None:
        meta["layers"] = [[n, list(idx)] for n, idx in groups]
    return meta


def write_arrays(path: str, arrays: List[np.ndarray], names: List[str], metadata: Optional[dict] = None,
                 groups: Optional[list] = None) -> None:
    """Write ordered arrays with names to ``path`` in the format of its extension, atomically."""
    fmt = _fmt(path)
    if fmt == "tf":
        fmt = "npz"
    meta = dict(metadata or {})
    meta.update(weights_meta(arrays, names, groups))
    if fmt == "h5":
        h5py = _require("h5py", "Saving .h5 weight files")

        def write(tmp: str) -> None:
            with h5py.File(tmp, "w") as f:
                f.attrs["gradtape_meta"] = json.dumps(meta)
                g = f.create_group("weights")
                for i, (a, n) in enumerate(zip(arrays, names)):
                    d = g.create_dataset(_key(i), data=a)
                    d.attrs["name"] = n
        atomic_write(path, write)
    elif fmt == "safetensors":
        st = _require("safetensors", "Saving .safetensors weight files")
        import safetensors.numpy  # noqa: F401
        tensors = {_key(i): np.ascontiguousarray(a) for i, a in enumerate(arrays)}
        data = st.numpy.save(tensors, metadata={"gradtape_meta": json.dumps(meta)})
        atomic_write_bytes(path, data)
    else:
        payload = {_key(i): a for i, a in enumerate(arrays)}
        payload["__meta__"] = np.asarray(json.dumps(meta))

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                _write_npz(f, payload)
        atomic_write(path, write)


def _check_layout(arrays: List[np.ndarray], names: List[str], meta: dict, source: str) -> None:
    """The arrays agree with the metadata's count, shapes and dtypes (when recorded) and the digest."""
    shapes = meta.get("shapes")
    if shapes is not None:
        if len(shapes) != len(arrays) or len(names) != len(arrays):
            raise CorruptFileError(f"{source} is inconsistent: its metadata lists {len(shapes)} weights but it "
                                   f"holds {len(arrays)}.")
        for a, s, n in zip(arrays, shapes, names):
            if list(a.shape) != list(s):
                raise CorruptFileError(f"{source} is inconsistent: weight {n!r} has shape {list(a.shape)} but "
                                       f"its metadata says {s}.")
    dtypes = meta.get("dtypes")
    if dtypes is not None:
        for a, d, n in zip(arrays, dtypes, names):
            if np.dtype(a.dtype).str != d:
                raise CorruptFileError(f"{source} is inconsistent: weight {n!r} has dtype {a.dtype} but its "
                                       f"metadata says {d}.")
    for a, n in zip(arrays, names):
        if a.dtype.hasobject:
            raise CorruptFileError(f"{source}: weight {n!r} is an object array; weight files hold numbers only.")
    _check_digest(arrays, names, meta, source)


def _loads_meta(text: Any, source: str) -> dict:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    meta = json.loads(str(text))
    if not isinstance(meta, dict):
        raise CorruptFileError(f"{source}: its metadata is not a JSON object.")
    return meta


def read_arrays(path: str) -> tuple:
    """``(arrays, names, metadata)`` from a file written by :func:`write_arrays`, checked against its
    stored shapes, dtypes and digest (:class:`CorruptFileError` when they disagree)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No weights file at {path!r}.")
    fmt = _fmt(path)
    if fmt == "tf":
        fmt = "npz"
    try:
        arrays, names, meta = _read_arrays(path, fmt)
    except (CorruptFileError, ImportError, FileNotFoundError, NotImplementedError):
        raise
    except ValueError as e:
        if "is not a gradtape weights file" in str(e):
            raise
        raise _corrupt(path, f"{fmt} weights file", e) from None
    except Exception as e:  # noqa: BLE001 - any parse failure of untrusted bytes is a corrupt file
        raise _corrupt(path, f"{fmt} weights file", e) from None
    _check_layout(arrays, names, meta, path)
    return arrays, names, meta


def _read_arrays(path: str, fmt: str) -> tuple:
    if fmt == "h5":
        h5py = _require("h5py", "Reading .h5 weight files")
        with h5py.File(path, "r") as f:
            if "weights" not in f or "gradtape_meta" not in f.attrs:
                raise NotImplementedError(f"{path} is not a gradtape weights file (no 'weights' group).")
            meta = _loads_meta(f.attrs["gradtape_meta"], path)
            g = f["weights"]
            keys = sorted(g.keys())
            arrays = [np.asarray(g[k][()]) for k in keys]
            names = [str(g[k].attrs.get("name", k)) for k in keys]
        return arrays, names, meta
    if fmt == "safetensors":
        _require("safetensors", "Reading .safetensors weight files")
        import safetensors.numpy
        with open(path, "rb") as f:
            data = f.read()
        tensors = safetensors.numpy.load(data)
        n = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + n])
        meta = _loads_meta(header.get("__metadata__", {}).get("gradtape_meta", "{}"), path)
        keys = sorted(tensors)
        arrays = [tensors[k] for k in keys]
        shapes = meta.get("shapes")
        if shapes and len(shapes) == len(arrays):  # safetensors stores 0-d arrays as shape [1]
            arrays = [a.reshape(s) if a.size == int(np.prod(s)) else a for a, s in zip(arrays, shapes)]
        names = meta.get("names") or keys
        return arrays, list(names), meta
    with open(path, "rb") as f:
        return _unpack_weights(_read_npz_bytes(f.read()))


def save_weights(obj: Any, filepath: Any, overwrite: bool = True) -> None:
    """Write ``obj.weights`` (in order, with names) to ``filepath`` (``.weights.h5``, ``.safetensors``,
    ``.npz``, or else a TF-style checkpoint prefix) atomically (``Model.save_weights``)."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    if _fmt(filepath) == "tf":
        _tf_checkpoint(obj).save_as_weights(filepath)
        return
    low = filepath.lower()
    if _fmt(filepath) == "h5" and getattr(type(obj), "_gt_layer", False):
        from . import saving_keras
        if low.endswith(".weights.h5"):
            saving_keras.save_keras3_weights(obj, filepath)  # Keras 3's layout
            return
        if isinstance(getattr(obj, "layers", None), (list, tuple)):
            saving_keras.save_legacy_weights(obj, filepath)  # tf.keras 2's layout
            return
    weights = _weights_of(obj)
    write_arrays(filepath, [_value(v) for v in weights], [str(getattr(v, "name", "")) for v in weights],
                 groups=layer_groups(obj, weights))


def _shape(v: Any) -> tuple:
    return tuple(np.shape(v._value))


def plan_weights(weights: List[Any], arrays: List[np.ndarray], names: List[str], source: str,
                 what: str = "model", groups: Optional[list] = None, file_groups: Optional[list] = None,
                 by_name: bool = False, skip_mismatch: bool = False,
                 layerwise: bool = False) -> List[Tuple[Any, np.ndarray]]:
    """Match stored ``arrays`` to ``weights`` and check every shape; returns ``[(variable, array)]`` to
    assign (nothing has been assigned yet).

    By position (default): the counts and all shapes must agree. With ``skip_mismatch`` (and layer
    information in the file), layers are matched in order and a layer whose weight count or shapes
    differ is skipped with a warning (Keras 3). ``by_name``: stored layers are matched to the object's
    layers by name, weights within a layer by position; layers absent on either side are left alone; a
    count or shape mismatch raises, or with ``skip_mismatch`` is skipped with a warning (Keras 2's h5
    loader, which skips a mismatched weight, or a layer whose count differs)."""
    if not by_name and not skip_mismatch and not layerwise:
        if len(weights) != len(arrays):
            hint = (" The model has no weights yet: build it first (call it on a batch, or "
                    "model.build(input_shape))." if not weights else "")
            raise ValueError(f"Cannot load weights from {source}: the file has {len(arrays)} weights "
                             f"({names[:6]}{'...' if len(names) > 6 else ''}) but the {what} has "
                             f"{len(weights)}.{hint}")
        for v, a, n in zip(weights, arrays, names):
            if _shape(v) != tuple(a.shape):
                raise ValueError(f"Cannot load weights from {source}: weight {n!r} has shape {list(a.shape)} in "
                                 f"the file but {getattr(v, 'name', '?')!r} in the {what} has shape "
                                 f"{list(_shape(v))}.")
        return list(zip(weights, arrays))
    if file_groups is None:
        raise ValueError(f"Cannot load weights from {source} with by_name/skip_mismatch: the file records no "
                         "layer names (it was written by an older version or by save_weights of an object "
                         "without layers). Load it by position (by_name=False, skip_mismatch=False).")
    if groups is None:
        raise ValueError(f"load_weights(by_name/skip_mismatch) needs an object with layers; got {what}.")
    plan: List[Tuple[Any, np.ndarray]] = []
    if by_name:
        stored: Dict[str, List[int]] = {}
        for n, idx in file_groups:
            stored.setdefault(str(n), list(idx))
        pairs = [(ln, own, stored[ln]) for ln, own in groups if ln in stored]
    else:
        if len(groups) != len(file_groups) and not skip_mismatch:
            raise ValueError(f"Cannot load weights from {source}: the file has {len(file_groups)} layers with "
                             f"weights but the {what} has {len(groups)}.")
        if len(groups) != len(file_groups):
            warnings.warn(f"Loading {source}: the file has {len(file_groups)} layers with weights but the "
                          f"{what} has {len(groups)}; layers are matched in order and the extra ones skipped.",
                          UserWarning, stacklevel=3)
        pairs = [(ln, own, list(fidx)) for (ln, own), (_, fidx) in zip(groups, file_groups)]
    for ln, own, fidx in pairs:
        if len(own) != len(fidx):
            msg = (f"Layer {ln!r} expects {len(own)} weight(s), but the saved weights in {source} have "
                   f"{len(fidx)} element(s).")
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights of layer {ln!r} due to mismatch in number of weights. "
                              + msg, UserWarning, stacklevel=3)
                continue
            raise ValueError(msg)
        layer_plan = []
        skipped = False
        for i, j in zip(own, fidx):
            v, a = weights[i], arrays[j]
            if _shape(v) != tuple(a.shape):
                msg = (f"Shape mismatch in layer {ln!r} for weight {getattr(v, 'name', '?')!r}: the {what} "
                       f"expects {list(_shape(v))}, {source} has {list(a.shape)} ({names[j]!r}).")
                if skip_mismatch:
                    warnings.warn(f"Skipping loading weights of layer {ln!r} due to mismatch in shape. " + msg,
                                  UserWarning, stacklevel=3)
                    skipped = True
                    break
                raise ValueError(msg)
            layer_plan.append((v, a))
        if not skipped:
            plan.extend(layer_plan)
    return plan


def apply_plan(plan: List[Tuple[Any, np.ndarray]]) -> None:
    """Assign planned values (after :func:`plan_weights` checked all of them)."""
    cast = [(v, np.asarray(a, dtype=v._value.dtype)) for v, a in plan]
    for v, a in cast:
        v.assign(a)


def assign_weights(weights: List[Any], arrays: List[np.ndarray], names: List[str], source: str,
                   what: str = "model") -> None:
    """Check count and shapes, then assign ``arrays`` to ``weights`` in order (nothing is assigned when
    anything mismatches)."""
    apply_plan(plan_weights(weights, arrays, names, source, what))


def load_weights(obj: Any, filepath: Any, skip_mismatch: bool = False, by_name: bool = False) -> Any:
    """Read weights written by :func:`save_weights` into ``obj.weights`` (``Model.load_weights``);
    ``by_name``/``skip_mismatch`` as Keras 2's h5 loader. All shapes are checked before any assignment."""
    filepath = os.fspath(filepath)
    if _fmt(filepath) == "tf" and not os.path.isfile(filepath):
        if by_name or skip_mismatch:
            raise NotImplementedError(
                "load_weights(by_name=True / skip_mismatch=True) is not supported for TF-format checkpoints "
                "(as in TF, which loads them by object structure); save the weights to a .weights.h5, .h5, "
                ".npz or .safetensors file to load by layer name.")
        status = _tf_checkpoint(obj).restore(filepath)
        status.assert_existing_objects_matched()
        return status
    if _fmt(filepath) == "h5" and os.path.isfile(filepath):
        from . import saving_keras
        if saving_keras.load_h5_weights(obj, filepath, by_name, skip_mismatch):
            return None
    arrays, names, meta = read_arrays(filepath)
    weights = _weights_of(obj)
    file_groups = _valid_groups(meta.get("layers"), len(arrays), filepath)
    plan = plan_weights(weights, arrays, names, filepath, what=type(obj).__name__,
                        groups=layer_groups(obj, weights) if (by_name or skip_mismatch) else None,
                        file_groups=file_groups, by_name=by_name, skip_mismatch=skip_mismatch)
    apply_plan(plan)
    return None


def _tf_checkpoint(obj: Any) -> Any:
    from ..train.checkpoint import Checkpoint
    return Checkpoint(model=obj)


def _valid_groups(groups: Any, n: int, source: str) -> Optional[list]:
    if groups is None:
        return None
    ok = isinstance(groups, list) and all(
        isinstance(g, list) and len(g) == 2 and isinstance(g[0], str) and isinstance(g[1], list)
        and all(isinstance(i, int) and 0 <= i < n for i in g[1]) for g in groups)
    if not ok:
        raise CorruptFileError(f"{source}: its layer table is malformed.")
    return groups


# -- optimizer state ---------------------------------------------------------------------------------
def optimizer_state(optimizer: Any, variables: List[Any]) -> tuple:
    """``(arrays dict, meta dict)``: iterations, learning rate and the slots of ``variables`` (by position)."""
    arrays: Dict[str, np.ndarray] = {"iterations": np.asarray(optimizer.iterations._value)}
    lr_var = getattr(optimizer, "_lr_var", None)
    if getattr(optimizer, "_schedule", None) is None and lr_var is not None:
        arrays["learning_rate"] = np.asarray(_to_host(lr_var._value))
    pos = {id(v): i for i, v in enumerate(variables)}
    for var, slots in optimizer._slot_items():
        i = pos.get(id(var))
        if i is None:
            continue
        for name, buf in slots.items():
            arrays[f"slot/{i}/{name}"] = np.array(_to_host(buf), copy=True)
    meta = {"class_name": type(optimizer).__name__}
    try:
        meta["config"] = optimizer.get_config()
    except Exception:  # a plain-callable learning rate cannot be serialized
        meta["config"] = None
    return arrays, meta


def _check_optimizer_arrays(variables: List[Any], arrays: Dict[str, np.ndarray], source: str) -> None:
    """Every slot names an existing variable and has its shape (checked before anything is assigned)."""
    for k, a in arrays.items():
        if k in ("iterations", "learning_rate"):
            if np.asarray(a).size != 1:
                raise CorruptFileError(f"{source}: optimizer {k} has shape {list(np.shape(a))}, not a scalar.")
            continue
        parts = k.split("/", 2)
        if len(parts) != 3 or parts[0] != "slot" or not parts[1].isdigit():
            raise CorruptFileError(f"{source}: unexpected optimizer entry {k!r}.")
        i = int(parts[1])
        if i >= len(variables):
            raise ValueError(f"{source}: optimizer state has slots for variable #{i} but the model has "
                             f"{len(variables)}.")
        if tuple(np.shape(a)) != _shape(variables[i]):
            raise ValueError(f"{source}: optimizer slot {k!r} has shape {list(np.shape(a))} but variable "
                             f"{getattr(variables[i], 'name', i)!r} has shape {list(_shape(variables[i]))}.")


def restore_optimizer_state(optimizer: Any, variables: List[Any], arrays: Dict[str, np.ndarray]) -> None:
    """Inverse of :func:`optimizer_state`."""
    _check_optimizer_arrays(variables, arrays, "optimizer state")
    if "iterations" in arrays:
        optimizer.iterations = int(np.asarray(arrays["iterations"]).reshape(()))
    if "learning_rate" in arrays and getattr(optimizer, "_schedule", None) is None:
        optimizer.learning_rate = float(np.asarray(arrays["learning_rate"]).reshape(()))
    per: Dict[int, Dict[str, np.ndarray]] = {}
    for k, a in arrays.items():
        if k.startswith("slot/"):
            _, i, name = k.split("/", 2)
            per.setdefault(int(i), {})[name] = a
    for i, slots in per.items():
        optimizer._restore_slots(variables[i], slots)


# -- whole models ------------------------------------------------------------------------------------
def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    name = getattr(o, "name", None)
    if name is not None and hasattr(o, "as_numpy_dtype"):
        return name
    if hasattr(o, "get_config"):
        return {"class_name": type(o).__name__, "config": o.get_config()}
    if callable(o) and hasattr(o, "__name__"):
        return o.__name__
    raise TypeError(f"Cannot serialize {o!r} ({type(o).__name__}) to JSON.")


def _model_documents_compile(model: Any) -> Optional[dict]:
    """The compile config of a compiled model (optimizer config, loss, string metrics), or None."""
    compile_cfg = None
    opt = getattr(model, "optimizer", None)
    if opt is not None and hasattr(opt, "_slot_items"):
        compile_cfg = {"optimizer": {"class_name": type(opt).__name__, "config": opt.get_config()}}
        loss = getattr(model, "loss", None)
        if isinstance(loss, str) or loss is None:
            compile_cfg["loss"] = loss
        else:
            try:
                from . import losses as _losses
                compile_cfg["loss"] = _losses.serialize(loss)
            except Exception:
                compile_cfg["loss"] = None
        metrics = getattr(model, "_compile_metrics", None)
        if metrics is None:
            metrics = getattr(getattr(model, "compiled_metrics", None), "_raw", None)
        if isinstance(metrics, str):
            metrics = [metrics]
        try:
            compile_cfg["metrics"] = serialize_metrics(metrics)
        except ValueError:      # a plain function or an unknown object: the file does not document metrics
            pass
    return compile_cfg


def serialize_metrics(metrics: Any) -> Any:
    """``compile(metrics=...)`` as JSON, as Keras writes it in ``compile_config``: names stay names, metric
    objects become ``{"class_name", "config"}``, lists and dicts (per output) are kept; ValueError for
    anything else (a plain function)."""
    from . import metrics as _metrics
    if metrics is None or isinstance(metrics, str):
        return metrics
    if isinstance(metrics, (list, tuple)):
        return [serialize_metrics(m) for m in metrics]
    if isinstance(metrics, dict):
        return {str(k): serialize_metrics(v) for k, v in metrics.items()}
    if isinstance(metrics, _metrics.Metric):
        return {"class_name": type(metrics).__name__, "config": metrics.get_config()}
    name = getattr(metrics, "__name__", None)
    if callable(metrics) and name in getattr(_metrics, "_NAMES", {}):
        return name
    raise ValueError(f"metric {metrics!r} cannot be serialized")


def deserialize_metrics(metrics: Any, custom_objects: Optional[dict] = None) -> Any:
    """Inverse of :func:`serialize_metrics` (also reads Keras 3's entries, which carry a ``module``)."""
    from . import metrics as _metrics
    if metrics is None or isinstance(metrics, str):
        return metrics
    if isinstance(metrics, list):
        return [deserialize_metrics(m, custom_objects) for m in metrics]
    if isinstance(metrics, dict) and "class_name" not in metrics:
        return {k: deserialize_metrics(v, custom_objects) for k, v in metrics.items()}
    if isinstance(metrics, dict):
        name = metrics["class_name"]
        config = dict(metrics.get("config") or {})
        cls = (custom_objects or {}).get(name) or (custom_objects or {}).get(metrics.get("registered_name") or "")
        if cls is None:
            from .layers.serialization import _CUSTOM_OBJECTS
            cls = _CUSTOM_OBJECTS.get(metrics.get("registered_name") or "") or _CUSTOM_OBJECTS.get(name)
        if cls is not None:
            return cls.from_config(config)
        return _metrics.get({"class_name": name, "config": config})
    raise ValueError(f"cannot read the metric entry {metrics!r}")


def _compile_model(model: Any, cc: dict) -> None:
    """``model.compile`` from :func:`_model_documents_compile`'s output."""
    from . import optimizers as _opt
    optimizer = _opt.deserialize(cc["optimizer"])
    kwargs = {"optimizer": optimizer}
    if cc.get("loss") is not None:
        from . import losses as _losses
        kwargs["loss"] = cc["loss"] if isinstance(cc["loss"], str) else _losses.deserialize(cc["loss"])
    if cc.get("metrics"):
        kwargs["metrics"] = deserialize_metrics(cc["metrics"])
    model.compile(**kwargs)


def _model_documents(model: Any) -> tuple:
    config = {"class_name": type(model).__name__, "module": type(model).__module__,
              "config": model.get_config()}
    build = _build_shape(model)
    if build is not None:
        config["build_input_shape"] = build
    compile_cfg = _model_documents_compile(model)
    opt = getattr(model, "optimizer", None)
    config["compile_config"] = compile_cfg
    weights = _weights_of(model)
    w_arrays = [_value(v) for v in weights]
    w_names = [str(getattr(v, "name", "")) for v in weights]
    opt_arrays: Dict[str, np.ndarray] = {}
    if compile_cfg is not None:
        opt_arrays, _ = optimizer_state(opt, weights)
    meta = {"format": "gradtape-model", "version": FORMAT_VERSION, "keras_version": "3 (gradtape)"}
    groups = layer_groups(model, weights)
    return json.dumps(config, default=_json_default), meta, w_arrays, w_names, opt_arrays, groups


def _build_shape(model: Any) -> Any:
    for attr in ("_build_input_shape", "_build_shapes_dict"):
        s = getattr(model, attr, None)
        if s is not None:
            return _plain(s)
    return None


def _plain(s: Any) -> Any:
    if isinstance(s, (list, tuple)):
        return [_plain(x) for x in s]
    if isinstance(s, dict):
        return {k: _plain(v) for k, v in s.items()}
    if isinstance(s, np.integer):
        return int(s)
    return s


def _npz_bytes(arrays: Dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    _write_npz(buf, arrays)
    return buf.getvalue()


def _weights_payload(arrays: List[np.ndarray], names: List[str], groups: Optional[list] = None,
                     kind: str = "gradtape-weights") -> Dict[str, np.ndarray]:
    payload = {_key(i): a for i, a in enumerate(arrays)}
    payload["__meta__"] = np.asarray(json.dumps(weights_meta(arrays, names, groups, kind)))
    return payload


def _opt_payload(opt_arrays: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    keys = sorted(opt_arrays)
    return _weights_payload([np.asarray(opt_arrays[k]) for k in keys], keys, kind="gradtape-optimizer")


def _model_files(config_json: str, meta: dict, w_arrays: list, w_names: list, opt_arrays: dict,
                 groups: list) -> Dict[str, bytes]:
    files = {"metadata.json": json.dumps(meta).encode(), "config.json": config_json.encode(),
             "model.weights.npz": _npz_bytes(_weights_payload(w_arrays, w_names, groups))}
    if opt_arrays:
        files["optimizer.npz"] = _npz_bytes(_opt_payload(opt_arrays))
    return files


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_model(model: Any, filepath: Any, overwrite: bool = True) -> None:
    """Save architecture, weights and optimizer state (``model.save``), atomically.
    ``.keras``: a zip; ``.h5``: one HDF5 file; other paths: a directory published through a manifest."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    low = filepath.lower()
    from . import saving_keras
    if low.endswith(".keras"):
        saving_keras.save_keras_zip(model, filepath)
        return
    if (low.endswith(".h5") or low.endswith(".hdf5")) and saving_keras._model_class_name(model) in (
            "Sequential", "Functional"):
        saving_keras.save_legacy_model(model, filepath)
        return
    config_json, meta, w_arrays, w_names, opt_arrays, groups = _model_documents(model)
    if low.endswith(".keras"):
        files = _model_files(config_json, meta, w_arrays, w_names, opt_arrays, groups)
        meta = dict(meta, files={k: _sha(v) for k, v in files.items() if k != "metadata.json"})
        files["metadata.json"] = json.dumps(meta).encode()

        def write(tmp: str) -> None:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
                for name in ("metadata.json", "config.json", "model.weights.npz", "optimizer.npz"):
                    if name in files:
                        z.writestr(name, files[name])
        atomic_write(filepath, write)
    elif low.endswith(".h5") or low.endswith(".hdf5"):
        h5py = _require("h5py", "Saving a model to .h5")
        keys = sorted(opt_arrays)
        wmeta = weights_meta(w_arrays, w_names, groups)
        ometa = weights_meta([np.asarray(opt_arrays[k]) for k in keys], keys, kind="gradtape-optimizer")

        def write(tmp: str) -> None:
            with h5py.File(tmp, "w") as f:
                f.attrs["gradtape_meta"] = json.dumps(meta)
                f.attrs["model_config"] = config_json
                f.attrs["config_sha256"] = _sha(config_json.encode())
                g = f.create_group("weights")
                g.attrs["gradtape_meta"] = json.dumps(wmeta)
                for i, (a, n) in enumerate(zip(w_arrays, w_names)):
                    g.create_dataset(_key(i), data=a).attrs["name"] = n
                o = f.create_group("optimizer")
                o.attrs["gradtape_meta"] = json.dumps(ometa)
                for i, k in enumerate(keys):
                    o.create_dataset(_key(i), data=opt_arrays[k]).attrs["name"] = k
        atomic_write(filepath, write)
    else:
        _save_model_dir(filepath, _model_files(config_json, meta, w_arrays, w_names, opt_arrays, groups))


def _read_manifest(directory: str) -> Optional[dict]:
    p = os.path.join(directory, MANIFEST)
    if not os.path.exists(p):
        return None
    try:
        with open(p, "rb") as f:
            m = json.loads(f.read().decode("utf-8"))
        gen = m["generation"]
        files = m["files"]
        if (not isinstance(gen, str) or not _GEN_RE.match(gen) or not isinstance(files, dict)
                or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
                or any(os.path.basename(k) != k or k.startswith(".") for k in files)):
            raise ValueError("malformed manifest")
    except Exception as e:  # noqa: BLE001
        raise _corrupt(p, "model manifest", e) from None
    return m


def _save_model_dir(directory: str, files: Dict[str, bytes]) -> None:
    """Write ``files`` into a new generation sub-directory, then publish it by replacing the manifest."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise FileExistsError(f"Cannot save a model directory at {directory}: a file with that name exists.")
    os.makedirs(directory, exist_ok=True)
    clean_stale_temporaries(directory)
    try:
        old = _read_manifest(directory)
    except CorruptFileError:
        old = None
    _clean_generations(directory, keep=old["generation"] if old else None)
    gen = os.path.basename(tempfile.mkdtemp(prefix=f"gen-{os.getpid()}-", dir=directory))
    gdir = os.path.join(directory, gen)
    try:
        for name, data in files.items():
            with open(os.path.join(gdir, name), "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        os.chmod(gdir, _default_mode() | ((_default_mode() & 0o444) >> 2))  # rwx where files get rw
        _fsync_dir(gdir)
        manifest = {"format": "gradtape-model-dir", "version": FORMAT_VERSION, "generation": gen,
                    "files": {k: _sha(v) for k, v in files.items()}}
        atomic_write_bytes(os.path.join(directory, MANIFEST), json.dumps(manifest, indent=1).encode())
    except BaseException:
        shutil.rmtree(gdir, ignore_errors=True)
        raise
    if old and old["generation"] != gen:
        shutil.rmtree(os.path.join(directory, old["generation"]), ignore_errors=True)
    for name in ("config.json", "metadata.json", "model.weights.npz", "optimizer.npz"):
        try:  # files of the version-1 layout (no generations) are superseded
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass


def _clean_generations(directory: str, keep: Optional[str]) -> None:
    """Remove generation directories no manifest names whose writing process is gone."""
    for name in os.listdir(directory):
        m = _GEN_RE.match(name)
        if m and name != keep and not _pid_alive(int(m.group(1))):
            shutil.rmtree(os.path.join(directory, name), ignore_errors=True)


def _load_model_dir(directory: str) -> Dict[str, bytes]:
    """The published generation's files, each checked against the manifest's digest."""
    for attempt in range(3):  # a concurrent save may replace the generation while we read it
        m = _read_manifest(directory)
        if m is None:
            raise ValueError(f"{directory} is not a saved gradtape model directory (no {MANIFEST}).")
        gdir = os.path.join(directory, m["generation"])
        out: Dict[str, bytes] = {}
        try:
            for name, digest in m["files"].items():
                with open(os.path.join(gdir, name), "rb") as f:
                    out[name] = f.read()
        except FileNotFoundError:
            if attempt < 2 and _read_manifest(directory) != m:
                continue
            raise CorruptFileError(f"{directory}: the manifest names {m['generation']}/ but its files are "
                                   "missing; the model directory is incomplete.") from None
        for name, digest in m["files"].items():
            if _sha(out[name]) != digest:
                raise CorruptFileError(f"{directory}: {m['generation']}/{name} does not match the SHA-256 digest "
                                       "in the manifest (corrupted, or files from different saves).")
        return out
    raise CorruptFileError(f"{directory}: the model directory kept changing while being read.")


def _read_npz_bytes(data: bytes) -> Dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as f:
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise ValueError("not an .npz archive")
        return {k: f[k] for k in f.files}


def _unpack_weights(payload: Dict[str, np.ndarray]) -> tuple:
    payload = dict(payload)
    meta = _loads_meta(payload.pop("__meta__").item(), "weights") if "__meta__" in payload else {}
    keys = sorted(payload)
    names = meta.get("names") or keys
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError("weight names are malformed")
    return [payload[k] for k in keys], list(names), meta


def _checked_npz(data: bytes, source: str) -> tuple:
    try:
        arrays, names, meta = _unpack_weights(_read_npz_bytes(data))
    except CorruptFileError:
        raise
    except Exception as e:  # noqa: BLE001
        raise _corrupt(source, "NumPy .npz archive", e) from None
    _check_layout(arrays, names, meta, source)
    return arrays, names, meta


def _model_class(name: str, custom_objects: Optional[dict]) -> Any:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:
        from .layers import serialization as _serial
        return _serial._lookup(name, custom_objects)
    except (ImportError, AttributeError):
        from . import models as _models
        cls = getattr(_models, name, None)
        if cls is None:
            raise ValueError(f"Unknown model class {name!r}: pass custom_objects={{{name!r}: cls}}.") from None
        return cls


def _is_keras_layout(filepath: str) -> bool:
    """Whether a .keras/.h5 model file is in Keras's layout (else gradtape's own earlier layout)."""
    if filepath.lower().endswith(".keras"):
        try:
            with zipfile.ZipFile(filepath) as z:
                return "model.weights.npz" not in z.namelist()
        except Exception as e:  # noqa: BLE001
            raise _corrupt(filepath, ".keras (zip) file", e) from None
    h5py = _require("h5py", "Loading a model from .h5")
    try:
        with h5py.File(filepath, "r") as f:
            return not ("gradtape_meta" in f.attrs and "weights" in f)
    except Exception as e:  # noqa: BLE001
        raise _corrupt(filepath, "HDF5 model file", e) from None


def _read_model_files(filepath: str) -> tuple:
    """``(config, arrays, names, groups, opt_arrays)`` from any of the three model layouts, checked."""
    low = filepath.lower()
    opt_arrays: Dict[str, np.ndarray] = {}
    if os.path.isdir(filepath):
        files = _load_model_dir(filepath)
        source = os.path.join(filepath, "model.weights.npz")
        arrays, names, wmeta = _checked_npz(files["model.weights.npz"], source)
        if "optimizer.npz" in files:
            oa, on, _ = _checked_npz(files["optimizer.npz"], os.path.join(filepath, "optimizer.npz"))
            opt_arrays = dict(zip(on, oa))
        config_bytes = files["config.json"]
    elif low.endswith(".h5") or low.endswith(".hdf5"):
        h5py = _require("h5py", "Loading a model from .h5")
        try:
            with h5py.File(filepath, "r") as f:
                if "model_config" not in f.attrs:
                    raise NotImplementedError(f"{filepath} holds no gradtape model config: it is a weights file "
                                              "(use load_weights).")
                config_bytes = f.attrs["model_config"]
                config_bytes = config_bytes.encode() if isinstance(config_bytes, str) else bytes(config_bytes)
                want = f.attrs.get("config_sha256")
                if want is not None and _sha(config_bytes) != str(want):
                    raise CorruptFileError(f"{filepath}: its model config does not match its digest.")
                g = f["weights"]
                keys = sorted(g.keys())
                arrays = [np.asarray(g[k][()]) for k in keys]
                names = [str(g[k].attrs.get("name", k)) for k in keys]
                wmeta = _loads_meta(g.attrs.get("gradtape_meta", "{}"), filepath)
                okeys, oarrays, ometa = [], [], {}
                if "optimizer" in f:
                    o = f["optimizer"]
                    ks = sorted(o.keys())
                    oarrays = [np.asarray(o[k][()]) for k in ks]
                    okeys = [str(o[k].attrs.get("name", k.replace("|", "/"))) for k in ks]
                    ometa = _loads_meta(o.attrs.get("gradtape_meta", "{}"), filepath)
        except (CorruptFileError, NotImplementedError, ImportError):
            raise
        except Exception as e:  # noqa: BLE001
            raise _corrupt(filepath, "HDF5 model file", e) from None
        _check_layout(arrays, names, wmeta, filepath)
        _check_layout(oarrays, okeys, ometa, filepath)
        opt_arrays = dict(zip(okeys, oarrays))
    else:
        if not os.path.exists(filepath):
            raise FileNotFoundError(f"No model file at {filepath!r}.")
        try:
            with zipfile.ZipFile(filepath) as z:
                members = set(z.namelist())
                raw = {n: z.read(n) for n in ("metadata.json", "config.json", "model.weights.npz", "optimizer.npz")
                       if n in members}
        except Exception as e:  # noqa: BLE001
            raise _corrupt(filepath, ".keras (zip) file", e) from None
        if "config.json" not in raw or "model.weights.npz" not in raw:
            raise CorruptFileError(f"{filepath} lacks config.json or model.weights.npz: not a gradtape .keras file.")
        try:
            digests = _loads_meta(raw.get("metadata.json", b"{}"), filepath).get("files") or {}
        except Exception as e:  # noqa: BLE001
            raise _corrupt(filepath, ".keras file (metadata.json)", e) from None
        for name, digest in digests.items():
            if name not in raw or _sha(raw[name]) != digest:
                raise CorruptFileError(f"{filepath}: member {name} is missing or does not match its digest.")
        arrays, names, wmeta = _checked_npz(raw["model.weights.npz"], filepath + ":model.weights.npz")
        if "optimizer.npz" in raw:
            oa, on, _ = _checked_npz(raw["optimizer.npz"], filepath + ":optimizer.npz")
            opt_arrays = dict(zip(on, oa))
        config_bytes = raw["config.json"]
    try:
        config = json.loads(config_bytes)
        if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
            raise ValueError("config.json has no class_name")
    except Exception as e:  # noqa: BLE001
        raise _corrupt(filepath, "model config", e) from None
    groups = _valid_groups(wmeta.get("layers"), len(arrays), filepath)
    return config, arrays, names, groups, opt_arrays


def load_model(filepath: Any, custom_objects: Optional[dict] = None, compile: bool = True,  # noqa: A002
               safe_mode: bool = True) -> Any:
    """Rebuild a saved model: ``from_config``, build, weights, and (``compile``) the optimizer with its
    iterations and slots. Reads Keras 3 ``.keras`` files, tf.keras 2 ``.h5`` files and gradtape's own
    layouts; files are checked (digests, shapes) before use, and nothing is assigned until all is checked."""
    filepath = os.fspath(filepath)
    low = filepath.lower()
    if os.path.isfile(filepath) and (low.endswith(".keras") or low.endswith(".h5") or low.endswith(".hdf5")):
        from . import saving_keras
        if _is_keras_layout(filepath):
            if low.endswith(".keras"):
                return saving_keras.load_keras_zip(filepath, custom_objects, compile, safe_mode)
            return saving_keras.load_legacy_model(filepath, custom_objects, compile, safe_mode)
    config, arrays, names, _, opt_arrays = _read_model_files(filepath)
    cls = _model_class(config["class_name"], custom_objects)
    try:
        model = cls.from_config(config["config"], custom_objects=custom_objects)
    except TypeError:
        model = cls.from_config(config["config"])
    weights = _weights_of(model)
    if len(weights) != len(arrays) and config.get("build_input_shape") is not None and hasattr(model, "build"):
        model.build(config["build_input_shape"])
        weights = _weights_of(model)
    plan = plan_weights(weights, arrays, names, filepath, what=f"rebuilt {config['class_name']}")
    cc = config.get("compile_config")
    if compile and cc and hasattr(model, "compile"):
        _check_optimizer_arrays(weights, opt_arrays, filepath)
    apply_plan(plan)
    if compile and cc and hasattr(model, "compile"):
        _compile_model(model, cc)
        if opt_arrays:
            restore_optimizer_state(model.optimizer, weights, opt_arrays)
    return model


# -- keras.saving registration helpers ------------------------------------------------------------------
def register_keras_serializable(package: str = "Custom", name: Optional[str] = None) -> Callable:
    """Register a class under ``'<package>><name>'`` (and its plain name) so ``load_model`` finds it
    (``keras.saving.register_keras_serializable``)."""
    from .utils import register_keras_serializable as _register
    return _register(package=package, name=name)


def get_custom_objects() -> dict:
    """The registry of custom objects (``keras.saving.get_custom_objects``)."""
    from .utils import get_custom_objects as _get
    return _get()


def get_registered_name(obj: Any) -> str:
    """``'<package>><name>'`` of a registered class, else its class name (``keras.saving.get_registered_name``)."""
    from .saving_keras import _registered_name
    cls = obj if isinstance(obj, type) else type(obj)
    return _registered_name(cls) or cls.__name__
