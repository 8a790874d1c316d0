"""What a classifier says about the live frame: its top classes by name, as horizontal bars with their
probabilities, the winner in the accent colour. Shown for any network whose output is a vector of
class scores; the names come from the network file (ImageNet's for the published networks)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from convviz.core.classes import Scores, is_classifier, random_head, scores
from convviz.pipeline.engine import FrameResult
from convviz.ui.panels.view_common import big_label
from convviz.ui.theme import Theme

TOP = 5


class ClassScoresPanel(QtWidgets.QWidget):
    """The top ``TOP`` classes of the current frame; ``scores`` is the last shown (for tests)."""

    def __init__(self, theme: Theme, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.scores: Scores | None = None
        self.random = False  # the last shown scores came from random weights (said in the note)
        self._names_key: tuple | None = None
        self.title = big_label(theme, "", 0.9, bold=True)
        self.note = big_label(theme, "", 0.6, colour=theme.muted)
        self.plot = pg.PlotWidget(background=theme.panel)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.getAxis("bottom").setVisible(False)
        left = self.plot.getAxis("left")
        font = QtGui.QFont()
        font.setPointSizeF(max(theme.title_pt * 0.85, theme.text_pt))  # 20-pixel digits on a projector
        left.setStyle(tickFont=font, tickLength=0)
        left.setTextPen(theme.foreground)
        left.setPen(pg.mkPen(None))
        self.bars = pg.BarGraphItem(x0=[0.0], y=[0.0], width=[0.0], height=0.7, brush=theme.accent, pen=None)
        self.plot.addItem(self.bars)
        self.plot.getPlotItem().getViewBox().sigResized.connect(lambda view: self._fit())
        self.values: list[pg.TextItem] = []
        for _ in range(TOP):
            text = pg.TextItem("", color=theme.foreground, anchor=(0, 0.5))
            text.setFont(font)
            self.plot.addItem(text)
            self.values.append(text)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.title)
        box.addWidget(self.plot, 1)
        box.addWidget(self.note)
        self.setMinimumHeight(160)

    def show_result(self, result: FrameResult) -> bool:
        """Draw the frame's top classes; False (nothing drawn) if the network is not a classifier."""
        if not is_classifier(result.geometry) or len(result.outputs) != len(result.geometry.layers):
            self.scores = None
            return False
        self.scores = found = scores(result.spec, result.geometry, result.outputs[-1])
        top = found.top(min(TOP, len(found.names)))
        theme = self.theme
        brushes = [QtGui.QBrush(QtGui.QColor(theme.accent if p.rank == 1 else theme.muted)) for p in top]
        self.bars.setOpts(x0=np.zeros(len(top)), y=np.arange(len(top)), width=[p.probability for p in top],
                          height=0.7, brushes=brushes)
        key = tuple(p.index for p in top)
        if key != self._names_key:  # the axis is redrawn only when the ranking changes
            self._names_key = key
            self.plot.getAxis("left").setTicks([[(p.rank - 1, _short(p.name)) for p in top]])
        # bars on one scale from 0, stretched so the winner's fills two thirds of the width even when an
        # untrained network gives every class 0.1% (the numbers beside them say the truth)
        self._top = top
        for text, p in zip(self.values, top):
            text.setText(_percent(p.probability), theme.accent if p.rank == 1 else theme.foreground)
            text.setVisible(True)
        self._fit()
        for text in self.values[len(top):]:
            text.setVisible(False)
        self.plot.setYRange(-0.6, TOP - 0.4, padding=0)
        winner = top[0]
        self.title.setText(f"It says: <span style='color:{theme.accent}'>{_escape(winner.name)}</span> "
                           f"{_percent(winner.probability)}")
        note = f"{len(found.names)} classes; " + ("the network's softmax" if found.from_softmax
                                                 else "softmax of its scores, taken by convviz")
        self.random = random_head(result.spec)
        if self.random:  # AlexNet without its published file, or a network not trained yet
            note = f"<span style='color:{theme.error}'><b>Random weights</b>: a guess.</span> " + note
        self.note.setText(note)
        return True


    def _fit(self) -> None:
        """The bars' scale for the plot's width: room after the longest bar for its number, however
        large the font (a projector's), so it is never cut."""
        top = getattr(self, "_top", None)
        if not top:
            return
        data_px = max(1.0, self.plot.getPlotItem().getViewBox().width())
        text_px = max(QtGui.QFontMetrics(self.values[0].textItem.font()).horizontalAdvance(_percent(p.probability))
                      for p in top) + 16
        room = min(0.9, text_px / data_px)  # a narrow dock: short bars, the numbers whole ('100%' was cut)
        span = max(max(top[0].probability, 0.01) * 1.5, top[0].probability / max(0.1, 1 - room))
        self.plot.setXRange(0, span, padding=0)
        for text, p in zip(self.values, top):
            text.setPos(p.probability + span * 0.02, p.rank - 1)


def _percent(probability: float) -> str:
    """'71%', '4.2%', '0.1%': whole percent where that is precise enough to read."""
    percent = probability * 100
    return f"{percent:.0f}%" if percent >= 10 else f"{percent:.1f}%"


def _short(name: str, limit: int = 28) -> str:
    """ImageNet's names can be long ('tench, Tinca tinca'): the first one, cut to fit a bar's label."""
    first = name.split(",")[0]
    return first if len(first) <= limit else first[:limit - 1] + "\u2026"


def _escape(text: str) -> str:
    import html

    return html.escape(_short(text, 40))


__all__ = ["ClassScoresPanel"]
