"""The pointwise activation functions of the lecture: sigmoid, tanh, ReLU, leaky ReLU, PReLU, ELU.

Each says what it computes (``function``: formula, where its gradient (nearly) vanishes or is
small, and the input range where its shape shows); its curve and gradient come from its own torch
module (``core.mechanics.activation_curve``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from convviz.core.errors import GeometryError
from convviz.core.layers.base import PointwiseType, Shape, Shaped, check_tensor, layer_label
from convviz.core.layers.params import Param
from convviz.core.layers.registry import register

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec


@dataclass(frozen=True)
class ActivationFunction:
    """A pointwise activation with the region where it saturates, dies or leaks.

    ``quiet`` is ``(low, high)``: the region is x < low or x > high (either may be None);
    ``region`` names its kind ("saturated", "dead", "leaky", "small"), ``label`` says it in the
    lecture's words; ``span`` is the input range that shows the function's own shape.
    """

    name: str
    formula: str
    quiet: tuple[float | None, float | None]
    region: str
    label: str
    span: tuple[float, float]


class Activation(PointwiseType):
    """A pointwise activation function: the activation view draws its curve."""

    view = "activation"
    explained_as = "curve"
    torch_class: ClassVar[str] = ""  # nn.<torch_class>() for the types without arguments

    def function(self, layer: LayerSpec) -> ActivationFunction:
        raise NotImplementedError

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        return getattr(nn, self.torch_class)()

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return f"nn.{self.torch_class}()"


@register
class ReLU(Activation):
    name = "relu"
    title = "ReLU"
    description = "max(0, x)"
    torch_class = "ReLU"

    def function(self, layer: LayerSpec) -> ActivationFunction:
        return ActivationFunction("ReLU", "max(0, x)", (0.0, None), "dead",
                                  "dead side (x < 0: output and gradient 0)", (-3.0, 3.0))


@register
class LeakyReLU(Activation):
    name = "leaky_relu"
    title = "Leaky ReLU"
    description = "max(a x, x)"
    params = (Param("negative_slope", "float", default=0.01, minimum=-1e6, maximum=1e6, help="slope for x < 0"),)

    def function(self, layer: LayerSpec) -> ActivationFunction:
        slope = layer.params["negative_slope"]
        return ActivationFunction("leaky ReLU", f"max({slope:g}x, x)", (0.0, None), "leaky",
                                  f"leaky side (x < 0: gradient {slope:g}, never dead)", (-4.0, 2.0))

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        return nn.LeakyReLU(layer.params["negative_slope"])

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return f"nn.LeakyReLU(negative_slope={layer.params['negative_slope']!r})"

    def describe(self, layer: LayerSpec) -> str:
        return f"leaky ReLU, slope {layer.params['negative_slope']:g}"


@register
class PReLU(Activation):
    name = "prelu"
    title = "PReLU"
    description = "max(alpha x, x) with a learnable alpha"
    tensors = ("weight",)
    params = (
        Param("num_parameters", "int", default=1, minimum=1, maximum=1_000_000,
              help="1 (one shared alpha) or the number of channels"),
        Param("init", "float", default=0.25, minimum=-1e6, maximum=1e6, help="starting value of the learnable alpha"),
        Param("weight", "array", optional=True, help="explicit alphas"),
    )

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        count = layer.params["num_parameters"]
        if count not in (1, input_shape[0]):
            raise GeometryError(f"{layer_label(index, self.name)}: num_parameters must be 1 or the {input_shape[0]} "
                                f"channels, not {count}", index, "num_parameters")
        check_tensor(layer, index, "weight", (count,), "one alpha per parameter")
        shaped = super().shape(layer, index, input_shape)
        return Shaped(shaped.output_shape, shaped.connectivity, count,
                      f"{count} learnable alpha{'s' if count > 1 else ''}")

    def tensor_shapes(self, layer: LayerSpec, input_shape: Shape) -> dict[str, Shape]:
        return {"weight": (layer.params["num_parameters"],)}

    def alphas(self, layer: LayerSpec) -> np.ndarray:
        """The alphas as the layer uses them (explicit, or the init value)."""
        weight = layer.get("weight")
        if isinstance(weight, np.ndarray):
            return weight
        return np.full(layer.params["num_parameters"], layer.params["init"], np.float32)

    def function(self, layer: LayerSpec) -> ActivationFunction:
        alphas = self.alphas(layer)
        alpha = f"{alphas[0]:g}" if len(alphas) == 1 else "alpha"
        return ActivationFunction("PReLU", f"max({alpha}x, x)", (0.0, None), "leaky",
                                  f"learned slope side (x < 0: gradient {alpha})", (-4.0, 2.0))

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        from convviz.core.layers.weights import put_explicit

        module = nn.PReLU(layer.params["num_parameters"], init=layer.params["init"])
        put_explicit(module, layer, ("weight",))
        return module

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return f"nn.PReLU(num_parameters={layer.params['num_parameters']}, init={layer.params['init']!r})"

    def describe(self, layer: LayerSpec) -> str:
        count = layer.params["num_parameters"]
        return "PReLU" + (f", {count} alphas" if count > 1 else "")


@register
class Sigmoid(Activation):
    name = "sigmoid"
    title = "Sigmoid"
    description = "1 / (1 + e^-x)"
    torch_class = "Sigmoid"

    def function(self, layer: LayerSpec) -> ActivationFunction:
        # sigma'(x) < 10% of its peak (0.25) beyond |x| = 3.6 (solve sigma(1-sigma) = 0.025)
        edge = round(2 * math.acosh(math.sqrt(0.25 / 0.025)), 2)
        return ActivationFunction("sigmoid", "1 / (1 + e^-x)", (-edge, edge), "saturated",
                                  "saturated (gradient < 10% of its peak)", (-8.0, 8.0))


@register
class Tanh(Activation):
    name = "tanh"
    title = "Tanh"
    description = "tanh(x)"
    torch_class = "Tanh"

    def function(self, layer: LayerSpec) -> ActivationFunction:
        # tanh'(x) = 1 - tanh^2 < 0.1 beyond |x| = atanh(sqrt(0.9))
        edge = round(math.atanh(math.sqrt(0.9)), 2)
        return ActivationFunction("tanh", "tanh(x)", (-edge, edge), "saturated",
                                  "saturated (gradient < 10% of its peak)", (-4.0, 4.0))


@register
class ELU(Activation):
    name = "elu"
    title = "ELU"
    description = "x for x >= 0, alpha (e^x - 1) for x < 0"
    params = (Param("alpha", "float", default=1.0, minimum=-1e6, maximum=1e6,
                    help="alpha in alpha (e^x - 1) for x < 0"),)

    def function(self, layer: LayerSpec) -> ActivationFunction:
        alpha = layer.params["alpha"]
        a = "" if alpha == 1 else f"{alpha:g} * "
        # alpha e^x < 10% of alpha below x = ln(0.1): the smooth negative side flattens out at -alpha
        return ActivationFunction("ELU", f"x if x >= 0 else {a}(e^x - 1)", (round(math.log(0.1), 2), None),
                                  "saturated", f"saturated negative side (flattens at -{alpha:g}, gradient < 10%)",
                                  (-5.0, 2.0))

    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        from torch import nn

        return nn.ELU(layer.params["alpha"])

    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        return f"nn.ELU(alpha={layer.params['alpha']!r})"

    def describe(self, layer: LayerSpec) -> str:
        return f"ELU, alpha {layer.params['alpha']:g}"
