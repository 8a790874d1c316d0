"""Video files and any picture file through the real OpenCV paths."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from convviz.core.errors import ConvvizError, SourceError
from convviz.core.preprocess import prepare
from convviz.core.spec import InputSpec
from convviz.sources.files import source_for_path
from convviz.sources.image import ImageSource, read_image
from convviz.sources.video import VideoSource


def test_video_frames_come_in_order_as_rgb_and_loop(video_file):
    source = VideoSource(video_file, paced=False)
    source.open()
    try:
        frames = [source.read() for _ in range(15)]  # 12 in the file: it loops
    finally:
        source.close()
    assert [f.index for f in frames] == list(range(1, 16))
    first = frames[0].image
    assert first.shape == (48, 64, 3)
    red = first[:8, :8].mean(axis=(0, 1))
    assert red[0] > 150 and red[2] < 100  # RGB order: red first
    bar_columns = [int(np.argmax(f.image[30, :, 1])) for f in frames[:4]]
    assert bar_columns == sorted(bar_columns) and bar_columns[3] - bar_columns[0] >= 10  # the bar moves right
    np.testing.assert_allclose(frames[12].image, frames[0].image, atol=2)


def test_a_video_that_does_not_loop_ends_with_a_message(video_file):
    source = VideoSource(video_file, paced=False, loop=False)
    source.open()
    try:
        for _ in range(12):
            source.read()
        with pytest.raises(SourceError, match="has ended"):
            source.read()
    finally:
        source.close()


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00AVI garbage" * 20])
def test_an_undecodable_video_is_explained(tmp_path, content):
    path = tmp_path / "broken.avi"
    path.write_bytes(content)
    with pytest.raises(SourceError, match="broken.avi is (empty .*, )?not a video"):
        VideoSource(path).open()


def test_folders_and_missing_files_are_explained(tmp_path):
    with pytest.raises(SourceError, match="is a folder"):
        source_for_path(tmp_path)
    with pytest.raises(SourceError, match="no such file"):
        source_for_path(tmp_path / "nope.png")


def test_source_for_path_picks_image_or_video(tmp_path, video_file):
    image = tmp_path / "x.png"
    cv2.imwrite(str(image), np.zeros((5, 5, 3), np.uint8))
    assert isinstance(source_for_path(image), ImageSource)
    assert isinstance(source_for_path(video_file), VideoSource)
    renamed = tmp_path / "video.data"
    renamed.write_bytes(video_file.read_bytes())
    assert isinstance(source_for_path(renamed), VideoSource)


@pytest.mark.parametrize(
    ("make", "suffix"),
    [
        (lambda: np.full((30, 40), 128, np.uint8), ".png"),  # grayscale
        (lambda: np.dstack([np.zeros((30, 40, 3), np.uint8), np.full((30, 40), 255, np.uint8)]), ".png"),  # RGBA
        (lambda: np.full((30, 40, 3), 65535, np.uint16), ".png"),  # 16-bit
        (lambda: np.full((3, 2, 3), 200, np.uint8), ".bmp"),  # tiny
        (lambda: np.full((30, 40, 3), 90, np.uint8), ".jpg"),
    ],
)
def test_any_image_file_becomes_network_input(tmp_path, make, suffix):
    path = tmp_path / f"picture{suffix}"
    assert cv2.imwrite(str(path), make())
    picture = read_image(path)
    for channels in (1, 3):
        prepared = prepare(picture, InputSpec(channels, 32, 32))
        assert prepared.tensor.shape == (channels, 32, 32)
        assert 0.0 <= prepared.tensor.min() and prepared.tensor.max() <= 1.0


def test_sixteen_bit_png_keeps_its_brightness(tmp_path):
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), np.full((4, 4), 65535, np.uint16))
    assert read_image(path).dtype == np.uint16
    assert prepare(read_image(path), InputSpec(1, 4, 4)).tensor.max() == pytest.approx(1.0)


def test_a_corrupt_image_is_explained(tmp_path):
    path = tmp_path / "corrupt.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    with pytest.raises(ConvvizError, match="corrupt.png"):
        read_image(path)
