"""A grid of numbers drawn as coloured cells, with the numbers written in when they can be read, thin
lines between the cells (a cell whose colour is the background's still shows), and named rectangles
on top (the sliding window, the current output cell...).

Used by the convolution and pooling views for inputs, outputs, kernels and products. Cells are
(row, col); cell (r, c) covers x in [c, c+1), y in [r, r+1) of the view. A big map can be shown as a
*block* of whole cells (``show_block``): only those cells are drawn, so no cell is cut at the edges.

All numbers are painted by one graphics item (``CellNumbers``) in its ``paint``: a 30x30 block of
numbers is one item to move and repaint, not 900 text items, and the item says at which pixel size
it wrote them (``drawn_font_px``, ``drawn_digit_px``), which is what the back row sees.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.ui.panels.image_view import ImageView
from convviz.ui.panels.numbers import number_text
from convviz.ui.theme import Theme

NUMBER_FILL = 0.9  # the widest number takes this much of its cell's width (a little margin on each side)
MAX_NUMBERS = 900  # numbers written at once (30 x 30 visible cells); more cells are colours only
MAX_FONT_PX = 56  # numbers in huge cells stop growing here (times the theme's scale)
NUMBER_FAMILIES = ("DejaVu Sans Condensed", "Liberation Sans Narrow", "Arial Narrow", "DejaVu Sans", "Sans Serif")
LINE_MIN_CELL_PX = 16  # cells smaller than this on screen get no lines between them (a picture stays a picture)

__all__ = ["CellNumbers", "GridView", "colour_cells", "number_font", "number_text", "translucent"]


def number_font(pixel_size: float) -> QtGui.QFont:
    """The numbers' font: bold and condensed where the system has one (a 5x5 slice of '-0.04's fits
    three grids across a 1920-pixel projector at 20-pixel digits)."""
    font = QtGui.QFont()
    font.setFamilies(list(NUMBER_FAMILIES))
    font.setBold(True)
    font.setPixelSize(max(1, round(pixel_size)))
    return font


def text_widths(texts: list[str]) -> float:
    """The widest of ``texts`` in the number font, as a multiple of its pixel size."""
    metrics = QtGui.QFontMetricsF(number_font(100))
    return max((metrics.horizontalAdvance(text) for text in texts if text), default=0.0) / 100.0


def digit_height(pixel_size: float) -> float:
    """How tall the digits of the number font are, in pixels, at ``pixel_size``."""
    return QtGui.QFontMetricsF(number_font(pixel_size)).tightBoundingRect("0123456789").height()


def readable_cell_px(theme: Theme, sample: str = "-0.00") -> float:
    """The smallest cell that holds ``sample`` in the theme's smallest number font."""
    return theme.number_px * text_widths([sample]) / NUMBER_FILL + 2


def colour_cells(values: np.ndarray, lut: np.ndarray, half_range: float) -> np.ndarray:
    """(H, W) values as (H, W, 4) uint8 colours, zero at the table's middle."""
    half_range = max(float(half_range), 1e-12)
    index = np.clip(np.nan_to_num(values, nan=0.0, neginf=-half_range, posinf=half_range) * (127.5 / half_range)
                    + 127.5, 0, 255).astype(np.uint8)
    return lut[index]


def translucent(colour: str, alpha: int) -> QtGui.QColor:
    """A theme colour ('#rrggbb') with ``alpha`` (0-255), for the fill of a window."""
    result = QtGui.QColor(colour)
    result.setAlpha(alpha)
    return result


