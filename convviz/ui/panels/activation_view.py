"""The activation function of a layer, with where this frame's inputs actually fall: the curve over the
range where its own shape shows (ELU's smooth negative side, leaky ReLU's small slope), its gradient
on demand, a histogram of the layer's inputs on the same axis, and the share of units in the region
where the function saturates, dies or leaks, shaded in that region's own colour.

Maxout is drawn as the hinge it is: max(p1, p2) = p2 + max(p1 - p2, 0), so against d = piece 1 minus
the best other piece the output (less that piece) is max(d, 0), a ReLU whose kink is where the winner
changes; the histogram of d says which piece wins how often, and its gradient (to piece 1) is the step
"1 where piece 1 wins, else 0".

The plot items are made once; a new frame only updates the histogram and the numbers. The curve and
its gradient come from the layer's own torch module (core.mechanics) and are computed again only when
the layer changes. The legend is a line of text above the plot, so it never covers the picture.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.core.layers import layer_type
from convviz.core.mechanics import activation_curve, activation_function, activation_stats, maxout_stats
from convviz.export.figure import mark_controls
from convviz.model.selection import SelectionModel
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.view_common import LayerChooser, big_label, controls_row
from convviz.ui.theme import Theme

BINS = 60
HINGE_SPAN = 3.0  # the maxout picture shows d within +-3 robust spreads of this frame's differences


@dataclass(frozen=True)
class ActivationState:
    """What the lecturer set up here, kept across a new theme."""

    layer: int | None
    gradient: bool


class ActivationView(QtWidgets.QWidget):
    """One activation layer: f(x), optionally f'(x), and this frame's x values."""

    def __init__(self, theme: Theme, selection: SelectionModel, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.selection = selection
        self.result: FrameResult | None = None
        self.stats = None
        self._pending: ActivationState | None = None
        self._curve_key: tuple | None = None
        self._curve: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        top = QtWidgets.QHBoxLayout()
        self.layer_box = LayerChooser()
        self.layer_box.layerChosen.connect(lambda index: self.redraw())
        self.gradient_box = QtWidgets.QCheckBox("show the gradient f'(x)")
        self.gradient_box.toggled.connect(lambda checked: self.redraw())
        for widget in (QtWidgets.QLabel("Layer"), self.layer_box, self.gradient_box):
            top.addWidget(widget)
            mark_controls(widget)  # left out of figure-only exports
        top.addStretch(1)
        self.plot = pg.PlotWidget(background=theme.panel)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        font = QtGui.QFont()
        font.setPointSizeF(theme.text_pt)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setTextPen(theme.foreground)
            axis.setStyle(tickFont=font)
        # room above the plot for the top number of the axis, half a line over its tick
        self.plot.getPlotItem().setContentsMargins(2, QtGui.QFontMetrics(font).height() // 2 + 2, 8, 2)
        self._build_items()
        self.title = big_label(theme, "", 0.9, bold=True)
        self.legend = big_label(theme, "", 0.7)
        self.summary = big_label(theme, "", 0.8)
        outer = QtWidgets.QVBoxLayout(self)
        outer.addWidget(controls_row(top))
        outer.addWidget(self.title)
        outer.addWidget(self.legend)
        outer.addWidget(self.plot, 1)
        outer.addWidget(self.summary)
        selection.listen(self._selection_changed)

    def _build_items(self) -> None:
        """Every item the view ever draws, made once and shown or hidden as the layer needs."""
        theme = self.theme
        muted = QtGui.QColor(theme.muted)
        muted.setAlpha(140)
        self.histogram = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0, brush=muted, pen=None)
        self.histogram.setZValue(-5)
        self.plot.addItem(self.histogram)
        self.regions: list[pg.LinearRegionItem] = []
        self.region_labels: list[pg.TextItem] = []
        label_font = QtGui.QFont()
        label_font.setPointSizeF(max(theme.title_pt * 0.85, theme.text_pt))
        label_font.setBold(True)
        for _ in range(2):
            region = pg.LinearRegionItem((0, 1), movable=False, pen=pg.mkPen(None))
            region.setZValue(-10)
            self.plot.addItem(region)
            self.regions.append(region)
            text = pg.TextItem("", anchor=(0.5, 1.0))  # its foot at the given height: above the curve
            text.setFont(label_font)
            self.plot.addItem(text)
            self.region_labels.append(text)
        self.curve = self.plot.plot([0.0], [0.0], pen=pg.mkPen(theme.accent, width=theme.line_px * 2))
        self.gradient = self.plot.plot([0.0], [0.0], pen=pg.mkPen(theme.window, width=theme.line_px * 1.5,
                                                                     style=QtCore.Qt.PenStyle.DashLine))

    def detach(self) -> None:
        self.selection.forget(self._selection_changed)

    # ---- state kept across a new theme --------------------------------------------------------------
    def state(self) -> ActivationState | None:
        if self.result is None:
            return None
        return ActivationState(self.layer_box.current_layer(), self.gradient_box.isChecked())

    def restore(self, state: ActivationState | None) -> None:
        if state is None:
            return
        self._pending = state
        with signals_blocked(self.gradient_box):
            self.gradient_box.setChecked(state.gradient)

    def show_result(self, result: FrameResult) -> None:
        new_spec = self.result is None or result.spec is not self.result.spec
        self.result = result
        if new_spec:
            layers = [g for g in result.geometry.layers if g.kind.view == "activation"]
            self.layer_box.fill(result.spec, layers)
            if not self.layer_box.choose(self.selection.focus_layer) and layers \
                    and self.layer_box.current_layer() is None:
                self.layer_box.choose(layers[0].index)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            if pending.layer is not None:
                with signals_blocked(self.layer_box):
                    self.layer_box.choose(pending.layer)
        self.redraw()

    # ---- drawing ----------------------------------------------------------------------------------------
    def _show(self, *items: QtWidgets.QGraphicsItem) -> None:
        """Show exactly ``items`` of the ones this view owns."""
        owned = [self.histogram, *self.regions, *self.region_labels, self.curve, self.gradient]
        for item in owned:
            item.setVisible(item in items)

    def _set_legend(self, entries: list[tuple[str, str, str]]) -> None:
        """(symbol, colour, text) entries in a line above the plot."""
        parts = [f"<span style='color:{colour}'>{symbol}</span>&nbsp;{html.escape(text)}"
                 for symbol, colour, text in entries]
        self.legend.setText(" &nbsp;&nbsp; ".join(parts))

    def _labels(self, bottom: str, left: str) -> None:
        style = {"color": self.theme.foreground, "font-size": f"{self.theme.text_pt:.1f}pt"}
        self.plot.setLabel("bottom", bottom, **style)
        self.plot.setLabel("left", left, **style)

    def redraw(self) -> None:
        result = self.result
        index = self.layer_box.current_layer()
        if result is None or index is None or index >= len(result.outputs):
            self._show()
            self._set_legend([])
            self.title.setText("This network has no activation layer.")
            self.summary.setText("")
            return
        layer = result.spec.layers[index]
        pre = np.asarray(result.input_of(index))
        explained = layer_type(layer.type).explained_as
        self.gradient_box.setVisible(explained in ("curve", "pieces"))
        if explained == "pieces":
            self._draw_maxout(index, pre, layer.params["pieces"])
        elif explained == "probabilities":
            self._draw_softmax(index, pre, np.asarray(result.outputs[index]))
        else:
            self._draw_curve(index, pre)

    def _histogram(self, values: np.ndarray, function, span: tuple[float, float], height: float):
        stats = activation_stats(values, function, bins=BINS, span=span)
        self.stats = stats
        centres = (stats.edges[:-1] + stats.edges[1:]) / 2
        width = float(stats.edges[1] - stats.edges[0])
        self.histogram.setOpts(x=centres, height=stats.counts / max(1, stats.counts.max()) * height,
                               width=width * 0.95)
        return stats

    def _shade(self, slot: int, start: float, end: float, colour: str, text: str, top: float) -> list:
        """Region ``slot`` from ``start`` to ``end`` in ``colour``, labelled ``text`` near the top."""
        fill = QtGui.QColor(colour)
        fill.setAlpha(50)
        region, label = self.regions[slot], self.region_labels[slot]
        region.setRegion((start, end))
        region.setBrush(fill)
        label.setText(text, colour)
        label.setPos((start + end) / 2, top)
        return [region, label]

    def _draw_curve(self, index: int, pre: np.ndarray) -> None:
        result = self.result
        assert result is not None
        layer, geometry = result.spec.layers[index], result.geometry.layers[index]
        function = activation_function(layer)
        assert function is not None
        key = (id(layer), geometry.input_shape)
        if key != self._curve_key:  # the curve only changes with the layer: autograd once, not per frame
            x = np.linspace(function.span[0], function.span[1], 600, dtype=np.float32)
            y, dy = activation_curve(layer, geometry, x)
            self._curve, self._curve_key = (x, y, dy), key
        assert self._curve is not None
        x, y, dy = self._curve
        self.curve.setData(x, y)
        self.gradient.setData(x, dy)
        low, high = float(min(y.min(), 0.0)), float(y.max())
        if self.gradient_box.isChecked():
            low, high = min(low, float(dy.min())), max(high, float(dy.max()))
        stats = self._histogram(pre, function, function.span, height=max(0.5, 0.6 * (high - low)))
        colour = {"dead": self.theme.error, "saturated": self.theme.warning}.get(function.region, self.theme.window)
        shown: list[QtWidgets.QGraphicsItem] = [self.histogram, self.curve]
        if self.gradient_box.isChecked():
            shown.append(self.gradient)
        name = function.label.split(" (")[0]
        bounds = [(function.span[0], function.quiet[0], stats.low_fraction) if function.quiet[0] is not None else None,
                  (function.quiet[1], function.span[1], stats.high_fraction) if function.quiet[1] is not None else None]
        top = high + 0.18 * (high - low)  # above the curve, in the room the y range leaves
        for slot, bound in enumerate(b for b in bounds if b is not None):
            start, end, fraction = bound
            if end > start:
                shown += self._shade(slot, start, end, colour, f"{name}: {fraction * 100:.1f}%", top)
        self._show(*shown)
        entries = [("\u2588", self.theme.muted, "this frame's x (histogram, scaled)"),
                   ("\u2501", self.theme.accent, f"f(x) = {function.formula}")]
        if self.gradient_box.isChecked():
            entries.append(("\u2505", self.theme.window, "f'(x), the gradient"))
        self._set_legend(entries)
        self._labels("x (the layer's input)", "f(x)")
        self.plot.setXRange(*function.span, padding=0.02)
        self.plot.setYRange(low, high + 0.22 * (high - low), padding=0.04)
        self.title.setText(html.escape(f"{index + 1}  {function.name}: f(x) = {function.formula}"))
        outside = np.count_nonzero((pre < function.span[0]) | (pre > function.span[1]))
        detail = ""
        if function.quiet[0] is not None and function.quiet[1] is not None:
            detail = (f" ({stats.low_fraction * 100:.1f}% below {function.quiet[0]:g}, "
                      f"{stats.high_fraction * 100:.1f}% above {function.quiet[1]:g})")
        range_note = ""
        if outside:
            range_note = (f" {outside / max(1, pre.size) * 100:.1f}% of the inputs lie beyond the range shown "
                          f"(they range {stats.minimum:.3g} to {stats.maximum:.3g}; counted in the end bars).")
        self.summary.setText(f"<b style='color:{colour}'>{stats.quiet_fraction * 100:.1f}%</b> of this frame's "
                             f"{stats.count:,} units fall in the shaded region, {html.escape(function.label)}"
                             f"{detail}.{range_note}")

    def _draw_softmax(self, index: int, pre: np.ndarray, out: np.ndarray) -> None:
        span = (float(pre.min()), float(pre.max()) if pre.max() > pre.min() else float(pre.min()) + 1.0)
        self._histogram(pre, None, span, 1.0)
        self._show(self.histogram)
        self._set_legend([("\u2588", self.theme.muted, "the scores x (histogram)")])
        self._labels("score x (the layer's input)", "share of scores")
        self.plot.setXRange(*span, padding=0.05)
        self.plot.setYRange(0, 1, padding=0.05)
        self.title.setText(f"{index + 1}  softmax: e^x / \u03a3 e^x turns {pre.size} scores into probabilities")
        self.summary.setText(f"largest probability {float(out.max()):.3f} for class {int(np.argmax(out)) + 1}; "
                             "every probability depends on every score")

    def _draw_maxout(self, index: int, pre: np.ndarray, pieces: int) -> None:
        """The hinge: against d = piece 1 - the best other piece, the output less that piece is
        max(d, 0); the histogram of d; the regions where piece 1 or another piece wins."""
        stats = maxout_stats(pre, pieces)
        channels = pre.shape[0]
        grouped = np.asarray(pre, dtype=np.float32).reshape(channels // pieces, pieces, -1)
        others = grouped[:, 1:].max(axis=1)
        difference = (grouped[:, 0] - others).ravel()
        spread = float(np.percentile(np.abs(difference), 95)) if difference.size else 1.0
        reach = max(spread, 1e-3) * HINGE_SPAN / 2
        span = (-reach, reach)
        d = np.linspace(span[0], span[1], 201, dtype=np.float32)
        hinge, step = np.maximum(d, 0.0), (d > 0).astype(np.float32)
        self.curve.setData(d, hinge)
        self.gradient.setData(d, step * reach)  # drawn on the same scale: 1 at the top of the picture
        high = reach
        self._histogram(difference, None, span, height=0.6 * high)
        wins_first = float(stats.win_fraction[0])
        other = "piece 2" if pieces == 2 else "the best other piece"
        shown: list[QtWidgets.QGraphicsItem] = [self.histogram, self.curve]
        if self.gradient_box.isChecked():
            shown.append(self.gradient)
        top = high * 1.2
        shown += self._shade(0, span[0], 0.0, self.theme.window, f"{other} wins: {(1 - wins_first) * 100:.0f}%", top)
        shown += self._shade(1, 0.0, span[1], self.theme.field, f"piece 1 wins: {wins_first * 100:.0f}%", top)
        self._show(*shown)
        entries = [("\u2588", self.theme.muted, "this frame's d (histogram, scaled)"),
                   ("\u2501", self.theme.accent, f"max(p1, p2, ...) - {'p2' if pieces == 2 else 'best other'}"
                                                 " = max(d, 0)")]
        if self.gradient_box.isChecked():
            entries.append(("\u2505", self.theme.window, "gradient to piece 1: 1 where it wins, else 0 (top = 1)"))
        self._set_legend(entries)
        self._labels(f"d = piece 1 - {'piece 2' if pieces == 2 else 'best other piece'} (w1\u1d40x + b1 - ...)",
                     "output less the other piece")
        self.plot.setXRange(*span, padding=0.02)
        self.plot.setYRange(0.0, high * 1.25, padding=0.04)
        self.title.setText(f"{index + 1}  maxout over {pieces} pieces: max(w1\u1d40x + b1, w2\u1d40x + b2"
                           + (", ..." if pieces > 2 else "") + ") = a hinge, like ReLU, between its pieces")
        self.summary.setText("Each output unit is the largest of its pieces: linear where a piece wins, never "
                             "saturating, never dead; the gradient flows to the winning piece only. It needs the "
                             f"pieces' parameters (the conv before it has {pieces}x the filters). Winning shares: "
                             + ", ".join(f"piece {i + 1} {f * 100:.0f}%" for i, f in enumerate(stats.win_fraction)))

    def _selection_changed(self, selection: SelectionModel) -> None:
        if self.result is not None and selection.focus_layer != self.layer_box.current_layer():
            self.layer_box.choose(selection.focus_layer)
