"""``tf.io.gfile``: file-system helpers on local paths (TF's GFile API over Python's ``os``).

Only local paths are supported; a URL scheme such as ``gs://`` or ``s3://`` raises
``UnimplementedError`` instead of being treated as a relative path.
"""
from __future__ import annotations

import glob as _glob
import os
import shutil
import tempfile
from typing import Any, Iterator, List, Sequence, Tuple, Union

from ..errors import AlreadyExistsError, FailedPreconditionError, NotFoundError, UnimplementedError

__all__ = ["GFile", "exists", "glob", "listdir", "makedirs", "mkdir", "remove", "rename", "copy", "walk",
           "isdir", "stat", "rmtree", "join", "get_temp_dir", "GFileStat"]


def _path(p: Any) -> str:
    v = getattr(p, "_value", None)
    if v is not None:
        import numpy as np
        v = np.asarray(v)[()]
        p = v
    if isinstance(p, bytes):
        p = p.decode("utf-8")
    p = os.fspath(p)
    if "://" in p:
        raise UnimplementedError(f"File system scheme of {p!r} not implemented: gradtape's tf.io.gfile reads "
                                 "local paths only.")
    return p


class GFile:
    """A file object (``tf.io.gfile.GFile``): modes 'r', 'rb', 'w', 'wb', 'a', 'ab'. Text mode reads
    and writes ``str``; binary mode ``bytes``. Opening a missing file for reading raises NotFoundError."""

    def __init__(self, name: Any, mode: str = "r"):
        self.name = _path(name)
        self.mode = mode
        if mode not in ("r", "rb", "w", "wb", "a", "ab", "r+", "rb+", "w+", "wb+"):
            raise ValueError(f"GFile: mode {mode!r} is not supported; use 'r', 'rb', 'w', 'wb', 'a' or 'ab'.")
        if "r" in mode and not os.path.exists(self.name):
            raise NotFoundError(None, None, f"{self.name}; No such file or directory")
        if "b" in mode:
            self._f = open(self.name, mode)
        else:
            self._f = open(self.name, mode, encoding="utf-8", newline="")

    def read(self, n: int = -1) -> Any:
        return self._f.read(n)

    def readline(self) -> Any:
        return self._f.readline()

    def readlines(self) -> list:
        return self._f.readlines()

    def write(self, data: Any) -> None:
        if "b" in self.mode and isinstance(data, str):
            data = data.encode("utf-8")
        elif "b" not in self.mode and isinstance(data, bytes):
            data = data.decode("utf-8")
        self._f.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def size(self) -> int:
        return os.path.getsize(self.name)

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()

    @property
    def closed(self) -> bool:
        return self._f.closed

    def __iter__(self) -> Iterator:
        return iter(self._f)

    def __next__(self) -> Any:
        return next(self._f)

    def __enter__(self) -> "GFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def exists(path: Any) -> bool:
    """True if ``path`` exists."""
    return os.path.exists(_path(path))


def isdir(path: Any) -> bool:
    """True if ``path`` is a directory."""
    return os.path.isdir(_path(path))


def glob(pattern: Union[Any, Sequence[Any]]) -> List[str]:
    """Paths matching a glob pattern or a list of patterns (``tf.io.gfile.glob``)."""
    pats = pattern if isinstance(pattern, (list, tuple)) else [pattern]
    out: List[str] = []
    for p in pats:
        out.extend(sorted(_glob.glob(_path(p))))
    return out


def listdir(path: Any) -> List[str]:
    """Entry names in a directory (``tf.io.gfile.listdir``); NotFoundError if it does not exist."""
    p = _path(path)
    if not os.path.isdir(p):
        raise NotFoundError(None, None, f"Could not find directory {p}")
    return sorted(os.listdir(p))


def makedirs(path: Any) -> None:
    """Create a directory and its parents; no error if it exists."""
    os.makedirs(_path(path), exist_ok=True)


def mkdir(path: Any) -> None:
    """Create one directory; AlreadyExistsError if it exists, NotFoundError if the parent is missing."""
    p = _path(path)
    try:
        os.mkdir(p)
    except FileExistsError:
        raise AlreadyExistsError(None, None, f"{p}: File exists") from None
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{p}: parent directory does not exist") from None


def remove(path: Any) -> None:
    """Delete a file; NotFoundError if it does not exist."""
    p = _path(path)
    try:
        os.remove(p)
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{p}; No such file or directory") from None


def rmtree(path: Any) -> None:
    """Delete a directory and everything under it."""
    p = _path(path)
    if not os.path.exists(p):
        raise NotFoundError(None, None, f"{p}; No such file or directory")
    shutil.rmtree(p)


def rename(oldname: Any, newname: Any, overwrite: bool = False) -> None:
    """Rename a file; AlreadyExistsError if ``newname`` exists and not ``overwrite``."""
    a, b = _path(oldname), _path(newname)
    if not os.path.exists(a):
        raise NotFoundError(None, None, f"{a}; No such file or directory")
    if os.path.exists(b) and not overwrite:
        raise AlreadyExistsError(None, None, f"file already exists: {b}")
    os.replace(a, b)


def copy(oldpath: Any, newpath: Any, overwrite: bool = False) -> None:
    """Copy a file; AlreadyExistsError if ``newpath`` exists and not ``overwrite``."""
    a, b = _path(oldpath), _path(newpath)
    if not os.path.exists(a):
        raise NotFoundError(None, None, f"{a}; No such file or directory")
    if os.path.exists(b) and not overwrite:
        raise AlreadyExistsError(None, None, f"file already exists: {b}")
    tmp = b + ".tmp-copy"
    shutil.copyfile(a, tmp)
    os.replace(tmp, b)


def walk(top: Any, topdown: bool = True, onerror: Any = None) -> Iterator[Tuple[str, List[str], List[str]]]:
    """``(dirname, subdirs, files)`` for each directory under ``top`` (``tf.io.gfile.walk``)."""
    for d, subdirs, files in os.walk(_path(top), topdown=topdown, onerror=onerror):
        subdirs.sort()
        yield d, subdirs, sorted(files)


class GFileStat:
    """What ``stat`` returns: ``length`` (bytes), ``mtime_nsec`` and ``is_directory``."""

    def __init__(self, length: int, mtime_nsec: int, is_directory: bool):
        self.length = length
        self.mtime_nsec = mtime_nsec
        self.is_directory = is_directory

    def __repr__(self) -> str:
        return f"GFileStat(length={self.length}, mtime_nsec={self.mtime_nsec}, is_directory={self.is_directory})"


def stat(path: Any) -> GFileStat:
    """File statistics; NotFoundError if ``path`` does not exist."""
    p = _path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{p}; No such file or directory") from None
    import stat as _stat
    return GFileStat(st.st_size, st.st_mtime_ns, _stat.S_ISDIR(st.st_mode))


def join(path: Any, *paths: Any) -> str:
    return os.path.join(_path(path), *[_path(p) for p in paths])


def get_temp_dir() -> str:
    return tempfile.gettempdir()


def _atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``path`` and rename it into place."""
    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise NotFoundError(None, None, f"{path}: parent directory {d} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _check_not_dir(p: str) -> None:
    if os.path.isdir(p):
        raise FailedPreconditionError(None, None, f"{p} is a directory")
