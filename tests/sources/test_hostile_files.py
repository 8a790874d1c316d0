"""Files that froze or crashed the app: tiny headers declaring enormous pictures, big photos,
sideways portraits, pipes and devices given as files, paths that cannot be files.

Every operation that once hung runs through ``finishes`` (a thread with a deadline)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

import convviz.sources.image as image_module
from convviz.core.errors import ConvvizError, ImageError, SourceError
from convviz.core.reading import regular_file
from convviz.sources.files import source_for_path
from convviz.sources.image import ImageSource, read_image
from convviz.sources.video import VideoSource
from tests.sources import crafted
from tests.sources.deadline import finishes


# ---- pictures that declare enormous sizes -----------------------------------------------------------
@pytest.mark.parametrize(("make", "suffix"), [(crafted.png, ".png"), (crafted.bmp, ".bmp"),
                                              (crafted.ppm, ".ppm"), (crafted.gif, ".gif")])
def test_a_tiny_file_declaring_60000_by_60000_is_refused_with_the_figure(tmp_path, make, suffix):
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(make(60000, 60000))
    for attempt in (lambda: read_image(path), lambda: ImageSource(path), lambda: source_for_path(path)):
        error = finishes(attempt)
        assert isinstance(error, ImageError), error
        assert f"bomb{suffix} is 60000x60000 pixels (3600 megapixels" in str(error)
        assert "convviz opens pictures up to 150 megapixels" in str(error)
        assert "disk" not in str(error)


def test_a_png_of_30000_by_30000_is_refused_from_its_header(tmp_path):
    path = tmp_path / "poster.png"
    path.write_bytes(crafted.png(30000, 30000))
    with pytest.raises(ImageError, match=r"poster.png is 30000x30000 pixels \(900 megapixels, 2.7 GB to decode\)"):
        ImageSource(path)


def test_a_big_photo_is_decoded_at_a_quarter_and_says_so(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(crafted.flat_jpeg(12000, 9000, complete=True))  # a valid 12000x9000 JPEG, 0.8 MB
    source = ImageSource(path)
    source.open()
    frame = source.read()
    assert frame.image.shape == (2250, 3000, 3)
    assert source.describe() == "photo.jpg (12000x9000 read at 1/4)"


def test_a_big_png_is_shrunk_keeping_sixteen_bits_and_alpha(tmp_path, monkeypatch):
    monkeypatch.setattr(image_module, "REDUCE_ABOVE", 40 * 40)  # "big" made small, for speed
    picture = np.zeros((100, 200, 4), np.uint16)
    picture[..., 2] = 60000  # BGR: red
    picture[..., 3] = 30000
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), picture)
    decoded = image_module.decode_image(path)
    assert decoded.reduction == 4
    assert decoded.pixels.shape == (25, 50, 4) and decoded.pixels.dtype == np.uint16
    assert decoded.pixels[0, 0].tolist() == [60000, 0, 0, 30000]  # RGBA order


def test_an_image_is_decoded_by_open_not_by_the_constructor(tmp_path, monkeypatch):
    path = tmp_path / "x.png"
    cv2.imwrite(str(path), np.full((6, 8, 3), 200, np.uint8))
    calls: list[Path] = []
    decode = image_module.decode_image
    monkeypatch.setattr(image_module, "decode_image", lambda p: calls.append(p) or decode(p))
    source = ImageSource(path)
    assert calls == []  # the constructor read the header only
    source.open()
    assert len(calls) == 1
    assert source.read().image.shape == (6, 8, 3)
    assert len(calls) == 1


@pytest.mark.parametrize(("content", "says"), [(None, "no such file"), (b"", "is empty"),
                                               (b"just some text", "not an image convviz can read")])
def test_a_missing_empty_or_foreign_file_fails_when_the_source_is_made(tmp_path, content, says):
    path = tmp_path / "picture.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageError, match=says):
        ImageSource(path)


def test_a_corrupt_image_that_decoders_refuse_is_explained_when_opened(tmp_path):
    path = tmp_path / "cut.png"
    path.write_bytes(crafted.png(40, 30))  # a real header, then no pixel data to speak of
    source = ImageSource(path)
    error = finishes(source.open)
    assert isinstance(error, ImageError) and "cut.png" in str(error)


# ---- EXIF orientation ---------------------------------------------------------------------------------
def _quadrants() -> np.ndarray:
    """40 wide, 20 high: four colours, so every turn and mirror looks different."""
    picture = np.zeros((20, 40, 3), np.uint8)
    picture[:10, :20] = (255, 0, 0)
    picture[:10, 20:] = (0, 255, 0)
    picture[10:, :20] = (0, 0, 255)
    picture[10:, 20:] = (255, 255, 255)
    return picture


def _save_with_orientation(path: Path, picture: np.ndarray, orientation: int, **options) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(picture).save(path, exif=exif.tobytes(), **options)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_turned_upright_like_pillow_does(tmp_path, orientation):
    path = tmp_path / f"turned{orientation}.png"
    _save_with_orientation(path, _quadrants(), orientation)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)))
    np.testing.assert_array_equal(read_image(path), expected)


def test_a_portrait_phone_photo_is_shown_upright(tmp_path):
    path = tmp_path / "portrait.jpg"
    _save_with_orientation(path, _quadrants(), 6, quality=95)  # stored sideways, as phones do
    picture = read_image(path)
    assert picture.shape == (40, 20, 3)  # taller than wide
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)))
    assert np.abs(picture.astype(int) - expected.astype(int)).max() <= 8
    assert picture[2, 17].tolist()[0] > 200 and picture[2, 17].tolist()[2] < 60  # red top right


def test_a_turned_big_photo_is_reduced_and_upright(tmp_path, monkeypatch):
    monkeypatch.setattr(image_module, "REDUCE_ABOVE", 40 * 40)
    path = tmp_path / "portrait.jpg"
    _save_with_orientation(path, np.kron(_quadrants(), np.ones((2, 2, 1), np.uint8)), 6, quality=95)
    decoded = image_module.decode_image(path)  # 80x40 stored, 40x80 upright, at 1/2: 20x40
    assert decoded.reduction == 2 and decoded.pixels.shape == (40, 20, 3)
    assert decoded.note() == "40x80 read at 1/2"


@pytest.mark.parametrize("channels", [1, 4])
def test_sixteen_bit_and_alpha_survive_the_turn(tmp_path, channels):
    picture = np.zeros((20, 40, channels), np.uint16)
    picture[:10, :20] = 65535
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), picture)
    path.write_bytes(crafted.with_png_orientation(path.read_bytes(), 8))  # turned a quarter
    with Image.open(path) as written:
        assert written.getexif()[0x0112] == 8  # Pillow reads the chunk too
    upright = read_image(path)
    assert upright.dtype == np.uint16
    assert upright.shape[:2] == (40, 20)
    assert (upright.shape[2] if upright.ndim == 3 else 1) == channels
    assert upright[-1, 0].max() == 65535 and upright[0, 0].max() == 0  # turned left: top-left went down


# ---- pipes, devices and other things that are not files ----------------------------------------------
@pytest.fixture
def fifo(tmp_path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    return path


def test_a_fifo_is_never_opened(fifo):
    attempts = [(lambda: source_for_path(fifo), SourceError), (lambda: ImageSource(fifo), ImageError),
                (lambda: read_image(fifo), ImageError), (lambda: VideoSource(fifo).open(), SourceError),
                (lambda: regular_file(fifo, "a network file", SourceError), SourceError)]
    for attempt, kind in attempts:
        error = finishes(attempt)
        assert isinstance(error, kind), error
        assert "pipe.png is a pipe, not a regular file" in str(error)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_never_read(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    for attempt in (lambda: source_for_path(device), lambda: ImageSource(device), lambda: VideoSource(device).open()):
        error = finishes(attempt)
        assert isinstance(error, ConvvizError), error
        assert "is a device, not a regular file" in str(error)


def test_paths_that_cannot_be_files_are_explained_in_words(tmp_path):
    plain = tmp_path / "plain.png"
    cv2.imwrite(str(plain), np.zeros((2, 2), np.uint8))
    cases = [(plain / "inside.png", "Not a directory"),  # the system's words, never "[Errno 20]"
             (tmp_path / ("n" * 300 + ".png"), "File name too long"),
             (tmp_path / "missing.mp4", "no such file"),
             (tmp_path, "is a folder")]
    for path, says in cases:
        with pytest.raises(SourceError) as raised:
            source_for_path(path)
        assert says in str(raised.value)
        assert "Errno" not in str(raised.value)


# ---- what a dropped or opened file becomes ---------------------------------------------------------
def test_a_video_too_big_is_refused_as_soon_as_it_is_dropped(tmp_path):
    path = tmp_path / "clip.avi"
    path.write_bytes(crafted.mjpeg_avi(16000, 16000, [crafted.flat_jpeg(16000, 16000)]))
    error = finishes(lambda: source_for_path(path))
    assert isinstance(error, SourceError)
    assert str(error) == "clip.avi has 16000x16000 frames (768 MB each); convviz takes videos up to 4096x4096"


def test_a_picture_renamed_mp4_opens_as_a_picture(tmp_path):
    path = tmp_path / "still.mp4"
    path.write_bytes(crafted.flat_jpeg(64, 48, complete=True))
    source = source_for_path(path)
    assert isinstance(source, ImageSource)
    assert source.read().image.shape == (48, 64, 3)
