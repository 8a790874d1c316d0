"""The activation-maps panels as the pipeline feeds them: the window before torch, colour ranges per
layer / per map / fixed (remembered), NaN and Inf counted and warned, bars split by sign."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

from convviz.pipeline.display import NONFINITE_RGB, ColourScale
from convviz.ui.main_window import MainWindow
from convviz.ui.settings import Settings


@pytest.fixture
def window(make_window):
    return lambda preset="slide51_ten_5x5", show=True: make_window(preset, show=show)


def test_the_window_is_made_without_importing_torch():
    code = ("import sys; import convviz.ui.app, convviz.ui.main_window, convviz.ui.colour_range; "
            "print('torch' in sys.modules, 'sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_before_its_first_paint_the_window_has_the_picture_and_the_layers_loading(qtbot, window):
    win = window("webcam_default", show=False)  # not painted: torch waits (up to LOAD_HOLD_S)
    qtbot.waitUntil(lambda: win.input_panel.image is not None and len(win.layer_panels) == 6, timeout=10000)
    assert win.result is None
    panel = win.layer_panels[0]
    assert panel.title.text().startswith("1  conv 8 filters 3x3") and "224 params" in panel.subtitle.text()
    assert panel.waiting.isVisibleTo(win) and "loading" in panel.waiting.text()
    assert "Loading torch" in win.statusBar().currentMessage()
    win.show()
    qtbot.waitUntil(lambda: win.result is not None and win.layer_panels[0].image is not None, timeout=30000)
    assert not panel.waiting.isVisibleTo(win) and panel.maps.isVisibleTo(win)
    assert "Loading torch" not in win.statusBar().currentMessage()


def newest_image(qtbot, win: MainWindow, layer: int, mode: str):
    qtbot.waitUntil(lambda: win.result is not None and win.result.images[layer] is not None
                    and win.result.images[layer].mode == mode, timeout=30000)
    qtbot.waitUntil(lambda: win.layer_panels[layer].image is win.result.images[layer], timeout=30000)
    return win.result.images[layer]


def test_colour_ranges_per_layer_per_map_and_fixed_are_shown_and_remembered(qtbot, window):
    win = window("slide51_ten_5x5")
    image = newest_image(qtbot, win, 0, "layer")
    bar = win.layer_panels[0].maps.colour_bar
    assert bar.levels() == (-image.half_range, image.half_range)
    assert bar.axis.labelText == "per layer"

    win.colour_range.actions["map"].trigger()
    image = newest_image(qtbot, win, 0, "map")
    assert image.tile_ranges is not None and len(image.tile_ranges) == 10
    assert image.half_range == pytest.approx(float(np.max(image.tile_ranges)))
    assert bar.levels() == (-image.half_range, image.half_range) and "per map" in bar.axis.labelText
    panel = win.layer_panels[0]
    oy, ox = image.layout.tile_origin(3)
    panel.maps.hovered.emit(oy + 1.5, ox + 1.5)  # over map 4: the bar shows its own range
    assert bar.levels() == (-image.tile_ranges[3], image.tile_ranges[3]) and "map 4" in bar.axis.labelText
    panel.maps.left.emit()
    assert bar.levels() == (-image.half_range, image.half_range)
    assert Settings().get("colour_range") == {"mode": "map", "fixed": 1.0}

    win.colour_range.set_scale(ColourScale("fixed", 2.5))
    image = newest_image(qtbot, win, 0, "fixed")
    assert image.half_range == 2.5 and bar.levels() == (-2.5, 2.5) and bar.axis.labelText == "fixed"
    assert win.colour_range.actions["fixed"].isChecked()
    assert Settings().get("colour_range") == {"mode": "fixed", "fixed": 2.5}


def test_the_remembered_colour_range_is_used_from_the_first_frame(qtbot, window):
    settings = Settings()
    settings.set("colour_range", {"mode": "fixed", "fixed": 0.25})
    win = window("slide51_ten_5x5")
    image = newest_image(qtbot, win, 0, "fixed")
    assert image.half_range == 0.25 and win.colour_range.actions["fixed"].isChecked()


def test_nan_and_inf_are_their_own_colour_counted_in_the_title_and_warned(qtbot, window):
    win = window("slide51_ten_5x5")
    qtbot.waitUntil(lambda: win.result is not None and win.result.images[0] is not None, timeout=30000)
    result = win.result
    broken = result.outputs[0].copy()
    broken[2, 3:5, 4] = np.nan
    broken[5, 0, 0] = np.inf
    engine = win.bridge.engine
    image = engine.paint_layer(0, broken, smooth=False)
    outputs = (broken, *result.outputs[1:])
    activations = dataclasses.replace(result.activations, outputs=outputs)
    images = (image, *result.images[1:])
    win._show_result(dataclasses.replace(result, activations=activations, images=images, sequence=result.sequence))
    panel = win.layer_panels[0]
    assert panel.nonfinite == 3 and "3 NaN/Inf" in panel.title.text()
    assert "layer 1 has 3 NaN/Inf values" in win.statusBar().currentMessage()
    oy, ox = image.layout.tile_origin(2)
    assert tuple(image.rgba[oy + 3, ox + 4, :3]) == NONFINITE_RGB


def test_flat_layers_are_bars_split_by_sign(qtbot, window):
    win = window("typical_convnet")
    qtbot.waitUntil(lambda: win.result is not None and len(win.layer_panels) == 15, timeout=30000)
    index = next(i for i, output in enumerate(win.result.outputs) if output.ndim == 1 and output.min() < 0)
    panel = win.layer_panels[index]
    win.maps_scroll.ensureWidgetVisible(panel, 0, 0)
    qtbot.waitUntil(lambda: panel.bars.isVisibleTo(win), timeout=10000)
    output = panel.values
    np.testing.assert_array_equal(panel.bar_item.opts["height"], np.maximum(output, 0))
    np.testing.assert_array_equal(panel.negative_bar_item.opts["height"], np.minimum(output, 0))


def test_the_window_is_painted_before_torch_is_imported(tmp_path):
    """Every dock, menu and view is made and the window painted with torch still unloaded (importing
    it takes one to two seconds): checked at the window's first paint, in a fresh process."""
    code = """
import os, sys
from PySide6 import QtCore, QtWidgets
from convviz.core.presets import load_preset
from convviz.ui.app import application
from convviz.ui.main_window import MainWindow
app = application()
window = MainWindow(load_preset("webcam_default"), device="cpu")
seen = []
class Probe(QtCore.QObject):
    def eventFilter(self, watched, event):
        if event.type() == QtCore.QEvent.Type.Paint and not seen:
            seen.append("torch" in sys.modules)
            QtCore.QTimer.singleShot(0, app.quit)
        return False
probe = Probe()
window.installEventFilter(probe)
window.show()
QtCore.QTimer.singleShot(20000, app.quit)
app.exec()
window.bridge.stop()
print("painted", seen)
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CONVVIZ_CONFIG_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "painted [False]" in done.stdout
