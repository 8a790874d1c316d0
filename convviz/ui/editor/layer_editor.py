"""The layer editor: the lecturer assembles the network in front of the class.

Every layer shows its output shape with the lecture's formula filled in, its parameter count worked
out and its receptive field, live; a layer that cannot work is marked with the reason and the numbers
while the rest of the network keeps running up to it; a stride that does not fit is a warning (torch
runs it, rounding down). Every edit is undoable. The editor makes new specs (core.editing) and records
them in the document; it redraws when the document announces a new network.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from convviz.core import editing
from convviz.core.errors import ConvvizError
from convviz.core.explain import lecture_shape_text
from convviz.core.geometry import NetworkGeometry, analyze
from convviz.core.layers import LAYER_TYPES, layer_type
from convviz.core.spec import NetworkSpec
from convviz.core.summary import describe_layer, field_text
from convviz.model.document import Document
from convviz.ui.editor.param_form import ParamForm
from convviz.ui.theme import Theme

OK, WARNING, BROKEN, NOT_RUN = "ok", "warning", "broken", "not run"


def layer_lines(spec: NetworkSpec, geometry: NetworkGeometry, index: int) -> tuple[str, str]:
    """The text the editor shows for layer ``index`` and its state: OK, WARNING (a stride that does not
    fit: torch rounds down), BROKEN (cannot work) or NOT_RUN (after a broken layer)."""
    layer = spec.layers[index]
    head = f"{index + 1:>2}  {describe_layer(layer)}"
    if index < len(geometry.layers):
        g = geometry.layers[index]
        lines = [head, f"     \u2192 {lecture_shape_text(g.output_shape)} (W x H x D)"]
        formulas = g.formulas()
        if formulas:  # one line if height and width work out the same, else one line each
            same = formulas[0][5:] == formulas[1][5:]
            lines += [f"     {formulas[1]}"] if same else [f"     {formulas[0]}", f"     {formulas[1]}"]
        if g.params:
            lines.append(f"     {g.param_formula}")
        lines.append(f"     receptive field {field_text(g.receptive_field)}")
        if g.warning is not None:
            lines.append(f"     \u26a0 {str(g.warning).split(': ', 1)[-1]}")
        lines.extend(f"     note: {note}" for note in g.notes)
        return "\n".join(lines), WARNING if g.warning is not None else OK
    error = geometry.error
    if error is not None and error.layer == index:
        reason = str(error).split(": ", 1)[-1]
        return f"{head}\n     \u26a0 {reason}", BROKEN
    return f"{head}\n     (not run: an earlier layer cannot work)", NOT_RUN


class LayerEditor(QtWidgets.QWidget):
    """Layers, their live arithmetic, a form for the chosen one. Edits go to the document;
    ``layerSelected(index)`` when the chosen layer changes, ``message(text, is_error)`` for the user."""

    layerSelected = QtCore.Signal(int)
    message = QtCore.Signal(str, bool)

    def __init__(self, theme: Theme, document: Document, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.document = document
        self.network_geometry = analyze(document.network)
        self._refreshing = False
        self._select_next: int | None = None
        self._build()
        document.events.network.connect(self._network_changed)
        document.events.history.connect(lambda value: self._update_actions())
        self.refresh()

    @property
    def spec(self) -> NetworkSpec:
        return self.document.network

    # ---- layout --------------------------------------------------------------------------------------
    def _build(self) -> None:
        theme = self.theme
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        self.name_edit = QtWidgets.QLineEdit()
        self.name_edit.setPlaceholderText("network name")
        self.name_edit.editingFinished.connect(self._rename)
        box.addWidget(self.name_edit)
        input_row = QtWidgets.QHBoxLayout()
        input_row.addWidget(QtWidgets.QLabel("input"))
        self.input_boxes = []
        for label, limit in (("C", 512), ("H", 4096), ("W", 4096)):
            spin = QtWidgets.QSpinBox()
            spin.setRange(1, limit)
            spin.setPrefix(f"{label} ")
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._input_changed)
            input_row.addWidget(spin)
            self.input_boxes.append(spin)
        box.addLayout(input_row)

        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("layerEditorList")
        self.list.setDragDropMode(QtWidgets.QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(QtCore.Qt.DropAction.MoveAction)
        self.list.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.currentRowChanged.connect(self._row_changed)
        self.list.model().rowsMoved.connect(self._rows_moved)
        self.list.setWordWrap(True)
        self.list.setItemDelegate(LayerRowDelegate(self.theme, self.list))
        box.addWidget(self.list, 1)

        buttons = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QToolButton()
        self.add_button.setText("+ Add")
        self.add_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QtWidgets.QMenu(self)
        for type_name in LAYER_TYPES:
            action = self.add_menu.addAction(f"{LAYER_TYPES[type_name].title}  ({type_name})")
            action.triggered.connect(lambda checked=False, t=type_name: self.add(t))
        self.add_button.setMenu(self.add_menu)
        buttons.addWidget(self.add_button)
        self.actions_: dict[str, QtGui.QAction] = {}
        for name, text, shortcut, slot in (
                ("duplicate", "Duplicate", "Ctrl+D", self.duplicate),
                ("remove", "Remove", "Delete", self.remove),
                ("up", "\u25b2", "Alt+Up", lambda: self.move(-1)),
                ("down", "\u25bc", "Alt+Down", lambda: self.move(1)),
                ("undo", "Undo", "Ctrl+Z", self.document.undo),
                ("redo", "Redo", "Ctrl+Shift+Z", self.document.redo)):
            action = QtGui.QAction(text, self)
            action.setShortcut(QtGui.QKeySequence(shortcut))
            if name in ("duplicate", "remove", "up", "down"):
                # only while the list has the keyboard: Delete in a spin box must not remove a layer
                action.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.list.addAction(action)
            action.triggered.connect(slot)
            self.actions_[name] = action
            if name not in ("undo", "redo"):
                button = QtWidgets.QToolButton()
                button.setDefaultAction(action)
                buttons.addWidget(button)
        self.actions_["redo"].setShortcuts([QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence("Ctrl+Y")])
        buttons.addStretch(1)
        box.addLayout(buttons)

        self.form_title = QtWidgets.QLabel("")
        font = self.form_title.font()
        font.setBold(True)
        self.form_title.setFont(font)
        box.addWidget(self.form_title)
        self.form = ParamForm()
        self.form.edited.connect(self._param_edited)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        box.addWidget(scroll, 1)
        self.filters_button = QtWidgets.QPushButton("Filters...")
        self.filters_button.setToolTip("see and edit every filter of this convolution")
        box.addWidget(self.filters_button)
        self.totals = QtWidgets.QLabel("")
        self.totals.setWordWrap(True)
        self.totals.setStyleSheet(f"color: {theme.muted};")
        box.addWidget(self.totals)

    # ---- state ----------------------------------------------------------------------------------------
    def _network_changed(self, change) -> None:
        if not change.transient:
            self.refresh(self._select_next)
            self._select_next = None

    def refresh(self, select: int | None = None) -> None:
        spec = self.spec
        self.network_geometry = geometry = analyze(spec)
        self._refreshing = True
        try:
            row = self.list.currentRow() if select is None else select
            self.list.clear()
            for index in range(len(spec.layers)):
                text, state = layer_lines(spec, geometry, index)
                item = QtWidgets.QListWidgetItem(text)
                if state == BROKEN:
                    item.setForeground(QtGui.QColor(self.theme.error))
                    item.setBackground(_tint(self.theme.error, self.theme.panel, 0.22))
                    item.setToolTip(str(geometry.error))
                elif state == WARNING:
                    item.setForeground(QtGui.QColor(self.theme.warning))
                    item.setBackground(_tint(self.theme.warning, self.theme.panel, 0.18))
                    item.setToolTip(str(geometry.layers[index].warning))
                elif state == NOT_RUN:
                    item.setForeground(QtGui.QColor(self.theme.muted))
                item.setData(QtCore.Qt.ItemDataRole.UserRole, state)
                self.list.addItem(item)
            if spec.layers:
                self.list.setCurrentRow(max(0, min(row, len(spec.layers) - 1)))
            self.name_edit.setText(spec.name)
            self.name_edit.setCursorPosition(0)  # show the start of a long name, not its end
            for box, value in zip(self.input_boxes, spec.input.shape):
                with signals_blocked(box):
                    box.setValue(value)
        finally:
            self._refreshing = False
        self._show_form()
        self._show_totals()
        self._update_actions()

    def _show_totals(self) -> None:
        geometry = self.network_geometry
        total = geometry.total_params
        if geometry.error is not None:
            working = len(geometry.layers)
            text = (f"runs up to layer {working}: {total:,} parameters so far" if working
                    else "no layer runs yet")
            text += f"<br><span style='color:{self.theme.error}'>\u26a0 {html.escape(str(geometry.error))}</span>"
        else:
            text = f"total: {total:,} parameters; output {lecture_shape_text(geometry.output_shape)}"
            for warning in geometry.warnings:
                text += f"<br><span style='color:{self.theme.warning}'>\u26a0 {html.escape(str(warning))}</span>"
        self.totals.setText(text)

    def _update_actions(self) -> None:
        history = self.document.history
        self.actions_["undo"].setEnabled(history.can_undo)
        self.actions_["redo"].setEnabled(history.can_redo)
        self.actions_["undo"].setText(f"Undo {history.undo_label()}".strip())
        self.actions_["redo"].setText(f"Redo {history.redo_label()}".strip())

    def current_index(self) -> int:
        return self.list.currentRow()

    def _show_form(self) -> None:
        index = self.list.currentRow()
        layer = self.spec.layers[index] if 0 <= index < len(self.spec.layers) else None
        self.form.show_layer(layer)
        geometry = self.network_geometry
        problem = None
        if layer is not None and geometry.error is not None and geometry.error.layer == index:
            problem = (geometry.error.key, self.theme.error, str(geometry.error))
        elif layer is not None and index < len(geometry.layers) and geometry.layers[index].warning is not None:
            warning = geometry.layers[index].warning
            problem = (warning.key, self.theme.warning, str(warning))
        self.form.mark(*problem if problem else (None, "", ""))
        self.form_title.setText("" if layer is None else f"Layer {index + 1}: {layer_type(layer.type).title}")
        self.filters_button.setEnabled(layer is not None and layer_type(layer.type).has_filters
                                       and index < len(self.network_geometry.layers))

    # ---- edits ----------------------------------------------------------------------------------------
    def edit(self, make: Callable[[], NetworkSpec], label: str, select: int | None = None) -> bool:
        """Make a new spec with ``make`` and record it in the document as one undoable edit; a refused
        edit (a bad value, more memory than the machine has) is a message and changes nothing."""
        try:
            spec = make()
            self._select_next = select
            changed = self.document.edit(spec, label)
        except ConvvizError as error:
            self._select_next = None
            self.message.emit(str(error), True)
            self.refresh()
            return False
        if not changed:
            self._select_next = None
        error = self.network_geometry.error
        if changed and error is not None and (select is None or error.layer == select):
            self.message.emit(str(error), True)  # with the numbers and, for a stride, a padding that fits
        elif changed and select is not None and select < len(self.network_geometry.layers):
            warning = self.network_geometry.layers[select].warning
            if warning is not None:
                self.message.emit(f"{warning} (torch runs it, rounding down)", True)
        return True

    def add(self, type_name: str) -> None:
        index = self.list.currentRow() + 1 if self.spec.layers else 0
        self.edit(lambda: editing.add_layer(self.spec, index, type_name),
                  f"add {LAYER_TYPES[type_name].title}", select=index)

    def duplicate(self) -> None:
        index = self.list.currentRow()
        if 0 <= index < len(self.spec.layers):
            self.edit(lambda: editing.duplicate_layer(self.spec, index), f"duplicate layer {index + 1}", index + 1)

    def remove(self) -> None:
        index = self.list.currentRow()
        if 0 <= index < len(self.spec.layers):
            self.edit(lambda: editing.remove_layer(self.spec, index), f"remove layer {index + 1}",
                      max(0, index - 1))

    def move(self, offset: int) -> None:
        index = self.list.currentRow()
        target = index + offset
        if 0 <= index < len(self.spec.layers) and 0 <= target < len(self.spec.layers):
            self.edit(lambda: editing.move_layer(self.spec, index, target), f"move layer {index + 1}", target)

    def set_param(self, index: int, key: str, value: object) -> bool:
        return self.edit(lambda: editing.set_param(self.spec, index, key, value),
                         f"{key} of layer {index + 1}", select=index)

    def _param_edited(self, key: str, value: object) -> None:
        index = self.list.currentRow()
        if 0 <= index < len(self.spec.layers):
            self.set_param(index, key, value)

    def _rename(self) -> None:
        name = self.name_edit.text().strip() or "untitled"
        if name != self.spec.name:
            self.edit(lambda: editing.rename(self.spec, name), "rename")

    def _input_changed(self) -> None:
        channels, height, width = (box.value() for box in self.input_boxes)
        self.edit(lambda: editing.set_input(self.spec, self.spec.input.with_shape(channels, height, width)),
                  "input size")

    def _rows_moved(self, parent, start: int, end: int, destination, row: int) -> None:
        if self._refreshing:
            return
        target = row if row < start else row - 1
        QtCore.QTimer.singleShot(0, lambda: self.edit(lambda: editing.move_layer(self.spec, start, target),
                                                      f"move layer {start + 1}", target))

    def _row_changed(self, row: int) -> None:
        if self._refreshing:
            return
        self._show_form()
        if row >= 0:
            self.layerSelected.emit(row)

    def select(self, index: int) -> None:
        if 0 <= index < self.list.count() and index != self.list.currentRow():
            self.list.setCurrentRow(index)

    def _context_menu(self, point: QtCore.QPoint) -> None:
        menu = QtWidgets.QMenu(self)
        menu.addMenu(self.add_menu).setText("Add after")
        for name in ("duplicate", "remove", "up", "down"):
            menu.addAction(self.actions_[name])
        if self.filters_button.isEnabled():
            menu.addSeparator()
            menu.addAction("Filters...", self.filters_button.click)
        menu.exec(self.list.mapToGlobal(point))


class LayerRowDelegate(QtWidgets.QStyledItemDelegate):
    """Layer rows keep their state's colours when chosen: a broken layer stays red, a warned one amber,
    and the chosen row gets a bar in the accent colour instead of the system's highlight."""

    def __init__(self, theme: Theme, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem, index: QtCore.QModelIndex) -> None:
        theme = self.theme
        state = index.data(QtCore.Qt.ItemDataRole.UserRole)
        colour = {BROKEN: theme.error, WARNING: theme.warning, NOT_RUN: theme.muted}.get(state, theme.foreground)
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        painter.save()
        tint = {BROKEN: 0.22, WARNING: 0.18}.get(state, 0.0) + (0.12 if selected else 0.0)
        background = _tint(theme.accent if state == OK or state == NOT_RUN else colour, theme.panel, tint)
        painter.fillRect(option.rect, background)
        if selected:
            painter.fillRect(QtCore.QRect(option.rect.left(), option.rect.top(), 5, option.rect.height()),
                             QtGui.QColor(theme.accent))
        painter.setPen(QtGui.QColor(colour))
        painter.setFont(option.font)
        text_rect = option.rect.adjusted(10, 2, -4, -2)
        painter.drawText(text_rect, int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop
                                        | QtCore.Qt.TextFlag.TextWordWrap), index.data())
        painter.restore()

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem, index: QtCore.QModelIndex) -> QtCore.QSize:  # noqa: N802
        width = max(100, option.rect.width() or 300) - 14
        metrics = QtGui.QFontMetrics(option.font)
        rect = metrics.boundingRect(QtCore.QRect(0, 0, width, 10_000), int(QtCore.Qt.TextFlag.TextWordWrap),
                                    index.data() or "")
        return QtCore.QSize(width, rect.height() + 6)


def _tint(colour: str, background: str, amount: float) -> QtGui.QColor:
    """``colour`` mixed into ``background`` (amount 0..1): a row marked without hiding its text."""
    a, b = QtGui.QColor(colour), QtGui.QColor(background)
    mix = [round(x * amount + y * (1 - amount)) for x, y in zip((a.red(), a.green(), a.blue()),
                                                                  (b.red(), b.green(), b.blue()))]
    return QtGui.QColor(*mix)
