"""Webcam classes: pictures captured from the live input into up to 9 named classes, kept on disk as
a picture folder (one subfolder per class), so they can be trained on again later, with any tool.

Every picture is written atomically (a temporary file, then renamed), so a full disk never leaves a
broken picture behind. Pictures are kept at most ``KEEP_SIDE`` pixels on their longer side: enough
for any network convviz shows, small enough to capture dozens a second.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np

from convviz.core.atomic import write_bytes_atomic
from convviz.core.errors import ConvvizError

MAX_CLASSES = 9
KEEP_SIDE = 320
_UNSAFE = re.compile(r"[^A-Za-z0-9 _\-.]+")


def captures_root() -> Path:
    """Where capture sessions go: $CONVVIZ_DATA_DIR/captures, else the user's data folder."""
    override = os.environ.get("CONVVIZ_DATA_DIR")
    if override:
        return Path(override) / "captures"
    from platformdirs import user_data_dir

    return Path(user_data_dir("convviz", appauthor=False)) / "captures"


def folder_name(name: str) -> str:
    """A class name as a folder name: what a person typed, without characters a file system refuses."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned[:60] or "class"


class CaptureStore:
    """The classes and their pictures in ``folder`` (made when the first picture is captured)."""

    def __init__(self, folder: Path, names: list[str] | None = None):
        self.folder = Path(folder)
        self.names = list(names or [f"class {k + 1}" for k in range(3)])
        self._numbers: dict[str, int] = {}
        if self.folder.is_dir():  # an earlier session: its classes come back
            found = sorted(p.name for p in self.folder.iterdir() if p.is_dir() and not p.name.startswith("."))
            if found:
                self.names = found[:MAX_CLASSES]

    def class_folder(self, index: int) -> Path:
        return self.folder / folder_name(self.names[index])

    def set_name(self, index: int, name: str) -> None:
        """Rename class ``index`` (its folder too, if pictures are in it); ConvvizError if another class
        has that name."""
        name = name.strip() or f"class {index + 1}"
        while index >= len(self.names):
            self.names.append(f"class {len(self.names) + 1}")
        if any(folder_name(other) == folder_name(name) for k, other in enumerate(self.names) if k != index):
            raise ConvvizError(f"another class is already called {name!r}")
        old = self.class_folder(index)
        self.names[index] = name
        new = self.class_folder(index)
        if old != new and old.is_dir():
            old.rename(new)

    def add(self, index: int, picture: np.ndarray) -> Path:
        """Save one RGB picture (H x W x 3 uint8) into class ``index``; returns its path."""
        if not 0 <= index < MAX_CLASSES:
            raise ConvvizError(f"classes are numbered 1 to {MAX_CLASSES}")
        while index >= len(self.names):
            self.names.append(f"class {len(self.names) + 1}")
        height, width = picture.shape[:2]
        scale = KEEP_SIDE / max(height, width)
        if scale < 1:
            picture = cv2.resize(picture, (max(1, round(width * scale)), max(1, round(height * scale))),
                                 interpolation=cv2.INTER_AREA)
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(picture), cv2.COLOR_RGB2BGR))
        if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB
            raise ConvvizError("could not encode the picture")
        folder = self.class_folder(index)
        folder.mkdir(parents=True, exist_ok=True)
        key = str(folder)
        number = self._numbers.get(key) or 1 + max((int(p.stem) for p in folder.glob("*.png") if p.stem.isdigit()),
                                                   default=0)
        path = folder / f"{number:05d}.png"
        write_bytes_atomic(path, encoded.tobytes())
        self._numbers[key] = number + 1
        return path

    def paths(self, index: int) -> list[Path]:
        folder = self.class_folder(index)
        return sorted(folder.glob("*.png")) if folder.is_dir() else []

    def counts(self) -> list[int]:
        return [len(self.paths(k)) for k in range(len(self.names))]

    def remove(self, path: Path) -> None:
        """Delete one captured picture (a bad one)."""
        path = Path(path)
        if path.parent.parent != self.folder:
            raise ConvvizError(f"{path.name} is not one of this session's pictures")
        path.unlink(missing_ok=True)

    def ready(self) -> str | None:
        """None if the pictures can be trained on, else what is missing, in words."""
        filled = [name for name, count in zip(self.names, self.counts()) if count]
        if len(filled) < 2:
            return "capture pictures of at least two classes first (hold 1, 2, ... while the camera shows them)"
        return None
