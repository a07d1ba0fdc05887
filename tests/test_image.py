"""tf.image against values recorded with real TensorFlow (tests/tf_reference/make_image_refs.py)."""
from __future__ import annotations

import importlib.util
import json
import os
import sys

import numpy as np
import pytest

import gradtape as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tf_reference"))
from image_inputs import boxes, image, smooth, uint8_image  # noqa: E402

with open(os.path.join(HERE, "data", "image_refs.json")) as _fh:
    REFS = json.load(_fh)
IMAGES = os.path.join(HERE, "data", "images")


def ref(key):
    r = REFS[key]
    return np.asarray(r["data"], dtype=r["dtype"]).reshape(r["shape"])


def check(key, got, atol=1e-5, rtol=1e-5):
    want = ref(key)
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got)
    assert got.shape == want.shape, (key, got.shape, want.shape)
    assert got.dtype == want.dtype, (key, got.dtype, want.dtype)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, atol=atol, rtol=rtol, err_msg=key)
    else:
        np.testing.assert_array_equal(got, want, err_msg=key)


# -- resize ----------------------------------------------------------------------------------------
X = image((1, 6, 7, 2), 1)
RESIZE_KEYS = sorted(k for k in REFS if k.startswith("resize/") and k.count("/") == 3)


@pytest.mark.parametrize("key", RESIZE_KEYS)
def test_resize_matches_tf(key):
    _, method, size, aa = key.split("/")
    h, w = map(int, size.split("x"))
    check(key, tf.image.resize(X, (h, w), method=method, antialias=bool(int(aa))))


def test_resize_variants():
    xu = uint8_image((6, 7, 3), 2)
    check("resize/uint8_bilinear", tf.image.resize(xu, (4, 9)))
    check("resize/uint8_nearest", tf.image.resize(xu, (4, 9), method=tf.image.ResizeMethod.NEAREST_NEIGHBOR))
    check("resize/f64_bilinear", tf.image.resize(X.astype(np.float64), (4, 9)))
    check("resize/preserve", tf.image.resize(X, (5, 20), preserve_aspect_ratio=True))
    check("resize/preserve2", tf.image.resize(image((1, 9, 4, 1), 3), (6, 6), preserve_aspect_ratio=True,
                                              method="bicubic"))
    check("resize_with_pad/bilinear", tf.image.resize_with_pad(image((7, 5, 2), 4), 6, 9))
    check("resize_with_pad/nearest", tf.image.resize_with_pad(image((2, 4, 9, 1), 5), 7, 6, method="nearest"))
    check("resize_with_crop_or_pad/a", tf.image.resize_with_crop_or_pad(image((7, 5, 2), 4), 4, 8))
    check("resize_with_crop_or_pad/b", tf.image.resize_with_crop_or_pad(image((1, 4, 9, 1), 5), 7, 4))
    check("central_crop/0.5", tf.image.central_crop(image((7, 9, 1), 6), 0.5))
    check("central_crop/0.33", tf.image.central_crop(image((2, 10, 11, 1), 6), 0.33))
    check("rot90/1", tf.image.rot90(image((3, 4, 2), 7), 1))
    check("rot90/3", tf.image.rot90(image((2, 3, 4, 1), 7), 3))


@pytest.mark.parametrize("key", sorted(k for k in REFS if k.startswith("resize_grad/")))
def test_resize_gradient_matches_tf(key):
    _, method, size, aa = key.split("/")
    h, w = map(int, size.split("x"))
    x = tf.constant(X)
    up = tf.constant(image((1, h, w, 2), 9))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.resize(x, (h, w), method=method, antialias=bool(int(aa)))
    check(key, tape.gradient(y, x, output_gradients=up))


def test_resize_errors():
    with pytest.raises(ValueError, match="not implemented"):
        tf.image.resize(X, (3, 3), method="cubic")
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        tf.image.resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="2 elements"):
        tf.image.resize(X, (2, 2, 2))
    with pytest.raises(TypeError):
        tf.image.resize(X, (2.5, 2))


