"""Keras's own file layouts, so files move between gradtape and real Keras in both directions.

* Keras 3 ``.keras``: a zip of ``config.json`` (the architecture in Keras 3's serialization:
  ``{"module", "class_name", "config", "registered_name", "build_config", "compile_config"}``),
  ``metadata.json`` and ``model.weights.h5``.
* Keras 3 ``.weights.h5``: every saveable object's own variables under the path Keras's saver gives it
  (``layers/<snake_case class name>[_<n>]/vars/<i>``; attributes of subclassed models by attribute name;
  an RNN's cell under ``cell``), each ``vars`` group tagged with the layer's name.
* Keras 2 (tf.keras) legacy ``.h5``: ``layer_names`` and per-layer ``weight_names`` attributes, one group
  per layer (at the root for ``save_weights``, under ``model_weights`` next to a ``model_config``
  attribute for ``save``).

Configs are translated between Keras 3's form and gradtape's (tf.keras) form; a layer class or config
option gradtape does not support fails the load with an error that names it. Loading never runs code
from the file: no pickle, and a ``Lambda`` holding Python bytecode is refused unless ``safe_mode=False``.
Optimizer slot variables are exchanged only through gradtape's own extra members (Keras's optimizer
variable order is version dependent); iterations and learning rate are written in Keras's layout.
"""
from __future__ import annotations

import datetime
import io
import json
import re
import warnings
import zipfile
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..devices import to_host as _to_host

from . import saving as _s

KERAS_VERSION = "3.15.1"  # the Keras release whose layouts these files follow
_GT_OPT = "gradtape_optimizer.npz"   # extra .keras member: gradtape's full optimizer state


def _h5py() -> Any:
    return _s._require("h5py", "Keras .keras/.h5 files")


def _is_layer(x: Any) -> bool:
    return getattr(type(x), "_gt_layer", False)


