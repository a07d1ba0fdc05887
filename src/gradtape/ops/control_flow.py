"""Control flow as TF 2 runs it eagerly: ``cond``, ``case``, ``switch_case``, ``while_loop``,
``map_fn``, ``scan``, ``foldl``, ``foldr``, ``vectorized_map``; Python callbacks (``py_function``,
``numpy_function``); ``ensure_shape`` and ``get_static_value``.

Eager TF runs only the chosen branch and runs loops as Python loops, so gradients flow through the
ops the taken path executed (``stack``/``unstack`` for the mapped functions). These functions do the
same and need no gradient rules of their own: every op inside is recorded on the active tapes,
which also gives second derivatives.

Under ``gradtape.function``, a predicate, branch index or loop condition that depends on the
function's inputs, variables or a random op cannot be baked into a compiled plan: the construct
runs this call eagerly and the function falls back to eager execution from then on, with a warning
naming the construct. A predicate that is a Python bool, or a tensor computed from constants only,
is the same on every call and is compiled as usual (the taken path is traced, loops are unrolled).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import warnings

import numpy as np

from .. import dtypes as _dtypes
from .. import nest
from ..dispatch import ACTIVE, convert_to_tensor
from ..errors import InvalidArgumentError, OutOfRangeError
from ..function import fall_back_to_eager, traced_value_varies
from ..tensor import Tensor, TensorShape

_new = object.__new__

__all__ = ["cond", "case", "switch_case", "while_loop", "map_fn", "scan", "foldl", "foldr",
           "vectorized_map", "py_function", "numpy_function", "ensure_shape", "get_static_value"]


# -- helpers -----------------------------------------------------------------------------------

def _is_variable(x: Any) -> bool:
    return hasattr(type(x), "_gt_read")


def _is_tensor_array(x: Any) -> bool:
    from ..tensor_array import TensorArray
    return isinstance(x, TensorArray)


def _python_value(t: Any, construct: str) -> Any:
    """The NumPy value of ``t`` for a Python decision made by ``construct``.

    While a ``gradtape.function`` traces and ``t`` can change between calls, the function falls
    back to eager execution (the decision would otherwise be baked into the plan).
    """
    if traced_value_varies(t):
        fall_back_to_eager(f"{construct} depends on a value computed from the function's inputs "
                           "or variables, so it is decided again on every call")
    return t._value


def _truth(value: Any, construct: str) -> bool:
    """Python truth of a predicate (a Tensor, NumPy value or Python bool), as eager TF takes it."""
    if _is_variable(value):
        value = convert_to_tensor(value)
    if isinstance(value, Tensor):
        v = _python_value(value, construct)
        if np.size(v) != 1:
            raise ValueError(f"{construct}: the predicate must be a scalar; got a tensor of shape "
                             f"{list(np.shape(v))}. Reduce it with tf.reduce_all or tf.reduce_any.")
        return bool(np.reshape(v, ()))
    if isinstance(value, np.ndarray) and value.size != 1:
        raise ValueError(f"{construct}: the predicate must be a scalar; got an array of shape "
                         f"{list(value.shape)}.")
    return bool(value)


def _python_int(value: Any, construct: str) -> int:
    if _is_variable(value):
        value = convert_to_tensor(value)
    if isinstance(value, Tensor):
        v = _python_value(value, construct)
        if np.ndim(v) != 0:
            raise ValueError(f"{construct} must be a scalar. Received shape: {list(np.shape(v))}")
        return int(v)
    return int(value)


def _kind(x: Any) -> Any:
    if isinstance(x, TensorShape):
        return None
    if isinstance(x, dict):
        return dict
    if isinstance(x, (list, tuple)):
        return type(x) if nest._is_namedtuple(x) else (list if isinstance(x, list) else tuple)
    return None


def _same_structure(a: Any, b: Any, what: str, check_types: bool = True) -> None:
    """Raise (TF's ValueError / TypeError) unless ``a`` and ``b`` nest the same way."""
    ka, kb = _kind(a), _kind(b)
    if (ka is None) != (kb is None):
        raise ValueError(f"{what}: the two structures don't have the same nested structure. "
                         f"First structure: {_describe(a)}; second structure: {_describe(b)}.")
    if ka is None:
        return
    if check_types and ka is not kb:
        raise TypeError(f"{what}: the two structures don't have the same sequence type: "
                        f"{ka.__name__} and {kb.__name__}. First structure: {_describe(a)}; "
                        f"second structure: {_describe(b)}.")
    if ka is dict:
        if set(a) != set(b):
            raise ValueError(f"{what}: the two dictionaries don't have the same keys: "
                             f"{sorted(map(str, a))} and {sorted(map(str, b))}.")
        for k in a:
            _same_structure(a[k], b[k], what, check_types)
        return
    if len(a) != len(b):
        raise ValueError(f"{what}: the two structures don't have the same nested structure: "
                         f"a sequence of length {len(a)} and one of length {len(b)}. First "
                         f"structure: {_describe(a)}; second structure: {_describe(b)}.")
    for x, y in zip(a, b):
        _same_structure(x, y, what, check_types)


def _describe(x: Any) -> str:
    def d(v: Any) -> Any:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k!r}: {d(v[k])}" for k in v) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(d(e) for e in v) + "]"
        if isinstance(v, tuple):
            return "(" + ", ".join(d(e) for e in v) + ("," if len(v) == 1 else "") + ")"
        if isinstance(v, Tensor):
            return f"Tensor(shape={list(np.shape(v._value))}, dtype={v.dtype.name})"
        return type(v).__name__
    text = d(x)
    return text if len(text) < 300 else text[:297] + "..."


