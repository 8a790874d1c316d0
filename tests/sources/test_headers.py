"""Sizes read from headers, without decoding: real files written by OpenCV and Pillow, and
hand-made headers that declare enormous pictures and frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from convviz.sources.headers import memory_text, read_picture_header, read_video_frame_size
from tests.sources import crafted


@pytest.mark.parametrize(("suffix", "array", "channels", "depth"), [
    (".png", np.zeros((20, 40, 3), np.uint8), 3, 1),
    (".png", np.zeros((20, 40, 4), np.uint16), 4, 2),
    (".png", np.zeros((20, 40), np.uint8), 1, 1),
    (".jpg", np.zeros((20, 40, 3), np.uint8), 3, 1),
    (".jpg", np.zeros((20, 40), np.uint8), 1, 1),
    (".bmp", np.zeros((20, 40, 3), np.uint8), 3, 1),
    (".ppm", np.zeros((20, 40, 3), np.uint8), 3, 1),
    (".pgm", np.zeros((20, 40), np.uint16), 1, 2),
    (".tif", np.zeros((20, 40), np.uint16), 1, 2),
    (".tif", np.zeros((20, 40, 3), np.uint8), 3, 1),
    (".webp", np.zeros((20, 40, 3), np.uint8), 3, 1),
])
def test_headers_of_files_opencv_writes(tmp_path, suffix, array, channels, depth):
    path = tmp_path / f"picture{suffix}"
    assert cv2.imwrite(str(path), array)
    header = read_picture_header(path)
    assert header is not None
    assert (header.width, header.height) == (40, 20)
    assert (header.channels, header.bytes_per_sample) == (channels, depth)


@pytest.mark.parametrize(("suffix", "options"), [(".gif", {}), (".webp", {"lossless": True}), (".webp", {})])
def test_headers_of_files_pillow_writes(tmp_path, suffix, options):
    path = tmp_path / f"picture{suffix}"
    Image.fromarray(np.zeros((20, 40, 4), np.uint8)).save(path, **options)
    header = read_picture_header(path)
    assert header is not None and (header.width, header.height) == (40, 20)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_the_exif_orientation_is_read(tmp_path, suffix):
    path = tmp_path / f"portrait{suffix}"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.zeros((20, 40, 3), np.uint8)).save(path, exif=exif.tobytes())
    header = read_picture_header(path)
    assert header is not None
    if suffix == ".webp":  # WebP keeps EXIF after the image data: not read (documented)
        assert header.orientation in (1, 6)
        return
    assert header.orientation == 6
    assert header.upright == (20, 40)


@pytest.mark.parametrize("make", [crafted.png, crafted.bmp, crafted.ppm, crafted.gif, crafted.flat_jpeg])
def test_tiny_headers_declaring_60000_by_60000(tmp_path, make):
    path = tmp_path / "bomb"
    path.write_bytes(make(60000, 60000))
    assert path.stat().st_size < 300
    header = read_picture_header(path)
    assert header is not None and (header.width, header.height) == (60000, 60000)


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"BM\x00", b"GIF89a",
                                     b"P6\n12", b"P6\nabc def\n255\n", b"II*\x00\xff\xff\xff\x7f",
                                     b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"hello, world", b"P6\n-5 4\n255\n"])
def test_truncated_or_foreign_headers_give_none(tmp_path, content):
    path = tmp_path / "broken"
    path.write_bytes(content)
    assert read_picture_header(path) is None
    assert read_video_frame_size(path) is None


def test_frame_sizes_of_videos_opencv_writes(tmp_path, video_file):
    assert read_video_frame_size(video_file) == (64, 48)  # MJPG .avi
    mp4 = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(mp4), cv2.VideoWriter_fourcc(*"mp4v"), 25, (64, 48))
    for value in range(3):
        writer.write(np.full((48, 64, 3), 60 * value, np.uint8))
    writer.release()
    assert read_video_frame_size(mp4) == (64, 48)


def test_a_hand_made_avi_declaring_16000_by_16000_frames(tmp_path):
    path = tmp_path / "huge.avi"
    path.write_bytes(crafted.mjpeg_avi(16000, 16000, [crafted.flat_jpeg(16000, 16000)] * 2))
    assert read_video_frame_size(path) == (16000, 16000)


def test_memory_in_words():
    assert memory_text(16000 * 16000 * 3) == "768 MB"
    assert memory_text(60000 * 60000 * 3) == "10.8 GB"
    assert memory_text(10) == "1 MB"
