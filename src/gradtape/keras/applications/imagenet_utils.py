"""Shared helpers of ``tf.keras.applications``: input-shape checks, weight loading, ImageNet pre- and
post-processing (``keras.applications.imagenet_utils``)."""
from __future__ import annotations

import json
import os
import warnings
from typing import Any, List, Optional, Tuple

import numpy as np

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
CLASS_INDEX_URL = BASE_URL + "imagenet_class_index.json"
CLASS_INDEX_ENV = "GRADTAPE_IMAGENET_CLASS_INDEX"
_CLASS_INDEX: Optional[dict] = None


def _keras_cache_dir() -> str:
    return os.path.join(os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras")), "models")


def _check_data_format(data_format: Any) -> None:
    if data_format not in (None, "channels_last"):
        raise NotImplementedError(f"keras.applications: data_format={data_format!r} is not supported; gradtape's "
                                  "applications use 'channels_last' (NHWC) images.")


def preprocess_input(x: Any, data_format: Any = None, mode: str = "caffe") -> Any:
    """ImageNet preprocessing as Keras's ``imagenet_utils.preprocess_input``: ``mode='caffe'`` turns RGB into
    BGR and subtracts the ImageNet channel means (no scaling); ``'tf'`` scales to [-1, 1]; ``'torch'`` scales
    to [0, 1] and standardises with ImageNet's means and standard deviations. A NumPy array comes back as a
    float NumPy array (a copy: the caller's array is left unchanged), a tensor as a tensor."""
    _check_data_format(data_format)
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    is_np = isinstance(x, np.ndarray) or np.isscalar(x) or isinstance(x, (list, tuple))
    if is_np:
        arr = np.array(x)
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype("float32")
    else:
        from ...dispatch import convert_to_tensor
        t = convert_to_tensor(x)
        arr = t.numpy()
        if not np.issubdtype(arr.dtype, np.floating):
            arr = arr.astype("float32")
    dt = arr.dtype
    if mode == "tf":
        out = arr / dt.type(127.5) - dt.type(1.0)
    elif mode == "torch":
        mean = np.array([0.485, 0.456, 0.406], dt)
        std = np.array([0.229, 0.224, 0.225], dt)
        out = (arr / dt.type(255.0) - mean) / std
    else:
        mean = np.array([103.939, 116.779, 123.68], dt)
        out = arr[..., ::-1] - mean
    out = np.ascontiguousarray(out.astype(dt, copy=False))
    if is_np:
        return out
    from ...dispatch import convert_to_tensor
    return convert_to_tensor(out)


def _class_index_path(path: Optional[str]) -> str:
    for cand in (path, os.environ.get(CLASS_INDEX_ENV), os.path.join(_keras_cache_dir(), "imagenet_class_index.json")):
        if cand and os.path.isfile(cand):
            return cand
    raise FileNotFoundError(
        "decode_predictions needs ImageNet's class index, which gradtape does not download. Download "
        f"{CLASS_INDEX_URL} and either put it at {os.path.join(_keras_cache_dir(), 'imagenet_class_index.json')}, "
        f"set the environment variable {CLASS_INDEX_ENV} to its path, or pass class_index_path=...")


def decode_predictions(preds: Any, top: int = 5, class_index_path: Optional[str] = None) -> List[List[Tuple[str, str, Any]]]:
    """Decode an ImageNet model's ``(samples, 1000)`` predictions into, per sample, a list of
    ``(class_name, class_description, score)`` tuples, best first (``imagenet_utils.decode_predictions``).
    The class index is read from ``class_index_path``, ``$GRADTAPE_IMAGENET_CLASS_INDEX`` or Keras's cache
    (``~/.keras/models/imagenet_class_index.json``); nothing is downloaded."""
    global _CLASS_INDEX
    p = preds.numpy() if hasattr(preds, "numpy") else np.asarray(preds)
    if p.ndim != 2 or p.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Received array with shape: {p.shape}")
    if class_index_path is not None:
        with open(_class_index_path(class_index_path)) as f:
            index = json.load(f)
    else:
        if _CLASS_INDEX is None:
            with open(_class_index_path(None)) as f:
                _CLASS_INDEX = json.load(f)
        index = _CLASS_INDEX
    results = []
    for row in p:
        order = np.argsort(row, kind="stable")[-top:][::-1]
        results.append([tuple(index[str(int(i))]) + (row[i],) for i in order])
    return results


def obtain_input_shape(input_shape: Any, default_size: int, min_size: int, data_format: Any,
                       require_flatten: bool, weights: Any = None) -> Tuple[Any, ...]:
    """The model's input shape, validated as Keras's ``imagenet_utils.obtain_input_shape`` (channels_last)."""
    _check_data_format(data_format)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if input_shape[-1] not in {1, 3}:
            warnings.warn(f"This model usually expects 1 or 3 input channels. However, it was passed an "
                          f"input_shape with {input_shape[-1]} input channels.", stacklevel=3)
        default_shape = (default_size, default_size, input_shape[-1])
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, `input_shape` "
                             f"should be {default_shape}.  Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"`input_shape` must be a tuple of three integers. Received: input_shape={input_shape}")
        if input_shape[-1] != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if ((input_shape[0] is not None and input_shape[0] < min_size)
                or (input_shape[1] is not None and input_shape[1] < min_size)):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: input_shape={input_shape}")
    else:
        input_shape = default_shape if require_flatten else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def validate_activation(classifier_activation: Any, weights: Any) -> None:
    """Only ``None`` or ``'softmax'`` go with ImageNet weights (Keras's rule)."""
    if weights is None:
        return
    if classifier_activation not in {"softmax", None}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         f"argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def check_weights(weights: Any, include_top: bool, classes: int) -> None:
    """Keras's argument checks on ``weights`` and ``classes``."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random initialization), 'imagenet' "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                         f"Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  "
                         f"Received classes={classes}")


def input_layer(input_tensor: Any, input_shape: Any) -> Tuple[Any, Any]:
    """The image input: a new ``keras.Input`` or the caller's ``input_tensor`` (a KerasTensor)."""
    from ..engine.functional import Input
    if input_tensor is None:
        x = Input(shape=input_shape)
        return x, x
    if not getattr(input_tensor, "_gt_keras_tensor", False):
        raise NotImplementedError("keras.applications: input_tensor must be a symbolic keras.Input tensor; "
                                  "wrapping a concrete tensor is not supported.")
    return input_tensor, input_tensor


def load_weights(model: Any, weights: Any, file_name: Optional[str], subdir: str, base_url: str = BASE_URL) -> None:
    """Load ``weights`` into ``model``: a path to a Keras weights file, or 'imagenet' when Keras's published
    file is already in Keras's cache (``~/.keras/models``). gradtape never downloads it."""
    if weights is None:
        return
    if weights == "imagenet":
        if file_name is None:
            raise NotImplementedError("keras.applications: no published ImageNet weights for this configuration.")
        cached = os.path.join(_keras_cache_dir(), file_name)
        if not os.path.isfile(cached):
            raise FileNotFoundError(
                f"weights='imagenet': gradtape does not download weights. Download {base_url}{subdir}{file_name} "
                f"and pass its path as weights='/path/to/{file_name}' (or put it at {cached}).")
        weights = cached
    model.load_weights(os.fspath(weights))


def correct_pad(inputs: Any, kernel_size: Any) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """ZeroPadding2D padding that makes a stride-2 'valid' convolution match TF 'same' (Keras's helper)."""
    input_size = tuple(inputs.shape)[1:3]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def default_size_for(input_shape: Any, sizes: Tuple[int, ...]) -> int:
    """MobileNet's rule: a square input of a published size keeps it as the default size, else 224."""
    if input_shape is not None and len(input_shape) == 3 and input_shape[0] == input_shape[1] and input_shape[0] in sizes:
        return int(input_shape[0])
    return 224
