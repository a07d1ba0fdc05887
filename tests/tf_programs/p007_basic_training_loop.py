"""Adapted from the TensorFlow guide "Basic training loops" (site/en/guide/basic_training_loops.ipynb):
fit y = 3x + 2 with a hand-written loop (the guide's model as a plain class, data from NumPy)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
TRUE_W, TRUE_B = 3.0, 2.0
NUM_EXAMPLES = 201
rng = np.random.default_rng(0)
x = tf.constant(np.linspace(-2, 2, NUM_EXAMPLES, dtype=np.float32))
noise = tf.constant(rng.normal(size=NUM_EXAMPLES).astype(np.float32))
y = x * TRUE_W + TRUE_B + noise


class MyModel:
    def __init__(self):
        self.w = tf.Variable(5.0)
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return self.w * x + self.b


def loss(target_y, predicted_y):
    return tf.reduce_mean(tf.square(target_y - predicted_y))


def train(model, x, y, learning_rate):
    with tf.GradientTape() as t:
        current_loss = loss(y, model(x))
    dw, db = t.gradient(current_loss, [model.w, model.b])
    model.w.assign_sub(learning_rate * dw)
    model.b.assign_sub(learning_rate * db)


model = MyModel()
history = []
for epoch in range(10):
    train(model, x, y, learning_rate=0.1)
    history.append([model.w.numpy(), model.b.numpy(), loss(y, model(x)).numpy()])
RESULTS["history"] = history


class MyKerasModel(tf.keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Keras weights (add_weight): Keras 3 does not train raw tf.Variable attributes of a Model.
        self.w = self.add_weight(shape=(), initializer=tf.keras.initializers.Constant(5.0), name="w")
        self.b = self.add_weight(shape=(), initializer="zeros", name="b")

    def call(self, x):
        return self.w * x + self.b


keras_model = MyKerasModel()
keras_model.compile(run_eagerly=False, optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),
                    loss=tf.keras.losses.MeanSquaredError())
hist = keras_model.fit(x, y, epochs=5, batch_size=1000, verbose=0, shuffle=False)
RESULTS["keras_loss"] = hist.history["loss"]
RESULTS["keras_vars"] = [keras_model.w, keras_model.b]
