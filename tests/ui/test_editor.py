"""The layer editor driven through its real widgets (offscreen): build, break, undo, save, reopen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from convviz.core.layers import LAYER_TYPES, layer_type
from convviz.core.presets import load_preset
from convviz.core.spec import InputSpec, NetworkSpec
from convviz.model.document import Document
from convviz.ui.editor.layer_editor import LayerEditor
from convviz.ui.editor.param_form import PairEdit
from convviz.ui.main_window import MainWindow
from convviz.ui.theme import DARK


@pytest.fixture
def window(qtbot, monkeypatch):
    made = []

    def make(spec="slide51_ten_5x5"):
        win = MainWindow(spec if isinstance(spec, NetworkSpec) else load_preset(spec), device="cpu")
        win.show()  # not qtbot.addWidget: its close would come first and ask about the unsaved edits
        made.append(win)
        qtbot.waitUntil(lambda: win.result is not None, timeout=30000)
        return win

    yield make
    for win in made:
        win.document.history.mark_saved()  # no question on close
        win.close()
        win.bridge.stop()


def add(win, type_name):
    action = next(a for a in win.editor.add_menu.actions() if a.text().endswith(f"({type_name})"))
    action.trigger()


def field(win, name):
    return win.editor.form.widgets[name]


def set_spin(box, value):
    box.setValue(value)
    box.editingFinished.emit()


def item_text(win, row):
    return win.editor.list.item(row).text()


def test_build_the_lecture_32x32x3_example_from_an_empty_network(qtbot, window):
    win = window(NetworkSpec("empty", InputSpec(3, 32, 32), ()))
    add(win, "conv2d")
    assert "8 filters 3x3, stride 1, pad 1" in item_text(win, 0)  # the defaults
    set_spin(field(win, "out_channels"), 10)
    field(win, "kernel_size").height.setValue(5)
    field(win, "padding").height.setValue(2)
    text = item_text(win, 0)
    assert "32x32x10" in text
    assert "W2 = (32 - 5 + 2*2)/1 + 1 = 32" in text
    assert "each filter 5*5*3 + 1 = 76 params, x 10 filters = 760" in text
    assert "760 parameters" in win.editor.totals.text()
    qtbot.waitUntil(lambda: win.result.spec is win.document.network and len(win.layer_panels) == 1, timeout=30000)
    assert win.result.outputs[0].shape == (10, 32, 32)


def test_the_stride_three_mistake_is_marked_and_undone(qtbot, window):
    win = window(NetworkSpec("toy", InputSpec(1, 7, 7), ()))
    add(win, "conv2d")
    add(win, "relu")
    win.editor.select(0)
    field(win, "padding").height.setValue(0)
    field(win, "stride").height.setValue(3)
    text = item_text(win, 0)
    assert "does not fit a 7x7 input: (7 - 3)/3 + 1 = 2.33" in text
    assert "2x2x8" in text  # torch's output size: 2.33 rounded down
    assert win.editor.list.item(0).foreground().color().name() == win.theme.warning  # amber: torch runs it
    assert "not run" not in item_text(win, 1)  # the layer after it runs too
    assert "Padding 1 would fit" in win.statusBar().currentMessage()
    qtbot.waitUntil(lambda: win.result.spec is win.document.network, timeout=30000)
    assert win.error_banner.isVisibleTo(win) and "2.33" in win.error_banner.text()
    field(win, "kernel_size").height.setValue(9)  # a layer that cannot work at all: red, the rest not run
    assert win.editor.list.item(0).foreground().color().name() == win.theme.error
    assert "not run" in item_text(win, 1)  # the layer after it is kept, not lost
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert win.document.network.layers[0].pair("kernel_size") == (3, 3)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert win.document.network.layers[0].params["stride"] == 1
    assert "does not fit" not in item_text(win, 0)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier
                   | QtCore.Qt.KeyboardModifier.ShiftModifier)
    assert win.document.network.layers[0].params["stride"] == 3


def test_save_reopen_gives_the_same_network_and_outputs(qtbot, window, tmp_path, monkeypatch):
    win = window("slide51_ten_5x5")
    set_spin(field(win, "out_channels"), 6)
    assert win.files.modified and win.windowTitle().endswith("*")
    path = tmp_path / "mine.json"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    assert win.files.save()
    assert not win.files.modified and not win.windowTitle().endswith("*")
    qtbot.waitUntil(lambda: win.result.spec is win.document.network, timeout=30000)
    before = [o.copy() for o in win.result.outputs]
    saved_spec = win.document.network
    win.load_preset("typical_convnet")
    qtbot.waitUntil(lambda: win.result.spec.name.startswith("[(CONV"), timeout=30000)
    assert win.files.open(path)
    assert win.document.network == saved_spec
    qtbot.waitUntil(lambda: win.result.spec is win.document.network, timeout=30000)
    for a, b in zip(before, win.result.outputs):
        np.testing.assert_array_equal(a, b)
    assert str(path.resolve()) in win.settings.recent_networks()


def test_unsaved_changes_are_asked_about(qtbot, window, monkeypatch):
    win = window("slide51_ten_5x5")
    win.editor.remove()
    answers = iter([QtWidgets.QMessageBox.StandardButton.Cancel, QtWidgets.QMessageBox.StandardButton.Discard])
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2])
        return next(answers)

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", question)
    edited = win.document.network
    win.load_preset("one_by_one")
    assert win.document.network is edited  # cancelled: nothing lost
    win.load_preset("one_by_one")
    assert win.document.network.name == load_preset("one_by_one").name
    assert len(asked) == 2 and "not saved" in asked[0]


def test_quitting_with_unsaved_changes_asks_first(qtbot, window, monkeypatch):
    win = window("slide51_ten_5x5")
    win.editor.duplicate()
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Cancel)
    assert not win.close()
    assert win.isVisible()


def test_a_failed_save_keeps_everything(qtbot, window, tmp_path, monkeypatch):
    win = window("slide51_ten_5x5")
    win.editor.duplicate()
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "missing" / "net.json"), ""))
    assert not win.files.save()
    assert "cannot save net.json" in win.statusBar().currentMessage()
    assert win.files.modified and len(win.document.network.layers) == 4


def test_reorder_duplicate_remove_with_the_keyboard_and_drag(qtbot, window):
    win = window("slide51_ten_5x5")
    editor = win.editor
    editor.list.setFocus()
    editor.select(2)
    qtbot.keyClick(editor.list, QtCore.Qt.Key.Key_Up, QtCore.Qt.KeyboardModifier.AltModifier)
    assert [layer.type for layer in win.document.network.layers] == ["conv2d", "maxpool2d", "relu"]
    qtbot.keyClick(editor.list, QtCore.Qt.Key.Key_D, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert len(win.document.network.layers) == 4
    qtbot.keyClick(editor.list, QtCore.Qt.Key.Key_Delete)
    assert len(win.document.network.layers) == 3
    # drag and drop: the list model moves a row; the editor turns it into an undoable move
    editor.list.model().moveRow(QtCore.QModelIndex(), 0, QtCore.QModelIndex(), 3)
    qtbot.waitUntil(lambda: win.document.network.layers[-1].type == "conv2d", timeout=5000)
    win.document.undo()
    assert win.document.network.layers[0].type == "conv2d"


def test_filters_a_sobel_on_the_live_frame_and_a_typed_weight(qtbot, window, monkeypatch):
    win = window("webcam_edges")
    win.editor.select(0)
    win.open_filter_editor()
    dialog = win.filter_editor
    dialog.filter_combo.setCurrentIndex(dialog.filter_combo.findData("sobel_y"))
    dialog.target.setValue(1)  # the box counts filters from 1
    assert "filters 1-" in dialog.windowTitle()
    dialog.apply_filter(0)
    assert win.document.network.layers[0].params["init"][0] == "sobel_y"
    qtbot.waitUntil(lambda: win.result.spec is win.document.network, timeout=30000)
    monkeypatch.setattr(QtWidgets.QInputDialog, "getDouble", lambda *a, **k: (2.5, True))
    dialog.views[(1, 2)].cellClicked.emit(0, 1)
    weight = win.document.network.layers[0].params["weight"]
    assert weight[1, 2, 0, 1] == 2.5
    qtbot.waitUntil(lambda: win.result.spec is win.document.network, timeout=30000)
    dialog.close()


def test_export_code_to_the_clipboard(qtbot, window):
    win = window("slide51_ten_5x5")
    win.files.copy_code()
    text = QtWidgets.QApplication.clipboard().text()
    assert "nn.Conv2d(in_channels=3, out_channels=10, kernel_size=5, stride=1, padding=2)" in text


def test_a_state_dict_that_does_not_match_gets_a_message(qtbot, window, tmp_path, monkeypatch):
    import torch

    from convviz.core.compute import build_module

    torch.save(build_module(load_preset("typical_convnet")).state_dict(), tmp_path / "other.pt")
    win = window("slide51_ten_5x5")
    before = win.document.network
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "other.pt"), ""))
    win.files.load_state_dict_dialog()
    assert "expected 10x3x5x5" in win.statusBar().currentMessage()
    assert win.document.network is before


def test_pair_edit_separates_height_and_width():
    edit = PairEdit(1, allow_same=True)
    edit.set_value((3, 5))
    assert edit.separate.isChecked() and edit.value() == [3, 5]
    edit.set_value("same")
    assert edit.value() == "same" and not edit.height.isEnabled()


@pytest.mark.parametrize("type_name", list(LAYER_TYPES))
def test_every_layer_type_gets_a_form_that_edits_it(qtbot, type_name):
    """Added from the menu, each type's form is built from its parameter table and every field edits
    the layer (or is refused with a message, never silently)."""
    start = NetworkSpec("form test", InputSpec(4, 8, 8), ())
    if layer_type(type_name).accepts == "flat":
        start = NetworkSpec.from_dict({"input": {"channels": 4, "height": 8, "width": 8},
                                       "layers": [{"type": "flatten"}]})
    document = Document(start)
    editor = LayerEditor(DARK, document)
    qtbot.addWidget(editor)
    messages = []
    editor.message.connect(lambda text, error: messages.append(text))
    editor.select(len(start.layers) - 1)
    action = next(a for a in editor.add_menu.actions() if a.text().endswith(f"({type_name})"))
    action.trigger()
    index = len(start.layers)
    assert document.network.layers[index].type == type_name
    assert editor.form_title.text() == f"Layer {index + 1}: {layer_type(type_name).title}"
    editable = {name: widget for name, widget in editor.form.widgets.items()
                if not isinstance(widget, QtWidgets.QLabel)}
    assert set(editable) == {p.name for p in layer_type(type_name).params if p.kind != "array"}
    for name in editable:
        widget = editor.form.widgets[name]  # the form may have been rebuilt by the last edit
        before, heard = document.network, len(messages)
        if isinstance(widget, QtWidgets.QSpinBox):
            widget.setValue(widget.value() + 1)
        elif isinstance(widget, QtWidgets.QDoubleSpinBox):
            widget.setValue(widget.value() + (0.25 if widget.value() + 0.25 <= widget.maximum() else -0.25))
        elif isinstance(widget, QtWidgets.QCheckBox):
            widget.setChecked(not widget.isChecked())
        elif isinstance(widget, PairEdit):
            if widget.mode is not None and widget.mode.currentData() != "number":
                widget.mode.setCurrentIndex(widget.mode.findData("number"))
            widget.height.setValue(widget.height.value() + 1)
        elif isinstance(widget, QtWidgets.QComboBox):
            widget.setCurrentIndex((widget.currentIndex() + 1) % widget.count())
            widget.activated.emit(widget.currentIndex())
        else:
            raise AssertionError(f"no way to edit {name}: {type(widget).__name__}")
        changed = document.network != before
        assert changed or len(messages) > heard, f"editing {name!r} of {type_name} did nothing and said nothing"
        if changed:
            assert document.history.can_undo


def test_save_as_pytorch_code_writes_a_module_that_computes_the_same(qtbot, window, tmp_path, monkeypatch):
    import importlib.util

    import torch

    win = window("slide51_ten_5x5")
    target = tmp_path / "slide51.py"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    win.files.save_code()
    assert f"Saved {target}" in win.statusBar().currentMessage()
    module_spec = importlib.util.spec_from_file_location("slide51", target)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    model = module.build_network()
    image = win.result.prepared.tensor
    with torch.no_grad():
        out = model(torch.from_numpy(np.ascontiguousarray(image))[None])[0].numpy()
    np.testing.assert_allclose(out, win.result.outputs[-1], rtol=1e-4, atol=1e-5)
    target.write_text("old code")  # a failed save keeps the old file
    monkeypatch.setattr("convviz.core.atomic.os.replace", lambda *a: (_ for _ in ()).throw(OSError(28, "full")))
    win.files.save_code()
    assert "the disk is full" in win.statusBar().currentMessage() and target.read_text() == "old code"
