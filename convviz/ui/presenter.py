"""Presenter mode: full screen, projector theme, big fonts and thick lines, menus and toolbars away,
one key per action, and a help overlay (?) generated from the key table."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from convviz.ui.keymap import CommandRegistry, KeyBinding
from convviz.ui.theme import DESK_OF, OTHER_BRIGHTNESS, PROJECTOR_OF, THEMES, Theme

DESIGN_HEIGHT = 1080  # the projector themes' sizes are for a screen this many pixels high
INPUT_DOCK_SHARE = 0.16  # of the window's width, for the input beside the network's maps


def presenter_scale(height: int) -> float:
    """How much the projector theme is scaled on a screen ``height`` pixels high: the picture looks
    the same on a 1280x720 projector as on a 1920x1080 one (steps of 5%, between 0.5 and 2)."""
    return min(2.0, max(0.5, round(height / DESIGN_HEIGHT * 20) / 20))


def projector_theme(name: str, height: int) -> Theme:
    """The projector twin of theme ``name`` for a screen ``height`` pixels high."""
    base = THEMES[PROJECTOR_OF[name]]
    factor = presenter_scale(height)
    return base if factor == 1 else base.scaled(factor)

if TYPE_CHECKING:
    from convviz.ui.main_window import MainWindow


def help_rows(bindings: list[KeyBinding]) -> list[tuple[str, str, str]]:
    """(group, keys, text) rows for the overlay; the nine layer keys become one row '1-9'."""
    rows: list[tuple[str, str, str]] = []
    for binding in bindings:
        if binding.command.startswith("layer_"):
            if binding.command == "layer_1":
                rows.append((binding.group, "1-9", binding.text))
            continue
        keys = " / ".join("Space" if k == "Space" else k for k in binding.keys)
        rows.append((binding.group, keys, binding.text))
    return rows


class HelpOverlay(QtWidgets.QWidget):
    """A dimmed sheet over the window listing every key. ? or Esc or a click closes it."""

    def __init__(self, window: MainWindow, registry: CommandRegistry):
        super().__init__(window)
        self.window_ = window
        self.registry = registry
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setObjectName("helpOverlay")
        self.label = QtWidgets.QLabel(self)
        self.label.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        box = QtWidgets.QVBoxLayout(self)
        box.addWidget(self.label)
        self.hide()

    def rows(self) -> list[tuple[str, str, str]]:
        return help_rows(self.registry.bindings())

    def refresh(self) -> None:
        theme = self.window_.theme
        self.setStyleSheet(f"#helpOverlay {{ background: rgba(0, 0, 0, 225); }}"
                           f"QLabel {{ background: transparent; color: #ffffff; font-size: {theme.title_pt:.0f}pt; }}")
        groups: dict[str, list[tuple[str, str]]] = {}
        for group, keys, text in self.rows():
            groups.setdefault(group, []).append((keys, text))
        names = list(groups)
        half = (len(names) + 1) // 2

        def column(group_names: list[str]) -> str:
            cells = []
            for name in group_names:
                cells.append(f"<tr><td colspan='2' style='color:#aaaaaa; padding-top:10px'>{name}</td></tr>")
                cells += [f"<tr><td align='right'><b style='color:{theme.accent}'>{html.escape(keys)}</b></td>"
                          f"<td>&nbsp;&nbsp;{html.escape(text)}</td></tr>" for keys, text in groups[name]]
            return "<table cellspacing='0' cellpadding='3'>" + "".join(cells) + "</table>"

        self.label.setText(f"<div align='center'><b style='color:{theme.accent}'>convviz keys</b></div>"
                           f"<table align='center' cellspacing='30'><tr><td valign='top'>{column(names[:half])}</td>"
                           f"<td valign='top'>{column(names[half:])}</td></tr></table>")

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
            return
        self.refresh()
        self.setGeometry(self.window_.rect())
        self.show()
        self.raise_()

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt name)
        self.hide()

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt name)
        if event.key() == QtCore.Qt.Key.Key_Escape:
            self.hide()
        else:
            super().keyPressEvent(event)


class PresenterMode:
    """Enter/leave presenter mode on a MainWindow, restoring exactly what was there before."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.active = False
        self._saved: dict[str, object] = {}
        self._resize_timer = QtCore.QTimer(window)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(120)
        self._resize_timer.timeout.connect(self.follow_size)

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self, full_screen: bool = True) -> None:
        """Projector theme, menus and editor away, full screen (``full_screen=False`` keeps the
        window's size: headless renders and tests at a given projector size)."""
        if self.active:
            return
        window = self.window
        self._saved = {"geometry": window.saveGeometry(), "state": window.saveState(),
                       "maximized": window.isMaximized(), "theme": window.theme.name}
        self.active = True
        window.menuBar().hide()
        for toolbar in window.findChildren(QtWidgets.QToolBar):
            toolbar.hide()
        window.network_dock.hide()  # the room goes to the views; E brings the editor back
        if full_screen:
            window.showFullScreen()
        window.set_theme(projector_theme(window.theme.name, self._height()))
        self.arrange_docks()
        window.show_message("Presenter mode: ? lists the keys, E shows the editor, F11 or Esc leaves")

    def _height(self) -> int:
        """The height presenter mode is for: the screen's when full screen, else the window's."""
        window = self.window
        if window.isFullScreen() and window.screen() is not None:
            return window.screen().geometry().height()
        return window.height()

    def window_resized(self) -> None:
        """The window changed size: follow it once it has settled (a drag sends many sizes)."""
        if self.active:
            self._resize_timer.start()

    def follow_size(self) -> None:
        """Scale the projector theme to the window's height (same picture on any projector); the
        views keep their state."""
        if not self.active:
            return
        theme = projector_theme(self.window.theme.name, self._height())
        if theme != self.window.theme:
            self.window.set_theme(theme)
        self.arrange_docks()

    def arrange_docks(self) -> None:
        """In presenter mode the input (and the class scores) sit beside the network's maps, narrow,
        and the input beside the Unit view (its Grad-CAM is drawn on it); a mechanics view shows the
        layer's input itself and gets the whole width."""
        if not self.active:
            return
        window = self.window
        network = window.current_layout() == "network"
        beside = window.current_layout() in window.INPUT_BESIDE
        window.input_dock.setVisible(beside)
        if beside:
            width = max(160, int(window.width() * INPUT_DOCK_SHARE))
            window.resizeDocks([window.input_dock], [width], QtCore.Qt.Orientation.Horizontal)
        if window.scores_dock.isVisible() and not network:
            window.scores_dock.hide()
        elif network and getattr(window.scores_panel, "scores", None) is not None:
            window.scores_dock.show()
            # five classes with their numbers at the projector's size need more than the picture does
            height = window.height()
            window.resizeDocks([window.input_dock, window.scores_dock], [int(height * 0.4), int(height * 0.6)],
                               QtCore.Qt.Orientation.Vertical)

    def leave(self) -> None:
        if not self.active:
            return
        window = self.window
        self.active = False
        self._resize_timer.stop()
        window.set_theme(THEMES[DESK_OF[window.theme.name]])
        window.menuBar().show()
        window.showNormal()
        window.restoreState(self._saved["state"])  # type: ignore[arg-type]
        window.restoreGeometry(self._saved["geometry"])  # type: ignore[arg-type]
        if self._saved.get("maximized"):
            window.showMaximized()

    def toggle_brightness(self) -> None:
        """Light <-> dark, same sizes; every view keeps its layer, map, step and selection."""
        theme = self.window.theme
        other = THEMES[OTHER_BRIGHTNESS[theme.name]]
        self.window.set_theme(other.scaled(theme.scale) if theme.scale != 1 else other)
