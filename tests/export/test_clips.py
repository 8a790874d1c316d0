"""Clips: GIF and MP4 open again with the right number of frames; cancel and errors leave no file."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import cv2
import imageio.v3 as iio
import numpy as np
import pytest

from convviz.export.clips import Cancelled, ExportError, Recording, write_clip


def recording(frames: int = 6, size=(48, 64)) -> Recording:
    rec = Recording(fps=8)
    for i in range(frames):
        frame = np.zeros((*size, 3), np.uint8)
        frame[:, : (i + 1) * size[1] // frames] = (200, 40, 40)
        rec.add(frame)
    return rec


def test_gif_has_the_requested_number_of_frames(tmp_path):
    path = write_clip(recording(6), tmp_path / "clip.gif")
    frames = iio.imread(path, index=None)
    assert frames.shape[0] == 6 and frames.shape[1:3] == (48, 64)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif"]


def test_mp4_opens_in_opencv_with_the_requested_number_of_frames(tmp_path):
    path = write_clip(recording(9, size=(49, 65)), tmp_path / "clip.mp4")
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    assert count == 9


def test_progress_is_reported_per_frame(tmp_path):
    seen = []
    write_clip(recording(5), tmp_path / "clip.mp4", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 5) for i in range(1, 6)]


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_cancel_leaves_no_file(tmp_path, suffix):
    cancel = threading.Event()

    def progress(done, total):
        if done == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        write_clip(recording(6), tmp_path / f"clip{suffix}", progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder this user cannot create files in (root ignores permissions: use sysfs then)."""
    if os.geteuid() == 0:
        yield Path("/sys")
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_unwritable_folder_gives_a_message_and_keeps_the_recording(unwritable_folder, suffix):
    rec = recording(3)
    before = set(unwritable_folder.iterdir())
    with pytest.raises(ExportError, match="recording is kept"):
        write_clip(rec, unwritable_folder / f"convviz-clip{suffix}")
    assert set(unwritable_folder.iterdir()) == before and len(rec) == 3


def test_full_disk_gives_a_message_and_no_partial_file(tmp_path, monkeypatch):
    import convviz.export.clips as clips

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(clips.os, "replace", full)
    rec = recording(3)
    with pytest.raises(ExportError, match="disk is full"):
        write_clip(rec, tmp_path / "clip.mp4")
    assert list(tmp_path.iterdir()) == [] and len(rec) == 3


def test_missing_folder_and_wrong_suffix_are_explained(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_clip(recording(2), tmp_path / "nope" / "clip.gif")
    with pytest.raises(ExportError, match=".gif or .mp4"):
        write_clip(recording(2), tmp_path / "clip.avi")


def test_recording_keeps_frames_exactly():
    rec = Recording()
    frame = np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)
    rec.add(frame)
    np.testing.assert_array_equal(rec.frame(0), frame)


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_closing_the_writer_midway_removes_the_partial_file(tmp_path, suffix):
    """What a superqt worker's quit() does to the generator."""
    from convviz.export.clips import clip_steps

    steps = clip_steps(recording(6), tmp_path / f"clip{suffix}")
    assert next(steps) == (1, 6)
    assert any(p.name.startswith(".clip.partial") for p in tmp_path.iterdir())
    steps.close()
    assert list(tmp_path.iterdir()) == []
