"""tf.image as the "Data augmentation" and "Image classification" tutorials use it: resize, flips,
crops, dtype conversion, colour adjustments, and the quality metrics (fixed images from NumPy)."""
import numpy as np
import tensorflow as tf

RESULTS = {}
rng = np.random.default_rng(31)
image = tf.constant(rng.random((6, 8, 3)).astype(np.float32))
RESULTS["resize_bilinear"] = tf.image.resize(image, [4, 5])
RESULTS["resize_nearest"] = tf.image.resize(image, [9, 12], method="nearest")
RESULTS["resize_bicubic"] = tf.image.resize(image, [3, 10], method=tf.image.ResizeMethod.BICUBIC)
RESULTS["resize_area"] = tf.image.resize(image, [3, 4], method="area")
RESULTS["resize_antialias"] = tf.image.resize(image, [3, 3], antialias=True)
RESULTS["resize_aspect"] = list(tf.image.resize(image, [4, 4], preserve_aspect_ratio=True).shape)
RESULTS["resize_with_pad"] = tf.image.resize_with_pad(image, 8, 8)
RESULTS["flips"] = [tf.image.flip_left_right(image), tf.image.flip_up_down(image), tf.image.rot90(image)]
RESULTS["central_crop"] = tf.image.central_crop(image, central_fraction=0.5)
RESULTS["crop_box"] = tf.image.crop_to_bounding_box(image, 1, 2, 3, 4)
RESULTS["pad_box"] = tf.image.pad_to_bounding_box(image, 1, 1, 8, 10)
RESULTS["crop_or_pad"] = tf.image.resize_with_crop_or_pad(image, 4, 10)
u8 = tf.image.convert_image_dtype(image, tf.uint8)
RESULTS["convert_to_uint8"] = u8
RESULTS["convert_back"] = tf.image.convert_image_dtype(u8, tf.float32)
RESULTS["grayscale"] = tf.image.rgb_to_grayscale(image)
RESULTS["hsv"] = tf.image.rgb_to_hsv(image)
RESULTS["yuv"] = tf.image.rgb_to_yuv(image)
RESULTS["brightness"] = tf.image.adjust_brightness(image, 0.2)
RESULTS["contrast"] = tf.image.adjust_contrast(image, 1.5)
RESULTS["saturation"] = tf.image.adjust_saturation(image, 3.0)
RESULTS["hue"] = tf.image.adjust_hue(image, 0.1)
RESULTS["gamma"] = tf.image.adjust_gamma(image, 2.0)
RESULTS["standardize"] = tf.image.per_image_standardization(image)
other = tf.clip_by_value(image + 0.05, 0.0, 1.0)
RESULTS["psnr"] = tf.image.psnr(image, other, max_val=1.0)
big = tf.constant(rng.random((1, 24, 24, 3)).astype(np.float32))
RESULTS["ssim"] = tf.image.ssim(big, tf.clip_by_value(big * 0.9 + 0.05, 0.0, 1.0), max_val=1.0)
RESULTS["total_variation"] = tf.image.total_variation(image)
RESULTS["sobel"] = tf.image.sobel_edges(image[tf.newaxis])
dy, dx = tf.image.image_gradients(image[tf.newaxis])
RESULTS["image_gradients"] = [dy, dx]
RESULTS["patches"] = tf.image.extract_patches(images=image[tf.newaxis], sizes=[1, 2, 2, 1], strides=[1, 2, 2, 1],
                                              rates=[1, 1, 1, 1], padding="VALID")
boxes = tf.constant([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1], [0, 100, 1, 101]])
scores = tf.constant([0.9, 0.75, 0.6, 0.95, 0.5, 0.3])
RESULTS["nms"] = tf.image.non_max_suppression(boxes, scores, max_output_size=3, iou_threshold=0.5)
v = tf.Variable(image)
with tf.GradientTape() as tape:
    out = tf.reduce_sum(tf.image.resize(v, [4, 5]) * tf.reshape(tf.range(60, dtype=tf.float32), [4, 5, 3]))
RESULTS["resize_grad"] = tape.gradient(out, v)
