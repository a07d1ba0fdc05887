"""Keras callbacks (``tf.keras.callbacks``): Callback, CallbackList, History, ProgbarLogger,
EarlyStopping, ModelCheckpoint, LearningRateScheduler, LambdaCallback, TerminateOnNaN,
ReduceLROnPlateau, CSVLogger, BackupAndRestore, TensorBoard.

The hooks and their ``logs`` are Keras's: ``on_epoch_end(epoch, logs)`` gets ``loss``, the metrics and
``val_*`` entries as floats; ``on_train_batch_end(batch, logs)`` the running values. ``fit`` adds a
``ProgbarLogger`` first (when ``verbose``) and a ``History`` last, as tf.keras 2.
"""
from __future__ import annotations

import csv
import math
import os
import warnings
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from .utils.progress import EpochBar as Progbar


class Callback:
    """Base class: override any ``on_*`` hook. ``self.model`` and ``self.params`` are set by ``fit``."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: Dict[str, Any] = {}
        self.validation_data = None

    def set_params(self, params: Dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        """A backwards-compatible alias of ``on_train_batch_begin``."""

    def on_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        """A backwards-compatible alias of ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        pass

    def on_train_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        pass

    def on_test_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        pass

    def on_predict_batch_begin(self, batch: int, logs: Optional[dict] = None) -> None:
        pass

    def on_predict_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        pass

    def on_train_begin(self, logs: Optional[dict] = None) -> None:
        pass

    def on_train_end(self, logs: Optional[dict] = None) -> None:
        pass

    def on_test_begin(self, logs: Optional[dict] = None) -> None:
        pass

    def on_test_end(self, logs: Optional[dict] = None) -> None:
        pass

    def on_predict_begin(self, logs: Optional[dict] = None) -> None:
        pass

    def on_predict_end(self, logs: Optional[dict] = None) -> None:
        pass


class CallbackList:
    """A list of callbacks called together (``tf.keras.callbacks.CallbackList``)."""

    def __init__(self, callbacks: Optional[List[Callback]] = None, add_history: bool = False,
                 add_progbar: bool = False, model: Any = None, **params: Any):
        self.callbacks: List[Callback] = list(callbacks or [])
        for cb in self.callbacks:
            if not hasattr(cb, "on_train_batch_end"):
                raise TypeError(f"Expected a keras Callback, got {cb!r}.")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if add_progbar and self._progbar is None:
            self._progbar = ProgbarLogger()
            self.callbacks.insert(0, self._progbar)
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        self.model = None
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def set_params(self, params: Dict[str, Any]) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model: Any) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def __iter__(self):
        return iter(self.callbacks)


class History(Callback):
    """Records ``epoch`` numbers and every ``logs`` entry per epoch in ``history`` (``fit``'s return)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: Dict[str, List[float]] = {}
        self.epoch: List[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar per epoch (verbose 1) or one line per epoch (verbose 2)."""

    def __init__(self, count_mode: str = "steps", stateful_metrics: Any = None):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target: Optional[int] = None
        self._bar: Optional[Progbar] = None
        self._mode = "train"
        self._seen = 0
        self._in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")
        self._bar = Progbar(self.target, verbose=self.verbose)
        self._seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None and self.verbose == 1:
            self._bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.finish(logs, steps=self._seen)
            self._bar = None

    def on_test_begin(self, logs=None):
        if not self._in_fit and self.verbose:
            self._bar = Progbar(self.params.get("steps"), verbose=self.verbose)
            self._seen = 0

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._seen = batch + 1
            if self._bar is not None and self.verbose == 1:
                self._bar.update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit and self._bar is not None:
            self._bar.finish(logs, steps=self._seen)
            self._bar = None

    def on_predict_begin(self, logs=None):
        if self.verbose:
            self._bar = Progbar(self.params.get("steps"), verbose=self.verbose)
            self._seen = 0

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None and self.verbose == 1:
            self._bar.update(batch + 1)

    def on_predict_end(self, logs=None):
        if self._bar is not None:
            self._bar.finish(None, steps=self._seen)
            self._bar = None


def _monitor_op(mode: str, monitor: str) -> Callable:
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"Mode {mode} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    if monitor.endswith("acc") or monitor.endswith("accuracy") or monitor.endswith("auc") \
            or "acc" in monitor or monitor.startswith("auc"):
        return np.greater
    return np.less


