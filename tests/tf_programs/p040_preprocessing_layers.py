"""The Keras image and numeric preprocessing layers at inference, as the "Working with preprocessing
layers" guide uses them (random layers are the identity outside training)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(5)
images = tf.constant(rng.random((2, 10, 12, 3)).astype(np.float32) * 255.0)
RESULTS["rescaling"] = tf.keras.layers.Rescaling(1.0 / 255, offset=-0.5)(images[:, :2, :2])
RESULTS["resizing"] = tf.keras.layers.Resizing(5, 6)(images)
RESULTS["resizing_crop"] = tf.keras.layers.Resizing(6, 6, crop_to_aspect_ratio=True)(images)
RESULTS["center_crop"] = tf.keras.layers.CenterCrop(4, 8)(images)
for name in ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomBrightness"]:
    cls = getattr(tf.keras.layers, name)
    layer = cls() if name == "RandomFlip" else cls(0.2, 0.2) if name == "RandomTranslation" else cls(0.2)
    RESULTS[name + "_inference"] = layer(images, training=False)
RESULTS["random_crop_inference"] = tf.keras.layers.RandomCrop(6, 8)(images, training=False)
norm = tf.keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
RESULTS["normalization"] = norm(tf.constant([[3.0, 5.0]]))
inv = tf.keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True)
RESULTS["normalization_invert"] = inv(tf.constant([[1.0, 1.0]]))
model = tf.keras.Sequential([tf.keras.Input(shape=(10, 12, 3)), tf.keras.layers.Rescaling(1.0 / 255),
                             tf.keras.layers.RandomFlip("horizontal"), tf.keras.layers.Resizing(4, 4),
                             tf.keras.layers.Flatten(), tf.keras.layers.Dense(2)])
model.set_weights([np.linspace(-1, 1, 96, dtype=np.float32).reshape(48, 2) * 0.1, np.zeros(2, np.float32)])
RESULTS["model_predict"] = model.predict(images, verbose=0)
ds = tf.data.Dataset.from_tensor_slices(images).batch(2).map(lambda x: tf.keras.layers.Resizing(3, 3)(x))
RESULTS["in_dataset_map"] = [b for b in ds]
