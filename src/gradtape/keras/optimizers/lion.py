"""Lion (``tf.keras.optimizers.Lion``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _number


class Lion(Optimizer):
    """Keras's Lion: ``w -= lr * sign(b1 m + (1 - b1) g)``; ``m = b2 m + (1 - b2) g``.
    Defaults: lr 0.001, beta_1 0.9, beta_2 0.99."""

    _slot_names = ("momentum",)

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 name: str = "Lion", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        beta_1, beta_2 = _number("beta_1", beta_1, name), _number("beta_2", beta_2, name)
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                             f"degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def _update(self, w, g, st, lr, t):
        b1, b2 = self.beta_1, self.beta_2
        (m,) = st.arrays
        s = self._scratch(st, m)
        out = np.multiply(g, 1 - b1, out=np.empty_like(m))
        np.multiply(m, b1, out=s)
        s += out
        np.sign(s, out=s)
        s *= lr
        np.multiply(g, 1 - b2, out=out)
        m *= b2
        m += out
        return np.subtract(w, s, out=out)

    def _hyper_config(self) -> dict:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2}
