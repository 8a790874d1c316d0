"""Activation maps turned into display images, off the GUI thread, with numpy only.

A layer's C maps are laid out in one mosaic (one image item per layer is far cheaper to draw than C
items), shrunk by a whole factor when the maps are larger than a tile needs to be, and coloured with
a 256-entry lookup table around a symmetric range +-m so that zero always gets the table's middle
colour and negative and positive values look apart. Buffers are reused from frame to frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class MosaicLayout:
    """Where each of ``channels`` maps sits in a layer's mosaic, in mosaic pixels (rows first).

    Map ``c`` occupies rows ``r*(tile_h+gap)`` .. ``+tile_h`` and columns ``k*(tile_w+gap)`` ..
    ``+tile_w`` with ``r, k = divmod(c, cols)``. One mosaic pixel covers ``factor`` x ``factor``
    pixels of the map.
    """

    channels: int
    map_size: tuple[int, int]  # (height, width) of one activation map
    factor: int
    rows: int
    cols: int
    gap: int

    @property
    def tile_size(self) -> tuple[int, int]:
        return (self.map_size[0] // self.factor, self.map_size[1] // self.factor)

    @property
    def shape(self) -> tuple[int, int]:
        th, tw = self.tile_size
        return (self.rows * th + (self.rows - 1) * self.gap, self.cols * tw + (self.cols - 1) * self.gap)

    def tile_origin(self, channel: int) -> tuple[int, int]:
        """Top-left mosaic pixel of map ``channel``."""
        row, col = divmod(channel, self.cols)
        th, tw = self.tile_size
        return (row * (th + self.gap), col * (tw + self.gap))

    def locate(self, y: float, x: float) -> tuple[int, int, int] | None:
        """(channel, map row, map column) under mosaic point (y, x); None over a gap or outside."""
        th, tw = self.tile_size
        if y < 0 or x < 0:
            return None
        row, in_y = divmod(int(y), th + self.gap)
        col, in_x = divmod(int(x), tw + self.gap)
        channel = row * self.cols + col
        if in_y >= th or in_x >= tw or row >= self.rows or col >= self.cols or channel >= self.channels:
            return None
        return (channel, min(in_y * self.factor + self.factor // 2, self.map_size[0] - 1),
                min(in_x * self.factor + self.factor // 2, self.map_size[1] - 1))

    def map_rect(self, channel: int, top: float, left: float, bottom: float, right: float
                 ) -> tuple[float, float, float, float]:
        """A rectangle in map pixels (exclusive ends) as (y, x, height, width) in mosaic pixels."""
        oy, ox = self.tile_origin(channel)
        f = self.factor
        return (oy + top / f, ox + left / f, (bottom - top) / f, (right - left) / f)


def plan_layout(channels: int, map_size: tuple[int, int], max_tile: int = 192,
                aspect: float = 3.0) -> MosaicLayout:
    """Choose the shrink factor and the grid: tiles at most ``max_tile`` pixels on their long side,
    the whole mosaic near ``aspect`` (width / height)."""
    height, width = map_size
    factor = max(1, math.ceil(max(height, width) / max_tile))
    tile_h, tile_w = max(1, height // factor), max(1, width // factor)
    cols = max(1, min(channels, round(math.sqrt(channels * aspect * tile_h / tile_w))))
    rows = math.ceil(channels / cols)
    cols = math.ceil(channels / rows)  # as few empty cells as the row count allows
    gap = max(1, min(tile_h, tile_w) // 12)
    return MosaicLayout(channels, (height, width), factor, rows, cols, gap)


def symmetric_range(minimum: float, maximum: float) -> float:
    """The colour scale's half-width m (values -m..m) for data in minimum..maximum; never zero."""
    m = max(abs(minimum), abs(maximum))
    return m if m > 1e-12 and math.isfinite(m) else 1.0


_NICE_STEPS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) that is >= value:
    colour-bar ends a class can read, that change only now and then in live video."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in _NICE_STEPS:
        if step * power >= value * (1 - 1e-9):
            return step * power
    return 10.0 * power


