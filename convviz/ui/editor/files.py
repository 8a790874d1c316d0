"""Network files from the window: new, open, recent, save (atomic), save as, PyTorch code, trained
weights; and the question before unsaved changes are lost (new, open, a preset, quit)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtGui, QtWidgets

from convviz.core.atomic import write_text_atomic
from convviz.core.errors import ConvvizError
from convviz.core.network_file import open_network_file
from convviz.core.spec import InputSpec, NetworkSpec
from convviz.core.torch_code import export_torch_code
from convviz.core.weights_io import load_layer_weights, load_state_dict
from convviz.ui.settings import Settings

if TYPE_CHECKING:
    from convviz.ui.main_window import MainWindow

NETWORK_FILTER = "convviz networks (*.json);;All files (*)"


class NetworkFiles:
    """File commands for one window; remembers recent networks in the settings file."""

    def __init__(self, window: MainWindow, settings: Settings):
        self.window = window
        self.settings = settings
        menu = window.menus["file"]
        first = menu.actions()[0] if menu.actions() else None
        entries = QtWidgets.QMenu(window)
        add = window.add_action
        add(entries, "&New network", self.new, QtGui.QKeySequence.StandardKey.New)
        add(entries, "&Open network...", self.open_dialog, "Ctrl+Shift+O")
        self.recent_menu = entries.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        add(entries, "&Save network", self.save, QtGui.QKeySequence.StandardKey.Save)
        add(entries, "Save network &as...", self.save_as, "Ctrl+Shift+S")
        entries.addSeparator()
        code = entries.addMenu("Export as PyTorch &code")
        add(code, "&Copy to the clipboard", self.copy_code)
        add(code, "&Save as .py...", self.save_code)
        weights = entries.addMenu("Load trained &weights")
        add(weights, "Whole network from a &state dict (.pt)...", self.load_state_dict_dialog)
        add(weights, "Chosen &layer from a .npy array...", self.load_layer_dialog)
        for action in entries.actions():
            if first is not None:
                menu.insertAction(first, action)
            else:
                menu.addAction(action)
        if first is not None:
            menu.insertSeparator(first)

    # ---- unsaved changes ------------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return self.window.document.modified

    def confirm_discard(self) -> bool:
        """True if it is fine to replace the current network (saved, or the user said so)."""
        if not self.modified:
            return True
        answer = QtWidgets.QMessageBox.question(
            self.window, "Unsaved changes",
            f"The network \u201c{self.window.document.network.name}\u201d has changes that are not saved. Save them?",
            QtWidgets.QMessageBox.StandardButton.Save | QtWidgets.QMessageBox.StandardButton.Discard
            | QtWidgets.QMessageBox.StandardButton.Cancel, QtWidgets.QMessageBox.StandardButton.Save)
        if answer == QtWidgets.QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QtWidgets.QMessageBox.StandardButton.Discard

    # ---- commands -------------------------------------------------------------------------------------
    def new(self) -> None:
        if self.confirm_discard():
            self.window.set_network(NetworkSpec("untitled", InputSpec(3, 32, 32), ()))

    def open(self, path: str | Path, confirm: bool = True) -> bool:
        if confirm and not self.confirm_discard():
            return False
        try:
            opened = open_network_file(path)
        except ConvvizError as error:
            self.window.show_error(str(error))
            return False
        if not self.window.set_network(opened.spec, Path(path)):
            return False
        self.settings.add_recent_network(path)
        if opened.notes:
            self.window.show_message("; ".join(opened.notes), 15000)
        return True

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open network", self._folder(), NETWORK_FILTER)
        if path:
            self.open(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_networks()
        for path in recent:
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.open(p)).setToolTip(path)
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def save(self) -> bool:
        path = self.window.document.path
        if path is None or not path.suffix.lower() == ".json":
            return self.save_as()
        return self.write(path)

    def save_as(self) -> bool:
        start = str(Path(self._folder()) / f"{_safe_name(self.window.document.network.name)}.json")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save network", start, NETWORK_FILTER)
        if not path:
            return False
        path = Path(path)
        if path.suffix.lower() != ".json":
            path = path.with_suffix(".json")
        return self.write(path)

    def write(self, path: Path) -> bool:
        """Save atomically; on failure say why and keep everything (the network stays unsaved)."""
        document = self.window.document
        try:
            document.network.save(path)
        except ConvvizError as error:
            self.window.show_error(f"{error}. Nothing was lost; try another folder.")
            return False
        document.mark_saved(path)
        self.settings.add_recent_network(path)
        self.window.show_message(f"Saved {path}")
        return True

    def copy_code(self) -> None:
        try:
            code = export_torch_code(self.window.document.network)
        except ConvvizError as error:
            self.window.show_error(f"cannot export: {error}")
            return
        QtWidgets.QApplication.clipboard().setText(code)
        self.window.show_message("PyTorch code copied to the clipboard")

    def save_code(self) -> None:
        try:
            code = export_torch_code(self.window.document.network)
        except ConvvizError as error:
            self.window.show_error(f"cannot export: {error}")
            return
        start = str(Path(self._folder()) / f"{_safe_name(self.window.document.network.name)}.py")
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save PyTorch code", start, "Python (*.py)")
        if not path:
            return
        try:
            write_text_atomic(Path(path), code)
        except ConvvizError as error:
            self.window.show_error(str(error))
            return
        self.window.show_message(f"Saved {path}")

    def load_state_dict_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Trained weights", self._folder(),
                                                        "PyTorch state dict (*.pt *.pth);;All files (*)")
        if path:
            self.window.editor.edit(lambda: load_state_dict(self.window.document.network, path), "load trained weights")

    def load_layer_dialog(self) -> None:
        index = self.window.editor.current_index()
        if index < 0:
            self.window.show_error("Choose a layer in the network editor first")
            return
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, f"Weights for layer {index + 1}",
                                                        self._folder(), "NumPy array (*.npy)")
        if path:
            self.window.editor.edit(lambda: load_layer_weights(self.window.document.network, index, path),
                                    f"load weights of layer {index + 1}", index)

    def _folder(self) -> str:
        path = self.window.document.path
        return str(path.parent) if path is not None else str(Path.home())


def _safe_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name).strip().replace(" ", "_")
    return cleaned[:60] or "network"
