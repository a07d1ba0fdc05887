"""Keras preprocessing layers: image (``Resizing``, ``RandomFlip``, ...) and text, lookup and
categorical (``TextVectorization``, ``StringLookup``, ...)."""
from .image import (  # noqa: F401
    CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomHeight, RandomRotation,
    RandomTranslation, RandomWidth, RandomZoom, Resizing)
from .categorical import CategoryEncoding, Discretization, Hashing  # noqa: F401
from .index_lookup import IntegerLookup, StringLookup  # noqa: F401
from .text_vectorization import TextVectorization  # noqa: F401
