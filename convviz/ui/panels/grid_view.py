"""A grid of numbers drawn as coloured cells, with the numbers written in when the cells are big
enough to read, and named rectangles on top (the sliding window, the current output cell...).

Used by the convolution and pooling views for inputs, outputs, kernels and products. Cells are
(row, col); cell (r, c) covers x in [c, c+1), y in [r, r+1) of the view.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.ui.panels.image_view import ImageView
from convviz.ui.theme import Theme

MAX_NUMBERS = 900  # text items kept for numbers (30 x 30 visible cells)
MAX_FONT_PX = 56  # numbers in huge cells stop growing here
ZOOM_CELL_PX = 46  # how big a cell is drawn when a big map is shown zoomed in on a window


def number_text(value: float) -> str:
    """Short, readable numbers: 1, 0.25, -1.5, 0.12, 123 ('' for NaN: a cell not computed yet)."""
    if np.isnan(value):
        return ""
    if not np.isfinite(value):
        return "-inf" if value < 0 else "inf"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    digits = 1 if magnitude >= 10 else 2
    text = np.format_float_positional(round(float(value), digits), precision=digits, trim="-")
    return "0" if text in ("-0", "0.") else text.rstrip(".")


def font_px(cell: float, longest: int) -> int:
    """The pixel size of numbers of ``longest`` characters in cells of ``cell`` pixels: a digit is
    ~0.6 of the font's size wide, with a margin in the cell; never above ``MAX_FONT_PX``."""
    return int(min(cell * 0.82 / (0.62 * max(longest, 2)), cell * 0.42, MAX_FONT_PX))


def colour_cells(values: np.ndarray, lut: np.ndarray, half_range: float) -> np.ndarray:
    """(H, W) values as (H, W, 4) uint8 colours, zero at the table's middle."""
    index = np.clip(np.nan_to_num(values, nan=0.0, neginf=-half_range, posinf=half_range) * (127.5 / half_range)
                    + 127.5, 0, 255).astype(np.uint8)
    return lut[index]


def translucent(colour: str, alpha: int) -> QtGui.QColor:
    """A theme colour ('#rrggbb') with ``alpha`` (0-255), for the fill of a window."""
    result = QtGui.QColor(colour)
    result.setAlpha(alpha)
    return result


