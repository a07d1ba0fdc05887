"""Record tf.image reference values with real TensorFlow (run outside gradtape's venv):

    TF_ENABLE_ONEDNN_OPTS=0 CUDA_VISIBLE_DEVICES= /work/peers/tf/bin/python tests/tf_reference/make_image_refs.py

Writes tests/data/image_refs.json (values) and small encoded fixtures in tests/data/images/
(PNG and JPEG encoded by TF; GIF and BMP written by Pillow, since TF has no encoder for them),
with TF's decodes of every fixture recorded in the JSON. tests/test_image.py compares against them.
"""
import io
import json
import os
import sys

import numpy as np
import tensorflow as tf
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from image_inputs import boxes, image, smooth, uint8_image  # noqa: E402

DATA = os.path.join(HERE, "..", "data")
IMAGES = os.path.join(DATA, "images")
os.makedirs(IMAGES, exist_ok=True)

refs = {}


def rec(key, value):
    v = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    refs[key] = {"dtype": v.dtype.name, "shape": list(v.shape),
                 "data": [float(f"{e:.9g}") if v.dtype.kind == "f" else int(e) for e in v.reshape(-1).tolist()]}


# -- resize: every method, up and down, antialias on/off ------------------------------------------
x = image((1, 6, 7, 2), 1)
for m in ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]:
    for size in [(11, 13), (3, 4), (8, 3)]:
        for aa in (False, True):
            rec(f"resize/{m}/{size[0]}x{size[1]}/{int(aa)}", tf.image.resize(x, size, method=m, antialias=aa))
xu = uint8_image((6, 7, 3), 2)
rec("resize/uint8_bilinear", tf.image.resize(xu, (4, 9)))
rec("resize/uint8_nearest", tf.image.resize(xu, (4, 9), method="nearest"))
rec("resize/f64_bilinear", tf.image.resize(x.astype(np.float64), (4, 9)))
rec("resize/preserve", tf.image.resize(x, (5, 20), preserve_aspect_ratio=True))
rec("resize/preserve2", tf.image.resize(image((1, 9, 4, 1), 3), (6, 6), preserve_aspect_ratio=True,
                                         method="bicubic"))
rec("resize_with_pad/bilinear", tf.image.resize_with_pad(image((7, 5, 2), 4), 6, 9))
rec("resize_with_pad/nearest", tf.image.resize_with_pad(image((2, 4, 9, 1), 5), 7, 6, method="nearest"))
rec("resize_with_crop_or_pad/a", tf.image.resize_with_crop_or_pad(image((7, 5, 2), 4), 4, 8))
rec("resize_with_crop_or_pad/b", tf.image.resize_with_crop_or_pad(image((1, 4, 9, 1), 5), 7, 4))
rec("central_crop/0.5", tf.image.central_crop(image((7, 9, 1), 6), 0.5))
rec("central_crop/0.33", tf.image.central_crop(image((2, 10, 11, 1), 6), 0.33))
rec("rot90/1", tf.image.rot90(image((3, 4, 2), 7), 1))
rec("rot90/3", tf.image.rot90(image((2, 3, 4, 1), 7), 3))

# gradients of resize w.r.t. the image, upstream a fixed pattern
for m, aa, size in [("bilinear", False, (11, 13)), ("bilinear", True, (3, 4)), ("bicubic", False, (8, 3)),
                    ("lanczos3", True, (3, 4)), ("nearest", False, (11, 13)),
                    ("mitchellcubic", False, (11, 13))]:
    xv = tf.constant(x)
    up = image((1,) + size + (2,), 9)
    with tf.GradientTape() as tape:
        tape.watch(xv)
        y = tf.image.resize(xv, size, method=m, antialias=aa)
    g = tape.gradient(y, xv, output_gradients=tf.constant(up))
    if g is not None:
        rec(f"resize_grad/{m}/{size[0]}x{size[1]}/{int(aa)}", g)

