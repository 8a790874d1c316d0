"""Data that works offline: generated shapes and bars (deterministic, balanced, drawn as labelled),
folders of pictures (bad pictures skipped and counted), and the held-out split."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from convviz.training.datasets import (
    ORIENTATIONS,
    SHAPES,
    DatasetError,
    load_folder,
    make_bars,
    make_shapes,
    split,
)


def test_generated_sets_are_deterministic_by_seed_and_balanced():
    a, b, c = make_shapes(64, (24, 32), seed=3), make_shapes(64, (24, 32), seed=3), make_shapes(64, (24, 32), seed=4)
    assert a.images.shape == (64, 24, 32, 3) and a.images.dtype == np.uint8
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.images, c.images)
    assert a.classes == SHAPES and np.bincount(a.labels).tolist() == [16, 16, 16, 16]
    bars = make_bars(80, (32, 32), seed=1)
    assert len(bars.classes) == ORIENTATIONS and np.bincount(bars.labels).tolist() == [10] * 8


def test_the_held_out_part_is_a_fifth_of_every_class_and_never_changes():
    labels = np.repeat(np.arange(4), 25)
    held = split(labels, seed=0)
    assert [int(held[labels == k].sum()) for k in range(4)] == [5, 5, 5, 5]
    np.testing.assert_array_equal(held, split(labels, seed=0))
    data = make_shapes(200, (16, 16), seed=2)
    assert data.training_count == 160 and data.held_out.sum() == 40


def test_every_bar_is_drawn_at_its_labelled_orientation():
    """The oracle is the picture itself: the dominant gradient direction (structure tensor, numpy)
    is perpendicular to the stripes, i.e. the label's angle (0 degrees: brightness changes left to right)."""
    data = make_bars(160, (32, 32), seed=5)
    errors = []
    for image, label in zip(data.images, data.labels):
        grey = image.astype(np.float64).mean(axis=2)
        gy, gx = np.gradient(grey)
        angle = 0.5 * math.atan2(2 * (gx * gy).sum(), ((gx * gx) - (gy * gy)).sum())  # gradient direction
        expected = math.pi * label / ORIENTATIONS
        errors.append(abs((angle - expected + math.pi / 2) % math.pi - math.pi / 2))
    assert np.percentile(np.degrees(errors), 90) < 8  # within 8 degrees for 9 bars in 10


def test_each_shape_is_drawn_as_its_label_says():
    """Count the corners of the drawn outline (OpenCV's polygon fit): a circle has many, a triangle 3,
    a square 4, a cross 12, for most pictures."""
    data = make_shapes(80, (96, 96), seed=6)
    right = 0
    for image, label in zip(data.images, data.labels):
        blurred = cv2.GaussianBlur(image, (5, 5), 0).astype(np.int32)
        background = np.median(np.concatenate([blurred[0], blurred[-1], blurred[:, 0], blurred[:, -1]]), axis=0)
        mask = (np.abs(blurred - background).sum(axis=2) > 90).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = max(contours, key=cv2.contourArea)
        corners = len(cv2.approxPolyDP(outline, 0.04 * cv2.arcLength(outline, True), True))
        guess = "triangle" if corners == 3 else "square" if corners == 4 else "cross" if corners >= 10 else "circle"
        right += guess == SHAPES[label]
    assert right >= 0.85 * len(data)


def _picture(path, array):
    cv2.imwrite(str(path), array)


def test_a_folder_of_pictures_in_every_form_is_fitted_and_bad_ones_counted(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "dogs").mkdir()
    (tmp_path / "birds").mkdir()  # empty: left out, said
    rng = np.random.default_rng(0)
    _picture(tmp_path / "cats" / "big.png", rng.integers(0, 255, (300, 200, 3), dtype=np.uint8))
    _picture(tmp_path / "cats" / "grey.png", rng.integers(0, 255, (50, 70), dtype=np.uint8))
    _picture(tmp_path / "cats" / "sixteen.png", rng.integers(0, 65535, (40, 40), dtype=np.uint16))
    _picture(tmp_path / "dogs" / "rgba.png", rng.integers(0, 255, (64, 64, 4), dtype=np.uint8))
    _picture(tmp_path / "dogs" / "small.jpg", rng.integers(0, 255, (8, 12, 3), dtype=np.uint8))
    (tmp_path / "dogs" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / "dogs" / "notes.txt").write_text("not a picture")
    data = load_folder(tmp_path, (16, 20))
    assert data.images.shape == (5, 16, 20, 3) and data.classes == ("cats", "dogs")
    assert np.bincount(data.labels).tolist() == [3, 2]
    assert any("1 picture(s) could not be read" in note and "broken.png" in note for note in data.notes)
    assert any("left out: birds" in note for note in data.notes)


def test_folders_that_cannot_teach_are_refused_with_a_reason(tmp_path):
    with pytest.raises(DatasetError, match="not a folder"):
        load_folder(tmp_path / "missing", (8, 8))
    (tmp_path / "only").mkdir()
    _picture(tmp_path / "only" / "a.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(DatasetError, match="at least two"):
        load_folder(tmp_path, (8, 8))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="fewer than two classes have pictures"):
        load_folder(tmp_path, (8, 8))
