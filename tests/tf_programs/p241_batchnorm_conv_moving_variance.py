"""BatchNormalization after a convolution (4-D input): the moving variance after training steps
and the inference output that depends on it, as TF 2.21 (Keras 3) computes them."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(241)
x = tf.constant(rng.normal(loc=1.0, scale=2.0, size=(2, 3, 3, 4)).astype(np.float32))
bn = tf.keras.layers.BatchNormalization(momentum=0.5)
for i in range(3):
    bn(x * (1.0 + i), training=True)
RESULTS["moving"] = [bn.moving_mean, bn.moving_variance]
RESULTS["inference"] = bn(x, training=False)
model = tf.keras.Sequential([tf.keras.Input((4, 4, 2)), tf.keras.layers.Conv2D(3, 3, kernel_initializer="ones"),
                             tf.keras.layers.BatchNormalization(momentum=0.0)])
x2 = tf.constant(rng.normal(size=(2, 4, 4, 2)).astype(np.float32))
model(x2, training=True)
RESULTS["conv_bn_moving_variance"] = model.layers[-1].moving_variance
RESULTS["conv_bn_inference"] = model(x2, training=False)
# hard_sigmoid (used by MobileNetV3-style blocks): Keras 3's relu6(x + 3) / 6
RESULTS["hard_sigmoid"] = tf.keras.activations.hard_sigmoid(tf.constant([-4.0, -1.0, 0.0, 1.0, 2.5, 4.0]))
RESULTS["hard_sigmoid_layer"] = tf.keras.layers.Activation("hard_sigmoid")(tf.constant([[-3.5, 0.3]]))
