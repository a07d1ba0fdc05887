"""The op registry: one :class:`Op` per primitive, holding its forward and its gradient rule.

Every primitive is defined once, in ``gradtape/ops/<family>.py``, as::

    SIN = Op("sin", forward=np.sin,
             vjp=lambda g, ans, x: g * cos(x))      # d/dx sin x = cos x

* ``forward(*values, **attrs)`` runs on NumPy values and returns a NumPy value (or a tuple of
  them when ``num_outputs > 1``).
* ``vjp`` is the reverse-mode rule, written with gradtape ops so that nested tapes differentiate
  it again. It receives the upstream gradient ``g`` (a Tensor, or a tuple of Tensors for
  multi-output ops), the forward output ``ans``, the op's inputs and its attributes as keywords:

  - a callable returns the gradient of each input (a tuple, or a single Tensor for one input);
  - a tuple holds one rule per input (``None`` where that input has no gradient), so the tape
    computes only the gradients that lead to a source;
  - ``None`` declares the op non-differentiable: gradients through it are ``None`` (TF's
    behaviour for argmax, comparisons, round, integer casts).

  Rules never reduce broadcast dimensions themselves: the tape sums every input gradient to that
  input's shape in one place (``tape._sum_to_shape``).
* ``jvp`` is the optional forward-mode rule ``jvp(tangents, ans, *inputs, **attrs)``; without it,
  forward mode derives one from ``vjp`` (the VJP is linear in ``g``).

``REGISTRY`` maps names to ops; the test suite iterates it, and a coverage test fails when a
registered op has no test entry.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

REGISTRY: dict[str, "Op"] = {}

# Kinds of NumPy dtypes an op accepts.
FLOAT = "fcV"         # floating and complex (V: ml_dtypes' bfloat16, a floating type)
REAL = "fV"           # floating, not complex (TF registers these kernels for real types only)
REAL_NUMERIC = "fiuV" # real numbers (ordering: max, min, clipping)
NUMERIC = "fciuV"     # any number
ANY = "fciubV"        # numbers and bool


class Op:
    """A registered primitive: its forward on NumPy values and its gradient rules."""

    __slots__ = ("name", "forward", "vjp", "jvp", "num_outputs", "kinds", "doc", "broadcasts")

    def __init__(self, name: str, forward: Callable[..., Any], vjp: Any = None, *,
                 jvp: Optional[Callable[..., Any]] = None, num_outputs: int = 1,
                 kinds: str = NUMERIC, doc: str = ""):
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is already registered")
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.jvp = jvp
        self.num_outputs = num_outputs
        self.kinds = kinds
        self.doc = doc
        # False when every input gradient a rule returns already has its input's shape (unary
        # elementwise ops), so the tape skips the broadcast check; set by dispatch.unary.
        self.broadcasts = True
        REGISTRY[name] = self

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None

    def __repr__(self) -> str:
        return f"<Op {self.name}>"


def get(name: str) -> Op:
    """Look up a registered op by name."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise LookupError(f"gradient registry has no entry for op {name!r}") from None
