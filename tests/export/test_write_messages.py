"""What a failed write says: "the disk is full" only when it is (with what is free), the real reason when it is
not (a picture too large for its format, a format Qt cannot write), never a raw "[Errno 30]"; and a real full
disk (a 160 KiB tmpfs, mounted in a user namespace) leaves the old clip and says so."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtCore, QtGui

from convviz.core import atomic
from convviz.core.atomic import WriteError, reason, replace_with
from convviz.export import checks
from convviz.export.checks import check_image
from convviz.export.frames import save_image

OLD = b"\x89PNG the lecturer's good old file, which must survive"
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("code", "words"), [
    (errno.EEXIST, "a file of that name is in the way"), (errno.EROFS, "the disk is read-only"),
    (errno.ENOSPC, "the disk is full"), (errno.ENOTDIR, "a part of the path is a file, not a folder"),
    (errno.EIO, "the disk reported an error"), (errno.EFBIG, "larger than this disk allows"),
    (errno.ECONNRESET, "connection reset by peer"),  # one without words of ours: the system's, lower case
])
def test_os_errors_are_said_in_words_never_errno(code, words):
    import os

    said = reason(OSError(code, os.strerror(code), "/media/stick/clip.gif"))
    assert words in said and "Errno" not in said and "/media" not in said


def test_a_real_file_in_the_way_of_a_folder_is_said_in_words(tmp_path):
    """The report's raw "[Errno 17]": a file where the frames' folder should be."""
    (tmp_path / "frames").write_bytes(b"a file, not a folder")
    with pytest.raises(WriteError) as caught:
        replace_with(tmp_path / "frames" / "frame_0001.png", lambda path: path.write_bytes(b"x"))
    assert "Errno" not in str(caught.value) and "frames" in str(caught.value)


def _picture(width: int, height: int) -> QtGui.QImage:
    image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor("orange"))
    return image


def test_a_picture_too_large_for_its_format_is_not_blamed_on_the_disk(qtbot, tmp_path):
    """JPEG stores sizes in 16 bits: Qt's writer returns False, and the old message asked about the disk."""
    (tmp_path / "wide.jpg").write_bytes(OLD)
    with pytest.raises(WriteError) as caught:
        save_image(_picture(70_000, 2), tmp_path / "wide.jpg")
    assert "a JPG picture can be at most 65,535 pixels a side, and this one is 70000x2" in str(caught.value)
    assert "disk" not in str(caught.value)
    assert (tmp_path / "wide.jpg").read_bytes() == OLD


def test_a_format_qt_cannot_write_is_named(qtbot, tmp_path):
    with pytest.raises(WriteError, match="convviz cannot write XYZ pictures"):
        save_image(_picture(8, 8), tmp_path / "frame.xyz")


