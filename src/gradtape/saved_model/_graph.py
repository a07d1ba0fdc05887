"""Saving a ``tf.Module``'s ``tf.function`` methods as data, and replaying them on load.

A method decorated with ``@tf.function(input_signature=[...])`` is traced once at save time (twice when
a dimension of its signature is ``None``: with sizes 2 and 3, to check that the graph does not depend on
that size). What the trace recorded is written as JSON: the ops by their registry name, their attributes
(plain data only: numbers, strings, tuples, lists, dicts, slices, dtypes; arrays go into
``variables.npz``), the wiring between them, the variables they read and write (by index), and the
output structure. On load each op is looked up in ``gradtape.registry.REGISTRY`` and the graph is
replayed through ``dispatch.apply`` inside a ``tf.function`` with the same input signature: no code is
read from the directory, and a replayed call is differentiable (it is made of registered ops).

Not saved (``save`` raises, naming the cause): random ops (their generator is Python state), optimizer
steps and Keras metric updates inside the function, ops that are not registry ops (``custom_gradient``,
``py_function``), attributes that are not plain data, writes to variables the saved object does not
track, and graphs whose constants or attributes depend on the size of a ``None`` dimension (except a
``reshape`` to a shape with one unknown size, which is saved as ``-1``).
"""
from __future__ import annotations

import base64
import functools
import importlib
import inspect
import math
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from .. import dtypes as _dtypes
from .. import nest

_fn = importlib.import_module("gradtape.function")   # the module (``gradtape.function`` the name is the decorator)

#: Keras-internal attributes that are never part of the saved object graph.
_SKIP_ATTRS = frozenset({"_inbound_nodes", "_outbound_nodes", "_gt_deferred_restore"})


class _NotData(Exception):
    pass


# -- plain data <-> JSON -----------------------------------------------------------------------

class _Arrays:
    """Arrays stored next to the JSON (``variables.npz``), keyed ``a0``, ``a1``, ..."""

    def __init__(self) -> None:
        self.arrays: Dict[str, np.ndarray] = {}
        self._ids: Dict[int, str] = {}

    def add(self, value: Any) -> str:
        key = self._ids.get(id(value))
        if key is None:
            arr = np.asarray(value)
            if arr.dtype.kind == "O":
                raise _NotData("an array of Python objects")
            key = f"a{len(self.arrays)}"
            self.arrays[key] = np.array(arr, copy=True)
            self._ids[id(value)] = key
        return key


def _dtype_name(dt: Any) -> str:
    return _dtypes.as_dtype(dt).name


def encode(v: Any, arrays: _Arrays) -> Any:
    """``v`` as JSON (raises ``_NotData`` for anything that is not plain data)."""
    t = type(v)
    if v is None or t is bool or t is int or t is str:
        return v
    if t is float:
        return v if math.isfinite(v) else {"float": repr(v)}
    if t is complex:
        return {"complex": [encode(v.real, arrays), encode(v.imag, arrays)]}
    if t is tuple:
        return {"tuple": [encode(x, arrays) for x in v]}
    if t is list:
        return [encode(x, arrays) for x in v]
    if t is dict:
        return {"dict": [[encode(k, arrays), encode(x, arrays)] for k, x in v.items()]}
    if t is slice:
        return {"slice": [encode(v.start, arrays), encode(v.stop, arrays), encode(v.step, arrays)]}
    if v is Ellipsis:
        return {"ellipsis": True}
    if t is bytes:
        return {"bytes": base64.b64encode(v).decode("ascii")}
    if t is np.ndarray:
        return {"array": arrays.add(v), "dtype": _array_dtype(v)}
    if isinstance(v, np.generic):
        return {"scalar": arrays.add(v), "dtype": _array_dtype(np.asarray(v))}
    if isinstance(v, _dtypes.DType):
        return {"tf_dtype": v.name}
    if isinstance(v, np.dtype):
        return {"np_dtype": _dtype_name(v)}
    if isinstance(v, type) and issubclass(v, np.generic):
        return {"np_type": _dtype_name(v)}
    from ..tensor import TensorShape
    if isinstance(v, TensorShape):
        return {"shape": [None if d is None else int(d) for d in v]}
    raise _NotData(f"a {t.__module__}.{t.__qualname__}")


