"""Linear algebra: ``matmul`` (batch broadcasting), ``einsum``, ``tensordot``, ``norm``, ``inv``,
``det``, ``solve``, ``cholesky``, ``matvec``, ``trace``."""
from __future__ import annotations

import string
from typing import Any, Optional

import numpy as np

from .. import _array
from ..dispatch import apply, convert_to_tensor, dtype_mismatch
from ..errors import InvalidArgumentError
from .._bf16 import via_float32
from ..registry import Op, FLOAT, NUMERIC
from ..tensor import Tensor
from .math import (abs as _abs, divide_no_nan, multiply, negative, pow as _pow, square, sqrt,
                   add, cast, conj, holomorphic)
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


def _reshape_view(x, shape):
    """``x.reshape(shape)`` when that is a view of ``x``'s memory (``None`` when it would copy);
    device arrays are reshaped as they are."""
    r = x.reshape(shape)
    if type(x) is not np.ndarray:
        return r
    owner = x if x.base is None else x.base
    return r if r.base is owner else None


def _as_matrices(x, sub, batch, rows, cols, sizes):
    """``x`` (subscripts ``sub``) as a stack of ``(prod rows, prod cols)`` matrices over ``batch``:
    a transposed view reshaped, or, when merging the letters of a group needs a copy, the
    transpose of the ``(cols, rows)`` view (BLAS reads transposed operands in place), and only
    when neither is a view, a copy."""
    bshape = tuple(x.shape[sub.index(c)] for c in batch)
    m = int(np.prod([sizes[c] for c in rows], dtype=np.int64))
    k = int(np.prod([sizes[c] for c in cols], dtype=np.int64))
    t = x.transpose([sub.index(c) for c in batch + rows + cols])
    if len(rows) < 2 and len(cols) < 2:
        return t.reshape(bshape + (m, k))
    r = _reshape_view(t, bshape + (m, k))
    if r is not None:
        return r
    tt = x.transpose([sub.index(c) for c in batch + cols + rows])
    r = _reshape_view(tt, bshape + (k, m))
    if r is not None:
        return r.swapaxes(-1, -2)
    # a copy: in the group order that reads x closest to its memory order
    st = x.strides
    if rows and cols and abs(st[sub.index(rows[-1])]) < abs(st[sub.index(cols[-1])]):
        return tt.reshape(bshape + (k, m)).swapaxes(-1, -2)
    return t.reshape(bshape + (m, k))


def _einsum_pair(a, b, sa, sb, out):
    """A two-operand einsum as one (batched) ``np.matmul``: letters in both operands and the output
    are batch axes, letters in both operands only are contracted, the others are the rows of one
    operand or the columns of the other; letters in one operand only and not in the output are
    summed first. ``None`` when the equation does not have that form (a repeated letter, sizes that
    broadcast in a contracted letter): NumPy's einsum then computes it."""
    if len(set(sa)) != len(sa) or len(set(sb)) != len(sb) or not set(out) <= set(sa) | set(sb):
        return None
    sizes = dict(zip(sa, a.shape))
    for c, n in zip(sb, b.shape):
        if c in sizes and sizes[c] != n and c not in out:
            return None
        sizes.setdefault(c, n)
    only_a = [c for c in sa if c not in sb and c not in out]
    if only_a:
        a = a.sum(axis=tuple(sa.index(c) for c in only_a))
        sa = "".join(c for c in sa if c not in only_a)
    only_b = [c for c in sb if c not in sa and c not in out]
    if only_b:
        b = b.sum(axis=tuple(sb.index(c) for c in only_b))
        sb = "".join(c for c in sb if c not in only_b)
    batch = [c for c in out if c in sa and c in sb]
    for c in batch:
        na, nb = a.shape[sa.index(c)], b.shape[sb.index(c)]
        if na != nb and na != 1 and nb != 1:
            return None
        sizes[c] = max(na, nb)
    contract = [c for c in sa if c in sb and c not in out]
    fa = [c for c in out if c in sa and c not in sb]
    fb = [c for c in out if c in sb and c not in sa]
    if fa and fb and out.index(fa[0]) > out.index(fb[0]):
        a, b, sa, sb, fa, fb = b, a, sb, sa, fb, fa
    am = _as_matrices(a, sa, batch, fa, contract, sizes)
    bm = _as_matrices(b, sb, batch, contract, fb, sizes)
    r = np.matmul(am, bm)
    have = batch + fa + fb
    r = r.reshape(r.shape[:len(batch)] + tuple(sizes[c] for c in fa + fb))
    if have != list(out):
        r = r.transpose([have.index(c) for c in out])
    return r


