"""Errors are values the UI can show: each carries a message written for the lecturer."""

from __future__ import annotations

import errno


class ConvvizError(Exception):
    """Base class: anything convviz can explain to a user instead of crashing."""


class SpecError(ConvvizError):
    """A network file or layer description that convviz cannot accept.

    ``layer`` is the 0-based index in the network's layer list (None for the file as a whole),
    ``key`` the offending key, if one is to blame.
    """

    def __init__(self, message: str, layer: int | None = None, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.layer = layer
        self.key = key

    def __str__(self) -> str:
        return self.message


class GeometryError(SpecError):
    """A layer whose shapes do not work out (a stride that does not fit, a kernel too big...).

    ``suggestion`` is a short hint the UI can offer (e.g. the nearest padding that fits). For a
    stride that does not fit, ``window`` is the layer's WindowGeometry and ``axis`` the axis (0 rows,
    1 columns) where it fails, so a view can show the last window hanging off the edge.
    """

    def __init__(
        self,
        message: str,
        layer: int | None = None,
        key: str | None = None,
        suggestion: str | None = None,
    ):
        super().__init__(message, layer, key)
        self.suggestion = suggestion
        self.window: object | None = None
        self.axis: int | None = None

    def __str__(self) -> str:
        if self.suggestion:
            return f"{self.message} {self.suggestion}"
        return self.message


class ImageError(ConvvizError):
    """A file or buffer that cannot be read as an image."""


class SourceError(ConvvizError):
    """An input source (camera, video, image) that failed to open or to deliver a frame."""


_OS_WORDS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the disk is read-only",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "that is a folder",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EEXIST: "a file of that name is in the way",
    errno.EFBIG: "the file is larger than this disk allows (a FAT-formatted stick takes at most 4 GB a file)",
    errno.EIO: "the disk reported an error (is it unplugged or failing?)",
    errno.ENXIO: "the device is gone (unplugged?)",
    errno.ENODEV: "the device is gone (unplugged?)",
    errno.EBUSY: "the file is in use",
    errno.ETXTBSY: "the file is in use",
    errno.EMFILE: "too many files are open",
    errno.ENFILE: "too many files are open",
    errno.ELOOP: "the path loops through symbolic links",
    errno.EINVAL: "the name is not allowed on this disk",
    errno.EXDEV: "the file is on another disk",
}


def os_error_words(error: OSError) -> str:
    """An OSError in words, never "[Errno 30] Read-only file system: '/x'": ours for the common ones, else
    the system's own text (lower case, without the number and the path)."""
    if error.errno in _OS_WORDS:
        return _OS_WORDS[error.errno]
    text = error.strerror or (str(error.args[-1]) if error.args else "") or type(error).__name__
    if len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]  # "No such device" reads on after a colon as "no such device"
    return text


def in_words(error: BaseException, limit: int = 200) -> str:
    """Any exception as one line for a message: a ConvvizError's own words, an OSError's (see
    ``os_error_words``), "not enough memory", or the first line of anything else, cut to ``limit``."""
    if isinstance(error, ConvvizError):
        return str(error)
    if isinstance(error, OSError):
        return os_error_words(error)
    if isinstance(error, MemoryError):
        return "not enough memory"
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
