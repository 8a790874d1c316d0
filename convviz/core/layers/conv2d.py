"""nn.Conv2d: K filters slide over the input, one dot product w^T x + b per position."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from convviz.core.connectivity import Sliding
from convviz.core.errors import GeometryError, SpecError
from convviz.core.explain import check_slides, number_of, stride_warning
from convviz.core.filters import check_filter, make_filter
from convviz.core.layers.base import (
    LayerType,
    Shape,
    Shaped,
    check_tensor,
    code_value,
    explicit,
    layer_label,
    pair_text,
)
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register
from convviz.core.windows import WindowGeometry, kernel_text, pad_amounts

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec

# conv and linear layers: where their weights come from
WEIGHT_PARAMS = (
    Param("init", "init", default="kaiming",
          help="kaiming (seeded random), a hand-made filter, or one filter name per output channel"),
    Param("seed", "int", default=0, minimum=0, help="seed of the random (kaiming) initialisation"),
    Param("weight", "array", optional=True, help="explicit weights, torch's weight layout"),
)


def hand_made_weights(names: list[str], in_per_group: int, kernel: tuple[int, int]) -> np.ndarray:
    """Each output channel's named filter on every input channel it sees, divided by that channel count
    so the output keeps the input's range (identity on RGB gives grey)."""
    weight = np.empty((len(names), in_per_group, *kernel), dtype=np.float32)
    filters: dict[str, np.ndarray] = {}  # each name built once, however many filters use it
    for out_channel, name in enumerate(names):
        if name not in filters:
            filters[name] = make_filter(name, kernel)
            filters[name] /= in_per_group
        weight[out_channel] = filters[name]  # the same kernel on every input channel (broadcast)
    return weight


def init_names(layer: LayerSpec) -> list[str]:
    init = layer.params["init"]
    return [init] * layer.params["out_channels"] if isinstance(init, str) else list(init)


def set_weights(module: nn.Module, layer: LayerSpec, share: bool = True) -> None:
    """Seeded kaiming weights and biases; or explicit / hand-made weights with zero biases. An explicit
    ``bias`` always wins. (Conv and linear layers both take their weights this way.)"""
    import torch

    from convviz.core.layers.weights import put, seeded_kaiming

    weight = explicit(layer, "weight")
    with torch.no_grad():
        if weight is None and layer.params["init"] == "kaiming":
            seeded_kaiming(module.weight, module.bias, layer.params["seed"])
        else:
            if weight is None:
                weight = hand_made_weights(init_names(layer), module.weight.shape[1], tuple(module.weight.shape[2:]))
            put(module, "weight", weight, share)
            if module.bias is not None:
                module.bias.zero_()
        bias = explicit(layer, "bias")
        if bias is not None:
            put(module, "bias", bias, share)


