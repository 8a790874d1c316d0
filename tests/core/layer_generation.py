"""Hypothesis strategies that make layers of *any* registered type from its parameter table alone,
so a new layer type is tested by registering it (tests/core/test_layer_types.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from convviz.core.filters import FILTER_NAMES
from convviz.core.geometry import NetworkGeometry, analyze
from convviz.core.layers import LAYER_TYPES, Param
from convviz.core.spec import NetworkSpec


def value_for(draw, param: Param, channels: int) -> Any:
    """A small valid value of ``param``'s kind (shapes stay tiny so tests are fast)."""
    low = int(param.minimum) if param.minimum is not None else 0
    if param.kind == "int":
        if param.name == "seed":
            return draw(st.integers(0, 99))
        return draw(st.sampled_from(sorted({low, low + 1, low + 2, max(low, channels)})))
    if param.kind in ("pair", "padding"):
        if param.kind == "padding" and param.allow_same and draw(st.integers(0, 4)) == 0:
            return "same"
        numbers = st.integers(max(low, 0), max(low, 0) + 2)
        return draw(st.one_of(numbers, st.lists(numbers, min_size=2, max_size=2)))
    if param.kind == "float":
        lower = param.minimum if param.minimum is not None else -2.0
        upper = param.maximum if param.maximum is not None else 2.0
        return draw(st.floats(max(lower, -2.0), min(upper, 2.0), allow_nan=False, width=32))
    if param.kind in ("bool", "bias"):
        return draw(st.booleans())
    if param.kind == "init":
        return draw(st.sampled_from(["kaiming", "kaiming", *FILTER_NAMES]))
    raise AssertionError(f"no generator for {param.kind}")  # a new kind needs one here


@st.composite
def layer_params(draw, type_name: str, channels: int) -> dict[str, Any]:
    """Parameters for a layer of ``type_name``: every required one, some optional ones; explicit
    arrays left out (the tensor tests set those)."""
    params: dict[str, Any] = {}
    for param in LAYER_TYPES[type_name].params:
        if param.kind == "array":
            continue
        if param.required or draw(st.booleans()):
            params[param.name] = value_for(draw, param, channels)
    return params


@st.composite
def networks_with(draw, type_name: str, min_size: int = 4) -> tuple[NetworkSpec, NetworkGeometry]:
    """A small network whose last layer is of ``type_name`` (a conv first, sometimes, for more
    channels; a flatten first for types that take vectors) that convviz says can work."""
    input_channels = channels = draw(st.integers(1, 4))
    height, width = draw(st.integers(min_size, 10)), draw(st.integers(min_size, 10))
    layers: list[dict[str, Any]] = []
    kind = LAYER_TYPES[type_name]
    if draw(st.booleans()):
        channels = draw(st.sampled_from([2, 4, 6]))
        layers.append({"type": "conv2d", "out_channels": channels, "kernel_size": 3, "padding": 1,
                       "seed": draw(st.integers(0, 9))})
    if kind.accepts == "flat":
        layers.append({"type": "flatten"})
        channels = channels * height * width
    layers.append({"type": type_name, **draw(layer_params(type_name, channels))})
    spec = NetworkSpec.from_dict({"name": f"generated {type_name}", "layers": layers,
                                  "input": {"channels": input_channels, "height": height, "width": width}})
    geometry = analyze(spec)
    assume(geometry.ok)
    return spec, geometry
