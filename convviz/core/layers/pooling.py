"""nn.MaxPool2d and nn.AvgPool2d: a window sweeps each map on its own, keeping its largest value or
its mean. No parameters. A stride that does not fit is what torch does (floor) with a note."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from convviz.core.connectivity import Sliding
from convviz.core.errors import GeometryError
from convviz.core.explain import check_slides, stride_warning
from convviz.core.layers.base import LayerType, Shape, Shaped, code_value, layer_label, pair_text
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register
from convviz.core.windows import WindowGeometry, kernel_text, pad_amounts

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec

POOL_PARAMS = (
    Param("kernel_size", "pair", minimum=1, maximum=100_000, editor_default=2),
    Param("stride", "pair", default=None, minimum=1, help="defaults to kernel_size, as in torch"),
    Param("padding", "padding", default=0, minimum=0),
)


class Pool2d(LayerType):
    """What max and average pooling share: the window, the shape rule, the code line."""

    accepts = "maps"
    view = "pooling"
    params = POOL_PARAMS
    torch_class: ClassVar[str]

    def window(self, layer: LayerSpec, input_shape: Shape) -> WindowGeometry:
        kernel = self.pair(layer, "kernel_size")
        stride = kernel if layer.params["stride"] is None else self.pair(layer, "stride")
        return WindowGeometry(tuple(input_shape[1:]), kernel, stride,  # type: ignore[arg-type]
                              pad_amounts(layer.params["padding"], kernel))

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        label = layer_label(index, self.name)
        window = self.window(layer, input_shape)
        for axis in (0, 1):
            if window.padding[axis] * 2 > window.kernel[axis]:
                raise GeometryError(f"{label}: padding {window.padding[axis]} is more than half the "
                                    f"{kernel_text(window.kernel)} window (torch's rule for pooling)", index, "padding")
        check_slides(window, label, index, "window")
        warning, notes = stride_warning(window, label, index, "window")
        return Shaped((input_shape[0], *window.output_size), Sliding(window), window=window, notes=notes,
                      warning=warning)

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        window = geometry.window
        assert window is not None
        return getattr(nn, self.torch_class)(window.kernel, stride=window.stride, padding=window.pad_before)

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        p = layer.params
        stride = p["kernel_size"] if p["stride"] is None else p["stride"]
        args = [f"kernel_size={code_value(p['kernel_size'])}", f"stride={code_value(stride)}"]
        if p["padding"] != 0:
            args.append(f"padding={code_value(p['padding'])}")
        return f"nn.{self.torch_class}({', '.join(args)})"

    def describe(self, layer: LayerSpec) -> str:
        p = layer.params
        kernel = self.pair(layer, "kernel_size")
        stride = p["stride"] if p["stride"] is not None else p["kernel_size"]
        text = f"{self.pooling} pool {kernel_text(kernel)}, stride {pair_text(stride)}"
        return text + (f", pad {pair_text(p['padding'])}" if p["padding"] != 0 else "")


@register
class MaxPool2d(Pool2d):
    name = "maxpool2d"
    title = "Max pool"
    description = "The largest value in each window."
    pooling = "max"
    torch_class = "MaxPool2d"


@register
class AvgPool2d(Pool2d):
    name = "avgpool2d"
    title = "Average pool"
    description = "The mean of each window (padded zeros count, as in torch)."
    pooling = "avg"
    torch_class = "AvgPool2d"
