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
* ``reads`` (optional) declares which values the rule reads: input positions and ``"out"``, e.g.
  ``reads=(0, 1)`` for matmul (both inputs, not the product) or ``reads=()`` for add (shapes only).
  A tape may release the value of a large tensor that no recorded rule reads once nothing else
  refers to it (``tape._free_unread``); shape and dtype stay. Without a declaration the rule may
  read everything and nothing is released. A wrong declaration gives NaN gradients, never a silent
  wrong number, and tests/test_tape_memory.py checks every declared op's gradients with releasing
  forced on.
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

    __slots__ = ("name", "forward", "vjp", "jvp", "num_outputs", "kinds", "doc", "broadcasts",
                 "out_unread", "unread_inputs")

    def __init__(self, name: str, forward: Callable[..., Any], vjp: Any = None, *,
                 jvp: Optional[Callable[..., Any]] = None, num_outputs: int = 1,
                 kinds: str = NUMERIC, doc: str = "", reads: Optional[tuple] = None):
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
        self.out_unread, self.unread_inputs = _parse_reads(name, reads, num_outputs)
        REGISTRY[name] = self

    def declare_reads(self, *reads: Any) -> "Op":
        """Declare which values the gradient rule reads (see ``Op``'s ``reads``); returns the op."""
        self.out_unread, self.unread_inputs = _parse_reads(self.name, reads, self.num_outputs)
        return self

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None

    def __repr__(self) -> str:
        return f"<Op {self.name}>"


def _parse_reads(name: str, reads: Optional[tuple], num_outputs: int) -> tuple:
    """``(out_unread, unread_inputs)`` from a ``reads`` declaration (None: the rule reads everything)."""
    if reads is None:
        return False, frozenset()
    for r in reads:
        if r != "out" and not (isinstance(r, int) and r >= 0):
            raise ValueError(f"op {name!r}: reads entries are input positions or 'out', got {r!r}")
    if "out" not in reads and num_outputs != 1:
        raise ValueError(f"op {name!r}: only single-output ops may declare their output unread")
    unread = frozenset(i for i in range(READS_MAX_INPUTS) if i not in reads)
    return "out" not in reads, unread


#: Input positions a ``reads`` declaration covers; ops with more inputs (concat, add_n) keep the rest.
READS_MAX_INPUTS = 8


def get(name: str) -> Op:
    """Look up a registered op by name."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise LookupError(f"gradient registry has no entry for op {name!r}") from None