def _convert_preferring(value: Any, np_dtype: Any) -> Tensor:
    """``value`` (not a Tensor) as a tensor, in ``np_dtype`` when that is a lossless reading of it
    (TF's ``preferred_dtype``: Python numbers and NumPy arrays of the same kind), else as inferred."""
    if np_dtype is None:
        return convert_to_tensor(value)
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind == np.dtype(np_dtype).kind:
            return convert_to_tensor(value, dtype=np_dtype)
        return convert_to_tensor(value)
    try:
        return convert_to_tensor(value, dtype=np_dtype)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def _to_tensor_leaf(x: Any) -> Any:
    if _is_tensor_array(x):
        return x
    return convert_to_tensor(x)


def _note_back_prop(back_prop: Any, what: str) -> None:
    if not back_prop:
        warnings.warn(f"{what}(back_prop=False) is deprecated and, as in eager TF, gradients still "
                      "flow through the result (TF's tf.function would stop them). Use "
                      "tf.nest.map_structure(tf.stop_gradient, result) to stop them.",
                      UserWarning, stacklevel=3)


def _check_callable(fn: Any, what: str) -> None:
    if not callable(fn):
        raise TypeError(f"'{what}' must be callable.")


# -- conditionals ------------------------------------------------------------------------------

def cond(pred: Any, true_fn: Optional[Callable[[], Any]] = None,
         false_fn: Optional[Callable[[], Any]] = None, name: Optional[str] = None) -> Any:
    """``true_fn()`` if ``pred`` is true, else ``false_fn()`` (``tf.cond``).

    As in eager TF, only the chosen branch runs and its result is returned as the branch built it
    (a one-element list stays a list). ``pred`` is a scalar boolean tensor or a Python bool.
    """
    if true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required")
    if false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required")
    _check_callable(true_fn, "true_fn")
    _check_callable(false_fn, "false_fn")
    return true_fn() if _truth(pred, "tf.cond's predicate") else false_fn()


def _unpack_singleton(res: Any) -> Any:
    if isinstance(res, (list, tuple)) and len(res) == 1:
        return res[0]
    return res


