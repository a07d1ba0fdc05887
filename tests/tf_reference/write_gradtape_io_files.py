"""Write TFRecord / Example / TensorProto files with gradtape, for TensorFlow to read back.

    PYTHONPATH=src python tests/tf_reference/write_gradtape_io_files.py /tmp/gt_io
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/read_gradtape_io_with_tf.py /tmp/gt_io
"""
import json
import os
import sys

import numpy as np

import gradtape as tf

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gt_io"
os.makedirs(out, exist_ok=True)
expect = {}


def example(i):
    return tf.train.Example(features=tf.train.Features(feature={
        "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i, -i])),
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i / 3.0])),
        "s": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"rec%d\x00" % i, "é".encode()]))}))


for comp in ("", "GZIP", "ZLIB"):
    path = os.path.join(out, f"examples{('.' + comp) if comp else ''}.tfrecord")
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=comp)) as w:
        for i in range(5):
            w.write(example(i).SerializeToString())
        w.write(b"")  # an empty record
        w.write(bytes(range(256)) * 300)  # a long one
expect["n_records"] = 7
tensors = {"f32": tf.constant([[1.5, -2.0], [3.0, 4.25]]), "i64": tf.constant([1, -2, 3], tf.int64),
           "str": tf.constant([b"ab", b"", b"x\x00y"]), "bool": tf.constant([True, False]),
           "scalar": tf.constant(7), "f16": tf.constant([0.5, 2.0], tf.float16)}
for k, t in tensors.items():
    tf.io.write_file(os.path.join(out, f"tensor_{k}.pb"), tf.io.serialize_tensor(t))
expect["tensors"] = {k: {"dtype": t.dtype.name, "value": [v.decode("latin-1") if isinstance(v, bytes) else v
                                                          for v in np.asarray(t.numpy()).reshape(-1).tolist()],
                         "shape": list(t.shape)} for k, t in tensors.items()}
se = tf.train.SequenceExample()
se.context.feature["len"].int64_list.value.append(2)
for row in ([1, 2], [3, 4]):
    se.feature_lists.feature_list["tok"].feature.add().int64_list.value.extend(row)
tf.io.write_file(os.path.join(out, "sequence_example.pb"), se.SerializeToString())
with open(os.path.join(out, "expect.json"), "w") as f:
    json.dump(expect, f)
print("wrote", sorted(os.listdir(out)))
