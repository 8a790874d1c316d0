"""Display images: mosaic layout, colours around zero, shrinking."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from convviz.pipeline.display import (
    NONFINITE_RGB,
    ColourScale,
    MosaicPainter,
    nice_ceiling,
    nice_ceilings,
    plan_layout,
    shrink,
)


def test_every_map_gets_a_tile_and_locate_inverts_tile_origin():
    layout = plan_layout(10, (32, 32))
    assert layout.rows * layout.cols >= 10
    for channel in range(10):
        oy, ox = layout.tile_origin(channel)
        assert layout.locate(oy + 5, ox + 7) == (channel, 5, 7)
    # the gap between tiles belongs to no map
    oy, ox = layout.tile_origin(0)
    assert layout.locate(oy, ox + layout.tile_size[1]) is None


def test_large_maps_are_shrunk_by_a_whole_factor():
    layout = plan_layout(8, (480, 640), max_tile=192)
    assert layout.factor == 4 and layout.tile_size == (120, 160)
    assert layout.locate(*layout.tile_origin(3))[0] == 3


def test_shrink_is_the_block_mean():
    maps = np.random.default_rng(0).random((3, 12, 16), dtype=np.float32)
    expected = F.avg_pool2d(torch.from_numpy(maps)[None], 4)[0].numpy()
    np.testing.assert_allclose(shrink(maps, 4), expected, rtol=1e-6)


def test_zero_is_the_middle_colour_and_signs_go_to_the_ends(lut):
    painter = MosaicPainter(lut)
    maps = np.array([[[-2.0, 0.0, 2.0]]], np.float32)
    image = painter.paint(0, maps, half_range=2.0)
    row = image.rgba[0, :, 0]
    assert row[0] == 0 and row[2] == 255 and row[1] in (127, 128)
    assert image.half_range == 2.0 and image.minimum == -2.0 and image.maximum == 2.0


def test_gaps_are_transparent(lut):
    painter = MosaicPainter(lut)
    image = painter.paint(0, np.ones((4, 8, 8), np.float32))
    layout = image.layout
    if layout.cols > 1:
        gap_x = layout.tile_size[1]
        assert image.rgba[0, gap_x, 3] == 0
    assert image.rgba[0, 0, 3] == 255


def test_buffers_are_reused_in_a_ring(lut):
    painter = MosaicPainter(lut)
    maps = np.zeros((2, 16, 16), np.float32)
    seen = {id(painter.paint(0, maps).argb) for _ in range(6)}
    assert len(seen) == MosaicPainter.RING


def test_live_range_is_smoothed_but_a_still_frame_is_exact(lut):
    painter = MosaicPainter(lut)
    small = np.full((1, 4, 4), 1.0, np.float32)
    big = np.full((1, 4, 4), 3.0, np.float32)
    assert painter.paint(0, small).half_range == pytest.approx(1.0)
    assert painter.paint(0, big).half_range == pytest.approx(3.0)
    painter.paint(0, small, smooth=False)
    smoothed = painter.paint(0, big, smooth=True).half_range
    assert 1.0 < smoothed < 3.0


# ---- the mosaic painter against independent references (numpy and torch, not the painter's code) ----
def reference_colours(values: np.ndarray, half_range: float, lut: np.ndarray) -> np.ndarray:
    """What the lecture's colour rule gives for ``values``: 256 bins over -m..+m, zero in the middle."""
    index = np.clip(np.floor(values.astype(np.float64) / half_range * 127.5 + 127.5), 0, 255).astype(int)
    return lut[index][..., :3]


def tiles_of(image, channel: int) -> np.ndarray:
    oy, ox = image.layout.tile_origin(channel)
    th, tw = image.layout.tile_size
    return image.rgba[oy:oy + th, ox:ox + tw, :3]


def channels_last(maps: np.ndarray) -> np.ndarray:
    """(C, H, W) maps in the memory layout the network's outputs have (H x W x C underneath)."""
    return np.ascontiguousarray(maps.transpose(1, 2, 0)).transpose(2, 0, 1)


@pytest.mark.parametrize("factor, shape", [(2, (5, 14, 18)), (3, (3, 31, 20)), (4, (8, 48, 64)), (5, (2, 25, 27))])
def test_block_means_are_torchs_average_pooling_whatever_the_layout(factor, shape, rng):
    maps = rng.standard_normal(shape).astype(np.float32)
    expected = F.avg_pool2d(torch.from_numpy(maps)[None], factor)[0].numpy()  # crops the remainder too
    np.testing.assert_allclose(shrink(maps, factor), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shrink(channels_last(maps), factor), expected, rtol=1e-5, atol=1e-6)