def case(pred_fn_pairs: Any, default: Optional[Callable[[], Any]] = None, exclusive: bool = False,
         strict: bool = False, name: str = "case") -> Any:
    """Run the function of the first pair whose predicate is true (``tf.case``).

    Predicates are evaluated in order; ``exclusive=True`` evaluates all of them and raises
    InvalidArgumentError when more than one is true. Without ``default``, the last pair's function
    is the default and InvalidArgumentError is raised when no predicate is true (TF's behaviour).
    Unless ``strict``, a one-element list result is unpacked.
    """
    if not isinstance(pred_fn_pairs, (list, tuple, dict)):
        raise TypeError("'pred_fn_pairs' must be a list, tuple, or dict. "
                        f"Received: {type(pred_fn_pairs)}")
    if isinstance(pred_fn_pairs, dict):
        if not exclusive:
            raise ValueError("Unordered dictionaries are not supported for the 'pred_fn_pairs' "
                             "argument when `exclusive=False` and eager mode is enabled.")
        pred_fn_pairs = list(pred_fn_pairs.items())
    if not pred_fn_pairs:
        raise ValueError("tf.case: 'pred_fn_pairs' must hold at least one (predicate, fn) pair.")
    for pair in pred_fn_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in 'pred_fn_pairs' must be a 2-tuple. Received {pair}.")
        pred, fn = pair
        if _is_variable(pred):
            pred = convert_to_tensor(pred)
        if not isinstance(pred, Tensor):
            raise TypeError(f"pred must be a Tensor, got: {pred}")
        if pred.dtype != _dtypes.bool:
            raise TypeError(f"pred must be Tensor of type bool; got {pred.dtype.name}. Compare "
                            "it (tf.greater, ...) or cast it with tf.cast(pred, tf.bool).")
        _check_callable(fn, "fn for each predicate")
    if default is not None:
        _check_callable(default, "default")
    preds = [p for p, _ in pred_fn_pairs]
    fns = [f for _, f in pred_fn_pairs]
    if exclusive:
        truths = [_truth(p, "tf.case's predicate") for p in preds]
        if sum(truths) > 1:
            raise InvalidArgumentError(
                "tf.case: Input error: exclusive=True: more than 1 conditions evaluated as True: "
                f"{', '.join(str(t) for t in truths)}")
    chosen = None
    last = len(preds) - 1 if default is None else len(preds)
    for i in range(last):
        if _truth(preds[i], "tf.case's predicate"):
            chosen = fns[i]
            break
    if chosen is None:
        if default is not None:
            chosen = default
        else:
            if not _truth(preds[-1], "tf.case's predicate"):
                raise InvalidArgumentError(
                    "tf.case: Input error: None of conditions evaluated as True: "
                    f"{', '.join('False' for _ in preds)}. Pass default= for this case.")
            chosen = fns[-1]
    result = chosen()
    return result if strict else _unpack_singleton(result)


def switch_case(branch_index: Any, branch_fns: Any, default: Optional[Callable[[], Any]] = None,
                name: str = "switch_case") -> Any:
    """Run ``branch_fns[branch_index]()`` (``tf.switch_case``).

    ``branch_fns`` is a list of callables, a list of ``(int, callable)`` pairs or a dict whose keys
    form ``0..n-1``. An out-of-range index runs ``default``, or the last branch without one.
    """
    if _is_variable(branch_index):
        branch_index = convert_to_tensor(branch_index)
    if not isinstance(branch_index, Tensor):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    if branch_index._value.dtype.kind not in "iu":
        raise TypeError(f"'branch_index' must be an integer Tensor, got {branch_index.dtype}")
    if not branch_fns:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    if not isinstance(branch_fns, (list, tuple, dict)):
        raise TypeError("'branch_fns' must be a list, tuple, or dict")
    items = list(branch_fns.items()) if isinstance(branch_fns, dict) else list(branch_fns)
    if all(callable(f) for f in items):
        items = list(enumerate(items))
    for pair in items:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in 'branch_fns' must be a 2-tuple. Received {pair}.")
        key, fn = pair
        if not isinstance(key, int):
            raise TypeError(f"key must be a Python `int`, got {type(key)}")
        if not callable(fn):
            raise TypeError(f"fn for key {key} must be callable.")
    keys = [k for k, _ in items]
    if min(keys) < 0 or max(keys) >= len(keys) or len(set(keys)) != len(keys):
        raise ValueError(f"branch indices (keys) must form contiguous range of [0 to {len(keys)}) "
                         f"but found {{{','.join(map(str, sorted(keys)))}}}")
    actions = [f for _, f in sorted(items, key=lambda kv: kv[0])]
    if default is not None:
        _check_callable(default, "default")
        actions.append(default)
    idx = _python_int(branch_index, "tf.switch_case's branch_index")
    if idx < 0 or idx >= len(actions):
        idx = len(actions) - 1
    return actions[idx]()


# -- loops -------------------------------------------------------------------------------------

def _read_variables(structure: Any) -> Any:
    return nest.map_structure(lambda x: convert_to_tensor(x) if _is_variable(x) else x, structure)


def _flatten_shapes(x: Any) -> list:
    """``nest.flatten`` with TensorShapes as leaves (they are tuples)."""
    if isinstance(x, TensorShape) or _kind(x) is None:
        return [x]
    if isinstance(x, dict):
        return [leaf for k in nest._sorted_keys(x) for leaf in _flatten_shapes(x[k])]
    return [leaf for v in x for leaf in _flatten_shapes(v)]


