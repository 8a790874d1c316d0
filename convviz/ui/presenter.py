"""Presenter mode: full screen, projector theme, big fonts and thick lines, menus and toolbars away,
one key per action, and a help overlay (?) generated from the key table."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from convviz.ui.keymap import CommandRegistry, KeyBinding
from convviz.ui.theme import DESK_OF, OTHER_BRIGHTNESS, PROJECTOR_OF, THEMES

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

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self) -> None:
        if self.active:
            return
        window = self.window
        self._saved = {"geometry": window.saveGeometry(), "state": window.saveState(),
                       "maximized": window.isMaximized(), "theme": window.theme.name}
        self.active = True
        window.set_theme(THEMES[PROJECTOR_OF[window.theme.name]])
        window.menuBar().hide()
        for toolbar in window.findChildren(QtWidgets.QToolBar):
            toolbar.hide()
        window.network_dock.hide()  # the room goes to the views; E brings the editor back
        window.showFullScreen()
        window.show_message("Presenter mode: ? lists the keys, E shows the editor, F11 or Esc leaves")

    def leave(self) -> None:
        if not self.active:
            return
        window = self.window
        self.active = False
        window.set_theme(THEMES[DESK_OF[window.theme.name]])
        window.menuBar().show()
        window.showNormal()
        window.restoreState(self._saved["state"])  # type: ignore[arg-type]
        window.restoreGeometry(self._saved["geometry"])  # type: ignore[arg-type]
        if self._saved.get("maximized"):
            window.showMaximized()

    def toggle_brightness(self) -> None:
        self.window.set_theme(THEMES[OTHER_BRIGHTNESS[self.window.theme.name]])