def _array_dtype(a: np.ndarray) -> Optional[str]:
    if a.dtype.kind in "US":
        return None
    try:
        return _dtype_name(a.dtype)
    except Exception:   # noqa: BLE001 - an exotic dtype: kept as NumPy stores it
        return None


def decode(j: Any, arrays: Any) -> Any:
    """The inverse of :func:`encode` (``arrays``: the loaded ``variables.npz``)."""
    if j is None or isinstance(j, (bool, int, float, str)):
        return j
    if isinstance(j, list):
        return [decode(x, arrays) for x in j]
    (kind, val), = j.items() if len(j) == 1 else [(k, j[k]) for k in j if k != "dtype"]
    if kind == "float":
        return float(val)
    if kind == "complex":
        return complex(decode(val[0], arrays), decode(val[1], arrays))
    if kind == "tuple":
        return tuple(decode(x, arrays) for x in val)
    if kind == "dict":
        return {decode(k, arrays): decode(x, arrays) for k, x in val}
    if kind == "slice":
        return slice(*(decode(x, arrays) for x in val))
    if kind == "ellipsis":
        return Ellipsis
    if kind == "bytes":
        return base64.b64decode(val)
    if kind == "array":
        return _load_array(arrays, val, j.get("dtype"))
    if kind == "scalar":
        return _load_array(arrays, val, j.get("dtype"))[()]
    if kind == "tf_dtype":
        return _dtypes.as_dtype(val)
    if kind == "np_dtype":
        return np.dtype(_dtypes.to_numpy(val))
    if kind == "np_type":
        return np.dtype(_dtypes.to_numpy(val)).type
    if kind == "shape":
        from ..tensor import TensorShape
        return TensorShape(val)
    raise ValueError(f"saved model: unknown value kind {kind!r} in the graph file.")


def _load_array(arrays: Any, key: str, dtype: Optional[str]) -> np.ndarray:
    a = arrays[key]
    if dtype is not None:
        want = np.dtype(_dtypes.to_numpy(dtype))
        if a.dtype != want:
            a = a.view(want) if a.dtype.itemsize == want.itemsize and a.dtype.kind == "V" else a.astype(want)
    return a


# -- the object graph --------------------------------------------------------------------------

def _is_variable(x: Any) -> bool:
    from ..variable import Variable
    return isinstance(x, Variable)


def _is_module(x: Any) -> bool:
    from ..module import Module
    return isinstance(x, Module)


class VarTable:
    """Variables met while tracing, numbered in order (renumbered by the saver at the end)."""

    def __init__(self) -> None:
        self.variables: List[Any] = []
        self._ids: Dict[int, int] = {}

    def var_index(self, var: Any) -> int:
        idx = self._ids.get(id(var))
        if idx is None:
            idx = self._ids[id(var)] = len(self.variables)
            self.variables.append(var)
        return idx