def test_resize_second_order_gradient_is_linear():
    x = tf.Variable(X.astype(np.float64))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.image.resize(x, (9, 4), method="lanczos3", antialias=True) ** 2)
        g = inner.gradient(y, x)
        s = tf.reduce_sum(g * g)
    assert outer.gradient(s, x) is not None


# -- crops, pads, flips ----------------------------------------------------------------------------
def test_flips_transpose_and_boxes():
    x = image((2, 3, 4, 2), 40)
    np.testing.assert_array_equal(tf.image.flip_left_right(x).numpy(), x[:, :, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(x[0]).numpy(), x[0, ::-1])
    np.testing.assert_array_equal(tf.image.transpose(x).numpy(), x.transpose(0, 2, 1, 3))
    for k in range(4):
        np.testing.assert_array_equal(tf.image.rot90(x[0], k).numpy(), np.rot90(x[0], k, axes=(0, 1)))
    c = tf.image.crop_to_bounding_box(x, 1, 2, 2, 2).numpy()
    np.testing.assert_array_equal(c, x[:, 1:3, 2:4])
    p = tf.image.pad_to_bounding_box(x[0], 1, 2, 5, 7).numpy()
    assert p.shape == (5, 7, 2) and p[0].sum() == 0
    np.testing.assert_array_equal(p[1:4, 2:6], x[0])
    with pytest.raises(ValueError, match="width must be >= target"):
        tf.image.crop_to_bounding_box(x, 0, 3, 2, 2)
    with pytest.raises(ValueError, match="offset_height"):
        tf.image.pad_to_bounding_box(x, -1, 0, 5, 5)
    with pytest.raises(ValueError, match="central_fraction"):
        tf.image.central_crop(x, 0.0)
    with pytest.raises(ValueError, match="three-dimensional"):
        tf.image.flip_left_right(np.zeros((3, 3)))


def test_crop_pad_gradients():
    x = tf.Variable(image((4, 5, 1), 41))
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.image.resize_with_crop_or_pad(x, 3, 7) * 2.0)
    g = t.gradient(y, x).numpy()
    want = np.zeros((4, 5, 1), np.float32)
    want[0:3] = 2.0
    np.testing.assert_array_equal(g, want)


# -- dtype conversion ------------------------------------------------------------------------------
def test_convert_image_dtype():
    u8 = uint8_image((2, 3, 2), 10)
    f = image((2, 3, 2), 11, -0.2, 1.2)
    check("convert/u8_f32", tf.image.convert_image_dtype(u8, tf.float32))
    check("convert/u8_i32", tf.image.convert_image_dtype(u8, tf.int32))
    check("convert/u8_u16", tf.image.convert_image_dtype(u8, tf.uint16))
    check("convert/i32_u8", tf.image.convert_image_dtype(np.array([[0, 2 ** 24, 2 ** 31 - 1]], np.int32), tf.uint8))
    check("convert/f32_u8_sat", tf.image.convert_image_dtype(f, tf.uint8, saturate=True))
    check("convert/f32_u8", tf.image.convert_image_dtype(np.clip(f, 0, 1), tf.uint8))
    check("convert/f32_i16_sat", tf.image.convert_image_dtype(f, tf.int16, saturate=True))
    check("convert/u16_f64", tf.image.convert_image_dtype(np.array([0, 1, 65535], np.uint16), tf.float64))
    with pytest.raises(AttributeError):
        tf.image.convert_image_dtype(u8, tf.bool)


# -- colour ---------------------------------------------------------------------------------------
RGB = image((2, 4, 5, 3), 12)
RGB[0, 0, 0] = [0.3, 0.3, 0.3]
RGB[0, 0, 1] = [0.0, 0.0, 0.0]
U8RGB = uint8_image((4, 5, 3), 17)