@register
class Conv2d(LayerType):
    name = "conv2d"
    title = "Convolution"
    description = "Slides K filters over the input, one dot product w^T x + b per position."
    accepts = "maps"
    view = "convolution"
    tensors = ("weight", "bias")
    has_filters = True
    params = (
        Param("out_channels", "int", minimum=1, maximum=1_000_000, editor_default=8,
              help="number of filters K: one activation map each"),
        Param("kernel_size", "pair", minimum=1, maximum=100_000, editor_default=3, help="filter size F"),
        Param("stride", "pair", default=1, minimum=1, help="step S of the sliding window"),
        Param("padding", "padding", default=0, minimum=0, allow_same=True, editor_default=1,
              help="zeros P added on every side"),
        Param("dilation", "pair", default=1, minimum=1, help="spacing of the filter taps"),
        Param("groups", "int", default=1, minimum=1,
              help="split input and output channels into this many independent groups"),
        Param("bias", "bias", default=True, help="add a bias b to every filter's dot product"),
        *WEIGHT_PARAMS,
    )

    def window(self, layer: LayerSpec, input_shape: Shape) -> WindowGeometry:
        kernel, stride, dilation = (self.pair(layer, k) for k in ("kernel_size", "stride", "dilation"))
        return WindowGeometry(tuple(input_shape[1:]), kernel, stride,  # type: ignore[arg-type]
                              pad_amounts(layer.params["padding"], kernel, dilation), dilation)

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        label = layer_label(index, self.name)
        in_channels = input_shape[0]
        out_channels, groups = layer.params["out_channels"], layer.params["groups"]
        if in_channels % groups:
            raise GeometryError(f"{label}: groups={groups} must divide the {in_channels} input channels",
                                index, "groups")
        if out_channels % groups:
            raise GeometryError(f"{label}: groups={groups} must divide the {out_channels} output channels "
                                "(out_channels)", index, "groups")
        stride = self.pair(layer, "stride")
        if layer.params["padding"] == "same" and stride != (1, 1):
            raise GeometryError(f'{label}: padding "same" needs stride 1 (torch\'s rule), not stride '
                                f"{number_of(stride)}", index, "padding")
        window = self.window(layer, input_shape)
        check_slides(window, label, index, "filter")
        names = init_names(layer)
        if len(names) != out_channels:
            raise SpecError(f"{label}: 'init' lists {len(names)} filters but the layer has {out_channels} output "
                            "channels; give one name per output channel", index, "init")
        for name in set(names) - {"kaiming"}:
            try:
                check_filter(name, window.kernel)  # names and sizes only: info never builds weights
            except SpecError as error:
                raise SpecError(f"{label}: {error.message}", index, "init") from None
        shapes = self.tensor_shapes(layer, input_shape)
        check_tensor(layer, index, "weight", shapes["weight"], "out_channels x in_channels/groups x kernel")
        if "bias" in shapes:
            check_tensor(layer, index, "bias", shapes["bias"], "one per output channel")
        has_bias = layer.params["bias"] is not False
        per_filter = window.kernel[0] * window.kernel[1] * (in_channels // groups)
        depth = f"{in_channels // groups}" if groups == 1 else f"({in_channels}/{groups})"
        total = (per_filter + has_bias) * out_channels
        formula = (f"each filter {window.kernel[0]}*{window.kernel[1]}*{depth}{' + 1' if has_bias else ''} = "
                   f"{per_filter + has_bias} params, x {out_channels} filters = {total}")
        warning, notes = stride_warning(window, label, index, "filter")
        return Shaped((out_channels, *window.output_size), Sliding(window), total, formula, window, groups, notes,
                      warning)

    def tensor_shapes(self, layer: LayerSpec, input_shape: Shape) -> dict[str, Shape]:
        out_channels = layer.params["out_channels"]
        shapes: dict[str, Shape] = {
            "weight": (out_channels, input_shape[0] // layer.params["groups"], *self.pair(layer, "kernel_size"))}
        if layer.params["bias"] is not False:
            shapes["bias"] = (out_channels,)
        return shapes

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        from convviz.core.layers.weights import without_random_start

        p = layer.params
        padding = p["padding"] if p["padding"] == "same" else self.pair(layer, "padding")
        # torch's own random start would be thrown away at once (set_weights draws the seeded one)
        module = without_random_start(nn.Conv2d, geometry.input_shape[0], p["out_channels"],
                                      self.pair(layer, "kernel_size"), stride=self.pair(layer, "stride"),
                                      padding=padding, dilation=self.pair(layer, "dilation"), groups=p["groups"],
                                      bias=p["bias"] is not False)
        set_weights(module, layer)
        return module

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        p = layer.params
        args = [f"in_channels={geometry.input_shape[0]}", f"out_channels={p['out_channels']}",
                f"kernel_size={code_value(p['kernel_size'])}", f"stride={code_value(p['stride'])}",
                f"padding={code_value(p['padding'])}"]
        if p["dilation"] != 1:
            args.append(f"dilation={code_value(p['dilation'])}")
        if p["groups"] != 1:
            args.append(f"groups={p['groups']}")
        if p["bias"] is False:
            args.append("bias=False")
        return f"nn.Conv2d({', '.join(args)})"

    def describe(self, layer: LayerSpec) -> str:
        p = layer.params
        count = p["out_channels"]
        parts = [f"conv {count} filter{'s' if count != 1 else ''} {kernel_text(self.pair(layer, 'kernel_size'))}",
                 f"stride {pair_text(p['stride'])}", f"pad {pair_text(p['padding'])}"]
        if p["dilation"] != 1:
            parts.append(f"dilation {pair_text(p['dilation'])}")
        if p["groups"] != 1:
            parts.append(f"groups {p['groups']}")
        return ", ".join(parts)

    def input_channels_of(self, geometry: LayerGeometry, out_channel: int) -> range:
        in_channels, groups = geometry.input_shape[0], geometry.groups
        if groups == 1:
            return range(in_channels)
        per_in, per_out = in_channels // groups, geometry.output_shape[0] // groups
        group = out_channel // per_out
        return range(group * per_in, (group + 1) * per_in)

