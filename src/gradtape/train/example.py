"""``tf.train.Example`` and friends: TF's protocol-buffer messages for training records.

``Example``, ``SequenceExample``, ``Features``, ``Feature``, ``FeatureList``, ``FeatureLists``,
``BytesList``, ``FloatList`` and ``Int64List`` are protobuf message classes with TF's schema
(example.proto/feature.proto), so ``SerializeToString`` gives the bytes TF writes and
``Example.FromString`` reads TF's records. Needs the ``protobuf`` package (extra ``io``).
"""
from ..io._protos import (  # noqa: F401
    BytesList, Example, Feature, FeatureList, FeatureLists, Features, FloatList, Int64List, SequenceExample)

__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList",
           "Int64List", "SequenceExample"]
