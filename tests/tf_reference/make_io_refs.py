"""Record TensorFlow's answers for tf.io / tf.strings / tf.ragged / tf.data / text preprocessing.

Run with real TensorFlow (not gradtape):
    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_io_refs.py

Writes small fixtures to tests/data/io_refs/: TFRecord files (plain and GZIP) of tf.train.Example
records, serialized TensorProtos, and io_refs.json with op outputs and Keras preprocessing results.
"""
import base64
import json
import os

import numpy as np
import tensorflow as tf
import keras

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "io_refs")
os.makedirs(OUT, exist_ok=True)
refs = {}


def b2s(x):
    """JSON-able: bytes -> str (utf-8, or base64 with a prefix), arrays -> lists."""
    if isinstance(x, tf.RaggedTensor):
        return b2s(x.to_list())
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, bytes):
        try:
            return x.decode("utf-8")
        except UnicodeDecodeError:
            return "b64:" + base64.b64encode(x).decode()
    if isinstance(x, (list, tuple)):
        return [b2s(e) for e in x]
    if isinstance(x, dict):
        return {k: b2s(v) for k, v in x.items()}
    if isinstance(x, (np.generic,)):
        return x.item()
    return x


# -- TFRecord files of Examples --------------------------------------------------------------------
def example(i):
    return tf.train.Example(features=tf.train.Features(feature={
        "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
        "vec": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 0.5, -i, 1.25])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[f"item{i}".encode()])),
        "tags": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"t%d" % j for j in range(i)])),
    }))


for comp, fname in ((None, "examples.tfrecord"), ("GZIP", "examples.tfrecord.gz")):
    with tf.io.TFRecordWriter(os.path.join(OUT, fname), options=comp) as w:
        for i in range(4):
            w.write(example(i).SerializeToString())
        w.write(b"raw-bytes\x00\xff")

spec = {"id": tf.io.FixedLenFeature([], tf.int64), "vec": tf.io.FixedLenFeature([3], tf.float32),
        "name": tf.io.FixedLenFeature([], tf.string), "tags": tf.io.VarLenFeature(tf.string),
        "missing": tf.io.FixedLenFeature([2], tf.int64, default_value=[7, 8])}
ser = [example(i).SerializeToString() for i in range(4)]
parsed = tf.io.parse_example(ser, spec)
refs["parse_example"] = {"id": b2s(parsed["id"]), "vec": b2s(parsed["vec"]), "name": b2s(parsed["name"]),
                         "tags_values": b2s(parsed["tags"].values), "tags_indices": b2s(parsed["tags"].indices),
                         "tags_dense_shape": b2s(parsed["tags"].dense_shape), "missing": b2s(parsed["missing"])}
seq = tf.io.parse_example(ser, {"vec": tf.io.FixedLenSequenceFeature([], tf.float32, allow_missing=True),
                                "tags": tf.io.FixedLenSequenceFeature([], tf.string, allow_missing=True)})
refs["parse_example_seq"] = {"vec": b2s(seq["vec"]), "tags": b2s(seq["tags"])}
refs["example_bytes_b64"] = base64.b64encode(ser[2]).decode()

# serialized tensors
tensors = {"f32": tf.constant([[1.5, -2.0], [3.0, 4.25]]), "i64": tf.constant([1, -2, 3], tf.int64),
           "str": tf.constant([b"ab", b"", b"xyz"]), "bool": tf.constant([True, False]),
           "scalar_i32": tf.constant(7), "f64": tf.constant([0.1], tf.float64), "u8": tf.constant([1, 255], tf.uint8)}
refs["serialize_tensor_b64"] = {k: base64.b64encode(tf.io.serialize_tensor(v).numpy()).decode() for k, v in tensors.items()}
# a TensorProto with typed value fields (not tensor_content), as tf.make_tensor_proto writes for scalars
refs["tensor_proto_fill_b64"] = base64.b64encode(tf.make_tensor_proto(2.5, shape=[2, 2]).SerializeToString()).decode()

