"""One shared selection: pointing at a unit anywhere lights up its receptive field in the input and in
every layer between, and the units that see a chosen input pixel; checked against the core's box
arithmetic and against torch's gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convviz.core.compute import build_module
from convviz.core.presets import load_preset
from convviz.model.selection import Unit
from convviz.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    made = []

    def make(preset):
        win = MainWindow(load_preset(preset), device="cpu")
        qtbot.addWidget(win)
        win.show()
        made.append(win)
        qtbot.waitUntil(lambda: win.result is not None and len(win.layer_panels) == len(win.document.network.layers),
                        timeout=30000)
        return win

    yield make
    for win in made:
        win.bridge.stop()


def gradient_box(spec, layer: int, unit: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """Bounding box of the input pixels whose gradient is nonzero for ``unit`` of ``layer``."""
    module = build_module(spec).double()
    x = torch.rand(1, *spec.input.shape, dtype=torch.float64, requires_grad=True)
    out = x
    for index, part in enumerate(module):
        out = part(out)
        if index == layer:
            break
    out[0][unit].backward()
    rows, cols = np.nonzero((x.grad[0].abs() > 0).any(dim=0).numpy())
    return (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)


def test_a_unit_lights_up_its_receptive_field_in_the_input_and_every_layer_between(qtbot, window):
    win = window("typical_convnet")
    unit = Unit(4, 3, 7, 9)  # after conv, relu, conv, relu, max pool: a 6x6 field
    win.selection.set_hover(unit)
    input_box = win.input_panel.related.box
    assert input_box == win.result.geometry.field_box(-1, 4, 7, 9)
    # the gradient check: the pixels that can change this unit are inside the lit box (max pooling
    # passes the gradient through one winner, so it can be smaller)
    top, left, bottom, right = gradient_box(win.document.network, 4, (3, 7, 9))
    assert input_box[0] <= top and input_box[1] <= left and bottom <= input_box[2] and right <= input_box[3]
    sizes = []
    for index in range(4):
        related = win.layer_panels[index].related
        assert related.kind == "field"
        assert related.box == win.result.geometry.field_box(index, 4, 7, 9)
        sizes.append(related.box[2] - related.box[0])
    assert sizes == sorted(sizes, reverse=True)  # smaller the closer to the unit
    assert win.layer_panels[4].related.kind == "unit"
    later = win.layer_panels[5].related  # the conv after the pool: the units that see this unit
    assert later.kind == "reach" and later.box == win.result.geometry.reach_box(4, 5, 7, 9, 8, 10)


def test_without_pooling_the_lit_field_is_exactly_the_gradient(qtbot, window):
    win = window("one_by_one")
    win.selection.set_hover(Unit(2, 5, 20, 30))
    assert win.input_panel.related.box == gradient_box(win.document.network, 2, (5, 20, 30)) == (19, 29, 22, 32)


def test_a_pixel_lights_up_the_units_that_see_it(qtbot, window):
    win = window("slide51_ten_5x5")
    win.selection.pin(Unit(-1, 0, 10, 12))
    conv = win.layer_panels[0].related
    assert conv.kind == "reach" and conv.box == (8, 10, 13, 15)  # a 5x5 filter: 5x5 output units see it
    assert conv.channels == tuple(range(10))  # every filter spans the pixel's colour channel
    pooled = win.layer_panels[2].related
    assert pooled.box == (4, 5, 7, 8)


def test_hovering_the_convolution_output_selects_for_every_panel(qtbot, window):
    win = window("slide51_ten_5x5")
    win.tabs.setCurrentWidget(win.conv_view)
    qtbot.waitUntil(lambda: win.conv_view.output is not None, timeout=30000)
    win.conv_view.output_view.cellHovered.emit(3, 4)
    assert win.selection.active == Unit(0, win.conv_view.output_channel(), 3, 4)
    assert win.input_panel.related.box == (1, 2, 6, 7)  # 5x5 field, 2 of it in the padding above


def test_the_field_reaching_into_the_padding_is_drawn_dashed(qtbot, window):
    win = window("slide51_ten_5x5")
    win.selection.set_hover(Unit(0, 0, 0, 0))
    panel = win.input_panel
    assert panel.related.box == (0, 0, 3, 3) and panel.related.unclipped == (-2, -2, 3, 3)
    assert panel.padding_marker.isVisible()


def test_the_mechanics_views_show_the_relation_too(qtbot, window):
    """slide51: conv 5x5 pad 2, ReLU, 2x2 max pool. Pointing at an input pixel frames, in the
    Convolution view's output, the 5x5 units that read it; pointing at a pooled unit frames its 6x6
    field in the Convolution view's padded input and the 2x2 conv units it pools."""
    win = window("slide51_ten_5x5")
    win.show_layout("convolution")
    view = win.conv_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    win.selection.set_hover(Unit(-1, 0, 10, 12))
    reach = view.output_view._rects["related"]
    assert reach.isVisible()
    rect = reach.rect()
    assert (rect.top(), rect.left(), rect.height(), rect.width()) == (8, 10, 5, 5)
    assert win.layer_panels[0].related.box == (8, 10, 13, 15)  # the same units in the maps panel

    win.selection.set_hover(Unit(2, view.output_channel(), 4, 6))  # max pool output (4, 6)
    field = view.input_view._rects["related"].rect()
    top, left, bottom, right = win.result.geometry.field_box(-1, 2, 4, 6)
    assert (top, left, bottom, right) == (6, 10, 12, 16)
    assert (field.top(), field.left(), field.height(), field.width()) == (top + 2, left + 2, 6, 6)  # padded
    pooled = view.output_view._rects["related"].rect()
    assert (pooled.top(), pooled.left(), pooled.height(), pooled.width()) == (8, 12, 2, 2)

    win.selection.set_hover(None)
    assert not view.input_view._rects["related"].isVisible()


def test_pooling_view_frames_the_window_of_a_unit_pointed_at_elsewhere(qtbot, window):
    win = window("max_pool_2x2")
    win.show_layout("pooling")
    view = win.pool_view
    qtbot.waitUntil(lambda: view.detail is not None, timeout=30000)
    win.layer_panels[0].selection.set_hover(Unit(0, 0, 2, 3))  # as if hovered in the maps panel
    field = view.input_view._rects["related"].rect()
    assert (field.top(), field.left(), field.height(), field.width()) == (4, 6, 2, 2)
    unit = view.output_view._rects["related"].rect()
    assert (unit.top(), unit.left(), unit.height(), unit.width()) == (2, 3, 1, 1)