class EarlyStopping(Callback):
    """Stop training when ``monitor`` stops improving by ``min_delta`` for ``patience`` epochs.

    Keras 3's rules: ``mode='auto'`` maximizes accuracy-like and AUC metrics and minimizes the rest;
    ``restore_best_weights`` puts back the weights of the best epoch at the end of training (also when it
    did not stop early); ``baseline``
    must be beaten for the wait counter to reset; ``start_from_epoch`` skips the first epochs.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: Optional[float] = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.min_delta = abs(min_delta)
        self.monitor_op = _monitor_op(mode, monitor)
        if self.monitor_op == np.less:
            self.min_delta *= -1
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float = np.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op == np.less else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value: float, reference: float) -> bool:
        return bool(self.monitor_op(value - self.min_delta, reference))

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:  # Keras 3: also when it did not stop
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: Optional[dict]) -> Optional[float]:
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}", stacklevel=3)
            return None
        return float(value)


class ModelCheckpoint(Callback):
    """Save the model or its weights after each epoch (``save_freq='epoch'``) or every N batches.

    ``filepath`` may contain ``{epoch:02d}`` and log names (``{val_loss:.2f}``); ``save_best_only``
    keeps only improvements of ``monitor``; ``save_weights_only`` calls ``model.save_weights``.
    """

    def __init__(self, filepath: Any, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq: Any = "epoch",
                 options: Any = None, initial_value_threshold: Optional[float] = None, **kwargs: Any):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor, self.verbose = monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected 'epoch' or an integer.")
        self.save_freq = save_freq
        self.monitor_op = _monitor_op(mode, monitor)
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            np.inf if self.monitor_op == np.less else -np.inf)
        self._batches_seen = 0
        self._current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if isinstance(self.save_freq, int):
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _get_file_path(self, epoch: int, batch: Optional[int], logs: Optional[dict]) -> str:
        logs = dict(logs or {})
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from e

    def _save(self, epoch: int, batch: Optional[int], logs: Optional[dict]) -> None:
        logs = logs or {}
        path = self._get_file_path(epoch, batch, logs)
        dirname = os.path.dirname(path)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=3)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


def _get_lr(optimizer: Any) -> float:
    lr = getattr(optimizer, "learning_rate", None)
    if lr is None:
        lr = getattr(optimizer, "lr")
    return float(np.asarray(getattr(lr, "_value", lr)))


def _set_lr(optimizer: Any, value: float) -> None:
    optimizer.learning_rate = float(value)


class LearningRateScheduler(Callback):
    """At each epoch start set the optimizer's learning rate to ``schedule(epoch, lr)`` (or ``schedule(epoch)``)."""

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, "learning_rate") and not hasattr(self.model.optimizer, "lr"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, _get_lr(self.model.optimizer))
        except TypeError:
            lr = self.schedule(epoch)
        lr = float(np.asarray(getattr(lr, "_value", lr)))
        if not isinstance(lr, float) or math.isnan(lr):
            raise ValueError(f'The output of the "schedule" function should be a float. Got: {lr}')
        _set_lr(self.model.optimizer, lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _get_lr(self.model.optimizer)


class LambdaCallback(Callback):
    """A callback from plain functions: ``on_epoch_end=lambda epoch, logs: ...`` etc."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs: Any):
        super().__init__()
        self.__dict__.update(kwargs)
        for name, fn in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                         ("on_batch_begin", on_batch_begin), ("on_batch_end", on_batch_end)):
            if fn is not None:
                setattr(self, name, fn)
        if on_train_begin is not None:
            self.on_train_begin = lambda logs=None: on_train_begin(logs)
        if on_train_end is not None:
            self.on_train_end = lambda logs=None: on_train_end(logs)


class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Got {factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, factor, patience, verbose
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, min_lr
        op = _monitor_op(mode, monitor)
        self.monitor_op = (lambda a, b: np.less(a, b - self.min_delta)) if op == np.less else \
            (lambda a, b: np.greater(a, b + self.min_delta))
        self._worst = np.inf if op == np.less else -np.inf
        self.best = self._worst
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = self._worst, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _get_lr(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}", stacklevel=3)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = _get_lr(self.model.optimizer)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    _set_lr(self.model.optimizer, new)
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class CSVLogger(Callback):
    """Stream each epoch's logs to a CSV file (``epoch`` then the sorted log keys)."""

    def __init__(self, filename: str, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file = None
        self._writer = None
        self._keys: Optional[List[str]] = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename)
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._append_header = not exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._keys is None:
            self._keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self._keys, delimiter=self.sep)
            if self._append_header:
                self._writer.writeheader()
        row = {"epoch": epoch, **{k: logs.get(k, "NA") for k in self._keys}}
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None


