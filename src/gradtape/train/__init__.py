"""``tf.train``: object-based checkpoints (``Checkpoint``, ``CheckpointManager``, ``latest_checkpoint``)."""
from .checkpoint import (  # noqa: F401
    Checkpoint, CheckpointLoadStatus, CheckpointManager, CheckpointReader, latest_checkpoint, list_variables,
    load_checkpoint, load_variable)

_EXAMPLE_NAMES = ("BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList",
                  "Int64List", "SequenceExample")


def __getattr__(name: str):
    # tf.train.Example & co. load protobuf only when a program uses them
    if name in _EXAMPLE_NAMES:
        from . import example
        return getattr(example, name)
    raise AttributeError(f"module 'gradtape.train' has no attribute {name!r}")
