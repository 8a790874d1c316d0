"""Lecture mode and slides: presenter mode, the keys the help overlay lists, frames, figures, SVG,
clips (streamed through a bounded queue, never waiting on the GUI thread), render."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import cv2
import imageio.v3 as iio
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.presets import load_preset
from convviz.export import clips
from convviz.export.figure import controls, figure_rect
from convviz.export.recorder import QUEUE_FRAMES
from convviz.ui.export_controls import ClipSettings, RecordDialog, SaveFrameDialog
from convviz.ui.main_window import MainWindow
from convviz.ui.settings import Settings


@pytest.fixture
def window(make_window, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CONVVIZ_SPOOL_DIR", str(tmp_path_factory.mktemp("spool")))
    return lambda preset="toy_7x7_stride1", source=None: make_window(preset, source, size=(1200, 800), wait=True)


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
    # readable from the back row: the projector sizes, scaled to the screen's height (the same picture
    # on a 1280x720 projector as on a 1920x1080 one)
    from convviz.ui.presenter import presenter_scale
    from convviz.ui.theme import PROJECTOR_DARK

    assert win.theme.title_pt == pytest.approx(PROJECTOR_DARK.title_pt * presenter_scale(win.height()))
    key(qtbot, win, "T")
    assert win.theme.name == "projector-light"
    key(qtbot, win, "Esc")
    assert not win.presenter.active and not win.isFullScreen()
    assert win.theme.name == "light" and win.menuBar().isVisible() and win.network_dock.isVisible()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_a_check_box_shows_its_box_in_every_projector_theme(qtbot, window, theme):
    """'true convolution (flipped)', 'show the gradient f'(x)': on the dark projector theme the box was
    black on black, so nobody could see these were toggles. The box's frame is drawn in the text colour,
    and a ticked box is filled with the accent colour."""
    win = window()
    win.presenter.enter(full_screen=False)
    if win.theme.name != f"projector-{theme}":
        key(qtbot, win, "T")
    win.show_layout("convolution")
    box = win.conv_view.flip_box
    qtbot.waitUntil(box.isVisible, timeout=5000)

    def colours() -> set[tuple[int, int, int]]:
        picture = box.grab().toImage()
        left = round(win.theme.font_pt * 1.1) + 4  # the indicator, before the text
        return {QtGui.QColor(picture.pixel(x, y)).getRgb()[:3] for x in range(left) for y in range(picture.height())}

    assert QtGui.QColor(win.theme.foreground).getRgb()[:3] in colours()
    box.setChecked(True)
    assert QtGui.QColor(win.theme.accent).getRgb()[:3] in colours()
    box.setChecked(False)


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

    @check("F6")
    def _():
        key(qtbot, win, "F6")
        assert win.tabs.currentWidget() is win.unit_view

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
        qtbot.waitUntil(lambda: win.exports.recorder.accepted >= 3, timeout=5000)
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

    @check("L")
    def _():
        assert not win.training_dock.isVisible()
        key(qtbot, win, "L")
        assert win.training_dock.isVisible()
        key(qtbot, win, "L")
        assert not win.training_dock.isVisible()

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


def decoded_frames(path: Path) -> int:
    if path.suffix == ".gif":
        return iio.imread(path, index=None).shape[0]
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def test_a_recording_that_cannot_be_written_is_kept_to_save_elsewhere(qtbot, window, tmp_path):
    win = window()
    win.exports.start_recording(ClipSettings(target="figure", suffix=".gif", fps=10))
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
    clip = win.exports.last_clip
    assert win.exports.save_recording_action.isEnabled() and decoded_frames(clip.path) == clip.frames == 3
    target = tmp_path / "elsewhere.mp4"  # the other format: converted frame by frame
    win.exports.write_recording(target)
    qtbot.waitUntil(lambda: win.exports.worker is None, timeout=30000)
    assert decoded_frames(target) == 3


@pytest.fixture
def slow_encoder(monkeypatch):
    """The GIF encoder waits at a gate before each frame until the test opens it."""
    gate = threading.Event()
    original = clips.GifStream.add

    def add(self, rgb, seconds):
        assert gate.wait(30), "the test never opened the gate"
        original(self, rgb, seconds)

    monkeypatch.setattr(clips.GifStream, "add", add)
    yield gate
    gate.set()


def test_a_300_frame_recording_stays_bounded_and_never_waits(qtbot, window, tmp_path, slow_encoder):
    """The encoder is stuck, yet all 300 captures return on the GUI thread: frames beyond the small
    queue are dropped and counted; stopping returns at once and the clip is finished on the worker."""
    win = window()
    key(qtbot, win, "F3")
    exports = win.exports
    exports.folder = tmp_path
    exports.start_recording(ClipSettings(target="figure", suffix=".gif", max_frames=300, max_seconds=600))
    recorder = exports.recorder
    for _ in range(299):
        exports.capture()
    assert recorder.most_queued <= QUEUE_FRAMES
    assert recorder.accepted + recorder.dropped == 300 and recorder.dropped >= 300 - QUEUE_FRAMES - 2
    exports.stop_recording()  # returns although the encoder is still stuck
    assert exports.worker is not None and exports.progress.isVisible() and not exports.recording_active
    slow_encoder.set()
    qtbot.waitUntil(lambda: exports.worker is None, timeout=30000)
    saved = exports.last_saved
    assert saved is not None and saved.parent == tmp_path and decoded_frames(saved) == recorder.accepted
    assert f"{recorder.dropped} dropped" in win.statusBar().currentMessage()
    view = win.tabs.currentWidget()
    assert iio.imread(saved, index=0).shape[:2] == (figure_rect(view).height(), figure_rect(view).width())


def test_cancelling_a_clip_leaves_the_old_file_and_no_temporary_file(qtbot, window, tmp_path, monkeypatch):
    win = window()
    win.exports.start_recording(ClipSettings(target="view", suffix=".gif", fps=10))
    win.exports.capture()
    win.exports.stop_recording(tmp_path / "first.gif")
    qtbot.waitUntil(lambda: win.exports.worker is None, timeout=30000)
    gate, started = threading.Event(), threading.Event()

    def slow_copy(source, destination, chunk=1 << 22):
        destination.write_bytes(source.read_bytes()[:100])
        started.set()
        yield clips.Progress("copying", 100, 200)
        gate.wait(30)  # the test has asked to cancel by now
        yield clips.Progress("copying", 200, 200)

    monkeypatch.setattr(clips, "_copy_steps", slow_copy)
    target = tmp_path / "clip.gif"
    target.write_bytes(b"the old clip")
    win.exports.write_recording(target)
    qtbot.waitUntil(started.is_set, timeout=30000)  # half written: cancel now
    win.exports.cancel_writing()
    gate.set()
    qtbot.waitUntil(lambda: win.exports.worker is None, timeout=30000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif", "first.gif"]
    assert target.read_bytes() == b"the old clip"
    assert "cancelled" in win.statusBar().currentMessage() and "recording is kept" in win.statusBar().currentMessage()


def test_a_figure_leaves_out_the_controls(qtbot, window, tmp_path):
    win = window()
    key(qtbot, win, "F3")
    view = win.tabs.currentWidget()
    marked = controls(view)
    assert view.bar in marked and view.layer_box in marked and view.filter_box in marked
    rect = figure_rect(view)
    for control in marked:  # not one pixel of a combo box, spin box or the playback bar
        box = QtCore.QRect(control.mapTo(view, QtCore.QPoint(0, 0)), control.size())
        assert not box.intersects(rect), control
    path = win.exports.save_frame("figure", 2, tmp_path / "figure.png")
    image = QtGui.QImage(str(path))
    assert (image.width(), image.height()) == (2 * rect.width(), 2 * rect.height())
    rows = view.bar.height() + view.layer_box.height()  # the playback bar and the row of boxes
    assert image.height() <= 2 * (view.height() - rows)
    assert all(control.isVisible() for control in marked)


def test_a_whole_view_as_svg_has_every_panel(qtbot, window, tmp_path):
    win = window()
    key(qtbot, win, "F3")
    qtbot.waitUntil(lambda: win.conv_view.output_title.isVisible())  # the view arranges itself after F3
    path = win.exports.save_frame_svg("view", tmp_path / "view.svg")
    root = ElementTree.parse(path).getroot()
    tags = [element.tag.rsplit("}", 1)[-1] for element in root.iter()]
    texts = " ".join(element.text or "" for element in root.iter() if element.tag.endswith("text"))
    # the input, the output and the dot product's grids are images; titles and numbers are text
    assert tags.count("image") >= 4 and "Input" in texts and "Output" in texts and "step" in texts
    figure = win.exports.save_frame_svg("figure", tmp_path / "figure.svg")
    figure_texts = " ".join(e.text or "" for e in ElementTree.parse(figure).getroot().iter() if e.tag.endswith("text"))
    assert "Input" in figure_texts and "steps/s" not in figure_texts and "steps/s" in texts


def test_the_dialogs_offer_figures_and_svg(qtbot, window):
    win = window()
    frame_dialog = SaveFrameDialog(win, 2)
    assert [frame_dialog.target.itemData(i) for i in range(frame_dialog.target.count())] == ["window", "view", "figure"]
    assert "svg" in [frame_dialog.kind.itemData(i) for i in range(frame_dialog.kind.count())]
    record_dialog = RecordDialog(win, ClipSettings())
    assert record_dialog.settings().target == "figure"


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


def test_render_leaves_out_the_controls_unless_asked(qtbot, tmp_path):
    from convviz.ui.render import render_main

    base = ["--net", "toy_7x7_stride2", "--layer", "1", "--view", "conv", "--size", "900x600", "--steps", "2"]
    sizes = {}
    for capture in ("figure", "view", "window"):
        extra = [] if capture == "figure" else ["--capture", capture]  # figure is the default
        assert render_main([*base, "--out", str(tmp_path / capture), *extra]) == 0
        image = QtGui.QImage(str(tmp_path / capture / "frame_0001.png"))
        sizes[capture] = (image.width(), image.height())
    assert sizes["window"][1] == 600  # (at least as wide as the window's minimum width)
    assert sizes["view"][0] < sizes["window"][0] and sizes["view"][1] < 600
    # the playback bar and the row of layer / filter boxes are gone: at least 60 pixels less high
    assert sizes["figure"][1] <= sizes["view"][1] - 60 and sizes["figure"][0] <= sizes["view"][0]


def test_qt_sanity(qtbot):
    assert QtCore.QCoreApplication.instance() is not None and QtWidgets.QApplication.clipboard() is not None
