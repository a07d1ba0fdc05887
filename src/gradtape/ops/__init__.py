"""All primitive ops, by family. Importing this package registers every op and installs the
Python operators on Tensor and Variable."""
from . import math, reduction, shape, indexing, linalg, nn, random, constructors, segment, array, special, fft, ctc, batch_norm  # noqa: F401
from . import reads  # noqa: F401  (after every op is registered)
from .operators import install as _install

_install()
