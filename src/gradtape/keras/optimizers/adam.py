"""Adam (``tf.keras.optimizers.Adam``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _epsilon, _number


def _alpha(f: type, lr: float, t: int, b1: float, b2: float) -> Any:
    """Keras's bias-corrected step size ``lr * sqrt(1 - b2^t) / (1 - b1^t)``, computed in the variable's
    NumPy scalar type ``f`` (float32 ``beta ** t``, as Keras)."""
    step = f(t)
    return f(lr) * np.sqrt(f(1) - f(b2) ** step) / (f(1) - f(b1) ** step)


class Adam(Optimizer):
    """Keras's Adam: ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``,
    ``w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`` (``amsgrad``: ``v`` replaced by
    its running maximum). Defaults: lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7."""

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, name: str = "Adam", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _number("beta_1", beta_1, name)
        self.beta_2 = _number("beta_2", beta_2, name)
        self.epsilon = _epsilon(epsilon, name)
        self.amsgrad = bool(amsgrad)
        self._slot_names = ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def _update(self, w, g, st, lr, t):
        # Keras's arithmetic order and precision: the bias corrections and alpha are computed in the
        # variable's dtype (float32 beta ** t), then w -= (m * alpha) / (sqrt(v) + eps).
        b1, b2 = self.beta_1, self.beta_2
        alpha = _alpha(w.dtype.type, lr, t, b1, b2)
        arrays = st.arrays
        m, v = arrays[0], arrays[1]
        s = self._scratch(st, m)
        np.subtract(g, m, out=s)
        s *= 1 - b1
        m += s
        np.multiply(g, g, out=s)
        s -= v
        s *= 1 - b2
        v += s
        if self.amsgrad:
            vhat = arrays[2]
            np.maximum(vhat, v, out=vhat)
            v = vhat
        np.sqrt(v, out=s)
        s += self.epsilon
        out = np.multiply(m, alpha, out=np.empty_like(m))
        np.divide(out, s, out=out)
        return np.subtract(w, out, out=out)

    def _update_scalar(self, w, g, st, lr, t):
        b1, b2 = self.beta_1, self.beta_2
        f = w.dtype.type
        alpha = _alpha(f, lr, t, b1, b2)
        arrays = st.arrays
        m = arrays[0].flat[0]
        v = arrays[1].flat[0]
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        arrays[0].flat[0] = m
        arrays[1].flat[0] = v
        if self.amsgrad:
            v = max(arrays[2].flat[0], v)
            arrays[2].flat[0] = v
        return w - (m * alpha) / (np.sqrt(v) + f(self.epsilon))

    def _hyper_config(self) -> dict:
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad}