class ObjectGraph:
    """The trackable objects reachable from the root: Modules (nodes) and Variables, by attribute."""

    def __init__(self, root: Any) -> None:
        self.nodes: List[Any] = []
        self.node_ids: Dict[int, int] = {}
        self.variables: List[Any] = []
        self.var_ids: Dict[int, int] = {}
        self.node_json: List[dict] = []
        self._add_node(root)
        i = 0
        while i < len(self.nodes):
            self.node_json[i]["attributes"] = self._attributes(self.nodes[i])
            i += 1

    def _add_node(self, obj: Any) -> int:
        idx = self.node_ids.get(id(obj))
        if idx is None:
            idx = len(self.nodes)
            self.nodes.append(obj)
            self.node_ids[id(obj)] = idx
            self.node_json.append({"class": type(obj).__name__, "name": getattr(obj, "_name", None)})
        return idx

    def var_index(self, var: Any) -> int:
        idx = self.var_ids.get(id(var))
        if idx is None:
            idx = len(self.variables)
            self.variables.append(var)
            self.var_ids[id(var)] = idx
        return idx

    def _attributes(self, obj: Any) -> dict:
        ignored = getattr(obj, "_TF_MODULE_IGNORED_PROPERTIES", frozenset())
        out = {}
        for name in sorted(vars(obj)):
            if name in ignored or name in _SKIP_ATTRS:
                continue
            enc = self._value(vars(obj)[name], set())
            if enc is not None:
                out[name] = enc
        return out

    def _value(self, v: Any, opened: set) -> Any:
        if _is_variable(v):
            return {"variable": self.var_index(v)}
        if _is_module(v):
            return {"node": self._add_node(v)}
        if isinstance(v, (list, tuple, dict)) and not nest._is_namedtuple(v):
            if id(v) in opened:
                return None
            opened.add(id(v))
            try:
                if isinstance(v, dict):
                    items = [[k, self._value(x, opened)] for k, x in v.items()
                             if type(k) in (str, int)]
                    items = [it for it in items if it[1] is not None]
                    return {"dict": items} if items else None
                vals = [self._value(x, opened) for x in v]
                if all(x is None for x in vals):
                    return None
                return {"list" if isinstance(v, list) else "tuple": vals}
            finally:
                opened.discard(id(v))
        return None


def functions_of(obj: Any) -> List[Tuple[str, Any, bool]]:
    """``(name, Function, bound)`` for the ``tf.function`` methods of ``obj`` (class attributes, bound to
    ``obj``) and the ``tf.function`` objects stored in its attributes (not bound)."""
    Function = _fn.Function
    found, names = [], set()
    for cls in type(obj).__mro__:
        for name, attr in vars(cls).items():
            if isinstance(attr, Function) and name not in names:
                names.add(name)
                found.append((name, attr, True))
    for name, attr in sorted(vars(obj).items()):
        if isinstance(attr, Function) and name not in names:
            names.add(name)
            found.append((name, attr, False))
    return found


def resolve_function(f: Any) -> Tuple[Any, Any]:
    """``(Function, instance or None)`` for a ``tf.function`` given as ``module.method`` or a Function."""
    Function = _fn.Function
    if isinstance(f, Function):
        return f, None
    if isinstance(f, functools.partial) and isinstance(getattr(f.func, "__self__", None), Function) \
            and len(f.args) == 1 and not f.keywords:
        return f.func.__self__, f.args[0]
    raise ValueError(f"tf.saved_model.save: a signature must be a tf.function with an input_signature "
                     f"(e.g. @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])); got "
                     f"{type(f).__name__}.")


# -- tracing a function into a graph -----------------------------------------------------------

def _spec_json(spec: Any) -> dict:
    return {"shape": [None if d is None else int(d) for d in spec.shape], "dtype": spec.dtype.name,
            "name": spec.name}


def _struct_json(s: Any, leaf: Callable[[Any], Any]) -> Any:
    if isinstance(s, (list, tuple)) and not nest._is_namedtuple(s):
        return {"list" if isinstance(s, list) else "tuple": [_struct_json(x, leaf) for x in s]}
    if isinstance(s, dict):
        return {"dict": [[k, _struct_json(s[k], leaf)] for k in nest._sorted_keys(s)]}
    return leaf(s)


def _struct_decode(j: Any, leaf: Callable[[Any], Any]) -> Any:
    if isinstance(j, dict) and len(j) == 1:
        (k, v), = j.items()
        if k == "list":
            return [_struct_decode(x, leaf) for x in v]
        if k == "tuple":
            return tuple(_struct_decode(x, leaf) for x in v)
        if k == "dict":
            return {kk: _struct_decode(x, leaf) for kk, x in v}
    return leaf(j)