def test_colour_conversions():
    check("rgb_to_grayscale/f32", tf.image.rgb_to_grayscale(RGB))
    check("rgb_to_grayscale/u8", tf.image.rgb_to_grayscale(uint8_image((3, 4, 3), 13)))
    check("grayscale_to_rgb", tf.image.grayscale_to_rgb(image((2, 3, 1), 14)))
    check("rgb_to_hsv", tf.image.rgb_to_hsv(RGB))
    check("hsv_to_rgb", tf.image.hsv_to_rgb(image((3, 4, 3), 15)))
    check("rgb_to_yuv", tf.image.rgb_to_yuv(RGB))
    check("yuv_to_rgb", tf.image.yuv_to_rgb(image((3, 4, 3), 16, -0.5, 0.5)))
    check("rgb_to_yiq", tf.image.rgb_to_yiq(RGB))
    check("yiq_to_rgb", tf.image.yiq_to_rgb(image((3, 4, 3), 16, -0.5, 0.5)))
    back = tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(RGB)).numpy()
    np.testing.assert_allclose(back, RGB, atol=1e-6)


def test_adjustments():
    check("adjust_brightness/f32", tf.image.adjust_brightness(RGB, 0.3))
    check("adjust_brightness/u8", tf.image.adjust_brightness(U8RGB, -0.2))
    check("adjust_contrast/f32", tf.image.adjust_contrast(RGB, 1.7))
    check("adjust_contrast/u8", tf.image.adjust_contrast(U8RGB, 2.5))
    check("adjust_gamma/f32", tf.image.adjust_gamma(RGB, 0.6, 1.3))
    check("adjust_gamma/u8", tf.image.adjust_gamma(U8RGB, 2.0))
    check("adjust_hue/f32", tf.image.adjust_hue(RGB, 0.35))
    check("adjust_hue/neg", tf.image.adjust_hue(RGB, -0.8))
    check("adjust_hue/u8", tf.image.adjust_hue(U8RGB, 0.2))
    check("adjust_saturation/f32", tf.image.adjust_saturation(RGB, 1.8))
    check("adjust_saturation/low", tf.image.adjust_saturation(RGB, 0.3))
    check("adjust_saturation/u8", tf.image.adjust_saturation(U8RGB, 0.5))
    check("per_image_standardization/f32", tf.image.per_image_standardization(RGB))
    check("per_image_standardization/u8", tf.image.per_image_standardization(U8RGB))
    check("per_image_standardization/const",
          tf.image.per_image_standardization(np.full((2, 2, 1), 3.0, np.float32)))
    with pytest.raises(ValueError, match="delta"):
        tf.image.adjust_hue(RGB, 1.5)
    with pytest.raises(ValueError, match="Gamma"):
        tf.image.adjust_gamma(RGB, -1.0)


def test_adjustment_gradients_flow():
    x = tf.Variable(RGB)
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.image.adjust_saturation(tf.image.adjust_contrast(x, 1.3), 0.7)
                          * tf.image.per_image_standardization(x))
    g = t.gradient(y, x)
    assert g is not None and np.all(np.isfinite(g.numpy()))


