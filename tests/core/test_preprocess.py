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


def test_resize_then_centre_crop_as_torchvision_does():
    """Resize(256) + CenterCrop(224) on a 640x480 picture: the shorter side 480 -> 256 (x 0.5333),
    640 -> 341, and the middle 224x224 is cut out: a square marked at the picture's centre stays at
    the crop's centre, the picture's left edge (x < 58 of 341) is cut off."""
    picture = np.zeros((480, 640, 3), np.uint8)
    picture[:, :100] = 255  # a bright strip at the left edge: cut away
    picture[220:260, 300:340] = (0, 255, 0)  # a green square at the centre
    spec = InputSpec(3, 224, 224, resize=256)
    prepared = prepare(picture, spec)
    assert prepared.tensor.shape == (3, 224, 224) and prepared.display.shape == (224, 224, 3)
    green = np.argwhere(prepared.display[..., 1] > 128)
    centre = green.mean(axis=0)
    assert abs(centre[0] - 111.5) < 1.5 and abs(centre[1] - 111.5) < 1.5
    assert prepared.display[:, :, 0].max() < 50  # the left strip (up to x = 53 of 341) lies outside the crop
    assert "shorter side scaled to 256" in prepared.notes[0]


def test_normalisation_is_x_minus_mean_over_std_per_channel():
    import torch

    rng = np.random.default_rng(0)
    picture = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    prepared = prepare(picture, InputSpec(3, 8, 8, mean=mean, std=std))
    expected = (torch.from_numpy(picture).permute(2, 0, 1).float() / 255 - torch.tensor(mean)[:, None, None]) \
        / torch.tensor(std)[:, None, None]
    np.testing.assert_allclose(prepared.tensor, expected.numpy(), rtol=1e-5, atol=1e-5)
    assert any("normalised per channel" in note for note in prepared.notes)


def test_preprocessing_round_trips_through_the_network_file():
    from convviz.core.spec import NetworkSpec

    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 224, "width": 224, "resize": 256,
                                            "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}, "layers": []})
    again = NetworkSpec.from_json(spec.to_json())
    assert again.input == spec.input and again.input.resize == 256 and again.input.std == (0.25, 0.25, 0.25)
    from convviz.core.errors import SpecError

    with pytest.raises(SpecError, match="'std' must be positive"):
        NetworkSpec.from_dict({"input": {"channels": 1, "height": 8, "width": 8, "mean": [0], "std": [0]},
                               "layers": []})
    with pytest.raises(SpecError, match="'mean' must list 3 number"):
        NetworkSpec.from_dict({"input": {"channels": 3, "height": 8, "width": 8, "mean": [0], "std": [1]},
                               "layers": []})
