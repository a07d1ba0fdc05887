"""Linear algebra: ``matmul`` (batch broadcasting), ``einsum``, ``tensordot``, ``norm``, ``inv``,
``det``, ``solve``, ``cholesky``, ``matvec``, ``trace``."""
from __future__ import annotations

import string
from typing import Any, Optional

import numpy as np

from ..dispatch import apply, convert_to_tensor, dtype_mismatch
from ..errors import InvalidArgumentError
from .._bf16 import via_float32
from ..registry import Op, FLOAT, NUMERIC
from ..tensor import Tensor
from .math import (abs as _abs, divide_no_nan, multiply, negative, pow as _pow, square, sqrt,
                   add, conj)
from .shape import matrix_transpose, expand_dims, squeeze, broadcast_to, reshape


def _adjoint(x: Tensor) -> Tensor:
    return matrix_transpose(x, conjugate=x._value.dtype.kind == "c")


# -- matmul ------------------------------------------------------------------------------------

MATMUL = Op("matmul", via_float32(np.matmul),
            vjp=(lambda g, ans, a, b: matmul(g, _adjoint(b)),
                 lambda g, ans, a, b: matmul(_adjoint(a), g)),
            doc="a @ b over the last two axes, batch axes broadcast. d/da = g b^H, d/db = a^H g "
                "(the tape sums broadcast batch axes).")


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, output_type: Any = None, name: Optional[str] = None) -> Tensor:
    """Matrix product of the inner-most two dimensions, broadcasting batch dimensions (``tf.linalg.matmul``)."""
    if type(a) is not Tensor:
        a = convert_to_tensor(a) if type(b) is not Tensor else convert_to_tensor(a, dtype_hint=b._value.dtype)
    if type(b) is not Tensor:
        b = convert_to_tensor(b, dtype_hint=a._value.dtype)
    av, bv = a._value, b._value
    if av.dtype != bv.dtype:
        raise dtype_mismatch(MATMUL, a, b)
    if av.ndim < 2 or bv.ndim < 2:
        raise InvalidArgumentError(
            f"matmul: both inputs must have rank >= 2, got shapes {list(av.shape)} and {list(bv.shape)}. "
            "Use tf.linalg.matvec for a matrix-vector product, or tf.expand_dims to add an axis.")
    if transpose_a or adjoint_a:
        a = matrix_transpose(a, conjugate=bool(adjoint_a))
        av = a._value
    if transpose_b or adjoint_b:
        b = matrix_transpose(b, conjugate=bool(adjoint_b))
        bv = b._value
    if av.shape[-1] != bv.shape[-2]:
        raise InvalidArgumentError(
            f"Matrix size-incompatible: In[0]: {list(av.shape)}, In[1]: {list(bv.shape)} (matmul needs "
            f"a.shape[-1] == b.shape[-2], here {av.shape[-1]} != {bv.shape[-2]}).")
    return apply(MATMUL, (a, b))


def matvec(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False,
           name: Optional[str] = None) -> Tensor:
    """Matrix-vector product ``a @ b`` over the last axes (``tf.linalg.matvec``)."""
    b = convert_to_tensor(b)
    return squeeze(matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a), -1)


# -- einsum and tensordot ----------------------------------------------------------------------