# -- random ---------------------------------------------------------------------------------------
def test_random_ops_seeded_and_in_range():
    x = image((4, 6, 7, 3), 50)
    tf.random.set_seed(3)
    a = [tf.image.random_flip_left_right(x, seed=1).numpy(), tf.image.random_brightness(x, 0.2, seed=2).numpy(),
         tf.image.random_crop(x, (4, 3, 3, 3), seed=3).numpy()]
    tf.random.set_seed(3)
    b = [tf.image.random_flip_left_right(x, seed=1).numpy(), tf.image.random_brightness(x, 0.2, seed=2).numpy(),
         tf.image.random_crop(x, (4, 3, 3, 3), seed=3).numpy()]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    for i in range(4):   # each image is either itself or its mirror
        assert np.array_equal(a[0][i], x[i]) or np.array_equal(a[0][i], x[i, :, ::-1])
    d = a[1] - x
    assert np.allclose(d, d.flat[0], atol=1e-6) and abs(d.flat[0]) <= 0.2
    assert a[2].shape == (4, 3, 3, 3)
    for fn, args in [(tf.image.random_contrast, (0.5, 1.5)), (tf.image.random_saturation, (0.5, 1.5)),
                     (tf.image.random_hue, (0.2,)), (tf.image.random_flip_up_down, ())]:
        assert fn(x, *args, seed=4).shape == x.shape
    with pytest.raises(ValueError, match="upper must be > lower"):
        tf.image.random_contrast(x, 1.0, 0.5)
    with pytest.raises(ValueError, match="max_delta"):
        tf.image.random_hue(x, 0.7)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Need value.shape >= size"):
        tf.image.random_crop(x, (5, 3, 3, 3))


def test_stateless_random_ops_are_deterministic():
    x = image((2, 6, 7, 3), 51)
    for fn, args in [(tf.image.stateless_random_flip_left_right, ()), (tf.image.stateless_random_flip_up_down, ()),
                     (tf.image.stateless_random_brightness, (0.3,)), (tf.image.stateless_random_contrast, (0.2, 1.8)),
                     (tf.image.stateless_random_hue, (0.3,)), (tf.image.stateless_random_saturation, (0.2, 1.8)),
                     (tf.image.stateless_random_crop, ((2, 4, 4, 3),))]:
        a = fn(x, *args, seed=(1, 2)).numpy()
        np.testing.assert_array_equal(a, fn(x, *args, seed=(1, 2)).numpy())
    outs = {tf.image.stateless_random_brightness(x, 0.3, seed=(s, 0)).numpy()[0, 0, 0, 0] for s in range(5)}
    assert len(outs) > 1
    with pytest.raises(ValueError, match="shape \\[2\\]"):
        tf.image.stateless_random_brightness(x, 0.3, seed=1)


# -- metrics --------------------------------------------------------------------------------------
A = smooth((2, 24, 26, 3), 1)
B = np.clip(A + image(A.shape, 20, -0.08, 0.08), 0, 1).astype(np.float32)


def test_metrics_match_tf():
    check("psnr/f32", tf.image.psnr(A, B, 1.0))
    check("psnr/u8", tf.image.psnr(uint8_image((4, 5, 3), 21), uint8_image((4, 5, 3), 22), 255))
    check("ssim/f32", tf.image.ssim(A, B, 1.0))
    check("ssim/small_filter", tf.image.ssim(A, B, 1.0, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05))
    check("ssim/u8", tf.image.ssim(np.round(A * 255).astype(np.uint8), np.round(B * 255).astype(np.uint8), 255))
    ma = smooth((1, 48, 50, 1), 2)
    mb = np.clip(ma + image(ma.shape, 23, -0.1, 0.1), 0, 1).astype(np.float32)
    check("ssim_multiscale", tf.image.ssim_multiscale(ma, mb, 1.0, power_factors=(0.3, 0.3, 0.4), filter_size=5))
    check("ssim_multiscale/odd", tf.image.ssim_multiscale(ma[:, :45, :47], mb[:, :45, :47], 1.0,
                                                          power_factors=(0.5, 0.5), filter_size=7))
    check("total_variation/3d", tf.image.total_variation(image((4, 5, 2), 24)), rtol=1e-5)
    check("total_variation/4d", tf.image.total_variation(image((2, 4, 5, 2), 24)), rtol=1e-5)
    dy, dx = tf.image.image_gradients(image((2, 4, 5, 2), 25))
    check("image_gradients/dy", dy)
    check("image_gradients/dx", dx)
    check("sobel_edges", tf.image.sobel_edges(image((2, 5, 6, 2), 26)))