def test_every_tile_has_the_colours_of_its_own_map(lut, rng):
    maps = channels_last(rng.uniform(-3, 3, (7, 480, 640)).astype(np.float32))
    painter = MosaicPainter(lut, max_tile=192)
    image = painter.paint(0, maps, half_range=2.0)
    assert image.layout.factor == 4
    means = F.avg_pool2d(torch.from_numpy(np.ascontiguousarray(maps))[None], 4)[0].numpy()
    for channel in range(7):
        expected = reference_colours(means[channel], 2.0, lut)
        mismatched = np.any(tiles_of(image, channel) != expected, axis=-1)
        # a block mean within float rounding of a bin edge may land in the neighbouring bin
        assert mismatched.mean() < 1e-3, channel
    assert image.minimum == pytest.approx(float(means.min()), abs=1e-5)
    assert image.maximum == pytest.approx(float(means.max()), abs=1e-5)


def test_the_mosaic_is_qts_premultiplied_argb(lut):
    painter = MosaicPainter(lut)
    image = painter.paint(0, np.array([[[-1.0, 0.0, 1.0]]], np.float32), half_range=1.0)
    pixels = image.argb[0]
    assert image.argb.dtype == np.uint32
    assert [int(p) >> 24 for p in pixels] == [255, 255, 255]  # opaque
    assert [(int(p) >> 16) & 255 for p in pixels] == [0, 127, 255]  # red channel of the grey table


def test_nan_and_inf_get_a_colour_of_their_own_and_are_counted(lut, rng):
    maps = rng.uniform(-1, 1, (3, 16, 16)).astype(np.float32)
    maps[0, 2, 3] = np.nan
    maps[1, 5, 5] = np.inf
    maps[2, 0, 0] = -np.inf
    painter = MosaicPainter(lut)
    image = painter.paint(0, maps)
    assert image.nonfinite == 3
    for channel, (row, col) in enumerate([(2, 3), (5, 5), (0, 0)]):
        oy, ox = image.layout.tile_origin(channel)
        assert tuple(image.rgba[oy + row, ox + col, :3]) == NONFINITE_RGB
    # the range comes from the finite values: not NaN, not stretched to infinity
    assert 0.5 <= image.half_range <= 1.0
    assert image.minimum == pytest.approx(float(np.nanmin(np.where(np.isfinite(maps), maps, np.nan))))
    finite = np.isfinite(maps[0])
    expected = reference_colours(np.nan_to_num(maps[0]), image.half_range, lut)
    assert np.array_equal(tiles_of(image, 0)[finite], expected[finite])


def test_per_map_colours_give_each_map_its_own_range(lut, rng):
    base = rng.uniform(-1, 1, (4, 32, 32)).astype(np.float32)
    maps = base * np.array([0.01, 0.1, 1.0, 10.0], np.float32)[:, None, None]
    painter = MosaicPainter(lut, scale=ColourScale("map"))
    image = painter.paint(0, maps)
    ranges = image.tile_ranges
    assert image.mode == "map" and ranges is not None and len(ranges) == 4
    assert list(ranges) == sorted(ranges) and ranges[3] / ranges[0] > 100
    assert image.half_range == pytest.approx(ranges.max())
    for channel in range(4):
        # each map's own 99.5th percentile of |value| sets its range, rounded up to a readable value
        assert np.abs(maps[channel]).max() * 0.9 <= ranges[channel] <= np.abs(maps[channel]).max() * 2.5
        expected = reference_colours(maps[channel], ranges[channel], lut)
        assert np.mean(np.any(tiles_of(image, channel) != expected, axis=-1)) < 1e-3
        assert image.range_of(channel) == ranges[channel]


def test_a_fixed_range_colours_the_same_number_the_same_in_every_layer(lut):
    painter = MosaicPainter(lut, scale=ColourScale("fixed", 2.0))
    small = painter.paint(0, np.full((2, 8, 8), 0.5, np.float32))
    large = painter.paint(1, np.full((5, 8, 8), 0.5, np.float32) * np.array([1, 1, 1, 1, 8], np.float32)[:, None, None])
    assert small.half_range == large.half_range == 2.0
    assert np.array_equal(tiles_of(small, 0), tiles_of(large, 0))
    assert np.all(tiles_of(large, 4) == lut[255][:3])  # 4.0 is beyond +2: saturated


def test_colour_scales_refuse_what_they_cannot_show():
    with pytest.raises(ValueError):
        ColourScale("brightest")
    with pytest.raises(ValueError):
        ColourScale("fixed", 0.0)


@pytest.mark.parametrize("value", [1e-7, 0.0123, 0.99, 1.0, 1.01, 2.2, 7.9, 8.0, 9.5, 12.0, 345.0, 9999.0])
def test_vectorised_nice_values_are_the_scalar_ones(value):
    assert nice_ceilings(np.array([value]))[0] == pytest.approx(nice_ceiling(value))