def _check_invariants(loop_vars: Any, invariants: Any) -> None:
    flat_vars = nest.flatten(loop_vars)
    flat_inv = _flatten_shapes(invariants)
    for v, shape in zip(flat_vars, flat_inv):
        if shape is None or not isinstance(v, Tensor):
            continue
        if not isinstance(shape, TensorShape):
            raise TypeError(f"tf.while_loop: shape_invariants must hold tf.TensorShape objects; got "
                            f"{shape!r}.")
        if not shape.is_compatible_with(np.shape(v._value)):
            raise ValueError(f"tf.while_loop: a loop variable has shape {list(np.shape(v._value))}, "
                             f"which is not compatible with its shape invariant {list(shape)}. "
                             "Relax the invariant with None for the dimensions that change.")


def while_loop(cond: Callable[..., Any], body: Callable[..., Any], loop_vars: Any,
               shape_invariants: Any = None, parallel_iterations: int = 10, back_prop: bool = True,
               swap_memory: bool = False, maximum_iterations: Any = None,
               name: Optional[str] = None) -> Any:
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (``tf.while_loop``).

    ``loop_vars`` is a list or tuple (possibly nested: tuples, lists, dicts, TensorArrays); the
    result has the structure the body returns, each leaf converted to a tensor. As in eager TF,
    gradients flow through the iterations that ran, ``back_prop`` and ``swap_memory`` change
    nothing (``back_prop=False`` warns that it is ignored) and ``parallel_iterations`` must be
    positive. ``shape_invariants``, when given, are checked after every iteration (tf.function's
    rule); without them shapes may change (eager). ``maximum_iterations`` stops the loop after that
    many iterations.
    """
    _check_callable(cond, "cond")
    _check_callable(body, "body")
    _note_back_prop(back_prop, "tf.while_loop")
    if not isinstance(parallel_iterations, (int, np.integer)) or parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    if not isinstance(loop_vars, (list, tuple)) or not loop_vars:
        raise ValueError("'loop_vars' must be provided: a non-empty list or tuple of loop "
                         f"variables (got {type(loop_vars).__name__}). Wrap a single tensor as [x].")
    loop_vars = _read_variables(loop_vars)
    limit = None
    if maximum_iterations is not None:
        mi = maximum_iterations
        if not isinstance(mi, (Tensor, int, np.integer)) and not _is_variable(mi):
            mi = convert_to_tensor(mi)
        if isinstance(mi, Tensor) and np.ndim(mi._value) != 0:
            raise ValueError("'maximum_iterations' must be a scalar. Received shape: "
                             f"{tuple(np.shape(mi._value))}")
        limit = _python_int(mi, "tf.while_loop's maximum_iterations")
    if shape_invariants is not None:
        _same_structure(list(loop_vars), list(shape_invariants)
                        if isinstance(shape_invariants, (list, tuple)) else shape_invariants,
                        "tf.while_loop: shape_invariants and loop_vars", check_types=False)
        _check_invariants(loop_vars, shape_invariants)
    structure = list(loop_vars)
    count = 0
    while True:
        go = _truth(cond(*loop_vars), "tf.while_loop's condition")
        if limit is not None and count >= limit:
            break
        if not go:
            break
        new_vars = body(*loop_vars)
        if not isinstance(new_vars, (list, tuple)):
            if len(structure) != 1:
                raise TypeError(f"tf.while_loop: body must return the loop variables as a list or "
                                f"tuple of {len(structure)}; it returned a "
                                f"{type(new_vars).__name__}.")
            new_vars = [new_vars]   # one loop variable returned bare (accepted by tf.function)
        _same_structure(structure, list(new_vars), "tf.while_loop: loop_vars and body's result")
        loop_vars = new_vars
        count += 1
        if shape_invariants is not None:
            _check_invariants(loop_vars, shape_invariants)
    return nest.map_structure(_to_tensor_leaf, loop_vars)


def _spec_of(sig: Any) -> tuple:
    """(dtype as NumPy dtype or None, shape as TensorShape or None) of a signature leaf."""
    from ..function import TensorSpec
    if isinstance(sig, TensorSpec):
        return _dtypes.to_numpy(sig.dtype), sig.shape
    if sig is None:
        return None, None
    try:
        return _dtypes.to_numpy(_dtypes.as_dtype(sig)), None
    except (TypeError, ValueError, KeyError):
        raise TypeError(f"tf.map_fn: fn_output_signature entries must be dtypes or tf.TensorSpec; got "
                        f"{sig!r}. Ragged and sparse signatures are not supported.") from None


class _Accumulator:
    """The values one output leaf of a mapped function produces, with TensorArray's checks."""

    def __init__(self, dtype: Any, shape: Any, infer_shape: bool, what: str):
        self.dtype = dtype
        self.shape = shape
        self.infer = infer_shape
        self.what = what
        self.values: list = []

    def add(self, value: Any) -> Tensor:
        if _is_variable(value):
            value = convert_to_tensor(value)
        if not isinstance(value, Tensor):
            value = _convert_preferring(value, self.dtype)
        if self.dtype is None:
            self.dtype = value._value.dtype
        if value._value.dtype != self.dtype:
            raise InvalidArgumentError(
                f"{self.what}: the output has dtype {value.dtype.name} but "
                f"{_dtypes.from_numpy(self.dtype).name} is expected. Set fn_output_signature, or "
                "cast the output with tf.cast.")
        shape = np.shape(value._value)
        if self.shape is not None and not self.shape.is_compatible_with(shape):
            raise ValueError(f"{self.what}: Incompatible shape for value ({tuple(shape)}), expected "
                             f"({tuple(self.shape)})")
        if self.infer:
            self.shape = TensorShape(shape)
        self.values.append(value)
        return value

    def stack(self) -> Tensor:
        from .shape import stack
        if self.values:
            return stack(self.values)
        dims = (0,) + tuple(self.shape) if self.shape is not None and \
            self.shape.is_fully_defined() else (0,)
        return _wrap(np.zeros(dims, dtype=self.dtype if self.dtype is not None else np.float32))


