"""tf.strings as the text tutorials use it (the "Unicode strings" guide and the tf.strings API docs)."""
import tensorflow as tf

RESULTS = {}
s = tf.constant(["Hello World", "  TensorFlow is Fun! ", "a,b,,c"])
RESULTS["lower"] = tf.strings.lower(s)
RESULTS["upper"] = tf.strings.upper(s)
RESULTS["strip"] = tf.strings.strip(s)
RESULTS["length"] = tf.strings.length(s)
RESULTS["split"] = tf.strings.split(s).to_list()
RESULTS["split_sep"] = tf.strings.split(tf.constant("a,b,,c"), sep=",")
RESULTS["regex_replace"] = tf.strings.regex_replace(s, "[aeiou]", "_")
RESULTS["regex_full_match"] = tf.strings.regex_full_match(s, ".*Fun.*")
RESULTS["substr"] = tf.strings.substr(s, 1, 4)
RESULTS["join"] = tf.strings.join([tf.constant(["a", "b"]), tf.constant(["c", "d"])], separator="-")
RESULTS["reduce_join"] = [tf.strings.reduce_join(tf.constant(["x", "y", "z"])),
                          tf.strings.reduce_join(tf.constant([["a", "b"], ["c", "d"]]), axis=1, separator=" ")]
RESULTS["to_number"] = tf.strings.to_number(tf.constant(["1.5", "-2", "3e2"]))
RESULTS["as_string"] = tf.strings.as_string(tf.constant([1.5, 2.0]), precision=2)
RESULTS["as_string_int"] = tf.strings.as_string(tf.constant([3, -4]))
text_utf8 = tf.constant("语言处理")
RESULTS["unicode_split"] = tf.strings.unicode_split(text_utf8, "UTF-8")
RESULTS["unicode_decode"] = tf.strings.unicode_decode(text_utf8, "UTF-8")
RESULTS["utf8_length"] = tf.strings.length(text_utf8, unit="UTF8_CHAR")
RESULTS["byte_length"] = tf.strings.length(text_utf8)
RESULTS["bytes_split"] = tf.strings.bytes_split(tf.constant("abc"))
RESULTS["ngrams"] = tf.strings.ngrams(tf.constant(["a", "b", "c", "d"]), 2)
RESULTS["format"] = tf.strings.format("x={} y={}", (tf.constant(3), tf.constant([1.5, 2.0])))
rt = tf.ragged.constant([[1, 2, 3], [], [4, 5]])
RESULTS["ragged"] = [rt.to_list(), rt.row_lengths(), rt.flat_values, rt.to_tensor(default_value=-1)]
RESULTS["ragged_from_lengths"] = tf.RaggedTensor.from_row_lengths([1, 2, 3, 4, 5], row_lengths=[2, 0, 3]).to_list()
RESULTS["ragged_splits"] = tf.RaggedTensor.from_row_splits([1, 2, 3, 4, 5], row_splits=[0, 2, 2, 5]).row_splits
