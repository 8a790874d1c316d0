"""How a filter's output value adds up: one bar per input channel (its slice's w^T x), the bias, and
the total, each bar starting where the previous one ended (a waterfall), so the R, G, B slices of a
5x5x3 filter, or the 16 maps of a deeper layer, visibly sum to the number in the output map."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from convviz.pipeline.display import nice_ceiling
from convviz.ui.theme import Theme

LABEL_GAP = 1.6  # a channel name takes this many times its own width under the bars (no two run together)


class ContributionsPlot(pg.PlotWidget):
    """The waterfall of one output cell: channels, bias, total (the same items every step)."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent=parent, background=theme.panel)
        self.theme = theme
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        font = QtGui.QFont()
        font.setPointSizeF(theme.text_pt)
        self._metrics = QtGui.QFontMetrics(font)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setTextPen(theme.foreground)
            axis.setPen(theme.muted)
            axis.setStyle(tickFont=font)
        # the names are placed apart here; pyqtgraph would drop the first and last for reaching past the axis
        self.getAxis("bottom").setStyle(hideOverlappingLabels=False)
        # few numbers up the side: big digits in a short chart must not run into each other; room above
        # the chart for the top number, which sits half a line over its tick
        self.getAxis("left").setTickDensity(0.5)
        self.getPlotItem().setContentsMargins(2, self._metrics.height() // 2 + 2, 2, 2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.75)
        self.addItem(self.bars)
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(theme.muted, width=1))
        self.addItem(self.zero)
        self.total_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(theme.accent, width=theme.line_px,
                                                                  style=pg.QtCore.Qt.PenStyle.DashLine))
        self.addItem(self.total_line)
        self.setMinimumHeight(110)
        self.heights = np.zeros(0)
        self.starts = np.zeros(0)
        self._labels: tuple[str, ...] = ()
        self._labelled_width = -1
        self._x = np.zeros(0)

    def _layout(self, names: list[str]) -> tuple[np.ndarray, list[tuple[float, str]], tuple[float, float]]:
        """Where the bars stand and which names are written under them, for this width: every k-th
        channel's name, k as small as keeps the names apart (64 maps of a 1x1 convolution: 'map 1',
        'map 9', ...); the bias and the total a little apart from the channels, so 'bias' and
        '= total' are always written and never cover a name."""
        count = len(names)
        width = max(1.0, self.width() - 90.0)
        label = max(self._metrics.horizontalAdvance(text) for text in [*names, "bias", "= total"]) * LABEL_GAP
        apart = max(self._metrics.horizontalAdvance(text) for text in (names[-1] if names else "", "bias", "= total"))
        per_bar = width / max(1, count + 2)
        gap = max(0.0, apart * 1.15 / per_bar - 1) if count > 3 else 0.0  # room for the two labels, in bars
        per_bar = width / max(1, count + 2 + 2 * gap)
        gap = max(0.0, apart * 1.15 / per_bar - 1) if count > 3 else 0.0
        x = np.append(np.arange(count, dtype=np.float64), [count + gap, count + 1 + 2 * gap])
        every = max(1, int(np.ceil(label / per_bar)))
        ticks = [(float(k), name) for k, name in enumerate(names) if k % every == 0 and k <= count - 1 - every / 2]
        if count and ticks and (count - 1) - ticks[-1][0] >= every:
            ticks.append((float(count - 1), names[-1]))
        ticks += [(float(x[-2]), "bias"), (float(x[-1]), "= total")]
        half = self._metrics.horizontalAdvance(names[0] if names else "bias") / 2 / per_bar if per_bar else 0.6
        return x, ticks, (-max(0.6, half + 0.1), float(x[-1]) + max(0.6, label / 2 / LABEL_GAP / per_bar + 0.1))

    def ticks(self, names: list[str]) -> list[tuple[float, str]]:
        return self._layout(names)[1]

    def show_sums(self, names: list[str], sums: np.ndarray, bias: float, value: float) -> None:
        """``sums[k]`` is channel ``names[k]``'s contribution; bias and the total ``value`` follow."""
        contributions = np.append(np.asarray(sums, dtype=np.float64), bias)
        ends = np.cumsum(contributions)
        starts = np.concatenate([[0.0], ends[:-1]])
        self.starts = np.append(starts, 0.0)
        self.heights = np.append(contributions, value)
        theme = self.theme
        brushes = [theme.accent if h >= 0 else theme.window for h in contributions[:-1]]
        brushes += [theme.muted, theme.field]  # bias, total
        labels = (*names, "bias", "= total")
        if labels != self._labels or self.width() != self._labelled_width:
            self._labels = labels
            self._labelled_width = self.width()
            self._x, ticks, x_range = self._layout(names)
            self.getAxis("bottom").setTicks([ticks, []])
            self.setXRange(*x_range, padding=0)
        self.bars.setOpts(x=self._x, y0=self.starts, height=self.heights, width=0.75, brushes=brushes,
                          pen=pg.mkPen(theme.foreground, width=1))
        self.total_line.setPos(value)
        low = min(0.0, float(np.min(np.minimum(self.starts, self.starts + self.heights))))
        high = max(0.0, float(np.max(np.maximum(self.starts, self.starts + self.heights))))
        # ends rounded up to values a class can read: the axis keeps its numbers from step to step (a range
        # that changed every step redrew the axis every step: half a millisecond of a playback step)
        top = nice_ceiling(high * 1.08) if high > 0 else 0.0
        bottom = -nice_ceiling(-low * 1.08) if low < 0 else 0.0
        if top == bottom:  # every term 0
            top = 1.0
        margin = 0.04 * (top - bottom) if top == 0 or bottom == 0 else 0.0  # room for the line at zero
        self.setYRange(bottom - (margin if bottom == 0 else 0), top + (margin if top == 0 else 0), padding=0)


__all__ = ["ContributionsPlot"]
