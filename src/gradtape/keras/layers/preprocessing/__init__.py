"""Keras preprocessing layers (``tf.keras.layers.Resizing``, ``RandomFlip``, ...)."""
from .image import (  # noqa: F401
    CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation,
    RandomZoom, Resizing)
