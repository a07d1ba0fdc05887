"""Keras layers (part C2): outputs against NumPy, float64 gradient checks, Layer base semantics."""
import numpy as np
import pytest

import gradtape as tf
from gradtape.testing import check_gradients

L = tf.keras.layers


@pytest.fixture(autouse=True)
def _fresh():
    tf.keras.backend.clear_session()
    tf.random.set_seed(0)
    yield


def rng(seed=0):
    return np.random.default_rng(seed)


# -- Dense ------------------------------------------------------------------------------------------
def test_dense_forward_matches_numpy_and_names():
    x = rng().normal(size=(5, 3)).astype(np.float32)
    layer = L.Dense(4, activation="relu")
    y = layer(x)
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ k + b, 0), rtol=1e-6)
    assert y.dtype == tf.float32
    assert layer.name == "dense" and L.Dense(1).name == "dense_1"
    assert [v.name for v in layer.weights] == ["dense/kernel:0", "dense/bias:0"]
    assert np.all(b == 0)
    limit = np.sqrt(6 / (3 + 4))
    assert np.all(np.abs(k) <= limit)


def test_dense_rank3_and_float64_numpy_input_autocast():
    x = rng().normal(size=(2, 3, 4))            # float64 NumPy -> cast to float32 like Keras
    layer = L.Dense(5, use_bias=False)
    y = layer(x)
    assert y.shape == (2, 3, 5) and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), x.astype(np.float32) @ layer.kernel.numpy(), rtol=1e-5)
    assert len(layer.weights) == 1


def test_dense_rank_errors():
    layer = L.Dense(3)
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        layer(np.ones(3, np.float32))
    layer(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="units"):
        L.Dense(0)


def test_dense_gradients_float64():
    layer = L.Dense(3, activation="tanh", dtype="float64")
    x0 = rng(1).normal(size=(4, 2))
    layer(x0)
    k0, b0 = layer.kernel.numpy(), layer.bias.numpy()

    def f(x, k, b):
        layer.kernel, layer.bias = k, b
        return layer(x)

    try:
        check_gradients(f, [x0, k0, b0], order=1)
    finally:
        layer.kernel, layer.bias = layer.weights[0], layer.weights[1]