def _dummy(spec: Any, size: int) -> Any:
    from ..dispatch import convert_to_tensor
    if spec.dtype.name == "string":
        raise NotImplementedError("tf.saved_model.save: string inputs in an input_signature are not supported.")
    shape = [size if d is None else d for d in spec.shape]
    np_dtype = _dtypes.to_numpy(spec.dtype)
    return convert_to_tensor(np.ones(shape, np_dtype) if np.dtype(np_dtype).kind != "b"
                             else np.zeros(shape, bool))


def _param_names(fn: Any, bound: bool, n: int) -> List[str]:
    try:
        params = list(inspect.signature(fn.python_function).parameters.values())
    except (TypeError, ValueError):
        params = []
    if bound:
        params = params[1:]
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:n]
    return names + [f"arg_{i}" for i in range(len(names), n)]


_SAVE_LOCK = __import__("threading").RLock()   # one save traces at a time (_UndoWrites patches a class)


class _UndoWrites:
    """While tracing for a save, remember each variable's value before this thread first writes it, and put
    the values back afterwards (tracing runs the function; saving must not change the variables)."""

    def __enter__(self) -> "_UndoWrites":
        import threading
        from ..variable import Variable
        self._cls = Variable
        self._orig = Variable.__dict__["_write_operand"]
        self._saved: Dict[int, tuple] = {}
        tid = threading.get_ident()
        orig, saved = self._orig, self._saved

        def write_operand(var: Any, value: Any, what: str) -> Any:
            if threading.get_ident() == tid and id(var) not in saved:
                v = var._value
                saved[id(var)] = (var, np.array(v, copy=True) if type(v) is np.ndarray else v)
            return orig(var, value, what)
        Variable._write_operand = write_operand
        return self

    def __exit__(self, *exc: Any) -> None:
        self._cls._write_operand = self._orig
        for var, v in self._saved.values():
            var._value = v


