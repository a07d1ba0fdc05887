"""Keras masks: the boolean ``(batch, time)`` mask a tensor carries from ``Embedding(mask_zero=True)`` or
``Masking`` to the layers after it (``keras.backend.get_keras_mask`` / ``set_keras_mask``), and the
``Masking`` layer.

What it mirrors from Keras 3:

* a layer whose output has a mask attaches it to the output tensor (Keras's ``tensor._keras_mask``);
* a layer whose ``call`` has a ``mask`` argument receives the mask of its inputs when none is given;
  a layer with ``supports_masking = True`` (or its own ``compute_mask``) passes on
  ``compute_mask(inputs, mask)`` (by default: the input mask); any other layer drops it.

gradtape's tensors have fixed slots, so masks are kept in a table keyed by the tensor's identity and
held only while the tensor lives (a weak reference removes the entry with the tensor).
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, Dict, Optional

from ...tensor import Tensor
from .base import Layer, _flatten, _map

_MASKS: Dict[int, tuple] = {}
_LOCK = threading.Lock()


def set_keras_mask(tensor: Any, mask: Any) -> None:
    """Attach ``mask`` to ``tensor`` (``None`` removes it); only gradtape Tensors carry masks."""
    if type(tensor) is not Tensor:
        return
    key = id(tensor)
    with _LOCK:
        if mask is None:
            _MASKS.pop(key, None)
            return

        def _gone(ref: Any, key: int = key) -> None:
            with _LOCK:
                entry = _MASKS.get(key)
                if entry is not None and entry[0] is ref:
                    del _MASKS[key]
        _MASKS[key] = (weakref.ref(tensor, _gone), mask)


def get_keras_mask(tensor: Any) -> Optional[Tensor]:
    """The mask attached to ``tensor`` by the layer that produced it, or ``None``."""
    if not _MASKS:
        return None
    entry = _MASKS.get(id(tensor))
    if entry is not None and entry[0]() is tensor:
        return entry[1]
    return None


def any_masks() -> bool:
    """Whether any live tensor carries a mask (layers skip all mask work when none does)."""
    return bool(_MASKS)


def mask_of(inputs: Any) -> Any:
    """The masks of ``inputs`` (same structure), or ``None`` when none of them has one."""
    if isinstance(inputs, (list, tuple, dict)):
        masks = _map(get_keras_mask, inputs)
        return masks if any(m is not None for m in _flatten(masks)) else None
    return get_keras_mask(inputs)


def _computes_mask(layer: Layer) -> bool:
    cls = type(layer)
    cached = cls.__dict__.get("_gt_computes_mask")
    if cached is None:
        cached = getattr(cls, "compute_mask", None) is not Layer.compute_mask
        try:
            setattr(cls, "_gt_computes_mask", cached)
        except TypeError:
            pass
    return cached


def wants_mask_work(layer: Layer) -> bool:
    """Whether a call of ``layer`` may need to read or attach masks."""
    return bool(_MASKS) or _computes_mask(layer)


def after_call(layer: Layer, inputs: Any, previous_mask: Any, outputs: Any) -> None:
    """Attach ``layer.compute_mask(inputs, previous_mask)`` to the outputs that carry no mask yet
    (Keras's ``_set_mask_metadata``); layers that do not support masking drop the mask."""
    if not (layer.__dict__.get("supports_masking") or _computes_mask(layer)):
        return
    flat_out = [o for o in _flatten(outputs) if type(o) is Tensor]
    if not flat_out or all(get_keras_mask(o) is not None for o in flat_out):
        return
    masks = layer.compute_mask(inputs, previous_mask)
    if masks is None:
        return
    flat_masks = _flatten(masks) if isinstance(masks, (list, tuple)) else [masks]
    outs = _flatten(outputs)
    if len(flat_masks) == 1 and len(outs) > 1:
        flat_masks = flat_masks * len(outs)
    for o, m in zip(outs, flat_masks):
        if m is not None and type(o) is Tensor and get_keras_mask(o) is None:
            set_keras_mask(o, m)


class Masking(Layer):
    """Mask the time steps whose features all equal ``mask_value`` (``tf.keras.layers.Masking``): the
    output is the input with those steps set to 0, and carries the mask ``any(x != mask_value, -1)``."""

    def __init__(self, mask_value: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _boolean_mask(self, inputs: Any) -> Tensor:
        from ...ops import math as _m
        from ...ops.reduction import reduce_any
        return reduce_any(_m.not_equal(inputs, _m.cast(self.mask_value, inputs.dtype)), axis=-1)

    def call(self, inputs: Any) -> Tensor:
        from ...ops import math as _m
        from ...ops.shape import expand_dims
        keep = self._boolean_mask(inputs)
        out = _m.where(expand_dims(keep, -1), inputs, _m.cast(0, inputs.dtype))
        set_keras_mask(out, keep)
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return self._boolean_mask(inputs)

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


def merge_masks(masks: Any) -> Any:
    """Elementwise AND of the non-None masks of a list (the merge layers' ``compute_mask``)."""
    if masks is None:
        return None
    present = [m for m in masks if m is not None]
    if not present:
        return None
    from ...ops import math as _m
    out = _m.cast(present[0], "bool")
    for m in present[1:]:
        out = _m.logical_and(out, _m.cast(m, "bool"))
    return out


__all__ = ["Masking", "get_keras_mask", "set_keras_mask"]
