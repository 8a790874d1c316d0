"""Saving what is on screen: a widget rendered at 1x, 2x or 4x into a PNG, the clipboard, or SVG.

Rendering goes through Qt's painter at a higher device-pixel ratio, so text is redrawn crisply,
pyqtgraph draws images without smoothing (the cells of a 7x7 map stay sharp squares) and lines are
widened by the same factor (``figure.thicker_lines``). ``figure=True`` leaves the view's controls out
(``figure.figure_rect``). Every file goes through ``convviz.core.atomic.replace_with``: written beside
the target, decoded again (a PNG to its size, an SVG as XML), then renamed over it; a failure leaves
the old file as it was and says why (WriteError).
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.atomic import WriteError, full_disk, replace_with
from convviz.export.checks import check_image, check_svg
from convviz.export.figure import controls_hidden, figure_rect, thicker_lines, whole_rect

SCALES = (1, 2, 4)
_RENDER_FLAGS = QtWidgets.QWidget.RenderFlag.DrawWindowBackground | QtWidgets.QWidget.RenderFlag.DrawChildren


def capture_rect(widget: QtWidgets.QWidget, figure: bool = False) -> QtCore.QRect:
    """The part of ``widget`` a frame shows: all of it, or only the figure (no controls)."""
    return figure_rect(widget) if figure else whole_rect(widget)


def render_widget(widget: QtWidgets.QWidget, scale: float = 1.0, figure: bool = False,
                  rect: QtCore.QRect | None = None) -> QtGui.QImage:
    """``widget`` as it looks now, ``scale`` times its size in pixels, lines ``scale`` times as thick
    (works offscreen). ``figure``: without the marked controls, cut to ``rect`` (default: the figure's
    rectangle, fixed by a recording so every frame has one size)."""
    if rect is None:
        rect = capture_rect(widget, figure)
    image = QtGui.QImage(max(1, round(rect.width() * scale)), max(1, round(rect.height() * scale)),
                         QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(widget.palette().color(QtGui.QPalette.ColorRole.Window))
    with ExitStack() as stack:
        if figure:
            stack.enter_context(controls_hidden(widget, rect))
        stack.enter_context(thicker_lines(widget, scale))
        painter = QtGui.QPainter(image)
        try:
            # QWidget.render explicitly: QGraphicsView (pyqtgraph) overrides render() to draw its scene only
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0), QtGui.QRegion(rect), _RENDER_FLAGS)
        finally:
            painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def image_to_rgb(image: QtGui.QImage) -> np.ndarray:
    """A QImage as H x W x 3 uint8 RGB (a copy)."""
    rgb = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    buffer = np.frombuffer(rgb.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return buffer[:, : width * 3].reshape(height, width, 3).copy()


def _write_image(image: QtGui.QImage, path: Path, file_format: str, name: str) -> None:
    """Qt's writer says only True or False: the message says what is known (a full disk, a format Qt
    cannot write, a picture too large for the format), never a guess."""
    if not image.save(str(path), file_format):
        raise WriteError(f"cannot save {name}: {_why_not_written(image, path, file_format)}; nothing was changed")


def _why_not_written(image: QtGui.QImage, path: Path, file_format: str) -> str:
    writable = {bytes(f.data()).decode().upper() for f in QtGui.QImageWriter.supportedImageFormats()}
    if file_format.upper() not in writable:
        return f"convviz cannot write {file_format} pictures (it writes {', '.join(sorted(writable))})"
    size = f"{image.width()}x{image.height()}"
    if image.isNull():
        return "the picture is empty (there was not enough memory to render it)"
    limits = {"JPG": 65_535, "JPEG": 65_535, "WEBP": 16_383}
    largest = limits.get(file_format.upper())
    if largest is not None and max(image.width(), image.height()) > largest:
        return f"a {file_format} picture can be at most {largest:,} pixels a side, and this one is {size}"
    return full_disk(path) or f"Qt's {file_format} writer failed on the {size} picture"


def save_image(image: QtGui.QImage, target: str | os.PathLike[str]) -> Path:
    """Write ``image`` in the format its suffix names (PNG without one), atomically and checked: the
    file is decoded again and must have the image's size. WriteError on failure."""
    target = Path(target)
    file_format = (target.suffix[1:] or "png").upper()
    size = (image.width(), image.height())

    return replace_with(target, lambda temporary: _write_image(image, temporary, file_format, target.name),
                        lambda temporary: check_image(temporary, size, target.name))


def save_png(image: QtGui.QImage, target: str | os.PathLike[str]) -> Path:
    """``save_image`` as PNG (a missing or other suffix becomes .png)."""
    target = Path(target)
    if target.suffix.lower() != ".png":
        target = target.with_suffix(".png")
    return save_image(image, target)


def save_widget_png(widget: QtWidgets.QWidget, target: str | os.PathLike[str], scale: float = 1.0,
                    figure: bool = False) -> Path:
    return save_png(render_widget(widget, scale, figure), target)


def copy_to_clipboard(image: QtGui.QImage) -> None:
    QtWidgets.QApplication.clipboard().setImage(image)


def _write_svg(widget: QtWidgets.QWidget, rect: QtCore.QRect, path: Path, figure: bool) -> None:
    from PySide6 import QtSvg

    generator = QtSvg.QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(rect.size())
    generator.setViewBox(QtCore.QRect(0, 0, rect.width(), rect.height()))
    generator.setResolution(96)  # so width and height in mm are the pixels a browser shows (CSS: 96 per inch)
    generator.setTitle("convviz")
    generator.setDescription(widget.windowTitle() or type(widget).__name__)
    painter = QtGui.QPainter()
    if not painter.begin(generator):
        raise WriteError(f"cannot save {path.name}: the SVG could not be started")
    try:
        with controls_hidden(widget, rect) if figure else ExitStack():
            QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0), QtGui.QRegion(rect), _RENDER_FLAGS)
    finally:
        painter.end()


def save_svg(widget: QtWidgets.QWidget, target: str | os.PathLike[str], figure: bool = False) -> Path:
    """The whole ``widget`` (every panel, title and label in it; ``figure``: without its controls) as
    SVG through Qt's SVG generator: plots and overlays as vector shapes, maps as embedded images.
    Atomic and checked (the file must parse as XML); WriteError on failure."""
    target = Path(target)
    if target.suffix.lower() != ".svg":
        target = target.with_suffix(".svg")
    rect = capture_rect(widget, figure)
    return replace_with(target, lambda temporary: _write_svg(widget, rect, temporary, figure),
                        lambda temporary: check_svg(temporary, target.name))
