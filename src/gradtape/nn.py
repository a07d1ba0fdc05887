"""``tf.nn``: activations, softmax, cross-entropies and friends."""
import numpy as _numpy

_np_float32 = _numpy.dtype(_numpy.float32)
from .ops.nn import (  # noqa: F401
    bias_add, dropout, elu, gelu, leaky_relu, log_softmax, l2_loss, moments, relu, relu6, selu,
    sigmoid_cross_entropy_with_logits, silu, softmax, softmax_cross_entropy_with_logits, softsign,
    sparse_softmax_cross_entropy_with_logits, swish, weighted_cross_entropy_with_logits)
from .ops.math import sigmoid, softplus, tanh  # noqa: F401
from .ops.linalg import l2_normalize  # noqa: F401
from .ops.indexing import top_k  # noqa: F401
from .ops.array import batch_normalization, depth_to_space, space_to_depth  # noqa: F401
from .ops.ctc import ctc_beam_search_decoder, ctc_greedy_decoder, ctc_loss  # noqa: F401


def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of ``params`` at ``ids`` (``tf.nn.embedding_lookup``); the gradient is sparse like TF's."""
    from .ops.indexing import gather
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError("embedding_lookup over a list of several sharded params is not supported.")
        params = params[0]
    return gather(params, ids)

# --- convolution and pooling ---
from .ops.conv import (  # noqa: F401,E402
    atrous_conv2d, avg_pool, avg_pool1d, avg_pool2d, avg_pool3d, conv1d, conv1d_transpose, conv2d,
    conv2d_transpose, conv3d, conv3d_transpose, conv_transpose, convolution, max_pool, max_pool1d, max_pool2d,
    max_pool3d, pool)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """``sum(per_example_loss * sample_weight) / global_batch_size`` (``tf.nn.compute_average_loss``).

    TF's semantics: ``per_example_loss`` needs rank >= 1; weights are applied in float32 (TF casts
    both to float32, then back to the loss dtype) after squeezing or expanding their last axis
    to the loss's rank; without ``global_batch_size`` it is the first dimension of the loss times
    ``num_replicas_in_sync`` of the current replica context; the batch size must be a non-negative
    integer scalar, and the division is ``div_no_nan`` (a batch size of 0 gives 0).
    """
    from .dispatch import convert_to_tensor
    from .errors import InvalidArgumentError
    from .ops.math import cast, divide_no_nan, multiply
    from .ops.reduction import reduce_sum
    import numpy as _np
    loss = convert_to_tensor(per_example_loss)
    dt = loss._value.dtype
    if loss._value.ndim < 1:
        raise ValueError("Invalid value passed for `per_example_loss`. Expected a tensor with at least "
                         f"rank 1. Received per_example_loss={per_example_loss!r} with rank 0")
    if sample_weight is not None:
        loss = cast(multiply(_as_float32(loss), _weights_like(_as_float32(sample_weight), loss)), dt)
    if global_batch_size is None:       # the per-replica batch times the replicas in sync, as TF
        import sys
        dist = sys.modules.get("gradtape.distribute")
        ctx = None if dist is None else dist.get_replica_context()
        gbs = _np.shape(loss._value)[0] * (1 if ctx is None else ctx.num_replicas_in_sync)
    else:
        gv = _np.asarray(getattr(global_batch_size, "_value", global_batch_size))
        if gv.ndim != 0:
            raise InvalidArgumentError(f"global_batch_size must be scalar. Received shape {list(gv.shape)}.")
        if gv.dtype.kind not in "iu":
            raise TypeError(f"global_batch_size must be an integer. Received: {global_batch_size!r}.")
        if gv < 0:
            raise InvalidArgumentError(f"global_batch_size must be non-negative. Received: {int(gv)}.")
        gbs = int(gv)
    return divide_no_nan(reduce_sum(loss), convert_to_tensor(_np.asarray(gbs, dtype=dt)))


def _as_float32(x):
    from .dispatch import convert_to_tensor
    from .ops.math import cast
    x = convert_to_tensor(x)
    return x if x._value.dtype == _np_float32 else cast(x, "float32")


def _weights_like(w, loss):
    """Keras's squeeze_or_expand_dimensions: a weight of rank one more than the loss loses its
    last axis, one of rank one less gains one; the multiply broadcasts the rest."""
    from .ops.shape import expand_dims, squeeze
    lr, wr = loss._value.ndim, w._value.ndim
    if wr == 0:
        return w
    if wr - lr == 1:
        return squeeze(w, [-1])
    if lr - wr == 1:
        return expand_dims(w, -1)
    return w


def scale_regularization_loss(regularization_loss):
    """The summed regularization loss divided by the number of replicas, which is 1 in gradtape
    (``tf.nn.scale_regularization_loss``); a list is added up first."""
    from .ops.math import add_n
    from .ops.reduction import reduce_sum
    if isinstance(regularization_loss, (list, tuple)):
        regularization_loss = add_n(regularization_loss)
    return reduce_sum(regularization_loss)
from .ops.special import in_top_k  # noqa: F401,E402