def _parse_einsum(equation: str, shapes: list) -> tuple:
    """Explicit subscripts (inputs, output) with ``...`` replaced by letters."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs, out = eq, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise InvalidArgumentError(f"einsum: equation {equation!r} names {len(ins)} operands but "
                                   f"{len(shapes)} were given.")
    used = set(eq) - set(".,->")
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = max((len(s) - (len(sub) - 3) for sub, s in zip(ins, shapes) if "..." in sub), default=0)
    ell = "".join(free[:n_ell])
    new_ins = []
    for sub, s in zip(ins, shapes):
        if "..." in sub:
            k = len(s) - (len(sub) - 3)
            sub = sub.replace("...", ell[n_ell - k:] if k else "")
        if len(sub) != len(s):
            raise InvalidArgumentError(f"einsum: subscripts {sub!r} do not match an operand of rank "
                                       f"{len(s)} (shape {list(s)}).")
        new_ins.append(sub)
    if out is None:
        counts: dict = {}
        for sub in new_ins:
            for c in sub:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return new_ins, out


def _einsum_forward(*operands, ins, out):
    return np.einsum(",".join(ins) + "->" + out, *operands, optimize=len(operands) > 2)[()]


def _einsum_vjp(g, ans, *operands, ins, out):
    grads = []
    for i, sub in enumerate(ins):
        if len(set(sub)) != len(sub):
            raise NotImplementedError(f"einsum: the gradient for an operand with a repeated index "
                                      f"({sub!r}, a diagonal) is not implemented.")
        others = [(s, x) for j, (s, x) in enumerate(zip(ins, operands)) if j != i]
        avail = set(out).union(*[set(s) for s, _ in others]) if others else set(out)
        target = "".join(c for c in sub if c in avail)
        eq = ",".join([out] + [s for s, _ in others]) + "->" + target
        gi = einsum(eq, g, *[x for _, x in others])
        if target != sub:
            shape = np.shape(operands[i]._value)
            kept = [shape[sub.index(c)] if c in target else 1 for c in sub]
            gi = broadcast_to(reshape(gi, kept), shape)
        grads.append(gi)
    return tuple(grads)


EINSUM = Op("einsum", via_float32(_einsum_forward), vjp=_einsum_vjp,
            doc="Einstein summation. The gradient of each operand is an einsum of the upstream with "
                "the other operands (indices summed only inside one operand are broadcast back).")


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """Einstein summation over ``inputs`` (``tf.einsum``), with ``...`` and implicit output."""
    ts = [convert_to_tensor(x) for x in inputs]
    for t in ts[1:]:
        if t._value.dtype != ts[0]._value.dtype:
            raise dtype_mismatch(EINSUM, ts[0], t)
    ins, out = _parse_einsum(equation, [np.shape(t._value) for t in ts])
    return apply(EINSUM, tuple(ts), {"ins": tuple(ins), "out": out})


def tensordot(a: Any, b: Any, axes: Any, name: Optional[str] = None) -> Tensor:
    """Contract ``axes`` of ``a`` with ``axes`` of ``b`` (``tf.tensordot``); ``axes`` is an int N (last N
    of a with first N of b) or a pair of lists."""
    a = convert_to_tensor(a)
    b = convert_to_tensor(b)
    na, nb = a._value.ndim, b._value.ndim
    if isinstance(axes, (int, np.integer)) or (isinstance(axes, Tensor) and np.ndim(axes._value) == 0):
        n = int(getattr(axes, "_value", axes))
        if n > min(na, nb) or n < 0:
            raise InvalidArgumentError(f"tensordot: axes={n} is invalid for ranks {na} and {nb}.")
        ax_a, ax_b = list(range(na - n, na)), list(range(n))
    else:
        ax_a, ax_b = [np.atleast_1d(np.asarray(getattr(x, "_value", x))).tolist() for x in axes]
        ax_a = [x % na for x in ax_a]
        ax_b = [x % nb for x in ax_b]
    if len(ax_a) != len(ax_b):
        raise InvalidArgumentError(f"tensordot: axes lists must have the same length, got {ax_a} and {ax_b}.")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        if np.shape(a._value)[i] != np.shape(b._value)[j]:
            raise InvalidArgumentError(f"tensordot: dimension {i} of a ({np.shape(a._value)[i]}) does not "
                                       f"match dimension {j} of b ({np.shape(b._value)[j]}).")
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in ax_a] + [c for k, c in enumerate(sb) if k not in ax_b]
    return einsum("".join(sa) + "," + "".join(sb) + "->" + "".join(out), a, b)


# -- norms -------------------------------------------------------------------------------------

def _euclid_forward(x, axes, keepdims):
    return np.sqrt(np.sum(np.real(x * np.conj(x)), axis=axes, keepdims=keepdims))[()]


def _euclid_vjp(g, ans, x, axes, keepdims):
    # d ||x|| / dx = x / ||x||, and 0 at the zero vector (TF gives NaN there).
    from .reduction import _expand_to
    n = _expand_to(ans, x, axes, keepdims)
    return multiply(_expand_to(g, x, axes, keepdims), divide_no_nan(x, n))


EUCLIDEAN_NORM = Op("euclidean_norm", via_float32(_euclid_forward), vjp=_euclid_vjp, kinds=FLOAT,
                    doc="sqrt(sum(|x|^2)) over axes. d/dx = x/||x||, 0 at the zero vector "
                        "(a subgradient, where TF returns NaN).")


def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: Optional[str] = None) -> Tensor:
    """The 2-norm over ``axis`` (``tf.math.reduce_euclidean_norm``)."""
    from .reduction import _reduce
    return _reduce(EUCLIDEAN_NORM, input_tensor, axis, keepdims, "reduce_euclidean_norm")


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Optional[bool] = None,  # noqa: A002
         name: Optional[str] = None) -> Tensor:
    """Vector or matrix norm (``tf.norm`` / ``tf.linalg.norm``).

    Vector norms: ``'euclidean'``/``2`` (the default; over all entries when ``axis`` is None),
    ``1``, ``np.inf`` and any ``p > 0``. Matrix norms (``axis`` a pair): ``'fro'``/``'euclidean'``,
    ``1`` and ``np.inf``. The gradient at the zero vector is 0, not NaN.
    """
    from .reduction import reduce_sum, reduce_max, _axes
    x = convert_to_tensor(tensor)
    keep = bool(keepdims)
    nd = x._value.ndim
    axes = _axes(axis, nd, "norm")
    is_matrix = axes is not None and len(axes) == 2
    if axes is not None and len(axes) > 2:
        raise ValueError(f"norm: axis must be None, an int or a pair of ints, got {axis!r}.")
    if ord in ("euclidean", "fro") or (ord == 2 and not is_matrix):
        if ord == "fro" and not is_matrix and axis is not None:
            raise ValueError("norm: ord='fro' needs a pair of axes (a matrix norm).")
        return reduce_euclidean_norm(x, axis=axes, keepdims=keep)
    a = _abs(x)
    if is_matrix:
        r, c = axes
        if ord == 1:
            return reduce_max(reduce_sum(a, axis=r, keepdims=True), axis=c, keepdims=True) if keep else \
                reduce_max(reduce_sum(a, axis=r, keepdims=False), axis=c - (1 if c > r else 0))
        if ord == np.inf:
            return reduce_max(reduce_sum(a, axis=c, keepdims=True), axis=r, keepdims=True) if keep else \
                reduce_max(reduce_sum(a, axis=c, keepdims=False), axis=r - (1 if r > c else 0))
        raise ValueError(f"norm: matrix ord must be 'fro', 'euclidean', 1 or np.inf, got {ord!r}.")
    if ord == 1:
        return reduce_sum(a, axis=axes, keepdims=keep)
    if ord == np.inf:
        return reduce_max(a, axis=axes, keepdims=keep)
    try:
        p = float(ord)
    except (TypeError, ValueError):
        p = -1.0
    if p <= 0:
        raise ValueError(f"norm: ord must be 'euclidean', 'fro', 1, 2, np.inf or a number > 0, got {ord!r}.")
    return _pow(reduce_sum(_pow(a, p), axis=axes, keepdims=keep), 1.0 / p)


# -- inverse, determinant, solve, cholesky -----------------------------------------------------

def _square_matrix(x: Tensor, op: str) -> None:
    s = np.shape(x._value)
    if len(s) < 2 or s[-1] != s[-2]:
        raise InvalidArgumentError(f"{op}: input must be a (batch of) square matrices, got shape {list(s)}.")


INV = Op("matrix_inverse", via_float32(np.linalg.inv),
         vjp=lambda g, ans, x: negative(matmul(matmul(ans, g, adjoint_a=True), ans, adjoint_b=True)),
         kinds=FLOAT, doc="A^-1. d/dA = -A^-H g A^-H.")


def inv(input: Any, adjoint: bool = False, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Inverse of (a batch of) square matrices (``tf.linalg.inv``). Singular input raises
    InvalidArgumentError."""
    x = convert_to_tensor(input)
    _square_matrix(x, "inv")
    out = apply(INV, (x,))
    return _adjoint(out) if adjoint else out


