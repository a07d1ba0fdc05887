"""Read the files write_gradtape_io_files.py made with real TensorFlow and check every value.

    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/read_gradtape_io_with_tf.py /tmp/gt_io
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gt_io"
expect = json.load(open(os.path.join(d, "expect.json")))
checks = 0
for comp in ("", "GZIP", "ZLIB"):
    path = os.path.join(d, f"examples{('.' + comp) if comp else ''}.tfrecord")
    recs = list(tf.data.TFRecordDataset(path, compression_type=comp).as_numpy_iterator())
    assert len(recs) == expect["n_records"], (comp, len(recs))
    assert recs[5] == b"" and recs[6] == bytes(range(256)) * 300
    parsed = tf.io.parse_example(recs[:5], {"id": tf.io.FixedLenFeature([2], tf.int64),
                                            "x": tf.io.FixedLenFeature([], tf.float32),
                                            "s": tf.io.VarLenFeature(tf.string)})
    assert parsed["id"].numpy().tolist() == [[i, -i] for i in range(5)]
    np.testing.assert_allclose(parsed["x"].numpy(), np.float32(np.arange(5) / 3.0))
    assert parsed["s"].values.numpy().tolist()[:2] == [b"rec0\x00", "é".encode()]
    checks += 3
for k, e in expect["tensors"].items():
    t = tf.io.parse_tensor(tf.io.read_file(os.path.join(d, f"tensor_{k}.pb")), e["dtype"])
    assert list(t.shape) == e["shape"], k
    got = [v.decode("latin-1") if isinstance(v, bytes) else v for v in np.asarray(t.numpy()).reshape(-1).tolist()]
    assert got == e["value"], (k, got, e["value"])
    checks += 1
ctx, seq = tf.io.parse_single_sequence_example(
    tf.io.read_file(os.path.join(d, "sequence_example.pb")),
    context_features={"len": tf.io.FixedLenFeature([], tf.int64)},
    sequence_features={"tok": tf.io.FixedLenSequenceFeature([2], tf.int64)})
assert int(ctx["len"]) == 2 and seq["tok"].numpy().tolist() == [[1, 2], [3, 4]]
checks += 1
print(f"TensorFlow {tf.__version__} read every gradtape-written file: {checks} checks passed")
