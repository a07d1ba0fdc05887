"""``tf.keras.applications``: Keras's reference image models built from gradtape's Keras layers, with
Keras's layer names, weight order and parameter counts, so Keras's published ``.h5`` weight files load.
gradtape downloads nothing: pass ``weights=None`` or the path of a weights file."""
from . import imagenet_utils, resnet, resnet_v2, vgg16, vgg19  # noqa: F401
from . import resnet as resnet50  # noqa: F401
from .resnet import ResNet50, ResNet101, ResNet152  # noqa: F401
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2  # noqa: F401
from .vgg16 import VGG16  # noqa: F401
from .vgg19 import VGG19  # noqa: F401
from . import mobilenet, mobilenet_v2  # noqa: F401
from .mobilenet import MobileNet  # noqa: F401
from .mobilenet_v2 import MobileNetV2  # noqa: F401
from . import densenet, xception  # noqa: F401
from .densenet import DenseNet121, DenseNet169, DenseNet201  # noqa: F401
from .xception import Xception  # noqa: F401
from . import inception_v3  # noqa: F401
from .inception_v3 import InceptionV3  # noqa: F401
from . import efficientnet  # noqa: F401
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,  # noqa: F401
                           EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from . import mobilenet_v3  # noqa: F401
from .mobilenet_v3 import MobileNetV3Large, MobileNetV3Small  # noqa: F401
from . import convnext  # noqa: F401
from .convnext import ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny, ConvNeXtXLarge  # noqa: F401
from . import efficientnet_v2  # noqa: F401
from .efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3,  # noqa: F401
                              EfficientNetV2L, EfficientNetV2M, EfficientNetV2S)
