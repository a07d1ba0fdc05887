"""keras.datasets loaders on small files written in the published formats; get_file caching, hashing,
atomic downloads and the offline error. Nothing is downloaded: the downloader is replaced."""
import gzip
import hashlib
import io
import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from gradtape.keras.datasets import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist
from gradtape.keras.utils import data_utils


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty KERAS_HOME and a downloader that fails as without network."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    calls = []

    def offline(url, dest, timeout=60.0):
        calls.append(url)
        raise OSError("network unreachable (test)")
    monkeypatch.setattr(data_utils, "_download", offline)
    d = tmp_path / "kh" / "datasets"
    d.mkdir(parents=True)
    return d, calls


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_mnist_npz_with_hash(home, monkeypatch):
    d, calls = home
    rng = np.random.default_rng(0)
    arrays = dict(x_train=rng.integers(0, 255, (5, 28, 28), dtype=np.uint8), y_train=np.arange(5, dtype=np.uint8),
                  x_test=rng.integers(0, 255, (2, 28, 28), dtype=np.uint8), y_test=np.arange(2, dtype=np.uint8))
    np.savez(d / "mnist.npz", **arrays)
    monkeypatch.setattr(mnist, "FILE_HASH", sha(d / "mnist.npz"))
    (xt, yt), (xs, ys) = mnist.load_data()
    assert xt.shape == (5, 28, 28) and xt.dtype == np.uint8 and ys.shape == (2,)
    np.testing.assert_array_equal(xt, arrays["x_train"])
    assert calls == []
    # a cached file that fails the published hash: re-download is tried, and the error says so
    monkeypatch.setattr(mnist, "FILE_HASH", "0" * 64)
    with pytest.raises(data_utils.DownloadError, match="fails its sha256 check"):
        mnist.load_data()
    assert calls and calls[-1].endswith("mnist.npz")


def test_missing_file_error_says_where(home):
    d, calls = home
    with pytest.raises(data_utils.DownloadError) as e:
        boston_housing.load_data()
    msg = str(e.value)
    assert "boston_housing.npz" in msg and str(d / "boston_housing.npz") in msg and "https://" in msg
    assert not [f for f in os.listdir(d) if f.endswith(".part")]  # no partial file left behind