# -- dtype conversion ----------------------------------------------------------------------------
u8 = uint8_image((2, 3, 2), 10)
f = image((2, 3, 2), 11, -0.2, 1.2)
rec("convert/u8_f32", tf.image.convert_image_dtype(u8, tf.float32))
rec("convert/u8_i32", tf.image.convert_image_dtype(u8, tf.int32))
rec("convert/u8_u16", tf.image.convert_image_dtype(u8, tf.uint16))
rec("convert/i32_u8", tf.image.convert_image_dtype(np.array([[0, 2 ** 24, 2 ** 31 - 1]], np.int32), tf.uint8))
rec("convert/f32_u8_sat", tf.image.convert_image_dtype(f, tf.uint8, saturate=True))
rec("convert/f32_u8", tf.image.convert_image_dtype(np.clip(f, 0, 1), tf.uint8))
rec("convert/f32_i16_sat", tf.image.convert_image_dtype(f, tf.int16, saturate=True))
rec("convert/u16_f64", tf.image.convert_image_dtype(np.array([0, 1, 65535], np.uint16), tf.float64))

# -- colour ---------------------------------------------------------------------------------------
rgb = image((2, 4, 5, 3), 12)
rgb[0, 0, 0] = [0.3, 0.3, 0.3]  # grey: hue 0, saturation 0
rgb[0, 0, 1] = [0.0, 0.0, 0.0]
rec("rgb_to_grayscale/f32", tf.image.rgb_to_grayscale(rgb))
rec("rgb_to_grayscale/u8", tf.image.rgb_to_grayscale(uint8_image((3, 4, 3), 13)))
rec("grayscale_to_rgb", tf.image.grayscale_to_rgb(tf.constant(image((2, 3, 1), 14))))
rec("rgb_to_hsv", tf.image.rgb_to_hsv(rgb))
hsv = image((3, 4, 3), 15)
rec("hsv_to_rgb", tf.image.hsv_to_rgb(hsv))
rec("rgb_to_yuv", tf.image.rgb_to_yuv(rgb))
rec("yuv_to_rgb", tf.image.yuv_to_rgb(image((3, 4, 3), 16, -0.5, 0.5)))
rec("rgb_to_yiq", tf.image.rgb_to_yiq(rgb))
rec("yiq_to_rgb", tf.image.yiq_to_rgb(image((3, 4, 3), 16, -0.5, 0.5)))

# -- adjustments ----------------------------------------------------------------------------------
u8rgb = uint8_image((4, 5, 3), 17)
rec("adjust_brightness/f32", tf.image.adjust_brightness(rgb, 0.3))
rec("adjust_brightness/u8", tf.image.adjust_brightness(u8rgb, -0.2))
rec("adjust_contrast/f32", tf.image.adjust_contrast(rgb, 1.7))
rec("adjust_contrast/u8", tf.image.adjust_contrast(u8rgb, 2.5))
rec("adjust_gamma/f32", tf.image.adjust_gamma(rgb, 0.6, 1.3))
rec("adjust_gamma/u8", tf.image.adjust_gamma(u8rgb, 2.0))
rec("adjust_hue/f32", tf.image.adjust_hue(rgb, 0.35))
rec("adjust_hue/neg", tf.image.adjust_hue(rgb, -0.8))
rec("adjust_hue/u8", tf.image.adjust_hue(u8rgb, 0.2))
rec("adjust_saturation/f32", tf.image.adjust_saturation(rgb, 1.8))
rec("adjust_saturation/low", tf.image.adjust_saturation(rgb, 0.3))
rec("adjust_saturation/u8", tf.image.adjust_saturation(u8rgb, 0.5))
rec("per_image_standardization/f32", tf.image.per_image_standardization(rgb))
rec("per_image_standardization/u8", tf.image.per_image_standardization(u8rgb))
rec("per_image_standardization/const", tf.image.per_image_standardization(np.full((2, 2, 1), 3.0, np.float32)))

