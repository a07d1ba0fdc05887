"""Training with the callbacks the tutorials use: EarlyStopping with restore_best_weights,
LearningRateScheduler, ReduceLROnPlateau, History, and class weights in fit."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(8)
x = rng.normal(size=(64, 4)).astype(np.float32)
y = (x @ np.array([1.0, -2.0, 0.5, 0.0], np.float32) + 0.1).reshape(-1, 1)


def build():
    m = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1)])
    m.set_weights([np.array([[0.3], [0.1], [-0.2], [0.5]], np.float32), np.zeros(1, np.float32)])
    m.compile(optimizer=tf.keras.optimizers.SGD(0.05), loss="mse")
    return m


model = build()
schedule = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch >= 2 else lr)
hist = model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0, callbacks=[schedule])
RESULTS["scheduled_loss"] = hist.history["loss"]
RESULTS["scheduled_lr"] = float(model.optimizer.learning_rate.numpy())
model = build()
stop = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0, restore_best_weights=True)
hist = model.fit(x, y, epochs=10, batch_size=16, shuffle=False, verbose=0, callbacks=[stop])
RESULTS["early_stopped_epochs"] = len(hist.history["loss"])
RESULTS["early_stop_weights"] = model.get_weights()
model = build()
plateau = tf.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0, min_lr=0.001)
hist = model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0, callbacks=[plateau])
RESULTS["plateau_loss"] = hist.history["loss"]
RESULTS["plateau_lr"] = float(model.optimizer.learning_rate.numpy())
clf = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
clf.set_weights([np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2), np.zeros(2, np.float32)])
clf.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
labels = (x[:, 0] > 0).astype(np.int32)
hist = clf.fit(x, labels, epochs=2, batch_size=16, shuffle=False, verbose=0, class_weight={0: 1.0, 1: 3.0})
RESULTS["class_weight_loss"] = hist.history["loss"]
sw = np.linspace(0.5, 1.5, 64).astype(np.float32)
hist = clf.fit(x, labels, epochs=1, batch_size=16, shuffle=False, verbose=0, sample_weight=sw)
RESULTS["sample_weight_loss"] = hist.history["loss"]
