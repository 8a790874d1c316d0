"""Lecture mode and slides: presenter mode, the keys the help overlay lists, frames, clips, render."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import imageio.v3 as iio
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.presets import load_preset
from convviz.export.clips import Recording
from convviz.ui.main_window import MainWindow
from convviz.ui.settings import Settings


@pytest.fixture
def window(qtbot):
    made = []

    def make(preset="toy_7x7_stride1", source=None):
        win = MainWindow(load_preset(preset), source, device="cpu")
        win.resize(1200, 800)
        win.show()
        made.append(win)
        qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
        return win

    yield make
    for win in made:
        win.document.history.mark_saved()
        win.exports.cancel_writing()
        win.close()
        win.bridge.stop()


def key(qtbot, win, text: str) -> None:
    sequence = QtGui.QKeySequence(text)
    combination = sequence[0]
    qtbot.keyClick(win, combination.key(), combination.keyboardModifiers())


def test_presenter_mode_toggles_and_restores(qtbot, window):
    win = window()
    key(qtbot, win, "F11")
    assert win.presenter.active and win.isFullScreen()
    assert win.theme.name == "projector-dark" and not win.menuBar().isVisible()
    assert not win.network_dock.isVisible()
    assert win.theme.title_pt > 20  # readable from the back row
    key(qtbot, win, "T")
    assert win.theme.name == "projector-light"
    key(qtbot, win, "Esc")
    assert not win.presenter.active and not win.isFullScreen()
    assert win.theme.name == "light" and win.menuBar().isVisible() and win.network_dock.isVisible()


def test_every_key_the_help_overlay_lists_does_what_it_says(qtbot, window, tmp_path):
    win = window()
    key(qtbot, win, "?")
    assert win.help_overlay.isVisible()
    listed = {keys: text for _, keys, text in win.help_overlay.rows()}
    key(qtbot, win, "Esc")
    assert not win.help_overlay.isVisible()
    checks = {}

    def check(keys):
        def register(test):
            checks[keys] = test
            return test
        return register

    @check("F3")
    def _():
        key(qtbot, win, "F3")
        assert win.tabs.currentWidget() is win.conv_view

    @check("F4")
    def _():
        key(qtbot, win, "F4")
        assert win.tabs.currentWidget() is win.pool_view

    @check("F5")
    def _():
        key(qtbot, win, "F5")
        assert win.tabs.currentWidget() is win.activation_view

    @check("F2")
    def _():
        key(qtbot, win, "F2")
        assert win.tabs.currentIndex() == 0

    def on_conv():
        key(qtbot, win, "F3")
        return win.conv_view.playback

    @check("Right")
    def _():
        playback = on_conv()
        playback.go(0)
        key(qtbot, win, "Right")
        assert playback.step == 1

    @check("Left")
    def _():
        playback = on_conv()
        playback.go(3)
        key(qtbot, win, "Left")
        assert playback.step == 2

    @check("End")
    def _():
        playback = on_conv()
        key(qtbot, win, "End")
        assert playback.step == playback.count - 1

    @check("Home")
    def _():
        playback = on_conv()
        key(qtbot, win, "Home")
        assert playback.step == 0

    @check("Space")
    def _():
        playback = on_conv()
        key(qtbot, win, "Space")
        assert playback.playing
        key(qtbot, win, "Space")
        assert not playback.playing

    @check("F")
    def _():
        key(qtbot, win, "F")
        assert win.document.frozen
        key(qtbot, win, "F")
        assert not win.document.frozen

    @check("1-9")
    def _():
        key(qtbot, win, "1")
        assert win.selection.focus_layer == 0

    @check("S")
    def _():
        before = set(win.exports.folder.glob("*.png")) if win.exports.folder.exists() else set()
        key(qtbot, win, "S")
        after = set(win.exports.folder.glob("*.png"))
        (new,) = after - before
        image = QtGui.QImage(str(new))
        assert (image.width(), image.height()) == (win.width() * 2, win.height() * 2)

    @check("R")
    def _():
        key(qtbot, win, "F3")
        key(qtbot, win, "R")
        assert win.exports.recording_active
        win.conv_view.playback.go(1)
        win.conv_view.playback.go(2)
        qtbot.waitUntil(lambda: len(win.exports._pending) >= 3, timeout=5000)
        key(qtbot, win, "R")
        assert not win.exports.recording_active
        qtbot.waitUntil(lambda: win.exports.worker is None and win.exports.last_saved is not None, timeout=30000)
        assert win.exports.last_saved.suffix == ".gif" and win.exports.last_saved.exists()

    @check("F11")
    def _():
        key(qtbot, win, "F11")
        assert win.presenter.active
        key(qtbot, win, "F11")
        assert not win.presenter.active

    @check("T")
    def _():
        before = win.theme.name
        key(qtbot, win, "T")
        assert win.theme.name != before
        key(qtbot, win, "T")
        assert win.theme.name == before

    @check("E")
    def _():
        before = win.network_dock.isVisible()
        key(qtbot, win, "E")
        assert win.network_dock.isVisible() != before
        key(qtbot, win, "E")
        assert win.network_dock.isVisible() == before

    @check("? / F1")
    def _():
        key(qtbot, win, "F1")
        assert win.help_overlay.isVisible()
        key(qtbot, win, "F1")
        assert not win.help_overlay.isVisible()

    @check("Esc")
    def _():
        key(qtbot, win, "?")
        key(qtbot, win, "Esc")
        assert not win.help_overlay.isVisible()

    assert set(listed) == set(checks), "the overlay lists keys this test does not check (or the reverse)"
    for keys in listed:
        checks[keys]()


def test_frames_at_one_two_and_four_x(qtbot, window, tmp_path):
    win = window()
    for scale in (1, 2, 4):
        path = win.exports.save_frame("view", scale, tmp_path / f"view{scale}.png")
        view = win.tabs.currentWidget()
        image = QtGui.QImage(str(path))
        assert (image.width(), image.height()) == (view.width() * scale, view.height() * scale)


def test_an_unwritable_folder_is_a_message_and_no_file(qtbot, window, tmp_path):
    win = window()
    target = tmp_path / "missing" / "frame.png"
    assert win.exports.save_frame("window", 1, target) is None
    assert "does not exist" in win.statusBar().currentMessage()
    assert not target.parent.exists()


def test_a_recording_that_cannot_be_written_is_kept_to_save_elsewhere(qtbot, window, tmp_path):
    win = window()
    win.exports.start_recording()
    win.exports.capture()
    win.exports.capture()
    win.exports.folder = Path("/sys") if os.geteuid() == 0 else tmp_path
    if os.geteuid() != 0:
        tmp_path.chmod(0o500)
    try:
        win.exports.stop_recording()
        qtbot.waitUntil(lambda: win.exports.worker is None, timeout=30000)
    finally:
        tmp_path.chmod(0o700)
    assert "recording is kept" in win.statusBar().currentMessage()
    assert win.exports.save_recording_action.isEnabled() and len(win.exports.recording) >= 2
    target = tmp_path / "elsewhere.mp4"
    win.exports.write_recording(target)
    qtbot.waitUntil(lambda: win.exports.worker is None, timeout=30000)
    capture = cv2.VideoCapture(str(target))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == len(win.exports.recording)


def test_cancelling_a_clip_leaves_no_file(qtbot, window, tmp_path):
    win = window()
    recording = Recording(fps=10)
    frame = win.exports.target_widget("window")
    from convviz.export.frames import image_to_rgb, render_widget

    rgb = image_to_rgb(render_widget(frame, 1.0))
    for _ in range(60):
        recording.add(rgb)
    win.exports.recording = recording
    win.exports.write_recording(tmp_path / "clip.gif")
    win.exports.worker.yielded.connect(lambda progress: win.exports.cancel_writing())
    qtbot.waitUntil(lambda: win.exports.worker is None, timeout=60000)
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in win.statusBar().currentMessage()


def test_the_window_remembers_layout_network_and_input(qtbot, tmp_path):
    image = tmp_path / "picture.png"
    cv2.imwrite(str(image), cv2.UMat(32, 32, cv2.CV_8UC3, (10, 200, 30)).get())
    win = MainWindow(load_preset("one_by_one"), device="cpu")
    win.document.preset = "one_by_one"
    win.persist = True
    win.show()
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    win.live.open_path(image)
    qtbot.waitUntil(lambda: win.result.source_name == "picture.png", timeout=30000)
    win.show_layout("pooling")
    win.close()
    win.bridge.stop()
    settings = Settings()
    assert settings.get("layout") == "pooling"
    assert settings.get("network") == {"preset": "one_by_one"}
    assert settings.get("source") == {"kind": "image", "path": str(image.resolve())}
    again = MainWindow(load_preset("one_by_one"), device="cpu")
    again.restore_arrangement()
    assert again.current_layout() == "pooling"
    again.bridge.stop()


def test_render_command_writes_frames_and_clips(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    gif = tmp_path / "stride2.gif"
    done = subprocess.run([sys.executable, "-m", "convviz", "render", "--net", "toy_7x7_stride2", "--layer", "1",
                           "--view", "conv", "--out", str(gif), "--scale", "2", "--size", "900x600"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] == 9  # 3x3 output: nine steps
    assert "rendering" in done.stderr  # the progress bar
    folder = tmp_path / "pool"
    done = subprocess.run([sys.executable, "-m", "convviz", "render", "--net", "max_pool_2x2", "--out", str(folder),
                           "--size", "900x600"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(list(folder.glob("frame_*.png"))) == 16
    bad = subprocess.run([sys.executable, "-m", "convviz", "render", "--net", "max_pool_2x2", "--layer", "5",
                          "--out", str(tmp_path / "x.gif")], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "--layer must be 1..1" in bad.stderr


def test_qt_sanity(qtbot):
    assert QtCore.QCoreApplication.instance() is not None and QtWidgets.QApplication.clipboard() is not None