def _trace_once(fn: Any, instance: Any, size: int, graph: VarTable, arrays: _Arrays,
                label: str) -> dict:
    sig = list(fn.input_signature)
    flat_specs = nest.flatten(sig)
    tensors = [_dummy(s, size) for s in flat_specs]
    args = tuple(nest.pack_sequence_as(sig, tensors))
    if instance is not None:
        args = (instance,) + args
    trace = _fn._Trace()
    with _SAVE_LOCK, np.errstate(all="ignore"), _UndoWrites():
        result, inputs = fn._run_traced(trace, args, {}, tensors)
    if trace.problem is not None:
        raise ValueError(f"tf.saved_model.save: {label} cannot be saved as a graph: {trace.problem}.")
    n_in = len(inputs)

    # outputs: the result structure with tensors as slot references
    out_slots: set = set()

    def leaf_ref(x: Any) -> Any:
        from ..tensor import Tensor
        if type(x) is Tensor:
            r = trace.ref(x)
            if r[0] == "s" and trace.derived[r[1]]:
                out_slots.add(r[1])
            return {"tensor": r}
        if hasattr(type(x), "_gt_read"):
            return {"tensor": trace.ref(x.read_value())}
        try:
            return {"value": encode(x, arrays)}
        except _NotData as e:
            raise NotImplementedError(f"tf.saved_model.save: {label} returns {e} (not a tensor or plain "
                                      "data).") from None

    if nest._is_namedtuple(result):
        raise NotImplementedError(f"tf.saved_model.save: {label} returns a namedtuple; return a dict or a "
                                  "tuple.")
    out_struct = _struct_json(result, leaf_ref)
    if trace.problem is not None:
        raise ValueError(f"tf.saved_model.save: {label} cannot be saved as a graph: {trace.problem}.")

    # dead code: keep what reaches the outputs or a variable write
    live = set(out_slots)
    kept = []
    for node in reversed(trace.nodes):
        kind = node[0]
        if kind == "op":
            _, op, ins, outs, attrs, multi = node
            if not any(o in live for o in outs) and op.name not in _fn._CHECKING_OPS:
                continue
            live.update(r[1] for r in ins if r[0] == "s")
        elif kind == "read":
            if node[2] not in live:
                continue
        elif kind == "assign":
            if node[3][0] == "s":
                live.add(node[3][1])
        elif kind == "rand":
            if node[4] not in live:
                continue
            raise NotImplementedError(f"tf.saved_model.save: {label} draws random numbers (tf.random / a "
                                      "Dropout layer in training); random ops cannot be saved as a graph.")
        elif kind == "opaque":
            raise NotImplementedError(f"tf.saved_model.save: {label} runs an optimizer step or updates a "
                                      "Keras metric; these Python-side state changes cannot be saved as a "
                                      "graph.")
        kept.append(node)
    kept.reverse()

    # renumber slots: inputs first, then outputs in order
    number: Dict[int, int] = {s: i for i, s in enumerate(range(n_in))}
    consts: Dict[int, Any] = {}

    def ref(r: tuple) -> list:
        if r[0] == "s":
            s = r[1]
            if s in number:
                return ["s", number[s]]
            if trace.derived[s]:
                raise AssertionError("saved model: a traced value is used before it is computed")
            v = trace.values[s]
            try:
                return ["k", encode(v, arrays)]
            except _NotData as e:
                raise NotImplementedError(f"tf.saved_model.save: {label} uses a constant that is {e}.") from None
        try:
            return ["c", encode(r[1], arrays)]
        except _NotData as e:
            raise NotImplementedError(f"tf.saved_model.save: {label} passes {e} to an op.") from None

    from ..registry import REGISTRY
    nodes_json = []
    for node in kept:
        kind = node[0]
        if kind == "op":
            _, op, ins, outs, attrs, multi = node
            if REGISTRY.get(op.name) is not op:
                raise NotImplementedError(
                    f"tf.saved_model.save: {label} uses the op {op.name!r}, which is not a registered op "
                    "(a custom_gradient, py_function or another Python-level op); it cannot be saved as data.")
            refs = [ref(r) for r in ins]
            enc_attrs = {}
            for k, v in (attrs or {}).items():
                try:
                    enc_attrs[k] = encode(v, arrays)
                except _NotData as e:
                    raise NotImplementedError(
                        f"tf.saved_model.save: {label} uses the op {op.name!r} whose attribute {k!r} is {e}, "
                        "not plain data; this op cannot be saved.") from None
            for o in outs:
                number[o] = len(number)
            nodes_json.append(["op", op.name, refs, [number[o] for o in outs], enc_attrs, bool(multi)])
        elif kind == "read":
            _, var, out = node
            number[out] = len(number)
            nodes_json.append(["read", graph.var_index(var), number[out]])
        elif kind == "assign":
            _, var, mode, r = node
            nodes_json.append(["assign", graph.var_index(var), mode, ref(r)])

    def out_map(j: Any) -> Any:
        if isinstance(j, dict) and len(j) == 1:
            (k, v), = j.items()
            if k in ("list", "tuple"):
                return {k: [out_map(x) for x in v]}
            if k == "dict":
                return {k: [[kk, out_map(x)] for kk, x in v]}
            if k == "tensor":
                return {"tensor": ref(v)}
        return j
    outputs = out_map(out_struct)
    written = [n[1] for n in nodes_json if n[0] == "assign"]
    return {"nodes": nodes_json, "outputs": outputs, "n_inputs": n_in, "written": written}


