"""``tf.image``: image ops on gradtape tensors (see ``_core.py``, ``_resize.py``, ``_codecs.py``).

Decoding and encoding (``decode_png``, ``encode_jpeg``, ``decode_image``, ...) need Pillow, the
``image`` extra; everything else is NumPy only.
"""
from ._core import (  # noqa: F401
    ResizeMethod, adjust_brightness, adjust_contrast, adjust_gamma, adjust_hue, adjust_saturation,
    central_crop, combined_non_max_suppression, convert_image_dtype, crop_and_resize, crop_to_bounding_box, draw_bounding_boxes, extract_patches,
    flip_left_right, flip_up_down, grayscale_to_rgb, hsv_to_rgb, image_gradients, non_max_suppression,
    non_max_suppression_with_scores, pad_to_bounding_box, per_image_standardization, psnr, random_brightness,
    random_contrast, random_crop, random_flip_left_right, random_flip_up_down, random_hue, random_saturation,
    resize, resize_with_crop_or_pad, resize_with_pad, rgb_to_grayscale, rgb_to_hsv, rgb_to_yiq, rgb_to_yuv, rot90,
    sample_distorted_bounding_box, stateless_sample_distorted_bounding_box,
    sobel_edges, ssim, ssim_multiscale, stateless_random_brightness, stateless_random_contrast,
    stateless_random_crop, stateless_random_flip_left_right, stateless_random_flip_up_down, stateless_random_hue,
    stateless_random_saturation, total_variation, transpose, yiq_to_rgb, yuv_to_rgb)
from ._codecs import (  # noqa: F401
    adjust_jpeg_quality, decode_bmp, decode_gif, decode_image, decode_jpeg, decode_png, encode_jpeg, encode_png,
    is_jpeg, random_jpeg_quality, stateless_random_jpeg_quality)
