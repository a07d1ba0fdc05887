"""Which values each op's gradient rule reads (``Op.declare_reads``), for the ops whose rules read
less than everything. A tape releases large recorded tensors that no rule reads once only the tape
refers to them, so a layer's pre-activation sums or a reshape's output are not kept alive until the
backward pass. Entries: input positions the rule reads, and ``"out"`` when it reads the output.
Every entry is checked by tests/test_tape_memory.py (the op's gradients with releasing forced on).
"""
from __future__ import annotations

from ..registry import REGISTRY

READS = {
    # shapes only
    "add": (), "subtract": (), "negative": (), "identity": (), "reduce_sum": (),
    "reshape": (), "transpose": (), "broadcast_to": (), "conj": (),
    # the inputs, not the output
    "multiply": (0, 1), "matmul": (0, 1),
    # the output, not the input
    "relu": ("out",), "exp": ("out",), "tanh": ("out",), "sigmoid": ("out",),
    "relu_grad": (1,), "rsqrt": ("out",), "sqrt": ("out",), "reciprocal": ("out",),
    "square": (0,), "divide": (1, "out"), "cast": (),
    # convolution and pooling (registered in ops/conv.py)
    "conv1d": (0, 1), "conv2d": (0, 1), "conv3d": (0, 1),
    "max_pool1d": (0,), "max_pool2d": (0,), "max_pool3d": (0,),
    "avg_pool1d": (), "avg_pool2d": (), "avg_pool3d": (),
}


def install() -> None:
    from . import conv  # noqa: F401  (registers the convolution and pooling ops)
    for name, reads in READS.items():
        REGISTRY[name].declare_reads(*reads)


install()