def _generalise(a: dict, b: dict, label: str) -> dict:
    """Merge the graphs traced with two sizes of the ``None`` dimensions; they must be equal except for a
    ``reshape`` target shape that differs in exactly one place (saved as -1)."""
    if len(a["nodes"]) != len(b["nodes"]) or a["outputs"] != b["outputs"]:
        raise ValueError(f"tf.saved_model.save: {label}'s traced graph depends on the size of a None "
                         "dimension of its input_signature; give the signature fixed sizes.")
    nodes = []
    for na, nb in zip(a["nodes"], b["nodes"]):
        if na == nb:
            nodes.append(na)
            continue
        if (na[0] == "op" and nb[0] == "op" and na[1] == nb[1] == "reshape" and na[2] == nb[2]
                and na[3] == nb[3] and set(na[4]) == set(nb[4]) == {"shape"}):
            sa, sb = na[4]["shape"], nb[4]["shape"]
            la = sa["tuple"] if isinstance(sa, dict) and "tuple" in sa else sa
            lb = sb["tuple"] if isinstance(sb, dict) and "tuple" in sb else sb
            if isinstance(la, list) and isinstance(lb, list) and len(la) == len(lb) and \
                    sum(x != y for x, y in zip(la, lb)) == 1 and -1 not in la:
                merged = [x if x == y else -1 for x, y in zip(la, lb)]
                nodes.append(na[:4] + [{"shape": {"tuple": merged} if isinstance(sa, dict) else merged}] + na[5:])
                continue
        what = f"op {na[1]!r}" if na[0] == "op" else f"a {na[0]} node"
        raise ValueError(f"tf.saved_model.save: {label}'s traced graph depends on the size of a None dimension "
                         f"of its input_signature (at {what}: a shape or a size computed from the input is a "
                         "constant of the graph); give the signature fixed sizes.")
    return dict(a, nodes=nodes)


def trace_function(fn: Any, instance: Any, graph: VarTable, arrays: _Arrays, label: str) -> dict:
    """The JSON graph of ``fn`` (bound to ``instance`` when not None) for its ``input_signature``."""
    if fn.input_signature is None:
        raise ValueError(f"tf.saved_model.save: {label} has no input_signature; give it one "
                         "(@tf.function(input_signature=[tf.TensorSpec(...)])) to save it.")
    sig = list(fn.input_signature)
    flat_specs = nest.flatten(sig)
    unknown = any(d is None for s in flat_specs for d in s.shape)
    arrays_a = _Arrays()
    g = _trace_once(fn, instance, 2, graph, arrays_a, label)
    if unknown:
        arrays_b = _Arrays()
        g2 = _trace_once(fn, instance, 3, graph, arrays_b, label)
        if not _same_arrays(arrays_a, arrays_b):
            raise ValueError(f"tf.saved_model.save: {label}'s traced graph depends on the size of a None "
                             "dimension of its input_signature (a constant computed from the input's shape); "
                             "give the signature fixed sizes.")
        g = _generalise(g, g2, label)
    # move this graph's arrays into the shared store under fresh keys
    remap = {}
    for k, a in arrays_a.arrays.items():
        remap[k] = arrays.add(a)
    g = _rekey(g, remap)
    g["input_signature"] = _struct_json(sig, _spec_json)
    g["arg_names"] = _param_names(fn, instance is not None, len(sig))
    return g


def _same_arrays(a: _Arrays, b: _Arrays) -> bool:
    if list(a.arrays) != list(b.arrays):
        return False
    for k in a.arrays:
        x, y = a.arrays[k], b.arrays[k]
        if x.shape != y.shape or x.dtype != y.dtype or x.tobytes() != y.tobytes():
            return False
    return True


def _rekey(j: Any, remap: dict) -> Any:
    if isinstance(j, list):
        return [_rekey(x, remap) for x in j]
    if isinstance(j, dict):
        out = {}
        for k, v in j.items():
            if k in ("array", "scalar") and isinstance(v, str):
                out[k] = remap[v]
            else:
                out[k] = _rekey(v, remap)
        return out
    return j


# -- replay ------------------------------------------------------------------------------------

def _spec_from_json(j: dict) -> Any:
    return _fn.TensorSpec(j["shape"], _dtypes.as_dtype(j["dtype"]), j.get("name"))