def _snake(name: str) -> str:
    """Keras's ``to_snake_case`` (``Conv2D`` -> ``conv2d``, ``InputLayer`` -> ``input_layer``)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return "private" + s if s.startswith("_") else s


def _is_graph_model(obj: Any) -> bool:
    from .models import Sequential
    return isinstance(obj, Sequential) or bool(getattr(obj, "_is_graph_network", False))


def _is_model(obj: Any) -> bool:
    from .models import Model
    return isinstance(obj, Model)


def _own_vars(obj: Any) -> List[Any]:
    """A layer's own variables in Keras's order: trainable, then non-trainable."""
    own = list(obj._tracked_variables()) if hasattr(obj, "_tracked_variables") else []
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def keras3_entries(model: Any) -> List[Tuple[str, Any, List[Any]]]:
    """``[(path, object, own variables)]`` in the order and with the paths Keras 3's saver gives a model
    of the same structure (``saving_lib._save_state``: objects are visited once; containers name their
    items by snake-cased class name with a per-container counter)."""
    out: List[Tuple[str, Any, List[Any]]] = []
    visited: set = set()

    def join(a: str, b: str) -> str:
        return f"{a}/{b}" if a else b

    def visit(obj: Any, path: str) -> None:
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj, _own_vars(obj)))
        for attr, child in children(obj):
            p = join(path, attr)
            if _is_layer(child):
                visit(child, p)
            elif isinstance(child, (list, tuple, dict)):
                container(child, p)

    def container(c: Any, path: str) -> None:
        used: Dict[str, int] = {}
        for item in (list(c.values()) if isinstance(c, dict) else list(c)):
            if not _is_layer(item):
                continue
            name = _snake(type(item).__name__)
            if name in used:
                used[name] += 1
                name = f"{name}_{used[name]}"
            else:
                used[name] = 0
            visit(item, join(path, name))

    def children(obj: Any) -> List[Tuple[str, Any]]:
        if _is_graph_model(obj):
            return [("layers", list(obj.layers))]
        items = [(k, v) for k, v in obj._tracked_items()
                 if _is_layer(v) or (isinstance(v, (list, tuple, dict)) and _has_layers(v))]
        if _is_model(obj):
            items.append(("layers", list(obj.layers)))
        return sorted(items, key=lambda kv: _snake(kv[0]) if not kv[0].startswith("_") else kv[0])

    visit(model, "")
    return out


def _has_layers(c: Any) -> bool:
    vals = list(c.values()) if isinstance(c, dict) else list(c)
    return any(_is_layer(v) for v in vals)


# -- Keras 3 weights (.weights.h5 and inside .keras) -------------------------------------------------------
def write_keras3_weights(h5file: Any, model: Any, optimizer: Any = None) -> List[np.ndarray]:
    """Write ``model``'s variables into an open h5py file in Keras 3's layout; returns the arrays in
    the order written (for a digest)."""
    written = []
    for path, obj, vars_ in keras3_entries(model):
        g = h5file.require_group(f"{path}/vars" if path else "vars")
        g.attrs["name"] = str(getattr(obj, "name", ""))
        for i, v in enumerate(vars_):
            a = np.asarray(_to_host(v._value))
            g.create_dataset(str(i), data=a)
            written.append(a)
    if optimizer is not None:
        g = h5file.require_group("optimizer/vars")
        g.attrs["name"] = str(getattr(optimizer, "name", "optimizer"))
        for i, a in enumerate(keras3_optimizer_arrays(optimizer, model)):
            g.create_dataset(str(i), data=a)
    return written


def _keras3_slot_groups(optimizer: Any) -> Optional[List[Tuple[str, ...]]]:
    """Keras 3's optimizer variable layout after ``iteration`` (and ``learning_rate``): groups of slot names
    (gradtape's names), each group created interleaved over the trainable variables, groups one after the
    other (``add_optimizer_variables``). None for optimizers whose layout is not mapped."""
    from . import optimizers as _opt
    if isinstance(optimizer, _opt.Adam) and type(optimizer).__name__ in ("Adam", "AdamW"):
        return [("m", "v")] + ([("vhat",)] if optimizer.amsgrad else [])
    name = type(optimizer).__name__
    if name == "SGD":
        return [("momentum",)] if optimizer.momentum else []
    if name == "RMSprop":       # velocity, momentum (if any), average_gradient (if centered): one group each
        return [(n,) for n in optimizer._slot_names]
    if name == "Adagrad":
        return [("accumulator",)]
    if name == "Adamax":
        return [("m", "u")]     # Keras's momentum, norm
    return None


def _keras3_prefix(optimizer: Any) -> List[np.ndarray]:
    out = [np.asarray(optimizer.iterations._value, dtype=np.int64)]
    if getattr(optimizer, "_schedule", None) is None:
        lr = getattr(optimizer, "_lr_var", None)
        out.append(np.asarray(_to_host(lr._value) if lr is not None else 0.0, dtype=np.float32))
    return out


def keras3_optimizer_arrays(optimizer: Any, model: Any) -> List[np.ndarray]:
    """The optimizer's variables in Keras 3's order: ``iteration``, ``learning_rate`` (unless a schedule),
    then the slots of ``model.trainable_variables`` (written only when the layout is mapped and every
    trainable variable has its slots)."""
    out = _keras3_prefix(optimizer)
    groups = _keras3_slot_groups(optimizer)
    if not groups:
        return out
    slots = {id(v): s for v, s in optimizer._slot_items()}
    train = list(model.trainable_variables)
    if not train or any(id(v) not in slots for v in train):
        return out
    for group in groups:
        for v in train:
            for name in group:
                out.append(np.array(_to_host(slots[id(v)][name]), copy=True))   # device slots: to the host
    return out


def restore_keras3_optimizer(optimizer: Any, model: Any, arrays: List[np.ndarray], source: str) -> bool:
    """Set the optimizer's iteration count, learning rate and slots from Keras 3's ``optimizer/vars``; False
    (nothing but the iteration count set) when the layout is not one gradtape maps."""
    prefix = len(_keras3_prefix(optimizer))
    if arrays and np.asarray(arrays[0]).size == 1:
        optimizer.iterations = int(np.asarray(arrays[0]).reshape(()))
    groups = _keras3_slot_groups(optimizer)
    train = list(model.trainable_variables)
    n_slots = sum(len(g) for g in groups or []) * len(train)
    if groups is None or len(arrays) != prefix + n_slots:
        return len(arrays) <= prefix
    if prefix == 2:
        optimizer.learning_rate = float(np.asarray(arrays[1]).reshape(()))
    per: Dict[int, Dict[str, np.ndarray]] = {}
    it = iter(arrays[prefix:])
    for group in groups:
        for i, v in enumerate(train):
            for name in group:
                a = next(it)
                if np.shape(a) != tuple(np.shape(v._value)):
                    raise _s.CorruptFileError(f"{source}: optimizer slot {name!r} of {v.name!r} has shape "
                                              f"{list(np.shape(a))}, the variable {list(np.shape(v._value))}.")
                per.setdefault(i, {})[name] = a
    for i, slots in per.items():
        optimizer._restore_slots(train[i], slots)
    return True


def _read_vars_group(g: Any) -> List[np.ndarray]:
    keys = sorted((k for k in g.keys()), key=lambda k: int(k) if k.isdigit() else -1)
    if any(not k.isdigit() for k in keys) or keys != [str(i) for i in range(len(keys))]:
        raise _s.CorruptFileError(f"unexpected entries {keys[:8]} in the weights group {g.name}")
    return [np.asarray(g[k][()]) for k in keys]


def plan_keras3_weights(h5file: Any, model: Any, source: str, skip_mismatch: bool = False) -> list:
    """Match a Keras 3 weights file to ``model`` (by structure, as Keras) and check every shape;
    returns ``[(variable, array)]`` (nothing assigned yet)."""
    plan = []
    used = set()
    for path, obj, vars_ in keras3_entries(model):
        key = f"{path}/vars" if path else "vars"
        stored: List[np.ndarray] = []
        if key in h5file:
            stored = _read_vars_group(h5file[key])
            used.add(key)
        lname = str(getattr(obj, "name", path))
        if len(stored) != len(vars_):
            msg = (f"Layer {lname!r} (at {path or '/'} in {source}) expects {len(vars_)} variables, but the file "
                   f"holds {len(stored)}.")
            if skip_mismatch:
                warnings.warn("Skipping loading weights: " + msg, UserWarning, stacklevel=3)
                continue
            raise ValueError(msg + " The model's architecture differs from the saved one.")
        layer_plan, bad = [], None
        for v, a in zip(vars_, stored):
            if tuple(np.shape(v._value)) != tuple(a.shape):
                bad = (f"Shape mismatch in layer {lname!r} for variable {getattr(v, 'name', '?')!r}: the model "
                       f"expects {list(np.shape(v._value))}, {source} has {list(a.shape)}.")
                break
            if a.dtype.hasobject or a.dtype.kind not in "biuf":
                raise _s.CorruptFileError(f"{source}: variable {len(layer_plan)} of {lname!r} is not numeric.")
            layer_plan.append((v, a))
        if bad:
            if skip_mismatch:
                warnings.warn("Skipping loading weights of layer: " + bad, UserWarning, stacklevel=3)
                continue
            raise ValueError(bad)
        plan.extend(layer_plan)
    extra = []

    def find(name: str, obj: Any) -> None:
        if name.endswith("/vars") or name == "vars":
            if name not in used and len(obj) and not name.startswith("optimizer"):
                extra.append(name)
    h5file.visititems(find)
    if extra and not skip_mismatch:
        raise ValueError(f"{source} holds weights at {extra[:5]} for which the model has no layer: the "
                         "architectures differ.")
    return plan


def save_keras3_weights(model: Any, filepath: str) -> None:
    h5py = _h5py()

    def write(tmp: str) -> None:
        with h5py.File(tmp, "w") as f:
            arrays = write_keras3_weights(f, model)
            f.attrs["gradtape_sha256"] = _s.arrays_digest(arrays, [str(i) for i in range(len(arrays))])
    _s.atomic_write(filepath, write)


def _check_h5_digest(f: Any, plan_arrays: List[np.ndarray], source: str) -> None:
    want = f.attrs.get("gradtape_sha256")
    if want is not None and _s.arrays_digest(plan_arrays, [str(i) for i in range(len(plan_arrays))]) != str(want):
        raise _s.CorruptFileError(f"{source} is corrupted: its weights do not match the SHA-256 digest stored in it.")


def load_keras3_weights(model: Any, filepath: str, skip_mismatch: bool = False) -> None:
    h5py = _h5py()
    try:
        with h5py.File(filepath, "r") as f:
            plan = plan_keras3_weights(f, model, filepath, skip_mismatch)
            if not skip_mismatch:
                _check_h5_digest(f, [a for _, a in plan], filepath)
    except (ValueError, ImportError, NotImplementedError):
        raise
    except Exception as e:  # noqa: BLE001
        raise _s._corrupt(filepath, "Keras weights file", e) from None
    _s.apply_plan(plan)


# -- Keras 2 legacy h5 -----------------------------------------------------------------------------------
def _str_list(value: Any) -> List[str]:
    return [x.decode("utf8") if isinstance(x, bytes) else str(x) for x in np.asarray(value).reshape(-1).tolist()]


def _legacy_layers(model: Any) -> List[Any]:
    layers = getattr(model, "layers", None)
    if not isinstance(layers, (list, tuple)):
        raise ValueError(f"Keras 2 .h5 weight files are written per layer; {type(model).__name__} has no layers.")
    return list(layers)


def write_legacy_weights(g: Any, model: Any) -> List[np.ndarray]:
    """Keras 2's ``save_weights_to_hdf5_group`` layout into group ``g``."""
    layers = _legacy_layers(model)
    g.attrs["layer_names"] = np.array([l.name.encode("utf8") for l in layers])
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = KERAS_VERSION.encode()
    written = []
    for layer in layers:
        lg = g.create_group(layer.name)
        ws = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        names = []
        for i, v in enumerate(ws):
            n = str(getattr(v, "name", f"param_{i}"))
            if n in names or not n:
                n = f"{layer.name}/param_{i}"
            names.append(n)
        lg.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])
        for n, v in zip(names, ws):
            a = np.asarray(_to_host(v._value))
            lg.create_dataset(n, data=a)
            written.append(a)
    tg = g.create_group("top_level_model_weights")
    tg.attrs["weight_names"] = np.array([], dtype="S1")
    return written


