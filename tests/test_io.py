"""tf.io: files, gfile, TFRecord (TF's framing, checked against files TF wrote), Example parsing and
TensorProto serialization against values recorded with TensorFlow (tests/tf_reference/make_io_refs.py)."""
import base64
import gzip
import json
import os

import numpy as np
import pytest

import gradtape as tf
from gradtape.errors import (AlreadyExistsError, DataLossError, InvalidArgumentError, NotFoundError)

pytest.importorskip("google.protobuf")

HERE = os.path.dirname(__file__)
REF_DIR = os.path.join(HERE, "data", "io_refs")
with open(os.path.join(REF_DIR, "io_refs.json")) as _f:
    REFS = json.load(_f)


def s(x):
    return [e.decode() if isinstance(e, bytes) else e for e in x]


def test_read_write_file_and_gfile(tmp_path):
    p = tmp_path / "sub" / "a.bin"
    tf.io.write_file(str(p), b"\x00hello\xff")
    t = tf.io.read_file(str(p))
    assert t.dtype == tf.string and t.shape == () and t.numpy() == b"\x00hello\xff"
    assert tf.io.gfile.exists(str(p)) and tf.io.gfile.isdir(str(tmp_path / "sub"))
    with pytest.raises(NotFoundError):
        tf.io.read_file(str(tmp_path / "missing"))
    g = tf.io.gfile
    g.makedirs(str(tmp_path / "x" / "y"))
    with g.GFile(str(tmp_path / "x" / "t.txt"), "w") as f:
        f.write("line1\nline2\n")
    with g.GFile(str(tmp_path / "x" / "t.txt")) as f:
        assert f.read() == "line1\nline2\n"
    assert g.listdir(str(tmp_path / "x")) == ["t.txt", "y"]
    assert g.glob(str(tmp_path / "x" / "*.txt")) == [str(tmp_path / "x" / "t.txt")]
    g.copy(str(tmp_path / "x" / "t.txt"), str(tmp_path / "x" / "u.txt"))
    with pytest.raises(AlreadyExistsError):
        g.copy(str(tmp_path / "x" / "t.txt"), str(tmp_path / "x" / "u.txt"))
    g.rename(str(tmp_path / "x" / "u.txt"), str(tmp_path / "x" / "v.txt"))
    assert g.stat(str(tmp_path / "x" / "v.txt")).length == 12
    with pytest.raises(AlreadyExistsError):
        g.mkdir(str(tmp_path / "x"))
    walked = list(g.walk(str(tmp_path / "x")))
    assert walked[0][1:] == (["y"], ["t.txt", "v.txt"])
    g.remove(str(tmp_path / "x" / "v.txt"))
    with pytest.raises(NotFoundError):
        g.remove(str(tmp_path / "x" / "v.txt"))
    g.rmtree(str(tmp_path / "x"))
    assert not g.exists(str(tmp_path / "x"))
    with pytest.raises(tf.errors.UnimplementedError):
        g.exists("gs://bucket/file")


@pytest.mark.parametrize("fname,comp", [("examples.tfrecord", None), ("examples.tfrecord.gz", "GZIP")])
def test_reads_tfrecords_written_by_tf(fname, comp):
    ds = tf.data.TFRecordDataset(os.path.join(REF_DIR, fname), compression_type=comp)
    recs = list(ds.as_numpy_iterator())
    assert len(recs) == 5 and recs[-1] == b"raw-bytes\x00\xff"
    ex = tf.train.Example.FromString(recs[2])
    assert list(ex.features.feature["id"].int64_list.value) == [2]
    assert recs[2] == base64.b64decode(REFS["example_bytes_b64"])