def test_ssim_gradient():
    a = tf.Variable(A)
    with tf.GradientTape() as t:
        s = tf.reduce_sum(tf.image.ssim(a, B, 1.0))
    g = t.gradient(s, a)
    assert g is not None and np.all(np.isfinite(g.numpy()))


def test_extract_patches_matches_tf():
    p = image((2, 7, 8, 2), 27)
    for nm, kw in [("valid", dict(sizes=[1, 3, 2, 1], strides=[1, 2, 3, 1], rates=[1, 1, 1, 1], padding="VALID")),
                   ("same", dict(sizes=[1, 3, 3, 1], strides=[1, 2, 2, 1], rates=[1, 1, 1, 1], padding="SAME")),
                   ("rates", dict(sizes=[1, 2, 2, 1], strides=[1, 1, 2, 1], rates=[1, 2, 3, 1], padding="SAME")),
                   ("rates_valid", dict(sizes=[1, 2, 3, 1], strides=[1, 3, 1, 1], rates=[1, 3, 2, 1],
                                        padding="VALID"))]:
        check(f"extract_patches/{nm}", tf.image.extract_patches(p, **kw))


# -- NMS and boxes --------------------------------------------------------------------------------
def test_nms_matches_tf():
    bx = np.asarray(REFS["nms/boxes"], np.float32)
    sc = np.asarray(REFS["nms/scores"], np.float32)
    check("nms/default", tf.image.non_max_suppression(bx, sc, 10))
    check("nms/iou0.3", tf.image.non_max_suppression(bx, sc, 20, iou_threshold=0.3))
    check("nms/score_thr", tf.image.non_max_suppression(bx, sc, 20, iou_threshold=0.6, score_threshold=0.4))
    check("nms/iou0", tf.image.non_max_suppression(bx, sc, 20, iou_threshold=0.0))
    i, s = tf.image.non_max_suppression_with_scores(bx, sc, 6, iou_threshold=0.4)
    check("nms_with_scores/idx", i)
    check("nms_with_scores/scores", s)
    with pytest.raises(tf.errors.InvalidArgumentError, match="iou_threshold"):
        tf.image.non_max_suppression(bx, sc, 3, iou_threshold=1.5)
    with pytest.raises(NotImplementedError, match="Soft-NMS"):
        tf.image.non_max_suppression_with_scores(bx, sc, 3, soft_nms_sigma=0.5)


def test_draw_bounding_boxes_matches_tf():
    canvas = image((1, 9, 11, 3), 30)
    dbx = np.array([[[0.1, 0.2, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 0.45, 0.8], [-0.2, 0.3, 0.4, 1.3]]],
                   np.float32)
    check("draw_bounding_boxes", tf.image.draw_bounding_boxes(
        canvas, dbx, np.array([[1, 0, 0, 1], [0, 1, 0, 1]], np.float32)))


# -- codecs ---------------------------------------------------------------------------------------
needs_pil = pytest.mark.skipif(importlib.util.find_spec("PIL") is None, reason="Pillow (the 'image' extra)")
FIXTURES = sorted(os.listdir(IMAGES))


def _read(name):
    with open(os.path.join(IMAGES, name), "rb") as fh:
        return fh.read()


