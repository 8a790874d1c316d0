"""Which units are connected: how a layer's output units read its input, worked along each axis.

A layer type gives its layers one of these (``Pointwise``, ``Sliding``, ``Adaptive``, ``Whole``);
receptive fields (``NetworkGeometry.field_box``), the units that see a pixel (``reach_box``) and the
linked panels' highlights (``related_region``) are worked out from them alone, tap by tap, so a new
layer type needs no change here. Positions are 0-based rows (axis 0) or columns (axis 1) of the
unpadded maps; arrays of positions are sorted and unique.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from convviz.core.windows import ReceptiveField, WindowGeometry

if TYPE_CHECKING:
    from convviz.core.geometry import NetworkGeometry


class Connectivity(ABC):
    """How one layer's output positions depend on its input positions, along each axis."""

    spatial = True  # False: every output unit sees the whole input (flatten, linear)

    @abstractmethod
    def read(self, units: np.ndarray, axis: int) -> np.ndarray:
        """The input positions that output positions ``units`` read (within the map, not padding)."""

    @abstractmethod
    def reached(self, positions: np.ndarray, axis: int) -> np.ndarray:
        """The output positions that read any of the input ``positions``."""

    @abstractmethod
    def then(self, field: ReceptiveField) -> ReceptiveField | None:
        """The lecture's size/jump receptive field one layer further on (None: the whole input)."""


class Pointwise(Connectivity):
    """Each output unit reads the input unit at the same position (activations, batch norm, dropout)."""

    def read(self, units: np.ndarray, axis: int) -> np.ndarray:
        return units

    def reached(self, positions: np.ndarray, axis: int) -> np.ndarray:
        return positions

    def then(self, field: ReceptiveField) -> ReceptiveField:
        return field


@dataclass(frozen=True)
class Sliding(Connectivity):
    """A window sliding by its stride (convolution, pooling): unit u reads u*stride - pad + i*dilation."""

    window: WindowGeometry

    def read(self, units: np.ndarray, axis: int) -> np.ndarray:
        window = self.window
        read = (units[:, None] * window.stride[axis] + window.taps(axis)[None, :]).ravel()
        return np.unique(read[(read >= 0) & (read < window.input_size[axis])])

    def reached(self, positions: np.ndarray, axis: int) -> np.ndarray:
        window = self.window
        offsets = positions[:, None] - window.taps(axis)[None, :]
        stride = window.stride[axis]
        units = offsets[offsets % stride == 0] // stride
        return np.unique(units[(units >= 0) & (units < window.output_size[axis])])

    def then(self, field: ReceptiveField) -> ReceptiveField:
        w = self.window
        return field.then(w.kernel, w.stride, w.pad_before, w.dilation)


