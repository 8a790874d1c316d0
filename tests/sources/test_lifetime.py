"""A capture belongs to its reading thread: it is never released while a read() is inside the
driver, close() only asks the thread to stop and waits briefly, and a new source on the same camera
waits for the old thread to let go. Fault-injecting fakes stand in for OpenCV (see test_camera)."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from convviz.core.errors import SourceError
from convviz.sources.base import TestCardSource
from convviz.sources.camera import CameraSource
from convviz.sources.image import ImageSource
from convviz.sources.video import VideoSource
from tests.sources.test_camera import FakeCapture


def test_close_while_a_read_is_blocked_returns_at_once_and_never_releases_under_the_read():
    fake = FakeCapture(hang_after=1)  # the first picture comes, the next read() never returns
    camera = CameraSource(0, opener=lambda i: fake)
    camera.open()
    assert fake.hanging.wait(5)
    started = time.monotonic()
    camera.close()
    assert time.monotonic() - started < 1.0  # a hung driver must not hang the GUI
    assert not fake.released.is_set()  # the read is still inside the driver
    camera.close()  # twice is fine
    fake.unblock.set()  # the driver returns: the camera's own thread releases its capture
    assert fake.released.wait(5)
    assert fake.violations == []


def test_close_from_other_threads_wakes_a_waiting_read_with_a_message():
    fake = FakeCapture(hang_after=1)
    camera = CameraSource(0, opener=lambda i: fake, timeout=60)
    camera.open()
    camera.read()  # the first picture; the driver now hangs, so the next read() waits
    assert fake.hanging.wait(5)
    errors: list[Exception] = []

    def read() -> None:
        try:
            camera.read()
        except SourceError as error:
            errors.append(error)

    reading = threading.Thread(target=read)
    closers = [threading.Thread(target=camera.close) for _ in range(3)]
    reading.start()
    for closer in closers:
        closer.start()
    camera.close()
    for thread in (reading, *closers):
        thread.join(5)
        assert not thread.is_alive()
    assert len(errors) == 1 and "camera 0 was closed" in str(errors[0])
    fake.unblock.set()
    assert fake.released.wait(5)
    assert fake.violations == []


def test_a_closed_camera_is_not_quietly_opened_again_by_read():
    fake = FakeCapture()
    camera = CameraSource(0, opener=lambda i: fake)
    camera.open()
    camera.close()
    assert fake.released.wait(5)
    with pytest.raises(SourceError, match="closed"):
        camera.read()
    camera.open()  # opening again on purpose works
    try:
        assert camera.read().image.shape == (48, 64, 3)
    finally:
        camera.close()


def test_a_camera_whose_driver_hangs_while_opening_fails_after_the_timeout():
    gate = threading.Event()
    fake = FakeCapture()

    def opener(index):
        gate.wait()  # cv2.VideoCapture(i) that does not come back
        return fake

    camera = CameraSource(4, opener=opener, timeout=0.2)
    with pytest.raises(SourceError, match=r"camera 4 did not answer within 0.2 s"):
        camera.open()
    gate.set()
    assert fake.released.wait(5)  # the thread let go of what it got, without reading from it
    assert fake.count == 0 and fake.violations == []


def test_a_new_source_on_the_same_camera_waits_for_the_old_thread_to_let_go():
    order: list[str] = []
    old_fake = FakeCapture(hang_after=1)
    release = old_fake.release

    def release_and_note():
        release()
        order.append("old released")

    old_fake.release = release_and_note
    old = CameraSource(0, opener=lambda i: old_fake)
    old.open()
    assert old_fake.hanging.wait(5)
    old.close()  # returns while the old read still hangs in the driver

    new_fake = FakeCapture()

    def opener(index):
        order.append("new opened")
        return new_fake

    new = CameraSource(0, resolution=(320, 240), opener=opener, timeout=5)
    opening = threading.Thread(target=new.open)
    opening.start()
    old_fake.unblock.set()
    opening.join(5)
    try:
        assert order == ["old released", "new opened"]
        assert new.read().image.shape == (48, 64, 3)
    finally:
        new.close()


def test_sources_name_the_device_they_hold(tmp_path, video_file):
    assert CameraSource(3).device == ("camera", 3)
    assert CameraSource(3, (320, 240)).device == CameraSource(3, (1280, 720)).device  # same camera
    assert VideoSource(video_file).device == ("file", str(video_file.resolve()))
    picture = tmp_path / "still.png"
    cv2.imwrite(str(picture), np.zeros((4, 4, 3), np.uint8))
    assert ImageSource(picture).device is None
    assert TestCardSource().device is None


def test_closing_a_video_whose_decoder_waits_for_room_lets_go_at_once(video_file):
    source = VideoSource(video_file, paced=False)
    source.open()  # the decoder fills its two places and waits
    reader = source._reader
    assert reader is not None
    source.close()
    assert reader.released.wait(1)
    with pytest.raises(SourceError, match="moving-bar.avi was closed"):
        source.read()


def test_a_second_source_on_a_camera_that_is_still_open_is_refused_at_once():
    first = CameraSource(0, opener=lambda i: FakeCapture())
    first.open()
    try:
        second = CameraSource(0, resolution=(320, 240), opener=lambda i: FakeCapture())
        with pytest.raises(SourceError, match="camera 0 is already open in convviz: close that input"):
            second.open()
        assert first.read().image.shape == (48, 64, 3)  # the first one is undisturbed
    finally:
        first.close()
    second.open()  # once the first is closed, the camera is free
    second.close()
