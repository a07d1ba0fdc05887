"""``get_file``: Keras's cached download of data files (``tf.keras.utils.get_file``).

Files live in ``<cache_dir>/<cache_subdir>/<fname>``; ``cache_dir`` defaults to ``$KERAS_HOME`` or
``~/.keras`` (falling back to ``/tmp/.keras`` when that is not writable), as Keras does. A file that
is missing (or fails its hash check) is downloaded from ``origin`` with ``urllib`` into a temporary
file in the same directory, checked, then moved into place with ``os.replace``, so an interrupted
download never leaves a partial file under the final name. Without network access the error says
which file to put where.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from typing import Optional


class DownloadError(OSError):
    """A data file is missing locally and could not be downloaded (or failed its hash check)."""


def keras_home() -> str:
    """``$KERAS_HOME`` if set, else ``~/.keras``."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def cache_directory(cache_dir: Optional[str] = None, cache_subdir: str = "datasets", create: bool = True) -> str:
    """The directory ``get_file`` uses: ``cache_dir`` (default :func:`keras_home`) / ``cache_subdir``.
    Falls back to ``/tmp/.keras`` when the default is not writable (Keras's behaviour)."""
    base = os.path.expanduser(cache_dir) if cache_dir else keras_home()
    datadir = os.path.join(base, cache_subdir)
    if not create:
        return datadir
    try:
        os.makedirs(datadir, exist_ok=True)
        if not os.access(datadir, os.W_OK):
            raise PermissionError(datadir)
    except OSError:
        if cache_dir:
            raise
        datadir = os.path.join(tempfile.gettempdir(), ".keras", cache_subdir)
        os.makedirs(datadir, exist_ok=True)
    return datadir


