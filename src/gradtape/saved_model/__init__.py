"""``tf.saved_model`` in gradtape's own directory format (NOT TF's protobuf SavedModel).

Two kinds of directory, both with ``gradtape_saved_model.json`` (format name, version, kind) at the top; each is
written to a temporary directory next to ``export_dir`` and renamed into place, so a crash never leaves a half
directory, and loading one never runs code from it (no pickle):

* **Keras models** (``save(model, dir)`` without ``signatures``, ``model.export(dir)``): ``model.keras`` holds
  the model's config and weights in the Keras 3 ``.keras`` format; ``load`` rebuilds the model from its config
  and gives back ``signatures['serving_default']`` (a dict of outputs ``output_0``, ... as TF 2.21 + Keras 3),
  ``serve``, ``__call__`` and the variables.
* **Modules** (``save(module, dir, signatures=...)`` for a ``tf.Module``, or a Keras model with ``signatures``):
  the JSON holds the object graph (each Module's attributes that are Variables, Modules, or lists/tuples/dicts
  of them), every ``tf.function`` with an ``input_signature`` found on those Modules as a traced graph (ops by
  registry name, attributes as plain data, wiring, variable reads and writes; see ``_graph.py``), and the
  signatures; ``variables.npz`` holds the variables' values and the graphs' array constants. ``load`` rebuilds
  the objects with their Variables, attaches each function (callable with the same arguments and signature,
  differentiable, variable writes included) and ``signatures`` (called with keyword arguments, returning a
  dict as TF: a dict result keeps its keys, other results are named ``output_0``, ``output_1``, ...).
  ``tf.function`` methods without an ``input_signature`` are not saved.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any, Dict, List, Optional

import numpy as np

__all__ = ["save", "load", "LoadOptions", "SaveOptions", "contains_saved_model",
           "DEFAULT_SERVING_SIGNATURE_DEF_KEY"]

#: The key of the signature a served model is called through (``tf.saved_model.DEFAULT_SERVING_SIGNATURE_DEF_KEY``).
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"

_FORMAT = "gradtape-saved-model"
_VERSION = 1
_META = "gradtape_saved_model.json"


class SaveOptions:
    """Accepted for source compatibility (``tf.saved_model.SaveOptions``); its options do not apply."""

    def __init__(self, **kwargs: Any) -> None:
        self.__dict__.update(kwargs)


class LoadOptions(SaveOptions):
    """Accepted for source compatibility (``tf.saved_model.LoadOptions``)."""


def _is_keras_model(obj: Any) -> bool:
    from ..keras.models import Model
    return isinstance(obj, Model)


def _signature(model: Any, output_key: str) -> Dict[str, Any]:
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError("tf.saved_model.save: the model has no known inputs; build it (call it on data or "
                         "start with keras.Input) before saving.")
    specs = [{"name": getattr(t, "name", f"input_{i}").split(":")[0], "shape": list(t.shape),
              "dtype": str(np.dtype(getattr(t.dtype, "as_numpy_dtype", t.dtype)))} for i, t in enumerate(inputs)]
    outputs = model.outputs if isinstance(model.outputs, (list, tuple)) else [model.outputs]
    if output_key == "output_i":
        names = [f"output_{i}" for i in range(len(outputs))]
    else:
        names = list(getattr(model, "output_names", None) or [f"output_{i}" for i in range(len(outputs))])
    return {"inputs": specs, "outputs": names}


def _write(model: Any, export_dir: str, output_key: str) -> None:
    sig = _signature(model, output_key)

    def fill(tmp: str) -> None:
        model.save(os.path.join(tmp, "model.keras"))
        meta = {"format": _FORMAT, "version": _VERSION, "signatures": {DEFAULT_SERVING_SIGNATURE_DEF_KEY: sig},
                "note": "gradtape's own format; not TensorFlow's protobuf SavedModel"}
        with open(os.path.join(tmp, _META), "w") as f:
            json.dump(meta, f, indent=1)
    write_directory(export_dir, fill)


def write_directory(export_dir: Any, fill: Any) -> None:
    """Create ``export_dir`` by calling ``fill(tmp)`` on a temporary directory next to it, then renaming it
    into place (an existing directory is replaced whole; a failure leaves no partial directory)."""
    export_dir = os.path.abspath(os.fspath(export_dir))
    parent = os.path.dirname(export_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-saved-model-", dir=parent)
    try:
        fill(tmp)
        old = None
        if os.path.exists(export_dir):
            if not os.path.isdir(export_dir):
                raise FileExistsError(f"tf.saved_model.save: {export_dir} exists and is not a directory.")
            old = tempfile.mkdtemp(prefix=".old-saved-model-", dir=parent)
            os.rmdir(old)
            os.replace(export_dir, old)
        os.replace(tmp, export_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save(obj: Any, export_dir: Any, signatures: Any = None, options: Any = None) -> None:
    """Save ``obj`` to ``export_dir`` in gradtape's directory format (see the module docstring), as
    ``tf.saved_model.save``.

    A Keras model without ``signatures`` is saved whole (its config and weights). A ``tf.Module`` (or a Keras
    model given ``signatures``) is saved as its object graph, its variables and the traced graphs of its
    ``tf.function`` methods that have an ``input_signature``. ``signatures`` is a ``tf.function`` with an
    ``input_signature`` (saved as ``'serving_default'``) or a dict of them by name; when omitted and the
    object has exactly one ``tf.function`` method, with an ``input_signature``, it is the serving signature.
    """
    from ..module import Module
    if _is_keras_model(obj) and signatures is None:
        if not getattr(obj, "inputs", None) and _save_subclassed(obj, export_dir):
            return
        _write(obj, export_dir, "output_i")  # TF 2.21 + Keras 3 names them output_0, ...
        return
    if not isinstance(obj, Module):
        raise ValueError(f"tf.saved_model.save: expected a tf.Module or a Keras model; got {type(obj).__name__}.")
    from ._module import save_module
    save_module(obj, export_dir, signatures)


def _save_subclassed(model: Any, export_dir: Any) -> bool:
    """A subclassed Keras model (no symbolic inputs, its code not in a config) built by a call on one tensor:
    saved as a module whose ``serve``/``__call__`` and serving signature are its inference call, traced for
    the shape of that first call with the batch size unknown. False when its build shape is not one tensor's."""
    shape = getattr(model, "_build_input_shape", None)
    if not (isinstance(shape, (tuple, list)) and shape and all(d is None or isinstance(d, (int, np.integer))
                                                                for d in shape)):
        return False
    from ..function import TensorSpec, function
    dtype = getattr(model, "input_dtype", None) or getattr(model, "compute_dtype", None) or "float32"
    spec = TensorSpec([None] + [None if d is None else int(d) for d in list(shape)[1:]], dtype, name="inputs")

    def serve(inputs: Any) -> Any:
        return model(inputs, training=False)
    fn = function(serve, input_signature=[spec])
    from ._module import save_module
    save_module(model, export_dir, {DEFAULT_SERVING_SIGNATURE_DEF_KEY: fn}, root_functions={"serve": fn, "__call__": fn})
    return True


