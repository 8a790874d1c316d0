"""Any picture becomes the network's input: grey, RGBA, 16-bit, huge, tiny."""

from __future__ import annotations

import numpy as np
import pytest

from convviz.core.errors import ImageError
from convviz.core.preprocess import prepare, to_rgb8
from convviz.core.spec import InputSpec


def test_sixteen_bit_grey_is_scaled_not_clipped():
    image = np.full((10, 10), 65535, np.uint16)
    assert to_rgb8(image).max() == 255
    assert to_rgb8(np.full((4, 4), 32768, np.uint16))[0, 0, 0] == 128


def test_rgba_is_composited_on_white():
    image = np.zeros((4, 4, 4), np.uint8)
    assert (to_rgb8(image) == 255).all()  # fully transparent black is white
    image[..., 3] = 255
    assert (to_rgb8(image) == 0).all()


def test_huge_photo_is_downscaled_with_the_factor_reported():
    photo = np.zeros((4000, 6000, 3), np.uint8)
    prepared = prepare(photo, InputSpec(3, 480, 640))
    assert prepared.tensor.shape == (3, 480, 640)
    assert prepared.scale == pytest.approx(480 / 4000)
    assert "scaled by 0.12" in prepared.notes[0]


def test_tiny_image_is_upscaled_and_grey_network_gets_one_channel():
    prepared = prepare(np.full((3, 3, 3), 200, np.uint8), InputSpec(1, 7, 7))
    assert prepared.tensor.shape == (1, 7, 7)
    assert prepared.tensor.max() == pytest.approx(200 / 255, abs=1e-3)
    assert any("grey" in note for note in prepared.notes)


def test_values_are_in_zero_one():
    prepared = prepare(np.arange(256, dtype=np.uint8).reshape(16, 16), InputSpec(3, 16, 16))
    assert prepared.tensor.min() == 0.0 and prepared.tensor.max() == 1.0


def test_a_non_image_array_is_refused_clearly():
    with pytest.raises(ImageError):
        to_rgb8(np.zeros((4, 4, 7)))
