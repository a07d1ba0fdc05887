"""``tf.keras.preprocessing.image``: the image file helpers (the same functions as ``tf.keras.utils``)
and Keras's legacy ``ImageDataGenerator`` with its iterators.

``ImageDataGenerator`` follows ``keras.src.legacy.preprocessing.image`` (what TF 2.21's ``tf.keras``
still exposes):

* the random parameters come from NumPy's global generator in Keras's order (``np.random.seed`` /
  the ``seed`` argument of ``flow`` reproduce Keras's draws);
* the geometric transform is SciPy's ``ndimage.affine_transform`` with spline order 0 or 1, re-done
  in NumPy (SciPy is not needed): the same output-to-input matrix, the same coordinate mapping for
  ``fill_mode`` ``constant``, ``nearest``, ``reflect`` and ``wrap`` (SciPy's quirks included), the same
  interpolation weights -- values agree with Keras to float32 rounding;
* ``interpolation_order`` above 1 and ``zca_whitening`` are not supported (NotImplementedError);
* ``brightness_range`` uses Pillow (the ``image`` extra), as Keras;
* the iterators are ``keras.utils.PyDataset`` objects, so ``model.fit(gen.flow(x, y))`` trains on them;
  iterating one directly never ends (Keras's behaviour: it cycles over the data, reshuffling each pass).
"""
from __future__ import annotations

import os
import threading
import warnings
from typing import Any, Dict, Iterator as _It, List, Optional, Sequence, Tuple

import numpy as np

from ..utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize  # noqa: F401
from ..utils.text_utils import PyDataset

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


# ---------------------------------------------------------------------------------------------
# SciPy-compatible affine resampling (order 0/1), NumPy only
# ---------------------------------------------------------------------------------------------
def _map_coordinate(c: np.ndarray, n: int, mode: str) -> np.ndarray:
    """Map input coordinates that fall outside ``[0, n - 1]`` as SciPy's ndimage does for ``mode``;
    ``-1`` marks a coordinate that takes ``cval`` (``constant``)."""
    c = np.array(c, dtype=np.float64)
    lo, hi = c < 0, c > n - 1
    if not (lo.any() or hi.any()):
        return c
    if mode == "constant":
        c[lo | hi] = -1.0
        return c
    if n <= 1:
        c[lo | hi] = 0.0
        return c
    if mode == "nearest":
        c[lo], c[hi] = 0.0, n - 1.0
    elif mode == "reflect":
        s = 2.0 * n
        v = c[lo]
        v = np.where(v < -s, s * np.trunc(-v / s) + v, v)
        c[lo] = np.where(v < -n, v + s, -v - 1.0)
        v = c[hi]
        v = v - s * np.trunc(v / s)
        c[hi] = np.where(v >= n, s - v - 1.0, v)
        # a reflected coordinate in the half pixel beyond an edge reads the edge pixel (SciPy >= 1.6)
        np.clip(c, 0.0, n - 1.0, out=c)
    elif mode == "wrap":  # SciPy's legacy 'wrap': period n - 1
        s = float(n - 1)
        v = c[lo]
        c[lo] = v + s * (np.trunc(-v / s) + 1.0)
        v = c[hi]
        c[hi] = v - s * np.trunc(v / s)
    return c


