"""Webcams: missing, busy, unplugged mid-stream, hung; and the real OpenCV capture path with a video
standing in for the camera."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from convviz.core.errors import SourceError
from convviz.sources.camera import (
    CameraSource,
    check_camera_size,
    parse_camera_index,
    parse_camera_size,
    probe_cameras,
)


class FakeCapture:
    """cv2.VideoCapture's surface with faults: not opened, no picture, dying after N frames, hanging.

    ``hang_after``: read() blocks on ``unblock`` after that many frames (a driver that does not
    return). ``violations`` records every release() that came while a read() was executing, and every
    read() after release (OpenCV captures are not thread-safe: either one crashed the app).
    """

    def __init__(self, opened=True, frames=None, hang_after=None):
        self.opened = opened
        self.frames = frames  # None: endless; an int: read() fails after that many
        self.hang_after = hang_after
        self.count = 0
        self.released = threading.Event()
        self.hanging = threading.Event()  # set while a read() is blocked
        self.unblock = threading.Event()
        self.reading = 0
        self.violations = []
        self.props = {}

    def isOpened(self):  # noqa: N802
        return self.opened

    def read(self):
        if self.released.is_set():
            self.violations.append("read after release")
        self.reading += 1
        try:
            if self.hang_after is not None and self.count >= self.hang_after:
                self.hanging.set()
                self.unblock.wait()  # a driver that never returns on its own
                return False, None
            if self.frames is not None and self.count >= self.frames:
                return False, None
            self.count += 1
            frame = np.zeros((48, 64, 3), np.uint8)
            frame[..., 2] = 255  # BGR red
            frame[0, 0, 0] = self.count % 256
            return True, frame
        finally:
            self.reading -= 1

    def set(self, prop, value):
        self.props[prop] = value
        return True

    def get(self, prop):
        return self.props.get(prop, 0.0)

    def release(self):
        if self.reading:
            self.violations.append("release during read")
        self.released.set()


def test_a_camera_that_is_not_connected_is_named_with_the_ones_there_are():
    closed = lambda i: FakeCapture(opened=False)  # noqa: E731
    with pytest.raises(SourceError, match=r"camera 7 is not connected \(found: 0, 2\)"):
        CameraSource(7, opener=closed, devices=lambda: [0, 2]).open()
    with pytest.raises(SourceError, match=r"camera 3 is not connected \(no camera found\)"):
        CameraSource(3, opener=closed, devices=lambda: []).open()
    with pytest.raises(SourceError, match="camera 2 cannot be opened"):
        CameraSource(2, opener=closed, devices=lambda: [0, 2]).open()


def test_a_missing_camera_through_opencv_fails_at_once_and_names_itself():
    camera = CameraSource(63, devices=lambda: [0])  # the real OpenCV capture; there is no camera 63
    with pytest.raises(SourceError, match=r"camera 63 is not connected \(found: 0\)"):
        camera.open()
    camera.close()


def test_a_busy_camera_that_gives_no_picture():
    with pytest.raises(SourceError, match="busy"):
        CameraSource(0, opener=lambda i: FakeCapture(frames=0)).open()


def test_frames_are_rgb_and_the_newest_wins():
    camera = CameraSource(0, opener=lambda i: FakeCapture())
    camera.open()
    try:
        first = camera.read()
        second = camera.read()
        assert first.image[0, 1, 0] == 255 and first.image[0, 1, 2] == 0  # red, in RGB order
        assert second.index > first.index
        assert camera.resolution == (64, 48)
    finally:
        camera.close()


def test_a_camera_unplugged_mid_stream_is_a_message_not_a_hang():
    camera = CameraSource(0, opener=lambda i: FakeCapture(frames=20))
    camera.open()
    try:
        with pytest.raises(SourceError, match="stopped sending pictures"):
            for _ in range(1000):
                camera.read()
    finally:
        camera.close()


def test_a_hung_driver_times_out_and_its_capture_is_released_only_when_the_read_returns():
    fake = FakeCapture(hang_after=2)
    camera = CameraSource(0, opener=lambda i: fake, timeout=0.3)
    camera.open()
    try:
        with pytest.raises(SourceError, match="camera 0 sent no picture"):
            for _ in range(5):
                camera.read()
    finally:
        camera.close()
    assert fake.hanging.is_set() and not fake.released.is_set()  # never released under the read
    fake.unblock.set()  # the driver returns at last: the camera's own thread lets go
    assert fake.released.wait(5)
    assert fake.violations == []


class LoopingVideo:
    """A real cv2.VideoCapture on a video that starts over at its end, endless like a camera (a
    12-frame file could run out before a slow test read three frames)."""

    def __init__(self, path):
        self.capture = cv2.VideoCapture(str(path))

    def __getattr__(self, name):
        return getattr(self.capture, name)

    def read(self):
        ok, frame = self.capture.read()
        if not ok:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.capture.read()
        return ok, frame


def test_the_real_opencv_capture_path_with_a_video_standing_in(video_file):
    camera = CameraSource(0, resolution=None, opener=lambda i: LoopingVideo(video_file))
    camera.open()
    try:
        frames = [camera.read() for _ in range(3)]
    finally:
        camera.close()
    assert all(f.image.shape == (48, 64, 3) for f in frames)
    assert frames[0].index < frames[1].index < frames[2].index


def test_probe_lists_only_cameras_that_deliver(monkeypatch):
    import convviz.sources.camera as camera_module

    monkeypatch.setattr(camera_module, "camera_indices", lambda limit=8: [0, 1, 2])
    fakes = {0: FakeCapture(), 1: FakeCapture(opened=False), 2: FakeCapture(frames=0)}
    assert probe_cameras(opener=lambda i: fakes[i]) == [0]


# ---- camera numbers and sizes as the command line, the settings file and the Input menu give them ----
@pytest.mark.parametrize("text", ["0", "7", " 2 ", "63"])
def test_camera_numbers_are_read(text):
    assert parse_camera_index(text) == int(text)


@pytest.mark.parametrize(("text", "says"), [
    ("-1", "by its number, 0 to 63, not '-1'"),
    ("1e20", "by its number, 0 to 63, not '1e20'"),
    ("abc", "by its number"),
    ("", "by its number"),
    ("2.0", "by its number"),
    ("64", "there is no camera 64: cameras are numbered 0 to 63"),
    ("1" * 5000, "there is no camera 11111111111111111111...: cameras"),
])
def test_camera_numbers_that_cannot_be_are_explained(text, says):
    with pytest.raises(SourceError, match="camera") as raised:
        parse_camera_index(text)
    assert says in str(raised.value)
    assert len(str(raised.value)) < 100


@pytest.mark.parametrize("index", [10**30, -1, 64, True, "0", 1.0, None])
def test_a_remembered_camera_number_that_cannot_be_is_a_message_not_opencv_text(index):
    with pytest.raises(SourceError, match="camera") as raised:
        CameraSource(index)
    assert "Overload" not in str(raised.value) and len(str(raised.value)) < 100


@pytest.mark.parametrize(("text", "size"), [("1280x720", (1280, 720)), ("16X16", (16, 16)),
                                            (" 7680x4320 ", (7680, 4320))])
def test_camera_sizes_are_read(text, size):
    assert parse_camera_size(text) == size
    assert check_camera_size(size) == size


@pytest.mark.parametrize(("text", "says"), [
    ("100000x100000", "between 16x16 and 7680x4320, not 100000x100000"),
    ("15x16", "between 16x16 and 7680x4320, not 15x16"),
    ("8000x4000", "not 8000x4000"),
    ("640", "looks like 1280x720, not 640"),
    ("640x480x3", "looks like 1280x720"),
    ("1e3x500", "looks like 1280x720"),
    ("-640x480", "looks like 1280x720"),
    ("9" * 400 + "x480", "not '9999999999"),
])
def test_camera_sizes_that_cannot_be_are_explained(text, says):
    with pytest.raises(SourceError) as raised:
        parse_camera_size(text)
    assert says in str(raised.value)
    assert len(str(raised.value)) < 120
    with pytest.raises(SourceError):
        CameraSource(0, (100000, 100000))
