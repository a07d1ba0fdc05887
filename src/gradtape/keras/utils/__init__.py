"""``tf.keras.utils``: ``to_categorical``, ``set_random_seed``, ``Progbar`` and friends."""
from __future__ import annotations

import random as _random
from typing import Any, Optional

import numpy as np

from .progress import Progbar  # noqa: F401


def to_categorical(y: Any, num_classes: Optional[int] = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer class vectors (``tf.keras.utils.to_categorical``).

    A trailing dimension of size 1 is squeezed first, as Keras; ``num_classes`` defaults to
    ``max(y) + 1``. Returns a NumPy array of ``dtype``.
    """
    y = np.array(getattr(y, "_value", y), dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.reshape(-1)
    if num_classes is None:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_categorical: class indices must be in [0, {num_classes}); got values in "
                         f"[{y.min()}, {y.max()}].")
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    return categorical.reshape(input_shape + (num_classes,))


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and gradtape's (``tf.random.set_seed``)."""
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    from ...ops.random import set_seed
    _random.seed(int(seed))
    np.random.seed(int(seed))
    set_seed(int(seed))


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale ``x`` to unit ``order``-norm along ``axis`` (``tf.keras.utils.normalize``)."""
    x = np.asarray(getattr(x, "_value", x))
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def get_custom_objects() -> dict:
    """The global custom-object registry (used by ``from_config``/``load_model``)."""
    from ..layers.serialization import _CUSTOM_OBJECTS
    return _CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: Optional[str] = None):
    """Decorator registering a class for deserialization by name."""
    def decorator(cls):
        from ..layers.serialization import _CUSTOM_OBJECTS
        _CUSTOM_OBJECTS[name or cls.__name__] = cls
        _CUSTOM_OBJECTS[f"{package}>{name or cls.__name__}"] = cls
        return cls
    return decorator


class custom_object_scope:
    """Context manager making custom objects known to deserialization while it is open, in this
    thread only (Keras 3); the global registry (``get_custom_objects``) is left as it is."""

    def __init__(self, *objects: dict):
        self.objects = {}
        for o in objects:
            self.objects.update(o or {})

    def __enter__(self):
        from ..layers.serialization import SCOPES
        SCOPES.stack.append(self.objects)
        return self

    def __exit__(self, *exc):
        from ..layers.serialization import SCOPES
        stack = SCOPES.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is self.objects:
                del stack[i]
                break
        return False


CustomObjectScope = custom_object_scope

# --- plot_model / model_to_dot (issue 5, seeing the tape) ---
from .vis_utils import model_to_dot, plot_model  # noqa: F401,E402

# --- image files and image datasets ---
from .image_utils import (  # noqa: F401,E402
    array_to_img, image_dataset_from_directory, img_to_array, load_img, save_img)

# --- audio datasets ---
from .audio_utils import audio_dataset_from_directory  # noqa: F401,E402

# --- text, sequence and timeseries data helpers ---
from .text_utils import (  # noqa: F401,E402
    PyDataset, Sequence, pad_sequences, text_dataset_from_directory, timeseries_dataset_from_array)
