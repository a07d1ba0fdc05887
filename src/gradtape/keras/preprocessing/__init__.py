"""``tf.keras.preprocessing``: Keras's older preprocessing namespace (aliases of ``keras.utils`` helpers):
``image`` (with ``ImageDataGenerator``), ``sequence`` (``pad_sequences``, ``skipgrams``),
``timeseries_dataset_from_array``, ``text_dataset_from_directory``."""
from . import image, sequence  # noqa: F401
from ..utils.image_utils import image_dataset_from_directory  # noqa: F401
from ..utils.text_utils import text_dataset_from_directory, timeseries_dataset_from_array  # noqa: F401
