"""A file the user gives (command line, File menu, drag and drop): an image or a video, by its kind."""

from __future__ import annotations

import os
from pathlib import Path

from convviz.core.errors import ConvvizError, SourceError
from convviz.sources.base import FrameSource
from convviz.sources.image import IMAGE_SUFFIXES, ImageSource
from convviz.sources.video import VIDEO_SUFFIXES, VideoSource


def source_for_path(path: str | os.PathLike[str]) -> FrameSource:
    """ImageSource or VideoSource for ``path``; SourceError/ImageError with a message otherwise.

    Images are read at once (errors surface now); videos are checked when the pipeline opens them.
    """
    path = Path(path)
    if path.is_dir():
        raise SourceError(f"{path} is a folder: drop or open a single image or video file")
    if not path.exists():
        raise SourceError(f"cannot open {path}: no such file")
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return VideoSource(path)
    if suffix in IMAGE_SUFFIXES:
        return ImageSource(path)
    try:  # an unknown extension: an image if it decodes as one, else try it as a video
        return ImageSource(path)
    except ConvvizError:
        return VideoSource(path)
