"""``tf.keras.mixed_precision``: dtype policies and loss scaling, as Keras 3 (TF 2.21's tf.keras).

``set_global_policy('mixed_float16')`` makes new layers compute in float16 while their weights
stay float32: a layer casts its floating inputs to the compute dtype and reads its weights cast to
it inside ``call`` (Keras's autocast). As in Keras 3, the global policy is kept per thread (a new
thread starts with ``float32``) and a layer takes the policy that is global when it is created.

``LossScaleOptimizer`` implements Keras's dynamic loss scaling: the loss is multiplied by a scale
(``scale_loss``; 2**15 at first); ``apply_gradients`` divides the gradients by it, skips the step
and halves the scale when any gradient is inf or NaN, and doubles it after 2000 finite steps in a
row. The Keras 2 methods ``get_scaled_loss``/``get_unscaled_gradients`` also work: gradients that
``get_unscaled_gradients`` returned are not divided a second time by ``apply_gradients``.
"""
from __future__ import annotations

import threading
from typing import Any, Iterable, Optional

import numpy as np

from ... import dtypes as _dtypes
from ...dispatch import convert_to_tensor
from ...tensor import Tensor
from ...variable import Variable

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "global_policy", "set_global_policy"]

_FLOAT_NAMES = ("float16", "float32", "float64", "bfloat16")


class DTypePolicy:
    """A layer's compute and variable dtypes (``tf.keras.mixed_precision.Policy``): ``'float32'``
    (or any float dtype name), ``'mixed_float16'`` (float16 compute, float32 variables) or
    ``'mixed_bfloat16'`` (bfloat16 compute, float32 variables)."""

    def __init__(self, name: Optional[str] = None):
        if name is None:
            from ..backend import floatx
            name = floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                            f"(of type {type(name)})")
        if name == "mixed_float16":
            compute, variable = "float16", "float32"
        elif name == "mixed_bfloat16":
            compute, variable = "bfloat16", "float32"
        else:
            try:
                std = _dtypes.as_dtype(name).name
            except TypeError:
                std = None
            if std is None or (std not in _FLOAT_NAMES and not _dtypes.as_dtype(std).is_integer
                               and std not in ("bool", "string")):
                raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies "
                                 "include 'mixed_float16', 'mixed_bfloat16', and the name of any float dtype "
                                 "such as 'float32'.")
            compute = variable = std
        if "bfloat16" in (compute, variable):
            _dtypes.as_dtype("bfloat16")  # raises naming the extra when ml_dtypes is missing
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy

_STATE = threading.local()


def set_global_policy(policy: Any) -> None:
    """Set the policy new layers use by default (``tf.keras.mixed_precision.set_global_policy``);
    a policy name or a Policy. Kept per thread, as Keras 3."""
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError("Invalid `policy` argument. Expected the string name of a policy (such as "
                         f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy} "
                         f"(of type {type(policy)})")
    _STATE.policy = policy


def global_policy() -> DTypePolicy:
    """The policy new layers use by default (``float32``, i.e. ``floatx()``, unless set)."""
    p = getattr(_STATE, "policy", None)
    if p is None:
        p = _STATE.policy = DTypePolicy()
    return p


def _clear_global_policy() -> None:
    """Forget this thread's global policy (back to following ``floatx()``); for tests."""
    _STATE.policy = None


set_dtype_policy = set_global_policy
dtype_policy = global_policy


def layer_dtypes(dtype: Any) -> tuple:
    """``(variable dtype, compute dtype)`` names for a Layer's ``dtype`` argument: a dtype, a policy
    (or its name or serialized config), or None for the global policy. ``(None, None)`` means the
    default float32 policy, which keeps following ``keras.backend.floatx()``."""
    if dtype is None:
        p = getattr(_STATE, "policy", None)
        if p is None:
            return None, None
        return p.variable_dtype, p.compute_dtype
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name", "float32")
    if isinstance(dtype, DTypePolicy):
        return dtype.variable_dtype, dtype.compute_dtype
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        p = DTypePolicy(dtype)
        return p.variable_dtype, p.compute_dtype
    name = _dtypes.as_dtype(getattr(dtype, "name", dtype)).name
    return name, name


# -- loss scaling --------------------------------------------------------------------------------

from ..optimizers.optimizer import Optimizer  # noqa: E402


