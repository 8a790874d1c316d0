"""The layer types convviz knows, and the parameters each one takes.

One table drives everything: validating network files, filling in torch's defaults, and building the
editor's forms. Parameter names mirror torch's constructors (``nn.Conv2d(out_channels, kernel_size,
stride, padding, dilation, groups, bias)``) so a student can read a network file as PyTorch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from convviz.core.filters import FILTER_NAMES

# Parameter kinds, checked by ``check_value``:
#   int      a whole number >= minimum
#   pair     a whole number or [height, width], each >= minimum
#   padding  like pair (>= 0), or the string "same" where ``allow_same``
#   float    a number
#   bool     true / false
#   init     "kaiming", a hand-made filter name, or a list of them (one per output channel)
#   array    a nested list of numbers (explicit weights)
#   bias     true / false, or a list of numbers (explicit biases)
NO_DEFAULT = object()


@dataclass(frozen=True)
class Param:
    """One constructor argument of a layer type."""

    name: str
    kind: str
    default: Any = NO_DEFAULT  # torch's default; NO_DEFAULT means the key is required
    minimum: float | None = None
    editor_default: Any = NO_DEFAULT  # what a new layer in the editor starts with
    allow_same: bool = False
    optional: bool = False  # may be absent with no default (explicit weight arrays)
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is NO_DEFAULT and not self.optional

@dataclass(frozen=True)
class LayerType:
    """A kind of layer: its file name (``type``), a human title and its parameters."""

    name: str
    title: str
    params: tuple[Param, ...] = ()
    accepts: str = "any"  # "maps": needs C x H x W, "flat": needs a vector, "any": either
    description: str = ""
    param_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_names", tuple(p.name for p in self.params))

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


_WEIGHT_PARAMS = (
    Param("init", "init", default="kaiming",
          help="kaiming (seeded random), a hand-made filter, or one filter name per output channel"),
    Param("seed", "int", default=0, minimum=0, help="seed of the random (kaiming) initialisation"),
    Param("weight", "array", optional=True, help="explicit weights, torch's weight layout"),
)

LAYER_TYPES: dict[str, LayerType] = {
    t.name: t
    for t in (
        LayerType(
            "conv2d", "Convolution", accepts="maps",
            params=(
                Param("out_channels", "int", minimum=1, editor_default=8,
                      help="number of filters K: one activation map each"),
                Param("kernel_size", "pair", minimum=1, editor_default=3, help="filter size F"),
                Param("stride", "pair", default=1, minimum=1, help="step S of the sliding window"),
                Param("padding", "padding", default=0, minimum=0, allow_same=True, editor_default=1,
                      help="zeros P added on every side"),
                Param("dilation", "pair", default=1, minimum=1, help="spacing of the filter taps"),
                Param("groups", "int", default=1, minimum=1,
                      help="split input and output channels into this many independent groups"),
                Param("bias", "bias", default=True, help="add a bias b to every filter's dot product"),
                *_WEIGHT_PARAMS,
            ),
            description="Slides K filters over the input, one dot product w^T x + b per position.",
        ),
        LayerType("relu", "ReLU", description="max(0, x)"),
        LayerType(
            "leaky_relu", "Leaky ReLU",
            params=(Param("negative_slope", "float", default=0.01, help="slope for x < 0"),),
            description="max(a x, x)",
        ),
        LayerType(
            "prelu", "PReLU",
            params=(
                Param("num_parameters", "int", default=1, minimum=1,
                      help="1 (one shared alpha) or the number of channels"),
                Param("init", "float", default=0.25, help="starting value of the learnable alpha"),
                Param("weight", "array", optional=True, help="explicit alphas"),
            ),
            description="max(alpha x, x) with a learnable alpha",
        ),
        LayerType("sigmoid", "Sigmoid", description="1 / (1 + e^-x)"),
        LayerType("tanh", "Tanh", description="tanh(x)"),
        LayerType(
            "elu", "ELU",
            params=(Param("alpha", "float", default=1.0, help="alpha in alpha (e^x - 1) for x < 0"),),
            description="x for x >= 0, alpha (e^x - 1) for x < 0",
        ),
        LayerType(
            "maxout", "Maxout", accepts="maps",
            params=(Param("pieces", "int", minimum=2, editor_default=2,
                          help="channels per group; each output is the max over one group"),),
            description="max(w1^T x + b1, w2^T x + b2, ...) over groups of channels",
        ),
        LayerType(
            "maxpool2d", "Max pool", accepts="maps",
            params=(
                Param("kernel_size", "pair", minimum=1, editor_default=2),
                Param("stride", "pair", default=None, minimum=1,
                      help="defaults to kernel_size, as in torch"),
                Param("padding", "padding", default=0, minimum=0),
            ),
            description="The largest value in each window.",
        ),
        LayerType(
            "avgpool2d", "Average pool", accepts="maps",
            params=(
                Param("kernel_size", "pair", minimum=1, editor_default=2),
                Param("stride", "pair", default=None, minimum=1,
                      help="defaults to kernel_size, as in torch"),
                Param("padding", "padding", default=0, minimum=0),
            ),
            description="The mean of each window (padded zeros count, as in torch).",
        ),
        LayerType("flatten", "Flatten", accepts="maps",
                  description="Stretch C x H x W into one vector of C*H*W numbers."),
        LayerType(
            "linear", "Fully connected", accepts="flat",
            params=(
                Param("out_features", "int", minimum=1, editor_default=10),
                Param("bias", "bias", default=True),
                *_WEIGHT_PARAMS,
            ),
            description="Every output is a dot product of a row of W with the whole input.",
        ),
        LayerType("softmax", "Softmax",
                  description="e^x / sum e^x over the channels: scores become probabilities."),
    )
}

INIT_CHOICES = ("kaiming", *FILTER_NAMES)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_value(param: Param, value: Any) -> Any:
    """Return ``value`` normalised (lists become tuples), or raise ValueError saying what is wrong.

    The message is completed with the layer and key by the caller.
    """
    kind = param.kind
    minimum = param.minimum
    if kind == "int":
        if not _is_int(value):
            raise ValueError(f"must be a whole number, not {_describe(value)}")
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least {minimum:g}, not {value}")
        return value
    if kind in ("pair", "padding"):
        if value is None and param.default is None:
            return None
        if kind == "padding" and isinstance(value, str):
            if value == "same" and param.allow_same:
                return value
            if value == "valid" and param.allow_same:
                return 0
            allowed = "a whole number, [height, width]" + (' or "same"' if param.allow_same else "")
            raise ValueError(f"must be {allowed}, not {_describe(value)}")
        if _is_int(value):
            items: tuple[Any, ...] = (value,)
        elif isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_int(v) for v in value):
            items = tuple(value)
        else:
            raise ValueError(f"must be a whole number or [height, width], not {_describe(value)}")
        if minimum is not None and any(v < minimum for v in items):
            raise ValueError(f"must be at least {minimum:g}, not {_describe(value)}")
        return items[0] if len(items) == 1 else items
    if kind == "float":
        if not _is_number(value):
            raise ValueError(f"must be a number, not {_describe(value)}")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, not {_describe(value)}")
        return value
    if kind == "bias":
        if isinstance(value, bool):
            return value
        if isinstance(value, (list, tuple)) and all(_is_number(v) for v in value):
            return tuple(float(v) for v in value)
        raise ValueError(f"must be true, false or a list of numbers, not {_describe(value)}")
    if kind == "init":
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
            raise ValueError(f'must be "kaiming", a filter name or a list of filter names, not {_describe(value)}')
        for name in names:
            if name not in INIT_CHOICES:
                raise ValueError(f"{name!r} is not a known initialisation; choose from {', '.join(INIT_CHOICES)}")
        if isinstance(value, str):
            return value
        if "kaiming" in names and len(names) > 1:
            raise ValueError('"kaiming" applies to the whole layer; a per-channel list takes filter names')
        return tuple(names)
    if kind == "array":
        import numpy as np

        try:
            array = np.asarray(value, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValueError("must be a nested list of numbers of one rectangular shape") from None
        if array.dtype == object or array.size == 0:
            raise ValueError("must be a nested list of numbers of one rectangular shape")
        array = array.copy()
        array.setflags(write=False)
        return array
    raise AssertionError(f"unknown parameter kind {kind}")  # pragma: no cover


def layer_type(name: str) -> LayerType:
    """The LayerType called ``name``; KeyError with the known names otherwise."""
    try:
        return LAYER_TYPES[name]
    except KeyError:
        raise KeyError(f"unknown layer type {name!r}; known types: {', '.join(LAYER_TYPES)}") from None
