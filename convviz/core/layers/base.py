"""What a layer type is: one class that owns everything about its layers.

A type says which parameters it takes (``params``), what output a layer of it makes from an input
shape and what makes it not fit (``shape``), how its output units read its input units (the
``Connectivity`` in its ``Shaped``), the torch module that computes it (``build``), its tensors and
their shapes (``tensor_shapes``: weight loading and checks), its line of PyTorch code (``code``), how
a lecturer says it (``describe``) and which mechanics view explains it (``view``). Code elsewhere asks
the type; it never switches on the type's name. Register a new type with ``@register`` (registry.py).

Type modules import torch only inside ``build`` (``convviz info`` never loads torch).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from convviz.core.connectivity import Connectivity, Pointwise
from convviz.core.errors import GeometryError, SpecError
from convviz.core.layers.params import Param, pair
from convviz.core.windows import WindowGeometry

if TYPE_CHECKING:
    from torch import nn

    from convviz.core.geometry import LayerGeometry
    from convviz.core.spec import LayerSpec

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Shaped:
    """What a type works out for one layer from its input shape (see ``LayerGeometry``)."""

    output_shape: Shape
    connectivity: Connectivity
    params: int = 0
    param_formula: str = "no parameters"
    window: WindowGeometry | None = None
    groups: int = 1
    notes: tuple[str, ...] = ()
    warning: GeometryError | None = None  # a stride that does not fit: torch floors, the lecture objects


def layer_label(index: int | None, type_name: str | None = None) -> str:
    """How messages name a layer: 'layer 3 (conv2d)'; 1-based, as a lecturer counts."""
    if index is None:
        return "network"
    return f"layer {index + 1}" + (f" ({type_name})" if type_name else "")


def size_text(shape: Shape) -> str:
    """'3x32x32' for a volume, '1024' for a vector."""
    return "x".join(str(n) for n in shape)


def code_value(value: object) -> str:
    """A parameter as Python source: (3, 5) for a pair, 'same' quoted, numbers as they are."""
    if isinstance(value, tuple):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return repr(value)


def pair_text(value: object) -> str:
    """'2' or '2x3' for a spatial parameter as written in a network file."""
    if isinstance(value, tuple):
        return f"{value[0]}x{value[1]}"
    return str(value)


class LayerType(ABC):
    """Base of every layer type; one instance per type lives in the registry."""

    name: ClassVar[str]  # the "type" key in network files
    title: ClassVar[str]  # what a person calls it
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    accepts: ClassVar[str] = "any"  # "maps": needs C x H x W, "flat": needs a vector, "any": either
    view: ClassVar[str | None] = None  # the mechanics view that explains it: "convolution", "pooling", "activation"
    tensors: ClassVar[tuple[str, ...]] = ()  # its tensors, named as in torch's state dict ("weight", "bias", ...)
    has_filters: ClassVar[bool] = False  # a grid of hand-editable filters (the filter editor)
    code_prelude: ClassVar[str] = ""  # Python the exported code needs before the network (a class torch lacks)
    explained_as: ClassVar[str | None] = None  # the activation view: "curve", "pieces" (maxout), "probabilities"
    pooling: ClassVar[str | None] = None  # the pooling view: "max" or "avg"
    gives_probabilities: ClassVar[bool] = False  # its output sums to 1 (a classifier's last layer: softmax)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    # ---- what every type must say ---------------------------------------------------------------
    @abstractmethod
    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        """The output this layer makes from ``input_shape``; GeometryError / SpecError (naming
        ``index``) if it cannot work. Called only with the shape the type ``accepts``."""

    @abstractmethod
    def build(self, layer: LayerSpec, geometry: LayerGeometry) -> nn.Module:
        """The torch module, with the tensors the spec asks for (explicit, hand-made or seeded)."""

    @abstractmethod
    def code(self, layer: LayerSpec, geometry: LayerGeometry) -> str:
        """One line of PyTorch in the lecture's style, e.g. ``nn.ReLU()``."""

    # ---- what most types share ------------------------------------------------------------------
    def tensor_shapes(self, layer: LayerSpec, input_shape: Shape) -> dict[str, Shape]:
        """The shape of each of ``tensors`` for this input shape (explicit values must match)."""
        return {}

    def describe(self, layer: LayerSpec) -> str:
        """A short line a lecturer would say: 'conv 8 filters 3x3, stride 1, pad 1'."""
        return self.title

    def input_channels_of(self, geometry: LayerGeometry, out_channel: int) -> range:
        """The input channels output channel ``out_channel`` depends on: the same one for a layer that
        keeps the channels (pooling, activations), all of them otherwise."""
        if len(geometry.input_shape) == 3 and geometry.output_shape[:1] == geometry.input_shape[:1]:
            return range(out_channel, out_channel + 1)
        return range(geometry.input_shape[0])

    # ---- helpers for subclasses -------------------------------------------------------------------
    @staticmethod
    def pair(layer: LayerSpec, name: str) -> Pair:
        return pair(layer.params[name])


Pair = tuple[int, int]


class PointwiseType(LayerType):
    """A type that keeps the shape and works unit by unit (activations, dropout...)."""

    def shape(self, layer: LayerSpec, index: int, input_shape: Shape) -> Shaped:
        return Shaped(input_shape, Pointwise())


def check_tensor(layer: LayerSpec, index: int, name: str, expected: Shape, what: str) -> None:
    """SpecError naming the layer if an explicit tensor ``name`` is not ``expected``'s shape."""
    value = layer.get(name)
    if isinstance(value, np.ndarray) and tuple(value.shape) != tuple(expected):
        raise SpecError(f"{layer_label(index, layer.type)}: {name!r} has shape {size_text(value.shape)} but this "
                        f"layer needs {size_text(expected)} ({what})", index, name)


def explicit(layer: LayerSpec, name: str) -> np.ndarray | None:
    """An explicit tensor given in the spec (an array), or None."""
    value: Any = layer.get(name)
    return value if isinstance(value, np.ndarray) else None
