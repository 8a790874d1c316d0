"""Teach it from the webcam: name up to 9 classes, hold a number key (or the class's button) while the
camera shows an example, see how many each class has and the pictures themselves, delete a bad one.
The pictures are a picture folder on disk (one subfolder per class), trained on like any other."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.errors import ConvvizError
from convviz.training.captures import MAX_CLASSES, CaptureStore, captures_root
from convviz.ui.theme import Theme

THUMB = 72


class CapturePanel(QtWidgets.QWidget):
    """Classes with their counts and pictures. ``capture(index)`` adds the live frame to a class (the
    window calls it for keys 1-9 while this panel is on screen); ``message(text, is_error)``."""

    message = QtCore.Signal(str, bool)

    def __init__(self, theme: Theme, live_frame: Callable[[], tuple[int, object] | None],
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.live_frame = live_frame  # () -> (frame sequence, H x W x 3 uint8 picture) of the live input
        self.store = CaptureStore(captures_root() / time.strftime("session-%Y%m%d-%H%M%S"))
        self._last_sequence: int | None = None
        self.shown_class = 0
        outer = QtWidgets.QVBoxLayout(self)
        intro = QtWidgets.QLabel("Hold 1-9 (or a class's button) while the camera shows an example of it.")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        self.rows_box = QtWidgets.QGridLayout()
        outer.addLayout(self.rows_box)
        self.names: list[QtWidgets.QLineEdit] = []
        self.counts: list[QtWidgets.QLabel] = []
        self.buttons: list[QtWidgets.QPushButton] = []
        for index in range(MAX_CLASSES):
            self._make_row(index)
        self.more = QtWidgets.QPushButton("+ class")
        self.more.clicked.connect(self._add_class)
        outer.addWidget(self.more)
        self.thumbs = QtWidgets.QListWidget()
        self.thumbs.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.thumbs.setIconSize(QtCore.QSize(THUMB, THUMB))
        self.thumbs.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.thumbs.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.thumbs.setMinimumHeight(THUMB + 30)
        delete = QtGui.QAction("Delete the chosen pictures", self.thumbs)
        delete.setShortcut(QtGui.QKeySequence.StandardKey.Delete)
        delete.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.delete_selected)
        self.thumbs.addAction(delete)
        self.thumbs_title = QtWidgets.QLabel("")
        outer.addWidget(self.thumbs_title)
        outer.addWidget(self.thumbs, 1)
        row = QtWidgets.QHBoxLayout()
        remove = QtWidgets.QPushButton("Delete chosen")
        remove.clicked.connect(self.delete_selected)
        self.folder_label = QtWidgets.QLabel("")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(remove)
        row.addWidget(self.folder_label, 1)
        outer.addLayout(row)
        self._visible_rows = len(self.store.names)
        self.refresh()

    def _make_row(self, index: int) -> None:
        key = QtWidgets.QLabel(f"<b>{index + 1}</b>")
        name = QtWidgets.QLineEdit()
        name.setPlaceholderText(f"class {index + 1}")
        name.editingFinished.connect(lambda i=index: self._rename(i))
        count = QtWidgets.QLabel("0")
        count.setMinimumWidth(40)
        button = QtWidgets.QPushButton("capture")
        button.setAutoRepeat(True)  # held down: a picture at every new frame
        button.setAutoRepeatInterval(40)
        button.setAutoRepeatDelay(150)
        button.clicked.connect(lambda checked=False, i=index: self.capture(i))
        show = QtWidgets.QToolButton()
        show.setText("show")
        show.clicked.connect(lambda checked=False, i=index: self.show_class(i))
        for column, widget in enumerate((key, name, count, button, show)):
            self.rows_box.addWidget(widget, index, column)
        self.names.append(name)
        self.counts.append(count)
        self.buttons.append(button)

    def _row_widgets(self, index: int) -> list[QtWidgets.QWidget]:
        return [self.rows_box.itemAtPosition(index, c).widget() for c in range(5)]

    def _add_class(self) -> None:
        if self._visible_rows < MAX_CLASSES:
            self._visible_rows += 1
            self.refresh()

    def _rename(self, index: int) -> None:
        try:
            self.store.set_name(index, self.names[index].text())
        except (ConvvizError, OSError) as error:
            self.message.emit(str(error), True)
        self.refresh()

    # ---- capturing --------------------------------------------------------------------------------------
    def capture(self, index: int) -> bool:
        """The live frame into class ``index`` (once per new frame: holding a key captures every frame)."""
        live = self.live_frame()
        if live is None:
            self.message.emit("no live picture to capture yet", True)
            return False
        sequence, picture = live
        if sequence == self._last_sequence:
            return False  # the same frame again (a key held faster than the camera)
        try:
            self.store.add(index, picture)
        except (ConvvizError, OSError) as error:
            self.message.emit(f"could not keep the picture: {error}", True)
            return False
        self._last_sequence = sequence
        self._visible_rows = max(self._visible_rows, index + 1)
        if index != self.shown_class:
            self.shown_class = index
        self.refresh()
        return True

    def delete_selected(self) -> None:
        for item in self.thumbs.selectedItems():
            try:
                self.store.remove(Path(item.data(QtCore.Qt.ItemDataRole.UserRole)))
            except (ConvvizError, OSError) as error:
                self.message.emit(str(error), True)
        self.refresh()

    def show_class(self, index: int) -> None:
        self.shown_class = index
        self.refresh()

    # ---- drawing -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        counts = self.store.counts()
        for index in range(MAX_CLASSES):
            visible = index < self._visible_rows
            for widget in self._row_widgets(index):
                widget.setVisible(visible)
            if index < len(self.store.names) and not self.names[index].hasFocus():
                self.names[index].setText(self.store.names[index])
            self.counts[index].setText(str(counts[index]) if index < len(counts) else "0")
        self.more.setVisible(self._visible_rows < MAX_CLASSES)
        self.folder_label.setText(f"kept in {self.store.folder}")
        self._show_thumbnails()

    def _show_thumbnails(self) -> None:
        index = self.shown_class
        paths = self.store.paths(index) if index < len(self.store.names) else []
        name = self.store.names[index] if index < len(self.store.names) else f"class {index + 1}"
        self.thumbs_title.setText(f"{name}: {len(paths)} picture(s) (Delete removes the chosen)")
        shown = [self.thumbs.item(k).data(QtCore.Qt.ItemDataRole.UserRole) for k in range(self.thumbs.count())]
        if shown == [str(p) for p in paths]:
            return
        self.thumbs.clear()
        for path in paths[-200:]:  # the latest 200: a strip, not an archive
            icon = QtGui.QIcon(QtGui.QPixmap(str(path)).scaled(
                THUMB, THUMB, QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                QtCore.Qt.TransformationMode.SmoothTransformation))
            item = QtWidgets.QListWidgetItem(icon, "")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, str(path))
            self.thumbs.addItem(item)
        self.thumbs.scrollToBottom()
