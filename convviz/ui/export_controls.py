"""Saving frames and recording clips from the window: S saves a frame, R starts and stops a clip.

Frames are rendered on the GUI thread (widgets can only be painted there) and handed straight to a
background thread that compresses them; the clip file is written by a superqt worker with a progress
bar and a cancel button in the status bar. Nothing half-written ever appears; a failed save keeps the
recording for "Save last recording as...".
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets
from superqt.utils import create_worker

from convviz.core.errors import ConvvizError
from convviz.export.clips import CLIP_SUFFIXES, Recording, clip_steps
from convviz.export.frames import SCALES, copy_to_clipboard, image_to_rgb, render_widget, save_png, save_svg

if TYPE_CHECKING:
    from convviz.ui.main_window import MainWindow


def default_folder() -> Path:
    """Where quick saves go: $CONVVIZ_EXPORT_DIR, else Pictures/convviz."""
    override = os.environ.get("CONVVIZ_EXPORT_DIR")
    if override:
        return Path(override)
    from platformdirs import user_pictures_dir

    return Path(user_pictures_dir()) / "convviz"


def timestamped(folder: Path, stem: str, suffix: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stem}-{stamp}{suffix}"
    counter = 2
    while path.exists():
        path = folder / f"{stem}-{stamp}-{counter}{suffix}"
        counter += 1
    return path


@dataclass
class ClipSettings:
    """What R records: the target ("window" or "view"), format, and when to stop by itself."""

    target: str = "view"
    suffix: str = ".gif"
    max_frames: int = 300
    max_seconds: float = 20.0
    fps: float | None = None  # None: the rate frames actually arrived at (live), clamped 2..30


class ExportControls:
    """Save frame / record clip commands, menus and the status-bar progress for a MainWindow."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.folder = default_folder()
        self.scale = 2
        self.clip = ClipSettings()
        self.recording: Recording | None = None  # the one being made, or the last one made
        self.recording_active = False
        self._started = 0.0
        self._compressor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convviz-frames")
        self._pending: list = []
        self.worker = None
        self.last_saved: Path | None = None
        menu = window.menus["file"]
        first = menu.actions()[0] if menu.actions() else None
        save_menu = QtWidgets.QMenu("&Export", window)
        window.add_action(save_menu, "Save &frame...", self.save_frame_dialog, "Ctrl+Shift+E")
        window.add_action(save_menu, "&Copy frame to clipboard", self.copy_frame, "Ctrl+Shift+C")
        window.add_action(save_menu, "&Record clip...", self.record_dialog)
        self.save_recording_action = window.add_action(save_menu, "Save last &recording as...",
                                                       self.save_recording_dialog)
        self.save_recording_action.setEnabled(False)
        menu.insertMenu(first, save_menu) if first else menu.addMenu(save_menu)
        if first:
            menu.insertSeparator(first)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_writing)
        window.statusBar().addPermanentWidget(self.progress)
        window.statusBar().addPermanentWidget(self.cancel_button)
        window.frameShown.connect(self._frame_shown)
        window.stepShown.connect(self._frame_shown)

    # ---- what to capture ------------------------------------------------------------------------------
    def target_widget(self, target: str = "window") -> QtWidgets.QWidget:
        if target == "view":
            return self.window.tabs.currentWidget() or self.window
        return self.window

    # ---- frames -----------------------------------------------------------------------------------
    def save_frame(self, target: str = "window", scale: float | None = None, path: Path | None = None) -> Path | None:
        """Render ``target`` at ``scale`` and save it (default: a time-stamped PNG in the export folder)."""
        scale = scale or self.scale
        image = render_widget(self.target_widget(target), scale)
        try:
            if path is None:
                self.folder.mkdir(parents=True, exist_ok=True)
                path = timestamped(self.folder, "convviz-frame", ".png")
            saved = save_png(image, path)
        except (ConvvizError, OSError) as error:
            self.window.show_error(f"{error}")
            return None
        self.last_saved = saved
        self.window.show_message(f"Saved {saved} ({image.width()}x{image.height()})")
        return saved

    def quick_save(self) -> None:
        self.save_frame("window", self.scale)

    def copy_frame(self) -> None:
        copy_to_clipboard(render_widget(self.window, self.scale))
        self.window.show_message("Frame copied to the clipboard")

    def save_frame_dialog(self) -> None:
        dialog = SaveFrameDialog(self.window, self.scale)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        target, scale, kind = dialog.choice()
        self.scale = scale
        if kind == "clipboard":
            copy_to_clipboard(render_widget(self.target_widget(target), scale))
            self.window.show_message("Frame copied to the clipboard")
            return
        suffix = ".svg" if kind == "svg" else ".png"
        start = str(timestamped(self.folder, "convviz-frame", suffix))
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save frame", start,
                                                        "SVG (*.svg)" if kind == "svg" else "PNG (*.png)")
        if not path:
            return
        if kind == "svg":
            scene = self.svg_scene(self.target_widget(target))
            if scene is None:
                self.window.show_error("SVG: this view has no plot pyqtgraph can export; save it as PNG")
                return
            try:
                self.window.show_message(f"Saved {save_svg(scene, path)}")
            except ConvvizError as error:
                self.window.show_error(str(error))
            return
        self.save_frame(target, scale, Path(path))

    @staticmethod
    def svg_scene(widget: QtWidgets.QWidget):
        """The largest pyqtgraph view inside ``widget`` (its plot or main grid), for the SVG exporter."""
        import pyqtgraph as pg

        views = [widget] if isinstance(widget, pg.GraphicsView) else []
        views += [v for v in widget.findChildren(pg.GraphicsView) if v.isVisible()]
        if not views:
            return None
        largest = max(views, key=lambda v: v.width() * v.height())
        return largest.scene()

    # ---- clips ------------------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        if self.recording_active:
            self.stop_recording()
        else:
            self.start_recording()

    def start_recording(self, settings: ClipSettings | None = None) -> None:
        if self.worker is not None:
            self.window.show_error("A clip is still being written; wait or cancel it first")
            return
        self.clip = settings or self.clip
        self.recording = Recording(fps=self.clip.fps or 10.0)
        self.recording_active = True
        self._started = time.monotonic()
        self._pending = []
        self.capture()
        self.window.show_message(f"Recording {self.clip.target} (R stops)...", 0)

    def capture(self) -> None:
        """Add the target as it looks now to the recording (called on each new frame or step)."""
        if not self.recording_active or self.recording is None:
            return
        rgb = image_to_rgb(render_widget(self.target_widget(self.clip.target), 1.0))
        self._pending.append(self._compressor.submit(self.recording.add, rgb))
        elapsed = time.monotonic() - self._started
        if len(self._pending) >= self.clip.max_frames or elapsed >= self.clip.max_seconds:
            self.stop_recording()

    def _frame_shown(self, number: int) -> None:
        """A new live frame or animation step: capture it once it has been painted."""
        if self.recording_active:
            QtCore.QTimer.singleShot(0, self.capture)

    def stop_recording(self, path: Path | None = None) -> None:
        if not self.recording_active or self.recording is None:
            return
        self.recording_active = False
        for future in self._pending:
            future.result()
        self._pending = []
        elapsed = max(time.monotonic() - self._started, 1e-3)
        if self.clip.fps is None:
            self.recording.fps = min(30.0, max(2.0, len(self.recording) / elapsed))
        self.save_recording_action.setEnabled(True)
        if path is None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                self.window.show_error(f"cannot use {self.folder}: {error.strerror}; "
                                       "the recording is kept, File > Export > Save last recording as...")
                return
            path = timestamped(self.folder, "convviz-clip", self.clip.suffix)
        self.write_recording(path)

    def write_recording(self, path: Path) -> None:
        """Write the last recording to ``path`` off the GUI thread, with progress and cancel."""
        if self.recording is None or self.worker is not None:
            return
        self.progress.setRange(0, len(self.recording))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        worker = create_worker(clip_steps, self.recording, path, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(lambda done_total: self.progress.setValue(done_total[0]))
        worker.returned.connect(self._written)
        worker.errored.connect(self._failed)
        worker.aborted.connect(lambda: self.window.show_message("Clip cancelled; nothing was written"))
        worker.finished.connect(self._writer_finished)
        self.worker = worker
        self.window.show_message(f"Writing {path.name}...", 0)
        worker.start()

    def cancel_writing(self) -> None:
        if self.worker is not None:
            self.worker.quit()

    def _written(self, path: Path) -> None:
        self.last_saved = path
        self.window.show_message(f"Saved {path} ({len(self.recording or [])} frames)")

    def _failed(self, error: Exception) -> None:
        self.window.show_error(str(error) if isinstance(error, ConvvizError) else f"could not write the clip: {error}")

    def _writer_finished(self) -> None:
        self.worker = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)

    def save_recording_dialog(self) -> None:
        if self.recording is None:
            return
        filters = "GIF (*.gif);;MP4 (*.mp4)"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.window, "Save recording", str(timestamped(self.folder, "convviz-clip", self.clip.suffix)), filters)
        if path:
            target = Path(path)
            if target.suffix.lower() not in CLIP_SUFFIXES:
                target = target.with_suffix(self.clip.suffix)
            self.write_recording(target)

    def record_dialog(self) -> None:
        dialog = RecordDialog(self.window, self.clip)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.start_recording(dialog.settings())

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.quit()
        self._compressor.shutdown(wait=True)