def _mirror_index(i: np.ndarray, n: int) -> np.ndarray:
    """SciPy's border rule for the interpolation taps themselves (whole-sample mirror)."""
    if n <= 1:
        return np.zeros_like(i)
    s = 2 * n - 2
    i = i.copy()
    neg = i < 0
    v = i[neg]
    v = s * (-v // s) + v
    i[neg] = np.where(v <= 1 - n, v + s, -v)
    pos = i >= n
    v = i[pos]
    v = v - s * (v // s)
    i[pos] = np.where(v >= n, s - v, v)
    return i


def _affine_resample(img: np.ndarray, matrix: np.ndarray, offset: np.ndarray, order: int, mode: str,
                     cval: float) -> np.ndarray:
    """``scipy.ndimage.affine_transform(img, matrix, offset, order, mode=mode, cval=cval)`` for a 2-D
    ``img`` and ``order`` 0 or 1: output pixel ``o`` reads the input at ``matrix @ o + offset``."""
    h, w = img.shape
    r, c = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    cr = r * matrix[0, 0] + c * matrix[0, 1] + offset[0]
    cc = r * matrix[1, 0] + c * matrix[1, 1] + offset[1]
    cr, cc = _map_coordinate(cr, h, mode), _map_coordinate(cc, w, mode)
    outside = (cr <= -1.0) | (cc <= -1.0)
    src = img.astype(np.float64)
    if order == 0:
        ir = _mirror_index(np.floor(cr + 0.5).astype(np.int64), h)
        ic = _mirror_index(np.floor(cc + 0.5).astype(np.int64), w)
        out = src[ir, ic]
    else:
        r0 = np.floor(cr)
        c0 = np.floor(cc)
        wr1, wc1 = cr - r0, cc - c0
        wr0, wc0 = 1.0 - wr1, 1.0 - wc1
        wr1, wc1 = 1.0 - wr0, 1.0 - wc0
        r0 = r0.astype(np.int64)
        c0 = c0.astype(np.int64)
        ra, rb = _mirror_index(r0, h), _mirror_index(r0 + 1, h)
        ca, cb = _mirror_index(c0, w), _mirror_index(c0 + 1, w)
        out = (src[ra, ca] * wr0 * wc0 + src[ra, cb] * wr0 * wc1) + src[rb, ca] * wr1 * wc0
        out = out + src[rb, cb] * wr1 * wc1
    out = np.where(outside, float(cval), out)
    if np.issubdtype(img.dtype, np.integer):
        info = np.iinfo(img.dtype)
        out = np.clip(np.where(out > 0, out + 0.5, out - 0.5), info.min, info.max)
    return out.astype(img.dtype)


def _offset_center(matrix: np.ndarray, x: float, y: float) -> np.ndarray:
    ox, oy = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    to_c = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
    from_c = np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
    return np.dot(np.dot(to_c, matrix), from_c)


def apply_affine_transform(x: Any, theta: float = 0, tx: float = 0, ty: float = 0, shear: float = 0,
                           zx: float = 1, zy: float = 1, row_axis: int = 1, col_axis: int = 2,
                           channel_axis: int = 0, fill_mode: str = "nearest", cval: float = 0.0,
                           order: int = 1) -> np.ndarray:
    """Rotate by ``theta`` degrees, shift by ``(tx, ty)`` pixels (rows, columns), shear by ``shear``
    degrees and zoom by ``(zx, zy)`` about the image centre, for one 3-D image
    (``keras.preprocessing.image.apply_affine_transform``; Keras's matrices, SciPy's resampling)."""
    x = np.asarray(x)
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: {({row_axis, col_axis, channel_axis}) - {0, 1, 2}}")
    if x.ndim != 3:
        raise ValueError(f"Input arrays must be multi-channel 2D images; got shape {x.shape}.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"apply_affine_transform: fill_mode must be one of {_FILL_MODES}; got {fill_mode!r}.")
    if order not in (0, 1):
        raise NotImplementedError(f"apply_affine_transform: interpolation order {order} is not supported "
                                  "(orders 0 and 1 are).")
    m = None

    def chain(a: Optional[np.ndarray], b: np.ndarray) -> np.ndarray:
        return b if a is None else np.dot(a, b)
    if theta != 0:
        t = np.deg2rad(theta)
        m = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        m = chain(m, np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        m = chain(m, np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        m = chain(m, np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if m is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    m = _offset_center(m, h, w).astype(np.float64)
    if col_axis > row_axis:  # the matrix is in (x, y) = (row, col) terms for a channels-first image
        m[:, [0, 1]] = m[:, [1, 0]]
        m[[0, 1]] = m[[1, 0]]
    xc = np.moveaxis(x, channel_axis, 0)
    out = np.stack([_affine_resample(ch, m[:2, :2], m[:2, 2], order, fill_mode, cval) for ch in xc], axis=0)
    return np.moveaxis(out, 0, channel_axis)


def apply_channel_shift(x: Any, intensity: float, channel_axis: int = 0) -> np.ndarray:
    """Add ``intensity`` to every channel, clipped to the image's [min, max]
    (``keras.preprocessing.image.apply_channel_shift``)."""
    x = np.asarray(x)
    lo, hi = np.min(x), np.max(x)
    return np.clip(x + intensity, lo, hi)


def apply_brightness_shift(x: Any, brightness: float, scale: bool = True) -> np.ndarray:
    """Pillow's ``ImageEnhance.Brightness(brightness)`` on a 3-D image
    (``keras.preprocessing.image.apply_brightness_shift``; needs the ``image`` extra)."""
    from ...image._codecs import _pil
    _pil()
    from PIL import ImageEnhance
    x = np.asarray(x)
    lo, hi = np.min(x), np.max(x)
    local_scale = bool(lo < 0 or hi > 255)
    img = array_to_img(x, scale=local_scale or scale)
    out = img_to_array(ImageEnhance.Brightness(img).enhance(brightness))
    if not scale and local_scale:
        out = out / 255 * (hi - lo) + lo
    return out


def random_rotation(x: Any, rg: float, row_axis: int = 1, col_axis: int = 2, channel_axis: int = 0,
                    fill_mode: str = "nearest", cval: float = 0.0, interpolation_order: int = 1) -> np.ndarray:
    """Rotate one image by an angle drawn uniformly from ``[-rg, rg]`` degrees (NumPy's global generator)."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shift(x: Any, wrg: float, hrg: float, row_axis: int = 1, col_axis: int = 2, channel_axis: int = 0,
                 fill_mode: str = "nearest", cval: float = 0.0, interpolation_order: int = 1) -> np.ndarray:
    """Shift one image by random fractions ``[-hrg, hrg]`` of its height and ``[-wrg, wrg]`` of its width."""
    x = np.asarray(x)
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x: Any, intensity: float, row_axis: int = 1, col_axis: int = 2, channel_axis: int = 0,
                 fill_mode: str = "nearest", cval: float = 0.0, interpolation_order: int = 1) -> np.ndarray:
    """Shear one image by an angle drawn uniformly from ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_zoom(x: Any, zoom_range: Sequence[float], row_axis: int = 1, col_axis: int = 2, channel_axis: int = 0,
                fill_mode: str = "nearest", cval: float = 0.0, interpolation_order: int = 1) -> np.ndarray:
    """Zoom one image by factors ``(zx, zy)`` drawn uniformly from ``zoom_range``."""
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_channel_shift(x: Any, intensity_range: float, channel_axis: int = 0) -> np.ndarray:
    """``apply_channel_shift`` with an intensity drawn uniformly from ``[-intensity_range, intensity_range]``."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def random_brightness(x: Any, brightness_range: Sequence[float], scale: bool = True) -> np.ndarray:
    """``apply_brightness_shift`` with a factor drawn uniformly from ``brightness_range``."""
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)


def _flip(x: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(x, axis).copy()


# ---------------------------------------------------------------------------------------------
# Iterators
# ---------------------------------------------------------------------------------------------
class Iterator(PyDataset):
    """Base of the ImageDataGenerator iterators (``keras.preprocessing.image.Iterator``): a PyDataset of
    ``ceil(n / batch_size)`` batches; ``next(it)`` cycles over the data forever, reshuffling (with
    ``np.random``, reseeded to ``seed + batches_seen`` when ``seed`` is given, as Keras) at each pass."""

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: Optional[int], **kwargs: Any):
        super().__init__(**kwargs)
        if int(batch_size) <= 0:
            raise ValueError(f"batch_size must be positive; got {batch_size}.")
        self.n, self.batch_size, self.seed, self.shuffle = int(n), int(batch_size), seed, bool(shuffle)
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array: Optional[np.ndarray] = None
        self.index_generator = self._flow_index()

    def _set_index_array(self) -> None:
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx: int) -> Any:
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        return self._get_batches_of_transformed_samples(
            self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)])

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self) -> None:
        self._set_index_array()

    def reset(self) -> None:
        self.batch_index = 0

    def _flow_index(self) -> _It[np.ndarray]:
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            cur = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > cur + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[cur:cur + self.batch_size]

    def __iter__(self) -> "Iterator":
        return self

    def __next__(self) -> Any:
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        raise NotImplementedError

    def _save_batch(self, batch_x: np.ndarray, index_array: np.ndarray, hash_range: int) -> None:
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{np.random.randint(hash_range)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from arrays (``ImageDataGenerator.flow``)."""

    def __init__(self, x: Any, y: Any, image_data_generator: "ImageDataGenerator", batch_size: int = 32,
                 shuffle: bool = False, sample_weight: Any = None, seed: Optional[int] = None,
                 data_format: Optional[str] = None, save_to_dir: Optional[str] = None, save_prefix: str = "",
                 save_format: str = "png", subset: Optional[str] = None, ignore_class_split: bool = False,
                 dtype: Any = None):
        data_format = data_format or "channels_last"
        self.dtype = dtype or "float32"
        x = getattr(x, "_value", x)
        y = getattr(y, "_value", y)
        if isinstance(x, (tuple, list)):
            x_misc = [np.asarray(x[1])] if not isinstance(x[1], list) else [np.asarray(v) for v in x[1]]
            x = x[0]
            for v in x_misc:
                if len(x) != len(v):
                    raise ValueError(f"All of the arrays in `x` should have the same length. Found a pair with: "
                                     f"len(x[0]) = {len(x)}, len(x[?]) = {len(v)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"`x` (images tensor) and `sample_weight` should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, sample_weight.shape = {np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f'Invalid subset name: {subset}; expected "training" or "validation".')
            split = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:split]), np.unique(y[split:]))):
                raise ValueError("Training and validation subsets have different number of classes after the "
                                 "split. If your numpy arrays are sorted by the label, you might want to shuffle them.")
            sl = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[sl]
            x_misc = [np.asarray(v[sl]) for v in x_misc]
            if y is not None:
                y = y[sl]
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[sl]
        self.x = np.array(x, dtype=self.dtype)  # a copy: later edits of the caller's array do not leak in
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with "
                             f"shape {self.x.shape}")
        ch = 3 if data_format == "channels_last" else 1
        if self.x.shape[ch] not in (1, 3, 4):
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                          f"(channels on axis {ch}), i.e. expected either 1, 3, or 4 channels on axis {ch}. "
                          f"However, it was passed an array with shape {self.x.shape} ({self.x.shape[ch]} channels).",
                          stacklevel=3)
        self.y = None if y is None else np.array(y)
        self.sample_weight = None if sample_weight is None else np.array(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = gen.get_random_transform(x.shape)
            x = gen.apply_transform(x.astype(self.dtype), params)
            batch_x[i] = gen.standardize(x)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10000)
        miscs = [v[index_array] for v in self.x_misc]
        out: tuple = (batch_x if not miscs else [batch_x] + miscs,)
        if self.y is None:
            return out[0]
        out += (self.y[index_array],)
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out


def _valid_files(directory: str, formats: tuple, follow_links: bool) -> List[Tuple[str, str]]:
    found = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda t: t[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                found.append((root, fname))
    return found


class DirectoryIterator(Iterator):
    """Batches of augmented images read from a folder with one sub-folder per class
    (``ImageDataGenerator.flow_from_directory``; Pillow reads the files)."""

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory: str, image_data_generator: Optional["ImageDataGenerator"],
                 target_size: Sequence[int] = (256, 256), color_mode: str = "rgb", classes: Optional[list] = None,
                 class_mode: Optional[str] = "categorical", batch_size: int = 32, shuffle: bool = True,
                 seed: Optional[int] = None, data_format: Optional[str] = None, save_to_dir: Optional[str] = None,
                 save_prefix: str = "", save_format: str = "png", follow_links: bool = False,
                 subset: Optional[str] = None, interpolation: str = "nearest", keep_aspect_ratio: bool = False,
                 dtype: Any = None):
        data_format = data_format or "channels_last"
        self.dtype = dtype or "float32"
        self.image_data_generator = image_data_generator
        self.target_size = tuple(int(t) for t in target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or "grayscale".')
        self.color_mode = color_mode
        self.data_format = data_format
        chans = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (chans,) if data_format == "channels_last"
                            else (chans,) + self.target_size)
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.interpolation = interpolation
        split: Optional[tuple] = None
        if subset is not None:
            vs = image_data_generator._validation_split if image_data_generator else 0.0
            if subset == "validation":
                split = (0, vs)
            elif subset == "training":
                split = (vs, 1)
            else:
                raise ValueError(f'Invalid subset name: {subset};expected "training" or "validation"')
        self.split, self.subset = split, subset
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: {self.allowed_class_modes}")
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: {directory!r} is not a directory.")
        self.directory = directory
        self.class_mode = class_mode
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        labels: List[int] = []
        self.filenames: List[str] = []
        for name in classes:
            sub = os.path.join(directory, name)
            files = _valid_files(sub, self.white_list_formats, follow_links)
            if split:
                files = files[int(split[0] * len(files)):int(split[1] * len(files))]
            for root, fname in files:
                labels.append(self.class_indices[name])
                self.filenames.append(os.path.join(name, os.path.relpath(os.path.join(root, fname), sub)))
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self) -> List[str]:
        return self._filepaths

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    @property
    def sample_weight(self) -> None:
        return None

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self._filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format)
            if hasattr(img, "close"):
                img.close()
            if gen:
                params = gen.get_random_transform(x.shape)
                x = gen.apply_transform(x, params)
                x = gen.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10 ** 7)
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = self.classes[index_array].astype(self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
        else:
            return batch_x
        return batch_x, batch_y


# ---------------------------------------------------------------------------------------------
# ImageDataGenerator
# ---------------------------------------------------------------------------------------------
class ImageDataGenerator:
    """Real-time image augmentation and normalisation (``tf.keras.preprocessing.image.ImageDataGenerator``,
    Keras's legacy API): ``flow(x, y)`` and ``flow_from_directory(dir)`` give iterators of augmented,
    standardized batches that ``model.fit`` accepts; ``fit(x)`` computes the featurewise statistics."""

    def __init__(self, featurewise_center: bool = False, samplewise_center: bool = False,
                 featurewise_std_normalization: bool = False, samplewise_std_normalization: bool = False,
                 zca_whitening: bool = False, zca_epsilon: float = 1e-6, rotation_range: float = 0,
                 width_shift_range: Any = 0.0, height_shift_range: Any = 0.0, brightness_range: Any = None,
                 shear_range: float = 0.0, zoom_range: Any = 0.0, channel_shift_range: float = 0.0,
                 fill_mode: str = "nearest", cval: float = 0.0, horizontal_flip: bool = False,
                 vertical_flip: bool = False, rescale: Optional[float] = None, preprocessing_function: Any = None,
                 data_format: Optional[str] = None, validation_split: float = 0.0, interpolation_order: int = 1,
                 dtype: Any = None):
        if zca_whitening:
            raise NotImplementedError("ImageDataGenerator: zca_whitening is not supported; whiten the data "
                                      "before training (e.g. with an SVD of the flattened images).")
        if interpolation_order not in (0, 1):
            raise NotImplementedError(f"ImageDataGenerator: interpolation_order={interpolation_order} is not "
                                      "supported (0 = nearest and 1 = bilinear are).")
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"ImageDataGenerator: fill_mode must be one of {_FILL_MODES}; got {fill_mode!r}.")
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and column) or '
                             f'`"channels_first"` (channel before row and column). Received: {data_format}')
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = False
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or "float32"
        self.interpolation_order = interpolation_order
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1.  Received: {validation_split}")
        self._validation_split = validation_split
        self.mean: Optional[np.ndarray] = None
        self.std: Optional[np.ndarray] = None
        self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None and (not isinstance(brightness_range, (tuple, list))
                                             or len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
        self.brightness_range = brightness_range

    # -- iterators ---------------------------------------------------------------------------------
    def flow(self, x: Any, y: Any = None, batch_size: int = 32, shuffle: bool = True, sample_weight: Any = None,
             seed: Optional[int] = None, save_to_dir: Optional[str] = None, save_prefix: str = "",
             save_format: str = "png", ignore_class_split: bool = False,
             subset: Optional[str] = None) -> NumpyArrayIterator:
        """Batches of augmented ``x`` (rank 4) with ``y`` / ``sample_weight`` alongside."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory: str, target_size: Sequence[int] = (256, 256), color_mode: str = "rgb",
                            classes: Optional[list] = None, class_mode: Optional[str] = "categorical",
                            batch_size: int = 32, shuffle: bool = True, seed: Optional[int] = None,
                            save_to_dir: Optional[str] = None, save_prefix: str = "", save_format: str = "png",
                            follow_links: bool = False, subset: Optional[str] = None,
                            interpolation: str = "nearest", keep_aspect_ratio: bool = False) -> DirectoryIterator:
        """Batches of augmented images from ``directory/<class>/*.png|jpg|...`` (Pillow reads them)."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 keep_aspect_ratio=keep_aspect_ratio, classes=classes, class_mode=class_mode,
                                 data_format=self.data_format, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset, interpolation=interpolation,
                                 dtype=self.dtype)

    def flow_from_dataframe(self, dataframe: Any, *args: Any, **kwargs: Any) -> Any:
        """Not supported: list the files and labels and use ``flow_from_directory`` or
        ``tf.keras.utils.image_dataset_from_directory``."""
        raise NotImplementedError("ImageDataGenerator.flow_from_dataframe is not supported (it needs pandas); use "
                                  "flow_from_directory or tf.keras.utils.image_dataset_from_directory.")

    # -- per-image transforms ------------------------------------------------------------------------
    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Apply ``preprocessing_function``, ``rescale`` and the sample/featurewise normalisation to ``x``
        (in place where Keras does so)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                              "any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                              "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
        return x

    def get_random_transform(self, img_shape: Sequence[int], seed: Optional[int] = None) -> Dict[str, Any]:
        """Random transform parameters for one image of ``img_shape`` (Keras's draws, NumPy's global
        generator; ``seed`` reseeds it first)."""
        rows, cols = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0

        def shift(rng_arg: Any, size: int) -> float:
            if not _truthy(rng_arg):
                return 0
            if isinstance(rng_arg, (float, np.floating)):
                t = np.random.uniform(-rng_arg, rng_arg)
            else:  # an int or a list of allowed values
                t = np.random.choice(rng_arg)
                t *= np.random.choice([-1, 1])
            if np.max(rng_arg) < 1:
                t *= size
            return t
        tx = shift(self.height_shift_range, rows)
        ty = shift(self.width_shift_range, cols)
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_h = (np.random.random() < 0.5) * self.horizontal_flip
        flip_v = (np.random.random() < 0.5) * self.vertical_flip
        csi = None
        if self.channel_shift_range != 0:
            csi = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_h, "flip_vertical": flip_v, "channel_shift_intensity": csi,
                "brightness": brightness}

    def apply_transform(self, x: Any, transform_parameters: Dict[str, Any]) -> np.ndarray:
        """Apply the given parameters (``theta``, ``tx``, ``ty``, ``shear``, ``zx``, ``zy``, flips,
        ``channel_shift_intensity``, ``brightness``) to one 3-D image."""
        p = transform_parameters
        r, c, ch = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(np.asarray(x), p.get("theta", 0), p.get("tx", 0), p.get("ty", 0),
                                   p.get("shear", 0), p.get("zx", 1), p.get("zy", 1), row_axis=r, col_axis=c,
                                   channel_axis=ch, fill_mode=self.fill_mode, cval=self.cval,
                                   order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], ch)
        if p.get("flip_horizontal", False):
            x = _flip(x, c)
        if p.get("flip_vertical", False):
            x = _flip(x, r)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x: Any, seed: Optional[int] = None) -> np.ndarray:
        """``apply_transform(x, get_random_transform(x.shape, seed))``."""
        x = np.asarray(x)
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x: Any, augment: bool = False, rounds: int = 1, seed: Optional[int] = None) -> None:
        """Compute the featurewise mean/std of ``x`` (rank 4, after ``rescale``; with ``augment``,
        over ``rounds`` randomly transformed copies)."""
        x = np.array(getattr(x, "_value", x), dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: " + str(x.shape))
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f'Expected input to be images (as Numpy array) following the data format convention '
                          f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, '
                          f"3 or 4 channels on axis {self.channel_axis}. However, it was passed an array with "
                          f"shape {x.shape} ({x.shape[self.channel_axis]} channels).", stacklevel=2)
        if seed is not None:
            np.random.seed(seed)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), shape)


def _truthy(v: Any) -> bool:
    if isinstance(v, (list, tuple, np.ndarray)):
        return len(v) > 0
    return bool(v)
