"""A file the user gives (command line, File menu, drag and drop): an image or a video, by its kind."""

from __future__ import annotations

import os
from pathlib import Path

from convviz.core.errors import SourceError
from convviz.core.reading import regular_file
from convviz.sources.base import FrameSource
from convviz.sources.headers import read_picture_header
from convviz.sources.image import IMAGE_SUFFIXES, ImageSource, NotAPictureError
from convviz.sources.video import VIDEO_SUFFIXES, VideoSource


def source_for_path(path: str | os.PathLike[str]) -> FrameSource:
    """ImageSource or VideoSource for ``path``; SourceError/ImageError with a message otherwise.

    Only headers are read here (quick on any thread): a folder, a pipe, a device, a missing file, a
    picture or video too big to take fail now. A picture is an image whatever its name says (a photo
    renamed .mp4); decoding happens when the pipeline opens the source.
    """
    regular_file(path, "an image or a video", SourceError)  # never open a pipe or a device
    path = Path(path)
    try:
        is_picture = read_picture_header(path) is not None
    except OSError as error:
        raise SourceError(f"cannot read {path.name}: {error.strerror or error}") from None
    suffix = path.suffix.lower()
    if is_picture or suffix in IMAGE_SUFFIXES:
        return ImageSource(path)
    if suffix not in VIDEO_SUFFIXES:
        try:  # an unknown extension: an image if Pillow knows it, else try it as a video
            return ImageSource(path)
        except NotAPictureError:
            pass
    video = VideoSource(path)
    video.check()
    return video