# -- strings -----------------------------------------------------------------------------------------
HASH_IN = tf.constant(["", "a", "abcd", "abcdefg", "hello world", "x" * 20, "x" * 40, "y" * 70, "z" * 130, "w" * 200])
s = tf.constant(["Hello, World!", "  tabs\tand  spaces ", "Ünïcödé ÄÖ", ""])
refs["strings"] = {
    "lower": b2s(tf.strings.lower(s)), "upper": b2s(tf.strings.upper(s)),
    "lower_utf8": b2s(tf.strings.lower(s, encoding="utf-8")),
    "split": b2s(tf.strings.split(s)), "split_sep": b2s(tf.strings.split(tf.constant(["a,b,,c", ",x"]), ",")),
    "split_max": b2s(tf.strings.split(tf.constant(["a b c d"]), maxsplit=2)),
    "strip": b2s(tf.strings.strip(s)),
    "regex_replace": b2s(tf.strings.regex_replace(s, "[^a-zA-Z ]", "")),
    "regex_replace_group": b2s(tf.strings.regex_replace(tf.constant(["ab12cd"]), r"(\d)", r"<\1>")),
    "regex_full_match": b2s(tf.strings.regex_full_match(s, r"[A-Za-z, !]+")),
    "length": b2s(tf.strings.length(s)), "length_utf8": b2s(tf.strings.length(s, unit="UTF8_CHAR")),
    "substr": b2s(tf.strings.substr(tf.constant(["hello", "world"]), 1, 3)),
    "substr_neg": b2s(tf.strings.substr(tf.constant(["hello"]), -3, 2)),
    "substr_utf8": b2s(tf.strings.substr(tf.constant(["Ünïcödé"]), 1, 3, unit="UTF8_CHAR")),
    "join": b2s(tf.strings.join([tf.constant(["a", "b"]), tf.constant(["x", "y"])], separator="-")),
    "reduce_join": b2s(tf.strings.reduce_join(tf.constant([["a", "b"], ["c", "d"]]), axis=1, separator=",")),
    "reduce_join_all": b2s(tf.strings.reduce_join(tf.constant([["a", "b"], ["c", "d"]]))),
    "to_number": b2s(tf.strings.to_number(tf.constant(["1.5", "-2", "3e2"]))),
    "to_number_int": b2s(tf.strings.to_number(tf.constant(["12", "-7"]), tf.int64)),
    "as_string_f": b2s(tf.strings.as_string(tf.constant([1.5, -0.25, 3.0]))),
    "as_string_prec": b2s(tf.strings.as_string(tf.constant([3.14159]), precision=2)),
    "as_string_i": b2s(tf.strings.as_string(tf.constant([3, -4]))),
    "as_string_b": b2s(tf.strings.as_string(tf.constant([True, False]))),
    "as_string_sci": b2s(tf.strings.as_string(tf.constant([12345.678]), scientific=True)),
    "as_string_width": b2s(tf.strings.as_string(tf.constant([7]), width=4, fill="0")),
    "format": b2s(tf.strings.format("x={} y={}", [tf.constant([1, 2, 3]), tf.constant(2.5)])),
    "format_long": b2s(tf.strings.format("{}", [tf.range(10)])),
    "unicode_split": b2s(tf.strings.unicode_split(tf.constant(["Äb", "ç"]), "UTF-8")),
    "unicode_decode": b2s(tf.strings.unicode_decode(tf.constant(["Äb", "ç"]), "UTF-8")),
    "bytes_split": b2s(tf.strings.bytes_split(tf.constant(["ab", "c"]))),
    "ngrams": b2s(tf.strings.ngrams(tf.strings.split(tf.constant(["a b c d", "e f"])), 2)),
    "ngrams_multi": b2s(tf.strings.ngrams(tf.constant(["a", "b", "c"]), [1, 3])),
    "ngrams_pad": b2s(tf.strings.ngrams(tf.constant(["a", "b"]), 3, pad_values=("<s>", "</s>"))),
    "to_hash_bucket_fast": b2s(tf.strings.to_hash_bucket_fast(tf.constant(["", "a", "hello world", "x" * 40,
                                                                           "y" * 70, "z" * 130]), 1 << 30)),
    "hash_inputs": ["", "a", "abcd", "abcdefg", "hello world", "x" * 20, "x" * 40, "y" * 70, "z" * 130, "w" * 200],
    "to_hash_bucket_fast_all": b2s(tf.strings.to_hash_bucket_fast(HASH_IN, 1 << 30)),
    "to_hash_bucket_all": b2s(tf.strings.to_hash_bucket(HASH_IN, 1 << 30)),
    "to_hash_bucket_strong_all": b2s(tf.strings.to_hash_bucket_strong(HASH_IN, 1 << 30, [1, 2])),
    "split_2d_shape": list(tf.strings.split(tf.constant([["a b", "c"], ["d", "e f g"]])).shape.as_list()),
}

