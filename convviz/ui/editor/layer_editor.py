"""The layer editor: the lecturer assembles the network in front of the class.

Every layer shows its output shape with the lecture's formula filled in, its parameter count worked
out and its receptive field, live; a layer that cannot work is marked with the reason and the numbers
while the rest of the network keeps running up to it. Every edit is undoable. The editor only edits
specs (core.editing) and tells the window; the window re-runs the network.
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core import editing
from convviz.core.editing import EditHistory
from convviz.core.errors import ConvvizError
from convviz.core.geometry import NetworkGeometry, analyze, lecture_shape_text
from convviz.core.layers import LAYER_TYPES
from convviz.core.spec import InputSpec, NetworkSpec
from convviz.core.summary import describe_layer, field_text
from convviz.ui.editor.param_form import ParamForm
from convviz.ui.theme import Theme

ADD_ORDER = ("conv2d", "relu", "maxpool2d", "avgpool2d", "leaky_relu", "prelu", "elu", "sigmoid", "tanh",
             "maxout", "flatten", "linear", "softmax")


def layer_lines(spec: NetworkSpec, geometry: NetworkGeometry, index: int) -> tuple[str, bool]:
    """The text the editor shows for layer ``index`` and whether it is the broken one."""
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
        lines.extend(f"     note: {note}" for note in g.notes)
        return "\n".join(lines), False
    error = geometry.error
    if error is not None and error.layer == index:
        reason = str(error).split(": ", 1)[-1]
        return f"{head}\n     \u26a0 {reason}", True
    return f"{head}\n     (not run: an earlier layer cannot work)", False


class LayerEditor(QtWidgets.QWidget):
    """Layers, their live arithmetic, a form for the chosen one; ``specEdited(spec)`` after each edit,
    ``layerSelected(index)`` when the chosen layer changes, ``message(text, is_error)`` for the user."""

    specEdited = QtCore.Signal(object)
    layerSelected = QtCore.Signal(int)
    message = QtCore.Signal(str, bool)
    historyChanged = QtCore.Signal()

    def __init__(self, theme: Theme, spec: NetworkSpec, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.theme = theme
        self.history = EditHistory.start(spec)
        self.geometry = analyze(spec)
        self._refreshing = False
        self._build()
        self.refresh()

    @property
    def spec(self) -> NetworkSpec:
        return self.history.current

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
        box.addWidget(self.list, 1)

        buttons = QtWidgets.QHBoxLayout()
        self.add_button = QtWidgets.QToolButton()
        self.add_button.setText("+ Add")
        self.add_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_menu = QtWidgets.QMenu(self)
        for type_name in ADD_ORDER:
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
                ("undo", "Undo", "Ctrl+Z", self.undo),
                ("redo", "Redo", "Ctrl+Shift+Z", self.redo)):
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
    def load(self, spec: NetworkSpec, saved: bool = True) -> None:
        """A different network (preset, file, new): a fresh history."""
        self.history = EditHistory.start(spec, saved)
        self.refresh()
        self.historyChanged.emit()

    def apply(self, spec: NetworkSpec, label: str, select: int | None = None) -> None:
        """Record an edit, refresh, and tell the window to run the new network."""
        if spec == self.spec:
            return
        self.history.apply(spec, label)
        self.refresh(select)
        self.specEdited.emit(spec)
        self.historyChanged.emit()

    def refresh(self, select: int | None = None) -> None:
        spec = self.spec
        self.geometry = analyze(spec)
        self._refreshing = True
        try:
            row = self.list.currentRow() if select is None else select
            self.list.clear()
            for index in range(len(spec.layers)):
                text, broken = layer_lines(spec, self.geometry, index)
                item = QtWidgets.QListWidgetItem(text)
                if broken:
                    item.setForeground(QtGui.QColor(self.theme.error))
                    error = self.geometry.error
                    item.setToolTip(str(error))
                elif index >= len(self.geometry.layers):
                    item.setForeground(QtGui.QColor(self.theme.muted))
                self.list.addItem(item)
            if spec.layers:
                self.list.setCurrentRow(max(0, min(row, len(spec.layers) - 1)))
            self.name_edit.setText(spec.name)
            self.name_edit.setCursorPosition(0)  # show the start of a long name, not its end
            for box, value in zip(self.input_boxes, spec.input.shape):
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
        finally:
            self._refreshing = False
        self._show_form()
        total = self.geometry.total_params
        output = lecture_shape_text(self.geometry.output_shape)
        text = f"total: {total:,} parameters; output {output}"
        if self.geometry.error is not None:
            text += f"<br><span style='color:{self.theme.error}'>\u26a0 {html.escape(str(self.geometry.error))}</span>"
        self.totals.setText(text)
        self.actions_["undo"].setEnabled(self.history.can_undo)
        self.actions_["redo"].setEnabled(self.history.can_redo)
        self.actions_["undo"].setText(f"Undo {self.history.undo_label()}".strip())
        self.actions_["redo"].setText(f"Redo {self.history.redo_label()}".strip())

    def current_index(self) -> int:
        return self.list.currentRow()

    def _show_form(self) -> None:
        index = self.list.currentRow()
        layer = self.spec.layers[index] if 0 <= index < len(self.spec.layers) else None
        self.form.show_layer(layer)
        self.form_title.setText("" if layer is None else f"Layer {index + 1}: {LAYER_TYPES[layer.type].title}")
        self.filters_button.setEnabled(layer is not None and layer.type == "conv2d"
                                       and index < len(self.geometry.layers))

    # ---- edits ----------------------------------------------------------------------------------------
    def _try(self, make, label: str, select: int | None = None) -> bool:
        try:
            spec = make()
        except ConvvizError as error:
            self.message.emit(str(error), True)
            self.refresh()
            return False
        self.apply(spec, label, select)
        error = self.geometry.error
        if error is not None and (select is None or error.layer == select):
            self.message.emit(str(error), True)  # with the numbers and, for a stride, a padding that fits
        return True

    def add(self, type_name: str) -> None:
        index = self.list.currentRow() + 1 if self.spec.layers else 0
        self._try(lambda: editing.add_layer(self.spec, index, type_name),
                  f"add {LAYER_TYPES[type_name].title}", select=index)

    def duplicate(self) -> None:
        index = self.list.currentRow()
        if 0 <= index < len(self.spec.layers):
            self._try(lambda: editing.duplicate_layer(self.spec, index), f"duplicate layer {index + 1}", index + 1)

    def remove(self) -> None:
        index = self.list.currentRow()
        if 0 <= index < len(self.spec.layers):
            self._try(lambda: editing.remove_layer(self.spec, index), f"remove layer {index + 1}",
                      max(0, index - 1))

    def move(self, offset: int) -> None:
        index = self.list.currentRow()
        target = index + offset
        if 0 <= index < len(self.spec.layers) and 0 <= target < len(self.spec.layers):
            self._try(lambda: editing.move_layer(self.spec, index, target), f"move layer {index + 1}", target)

    def undo(self) -> None:
        if self.history.can_undo:
            spec = self.history.undo()
            self.refresh()
            self.specEdited.emit(spec)
            self.historyChanged.emit()

    def redo(self) -> None:
        if self.history.can_redo:
            spec = self.history.redo()
            self.refresh()
            self.specEdited.emit(spec)
            self.historyChanged.emit()

    def set_param(self, index: int, key: str, value: object) -> bool:
        return self._try(lambda: editing.set_param(self.spec, index, key, value),
                         f"{key} of layer {index + 1}", select=index)

    def _param_edited(self, key: str, value: object) -> None:
        index = self.list.currentRow()
        if 0 <= index < len(self.spec.layers):
            self.set_param(index, key, value)

    def _rename(self) -> None:
        name = self.name_edit.text().strip() or "untitled"
        if name != self.spec.name:
            self._try(lambda: editing.rename(self.spec, name), "rename")

    def _input_changed(self) -> None:
        channels, height, width = (box.value() for box in self.input_boxes)
        self._try(lambda: editing.set_input(self.spec, InputSpec(channels, height, width)), "input size")

    def _rows_moved(self, parent, start: int, end: int, destination, row: int) -> None:
        if self._refreshing:
            return
        target = row if row < start else row - 1
        QtCore.QTimer.singleShot(0, lambda: self._try(lambda: editing.move_layer(self.spec, start, target),
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