def read_legacy_weights(g: Any) -> Tuple[List[np.ndarray], List[str], List[list]]:
    """``(arrays, weight names, [[layer name, indices]])`` of the layers with weights in group ``g``."""
    if "layer_names" not in g.attrs:
        raise ValueError(f"{g.file.filename}: no 'layer_names' attribute: not a Keras weights file.")
    arrays, names, groups = [], [], []
    for ln in _str_list(g.attrs["layer_names"]):
        lg = g[ln]
        wnames = _str_list(lg.attrs.get("weight_names", []))
        if not wnames:
            continue
        idx = []
        for wn in wnames:
            a = np.asarray(lg[wn][()])
            if a.dtype.hasobject or a.dtype.kind not in "biuf":
                raise _s.CorruptFileError(f"weight {wn!r} of layer {ln!r} is not numeric.")
            idx.append(len(arrays))
            arrays.append(a)
            names.append(wn)
        groups.append([ln, idx])
    return arrays, names, groups


def legacy_groups(model: Any) -> Tuple[List[Any], List[Tuple[str, List[int]]]]:
    """The model's variables in Keras 2's per-layer order and its layer groups (layers with weights)."""
    weights, groups = [], []
    for layer in _legacy_layers(model):
        ws = list(layer.trainable_weights) + list(layer.non_trainable_weights)
        if ws:
            groups.append((layer.name, list(range(len(weights), len(weights) + len(ws)))))
            weights.extend(ws)
    return weights, groups


def plan_legacy(g: Any, model: Any, source: str, by_name: bool, skip_mismatch: bool) -> list:
    arrays, names, file_groups = read_legacy_weights(g)
    weights, groups = legacy_groups(model)
    if not by_name and not skip_mismatch and len(groups) != len(file_groups):
        raise ValueError(f"Layer count mismatch when loading weights from {source}: the model has {len(groups)} "
                         f"layers with weights, the file {len(file_groups)} "
                         f"({[n for n, _ in file_groups][:8]}). Pass by_name=True to match layers by name.")
    return _s.plan_weights(weights, arrays, names, source, what=type(model).__name__, groups=groups,
                           file_groups=file_groups, by_name=by_name, skip_mismatch=skip_mismatch, layerwise=True)