def test_a_writer_that_fails_on_a_full_disk_says_the_disk_is_full_with_what_is_free(qtbot, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setattr(atomic, "free_bytes", lambda path: 12 * 1024)
    monkeypatch.setattr(QtGui.QImage, "save", lambda self, path, *args: False)
    with pytest.raises(WriteError, match=r"cannot save frame.png: the disk is full \(12 KiB free\); nothing was "
                                         "changed"):
        save_image(_picture(8, 8), tmp_path / "frame.png")


def test_a_picture_that_reads_back_broken_says_so_and_the_disk_only_when_full(tmp_path, monkeypatch):
    broken = tmp_path / "broken.png"
    Image.new("RGB", (64, 64), "red").save(broken)
    broken.write_bytes(broken.read_bytes()[:60])
    with pytest.raises(WriteError) as roomy:
        check_image(broken, (64, 64))
    assert "could not be read back" in str(roomy.value) and "disk" not in str(roomy.value)
    monkeypatch.setattr(atomic, "free_bytes", lambda path: 0)
    with pytest.raises(WriteError, match=r"could not be read back \(.*\): the disk is full \(0 bytes free\)"):
        check_image(broken, (64, 64))


def test_a_written_picture_beyond_pillows_bomb_limit_is_still_checked(tmp_path, monkeypatch):
    """A 16384x16384 snapshot is 268 million pixels: Pillow refuses to open it ("decompression bomb"), which
    came out as a traceback and "no frame was drawn in time" 120 s later. Our own file: OpenCV decodes it."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # the same, at a size a test can afford
    good = tmp_path / "big.png"
    Image.new("RGB", (40, 30), "red").save(good)
    check_image(good, (40, 30))
    with pytest.raises(WriteError, match="is 40x30 pixels, not 41x30"):
        check_image(good, (41, 30))
    good.write_bytes(good.read_bytes()[:50])
    with pytest.raises(WriteError, match="could not be read back"):
        check_image(good, (40, 30))


def test_a_snapshot_that_fails_unexpectedly_ends_at_once_with_a_message(qtbot, tmp_path, monkeypatch, capsys):
    from convviz.core.presets import load_preset
    from convviz.ui import app

    def out_of_memory(window, path):
        raise MemoryError

    monkeypatch.setattr(app, "save_window_grab", out_of_memory)
    assert app.run_window(load_preset("toy_7x7_stride1"), device="cpu", size=(700, 500),
                          snapshot=tmp_path / "out.png") == 2
    QtCore.QCoreApplication.removePostedEvents(QtCore.QCoreApplication.instance(), QtCore.QEvent.Type.Quit)
    assert "cannot save out.png: not enough memory for a picture of the" in capsys.readouterr().err


def _can_mount_tmpfs() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs user namespaces to mount a small tmpfs")
def test_render_to_mp4_on_a_really_full_disk_keeps_the_old_clip(tmp_path):
    """The report's first item on a real disk: a 160 KiB tmpfs holding a 100 kB clip."""
    folder = tmp_path / "stick"
    folder.mkdir()
    old = np.random.default_rng(0).integers(0, 256, 100_000, dtype=np.uint8).tobytes()
    (tmp_path / "old.mp4").write_bytes(old)
    script = (f"mount -t tmpfs -o size=160k tmpfs {folder} && cp {tmp_path / 'old.mp4'} {folder}/clip.mp4 && "
              f"{sys.executable} -m convviz render --net toy_7x7_stride2 --scale 2 --size 700x500 "
              f"--out {folder}/clip.mp4; status=$?; cmp -s {tmp_path / 'old.mp4'} {folder}/clip.mp4 && echo INTACT; "
              f"ls -A {folder}; exit $status")
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, cwd=REPO,
                          timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2, done.stderr
    assert "cannot save clip.mp4:" in done.stderr and "the disk is full (" in done.stderr
    assert "wrote" not in done.stdout and "Traceback" not in done.stderr
    assert done.stdout.split() == ["INTACT", "clip.mp4"]  # the old clip, byte for byte, and nothing else


def test_checks_never_guess_about_the_disk():
    """No message of the write checks asks "is the disk full?" any more."""
    for module in (checks, atomic):
        assert "is the disk full?" not in Path(module.__file__).read_text()


def test_an_mp4_writer_that_cannot_open_on_a_full_disk_says_the_disk_is_full(tmp_path, monkeypatch):
    """OpenCV only returns "not opened" (no OS error): the message named the hidden temporary file
    (".clip.x1y2.partial.mp4") and never said the disk was full."""
    from convviz.export import clips

    class Refused:
        def __init__(self, *args):
            pass

        def isOpened(self):  # noqa: N802 (OpenCV's name)
            return False

    monkeypatch.setattr(clips.cv2, "VideoWriter", Refused)
    monkeypatch.setattr(atomic, "free_bytes", lambda path: 0)
    stream = clips.Mp4Stream(tmp_path / ".clip.x1y2.partial.mp4", fps=4)
    with pytest.raises(clips.ExportError) as caught:
        stream.add(np.zeros((32, 32, 3), np.uint8), 0.25)
    assert "the disk is full" in str(caught.value) and ".partial" not in str(caught.value), str(caught.value)