class _Decoded:
    """A graph decoded once at load time (ops looked up, attributes and constants rebuilt)."""

    def __init__(self, g: dict, arrays: Any, variables: List[Any], label: str) -> None:
        from ..dispatch import convert_to_tensor
        from ..registry import REGISTRY
        self.n_inputs = g["n_inputs"]
        self.variables = variables
        self.steps: List[tuple] = []
        for node in g["nodes"]:
            kind = node[0]
            if kind == "op":
                _, name, refs, outs, attrs, multi = node
                op = REGISTRY.get(name)
                if op is None or op.forward is None:
                    raise ValueError(f"saved model: {label} uses the op {name!r}, which this version of "
                                     "gradtape does not have.")
                dec_attrs = {k: decode(v, arrays) for k, v in attrs.items()} or None
                self.steps.append(("op", op, [self._ref(r, arrays, convert_to_tensor) for r in refs],
                                   outs, dec_attrs, multi))
            elif kind == "read":
                self.steps.append(("read", variables[node[1]], node[2]))
            elif kind == "assign":
                self.steps.append(("assign", variables[node[1]], node[2],
                                   self._ref(node[3], arrays, convert_to_tensor)))
            else:
                raise ValueError(f"saved model: unknown node kind {kind!r} in {label}.")
        self.outputs = _struct_decode(g["outputs"], lambda j: (
            _Leaf(True, self._ref(j["tensor"], arrays, convert_to_tensor)) if "tensor" in j
            else _Leaf(False, decode(j["value"], arrays))))

    @staticmethod
    def _ref(r: list, arrays: Any, convert: Callable) -> tuple:
        if r[0] == "s":
            return ("s", r[1])
        if r[0] == "k":
            from ..tensor import Tensor
            t = object.__new__(Tensor)
            v = decode(r[1], arrays)
            t._value = v if isinstance(v, (np.ndarray, np.generic)) else convert(v)._value
            return ("k", t)
        return ("c", decode(r[1], arrays))

    def run(self, flat_inputs: list) -> Any:
        from ..dispatch import apply
        vals: Dict[int, Any] = dict(enumerate(flat_inputs))

        def val(r: tuple) -> Any:
            return vals[r[1]] if r[0] == "s" else r[1]

        for step in self.steps:
            kind = step[0]
            if kind == "op":
                _, op, refs, outs, attrs, multi = step
                out = apply(op, tuple(val(r) for r in refs), attrs)
                if multi:
                    for o, t in zip(outs, out):
                        vals[o] = t
                else:
                    vals[outs[0]] = out
            elif kind == "read":
                vals[step[2]] = step[1]._gt_read()
            else:
                _, var, mode, r = step
                getattr(var, mode)(val(r))

        def leaf(x: "_Leaf") -> Any:
            from ..ops.shape import identity
            if x.tensor:
                v = val(x.value)
                return identity(v) if x.value[0] == "k" else v
            return x.value
        return _map_leaves(self.outputs, leaf)


class _Leaf:
    __slots__ = ("tensor", "value")

    def __init__(self, tensor: bool, value: Any) -> None:
        self.tensor, self.value = tensor, value


def _map_leaves(s: Any, fn: Callable) -> Any:
    if isinstance(s, list):
        return [_map_leaves(x, fn) for x in s]
    if isinstance(s, tuple):
        return tuple(_map_leaves(x, fn) for x in s)
    if isinstance(s, dict):
        return {k: _map_leaves(x, fn) for k, x in s.items()}
    return fn(s)


def restore_function(g: dict, arrays: Any, variables: List[Any], label: str) -> Any:
    """A ``tf.function`` with the saved input signature and argument names that replays graph ``g``."""
    decoded = _Decoded(g, arrays, variables, label)
    sig = _struct_decode(g["input_signature"], _spec_from_json)
    names = list(g["arg_names"])

    def replay(*args: Any) -> Any:
        return decoded.run(nest.flatten(list(args)))

    replay.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    replay.__name__ = replay.__qualname__ = _fn._ident(label.split(".")[-1])
    replay.__doc__ = f"{label}, restored from a saved model (its traced graph, replayed through registered ops)."
    return _fn.function(replay, input_signature=sig)
