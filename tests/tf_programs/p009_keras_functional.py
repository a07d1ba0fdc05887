"""Adapted from the Keras guide "The Functional API": a model with two inputs and two outputs,
trained with a loss per output and loss weights."""
import numpy as np
import tensorflow as tf

RESULTS = {}
num_tags, num_words, num_departments = 6, 20, 3
title_input = tf.keras.Input(shape=(num_words,), name="title")
tags_input = tf.keras.Input(shape=(num_tags,), name="tags")
title_features = tf.keras.layers.Dense(8, activation="tanh", name="title_dense")(title_input)
x = tf.keras.layers.concatenate([title_features, tags_input])
priority_pred = tf.keras.layers.Dense(1, name="priority")(x)
department_pred = tf.keras.layers.Dense(num_departments, name="department")(x)
model = tf.keras.Model(inputs=[title_input, tags_input], outputs=[priority_pred, department_pred])
model.set_weights([np.random.default_rng(3 + i).normal(scale=0.2, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01),
              loss=[tf.keras.losses.MeanSquaredError(),
                    tf.keras.losses.CategoricalCrossentropy(from_logits=True)],
              loss_weights=[1.0, 0.2])
rng = np.random.default_rng(0)
title_data = rng.integers(0, 2, size=(64, num_words)).astype(np.float32)
tags_data = rng.integers(0, 2, size=(64, num_tags)).astype(np.float32)
priority_targets = rng.random(size=(64, 1)).astype(np.float32)
dept_targets = np.eye(num_departments, dtype=np.float32)[rng.integers(0, num_departments, 64)]
hist = model.fit([title_data, tags_data], [priority_targets, dept_targets], epochs=3, batch_size=16,
                 shuffle=False, verbose=0)
RESULTS["loss"] = hist.history["loss"]
p, d = model.predict([title_data[:3], tags_data[:3]], verbose=0)
RESULTS["pred_priority"] = p
RESULTS["pred_department"] = d
RESULTS["layer_names"] = [l.name for l in model.layers]
