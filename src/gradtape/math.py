"""``tf.math``: elementwise math, reductions and scans."""
from .ops.math import (  # noqa: F401
    abs, acos, add, add_n, asin, atan, atan2, ceil, conj, cos, cosh, divide, divide_no_nan, equal,
    erf, exp, expm1, floor, floordiv, floormod, greater, greater_equal, imag, is_finite, is_inf,
    is_nan, less, less_equal, log, log1p, log_sigmoid, logical_and, logical_not, logical_or,
    logical_xor, maximum, minimum, mod, multiply, multiply_no_nan, negative, not_equal, pow, real,
    reciprocal, round, rsqrt, sigmoid, sign, sin, sinh, softplus, sqrt, square, squared_difference,
    subtract, tan, tanh, truediv, truncatediv, xlogy, floor_div)
from .ops.reduction import (  # noqa: F401
    argmax, argmin, count_nonzero, cumprod, cumsum, reduce_all, reduce_any, reduce_logsumexp,
    reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance)
from .ops.linalg import l2_normalize, reduce_euclidean_norm  # noqa: F401
from .ops.indexing import top_k  # noqa: F401
from .ops.nn import softsign  # noqa: F401

negative = negative
neg = negative
from .ops.segment import (  # noqa: F401,E402
    bincount, confusion_matrix, segment_max, segment_mean, segment_min, segment_prod, segment_sum,
    unsorted_segment_max, unsorted_segment_mean, unsorted_segment_min, unsorted_segment_prod,
    unsorted_segment_sqrt_n, unsorted_segment_sum)
from .ops.nn import softmax  # noqa: F401,E402
from .ops.special import (  # noqa: F401,E402
    acosh, asinh, atanh, cumulative_logsumexp, digamma, erfc, in_top_k, lgamma, polygamma, polyval,
    truncatemod, xdivy)
from .ops.nn import log_softmax  # noqa: F401,E402
from .ops.math import truncatediv  # noqa: F401,E402
