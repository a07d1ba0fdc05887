"""``tf.keras.preprocessing.image``: image file helpers (the same functions as ``tf.keras.utils``).

``ImageDataGenerator`` (deprecated in Keras) is not provided: use ``image_dataset_from_directory``
with the augmentation layers (``tf.keras.layers.RandomFlip``, ...).
"""
from ..utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize  # noqa: F401
