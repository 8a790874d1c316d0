"""One layer's activation maps: every map in a grid, coloured around zero, with a colour bar.

Flat outputs (after flatten: fully connected, softmax) are drawn as bars instead.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.connectivity import Related, related_region
from convviz.core.explain import lecture_shape_text
from convviz.core.geometry import NetworkGeometry
from convviz.core.spec import NetworkSpec
from convviz.core.summary import describe_layer, field_text
from convviz.model.selection import SelectionModel, Unit
from convviz.pipeline.display import LayerImage, MosaicLayout
from convviz.pipeline.engine import FrameResult
from convviz.sources.patterns import is_toy
from convviz.ui.panels.image_view import ImageView
from convviz.ui.panels.view_common import style_label
from convviz.ui.theme import Theme

MAX_TILE_MARKS = 64  # rectangles drawn per layer (one per map the unit is connected to)
MIN_MARK_PX = 14  # a unit's mark is never smaller than this on screen (times the theme's scale)


def make_title(text: str, theme: Theme, size: float | None = None, bold: bool = True,
               colour: str | None = None) -> QtWidgets.QLabel:
    """A title that wraps instead of being cut (a narrow panel on a projector shows all of it)."""
    label = QtWidgets.QLabel(text)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # names from files are text, never markup
    style_label(label, colour or theme.foreground, size or theme.title_pt, bold)
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.NoTextInteraction)
    # never let a long title widen its panel past the window: it wraps instead
    label.setWordWrap(True)
    label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(1)
    return label


def unbroken(text: str) -> str:
    """``text`` with no line break inside it (an output shape stays on one line when a title wraps)."""
    return text.replace(" ", "\u00a0")


class LayerMapsPanel(QtWidgets.QFrame):
    """Layer ``index``'s output: maps (C x H x W) as a mosaic, or a flat vector as bars. A layer of
    more maps than a page holds shows one page; ``pageRequested(index, first map)`` asks for another.

    The picture and the bars are made on first use (a colour bar and a plot cost ~15 ms a panel:
    VGG-16's 40 panels took 0.6 s before its first frame), and a maps panel off screen only keeps the
    latest result until it is scrolled into view (``show_result(result, visible=False)``); bars (two
    items of one colour each) are always drawn.
    """

    pageRequested = QtCore.Signal(int, int)

    def __init__(self, index: int, theme: Theme, selection: SelectionModel,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.theme = theme
        self.selection = selection
        self.layout_: MosaicLayout | None = None
        self.image: LayerImage | None = None  # the mosaic on screen and its colour ranges
        self.first_channel = 0  # the map in the mosaic's first tile (paging)
        self._requested: int | None = None  # the page asked for and not painted yet
        self._total = 0  # the layer's number of maps
        self.values: np.ndarray | None = None
        self.nonfinite = 0  # NaN / Inf values in what the panel shows
        self.on_screen = False  # set by the window: the panel lies in the visible part of the scroll area
        self.setObjectName("layerPanel")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"#layerPanel {{ background: {theme.panel}; border: 1px solid {theme.muted};"
                           " border-radius: 4px; }")
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(2)
        self._box = box
        self.title = make_title(f"{index + 1}", theme, max(theme.text_pt, theme.title_pt * 0.92))
        self.subtitle = make_title("", theme, theme.text_pt, bold=False, colour=theme.muted)
        box.addWidget(self.title)
        box.addWidget(self.subtitle)
        self.pager = QtWidgets.QWidget()
        pager_row = QtWidgets.QHBoxLayout(self.pager)
        pager_row.setContentsMargins(0, 0, 0, 0)
        self.page_back = QtWidgets.QToolButton()
        self.page_back.setText("\u25c0")
        self.page_next = QtWidgets.QToolButton()
        self.page_next.setText("\u25b6")
        self.page_label = make_title("", theme, theme.text_pt, bold=False, colour=theme.muted)
        self.page_back.clicked.connect(lambda: self._turn(-1))
        self.page_next.clicked.connect(lambda: self._turn(1))
        for widget in (self.page_back, self.page_label, self.page_next):
            pager_row.addWidget(widget)
        pager_row.setStretch(1, 1)
        self.pager.setVisible(False)
        box.addWidget(self.pager)
        self.waiting = make_title("computing\u2026", theme, theme.text_pt, bold=False, colour=theme.muted)
        self.waiting.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.waiting, 1)
        self._maps: ImageView | None = None
        self._bars: pg.PlotWidget | None = None
        self._marks: list[QtWidgets.QGraphicsRectItem] = []
        self.related: Related | None = None
        self.network_geometry: NetworkGeometry | None = None
        self._titled: object = None  # the network whose titles are shown
        self._hovered_tile: int | None = None
        self.setMinimumHeight(220)
        self.selection.listen(self._selection_changed)
        self.shown_sequence = -1

    # ---- the picture and the bars, made on first use ----------------------------------------------
    @property
    def maps(self) -> ImageView:
        if self._maps is None:
            self._maps = ImageView(self.theme, colour_bar=True)
            self._maps.hovered.connect(self._hovered)
            self._maps.clicked.connect(self._clicked)
            self._maps.left.connect(lambda: self._leave())
            self._maps.setVisible(False)
            self._box.addWidget(self._maps, 1)
        return self._maps

    @property
    def bars(self) -> pg.PlotWidget:
        if self._bars is None:
            theme = self.theme
            self._bars = pg.PlotWidget(background=theme.panel)
            self._bars.setMouseEnabled(False, False)
            self._bars.setMenuEnabled(False)
            self._bars.hideButtons()
            tick_font = QtGui.QFont()
            tick_font.setPointSizeF(theme.text_pt)
            for axis in ("left", "bottom"):
                self._bars.getAxis(axis).setTextPen(theme.foreground)
                self._bars.getAxis(axis).setStyle(tickFont=tick_font)
            # room above the chart for its top number, which sits half a line over its tick
            self._bars.getPlotItem().setContentsMargins(2, QtGui.QFontMetrics(tick_font).height() // 2 + 2, 2, 2)
            # two items of one colour each (positive, negative): one brush per bar cost 100 ms a frame
            # for AlexNet's 4,096 units
            self.bar_item = pg.BarGraphItem(x=[], height=[], width=0.8, brush=theme.accent, pen=None)
            self.negative_bar_item = pg.BarGraphItem(x=[], height=[], width=0.8, brush=theme.window, pen=None)
            self._bars.addItem(self.bar_item)
            self._bars.addItem(self.negative_bar_item)
            self.bar_mark = QtWidgets.QGraphicsRectItem()  # the unit chosen, or all units linked to it
            self.bar_mark.setZValue(10)
            self.bar_mark.setVisible(False)
            self._bars.addItem(self.bar_mark, ignoreBounds=True)  # its pen must not widen the chart's range
            self._bars.scene().sigMouseMoved.connect(self._bars_hovered)
            self._bars.scene().sigMouseClicked.connect(self._bars_clicked)
            self._bars.setVisible(False)
            self._box.addWidget(self._bars, 1)
        return self._bars

    def picture_view(self) -> ImageView | None:
        """The maps' view if it has been made (None for flat layers and panels never shown)."""
        return self._maps

    @property
    def maps_made(self) -> bool:
        return self._maps is not None

    def reuse(self) -> None:
        """The panel will show another network's layer of the same number (an edit keeps the panels:
        making one costs tens of milliseconds): forget this one's picture."""
        self.layout_ = self.image = self.values = None
        self.first_channel = 0
        self._requested = None
        self._total = 0
        self._titled = None
        self._hovered_tile = None
        self._set_nonfinite(0)
        self.pager.setVisible(False)
        self.shown_sequence = -1

    # ---- drawing --------------------------------------------------------------------------------
    def show_layer(self, spec: NetworkSpec, geometry: NetworkGeometry) -> None:
        """Title and subtitle from the network alone (also before its first frame)."""
        layer = spec.layers[self.index]
        self.network_geometry = geometry
        layer_geometry = geometry.layers[self.index]
        shape = layer_geometry.output_shape
        self._title_text = (f"{self.index + 1}  {describe_layer(layer)}  "
                            + unbroken(f"\u2192 {lecture_shape_text(shape)}"))
        self._update_title()
        details = []
        formulas = layer_geometry.formulas()
        if formulas:
            details.append(formulas[1])
        if layer_geometry.params:
            details.append(f"{layer_geometry.params:,} params")
        details.append(f"receptive field {field_text(layer_geometry.receptive_field)}")
        self.subtitle.setText("   \u00b7   ".join(details))

    def set_waiting(self, text: str) -> None:
        """Before the first frame: the titles, and ``text`` where the maps will be."""
        self.waiting.setText(text)
        self.waiting.setVisible(True)

    def _update_title(self) -> None:
        text = getattr(self, "_title_text", f"{self.index + 1}")
        if self.nonfinite:
            text += f"   \u26a0 {self.nonfinite:,} NaN/Inf (magenta)"
        self.title.setText(text)

    def show_result(self, result: FrameResult, visible: bool = True) -> None:
        """Draw ``result``'s output of this layer; off screen (``visible`` False) only keep it."""
        new_network = result.built is not self._titled
        if new_network:
            self.show_layer(result.spec, result.geometry)
            self._titled = result.built
        self.network_geometry = result.geometry
        output = result.outputs[self.index]
        self.values = output
        self.shown_sequence = result.sequence
        if not visible and output.ndim == 3:  # bars are cheap and always kept up to date (their marks too)
            if new_network:
                self._selection_changed(self.selection)  # the relations, drawn once it is scrolled to
            return
        image = result.images[self.index]
        self.waiting.setVisible(False)
        if output.ndim == 3:
            if self._bars is not None:
                self._bars.setVisible(False)
            self.maps.setVisible(True)
            if image is not None:  # None: not painted while off screen; the next frame brings it
                self._show_image(image)
        else:
            self.layout_ = self.image = None
            if self._maps is not None:
                self._maps.setVisible(False)
            self.bars.setVisible(True)
            finite = np.isfinite(output)
            nonfinite = int(output.size - np.count_nonzero(finite))
            heights = np.where(finite, output, 0.0) if nonfinite else output
            x = np.arange(len(output))
            self.bar_item.setOpts(x=x, height=np.maximum(heights, 0), width=0.8)
            self.negative_bar_item.setOpts(x=x, height=np.minimum(heights, 0), width=0.8)
            self.bars.setXRange(-0.7, len(output) - 0.3, padding=0)
            self._number_bars(len(output))
            self._set_nonfinite(nonfinite)
        self._selection_changed(self.selection)

    def _show_image(self, image: LayerImage) -> None:
        self.layout_ = image.layout
        self.image = image
        self.first_channel = image.first_channel
        self._total = image.channels
        if self._requested == image.first_channel:
            self._requested = None
        maps = self.maps
        maps.set_image(image.argb)
        self._show_scale()
        self._set_nonfinite(image.nonfinite)
        paged = image.channels > image.layout.channels or image.first_channel > 0
        self.pager.setVisible(paged)
        if paged:
            last = image.first_channel + image.layout.channels
            self.page_label.setText(f"maps {image.first_channel + 1}-{last} of {image.channels}")
            self.page_back.setEnabled(image.first_channel > 0)
            self.page_next.setEnabled(last < image.channels)

    def _show_scale(self) -> None:
        """The colour bar shows the scale in use: the layer's, the fixed one, or with per-map colours
        the page's largest (the hovered map's own while the pointer is over it)."""
        image = self.image
        if image is None or self._maps is None:
            return
        tile = self._hovered_tile
        if image.mode == "map" and tile is not None and image.tile_ranges is not None \
                and 0 <= tile < len(image.tile_ranges):
            self._maps.set_range(image.range_of(tile), f"map {image.first_channel + tile + 1}: its own range")
        else:
            label = {"layer": "per layer", "map": "per map: the largest", "fixed": "fixed"}.get(image.mode, "")
            self._maps.set_range(image.half_range, label)

    def _set_nonfinite(self, count: int) -> None:
        if count != self.nonfinite:
            self.nonfinite = count
            self._update_title()

    def _number_bars(self, count: int) -> None:
        """Unit numbers under the bars, counted from 1 as a person counts, as many as fit apart."""
        axis = self.bars.getAxis("bottom")
        metrics = QtGui.QFontMetrics(axis.style["tickFont"] or QtGui.QFont())
        room = max(1, self.bars.width() - 60) / max(1, metrics.horizontalAdvance(f"{count}  ") * 1.4)
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 10**9)
                    if count / s <= room)
        key = (count, step)
        if key != getattr(self, "_bar_ticks", None):
            self._bar_ticks = key
            numbers = [1, *range(step, count + 1, step)] if step > 1 else list(range(1, count + 1))
            axis.setTicks([[(n - 1, str(n)) for n in numbers], []])

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.values is not None and self.values.ndim == 1 and self._bars is not None:
            self._number_bars(len(self.values))

    def _turn(self, direction: int) -> None:
        """The next or previous page (quick clicks add up before the repaint arrives)."""
        if self.layout_ is not None and self._total:
            from convviz.pipeline.engine import MAP_PAGE

            start = self._requested if self._requested is not None else self.first_channel
            wanted = max(0, min(start + direction * MAP_PAGE, (self._total - 1) // MAP_PAGE * MAP_PAGE))
            self._requested = wanted
            self.pageRequested.emit(self.index, wanted)

    # ---- pointer --------------------------------------------------------------------------------
    def _unit_at(self, y: float, x: float) -> Unit | None:
        if self.layout_ is None:
            return None
        found = self.layout_.locate(y, x)
        if found is None:
            return None
        channel, row, col = found
        return Unit(self.index, channel + self.first_channel, row, col)

    def _bar_at(self, scene_pos: QtCore.QPointF) -> Unit | None:
        """The unit of a flat layer (a bar) under the pointer."""
        if self.values is None or self.values.ndim != 1 or self._bars is None or not self._bars.isVisible():
            return None
        view = self.bars.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        index = int(round(view.mapSceneToView(scene_pos).x()))
        return Unit(self.index, index, 0, 0) if 0 <= index < len(self.values) else None

    def _bars_hovered(self, scene_pos: QtCore.QPointF) -> None:
        unit = self._bar_at(scene_pos)
        if unit is not None:
            self.selection.set_hover(unit)
        else:
            self._leave()

    def _bars_clicked(self, event: object) -> None:
        unit = self._bar_at(event.scenePos())  # type: ignore[attr-defined]
        if unit is not None:
            self.selection.pin(unit)

    def _hovered(self, y: float, x: float) -> None:
        unit = self._unit_at(y, x)
        tile = None if unit is None else unit.channel - self.first_channel
        if tile != self._hovered_tile:
            self._hovered_tile = tile
            self._show_scale()
        self.selection.set_hover(unit)

    def _clicked(self, y: float, x: float) -> None:
        unit = self._unit_at(y, x)
        if unit is not None:
            self.selection.pin(unit)

    def _leave(self) -> None:
        if self._hovered_tile is not None:
            self._hovered_tile = None
            self._show_scale()
        if self.selection.hover is not None and self.selection.hover.layer == self.index:
            self.selection.set_hover(None)

    def _selection_changed(self, selection: SelectionModel) -> None:
        """Show how the chosen unit relates to this layer: itself, its receptive field here, or the
        units here that see it (the geometry comes from the core)."""
        unit = selection.active
        self.related = None
        if unit is None and not self._marks:
            return  # nothing chosen, nothing drawn: the common case of every live frame
        maps = self.values is not None and self.values.ndim == 3  # flat layers show no relations
        if unit is not None and maps and self.network_geometry is not None \
                and unit.layer < len(self.network_geometry.layers):
            self.related = related_region(self.network_geometry, unit.layer, unit.channel, unit.row, unit.col,
                                          self.index)
        related, layout = self.related, self.layout_
        used = 0
        empty = related is not None and (related.box[2] <= related.box[0] or related.box[3] <= related.box[1])
        if related is not None and layout is not None and not empty:
            colour = {"unit": self.theme.accent, "field": self.theme.field, "reach": self.theme.window,
                      "whole": self.theme.field}[related.kind]
            top, left, bottom, right = related.box
            shown = [c - self.first_channel for c in related.channels
                     if 0 <= c - self.first_channel < layout.channels]
            pixel_w, pixel_h = self._view_pixel()
            least_w, least_h = MIN_MARK_PX * self.theme.scale * pixel_w, MIN_MARK_PX * self.theme.scale * pixel_h
            for channel in shown[:MAX_TILE_MARKS]:
                y, x, h, w = layout.map_rect(channel, top, left, bottom, right)
                # a single unit of a shrunk map would be a dot: never smaller than MIN_MARK_PX on screen
                if w < least_w:
                    x, w = x + w / 2 - least_w / 2, least_w
                if h < least_h:
                    y, h = y + h / 2 - least_h / 2, least_h
                item = self._mark(used, colour)
                item.setRect(QtCore.QRectF(x, y, w, h))
                used += 1
        for item in self._marks[used:]:
            item.setVisible(False)
        self._mark_bars(unit)

    def _view_pixel(self) -> tuple[float, float]:
        """How much of the mosaic one screen pixel covers (across, down)."""
        size = self.maps.view.viewPixelSize()
        return (abs(size[0]) or 1.0, abs(size[1]) or 1.0)

    def _mark_bars(self, unit: Unit | None) -> None:
        """A flat layer (fully connected, softmax): the chosen bar framed, or, for a unit of another
        layer, the whole chart (every unit of a dense layer is linked to every unit before it)."""
        values = self.values
        if unit is None or values is None or values.ndim != 1 or self._bars is None or not self._bars.isVisible():
            if self._bars is not None:
                self.bar_mark.setVisible(False)
            return
        count = len(values)
        low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
        if unit.layer == self.index and 0 <= unit.channel < count:
            value = float(values[unit.channel])
            rect = QtCore.QRectF(unit.channel - 0.5, min(0.0, value), 1.0, max(abs(value), (high - low) * 0.02))
            colour = self.theme.foreground  # the bars are in the accent colour: the frame stands out
        else:
            rect = QtCore.QRectF(-0.6, low, count + 0.2, max(high - low, 1e-6))
            colour = self.theme.window if unit.layer < self.index else self.theme.field
        pen = pg.mkPen(colour, width=self.theme.line_px * 1.5)
        pen.setCosmetic(True)
        self.bar_mark.setPen(pen)
        self.bar_mark.setRect(rect)
        self.bar_mark.setVisible(True)

    def _mark(self, index: int, colour: str) -> QtWidgets.QGraphicsRectItem:
        while len(self._marks) <= index:
            item = QtWidgets.QGraphicsRectItem()
            item.setZValue(10)
            self.maps.view.addItem(item, ignoreBounds=True)  # marks never move the maps' range
            self._marks.append(item)
        item = self._marks[index]
        pen = pg.mkPen(colour, width=self.theme.line_px * 1.5)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setVisible(True)
        return item

    def detach(self) -> None:
        """Stop listening to the shared selection (before the panel is thrown away)."""
        self.selection.forget(self._selection_changed)

    def value_at(self, unit: Unit) -> float | None:
        if self.values is None:
            return None
        try:
            if self.values.ndim == 3:
                return float(self.values[unit.channel, unit.row, unit.col])
            return float(self.values[unit.channel])
        except IndexError:
            return None


class InputPanel(QtWidgets.QFrame):
    """The network's input as it sees it (after resizing and colour adaptation)."""

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        self.title = make_title("Input", theme)
        self.subtitle = make_title("", theme, theme.text_pt, bold=False, colour=theme.muted)
        self.view = ImageView(theme)
        box.addWidget(self.title)
        box.addWidget(self.subtitle)
        box.addWidget(self.view, 1)
        self.view.hovered.connect(self._hovered)
        self.view.clicked.connect(self._clicked)
        self.view.left.connect(self._leave)
        self.marker = QtWidgets.QGraphicsRectItem()
        self.marker.setPen(pg.mkPen(theme.accent, width=theme.line_px))
        self.marker.setZValue(10)
        self.marker.setVisible(False)
        self.view.view.addItem(self.marker)
        self.heat = pg.ImageItem()  # Grad-CAM: where the class comes from, over the picture
        self.heat.setZValue(5)
        self.heat.setVisible(False)
        self.view.view.addItem(self.heat)
        self._heat_lut = _heat_lut()
        self.padding_marker = QtWidgets.QGraphicsRectItem()
        dashed = pg.mkPen(theme.field, width=theme.line_px, style=QtCore.Qt.PenStyle.DashLine)
        dashed.setCosmetic(True)
        self.padding_marker.setPen(dashed)
        self.padding_marker.setZValue(9)
        self.padding_marker.setVisible(False)
        self.view.view.addItem(self.padding_marker)
        self.related: Related | None = None
        self.network_geometry: NetworkGeometry | None = None
        self.selection.listen(self._selection_changed)
        self.image: np.ndarray | None = None

    def show_result(self, result: FrameResult) -> None:
        prepared = result.prepared
        channels, height, width = result.geometry.input_shape
        self.title.setText(f"Input  {width}x{height}x{channels}")
        source = result.source_name or "input"
        scale = f"scaled x{prepared.scale:.3g}" if prepared.scale != 1 else "actual size"
        if is_toy(prepared):  # the built-in input on a tiny network: a pattern with round numbers
            self.subtitle.setText(f"toy pattern {width}x{height} with round numbers (instead of the {source})")
        else:
            self.subtitle.setText(f"{source} ({prepared.source_size[1]}x{prepared.source_size[0]}, {scale})")
        self.image = prepared.tensor
        self.network_geometry = result.geometry
        self.view.set_image(prepared.display)

    def detach(self) -> None:
        self.selection.forget(self._selection_changed)

    def set_heat(self, heat: np.ndarray | None) -> None:
        """A heat map (H, W) in 0..1 at the input's size drawn over the picture (None: none): hot and
        opaque where it is high, clear where it is 0."""
        if heat is None:
            self.heat.setVisible(False)
            return
        index = np.clip(heat * 255, 0, 255).astype(np.uint8)
        self.heat.setImage(self._heat_lut[index], autoLevels=False)
        self.heat.setVisible(True)

    def _unit(self, y: float, x: float) -> Unit:
        return Unit(-1, 0, int(y), int(x))

    def _hovered(self, y: float, x: float) -> None:
        self.selection.set_hover(self._unit(y, x))

    def _clicked(self, y: float, x: float) -> None:
        self.selection.pin(self._unit(y, x))

    def _leave(self) -> None:
        if self.selection.hover is not None and self.selection.hover.layer == -1:
            self.selection.set_hover(None)

    def _selection_changed(self, selection: SelectionModel) -> None:
        """The chosen unit's receptive field in the input (solid: the pixels it sees; dashed: the
        part that lies in the zero padding), or the chosen pixel itself."""
        unit = selection.active
        self.related = None
        if unit is not None and self.network_geometry is not None and unit.layer < len(self.network_geometry.layers):
            self.related = related_region(self.network_geometry, unit.layer, unit.channel, unit.row, unit.col, -1)
        related = self.related
        if related is None:
            self.marker.setVisible(False)
            self.padding_marker.setVisible(False)
            return
        top, left, bottom, right = related.box
        colour = self.theme.accent if related.kind == "unit" else self.theme.field
        pen = pg.mkPen(colour, width=self.theme.line_px * 1.5)
        pen.setCosmetic(True)
        self.marker.setPen(pen)
        self.marker.setRect(QtCore.QRectF(left, top, right - left, bottom - top))
        self.marker.setVisible(bottom > top and right > left)  # empty: the unit sees only zero padding
        if related.unclipped is not None and related.unclipped != related.box:
            u_top, u_left, u_bottom, u_right = related.unclipped
            self.padding_marker.setRect(QtCore.QRectF(u_left, u_top, u_right - u_left, u_bottom - u_top))
            self.padding_marker.setVisible(True)
        else:
            self.padding_marker.setVisible(False)


def _heat_lut() -> np.ndarray:
    """256 RGBA colours for heat 0..1: clear below a fifth, then red through orange to yellow, up to
    80% opaque: the picture stays readable under the cool parts, the hot parts glow."""
    ramp = np.linspace(0, 1, 256)
    table = np.zeros((256, 4), np.uint8)
    table[:, 0] = 255
    table[:, 1] = np.clip((ramp - 0.35) / 0.65, 0, 1) * 235
    table[:, 2] = np.clip((ramp - 0.8) / 0.2, 0, 1) * 120
    table[:, 3] = np.clip((ramp - 0.2) / 0.8, 0, 1) ** 0.7 * 205
    return table


__all__ = ["InputPanel", "LayerMapsPanel", "make_title"]
