"""Receptive fields: the core's arithmetic against a gradient check (which input pixels can change a unit)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from convviz.core.compute import build_module
from convviz.core.geometry import analyze, check
from convviz.core.spec import NetworkSpec

# torch.func's first use scripts a helper and warns that torch.jit.script is deprecated: not ours
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


@st.composite
def stacks(draw, allow_max=False):
    size = draw(st.integers(8, 20))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv2d", "conv2d", "avgpool2d"] + (["maxpool2d"] if allow_max else [])))
        if kind == "conv2d":
            kernel = draw(st.integers(1, 3))
            layers.append({"type": "conv2d", "out_channels": 2, "kernel_size": kernel, "stride": 1,
                           "padding": draw(st.integers(0, kernel - 1)), "seed": draw(st.integers(0, 50))})
        else:
            layers.append({"type": kind, "kernel_size": 2, "stride": 2})
    spec = NetworkSpec.from_dict({"input": {"channels": 2, "height": size, "width": size}, "layers": layers})
    assume(analyze(spec).ok)  # e.g. four 2x2 pools on an 8x8 input leave nothing to pool
    return spec


def gradient_support(spec: NetworkSpec, unit: tuple[int, int, int]) -> np.ndarray:
    """Input pixels (any channel) with a nonzero gradient for the unit (channel, row, col) of the last layer."""
    module = build_module(spec).double()
    x = torch.rand(1, *spec.input.shape, dtype=torch.float64, requires_grad=True)
    module(x)[0][unit].backward()
    return (x.grad[0].abs() > 0).any(dim=0).numpy()


@given(stacks(), st.data())
def test_the_field_of_any_unit_is_exactly_where_the_gradient_is(spec, data):
    geometry = check(spec)
    last = geometry.layers[-1]
    _, out_h, out_w = last.output_shape
    row, col = data.draw(st.integers(0, out_h - 1)), data.draw(st.integers(0, out_w - 1))
    support = gradient_support(spec, (0, row, col))
    height, width = spec.input.height, spec.input.width
    top, left, bottom, right = geometry.field_box(-1, len(geometry.layers) - 1, row, col)
    box = np.zeros((height, width), bool)
    box[top:bottom, left:right] = True
    np.testing.assert_array_equal(support, box)
    # the lecture's size/jump arithmetic gives the same box, or a larger one where pooling dropped a border
    t, lft, b, r = last.receptive_field.clipped_span(row, col, height, width)
    assert t <= top and lft <= left and b >= bottom and r >= right
    assert geometry.field_between(-1, len(geometry.layers) - 1) == last.receptive_field


@given(stacks(allow_max=True), st.data())
def test_with_max_pooling_the_gradient_stays_inside_the_field(spec, data):
    geometry = check(spec)
    last = geometry.layers[-1]
    _, out_h, out_w = last.output_shape
    row, col = data.draw(st.integers(0, out_h - 1)), data.draw(st.integers(0, out_w - 1))
    support = gradient_support(spec, (0, row, col))
    top, left, bottom, right = geometry.field_box(-1, len(geometry.layers) - 1, row, col)
    outside = support.copy()
    outside[top:bottom, left:right] = False
    assert not outside.any()


@given(stacks(), st.data())
def test_units_seeing_a_pixel_are_exactly_those_that_move_with_it(spec, data):
    """The oracle is torch's forward-mode derivative: nudge one pixel, see which units move."""
    geometry = check(spec)
    last = len(geometry.layers) - 1
    y, x = data.draw(st.integers(0, spec.input.height - 1)), data.draw(st.integers(0, spec.input.width - 1))
    module = build_module(spec).double()
    point = torch.rand(1, *spec.input.shape, dtype=torch.float64)
    nudge = torch.zeros_like(point)
    nudge[0, :, y, x] = 1.0
    _, moved = torch.func.jvp(module, (point,), (nudge,))
    rows, cols = np.nonzero((moved[0] != 0).any(dim=0).numpy())
    top, left, bottom, right = geometry.reach_box(-1, last, y, x, y + 1, x + 1)
    if rows.size == 0:
        assert bottom <= top or right <= left
    else:
        assert (top, left, bottom, right) == (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)


def test_the_lecture_five_by_five_receptive_field():
    """Slide 61: a 5x5 filter gives each neuron a 5x5 receptive field; stacking grows it."""
    spec = NetworkSpec.from_dict({"input": {"channels": 3, "height": 32, "width": 32}, "layers": [
        {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
        {"type": "conv2d", "out_channels": 6, "kernel_size": 5}]})
    geometry = check(spec)
    assert geometry.layers[0].receptive_field.size == (5, 5)
    assert geometry.layers[1].receptive_field.size == (9, 9)
    assert gradient_support(spec, (0, 3, 3)).sum() == 81
