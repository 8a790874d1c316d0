"""nn.AdaptiveAvgPool2d: average pooling to a chosen output size whatever the input size (output 1 is
global average pooling). Output cell i of n covers input [floor(i*N/n), ceil((i+1)*N/n)): windows
of one size when N is a multiple of n (shown in the pooling view), of varying size otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convviz.core.connectivity import Adaptive
from convviz.core.layers.base import LayerType, Shape, Shaped, code_value, pair_text
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register
from convviz.core.windows import WindowGeometry

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec


@register
class AdaptiveAvgPool2d(LayerType):
    name = "adaptive_avg_pool2d"
    title = "Adaptive average pool"
    description = "The mean of each of H2 x W2 windows that tile the input, whatever its size (1: global average)."
    accepts = "maps"
    view = "pooling"
    pooling = "avg"
    params = (Param("output_size", "pair", minimum=1, maximum=100_000, editor_default=1,
                    help="H2 x W2 of the output (1: one number per map, global average pooling)"),)

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        in_size = tuple(input_shape[1:])
        out_size = self.pair(layer, "output_size")
        window = None
        if all(n % m == 0 and n >= m for n, m in zip(in_size, out_size)):
            kernel = tuple(n // m for n, m in zip(in_size, out_size))
            window = WindowGeometry(in_size, kernel, kernel, (0, 0, 0, 0))  # type: ignore[arg-type]
        notes = () if window is not None else (
            f"{in_size[0]}x{in_size[1]} is not a multiple of {out_size[0]}x{out_size[1]}: the windows differ in size "
            "(torch's adaptive rule)",)
        return Shaped((input_shape[0], *out_size), Adaptive(in_size, out_size), window=window,  # type: ignore[arg-type]
                      notes=notes)

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        return nn.AdaptiveAvgPool2d(self.pair(layer, "output_size"))

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return f"nn.AdaptiveAvgPool2d(output_size={code_value(layer.params['output_size'])})"

    def describe(self, layer: LayerSpec) -> str:
        size = self.pair(layer, "output_size")
        if size == (1, 1):
            return "global average pool"
        return f"adaptive avg pool to {pair_text(layer.params['output_size'])}"
