"""Videos that crashed or hung the app: a 4 MB MJPEG declaring 16000x16000 frames (SIGSEGV after
4.6 GB), a still picture renamed .mp4 (--stats never ended), files of one or two frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import convviz.sources.video as video_module
from convviz.core.errors import SourceError
from convviz.sources.video import VideoSource
from tests.sources import crafted
from tests.sources.deadline import finishes


@pytest.fixture
def huge_avi(tmp_path) -> Path:
    """An MJPEG AVI declaring 16000x16000 frames, 2 KB (a decoder would allocate 768 MB a frame)."""
    path = tmp_path / "clip.avi"
    path.write_bytes(crafted.mjpeg_avi(16000, 16000, [crafted.flat_jpeg(16000, 16000)] * 3))
    return path


_REAL_CAPTURE = cv2.VideoCapture


class _NoDecoding:
    """cv2.VideoCapture that fails the test if a frame is decoded."""

    def __init__(self, *args):
        self.capture = _REAL_CAPTURE(*args)

    def __getattr__(self, name):
        return getattr(self.capture, name)

    def read(self):
        raise AssertionError("a frame was decoded")


MESSAGE = "clip.avi has 16000x16000 frames (768 MB each); convviz takes videos up to 4096x4096"


def test_a_video_declaring_16000_by_16000_frames_is_refused_from_its_header(huge_avi, monkeypatch):
    monkeypatch.setattr(video_module.cv2, "VideoCapture", _NoDecoding)
    error = finishes(VideoSource(huge_avi).open)
    assert isinstance(error, SourceError) and str(error) == MESSAGE


def test_opencvs_declared_size_is_checked_before_a_frame_is_decoded(huge_avi, monkeypatch):
    monkeypatch.setattr(video_module, "declared_frame_size", lambda path: None)  # a container we cannot read
    monkeypatch.setattr(video_module.cv2, "VideoCapture", _NoDecoding)
    error = finishes(VideoSource(huge_avi).open)
    assert isinstance(error, SourceError) and str(error) == MESSAGE


def test_a_still_picture_renamed_mp4_plays_as_a_still(tmp_path):
    path = tmp_path / "still.mp4"
    cv2.imwrite(str(path.with_suffix(".png")), np.full((48, 64, 3), 90, np.uint8))
    path.with_suffix(".png").rename(path)
    source = VideoSource(path, paced=False)
    assert finishes(source.open) is None
    try:
        frames = [source.read() for _ in range(5)]
    finally:
        source.close()
    assert [f.index for f in frames] == [1, 2, 3, 4, 5]
    assert all(f.image.shape == (48, 64, 3) and f.image[0, 0, 0] == 90 for f in frames)


def test_a_one_frame_video_that_does_not_loop_ends_with_a_message(tmp_path):
    path = tmp_path / "one.mp4"
    cv2.imwrite(str(path.with_suffix(".jpg")), np.full((48, 64, 3), 90, np.uint8))
    path.with_suffix(".jpg").rename(path)
    source = VideoSource(path, paced=False, loop=False)
    source.open()
    try:
        assert source.read().index == 1
        error = finishes(source.read)
        assert isinstance(error, SourceError) and "one.mp4 has ended" in str(error)
    finally:
        source.close()


def test_a_two_frame_video_loops(tmp_path):
    path = tmp_path / "two.avi"
    path.write_bytes(crafted.mjpeg_avi(64, 48, [crafted.flat_jpeg(64, 48, complete=True)] * 2))
    source = VideoSource(path, paced=False)
    source.open()
    try:
        assert [source.read().index for _ in range(7)] == list(range(1, 8))
    finally:
        source.close()
