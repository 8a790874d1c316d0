"""The recorder: frames stream through a bounded queue to an encoder thread; a slow encoder drops
frames (counted) instead of making the producer wait; timing follows the frames' timestamps."""

from __future__ import annotations

import errno
import threading

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from convviz.core.atomic import WriteError
from convviz.export import clips
from convviz.export.recorder import QUEUE_FRAMES, ClipRecorder


def frame(i: int, size=(36, 48)) -> np.ndarray:
    rgb = np.zeros((*size, 3), np.uint8)
    rgb[:, : 1 + i % size[1]] = (30, 200, 90)
    return rgb


def decoded_count(path) -> int:
    if path.suffix == ".gif":
        return iio.imread(path, index=None).shape[0]
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    return count


@pytest.fixture
def slow_encoder(monkeypatch):
    """Both encoders wait at a gate before each frame (the test opens it): an encoder far behind."""
    gate = threading.Event()
    waiting = threading.Event()
    for stream in (clips.GifStream, clips.Mp4Stream):
        original = stream.add

        def add(self, rgb, seconds, original=original):
            waiting.set()
            assert gate.wait(30), "the test never opened the gate"
            original(self, rgb, seconds)

        monkeypatch.setattr(stream, "add", add)
    return gate, waiting


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_three_hundred_frames_through_a_bounded_queue(tmp_path, suffix):
    recorder = ClipRecorder(tmp_path / f"clip{suffix}", fps=25)
    for i in range(300):
        recorder.put(frame(i))  # waits for room, as convviz render does
    info = recorder.finish()
    assert recorder.most_queued <= QUEUE_FRAMES and recorder.dropped == 0
    assert decoded_count(tmp_path / f"clip{suffix}") == 300 == info.frames


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_slow_encoder_makes_frames_drop_never_the_producer_wait(tmp_path, slow_encoder, suffix):
    gate, waiting = slow_encoder
    recorder = ClipRecorder(tmp_path / f"clip{suffix}", fps=10)
    results = []
    for i in range(300):  # returns every time although the encoder is stuck: offer never waits
        results.append(recorder.offer(frame(i), timestamp=i / 10))
        if i == 1:
            assert waiting.wait(10)  # the encoder is stuck on frame 0 (it knows its duration from frame 1)
    assert recorder.most_queued <= QUEUE_FRAMES
    assert recorder.accepted == sum(results) and recorder.dropped == 300 - recorder.accepted > 250
    gate.set()
    info = recorder.finish()
    assert decoded_count(tmp_path / f"clip{suffix}") == recorder.accepted == info.frames


def test_durations_follow_the_timestamps(tmp_path):
    recorder = ClipRecorder(tmp_path / "clip.gif", fps=None)
    for i, stamp in enumerate((0.0, 0.1, 0.3, 0.4)):
        recorder.put(frame(i), timestamp=stamp)
    recorder.finish()
    with Image.open(tmp_path / "clip.gif") as image:
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            durations.append(image.info["duration"])
    assert durations == [100, 200, 100, 130]  # the last frame: as long as the others on average


def test_an_mp4_at_an_unknown_rate_measures_it(tmp_path):
    recorder = ClipRecorder(tmp_path / "clip.mp4", fps=None)
    for i in range(12):
        recorder.put(frame(i), timestamp=i / 8)
    recorder.finish()
    capture = cv2.VideoCapture(str(tmp_path / "clip.mp4"))
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(8, abs=0.2)
    assert decoded_count(tmp_path / "clip.mp4") == 12


def test_a_full_disk_stops_the_recording_with_a_message(tmp_path, monkeypatch):
    original = clips.GifStream.add

    def add(self, rgb, seconds):
        if self.frames == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, rgb, seconds)

    monkeypatch.setattr(clips.GifStream, "add", add)
    recorder = ClipRecorder(tmp_path / "clip.gif", fps=10)
    for i in range(4):
        recorder.put(frame(i))
    with pytest.raises(WriteError, match="the disk is full"):
        recorder.finish()
    assert recorder.offer(frame(9)) is False


def test_cancelling_the_finish_and_finishing_again(tmp_path, slow_encoder):
    gate, _ = slow_encoder
    recorder = ClipRecorder(tmp_path / "clip.gif", fps=10)
    for i in range(3):
        recorder.put(frame(i))
    steps = recorder.finish_steps()
    assert next(steps).stage == "encoding"
    steps.close()  # Cancel: the encoder goes on by itself
    gate.set()
    assert recorder.finish().frames == 3 == decoded_count(tmp_path / "clip.gif")
