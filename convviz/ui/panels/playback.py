"""Playback of a sliding window: play, pause, step, scrub, speed. One model, one bar of controls.

The model only counts steps; views listen to ``stepChanged`` and draw that step. Jumping to any step
is immediate because views work out a step from its number alone.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.export.figure import mark_controls
from convviz.ui.theme import Theme

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 100.0)  # steps per second


class Playback(QtCore.QObject):
    """The current step (0 .. count-1), whether it plays, and how fast."""

    stepChanged = QtCore.Signal(int)
    playingChanged = QtCore.Signal(bool)
    countChanged = QtCore.Signal(int)

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.step = 0
        self.count = 1
        self.speed = 2.0
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._apply_speed()

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def set_count(self, count: int, keep_step: bool = True) -> None:
        count = max(1, count)
        if count != self.count:
            self.count = count
            self.countChanged.emit(count)
        self.go(min(self.step, count - 1) if keep_step else 0, force=True)

    def go(self, step: int, force: bool = False) -> None:
        step = max(0, min(self.count - 1, step))
        if step != self.step or force:
            self.step = step
            self.stepChanged.emit(step)

    def forward(self) -> None:
        self.go(self.step + 1)

    def back(self) -> None:
        self.go(self.step - 1)

    def first(self) -> None:
        self.go(0)

    def last(self) -> None:
        self.go(self.count - 1)

    def play(self) -> None:
        if self.step >= self.count - 1:
            self.go(0)
        self.timer.start()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        self.timer.stop()
        self.playingChanged.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = steps_per_second
        self._apply_speed()

    def _apply_speed(self) -> None:
        self.timer.setInterval(max(10, round(1000 / self.speed)))

    def _tick(self) -> None:
        if self.step >= self.count - 1:
            self.pause()
        else:
            self.forward()


class PlaybackBar(QtWidgets.QWidget):
    """|<  <  play  >  >|  [====slider====]  step 5 / 9  speed [2 / s]"""

    def __init__(self, playback: Playback, theme: Theme, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.playback = playback
        mark_controls(self)  # left out of figure-only exports
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        self.buttons: dict[str, QtWidgets.QToolButton] = {}
        for name, text, tip, slot in (("first", "|\u25c0", "first step (Home)", playback.first),
                                      ("back", "\u25c0", "one step back (Left)", playback.back),
                                      ("play", "\u25b6", "play / pause (Space)", playback.toggle),
                                      ("forward", "\u25b6|", "one step forward (Right)", playback.forward),
                                      ("last", "\u25b6\u25b6|", "last step (End)", playback.last)):
            button = QtWidgets.QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setMinimumWidth(round(36 * theme.scale))
            button.clicked.connect(slot)
            button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            row.addWidget(button)
            self.buttons[name] = button
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        # never squeezed to a dot by big fonts on a small screen: the label and the speed give way first
        self.slider.setMinimumWidth(round(140 * theme.scale))
        # the groove in the theme's colours: Qt's own dark groove vanishes on a black projector theme
        groove = max(6, round(8 * theme.scale))
        self.slider.setStyleSheet(
            f"QSlider::groove:horizontal {{ background: {theme.panel}; border: 1px solid {theme.muted};"
            f" height: {groove}px; border-radius: {groove // 2}px; }}"
            f"QSlider::sub-page:horizontal {{ background: {theme.window}; border-radius: {groove // 2}px; }}"
            f"QSlider::handle:horizontal {{ background: {theme.accent}; border: 1px solid {theme.foreground};"
            f" width: {groove * 2}px; margin: -{groove // 2 + 2}px 0; border-radius: {groove}px; }}")
        self.slider.valueChanged.connect(playback.go)
        row.addWidget(self.slider, 1)
        self.label = QtWidgets.QLabel()
        row.addWidget(self.label)
        self.speed = QtWidgets.QComboBox()
        self.speed.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        for value in SPEEDS:
            self.speed.addItem(f"{value:g} steps/s", value)
        self.speed.setCurrentIndex(SPEEDS.index(playback.speed))
        self.speed.currentIndexChanged.connect(lambda i: playback.set_speed(self.speed.itemData(i)))
        row.addWidget(self.speed)
        playback.stepChanged.connect(self._step)
        playback.countChanged.connect(self._count)
        playback.playingChanged.connect(lambda playing: self.buttons["play"].setText("\u23f8" if playing else "\u25b6"))
        self._count(playback.count)
        self._step(playback.step)

    def _count(self, count: int) -> None:
        with signals_blocked(self.slider):
            self.slider.setRange(0, count - 1)
        self._fit_label()
        self._step(self.playback.step)

    def _fit_label(self) -> None:
        """A fixed width for 'step N / N' at the label's font as shown: a label that grows with its
        number would lay the bar out again at every step."""
        self.label.ensurePolished()
        count = self.playback.count
        metrics = QtGui.QFontMetrics(self.label.font())
        self.label.setFixedWidth(metrics.horizontalAdvance(f"step {count} / {count}") + 12)

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._fit_label()  # now with the window's style sheet (its font size)

    def _step(self, step: int) -> None:
        with signals_blocked(self.slider):
            self.slider.setValue(step)
        self.label.setText(f"step {step + 1} / {self.playback.count}")
