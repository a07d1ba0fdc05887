"""Nadam (``tf.keras.optimizers.Nadam``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _epsilon, _number


class Nadam(Optimizer):
    """Keras's Nadam (Adam with Nesterov momentum and the 0.96 momentum schedule):
    ``u_t = b1 (1 - 0.5 * 0.96^t)``, ``P_t = prod_{k<=t} u_k``; ``m, v`` as Adam;
    ``m_hat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t)``, ``v_hat = v / (1 - b2^t)``,
    ``w -= lr * m_hat / (sqrt(v_hat) + eps)``. Defaults: lr 0.001, beta_1 0.9, beta_2 0.999, eps 1e-7.

    ``P_t`` depends only on the step, so it is recomputed from ``iterations`` (checkpoint-safe)."""

    _slot_names = ("m", "v")

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, name: str = "Nadam", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2 = _number("beta_1", beta_1, name), _number("beta_2", beta_2, name)
        self.epsilon = _epsilon(epsilon, name)
        self._products: dict = {}  # dtype -> [P_0, P_1, ...]

    def _products_for(self, f: type, t: int) -> list:
        # P_t accumulated step by step in the variable's dtype, as Keras's _u_product variable is.
        cache = self._products.setdefault(f, [f(1)])
        b1 = f(self.beta_1)
        while len(cache) <= t:
            k = f(len(cache))
            cache.append(cache[-1] * b1 * (f(1.0) - f(0.5) * f(0.96) ** k))
        return cache

    def _update(self, w, g, st, lr, t):
        f = w.dtype.type
        prod = self._products_for(f, t)[t]
        b1, b2 = f(self.beta_1), f(self.beta_2)
        one, half, decay = f(1.0), f(0.5), f(0.96)
        u_t = b1 * (one - half * decay ** f(t))
        u_t1 = b1 * (one - half * decay ** f(t + 1))
        prod_1 = prod * u_t1
        bc2 = one - b2 ** f(t)
        m, v = st.arrays
        s = self._scratch(st, m)
        np.subtract(g, m, out=s)
        s *= one - b1
        m += s
        np.multiply(g, g, out=s)
        s -= v
        s *= one - b2
        v += s
        out = np.multiply(m, u_t1, out=np.empty_like(m))
        out /= one - prod_1
        np.multiply(g, one - u_t, out=s)
        s /= one - prod
        out += s                           # m_hat
        np.divide(v, bc2, out=s)
        np.sqrt(s, out=s)
        s += self.epsilon
        out *= f(lr)
        np.divide(out, s, out=out)
        return np.subtract(w, out, out=out)

    def _hyper_config(self) -> dict:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
