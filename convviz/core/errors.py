"""Errors are values the UI can show: each carries a message written for the lecturer."""

from __future__ import annotations


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
