"""nn.Dropout: while training, each unit is zeroed with probability p (and the rest scaled by 1/(1-p));
when the network runs it does nothing at all, and convviz shows it as the identity it then is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convviz.core.layers.base import PointwiseType
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec


@register
class Dropout(PointwiseType):
    name = "dropout"
    title = "Dropout"
    description = "Zeroes units at random while training (probability p); the identity when the network runs."
    params = (Param("p", "float", default=0.5, minimum=0.0, maximum=1.0,
                    help="probability of dropping a unit while training"),)

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        return nn.Dropout(layer.params["p"])

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return f"nn.Dropout(p={layer.params['p']!r})"

    def describe(self, layer: LayerSpec) -> str:
        return f"dropout p={layer.params['p']:g} (identity when running)"
