"""The live window offscreen: video through the real OpenCV path, freeze, lost sources, drops, paste,
device choice; and the --stats benchmark mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.errors import SourceError
from convviz.core.presets import load_preset
from convviz.sources.base import Frame, FrameSource
from convviz.sources.video import VideoSource


class DyingSource(FrameSource):
    """A live source that fails after ``frames`` frames (a camera unplugged mid-stream)."""

    live = True
    name = "dying camera"

    def __init__(self, frames: int):
        self.frames = frames
        self.count = 0

    def read(self) -> Frame:
        if self.count >= self.frames:
            raise SourceError("camera 0 stopped sending pictures (unplugged?)")
        self.count += 1
        return Frame(np.full((32, 32, 3), 20 * self.count, np.uint8), self.count)


@pytest.fixture
def window(make_window):
    return make_window


def test_a_video_runs_through_every_panel_from_the_same_frame(qtbot, window, video_file):
    win = window("webcam_edges", VideoSource(video_file, paced=False))
    qtbot.waitUntil(lambda: win.result is not None and win.result.frame.index >= 5, timeout=30000)
    result = win.result
    assert all(panel.shown_sequence == result.sequence for panel in win.layer_panels)
    assert win.input_panel.image is result.prepared.tensor
    qtbot.waitUntil(lambda: "fps" in win.fps_label.text(), timeout=30000)
    assert "CPU" in win.device_label.text()


def test_freeze_holds_the_frame_while_the_source_runs_on(qtbot, window, video_file):
    win = window("slide51_ten_5x5", VideoSource(video_file, paced=False))
    qtbot.waitUntil(lambda: win.result is not None and win.result.frame.index >= 2, timeout=30000)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_F)
    qtbot.waitUntil(lambda: win.document.frozen and win.live.frozen_label.isVisibleTo(win), timeout=5000)
    # a change while frozen recomputes the held frame, not a new one
    held = win.bridge.pipeline.last_frame.index
    win.load_preset("one_by_one")
    qtbot.waitUntil(lambda: win.result.spec.name == load_preset("one_by_one").name, timeout=30000)
    assert win.result.frame.index == held
    qtbot.keyClick(win, QtCore.Qt.Key.Key_F)
    qtbot.waitUntil(lambda: win.result.frame.index > held, timeout=30000)
    assert not win.live.frozen_label.isVisibleTo(win)


def test_a_source_lost_mid_stream_keeps_the_picture_and_offers_retry(qtbot, window):
    win = window("slide51_ten_5x5", DyingSource(3))
    qtbot.waitUntil(lambda: win.live.retry_button.isVisibleTo(win), timeout=30000)
    assert "unplugged" in win.statusBar().currentMessage()
    qtbot.waitUntil(lambda: win.result.frame.index == 3, timeout=30000)  # the last picture stays
    # the app keeps running: another source works
    win.live.other_button.click()
    qtbot.waitUntil(lambda: win.result.source_name == "test card", timeout=30000)
    assert not win.live.retry_button.isVisibleTo(win)


def test_retry_restarts_the_same_source(qtbot, window):
    source = DyingSource(2)
    win = window("slide51_ten_5x5", source)
    qtbot.waitUntil(lambda: win.live.retry_button.isVisibleTo(win), timeout=30000)
    source.frames = 5  # plugged back in
    win.live.retry_button.click()
    qtbot.waitUntil(lambda: win.result.frame.index >= 4, timeout=30000)


def test_a_missing_camera_is_a_message_and_the_picture_stays(qtbot, window):
    from convviz.sources.camera import CameraSource

    class Closed:
        def isOpened(self):  # noqa: N802
            return False

        def release(self):
            pass

    win = window()
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    before = win.result
    win.live.set_source(CameraSource(7, opener=lambda i: Closed()))
    qtbot.waitUntil(lambda: "camera 7 is not connected" in win.statusBar().currentMessage(), timeout=30000)
    assert win.result.frame is before.frame and win.result.source_name == "test card"


def test_an_undecodable_video_and_a_dropped_folder_leave_the_picture(qtbot, window, tmp_path):
    win = window()
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    before = win.result
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really")
    assert win.live.open_path(broken)  # accepted as a video; the pipeline finds out it cannot decode it
    qtbot.waitUntil(lambda: "broken.mp4 is not a video" in win.statusBar().currentMessage(), timeout=30000)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(tmp_path))])
    assert not win.live.drop(mime)
    assert "is a folder" in win.statusBar().currentMessage()
    assert win.result.frame is before.frame and win.result.source_name == "test card"


def test_dropping_an_image_file_makes_it_the_input(qtbot, window, tmp_path):
    path = tmp_path / "dropped.png"
    cv2.imwrite(str(path), np.full((10, 10, 3), 255, np.uint8))
    win = window()
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    assert win.live.drop(mime)
    qtbot.waitUntil(lambda: win.result.source_name == "dropped.png", timeout=30000)
    assert win.result.prepared.tensor.min() == pytest.approx(1.0)


def test_paste_an_image_from_the_clipboard(qtbot, window):
    win = window()
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    image = QtGui.QImage(16, 16, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor(0, 0, 255))
    QtWidgets.QApplication.clipboard().setImage(image)
    assert win.live.paste()
    qtbot.waitUntil(lambda: win.result.source_name == "pasted image", timeout=30000)
    tensor = win.result.prepared.tensor
    assert tensor[2].mean() == pytest.approx(1.0) and tensor[0].max() == 0.0


def test_choosing_cuda_without_cuda_says_so_and_runs_on_the_cpu(qtbot, window, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    win = window()
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    win.live.set_device("cuda")
    qtbot.waitUntil(lambda: "CUDA is not available" in win.statusBar().currentMessage(), timeout=30000)
    assert win.result.device == "CPU"


def test_stats_mode_prints_one_json_line(video_file):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "convviz", "--video", str(video_file), "--net", "webcam_edges",
                           "--frames", "20", "--stats"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1
    stats = json.loads(lines[0])
    assert stats["frames"] == 20
    for key in ("seconds", "fps", "capture_ms", "forward_ms", "draw_ms", "peak_rss_mb"):
        assert stats[key] > 0, key


def test_an_undecodable_video_on_the_command_line_exits_2(tmp_path, capsys):
    from convviz.cli import main

    broken = tmp_path / "broken.avi"
    broken.write_bytes(b"not a video")
    assert main(["--video", str(broken), "--snapshot", str(tmp_path / "x.png")]) == 2
    assert "broken.avi is not a video" in capsys.readouterr().err


def test_a_network_that_cannot_be_built_leaves_the_old_one_whole(qtbot, window, tmp_path, monkeypatch):
    """File > Open of a network torch refuses: a message, the document returns to the old network,
    and every later frame is the old network's, whole (shapes match its own geometry)."""
    from convviz.core import compute

    win = window("slide51_ten_5x5")
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    original = compute.Runner.__init__

    def refuse(self, spec, *args, **kwargs):
        if spec.name == "too big for torch":
            raise RuntimeError("out of memory")
        original(self, spec, *args, **kwargs)

    monkeypatch.setattr(compute.Runner, "__init__", refuse)
    path = tmp_path / "big.json"
    spec = load_preset("typical_convnet")
    from dataclasses import replace

    replace(spec, name="too big for torch").save(path)
    assert win.open_network(path)
    qtbot.waitUntil(lambda: "out of memory" in win.statusBar().currentMessage(), timeout=30000)
    qtbot.waitUntil(lambda: win.document.network.name == load_preset("slide51_ten_5x5").name, timeout=10000)
    assert win.document.path is None
    win.live.set_source(DyingSource(100))  # new frames: every one pairs the old network with its outputs
    qtbot.waitUntil(lambda: win.result.source_name == "dying camera", timeout=30000)
    assert [o.shape for o in win.result.outputs] == [g.output_shape for g in win.result.geometry.layers]
    assert win.result.spec.name == load_preset("slide51_ten_5x5").name