def _einsum_forward(*operands, ins, out):
    if len(operands) == 2 and all(getattr(x, "dtype", None) is not None and x.dtype.kind in "fc"
                                  for x in operands):
        r = _einsum_pair(operands[0], operands[1], ins[0], ins[1], out)
        if r is not None:
            return r[()]
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


EINSUM = Op("einsum", via_float32(_einsum_forward), vjp=holomorphic(_einsum_vjp),
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
    g = _expand_to(g, x, axes, keepdims)
    if x._value.dtype.kind == "c":      # TF: g * z / ||z||, the norm and upstream made complex
        g, n = cast(g, x.dtype), cast(n, x.dtype)
    return multiply(g, divide_no_nan(x, n))


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
    middle = multiply(middle, _array.const_like(x, mask, x._value.dtype))
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
    return reduce_sum(multiply(x, _array.const_like(x, np.eye(n, dtype=x._value.dtype))), axis=[-2, -1])


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: Optional[str] = None) -> Tensor:
    """``x / sqrt(max(sum(x^2), epsilon))`` along ``axis`` (``tf.math.l2_normalize``)."""
    from .reduction import reduce_sum
    from .math import maximum, rsqrt
    from .math import imag, real
    x = convert_to_tensor(x)
    if x._value.dtype.kind == "c":      # TF: the squared modulus, then both parts scaled
        re, im = real(x), imag(x)
        ss = reduce_sum(add(square(re), square(im)), axis=axis, keepdims=True)
        inv_norm = rsqrt(maximum(ss, epsilon))
        return cast(multiply(re, inv_norm), x.dtype) + multiply(cast(multiply(im, inv_norm), x.dtype), 1j)
    ss = reduce_sum(square(x), axis=axis, keepdims=True)
    return multiply(x, rsqrt(maximum(ss, epsilon)))


# -- band_part, slogdet, cross, triangular and least-squares solves ---------------------------

def _band_mask(shape: tuple, lower: int, upper: int) -> np.ndarray:
    m, n = shape[-2], shape[-1]
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    keep = np.ones((m, n), dtype=bool)
    if lower >= 0:
        keep &= (i - j) <= lower
    if upper >= 0:
        keep &= (j - i) <= upper
    return keep


def band_part(input: Any, num_lower: Any, num_upper: Any, name: Optional[str] = None) -> Tensor:  # noqa: A002
    """Keep the band of ``num_lower`` sub- and ``num_upper`` super-diagonals of the last two axes,
    zero elsewhere; a negative count keeps the whole triangle (``tf.linalg.band_part``)."""
    from .math import where
    x = convert_to_tensor(input)
    if np.ndim(x._value) < 2:
        raise ValueError(f"band_part: input must have rank >= 2, got shape {list(np.shape(x._value))}.")
    lower = int(np.asarray(getattr(num_lower, "_value", num_lower)))
    upper = int(np.asarray(getattr(num_upper, "_value", num_upper)))
    return where(_array.const_like(x, _band_mask(np.shape(x._value), lower, upper)), x, x._value.dtype.type(0))


matrix_band_part = band_part


