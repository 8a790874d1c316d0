"""nn.Linear, the fully connected layer: every output is a dot product of a row of W with the whole
input vector, plus a bias."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convviz.core.connectivity import Whole
from convviz.core.errors import SpecError
from convviz.core.layers.base import LayerType, Shape, Shaped, check_tensor, layer_label
from convviz.core.layers.conv2d import WEIGHT_PARAMS, set_weights
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec


@register
class Linear(LayerType):
    name = "linear"
    title = "Fully connected"
    description = "Every output is a dot product of a row of W with the whole input."
    accepts = "flat"
    tensors = ("weight", "bias")
    params = (
        Param("out_features", "int", minimum=1, maximum=1_000_000_000, editor_default=10),
        Param("bias", "bias", default=True),
        *WEIGHT_PARAMS,
    )

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        label = layer_label(index, self.name)
        in_features, out_features = input_shape[0], layer.params["out_features"]
        if layer.params["init"] != "kaiming":
            raise SpecError(f"{label}: a linear layer takes init \"kaiming\" (hand-made filters are for conv2d)",
                            index, "init")
        shapes = self.tensor_shapes(layer, input_shape)
        check_tensor(layer, index, "weight", shapes["weight"], "out_features x in_features")
        if "bias" in shapes:
            check_tensor(layer, index, "bias", shapes["bias"], "one per output")
        has_bias = layer.params["bias"] is not False
        params = in_features * out_features + (out_features if has_bias else 0)
        formula = f"{in_features}*{out_features}" + (f" + {out_features}" if has_bias else "") + f" = {params:,}"
        return Shaped((out_features,), Whole(), params, formula)

    def tensor_shapes(self, layer: LayerSpec, input_shape: Shape) -> dict[str, Shape]:
        out_features = layer.params["out_features"]
        shapes: dict[str, Shape] = {"weight": (out_features, input_shape[0])}
        if layer.params["bias"] is not False:
            shapes["bias"] = (out_features,)
        return shapes

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        from convviz.core.layers.weights import without_random_start

        module = without_random_start(nn.Linear, geometry.input_shape[0], layer.params["out_features"],
                           bias=layer.params["bias"] is not False)  # set_weights draws the seeded start
        set_weights(module, layer)
        return module

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        args = [f"in_features={geometry.input_shape[0]}", f"out_features={layer.params['out_features']}"]
        if layer.params["bias"] is False:
            args.append("bias=False")
        return f"nn.Linear({', '.join(args)})"

    def describe(self, layer: LayerSpec) -> str:
        return f"fully connected, {layer.params['out_features']} outputs"
