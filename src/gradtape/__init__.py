"""gradtape: TensorFlow 2 style eager automatic differentiation on NumPy.

``import gradtape as tf`` runs TF2 eager code that stays inside what gradtape covers::

    import gradtape as tf
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.square(x)
    print(tape.gradient(y, x))        # tf.Tensor(6.0, shape=(), dtype=float32)

This module is TF's top-level namespace. Names are grouped by where TF defines them: values and
dtypes, the top-level ops, differentiation, compilation, then the sub-namespaces (``tf.math``,
``tf.keras``, ...). A new public name goes into its group; a name TF does not have stays private.
"""
from __future__ import annotations

import sys as _sys
from typing import Any

from . import _runtime  # noqa: F401  (process settings: warnings filter, allocator)

# --- values: dtypes, Tensor, Variable -------------------------------------------------------
from . import dtypes, errors, nest  # noqa: F401
from .dtypes import (  # noqa: F401
    DType, as_dtype, bool, complex64, complex128, double, float16, float32, float64, half, int8,
    int16, int32, int64, string, uint8, uint16, uint32, uint64)
from .tensor import Tensor, TensorShape, is_tensor  # noqa: F401
from .variable import Variable  # noqa: F401
from .module import Module, name_scope  # noqa: F401
from .dispatch import convert_to_tensor  # noqa: F401
from .indexed_slices import IndexedSlices  # noqa: F401  (installs the sparse gather gradient)
from .sparse import SparseTensor  # noqa: F401
from .ragged import RaggedTensor, RaggedTensorSpec  # noqa: F401

newaxis = None

# --- top-level ops (tf.*) ---------------------------------------------------------------------
from . import ops as _ops  # noqa: F401,E402  (registers every op, installs operators)
from .ops.constructors import (  # noqa: F401,E402
    constant, eye, fill, linspace, lin_space, ones, ones_like, range, zeros, zeros_like)
from .ops.math import (  # noqa: F401,E402
    abs, acos, add, add_n, asin, atan, atan2, cast, ceil, clip_by_value, conj, cos, cosh, divide,
    equal, exp, expm1, floor, floordiv, greater, greater_equal, imag, less, less_equal, log, log1p,
    logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod, multiply, negative,
    not_equal, pow, real, reciprocal, round, rsqrt, saturate_cast, sigmoid, sign, sin, sinh, sqrt,
    square, squared_difference, subtract, tan, tanh, truediv, truncatediv, where, floor_div)
from .ops.reduction import (  # noqa: F401,E402
    argmax, argmin, cumprod, cumsum, reduce_all, reduce_any, reduce_logsumexp, reduce_max,
    reduce_mean, reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance)
from .ops.linalg import einsum, matmul, norm, tensordot  # noqa: F401,E402
from .ops.shape import (  # noqa: F401,E402
    broadcast_to, concat, expand_dims, identity, pad, rank, reshape, reverse, shape, size, split,
    squeeze, stack, stop_gradient, tile, transpose, unstack)
from .ops.indexing import (  # noqa: F401,E402
    argsort, boolean_mask, gather, gather_nd, one_hot, scatter_nd, sort, tensor_scatter_nd_add,
    tensor_scatter_nd_update)
from .ops.array import (  # noqa: F401,E402
    clip_by_global_norm, clip_by_norm, complex, dynamic_partition, meshgrid, repeat, roll, searchsorted,
    sequence_mask, slice, tensor_scatter_nd_sub)
from .ops.special import acosh, asinh, atanh, truncatemod  # noqa: F401,E402
from .ops.segment import unique, unique_with_counts  # noqa: F401,E402
from .ops.control_flow import (  # noqa: F401,E402
    case, cond, ensure_shape, foldl, foldr, get_static_value, map_fn, numpy_function, py_function,
    scan, switch_case, vectorized_map, while_loop)
from .tensor_array import TensorArray  # noqa: F401,E402


def get_logger() -> "_logging.Logger":
    """The ``logging.Logger`` named "tensorflow" (``tf.get_logger``).

    As TF, the first call gives it a stderr handler (stdout and level INFO in an interactive
    session) when the root logger has no handlers, so its messages show by default.
    """
    import logging
    with _LOGGER_LOCK:
        logger = logging.getLogger("tensorflow")
        if not _LOGGER_SET_UP:
            _LOGGER_SET_UP.append(True)
            if not logging.getLogger().handlers:
                interactive = getattr(_sys, "ps1", None) is not None or _sys.flags.interactive > 0
                if interactive:
                    logger.setLevel(logging.INFO)
                handler = logging.StreamHandler(_sys.stdout if interactive else _sys.stderr)
                handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT, None))
                logger.addHandler(handler)
        return logger


import logging as _logging  # noqa: E402
import threading as _threading  # noqa: E402
_LOGGER_LOCK = _threading.Lock()
_LOGGER_SET_UP: list = []


_DEVICE_TYPES = ("CPU", "GPU", "TPU", "XLA_CPU", "XLA_GPU")


class _DeviceContext:
    """The context manager ``tf.device`` returns."""

    def __init__(self, spec: Any):
        self.spec = spec

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _check_device_spec(spec: str) -> None:
    for part in (p for p in spec.split("/") if p):
        fields = part.split(":")
        key = fields[0].lower()
        if key in ("job",) and len(fields) == 2:
            continue
        if key in ("replica", "task") and len(fields) == 2 and fields[1].isdigit():
            continue
        if key == "device" and len(fields) in (2, 3):
            fields = fields[1:]
        if fields[0].upper() in _DEVICE_TYPES and (len(fields) == 1 or (
                len(fields) == 2 and (fields[1].isdigit() or fields[1] == "*"))):
            continue
        raise ValueError(f"Unknown attribute {part!r} is encountered while parsing the device spec: {spec!r}.")


