"""``tf.data`` for gradtape: :class:`Dataset` pipelines, file readers, ``Options``, ``AUTOTUNE`` and
``experimental``."""
from __future__ import annotations

import enum
from typing import Any, Callable, Optional

from .dataset import AUTOTUNE, INFINITE, UNKNOWN, Dataset, DatasetSpec  # noqa: F401
from .readers import CsvDataset, FixedLengthRecordDataset, TextLineDataset, TFRecordDataset  # noqa: F401
from .readers import make_csv_dataset as _make_csv_dataset

INFINITE_CARDINALITY = INFINITE
UNKNOWN_CARDINALITY = UNKNOWN


class _OptionGroup:
    """A group of options (``options.threading``, ...): attributes set by the user, None by default."""

    def __init__(self, **defaults: Any):
        self.__dict__.update(defaults)

    def _merge(self, other: "_OptionGroup") -> "_OptionGroup":
        out = _OptionGroup(**self.__dict__)
        for k, v in other.__dict__.items():
            if v is not None:
                setattr(out, k, v)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.__dict__})"


class AutoShardPolicy(enum.IntEnum):
    """``tf.data.experimental.AutoShardPolicy`` (recorded; gradtape runs on one worker)."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class Options:
    """``tf.data.Options``: ``deterministic`` (False lets parallel ``map`` emit elements as they
    finish) is used; ``threading``, ``experimental_optimization`` and ``experimental_distribute`` are
    recorded for compatibility (gradtape has no graph optimizer or distribution)."""

    def __init__(self) -> None:
        self.deterministic: Optional[bool] = None
        self.threading = _OptionGroup(private_threadpool_size=None, max_intra_op_parallelism=None)
        self.experimental_optimization = _OptionGroup(apply_default_optimizations=None, map_parallelization=None,
                                                      parallel_batch=None, map_fusion=None, noop_elimination=None)
        self.experimental_distribute = _OptionGroup(auto_shard_policy=None, num_devices=None)
        self.experimental_threading = self.threading
        self.experimental_slack = None
        self.autotune = _OptionGroup(enabled=None, cpu_budget=None, ram_budget=None)

    @property
    def experimental_deterministic(self) -> Optional[bool]:
        return self.deterministic

    @experimental_deterministic.setter
    def experimental_deterministic(self, v: Optional[bool]) -> None:
        self.deterministic = v

    def merge(self, other: "Options") -> "Options":
        out = Options()
        out.deterministic = other.deterministic if other.deterministic is not None else self.deterministic
        out.threading = self.threading._merge(other.threading)
        out.experimental_threading = out.threading
        out.experimental_optimization = self.experimental_optimization._merge(other.experimental_optimization)
        out.experimental_distribute = self.experimental_distribute._merge(other.experimental_distribute)
        out.autotune = self.autotune._merge(other.autotune)
        out.experimental_slack = other.experimental_slack if other.experimental_slack is not None else self.experimental_slack
        return out

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Options) and self.deterministic == other.deterministic and \
            self.threading.__dict__ == other.threading.__dict__


class experimental:  # noqa: N801  (TF's namespace)
    """``tf.data.experimental``: AUTOTUNE, cardinality, CSV readers, Counter, sampling helpers."""

    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE
    UNKNOWN_CARDINALITY = UNKNOWN
    AutoShardPolicy = AutoShardPolicy
    CsvDataset = CsvDataset
    DatasetSpec = DatasetSpec
    make_csv_dataset = staticmethod(_make_csv_dataset)

    @staticmethod
    def cardinality(dataset: Dataset) -> Any:
        """``dataset.cardinality()``."""
        return dataset.cardinality()

    @staticmethod
    def Counter(start: int = 0, step: int = 1, dtype: Any = None, name: Optional[str] = None) -> Dataset:  # noqa: N802
        """``start, start + step, ...`` forever, int64 by default."""
        return Dataset.counter(start, step, dtype)

    @staticmethod
    def sample_from_datasets(datasets: list, weights: Any = None, seed: Optional[int] = None,
                             stop_on_empty_dataset: bool = False) -> Dataset:
        return Dataset.sample_from_datasets(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets: list, choice_dataset: Dataset, stop_on_empty_dataset: bool = True) -> Dataset:
        return Dataset.choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def ignore_errors(log_warning: bool = False) -> Callable[[Dataset], Dataset]:
        return lambda ds: ds.ignore_errors(log_warning)

    @staticmethod
    def dense_to_ragged_batch(batch_size: int, drop_remainder: bool = False, row_splits_dtype: Any = None) -> Callable:
        return lambda ds: ds.ragged_batch(batch_size, drop_remainder)

    @staticmethod
    def group_by_window(key_func: Callable, reduce_func: Callable, window_size: Any = None,
                        window_size_func: Any = None) -> Callable:
        return lambda ds: ds.group_by_window(key_func, reduce_func, window_size, window_size_func)

    @staticmethod
    def bucket_by_sequence_length(element_length_func: Callable, bucket_boundaries: list, bucket_batch_sizes: list,
                                  padded_shapes: Any = None, padding_values: Any = None,
                                  pad_to_bucket_boundary: bool = False, no_padding: bool = False,
                                  drop_remainder: bool = False) -> Callable:
        return lambda ds: ds.bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes,
                                                       padded_shapes, padding_values, pad_to_bucket_boundary,
                                                       no_padding, drop_remainder)

    @staticmethod
    def rejection_resample(class_func: Callable, target_dist: Any, initial_dist: Any = None,
                           seed: Optional[int] = None) -> Callable:
        return lambda ds: ds.rejection_resample(class_func, target_dist, initial_dist, seed)

    @staticmethod
    def save(dataset: Dataset, path: str, compression: Optional[str] = None, shard_func: Any = None) -> None:
        dataset.save(path, compression, shard_func)

    @staticmethod
    def load(path: str, element_spec: Any = None, compression: Optional[str] = None, reader_func: Any = None) -> Dataset:
        return Dataset.load(path, element_spec, compression, reader_func)

    @staticmethod
    def snapshot(path: str, compression: str = "AUTO") -> Callable:
        return lambda ds: ds.snapshot(path, compression)
