"""``tf.keras`` for gradtape: optimizers, layers, models, losses, metrics, data sets, callbacks."""
from ..version import VERSION as __version__  # noqa: F401  (gradtape's version; not a Keras build)
from . import optimizers  # noqa: F401

# Each part of the training stack adds its imports in its own section below.
# --- optimizers, losses, metrics, datasets (training-stack part B) ---
from . import losses, metrics, datasets, saving  # noqa: F401,E402
from .utils import data_utils as _data_utils  # noqa: E402
from . import utils as _utils  # noqa: E402
_utils.get_file = _data_utils.get_file  # tf.keras.utils.get_file
# --- layers: conv/pool/rnn (training-stack part C1) ---
# --- layers, models, fit, callbacks (training-stack part C2) ---
from . import activations, backend, callbacks, constraints, initializers, layers, regularizers, utils  # noqa: F401,E402
from . import models  # noqa: F401,E402
from .engine.functional import Input  # noqa: F401,E402
from .models import Model, Sequential  # noqa: F401,E402
# --- preprocessing (image helpers; legacy tf.keras.preprocessing namespace) ---
from . import preprocessing  # noqa: F401,E402
from . import mixed_precision  # noqa: F401,E402
from . import applications  # noqa: F401,E402