def save_legacy_weights(model: Any, filepath: str) -> None:
    h5py = _h5py()

    def write(tmp: str) -> None:
        with h5py.File(tmp, "w") as f:
            arrays = write_legacy_weights(f, model)
            f.attrs["gradtape_sha256"] = _s.arrays_digest(arrays, [str(i) for i in range(len(arrays))])
    _s.atomic_write(filepath, write)


def h5_kind(f: Any) -> str:
    """``'gradtape'`` (gradtape's own layout), ``'legacy_model'``, ``'legacy_weights'`` or ``'keras3'``."""
    if "gradtape_meta" in f.attrs and "weights" in f:
        return "gradtape"
    if "model_weights" in f and "layer_names" in f["model_weights"].attrs:
        return "legacy_model"
    if "layer_names" in f.attrs:
        return "legacy_weights"
    if "vars" in f or "layers" in f:
        return "keras3"
    raise ValueError(f"{f.filename} is not a Keras or gradtape weights file (no known layout).")


def load_h5_weights(model: Any, filepath: str, by_name: bool, skip_mismatch: bool) -> bool:
    """Load a Keras-layout ``.h5`` file into ``model``; False when it is gradtape's own layout."""
    h5py = _h5py()
    try:
        with h5py.File(filepath, "r") as f:
            kind = h5_kind(f)
            if kind == "gradtape":
                return False
            if kind == "keras3":
                if by_name:
                    raise ValueError(f"{filepath} is in Keras 3's .weights.h5 layout, which Keras loads by "
                                     "structure only: by_name=True is not supported for it (as in Keras 3).")
                plan = plan_keras3_weights(f, model, filepath, skip_mismatch)
            else:
                g = f["model_weights"] if kind == "legacy_model" else f
                plan = plan_legacy(g, model, filepath, by_name, skip_mismatch)
            if not (by_name or skip_mismatch):
                _check_h5_digest(f, [a for _, a in plan], filepath)
    except (ValueError, ImportError, NotImplementedError):
        raise
    except Exception as e:  # noqa: BLE001
        raise _s._corrupt(filepath, "HDF5 weights file", e) from None
    _s.apply_plan(plan)
    return True


# -- configs: Keras 3 <-> gradtape ------------------------------------------------------------------------
# Keras 3 config keys gradtape's layers do not take, with the value that means "off" (dropped then).
_KERAS3_ONLY_DEFAULTS = {
    "quantization_config": None, "lora_rank": None, "lora_alpha": None, "synchronized": False,
    "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "optional": False,
    "zero_output_for_mask": False, "seed": None, "rms_scaling": False, "use_cudnn": "auto", "input_axes": None, "output_axes": None,
    "shared_object_id": None, "build_config": None, "registered_name": None, "module": None,
}
_GRADTAPE_ONLY_DEFAULTS = {"time_major": False, "dynamic": False}


def _policy_name(d: Any) -> Any:
    if isinstance(d, dict) and d.get("class_name") in ("DTypePolicy", "Policy", "FloatDTypePolicy"):
        return (d.get("config") or {}).get("name")
    return d


def _from_keras_value(v: Any, safe_mode: bool, where: str) -> Any:
    if isinstance(v, dict):
        cls = v.get("class_name")
        if cls == "__lambda__" or (isinstance(v.get("config"), dict) and v["config"].get("class_name") == "__lambda__"):
            if safe_mode:
                raise ValueError(
                    f"{where}: the file holds a Python lambda (bytecode). Loading it would execute code from the file, "
                    "which is disallowed by default. If you trust the file, pass safe_mode=False.")
            raise NotImplementedError(f"{where}: gradtape cannot rebuild Python lambdas stored as bytecode; "
                                      "define the function in code and pass it through custom_objects.")
        if cls in ("__tuple__",):
            return [_from_keras_value(x, safe_mode, where) for x in v.get("config", {}).get("value", [])]
        if cls in ("DTypePolicy", "Policy", "FloatDTypePolicy"):
            return _policy_name(v)
        if cls is not None and "config" in v:
            out = {"class_name": cls, "config": _clean_config(v["config"], cls, safe_mode, where)}
            return out
        return {k: _from_keras_value(x, safe_mode, where) for k, x in v.items() if k != "shared_object_id"}
    if isinstance(v, list):
        return [_from_keras_value(x, safe_mode, where) for x in v]
    return v


def _clean_config(cfg: Any, cls: str, safe_mode: bool, where: str) -> Any:
    if not isinstance(cfg, dict):
        return _from_keras_value(cfg, safe_mode, where)
    out = {}
    for k, v in cfg.items():
        if k == "use_cudnn":
            continue  # a kernel choice in Keras; the numbers are the same
        if k in _KERAS3_ONLY_DEFAULTS:
            if v == _KERAS3_ONLY_DEFAULTS[k] or v is None or (k == "seed" and cls in
                                                              ("GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform",
                                                               "Orthogonal", "RandomNormal", "RandomUniform",
                                                               "TruncatedNormal", "LecunNormal", "LecunUniform",
                                                               "VarianceScaling", "Dropout")):
                if k == "seed" and v is not None:
                    out[k] = v
                continue
            if k in ("module", "registered_name", "build_config", "shared_object_id"):
                continue
            raise NotImplementedError(f"{where}: Keras option {k}={v!r} of {cls} is not supported by gradtape.")
        out[k] = _from_keras_value(v, safe_mode, f"{where}.{k}")
    if "dtype" in out:
        out["dtype"] = _policy_name(out["dtype"])
    if cls == "InputLayer" and "batch_shape" in out:
        out["batch_input_shape"] = out.pop("batch_shape")
    return out


