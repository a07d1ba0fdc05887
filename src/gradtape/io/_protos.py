"""TF's public message schemas (example.proto, feature.proto, tensor.proto, tensor_shape.proto)
declared with protobuf's descriptor API at import, in a private descriptor pool.

The field numbers and types are TF's, so the bytes gradtape writes parse in TensorFlow and the
other way round. The messages live in their own pool (package ``tensorflow``): a process that also
imports TensorFlow keeps TF's own classes untouched. ``protobuf`` is the optional extra ``io``.
"""
from __future__ import annotations

from typing import Any, Dict

try:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
except ImportError as _e:  # pragma: no cover - exercised only without protobuf
    raise ImportError("tf.train.Example, tf.io.parse_example and tf.io.serialize_tensor need the "
                      "protobuf package: pip install 'gradtape[io]' (or pip install protobuf).") from _e

_F = descriptor_pb2.FieldDescriptorProto
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED


def _field(msg: Any, name: str, number: int, ftype: int, label: int = _OPT, type_name: str = "",
           packed: bool = False, oneof: int = -1) -> None:
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name
    if packed:
        f.options.packed = True
    if oneof >= 0:
        f.oneof_index = oneof
    f.json_name = "".join(w.capitalize() if i else w for i, w in enumerate(name.split("_")))


def _map_field(msg: Any, name: str, number: int, value_type: str) -> None:
    entry_name = "".join(w.capitalize() for w in name.split("_")) + "Entry"
    entry = msg.nested_type.add(name=entry_name)
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=value_type)
    _field(msg, name, number, _F.TYPE_MESSAGE, _REP, f".tensorflow.{msg.name}.{entry_name}")


def _build() -> Dict[str, Any]:
    pool = descriptor_pool.DescriptorPool()

    feature = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/example/feature.proto",
                                                 package="tensorflow", syntax="proto3")
    m = feature.message_type.add(name="BytesList")
    _field(m, "value", 1, _F.TYPE_BYTES, _REP)
    m = feature.message_type.add(name="FloatList")
    _field(m, "value", 1, _F.TYPE_FLOAT, _REP, packed=True)
    m = feature.message_type.add(name="Int64List")
    _field(m, "value", 1, _F.TYPE_INT64, _REP, packed=True)
    m = feature.message_type.add(name="Feature")
    m.oneof_decl.add(name="kind")
    _field(m, "bytes_list", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.BytesList", oneof=0)
    _field(m, "float_list", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FloatList", oneof=0)
    _field(m, "int64_list", 3, _F.TYPE_MESSAGE, type_name=".tensorflow.Int64List", oneof=0)
    m = feature.message_type.add(name="Features")
    _map_field(m, "feature", 1, ".tensorflow.Feature")
    m = feature.message_type.add(name="FeatureList")
    _field(m, "feature", 1, _F.TYPE_MESSAGE, _REP, ".tensorflow.Feature")
    m = feature.message_type.add(name="FeatureLists")
    _map_field(m, "feature_list", 1, ".tensorflow.FeatureList")
    pool.Add(feature)

    example = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/example/example.proto",
                                                 package="tensorflow", syntax="proto3",
                                                 dependency=["tensorflow/core/example/feature.proto"])
    m = example.message_type.add(name="Example")
    _field(m, "features", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    m = example.message_type.add(name="SequenceExample")
    _field(m, "context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    _field(m, "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists")
    pool.Add(example)

    shape = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/framework/tensor_shape.proto",
                                               package="tensorflow", syntax="proto3")
    m = shape.message_type.add(name="TensorShapeProto")
    d = m.nested_type.add(name="Dim")
    _field(d, "size", 1, _F.TYPE_INT64)
    _field(d, "name", 2, _F.TYPE_STRING)
    _field(m, "dim", 2, _F.TYPE_MESSAGE, _REP, ".tensorflow.TensorShapeProto.Dim")
    _field(m, "unknown_rank", 3, _F.TYPE_BOOL)
    pool.Add(shape)

    tensor = descriptor_pb2.FileDescriptorProto(name="tensorflow/core/framework/tensor.proto",
                                                package="tensorflow", syntax="proto3",
                                                dependency=["tensorflow/core/framework/tensor_shape.proto"])
    m = tensor.message_type.add(name="TensorProto")
    _field(m, "dtype", 1, _F.TYPE_INT32)  # TF's DataType enum; same wire encoding as int32
    _field(m, "tensor_shape", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.TensorShapeProto")
    _field(m, "version_number", 3, _F.TYPE_INT32)
    _field(m, "tensor_content", 4, _F.TYPE_BYTES)
    _field(m, "half_val", 13, _F.TYPE_INT32, _REP, packed=True)
    _field(m, "float_val", 5, _F.TYPE_FLOAT, _REP, packed=True)
    _field(m, "double_val", 6, _F.TYPE_DOUBLE, _REP, packed=True)
    _field(m, "int_val", 7, _F.TYPE_INT32, _REP, packed=True)
    _field(m, "string_val", 8, _F.TYPE_BYTES, _REP)
    _field(m, "scomplex_val", 9, _F.TYPE_FLOAT, _REP, packed=True)
    _field(m, "int64_val", 10, _F.TYPE_INT64, _REP, packed=True)
    _field(m, "bool_val", 11, _F.TYPE_BOOL, _REP, packed=True)
    _field(m, "dcomplex_val", 12, _F.TYPE_DOUBLE, _REP, packed=True)
    _field(m, "uint32_val", 16, _F.TYPE_UINT32, _REP, packed=True)
    _field(m, "uint64_val", 17, _F.TYPE_UINT64, _REP, packed=True)
    pool.Add(tensor)

    names = ["BytesList", "FloatList", "Int64List", "Feature", "Features", "FeatureList", "FeatureLists",
             "Example", "SequenceExample", "TensorShapeProto", "TensorProto"]
    return {n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{n}")) for n in names}


_CLASSES = _build()
BytesList = _CLASSES["BytesList"]
FloatList = _CLASSES["FloatList"]
Int64List = _CLASSES["Int64List"]
Feature = _CLASSES["Feature"]
Features = _CLASSES["Features"]
FeatureList = _CLASSES["FeatureList"]
FeatureLists = _CLASSES["FeatureLists"]
Example = _CLASSES["Example"]
SequenceExample = _CLASSES["SequenceExample"]
TensorShapeProto = _CLASSES["TensorShapeProto"]
TensorProto = _CLASSES["TensorProto"]