@dataclass(frozen=True)
class Adaptive(Connectivity):
    """torch's adaptive pooling: output cell i of n covers input [floor(i*N/n), ceil((i+1)*N/n))."""

    input_size: tuple[int, int]
    output_size: tuple[int, int]

    def bounds(self, unit: int, axis: int) -> tuple[int, int]:
        n_in, n_out = self.input_size[axis], self.output_size[axis]
        return (unit * n_in) // n_out, math.ceil((unit + 1) * n_in / n_out)

    def read(self, units: np.ndarray, axis: int) -> np.ndarray:
        parts = [np.arange(*self.bounds(int(u), axis)) for u in units]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, int)

    def reached(self, positions: np.ndarray, axis: int) -> np.ndarray:
        wanted = set(int(p) for p in positions)
        units = [u for u in range(self.output_size[axis])
                 if any(p in wanted for p in range(*self.bounds(u, axis)))]
        return np.asarray(units, dtype=int)

    def then(self, field: ReceptiveField) -> ReceptiveField:
        """The widest window as the kernel and the average step as the stride (exact when the input
        size is a multiple of the output size, where the windows are all alike)."""
        kernel = tuple(max(self.bounds(u, a)[1] - self.bounds(u, a)[0] for u in range(self.output_size[a]))
                       for a in (0, 1))
        stride = tuple(max(1, self.input_size[a] // self.output_size[a]) for a in (0, 1))
        return field.then(kernel, stride, (0, 0))  # type: ignore[arg-type]


class Whole(Connectivity):
    """Every output unit sees every input unit (flatten, fully connected)."""

    spatial = False

    def read(self, units: np.ndarray, axis: int) -> np.ndarray:  # pragma: no cover - never asked
        raise ValueError("a layer that sees the whole input has no per-axis connectivity")

    def reached(self, positions: np.ndarray, axis: int) -> np.ndarray:  # pragma: no cover
        raise ValueError("a layer that sees the whole input has no per-axis connectivity")

    def then(self, field: ReceptiveField) -> None:
        return None


def box(rows: np.ndarray, cols: np.ndarray) -> tuple[int, int, int, int]:
    """The bounding box (top, left, bottom, right) of rows x cols; (0, 0, 0, 0) when empty."""
    if rows.size == 0 or cols.size == 0:
        return (0, 0, 0, 0)
    return (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)


# ---- the linked panels: what to highlight for a chosen unit ------------------------------------------

@dataclass(frozen=True)
class Related:
    """How a chosen unit relates to one layer's maps (what a linked panel highlights).

    ``kind``: "unit" (the unit itself), "field" (the pixels it sees: its receptive field),
    "reach" (the units that see it), "whole" (a flatten lies between: everything). ``box`` is
    (top, left, bottom, right), exclusive, in that layer's map pixels, clipped to the map;
    ``unclipped`` the field before clipping (it may reach into the zero padding).
    """

    kind: str
    channels: tuple[int, ...]
    box: tuple[int, int, int, int]
    unclipped: tuple[int, int, int, int] | None = None


def channels_seen(geometry: NetworkGeometry, source: int, target: int, channel: int) -> range | list[int]:
    """The channels of layer ``source``'s output (-1: the input) that channel ``channel`` of layer
    ``target`` depends on, asked of each layer on the way (a conv's group, maxout's pieces...)."""
    channels = {channel}
    for layer in reversed(geometry.layers[source + 1:target + 1]):
        if not layer.connectivity.spatial:
            return range(geometry.shape_of(source)[0])
        seen: set[int] = set()
        for c in channels:
            seen.update(layer.input_channels_of(c))
        channels = seen
    ordered = sorted(channels)
    if ordered == list(range(ordered[0], ordered[-1] + 1)):
        return range(ordered[0], ordered[-1] + 1)
    return ordered


def channels_reached(geometry: NetworkGeometry, source: int, target: int, channel: int) -> list[int]:
    """The channels of layer ``target`` that depend on channel ``channel`` of layer ``source``."""
    count = geometry.shape_of(target)[0]
    return [c for c in range(count) if channel in channels_seen(geometry, source, target, c)]


def related_region(geometry: NetworkGeometry, layer: int, channel: int, row: int, col: int,
                   target: int) -> Related | None:
    """What layer ``target`` (-1: the input) should highlight for the unit (channel, row, col) of
    layer ``layer`` (-1: an input pixel). None when the target is a flat vector."""
    target_shape = geometry.shape_of(target)
    if len(target_shape) != 3:
        return None
    channels, height, width = target_shape
    unit_shape = geometry.shape_of(layer)
    if target == layer:
        return Related("unit", (channel,), (row, col, row + 1, col + 1))
    if target < layer:
        found = geometry.field_box(target, layer, row, col) if len(unit_shape) == 3 else None
        if found is None:
            return Related("whole", tuple(range(channels)), (0, 0, height, width))
        field = geometry.field_between(target, layer)
        seen = tuple(channels_seen(geometry, target, layer, channel))
        return Related("field", seen, found, field.span(row, col) if field is not None else None)
    if len(unit_shape) != 3:
        return None
    found = geometry.reach_box(layer, target, row, col, row + 1, col + 1)
    if found is None:
        return None
    return Related("reach", tuple(channels_reached(geometry, layer, target, channel)), found)