def _det_vjp(g, ans, x):
    scale = expand_dims(expand_dims(multiply(g, conj(ans)), -1), -1)
    return multiply(scale, _adjoint(inv(x)))


DET = Op("matrix_determinant", via_float32(lambda x: np.linalg.det(x)[()]), vjp=_det_vjp, kinds=FLOAT,
         doc="det(A). d/dA = det(A) A^-T.")


def det(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Determinant of (a batch of) square matrices (``tf.linalg.det``)."""
    x = convert_to_tensor(input)
    _square_matrix(x, "det")
    return apply(DET, (x,))


def _solve_vjp(g, ans, a, b, adjoint):
    gb = matrix_solve(a, g, adjoint=not adjoint)
    if adjoint:
        ga = negative(matmul(ans, gb, adjoint_b=True))
    else:
        ga = negative(matmul(gb, ans, adjoint_b=True))
    return ga, gb


def _solve_forward(a, b, adjoint):
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    return np.linalg.solve(a, b)


SOLVE = Op("matrix_solve", via_float32(_solve_forward), vjp=_solve_vjp, kinds=FLOAT,
           doc="Solve A X = B. d/dB = A^-H g, d/dA = -(d/dB) X^H.")


def matrix_solve(matrix: Any, rhs: Any, adjoint: bool = False, name: Optional[str] = None) -> Tensor:
    """Solve ``matrix @ X = rhs`` for X (``tf.linalg.solve``)."""
    a = convert_to_tensor(matrix)
    b = convert_to_tensor(rhs, dtype_hint=a._value.dtype)
    _square_matrix(a, "solve")
    if a._value.dtype != b._value.dtype:
        raise dtype_mismatch(SOLVE, a, b)
    if np.ndim(b._value) < 2 or np.shape(b._value)[-2] != np.shape(a._value)[-1]:
        raise InvalidArgumentError(f"solve: rhs must have shape [..., {np.shape(a._value)[-1]}, K], got "
                                   f"{list(np.shape(b._value))}.")
    return apply(SOLVE, (a, b), {"adjoint": bool(adjoint)})


solve = matrix_solve


def _cholesky_vjp(g, ans, x):
    # TF's rule (Murray 2016): phi(L^H g) with the diagonal halved, then symmetrised.
    n = np.shape(x._value)[-1]
    l_inv = inv(ans)
    middle = matmul(ans, g, adjoint_a=True)
    mask = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    middle = multiply(middle, mask.astype(x._value.dtype))
    grad = matmul(matmul(l_inv, middle, adjoint_a=True), l_inv)
    return multiply(add(grad, _adjoint(grad)), 0.5)


def _cholesky_forward(x):
    return np.linalg.cholesky(x)


CHOLESKY = Op("cholesky", via_float32(_cholesky_forward), vjp=_cholesky_vjp, kinds=FLOAT,
              doc="Lower Cholesky factor of a symmetric positive-definite matrix (reads the whole "
                  "matrix as NumPy does; the gradient is symmetric, as TF's).")


def cholesky(input: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Cholesky factor L with ``L @ L^H = input`` (``tf.linalg.cholesky``). Not positive definite:
    InvalidArgumentError."""
    x = convert_to_tensor(input)
    _square_matrix(x, "cholesky")
    return apply(CHOLESKY, (x,))


def trace(x: Any, name: Optional[str] = None) -> Tensor:
    """Sum of the diagonal of the last two axes (``tf.linalg.trace``)."""
    from .reduction import reduce_sum
    x = convert_to_tensor(x)
    n = np.shape(x._value)[-1]
    return reduce_sum(multiply(x, np.eye(n, dtype=x._value.dtype)), axis=[-2, -1])


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: Optional[str] = None) -> Tensor:
    """``x / sqrt(max(sum(x^2), epsilon))`` along ``axis`` (``tf.math.l2_normalize``)."""
    from .reduction import reduce_sum
    from .math import maximum, rsqrt
    x = convert_to_tensor(x)
    ss = reduce_sum(square(x), axis=axis, keepdims=True)
    return multiply(x, rsqrt(maximum(ss, epsilon)))