class BackupAndRestore(Callback):
    """Back up the model's weights and the epoch reached after each epoch (or every ``save_freq`` batches)
    so that a ``fit`` interrupted and run again resumes at that epoch (``keras.callbacks.BackupAndRestore``).

    Files as Keras 3: ``backup_dir/latest.weights.h5`` and ``training_metadata.json`` (``{"epoch", "batch"}``),
    with ``.bkp`` copies when ``double_checkpoint``; the directory is deleted when training ends normally
    (``delete_checkpoint``). A resumed fit restarts the interrupted epoch from its start. Only the model's
    weights are backed up, not the optimizer's slots.
    """

    def __init__(self, backup_dir: Any, save_freq: Any = "epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq, self.double_checkpoint, self.delete_checkpoint = save_freq, double_checkpoint, delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._meta_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._batches_since_save = 0
        self._last_batch_seen = 0
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        try:
            self._load()
        except OSError:
            prev = self._weights_path + ".bkp"
            if not os.path.exists(prev):
                raise
            import shutil
            shutil.copyfile(prev, self._weights_path)
            if os.path.exists(self._meta_path + ".bkp"):
                shutil.copyfile(self._meta_path + ".bkp", self._meta_path)
            elif os.path.exists(self._meta_path):
                os.remove(self._meta_path)
            self._load()

    def _load(self) -> None:
        import json
        if not getattr(self.model, "built", True):
            raise ValueError("To use the BackupAndRestore callback, your model must be built before you call "
                             f"`fit()`. Model {self.model} is unbuilt.")
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._meta_path):
            with open(self._meta_path) as f:
                meta = json.loads(f.read())
            epoch = meta["epoch"]
            if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
                raise ValueError(f"BackupAndRestore: bad epoch {epoch!r} in {self._meta_path}.")
            self.model._initial_epoch = epoch
            self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        add = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_since_save += add
        self._last_batch_seen = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save()

    def _save(self) -> None:
        import json
        import shutil
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for p in (self._weights_path, self._meta_path):
                if os.path.exists(p):
                    shutil.copyfile(p, p + ".bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        tmp = self._meta_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))
        os.replace(tmp, self._meta_path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            import shutil
            shutil.rmtree(self.backup_dir)


class TensorBoard(Callback):
    """Write TensorBoard logs during ``fit`` (``keras.callbacks.TensorBoard``, Keras 3 layout and timing).

    Under ``log_dir/train``: ``epoch_<metric>`` and ``epoch_learning_rate`` at step ``epoch``; with an int
    ``update_freq``, ``batch_<metric>`` at the global batch count; the model's JSON config as tag ``keras``
    (plugin ``graph_keras_model``) when ``write_graph``; weight histograms ``<model>/<layer>/<weight>/histogram``
    every ``histogram_freq`` epochs. Under ``log_dir/validation``: ``epoch_<metric>`` and
    ``evaluation_<metric>_vs_iterations`` (step: optimizer iterations).

    As in Keras 3, with an int ``update_freq`` the train (or, while validating, the validation) writer is the
    default writer during ``fit`` -- so ``tf.summary`` calls in the model land in it -- under
    ``record_if(count % update_freq == 0)`` on the global train (or test) batch count; that condition also
    gates the epoch summaries, so Keras writes epoch values only for epochs that end on such a count.
    Needs the ``tensorboard`` package. Profiling, embeddings and weight images are not supported.
    """

    def __init__(self, log_dir: Any = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False, update_freq: Any = "epoch",
                 profile_batch: Any = 0, embeddings_freq: int = 0, embeddings_metadata: Any = None) -> None:
        super().__init__()
        if write_images:
            raise NotImplementedError("TensorBoard(write_images=True) is not supported by gradtape.")
        if profile_batch not in (0, None, (0, 0), [0, 0]):
            raise NotImplementedError("TensorBoard(profile_batch=...) is not supported: gradtape has no profiler.")
        if embeddings_freq:
            raise NotImplementedError("TensorBoard(embeddings_freq=...) is not supported by gradtape.")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int; got {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph, self.write_images = write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self._writers: Dict[str, Any] = {}
        self._stack: List[Any] = []
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._should_write_graph = False
        self._epoch_start = 0.0
        self._epoch_start_iterations = 0

    def _writer(self, kind: str) -> Any:
        if kind not in self._writers:
            from .. import summary
            self._writers[kind] = summary.create_file_writer(os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def _push_writer(self, kind: str, step: int) -> None:
        if self.update_freq == "epoch":
            return
        import contextlib
        from .. import summary
        freq = self.update_freq
        stack = contextlib.ExitStack()
        stack.enter_context(self._writer(kind).as_default(step))
        stack.enter_context(summary.record_if(lambda: step % freq == 0))
        self._stack.append(stack)

    def _pop_writer(self) -> None:
        if self.update_freq == "epoch" or not self._stack:
            return
        self._stack.pop().close()

    def _iterations(self) -> Optional[int]:
        it = getattr(getattr(self.model, "optimizer", None), "iterations", None)
        return None if it is None else int(np.asarray(getattr(it, "_value", it)))

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._push_writer("train", 0)
        self._should_write_graph = bool(self.write_graph)

    def on_train_end(self, logs=None):
        self._pop_writer()
        while self._stack:
            self._pop_writer()
        for w in self._writers.values():
            w.close()
        self._writers = {}

    def on_test_begin(self, logs=None):
        self._push_writer("validation", self._global_test_batch)

    def on_test_end(self, logs=None):
        from .. import summary
        step = self._iterations()
        if step is not None:
            with self._writer("validation").as_default():
                for name, value in (logs or {}).items():
                    summary.scalar(f"evaluation_{name}_vs_iterations", value, step=step)
        self._pop_writer()

    def on_train_batch_begin(self, batch, logs=None):
        import time
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer("train", self._global_train_batch)
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        import time
        from .. import summary
        if self._should_write_graph:
            self._write_model_config()
            self._should_write_graph = False
        if self.write_steps_per_second:
            dt = time.time() - self._batch_start
            summary.scalar("batch_steps_per_second", 1.0 / dt if dt > 0 else 0.0, step=self._global_train_batch)
        if isinstance(logs, dict):
            for name, value in logs.items():
                summary.scalar(f"batch_{name}", value, step=self._global_train_batch)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer("validation", self._global_test_batch)

    def _write_model_config(self) -> None:
        from .. import summary
        if type(self.model).__name__ not in ("Functional", "Sequential", "Model"):
            return
        try:
            config = self.model.to_json()
        except Exception as e:  # Keras warns and goes on, too
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {e}", stacklevel=3)
            return
        md = summary._metadata("graph_keras_model", b"1")
        with self._writer("train").as_default():
            summary.write("keras", np.array(config, dtype=object), step=0, metadata=md)

    def on_epoch_begin(self, epoch, logs=None):
        import time
        self._epoch_start = time.time()
        self._epoch_start_iterations = self._iterations() or 0

    def on_epoch_end(self, epoch, logs=None):
        import time
        from .. import summary
        if logs:
            train = {k: v for k, v in logs.items() if not k.startswith("val_")}
            val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
            opt = getattr(self.model, "optimizer", None)
            if opt is not None and (hasattr(opt, "learning_rate") or hasattr(opt, "lr")):
                train["learning_rate"] = _get_lr(opt)
            if self.write_steps_per_second:
                dt = time.time() - self._epoch_start
                done = (self._iterations() or 0) - self._epoch_start_iterations
                train["steps_per_second"] = done / dt if dt > 0 else 0.0
            if train:
                with self._writer("train").as_default():
                    for name, value in train.items():
                        summary.scalar(f"epoch_{name}", value, step=epoch)
            if val:
                with self._writer("validation").as_default():
                    for name, value in val.items():
                        summary.scalar(f"epoch_{name}", value, step=epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _log_weights(self, epoch: int) -> None:
        from .. import summary
        prefix = getattr(self.model, "name", "model")
        with self._writer("train").as_default():
            for layer in self.model.layers:
                for w in layer.weights:
                    name = getattr(w, "path", None) or w.name.split(":")[0]
                    if not name.startswith(prefix + "/"):
                        name = prefix + "/" + name
                    summary.histogram(name + "/histogram", w, step=epoch)
