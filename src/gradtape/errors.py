"""Exception types with TensorFlow's names (``tf.errors``).

TF raises ``InvalidArgumentError`` for bad op inputs (mixed dtypes, incompatible shapes) and the
plain Python types (``ValueError``, ``TypeError``, ``RuntimeError``) for API misuse; gradtape raises
the same types, with messages that name the op, what was received and how to fix it.
"""
from __future__ import annotations


class OpError(Exception):
    """Base class of op errors (``tf.errors.OpError``)."""

    def __init__(self, node_def=None, op=None, message: str = "", *args):
        # TF's signature is (node_def, op, message); also accept OpError("message").
        if message == "" and isinstance(node_def, str) and op is None:
            message, node_def = node_def, None
        super().__init__(message)
        self.message = message
        self.node_def = node_def
        self.op = op

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(OpError):
    """An op received an invalid argument: mixed dtypes, incompatible shapes, out-of-range indices."""


class UnimplementedError(OpError):
    """The operation is not implemented."""


class InternalError(OpError):
    """An internal invariant was broken."""


class NotFoundError(OpError):
    """A file or entity was not found."""


class OutOfRangeError(OpError):
    """An iterator or index ran past its end."""


class FailedPreconditionError(OpError):
    """The system is not in a state the operation needs (e.g. an uninitialised variable)."""


class ResourceExhaustedError(OpError):
    """Out of memory or another resource."""


class DataLossError(OpError):
    """Unrecoverable data loss or corruption: a checkpoint, saved file or TFRecord fails its integrity check."""


class AlreadyExistsError(OpError):
    """An entity (a file) that was to be created already exists."""


class PermissionDeniedError(OpError):
    """The caller may not run the operation (e.g. a file is not readable)."""


__all__ = ["OpError", "DataLossError", "InvalidArgumentError", "UnimplementedError", "InternalError",
           "NotFoundError", "OutOfRangeError", "FailedPreconditionError",
           "ResourceExhaustedError", "AlreadyExistsError", "PermissionDeniedError"]