def robust_range(values: np.ndarray, minimum: float, maximum: float, quantile: float = 99.5,
                 samples: int = 8192) -> float:
    """Half-width m that lets the strongest 0.5% of |values| saturate instead of darkening the rest.

    Estimated from an even subsample (at most ``samples`` values): a few hundredths of a millisecond.
    """
    flat = values.ravel(order="K")  # no copy, whatever the memory layout
    step = max(1, flat.size // samples)
    sample = np.abs(flat[::step])
    m = float(np.percentile(sample, quantile)) if sample.size else 0.0
    if not math.isfinite(m) or m <= 1e-12:
        return symmetric_range(minimum, maximum)
    return m


@dataclass(frozen=True)
class LayerImage:
    """A layer ready to draw: its mosaic as RGBA uint8 and the colour range it used."""

    rgba: np.ndarray  # (mosaic height, mosaic width, 4) uint8
    layout: MosaicLayout
    half_range: float  # colours span -half_range..+half_range
    minimum: float  # smallest and largest displayed value (after shrinking: block means)
    maximum: float
    first_channel: int = 0  # the mosaic's tile 0 is this map of the layer (a page of a layer with many maps)
    channels: int = 0  # the layer's number of maps (0: as many as the mosaic holds)


class MosaicPainter:
    """Paints a layer's maps into reused buffers.

    Keeps a small ring of RGBA buffers per layer: the GUI may still be drawing the previous frame's
    image while the next one is painted. Colour lookup is one ``np.take`` into the buffer; entry
    256 of the table is transparent, for the gaps between tiles.
    """

    RING = 3

    SMOOTHING = 0.3  # weight of the new frame's range in live video (steady colours, no flicker)

    def __init__(self, lut: np.ndarray, max_tile: int = 192, aspect: float = 2.0):
        self.max_tile = max_tile
        self.aspect = aspect
        self.set_lut(lut)
        self._slots: dict[int, _SlotBuffers] = {}

    def set_lut(self, lut: np.ndarray) -> None:
        """``lut``: 256 x 3 or 256 x 4 uint8 colours, index 0 for -m, 255 for +m."""
        table = np.zeros((257, 4), np.uint8)
        table[:256, : lut.shape[1]] = lut[:, :4]
        if lut.shape[1] == 3:
            table[:256, 3] = 255
        self.lut = table

    def paint(self, slot: int, maps: np.ndarray, half_range: float | None = None,
              smooth: bool = False) -> LayerImage:
        """Paint (C, H, W) ``maps`` for layer ``slot``.

        Colours span +-``half_range``, by default a robust estimate of the layer's largest |value|;
        ``smooth`` (live video) blends it with the previous frame's so colours do not flicker.
        """
        channels, height, width = maps.shape
        layout = plan_layout(channels, (height, width), self.max_tile, self.aspect)
        buffers = self._slots.get(slot)
        if buffers is None or buffers.layout != layout:
            buffers = self._slots[slot] = _SlotBuffers(layout, self.RING)
        scaled = buffers.scaled
        small = shrink(maps, layout.factor, out=scaled.transpose(1, 2, 0) if layout.factor > 1 else None)
        minimum = float(small.min()) if small.size else 0.0  # of the displayed (block-mean) values
        maximum = float(small.max()) if small.size else 0.0
        if half_range is not None:
            m = half_range
        else:
            estimate = robust_range(small, minimum, maximum)
            previous = buffers.half_range
            if smooth and previous is not None:
                # live video: keep the scale while the estimate stays within it (no flicker, no
                # colour-bar redraw every frame), move to a new nice value when it leaves
                estimate = (1 - self.SMOOTHING) * buffers.estimate + self.SMOOTHING * estimate
                m = previous if 0.7 * previous <= estimate <= previous else nice_ceiling(estimate)
            else:
                m = nice_ceiling(estimate)
            buffers.estimate = estimate
        buffers.half_range = m
        np.multiply(small, np.float32(127.5 / m), out=scaled)
        scaled += np.float32(127.5)
        np.clip(scaled, 0, 255, out=scaled)
        th, tw = layout.tile_size
        for channel in range(channels):
            oy, ox = layout.tile_origin(channel)
            np.copyto(buffers.index[oy:oy + th, ox:ox + tw], scaled[channel], casting="unsafe")
        rgba = buffers.next_rgba()
        np.take(self.lut, buffers.index, axis=0, out=rgba)
        return LayerImage(rgba, layout, m, minimum, maximum)


class _SlotBuffers:
    """One layer's reusable arrays: scaled values, the index mosaic, and the RGBA ring."""

    def __init__(self, layout: MosaicLayout, ring: int):
        self.layout = layout
        # (h, w, C) memory seen as (C, h, w): what shrink() writes and the tiles are cut from
        self.scaled = np.empty((*layout.tile_size, layout.channels), np.float32).transpose(2, 0, 1)
        self.index = np.full(layout.shape, 256, np.uint16)  # 256: transparent gap
        self.rings = [np.zeros((*layout.shape, 4), np.uint8) for _ in range(ring)]
        self.turn = 0
        self.half_range: float | None = None
        self.estimate = 1.0

    def next_rgba(self) -> np.ndarray:
        self.turn = (self.turn + 1) % len(self.rings)
        return self.rings[self.turn]


def shrink(maps: np.ndarray, factor: int, out: np.ndarray | None = None) -> np.ndarray:
    """Block-mean (C, H, W) maps by a whole ``factor`` (crops the remainder); float32 (C, H//f, W//f).

    OpenCV's area resize does it in one call on H x W x C memory (what torch's channels-last
    outputs are); ``out``, if given, is an (H//f, W//f, C) buffer to write into.
    """
    channels, height, width = maps.shape
    if factor == 1:
        return maps.astype(np.float32, copy=False)
    size = (width // factor, height // factor)
    # cropped to whole blocks: an exact factor is also what OpenCV 5 needs for more than 4 channels (its area
    # resize at a fractional scale asserts "cn <= 4", and every map of an odd size stopped being drawn)
    hwc = maps.transpose(1, 2, 0)[: size[1] * factor, : size[0] * factor]
    # OpenCV takes rows at any distance, but each row's pixels and channels packed (the crop keeps that)
    packed_rows = hwc.dtype == np.float32 and hwc.strides[2] == 4 and hwc.strides[1] == 4 * channels
    if channels > 512 or not packed_rows:
        if channels > 512:  # OpenCV's channel limit: one map at a time
            small = np.stack([cv2.resize(np.ascontiguousarray(m, dtype=np.float32), size,
                                         interpolation=cv2.INTER_AREA) for m in hwc.transpose(2, 0, 1)])
            if out is not None:
                out[...] = small.transpose(1, 2, 0)
                return out.transpose(2, 0, 1)
            return small
        hwc = np.ascontiguousarray(hwc, dtype=np.float32)
    if out is None:
        out = np.empty((size[1], size[0], channels), np.float32)
    result = cv2.resize(hwc, size, dst=out, interpolation=cv2.INTER_AREA)
    if result.ndim == 2:  # one channel: OpenCV drops the axis
        result = result[:, :, None]
    return result.transpose(2, 0, 1)

