"""nn.Flatten: stretch C x H x W maps into one vector of C*H*W numbers (a vector stays as it is)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from convviz.core.connectivity import Whole
from convviz.core.layers.base import LayerType, Shape, Shaped
from convviz.core.layers.registry import register

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec


@register
class Flatten(LayerType):
    name = "flatten"
    title = "Flatten"
    description = "Stretch C x H x W into one vector of C*H*W numbers."

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        return Shaped((math.prod(input_shape),), Whole())  # Python ints: no int64 wrap-around

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        return nn.Flatten()

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return "nn.Flatten()"
