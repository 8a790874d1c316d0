"""Clips: the streaming GIF and MP4 encoders, read back with imageio, Pillow and OpenCV (not with the
encoders' own counts), and saving a finished clip at its target (copied or converted, checked)."""

from __future__ import annotations

import cv2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from convviz.core.atomic import WriteError
from convviz.export.clips import ClipInfo, ExportError, GifStream, Mp4Stream, changed_box, save_clip_steps


def bar_frames(count: int = 6, size=(48, 64)) -> list[np.ndarray]:
    """Frame i: a red bar (i + 1)/count of the width, on black (two colours: a GIF keeps them exactly)."""
    frames = []
    for i in range(count):
        frame = np.zeros((*size, 3), np.uint8)
        frame[:, : (i + 1) * size[1] // count] = (200, 40, 40)
        frames.append(frame)
    return frames


def video_frames(path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def gif_durations(path) -> list[int]:
    with Image.open(path) as image:
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            durations.append(image.info["duration"])
        return durations


def write_gif(path, frames, seconds=0.125) -> ClipInfo:
    stream = GifStream(path)
    for frame in frames:
        stream.add(frame, seconds)
    stream.close()
    return ClipInfo(path, stream.frames, stream.size, stream.seconds)


def test_gif_written_frame_by_frame_decodes_to_the_same_frames(tmp_path):
    frames = bar_frames(6)
    write_gif(tmp_path / "clip.gif", frames)
    decoded = iio.imread(tmp_path / "clip.gif", index=None)
    assert decoded.shape[:3] == (6, 48, 64)
    for got, wanted in zip(decoded, frames, strict=True):
        np.testing.assert_array_equal(got[..., :3], wanted)  # only changed rectangles are stored


def test_gif_loops_and_keeps_each_frames_duration(tmp_path):
    stream = GifStream(tmp_path / "clip.gif")
    for frame, seconds in zip(bar_frames(4), (0.1, 0.5, 0.25, 0.004), strict=True):
        stream.add(frame, seconds)
    stream.close()
    with Image.open(tmp_path / "clip.gif") as image:
        assert image.info["loop"] == 0
    assert gif_durations(tmp_path / "clip.gif") == [100, 500, 250, 20]  # never below 20 ms (browsers)


def test_a_frame_that_changed_nothing_is_still_a_frame(tmp_path):
    frames = bar_frames(3)
    write_gif(tmp_path / "clip.gif", [frames[0], frames[0], frames[1]])
    assert iio.imread(tmp_path / "clip.gif", index=None).shape[0] == 3


def test_changed_box_is_the_rectangle_of_changed_pixels():
    before = np.zeros((10, 20, 3), np.uint8)
    after = before.copy()
    after[3:5, 7:12] = 1
    assert changed_box(before, after) == (7, 3, 12, 5)
    assert changed_box(before, before) is None


def test_mp4_has_even_size_and_repeats_long_frames(tmp_path):
    stream = Mp4Stream(tmp_path / "clip.mp4", fps=4)
    for frame in bar_frames(5, size=(49, 65)):
        stream.add(frame, 0.25)
    stream.add(bar_frames(1, size=(49, 65))[0], 1.0)  # shown for a second: four frames at 4 fps
    stream.close()
    decoded = video_frames(tmp_path / "clip.mp4")
    assert len(decoded) == 9 and decoded[0].shape == (48, 64, 3)


def test_frames_of_another_size_are_fitted_to_the_first(tmp_path):
    stream = GifStream(tmp_path / "clip.gif")
    stream.add(bar_frames(1, size=(40, 60))[0], 0.1)
    stream.add(bar_frames(1, size=(80, 120))[0], 0.1)
    stream.close()
    assert iio.imread(tmp_path / "clip.gif", index=None).shape[:3] == (2, 40, 60)


# ---- a finished clip to its target --------------------------------------------------------------------
def run(steps):
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value


def test_saving_copies_the_clip_byte_for_byte(tmp_path):
    clip = write_gif(tmp_path / "spool.gif", bar_frames(5))
    (tmp_path / "out").mkdir()
    target = run(save_clip_steps(clip, tmp_path / "out" / "clip.gif"))
    assert target.read_bytes() == clip.path.read_bytes()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["clip.gif"]


def test_saving_as_the_other_format_converts_frame_by_frame(tmp_path):
    clip = write_gif(tmp_path / "spool.gif", bar_frames(5), seconds=0.1)
    target = run(save_clip_steps(clip, tmp_path / "clip.mp4"))
    decoded = video_frames(target)
    assert len(decoded) == 5 and decoded[0].shape == (48, 64, 3)


def test_closing_the_save_midway_leaves_the_target_and_no_temporary_file(tmp_path):
    clip = write_gif(tmp_path / "spool.gif", bar_frames(5), seconds=0.1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "clip.mp4").write_bytes(b"the old clip")
    steps = save_clip_steps(clip, out / "clip.mp4")
    next(steps)
    assert any(".partial" in p.name for p in out.iterdir())
    steps.close()
    assert [p.name for p in out.iterdir()] == ["clip.mp4"] and (out / "clip.mp4").read_bytes() == b"the old clip"


def test_missing_folder_and_wrong_suffix_are_explained(tmp_path):
    clip = write_gif(tmp_path / "spool.gif", bar_frames(2))
    with pytest.raises(WriteError, match="does not exist"):
        run(save_clip_steps(clip, tmp_path / "nope" / "clip.gif"))
    with pytest.raises(ExportError, match=".gif or .mp4"):
        run(save_clip_steps(clip, tmp_path / "clip.avi"))
