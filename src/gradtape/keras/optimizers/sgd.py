"""Stochastic gradient descent (``tf.keras.optimizers.SGD``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer


class SGD(Optimizer):
    """Keras's SGD: ``w -= lr * g``; with momentum ``m = momentum * m - lr * g`` then ``w += m``,
    or with ``nesterov=True`` ``w += momentum * m - lr * g``. Defaults: lr 0.01, momentum 0."""

    _supports_sparse = True

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str = "SGD", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not isinstance(momentum, (int, float)) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1]. Received: momentum="
                             f"{momentum} (of type {type(momentum)}).")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self._slot_names = ("momentum",) if self.momentum else ()

    def _update(self, w, g, st, lr, t):
        mu = self.momentum
        if not mu:
            out = np.multiply(g, lr, out=np.empty_like(g))
            return np.subtract(w, out, out=out)
        (m,) = st.arrays
        s = self._scratch(st, m)
        np.multiply(g, lr, out=s)
        m *= mu
        m -= s
        if self.nesterov:
            out = np.multiply(m, mu, out=np.empty_like(m))
            out -= s
            out += w
            return out
        return w + m

    def _update_scalar(self, w, g, st, lr, t):
        mu = self.momentum
        step = g * type(w)(lr)     # (w is a NumPy scalar: its type is its dtype's)
        if not mu:
            return w - step
        arr = st.arrays[0]
        m = arr.flat[0] * mu - step
        arr.flat[0] = m
        if self.nesterov:
            return (m * mu - step) + w
        return w + m

    def _update_sparse(self, w, indices, values, st, lr, t):
        if self.momentum:
            return super()._update_sparse(w, indices, values, st, lr, t)
        new = w.copy()
        np.subtract.at(new, indices, values * lr)
        return new

    def _hyper_config(self) -> dict:
        return {"momentum": self.momentum, "nesterov": self.nesterov}