def _keras_tensor_ref(t: Any) -> list:
    hist = t["config"]["keras_history"]
    return [hist[0], hist[1], hist[2]]


def _inbound_nodes(nodes: Any, where: str) -> list:
    """Keras 3's ``[{"args": [...], "kwargs": {...}}]`` nodes as tf.keras 2's ``[[[name, node, tensor, kwargs]]]``."""
    out = []
    for node in nodes or []:
        if isinstance(node, list):  # already tf.keras 2's form
            out.append(node)
            continue
        args, kwargs = list(node.get("args", [])), dict(node.get("kwargs", {}))
        refs = []

        def collect(x: Any) -> None:
            if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
                refs.append(_keras_tensor_ref(x))
            elif isinstance(x, (list, tuple)):
                for y in x:
                    collect(y)
            elif x is not None:
                raise NotImplementedError(f"{where}: a first call argument {x!r} that is not a Keras tensor is "
                                          "not supported by gradtape's functional rebuild.")
        if args:
            collect(args[0])
        elif kwargs:
            raise NotImplementedError(f"{where}: a layer called with keyword arguments only is not supported.")
        if len(args) > 1:   # the other positional arguments (MultiHeadAttention(query, value)); rebuilt in order
            kwargs["__positional__"] = args[1:]
        out.append([r + [kwargs] for r in refs])
    return out


def _io_layers(v: Any) -> list:
    if v and isinstance(v[0], str):
        return [list(v)]
    return [list(x) for x in v]


def from_keras_config(config: Dict[str, Any], safe_mode: bool = True) -> Dict[str, Any]:
    """A Keras 3 (or tf.keras 2) model/layer config as gradtape's ``{"class_name", "config"}``."""
    cls = config.get("class_name")
    where = f"{cls} {config.get('config', {}).get('name', '')!s}".strip()
    cfg = dict(config.get("config") or {})
    if cls in ("Sequential",):
        layers = [from_keras_config(lc, safe_mode) for lc in cfg.get("layers", [])]
        out = {"name": cfg.get("name"), "layers": layers}
        return {"class_name": "Sequential", "config": out, "build_config": config.get("build_config")}
    if cls in ("Functional", "Model") and "layers" in cfg:
        layers = []
        for lc in cfg["layers"]:
            inner = from_keras_config(lc, safe_mode)
            inner["name"] = lc.get("name", inner["config"].get("name"))
            inner["inbound_nodes"] = _inbound_nodes(lc.get("inbound_nodes"), f"layer {inner['name']!r}")
            layers.append(inner)
        out = {"name": cfg.get("name"), "trainable": cfg.get("trainable", True), "layers": layers,
               "input_layers": _io_layers(cfg["input_layers"]), "output_layers": _io_layers(cfg["output_layers"])}
        return {"class_name": "Functional", "config": out}
    out = {"class_name": cls, "config": _clean_config(cfg, cls, safe_mode, where)}
    if config.get("registered_name") and config.get("registered_name") != cls:
        out["registered_name"] = config["registered_name"]
    if config.get("build_config"):
        out["build_config"] = config["build_config"]
    return out


def _registered_name(cls: type) -> Optional[str]:
    from .layers.serialization import _CUSTOM_OBJECTS
    for k, v in _CUSTOM_OBJECTS.items():
        if v is cls and ">" in k:
            return k
    return None


_BUILTIN_MODULES = ("gradtape.keras.layers", "gradtape.keras.models", "gradtape.keras.engine")


def to_keras_config(obj_config: Dict[str, Any], obj: Any = None) -> Dict[str, Any]:
    """gradtape's ``{"class_name", "config"}`` (tf.keras form) as Keras 3 serializes it."""
    cls = obj_config["class_name"]
    cfg = obj_config.get("config") or {}
    module = "keras.layers"
    registered = None
    if obj is not None and not type(obj).__module__.startswith(_BUILTIN_MODULES):
        registered = _registered_name(type(obj))  # None: the loader needs custom_objects={name: cls}
        module = None if registered else type(obj).__module__
    if cls == "Sequential":
        layers = [to_keras_config(lc) for lc in cfg.get("layers", [])]
        return {"module": "keras", "class_name": "Sequential",
                "config": {"name": cfg.get("name"), "trainable": True, "dtype": "float32", "layers": layers},
                "registered_name": None}
    if cls in ("Functional", "Model") and "layers" in cfg:
        if obj is not None and getattr(obj, "_is_graph_network", False):
            cfg = obj._functional_config(_keras3_tensor)      # nodes in Keras 3's form (several arguments)
        layers = []
        for lc in cfg["layers"]:
            k = to_keras_config({"class_name": lc["class_name"], "config": lc["config"]})
            k["name"] = lc["name"]
            k["inbound_nodes"] = lc.get("inbound_nodes", [])
            layers.append(k)
        out = {"name": cfg.get("name"), "trainable": cfg.get("trainable", True), "layers": layers,
               "input_layers": cfg["input_layers"], "output_layers": cfg["output_layers"]}
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": out,
                "registered_name": None}
    clean = {}
    for k, v in cfg.items():
        if k in _GRADTAPE_ONLY_DEFAULTS and v == _GRADTAPE_ONLY_DEFAULTS[k]:
            continue
        clean[k] = _to_keras_value(v, k)
    if cls == "InputLayer" and "batch_input_shape" in clean:
        clean["batch_shape"] = clean.pop("batch_input_shape")
    return {"module": module, "class_name": cls if registered is None else cls, "config": clean,
            "registered_name": registered}


