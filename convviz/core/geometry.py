"""Geometry as the lecture teaches it, for a whole network: every layer's output shape, parameter
count (with the working shown), receptive field and window, worked out by asking each layer's type.

Shapes are (channels, height, width), or (features,) for flat vectors. A stride that does not fit is
what torch does with it (the output size rounded down) plus a warning with the lecture's numbers;
``analyze(strict=True)`` makes it an error again, for the lecture's exercise. A layer that cannot work
at all (a kernel larger than its input, groups that do not divide the channels...) stops the analysis
there: the layers before it run, and ``error`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convviz.core.connectivity import Connectivity, box
from convviz.core.errors import GeometryError, SpecError
from convviz.core.layers import LAYER_TYPES, LayerType, layer_label, layer_type, size_text
from convviz.core.spec import InputSpec, NetworkSpec
from convviz.core.windows import ReceptiveField, WindowGeometry

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerGeometry:
    """Everything the lecture computes for one layer, for the input shape it actually receives."""

    index: int
    type: str
    input_shape: Shape
    output_shape: Shape
    params: int
    param_formula: str
    connectivity: Connectivity
    receptive_field: ReceptiveField | None  # None: each unit sees the whole input (after flatten)
    window: WindowGeometry | None = None  # sliding-window layers (conv, pooling)
    groups: int = 1
    notes: tuple[str, ...] = ()
    warning: GeometryError | None = None  # a stride that does not fit (torch rounds down)

    @property
    def kind(self) -> LayerType:
        return LAYER_TYPES[self.type]

    @property
    def title(self) -> str:
        return self.kind.title

    @property
    def label(self) -> str:
        return layer_label(self.index, self.type)

    @property
    def misfit(self) -> bool:
        """The stride does not fit: the lecture's "doesn't fit", which torch runs anyway."""
        return self.warning is not None

    def formulas(self) -> tuple[str, str] | None:
        """(height formula, width formula) in the lecture's notation, for windowed layers."""
        if self.window is None:
            return None
        return (f"H2 = {self.window.formula(0)}", f"W2 = {self.window.formula(1)}")

    def input_channels_of(self, out_channel: int) -> range:
        """The input channels output channel ``out_channel`` depends on (all, a conv group, maxout's pieces)."""
        return self.kind.input_channels_of(self, out_channel)


@dataclass(frozen=True)
class NetworkGeometry:
    """The geometry of every layer up to the first one that cannot work (``error``)."""

    input_shape: Shape
    layers: tuple[LayerGeometry, ...]
    error: SpecError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def warnings(self) -> tuple[GeometryError, ...]:
        return tuple(layer.warning for layer in self.layers if layer.warning is not None)

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    def shape_before(self, index: int) -> Shape:
        """The shape entering layer ``index`` (-1 or 0: the input)."""
        return self.input_shape if index <= 0 else self.layers[index - 1].output_shape

    def shape_of(self, index: int) -> Shape:
        """The shape leaving layer ``index``; -1 is the input image."""
        return self.input_shape if index < 0 else self.layers[index].output_shape

    def field_box(self, source: int, target: int, row: int, col: int) -> tuple[int, int, int, int] | None:
        """Exactly which pixels of layer ``source``'s output (-1: the input) unit (row, col) of layer
        ``target`` depends on: (top, left, bottom, right), exclusive; empty (bottom <= top) when the
        unit sees only zero padding.

        Worked back layer by layer through each type's connectivity, tap by tap and cut to each map,
        so rows a pooling layer drops (torch rounds down) or a stride larger than the kernel skips are
        not counted, unlike the lecture's size/jump arithmetic of ``field_between``. It is the bounding
        box of those pixels (a dilated kernel's gaps lie inside it). None if a flatten lies between.
        """
        rows, cols = np.array([row]), np.array([col])
        for layer in reversed(self.layers[source + 1:target + 1]):
            if not layer.connectivity.spatial or len(layer.input_shape) != 3:
                return None
            rows = layer.connectivity.read(rows, 0)
            cols = layer.connectivity.read(cols, 1)
        return box(rows, cols)

    def reach_box(self, source: int, target: int, top: int, left: int, bottom: int,
                  right: int) -> tuple[int, int, int, int] | None:
        """The units of layer ``target`` that read any pixel of the block (top, left, bottom, right)
        of layer ``source``'s output (-1: the input); exclusive ends, empty when none does. None
        through a flatten."""
        rows, cols = np.arange(top, bottom), np.arange(left, right)
        for layer in self.layers[source + 1:target + 1]:
            if not layer.connectivity.spatial or len(layer.input_shape) != 3:
                return None
            rows = layer.connectivity.reached(rows, 0)
            cols = layer.connectivity.reached(cols, 1)
        return box(rows, cols)

    def field_between(self, source: int, target: int) -> ReceptiveField | None:
        """The lecture's receptive field (size, jump, start) of layer ``target``'s units measured in
        layer ``source``'s output (-1: the input image). None if a flatten lies between."""
        if target < source:
            raise ValueError("the target layer must come after the source layer")
        field: ReceptiveField | None = ReceptiveField()
        for layer in self.layers[source + 1:target + 1]:
            if field is None or not layer.connectivity.spatial:
                return None
            field = layer.connectivity.then(field)
        return field