def _wrap(arr: Any) -> Tensor:
    t = _new(Tensor)
    t._value = arr
    return t


def _batch(elems: Any, what: str) -> tuple:
    """Flatten ``elems`` to tensors with a common first dimension ``n``; returns (flat, n)."""
    elems = _read_variables(elems)
    flat = nest.flatten(elems)
    if not flat:
        raise ValueError(f"elems must be a Tensor or (possibly nested) sequence of Tensors. Got "
                         f"{elems}, which does not contain any Tensors.")
    flat = [convert_to_tensor(e) for e in flat]
    for e in flat:
        if e._value.ndim < 1:
            raise ValueError(f"{what}: Elements in elems must be 1+ dimensional Tensors, not scalars")
    n = flat[0]._value.shape[0]
    for e in flat[1:]:
        if e._value.shape[0] != n:
            raise ValueError(f"{what}: Dimensions {n} and {e._value.shape[0]} are not compatible: "
                             "every tensor in elems must have the same first dimension.")
    return elems, flat, n


def _slices(flat: list, n: int) -> list:
    from .shape import unstack
    if n == 0:
        return []
    cols = [unstack(e) for e in flat]
    return [[c[i] for c in cols] for i in range(n)]


def map_fn(fn: Callable[[Any], Any], elems: Any, dtype: Any = None,
           parallel_iterations: Optional[int] = None, back_prop: bool = True,
           swap_memory: bool = False, infer_shape: bool = True, name: Optional[str] = None,
           fn_output_signature: Any = None) -> Any:
    """Apply ``fn`` to each slice of ``elems`` along axis 0 and stack the results (``tf.map_fn``).

    ``elems`` may be a nested structure of tensors with the same first dimension; ``fn`` gets the
    matching structure of slices. Without ``fn_output_signature`` (or the older ``dtype``), ``fn``
    must return the structure and dtypes of ``elems``; otherwise the signature's (dtypes or
    ``tf.TensorSpec``). Gradients flow through the slices and the stacking.
    """
    if fn_output_signature is None:
        fn_output_signature = dtype
    _check_callable(fn, "fn")
    _note_back_prop(back_prop, "tf.map_fn")
    elems, flat, n = _batch(elems, "tf.map_fn")
    if fn_output_signature is None:
        specs = [(e._value.dtype, None) for e in flat]
        out_structure = elems
    else:
        specs = [_spec_of(s) for s in nest.flatten(fn_output_signature)]
        out_structure = fn_output_signature
    accs = [_Accumulator(d, s, infer_shape, "tf.map_fn") for d, s in specs]
    for row in _slices(flat, n):
        result = fn(nest.pack_sequence_as(elems, row))
        _same_structure(out_structure, result, "tf.map_fn: fn_output_signature (or elems) and "
                        "fn's result")
        for acc, value in zip(accs, nest.flatten(result)):
            acc.add(value)
    return nest.pack_sequence_as(out_structure, [a.stack() for a in accs])


