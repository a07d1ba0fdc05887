"""``tf.linalg``: matrix products, decompositions and norms."""
from .ops.linalg import (  # noqa: F401
    band_part, cholesky, cholesky_solve, cross, det, eigh, eigvalsh, einsum, inv, l2_normalize, logdet,
    lstsq, matmul, matrix_band_part, matrix_solve, matvec, norm, pinv, qr, slogdet, solve, svd,
    tensordot, trace, triangular_solve)
from .ops.shape import matrix_transpose  # noqa: F401
from .ops.constructors import eye  # noqa: F401
from .ops.array import diag, diag_part, global_norm, set_diag  # noqa: F401


def adjoint(matrix, name=None):
    """Conjugate transpose of the last two axes (``tf.linalg.adjoint``)."""
    return matrix_transpose(matrix, conjugate=True)
