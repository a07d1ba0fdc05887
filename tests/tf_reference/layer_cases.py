"""Keras layer cases shared by the recorder (make_layer_refs.py, run under real Keras 3) and the parity
test (tests/test_layers_keras_parity.py, run under gradtape). Each case builds a layer (or a small
model) from a ``keras`` module passed in, so the same code runs on both sides.

A case: ``name``, ``build(keras) -> layer``, ``inputs`` (("float", shape) for standard-normal float32
data drawn from a per-case seed, or a concrete integer/bool array), ``call`` (how the inputs are
passed: ``"one"`` layer(x), ``"list"`` layer([a, b, ...]), ``"args"`` layer(a, b, ...)), ``kwargs``
(call keyword arguments; arrays allowed), ``calls`` (how often the layer is called in a row: stateful
RNNs). The recorder sets every weight to fixed values, then records the outputs of the last call and,
for ``loss = sum(out_i * cot_i)`` (``cot_i`` from ``cotangent``), the gradients for the float inputs and
for the weights.
"""
from __future__ import annotations

import zlib
from typing import Any, Callable, Dict, List, Optional

import numpy as np


class Case:
    def __init__(self, name: str, build: Callable[[Any], Any], inputs: List[Any], call: str = "one",
                 kwargs: Optional[Dict[str, Any]] = None, calls: int = 1, tol: float = 1e-5):
        self.name, self.build, self.inputs, self.call = name, build, inputs, call
        self.kwargs = kwargs or {}
        self.calls, self.tol = calls, tol

    def make_inputs(self) -> List[np.ndarray]:
        rng = np.random.RandomState(zlib.crc32(self.name.encode()) % (2 ** 31))
        out = []
        for spec in self.inputs:
            if isinstance(spec, tuple) and spec and spec[0] == "float":
                out.append(rng.standard_normal(spec[1]).astype(np.float32))
            else:
                out.append(np.asarray(spec))
        return out


def weight_values(name: str, shapes: List[tuple], names: List[str]) -> List[np.ndarray]:
    """Fixed weights for a case: N(0, 0.5^2), positive for variances."""
    rng = np.random.RandomState((zlib.crc32(name.encode()) + 7) % (2 ** 31))
    out = []
    for shape, wname in zip(shapes, names):
        w = (0.5 * rng.standard_normal(shape)).astype(np.float32)
        if "variance" in wname:
            w = np.abs(w) + 0.5
        out.append(w)
    return out


def cotangent(shape: tuple, k: int) -> np.ndarray:
    n = int(np.prod(shape)) if shape else 1
    return np.cos(np.arange(n, dtype=np.float64) * 0.7 + k).reshape(shape).astype(np.float32)


def call_layer(case: Case, layer: Any, inputs: List[Any], kwargs: Dict[str, Any]) -> Any:
    if case.call == "one":
        return layer(inputs[0], **kwargs)
    if case.call == "list":
        return layer(list(inputs), **kwargs)
    return layer(*inputs, **kwargs)


# -- builders that need more than one expression -------------------------------------------------------------
def _embedding_mha(K: Any) -> Any:
    inp = K.Input((5,), dtype="int32")
    e = K.layers.Embedding(7, 4, mask_zero=True)(inp)
    return K.Model(inp, K.layers.MultiHeadAttention(2, 3)(e, e))


def _embedding_rnn(rnn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def build(K: Any) -> Any:
        inp = K.Input((5,), dtype="int32")
        e = K.layers.Embedding(7, 3, mask_zero=True)(inp)
        return K.Model(inp, rnn(K)(e))
    return build


def _masking_rnn(rnn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def build(K: Any) -> Any:
        inp = K.Input((4, 3))
        return K.Model(inp, rnn(K)(K.layers.Masking(0.0)(inp)))
    return build


def _embedding_pool(K: Any) -> Any:
    inp = K.Input((5,), dtype="int32")
    e = K.layers.Embedding(7, 3, mask_zero=True)(inp)
    d = K.layers.Dense(2)(e)
    return K.Model(inp, K.layers.GlobalAveragePooling1D()(d))


def _custom_cell(K: Any) -> Any:
    class MinimalCell(K.layers.Layer):
        def __init__(self, units: int, **kwargs: Any):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape: Any) -> None:
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units), initializer="ones")
            self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, self.units),
                                                    initializer="ones")

        def call(self, inputs: Any, states: Any) -> Any:
            prev = states[0]
            out = K.activations.tanh(inputs @ self.kernel + prev @ self.recurrent_kernel)
            return out, [out]
    return K.layers.RNN(MinimalCell(3), return_sequences=True)


