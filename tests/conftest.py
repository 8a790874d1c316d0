"""Shared fixtures. Qt runs headless: the tests set QT_QPA_PLATFORM themselves, before Qt loads."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_folders(tmp_path_factory, monkeypatch):
    """Settings and quick exports go to temporary folders, never the user's."""
    monkeypatch.setenv("CONVVIZ_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("CONVVIZ_EXPORT_DIR", str(tmp_path_factory.mktemp("exports")))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def lut() -> np.ndarray:
    """A simple grey lookup table (index i -> grey level i)."""
    table = np.zeros((256, 4), np.uint8)
    table[:, :3] = np.arange(256, dtype=np.uint8)[:, None]
    table[:, 3] = 255
    return table


def write_test_video(path: Path, frames: int = 12, size: tuple[int, int] = (64, 48), fps: float = 30.0) -> Path:
    """A small MJPG video through OpenCV's real writer: frame i has a bright bar at x = 4*i and a
    red top-left corner (to check RGB order)."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    for i in range(frames):
        frame = np.full((size[1], size[0], 3), 40, np.uint8)
        frame[:, (4 * i) % size[0]:(4 * i) % size[0] + 4] = 255
        frame[:8, :8] = (0, 0, 255)  # BGR red
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def video_file(tmp_path) -> Path:
    return write_test_video(tmp_path / "moving-bar.avi")