def scan(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None,
         parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
         infer_shape: bool = True, reverse: bool = False, name: Optional[str] = None) -> Any:
    """Cumulative ``a = fn(a, x)`` over the slices of ``elems``, stacking every ``a`` (``tf.scan``).

    Without ``initializer`` the first slice (the last one with ``reverse``) starts the scan and
    is the first output. The outputs have the structure of ``initializer`` (or ``elems``).
    """
    _check_callable(fn, "fn")
    _note_back_prop(back_prop, "tf.scan")
    elems, flat, n = _batch(elems, "tf.scan")
    if initializer is None:
        if n == 0:
            raise OutOfRangeError("tf.scan: Tried to read from index 0 but array size is: 0 "
                                  "(pass an initializer to scan an empty sequence).")
        out_structure = elems
    else:
        out_structure = initializer
    rows = _slices(flat, n)
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    if initializer is None:
        a = list(rows[order[0]])
        order = order[1:]
    else:
        a = [convert_to_tensor(x) for x in nest.flatten(_read_variables(initializer))]
    accs = [_Accumulator(x._value.dtype, TensorShape(np.shape(x._value)) if infer_shape else None,
                         infer_shape, "tf.scan") for x in a]
    if initializer is None:
        a = [acc.add(x) for acc, x in zip(accs, a)]
    for i in order:
        result = fn(nest.pack_sequence_as(out_structure, a), nest.pack_sequence_as(elems, rows[i]))
        _same_structure(out_structure, result, "tf.scan: initializer (or elems) and fn's result")
        a = [acc.add(v) for acc, v in zip(accs, nest.flatten(result))]
    if reverse:
        for acc in accs:
            acc.values.reverse()
    return nest.pack_sequence_as(out_structure, [acc.stack() for acc in accs])


def _fold(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any, reverse: bool,
          what: str) -> Any:
    _check_callable(fn, "fn")
    elems, flat, n = _batch(elems, what)
    rows = _slices(flat, n)
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    if initializer is None:
        if n == 0:
            raise OutOfRangeError(f"{what}: Tried to read from index 0 but array size is: 0 (pass "
                                  "an initializer to fold an empty sequence).")
        a = nest.pack_sequence_as(elems, rows[order[0]])
        order = order[1:]
    else:
        a = _read_variables(initializer)
    for i in order:
        result = fn(a, nest.pack_sequence_as(elems, rows[i]))
        _same_structure(a, result, f"{what}: the accumulator and fn's result")
        a = result
    return nest.map_structure(_to_tensor_leaf, a)


def foldl(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None,
          parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
          name: Optional[str] = None) -> Any:
    """Fold ``a = fn(a, x)`` over the slices of ``elems`` from the first (``tf.foldl``); returns the
    final accumulator. Without ``initializer`` the first slice starts it."""
    _note_back_prop(back_prop, "tf.foldl")
    return _fold(fn, elems, initializer, False, "tf.foldl")


def foldr(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None,
          parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
          name: Optional[str] = None) -> Any:
    """Fold ``a = fn(a, x)`` over the slices of ``elems`` from the last (``tf.foldr``)."""
    _note_back_prop(back_prop, "tf.foldr")
    return _fold(fn, elems, initializer, True, "tf.foldr")


def vectorized_map(fn: Callable[[Any], Any], elems: Any, fallback_to_while_loop: bool = True,
                   warn: bool = True) -> Any:
    """Map ``fn`` over the first dimension of ``elems`` and stack the outputs (``tf.vectorized_map``).

    gradtape runs the loop (TF's ``fallback_to_while_loop`` path; the values and gradients are those
    of TF's vectorised program). Every tensor in ``elems`` has first dimension ``B`` or 1 (size-1
    tensors are broadcast). ``fn`` may return any nested structure; outputs that do not depend on
    the element are tiled.
    """
    _check_callable(fn, "fn")
    elems = _read_variables(elems)
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("tf.vectorized_map: elems must contain at least one tensor.")
    for e in flat:
        if e._value.ndim < 1:
            raise ValueError("tf.vectorized_map: every tensor in elems needs a batch dimension; got "
                             "a scalar.")
    sizes = {e._value.shape[0] for e in flat}
    big = sizes - {1}
    if len(big) > 1:
        raise InvalidArgumentError(f"tf.vectorized_map: the first dimensions of elems {sorted(sizes)} "
                                   "do not broadcast: each must be the batch size or 1.")
    n = big.pop() if big else 1
    from .shape import unstack
    cols = []
    for e in flat:
        parts = unstack(e) if n else []
        cols.append(parts * n if e._value.shape[0] == 1 and n != 1 else parts)
    if n == 0:
        # The output's shape comes from one run of fn on zeros (what TF's vectorised program knows).
        from ..custom_gradient import _suspend_recording
        with _suspend_recording():
            probe = fn(nest.pack_sequence_as(elems, [_wrap(np.zeros(e._value.shape[1:], e._value.dtype))
                                                      for e in flat]))
        leaves = [convert_to_tensor(v) for v in nest.flatten(probe)]
        return nest.pack_sequence_as(probe, [_wrap(np.zeros((0,) + v._value.shape, v._value.dtype))
                                             for v in leaves])
    structure = None
    accs: list = []
    for i in range(n):
        r = fn(nest.pack_sequence_as(elems, [c[i] for c in cols]))
        if structure is None:
            structure = r
            accs = [_Accumulator(None, None, True, "tf.vectorized_map") for _ in nest.flatten(r)]
        else:
            _same_structure(structure, r, "tf.vectorized_map: fn's results for two elements")
        for acc, v in zip(accs, nest.flatten(r)):
            acc.add(v)
    return nest.pack_sequence_as(structure, [a.stack() for a in accs])


