"""RMSprop (``tf.keras.optimizers.RMSprop``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _epsilon, _number


class RMSprop(Optimizer):
    """Keras's RMSprop: ``ms = rho * ms + (1 - rho) g^2``; centered: ``mg = rho * mg + (1 - rho) g``,
    ``denom = ms - mg^2 + eps``, else ``denom = ms + eps``; ``inc = lr * g / sqrt(denom)``; with momentum
    ``mom = momentum * mom + inc; w -= mom``, else ``w -= inc``.
    Defaults: lr 0.001, rho 0.9, momentum 0, epsilon 1e-7, centered False."""

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, name: str = "RMSprop", **kwargs: Any):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum = _number("rho", rho, name), _number("momentum", momentum, name)
        self.centered = bool(centered)
        self.epsilon = _epsilon(epsilon)
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        self._slot_names = tuple(names)

    def _update(self, w, g, st, lr, t):
        rho = self.rho
        slots = st.slots
        ms = slots["velocity"]._value
        s = self._scratch(st, ms)
        ms *= rho
        np.multiply(g, g, out=s)
        s *= 1 - rho
        ms += s
        if self.centered:
            mg = slots["average_gradient"]._value
            mg *= rho
            mg += (1 - rho) * g
            np.multiply(mg, mg, out=s)
            np.subtract(ms, s, out=s)
            s += self.epsilon
        else:
            np.add(ms, self.epsilon, out=s)
        np.sqrt(s, out=s)
        inc = np.multiply(g, lr, out=np.empty_like(s))   # Keras: (lr * g) / sqrt(denominator)
        np.divide(inc, s, out=inc)
        if self.momentum > 0:
            mom = slots["momentum"]._value
            mom *= self.momentum
            mom += inc
            return np.subtract(w, mom, out=inc)
        return np.subtract(w, inc, out=inc)

    def _update_scalar(self, w, g, st, lr, t):
        rho = self.rho
        f = w.dtype.type
        slots = st.slots
        vel = slots["velocity"]._value
        ms = vel.flat[0] * rho + (g * g) * (1 - rho)
        vel.flat[0] = ms
        if self.centered:
            ag = slots["average_gradient"]._value
            mg = ag.flat[0] * rho + (1 - rho) * g
            ag.flat[0] = mg
            denom = (ms - mg * mg) + f(self.epsilon)
        else:
            denom = ms + f(self.epsilon)
        inc = (g * f(lr)) / np.sqrt(denom)
        if self.momentum > 0:
            mo = slots["momentum"]._value
            mom = mo.flat[0] * self.momentum + inc
            mo.flat[0] = mom
            return w - mom
        return w - inc

    def _hyper_config(self) -> dict:
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered}