# -- metrics and filters --------------------------------------------------------------------------
a = smooth((2, 24, 26, 3), 1)
b = np.clip(a + image(a.shape, 20, -0.08, 0.08), 0, 1).astype(np.float32)
rec("psnr/f32", tf.image.psnr(tf.constant(a), tf.constant(b), 1.0))
rec("psnr/u8", tf.image.psnr(tf.constant(uint8_image((4, 5, 3), 21)), tf.constant(uint8_image((4, 5, 3), 22)), 255))
rec("ssim/f32", tf.image.ssim(a, b, 1.0))
rec("ssim/small_filter", tf.image.ssim(a, b, 1.0, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05))
ua, ub = (np.round(a * 255).astype(np.uint8), np.round(b * 255).astype(np.uint8))
rec("ssim/u8", tf.image.ssim(ua, ub, 255))
ma = smooth((1, 48, 50, 1), 2)
mb = np.clip(ma + image(ma.shape, 23, -0.1, 0.1), 0, 1).astype(np.float32)
rec("ssim_multiscale", tf.image.ssim_multiscale(ma, mb, 1.0, power_factors=(0.3, 0.3, 0.4), filter_size=5))
rec("ssim_multiscale/odd", tf.image.ssim_multiscale(ma[:, :45, :47], mb[:, :45, :47], 1.0,
                                                     power_factors=(0.5, 0.5), filter_size=7))
rec("total_variation/3d", tf.image.total_variation(tf.constant(image((4, 5, 2), 24))))
rec("total_variation/4d", tf.image.total_variation(tf.constant(image((2, 4, 5, 2), 24))))
dy, dx = tf.image.image_gradients(tf.constant(image((2, 4, 5, 2), 25)))
rec("image_gradients/dy", dy)
rec("image_gradients/dx", dx)
rec("sobel_edges", tf.image.sobel_edges(tf.constant(image((2, 5, 6, 2), 26))))
p = image((2, 7, 8, 2), 27)
for nm, kw in [("valid", dict(sizes=[1, 3, 2, 1], strides=[1, 2, 3, 1], rates=[1, 1, 1, 1], padding="VALID")),
               ("same", dict(sizes=[1, 3, 3, 1], strides=[1, 2, 2, 1], rates=[1, 1, 1, 1], padding="SAME")),
               ("rates", dict(sizes=[1, 2, 2, 1], strides=[1, 1, 2, 1], rates=[1, 2, 3, 1], padding="SAME")),
               ("rates_valid", dict(sizes=[1, 2, 3, 1], strides=[1, 3, 1, 1], rates=[1, 3, 2, 1], padding="VALID"))]:
    rec(f"extract_patches/{nm}", tf.image.extract_patches(p, **kw))

# -- NMS --------------------------------------------------------------------------------------------
bx = boxes(20, 28)
bx[3] = bx[2]                      # exact duplicate
bx[5] = bx[5][[2, 3, 0, 1]]        # corners swapped
sc = image((20,), 29)
sc[7] = sc[8]                      # a tie
refs["nms/boxes"] = bx.tolist()
refs["nms/scores"] = sc.tolist()
rec("nms/default", tf.image.non_max_suppression(bx, sc, 10))
rec("nms/iou0.3", tf.image.non_max_suppression(bx, sc, 20, iou_threshold=0.3))
rec("nms/score_thr", tf.image.non_max_suppression(bx, sc, 20, iou_threshold=0.6, score_threshold=0.4))
rec("nms/iou0", tf.image.non_max_suppression(bx, sc, 20, iou_threshold=0.0))
i, s = tf.image.non_max_suppression_with_scores(bx, sc, 6, iou_threshold=0.4)
rec("nms_with_scores/idx", i)
rec("nms_with_scores/scores", s)

# -- combined NMS (distinct scores) ----------------------------------------------------------------------
cb = np.stack([boxes(12, 40), boxes(12, 41)])                      # [2, 12, 4]
cb_q = np.stack([cb, cb[:, ::-1]], axis=2)                         # [2, 12, 2, 4], per-class boxes
cb_q[0, 3, 1] = [-0.1, 0.2, 1.2, 0.6]                              # a box to clip
cs = image((2, 12, 2), 42)
refs["cnms/boxes"] = cb_q.tolist()
refs["cnms/scores"] = cs.tolist()
for nm, kw in [("shared", dict(boxes=cb_q[:, :, :1], max_output_size_per_class=3, max_total_size=5)),
               ("perclass", dict(boxes=cb_q, max_output_size_per_class=4, max_total_size=20, iou_threshold=0.3,
                                 score_threshold=0.2)),
               ("pad", dict(boxes=cb_q, max_output_size_per_class=2, max_total_size=10, pad_per_class=True,
                            clip_boxes=False))]:
    res = tf.image.combined_non_max_suppression(scores=cs, **kw)
    for part, v in zip(("boxes", "scores", "classes", "valid"), res):
        rec(f"cnms/{nm}/{part}", v)