# -- ragged --------------------------------------------------------------------------------------------
rt = tf.ragged.constant([[1, 2], [3], [], [4, 5, 6]])
refs["ragged"] = {"to_tensor": b2s(rt.to_tensor()), "row_splits": b2s(rt.row_splits),
                  "row_lengths": b2s(rt.row_lengths()), "value_rowids": b2s(rt.value_rowids()),
                  "to_tensor_shape": b2s(rt.to_tensor(default_value=-1, shape=[4, 2])),
                  "from_tensor_padding": b2s(tf.RaggedTensor.from_tensor([[1, 0, 0], [2, 3, 0]], padding=0)),
                  "nested_shape": tf.ragged.constant([[[1, 2], [3]], [[4]]]).shape.as_list(),
                  "getitem_1": b2s(rt[1]), "getitem_slice": b2s(rt[1:3]),
                  "range": b2s(tf.ragged.range([1, 3], [4, 5]))}

# -- tf.data ---------------------------------------------------------------------------------------------
txt = os.path.join(OUT, "lines.txt")
with open(txt, "wb") as f:
    f.write(b"first line\nsecond\r\n\nlast without newline")
refs["text_lines"] = b2s(list(tf.data.TextLineDataset(txt).as_numpy_iterator()))
refs["window"] = b2s([w for w in tf.data.Dataset.range(7).window(3, 2).flat_map(lambda w: w.batch(3)).as_numpy_iterator()])
refs["window_stride"] = b2s([w for w in tf.data.Dataset.range(10).window(3, shift=1, stride=2, drop_remainder=True)
                             .flat_map(lambda w: w.batch(3)).as_numpy_iterator()])
refs["bucket"] = b2s(list(tf.data.Dataset.range(1, 8).map(lambda x: tf.fill([x], x)).bucket_by_sequence_length(
    lambda x: tf.shape(x)[0], [3, 5], [2, 2, 2]).as_numpy_iterator()))
refs["group_by_window"] = b2s(list(tf.data.Dataset.range(10).group_by_window(
    lambda x: x % 3, lambda k, w: w.batch(2), window_size=2).as_numpy_iterator()))
rb = tf.data.Dataset.range(5).map(lambda x: tf.range(x)).ragged_batch(3)
refs["ragged_batch"] = [b2s(b) for b in rb]
csv = os.path.join(OUT, "table.csv")
with open(csv, "w") as f:
    f.write("a,b,name,label\n1,2.5,x,0\n3,,\"y,z\",1\n5,1e3,w,0\n")
csv_ds = tf.data.experimental.CsvDataset(csv, [tf.int32, [0.0], tf.string, tf.int32], header=True)
refs["csv_dataset"] = b2s([list(r) for r in csv_ds.as_numpy_iterator()])
mk = tf.data.experimental.make_csv_dataset(csv, batch_size=3, label_name="label", num_epochs=1, shuffle=False,
                                           column_defaults=None)
