"""A form for one layer's parameters, built from the layer-type table: spin boxes, combo boxes and
check boxes that only accept valid values. Each change is reported as (key, value); the editor turns
it into an undoable edit."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from convviz.core.filters import FILTER_TITLES
from convviz.core.layers import Param, layer_type
from convviz.core.spec import LayerSpec

SPIN_LIMIT = 4096


class PairEdit(QtWidgets.QWidget):
    """One number, or height x width once 'h x w' is ticked; padding may also be "same"."""

    changed = QtCore.Signal(object)

    def __init__(self, minimum: int, allow_same: bool = False, allow_none: bool = False,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.mode = None
        if allow_same or allow_none:
            self.mode = QtWidgets.QComboBox()
            if allow_none:
                self.mode.addItem("= kernel size", "none")
            self.mode.addItem("number", "number")
            if allow_same:
                self.mode.addItem('"same"', "same")
            self.mode.currentIndexChanged.connect(self._emit)
            row.addWidget(self.mode)
        self.height = QtWidgets.QSpinBox()
        self.width = QtWidgets.QSpinBox()
        for box in (self.height, self.width):
            box.setRange(minimum, SPIN_LIMIT)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._emit)
        self.separate = QtWidgets.QCheckBox("h x w")
        self.separate.setToolTip("different height and width")
        self.separate.toggled.connect(self._toggle)
        row.addWidget(self.height)
        row.addWidget(self.width)
        row.addWidget(self.separate)
        self.width.setVisible(False)

    def _toggle(self, on: bool) -> None:
        self.width.setVisible(on)
        if not on:
            with signals_blocked(self.width):
                self.width.setValue(self.height.value())
        self._emit()

    def set_value(self, value: Any) -> None:
        widgets = [self.height, self.width, self.separate, *([self.mode] if self.mode else [])]
        with signals_blocked(*widgets):
            if self.mode is not None:
                kind = "none" if value is None else "same" if value == "same" else "number"
                self.mode.setCurrentIndex(max(0, self.mode.findData(kind)))
            numbers = value if isinstance(value, tuple) else (value, value) if isinstance(value, int) else None
            if numbers is not None:
                self.height.setValue(numbers[0])
                self.width.setValue(numbers[1])
                self.separate.setChecked(numbers[0] != numbers[1])
                self.width.setVisible(numbers[0] != numbers[1])
            for widget in (self.height, self.width, self.separate):
                widget.setEnabled(numbers is not None)

    def value(self) -> Any:
        if self.mode is not None and self.mode.currentData() == "none":
            return None
        if self.mode is not None and self.mode.currentData() == "same":
            return "same"
        if self.separate.isChecked():
            return [self.height.value(), self.width.value()]
        return self.height.value()

    def _emit(self, *args: object) -> None:
        number_mode = self.mode is None or self.mode.currentData() == "number"
        for widget in (self.height, self.width, self.separate):
            widget.setEnabled(number_mode)
        self.changed.emit(self.value())


class ParamForm(QtWidgets.QWidget):
    """The parameters of one layer; ``edited(key, value)`` on every change by the user."""

    edited = QtCore.Signal(str, object)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.form = QtWidgets.QFormLayout(self)
        self.form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.widgets: dict[str, QtWidgets.QWidget] = {}
        self.layer: LayerSpec | None = None

    def show_layer(self, layer: LayerSpec | None) -> None:
        """Rebuild for another layer type, or just update the values for the same type."""
        if layer is not None and self.layer is not None and layer.type == self.layer.type and self.widgets:
            self.layer = layer
            for param in layer_type(layer.type).params:
                if param.name in self.widgets:
                    self._set(param, self.widgets[param.name], layer.get(param.name))
            return
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets = {}
        self.layer = layer
        if layer is None:
            return
        for param in layer_type(layer.type).params:
            widget = self._make(param)
            if widget is None:
                continue
            self._set(param, widget, layer.get(param.name))
            label = QtWidgets.QLabel(param.name)
            label.setToolTip(param.help)
            widget.setToolTip(param.help)
            self.form.addRow(label, widget)
            self.widgets[param.name] = widget

    def mark(self, key: str | None, colour: str = "", why: str = "") -> None:
        """Frame the field ``key`` in ``colour`` with ``why`` as its tooltip (a stride that does not fit,
        groups that do not divide...); None clears every mark."""
        for name, widget in self.widgets.items():
            marked = name == key
            targets = [widget.height, widget.width] if isinstance(widget, PairEdit) else [widget]
            for target in targets:
                target.setStyleSheet(f"border: 3px solid {colour}; border-radius: 3px;" if marked else "")
            param_help = next((p.help for p in layer_type(self.layer.type).params if p.name == name), "") \
                if self.layer is not None else ""
            widget.setToolTip(why if marked else param_help)

    def _make(self, param: Param) -> QtWidgets.QWidget | None:
        name = param.name
        if param.kind == "int":
            box = QtWidgets.QSpinBox()
            box.setRange(int(param.minimum or 0), 1_000_000 if name == "seed" else SPIN_LIMIT)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda value, n=name: self.edited.emit(n, value))
            return box
        if param.kind in ("pair", "padding"):
            edit = PairEdit(int(param.minimum or 0), allow_same=param.allow_same, allow_none=param.default is None)
            edit.changed.connect(lambda value, n=name: self.edited.emit(n, value))
            return edit
        if param.kind == "float":
            box = QtWidgets.QDoubleSpinBox()
            box.setRange(max(param.minimum if param.minimum is not None else -100.0, -100.0),
                         min(param.maximum if param.maximum is not None else 100.0, 100.0))
            box.setDecimals(5 if name == "eps" else 3)
            box.setSingleStep(0.01 if name == "negative_slope" else 0.05)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda value, n=name: self.edited.emit(n, float(value)))
            return box
        if param.kind == "bias":
            check = QtWidgets.QCheckBox("add a bias b")
            check.toggled.connect(lambda on, n=name: self.edited.emit(n, on))
            return check
        if param.kind == "bool":
            check = QtWidgets.QCheckBox(param.help or name)
            check.toggled.connect(lambda on, n=name: self.edited.emit(n, on))
            return check
        if param.kind == "init":
            combo = QtWidgets.QComboBox()
            combo.addItem("kaiming (seeded random)", "kaiming")
            for filter_name, title in FILTER_TITLES.items():
                combo.addItem(title, filter_name)
            combo.addItem("per filter (see Filters...)", "__list__")
            combo.activated.connect(lambda index, c=combo, n=name: self._init_chosen(n, c))
            return combo
        if param.kind == "array":
            label = QtWidgets.QLabel("")
            return label
        return None

    def _init_chosen(self, name: str, combo: QtWidgets.QComboBox) -> None:
        value = combo.currentData()
        if value != "__list__":
            self.edited.emit(name, value)

    def _set(self, param: Param, widget: QtWidgets.QWidget, value: Any) -> None:
        with signals_blocked(widget):
            if isinstance(widget, QtWidgets.QSpinBox):
                widget.setValue(int(value if value is not None else widget.minimum()))
            elif isinstance(widget, QtWidgets.QDoubleSpinBox):
                widget.setValue(float(value if value is not None else 0.0))
            elif isinstance(widget, PairEdit):
                widget.set_value(value)
            elif isinstance(widget, QtWidgets.QCheckBox) and param.kind == "bias":
                widget.setChecked(value is not False)
                widget.setText("add a bias b" if not isinstance(value, np.ndarray) else "bias values set in the file")
            elif isinstance(widget, QtWidgets.QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QtWidgets.QComboBox):
                index = widget.findData(value if isinstance(value, str) else "__list__")
                widget.setCurrentIndex(max(0, index))
            elif isinstance(widget, QtWidgets.QLabel):
                widget.setText("set explicitly (kept in the file)" if value is not None else "from init")