class SaveFrameDialog(QtWidgets.QDialog):
    """What to save (window / current view), how big (1x, 2x, 4x) and where (PNG, SVG, clipboard)."""

    def __init__(self, parent: QtWidgets.QWidget, scale: int):
        super().__init__(parent)
        self.setWindowTitle("Save frame")
        form = QtWidgets.QFormLayout(self)
        self.target = QtWidgets.QComboBox()
        self.target.addItem("Whole window", "window")
        self.target.addItem("Current view only", "view")
        self.scale = QtWidgets.QComboBox()
        for value in SCALES:
            self.scale.addItem(f"{value}x", value)
        self.scale.setCurrentIndex(SCALES.index(scale) if scale in SCALES else 1)
        self.kind = QtWidgets.QComboBox()
        self.kind.addItem("PNG file", "png")
        self.kind.addItem("Clipboard", "clipboard")
        self.kind.addItem("SVG file (plots only)", "svg")
        form.addRow("Save", self.target)
        form.addRow("Resolution", self.scale)
        form.addRow("To", self.kind)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str, int, str]:
        return self.target.currentData(), self.scale.currentData(), self.kind.currentData()


class RecordDialog(QtWidgets.QDialog):
    """Clip settings: target, GIF or MP4, and a length in frames (animation steps) or seconds."""

    def __init__(self, parent: QtWidgets.QWidget, settings: ClipSettings):
        super().__init__(parent)
        self.setWindowTitle("Record clip")
        form = QtWidgets.QFormLayout(self)
        self.target = QtWidgets.QComboBox()
        self.target.addItem("Current view", "view")
        self.target.addItem("Whole window", "window")
        self.target.setCurrentIndex(0 if settings.target == "view" else 1)
        self.format = QtWidgets.QComboBox()
        self.format.addItem("GIF", ".gif")
        self.format.addItem("MP4", ".mp4")
        self.format.setCurrentIndex(0 if settings.suffix == ".gif" else 1)
        self.frames = QtWidgets.QSpinBox()
        self.frames.setRange(1, 5000)
        self.frames.setValue(settings.max_frames)
        self.frames.setSuffix(" frames / steps")
        self.seconds = QtWidgets.QDoubleSpinBox()
        self.seconds.setRange(0.5, 600)
        self.seconds.setValue(settings.max_seconds)
        self.seconds.setSuffix(" s")
        form.addRow("Record", self.target)
        form.addRow("Format", self.format)
        form.addRow("Stop after", self.frames)
        form.addRow("or after", self.seconds)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def settings(self) -> ClipSettings:
        return ClipSettings(self.target.currentData(), self.format.currentData(), self.frames.value(),
                            self.seconds.value())
