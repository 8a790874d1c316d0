"""Never lose a file: an export that fails midway (a full disk, an encoder that writes a broken file
and says nothing) leaves the old file byte for byte, leaves no temporary file, and says why.

The failures are injected where they happen in real life: the picture writer, the SVG generator,
the copy of a recording, OpenCV's video writer (which on a full disk returns normally and leaves an
MP4 without its index), the GIF encoder. ``convviz render`` and ``--snapshot`` exit with status 2.
"""

from __future__ import annotations

import errno
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from convviz.core.atomic import WriteError
from convviz.core.presets import load_preset
from convviz.export import clips, frames
from convviz.export.clips import ClipInfo, GifStream, Mp4Stream, save_clip_steps, stream_size
from convviz.export.frames import render_widget, save_png, save_svg
from convviz.ui.panels.grid_view import GridView
from convviz.ui.render import render_main
from convviz.ui.theme import DARK

OLD = b"\x89PNG the lecturer's good old file, which must survive"


def only(folder: Path, *names: str) -> None:
    """``folder`` holds exactly ``names``: no temporary file stayed behind."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def grid(qtbot):
    view = GridView(DARK)
    qtbot.addWidget(view)
    view.resize(240, 240)
    rgba = np.zeros((7, 7, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[::2, ::2, 0] = 255
    view.set_cells(np.zeros((7, 7), np.float32), rgba)
    view.show()
    qtbot.waitExposed(view)
    return view


# ---- PNG and SVG ----------------------------------------------------------------------------------
def test_a_png_writer_that_stops_midway_leaves_the_old_png(grid, tmp_path, monkeypatch):
    original = frames._write_image

    def truncated(image, path, file_format, name):
        original(image, path, file_format, name)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])  # and reports success, as a lying writer would

    monkeypatch.setattr(frames, "_write_image", truncated)
    (tmp_path / "frame.png").write_bytes(OLD)
    with pytest.raises(WriteError, match="frame.png: the written picture could not be read back"):
        save_png(render_widget(grid, 2), tmp_path / "frame.png")
    assert (tmp_path / "frame.png").read_bytes() == OLD
    only(tmp_path, "frame.png")


def test_a_full_disk_while_writing_a_png_leaves_the_old_png(grid, tmp_path, monkeypatch):
    def half_then_full(image, path, file_format, name):
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
        full_disk()

    monkeypatch.setattr(frames, "_write_image", half_then_full)
    (tmp_path / "frame.png").write_bytes(OLD)
    with pytest.raises(WriteError, match="cannot save frame.png: the disk is full; nothing was changed"):
        save_png(render_widget(grid), tmp_path / "frame.png")
    assert (tmp_path / "frame.png").read_bytes() == OLD
    only(tmp_path, "frame.png")


def test_a_png_of_the_wrong_size_is_refused(grid, tmp_path, monkeypatch):
    monkeypatch.setattr(frames, "_write_image",
                        lambda image, path, file_format, name: image.scaled(10, 10).save(str(path), "PNG"))
    with pytest.raises(WriteError, match="is 10x10 pixels, not 240x240"):
        save_png(render_widget(grid), tmp_path / "frame.png")
    only(tmp_path)


def test_a_broken_svg_leaves_the_old_svg(grid, tmp_path, monkeypatch):
    original = frames._write_svg

    def truncated(widget, rect, path, figure):
        original(widget, rect, path, figure)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    monkeypatch.setattr(frames, "_write_svg", truncated)
    (tmp_path / "view.svg").write_bytes(b"<svg>old</svg>")
    with pytest.raises(WriteError, match="view.svg: the written SVG is not complete"):
        save_svg(grid, tmp_path / "view.svg")
    assert (tmp_path / "view.svg").read_bytes() == b"<svg>old</svg>"
    only(tmp_path, "view.svg")


def test_a_snapshot_on_a_full_disk_keeps_the_old_png(qtbot, tmp_path, monkeypatch):
    """The reported bug: ``--snapshot out.png`` on a full disk said "could not write" but had already
    truncated the existing PNG to 4 kB (it wrote in place)."""
    from convviz.ui.app import run_window

    def writes_4_kb_then_fails(self, path, *args):
        Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 4088)
        return False

    monkeypatch.setattr(QtGui.QImage, "save", writes_4_kb_then_fails)
    monkeypatch.setattr(QtGui.QPixmap, "save", writes_4_kb_then_fails)
    target = tmp_path / "out.png"
    target.write_bytes(OLD)
    assert run_window(load_preset("toy_7x7_stride1"), device="cpu", size=(700, 500), snapshot=target) == 2
    # run_window ends the process in real life; here the Quit its closed window posted would end the
    # next test's event loop at once
    QtCore.QCoreApplication.removePostedEvents(QtCore.QCoreApplication.instance(), QtCore.QEvent.Type.Quit)
    assert target.read_bytes() == OLD
    only(tmp_path, "out.png")


# ---- clips --------------------------------------------------------------------------------------------
def recorded(tmp_path: Path, suffix: str, count: int = 6) -> ClipInfo:
    spool = tmp_path / "spool"
    spool.mkdir()
    stream = GifStream(spool / "rec.gif") if suffix == ".gif" else Mp4Stream(spool / "rec.mp4", 10)
    for i in range(count):
        rgb = np.zeros((40, 64, 3), np.uint8)
        rgb[:, : 8 * (i + 1)] = (250, 200, 0)
        stream.add(rgb, 0.1)
    stream.close()
    return ClipInfo(stream.path, stream.frames, stream_size(stream), stream.seconds)


def run(steps):
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_copy_cut_short_leaves_the_old_clip(tmp_path, monkeypatch, suffix):
    clip = recorded(tmp_path, suffix)
    original = clips._copy_steps

    def half(source, destination, chunk=1 << 22):
        yield from original(source, destination, chunk)
        data = destination.read_bytes()
        destination.write_bytes(data[: len(data) // 2])

    monkeypatch.setattr(clips, "_copy_steps", half)
    out = tmp_path / "out"
    out.mkdir()
    (out / f"clip{suffix}").write_bytes(OLD)
    with pytest.raises(WriteError, match=f"clip{suffix}: the copy is shorter than the recording"):
        run(save_clip_steps(clip, out / f"clip{suffix}"))
    assert (out / f"clip{suffix}").read_bytes() == OLD
    only(out, f"clip{suffix}")


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_a_full_disk_while_copying_leaves_the_old_clip(tmp_path, monkeypatch, suffix):
    clip = recorded(tmp_path, suffix)

    def fills_the_disk(source, destination, chunk=1 << 22):
        destination.write_bytes(source.read_bytes()[:100])
        yield clips.Progress("copying", 100, 200)
        full_disk()

    monkeypatch.setattr(clips, "_copy_steps", fills_the_disk)
    out = tmp_path / "out"
    out.mkdir()
    (out / f"clip{suffix}").write_bytes(OLD)
    with pytest.raises(WriteError, match=f"cannot save clip{suffix}: the disk is full; nothing was changed"):
        run(save_clip_steps(clip, out / f"clip{suffix}"))
    assert (out / f"clip{suffix}").read_bytes() == OLD
    only(out, f"clip{suffix}")
    assert clip.path.exists()  # the recording itself is kept for "Save last recording as..."


class SilentlyFailingVideoWriter:
    """OpenCV's MP4 writer on a nearly full disk: opens, takes every frame, releases without an error,
    and leaves 40 kB without the index an MP4 needs (no "moov atom")."""

    def __init__(self, path, fourcc, fps, size):
        self.path = Path(path)
        self.path.write_bytes(b"\0\0\0\x20ftypisom" + b"\0" * 40_000)

    def isOpened(self):  # noqa: N802 (OpenCV's name)
        return True

    def write(self, frame):
        pass

    def release(self):
        pass


def test_converting_into_a_broken_mp4_leaves_the_old_clip(tmp_path, monkeypatch):
    clip = recorded(tmp_path, ".gif")
    monkeypatch.setattr(cv2, "VideoWriter", SilentlyFailingVideoWriter)
    (tmp_path / "clip.mp4").write_bytes(OLD)
    with pytest.raises(WriteError, match="clip.mp4: the written video cannot be opened"):
        run(save_clip_steps(clip, tmp_path / "clip.mp4"))
    assert (tmp_path / "clip.mp4").read_bytes() == OLD
    only(tmp_path, "clip.mp4", "spool")


# ---- convviz render -----------------------------------------------------------------------------------
RENDER = ["--net", "toy_7x7_stride2", "--layer", "1", "--view", "conv", "--size", "700x500"]


def test_render_to_mp4_on_a_nearly_full_disk_exits_2_and_keeps_the_old_clip(qtbot, tmp_path, monkeypatch,
                                                                             capsys):
    """The reported bug: ``convviz render ... --out clip.mp4`` on a nearly full disk exited 0, printed
    "wrote clip.mp4 (9 frames)" and replaced a good older clip with a broken 40 kB file."""
    monkeypatch.setattr(cv2, "VideoWriter", SilentlyFailingVideoWriter)
    target = tmp_path / "clip.mp4"
    target.write_bytes(OLD)
    assert render_main([*RENDER, "--out", str(target)]) == 2
    err = capsys.readouterr()
    assert "cannot save clip.mp4: the written video cannot be opened" in err.err and "wrote" not in err.out
    assert target.read_bytes() == OLD
    only(tmp_path, "clip.mp4")


def test_render_to_gif_on_a_full_disk_exits_2_and_keeps_the_old_clip(qtbot, tmp_path, monkeypatch, capsys):
    original = GifStream.add

    def add(self, rgb, seconds):
        if self.frames == 3:
            full_disk()
        original(self, rgb, seconds)

    monkeypatch.setattr(GifStream, "add", add)
    target = tmp_path / "clip.gif"
    target.write_bytes(OLD)
    assert render_main([*RENDER, "--out", str(target)]) == 2
    assert "cannot save clip.gif: the disk is full; nothing was changed" in capsys.readouterr().err
    assert target.read_bytes() == OLD
    only(tmp_path, "clip.gif")


def test_render_png_frames_on_a_full_disk_exits_2_and_keeps_the_old_frame(qtbot, tmp_path, monkeypatch, capsys):
    original = frames._write_image

    def write(image, path, file_format, name):
        if name == "frame_0003.png":
            full_disk()
        original(image, path, file_format, name)

    monkeypatch.setattr(frames, "_write_image", write)
    (tmp_path / "frame_0003.png").write_bytes(OLD)
    assert render_main([*RENDER, "--out", str(tmp_path)]) == 2
    assert "cannot save frame_0003.png: the disk is full" in capsys.readouterr().err
    assert (tmp_path / "frame_0003.png").read_bytes() == OLD
    only(tmp_path, "frame_0001.png", "frame_0002.png", "frame_0003.png")
