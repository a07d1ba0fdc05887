"""``keras.layers.serialize``/``deserialize``: ``{'class_name', 'config'}`` for built-in and custom layers."""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional

_CUSTOM_OBJECTS: Dict[str, Any] = {}


class _Scopes(threading.local):
    """The open ``custom_object_scope`` dicts of this thread, innermost last (Keras 3 keeps them in
    thread-local state: a scope opened in one thread is not seen by another)."""

    def __init__(self) -> None:
        self.stack: list = []


SCOPES = _Scopes()


def scoped_object(name: str) -> Any:
    """The object registered as ``name`` by this thread's open scopes (innermost first), or None."""
    for objects in reversed(SCOPES.stack):
        if name in objects:
            return objects[name]
    return None


def serialize(layer: Any) -> Dict[str, Any]:
    """``{'class_name': type name, 'config': layer.get_config()}``."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def _lookup(name: str, custom_objects: Optional[dict]) -> Any:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    scoped = scoped_object(name)
    if scoped is not None:
        return scoped
    if name in _CUSTOM_OBJECTS:
        return _CUSTOM_OBJECTS[name]
    from .. import layers as _layers, models as _models
    for module in (_layers, _models):
        obj = getattr(module, name, None)
        if isinstance(obj, type):
            return obj
    raise ValueError(f"Unknown layer: {name!r}. Please ensure you are using a `keras.utils.custom_object_scope` "
                     "and that this object is included in the scope, or pass custom_objects={...}.")


def deserialize(config: Dict[str, Any], custom_objects: Optional[dict] = None) -> Any:
    """Build a layer (or model) from ``serialize``'s output."""
    cls = _lookup(config["class_name"], custom_objects)
    cfg = config.get("config", {})
    import inspect
    try:
        params = inspect.signature(cls.from_config).parameters
    except (TypeError, ValueError):
        params = {}
    if "custom_objects" in params:
        return cls.from_config(cfg, custom_objects=custom_objects)
    return cls.from_config(cfg)
