"""Transfer learning with a keras.applications model, as in the Keras "transfer learning" guide but
without downloads: MobileNetV3Small (squeeze-excite, hard-swish, the in-model Rescaling) built with
weights=None, given seeded weights, used for inference, then fine-tuned with fit (BatchNormalization in
training mode, gradients through grouped depthwise convolutions)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
TOLERANCE = {"rtol": 5e-4, "atol": 5e-5}

model = tf.keras.applications.MobileNetV3Small(input_shape=(32, 32, 3), alpha=0.75, weights=None, classes=3,
                                               dropout_rate=0.0)
rng = np.random.default_rng(210)
weights = []
for w in model.weights:          # He-scaled kernels and gammas near 1: the predictions depend on the image
    s = tuple(w.shape)
    a = rng.standard_normal(s).astype(np.float32)
    if "moving_variance" in w.name:
        a = np.abs(a) * 0.2 + 0.5
    elif "gamma" in w.name:
        a = 1.0 + 0.2 * a
    elif len(s) == 4:
        fan_in = s[0] * s[1] if s[-1] == 1 else int(np.prod(s[:-1]))
        a = a * np.float32(np.sqrt(2.0 / fan_in))
    else:
        a = a * np.float32(0.1)
    weights.append(a.astype(np.float32))
model.set_weights(weights)
RESULTS["params"] = model.count_params()
RESULTS["n_layers"] = len(model.layers)

x = rng.uniform(0, 255, (8, 32, 32, 3)).astype(np.float32)
y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
x = tf.keras.applications.mobilenet_v3.preprocess_input(x)      # a pass-through
RESULTS["predict"] = model.predict(x, verbose=0)

model.compile(optimizer=tf.keras.optimizers.SGD(0.001), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
hist = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
RESULTS["loss"] = hist.history["loss"]
RESULTS["moving_mean_sample"] = model.get_layer("conv_bn").moving_mean.numpy()[:4]
