"""Keras image utilities: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``,
``smart_resize`` and ``image_dataset_from_directory`` (``tf.keras.utils`` / ``keras.preprocessing.image``).

They follow Keras 3 (``keras/src/utils/image_utils.py`` and ``image_dataset_utils.py``). Image files
are read and written with Pillow (the ``image`` extra); a clear error names it when it is missing.
"""
from __future__ import annotations

import io
import os
import pathlib
import tempfile
import warnings
from typing import Any, Optional, Sequence

import numpy as np

from .text_utils import _check_label_args, _index_directory


def _pil():
    from ...image._codecs import _pil as pil
    return pil()


def _interpolations() -> dict:
    Image = _pil()
    R = Image.Resampling
    return {"nearest": R.NEAREST, "bilinear": R.BILINEAR, "bicubic": R.BICUBIC, "hamming": R.HAMMING,
            "box": R.BOX, "lanczos": R.LANCZOS}


def _data_format(data_format: Optional[str]) -> str:
    fmt = data_format or "channels_last"
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of 'channels_first', 'channels_last'. "
                         f"Received: data_format={data_format}")
    return fmt


def load_img(path: Any, color_mode: str = "rgb", target_size: Optional[Sequence[int]] = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False) -> Any:
    """Load an image file into a PIL Image (``tf.keras.utils.load_img``).

    ``color_mode`` is "grayscale", "rgb" or "rgba"; ``target_size = (height, width)`` resizes with
    Pillow's ``interpolation``, first centre-cropping to the target aspect ratio when ``keep_aspect_ratio``.
    """
    Image = _pil()
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        wh = (int(target_size[1]), int(target_size[0]))
        if img.size != wh:
            methods = _interpolations()
            if interpolation not in methods:
                raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported methods are "
                                 f"{', '.join(methods)}")
            resample = methods[interpolation]
            if keep_aspect_ratio:
                width, height = img.size
                tw, th = wh
                ch = min(height, (width * th) // tw)
                cw = min(width, (height * tw) // th)
                hs, ws = (height - ch) // 2, (width - cw) // 2
                img = img.resize(wh, resample, box=[ws, hs, ws + cw, hs + ch])
            else:
                img = img.resize(wh, resample)
    return img


def img_to_array(img: Any, data_format: Optional[str] = None, dtype: Any = None) -> np.ndarray:
    """A PIL Image (or array) as a 3-D NumPy array, float32 by default (``tf.keras.utils.img_to_array``)."""
    fmt = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 3:
        if fmt == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if fmt == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def array_to_img(x: Any, data_format: Optional[str] = None, scale: bool = True, dtype: Any = None) -> Any:
    """A 3-D array as a PIL Image (``tf.keras.utils.array_to_img``); ``scale`` maps [min, max] to [0, 255]."""
    Image = _pil()
    fmt = _data_format(data_format)
    x = np.array(getattr(x, "_value", x), dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if fmt == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


def save_img(path: Any, x: Any, data_format: Optional[str] = None, file_format: Optional[str] = None,
             scale: bool = True, **kwargs: Any) -> None:
    """Save a 3-D array as an image file (``tf.keras.utils.save_img``); the format comes from the
    extension unless ``file_format`` is given. Written to a temporary file, then renamed into place."""
    fmt = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=fmt, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    if not isinstance(path, (str, pathlib.Path)):
        img.save(path, format=file_format, **kwargs)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as fh:
            img.save(fh, format=file_format or None, **kwargs)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def smart_resize(x: Any, size: Sequence[int], interpolation: str = "bilinear", data_format: str = "channels_last") -> Any:
    """Resize to ``size`` after centre-cropping the largest window of the target aspect ratio
    (``keras.preprocessing.image.smart_resize``); returns a float32 tensor (NumPy in, tensor out, as Keras)."""
    from ...dispatch import convert_to_tensor
    from ...image import _core as _img
    from ...ops import shape as _s
    from ..layers.preprocessing.image import _crop_box
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    img = x if hasattr(x, "_value") else convert_to_tensor(np.asarray(x))
    nd = len(np.shape(img._value))
    if nd not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or `(batch_size, height, "
                         f"width, channels)`, but got input with incorrect rank, of shape {list(np.shape(img._value))}.")
    fmt = _data_format(data_format)
    if fmt == "channels_first":
        img = _s.transpose(img, [1, 2, 0] if nd == 3 else [0, 2, 3, 1])
    sh = np.shape(img._value)
    h0, w0, ch, cw = _crop_box(sh[-3], sh[-2], int(size[0]), int(size[1]))
    img = img[h0:h0 + ch, w0:w0 + cw, :] if nd == 3 else img[:, h0:h0 + ch, w0:w0 + cw, :]
    out = _img.resize(img, (int(size[0]), int(size[1])), method=interpolation)
    if fmt == "channels_first":
        out = _s.transpose(out, [2, 0, 1] if nd == 3 else [0, 3, 1, 2])
    return out


# -- image_dataset_from_directory -------------------------------------------------------------------

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _check_validation_split(validation_split: Any, subset: Any, shuffle: bool, seed: Any) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def _split(samples: list, labels: Any, validation_split: Any, subset: str) -> tuple:
    if not validation_split:
        return samples, labels
    n_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - n_val} files for training.")
        return samples[:-n_val], (None if labels is None else labels[:-n_val])
    if subset == "validation":
        print(f"Using {n_val} files for validation.")
        return samples[-n_val:], (None if labels is None else labels[-n_val:])
    raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')


def _load_image(path: str, image_size: tuple, channels: int, interpolation: str, data_format: str,
                crop_to_aspect_ratio: bool, pad_to_aspect_ratio: bool) -> Any:
    from ...image import _codecs
    from ...image import _core as _img
    from ...ops import shape as _s
    with open(path, "rb") as fh:
        data = fh.read()
    img = _codecs.decode_image(data, channels=channels, expand_animations=False)
    if crop_to_aspect_ratio:
        img = smart_resize(img, image_size, interpolation=interpolation)
    elif pad_to_aspect_ratio:
        img = _img.resize_with_pad(img, image_size[0], image_size[1], method=interpolation)
    else:
        img = _img.resize(img, image_size, method=interpolation)
    if data_format == "channels_first":
        img = _s.transpose(img, [2, 0, 1])
    return img


def _labels_array(labels: np.ndarray, label_mode: str, num_classes: int) -> np.ndarray:
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels.astype(np.int64)]
    return labels.astype("int32")


def _to_dataset(paths: list, labels: Any, label_mode: Any, num_classes: int, load_args: tuple, shuffle: bool,
                buffer_size: int, seed: Any) -> Any:
    from ...data.dataset import Dataset
    idx = np.arange(len(paths), dtype=np.int64)
    if label_mode:
        ds = Dataset.from_tensor_slices((idx, _labels_array(np.asarray(labels), label_mode, num_classes)))
    else:
        ds = Dataset.from_tensor_slices(idx)
    if shuffle:
        ds = ds.shuffle(buffer_size=buffer_size, seed=seed)
    paths = list(paths)

    def load(i: Any) -> Any:
        return _load_image(paths[int(np.asarray(getattr(i, "_value", i)))], *load_args)
    if label_mode:
        return ds.map(lambda i, y: (load(i), y))
    return ds.map(load)


def image_dataset_from_directory(directory: Any, labels: Any = "inferred", label_mode: Optional[str] = "int",
                                 class_names: Optional[Sequence[str]] = None, color_mode: str = "rgb",
                                 batch_size: Optional[int] = 32, image_size: Any = (256, 256), shuffle: bool = True,
                                 seed: Optional[int] = None, validation_split: Optional[float] = None,
                                 subset: Optional[str] = None, interpolation: str = "bilinear",
                                 follow_links: bool = False, crop_to_aspect_ratio: bool = False,
                                 pad_to_aspect_ratio: bool = False, data_format: Optional[str] = None,
                                 format: str = "tf", verbose: bool = True) -> Any:  # noqa: A002
    """A ``tf.data.Dataset`` of ``(images, labels)`` batches from class subfolders of ``directory``
    (``tf.keras.utils.image_dataset_from_directory``).

    Labels are inferred from the sorted subfolder names (or given as a list, or ``None``);
    ``label_mode`` "int" gives int32 indices, "categorical" one-hot float32, "binary" float32 of
    shape (n, 1). Images (.bmp .gif .jpeg .jpg .png) are decoded with ``color_mode``'s channels and
    resized to ``image_size`` with ``tf.image.resize`` (float32; ``nearest`` keeps uint8). The file
    order equals Keras's for a given ``seed``; the per-epoch ``shuffle(batch_size * 8)`` buffer draws
    gradtape's own random numbers. ``subset="both"`` returns ``(train, validation)``. The dataset
    has ``class_names`` and ``file_paths`` attributes.
    """
    directory = os.fspath(directory)
    _check_label_args(labels, class_names, label_mode, "`labels`", "image files", "images")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"Invalid `image_size` value. Expected a tuple of 2 integers. Received: image_size={image_size}")
    image_size = (int(image_size[0]), int(image_size[1]))
    interpolation = interpolation.lower()
    if interpolation not in _RESIZE_METHODS:
        raise ValueError(f"Argument `interpolation` should be one of {_RESIZE_METHODS}. "
                         f"Received: interpolation={interpolation}")
    if format != "tf":
        raise NotImplementedError(f'image_dataset_from_directory: format={format!r} is not supported by gradtape '
                                  '(only "tf", a tf.data.Dataset).')
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    _check_validation_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, label_arr, names = _index_directory(directory, labels, ALLOWLIST_FORMATS, class_names, shuffle, seed,
                                               follow_links, verbose, "image_dataset_from_directory")
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={names}")
    fmt = _data_format(data_format)
    buffer_size = batch_size * 8 if batch_size is not None else 1024
    load_args = (image_size, channels, interpolation, fmt, crop_to_aspect_ratio, pad_to_aspect_ratio)
    num_classes = len(names) if names else 0

    def finish(ds: Any, ps: list) -> Any:
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds = ds.prefetch(-1)
        ds.class_names = names
        ds.file_paths = ps
        return ds

    if subset == "both":
        tp, tl = _split(paths, label_arr, validation_split, "training")
        vp, vl = _split(paths, label_arr, validation_split, "validation")
        if not tp:
            raise ValueError(f"No training images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
        if not vp:
            raise ValueError(f"No validation images found in directory {directory}. "
                             f"Allowed formats: {ALLOWLIST_FORMATS}")
        train = _to_dataset(tp, tl, label_mode, num_classes, load_args, shuffle, buffer_size, seed)
        val = _to_dataset(vp, vl, label_mode, num_classes, load_args, False, buffer_size, seed)
        return [finish(train, tp), finish(val, vp)]
    paths, label_arr = _split(paths, label_arr, validation_split, subset)
    if not paths:
        raise ValueError(f"No images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")
    ds = _to_dataset(paths, label_arr, label_mode, num_classes, load_args, shuffle, buffer_size, seed)
    return finish(ds, paths)