def _keras_metric_entries(m: Any, module: str = "keras.metrics") -> Any:
    """Serialized metrics (or losses) with the ``module``/``registered_name`` keys Keras 3 writes."""
    if isinstance(m, list):
        return [_keras_metric_entries(x, module) for x in m]
    if isinstance(m, dict) and "class_name" not in m:
        return {k: _keras_metric_entries(v, module) for k, v in m.items()}
    if isinstance(m, dict):
        return {"module": m.get("module", module), "class_name": m["class_name"], "config": m["config"],
                "registered_name": m.get("registered_name")}
    return m


def _keras3_tensor(t: Any, ref: list) -> Dict[str, Any]:
    """A Keras tensor in a node's arguments as Keras 3 serializes it."""
    dt = getattr(t, "dtype", "float32")
    return {"class_name": "__keras_tensor__",
            "config": {"shape": [None if d is None else int(d) for d in t.shape],
                       "dtype": getattr(dt, "name", str(dt)), "keras_history": list(ref)}}


_MODULE_BY_SUFFIX = (("_initializer", "keras.initializers"), ("_regularizer", "keras.regularizers"),
                     ("_constraint", "keras.constraints"), ("learning_rate", "keras.optimizers.schedules"),
                     ("activation", "keras.activations"), ("loss", "keras.losses"))


def _to_keras_value(v: Any, key: str = "") -> Any:
    """A nested ``{"class_name", "config"}`` value with the ``module`` Keras 3 looks it up in."""
    if isinstance(v, dict) and "class_name" in v and "config" in v:
        module = next((m for suffix, m in _MODULE_BY_SUFFIX if key.endswith(suffix)), None)
        return {"module": module, "class_name": v["class_name"],
                "config": {k: _to_keras_value(x, k) for k, x in (v["config"] or {}).items()}, "registered_name": None}
    if isinstance(v, dict):
        return {k: _to_keras_value(x, k) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_to_keras_value(x, key) for x in v]
    return v


def _strip_gradtape_only(v: Any) -> Any:
    """A tf.keras-form config without the gradtape-only options that are at their defaults."""
    if isinstance(v, dict):
        return {k: _strip_gradtape_only(x) for k, x in v.items()
                if not (k in _GRADTAPE_ONLY_DEFAULTS and x == _GRADTAPE_ONLY_DEFAULTS[k])}
    if isinstance(v, list):
        return [_strip_gradtape_only(x) for x in v]
    return v


# -- whole models in .keras -------------------------------------------------------------------------------
def _lookup_class(conf: Dict[str, Any], custom_objects: Optional[dict]) -> Any:
    from .layers import serialization as _serial
    from . import models as _models
    name = conf["class_name"]
    reg = conf.get("registered_name")
    for key in (reg, name):
        if key and custom_objects and key in custom_objects:
            return custom_objects[key]
        if key and key in _serial._CUSTOM_OBJECTS:
            return _serial._CUSTOM_OBJECTS[key]
    if name == "Functional":
        return _models.Model
    try:
        return _serial._lookup(name, custom_objects)
    except ValueError:
        raise ValueError(f"Unknown Keras class {reg or name!r} in the saved config: gradtape has no such layer or "
                         "model. Pass custom_objects={...} or register the class with "
                         "keras.saving.register_keras_serializable().") from None


def build_from_config(conf: Dict[str, Any], custom_objects: Optional[dict]) -> Any:
    """Instantiate the model of a translated config (see :func:`from_keras_config`)."""
    cls = _lookup_class(conf, custom_objects)
    merged = dict(custom_objects or {})
    try:
        try:
            model = cls.from_config(conf["config"], custom_objects=merged)
        except TypeError as e:
            if "custom_objects" not in str(e):
                raise
            model = cls.from_config(conf["config"])
    except TypeError as e:
        raise NotImplementedError(f"Cannot rebuild {conf['class_name']} from the saved config: {e} (a Keras "
                                  "option gradtape does not support?).") from None
    bc = conf.get("build_config") or {}
    shape = bc.get("input_shape")
    if shape is not None and not getattr(model, "built", False) and hasattr(model, "build"):
        model.build(shape)
    return model