def test_written_tfrecords_are_byte_identical_to_tf(tmp_path):
    """TF's framing and masked CRC32C: the same records give the same file bytes."""
    with open(os.path.join(REF_DIR, "examples.tfrecord"), "rb") as f:
        tf_bytes = f.read()
    from gradtape.io.tfrecord import read_records
    recs = list(read_records(os.path.join(REF_DIR, "examples.tfrecord")))
    out = str(tmp_path / "mine.tfrecord")
    with tf.io.TFRecordWriter(out) as w:
        for r in recs:
            w.write(r)
    with open(out, "rb") as f:
        assert f.read() == tf_bytes
    for comp in ("GZIP", "ZLIB"):
        p = str(tmp_path / f"c.{comp}")
        with tf.io.TFRecordWriter(p, tf.io.TFRecordOptions(compression_type=comp)) as w:
            for r in recs:
                w.write(r)
        assert list(tf.data.TFRecordDataset(p, compression_type=comp).as_numpy_iterator()) == recs
    with open(str(tmp_path / "c.GZIP"), "rb") as f:
        assert gzip.decompress(f.read()) == tf_bytes


def test_corrupted_tfrecord_raises_data_loss(tmp_path):
    p = str(tmp_path / "r.tfrecord")
    with tf.io.TFRecordWriter(p) as w:
        w.write(b"abcdef")
    data = bytearray(open(p, "rb").read())
    data[14] ^= 0xFF
    open(p, "wb").write(bytes(data))
    with pytest.raises(DataLossError):
        list(tf.data.TFRecordDataset(p))
    open(p, "wb").write(bytes(data[:10]))
    with pytest.raises(DataLossError):
        list(tf.data.TFRecordDataset(p))


def test_parse_example_matches_tf():
    from gradtape.io.tfrecord import read_records
    ser = list(read_records(os.path.join(REF_DIR, "examples.tfrecord")))[:4]
    spec = {"id": tf.io.FixedLenFeature([], tf.int64), "vec": tf.io.FixedLenFeature([3], tf.float32),
            "name": tf.io.FixedLenFeature([], tf.string), "tags": tf.io.VarLenFeature(tf.string),
            "missing": tf.io.FixedLenFeature([2], tf.int64, default_value=[7, 8])}
    out = tf.io.parse_example(ser, spec)
    ref = REFS["parse_example"]
    assert out["id"].numpy().tolist() == ref["id"] and out["id"].dtype == tf.int64
    np.testing.assert_array_equal(out["vec"].numpy(), np.asarray(ref["vec"], np.float32))
    assert s(out["name"].numpy()) == ref["name"]
    assert out["missing"].numpy().tolist() == ref["missing"]
    tags = out["tags"]
    if isinstance(tags, tf.RaggedTensor):
        assert s(tags.flat_values.numpy()) == ref["tags_values"]
        assert [len(r) for r in tags.to_list()] == [0, 1, 2, 3]
    else:  # a SparseTensor
        assert s(tags.values.numpy()) == ref["tags_values"]
        assert tags.indices.numpy().tolist() == ref["tags_indices"]
        assert tags.dense_shape.numpy().tolist() == ref["tags_dense_shape"]
    seq = tf.io.parse_example(ser, {"vec": tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True),
                                    "tags": tf.io.FixedLenSequenceFeature([], tf.string, allow_missing=True)})
    np.testing.assert_allclose(seq["vec"].numpy(), REFS["parse_example_seq"]["vec"])
    assert [s(r) for r in seq["tags"].numpy()] == REFS["parse_example_seq"]["tags"]
    one = tf.io.parse_single_example(ser[3], {"vec": tf.io.FixedLenFeature([3], tf.float32)})
    np.testing.assert_allclose(one["vec"].numpy(), ref["vec"][3])


