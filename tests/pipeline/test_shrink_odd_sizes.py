"""Maps of odd sizes are shrunk for display like even ones: OpenCV 5's area resize refuses a fractional
scale for more than 4 channels ("cn <= 4"), and after an edit that made a map 241x321 every frame said
"could not draw this frame" (found by scripts/soak.py)."""

from __future__ import annotations

import numpy as np
import pytest

from convviz.pipeline.display import shrink


def block_mean(maps: np.ndarray, factor: int) -> np.ndarray:
    channels, height, width = maps.shape
    rows, cols = height // factor, width // factor
    cropped = maps[:, : rows * factor, : cols * factor]
    return cropped.reshape(channels, rows, factor, cols, factor).mean(axis=(2, 4))


@pytest.mark.parametrize("channels", [1, 3, 5, 8, 16])
@pytest.mark.parametrize(("height", "width", "factor"), [(241, 321, 2), (240, 320, 2), (13, 29, 3), (100, 7, 5)])
@pytest.mark.parametrize("channels_last", [True, False])
def test_shrink_is_the_block_mean_for_any_size(rng, channels, height, width, factor, channels_last):
    if channels_last:  # torch's channels-last output: (H, W, C) memory seen as (C, H, W)
        maps = rng.random((height, width, channels), dtype=np.float32).transpose(2, 0, 1)
    else:
        maps = rng.random((channels, height, width), dtype=np.float32)
    np.testing.assert_allclose(shrink(maps, factor), block_mean(maps, factor), rtol=1e-5, atol=1e-6)


def test_shrink_of_more_than_512_maps_is_the_block_mean(rng):
    maps = rng.random((520, 9, 11), dtype=np.float32)
    np.testing.assert_allclose(shrink(maps, 2), block_mean(maps, 2), rtol=1e-5, atol=1e-6)
