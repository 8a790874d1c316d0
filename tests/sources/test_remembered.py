"""Every input the settings can store comes back as the same input: each source says how it is
remembered, and ``ui.session.restore_source`` opens that again (a pasted picture is not stored)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from convviz.sources.base import StillSource, TestCardSource
from convviz.sources.camera import CameraSource
from convviz.sources.image import ImageSource
from convviz.sources.video import VideoSource
from convviz.ui.session import describe_source, restore_source
from tests.conftest import write_test_video


def _again(source):
    skipped: list[str] = []
    back = restore_source(describe_source(source), skipped)
    assert skipped == []
    return back


def test_the_test_card_comes_back_as_the_test_card():
    assert describe_source(None) is None
    assert isinstance(_again(TestCardSource()), TestCardSource)


@pytest.mark.parametrize("kind", ["image", "video"])
def test_a_file_comes_back_as_the_same_file(tmp_path, kind):
    if kind == "image":
        path = tmp_path / "picture.png"
        cv2.imwrite(str(path), np.full((20, 30, 3), 90, np.uint8))
        source = ImageSource(path)
    else:
        source = VideoSource(write_test_video(tmp_path / "clip.avi"))
    back = _again(source)
    assert type(back) is type(source) and back.path.resolve() == source.path.resolve()


def test_a_camera_comes_back_as_the_same_camera_number():
    back = _again(CameraSource(3, opener=lambda index: None))
    assert isinstance(back, CameraSource) and back.index == 3


def test_a_pasted_picture_is_not_stored_and_a_gone_file_is_said():
    assert describe_source(StillSource(np.zeros((4, 4, 3), np.uint8), "pasted")) is None
    skipped: list[str] = []
    assert restore_source({"kind": "image", "path": "/nowhere/picture.png"}, skipped) is None
    assert "is gone" in skipped[0]
