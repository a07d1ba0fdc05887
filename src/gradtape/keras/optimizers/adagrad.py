"""Adagrad (``tf.keras.optimizers.Adagrad``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _epsilon, _number


class Adagrad(Optimizer):
    """Keras's Adagrad: ``acc += g^2; w -= lr * g / sqrt(acc + eps)``, ``acc`` starting at
    ``initial_accumulator_value``. Defaults: lr 0.001, initial_accumulator_value 0.1, epsilon 1e-7."""

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, name: str = "Adagrad", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = _number("initial_accumulator_value", initial_accumulator_value, name)
        self.epsilon = _epsilon(epsilon)
        self._slot_fills = {"accumulator": self.initial_accumulator_value}

    def _update(self, w, g, st, lr, t):
        (acc,) = st.arrays
        s = self._scratch(st, acc)
        np.multiply(g, g, out=s)
        acc += s
        np.add(acc, self.epsilon, out=s)
        np.sqrt(s, out=s)
        out = np.multiply(g, lr, out=np.empty_like(s))   # Keras: (lr * g) / sqrt(acc + eps)
        np.divide(out, s, out=out)
        return np.subtract(w, out, out=out)

    def _hyper_config(self) -> dict:
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}
