"""What the linked panels highlight, checked against torch's autograd on generated networks.

A unit's receptive field (``related_region`` to an earlier layer, the box the panels draw) must hold
every input pixel whose gradient for that unit is nonzero; the units a pixel reaches (``reach``)
must hold every unit whose output moves when that pixel moves. With random weights and only linear
layers (convolutions, any stride, padding, dilation or groups, and average pooling) the box is the
exact bounding box of those pixels. Max pooling passes the gradient through one winner and ReLU
through its live units, so there the gradient set is only a subset of the box.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from convviz.core.compute import build_module
from convviz.core.connectivity import related_region
from convviz.core.geometry import analyze
from convviz.core.spec import NetworkSpec

# torch.func's first use scripts a helper and warns that torch.jit.script is deprecated: not ours
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


@st.composite
def small_networks(draw):
    """1-3 sliding-window layers (conv, max or average pool) with ReLUs between some of them."""
    input_channels = channels = draw(st.integers(1, 3))
    size = draw(st.integers(6, 14))
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["conv2d", "conv2d", "maxpool2d", "avgpool2d"]))
        kernel = draw(st.integers(1, 3))
        if kind == "conv2d":
            groups = draw(st.sampled_from([1, channels]))
            out_channels = groups * draw(st.integers(1, 2))
            layers.append({"type": "conv2d", "out_channels": out_channels, "kernel_size": kernel,
                           "stride": draw(st.integers(1, 2)), "padding": draw(st.integers(0, 2)),
                           "dilation": draw(st.integers(1, 2)), "groups": groups, "seed": draw(st.integers(0, 99))})
            channels = out_channels
        else:
            kernel = max(kernel, 2)
            layers.append({"type": kind, "kernel_size": kernel, "stride": draw(st.integers(1, 2)),
                           "padding": draw(st.integers(0, kernel // 2))})
        if draw(st.booleans()):
            layers.append({"type": "relu"})
    spec = NetworkSpec.from_dict({"input": {"channels": input_channels, "height": size, "width": size},
                                  "layers": layers})
    geometry = analyze(spec)
    assume(geometry.ok and all(min(g.output_shape[1:]) >= 1 for g in geometry.layers))
    return spec, geometry


def linear_only(spec: NetworkSpec) -> bool:
    return all(layer.type in ("conv2d", "avgpool2d") for layer in spec.layers)


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return None
    return (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)


def inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


@given(small_networks(), st.data())
def test_a_units_lit_field_holds_every_pixel_with_a_gradient(case, data):
    spec, geometry = case
    model = build_module(spec, geometry).double()
    last = len(geometry.layers) - 1
    channels, height, width = geometry.layers[last].output_shape
    channel = data.draw(st.integers(0, channels - 1))
    row, col = data.draw(st.integers(0, height - 1)), data.draw(st.integers(0, width - 1))
    x = torch.randn(1, *spec.input.shape, dtype=torch.float64, requires_grad=True)
    model(x)[0, channel, row, col].backward()
    seen = (x.grad[0] != 0).numpy()

    related = related_region(geometry, last, channel, row, col, -1)
    assert related.kind == "field"
    gradient_box = bounding_box(seen.any(axis=0))
    top, left, bottom, right = related.box
    if bottom <= top or right <= left:  # a unit whose window lies wholly in the zero padding
        assert gradient_box is None
        return
    if gradient_box is not None:
        assert inside(gradient_box, related.box)
    assert set(np.nonzero(seen.any(axis=(1, 2)))[0]) <= set(related.channels)
    if linear_only(spec):
        assert gradient_box == related.box  # exactly the box the panels draw
        assert sorted(np.nonzero(seen.any(axis=(1, 2)))[0]) == list(related.channels)


@given(small_networks(), st.data())
def test_a_pixel_lights_up_every_unit_it_reaches(case, data):
    spec, geometry = case
    model = build_module(spec, geometry).double()
    last = len(geometry.layers) - 1
    channels, height, width = spec.input.shape
    pixel = (data.draw(st.integers(0, channels - 1)), data.draw(st.integers(0, height - 1)),
             data.draw(st.integers(0, width - 1)))
    x = torch.randn(1, *spec.input.shape, dtype=torch.float64)
    nudge = torch.zeros_like(x)
    nudge[(0, *pixel)] = 1.0
    _, moved = torch.func.jvp(model, (x,), (nudge,))  # how every output unit moves with the pixel
    reached = (moved[0] != 0).numpy()

    related = related_region(geometry, -1, pixel[0], pixel[1], pixel[2], last)
    assert related.kind == "reach"
    reach_box = bounding_box(reached.any(axis=0))
    top, left, bottom, right = related.box
    if bottom <= top or right <= left:  # no unit sees it (a stride skips it, or pooling drops it)
        assert reach_box is None
        return
    if reach_box is not None:
        assert inside(reach_box, related.box)
    assert set(np.nonzero(reached.any(axis=(1, 2)))[0]) <= set(related.channels)
    if linear_only(spec):
        assert reach_box == related.box


def test_slide_51_unit_sees_five_by_five_of_every_colour():
    """The lecture: '5x5 filter -> 5x5 receptive field for each neuron', through all three colours."""
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 32, "width": 32}, "layers": [
        {"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2}]})
    geometry = analyze(spec)
    related = related_region(geometry, 0, 4, 10, 20, -1)
    assert related.box == (8, 18, 13, 23) and related.channels == (0, 1, 2)


def test_a_stride_larger_than_the_kernel_skips_pixels_and_the_field_says_so():
    """1x1 filters at stride 2 with padding 1: unit 0 reads only padding, unit 1 reads pixel 1, so
    a 2x2 average over units 0-1 sees pixel (1, 1) alone, not the padding-clipped (0..1, 0..1)."""
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 7, "width": 7}, "layers": [
        {"type": "conv2d", "out_channels": 1, "kernel_size": 1, "stride": 2, "padding": 1},
        {"type": "avgpool2d", "kernel_size": 2, "stride": 1}]})
    geometry = analyze(spec)
    assert related_region(geometry, 1, 0, 0, 0, -1).box == (1, 1, 2, 2)
    assert related_region(geometry, 0, 0, 0, 0, -1).box == (0, 0, 0, 0)  # all padding: nothing lit


def test_a_pixel_between_the_taps_of_a_dilated_filter_reaches_no_unit():
    """A 2-tap filter dilated by 2, stride 2, padding 1: unit u reads pixels 2u - 1 and 2u + 1, the
    odd ones; an even pixel feeds no unit, pixel 3 feeds units 1 and 2."""
    spec = NetworkSpec.from_dict({"input": {"channels": 1, "height": 9, "width": 9}, "layers": [
        {"type": "conv2d", "out_channels": 1, "kernel_size": 2, "stride": 2, "dilation": 2, "padding": 1}]})
    geometry = analyze(spec)
    assert related_region(geometry, -1, 0, 3, 3, 0).box == (1, 1, 3, 3)
    top, left, bottom, right = related_region(geometry, -1, 0, 3, 2, 0).box  # column 2 lies between taps
    assert right <= left
