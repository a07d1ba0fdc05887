"""``tf.keras.layers``: the Layer base class and the built-in layers."""
from .base import InputSpec, Layer  # noqa: F401

# --- core, normalization (part C2) ---
from .core import (  # noqa: F401
    ELU, Activation, Add, Average, Concatenate, Dense, Dropout, Embedding, Flatten, GaussianDropout,
    GaussianNoise, InputLayer, Lambda, LeakyReLU, Maximum, Minimum, Multiply, Permute, PReLU, ReLU, RepeatVector,
    Rescaling, Reshape, Softmax, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, Subtract, TimeDistributed,
    add, concatenate, multiply)
from .normalization import (  # noqa: F401
    BatchNormalization, GroupNormalization, LayerNormalization, Normalization, UnitNormalization)
from ..engine.functional import Input  # noqa: F401
from .serialization import deserialize, serialize  # noqa: F401

# --- conv, pooling, recurrent (part C1) ---
from .convolutional import (  # noqa: F401,E402
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D, Convolution2D,
    Convolution2DTranspose, Convolution3D, Convolution3DTranspose)
from .pooling import (  # noqa: F401,E402
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D,
    GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D,
    GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .recurrent import GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell  # noqa: F401,E402

# --- image preprocessing ---
from .preprocessing import (  # noqa: F401,E402
    CenterCrop, RandomBrightness, RandomContrast, RandomCrop, RandomFlip, RandomHeight, RandomRotation,
    RandomTranslation, RandomWidth, RandomZoom, Resizing)

# --- text, lookup and categorical preprocessing ---
from .preprocessing import (  # noqa: F401,E402
    CategoryEncoding, Discretization, Hashing, IntegerLookup, StringLookup, TextVectorization)

# --- attention, wrappers, reshaping, masking ---
from .core import ActivityRegularization, AlphaDropout, Dot  # noqa: F401,E402
from .attention import AdditiveAttention, Attention, MultiHeadAttention  # noqa: F401,E402
from .einsum_dense import EinsumDense  # noqa: F401,E402
from .masking import Masking  # noqa: F401,E402
from .recurrent import ConvLSTM2D, StackedRNNCells  # noqa: F401,E402
from .reshaping import (  # noqa: F401,E402
    Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
    ZeroPadding3D)
from .wrappers import Bidirectional, SpectralNormalization  # noqa: F401,E402
from .depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D  # noqa: F401,E402
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D  # Keras's aliases
from .tfsm import TFSMLayer  # noqa: F401,E402