def contains_saved_model(export_dir: Any) -> bool:
    """Whether ``export_dir`` holds a gradtape saved model."""
    return os.path.isfile(os.path.join(os.fspath(export_dir), _META))


class _ServingFunction:
    """A loaded signature: called with the inputs (positional or by input name), returns a dict of outputs."""

    def __init__(self, model: Any, sig: Dict[str, Any]) -> None:
        self._model, self._sig = model, sig
        self.structured_outputs = {n: None for n in sig["outputs"]}
        self.structured_input_signature = sig["inputs"]

    def __call__(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        names = [s["name"] for s in self._sig["inputs"]]
        if kwargs and len(names) == 1 and "inputs" in kwargs and names[0] not in kwargs:
            kwargs = {names[0]: kwargs.pop("inputs"), **kwargs}      # tf.saved_model.save's keyword
        if kwargs:
            missing = [n for n in names if n not in kwargs]
            if args or missing:
                raise TypeError(f"serving signature: expected inputs {names} by name; missing {missing}.")
            args = tuple(kwargs[n] for n in names)
        if len(args) != len(names):
            raise TypeError(f"serving signature: expected {len(names)} input(s) {names}; got {len(args)}.")
        for a, s in zip(args, self._sig["inputs"]):
            shape = tuple(np.shape(getattr(a, "_value", a)))
            want = s["shape"]
            if len(shape) != len(want) or any(w is not None and w != g for w, g in zip(want, shape)):
                raise ValueError(f"serving signature: input '{s['name']}' must have shape {want}; got {list(shape)}.")
        out = self._model(args[0] if len(args) == 1 else list(args), training=False)
        outs = out if isinstance(out, (list, tuple)) else [out]
        return dict(zip(self._sig["outputs"], outs))


class _Loaded:
    """What :func:`load` returns: ``signatures``, ``serve``, ``__call__`` and the variables."""

    def __init__(self, model: Any, sig: Dict[str, Any]) -> None:
        self._model = model
        self.signatures = {DEFAULT_SERVING_SIGNATURE_DEF_KEY: _ServingFunction(model, sig)}

    def serve(self, *args: Any) -> Any:
        """The model's call on the inputs (inference mode)."""
        return self._model(args[0] if len(args) == 1 else list(args), training=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("training", False)
        return self._model(*args, **kwargs)

    @property
    def variables(self) -> List[Any]:
        return list(self._model.variables)

    @property
    def trainable_variables(self) -> List[Any]:
        return list(self._model.trainable_variables)

    @property
    def keras_model(self) -> Any:
        return self._model


def load(export_dir: Any, tags: Any = None, options: Any = None) -> _Loaded:
    """Load a directory written by :func:`save` / ``model.export``; TF protobuf SavedModels are not readable."""
    export_dir = os.fspath(export_dir)
    meta_path = os.path.join(export_dir, _META)
    if not os.path.isfile(meta_path):
        if os.path.isfile(os.path.join(export_dir, "saved_model.pb")):
            raise NotImplementedError(f"{export_dir} is a TensorFlow protobuf SavedModel; gradtape reads only its "
                                      "own saved-model directories (and .keras / .h5 files).")
        raise OSError(f"SavedModel file does not exist at: {export_dir}")
    with open(meta_path) as f:
        meta = json.load(f)
    if meta.get("format") != _FORMAT or meta.get("version") != _VERSION:
        raise ValueError(f"{meta_path}: not a gradtape saved model of version {_VERSION} ({meta.get('format')!r}, "
                         f"version {meta.get('version')!r}).")
    if meta.get("kind") == "module":
        from ._module import load_module
        return load_module(export_dir, meta)
    from ..keras.models import load_model
    model = load_model(os.path.join(export_dir, "model.keras"), compile=False)
    return _Loaded(model, meta["signatures"][DEFAULT_SERVING_SIGNATURE_DEF_KEY])


def export_keras_model(model: Any, filepath: Any, format: str = "tf_saved_model", **kwargs: Any) -> None:  # noqa: A002
    """``Model.export`` (Keras 3): the serving signature's outputs are named ``output_0``, ``output_1``, ..."""
    if format != "tf_saved_model":
        raise NotImplementedError(f"Model.export(format={format!r}) is not supported; only 'tf_saved_model' "
                                  "(in gradtape's own directory format).")
    if kwargs:
        raise NotImplementedError(f"Model.export: options {sorted(kwargs)} are not supported.")
    if not getattr(model, "inputs", None) and _save_subclassed(model, filepath):
        return
    _write(model, filepath, "output_i")