def test_a_network_too_big_for_the_machine_is_refused_up_front(qtbot, window, tmp_path, monkeypatch):
    """3000 filters on a 640x480 picture: 3.44 GiB of activations per frame, five times that while live;
    on a machine with 16 GiB (8 free) it is refused before anything is allocated, with the figures."""
    from convviz.core import budget

    monkeypatch.setattr(budget, "total_memory", lambda: 16 * 2**30)
    monkeypatch.setattr(budget, "available_memory", lambda: 8 * 2**30)
    win = window("slide51_ten_5x5")
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
    path = tmp_path / "huge.json"
    path.write_text('{"input": {"channels": 3, "height": 480, "width": 640}, "layers": ['
                    '{"type": "conv2d", "out_channels": 3000, "kernel_size": 3, "padding": 1}]}')
    assert not win.open_network(path)
    message = win.statusBar().currentMessage()
    # (3000 + 3) * 480 * 640 * 4 bytes = 3.44 GiB, x 5 + 450 MiB (base) + 328 KiB (weights) = 17.6 GiB
    assert "needs 17.6 GiB" in message and "3.44 GiB of activations per frame" in message
    assert "this machine has 16 GiB (8 GiB free)" in message
    assert win.document.network.name == load_preset("slide51_ten_5x5").name


def test_the_camera_menu_lists_the_cameras_found_off_the_gui_thread(qtbot, window, monkeypatch):
    from convviz.ui import live_controls

    monkeypatch.setattr(live_controls, "probe_cameras", lambda: [0, 2])
    win = window()
    qtbot.waitUntil(lambda: win.result is not None, timeout=30000)  # the first frame's own messages first
    win.live.find_cameras()
    qtbot.waitUntil(lambda: win.live.cameras == [0, 2], timeout=10000)
    win.live._fill_camera_menu()
    texts = [action.text() for action in win.live.camera_menu.actions()]
    assert texts[:2] == ["Camera 0", "Camera 2"] and "Look again" in texts
    assert "Cameras found: 0, 2" in win.statusBar().currentMessage()
    monkeypatch.setattr(live_controls, "probe_cameras", lambda: [])
    win.live.find_cameras()
    qtbot.waitUntil(lambda: win.live.cameras == [], timeout=10000)
    win.live._fill_camera_menu()
    assert "No camera found" in [action.text() for action in win.live.camera_menu.actions()]