class GridView(ImageView):
    """Coloured cells, optional numbers, named overlay rectangles. ``cellHovered(row, col)`` and
    ``cellClicked(row, col)`` report integer cells."""

    cellHovered = QtCore.Signal(int, int)
    cellClicked = QtCore.Signal(int, int)

    def __init__(self, theme: Theme, title: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(theme, parent=parent)
        self.values: np.ndarray | None = None
        self.show_numbers = True
        self.min_cell_px = 30.0
        self._texts: list[pg.TextItem] = []
        self._text_state: list[tuple | None] = []  # what each text item shows now (None: hidden)
        self._rects: dict[str, QtWidgets.QGraphicsRectItem] = {}
        self._text_region: tuple | None = None
        self._dark_text = np.zeros((0, 0), bool)
        self.hovered.connect(lambda y, x: self.cellHovered.emit(int(y), int(x)))
        self.clicked.connect(lambda y, x: self.cellClicked.emit(int(y), int(x)))
        self.view.sigRangeChanged.connect(lambda *args: self.update_numbers())
        if title:
            self.setToolTip(title)
        # share space by the layouts' stretch factors (a graphics view's own size hint is large)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt name)
        return QtCore.QSize(160, 120)

    # ---- cells and numbers ---------------------------------------------------------------------------
    def set_cells(self, values: np.ndarray, rgba: np.ndarray) -> None:
        """Show ``values`` (H, W) coloured as ``rgba`` (H, W, 4); numbers follow ``values``, written
        dark on light cells and light on dark ones."""
        self.values = values
        luminance = rgba[..., 0] * 0.299 + rgba[..., 1] * 0.587 + rgba[..., 2] * 0.114
        shown = rgba[..., 3] > 0
        self._dark_text = np.where(shown, luminance > 140, not self.theme.dark)  # empty cells: the panel's colour
        self._text_region = None
        self.set_image(rgba)
        self.update_numbers()

    def cell_pixels(self) -> float:
        """How many screen pixels one cell takes now."""
        rect = self.view.viewRect()
        width = self.view.width()
        return width / rect.width() if rect.width() > 0 else 0.0

    def numbers_visible(self) -> bool:
        """Whether numbers are written now (cells big enough, few enough on screen)."""
        return bool(self._text_region and self._text_region[5])

    def update_numbers(self, force: bool = False) -> None:
        """Write the numbers of the visible cells when a cell is big enough to read one; the font is
        as large as the longest number allows."""
        values = self.values
        if values is None:
            return
        cell = self.cell_pixels()
        rect = self.view.viewRect()
        height, width = values.shape
        top, left = max(0, int(np.floor(rect.top()))), max(0, int(np.floor(rect.left())))
        bottom, right = min(height, int(np.ceil(rect.bottom())) + 1), min(width, int(np.ceil(rect.right())) + 1)
        visible = self.show_numbers and cell >= self.min_cell_px and (bottom - top) * (right - left) <= MAX_NUMBERS
        region = (top, left, bottom, right, round(cell), visible, id(values))
        if region == self._text_region and not force:
            return
        self._text_region = region
        used = 0
        if visible:
            cells = [(row, col, number_text(float(values[row, col])))
                     for row in range(top, bottom) for col in range(left, right)]
            longest = max((len(text) for _, _, text in cells), default=1)
            font = QtGui.QFont()
            font.setPixelSize(max(9, font_px(cell, longest)))
            font.setBold(True)
            colours = (self.theme.foreground if self.theme.dark else "#ffffff",
                       "#000000" if self.theme.dark else self.theme.foreground)
            for row, col, text in cells:
                if not text:
                    continue
                item = self._text_item(used)
                shown = (text, colours[int(self._dark_text[row, col])], font.pixelSize(), row, col)
                if self._text_state[used] != shown:  # most cells are unchanged from one step to the next
                    self._text_state[used] = shown
                    item.setText(text, shown[1])
                    item.setFont(font)
                    item.setPos(col + 0.5, row + 0.5)
                item.setVisible(True)
                used += 1
        for index, item in enumerate(self._texts[used:], start=used):
            if self._text_state[index] is not None:
                self._text_state[index] = None
                item.setVisible(False)

    def _text_item(self, index: int) -> pg.TextItem:
        while len(self._texts) <= index:
            self._text_state.append(None)
            item = pg.TextItem("", color=self.theme.foreground, anchor=(0.5, 0.5))
            item.setZValue(20)
            self.view.addItem(item)
            self._texts.append(item)
        return self._texts[index]

    # ---- overlays -------------------------------------------------------------------------------------
    def rect(self, name: str, top: float, left: float, height: float, width: float, colour: str,
             width_px: float | None = None, style: QtCore.Qt.PenStyle = QtCore.Qt.PenStyle.SolidLine,
             fill: QtGui.QColor | None = None, z: float = 30, halo: bool = False) -> QtWidgets.QGraphicsRectItem:
        """Create or move the rectangle called ``name`` (cell units). ``halo`` puts a wider outline in
        the background colour under it, so it stands out on cells of any colour."""
        pen_width = width_px or self.theme.line_px * 1.5
        if halo:
            self.rect(f"{name}#halo", top, left, height, width, self.theme.background, pen_width + 4, z=z - 0.5)
        item = self._rects.get(name)
        if item is None:
            item = QtWidgets.QGraphicsRectItem()
            item.setZValue(z)
            self.view.addItem(item)
            self._rects[name] = item
        pen = pg.mkPen(colour, width=pen_width, style=style)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setBrush(fill if fill is not None else QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush))
        item.setRect(QtCore.QRectF(left, top, width, height))
        item.setVisible(True)
        return item

    def hide_rect(self, name: str) -> None:
        for key in (name, f"{name}#halo"):
            item = self._rects.get(key)
            if item is not None:
                item.setVisible(False)

    def hide_rects(self, prefix: str) -> None:
        for name, item in self._rects.items():
            if name.startswith(prefix):
                item.setVisible(False)

    def focus(self, top: float, left: float, bottom: float, right: float) -> None:
        """Show this region of cells (a neighbourhood of the window in a big map), moved inside the
        map where it would stick out."""
        if self.values is not None:
            height, width = self.values.shape
            top, bottom = _inside(top, bottom, height)
            left, right = _inside(left, right, width)
        self.view.setRange(xRange=(left, right), yRange=(top, bottom), padding=0.02)

    def zoom_to(self, top: float, left: float, height: float, width: float, margin: float = 1.0) -> None:
        """Show the block (top, left, height, width) of cells in its neighbourhood, with cells about
        ``ZOOM_CELL_PX`` on screen so their numbers can be read (never less than the block and
        ``margin`` cells around it). While the block stays in view the grid stands still and the
        block moves over it; when it leaves, the view jumps so the block is at its left (windows
        travel left to right), centred in height."""
        rows = max(height + 2 * margin, self.view.height() / ZOOM_CELL_PX)
        cols = max(width + 2 * margin, self.view.width() / ZOOM_CELL_PX)
        shown = self.view.viewRect()
        readable = abs(self.cell_pixels() - ZOOM_CELL_PX) < ZOOM_CELL_PX * 0.25
        inside = (shown.top() <= top - margin and top + height + margin <= shown.bottom()
                  and shown.left() <= left - margin and left + width + margin <= shown.right())
        if readable and inside:
            return
        first_row, first_col = top + height / 2 - rows / 2, left - margin
        self.focus(first_row, first_col, first_row + rows, first_col + cols)

    def show_all(self) -> None:
        if self.values is not None:
            height, width = self.values.shape
            self.view.setRange(xRange=(0, width), yRange=(0, height), padding=0.02)


def _inside(start: float, end: float, size: int) -> tuple[float, float]:
    """Shift [start, end) to lie within [0, size) where it can (keeps its length)."""
    length = end - start
    if length >= size:
        return 0.0, float(size)
    if start < 0:
        return 0.0, length
    if end > size:
        return size - length, float(size)
    return start, end
