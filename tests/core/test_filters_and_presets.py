"""Hand-made filters and the lecture presets shipped in resources/presets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812

from convviz.core.compute import Runner
from convviz.core.errors import SpecError
from convviz.core.filters import FILTER_NAMES, make_filter
from convviz.core.geometry import analyze
from convviz.core.preprocess import prepare
from convviz.core.presets import DEFAULT_PRESET, load_preset, preset_names, resolve_network
from convviz.sources.testcard import draw_test_card

REQUIRED_FILTERS = {"identity", "box_blur", "gaussian", "sharpen", "sobel_x", "sobel_y", "prewitt_x",
                    "prewitt_y", "laplacian", "emboss"}
EXPECTED_WARNINGS = {"toy_7x7_stride3", "alexnet"}  # 2.33 and 55.25: torch runs them, rounding down


def test_the_required_hand_made_filters_exist():
    assert REQUIRED_FILTERS <= set(FILTER_NAMES)


def test_sobel_x_responds_to_brightness_rising_to_the_right():
    step = torch.zeros(1, 1, 5, 5)
    step[..., 3:] = 1.0
    kernel = torch.from_numpy(make_filter("sobel_x", (3, 3)))[None, None]
    response = F.conv2d(step, kernel)
    assert response[0, 0, 1, 1] > 0 and response[0, 0, 1, 0] == 0
    assert F.conv2d(step, torch.from_numpy(make_filter("sobel_y", (3, 3)))[None, None]).abs().sum() == 0


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 3), (5, 5), (3, 5), (4, 4)])
def test_blurs_sum_to_one_at_every_size(size):
    for name in ("box_blur", "gaussian", "identity"):
        assert make_filter(name, size).sum() == pytest.approx(1.0)


def test_gaussian_three_by_three_is_the_binomial_kernel():
    np.testing.assert_allclose(make_filter("gaussian", (3, 3)) * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_an_edge_filter_needs_at_least_three_by_three():
    with pytest.raises(SpecError, match="at least 3x3"):
        make_filter("sobel_x", (1, 1))
    padded = make_filter("laplacian", (5, 5))
    assert padded[1:4, 1:4].tolist() == [[0, 1, 0], [1, -4, 1], [0, 1, 0]] and padded.sum() == 0


def test_the_lecture_presets_are_all_there():
    names = set(preset_names())
    assert {"toy_7x7_stride1", "toy_7x7_stride2", "toy_7x7_stride3", "zero_padding_7x7", "slide51_ten_5x5",
            "one_by_one", "dilated", "grouped", "webcam_edges", "typical_convnet", DEFAULT_PRESET} <= names


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads_and_runs(name):
    spec = load_preset(name)
    geometry = analyze(spec)
    assert geometry.ok, geometry.error
    assert bool(geometry.warnings) == (name in EXPECTED_WARNINGS)
    if geometry.warnings:
        assert "does not fit" in str(geometry.warnings[0])
    prepared = prepare(draw_test_card(), spec.input)
    outputs = Runner(spec, "cpu", geometry).run(prepared.tensor).outputs
    assert [o.shape for o in outputs] == [g.output_shape for g in geometry.layers]
    assert all(np.isfinite(o).all() for o in outputs)


def test_slide_51_preset_gives_760_parameters():
    geometry = analyze(load_preset("slide51_ten_5x5"))
    assert geometry.layers[0].output_shape == (10, 32, 32) and geometry.layers[0].params == 760


def test_resolve_network_takes_a_name_or_a_path(tmp_path):
    assert resolve_network("slide51_ten_5x5").name.startswith("Slide 51")
    path = tmp_path / "mine.json"
    load_preset("grouped").save(path)
    assert resolve_network(str(path)) == load_preset("grouped")
    with pytest.raises(SpecError, match="no preset called"):
        resolve_network("no_such_thing")
