"""Training in the window: press Train, the network learns while the window keeps showing it, the
result is one undoable edit; a diverging run keeps good weights; webcam classes captured from a video
standing in for the camera, trained on."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from convviz.core.compute import layer_tensors
from convviz.sources.video import VideoSource
from tests.conftest import write_test_video


@pytest.fixture
def window(make_window, monkeypatch, tmp_path):
    monkeypatch.setenv("CONVVIZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",
                        lambda *args, **kwargs: QtWidgets.QMessageBox.StandardButton.Ok)
    return lambda preset="typical_convnet", source=None: make_window(preset, source, wait=True)


def _set(panel, kind, samples, epochs, rate, decay=0.0, optimiser="adam"):
    panel.data.setCurrentIndex(panel.data.findData(kind))
    panel.samples.setValue(samples)
    panel.epochs.setValue(epochs)
    panel.rate.setValue(rate)
    panel.decay.setValue(decay)
    panel.optimiser.setCurrentIndex(panel.optimiser.findData(optimiser))


def test_train_in_the_window_then_undo_the_weights(qtbot, window):
    win = window("typical_convnet")
    qtbot.keyClick(win, QtCore.Qt.Key.Key_L)
    assert win.training_dock.isVisible()
    panel = win.training
    before = layer_tensors(win.document.network, 0)["weight"]
    _set(panel, "shapes", 640, 3, 0.002)
    previews = []
    win.document.events.network.connect(lambda change: previews.append(change) if change.transient else None)
    panel.train_button.click()
    qtbot.waitUntil(lambda: panel.run is None and panel.job is None and "held-out accuracy" in panel.status.text(),
                    timeout=120000)
    history = win.document.history
    assert history.labels[-1].startswith("train ") and history.labels[-2] == "fit the network to shapes"
    after = layer_tensors(win.document.network, 0)["weight"]
    assert not np.allclose(before, after)  # it learned
    assert win.document.network.classes == ("circle", "square", "triangle", "cross")
    assert previews  # the window ran the weights while they changed
    qtbot.waitUntil(lambda: win.result.spec is win.document.network, timeout=30000)
    assert win.result.outputs[-1].shape == (4,) and win.scores_dock.isVisible()
    assert panel.filters.mosaic is not None and "orientation selectivity" in panel.filters_title.text()
    assert len(panel.curves.steps) == panel.progress.maximum()
    win.document.undo()  # the weights from before training (the fitted classifier stays)
    np.testing.assert_array_equal(layer_tensors(win.document.network, 0)["weight"], before)


def test_a_learning_rate_of_ten_says_it_diverged_and_keeps_finite_weights(qtbot, window):
    win = window("typical_convnet")
    win.training_dock.show()
    panel = win.training
    _set(panel, "shapes", 320, 5, 10.0, optimiser="sgd")
    panel.train_button.click()
    qtbot.waitUntil(lambda: panel.run is None and panel.job is None and "diverged" in panel.status.text(),
                    timeout=120000)
    assert "learning rate 10 is too large" in win.statusBar().currentMessage()
    for index in (0, 2, 5, 7, 10, 12):
        for tensor in layer_tensors(win.document.network, index).values():
            assert np.isfinite(tensor).all()


def test_webcam_classes_from_a_video_standing_in_for_the_camera(qtbot, window, tmp_path):
    video = write_test_video(tmp_path / "camera.avi", frames=60, size=(64, 48))
    win = window("typical_convnet", VideoSource(video))
    win.training_dock.show()
    panel = win.training
    panel.tabs.setCurrentWidget(panel.captures)
    store = panel.captures.store

    def capture(key, count):
        for _ in range(count):
            sequence = win.result.sequence
            qtbot.keyClick(win, key)
            qtbot.waitUntil(lambda s=sequence: win.result.sequence > s, timeout=10000)

    capture(QtCore.Qt.Key.Key_1, 6)
    capture(QtCore.Qt.Key.Key_2, 6)
    assert store.counts()[:2] == [6, 6]
    assert sorted(p.name for p in store.class_folder(0).iterdir()) == [f"{k:05d}.png" for k in range(1, 7)]
    panel.captures.names[0].setText("mug")
    panel.captures.names[0].editingFinished.emit()
    assert store.class_folder(0).name == "mug" and store.counts()[0] == 6
    panel.captures.show_class(0)
    panel.captures.thumbs.item(0).setSelected(True)
    panel.captures.delete_selected()
    assert store.counts()[0] == 5
    assert win.selection.focus_layer == 0  # the keys captured; they did not move the focus
    _set(panel, "webcam", 8, 2, 0.002)
    panel.tabs.setCurrentIndex(0)
    panel.train_button.click()
    qtbot.waitUntil(lambda: panel.run is None and panel.job is None and "held-out accuracy" in panel.status.text(),
                    timeout=120000)
    assert win.document.network.classes == ("class 2", "mug") or win.document.network.classes == ("mug", "class 2")


def test_the_training_dock_follows_presenter_mode_and_the_theme(qtbot, window):
    """Presenter mode (and T in it): the curves' numbers, labels and legend at the projector's figure
    text size and the curves and plots in its colours (they stayed at the desk theme's 9-point ticks,
    dark plots on a white projector screen)."""
    from PySide6 import QtGui

    win = window("typical_convnet")
    qtbot.keyClick(win, QtCore.Qt.Key.Key_L)
    win.resize(1920, 1080)
    win.presenter.enter(full_screen=False)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_T)  # projector-light
    theme = win.theme
    assert theme.name == "projector-light"
    curves = win.training.curves
    for plot in (curves.loss, curves.accuracy):
        assert plot.backgroundBrush().color() == QtGui.QColor(theme.panel)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            assert axis.style["tickFont"].pointSizeF() == pytest.approx(theme.text_pt)
            assert axis.textPen().color() == QtGui.QColor(theme.foreground)
        assert plot.getPlotItem().legend is None  # the key is above the plots, not over their curves
    key = curves.key
    assert f"color:{theme.accent}" in key.text() and f"color:{theme.field}" in key.text()
    assert QtGui.QFontInfo(key.font()).pointSizeF() == pytest.approx(theme.text_pt, abs=0.6)
    assert curves.train_loss.opts["pen"].color() == QtGui.QColor(theme.accent)
    assert curves.held_accuracy.opts["symbolBrush"] == theme.field or \
        QtGui.QBrush(curves.held_accuracy.opts["symbolBrush"]).color() == QtGui.QColor(theme.field)
    assert win.training.filters.backgroundBrush().color() == QtGui.QColor(theme.panel)


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_the_training_dock_fits_beside_the_maps_on_a_projector(qtbot, window, size):
    """L in presenter mode on a 1920x1080 or 1280x720 projector: the window's least width with the
    Training dock, the input and the maps still fits the screen (the dock's data and optimiser boxes
    asked for their longest entry, and the window grew to 2034 / 1447 pixels, off the screen)."""
    win = window("typical_convnet")
    win.presenter.enter(full_screen=False)
    win.resize(*size)  # (the desk window's least height is more than 720)
    qtbot.waitUntil(lambda: win.height() == size[1], timeout=5000)
    win.presenter.follow_size()
    assert win.theme.scale == pytest.approx(size[1] / 1080, abs=0.03)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_L)
    qtbot.waitUntil(lambda: win.training_dock.isVisible(), timeout=5000)
    assert win.minimumSizeHint().width() <= size[0]
    qtbot.waitUntil(lambda: win.width() == size[0], timeout=5000)