@needs_pil
@pytest.mark.parametrize("name", FIXTURES)
def test_decode_matches_tf(name):
    data = _read(name)
    # JPEG: TF's default IDCT is libjpeg's "fast" integer one, Pillow decodes with the accurate
    # one (TF documents dct_method as a hint): within 3 levels of TF's default, exact against
    # TF's INTEGER_ACCURATE decode (checked below). Everything else is exact.
    tol = 3 if name.endswith(".jpg") else 0

    def near(key, got):
        nonlocal tol
        want = ref(key)
        got = got.numpy()
        assert got.shape == want.shape and got.dtype == want.dtype, (key, got.shape, want.shape)
        assert np.abs(got.astype(np.int64) - want.astype(np.int64)).max() <= tol, key

    near(f"decode/{name}", tf.image.decode_image(data, expand_animations=True))
    if name.endswith(".png"):
        near(f"decode_png16/{name}", tf.image.decode_png(data, dtype=tf.uint16))
        near(f"decode_png_c3/{name}", tf.io.decode_png(data, channels=3) if hasattr(tf, "io") and
             hasattr(tf.io, "decode_png") else tf.image.decode_png(data, channels=3))
        near(f"decode_png_c4/{name}", tf.image.decode_png(data, channels=4))
        if "gray16" not in name:
            near(f"decode_png_c1/{name}", tf.image.decode_png(data, channels=1))
    if name.endswith(".jpg"):
        near(f"decode_jpeg_c1/{name}", tf.image.decode_jpeg(data, channels=1))
        near(f"decode_jpeg_c3/{name}", tf.image.decode_jpeg(data, channels=3))
        tol = 0
        near(f"decode_jpeg_accurate/{name}", tf.image.decode_jpeg(data, dct_method="INTEGER_ACCURATE"))


