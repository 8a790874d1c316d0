"""nn.Softmax(dim=1): e^x / sum e^x over the channels, so a classifier's scores become probabilities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convviz.core.layers.base import PointwiseType
from convviz.core.layers.registry import register

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec


@register
class Softmax(PointwiseType):
    name = "softmax"
    title = "Softmax"
    description = "e^x / sum e^x over the channels: scores become probabilities."
    view = "activation"
    explained_as = "probabilities"
    gives_probabilities = True

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        return nn.Softmax(dim=1)

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return "nn.Softmax(dim=1)"

    def input_channels_of(self, geometry: LayerGeometry, out_channel: int) -> range:
        return range(geometry.input_shape[0])  # every probability depends on every score