feats, label = next(iter(mk))
refs["make_csv"] = {"keys": list(feats.keys()), "a": b2s(feats["a"]), "b": b2s(feats["b"]),
                    "name": b2s(feats["name"]), "label": b2s(label),
                    "dtypes": {k: v.dtype.name for k, v in feats.items()}}
refs["decode_csv"] = b2s(tf.io.decode_csv(["1,x,2.5", "3,,"], [[0], ["d"], [1.0]]))
refs["decode_raw"] = b2s(tf.io.decode_raw(tf.constant([b"\x01\x00\x02\x00"]), tf.int16))

# -- Keras preprocessing ----------------------------------------------------------------------------------
corpus = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; and THE bird.",
          "dog dog dog cat"]
tv = keras.layers.TextVectorization(output_sequence_length=6)
tv.adapt(corpus)
refs["tv_vocab"] = tv.get_vocabulary()
refs["tv_int"] = b2s(tv(["the cat and the unknownword", "dog"]))
tv2 = keras.layers.TextVectorization(max_tokens=6)
tv2.adapt(corpus)
refs["tv_vocab_max"] = tv2.get_vocabulary()
refs["tv_int_ragless"] = b2s(tv2(["bird dog cat the zebra"]))
for mode in ("multi_hot", "count", "tf_idf"):
    t = keras.layers.TextVectorization(max_tokens=8, output_mode=mode)
    t.adapt(corpus)
    refs[f"tv_{mode}_vocab"] = t.get_vocabulary()
    refs[f"tv_{mode}"] = b2s(t(["the cat the dog zebra", "bird"]))
tvb = keras.layers.TextVectorization(ngrams=2, output_mode="int")
tvb.adapt(["a b c", "a b"])
refs["tv_bigram_vocab"] = tvb.get_vocabulary()
tvw = keras.layers.TextVectorization(standardize=None, split="whitespace", output_sequence_length=3)
tvw.adapt(["A a B"])
refs["tv_nostd_vocab"] = tvw.get_vocabulary()

sl = keras.layers.StringLookup()
sl.adapt(["b", "a", "c", "a", "b", "a"])
refs["sl_vocab"] = sl.get_vocabulary()
refs["sl_out"] = b2s(sl(["a", "c", "zz", "b"]))
sl_mask = keras.layers.StringLookup(vocabulary=["x", "y"], mask_token="")
refs["sl_mask_vocab"] = sl_mask.get_vocabulary()
refs["sl_mask_out"] = b2s(sl_mask(["", "y", "q"]))
sl_inv = keras.layers.StringLookup(vocabulary=["x", "y"], invert=True)
refs["sl_invert"] = b2s(sl_inv([0, 1, 2]))
sl_oh = keras.layers.StringLookup(vocabulary=["x", "y"], output_mode="one_hot")
refs["sl_one_hot"] = b2s(sl_oh(["y", "q"]))
sl_mh = keras.layers.StringLookup(vocabulary=["x", "y", "z"], output_mode="multi_hot")
refs["sl_multi_hot"] = b2s(sl_mh([["y", "q"], ["z", "z"]]))
sl_ct = keras.layers.StringLookup(vocabulary=["x", "y", "z"], output_mode="count")
refs["sl_count"] = b2s(sl_ct([["y", "y"], ["z", "q"]]))
sl0 = keras.layers.StringLookup(vocabulary=["x", "y"], num_oov_indices=0)
refs["sl_no_oov"] = b2s(sl0(["y", "x"]))

il = keras.layers.IntegerLookup()
il.adapt([5, 7, 5, 9, 5, 7])
refs["il_vocab"] = [int(v) for v in il.get_vocabulary()]
refs["il_out"] = b2s(il([5, 9, 42]))
il_mask = keras.layers.IntegerLookup(vocabulary=[10, 20], mask_token=0)
refs["il_mask_vocab"] = [int(v) for v in il_mask.get_vocabulary()]
refs["il_mask_out"] = b2s(il_mask([0, 20, 30]))
il_inv = keras.layers.IntegerLookup(vocabulary=[10, 20], invert=True)
refs["il_invert"] = b2s(il_inv([0, 1, 2]))