def test_cache_dir_and_absolute_path(tmp_path, home, monkeypatch):
    monkeypatch.setattr(mnist, "FILE_HASH", None)
    other = tmp_path / "elsewhere"
    (other / "datasets").mkdir(parents=True)
    z = dict(x_train=np.zeros((1, 28, 28), np.uint8), y_train=np.zeros(1, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    np.savez(other / "datasets" / "mnist.npz", **z)
    assert mnist.load_data(cache_dir=str(other))[0][0].shape == (1, 28, 28)
    np.savez(tmp_path / "my.npz", **z)
    assert mnist.load_data(path=str(tmp_path / "my.npz"))[1][1].shape == (1,)


def test_successful_download_is_atomic_and_checked(home, monkeypatch):
    d, _ = home
    payload = b"hello data"

    def fake(url, dest, timeout=60.0):
        with open(dest, "wb") as f:
            f.write(payload)
    monkeypatch.setattr(data_utils, "_download", fake)
    p = data_utils.get_file("x.bin", origin="https://example.invalid/x.bin",
                            file_hash=hashlib.sha256(payload).hexdigest())
    assert open(p, "rb").read() == payload and p == str(d / "x.bin")
    with pytest.raises(data_utils.DownloadError, match="hash"):
        data_utils.get_file("y.bin", origin="https://example.invalid/y.bin", file_hash="1" * 64)
    assert not os.path.exists(d / "y.bin")
    assert data_utils.get_file("z.bin", origin="https://example.invalid/z.bin", md5_hash=hashlib.md5(payload).hexdigest())


def _idx(path, arr, magic):
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def test_fashion_mnist_idx(home, monkeypatch):
    d, _ = home
    fm = d / "fashion-mnist"
    fm.mkdir()
    rng = np.random.default_rng(1)
    xtr, ytr = rng.integers(0, 255, (4, 28, 28)), np.array([0, 9, 3, 1])
    xte, yte = rng.integers(0, 255, (3, 28, 28)), np.array([2, 2, 5])
    _idx(fm / "train-images-idx3-ubyte.gz", xtr, 2051)
    _idx(fm / "train-labels-idx1-ubyte.gz", ytr, 2049)
    _idx(fm / "t10k-images-idx3-ubyte.gz", xte, 2051)
    _idx(fm / "t10k-labels-idx1-ubyte.gz", yte, 2049)
    with pytest.raises(data_utils.DownloadError, match="fails its md5 check"):
        fashion_mnist.load_data()  # the published files' digests are checked
    import hashlib
    monkeypatch.setattr(fashion_mnist, "FILE_HASHES", {
        n: hashlib.md5((fm / n).read_bytes()).hexdigest() for n in fashion_mnist.FILES})
    (a, b), (c, e) = fashion_mnist.load_data()
    np.testing.assert_array_equal(a, xtr)
    np.testing.assert_array_equal(b, ytr)
    np.testing.assert_array_equal(c, xte)
    np.testing.assert_array_equal(e, yte)
    assert a.dtype == np.uint8


def _add(tar, name, obj):
    data = pickle.dumps(obj)
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_cifar10_archive(home, monkeypatch):
    d, _ = home
    rng = np.random.default_rng(2)
    batches = {}
    with tarfile.open(d / "cifar-10-python.tar.gz", "w:gz") as t:
        for i in range(1, 6):
            data = rng.integers(0, 255, (2, 3072), dtype=np.uint8)
            batches[i] = data
            _add(t, f"cifar-10-batches-py/data_batch_{i}", {b"data": data, b"labels": [i, i + 1]})
        _add(t, "cifar-10-batches-py/test_batch", {b"data": data[:1], b"labels": [7]})
    monkeypatch.setattr(cifar10, "FILE_HASH", sha(d / "cifar-10-python.tar.gz"))
    (xt, yt), (xs, ys) = cifar10.load_data()
    assert xt.shape == (10, 32, 32, 3) and yt.shape == (10, 1) and yt.dtype == np.uint8
    assert xs.shape == (1, 32, 32, 3) and ys.tolist() == [[7]] and ys.dtype == np.uint8
    np.testing.assert_array_equal(xt[0], batches[1][0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert yt[:, 0].tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    # second load uses the extracted directory
    os.remove(d / "cifar-10-python.tar.gz")
    assert cifar10.load_data()[0][0].shape == (10, 32, 32, 3)


def test_cifar100_archive(home, monkeypatch):
    d, _ = home
    data = np.arange(2 * 3072).astype(np.uint8).reshape(2, 3072)
    with tarfile.open(d / "cifar-100-python.tar.gz", "w:gz") as t:
        for split in ("train", "test"):
            _add(t, f"cifar-100-python/{split}", {b"data": data, b"fine_labels": [42, 99], b"coarse_labels": [3, 19]})
    monkeypatch.setattr(cifar100, "FILE_HASH", sha(d / "cifar-100-python.tar.gz"))
    (xt, yt), _ = cifar100.load_data()
    assert xt.shape == (2, 32, 32, 3) and yt.tolist() == [[42], [99]]
    (_, yc), _ = cifar100.load_data(label_mode="coarse")
    assert yc.tolist() == [[3], [19]]
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="x")


def _imdb_file(d):
    x_train = np.empty(4, dtype=object)
    x_train[:] = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [11]]
    x_test = np.empty(2, dtype=object)
    x_test[:] = [[12, 1], [2, 2, 2]]
    np.savez(d / "imdb.npz", x_train=x_train, y_train=np.array([0, 1, 0, 1]),
             x_test=x_test, y_test=np.array([1, 0]))
    return x_train, x_test


def reference_imdb(x_train, y_train, x_test, y_test, num_words=None, skip_top=0, maxlen=None, seed=113,
                   start_char=1, oov_char=2, index_from=3):
    rng = np.random.RandomState(seed)
    i = np.arange(len(x_train)); rng.shuffle(i); x_train, y_train = x_train[i], y_train[i]  # noqa: E702
    i = np.arange(len(x_test)); rng.shuffle(i); x_test, y_test = x_test[i], y_test[i]  # noqa: E702
    x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
    x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    if maxlen:
        k = [j for j, x in enumerate(x_train) if len(x) < maxlen]
        x_train, y_train = [x_train[j] for j in k], y_train[k]
        k = [j for j, x in enumerate(x_test) if len(x) < maxlen]
        x_test, y_test = [x_test[j] for j in k], y_test[k]
    xs = x_train + x_test
    nw = num_words or max(max(x) for x in xs)
    xs = [[w if skip_top <= w < nw else oov_char for w in x] for x in xs]
    return xs[:len(x_train)], y_train, xs[len(x_train):], y_test


def test_imdb_semantics(home, monkeypatch):
    d, _ = home
    x_train, x_test = _imdb_file(d)
    monkeypatch.setattr(imdb, "FILE_HASH", None)
    (a, b), (c, e) = imdb.load_data()
    ra, rb, rc, re_ = reference_imdb(x_train, np.array([0, 1, 0, 1]), x_test, np.array([1, 0]))
    assert a.dtype == object and [list(x) for x in a] == ra and b.tolist() == rb.tolist()
    assert [list(x) for x in c] == rc and e.tolist() == re_.tolist()
    (a, b), (c, e) = imdb.load_data(num_words=8, skip_top=4, maxlen=5)
    ra, rb, rc, re_ = reference_imdb(x_train, np.array([0, 1, 0, 1]), x_test, np.array([1, 0]),
                                     num_words=8, skip_top=4, maxlen=5)
    assert [list(x) for x in a] == ra and b.tolist() == rb.tolist() and [list(x) for x in c] == rc
    assert all(len(x) < 5 for x in a)
    (a, _), _ = imdb.load_data(num_words=8, oov_char=None, start_char=None, index_from=0)
    assert all(all(w < 8 for w in x) for x in a)
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=1)
    with open(d / "imdb_word_index.json", "w") as f:
        json.dump({"the": 1}, f)
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", None)
    assert imdb.get_word_index() == {"the": 1}


def test_boston_housing_split(home, monkeypatch):
    d, _ = home
    x = np.arange(50 * 13, dtype=np.float64).reshape(50, 13)
    y = np.arange(50, dtype=np.float64)
    np.savez(d / "boston_housing.npz", x=x, y=y)
    monkeypatch.setattr(boston_housing, "FILE_HASH", None)
    (xt, yt), (xs, ys) = boston_housing.load_data()
    idx = np.arange(50)
    np.random.RandomState(113).shuffle(idx)
    assert len(xt) == 40 and len(xs) == 10
    np.testing.assert_array_equal(yt, y[idx][:40])
    np.testing.assert_array_equal(xs, x[idx][40:])
    (xt, _), (xs, _) = boston_housing.load_data(test_split=0.5, seed=1)
    assert len(xt) == 25 and len(xs) == 25
    with pytest.raises(ValueError):
        boston_housing.load_data(test_split=1.0)


def test_get_file_untar_and_extract(home, monkeypatch):
    d, _ = home
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        data = b"content"
        info = tarfile.TarInfo("pkg/file.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    payload = buf.getvalue()

    def fake(url, dest, timeout=60.0):
        with open(dest, "wb") as f:
            f.write(payload)
    monkeypatch.setattr(data_utils, "_download", fake)
    p = data_utils.get_file("pkg", origin="https://example.invalid/pkg.tar.gz", untar=True)
    assert p == str(d / "pkg") and open(os.path.join(p, "file.txt"), "rb").read() == b"content"
    q = data_utils.get_file("other.tar.gz", origin="https://example.invalid/other.tar.gz", extract=True)
    assert os.path.exists(q) and os.path.exists(d / "pkg" / "file.txt")
    import gradtape as tf
    assert tf.keras.utils.get_file is data_utils.get_file
