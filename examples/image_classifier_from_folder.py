"""Image classification from a folder of PNG files, written as tf.keras code with ``import gradtape as tf``.

It draws a small data set of three synthetic shape classes (circle, square, triangle; random size,
position, colour and noise) into ``<out>/shapes/<class>/*.png``, loads it with
``tf.keras.utils.image_dataset_from_directory`` (80/20 train/validation split), augments with
``RandomFlip``/``RandomRotation``/``RandomZoom`` layers inside the model, trains a small CNN with
``fit`` and prints the validation accuracy. Seeded; no download.

    python examples/image_classifier_from_folder.py [--epochs 10] [--per-class 100] [--out out] [--quiet]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any, Dict, Optional

import numpy as np

try:
    import gradtape as tf
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import gradtape as tf

CLASSES = ("circle", "square", "triangle")
SIZE = 24


def draw_shape(kind: str, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """One ``(size, size, 3)`` uint8 picture of ``kind`` on a noisy background."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    r = rng.uniform(0.2, 0.35) * size
    cy, cx = rng.uniform(r + 1, size - r - 1, 2)
    if kind == "circle":
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    elif kind == "square":
        mask = (np.abs(yy - cy) <= r * 0.85) & (np.abs(xx - cx) <= r * 0.85)
    else:  # an upright triangle: inside the three half-planes
        top, base = cy - r, cy + r * 0.8
        half = (yy - top) / (base - top) * r
        mask = (yy >= top) & (yy <= base) & (np.abs(xx - cx) <= half)
    background = rng.uniform(0, 90, 3)
    colour = rng.uniform(140, 255, 3)
    img = np.where(mask[..., None], colour, background) + rng.normal(0, 12, (size, size, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_folder(root: str, per_class: int, seed: int = 0) -> str:
    """Write ``per_class`` PNG files per class under ``root/shapes/<class>/`` and return that folder."""
    folder = os.path.join(root, "shapes")
    rng = np.random.default_rng(seed)
    for kind in CLASSES:
        os.makedirs(os.path.join(folder, kind), exist_ok=True)
        for i in range(per_class):
            tf.keras.utils.save_img(os.path.join(folder, kind, f"{kind}_{i:03d}.png"), draw_shape(kind, rng),
                                    scale=False)
    return folder


def build_model(num_classes: int) -> Any:
    """Rescaling - augmentation - Conv(16)/Pool - Conv(32)/Pool - Conv(32)/Pool - Dense(32) - Dense logits."""
    layers = tf.keras.layers
    augment = tf.keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.05),
                                   layers.RandomZoom(0.1)], name="augmentation")
    return tf.keras.Sequential([
        tf.keras.Input((SIZE, SIZE, 3)),
        layers.Rescaling(1.0 / 255),
        augment,
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(32, activation="relu"),
        layers.Dense(num_classes),
    ])


def main(argv: Optional[list] = None) -> Dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--out", default=None, help="where to write the image folder (default: a temp dir)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args([] if argv is None else argv)
    t0 = time.perf_counter()
    tf.keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or tmp
        folder = make_folder(root, args.per_class)
        train_ds, val_ds = tf.keras.utils.image_dataset_from_directory(
            folder, validation_split=0.2, subset="both", seed=1, image_size=(SIZE, SIZE), batch_size=32,
            verbose=not args.quiet)
        class_names = train_ds.class_names
        train_ds, val_ds = train_ds.cache(), val_ds.cache()
        model = build_model(len(class_names))
        model.compile(optimizer=tf.keras.optimizers.Adam(0.005),
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        history = model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, verbose=0 if args.quiet else 2)
        loss, acc = model.evaluate(val_ds, verbose=0)
    seconds = time.perf_counter() - t0
    print(f"classes {class_names}: validation accuracy {acc:.3f} (loss {loss:.3f}) after {args.epochs} epochs, "
          f"{seconds:.1f} s")
    return {"accuracy": float(acc), "loss": float(loss), "history": history.history, "seconds": seconds}


if __name__ == "__main__":
    main(sys.argv[1:])