def test_parse_example_errors():
    ex = tf.train.Example(features=tf.train.Features(feature={
        "f": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 2.0]))})).SerializeToString()
    with pytest.raises(InvalidArgumentError, match="required"):
        tf.io.parse_single_example(ex, {"g": tf.io.FixedLenFeature([], tf.float32)})
    with pytest.raises(InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(ex, {"f": tf.io.FixedLenFeature([2], tf.int64)})
    with pytest.raises(InvalidArgumentError):
        tf.io.parse_single_example(ex, {"f": tf.io.FixedLenFeature([3], tf.float32)})
    with pytest.raises(InvalidArgumentError):
        tf.io.parse_single_example(b"\xff\xff\xff", {"f": tf.io.FixedLenFeature([2], tf.float32)})
    with pytest.raises(ValueError):
        tf.io.FixedLenFeature([], tf.int32)


def test_sequence_example_roundtrip():
    se = tf.train.SequenceExample()
    se.context.feature["len"].int64_list.value.append(2)
    fl = se.feature_lists.feature_list["tok"]
    fl.feature.add().int64_list.value.extend([1, 2])
    fl.feature.add().int64_list.value.extend([3, 4])
    ctx, seq = tf.io.parse_single_sequence_example(
        se.SerializeToString(), context_features={"len": tf.io.FixedLenFeature([], tf.int64)},
        sequence_features={"tok": tf.io.FixedLenSequenceFeature([2], tf.int64)})
    assert int(ctx["len"]) == 2 and seq["tok"].numpy().tolist() == [[1, 2], [3, 4]]


def test_serialize_tensor_matches_tf():
    tensors = {"f32": tf.constant([[1.5, -2.0], [3.0, 4.25]]), "i64": tf.constant([1, -2, 3], tf.int64),
               "str": tf.constant([b"ab", b"", b"xyz"]), "bool": tf.constant([True, False]),
               "scalar_i32": tf.constant(7), "f64": tf.constant([0.1], tf.float64),
               "u8": tf.constant([1, 255], tf.uint8)}
    for k, t in tensors.items():
        want = base64.b64decode(REFS["serialize_tensor_b64"][k])
        got = tf.io.serialize_tensor(t).numpy()
        back = tf.io.parse_tensor(want, t.dtype)
        assert back.shape == t.shape and back.dtype == t.dtype, k
        assert np.asarray(back.numpy()).tolist() == np.asarray(t.numpy()).tolist(), k
        assert tf.io.parse_tensor(got, t.dtype).numpy().tolist() == np.asarray(t.numpy()).tolist(), k
        assert got == want, k
    fill = tf.io.parse_tensor(base64.b64decode(REFS["tensor_proto_fill_b64"]), tf.float32)
    assert fill.numpy().tolist() == [[2.5, 2.5], [2.5, 2.5]]
    with pytest.raises(InvalidArgumentError, match="Type mismatch"):
        tf.io.parse_tensor(tf.io.serialize_tensor(tf.constant([1.0])), tf.int32)


def test_decode_csv_and_raw():
    cols = tf.io.decode_csv(["1,x,2.5", "3,,"], [[0], ["d"], [1.0]])
    got = [c.numpy().tolist() for c in cols]
    assert [got[0], s(got[1]), got[2]] == REFS["decode_csv"]
    assert tf.io.decode_raw(tf.constant([b"\x01\x00\x02\x00"]), tf.int16).numpy().tolist() == REFS["decode_raw"]
    with pytest.raises(InvalidArgumentError):
        tf.io.decode_csv(["1,2"], [tf.constant([], tf.int32)] * 3)
    with pytest.raises(InvalidArgumentError):
        tf.io.decode_raw(tf.constant([b"abc"]), tf.int16)
    assert tf.io.decode_base64(tf.io.encode_base64(b"\xff\xfe ok")).numpy() == b"\xff\xfe ok"


def test_crc32c_check_value_and_long_inputs(tmp_path):
    from gradtape.io.tfrecord import _crc_bytes, crc32c
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    rng = np.random.default_rng(0)
    for n in (65536, 70001, 300000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert crc32c(data) == _crc_bytes(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    big = rng.integers(0, 256, 200000, dtype=np.uint8).tobytes()
    p = str(tmp_path / "big.tfrecord")
    with tf.io.TFRecordWriter(p) as w:
        w.write(big)
    assert list(tf.data.TFRecordDataset(p).as_numpy_iterator()) == [big]