# -- draw_bounding_boxes ----------------------------------------------------------------------------
canvas = image((1, 9, 11, 3), 30)
dbx = np.array([[[0.1, 0.2, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 0.45, 0.8], [-0.2, 0.3, 0.4, 1.3]]],
               np.float32)
rec("draw_bounding_boxes", tf.image.draw_bounding_boxes(canvas, dbx, np.array([[1, 0, 0, 1], [0, 1, 0, 1]],
                                                                                np.float32)))

# -- crop_and_resize: values and gradients w.r.t. image and boxes -------------------------------------
cimg = image((2, 6, 7, 2), 37)
cboxes = np.array([[0.1, 0.2, 0.8, 0.9], [0.5, 0.6, 0.2, 0.1], [-0.2, 0.3, 1.3, 0.7], [0.33, 0.45, 0.33, 0.45]],
                  np.float32)
cind = np.array([0, 1, 1, 0], np.int32)
for meth, size in [("bilinear", (3, 4)), ("nearest", (5, 3)), ("bilinear", (1, 1))]:
    ti, tb = tf.constant(cimg), tf.constant(cboxes)
    up = tf.constant(image((4,) + size + (2,), 38))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(ti)
        tape.watch(tb)
        out = tf.image.crop_and_resize(ti, tb, cind, size, method=meth, extrapolation_value=-1.0)
    key = f"crop_and_resize/{meth}/{size[0]}x{size[1]}"
    rec(key, out)
    rec(key + "/dimage", tape.gradient(out, ti, output_gradients=up))
    rec(key + "/dboxes", tape.gradient(out, tb, output_gradients=up))

# -- projective transforms (ImageProjectiveTransformV3) and Keras image layers -----------------------
pimg = image((2, 5, 6, 2), 33)
ang = 0.6
T_ROT = np.array([[np.cos(ang), -np.sin(ang), 1.5, np.sin(ang), np.cos(ang), -1.0, 0.0, 0.0],
                  [1.3, 0.2, -2.5, -0.1, 0.7, 3.2, 0.01, -0.02]], np.float32)
refs["projective/transforms"] = T_ROT.tolist()
for interp in ("nearest", "bilinear"):
    for mode in ("reflect", "wrap", "constant", "nearest"):
        rec(f"projective/{interp}/{mode}", tf.raw_ops.ImageProjectiveTransformV3(
            images=pimg, transforms=T_ROT, output_shape=[5, 6], fill_value=0.5, interpolation=interp.upper(),
            fill_mode=mode.upper()))

kimg = image((2, 7, 8, 3), 34, 0, 255)
L = tf.keras.layers
for mode in ("reflect", "wrap", "constant", "nearest"):
    rec(f"keras/RandomRotation/{mode}", L.RandomRotation((0.1, 0.1), fill_mode=mode, fill_value=7.0)(kimg, training=True))
    rec(f"keras/RandomZoom/{mode}", L.RandomZoom((0.3, 0.3), (-0.2, -0.2), fill_mode=mode)(kimg, training=True))
    rec(f"keras/RandomTranslation/{mode}", L.RandomTranslation((0.2, 0.2), (-0.3, -0.3), fill_mode=mode)(
        kimg, training=True))
