"""Webcams: missing, busy, unplugged mid-stream, hung; and the real OpenCV capture path with a video
standing in for the camera."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from convviz.core.errors import SourceError
from convviz.sources.camera import CameraSource, probe_cameras


class FakeCapture:
    """cv2.VideoCapture's surface with faults: not opened, no picture, dying after N frames, hanging."""

    def __init__(self, opened=True, frames=None, hang_after=None):
        self.opened = opened
        self.frames = frames  # None: endless; an int: read() fails after that many
        self.hang_after = hang_after
        self.count = 0
        self.released = threading.Event()
        self.props = {}

    def isOpened(self):  # noqa: N802
        return self.opened

    def read(self):
        if self.hang_after is not None and self.count >= self.hang_after:
            self.released.wait()  # a driver that never returns until the device is closed
            return False, None
        if self.frames is not None and self.count >= self.frames:
            return False, None
        self.count += 1
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[..., 2] = 255  # BGR red
        frame[0, 0, 0] = self.count % 256
        return True, frame

    def set(self, prop, value):
        self.props[prop] = value
        return True

    def get(self, prop):
        return self.props.get(prop, 0.0)

    def release(self):
        self.released.set()


def test_no_camera_at_that_index():
    with pytest.raises(SourceError, match="no camera at index 3"):
        CameraSource(3, opener=lambda i: FakeCapture(opened=False)).open()


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


def test_a_hung_driver_times_out():
    fake = FakeCapture(hang_after=2)
    camera = CameraSource(0, opener=lambda i: fake, timeout=0.3)
    camera.open()
    try:
        with pytest.raises(SourceError, match="sent no picture"):
            for _ in range(5):
                camera.read()
    finally:
        camera.close()
    assert fake.released.is_set()


def test_the_real_opencv_capture_path_with_a_video_standing_in(video_file):
    camera = CameraSource(0, resolution=None, opener=lambda i: cv2.VideoCapture(str(video_file)))
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
