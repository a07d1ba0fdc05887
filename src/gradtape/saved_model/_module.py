"""Saving and loading a ``tf.Module`` (object graph, variables, traced functions, signatures); see
``saved_model/__init__.py`` for the directory format and ``_graph.py`` for how a function is stored."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from .. import nest
from . import _graph

_META = "gradtape_saved_model.json"
_ARRAYS = "variables.npz"
_KIND = "module"


def _signature_inputs(g: dict) -> List[str]:
    """Input names of a signature: each TensorSpec's name, else the argument's name (``x``, ``x_1``, ... for
    the leaves of a nested argument)."""
    names = []
    for arg_name, spec in zip(g["arg_names"], _iter_args(g["input_signature"])):
        leaves = nest.flatten(_graph._struct_decode(spec, lambda j: _graph._Leaf(True, j)))
        for i, leaf in enumerate(leaves):
            names.append(leaf.value.get("name") or (arg_name if i == 0 else f"{arg_name}_{i}"))
    if len(set(names)) != len(names):
        raise ValueError(f"tf.saved_model.save: a signature's input names are not unique: {names}; name the "
                         "TensorSpecs (TensorSpec(..., name=...)).")
    return names


def _iter_args(sig_json: Any) -> list:
    (kind, vals), = sig_json.items()
    return list(vals)


def save_module(obj: Any, export_dir: Any, signatures: Any, root_functions: Optional[Dict[str, Any]] = None) -> None:
    """Save ``obj``'s object graph, variables and traced functions; ``root_functions`` (name -> tf.function,
    not bound) are attached to the loaded root object under those names."""
    from . import DEFAULT_SERVING_SIGNATURE_DEF_KEY, _FORMAT, _VERSION, write_directory
    before = _graph.ObjectGraph(obj)
    snapshot = [(v, np.array(v._value, copy=True)) for v in before.variables]
    known = {id(v) for v in before.variables}
    table = _graph.VarTable()
    arrays = _graph._Arrays()
    graphs: List[dict] = []
    done: Dict[Tuple[int, int], int] = {}
    root_fns = _graph.functions_of(obj)

    def add(fn: Any, instance: Any, label: str) -> int:
        key = (id(fn), id(instance))
        if key not in done:
            g = _graph.trace_function(fn, instance, table, arrays, label)
            for vi in g.pop("written"):
                var = table.variables[vi]
                if id(var) not in known:
                    raise ValueError(f"tf.saved_model.save: {label} writes the variable {var.name!r}, which the "
                                     "saved object does not track (assign it to an attribute) or which the "
                                     "function creates; create it before saving.")
            graphs.append(g)
            done[key] = len(graphs) - 1
        return done[key]

    node_fns: List[Dict[str, int]] = [{} for _ in before.nodes]
    sigs: Dict[str, int] = {}
    try:
        for name, fn in (root_functions or {}).items():
            node_fns[0][name] = add(fn, None, f"{type(obj).__name__}.{name}")
        for i, node in enumerate(before.nodes):
            for name, fn, bound in _graph.functions_of(node):
                if fn.input_signature is None:
                    continue
                node_fns[i][name] = add(fn, node if bound else None,
                                        f"{type(node).__name__}.{name}")
        if signatures is None:
            if len(root_fns) == 1 and root_fns[0][1].input_signature is not None:
                sigs[DEFAULT_SERVING_SIGNATURE_DEF_KEY] = node_fns[0][root_fns[0][0]]
        else:
            items = signatures.items() if isinstance(signatures, dict) else [
                (DEFAULT_SERVING_SIGNATURE_DEF_KEY, signatures)]
            for sname, f in items:
                if not isinstance(sname, str):
                    raise ValueError(f"tf.saved_model.save: signature keys must be strings; got {sname!r}.")
                fn, inst = _graph.resolve_function(f)
                sigs[sname] = add(fn, inst, f"signature {sname!r} ({getattr(fn, '_name', 'function')})")
    finally:
        for v, val in snapshot:       # tracing ran the functions: their variable writes are undone
            v._value = val if val.ndim else val[()]
    after = _graph.ObjectGraph(obj)
    # variables: the tracked ones (attributes), then those the functions read but nothing tracks
    remap = [after.var_index(v) for v in table.variables]
    for g in graphs:
        for n in g["nodes"]:
            if n[0] in ("read", "assign"):
                n[1] = remap[n[1]]
    n_tracked = len(after.variables)
    for v in table.variables:
        after.var_index(v)
    for i, node in enumerate(before.nodes):
        j = after.node_ids.get(id(node))
        if j is not None and node_fns[i]:
            after.node_json[j]["functions"] = node_fns[i]
    var_json = []
    for k, v in enumerate(after.variables):
        var_json.append({"name": v.name, "trainable": bool(v.trainable), "dtype": v.dtype.name,
                         "shape": list(np.shape(v._value)), "tracked": k < n_tracked})
    sig_json = {}
    for sname, fid in sigs.items():
        sig_json[sname] = {"function": fid, "inputs": _signature_inputs(graphs[fid])}
    meta = {"format": _FORMAT, "version": _VERSION, "kind": _KIND,
            "note": "gradtape's own format; not TensorFlow's protobuf SavedModel",
            "objects": after.node_json, "variables": var_json, "functions": graphs, "signatures": sig_json}
    store = dict(arrays.arrays)
    for k, v in enumerate(after.variables):
        val = np.asarray(v._value)
        if val.dtype.kind == "O":
            raise NotImplementedError(f"tf.saved_model.save: variable {v.name!r} holds Python objects.")
        store[f"v{k}"] = val

    def fill(tmp: str) -> None:
        with open(os.path.join(tmp, _ARRAYS), "wb") as f:
            np.savez(f, **store)
        with open(os.path.join(tmp, _META), "w") as f:
            json.dump(meta, f, indent=1)
    write_directory(export_dir, fill)


# -- loading -----------------------------------------------------------------------------------

def _restored_class() -> type:
    from ..module import Module

    class _Restored(Module):
        """An object restored by ``tf.saved_model.load``: its Variables, sub-objects and functions."""

        def __init__(self, name: Optional[str]) -> None:
            super().__init__(name=name if name and name.isidentifier() else None)

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            f = self.__dict__.get("__call__")
            if f is None:
                raise TypeError("this restored object is not callable (its __call__ was not a saved "
                                "tf.function with an input_signature).")
            return f(*args, **kwargs)

        def __repr__(self) -> str:
            return f"<restored {self.__dict__.get('_gt_class', 'object')} {self.name!r}>"

    _Restored.__name__ = _Restored.__qualname__ = "_UserObject"
    return _Restored


_CLASS: list = []


class _Signature:
    """A restored signature: keyword arguments by input name (or positional), a dict of outputs."""

    def __init__(self, fn: Any, inputs: List[str], arg_names: List[str], sig_json: Any) -> None:
        self._fn = fn
        self._inputs = inputs
        self._arg_sig = sig_json
        self.structured_input_signature = ((), {n: None for n in inputs})
        self.function = fn

    def __call__(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        names = self._inputs
        if kwargs:
            unknown = [k for k in kwargs if k not in names]
            missing = [n for n in names[len(args):] if n not in kwargs]
            if unknown or missing:
                raise TypeError(f"signature: expected inputs {names} by name; unknown {unknown}, missing {missing}.")
            flat = list(args) + [kwargs[n] for n in names[len(args):]]
        else:
            flat = list(args)
        if len(flat) != len(names):
            raise TypeError(f"signature: expected {len(names)} input(s) {names}; got {len(flat)}.")
        structure = _graph._struct_decode(self._arg_sig, lambda j: None)
        call_args = nest.pack_sequence_as(structure, flat)
        out = self._fn(*call_args)
        if isinstance(out, dict) and all(isinstance(k, str) for k in out):
            return dict(out)
        leaves = nest.flatten(out)
        return {f"output_{i}": t for i, t in enumerate(leaves)}


def load_module(export_dir: str, meta: dict) -> Any:
    from ..variable import Variable
    from . import DEFAULT_SERVING_SIGNATURE_DEF_KEY  # noqa: F401
    if not _CLASS:
        _CLASS.append(_restored_class())
    cls = _CLASS[0]
    path = os.path.join(export_dir, _ARRAYS)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    variables = []
    for k, vj in enumerate(meta["variables"]):
        val = _graph._load_array(arrays, f"v{k}", vj["dtype"])
        if list(val.shape) != vj["shape"]:
            raise ValueError(f"{path}: variable {vj['name']!r} has shape {list(val.shape)}, expected {vj['shape']}.")
        variables.append(Variable(val, trainable=vj["trainable"], name=vj["name"]))
    objs = []
    for oj in meta["objects"]:
        o = cls(oj.get("name"))
        o.__dict__["_gt_class"] = oj.get("class")
        objs.append(o)

    def value(j: Any) -> Any:
        (k, v), = j.items()
        if k == "variable":
            return variables[v]
        if k == "node":
            return objs[v]
        if k == "list":
            return [value(x) for x in v if x is not None]
        if k == "tuple":
            return tuple(value(x) for x in v if x is not None)
        if k == "dict":
            return {kk: value(x) for kk, x in v}
        raise ValueError(f"saved model: unknown attribute kind {k!r}.")

    for o, oj in zip(objs, meta["objects"]):
        for name, j in oj["attributes"].items():
            o.__dict__[name] = value(j)
    labels = {}
    for oj in meta["objects"]:
        for name, fid in oj.get("functions", {}).items():
            labels.setdefault(fid, name)
    for name, sj in meta["signatures"].items():
        labels.setdefault(sj["function"], name)
    functions = [_graph.restore_function(g, arrays, variables, labels.get(i, f"function_{i}"))
                 for i, g in enumerate(meta["functions"])]
    for o, oj in zip(objs, meta["objects"]):
        for name, fid in oj.get("functions", {}).items():
            o.__dict__[name] = functions[fid]
    root = objs[0]
    root.__dict__["signatures"] = {
        name: _Signature(functions[sj["function"]], sj["inputs"], meta["functions"][sj["function"]]["arg_names"],
                         meta["functions"][sj["function"]]["input_signature"])
        for name, sj in meta["signatures"].items()}
    return root
