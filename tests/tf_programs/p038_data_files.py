"""Adapted from the "tf.data" guide's file sections and the "TFRecord and tf.train.Example" tutorial:
text lines, TFRecord files with Example protos, CSV files (written to a temporary folder)."""
import os
import tempfile

import numpy as np
import tensorflow as tf

RESULTS = {}
tmp = tempfile.mkdtemp()
lines_path = os.path.join(tmp, "lines.txt")
with open(lines_path, "w") as f:
    f.write("first line\nsecond line\n\nfourth line\n")
RESULTS["text_lines"] = [l for l in tf.data.TextLineDataset(lines_path)]
RESULTS["text_lines_skip"] = [l for l in tf.data.TextLineDataset(lines_path).skip(1).filter(lambda l: tf.strings.length(l) > 0)]


def _bytes_feature(value):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def _float_feature(value):
    return tf.train.Feature(float_list=tf.train.FloatList(value=[value]))


def _int64_feature(value):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))


def serialize_example(feature0, feature1, feature2, feature3):
    feature = {"feature0": _int64_feature(feature0), "feature1": _int64_feature(feature1),
               "feature2": _bytes_feature(feature2), "feature3": _float_feature(feature3)}
    example_proto = tf.train.Example(features=tf.train.Features(feature=feature))
    return example_proto.SerializeToString()


record_path = os.path.join(tmp, "test.tfrecord")
with tf.io.TFRecordWriter(record_path) as writer:
    for i in range(5):
        writer.write(serialize_example(int(i % 2 == 0), i, [b"cat", b"dog", b"chicken", b"horse", b"goat"][i], float(i) * 0.5))
feature_description = {
    "feature0": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "feature1": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "feature2": tf.io.FixedLenFeature([], tf.string, default_value=""),
    "feature3": tf.io.FixedLenFeature([], tf.float32, default_value=0.0),
}
parsed = tf.data.TFRecordDataset([record_path]).map(lambda p: tf.io.parse_single_example(p, feature_description))
RESULTS["tfrecord"] = [{k: v for k, v in e.items()} for e in parsed]
raw = next(iter(tf.data.TFRecordDataset([record_path])))
example = tf.train.Example()
example.ParseFromString(raw.numpy())
RESULTS["example_proto"] = [example.features.feature["feature1"].int64_list.value[0],
                            example.features.feature["feature2"].bytes_list.value[0]]
batch = tf.io.parse_example(tf.stack([r for r in tf.data.TFRecordDataset([record_path]).take(3)]), feature_description)
RESULTS["parse_example"] = {k: v for k, v in batch.items()}
var_desc = {"feature1": tf.io.VarLenFeature(tf.int64)}
sp = tf.io.parse_single_example(raw, var_desc)["feature1"]
RESULTS["varlen"] = tf.sparse.to_dense(sp)
csv_path = os.path.join(tmp, "data.csv")
with open(csv_path, "w") as f:
    f.write("a,b,label\n1.0,2,0\n3.5,4,1\n5.0,6,1\n")
ds = tf.data.experimental.CsvDataset(csv_path, [tf.float32, tf.int32, tf.int32], header=True)
RESULTS["csv"] = [list(r) for r in ds]
RESULTS["serialize_tensor"] = tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([[1.0, 2.0]])), tf.float32)
tf.io.write_file(os.path.join(tmp, "x.bin"), tf.constant(b"hello"))
RESULTS["read_file"] = tf.io.read_file(os.path.join(tmp, "x.bin"))
RESULTS["gfile"] = [tf.io.gfile.exists(lines_path), sorted(os.path.basename(p) for p in tf.io.gfile.glob(os.path.join(tmp, "*.t*")))]
files = tf.data.Dataset.list_files(os.path.join(tmp, "*.txt"), shuffle=False)
RESULTS["list_files"] = [os.path.basename(f.numpy().decode()) for f in files]
