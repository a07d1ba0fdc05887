"""Adapted from the Keras guide "Writing your own callbacks": a callback recording which hooks run with
which logs keys, an early-stopping-at-minimum-loss callback keeping the best weights, and a custom
learning-rate schedule through on_epoch_begin -- on synthetic regression data with NumPy weights."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

RESULTS = {}
rng = np.random.default_rng(121)
x_train = rng.normal(size=(64, 4)).astype(np.float32)
y_train = (x_train @ np.array([1.0, -2.0, 0.5, 3.0], np.float32) + 0.1).astype(np.float32)
x_test, y_test = x_train[:16], y_train[:16]


def get_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.set_weights([np.full((4, 1), 0.1, np.float32), np.zeros((1,), np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mean_squared_error",
                  metrics=["mean_absolute_error"])
    return model


class CustomCallback(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(["train_begin", sorted(logs or {})])

    def on_train_end(self, logs=None):
        self.events.append(["train_end", sorted(logs or {})])

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(["epoch_begin", epoch])

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(["epoch_end", epoch, sorted(logs)])

    def on_test_begin(self, logs=None):
        self.events.append(["test_begin"])

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(["train_batch_end", batch, sorted(logs)])

    def on_test_batch_end(self, batch, logs=None):
        self.events.append(["test_batch_end", batch, sorted(logs)])


cb = CustomCallback()
model = get_model()
model.fit(x_train, y_train, batch_size=32, epochs=2, verbose=0, validation_split=0.25, shuffle=False, callbacks=[cb])
RESULTS["fit_events"] = [str(e) for e in cb.events]
cb2 = CustomCallback()
RESULTS["evaluate"] = model.evaluate(x_test, y_test, batch_size=8, verbose=0, callbacks=[cb2])
RESULTS["evaluate_events"] = [str(e) for e in cb2.events]


class LossAndErrorPrintingCallback(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batch_losses = []

    def on_train_batch_end(self, batch, logs=None):
        self.batch_losses.append(logs["loss"])


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best = current
            self.wait = 0
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                self.model.set_weights(self.best_weights)


LR_SCHEDULE = [(2, 0.5), (4, 0.2), (6, 0.1)]


def lr_schedule(epoch, lr):
    if epoch < LR_SCHEDULE[0][0] or epoch > LR_SCHEDULE[-1][0]:
        return lr
    for i in range(len(LR_SCHEDULE)):
        if epoch == LR_SCHEDULE[i][0]:
            return LR_SCHEDULE[i][1] * lr
    return lr


class CustomLearningRateScheduler(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule
        self.lrs = []

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(np.array(self.model.optimizer.learning_rate))
        scheduled_lr = self.schedule(epoch, lr)
        self.model.optimizer.learning_rate = scheduled_lr
        self.lrs.append(scheduled_lr)


printer = LossAndErrorPrintingCallback()
stopper = EarlyStoppingAtMinLoss(patience=1)
sched = CustomLearningRateScheduler(lr_schedule)
model = get_model()
model.optimizer.learning_rate = 0.3          # large enough that the loss goes up at some epoch
history = model.fit(x_train, y_train, batch_size=16, epochs=8, verbose=0, shuffle=False,
                    callbacks=[printer, stopper, sched])
RESULTS["batch_losses"] = printer.batch_losses
RESULTS["epoch_loss"] = history.history["loss"]
RESULTS["stopped_epoch"] = stopper.stopped_epoch
RESULTS["lrs"] = sched.lrs
RESULTS["final_weights"] = model.get_weights()
