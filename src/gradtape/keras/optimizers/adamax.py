"""Adamax (``tf.keras.optimizers.Adamax``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _epsilon, _number


class Adamax(Optimizer):
    """Keras's Adamax: ``m += (g - m)(1 - b1)``, ``u = max(b2 u, |g|)``,
    ``w -= lr * m / ((1 - b1^t)(u + eps))``. Defaults: lr 0.001, beta_1 0.9, beta_2 0.999, eps 1e-7."""

    _slot_names = ("m", "u")

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str = "Adamax", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2 = _number("beta_1", beta_1, name), _number("beta_2", beta_2, name)
        self.epsilon = _epsilon(epsilon, name)

    def _update(self, w, g, st, lr, t):
        b1 = self.beta_1
        m, u = st.arrays
        s = self._scratch(st, m)
        np.subtract(g, m, out=s)
        s *= 1 - b1
        m += s
        u *= self.beta_2
        np.abs(g, out=s)
        np.maximum(u, s, out=u)
        f = w.dtype.type
        np.add(u, self.epsilon, out=s)
        s *= f(1) - f(b1) ** f(t)                 # Keras: (lr * m) / ((1 - b1^t) * (u + eps)), b1^t in float32
        out = np.multiply(m, lr, out=np.empty_like(s))
        np.divide(out, s, out=out)
        return np.subtract(w, out, out=out)

    def _hyper_config(self) -> dict:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