class CellNumbers(QtWidgets.QGraphicsObject):
    """Every visible number of a grid, and the lines between its cells, painted in one go.

    Positions are in cell units (the view's coordinates); text and lines are drawn at a fixed pixel
    size whatever the view's scale, and scale with an export's device-pixel ratio (a 2x frame has 2x
    text and lines). ``drawn_font_px`` / ``drawn_digit_px`` / ``drawn_count`` tell what the last
    paint wrote (0 when it wrote no numbers).
    """

    def __init__(self, theme: Theme):
        super().__init__()
        self.theme = theme
        self.setZValue(20)
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, False)
        self._bounds = QtCore.QRectF()
        self._cells: list[tuple[int, int, str, bool]] = []  # row, col, text, dark text
        self._lines: tuple[int, int, int, int] | None = None  # top, left, bottom, right of the lined block
        self._cell_px = (0.0, 0.0)
        self.font_px = 0.0
        self.drawn_font_px = 0.0
        self.drawn_digit_px = 0.0
        self.drawn_count = 0
        self.paints = 0
        self.light, self.dark = ((theme.foreground, "#000000") if theme.dark else ("#ffffff", theme.foreground))
        line = QtGui.QColor(theme.muted)
        line.setAlpha(110 if theme.dark else 140)
        self.line_colour = line

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 (Qt name)
        return self._bounds

    def set_content(self, bounds: QtCore.QRectF, cells: list[tuple[int, int, str, bool]], font_px: float,
                    lines: tuple[int, int, int, int] | None, cell_px: tuple[float, float]) -> None:
        """What to paint: ``cells`` (row, col, text, dark) at ``font_px``, lines around the cells of
        ``lines``; ``cell_px`` is how many screen pixels a cell takes across and down."""
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self._cells, self.font_px, self._lines, self._cell_px = cells, font_px, lines, cell_px
        self.update()

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        self.paints += 1
        cell_x, cell_y = self._cell_px
        if cell_x <= 0 or cell_y <= 0:
            self.drawn_font_px = self.drawn_digit_px = 0.0
            self.drawn_count = 0
            return
        painter.save()
        painter.scale(1.0 / cell_x, 1.0 / cell_y)  # from here on one unit is one screen pixel
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        if self._lines is not None:
            top, left, bottom, right = self._lines
            pen = QtGui.QPen(self.line_colour, max(1.0, self.theme.line_px / 4))
            painter.setPen(pen)
            lines = [QtCore.QLineF(left * cell_x, r * cell_y, right * cell_x, r * cell_y)
                     for r in range(top, bottom + 1)]
            lines += [QtCore.QLineF(c * cell_x, top * cell_y, c * cell_x, bottom * cell_y)
                      for c in range(left, right + 1)]
            painter.drawLines(lines)
        if self._cells:
            font = number_font(self.font_px)
            painter.setFont(font)
            painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
            light, dark = QtGui.QColor(self.light), QtGui.QColor(self.dark)
            centre = QtCore.Qt.AlignmentFlag.AlignCenter
            current = None
            for row, col, text, dark_text in self._cells:
                if dark_text is not current:
                    painter.setPen(dark if dark_text else light)
                    current = dark_text
                painter.drawText(QtCore.QRectF(col * cell_x, row * cell_y, cell_x, cell_y), centre, text)
            self.drawn_font_px = float(font.pixelSize())
            self.drawn_digit_px = digit_height(font.pixelSize())
        else:
            self.drawn_font_px = self.drawn_digit_px = 0.0
        self.drawn_count = len(self._cells)
        painter.restore()


