"""What a classifier says: its class names and its top-k classes with their probabilities.

A network ends in a classifier when its output is a vector of K >= 2 numbers. If its last layer is a
softmax those are probabilities already; otherwise (torchvision's networks end in a linear layer) the
softmax of the scores is taken here, and ``Scores.from_softmax`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convviz.core import resources
from convviz.core.errors import SpecError
from convviz.core.geometry import NetworkGeometry
from convviz.core.layers.registry import layer_type
from convviz.core.spec import NetworkSpec

SHIPPED_LISTS = {"imagenet": ("classes", "imagenet.txt")}


def class_names(spec: NetworkSpec, count: int) -> list[str]:
    """The names of a classifier's ``count`` classes: from the network file (a list, or the name of a
    list convviz ships), else "class 1" .. "class K", counted from 1 as a person counts (and as the
    softmax view and the webcam classes name them)."""
    names: list[str] | None = None
    if isinstance(spec.classes, tuple):
        names = list(spec.classes)
    elif isinstance(spec.classes, str):
        if spec.classes not in SHIPPED_LISTS:
            raise SpecError(f'network: "classes" names no list convviz ships ({spec.classes!r}; shipped: '
                            f"{', '.join(SHIPPED_LISTS)})", key="classes")
        names = [line for line in resources.read_text(*SHIPPED_LISTS[spec.classes]).splitlines() if line]
    if names is None or len(names) != count:
        return [f"class {k + 1}" for k in range(count)]
    return names


def is_classifier(geometry: NetworkGeometry) -> bool:
    """Whether the network's output is a vector of class scores (K >= 2 numbers)."""
    return geometry.ok and len(geometry.output_shape) == 1 and geometry.output_shape[0] >= 2


@dataclass(frozen=True)
class Prediction:
    rank: int  # 1 for the winner
    index: int  # the class's position in the output, 0-based as torch counts
    name: str
    probability: float


@dataclass(frozen=True)
class Scores:
    """A classifier's output as probabilities, with names; ``from_softmax``: the network itself ends
    in a softmax (else convviz applied one to its scores)."""

    probabilities: np.ndarray
    names: list[str]
    from_softmax: bool

    def top(self, k: int = 5) -> list[Prediction]:
        order = np.argsort(-self.probabilities, kind="stable")[:max(1, k)]
        return [Prediction(rank + 1, int(i), self.names[int(i)], float(self.probabilities[int(i)]))
                for rank, i in enumerate(order)]


def random_head(spec: NetworkSpec) -> bool:
    """Whether the classifier's last layer with weights still has its seeded random start (no trained
    or loaded tensors, no hand-made filter): its class scores are then a guess, not an answer. AlexNet
    or VGG without their published file, or a network not trained yet."""
    for layer in reversed(spec.layers):
        kind = layer_type(layer.type)
        if not kind.tensors:
            continue
        given = any(isinstance(layer.get(name), np.ndarray) for name in kind.tensors)
        return not given and layer.params.get("init", "kaiming") == "kaiming"
    return False


def scores(spec: NetworkSpec, geometry: NetworkGeometry, output: np.ndarray) -> Scores:
    """The last layer's output as class probabilities (a softmax applied if the network has none)."""
    values = np.asarray(output, dtype=np.float64).ravel()
    from_softmax = bool(geometry.layers) and geometry.layers[-1].kind.gives_probabilities
    if not from_softmax:
        shifted = np.exp(values - values.max())
        values = shifted / shifted.sum()
    return Scores(values.astype(np.float32), class_names(spec, len(values)), from_softmax)