def save_keras_zip(model: Any, filepath: str) -> None:
    """``model.save('x.keras')`` in Keras 3's format (plus gradtape's optimizer slots as an extra member)."""
    h5py = _h5py()
    config = to_keras_config({"class_name": _model_class_name(model), "config": model.get_config()}, model)
    shape = _s._build_shape(model)
    if shape is not None:
        config["build_config"] = {"input_shape": shape}
    opt = getattr(model, "optimizer", None)
    compile_cfg = _s._model_documents_compile(model)
    if compile_cfg is not None:
        compile_cfg = dict(compile_cfg, optimizer=_to_keras_value(compile_cfg["optimizer"], "optimizer"))
        compile_cfg["optimizer"]["module"] = "keras.optimizers"
        compile_cfg["metrics"] = _keras_metric_entries(compile_cfg.get("metrics"))
        compile_cfg["loss"] = _keras_metric_entries(compile_cfg.get("loss"), "keras.losses")
        config["compile_config"] = dict({"loss_weights": None, "weighted_metrics": None, "run_eagerly": False,
                                         "steps_per_execution": 1, "jit_compile": False, "metrics": None},
                                        **compile_cfg)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        arrays = write_keras3_weights(f, model, opt if compile_cfg is not None else None)
        f.attrs["gradtape_sha256"] = _s.arrays_digest(arrays, [str(i) for i in range(len(arrays))])
    files = {"config.json": json.dumps(config, default=_s._json_default).encode(),
             "model.weights.h5": buf.getvalue()}
    if compile_cfg is not None and opt is not None:
        opt_arrays, _ = _s.optimizer_state(opt, _s._weights_of(model))
        files[_GT_OPT] = _s._npz_bytes(_s._opt_payload(opt_arrays))
    meta = {"keras_version": KERAS_VERSION, "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "gradtape": {"sha256": {k: _s._sha(v) for k, v in files.items()}}}
    files["metadata.json"] = json.dumps(meta).encode()

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            for name in ("metadata.json", "config.json", "model.weights.h5", _GT_OPT):
                if name in files:
                    z.writestr(name, files[name])
    _s.atomic_write(filepath, write)


def _model_class_name(model: Any) -> str:
    from .models import Sequential
    if isinstance(model, Sequential):
        return "Sequential"
    if getattr(model, "_is_graph_network", False):
        return "Functional"
    return type(model).__name__


def load_keras_zip(filepath: str, custom_objects: Optional[dict], compile: bool, safe_mode: bool) -> Any:  # noqa: A002
    h5py = _h5py()
    try:
        with zipfile.ZipFile(filepath) as z:
            names = set(z.namelist())
            raw = {n: z.read(n) for n in ("metadata.json", "config.json", "model.weights.h5", _GT_OPT) if n in names}
    except Exception as e:  # noqa: BLE001
        raise _s._corrupt(filepath, ".keras (zip) file", e) from None
    if "config.json" not in raw:
        raise _s.CorruptFileError(f"{filepath} has no config.json: not a .keras file.")
    if "model.weights.h5" not in raw:
        if "model.weights.npz" in names:
            raise NotImplementedError(f"{filepath} stores its weights as model.weights.npz; only Keras 3's "
                                      "model.weights.h5 is supported.")
        raise _s.CorruptFileError(f"{filepath} has no model.weights.h5.")
    try:
        meta = json.loads(raw.get("metadata.json", b"{}"))
        digests = ((meta.get("gradtape") or {}).get("sha256") or {}) if isinstance(meta, dict) else {}
        config = json.loads(raw["config.json"])
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError("config.json has no class_name")
    except Exception as e:  # noqa: BLE001
        raise _s._corrupt(filepath, ".keras file's JSON", e) from None
    for name, digest in digests.items():
        if name != "metadata.json" and (name not in raw or _s._sha(raw[name]) != digest):
            raise _s.CorruptFileError(f"{filepath}: member {name} is missing or does not match its digest.")
    conf = from_keras_config(config, safe_mode)
    conf["build_config"] = config.get("build_config") or conf.get("build_config")
    model = build_from_config(conf, custom_objects)
    try:
        with h5py.File(io.BytesIO(raw["model.weights.h5"]), "r") as f:
            plan = plan_keras3_weights(f, model, filepath)
            _check_h5_digest(f, [a for _, a in plan], filepath)
            keras_opt = _read_vars_group(f["optimizer/vars"]) if "optimizer/vars" in f else []
    except (ValueError, NotImplementedError):
        raise
    except Exception as e:  # noqa: BLE001
        raise _s._corrupt(filepath, ".keras file's model.weights.h5", e) from None
    opt_arrays = None
    if _GT_OPT in raw:
        oa, on, _ = _s._checked_npz(raw[_GT_OPT], filepath + ":" + _GT_OPT)
        opt_arrays = dict(zip(on, oa))
        _s._check_optimizer_arrays(_s._weights_of(model), opt_arrays, filepath)
    _s.apply_plan(plan)
    cc = config.get("compile_config")
    if compile and cc:
        _compile_from_keras(model, cc, custom_objects, filepath)
        if opt_arrays:
            _s.restore_optimizer_state(model.optimizer, _s._weights_of(model), opt_arrays)
        elif keras_opt and getattr(model, "optimizer", None) is not None:
            if not restore_keras3_optimizer(model.optimizer, model, keras_opt, filepath):
                warnings.warn(f"{filepath}: the optimizer's slot variables (moments etc.) were not restored "
                              f"(gradtape maps Keras 3's layout for Adam, AdamW, SGD, RMSprop, Adagrad and Adamax only, not "
                              f"{type(model.optimizer).__name__}, or the file has another number of optimizer "
                              "variables); iterations were. Training resumes with fresh optimizer slots.",
                              UserWarning, stacklevel=3)
    return model


def _compile_from_keras(model: Any, cc: Dict[str, Any], custom_objects: Optional[dict], source: str) -> None:
    from . import optimizers as _opt
    try:
        oc = cc.get("optimizer")
        if isinstance(oc, dict):
            oc = {"class_name": oc.get("class_name"), "config": {k: v for k, v in (oc.get("config") or {}).items()}}
        optimizer = _opt.deserialize(oc, custom_objects=custom_objects) if oc is not None else "rmsprop"
        loss = cc.get("loss")
        if isinstance(loss, dict):
            from . import losses as _losses
            loss = _losses.deserialize(_from_keras_value(loss, True, "loss"))
        metrics = _s.deserialize_metrics(cc.get("metrics"), custom_objects)
        weighted = _s.deserialize_metrics(cc.get("weighted_metrics"), custom_objects)
        kw = {"weighted_metrics": weighted} if weighted else {}
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics, loss_weights=cc.get("loss_weights"), **kw)
    except Exception as e:  # noqa: BLE001 - the model itself loaded; say what was not restored
        warnings.warn(f"{source}: the model was loaded but not compiled: its compile config could not be "
                      f"translated ({type(e).__name__}: {e}). Call model.compile(...) yourself.", UserWarning,
                      stacklevel=3)