rec("keras/RandomRotation/nearest_interp", L.RandomRotation((-0.3, -0.3), interpolation="nearest")(kimg, training=True))
rec("keras/RandomZoom/in_single", L.RandomZoom((-0.4, -0.4))(kimg[0], training=True))
rec("keras/RandomRotation/inference", L.RandomRotation(0.2)(kimg, training=False))
rec("keras/Resizing/bilinear", L.Resizing(4, 5)(kimg))
rec("keras/Resizing/crop", L.Resizing(4, 6, crop_to_aspect_ratio=True)(kimg))
rec("keras/Resizing/pad", L.Resizing(4, 8, pad_to_aspect_ratio=True, fill_value=1.0)(kimg))
rec("keras/Resizing/nearest_u8", L.Resizing(5, 3, interpolation="nearest")(uint8_image((2, 7, 8, 3), 35)))
rec("keras/Resizing/lanczos3_aa", L.Resizing(3, 5, interpolation="lanczos3", antialias=True)(kimg[0]))
rec("keras/CenterCrop/crop", L.CenterCrop(4, 5)(kimg))
rec("keras/CenterCrop/smart", L.CenterCrop(9, 6)(kimg))
rec("keras/RandomCrop/inference", L.RandomCrop(4, 5)(kimg, training=False))
rec("keras/RandomCrop/small_training", L.RandomCrop(9, 6)(kimg, training=True))
rec("keras/RandomBrightness/fixed", L.RandomBrightness((0.1, 0.1))(kimg, training=True))
rec("keras/RandomBrightness/range01", L.RandomBrightness((-0.3, -0.3), value_range=(0, 1))(kimg / 255.0,
                                                                                               training=True))
rec("keras/RandomFlip/inference", L.RandomFlip()(uint8_image((2, 3, 4, 1), 36), training=False))

# -- codecs: TF-encoded PNG/JPEG, Pillow-encoded GIF/BMP, decoded by TF -------------------------------
def save(name, data):
    with open(os.path.join(IMAGES, name), "wb") as fh:
        fh.write(data)


pic = np.round(smooth((12, 10, 3), 3) * 255).astype(np.uint8)
gray = pic[..., :1]
rgba = np.concatenate([pic, uint8_image((12, 10, 1), 31)], axis=-1)
save("rgb.png", tf.io.encode_png(pic).numpy())
save("gray.png", tf.io.encode_png(gray).numpy())
save("rgba.png", tf.io.encode_png(rgba).numpy())
save("gray16.png", tf.io.encode_png(uint8_image((5, 6, 1), 32).astype(np.uint16) * 257 + 3).numpy())
save("rgb.jpg", tf.io.encode_jpeg(pic, quality=90).numpy())
save("gray.jpg", tf.io.encode_jpeg(gray, quality=80).numpy())
buf = io.BytesIO()
frames = [Image.fromarray(pic), Image.fromarray(pic[::-1].copy())]
frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
save("anim.gif", buf.getvalue())
buf = io.BytesIO()
Image.fromarray(pic).save(buf, format="BMP")
save("rgb.bmp", buf.getvalue())

for fname in sorted(os.listdir(IMAGES)):
    data = open(os.path.join(IMAGES, fname), "rb").read()
    rec(f"decode/{fname}", tf.io.decode_image(data, expand_animations=True))
    if fname.endswith(".png"):
        rec(f"decode_png16/{fname}", tf.io.decode_png(data, dtype=tf.uint16))
        rec(f"decode_png_c3/{fname}", tf.io.decode_png(data, channels=3))
    if fname.endswith(".jpg"):
        rec(f"decode_jpeg_c1/{fname}", tf.io.decode_jpeg(data, channels=1))
        rec(f"decode_jpeg_c3/{fname}", tf.io.decode_jpeg(data, channels=3))
        rec(f"decode_jpeg_accurate/{fname}", tf.io.decode_jpeg(data, dct_method="INTEGER_ACCURATE"))
    if fname.endswith(".png") and "gray16" not in fname:
        rec(f"decode_png_c1/{fname}", tf.io.decode_png(data, channels=1))
    if fname.endswith(".png"):
        rec(f"decode_png_c4/{fname}", tf.io.decode_png(data, channels=4))

refs["_meta"] = {"tensorflow": tf.__version__}
with open(os.path.join(DATA, "image_refs.json"), "w") as fh:
    json.dump(refs, fh, separators=(",", ":"))
print("wrote", len(refs), "entries")
