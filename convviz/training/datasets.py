"""Data a network can learn from without the internet, as uint8 RGB pictures with labels.

- ``shapes``: circles, squares, triangles and crosses at random places, sizes, angles and colours, on
  random backgrounds with noise: a small object-recognition task.
- ``bars``: oriented gratings and bars in 8 orientations, Hubel & Wiesel's stimulus: a first layer
  trained on them learns oriented edge detectors.
- a folder of pictures, one subfolder per class (MNIST or CIFAR exported as PNGs, webcam captures...):
  a bad picture is skipped and counted, never fatal.

Generated sets are deterministic by seed and drawn at the network's input size. Every set is split
into a training part and a held-out part (never trained on) by class, the same way every time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from convviz.core.errors import ConvvizError
from convviz.core.preprocess import fit_to, to_rgb8

GENERATED = ("shapes", "bars")
SHAPES = ("circle", "square", "triangle", "cross")
ORIENTATIONS = 8
HELD_OUT = 0.2  # the share of each class kept for the accuracy that is shown, never trained on
MAX_PICTURES = 200_000


class DatasetError(ConvvizError):
    """Data convviz cannot learn from (one class, an empty class, no pictures...)."""


@dataclass(frozen=True)
class Dataset:
    """Pictures (N, H, W, 3) uint8 RGB with labels (N,) int64 into ``classes``; ``held_out`` marks the
    pictures kept aside (N,) bool; ``notes`` says what was skipped or adapted."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    held_out: np.ndarray
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def training_count(self) -> int:
        return int(np.count_nonzero(~self.held_out))

    def describe(self) -> str:
        return (f"{self.name}: {len(self):,} pictures of {len(self.classes)} classes "
                f"({self.training_count:,} to train on, {len(self) - self.training_count:,} held out)")