# -- Python callbacks --------------------------------------------------------------------------

def _dtype_list(Tout: Any) -> tuple:
    single = not isinstance(Tout, (list, tuple))
    touts = [Tout] if single else list(Tout)
    return single, [_dtypes.as_dtype(t) for t in touts]


def _returned(ret: Any, n: int, what: str) -> list:
    if ret is None:
        values: list = []
    elif isinstance(ret, (list, tuple)):
        values = list(ret)
    else:
        values = [ret]
    if len(values) != n:
        raise InvalidArgumentError(f"{what}: func returns {len(values)} values, but Tout expects "
                                   f"{n} values.")
    return values


def py_function(func: Optional[Callable[..., Any]] = None, inp: Any = None, Tout: Any = None,
                name: Optional[str] = None) -> Any:
    """Run the Python function ``func`` on tensors, eagerly and differentiably (``tf.py_function``).

    ``func`` gets ``inp`` as tensors (Variables are read) and returns values converted to ``Tout``:
    a single dtype gives one tensor, a list of dtypes a list (``[]`` for a function returning
    None). Gradients flow to the inputs and to the Variables ``func`` reads, as TF's
    EagerPyFunc gradient; that gradient is not differentiated again (second derivatives through a
    py_function are None, as in TF). Under ``gradtape.function`` the function runs eagerly, so
    ``func`` runs on every call. Used as ``@tf.py_function(Tout=...)``, it decorates ``func``.
    """
    if Tout is None:
        raise TypeError("Missing required argument: 'Tout'. If using tf.py_function as a "
                        "decorator, set `Tout` **by name** above the function: "
                        "`@tf.py_function(Tout=tout)`")
    if func is None:
        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            import functools

            @functools.wraps(f)
            def wrapped(*args: Any) -> Any:
                return py_function(f, list(args), Tout, name)
            return wrapped
        return decorator
    fall_back_to_eager("tf.py_function runs Python code on every call")
    single, touts = _dtype_list(Tout)
    inputs = [convert_to_tensor(x) for x in (inp if inp is not None else [])]

    def convert(values: list) -> list:
        out = []
        for v, dt in zip(values, touts):
            if _is_variable(v):
                raise RuntimeError("Attempting to return a variable from an eagerly executed "
                                   "py_func. Only numeric data structures like Tensors or NumPy "
                                   "arrays should be returned; to return the value of a variable, "
                                   "use `.read_value()`.")
            try:
                t = convert_to_tensor(v, dtype=dt)
            except (ValueError, TypeError) as e:
                raise InvalidArgumentError(f"tf.py_function: {e}") from None
            out.append(t)
        return out

    def finish(outs: list) -> Any:
        if single and outs:
            return outs[0]
        return outs

    floating = [i for i, dt in enumerate(touts) if np.dtype(_dtypes.to_numpy(dt)).kind in "fc"]
    if not ACTIVE or not floating:
        return finish(convert(_returned(func(*inputs), len(touts), "tf.py_function")))

    from ..custom_gradient import custom_gradient
    from ..tape import GradientTape, UnconnectedGradients
    from .shape import stop_gradient
    state: dict = {}

    # One recorded op whose outputs are the floating outputs; its gradient runs the tape recorded
    # inside ``func`` (the integer outputs are not differentiable, as in TF).
    @custom_gradient
    def run(*xs: Any) -> Any:
        inner = GradientTape(persistent=True)
        with inner:
            for x in xs:
                if x._value.dtype.kind in "fc":
                    inner.watch(x)
            outs = convert(_returned(func(*xs), len(touts), "tf.py_function"))
        state["outs"] = outs
        diff = [outs[i] for i in floating]

        def grad_fn(*dys: Any, variables: Any = None) -> Any:
            srcs = list(xs) + list(variables or [])
            grads = inner.gradient(diff, srcs, output_gradients=list(dys),
                                   unconnected_gradients=UnconnectedGradients.NONE)
            grads = [None if g is None else stop_gradient(g) for g in grads]
            k = len(xs)
            if variables:
                return grads[:k], grads[k:]
            return grads[:k]

        return diff, grad_fn

    recorded = list(run(*inputs))
    outs = list(state["outs"])
    for i, t in zip(floating, recorded):
        outs[i] = t
    return finish(outs)


