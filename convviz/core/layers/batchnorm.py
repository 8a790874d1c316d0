"""nn.BatchNorm2d as a trained network runs it (eval mode): each channel is normalised with the
running mean and variance it learned, then scaled and shifted, y = (x - mean) / sqrt(var + eps) * gamma + beta."""

from __future__ import annotations

from typing import TYPE_CHECKING

from convviz.core.layers.base import PointwiseType, Shape, Shaped, check_tensor
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec


@register
class BatchNorm2d(PointwiseType):
    name = "batchnorm2d"
    title = "Batch norm"
    description = "Per channel: (x - running mean) / sqrt(running var + eps) * gamma + beta (as when the network runs)."
    accepts = "maps"
    tensors = ("weight", "bias", "running_mean", "running_var")
    params = (
        Param("eps", "float", default=1e-5, minimum=0.0, maximum=1.0, help="added to the variance before the root"),
        Param("momentum", "float", default=0.1, minimum=0.0, maximum=1.0,
              help="how fast training updates the running statistics"),
        Param("affine", "bool", default=True, help="learnable scale gamma (weight) and shift beta (bias)"),
        Param("weight", "array", optional=True, help="gamma, one per channel"),
        Param("bias", "array", optional=True, help="beta, one per channel"),
        Param("running_mean", "array", optional=True, help="the mean learned for each channel"),
        Param("running_var", "array", optional=True, help="the variance learned for each channel"),
    )

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        channels = input_shape[0]
        for name, expected in self.tensor_shapes(layer, input_shape).items():
            check_tensor(layer, index, name, expected, "one per channel")
        affine = layer.params["affine"]
        params = 2 * channels if affine else 0
        formula = (f"gamma and beta per channel: 2*{channels} = {params} (running mean and variance are kept, "
                   "not learned)" if affine else "no parameters (running mean and variance are kept, not learned)")
        shaped = super().shape(layer, index, input_shape)
        return Shaped(shaped.output_shape, shaped.connectivity, params, formula)

    def tensor_shapes(self, layer: LayerSpec, input_shape: Shape) -> dict[str, Shape]:
        names = self.tensors if layer.params["affine"] else ("running_mean", "running_var")
        return {name: (input_shape[0],) for name in names}

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        from convviz.core.layers.weights import put_explicit

        p = layer.params
        module = nn.BatchNorm2d(geometry.input_shape[0], eps=p["eps"], momentum=p["momentum"], affine=p["affine"])
        put_explicit(module, layer, self.tensors)
        return module

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        p = layer.params
        args = [f"num_features={geometry.input_shape[0]}"]
        if p["eps"] != 1e-5:
            args.append(f"eps={p['eps']!r}")
        if p["momentum"] != 0.1:
            args.append(f"momentum={p['momentum']!r}")
        if not p["affine"]:
            args.append("affine=False")
        return f"nn.BatchNorm2d({', '.join(args)})"

    def describe(self, layer: LayerSpec) -> str:
        return "batch norm"
