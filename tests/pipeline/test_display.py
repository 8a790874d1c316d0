"""Display images: mosaic layout, colours around zero, shrinking."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from convviz.pipeline.display import MosaicPainter, plan_layout, shrink


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
