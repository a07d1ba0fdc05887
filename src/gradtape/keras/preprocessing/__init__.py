"""``tf.keras.preprocessing``: Keras's older preprocessing namespace (aliases of ``keras.utils`` helpers)."""
from . import image  # noqa: F401
from ..utils.image_utils import image_dataset_from_directory  # noqa: F401
