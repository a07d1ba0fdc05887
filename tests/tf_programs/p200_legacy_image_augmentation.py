"""Adapted from the Keras/TF tutorials that augment images with the legacy ImageDataGenerator
("Image classification", "Data augmentation" before Keras 3) and build word2vec skip-grams
("word2vec" tutorial), plus reading a WAV file ("Simple audio recognition"). Recording it under real TF needs SciPy in that environment (Keras's
ImageDataGenerator imports it): PYTHONPATH=/path/to/scipy tests/tf_reference/record_tf_programs.py p200..."""
import random

import numpy as np
import tensorflow as tf

RESULTS = {}
k = np.arange(8 * 12 * 10 * 3, dtype=np.float64)
images = ((np.sin(k * 12.9898) * 43758.5453) % 1.0 * 255.0).reshape(8, 12, 10, 3).astype("float32")
labels = np.arange(8) % 2

datagen = tf.keras.preprocessing.image.ImageDataGenerator(
    rotation_range=20, width_shift_range=0.2, height_shift_range=0.2, shear_range=10, zoom_range=0.2,
    horizontal_flip=True, fill_mode="reflect", rescale=1.0 / 255, featurewise_center=True,
    featurewise_std_normalization=True)
datagen.fit(images)
RESULTS["mean"] = datagen.mean.ravel()
RESULTS["std"] = datagen.std.ravel()
it = datagen.flow(images, labels, batch_size=4, seed=42)
x0, y0 = next(it)
x1, y1 = next(it)
RESULTS["batch0"] = x0
RESULTS["labels"] = [y0.tolist(), y1.tolist()]
RESULTS["batch1_sum"] = float(x1.sum())
params = datagen.get_random_transform(images[0].shape, seed=7)
RESULTS["params"] = [float(params[k]) for k in ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal")]
fixed = tf.keras.preprocessing.image.ImageDataGenerator(fill_mode="constant", cval=0.5)
RESULTS["rotated"] = fixed.apply_transform(images[1] / 255.0, {"theta": 33.0, "zx": 0.9, "zy": 1.1})

random.seed(0)
sequence = [2, 5, 1, 0, 7, 3, 2, 9, 4]
couples, skip_labels = tf.keras.preprocessing.sequence.skipgrams(
    sequence, vocabulary_size=10, window_size=2, negative_samples=1.0, seed=11)
RESULTS["couples"] = couples
RESULTS["skip_labels"] = skip_labels
RESULTS["sampling_table"] = tf.keras.preprocessing.sequence.make_sampling_table(8, sampling_factor=0.01)

audio = np.sin(np.arange(64) / 5.0).astype("float32")[:, None] * 0.8
wav = tf.audio.encode_wav(audio, sample_rate=16000)
decoded, rate = tf.audio.decode_wav(wav, desired_channels=1, desired_samples=80)
RESULTS["wav_rate"] = int(rate)
RESULTS["wav"] = decoded[:, 0]
RESULTS["taller"] = tf.keras.layers.RandomHeight((0.5, 0.5))(images[:2] / 255.0, training=True)
