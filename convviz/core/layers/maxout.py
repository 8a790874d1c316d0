"""Maxout (Goodfellow et al. 2013): each output is the largest of a group of ``pieces`` consecutive
channels, max(w1^T x + b1, w2^T x + b2, ...) where the conv before it makes the pieces. torch has no
built-in, so the module (and the exported code) define one."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from convviz.core.connectivity import Pointwise
from convviz.core.errors import GeometryError
from convviz.core.layers.base import LayerType, Shape, Shaped, layer_label
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec

MAXOUT_CLASS = '''

class Maxout(nn.Module):
    """max over groups of `pieces` consecutive channels: max(w1^T x + b1, w2^T x + b2, ...)."""

    def __init__(self, pieces):
        super().__init__()
        self.pieces = pieces

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, c // self.pieces, self.pieces, h, w).amax(dim=2)
'''


@functools.cache
def maxout_module() -> type:
    """The torch module class, made on first use (this file does not import torch at import time)."""
    namespace: dict[str, object] = {}
    from torch import nn

    exec(MAXOUT_CLASS, {"nn": nn}, namespace)  # noqa: S102 - our own source, the same the exported code holds
    return namespace["Maxout"]  # type: ignore[return-value]


@register
class Maxout(LayerType):
    name = "maxout"
    title = "Maxout"
    description = "max(w1^T x + b1, w2^T x + b2, ...) over groups of channels"
    accepts = "maps"
    view = "activation"
    explained_as = "pieces"
    code_prelude = MAXOUT_CLASS
    params = (Param("pieces", "int", minimum=2, maximum=1_000_000, editor_default=2,
                    help="channels per group; each output is the max over one group"),)

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        pieces = layer.params["pieces"]
        if input_shape[0] % pieces:
            raise GeometryError(f"{layer_label(index, self.name)}: pieces={pieces} must divide the {input_shape[0]} "
                                f"input channels (maxout takes the max over groups of {pieces} channels)",
                                index, "pieces")
        return Shaped((input_shape[0] // pieces, *input_shape[1:]), Pointwise(),
                      param_formula="no parameters (the conv before it has the extra filters)")

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        return maxout_module()(layer.params["pieces"])

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return f"Maxout(pieces={layer.params['pieces']})"

    def describe(self, layer: LayerSpec) -> str:
        return f"maxout over {layer.params['pieces']} maps"

    def input_channels_of(self, geometry: LayerGeometry, out_channel: int) -> range:
        pieces = geometry.input_shape[0] // geometry.output_shape[0]
        return range(out_channel * pieces, (out_channel + 1) * pieces)