def _layer_geometry(spec_layer, index: int, shape: Shape, field: ReceptiveField | None) -> LayerGeometry:
    kind = layer_type(spec_layer.type)
    label = layer_label(index, kind.name)
    if kind.accepts == "maps" and len(shape) != 3:
        raise GeometryError(f"{label} needs C x H x W maps, but its input is a flat vector of {shape[0]:,} numbers; "
                            "move it before the flatten layer", index, "type")
    if kind.accepts == "flat" and len(shape) != 1:
        raise GeometryError(f"{label} needs a flat vector, but its input is {size_text(shape)} maps; add a flatten "
                            "layer before it", index, "type")
    shaped = kind.shape(spec_layer, index, shape)
    if any(n < 1 for n in shaped.output_shape):
        raise GeometryError(f"{label}: its output would be {size_text(shaped.output_shape)}, with no units",
                            index, "type")
    next_field = None if field is None or not shaped.connectivity.spatial else shaped.connectivity.then(field)
    return LayerGeometry(index, kind.name, shape, shaped.output_shape, shaped.params, shaped.param_formula,
                         shaped.connectivity, next_field, shaped.window, shaped.groups, shaped.notes, shaped.warning)


def analyze(spec: NetworkSpec, input_spec: InputSpec | None = None, strict: bool = False) -> NetworkGeometry:
    """Work out every layer's geometry; stop at the first layer that cannot work and keep its error.
    ``strict``: a stride that does not fit stops it too (the lecture's rule), instead of a warning."""
    input_shape: Shape = (input_spec or spec.input).shape
    shape = input_shape
    field: ReceptiveField | None = ReceptiveField()
    layers: list[LayerGeometry] = []
    for index, layer in enumerate(spec.layers):
        try:
            geometry = _layer_geometry(layer, index, shape, field)
            if strict and geometry.warning is not None:
                raise geometry.warning
        except SpecError as error:
            if error.layer is None:
                error.layer = index
            return NetworkGeometry(input_shape, tuple(layers), error)
        layers.append(geometry)
        shape = geometry.output_shape
        field = geometry.receptive_field
    return NetworkGeometry(input_shape, tuple(layers), None)


def check(spec: NetworkSpec, input_spec: InputSpec | None = None, strict: bool = False) -> NetworkGeometry:
    """``analyze``, raising the first error instead of returning it."""
    geometry = analyze(spec, input_spec, strict)
    if geometry.error is not None:
        raise geometry.error
    return geometry


__all__ = ["LayerGeometry", "NetworkGeometry", "analyze", "check"]
