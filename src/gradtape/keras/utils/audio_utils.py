"""``tf.keras.utils.audio_dataset_from_directory``: a Dataset of decoded WAV files from one sub-folder
per class, following Keras 3 (``keras/src/utils/audio_dataset_utils.py``)."""
from __future__ import annotations

from typing import Any, List, Optional

import numpy as np

from .text_utils import _check_label_args, _check_split_args, _files_ds, _index_directory, _split

ALLOWED_FORMATS = (".wav",)


def _audio_ds(paths: list, labels: Any, label_mode: Optional[str], num_classes: int,
              output_sequence_length: Optional[int], ragged: bool, shuffle: bool, buffer: Optional[int],
              seed: Optional[int]) -> Any:
    from ... import audio as gaudio
    from ... import io as gio
    n = -1 if output_sequence_length is None else int(output_sequence_length)

    def read(p: Any) -> Any:
        audio = gaudio.decode_wav(gio.read_file(p), desired_samples=n).audio
        if ragged:
            from ...ragged import RaggedTensor
            return RaggedTensor.from_tensor(audio)
        return audio

    return _files_ds(paths, read, labels, label_mode, num_classes, shuffle, buffer, seed)


def audio_dataset_from_directory(directory: str, labels: Any = "inferred", label_mode: Optional[str] = "int",
                                 class_names: Optional[List[str]] = None, batch_size: Optional[int] = 32,
                                 sampling_rate: Optional[int] = None, output_sequence_length: Optional[int] = None,
                                 ragged: bool = False, shuffle: bool = True, seed: Optional[int] = None,
                                 validation_split: Optional[float] = None, subset: Optional[str] = None,
                                 follow_links: bool = False, verbose: bool = True) -> Any:
    """A Dataset of ``(audio, label)`` batches from ``.wav`` files (16-bit PCM) in one sub-directory per
    class (``tf.keras.utils.audio_dataset_from_directory``). ``audio`` is float32
    ``(batch, samples, channels)``: each batch is zero-padded to its longest file, or every file is cut
    or padded to ``output_sequence_length``, or (``ragged=True``) a RaggedTensor. Labels as
    ``text_dataset_from_directory``. ``sampling_rate`` (resampling, which Keras does with
    tensorflow-io) is not supported."""
    _check_label_args(labels, class_names, label_mode, "The `labels`", "audio files", "audio samples")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
        raise NotImplementedError("audio_dataset_from_directory: `sampling_rate` (resampling) is not supported; "
                                  "resample the files beforehand or leave sampling_rate=None.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split_args(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, lab, names = _index_directory(directory, labels, ALLOWED_FORMATS, class_names, shuffle, seed,
                                         follow_links, verbose, "audio_dataset_from_directory")
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={names}")
    buffer = batch_size * 8 if batch_size is not None else 1024
    nclass = len(names) if names else 0

    def finish(ds: Any) -> Any:
        ds = ds.prefetch(-1)
        if batch_size is not None:
            ds = ds.padded_batch(batch_size) if output_sequence_length is None and not ragged else ds.batch(batch_size)
        ds.class_names = names
        return ds

    args = (output_sequence_length, ragged)
    if subset == "both":
        tp, tl = _split(paths, lab, validation_split, "training", verbose)
        vp, vl = _split(paths, lab, validation_split, "validation", verbose)
        if not tp:
            raise ValueError(f"No training audio files found in directory {directory}. "
                             f"Allowed format(s): {ALLOWED_FORMATS}")
        if not vp:
            raise ValueError(f"No validation audio files found in directory {directory}. "
                             f"Allowed format(s): {ALLOWED_FORMATS}")
        return [finish(_audio_ds(tp, tl, label_mode, nclass, *args, shuffle, buffer, seed)),
                finish(_audio_ds(vp, vl, label_mode, nclass, *args, False, None, None))]
    paths, lab = _split(paths, lab, validation_split, subset, verbose)
    if not paths:
        raise ValueError(f"No audio files found in directory {directory}. Allowed format(s): {ALLOWED_FORMATS}")
    return finish(_audio_ds(paths, lab, label_mode, nclass, *args, shuffle, buffer, seed))
