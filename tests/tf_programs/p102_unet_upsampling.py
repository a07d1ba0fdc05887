"""A U-Net-like encoder-decoder in the style of the keras-io segmentation examples: Conv2D and
MaxPooling2D down, UpSampling2D (nearest and bilinear) and Conv2DTranspose up, skip connections
joined with Concatenate after Cropping2D/ZeroPadding2D, SeparableConv2D, a per-pixel softmax, trained
with fit on synthetic 9x9 images."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

RESULTS = {}
rng = np.random.default_rng(102)
images = rng.random((12, 9, 9, 2)).astype(np.float32)
masks = (images[..., 0] > images[..., 1]).astype(np.int32)

inputs = keras.Input(shape=(9, 9, 2))
x = layers.ZeroPadding2D(((0, 1), (0, 1)))(inputs)                 # 10x10
c1 = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
p1 = layers.MaxPooling2D(2)(c1)                                   # 5x5
c2 = layers.SeparableConv2D(6, 3, padding="same", activation="relu")(p1)
u1 = layers.UpSampling2D(2)(c2)                                   # 10x10
u1b = layers.UpSampling2D(2, interpolation="bilinear")(c2)
t1 = layers.Conv2DTranspose(3, 2, strides=2)(c2)
m = layers.Concatenate()([u1, u1b, t1, c1])
m = layers.Conv2D(4, 3, padding="same", activation="relu")(m)
m = layers.Cropping2D(((0, 1), (0, 1)))(m)                        # 9x9
outputs = layers.Conv2D(2, 1, activation="softmax")(m)
model = keras.Model(inputs, outputs)
RESULTS["weight_shapes"] = [list(w.shape) for w in model.get_weights()]
model.set_weights([np.random.default_rng(3000 + i).normal(scale=0.4, size=w.shape).astype(np.float32)
                   for i, w in enumerate(model.get_weights())])
RESULTS["predict_before"] = model.predict(images[:2], verbose=0)[:, :3, :3]
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
history = model.fit(images, masks, batch_size=4, epochs=2, shuffle=False, verbose=0)
RESULTS["loss"] = history.history["loss"]
RESULTS["predict_after"] = model.predict(images[:2], verbose=0)[:, :3, :3]
RESULTS["upsample_3d"] = layers.UpSampling3D((1, 2, 1))(np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2, 1))
RESULTS["crop_pad_1d"] = layers.Cropping1D((1, 0))(layers.ZeroPadding1D(1)(np.ones((1, 2, 1), np.float32)))
TOLERANCE = {"rtol": 2e-4, "atol": 2e-5}