class LossScaleOptimizer(Optimizer):
    """An optimizer wrapper with dynamic loss scaling (``tf.keras.mixed_precision.LossScaleOptimizer``).

    Multiply the loss by ``scale_loss`` (or ``get_scaled_loss``) before differentiating; then
    ``apply_gradients`` unscales the gradients, skips the update and halves the scale if any is
    inf/NaN, and otherwise applies them with the inner optimizer, doubling the scale after
    ``dynamic_growth_steps`` finite steps in a row.
    """

    def __init__(self, inner_optimizer: Any, initial_scale: float = 2.0 ** 15, dynamic_growth_steps: int = 2000,
                 name: Optional[str] = None, **kwargs: Any):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for k in ("initial_scale", "dynamic_growth_steps"):
            kwargs.pop(k, None)
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: inner_optimizer must be a Keras optimizer, got "
                            f"{type(inner_optimizer).__name__}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.step_counter: Optional[Variable] = None
        self.dynamic_scale: Optional[Variable] = None
        self._unscaled: dict = {}

    def _build_scale(self) -> None:
        if self.dynamic_scale is None:
            self.step_counter = Variable(np.int64(0), trainable=False, name="step_counter")
            self.dynamic_scale = Variable(np.float32(self.initial_scale), trainable=False, name="dynamic_scale")

    def build(self, var_list: Iterable) -> None:
        self._build_scale()
        self.inner_optimizer.build(var_list)
        self.built = True

    @property
    def loss_scale(self) -> Tensor:
        """The current scale (float32 scalar)."""
        self._build_scale()
        return self.dynamic_scale.read_value()

    def _scale(self) -> float:
        return float(self.dynamic_scale._value) if self.dynamic_scale is not None else self.initial_scale

    def scale_loss(self, loss: Any) -> Tensor:
        """``loss * scale`` (Keras 3's ``scale_loss``). The scale is read from its variable as an op, so a
        compiled step (``fit``'s, or the user's ``tf.function``) follows the scale as it changes."""
        from ...ops.math import cast, multiply
        t = convert_to_tensor(loss)
        self._build_scale()
        scale = self.dynamic_scale.read_value()
        return multiply(t, scale if scale.dtype == t.dtype else cast(scale, t.dtype))

    def get_scaled_loss(self, loss: Any) -> Any:
        """``loss * scale`` (Keras 2's name); a callable loss gives a callable."""
        if callable(loss) and not isinstance(loss, (Tensor, Variable)):
            return lambda: self.scale_loss(loss())
        return self.scale_loss(loss)

    def get_unscaled_gradients(self, grads: Iterable) -> list:
        """Each gradient times ``1 / scale`` (Keras 2); None entries stay None. ``apply_gradients``
        recognises these and does not unscale them again."""
        from ...indexed_slices import IndexedSlices
        from ...ops.math import multiply
        inv = 1.0 / self._scale()
        out = []
        for g in grads:
            if g is None:
                out.append(None)
            elif isinstance(g, IndexedSlices):
                out.append(IndexedSlices(multiply(g.values, np.asarray(inv, g.values._value.dtype)[()]),
                                         g.indices, g.dense_shape))
            else:
                g = convert_to_tensor(g)
                out.append(multiply(g, np.asarray(inv, g._value.dtype)[()]))
        self._unscaled = {id(g): g for g in out if g is not None}
        return out

    def _apply(self, grads: list, variables: list) -> None:
        from ...indexed_slices import IndexedSlices
        from ...ops.math import divide
        self._build_scale()
        present = [g for g in grads if g is not None]
        already = bool(present) and all(id(g) in self._unscaled and self._unscaled[id(g)] is g for g in present)
        self._unscaled = {}
        finite = all(np.all(np.isfinite(np.asarray(g.values._value if isinstance(g, IndexedSlices) else
                                                   convert_to_tensor(g)._value))) for g in present)
        if not finite:
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(np.float32(self._scale() * 0.5))
            return
        if not already:
            scale = self._scale()
            unscaled = []
            for g in grads:
                if g is None:
                    unscaled.append(None)
                elif isinstance(g, IndexedSlices):
                    unscaled.append(IndexedSlices(divide(g.values, np.asarray(scale, g.values._value.dtype)[()]),
                                                  g.indices, g.dense_shape))
                else:
                    g = convert_to_tensor(g)
                    unscaled.append(divide(g, np.asarray(scale, g._value.dtype)[()]))
            grads = unscaled
        self.inner_optimizer.apply_gradients(zip(grads, variables))
        if int(self.step_counter._value) == self.dynamic_growth_steps - 1:
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(np.float32(self._scale() * 2.0))
        else:
            self.step_counter.assign_add(np.int64(1))

    # -- the inner optimizer's hyperparameters ----------------------------------------------------
    @property
    def learning_rate(self) -> Any:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if "inner_optimizer" in self.__dict__:
            self.inner_optimizer.learning_rate = value

    def _set_lr(self, value: Any) -> None:
        if "inner_optimizer" in self.__dict__:
            self.inner_optimizer._set_lr(value)
        else:
            super()._set_lr(value)

    lr = learning_rate

    @property
    def iterations(self) -> Variable:
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value: Any) -> None:
        self.inner_optimizer.iterations = value

    @property
    def variables(self) -> list:
        own = [v for v in (self.step_counter, self.dynamic_scale) if v is not None]
        return own + list(self.inner_optimizer.variables)

    def get_config(self) -> dict:
        from .. import optimizers as _opts
        return {"name": self.name, "inner_optimizer": {"class_name": type(self.inner_optimizer).__name__,
                                                       "config": self.inner_optimizer.get_config()},
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects: Any = None) -> "LossScaleOptimizer":
        from .. import optimizers as _opts
        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = _opts.deserialize(inner) if hasattr(_opts, "deserialize") else \
                getattr(_opts, inner["class_name"]).from_config(inner["config"])
        return cls(inner, **config)
