"""How a filter's output value adds up: one bar per input channel (its slice's w^T x), the bias, and
the total, each bar starting where the previous one ended (a waterfall), so the R, G, B slices of a
5x5x3 filter, or the 16 maps of a deeper layer, visibly sum to the number in the output map."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from convviz.ui.theme import Theme

MAX_LABELS = 20  # channel names written under the bars; with more channels every k-th one


class ContributionsPlot(pg.PlotWidget):
    """The waterfall of one output cell: channels, bias, total (the same items every step)."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent=parent, background=theme.panel)
        self.theme = theme
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        font = QtGui.QFont()
        font.setPointSizeF(theme.font_pt)
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setTextPen(theme.foreground)
            axis.setPen(theme.muted)
            axis.setStyle(tickFont=font)
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

    def show_sums(self, names: list[str], sums: np.ndarray, bias: float, value: float) -> None:
        """``sums[k]`` is channel ``names[k]``'s contribution; bias and the total ``value`` follow."""
        contributions = np.append(np.asarray(sums, dtype=np.float64), bias)
        ends = np.cumsum(contributions)
        starts = np.concatenate([[0.0], ends[:-1]])
        self.starts = np.append(starts, 0.0)
        self.heights = np.append(contributions, value)
        count = len(self.heights)
        theme = self.theme
        brushes = [theme.accent if h >= 0 else theme.window for h in contributions[:-1]]
        brushes += [theme.muted, theme.field]  # bias, total
        self.bars.setOpts(x=np.arange(count), y0=self.starts, height=self.heights, width=0.75, brushes=brushes,
                          pen=pg.mkPen(theme.foreground, width=1))
        self.total_line.setPos(value)
        labels = (*names, "bias", "= total")
        if labels != self._labels:
            self._labels = labels
            every = max(1, int(np.ceil(len(names) / MAX_LABELS)))
            ticks = [(k, name) for k, name in enumerate(names) if k % every == 0]
            ticks += [(len(names), "bias"), (len(names) + 1, "= total")]
            self.getAxis("bottom").setTicks([ticks])
            self.setXRange(-0.6, count - 0.4, padding=0)
        low = min(0.0, float(np.min(np.minimum(self.starts, self.starts + self.heights))))
        high = max(0.0, float(np.max(np.maximum(self.starts, self.starts + self.heights))))
        margin = 0.08 * max(high - low, 1e-6)
        self.setYRange(low - margin, high + margin, padding=0)


__all__ = ["ContributionsPlot"]
