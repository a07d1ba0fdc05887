"""``tf.linalg``: matrix products, decompositions and norms."""
from .ops.linalg import (  # noqa: F401
    cholesky, det, einsum, inv, l2_normalize, matmul, matrix_solve, matvec, norm, solve,
    tensordot, trace)
from .ops.shape import matrix_transpose  # noqa: F401
from .ops.constructors import eye  # noqa: F401
from .ops.array import diag, diag_part, global_norm, set_diag  # noqa: F401


def adjoint(matrix, name=None):
    """Conjugate transpose of the last two axes (``tf.linalg.adjoint``)."""
    return matrix_transpose(matrix, conjugate=True)