def test_dense_variables_get_gradients_under_tape():
    layer = L.Dense(2)
    x = tf.constant(rng().normal(size=(3, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    gk, gb = tape.gradient(loss, layer.trainable_variables)
    np.testing.assert_allclose(gk.numpy(), np.tile(x.numpy().sum(0)[:, None], (1, 2)), rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), [3.0, 3.0])


def test_dense_config_round_trip():
    layer = L.Dense(3, activation="sigmoid", kernel_regularizer=tf.keras.regularizers.l2(0.1), name="d")
    cfg = layer.get_config()
    assert cfg["units"] == 3 and cfg["activation"] == "sigmoid" and cfg["name"] == "d"
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    clone = L.Dense.from_config(cfg)
    assert clone.units == 3 and clone.activation is tf.keras.activations.sigmoid
    assert clone.kernel_regularizer.l2 == pytest.approx(0.1)


# -- other core layers ------------------------------------------------------------------------------
def test_activation_flatten_reshape_lambda():
    x = rng().normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(L.Activation("relu")(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(L.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_allclose(L.Reshape((4, 3))(x).numpy(), x.reshape(2, 4, 3))
    np.testing.assert_allclose(L.Reshape((-1,))(x).numpy(), x.reshape(2, 12))
    with pytest.raises(ValueError, match="total size"):
        L.Reshape((5,))(x)
    np.testing.assert_allclose(L.Lambda(lambda t: t * 2)(x).numpy(), 2 * x)


def test_dropout_training_flag():
    x = np.ones((200, 50), np.float32)
    d = L.Dropout(0.4)
    np.testing.assert_array_equal(d(x).numpy(), x)                      # inference by default
    np.testing.assert_array_equal(d(x, training=False).numpy(), x)
    y = d(x, training=True).numpy()
    kept = y != 0
    assert 0.55 < kept.mean() < 0.65
    np.testing.assert_allclose(y[kept], 1 / 0.6, rtol=1e-6)


def test_embedding_forward_and_gradient():
    e = L.Embedding(6, 3)
    ids = np.array([[0, 2], [5, 2]])
    out = e(ids)
    table = e.embeddings.numpy()
    np.testing.assert_allclose(out.numpy(), table[ids])
    assert np.all(np.abs(table) <= 0.05)                     # RandomUniform(-0.05, 0.05)
    e64 = L.Embedding(6, 3, dtype="float64")
    e64(ids)
    w0 = e64.embeddings.numpy()

    def f(w):
        e64.embeddings = w
        return e64(ids)

    check_gradients(f, [w0])
    e64.embeddings = e64.weights[0]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(e(ids))
    g = tape.gradient(loss, e.embeddings)
    dense = tf.convert_to_tensor(g).numpy() if not hasattr(g, "numpy") else g.numpy()
    np.testing.assert_allclose(dense[:, 0], [1, 0, 2, 0, 0, 1])


def test_merge_layers():
    a = rng(0).normal(size=(2, 3)).astype(np.float32)
    b = rng(1).normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(L.Add()([a, b]).numpy(), a + b)
    np.testing.assert_allclose(L.Subtract()([a, b]).numpy(), a - b)
    np.testing.assert_allclose(L.Multiply()([a, b]).numpy(), a * b)
    np.testing.assert_allclose(L.Average()([a, b]).numpy(), (a + b) / 2)
    np.testing.assert_allclose(L.Concatenate()([a, b]).numpy(), np.concatenate([a, b], -1))
    with pytest.raises(ValueError, match="list of at least 2"):
        L.Add()([a])


# -- normalization ----------------------------------------------------------------------------------
def test_batchnorm_training_inference_and_moving_stats():
    x = rng().normal(loc=3.0, scale=2.0, size=(16, 4)).astype(np.float32)
    bn = L.BatchNormalization()
    y = bn(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.99 + 0.01 * var, rtol=1e-5)
    assert [v.name.split("/")[-1] for v in bn.weights] == ["gamma:0", "beta:0", "moving_mean:0",
                                                         "moving_variance:0"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    # inference (default) uses the moving statistics
    y_inf = bn(x).numpy()
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    np.testing.assert_allclose(y_inf, (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-4, atol=1e-5)
    # frozen layer runs in inference mode even with training=True (Keras 2)
    bn.trainable = False
    before = bn.moving_mean.numpy().copy()
    np.testing.assert_allclose(bn(x, training=True).numpy(), y_inf, rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_batchnorm_4d_moves_towards_the_biased_variance_as_keras_3():
    x = rng().normal(size=(2, 3, 3, 2)).astype(np.float32)
    bn = L.BatchNormalization(momentum=0.0)
    bn(x, training=True)
    np.testing.assert_allclose(bn.moving_variance.numpy(), x.reshape(-1, 2).var(0), rtol=1e-5)


def test_batchnorm_gradients_float64():
    bn = L.BatchNormalization(dtype="float64")
    x0 = rng(2).normal(size=(5, 3))
    bn(x0)
    g0 = rng(3).normal(size=3)
    b0 = rng(4).normal(size=3)

    def f(x, g, b):
        bn.gamma, bn.beta = g, b
        return bn(x, training=True)

    check_gradients(f, [x0, g0, b0])
    bn.gamma, bn.beta = bn.weights[0], bn.weights[1]


def test_layernorm_forward_and_gradients():
    x = rng().normal(size=(3, 5)).astype(np.float32)
    ln = L.LayerNormalization()
    y = ln(x).numpy()
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    ln64 = L.LayerNormalization(dtype="float64")
    x0 = rng(5).normal(size=(2, 4))
    ln64(x0)

    def f(x, g, b):
        ln64.gamma, ln64.beta = g, b
        return ln64(x)

    check_gradients(f, [x0, rng(6).normal(size=4), rng(7).normal(size=4)])


# -- initializers, activations, regularizers --------------------------------------------------------
def test_initializers_by_name_and_class():
    init = tf.keras.initializers
    assert np.all(init.get("zeros")((2, 3)).numpy() == 0)
    assert np.all(init.Ones()((2,)).numpy() == 1)
    np.testing.assert_allclose(init.Constant(3.0)((2, 2)).numpy(), 3.0)
    w = init.get("glorot_uniform")((200, 300)).numpy()
    limit = np.sqrt(6 / 500)
    assert w.dtype == np.float32 and np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit
    he = init.HeNormal()((400, 300)).numpy()
    assert abs(he.std() - np.sqrt(2 / 400)) < 0.1 * np.sqrt(2 / 400)
    assert np.abs(he).max() <= 2 * np.sqrt(2 / 400) / 0.87962566103423978 + 1e-6
    lu = init.LecunUniform()((100, 10)).numpy()
    assert np.abs(lu).max() <= np.sqrt(3 / 100)
    q = init.Orthogonal()((5, 3)).numpy()
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-5)
    np.testing.assert_allclose(init.Identity(2.0)((2, 3)).numpy(), 2 * np.eye(2, 3))
    rn = init.RandomNormal(stddev=0.05)((1000,)).numpy()
    assert abs(rn.std() - 0.05) < 0.005
    ru = init.RandomUniform()((1000,)).numpy()
    assert ru.min() >= -0.05 and ru.max() <= 0.05
    assert init.TruncatedNormal(stddev=1.0)((1000,)).numpy().max() <= 2.0
    assert init.get("he_uniform")((3, 3), dtype="float64").dtype == tf.float64
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        init.get("nope")
    with pytest.raises(ValueError, match="scale"):
        init.VarianceScaling(scale=0)


def test_initializers_seeded_by_global_seed():
    tf.random.set_seed(7)
    a = L.Dense(3)(np.ones((1, 4), np.float32))
    tf.random.set_seed(7)
    b = L.Dense(3)(np.ones((1, 4), np.float32))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert tf.zeros_initializer is tf.keras.initializers.Zeros
    assert isinstance(tf.random_normal_initializer(), tf.keras.initializers.RandomNormal)
    assert isinstance(tf.glorot_uniform_initializer(), tf.keras.initializers.GlorotUniform)


@pytest.mark.parametrize("name,ref", [
    ("relu", lambda x: np.maximum(x, 0)), ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("tanh", np.tanh),
    ("linear", lambda x: x), ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
    ("softplus", lambda x: np.log1p(np.exp(x))), ("swish", lambda x: x / (1 + np.exp(-x))),
    ("silu", lambda x: x / (1 + np.exp(-x))), ("softsign", lambda x: x / (1 + np.abs(x))),
    ("selu", lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("softmax", lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)),
    ("hard_sigmoid", lambda x: np.clip((x + 3.0) / 6.0, 0, 1)),      # Keras 3 (TF 2.21)
])
def test_activations_by_name(name, ref):
    x = rng().normal(size=(3, 4))
    np.testing.assert_allclose(tf.keras.activations.get(name)(tf.constant(x)).numpy(), ref(x), rtol=1e-6, atol=1e-7)
    assert tf.keras.activations.serialize(tf.keras.activations.get(name)) in (name, "swish")


def test_gelu_and_unknown_activation():
    from math import erf
    x = np.array([-1.0, 0.5, 2.0])
    ref = np.array([0.5 * v * (1 + erf(v / np.sqrt(2))) for v in x])
    np.testing.assert_allclose(tf.keras.activations.gelu(tf.constant(x)).numpy(), ref, rtol=1e-6)
    with pytest.raises(ValueError, match="Unknown activation"):
        tf.keras.activations.get("nope")


def test_regularization_losses_are_differentiable():
    layer = L.Dense(2, kernel_regularizer="l2", bias_regularizer=tf.keras.regularizers.l1(0.5),
                    bias_initializer="ones")
    x = np.ones((1, 3), np.float32)
    layer(x)
    k = layer.kernel.numpy()
    losses = layer.losses
    assert len(losses) == 2
    np.testing.assert_allclose(losses[0].numpy(), 0.01 * np.sum(k ** 2), rtol=1e-5)
    np.testing.assert_allclose(losses[1].numpy(), 0.5 * 2, rtol=1e-6)
    with tf.GradientTape() as tape:
        total = tf.add_n(layer.losses)
    gk = tape.gradient(total, layer.kernel)
    np.testing.assert_allclose(gk.numpy(), 0.02 * k, rtol=1e-5)
    r = tf.keras.regularizers.l1_l2(l1=0.1, l2=0.2)
    v = np.array([1.0, -2.0], np.float32)
    np.testing.assert_allclose(r(tf.constant(v)).numpy(), 0.1 * 3 + 0.2 * 5, rtol=1e-6)


# -- Layer base class -------------------------------------------------------------------------------
class Scale(L.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen_training = []

    def build(self, input_shape):
        self.w = self.add_weight("w", shape=(input_shape[-1],), initializer="ones")
        self.count = self.add_weight("count", shape=(), initializer="zeros", trainable=False)

    def call(self, x, training=None):
        self.seen_training.append(training)
        return x * self.w


class Block(L.Layer):
    def __init__(self):
        super().__init__()
        self.first = Scale()
        self.stack = [L.Dense(2), Scale()]
        self.by_key = {"a": L.Dense(2)}
        self.extra = tf.Variable(1.0, name="extra")

    def call(self, x):
        x = self.first(x)
        for layer in self.stack:
            x = layer(x)
        return self.by_key["a"](x) * self.extra


def test_nested_tracking_order_and_trainable_propagation():
    blk = Block()
    assert not blk.built
    blk(np.ones((2, 3), np.float32))
    assert blk.built
    names = [v.name for v in blk.trainable_weights]
    assert names == ["extra:0", "block/scale/w:0", "block/dense/kernel:0", "block/dense/bias:0",
                     "block/scale_1/w:0", "block/dense_1/kernel:0", "block/dense_1/bias:0"]
    assert [v.name for v in blk.non_trainable_weights] == ["block/scale/count:0", "block/scale_1/count:0"]
    assert len(blk.weights) == len(blk.variables) == 9
    assert [l.name for l in blk.submodules] == ["scale", "dense", "scale_1", "dense_1"]
    blk.trainable = False
    assert blk.trainable_weights == [] and len(blk.non_trainable_weights) == 9
    assert not blk.stack[0].trainable
    blk.trainable = True
    assert len(blk.trainable_variables) == 7


def test_training_argument_propagates_to_inner_layers():
    blk = Block()
    x = np.ones((1, 3), np.float32)
    blk(x, training=True)
    blk(x)
    blk(x, training=False)
    assert blk.first.seen_training == [True, None, False]
    s = Scale()
    s(x, training=True)
    assert s.seen_training == [True]


def test_get_set_weights_and_count_params():
    d = L.Dense(2)
    with pytest.raises(ValueError, match="isn't built"):
        d.count_params()
    d(np.ones((1, 3), np.float32))
    assert d.count_params() == 8
    ws = [np.full((3, 2), 0.5, np.float32), np.array([1.0, 2.0], np.float32)]
    d.set_weights(ws)
    np.testing.assert_allclose(d(np.ones((1, 3), np.float32)).numpy(), [[2.5, 3.5]])
    with pytest.raises(ValueError, match="expecting 2 weights"):
        d.set_weights(ws[:1])


def test_add_weight_keras3_order_and_add_loss():
    class L3(L.Layer):
        def build(self, input_shape):
            self.v = self.add_weight(shape=(2,), initializer="ones", name="v")

        def call(self, x):
            self.add_loss(tf.reduce_sum(x))
            return x + self.v

    layer = L3()
    layer(np.ones((1, 2), np.float32))
    assert layer.v.shape == (2,)
    assert float(layer.losses[0]) == 2.0
    layer(np.zeros((1, 2), np.float32))
    assert len(layer.losses) == 1 and float(layer.losses[0]) == 0.0


def test_training_required_positional_and_default_semantics():
    class Doubler(L.Layer):
        def call(self, x, training):               # no default: Keras passes None when unknown
            return x * 2 if training else x

    class Outer(L.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Doubler()

        def call(self, x, training=None):
            return self.inner(x)

    x = np.ones((1, 2), np.float32)
    d = Doubler()
    np.testing.assert_array_equal(d(x).numpy(), x)
    np.testing.assert_array_equal(d(x, True).numpy(), 2 * x)
    np.testing.assert_array_equal(d(x, training=True).numpy(), 2 * x)
    o = Outer()
    np.testing.assert_array_equal(o(x, True).numpy(), 2 * x)       # positional training reaches inner layers
    np.testing.assert_array_equal(o(x).numpy(), x)


def test_activation_and_reshaping_layers():
    x = rng().normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(L.ReLU(max_value=0.5)(x).numpy(), np.clip(x, 0, 0.5))
    np.testing.assert_allclose(L.ReLU(negative_slope=0.1)(x).numpy(), np.where(x > 0, x, 0.1 * x), rtol=1e-6)
    np.testing.assert_allclose(L.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(L.ELU(0.5)(x).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-6)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(L.Softmax(axis=1)(x).numpy(), e / e.sum(1, keepdims=True), rtol=1e-6)
    p = L.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.25), shared_axes=[1])
    np.testing.assert_allclose(p(x).numpy(), np.where(x > 0, x, 0.25 * x), rtol=1e-6)
    assert p.alpha.shape == (1, 4)
    np.testing.assert_allclose(L.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    np.testing.assert_allclose(L.RepeatVector(3)(x[:, 0]).numpy(), np.repeat(x[:, None, 0], 3, axis=1))
    img = np.arange(6, dtype=np.uint8).reshape(1, 6)
    np.testing.assert_allclose(L.Rescaling(1 / 255.0)(img).numpy(), img / 255.0, rtol=1e-6)


def test_normalization_adapt_and_fixed_statistics():
    x = rng(8).normal(loc=5, scale=3, size=(100, 3))
    norm = L.Normalization(axis=-1)
    norm.adapt(x)
    np.testing.assert_allclose(norm.mean.numpy(), x.mean(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(norm.variance.numpy(), x.var(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(norm(x[:5]).numpy(), (x[:5] - x.mean(0)) / x.std(0), rtol=1e-5, atol=1e-5)
    assert [v.name for v in norm.weights] == ["normalization/mean:0", "normalization/variance:0",
                                              "normalization/count:0"]
    assert norm.trainable_weights == [] and int(norm.count.numpy()) == 100
    m = tf.keras.Sequential([norm, L.Dense(1)])
    m.build((None, 3))
    lines = []
    m.summary(print_fn=lines.append)
    assert lines[4] == " normalization (Normalizatio  (None, 3)                7         "   # TF tutorial layout
    fixed = L.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    np.testing.assert_allclose(fixed(np.array([[3.0, 5.0]])).numpy(), [[1.0, 1.0]])
    back = L.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True)
    np.testing.assert_allclose(back(np.array([[1.0, 1.0]])).numpy(), [[3.0, 5.0]])
    from gradtape.data import Dataset
    ds_norm = L.Normalization()
    ds_norm.adapt(Dataset.from_tensor_slices(x.astype(np.float32)).batch(16))
    np.testing.assert_allclose(ds_norm.mean.numpy(), x.mean(0, keepdims=True), rtol=1e-5)


def test_time_distributed_and_noise_layers():
    x = rng(9).normal(size=(2, 5, 3)).astype(np.float32)
    td = L.TimeDistributed(L.Dense(4))
    y = td(x)
    inner = td.layer
    np.testing.assert_allclose(y.numpy(), x @ inner.kernel.numpy() + inner.bias.numpy(), rtol=1e-5)
    assert len(td.trainable_weights) == 2
    cfg = td.get_config()
    assert cfg["layer"]["class_name"] == "Dense" and L.TimeDistributed.from_config(cfg).layer.units == 4
    ones = np.ones((4, 6, 8), np.float32)
    for layer in (L.GaussianNoise(0.5), L.GaussianDropout(0.3), L.SpatialDropout1D(0.5)):
        np.testing.assert_array_equal(layer(ones).numpy(), ones)          # identity at inference
    sd = L.SpatialDropout1D(0.5)(ones, training=True).numpy()
    assert np.all(sd == sd[:, :1, :])                                    # whole channels dropped
    assert set(np.unique(sd)) <= {0.0, 2.0}
    noisy = L.GaussianNoise(0.5)(np.zeros((2000,), np.float32)[None], training=True).numpy()
    assert abs(noisy.std() - 0.5) < 0.05
