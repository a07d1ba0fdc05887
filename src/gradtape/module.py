"""``tf.Module`` and ``tf.name_scope``: named containers of Variables and other Modules.

What it mirrors from TF 2 (eager):

* ``tf.name_scope(name)`` is a context manager that returns the scope's full name (``"outer/inner/"``);
  a Variable created inside it is named ``"outer/inner/v:0"``. A name ending in ``/`` is absolute; the
  empty name resets to the root. As in eager TF, names are not made unique.
* ``tf.Module(name=None)``: the name defaults to the class name in snake case and must be a valid Python
  identifier; the module's ``name_scope`` is opened inside the scope active at construction.
* ``variables``, ``trainable_variables``, ``non_trainable_variables`` and ``submodules`` are found by
  walking the module's attributes in sorted order of their names, looking inside lists, tuples and
  dicts (dict keys sorted), nested; each object once. Direct attributes come first, then each
  submodule's, in order (TF's ``Module._flatten``).
* ``Module.with_name_scope(method)`` runs the method inside the module's name scope.
"""
from __future__ import annotations

import functools
import re
import threading
from typing import Any, Callable, Iterator, Optional, Tuple

from . import _scope
from .variable import Variable

__all__ = ["Module", "name_scope"]


class name_scope:
    """A context manager that names Variables created inside it (``tf.name_scope``).

    ``with tf.name_scope("block"):`` makes ``tf.Variable(1.0, name="w")`` be named ``"block/w:0"``.
    Scopes nest (``"outer/inner/"``); a name that ends with ``/`` is used as is (an absolute scope)
    and ``""`` returns to the root. ``__enter__`` returns the full scope name.
    """

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise ValueError(f"name for name_scope must be a string. Received: {name!r}")
        self._name = name
        self._saved = threading.local()     # the scopes this object replaced, per thread

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        old = _scope.STATE.name
        name = self._name
        if not name:
            new = ""
        elif name[-1] == "/":
            new = name
        else:
            new = old + name + "/"
        stack = self._saved.__dict__.setdefault("stack", [])
        stack.append(old)
        _scope.STATE.name = new
        return new

    def __exit__(self, *exc: Any) -> None:
        _scope.STATE.name = self._saved.stack.pop()

    def __repr__(self) -> str:
        return f"<tf.name_scope {self._name!r}>"

    def __reduce__(self) -> tuple:            # copies and pickles hold the name, not the per-thread stack
        return (name_scope, (self._name,))


_CAMEL_TO_SNAKE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")
_VALID_IDENTIFIER = re.compile(r"^[a-zA-Z_]([a-zA-Z0-9_])*$")


def camel_to_snake(value: str) -> str:
    """TF's module-name rule: ``MyDenseModule`` -> ``my_dense_module``."""
    return _CAMEL_TO_SNAKE.sub(r"_\1", value).lower()


def _is_variable(x: Any) -> bool:
    return isinstance(x, Variable)


def _is_trainable_variable(x: Any) -> bool:
    return isinstance(x, Variable) and x.trainable


def _is_non_trainable_variable(x: Any) -> bool:
    return isinstance(x, Variable) and not x.trainable


def _is_module(x: Any) -> bool:
    return isinstance(x, Module)


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:                       # keys of mixed types: TF's nest sorts by their text
        return sorted(d, key=repr)


def _leaves_with_paths(value: Any, path: tuple = (), opened: Optional[set] = None) -> Iterator[tuple]:
    """``(path, leaf)`` pairs of ``value`` as TF's ``nest.flatten_with_tuple_paths``: lists and tuples in
    order, dicts by sorted key; every other object (Variables, Modules, tensors, ...) is a leaf. A
    container met again inside itself is not reopened."""
    if isinstance(value, (list, tuple, dict)):
        if opened is None:
            opened = set()
        if id(value) in opened:
            return
        opened.add(id(value))
        if isinstance(value, dict):
            for k in _sorted_keys(value):
                yield from _leaves_with_paths(value[k], path + (k,), opened)
        else:
            for i, v in enumerate(value):
                yield from _leaves_with_paths(v, path + (i,), opened)
        opened.discard(id(value))
    else:
        yield path, value


