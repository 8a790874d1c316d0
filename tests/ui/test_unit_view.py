"""The Unit view (F6) on a trained network: a unit pinned anywhere is the one shown, its top patches
come from a scan (then from the cache), the picture it wants is drawn as it climbs, and Grad-CAM
lights the input panel while it is on."""

from __future__ import annotations

import numpy as np
import pytest

from convviz.analysis.top_patches import layer_tops
from convviz.model.selection import Unit


@pytest.fixture
def win(make_window):
    return make_window("typical_shapes", wait=True)


def test_a_pinned_unit_is_looked_into_and_its_top_patches_found(qtbot, win):
    win.show_layout("unit")
    view = win.unit_view
    qtbot.waitUntil(lambda: view.result is not None, timeout=10000)
    win.selection.pin(Unit(5, 7, 3, 4))  # layer 6 (the third convolution), map 8
    assert view.unit() == (5, 7)
    view.data_box.setCurrentIndex(view.data_box.findData("shapes"))
    view.scan()
    qtbot.waitUntil(lambda: view.scan_job is None and len(view.found) == 9, timeout=60000)
    data = view._dataset(create=False)
    oracle = layer_tops(win.result.spec, data.images, 5, k=9)
    assert [p.index for p in view.found] == oracle.where[7, :, 0].tolist()
    assert [f"{p.value:.3g}" for p in view.found] == [label.toPlainText() for label in view.patch_labels[:9]]
    view.map_box.setValue(3)  # another map of the same layer: from the cache, at once
    assert view.scan_job is None and [p.index for p in view.found] == oracle.where[2, :, 0].tolist()


def test_the_picture_it_wants_is_drawn_while_it_climbs(qtbot, win):
    view = win.unit_view
    win.show_layout("unit")
    qtbot.waitUntil(lambda: view.result is not None, timeout=10000)
    view.layer_box.choose(0)
    view.map_box.setValue(2)
    view.climb()
    qtbot.waitUntil(lambda: not view._climbing, timeout=60000)
    assert "step 200" in view.wanted_info.text()
    assert view.wanted_view.image.image is not None and view.wanted_view.image.image.shape[:2] == (32, 32)


def test_grad_cam_lights_the_input_while_it_is_on(qtbot, win):
    view = win.unit_view
    view.cam_box.setChecked(True)
    win.document.request_source(win.document.source)  # a new frame to explain
    qtbot.waitUntil(lambda: win.input_panel.heat.isVisible(), timeout=30000)
    heat = win.input_panel.heat.image
    assert heat.shape[:2] == (32, 32) and heat[..., 3].max() > 100  # hot somewhere, clear elsewhere
    assert "comes from" in win.input_panel.subtitle.text()
    view.cam_box.setChecked(False)
    qtbot.waitUntil(lambda: not win.input_panel.heat.isVisible(), timeout=5000)
    assert np.isfinite(heat).all()


def test_in_presenter_mode_the_unit_view_is_readable_and_its_grad_cam_seen(qtbot, win):
    """On a 1920x1080 projector: the top patches' activations at the figure text size (they were
    ~10-pixel numbers), and the Input dock beside the Unit view, where Grad-CAM is drawn (presenter
    mode hid it for every layout but the network's, so the ticked Grad-CAM showed nothing)."""
    from PySide6 import QtGui

    from convviz.ui.panels.grid_view import digit_height

    win.presenter.enter(full_screen=False)
    win.resize(1920, 1080)
    qtbot.waitUntil(lambda: win.height() == 1080, timeout=5000)
    win.presenter.follow_size()
    win.show_layout("unit")
    assert win.input_dock.isVisible()
    view = win.unit_view
    qtbot.waitUntil(lambda: view.result is not None, timeout=10000)
    win.selection.pin(Unit(5, 7, 3, 4))
    view.data_box.setCurrentIndex(view.data_box.findData("shapes"))
    view.scan()
    qtbot.waitUntil(lambda: view.scan_job is None and len(view.found) == 9, timeout=60000)
    for label in view.patch_labels[:9]:
        font = label.textItem.font()
        assert font.pointSizeF() == pytest.approx(win.theme.text_pt)
        assert digit_height(QtGui.QFontInfo(font).pixelSize()) >= 20
    win.show_layout("convolution")  # a mechanics view shows the layer's input itself
    assert not win.input_dock.isVisible()