def hash_file(fpath: str, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """Hex digest of a file (``'sha256'``, ``'md5'``; ``'auto'`` means sha256)."""
    h = hashlib.md5() if algorithm == "md5" else hashlib.sha256()
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def _algorithm(file_hash: str, hash_algorithm: str) -> str:
    if hash_algorithm in ("sha256", "md5"):
        return hash_algorithm
    return "sha256" if len(file_hash) == 64 else "md5"


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto") -> bool:
    """True when ``fpath``'s digest equals ``file_hash``."""
    return hash_file(fpath, _algorithm(file_hash, algorithm)) == str(file_hash)


def _download(url: str, dest: str, timeout: float = 60.0) -> None:
    """Fetch ``url`` into ``dest`` (a plain write; ``get_file`` makes it atomic). Tests replace this."""
    with urllib.request.urlopen(url, timeout=timeout) as r, open(dest, "wb") as f:
        shutil.copyfileobj(r, f, 1 << 20)


def _check_tar_members(t: "tarfile.TarFile", path: str) -> list:
    """The members of ``t``, refusing (DownloadError) any that would write outside ``path``: absolute
    names, ``..`` components, links (symbolic or hard), devices and FIFOs. Used where
    ``extractall(filter="data")`` does not exist (Python before 3.10.12 / 3.11.4)."""
    root = os.path.realpath(path)
    members = t.getmembers()
    for m in members:
        name = m.name.replace("\\", "/")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if name.startswith("/") or os.path.isabs(m.name) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise DownloadError(f"Refusing to extract {m.name!r}: its path leaves the target directory {path}.")
        if m.issym() or m.islnk():
            raise DownloadError(f"Refusing to extract link {m.name!r} -> {m.linkname!r}: data archives hold "
                                "plain files and directories only.")
        if not (m.isfile() or m.isdir()):
            raise DownloadError(f"Refusing to extract {m.name!r}: not a plain file or directory.")
        target = os.path.realpath(os.path.join(root, *parts)) if parts else root
        if target != root and not target.startswith(root + os.sep):
            raise DownloadError(f"Refusing to extract {m.name!r} outside {path}.")
        m.mode = (m.mode | 0o600) & 0o755 if m.isfile() else 0o755  # no set-uid/gid, no world-writable files
    return members


def _check_zip_members(z: "zipfile.ZipFile", path: str) -> None:
    root = os.path.realpath(path)
    for info in z.infolist():
        name = info.filename.replace("\\", "/")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if name.startswith("/") or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise DownloadError(f"Refusing to extract {info.filename!r}: its path leaves the target directory {path}.")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise DownloadError(f"Refusing to extract symbolic link {info.filename!r}.")
        target = os.path.realpath(os.path.join(root, *parts)) if parts else root
        if target != root and not target.startswith(root + os.sep):
            raise DownloadError(f"Refusing to extract {info.filename!r} outside {path}.")


def _extract(fpath: str, path: str, archive_format: str = "auto") -> bool:
    """Extract a tar or zip archive into ``path``, refusing members that would land outside it (with
    ``tarfile``'s ``data`` filter where Python has it, else with our own checks of every member)."""
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(fpath):
            with tarfile.open(fpath) as t:
                if hasattr(tarfile, "data_filter") and not _FORCE_OWN_TAR_CHECKS:
                    try:
                        t.extractall(path, filter="data")
                    except tarfile.FilterError as e:
                        raise DownloadError(f"Refusing to extract {fpath}: {e}") from None
                else:
                    members = _check_tar_members(t, path)
                    t.extractall(path, members=members)
            return True
        if fmt == "zip" and zipfile.is_zipfile(fpath):
            with zipfile.ZipFile(fpath) as z:
                _check_zip_members(z, path)
                z.extractall(path)
            return True
    return False


_FORCE_OWN_TAR_CHECKS = False  # tests set it to exercise the checks used by Pythons without filter=


def get_file(fname: Optional[str] = None, origin: Optional[str] = None, untar: bool = False,
             md5_hash: Optional[str] = None, file_hash: Optional[str] = None, cache_subdir: str = "datasets",
             hash_algorithm: str = "auto", extract: bool = False, archive_format: str = "auto",
             cache_dir: Optional[str] = None, force_download: bool = False) -> str:
    """Return the local path of ``fname``, downloading it from ``origin`` when it is not cached
    (``tf.keras.utils.get_file``). ``untar=True`` (tf.keras 2 style) stores ``fname + '.tar.gz'`` and
    returns the extracted ``fname`` directory; ``extract=True`` extracts next to the archive."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if not fname:
        fname = os.path.basename(urllib.request.urlparse(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                             "Please specify the `fname` argument.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = cache_directory(cache_dir, cache_subdir)
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    reason = "is not in the cache"
    need = force_download or not os.path.exists(fpath)
    if not need and file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        need = True  # corrupted or outdated: fetch again
        reason = (f"is in the cache but fails its {_algorithm(file_hash, hash_algorithm)} check "
                  f"(expected {file_hash})")
    if need:
        _fetch(origin, fpath, file_hash, hash_algorithm, reason)

    if untar:
        if not os.path.exists(untar_fpath):
            _extract(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract(fpath, datadir, archive_format)
    return fpath


def _fetch(origin: str, fpath: str, file_hash: Optional[str], hash_algorithm: str,
           reason: str = "is not in the cache") -> None:
    directory = os.path.dirname(fpath) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(fpath) + ".", suffix=".part", dir=directory)
    os.close(fd)
    try:
        try:
            _download(origin, tmp)
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise DownloadError(
                f"The data file {os.path.basename(fpath)!r} {reason} and could not be downloaded "
                f"from {origin} ({e}). Without network access, download it on another machine and place "
                f"it at {fpath} (set KERAS_HOME or pass cache_dir to use another directory).") from None
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            raise DownloadError(
                f"The file downloaded from {origin} does not match its expected "
                f"{_algorithm(file_hash, hash_algorithm)} hash {file_hash} (incomplete download or a changed "
                f"file). Remove it and retry, or place a correct copy at {fpath}.")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
