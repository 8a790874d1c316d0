"""A picture in a pyqtgraph view: pixels stay sharp squares, y runs down, the pointer is reported.

The building block of the input panel and the activation-map panels. Coordinates are image pixels
(x = column, y = row), as pyqtgraph uses them with row-major images.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.ui.theme import Theme

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)

_ARGB = QtGui.QImage.Format.Format_ARGB32_Premultiplied


class ArgbImageItem(pg.ImageItem):
    """An ImageItem that also takes (H, W) uint32 premultiplied ARGB (the activation mosaics) and wraps
    it in a QImage as it is: no conversion, no copy, and no format change when Qt draws it (the
    fastest format of Qt's raster engine). Anything else goes through pyqtgraph as usual."""

    def render(self) -> None:
        image = self.image
        if image is None or image.dtype != np.uint32 or image.ndim != 2 or not image.flags.c_contiguous:
            super().render()
            return
        height, width = image.shape
        self.qimage = QtGui.QImage(image, width, height, image.strides[0], _ARGB)
        self._renderRequired = False
        self._unrenderable = False


class ImageView(pg.GraphicsLayoutWidget):
    """One ImageItem in a locked-aspect ViewBox, optionally with a colour bar on the right.

    ``hovered(y, x)`` / ``clicked(y, x)`` report image coordinates (floats); ``left()`` when the
    pointer leaves the picture.
    """

    hovered = QtCore.Signal(float, float)
    clicked = QtCore.Signal(float, float)
    left = QtCore.Signal()

    def __init__(self, theme: Theme, colour_bar: bool = False, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent=parent)
        self.theme = theme
        self.setBackground(theme.panel)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self.view = self.addViewBox(row=0, col=0)
        self.view.setAspectLocked(True)
        self.view.invertY(True)
        self.view.setMouseEnabled(False, False)
        self.view.setMenuEnabled(False)
        self.view.setDefaultPadding(0.01)
        self.image = ArgbImageItem()
        self.view.addItem(self.image)
        self.colour_bar: pg.ColorBarItem | None = None
        if colour_bar:
            self.colour_bar = pg.ColorBarItem(values=(-1, 1), colorMap=theme.colormap_object(), interactive=False,
                                              width=14, rounding=1e-6, colorMapMenu=False, pen=theme.muted)
            self.addItem(self.colour_bar, row=0, col=1)
            axis = self.colour_bar.axis
            axis.enableAutoSIPrefix(False)  # the numbers as they are, never "x0.001"
            axis.setTextPen(theme.foreground)
            font = QtGui.QFont()
            font.setPointSizeF(theme.text_pt)
            # the ends are what the scale means: always written (pyqtgraph hides labels that reach past
            # the axis' ends), with room for them above and below the bar
            axis.setStyle(tickFont=font, hideOverlappingLabels=False)
            # the end labels sit half a line beyond the bar's ends: room for them, or they are cut
            half_line = QtGui.QFontMetrics(font).height() // 2 + 2
            self.ci.setContentsMargins(2, half_line, 2, half_line)
        self._shape: tuple[int, int] | None = None
        self._half_range: float | None = None
        self._bar_label: str | None = None
        self._ends: list[tuple[float, str]] = [(-1.0, "-1"), (0.0, "0"), (1.0, "1")]
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.scene().sigMouseClicked.connect(self._mouse_clicked)
        self.setMinimumSize(120, 90)

    def set_image(self, image: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        """Show ``image`` (H x W x 3/4 uint8 colours, H x W uint32 premultiplied ARGB, or H x W values
        with ``levels``)."""
        shape = image.shape[:2]
        if image.dtype == np.uint32:
            self.image.setImage(image, autoLevels=False)
        elif levels is None:
            self.image.setImage(image, autoLevels=False, levels=None if image.dtype == np.uint8 else (0, 1))
        else:
            self.image.setImage(image, autoLevels=False, levels=levels)
        if shape != self._shape:
            self._shape = shape
            self.view.autoRange(padding=0.01)

    def set_range(self, half_range: float, label: str | None = None) -> None:
        """The colour bar's span, -half_range..+half_range, its ends written, and what the scale is
        (``label`` along the bar); each redrawn only when it changes."""
        if self.colour_bar is None:
            return
        axis = self.colour_bar.axis
        changed = False
        if half_range != self._half_range:
            from convviz.ui.panels.numbers import number_text

            self._half_range = half_range
            self.colour_bar.setLevels((-half_range, half_range))
            self._ends = [(-half_range, number_text(-half_range)), (0.0, "0"), (half_range, number_text(half_range))]
            axis.setTicks([self._ends, []])
            changed = True
        if label is not None and label != self._bar_label:
            self._bar_label = label
            # at the figure text size (pyqtgraph's own is ~9 points: 'per layer' was a smudge on a projector)
            axis.setLabel(label, color=self.theme.muted, **{"font-size": f"{self.theme.text_pt:.1f}pt"})
            changed = True
        if changed:
            # pyqtgraph fixes a colour bar's axis at 45 pixels, which cuts '-0.25' at 21 pt: as wide as
            # its widest label, and the line of the scale's name beside it
            metrics = QtGui.QFontMetrics(axis.style["tickFont"] or QtGui.QFont())
            name = metrics.height() + 4 if self._bar_label else 0
            axis.setWidth(max(metrics.horizontalAdvance(text) for _, text in self._ends) + 14 + name)

    def image_point(self, scene_pos: QtCore.QPointF) -> tuple[float, float] | None:
        if self._shape is None or not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.image.mapFromScene(scene_pos)
        y, x = point.y(), point.x()
        if 0 <= y < self._shape[0] and 0 <= x < self._shape[1]:
            return (y, x)
        return None

    def _mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        point = self.image_point(scene_pos)
        if point is None:
            self.left.emit()
        else:
            self.hovered.emit(*point)

    def _mouse_clicked(self, event: object) -> None:
        point = self.image_point(event.scenePos())  # type: ignore[attr-defined]
        if point is not None:
            self.clicked.emit(*point)

    def leaveEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt name)
        self.left.emit()
        super().leaveEvent(event)
