"""Shared helpers of the dataset loaders."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def shuffled(rng: np.random.RandomState, x: np.ndarray, y: np.ndarray) -> tuple:
    """``x`` and ``y`` in one random order drawn from ``rng`` (Keras's loaders: shuffle ``arange``)."""
    indices = np.arange(len(x))
    rng.shuffle(indices)
    return x[indices], y[indices]


def fetch(path: str, origin: str, file_hash: Optional[str], cache_dir: Optional[str] = None,
          cache_subdir: str = "datasets") -> str:
    """The local path of a data file: from the cache, or downloaded (see ``get_file``)."""
    from ..utils import data_utils
    return data_utils.get_file(path, origin=origin, file_hash=file_hash, cache_dir=cache_dir,
                               cache_subdir=cache_subdir)


# -- reading untrusted files without running code ----------------------------------------------------
def _numpy_callables() -> dict:
    core = getattr(np, "_core", None) or np.core
    import codecs
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
               ("_codecs", "encode"): codecs.encode}  # protocol-2 pickles spell bytes as encode(str, 'latin1')
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(mod, "_reconstruct")] = core.multiarray._reconstruct
        allowed[(mod, "scalar")] = core.multiarray.scalar
    return allowed


class RestrictedUnpickler:
    """``pickle.Unpickler`` that builds only plain containers, strings, numbers and NumPy arrays: any
    other global a pickle names (``os.system``, ``builtins.eval``, ...) raises ``pickle.UnpicklingError``
    instead of being imported, so a crafted data file cannot run code."""

    def __new__(cls, fileobj: Any, **kwargs: Any) -> Any:
        import pickle

        allowed = _numpy_callables()

        class _Unpickler(pickle.Unpickler):
            def find_class(self, module: str, name: str) -> Any:
                fn = allowed.get((module, name))
                if fn is None:
                    raise pickle.UnpicklingError(
                        f"Refusing to load {module}.{name} from a data file: only NumPy arrays and plain "
                        "Python containers are allowed (the file is not the published data set).")
                return fn

        return _Unpickler(fileobj, **kwargs)


def safe_pickle_load(fileobj: Any, **kwargs: Any) -> Any:
    """``pickle.load`` restricted to arrays, containers, strings and numbers (see RestrictedUnpickler)."""
    return RestrictedUnpickler(fileobj, **kwargs).load()


def load_npz(path: str) -> dict:
    """The arrays of an ``.npz`` file; object arrays (IMDB's lists of word ids) are unpickled with
    :func:`safe_pickle_load`, everything else read with ``allow_pickle=False``."""
    import zipfile
    out = {}
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            key = member[:-4] if member.endswith(".npy") else member
            with z.open(member) as fp:
                version = np.lib.format.read_magic(fp)
                header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                          else np.lib.format.read_array_header_2_0)
                shape, fortran, dtype = header(fp)
                if dtype.hasobject:
                    arr = safe_pickle_load(fp, encoding="latin1")
                    if not isinstance(arr, np.ndarray) or arr.shape != tuple(shape):
                        raise ValueError(f"{path}: member {member} does not hold the array its header describes.")
                else:
                    fp.seek(0)
                    arr = np.lib.format.read_array(fp, allow_pickle=False)
            out[key] = arr
    return out