@needs_pil
def test_encode_roundtrips():
    pic = uint8_image((6, 5, 3), 60)
    png = tf.image.encode_png(pic)
    np.testing.assert_array_equal(tf.image.decode_png(png).numpy(), pic)
    np.testing.assert_array_equal(tf.image.decode_image(tf.image.encode_png(pic[..., :1])).numpy(), pic[..., :1])
    jpg = tf.image.encode_jpeg(np.round(smooth((16, 16, 3), 1) * 255).astype(np.uint8), quality=95)
    assert bool(tf.image.is_jpeg(jpg).numpy())
    dec = tf.image.decode_jpeg(jpg).numpy()
    assert dec.shape == (16, 16, 3) and dec.dtype == np.uint8
    f = tf.image.decode_image(tf.image.encode_png(pic), dtype=tf.float32).numpy()
    np.testing.assert_allclose(f, pic / 255.0, atol=1e-6)
    with pytest.raises(TypeError, match="uint8"):
        tf.image.encode_png(pic.astype(np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.image.decode_image(b"not an image")
    q = tf.image.random_jpeg_quality(smooth((16, 16, 3), 2), 50, 90, seed=1)
    assert q.shape == (16, 16, 3) and q.dtype == tf.float32


def test_missing_pillow_names_the_extra(monkeypatch):
    import builtins
    from gradtape.image import _codecs
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no PIL")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"gradtape\[image\]"):
        _codecs.encode_png(uint8_image((2, 2, 3), 1))


@pytest.mark.parametrize("meth,size", [("bilinear", (3, 4)), ("nearest", (5, 3)), ("bilinear", (1, 1))])
def test_crop_and_resize_matches_tf(meth, size):
    cimg = tf.constant(image((2, 6, 7, 2), 37))
    cboxes = tf.constant(np.array([[0.1, 0.2, 0.8, 0.9], [0.5, 0.6, 0.2, 0.1], [-0.2, 0.3, 1.3, 0.7],
                                   [0.33, 0.45, 0.33, 0.45]], np.float32))
    cind = np.array([0, 1, 1, 0], np.int32)
    up = tf.constant(image((4,) + size + (2,), 38))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(cimg)
        tape.watch(cboxes)
        out = tf.image.crop_and_resize(cimg, cboxes, cind, size, method=meth, extrapolation_value=-1.0)
    key = f"crop_and_resize/{meth}/{size[0]}x{size[1]}"
    check(key, out)
    check(key + "/dimage", tape.gradient(out, cimg, output_gradients=up))
    check(key + "/dboxes", tape.gradient(out, cboxes, output_gradients=up), atol=1e-4, rtol=1e-4)


def test_crop_and_resize_errors():
    x = image((1, 4, 4, 1), 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="box_index"):
        tf.image.crop_and_resize(x, [[0, 0, 1, 1]], [1], (2, 2))
    with pytest.raises(ValueError, match="method"):
        tf.image.crop_and_resize(x, [[0, 0, 1, 1]], [0], (2, 2), method="bicubic")


def test_combined_non_max_suppression_matches_tf():
    cb = np.asarray(REFS["cnms/boxes"], np.float32)
    cs = np.asarray(REFS["cnms/scores"], np.float32)
    for nm, kw in [("shared", dict(boxes=cb[:, :, :1], max_output_size_per_class=3, max_total_size=5)),
                   ("perclass", dict(boxes=cb, max_output_size_per_class=4, max_total_size=20, iou_threshold=0.3,
                                     score_threshold=0.2)),
                   ("pad", dict(boxes=cb, max_output_size_per_class=2, max_total_size=10, pad_per_class=True,
                                clip_boxes=False))]:
        res = tf.image.combined_non_max_suppression(scores=cs, **kw)
        for part, v in zip(("boxes", "scores", "classes", "valid"), res):
            check(f"cnms/{nm}/{part}", v)


def test_sample_distorted_bounding_box_constraints():
    img = image((40, 60, 3), 80)
    boxes = np.array([[[0.1, 0.2, 0.5, 0.6], [0.6, 0.7, 0.9, 0.95]]], np.float32)
    tf.random.set_seed(1)
    for i in range(20):
        begin, size, bbox = tf.image.sample_distorted_bounding_box(
            [40, 60, 3], boxes, seed=i + 1, min_object_covered=0.5, aspect_ratio_range=[0.5, 2.0],
            area_range=[0.1, 0.8])
        b, s = begin.numpy(), size.numpy()
        assert b.dtype == np.int32 and s[2] == -1 and b[2] == 0
        h, w = int(s[0]), int(s[1])
        assert 0 <= b[0] and b[0] + h <= 40 and 0 <= b[1] and b[1] + w <= 60
        assert 0.1 * 2400 <= h * w <= 0.8 * 2400 or (h, w) == (40, 60)
        crop = tf.slice(img, begin, size)
        assert tuple(crop.shape) == (h, w, 3)
        np.testing.assert_allclose(bbox.numpy()[0, 0], [b[0] / 40, b[1] / 60, (b[0] + h) / 40, (b[1] + w) / 60],
                                   rtol=1e-6)
        # at least half of one box is inside the crop
        cov = []
        for y0, x0, y1, x1 in boxes[0]:
            ry0, rx0, ry1, rx1 = int(y0 * 40), int(x0 * 60), int(y1 * 40), int(x1 * 60)
            ih = max(min(b[0] + h, ry1) - max(b[0], ry0), 0)
            iw = max(min(b[1] + w, rx1) - max(b[1], rx0), 0)
            cov.append(ih * iw / ((ry1 - ry0) * (rx1 - rx0)))
        assert max(cov) >= 0.5 or (h, w) == (40, 60)
    a = tf.image.stateless_sample_distorted_bounding_box([40, 60, 3], boxes, seed=(3, 4))
    b = tf.image.stateless_sample_distorted_bounding_box([40, 60, 3], boxes, seed=(3, 4))
    assert all(np.array_equal(u.numpy(), v.numpy()) for u, v in zip(a, b))
    with pytest.raises(tf.errors.InvalidArgumentError, match="use_image_if_no_bounding_boxes"):
        tf.image.sample_distorted_bounding_box([4, 4, 1], np.zeros((1, 0, 4), np.float32))
    whole = tf.image.sample_distorted_bounding_box([4, 4, 1], np.zeros((1, 0, 4), np.float32),
                                                   use_image_if_no_bounding_boxes=True, area_range=[0.5, 1.0])
    assert whole[1].numpy()[0] * whole[1].numpy()[1] >= 8
