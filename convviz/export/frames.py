"""Saving what is on screen: a widget rendered at 1x, 2x or 4x into a PNG, the clipboard, or SVG.

Rendering goes through Qt's painter at a higher device-pixel ratio, so text and lines are redrawn
crisply, and pyqtgraph draws images without smoothing: the cells of a 7x7 map stay sharp squares.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.export.clips import ExportError, _check_folder, _remove

SCALES = (1, 2, 4)


def render_widget(widget: QtWidgets.QWidget, scale: float = 1.0) -> QtGui.QImage:
    """``widget`` as it looks now, ``scale`` times its size in pixels (works offscreen)."""
    size = widget.size()
    image = QtGui.QImage(round(size.width() * scale), round(size.height() * scale),
                         QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(widget.palette().color(QtGui.QPalette.ColorRole.Window))
    painter = QtGui.QPainter(image)
    try:
        # QWidget.render explicitly: QGraphicsView (pyqtgraph) overrides render() to draw its scene only
        QtWidgets.QWidget.render(widget, painter, QtCore.QPoint(0, 0), QtGui.QRegion(),
                      QtWidgets.QWidget.RenderFlag.DrawWindowBackground
                      | QtWidgets.QWidget.RenderFlag.DrawChildren)
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


def save_png(image: QtGui.QImage, target: str | os.PathLike[str]) -> Path:
    """Write ``image`` as PNG, atomically (temporary file, then rename). ExportError on failure."""
    target = Path(target)
    if target.suffix.lower() != ".png":
        target = target.with_suffix(".png")
    _check_folder(target)
    temporary = target.with_name(f".{target.stem}.partial.png")
    if not image.save(str(temporary), "PNG"):
        _remove(temporary)
        raise ExportError(f"cannot save {target.name}: writing failed (is the disk full?)")
    try:
        os.replace(temporary, target)
    except OSError as error:
        _remove(temporary)
        raise ExportError(f"cannot save {target.name}: {error.strerror or error}") from None
    return target


def save_widget_png(widget: QtWidgets.QWidget, target: str | os.PathLike[str], scale: float = 1.0) -> Path:
    return save_png(render_widget(widget, scale), target)


def copy_to_clipboard(image: QtGui.QImage) -> None:
    QtWidgets.QApplication.clipboard().setImage(image)


def save_svg(item: object, target: str | os.PathLike[str]) -> Path:
    """A pyqtgraph item (a PlotItem, a ViewBox or a whole scene) as SVG via pyqtgraph's exporter."""
    import pyqtgraph.exporters as exporters

    target = Path(target)
    _check_folder(target)
    temporary = target.with_name(f".{target.stem}.partial.svg")
    try:
        exporters.SVGExporter(item).export(str(temporary))
        os.replace(temporary, target)
    except Exception as error:  # pyqtgraph's exporter raises various errors for unsupported items
        _remove(temporary)
        raise ExportError(f"cannot save {target.name} as SVG: {error}") from None
    return target
