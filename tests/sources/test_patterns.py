"""The toy pattern the 7x7 and 8x8 lecture presets get instead of a test card squeezed to noise."""

from __future__ import annotations

import numpy as np
import pytest

from convviz.core.presets import load_preset
from convviz.pipeline.engine import Engine
from convviz.sources.base import TestCardSource
from convviz.sources.patterns import is_toy, toy_pattern


@pytest.mark.parametrize(("height", "width"), [(7, 7), (8, 8), (5, 9), (16, 16)])
def test_the_toy_pattern_has_round_numbers_and_a_bright_ball(height, width):
    pattern = toy_pattern(height, width)
    assert pattern.shape == (height, width) and pattern.dtype == np.float32
    np.testing.assert_allclose(pattern * 10, np.round(pattern * 10), atol=1e-5)  # one decimal
    assert pattern.min() >= 0 and pattern.max() == pytest.approx(1.0)
    assert (pattern >= 0.5).sum() >= 4  # the ball: edges for a filter to find
    assert (pattern <= 0.4).sum() >= pattern.size // 3  # the faint texture around it


def test_the_seven_by_seven_presets_see_the_toy_pattern_exactly(lut):
    spec = load_preset("toy_7x7_stride2")
    engine = Engine(spec, lut, "cpu")
    source = TestCardSource()
    computed = engine.compute(source.read(), source.name)
    assert is_toy(computed.prepared)
    np.testing.assert_array_equal(computed.prepared.tensor[0], toy_pattern(7, 7))  # no 8-bit rounding


def test_a_bigger_network_still_gets_the_test_card(lut):
    spec = load_preset("slide51_ten_5x5")
    source = TestCardSource()
    computed = Engine(spec, lut, "cpu").compute(source.read(), source.name)
    assert not is_toy(computed.prepared)