# -- whole models in Keras 2 legacy .h5 ----------------------------------------------------------------------
def save_legacy_model(model: Any, filepath: str) -> None:
    """``model.save('x.h5')`` in tf.keras 2's HDF5 layout (``model_config`` + ``model_weights``), plus
    gradtape's compile and optimizer state in extra attributes/groups Keras ignores."""
    h5py = _h5py()
    cname = _model_class_name(model)
    if cname not in ("Sequential", "Functional"):
        raise NotImplementedError(f"Saving a subclassed model ({type(model).__name__}) to .h5 is not supported "
                                  "(Keras cannot either): use the .keras format.")
    config_json = json.dumps(_strip_gradtape_only(json.loads(json.dumps(
        {"class_name": cname, "config": model.get_config()}, default=_s._json_default))))
    compile_cfg = _s._model_documents_compile(model)
    opt = getattr(model, "optimizer", None)
    opt_arrays = _s.optimizer_state(opt, _s._weights_of(model))[0] if compile_cfg is not None else {}

    def write(tmp: str) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["backend"] = b"tensorflow"
            f.attrs["keras_version"] = KERAS_VERSION.encode()
            f.attrs["model_config"] = config_json.encode()
            g = f.create_group("model_weights")
            arrays = write_legacy_weights(g, model)
            f.attrs["gradtape_sha256"] = _s.arrays_digest(arrays, [str(i) for i in range(len(arrays))])
            if compile_cfg is not None:
                f.attrs["training_config"] = json.dumps({  # what tf.keras 2 / Keras 3 recompile from
                    "optimizer_config": compile_cfg["optimizer"], "loss": _legacy_loss(compile_cfg.get("loss")),
                    "metrics": compile_cfg.get("metrics"), "weighted_metrics": None, "loss_weights": None},
                    default=_s._json_default).encode()
                f.attrs["gradtape_compile_config"] = json.dumps(compile_cfg, default=_s._json_default).encode()
                keys = sorted(opt_arrays)
                o = f.create_group("gradtape_optimizer")
                vals = [np.asarray(opt_arrays[k]) for k in keys]
                o.attrs["gradtape_meta"] = json.dumps(_s.weights_meta(vals, keys, kind="gradtape-optimizer"))
                for i, (k, a) in enumerate(zip(keys, vals)):
                    o.create_dataset(f"{i:06d}", data=a).attrs["name"] = k
    _s.atomic_write(filepath, write)


def _legacy_loss(loss: Any) -> Any:
    """A loss for tf.keras 2's ``training_config``: a name is written as its Loss class's config (Keras 3
    cannot rebuild loss functions named by strings from this attribute)."""
    if isinstance(loss, str):
        from . import losses as _losses
        name = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError", "mape": "MeanAbsolutePercentageError",
                "msle": "MeanSquaredLogarithmicError"}.get(loss.lower())
        cls = getattr(_losses, name, None) if name else None
        if cls is None:
            cls = getattr(_losses, "".join(p.capitalize() for p in loss.split("_")), None)
        if isinstance(cls, type):
            return _losses.serialize(cls())
    return loss


def _attr_text(v: Any) -> str:
    return v.decode("utf8") if isinstance(v, (bytes, np.bytes_)) else str(v)


def load_legacy_model(filepath: str, custom_objects: Optional[dict], compile: bool, safe_mode: bool) -> Any:  # noqa: A002
    h5py = _h5py()
    try:
        f = h5py.File(filepath, "r")
    except Exception as e:  # noqa: BLE001
        raise _s._corrupt(filepath, "HDF5 model file", e) from None
    with f:
        try:
            if "model_config" not in f.attrs:
                raise ValueError(f"{filepath} holds no model config: it is a weights file (use load_weights).")
            config = json.loads(_attr_text(f.attrs["model_config"]))
            conf = from_keras_config(config, safe_mode)
            model = build_from_config(conf, custom_objects)
            plan = plan_legacy(f["model_weights"], model, filepath, by_name=False, skip_mismatch=False)
            _check_h5_digest(f, [a for _, a in plan], filepath)
            cc = f.attrs.get("gradtape_compile_config")
            cc = json.loads(_attr_text(cc)) if cc is not None else None
            opt_arrays = {}
            if "gradtape_optimizer" in f:
                o = f["gradtape_optimizer"]
                ks = sorted(o.keys())
                vals = [np.asarray(o[k][()]) for k in ks]
                okeys = [_attr_text(o[k].attrs.get("name", k)) for k in ks]
                _s._check_layout(vals, okeys, _s._loads_meta(o.attrs.get("gradtape_meta", "{}"), filepath), filepath)
                opt_arrays = dict(zip(okeys, vals))
            tc = f.attrs.get("training_config")
        except (ValueError, NotImplementedError, ImportError):
            raise
        except Exception as e:  # noqa: BLE001
            raise _s._corrupt(filepath, "Keras .h5 model file", e) from None
    if opt_arrays:
        _s._check_optimizer_arrays(_s._weights_of(model), opt_arrays, filepath)
    _s.apply_plan(plan)
    if compile and cc:
        _s._compile_model(model, cc)
        if opt_arrays:
            _s.restore_optimizer_state(model.optimizer, _s._weights_of(model), opt_arrays)
    elif compile and tc is not None:
        try:
            tcd = json.loads(_attr_text(tc))
            _compile_from_keras(model, {"optimizer": tcd.get("optimizer_config"), "loss": tcd.get("loss"),
                                        "metrics": None}, custom_objects, filepath)
        except json.JSONDecodeError:
            pass
    return model