def _slogdet_vjp(g, ans, x):
    # ans is the pair (sign, log|det|); only log|det| has a gradient: d/dA = A^-H.
    g_logdet = g[1]
    if g_logdet is None:
        return None
    return multiply(expand_dims(expand_dims(g_logdet, -1), -1), _adjoint(inv(x)))


def _slogdet_forward(x):
    sign, logdet = np.linalg.slogdet(x)
    return sign.astype(x.dtype)[()], logdet.astype(x.dtype)[()]


SLOGDET = Op("log_matrix_determinant", via_float32(_slogdet_forward), vjp=_slogdet_vjp, kinds=FLOAT,
             num_outputs=2, doc="(sign, log|det A|). d log|det|/dA = A^-H; the sign has no gradient.")


def slogdet(input: Any, name: Optional[str] = None) -> tuple:  # noqa: A002
    """Sign and log of the absolute determinant (``tf.linalg.slogdet``)."""
    x = convert_to_tensor(input)
    _square_matrix(x, "slogdet")
    return tuple(apply(SLOGDET, (x,)))


def logdet(matrix: Any, name: Optional[str] = None) -> Tensor:
    """log det of a Hermitian positive-definite matrix via its Cholesky factor
    (``tf.linalg.logdet``): ``2 sum log diag(cholesky(A))``."""
    from .reduction import reduce_sum
    from .math import log, real
    from .array import diag_part
    chol = cholesky(matrix)
    return multiply(reduce_sum(log(diag_part(chol)), axis=-1), 2.0)


def cross(a: Any, b: Any, name: Optional[str] = None) -> Tensor:
    """Cross product of 3-vectors along the last axis (``tf.linalg.cross``); composite, so
    differentiable to any order."""
    from .shape import stack, unstack
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype_hint=a._value.dtype)
    if np.shape(a._value)[-1:] != (3,) or np.shape(b._value)[-1:] != (3,):
        raise InvalidArgumentError(f"cross: both inputs need a last axis of size 3, got "
                                   f"{list(np.shape(a._value))} and {list(np.shape(b._value))}.")
    a1, a2, a3 = unstack(a, axis=-1)
    b1, b2, b3 = unstack(b, axis=-1)
    from .math import subtract
    return stack([subtract(multiply(a2, b3), multiply(a3, b2)),
                  subtract(multiply(a3, b1), multiply(a1, b3)),
                  subtract(multiply(a1, b2), multiply(a2, b1))], axis=-1)


def triangular_solve(matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                     name: Optional[str] = None) -> Tensor:
    """Solve ``A X = rhs`` reading only the lower (or upper) triangle of ``A``
    (``tf.linalg.triangular_solve``); the gradient for ``A`` is triangular like TF's."""
    a = convert_to_tensor(matrix)
    _square_matrix(a, "triangular_solve")
    tri = band_part(a, -1, 0) if lower else band_part(a, 0, -1)
    return matrix_solve(tri, rhs, adjoint=adjoint)


def cholesky_solve(chol: Any, rhs: Any, name: Optional[str] = None) -> Tensor:
    """Solve ``A X = rhs`` given ``chol``, the lower Cholesky factor of A (``tf.linalg.cholesky_solve``)."""
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


