"""Adapted from the TensorFlow tutorial "Intro to Autoencoders": a subclassed Dense autoencoder
(encoder and decoder Sequentials) trained with fit on synthetic data."""
import numpy as np
import tensorflow as tf

RESULTS = {}
latent_dim = 4


class Autoencoder(tf.keras.Model):
    def __init__(self, latent_dim, shape):
        super().__init__()
        self.latent_dim = latent_dim
        self.shape_ = shape
        self.encoder = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(latent_dim, activation="relu")])
        self.decoder = tf.keras.Sequential([tf.keras.layers.Dense(int(np.prod(shape)), activation="sigmoid"),
                                            tf.keras.layers.Reshape(shape)])

    def call(self, x):
        encoded = self.encoder(x)
        return self.decoder(encoded)


rng = np.random.default_rng(8)
x_train = rng.random((64, 4, 4)).astype(np.float32)
autoencoder = Autoencoder(latent_dim, (4, 4))
autoencoder(x_train[:1])
autoencoder.set_weights([np.random.default_rng(70 + i).normal(scale=0.4, size=w.shape).astype(np.float32)
                         for i, w in enumerate(autoencoder.get_weights())])
autoencoder.compile(optimizer="adam", loss=tf.keras.losses.MeanSquaredError())
history = autoencoder.fit(x_train, x_train, epochs=4, batch_size=16, shuffle=False, verbose=0,
                          validation_data=(x_train[:16], x_train[:16]))
RESULTS["loss"] = history.history["loss"]
RESULTS["val_loss"] = history.history["val_loss"]
encoded = autoencoder.encoder(x_train[:2]).numpy()
RESULTS["encoded"] = encoded
RESULTS["decoded"] = autoencoder.decoder(encoded)
RESULTS["n_weights"] = len(autoencoder.weights)