ce = keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
refs["ce_one_hot"] = b2s(ce([3, 2, 0]))
refs["ce_one_hot_col"] = b2s(ce([[3], [1]]))
ce2 = keras.layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot")
refs["ce_multi_hot"] = b2s(ce2([[0, 1], [0, 0], [1, 2], [3, 1]]))
refs["ce_multi_hot_1d"] = b2s(ce2([0, 1]))
ce3 = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
refs["ce_count"] = b2s(ce3([[0, 1], [0, 0], [1, 2], [3, 1]]))
refs["ce_count_w"] = b2s(ce3([[0, 1], [0, 0]], count_weights=np.array([[0.1, 0.2], [0.1, 0.4]])))

d = keras.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.5])
refs["disc_fixed"] = b2s(d([[-1.5, 1.0, 2.0, 3.0, 0.0]]))
d2 = keras.layers.Discretization(num_bins=4, epsilon=0.01)
rng = np.random.default_rng(0)
data = rng.normal(size=(200,)).astype("float32")
d2.adapt(data)
refs["disc_adapt_data"] = data.tolist()
refs["disc_adapt_bounds"] = [float(x) for x in d2.bin_boundaries]
refs["disc_adapt_out"] = b2s(d2(np.array([-2.0, -0.3, 0.0, 0.3, 2.0], "float32")))
d3 = keras.layers.Discretization(num_bins=3, epsilon=0.01)
d3.adapt(np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]], "float32"))
refs["disc_adapt_small_bounds"] = [float(x) for x in d3.bin_boundaries]
d4 = keras.layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")
refs["disc_one_hot"] = b2s(d4([-1.0, 0.5, 2.0]))

h = keras.layers.Hashing(num_bins=10)
refs["hashing"] = b2s(h(["a", "b", "hello", "", "x" * 40]))
hm = keras.layers.Hashing(num_bins=10, mask_value="")
refs["hashing_mask"] = b2s(hm(["a", "", "hello"]))
hs = keras.layers.Hashing(num_bins=10, salt=[3, 4])
refs["hashing_salt"] = b2s(hs(["a", "b", "hello"]))
ho = keras.layers.Hashing(num_bins=4, output_mode="one_hot")
refs["hashing_one_hot"] = b2s(ho(["a", "b"]))
hi = keras.layers.Hashing(num_bins=7)
refs["hashing_int"] = b2s(hi(np.array([[1], [2], [123456]])))

refs["pad_sequences"] = keras.utils.pad_sequences([[1, 2, 3], [4], [5, 6, 7, 8, 9]]).tolist()
refs["pad_sequences_post"] = keras.utils.pad_sequences([[1, 2, 3], [4], [5, 6, 7, 8, 9]], maxlen=4,
                                                       padding="post", truncating="post", value=-1).tolist()
refs["pad_sequences_float"] = keras.utils.pad_sequences([[1.5], [2.5, 3.5]], dtype="float32").tolist()
ts = keras.utils.timeseries_dataset_from_array(np.arange(20), np.arange(20) * 10, sequence_length=5,
                                               sequence_stride=3, sampling_rate=2, batch_size=2)
refs["timeseries"] = [[b2s(x), b2s(y)] for x, y in ts]
ts2 = keras.utils.timeseries_dataset_from_array(np.arange(10).reshape(10, 1), None, sequence_length=4,
                                                start_index=1, end_index=9, batch_size=3)
refs["timeseries_nolabel"] = [b2s(x) for x in ts2]
refs["to_categorical"] = keras.utils.to_categorical([0, 2, 1], 3).tolist()

with open(os.path.join(OUT, "io_refs.json"), "w") as f:
    json.dump(refs, f, indent=0)
print("wrote", OUT, sorted(os.listdir(OUT)))