def split(labels: np.ndarray, seed: int, share: float = HELD_OUT) -> np.ndarray:
    """Which pictures are held out: ``share`` of each class (at least one when a class has two or more),
    chosen by a seeded shuffle, so the same data always splits the same way."""
    rng = np.random.default_rng(seed + 7919)
    held = np.zeros(len(labels), bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < 2:
            continue
        count = max(1, round(len(members) * share))
        held[rng.permutation(members)[:count]] = True
    return held


# ---- generated shapes --------------------------------------------------------------------------------

def _colour(rng: np.random.Generator, away_from: np.ndarray | None = None) -> np.ndarray:
    """A random colour, at least a visible distance from ``away_from`` (the background)."""
    for _ in range(20):
        colour = rng.integers(0, 256, 3)
        if away_from is None or np.abs(colour - away_from).sum() > 180:
            return colour
    return 255 - away_from if away_from is not None else colour


def _draw_shape(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    height, width = size
    background = _colour(rng)
    image = np.empty((height, width, 3), np.uint8)
    image[:] = background
    if rng.random() < 0.5:  # a gentle gradient behind, so the background is not always flat
        ramp = np.linspace(-30, 30, width)[None, :, None] * rng.uniform(-1, 1)
        image = np.clip(image.astype(np.float32) + ramp, 0, 255).astype(np.uint8)
    colour = tuple(int(c) for c in _colour(rng, background))
    scale = min(height, width)
    radius = rng.uniform(0.18, 0.38) * scale
    cx = rng.uniform(radius, width - radius)
    cy = rng.uniform(radius, height - radius)
    angle = rng.uniform(0, 2 * math.pi)
    shift = 4  # OpenCV's fractional bits: smooth edges at 32x32
    fixed = lambda points: np.round(np.asarray(points) * (1 << shift)).astype(np.int32)  # noqa: E731
    if kind == "circle":
        cv2.circle(image, tuple(fixed((cx, cy))), int(radius * (1 << shift)), colour, -1, cv2.LINE_AA, shift)
    elif kind in ("square", "triangle"):
        corners = 4 if kind == "square" else 3
        points = [(cx + radius * math.cos(angle + 2 * math.pi * k / corners),
                   cy + radius * math.sin(angle + 2 * math.pi * k / corners)) for k in range(corners)]
        cv2.fillPoly(image, [fixed(points)], colour, cv2.LINE_AA, shift)
    else:  # a cross: two bars through the centre
        thickness = radius * 0.45
        for turn in (0.0, math.pi / 2):
            a = angle + turn
            dx, dy = math.cos(a), math.sin(a)
            nx, ny = -dy * thickness / 2, dx * thickness / 2
            points = [(cx - dx * radius + nx, cy - dy * radius + ny), (cx + dx * radius + nx, cy + dy * radius + ny),
                      (cx + dx * radius - nx, cy + dy * radius - ny), (cx - dx * radius - nx, cy - dy * radius - ny)]
            cv2.fillPoly(image, [fixed(points)], colour, cv2.LINE_AA, shift)
    noise = rng.normal(0, rng.uniform(2, 14), image.shape)
    return np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def make_shapes(count: int, size: tuple[int, int], seed: int = 0) -> Dataset:
    """``count`` pictures of the four shapes (equally many of each), ``size`` = (height, width)."""
    _check_count(count)
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(SHAPES)
    rng.shuffle(labels)
    images = np.stack([_draw_shape(SHAPES[label], size, rng) for label in labels])
    return Dataset("shapes", images, labels.astype(np.int64), SHAPES, split(labels, seed))


# ---- generated bars ------------------------------------------------------------------------------------

def orientation_names() -> tuple[str, ...]:
    return tuple(f"{k * 180 / ORIENTATIONS:g}\u00b0" for k in range(ORIENTATIONS))


def _draw_bars(orientation: int, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A grating (or a single bar) at ``orientation`` x 22.5 degrees, random phase, period, contrast."""
    height, width = size
    theta = math.pi * orientation / ORIENTATIONS + rng.normal(0, 0.04)
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    along = (cols - width / 2) * math.cos(theta) + (rows - height / 2) * math.sin(theta)
    period = rng.uniform(0.18, 0.45) * min(height, width)
    phase = rng.uniform(0, 2 * math.pi)
    if rng.random() < 0.3:  # a single bright or dark bar
        offset = rng.uniform(-0.3, 0.3) * min(height, width)
        pattern = np.exp(-((along - offset) / (period * 0.25)) ** 2) * (1 if rng.random() < 0.5 else -1)
    else:
        pattern = np.sin(2 * math.pi * along / period + phase)
    mean, contrast = rng.uniform(90, 165), rng.uniform(40, 90)
    grey = mean + contrast * pattern + rng.normal(0, rng.uniform(2, 10), pattern.shape)
    tint = rng.uniform(0.85, 1.15, 3)
    return np.clip(grey[:, :, None] * tint[None, None, :], 0, 255).astype(np.uint8)


def make_bars(count: int, size: tuple[int, int], seed: int = 0) -> Dataset:
    """``count`` oriented gratings and bars in 8 orientations (0, 22.5, ..., 157.5 degrees; 0 means the
    stripes run up and down: the brightness changes left to right)."""
    _check_count(count)
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % ORIENTATIONS
    rng.shuffle(labels)
    images = np.stack([_draw_bars(int(label), size, rng) for label in labels])
    return Dataset("bars", images, labels.astype(np.int64), orientation_names(), split(labels, seed))


def _check_count(count: int) -> None:
    if not 8 <= count <= MAX_PICTURES:
        raise DatasetError(f"a generated data set has 8 to {MAX_PICTURES:,} pictures, not {count:,}")


def generated(name: str, count: int, size: tuple[int, int], seed: int = 0) -> Dataset:
    """A generated data set by name ("shapes" or "bars")."""
    makers: dict[str, Callable[[int, tuple[int, int], int], Dataset]] = {"shapes": make_shapes, "bars": make_bars}
    if name not in makers:
        raise DatasetError(f"no generated data set called {name!r}; choose {' or '.join(GENERATED)}, or a folder")
    return makers[name](count, size, seed)


# ---- a folder of pictures ------------------------------------------------------------------------------

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pnm")


def class_folders(root: Path) -> list[Path]:
    """The class subfolders of ``root`` (sorted by name, hidden ones left out)."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_folder(root: str | os.PathLike[str], size: tuple[int, int], seed: int = 0,
                progress: Callable[[int, int], None] | None = None) -> Dataset:
    """Every picture under ``root/<class>/``, fitted to ``size`` (centre crop and resize, as the live
    input is). Pictures that cannot be read are skipped and counted in ``notes``; DatasetError if fewer
    than two classes have pictures."""
    from convviz.sources.image import read_image

    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root} is not a folder (a data set is a folder with one subfolder per class)")
    folders = class_folders(root)
    if len(folders) < 2:
        found = f"only {folders[0].name!r}" if folders else "none"
        raise DatasetError(f"{root.name} needs one subfolder per class, at least two (found {found})")
    files = [(label, path) for label, folder in enumerate(folders)
             for path in sorted(folder.iterdir()) if path.suffix.lower() in PICTURE_SUFFIXES and path.is_file()]
    if len(files) > MAX_PICTURES:
        raise DatasetError(f"{root.name} holds {len(files):,} pictures; convviz learns from up to {MAX_PICTURES:,}")
    images, labels, skipped = [], [], []
    for done, (label, path) in enumerate(files):
        try:
            picture, _ = fit_to(to_rgb8(read_image(path)), *size)
        except ConvvizError:
            skipped.append(path.name)
        else:
            images.append(picture)
            labels.append(label)
        if progress is not None and (done % 50 == 0 or done == len(files) - 1):
            progress(done + 1, len(files))
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(folders))
    empty = [folders[k].name for k in range(len(folders)) if counts[k] == 0]
    if len(folders) - len(empty) < 2:
        raise DatasetError(f"{root.name}: fewer than two classes have pictures convviz can read"
                           + (f" (empty: {', '.join(empty)})" if empty else ""))
    notes = []
    if skipped:
        shown = ", ".join(skipped[:3]) + (" ..." if len(skipped) > 3 else "")
        notes.append(f"{len(skipped)} picture(s) could not be read and were skipped ({shown})")
    kept = [k for k in range(len(folders)) if counts[k] > 0]
    if empty:
        notes.append(f"left out: {', '.join(empty)} (no pictures to learn from)")
    renumber = {old: new for new, old in enumerate(kept)}
    label_array = np.asarray([renumber[label] for label in labels], dtype=np.int64)
    return Dataset(root.name, np.stack(images), label_array, tuple(folders[k].name for k in kept),
                   split(label_array, seed), tuple(notes))
