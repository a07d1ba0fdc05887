"""``keras.layers.TFSMLayer``: a layer calling an endpoint of a directory written by ``model.export`` or
``tf.saved_model.save`` (gradtape's own saved-model format, not TF's protobuf SavedModel). Inference only."""
from __future__ import annotations

from typing import Any

from .base import Layer


class TFSMLayer(Layer):
    """Reload an exported model as a layer; ``call_endpoint`` names the signature (``'serving_default'``).
    Its weights are not trainable (``trainable=True`` is not supported)."""

    def __init__(self, filepath: Any, call_endpoint: str = "serving_default", call_training_endpoint: Any = None,
                 trainable: bool = False, name: Any = None, dtype: Any = None) -> None:
        if call_training_endpoint is not None or trainable:
            raise NotImplementedError("TFSMLayer: training endpoints and trainable=True are not supported.")
        super().__init__(name=name, trainable=False)
        from ... import saved_model
        self._loaded = saved_model.load(filepath)
        if call_endpoint not in self._loaded.signatures:
            raise ValueError(f"TFSMLayer: no endpoint {call_endpoint!r} in {filepath}; available: "
                             f"{sorted(self._loaded.signatures)}.")
        self.filepath, self.call_endpoint = filepath, call_endpoint
        self._fn = self._loaded.signatures[call_endpoint]

    def call(self, inputs: Any, training: Any = None) -> Any:
        out = self._fn(*(inputs if isinstance(inputs, (list, tuple)) else [inputs]))
        return out[next(iter(out))] if len(out) == 1 else out

    def get_config(self) -> dict:
        return {"name": self.name, "filepath": self.filepath, "call_endpoint": self.call_endpoint}