def numpy_function(func: Optional[Callable[..., Any]] = None, inp: Any = None, Tout: Any = None,
                   stateful: bool = True, name: Optional[str] = None) -> Any:
    """Run ``func`` on NumPy arrays (``tf.numpy_function``); its outputs are not differentiable.

    ``func`` gets writeable copies of the inputs' values as NumPy arrays and returns NumPy arrays
    (kept with their dtype, as eager TF does) or Python values (converted to ``Tout``). Under
    ``gradtape.function`` the function runs eagerly, so ``func`` runs on every call.
    """
    if Tout is None:
        raise TypeError("Missing required argument: 'Tout'. If using tf.numpy_function as a "
                        "decorator, set `Tout` **by name** above the function.")
    if func is None:
        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            import functools

            @functools.wraps(f)
            def wrapped(*args: Any) -> Any:
                return numpy_function(f, list(args), Tout, stateful, name)
            return wrapped
        return decorator
    fall_back_to_eager("tf.numpy_function runs Python code on every call")
    single, touts = _dtype_list(Tout)
    arrays = [np.array(convert_to_tensor(x)._value) for x in (inp if inp is not None else [])]
    values = _returned(func(*arrays), len(touts), "tf.numpy_function")
    outs = []
    for v, dt in zip(values, touts):
        if isinstance(v, (np.ndarray, np.generic)) and np.asarray(v).dtype.kind in "biufc":
            arr = np.array(v)
            outs.append(_wrap(arr[()] if arr.ndim == 0 else arr))
        elif dt == _dtypes.string or (isinstance(v, np.ndarray) and v.dtype.kind in "OUS"):
            outs.append(convert_to_tensor(v.tolist() if isinstance(v, np.ndarray) and v.ndim == 0
                                          else v))
        else:
            t = convert_to_tensor(v, dtype=dt)
            outs.append(_wrap(np.array(t._value)[()] if np.ndim(t._value) == 0 else np.array(t._value)))
    return outs[0] if single else outs


# -- shapes and static values ------------------------------------------------------------------

def _shape_text(shape: Any) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def ensure_shape(x: Any, shape: Any, name: Optional[str] = None) -> Tensor:
    """``x`` unchanged when its shape is compatible with ``shape`` (``tf.ensure_shape``); otherwise
    InvalidArgumentError. ``None`` dimensions (and ``shape=None``) match anything. Differentiable."""
    from .shape import identity
    t = convert_to_tensor(x)
    actual = np.shape(t._value)
    if shape is not None:
        expected = shape if isinstance(shape, TensorShape) else TensorShape(
            shape if isinstance(shape, (int, np.integer)) else list(shape))
        if not expected.is_compatible_with(actual):
            raise InvalidArgumentError(f"Shape of tensor input {_shape_text(actual)} is not "
                                       f"compatible with expected shape {_shape_text(expected)}. "
                                       "[Op:EnsureShape]")
    return identity(t)


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """The value of ``tensor`` as NumPy when it is known without running the program
    (``tf.get_static_value``): a tensor's value eagerly, None for a Variable (its value can change)
    and, under ``gradtape.function``, None for a tensor that depends on the function's inputs,
    variables or random ops (TF's graph-mode answer). Non-tensors are returned unchanged."""
    if _is_variable(tensor):
        return None
    if not isinstance(tensor, Tensor):
        return tensor
    if traced_value_varies(tensor):
        return None
    v = tensor._value
    return np.array(v)[()] if np.ndim(v) == 0 else np.array(v)
