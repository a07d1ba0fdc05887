"""``tf.summary.trace_on`` / ``trace_export`` / ``trace_off``: the graphs of the ``tf.function`` calls made while
tracing is on, written as TF 2 writes them (a ``graph_run_metadata_graph`` summary whose string tensor is a
serialized ``RunMetadata`` with one ``function_graphs`` entry per function), for TensorBoard's Graphs tab.

While tracing is on, each call of a ``tf.function`` (outside another function's trace) runs its Python function
once more with a recording trace, as its first call does: the values and side effects are those of an eager call,
and the recorded ops become a ``GraphDef`` (``_Arg`` per input, one node per op with the registry name as its
op, ``VarHandleOp``/``ReadVariableOp``/``Assign*VariableOp`` for variables, ``Const`` for constants, ``_Retval``
per output). The graphs are a display of the structure: gradtape has no executable TF graphs.
"""
from __future__ import annotations

import importlib
import threading
import warnings
from typing import Any, List, Optional

import numpy as np

_lock = threading.Lock()
_active: dict = {"on": False, "graphs": [], "seen": set(), "saved_call": None}


def _function_module() -> Any:
    return importlib.import_module("gradtape.function")


def _graph_def(trace: Any, inputs: list, result: Any, name: str) -> Any:
    from tensorboard.compat.proto import graph_pb2, node_def_pb2
    from .. import nest
    from ..tensor import Tensor
    gd = graph_pb2.GraphDef()
    producer: dict = {}
    names: set = set()

    def unique(base: str) -> str:
        base = "".join(ch if ch.isalnum() or ch in "_./-" else "_" for ch in base) or "node"
        n, k = base, 1
        while n in names:
            n = f"{base}_{k}"
            k += 1
        names.add(n)
        return n

    def add(nm: str, op: str, ins: List[str]) -> str:
        n = unique(nm)
        gd.node.append(node_def_pb2.NodeDef(name=n, op=op, input=ins))
        return n

    var_nodes: dict = {}

    def var_node(var: Any) -> str:
        if id(var) not in var_nodes:
            var_nodes[id(var)] = add(str(getattr(var, "name", "variable")).split(":")[0], "VarHandleOp", [])
        return var_nodes[id(var)]

    for i, _ in enumerate(inputs):
        producer[i] = add(f"input_{i}", "_Arg", [])

    def ref(r: tuple) -> str:
        if r[0] == "s" and r[1] in producer:
            return producer[r[1]]
        n = add("Const", "Const", [])
        if r[0] == "s":
            producer[r[1]] = n
        return n

    for node in trace.nodes:
        kind = node[0]
        if kind == "op":
            _, op, ins, outs, attrs, multi = node
            n = add(op.name, op.name, [ref(r) for r in ins])
            for k, o in enumerate(outs):
                producer[o] = n if k == 0 else f"{n}:{k}"
        elif kind == "read":
            _, var, out = node
            producer[out] = add("ReadVariableOp", "ReadVariableOp", [var_node(var)])
        elif kind == "assign":
            _, var, mode, r = node
            op = {"assign": "AssignVariableOp", "assign_add": "AssignAddVariableOp",
                  "assign_sub": "AssignSubVariableOp"}[mode]
            add(op, op, [var_node(var), ref(r)])
        elif kind == "rand":
            _, fn, seed, ins, out = node
            producer[out] = add("RandomDraw", "RandomDraw", [ref(r) for r in ins])
        elif kind == "opaque":
            add("PythonEffect", "PythonEffect", [ref(r) for r in node[2]])
    for i, leaf in enumerate(t for t in nest.flatten(result) if type(t) is Tensor):
        add(f"output_{i}_RetVal", "_Retval", [ref(trace.ref(leaf))])
    return gd


def _recording_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    F = _function_module()
    orig = _active["saved_call"]
    if not _active["on"] or F._current() is not None or fn._eager_reason is not None:
        return orig(fn, *args, **kwargs)
    if fn.input_signature is not None:
        args, kwargs = fn._check_signature(args, kwargs), {}
    tensors: list = []
    F._sig((args, kwargs), tensors)
    trace = F._Trace()
    result, inputs = fn._run_traced(trace, args, kwargs, tensors)
    with _lock:
        _active["graphs"].append((fn._name, _graph_def(trace, inputs, result, fn._name)))
    return result


def trace_on(graph: bool = True, profiler: bool = False, profiler_outdir: Optional[str] = None) -> None:
    """Start recording the graphs of ``tf.function`` calls (``tf.summary.trace_on``). gradtape has no profiler:
    ``profiler=True`` warns and records the graphs only."""
    if profiler:
        warnings.warn("tf.summary.trace_on(profiler=True): gradtape has no profiler; only the graphs are "
                      "recorded.", UserWarning, stacklevel=2)
    if not graph:
        return
    F = _function_module()
    with _lock:
        if _active["on"]:
            warnings.warn("tf.summary.trace_on: tracing is already on.", UserWarning, stacklevel=2)
            return
        _active["on"] = True
        _active["graphs"] = []
        _active["saved_call"] = F.Function.__dict__["__call__"]
        F.Function.__call__ = _recording_call


def trace_off() -> None:
    """Stop recording and drop what was recorded (``tf.summary.trace_off``)."""
    F = _function_module()
    with _lock:
        if _active["on"]:
            F.Function.__call__ = _active["saved_call"]
        _active["on"] = False
        _active["graphs"] = []


def trace_export(name: str, step: Any = None, profiler_outdir: Optional[str] = None) -> bool:
    """Write the graphs recorded since ``trace_on`` to the default writer as one summary named ``name``, then
    stop tracing (``tf.summary.trace_export``). Returns False when there is no default writer (recording off);
    ValueError when tracing is not on (as TF)."""
    from . import _emit, _metadata, should_record_summaries
    from tensorboard.compat.proto import config_pb2
    with _lock:
        was_on = _active["on"]
        graphs = list(_active["graphs"])
    if not was_on:
        raise ValueError("Must enable trace before export through tf.summary.trace_on.")
    try:
        if not should_record_summaries():
            return False
        rm = config_pb2.RunMetadata()
        for _, gd in graphs:
            fg = rm.function_graphs.add()
            fg.pre_optimization_graph.CopyFrom(gd)
        tensor = np.array(rm.SerializeToString(), dtype=object)
        return _emit(name, tensor, step, _metadata("graph_run_metadata_graph", b"1"))
    finally:
        trace_off()