def lstsq(matrix: Any, rhs: Any, l2_regularizer: float = 0.0, fast: bool = True,
          name: Optional[str] = None) -> Tensor:
    """Least-squares solution of ``matrix @ X = rhs`` (``tf.linalg.lstsq``, fast path): solves the
    regularised normal equations by Cholesky, ``(A^H A + l2 I) X = A^H B`` when rows >= columns,
    ``X = A^H (A A^H + l2 I)^-1 B`` otherwise. ``fast=False`` (complete orthogonal
    factorisation) is not supported."""
    if not fast:
        raise NotImplementedError("lstsq: fast=False is not supported; use fast=True.")
    a = convert_to_tensor(matrix)
    b = convert_to_tensor(rhs, dtype_hint=a._value.dtype)
    m, n = np.shape(a._value)[-2:]
    if np.shape(b._value)[-2] != m:
        raise InvalidArgumentError(f"lstsq: rhs must have {m} rows, got shape {list(np.shape(b._value))}.")
    if m >= n:
        gram = matmul(a, a, adjoint_a=True)
        if l2_regularizer:
            gram = add(gram, multiply(_array.const_like(a, np.eye(n, dtype=a._value.dtype)), l2_regularizer))
        return cholesky_solve(cholesky(gram), matmul(a, b, adjoint_a=True))
    gram = matmul(a, a, adjoint_b=True)
    if l2_regularizer:
        gram = add(gram, multiply(_array.const_like(a, np.eye(m, dtype=a._value.dtype)), l2_regularizer))
    return matmul(a, cholesky_solve(cholesky(gram), b), adjoint_a=True)


# -- decompositions: eigh, svd, qr, pinv --------------------------------------------------------

def _eigh_vjp(g, ans, x):
    # Distinct eigenvalues: dA = V (diag(g_e) + F o (V^H g_V)) V^H, F_ij = 1/(e_j - e_i) (i != j).
    from .math import subtract, reciprocal, where
    from .array import diag
    e, v = ans
    ge, gv = g
    n = np.shape(x._value)[-1]
    eye = _array.const_like(x, np.eye(n, dtype=bool))
    inner = None
    if gv is not None:
        diff = subtract(expand_dims(e, -2), expand_dims(e, -1))
        zero, one = x._value.dtype.type(0), x._value.dtype.type(1)
        f = where(eye, zero, reciprocal(where(eye, one, diff)))
        inner = multiply(f, matmul(v, gv, adjoint_a=True))
    if ge is not None:
        d = diag(ge)
        inner = d if inner is None else add(inner, d)
    if inner is None:
        return None
    grad = matmul(matmul(v, inner), v, adjoint_b=True)
    return multiply(add(grad, _adjoint(grad)), 0.5)


def _eigh_forward(x):
    e, v = np.linalg.eigh(x)
    return e, v


EIGH = Op("self_adjoint_eig", via_float32(_eigh_forward), vjp=_eigh_vjp, kinds="fc", num_outputs=2,
          doc="Eigenvalues (ascending) and eigenvectors of a symmetric matrix (lower triangle read, "
              "as TF). Gradient for distinct eigenvalues; symmetrised.")


def eigh(tensor: Any, name: Optional[str] = None) -> tuple:
    """Eigen-decomposition of (a batch of) self-adjoint matrices (``tf.linalg.eigh``): ascending
    eigenvalues ``e`` and eigenvectors ``v`` in columns. Eigenvector signs are those of LAPACK and
    may differ from TF's; gradients assume distinct eigenvalues."""
    x = convert_to_tensor(tensor)
    _square_matrix(x, "eigh")
    return tuple(apply(EIGH, (x,)))


def eigvalsh(tensor: Any, name: Optional[str] = None) -> Tensor:
    """Eigenvalues of (a batch of) self-adjoint matrices, ascending (``tf.linalg.eigvalsh``)."""
    return eigh(tensor)[0]


def _unsupported_grad(what: str):
    def rule(g, ans, *inputs, **attrs):
        raise NotImplementedError(f"The gradient of {what} is not supported.")
    return rule


def _svd_vectors_forward(x, full_matrices):
    u, _, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return u, np.conj(np.swapaxes(vh, -1, -2))


SVD_VECTORS = Op("svd_vectors", via_float32(_svd_vectors_forward),
                 vjp=_unsupported_grad("the singular vectors u, v of tf.linalg.svd (only s is differentiable)"),
                 kinds="fc", num_outputs=2,
                 doc="Singular vectors (u, v) of the SVD; differentiating them raises NotImplementedError.")