MASK_IDS = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 6, 0]], dtype=np.int32)
SEQ_WITH_PAD = np.array([[[1.0, -0.5, 0.2], [0.3, 0.1, -1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                         [[0.5, 0.5, 0.5], [0.0, 0.0, 0.0], [-0.2, 0.4, 0.9], [0.0, 0.0, 0.0]]], dtype=np.float32)
ATT_MASK = np.array([[[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 1, 1]],
                     [[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 1]]], dtype=bool)
QMASK = np.array([[True, True, False], [True, True, True]])
VMASK = np.array([[True, False, True, True], [True, True, True, False]])

F = "float"
CASES: List[Case] = [
    # -- attention ---------------------------------------------------------------------------------------
    Case("mha_cross_scores", lambda K: K.layers.MultiHeadAttention(2, 3), [(F, (2, 4, 5)), (F, (2, 3, 5))],
         call="args", kwargs={"return_attention_scores": True}),
    Case("mha_key_value_dim_mask", lambda K: K.layers.MultiHeadAttention(2, 3, value_dim=2, output_shape=4),
         [(F, (2, 4, 5)), (F, (2, 3, 6)), (F, (2, 3, 2))], call="args", kwargs={"attention_mask": ATT_MASK}),
    Case("mha_causal", lambda K: K.layers.MultiHeadAttention(1, 2, use_bias=False), [(F, (2, 4, 3)), (F, (2, 4, 3))],
         call="args", kwargs={"use_causal_mask": True}),
    Case("mha_attention_axes", lambda K: K.layers.MultiHeadAttention(2, 2, attention_axes=(1, 2)),
         [(F, (2, 3, 2, 4)), (F, (2, 3, 2, 4))], call="args"),
    Case("mha_embedding_mask", _embedding_mha, [MASK_IDS]),
    Case("attention_dot_scale_mask", lambda K: K.layers.Attention(use_scale=True), [(F, (2, 3, 4)), (F, (2, 4, 4))],
         call="list", kwargs={"mask": [QMASK, VMASK], "return_attention_scores": True}),
    Case("attention_concat_causal", lambda K: K.layers.Attention(score_mode="concat"),
         [(F, (2, 3, 4)), (F, (2, 3, 4)), (F, (2, 3, 4))], call="list", kwargs={"use_causal_mask": True}),
    Case("additive_attention_mask", lambda K: K.layers.AdditiveAttention(), [(F, (2, 3, 4)), (F, (2, 4, 4))],
         call="list", kwargs={"mask": [QMASK, VMASK]}),
    Case("einsum_dense", lambda K: K.layers.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d"),
         [(F, (2, 3, 5))]),
    # -- recurrent -------------------------------------------------------------------------------------------
    Case("bidirectional_lstm_concat", lambda K: K.layers.Bidirectional(K.layers.LSTM(3, return_sequences=True)),
         [(F, (2, 4, 3))]),
    Case("bidirectional_gru_sum_state",
         lambda K: K.layers.Bidirectional(K.layers.GRU(2, return_state=True), merge_mode="sum"), [(F, (2, 4, 3))]),
    Case("bidirectional_simple_none",
         lambda K: K.layers.Bidirectional(K.layers.SimpleRNN(2, return_sequences=True), merge_mode=None),
         [(F, (2, 3, 2))]),
    Case("bidirectional_masked_ave",
         _masking_rnn(lambda K: K.layers.Bidirectional(K.layers.LSTM(2, return_sequences=True), merge_mode="ave")),
         [SEQ_WITH_PAD]),
    Case("lstm_embedding_mask_sequences", _embedding_rnn(lambda K: K.layers.LSTM(3, return_sequences=True)),
         [MASK_IDS]),
    Case("gru_embedding_mask_last", _embedding_rnn(lambda K: K.layers.GRU(2)), [MASK_IDS]),
    Case("simple_rnn_masking_backwards_state",
         _masking_rnn(lambda K: K.layers.SimpleRNN(2, go_backwards=True, return_state=True)), [SEQ_WITH_PAD]),
    Case("lstm_masking_zero_output",
         _masking_rnn(lambda K: K.layers.LSTM(2, return_sequences=True, zero_output_for_mask=True)), [SEQ_WITH_PAD]),
    Case("rnn_custom_cell", _custom_cell, [(F, (2, 3, 2))]),
    Case("rnn_stacked_cells",
         lambda K: K.layers.RNN([K.layers.LSTMCell(3), K.layers.GRUCell(2)], return_sequences=True),
         [(F, (2, 3, 2))]),
    Case("simple_rnn_stateful", lambda K: K.layers.SimpleRNN(2, stateful=True), [(F, (2, 3, 2))], calls=2),
    Case("conv_lstm2d_sequences", lambda K: K.layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True),
         [(F, (1, 3, 3, 3, 2))], tol=2e-5),
    Case("conv_lstm2d_strided_state", lambda K: K.layers.ConvLSTM2D(2, (2, 3), strides=2, return_state=True),
         [(F, (2, 2, 4, 5, 1))], tol=2e-5),
    Case("time_distributed_dense", lambda K: K.layers.TimeDistributed(K.layers.Dense(3)), [(F, (2, 3, 4))]),
    Case("embedding_mask_pool", _embedding_pool, [MASK_IDS]),
    # -- reshaping ---------------------------------------------------------------------------------------------
    Case("upsampling1d", lambda K: K.layers.UpSampling1D(3), [(F, (2, 2, 3))]),
    Case("upsampling2d_nearest", lambda K: K.layers.UpSampling2D((2, 3)), [(F, (1, 2, 2, 2))]),
    Case("upsampling2d_bilinear", lambda K: K.layers.UpSampling2D(2, interpolation="bilinear"), [(F, (1, 3, 2, 2))]),
    Case("upsampling3d", lambda K: K.layers.UpSampling3D((1, 2, 2)), [(F, (1, 2, 2, 2, 1))]),
    Case("zeropadding1d", lambda K: K.layers.ZeroPadding1D((1, 2)), [(F, (2, 2, 3))]),
    Case("zeropadding2d", lambda K: K.layers.ZeroPadding2D(((1, 0), (2, 1))), [(F, (1, 2, 2, 2))]),
    Case("zeropadding3d", lambda K: K.layers.ZeroPadding3D(1), [(F, (1, 1, 2, 2, 1))]),
    Case("cropping1d", lambda K: K.layers.Cropping1D((1, 2)), [(F, (2, 5, 2))]),
    Case("cropping2d", lambda K: K.layers.Cropping2D(((1, 0), (0, 2))), [(F, (1, 3, 4, 2))]),
    Case("cropping3d", lambda K: K.layers.Cropping3D(((1, 0), (0, 1), (1, 1))), [(F, (1, 3, 3, 4, 1))]),
    Case("reshape", lambda K: K.layers.Reshape((3, -1)), [(F, (2, 6, 2))]),
    Case("permute", lambda K: K.layers.Permute((2, 1, 3)), [(F, (2, 3, 2, 2))]),
    Case("repeat_vector", lambda K: K.layers.RepeatVector(3), [(F, (2, 4))]),
    # -- convolution -------------------------------------------------------------------------------------------
    Case("depthwise_conv2d", lambda K: K.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
         [(F, (1, 4, 4, 3))], tol=2e-5),
    Case("depthwise_conv1d_strided", lambda K: K.layers.DepthwiseConv1D(2, strides=2), [(F, (2, 6, 2))]),
    Case("separable_conv2d", lambda K: K.layers.SeparableConv2D(4, 2, strides=2, activation="relu"),
         [(F, (1, 5, 5, 2))], tol=2e-5),
    Case("separable_conv1d_same", lambda K: K.layers.SeparableConv1D(3, 3, padding="same", depth_multiplier=2),
         [(F, (2, 5, 2))], tol=2e-5),
    Case("conv1d_transpose", lambda K: K.layers.Conv1DTranspose(2, 3, strides=2), [(F, (2, 3, 2))]),
    Case("conv3d_transpose", lambda K: K.layers.Conv3DTranspose(2, 2, strides=(1, 2, 1), padding="same"),
         [(F, (1, 2, 2, 2, 2))], tol=2e-5),
    Case("spectral_norm_dense_training", lambda K: K.layers.SpectralNormalization(K.layers.Dense(3)),
         [(F, (2, 4))], kwargs={"training": True}),
    Case("spectral_norm_conv_power2", lambda K: K.layers.SpectralNormalization(K.layers.Conv2D(2, 2),
                                                                              power_iterations=2),
         [(F, (1, 3, 3, 2))], kwargs={"training": True}),
    # -- normalization -------------------------------------------------------------------------------------------
    Case("group_norm", lambda K: K.layers.GroupNormalization(2), [(F, (2, 3, 4))]),
    Case("group_norm_axis1", lambda K: K.layers.GroupNormalization(groups=3, axis=1, epsilon=0.01),
         [(F, (2, 6, 2, 2))]),
    Case("unit_norm", lambda K: K.layers.UnitNormalization(axis=(1, 2)), [(F, (2, 3, 2))]),
    # -- merging -------------------------------------------------------------------------------------------
    Case("add", lambda K: K.layers.Add(), [(F, (2, 3)), (F, (2, 3)), (F, (2, 3))], call="list"),
    Case("subtract", lambda K: K.layers.Subtract(), [(F, (2, 3)), (F, (2, 3))], call="list"),
    Case("multiply", lambda K: K.layers.Multiply(), [(F, (2, 3)), (F, (2, 3))], call="list"),
    Case("average", lambda K: K.layers.Average(), [(F, (2, 3)), (F, (2, 3))], call="list"),
    Case("maximum", lambda K: K.layers.Maximum(), [(F, (2, 3)), (F, (2, 3))], call="list"),
    Case("minimum", lambda K: K.layers.Minimum(), [(F, (2, 3)), (F, (2, 3))], call="list"),
    Case("concatenate_axis1", lambda K: K.layers.Concatenate(axis=1), [(F, (2, 3, 2)), (F, (2, 1, 2))], call="list"),
    Case("dot_axes_1", lambda K: K.layers.Dot(axes=1), [(F, (2, 3)), (F, (2, 3))], call="list"),
    Case("dot_axes_pair", lambda K: K.layers.Dot(axes=(1, 2)), [(F, (2, 3, 4)), (F, (2, 2, 3))], call="list"),
    Case("dot_normalize", lambda K: K.layers.Dot(axes=2, normalize=True), [(F, (2, 3, 4)), (F, (2, 2, 4))],
         call="list"),
    # -- activations, regularization, misc -------------------------------------------------------------------
    Case("leaky_relu", lambda K: K.layers.LeakyReLU(negative_slope=0.2), [(F, (2, 5))]),
    Case("elu", lambda K: K.layers.ELU(alpha=0.7), [(F, (2, 5))]),
    Case("relu_options", lambda K: K.layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), [(F, (3, 5))]),
    Case("softmax_axis_mask", lambda K: K.layers.Softmax(axis=1), [(F, (2, 3, 2))],
         kwargs={"mask": np.array([[[1, 0], [1, 1], [0, 0]], [[1, 1], [0, 1], [1, 0]]], dtype=bool)}),
    Case("prelu_shared", lambda K: K.layers.PReLU(shared_axes=[1]), [(F, (2, 3, 4))]),
    Case("lambda", lambda K: K.layers.Lambda(lambda t: t * t + 1.0), [(F, (2, 3))]),
    Case("activity_regularization", lambda K: K.layers.ActivityRegularization(l1=0.1, l2=0.01), [(F, (2, 3))]),
    Case("gaussian_noise_inference", lambda K: K.layers.GaussianNoise(0.5), [(F, (2, 3))]),
    Case("gaussian_dropout_inference", lambda K: K.layers.GaussianDropout(0.5), [(F, (2, 3))]),
    Case("alpha_dropout_inference", lambda K: K.layers.AlphaDropout(0.5), [(F, (2, 3))]),
    Case("spatial_dropout2d_inference", lambda K: K.layers.SpatialDropout2D(0.5), [(F, (1, 2, 2, 3))]),
]
