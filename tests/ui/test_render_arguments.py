"""``convviz render`` refuses what cannot make a clip before it opens a window: a frame rate of 0, -4 or
NaN, no steps, a scale and size whose frames would not fit in memory (with the figure), a name that is
not a folder or a clip. Exit status 2 and one line that says which argument and why; no traceback."""

from __future__ import annotations

import numpy as np
import pytest

from convviz.core.budget import BASE_BYTES
from convviz.export.clips import ExportError, GifStream, Mp4Stream, check_clip_size
from convviz.ui import render
from convviz.ui.render import render_main

GIB = 2**30


@pytest.fixture
def no_window(monkeypatch):
    """Every case here is refused up front: opening the window would be the bug."""
    def opened(*args, **kwargs):
        raise AssertionError("the window was opened")

    monkeypatch.setattr(render, "_render", opened)


@pytest.fixture
def machine(monkeypatch):
    """A 24 GB machine with 22 GB free, whatever runs the tests."""
    monkeypatch.setattr(render, "total_memory", lambda: 24 * GIB)
    monkeypatch.setattr(render, "available_memory", lambda: 22 * GIB)


def refused(argv: list[str], capsys) -> str:
    assert render_main(["--net", "toy_7x7_stride2", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    return err


@pytest.mark.parametrize("fps", ["0", "-4", "nan", "inf", "1e300"])
def test_render_refuses_a_frame_rate_that_makes_no_clip(fps, tmp_path, capsys, no_window):
    err = refused(["--out", str(tmp_path / "clip.gif"), "--fps", fps], capsys)
    assert "--fps must be a number of steps per second from 0.1 to 60" in err


@pytest.mark.parametrize("steps", ["0", "-3"])
def test_render_refuses_no_steps(steps, tmp_path, capsys, no_window):
    assert f"--steps must be at least 1, not {steps}" in refused(["--out", str(tmp_path / "c.gif"), "--steps", steps],
                                                                 capsys)


@pytest.mark.parametrize("scale", ["0", "nan", "inf", "9"])
def test_render_refuses_a_scale_outside_its_range(scale, tmp_path, capsys, no_window):
    assert "--scale must be a number from 0.25 to 8" in refused(["--out", str(tmp_path), "--scale", scale], capsys)


def test_render_at_scale_8_of_a_4000x3000_window_is_refused_with_the_memory_it_needs(tmp_path, capsys, no_window,
                                                                                     machine):
    """32000x24000 frames: 768 million pixels, ~35 GiB for a clip, on a 24 GB machine."""
    err = refused(["--out", str(tmp_path / "clip.gif"), "--scale", "8", "--size", "4000x3000"], capsys)
    assert "makes frames of 32000x24000 pixels (768 million)" in err
    need = (BASE_BYTES + 32000 * 24000 * render.BYTES_PER_PIXEL["clip"]) / GIB  # the window's base and the frames
    assert f"needs {need:.1f} GiB" in err and need > 30 and "this machine has 24 GiB (22 GiB free)" in err


def test_png_frames_of_32000_pixels_are_refused_even_when_memory_would_do(tmp_path, capsys, no_window, machine):
    err = refused(["--out", str(tmp_path / "frames"), "--scale", "8", "--size", "4000x3000"], capsys)
    need = (BASE_BYTES + 32000 * 24000 * render.BYTES_PER_PIXEL["frames"]) / GIB
    assert f"need {need:.2f} GiB" in err and "at most 16,384 pixels a side" in err
    assert not (tmp_path / "frames").exists()


def test_a_clip_that_fits_in_memory_is_not_refused(tmp_path, no_window, machine):
    with pytest.raises(AssertionError, match="the window was opened"):
        render_main(["--net", "toy_7x7_stride2", "--out", str(tmp_path / "clip.gif"), "--scale", "4"])


@pytest.mark.parametrize(("out", "says"), [
    ("", "--out needs a folder for PNG frames or a .gif / .mp4 file name"),
    ("   ", "--out needs a folder"),
    ("frame.png", "--out frame.png: render writes a folder of PNG frames"),
    ("clip.avi", "not a .avi file"),
])
def test_render_refuses_an_output_that_is_neither_folder_nor_clip(out, says, tmp_path, capsys, no_window,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)  # an empty --out once meant "the current folder"
    assert says in refused(["--out", out], capsys)
    assert list(tmp_path.iterdir()) == []


def test_render_refuses_a_network_too_big_for_the_machine(tmp_path, capsys, no_window, monkeypatch):
    monkeypatch.setattr("convviz.core.budget.available_memory", lambda: 100 * 2**20)
    assert "needs" in refused(["--out", str(tmp_path / "clip.gif")], capsys)


def test_an_mp4_wider_than_mpeg4_allows_is_refused_in_words(tmp_path):
    """OpenCV's writer only says 'could not open' (FFmpeg: 'dimensions too large for MPEG-4')."""
    with pytest.raises(ExportError, match="8200x2 pixels, but an MP4 can be at most 8,190 pixels a side"):
        Mp4Stream(tmp_path / "wide.mp4", 4).add(np.zeros((2, 8200, 3), np.uint8), 0.25)
    check_clip_size(tmp_path / "wide.mp4", (8190, 100))  # the largest that works
    check_clip_size(tmp_path / "wide.gif", (8200, 100))
    gif = GifStream(tmp_path / "wide.gif")
    with pytest.raises(ExportError, match="a GIF can be at most 65,535"):
        gif.add(np.zeros((1, 65_536, 3), np.uint8), 0.25)
    gif.close()
