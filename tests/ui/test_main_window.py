"""The first window, offscreen: panels per layer, maps per channel, errors shown, snapshots not blank."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtGui

from convviz.core.presets import load_preset
from convviz.ui.main_window import MainWindow


@pytest.fixture
def window(make_window):
    return lambda preset="slide51_ten_5x5", **kwargs: make_window(preset, **kwargs)


def wait_for_frame(qtbot, win: MainWindow) -> None:
    with qtbot.waitSignal(win.frameShown, timeout=30000):
        pass


def test_one_panel_per_layer_with_one_tile_per_map(qtbot, window):
    win = window("slide51_ten_5x5")
    wait_for_frame(qtbot, win)
    spec = load_preset("slide51_ten_5x5")
    assert len(win.layer_panels) == len(spec.layers)
    channels = [panel.layout_.channels for panel in win.layer_panels]
    assert channels == [10, 10, 10]
    first = win.layer_panels[0]
    assert first.maps.image.image.shape[:2] == first.layout_.shape
    assert "760 params" in first.subtitle.text()
    assert win.editor.list.count() == len(spec.layers)


def test_flat_layers_are_drawn_as_bars(qtbot, window):
    win = window("typical_convnet")
    wait_for_frame(qtbot, win)
    softmax = win.layer_panels[-1]
    win.maps_scroll.ensureWidgetVisible(softmax, 0, 0)  # panels draw once they are on screen
    qtbot.waitUntil(lambda: softmax.bars.isVisibleTo(win), timeout=10000)
    assert not softmax.maps.isVisibleTo(win)
    heights = softmax.bar_item.opts["height"]
    assert len(heights) == 10 and float(np.sum(heights)) == pytest.approx(1.0, abs=1e-5)


def test_choosing_a_preset_re_runs_the_network(qtbot, window):
    win = window("slide51_ten_5x5")
    wait_for_frame(qtbot, win)
    win.load_preset("one_by_one")
    qtbot.waitUntil(lambda: len(win.layer_panels) == 4, timeout=30000)
    assert win.layer_panels[2].layout_.channels == 32


def test_a_stride_that_does_not_fit_runs_as_torch_does_and_says_why(qtbot, window):
    win = window("toy_7x7_stride3")
    wait_for_frame(qtbot, win)
    assert len(win.layer_panels) == 1 and win.result.outputs[0].shape == (1, 2, 2)  # torch floors 2.33 to 2
    assert win.error_banner.isVisibleTo(win)
    assert "2.33" in win.error_banner.text() and "rounding down" in win.error_banner.text()
    assert "2.33" in win.statusBar().currentMessage()


def test_a_corrupt_image_gets_a_message_and_the_picture_stays(qtbot, window, tmp_path):
    win = window("slide51_ten_5x5")
    wait_for_frame(qtbot, win)
    before = win.result
    bad = tmp_path / "corrupt.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    assert not win.open_image(bad)
    assert "corrupt.jpg" in win.statusBar().currentMessage()
    assert win.result is before


def test_opening_an_image_runs_it(qtbot, window, tmp_path):
    import cv2

    path = tmp_path / "red.png"
    picture = np.zeros((20, 30, 3), np.uint8)
    picture[..., 2] = 255  # BGR: pure red
    cv2.imwrite(str(path), picture)
    win = window("slide51_ten_5x5")
    wait_for_frame(qtbot, win)
    assert win.open_image(path)
    qtbot.waitUntil(lambda: win.result.source_name == "red.png", timeout=30000)
    tensor = win.result.prepared.tensor
    assert tensor.shape == (3, 32, 32)
    assert tensor[0].mean() == pytest.approx(1.0) and tensor[1].max() == 0.0


def test_hovering_a_map_selects_that_unit(qtbot, window):
    win = window("slide51_ten_5x5")
    wait_for_frame(qtbot, win)
    panel = win.layer_panels[0]
    oy, ox = panel.layout_.tile_origin(3)
    panel.maps.hovered.emit(oy + 4.5, ox + 6.5)
    unit = win.selection.active
    assert (unit.layer, unit.channel, unit.row, unit.col) == (0, 3, 4, 6)
    assert panel.related.kind == "unit" and panel.related.box == (4, 6, 5, 7)
    value = float(win.result.outputs[0][3, 4, 6])
    assert f"{value:.4g}" in win.statusBar().currentMessage()


def test_snapshot_command_writes_a_picture_that_is_not_blank(tmp_path):
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "convviz", "--net", "webcam_edges", "--size", "1200x800",
                             "--snapshot", str(out)], capture_output=True, text=True, env=env, timeout=180)
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    rgb = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)  # kept: the pixels live in it
    pixels = np.frombuffer(rgb.constBits(), np.uint8).copy()
    assert pixels.std() > 20  # many colours, not one flat fill
    assert len(np.unique(pixels[::7])) > 50


def test_only_maps_on_screen_are_painted(qtbot, window):
    win = window("typical_convnet")
    qtbot.waitUntil(lambda: win.result is not None and len(win.layer_panels) == 15, timeout=30000)
    qtbot.waitUntil(lambda: win.result.images[0] is not None and win.result.images[8] is None, timeout=30000)
    win.maps_scroll.ensureWidgetVisible(win.layer_panels[8], 0, 0)
    qtbot.waitUntil(lambda: win.result.images[8] is not None and win.result.images[0] is None, timeout=30000)
    assert win.layer_panels[8].layout_ is not None  # what came into view was painted without a new frame
    win.show_layout("convolution")
    qtbot.waitUntil(lambda: all(image is None for image in win.result.images), timeout=30000)


def test_a_classifier_gets_its_class_scores_by_name(qtbot, window, tmp_path):
    """typical_convnet with three hand-named classes: the panel lists the network's own softmax, the
    largest first, and the winner is the argmax."""
    from dataclasses import replace

    from convviz.core.spec import NetworkSpec

    spec = load_preset("typical_convnet")
    names = tuple(f"thing {k}" for k in range(10))
    path = tmp_path / "named.json"
    replace(spec, classes=names).save(path)
    win = window("slide51_ten_5x5")
    wait_for_frame(qtbot, win)
    assert not win.scores_dock.isVisibleTo(win)  # not a classifier
    win.open_network(path)
    qtbot.waitUntil(lambda: win.result.spec.classes == names, timeout=30000)
    qtbot.waitUntil(lambda: win.scores_dock.isVisibleTo(win), timeout=5000)
    probabilities = win.result.outputs[-1]
    top = win.scores_panel.scores.top(5)
    assert [p.index for p in top] == list(np.argsort(-probabilities, kind="stable")[:5])
    assert top[0].name == names[int(np.argmax(probabilities))]
    percent = top[0].probability * 100
    assert (f"{percent:.0f}%" if percent >= 10 else f"{percent:.1f}%") in win.scores_panel.title.text()
    assert win.scores_panel.scores.from_softmax and NetworkSpec.load(path).classes == names
    # typical_convnet's seeded start: the panel says its answer is a guess from random weights
    assert win.scores_panel.random and "Random weights" in win.scores_panel.note.text()
    trained = replace(spec, classes=names, layers=(*spec.layers[:-2], replace(
        spec.layers[-2], params={**spec.layers[-2].params,
                                 "weight": np.eye(10, spec.layers[-4].params["out_features"], dtype=np.float32)}),
        spec.layers[-1]))
    trained.save(path)
    win.open_network(path)
    qtbot.waitUntil(lambda: not win.scores_panel.random, timeout=30000)
    assert "Random weights" not in win.scores_panel.note.text()


def test_a_layer_of_hundreds_of_maps_is_shown_a_page_at_a_time(qtbot, window, tmp_path):
    """200 maps: the panel paints 64 (what is on screen), says which, and pages; a unit pointed at on
    the second page is the layer's own channel 64 + k."""
    from convviz.core.spec import NetworkSpec
    from convviz.pipeline.engine import MAP_PAGE

    path = tmp_path / "wide.json"
    NetworkSpec.from_dict({"name": "wide", "input": {"channels": 3, "height": 12, "width": 12},
                           "layers": [{"type": "conv2d", "out_channels": 200, "kernel_size": 3, "padding": 1}]}
                          ).save(path)
    win = window("slide51_ten_5x5")
    wait_for_frame(qtbot, win)
    win.open_network(path)
    qtbot.waitUntil(lambda: win.result.spec.name == "wide" and len(win.layer_panels) == 1, timeout=30000)
    panel = win.layer_panels[0]
    qtbot.waitUntil(lambda: panel.layout_ is not None and panel.pager.isVisibleTo(win), timeout=10000)
    assert panel.layout_.channels == MAP_PAGE == 64 and panel.page_label.text() == "maps 1-64 of 200"
    panel.page_next.click()
    qtbot.waitUntil(lambda: panel.first_channel == 64, timeout=10000)
    assert panel.page_label.text() == "maps 65-128 of 200"
    image = win.result.images[0]
    assert image.first_channel == 64 and image.rgba.shape[:2] == image.layout.shape
    y, x = image.layout.tile_origin(3)
    assert panel._unit_at(y + 1, x + 1).channel == 64 + 3
    for _ in range(3):
        panel.page_next.click()
    qtbot.waitUntil(lambda: panel.first_channel == 192, timeout=10000)
    assert panel.page_label.text() == "maps 193-200 of 200" and not panel.page_next.isEnabled()
