"""Adapted from the Keras guide "Customizing what happens in fit()": a Model with its own train_step and
test_step, metrics tracked by hand, trained with fit and evaluated."""
import numpy as np
import tensorflow as tf

RESULTS = {}
loss_tracker = tf.keras.metrics.Mean(name="loss")
mae_metric = tf.keras.metrics.MeanAbsoluteError(name="mae")
loss_fn = tf.keras.losses.MeanSquaredError()


class CustomModel(tf.keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = loss_fn(y, y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        loss_tracker.update_state(loss)
        mae_metric.update_state(y, y_pred)
        return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        loss_tracker.update_state(loss_fn(y, y_pred))
        mae_metric.update_state(y, y_pred)
        return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

    @property
    def metrics(self):
        return [loss_tracker, mae_metric]


inputs = tf.keras.Input(shape=(32,))
outputs = tf.keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.set_weights([np.linspace(-0.5, 0.5, 32, dtype=np.float32).reshape(32, 1), np.zeros(1, np.float32)])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01))
rng = np.random.default_rng(3)
x = rng.random((128, 32)).astype(np.float32)
y = rng.random((128, 1)).astype(np.float32)
history = model.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["mae"] = history.history["mae"]
RESULTS["evaluate"] = model.evaluate(x[:64], y[:64], batch_size=32, verbose=0)