def device(device_name: Any) -> Any:
    """A context for placing tensors, Variables and ops on a device (``tf.device``): the CPU, or
    a GPU through CuPy (rules in ``gradtape.devices``). A device this machine lacks is soft-placed
    on the CPU, as TF does; the spec is checked (a malformed one raises ValueError)."""
    if callable(device_name) and not isinstance(device_name, str):
        raise RuntimeError("tf.device does not support functions when eager execution is enabled.")
    if device_name is not None:
        device_name = str(getattr(device_name, "to_string", lambda: device_name)())
        _check_device_spec(device_name)
    from .config import device as _placed
    return _placed(device_name)


def executing_eagerly() -> bool:
    """Always True: gradtape is eager (``tf.executing_eagerly``)."""
    return True


def print(*inputs: Any, output_stream: Any = None, sep: str = " ", end: str = "\n",  # noqa: A001
          summarize: int = 3, name: Any = None) -> None:
    """Print tensors' values without their metadata (``tf.print``; writes to stderr by default, as TF)."""
    stream = _sys.stderr if output_stream is None else output_stream

    def fmt(x: Any) -> str:
        if isinstance(x, (list, tuple)):
            return "[" + ", ".join(fmt(v) for v in x) + "]"
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k!r}: {fmt(v)}" for k, v in x.items()) + "}"
        if getattr(x, "_value", None) is not None or hasattr(type(x), "_gt_read"):
            from .strings import _format_value    # TF's element printing (1.5 2, not 1.5 2.)
            return _format_value(convert_to_tensor(x), summarize)
        return str(x)

    text = sep.join(fmt(x) for x in inputs) + end
    if stream in ("stderr", _sys.stderr):
        _sys.stderr.write(text)
    elif stream in ("stdout", _sys.stdout):
        _sys.stdout.write(text)
    else:
        stream.write(text)


# --- differentiation: GradientTape, custom gradients, tf.autodiff ---------------------------
from .tape import GradientTape, UnconnectedGradients  # noqa: F401,E402
from .custom_gradient import custom_gradient, grad_pass_through, recompute_grad  # noqa: F401,E402
from . import forward as _forward  # noqa: E402


class _Namespace:
    """A plain attribute namespace for TF's small sub-namespaces (``tf.autodiff``, ``tf.compat``)."""

    def __init__(self, **kw: Any):
        self.__dict__.update(kw)


autodiff = _Namespace(GradientTape=GradientTape, ForwardAccumulator=_forward.ForwardAccumulator,
                      jvp=_forward.jvp, linearize=_forward.linearize)

# --- compilation: tf.function ---------------------------------------------------------------
from .function import function, TensorSpec, Function  # noqa: F401,E402

# --- sub-namespaces ---------------------------------------------------------------------------
from . import math, linalg, nn, random, test, testing, debugging  # noqa: F401,E402
from . import keras, data, train  # noqa: F401,E402
from .keras import initializers  # noqa: F401,E402
from .keras.initializers import (  # noqa: F401,E402  (TF's tf.*_initializer aliases)
    constant_initializer, glorot_normal_initializer, glorot_uniform_initializer, ones_initializer,
    random_normal_initializer, random_uniform_initializer, truncated_normal_initializer, zeros_initializer)
optimizers = keras.optimizers
losses = keras.losses
metrics = keras.metrics

# Sub-namespaces imported on first use (``tf.image`` loads ``gradtape.image``): they are larger
# and their optional dependencies (Pillow, protobuf, tensorboard, CuPy, mpi4py) load only when
# a program uses them. A name whose module is not part of gradtape raises AttributeError.
_LAZY_SUBMODULES = ("audio", "compat", "config", "distribute", "experimental", "image", "io", "lookup", "ragged",
                    "saved_model", "signal", "sparse", "strings", "summary", "types", "version")


def __getattr__(name: str) -> Any:
    if name == "bfloat16":                 # needs ml_dtypes (the 'bfloat16' extra)
        return dtypes._bfloat16()
    if name in _LAZY_SUBMODULES:
        import importlib
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module 'gradtape' has no attribute {name!r}: tf.{name} is "
                                 f"not implemented in gradtape") from None
        globals()[name] = module
        return module
    raise AttributeError(f"module 'gradtape' has no attribute {name!r}")

# --- gradtape's own additions (not TF names): functional derivatives, tape pictures ------------
from .functional import (  # noqa: F401,E402
    gradients_function, val_and_grad_function, grad, value_and_grad, hessian,
    hessian_vector_product, implicit_gradients, implicit_value_and_gradients)
from .functional import jacobian as jacobian_function  # noqa: F401,E402  (tf.jacobian is not a TF name)
from .forward import ForwardAccumulator  # noqa: F401,E402
from . import explain, viz  # noqa: F401,E402
from .registry import REGISTRY as _REGISTRY  # noqa: F401,E402

# --- TF 1.x-era names used by older tutorials (tf.contrib.eager; tf.compat.v1 is in compat.py) ---


def enable_eager_execution(*args: Any, **kwargs: Any) -> None:
    """A no-op kept for TF 1.x-era programs (eager execution is always on)."""
    return None


contrib = _Namespace(eager=_Namespace(
    gradients_function=gradients_function, val_and_grad_function=val_and_grad_function,
    implicit_gradients=implicit_gradients, implicit_value_and_gradients=implicit_value_and_gradients,
    custom_gradient=custom_gradient, GradientTape=GradientTape, Variable=Variable,
    enable_eager_execution=enable_eager_execution, executing_eagerly=executing_eagerly))

from .version import VERSION as __version__  # noqa: E402