class GridView(ImageView):
    """Coloured cells, numbers when they can be read, named overlay rectangles. ``cellHovered(row, col)``
    and ``cellClicked(row, col)`` report integer cells."""

    cellHovered = QtCore.Signal(int, int)
    cellClicked = QtCore.Signal(int, int)

    def __init__(self, theme: Theme, title: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(theme, parent=parent)
        self.values: np.ndarray | None = None
        self.rgba: np.ndarray | None = None
        self.show_numbers = True
        self.min_font_px = theme.number_px  # numbers smaller than this are not written (colours only)
        self.numbers = CellNumbers(theme)
        self.view.addItem(self.numbers)
        self._rects: dict[str, QtWidgets.QGraphicsRectItem] = {}
        self._text_region: tuple | None = None
        self._widest: tuple[tuple, float] | None = None  # (the region without the filled count, its widest)
        self._numbers_shown = False
        self._dark_text = np.zeros((0, 0), bool)
        self._texts_cache: dict[tuple[int, int], str] = {}
        self.block: tuple[int, int, int, int] | None = None  # (top, left, bottom, right) shown, None: all
        self.filled: int | None = None  # only the first ``filled`` cells (row-major) are shown; None: all
        self.hovered.connect(lambda y, x: self.cellHovered.emit(int(np.floor(y)), int(np.floor(x))))
        self.clicked.connect(lambda y, x: self.cellClicked.emit(int(np.floor(y)), int(np.floor(x))))
        self.view.sigRangeChanged.connect(lambda *args: self.update_numbers())
        self.view.sigResized.connect(lambda *args: self.update_numbers())
        if title:
            self.setToolTip(title)
        self.setMinimumSize(16, 16)  # the views place their grids by hand, to the pixel
        # share space by the layouts' stretch factors (a graphics view's own size hint is large)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt name)
        return QtCore.QSize(160, 120)

    # ---- cells and numbers ---------------------------------------------------------------------------
    def set_cells(self, values: np.ndarray, rgba: np.ndarray) -> None:
        """Show ``values`` (H, W) coloured as ``rgba`` (H, W, 4); numbers follow ``values``, written
        dark on light cells and light on dark ones. The same cells again (a filter's weights at the
        next step) cost nothing: nothing is uploaded or repainted."""
        if self.values is not None and self.rgba is not None and values.shape == self.values.shape \
                and rgba.shape == self.rgba.shape and np.array_equal(values, self.values, equal_nan=True) \
                and np.array_equal(rgba, self.rgba):
            return
        self.values = values
        self.rgba = rgba
        luminance = rgba[..., 0] * 0.299 + rgba[..., 1] * 0.587 + rgba[..., 2] * 0.114
        shown = rgba[..., 3] > 0
        self._dark_text = np.where(shown, luminance > 140, not self.theme.dark)  # empty cells: the panel's colour
        self._texts_cache = {}
        self._text_region = self._widest = None
        if self.block is not None and (self.block[2] > values.shape[0] or self.block[3] > values.shape[1]):
            self.block = None
        self._show_image()
        self.update_numbers()

    def _show_image(self) -> None:
        rgba = self.rgba
        if rgba is None:
            return
        height, width = rgba.shape[:2]
        top, left, bottom, right = self.block if self.block is not None else (0, 0, height, width)
        block = rgba[top:bottom, left:right]
        if self.filled is not None and self.filled < height * width:
            # cells not computed yet: no colour (a copy of the shown block only, whatever the map's size)
            order = np.arange(top, bottom)[:, None] * width + np.arange(left, right)[None, :]
            shown = block.copy()
            shown[order >= self.filled, 3] = 0
        else:
            shown = np.ascontiguousarray(block)
        first = self._shape is None or self._shape != (height, width)
        self.image.setImage(shown, autoLevels=False, levels=None if shown.dtype == np.uint8 else (0, 1))
        self.image.setRect(QtCore.QRectF(left, top, right - left, bottom - top))
        if first:
            self._shape = (height, width)
            self.view.setRange(xRange=(0, width), yRange=(0, height), padding=0.01)

    def set_filled(self, count: int | None) -> None:
        """Show only the first ``count`` cells in row-major order (an output map filling in); the
        others are empty, without colour or number. Costs the shown block, not the map."""
        if count != self.filled:
            self.filled = count
            self._show_image()
            self.update_numbers()

    def set_image(self, image: np.ndarray, levels: tuple[float, float] | None = None) -> None:
        """A picture without numbers (ImageView's), always whole."""
        self.block = None
        super().set_image(image, levels)
        self.image.setRect(QtCore.QRectF(0, 0, image.shape[1], image.shape[0]))

    def image_point(self, scene_pos: QtCore.QPointF) -> tuple[float, float] | None:
        """The (row, col) point under ``scene_pos`` in cell units, over a shown cell only."""
        if self.values is None or not self.view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view.mapSceneToView(scene_pos)
        y, x = point.y(), point.x()
        height, width = self.values.shape
        top, left, bottom, right = self.block if self.block is not None else (0, 0, height, width)
        if top <= y < bottom and left <= x < right:
            return (y, x)
        return None

    def cell_pixels(self) -> float:
        """How many screen pixels one cell takes now (across)."""
        rect = self.view.viewRect()
        width = self.view.width()
        return width / rect.width() if rect.width() > 0 else 0.0

    def numbers_visible(self) -> bool:
        """Whether numbers are written now (cells big enough, few enough on screen)."""
        return self._numbers_shown

    def _text(self, row: int, col: int) -> str:
        key = (row, col)
        text = self._texts_cache.get(key)
        if text is None:
            text = number_text(float(self.values[row, col]))
            self._texts_cache[key] = text
        return text

    def update_numbers(self, force: bool = False) -> None:
        """Write the numbers of the visible cells when a cell is big enough to read one; the font is as
        large as the longest number allows, never below the theme's smallest readable size."""
        values = self.values
        if values is None:
            return
        rect = self.view.viewRect()
        width_px, height_px = self.view.width(), self.view.height()
        cell_x = width_px / rect.width() if rect.width() > 0 else 0.0
        cell_y = height_px / rect.height() if rect.height() > 0 else 0.0
        height, width = values.shape
        top, left, bottom, right = self.block if self.block is not None else (0, 0, height, width)
        top, left = max(top, int(np.floor(rect.top()))), max(left, int(np.floor(rect.left())))
        bottom, right = min(bottom, int(np.ceil(rect.bottom()))), min(right, int(np.ceil(rect.right())))
        bottom, right = max(bottom, top), max(right, left)
        count = (bottom - top) * (right - left)
        region = (top, left, bottom, right, round(cell_x, 1), round(cell_y, 1), id(values), self.filled)
        if region == self._text_region and not force:
            return
        self._text_region = region
        cells: list[tuple[int, int, str, bool]] = []
        font_px = 0.0
        cell = min(cell_x, cell_y)
        if self.show_numbers and 0 < count <= MAX_NUMBERS and cell > 0:
            texts = [(row, col, self._text(row, col)) for row in range(top, bottom) for col in range(left, right)]
            # the widest of the visible numbers: measured again when they change, not when one more cell of
            # the output is filled in (every playback step)
            if self._widest is None or self._widest[0] != region[:-1] or force:
                self._widest = (region[:-1], text_widths([text for _, _, text in texts]))
            widest = self._widest[1]
            if widest > 0:
                font_px = min(cell_x * NUMBER_FILL / widest, cell * 0.5, MAX_FONT_PX * self.theme.scale)
                if font_px >= self.min_font_px:
                    dark = self._dark_text
                    limit = self.filled if self.filled is not None else height * width
                    cells = [(row, col, text, bool(dark[row, col])) for row, col, text in texts
                             if text and row * width + col < limit]
                else:
                    font_px = 0.0
        self._numbers_shown = bool(cells)
        lines = (top, left, bottom, right) if cell >= LINE_MIN_CELL_PX * self.theme.scale and count else None
        self.numbers.set_content(QtCore.QRectF(0, 0, width, height), cells, font_px, lines, (cell_x, cell_y))

    def numbers_font_px(self) -> float:
        """The pixel size the numbers are written at now (0: no numbers)."""
        return self.numbers.font_px if self.numbers_visible() else 0.0

    # ---- what part of the map is shown ------------------------------------------------------------
    def show_block(self, top: int, left: int, bottom: int, right: int) -> None:
        """Show only the cells rows top..bottom-1, columns left..right-1 (whole cells, none cut)."""
        block = (int(top), int(left), int(bottom), int(right))
        changed = block != self.block
        self.block = block
        if changed:
            self._show_image()
        self.view.setRange(xRange=(block[1], block[3]), yRange=(block[0], block[2]), padding=0)
        self.update_numbers()

    def show_all(self, extra_columns: int = 0, padding: float = 0.02) -> None:
        """The whole map (``extra_columns`` of room on the right: a window hanging off the edge)."""
        if self.values is None:
            return
        height, width = self.values.shape
        if self.block is not None:
            self.block = None
            self._show_image()
        self.view.setRange(xRange=(0, width + extra_columns), yRange=(0, height), padding=padding)
        self.update_numbers()

    def fits_whole(self, min_cell_px: float, extra_columns: int = 0) -> bool:
        """Whether the whole map can be shown with cells of at least ``min_cell_px`` pixels."""
        if self.values is None:
            return True
        height, width = self.values.shape
        return min(self.view.width() / (width + extra_columns), self.view.height() / height) >= min_cell_px

    def zoom_to(self, top: float, left: float, height: float, width: float, cell_px: float,
                margin: int = 1) -> None:
        """Show whole cells around the block (top, left, height, width), about ``cell_px`` on screen,
        never fewer than the block and ``margin`` cells around it. While the block stays inside the
        shown cells the grid stands still and the block moves over it; when it leaves, the shown
        cells jump so the block is at their left (windows travel left to right), centred in height."""
        if self.values is None:
            return
        map_h, map_w = self.values.shape
        view_h, view_w = max(1, self.view.height()), max(1, self.view.width())
        rows = int(max(height + 2 * margin, view_h // max(cell_px, 1)))
        cols = int(max(width + 2 * margin, view_w // max(cell_px, 1)))
        # whole cells that fill the view both ways (the binding direction sets the cell size)
        cell = min(view_h / rows, view_w / cols)
        rows, cols = max(rows, int(view_h // cell)), max(cols, int(view_w // cell))
        rows, cols = min(rows, map_h), min(cols, map_w)
        shown = self.block
        if shown is not None and shown[2] - shown[0] == rows and shown[3] - shown[1] == cols:
            inside = (shown[0] <= max(0, top - margin) and min(map_h, top + height + margin) <= shown[2]
                      and shown[1] <= max(0, left - margin) and min(map_w, left + width + margin) <= shown[3])
            if inside:
                return
        first_row = int(np.clip(round(top + height / 2 - rows / 2), 0, map_h - rows))
        first_col = int(np.clip(left - margin, 0, map_w - cols))
        self.show_block(first_row, first_col, first_row + rows, first_col + cols)

    def focus(self, top: float, left: float, bottom: float, right: float) -> None:
        """Show this region of cells (whole cells, moved inside the map where it would stick out)."""
        if self.values is None:
            return
        height, width = self.values.shape
        top, bottom = _inside(np.floor(top), np.ceil(bottom), height)
        left, right = _inside(np.floor(left), np.ceil(right), width)
        self.show_block(int(top), int(left), int(bottom), int(right))

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