def _flatten_module(module: "Module", recursive: bool, predicate: Callable[[Any], bool],
                    attribute_traversal_key: Any, attributes_to_ignore: frozenset, with_path: bool,
                    module_path: tuple = (), seen: Optional[set] = None,
                    recursion_stack: Optional[list] = None) -> Iterator[Any]:
    """TF's ``_flatten_module``: a module's matching attributes first, then each submodule's."""
    module_id = id(module)
    if seen is None:
        seen = {module_id}
    if recursion_stack is None:
        recursion_stack = []
    if module_id in recursion_stack:
        recursive = False
    module_dict = vars(module)
    submodules = []
    for key in sorted(module_dict, key=attribute_traversal_key):
        if key in attributes_to_ignore:
            continue
        for leaf_path, leaf in _leaves_with_paths(module_dict[key]):
            leaf_path = (key,) + leaf_path
            if not with_path:
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
            if predicate(leaf):
                yield (module_path + leaf_path, leaf) if with_path else leaf
            if recursive and _is_module(leaf):
                submodules.append((module_path + leaf_path, leaf))
    recursion_stack.append(module_id)
    for sub_path, sub in submodules:
        yield from _flatten_module(sub, recursive, predicate, attribute_traversal_key,
                                   sub._TF_MODULE_IGNORED_PROPERTIES, with_path, sub_path, seen,
                                   recursion_stack)
    recursion_stack.pop()


class Module:
    """A named container of Variables and other Modules (``tf.Module``).

    Subclass it and assign Variables and Modules to attributes (directly or in lists, tuples and
    dicts); ``variables``, ``trainable_variables`` and ``submodules`` find them. Call
    ``super().__init__(name=...)`` first in ``__init__``.
    """

    # Attributes never searched for Variables or Modules (subclasses may add theirs).
    _TF_MODULE_IGNORED_PROPERTIES = frozenset(("_self_unconditional_checkpoint_dependencies",
                                               "_self_unconditional_dependency_names"))

    def __init__(self, name: Optional[str] = None):
        if name is None:
            name = camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not _VALID_IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid Python "
                             "identifiers (e.g. a valid class name).")
        self._name = name
        with name_scope(name) as scope_name:
            self._name_scope = name_scope(scope_name)

    @property
    def name(self) -> str:
        """The module's name (given, or the class name in snake case)."""
        try:
            return self._name
        except AttributeError:
            raise AttributeError(f"{type(self).__name__} has no name: its __init__ must call "
                                 "super().__init__() (tf.Module.__init__) first.") from None

    @property
    def name_scope(self) -> name_scope:
        """The module's ``tf.name_scope`` (its ``.name`` is the full scope, e.g. ``"outer/mine/"``)."""
        try:
            return self._name_scope
        except AttributeError:
            raise AttributeError(f"{type(self).__name__} has no name_scope: its __init__ must call "
                                 "super().__init__() (tf.Module.__init__) first.") from None

    @property
    def variables(self) -> Tuple[Variable, ...]:
        """Every Variable of this module and its submodules, each once (``tf.Module.variables``)."""
        return tuple(self._flatten(predicate=_is_variable))

    @property
    def trainable_variables(self) -> Tuple[Variable, ...]:
        """The trainable Variables of this module and its submodules."""
        return tuple(self._flatten(predicate=_is_trainable_variable))

    @property
    def non_trainable_variables(self) -> Tuple[Variable, ...]:
        """The non-trainable Variables of this module and its submodules."""
        return tuple(self._flatten(predicate=_is_non_trainable_variable))

    @property
    def submodules(self) -> Tuple["Module", ...]:
        """Every Module reachable from this one (not itself), direct ones first."""
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(self, recursive: bool = True, predicate: Optional[Callable[[Any], bool]] = None,
                 attribute_traversal_key: Any = None, with_path: bool = False,
                 expand_composites: bool = False) -> Iterator[Any]:
        """Objects in this module's attributes (and, when ``recursive``, its submodules') for which
        ``predicate`` holds; ``with_path`` yields ``(path, object)`` with ``path`` a tuple of attribute
        names, list indices and dict keys (``tf.Module._flatten``)."""
        if predicate is None:
            predicate = lambda _: True  # noqa: E731
        return _flatten_module(self, recursive=recursive, predicate=predicate,
                               attribute_traversal_key=attribute_traversal_key,
                               attributes_to_ignore=self._TF_MODULE_IGNORED_PROPERTIES,
                               with_path=with_path)

    @classmethod
    def with_name_scope(cls, method: Callable) -> Callable:
        """Decorate a method so it runs inside the module's name scope (``Module.with_name_scope``)."""
        @functools.wraps(method)
        def method_with_name_scope(self: "Module", *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)
        return method_with_name_scope