QR = Op("qr", via_float32(lambda x, full_matrices: np.linalg.qr(x, mode="complete" if full_matrices else "reduced")),
        vjp=_unsupported_grad("tf.linalg.qr"), kinds="fc", num_outputs=2,
        doc="QR decomposition (Householder, LAPACK signs). Differentiating it raises NotImplementedError.")

PINV_SVD = Op("pinv_svd", via_float32(lambda x, rcond: np.linalg.pinv(x, rcond=rcond)),
              vjp=_unsupported_grad("tf.linalg.pinv of a rank-deficient matrix"), kinds="fc",
              doc="Pseudo-inverse by SVD (rank-deficient input); its gradient raises NotImplementedError.")


def _svd_values_vjp(g, ans, x):
    # d s_i / dA = u_i v_i^H; u, v come from the (non-differentiable) vectors op, so a second
    # derivative raises NotImplementedError instead of silently treating them as constants.
    u, v = apply(SVD_VECTORS, (x,), {"full_matrices": False})
    return matmul(multiply(u, expand_dims(g, -2)), v, adjoint_b=True)


SVD_VALUES = Op("svd_values", via_float32(lambda x: np.linalg.svd(x, compute_uv=False)),
                vjp=_svd_values_vjp, kinds="fc",
                doc="Singular values, descending. d s_i/dA = u_i v_i^H (distinct singular values); "
                    "second order is not supported (raises NotImplementedError).")


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: Optional[str] = None) -> Any:
    """Singular value decomposition ``A = u diag(s) v^H`` (``tf.linalg.svd``): returns ``s`` or
    ``(s, u, v)``. Gradients: first order for ``s`` (distinct singular values); second order
    and gradients through ``u`` and ``v`` raise NotImplementedError. Real input only. Signs of singular
    vectors follow LAPACK and may differ from TF's."""
    x = convert_to_tensor(tensor)
    if np.ndim(x._value) < 2:
        raise ValueError(f"svd: input must have rank >= 2, got shape {list(np.shape(x._value))}.")
    s = apply(SVD_VALUES, (x,))
    if not compute_uv:
        return s
    u, v = apply(SVD_VECTORS, (x,), {"full_matrices": bool(full_matrices)})
    return s, u, v


def qr(input: Any, full_matrices: bool = False, name: Optional[str] = None) -> tuple:  # noqa: A002
    """QR decomposition ``A = q r`` (``tf.linalg.qr``); no gradient. Signs follow LAPACK
    (Householder), as TF's."""
    x = convert_to_tensor(input)
    if np.ndim(x._value) < 2:
        raise ValueError(f"qr: input must have rank >= 2, got shape {list(np.shape(x._value))}.")
    return tuple(apply(QR, (x,), {"full_matrices": bool(full_matrices)}))


def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: Optional[str] = None) -> Tensor:
    """Moore-Penrose pseudo-inverse (``tf.linalg.pinv``); ``rcond`` defaults to TF's
    ``10 * max(rows, cols) * eps``. Forward only through NumPy; differentiable for full-rank
    input via ``(A^H A)^-1 A^H`` (tall) or ``A^H (A A^H)^-1`` (wide)."""
    x = convert_to_tensor(a)
    if x._value.dtype.kind not in "fc":
        raise TypeError(f"pinv: input must be float32, float64 or complex (as TF), got {x._value.dtype}.")
    m, n = np.shape(x._value)[-2:]
    if rcond is None:
        rcond = 10 * max(m, n) * np.finfo(x._value.dtype).eps
    s = np.linalg.svd(x._value, compute_uv=False)
    full = np.all(s[..., -1:] > rcond * s[..., :1])
    if _array.to_host(full):       # picks the formula: one bool read back from a device
        if m >= n:
            return matmul(inv(matmul(x, x, adjoint_a=True)), x, adjoint_b=True)
        return matmul(x, inv(matmul(x, x, adjoint_b=True)), adjoint_a=True)
    return apply(PINV_SVD, (x,), {"rcond": float(rcond)})
