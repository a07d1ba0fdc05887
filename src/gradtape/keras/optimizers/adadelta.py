"""Adadelta (``tf.keras.optimizers.Adadelta``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _epsilon, _number


class Adadelta(Optimizer):
    """Keras's Adadelta: ``Eg = rho Eg + (1 - rho) g^2``;
    ``d = -sqrt(Ed + eps) / sqrt(Eg + eps) * g``; ``Ed = rho Ed + (1 - rho) d^2``; ``w += lr * d``.
    Defaults: lr 0.001, rho 0.95, epsilon 1e-7."""

    _slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 name: str = "Adadelta", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = _number("rho", rho, name), _epsilon(epsilon, name)

    def _update(self, w, g, st, lr, t):
        rho, eps = self.rho, self.epsilon
        eg, ed = st.arrays
        s = self._scratch(st, eg)
        eg *= rho
        np.multiply(g, g, out=s)
        s *= 1 - rho
        eg += s
        np.add(ed, eps, out=s)
        np.sqrt(s, out=s)
        s *= g                               # rms(Ed) * g
        out = np.add(eg, eps, out=np.empty_like(eg))
        np.sqrt(out, out=out)
        np.divide(s, out, out=s)             # -delta
        ed *= rho
        np.multiply(s, s, out=out)
        out *= 1 - rho
        ed += out
        np.multiply(s, lr, out=out)
        return np.subtract(w, out, out=out)

    def _hyper_config(self) -> dict:
        return {"rho": self.rho, "epsilon": self.epsilon}
