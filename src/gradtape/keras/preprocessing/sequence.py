"""``tf.keras.preprocessing.sequence``: ``pad_sequences`` and ``TimeseriesGenerator``-free helpers."""
from ..utils.text_utils import pad_sequences, timeseries_dataset_from_array  # noqa: F401
