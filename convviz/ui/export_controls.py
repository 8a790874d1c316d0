"""Saving frames and recording clips from the window: S saves a frame, R starts and stops a clip.

A frame is rendered on the GUI thread (widgets can only be painted there) and written atomically.
While recording, the GUI thread only renders each frame and offers it to a ``ClipRecorder``, whose
own thread encodes it straight into a spool file (a small queue; when it is full the frame is
dropped and counted, the GUI never waits). Stopping finishes and checks the spool file on a superqt
worker (progress bar and Cancel in the status bar) and then copies it, checked, over the target. If
the target cannot be written (folder not writable, disk full) the spooled clip is kept for
"Save last recording as..." until the next recording or the end of the session.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets
from superqt.utils import create_worker

from convviz.core.atomic import WriteError, reason, remove_quietly
from convviz.core.errors import ConvvizError, in_words
from convviz.export.clips import CLIP_SUFFIXES, ClipInfo, ExportError, Progress, save_clip_steps
from convviz.export.frames import (
    SCALES,
    capture_rect,
    copy_to_clipboard,
    image_to_rgb,
    render_widget,
    save_png,
    save_svg,
)
from convviz.export.recorder import ClipRecorder

if TYPE_CHECKING:
    from convviz.ui.main_window import MainWindow

TARGETS = ("figure", "view", "window")  # the view without its controls, the whole view, the whole window
SPOOL_PREFIX = "recording-"
SPOOL_MAX_AGE_S = 24 * 3600  # spool files older than this (left by a crash) are removed
KEPT = "the recording is kept: File > Export > Save last recording as..."
_spool_numbers = count(1)


def default_folder() -> Path:
    """Where quick saves go: $CONVVIZ_EXPORT_DIR, else Pictures/convviz."""
    override = os.environ.get("CONVVIZ_EXPORT_DIR")
    if override:
        return Path(override)
    from platformdirs import user_pictures_dir

    return Path(user_pictures_dir()) / "convviz"


def spool_folder() -> Path:
    """Where clips are encoded while recording: $CONVVIZ_SPOOL_DIR, else the user's cache folder (a
    disk, not a RAM-backed /tmp: a long 1600x1000 GIF takes hundreds of MB)."""
    override = os.environ.get("CONVVIZ_SPOOL_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("convviz")) / "recordings"


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
    """What R records: the target ("figure", "view" or "window"), format, and when to stop by itself."""

    target: str = "figure"
    suffix: str = ".gif"
    max_frames: int = 300
    max_seconds: float = 20.0
    fps: float | None = None  # None: each frame lasts until the next came (as recorded)


class ExportControls:
    """Save frame / record clip commands, menus and the status-bar progress for a MainWindow."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.folder = default_folder()
        self.scale = 2
        self.clip = ClipSettings()
        self.recorder: ClipRecorder | None = None  # the one recording, or the last one
        self.last_clip: ClipInfo | None = None  # the last recording, finished and checked (its spool file)
        self.recording_active = False
        self._started = 0.0
        self._capture_widget: QtWidgets.QWidget | None = None
        self._capture_rect: QtCore.QRect | None = None
        self.worker = None
        self._steps: Generator | None = None
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
        """The window, or the current view (for "view" and "figure")."""
        if target in ("view", "figure"):
            return self.window.tabs.currentWidget() or self.window
        return self.window

    def render(self, target: str = "window", scale: float = 1.0):
        return render_widget(self.target_widget(target), scale, figure=target == "figure")

    # ---- frames -----------------------------------------------------------------------------------
    def save_frame(self, target: str = "window", scale: float | None = None, path: Path | None = None) -> Path | None:
        """Render ``target`` at ``scale`` and save it (default: a time-stamped PNG in the export folder)."""
        scale = scale or self.scale
        image = self.render(target, scale)
        try:
            if path is None:
                self._make_folder()
                path = timestamped(self.folder, "convviz-frame", ".png")
            saved = save_png(image, path)
        except ConvvizError as error:
            self.window.show_error(f"{error}")
            return None
        self.last_saved = saved
        self.window.show_message(f"Saved {saved} ({image.width()}x{image.height()})")
        return saved

    def save_frame_svg(self, target: str = "view", path: Path | None = None) -> Path | None:
        """The whole ``target`` as SVG (every panel, vector where Qt can)."""
        try:
            if path is None:
                self._make_folder()
                path = timestamped(self.folder, "convviz-frame", ".svg")
            saved = save_svg(self.target_widget(target), path, figure=target == "figure")
        except ConvvizError as error:
            self.window.show_error(str(error))
            return None
        self.last_saved = saved
        self.window.show_message(f"Saved {saved}")
        return saved

    def _make_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WriteError(f"cannot use {self.folder}: {reason(error)}") from None

    def quick_save(self) -> None:
        self.save_frame("window", self.scale)

    def copy_frame(self) -> None:
        copy_to_clipboard(self.render("window", self.scale))
        self.window.show_message("Frame copied to the clipboard")

    def save_frame_dialog(self) -> None:
        dialog = SaveFrameDialog(self.window, self.scale)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        target, scale, kind = dialog.choice()
        self.scale = scale
        if kind == "clipboard":
            copy_to_clipboard(self.render(target, scale))
            self.window.show_message("Frame copied to the clipboard")
            return
        suffix = ".svg" if kind == "svg" else ".png"
        start = str(timestamped(self.folder, "convviz-frame", suffix))
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Save frame", start,
                                                        "SVG (*.svg)" if kind == "svg" else "PNG (*.png)")
        if not path:
            return
        if kind == "svg":
            self.save_frame_svg(target, Path(path))
        else:
            self.save_frame(target, scale, Path(path))

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
        self._forget_recording()
        folder = spool_folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _remove_stale_spools(folder)
            spool = folder / f"{SPOOL_PREFIX}{os.getpid()}-{next(_spool_numbers)}{self.clip.suffix}"
            self.recorder = ClipRecorder(spool, fps=self.clip.fps, name=f"the recording (in {folder})")
        except OSError as error:
            self.window.show_error(f"cannot record: the folder {folder} cannot be used ({reason(error)})")
            return
        self._capture_widget = None
        self.recording_active = True
        self._started = time.monotonic()
        self.capture()
        self.window.show_message(f"Recording the {self.clip.target} (R stops)...", 0)

    def capture(self) -> None:
        """Offer the target as it looks now to the recorder (on each new frame or step). The GUI thread
        renders and converts; it never waits for the encoder."""
        recorder = self.recorder
        if not self.recording_active or recorder is None:
            return
        widget = self.target_widget(self.clip.target)
        figure = self.clip.target == "figure"
        if widget is not self._capture_widget:  # one size for the whole clip (per view)
            self._capture_widget = widget
            self._capture_rect = capture_rect(widget, figure)
        recorder.offer(image_to_rgb(render_widget(widget, 1.0, figure, self._capture_rect)))
        elapsed = time.monotonic() - self._started
        if recorder.error is not None or recorder.accepted >= self.clip.max_frames or elapsed >= self.clip.max_seconds:
            self.stop_recording()

    def _frame_shown(self, number: int) -> None:
        """A new live frame or animation step: capture it once it has been painted."""
        if self.recording_active:
            QtCore.QTimer.singleShot(0, self.capture)

    def stop_recording(self, path: Path | None = None) -> None:
        """Stop capturing; the clip is finished, checked and saved (``path``, else a time-stamped file in
        the export folder) on a worker thread."""
        if not self.recording_active or self.recorder is None:
            return
        self.recording_active = False
        folder_problem = None
        if path is None:
            try:
                self._make_folder()
                path = timestamped(self.folder, "convviz-clip", self.clip.suffix)
            except WriteError as error:
                folder_problem = error
        self._start_worker(_finish_and_save(self.recorder, path, folder_problem), "Finishing the clip...")

    def write_recording(self, path: Path) -> None:
        """Save the last recording (again) to ``path``, off the GUI thread, with progress and cancel;
        a different suffix converts it (GIF <-> MP4)."""
        if self.worker is not None or self.recording_active:
            return
        if self.last_clip is not None:
            steps = save_clip_steps(self.last_clip, path)
        elif self.recorder is not None:  # finishing was cancelled: finish it now
            steps = _finish_and_save(self.recorder, path, None)
        else:
            return
        self._start_worker(steps, f"Writing {Path(path).name}...")

    def _start_worker(self, steps: Generator, message: str) -> None:
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self._steps = steps
        worker = create_worker(_guarded, steps, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(self._progress)
        worker.returned.connect(self._written)
        worker.errored.connect(self._failed)
        worker.aborted.connect(self._cancelled)
        worker.finished.connect(self._writer_finished)
        self.worker = worker
        self.window.show_message(message, 0)
        worker.start()

    def _progress(self, item: Progress | ClipInfo) -> None:
        if isinstance(item, ClipInfo):  # the recording is finished and checked: it can be saved elsewhere
            self.last_clip = item
            self.save_recording_action.setEnabled(True)
            return
        self.progress.setRange(0, max(1, item.total))
        self.progress.setValue(min(item.done, item.total))
        self.progress.setFormat(f"{item.stage} %p%")

    def cancel_writing(self) -> None:
        if self.worker is not None:
            self.worker.quit()

    def _written(self, path: Path) -> None:
        self.last_saved = path
        clip = self.last_clip
        detail = f" ({clip.frames} frames)" if clip is not None else ""
        dropped = self.recorder.dropped if self.recorder is not None else 0
        if dropped:
            detail = detail[:-1] + f"; {dropped} dropped while the encoder was behind)"
        self.window.show_message(f"Saved {path}{detail}")

    def _failed(self, error: Exception) -> None:
        text = str(error) if isinstance(error, ConvvizError) else f"could not write the clip: {in_words(error)}"
        if self.last_clip is not None and self.last_clip.path.exists():
            text = f"{text}; {KEPT}"
        else:
            self._forget_recording()
        self.window.show_error(text)

    def _cancelled(self) -> None:
        kept = self.last_clip is not None or self.recorder is not None
        self.window.show_message("Clip cancelled; nothing was written" + (f" ({KEPT})" if kept else ""))
        self.save_recording_action.setEnabled(kept)

    def _writer_finished(self) -> None:
        # superqt stops a cancelled generator without closing it: close it here (its thread is done),
        # which removes the temporary file beside the target at once
        if self._steps is not None:
            self._steps.close()
            self._steps = None
        self.worker = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)

    def _forget_recording(self) -> None:
        """The last recording is replaced or gone: stop its encoder and remove its spool file."""
        recorder, self.recorder, self.last_clip = self.recorder, None, None
        self.save_recording_action.setEnabled(False)
        if recorder is not None:
            recorder.abort()
            remove_quietly(recorder.path)

    def save_recording_dialog(self) -> None:
        if self.last_clip is None and self.recorder is None:
            return
        suffix = (self.last_clip.path if self.last_clip is not None else self.recorder.path).suffix
        filters = "GIF (*.gif);;MP4 (*.mp4)" if suffix == ".gif" else "MP4 (*.mp4);;GIF (*.gif)"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.window, "Save recording", str(timestamped(self.folder, "convviz-clip", suffix)), filters)
        if path:
            target = Path(path)
            if target.suffix.lower() not in CLIP_SUFFIXES:
                target = target.with_suffix(suffix)
            self.write_recording(target)

    def record_dialog(self) -> None:
        dialog = RecordDialog(self.window, self.clip)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.start_recording(dialog.settings())

    def shutdown(self) -> None:
        """The window closes: stop recording and writing; the spooled recording goes (unless a worker
        still reads it: then the next recording's clean-up removes it)."""
        self.recording_active = False
        if self.worker is not None:
            self.worker.quit()
            if self.recorder is not None:
                self.recorder.abort()
            return
        self._forget_recording()


def _finish_and_save(recorder: ClipRecorder, target: Path | None,
                     folder_problem: WriteError | None) -> Generator[Progress | ClipInfo, None, Path]:
    """On the worker: let the encoder finish and check the spool file, hand the finished clip to the
    GUI (yielded), then save it at ``target``."""
    clip = yield from recorder.finish_steps()
    yield clip
    if folder_problem is not None or target is None:
        raise folder_problem or WriteError("no file name for the clip")
    return (yield from save_clip_steps(clip, target))


def _guarded(steps: Generator) -> Generator:
    """``steps`` for a superqt worker, which would only warn about a RuntimeError: raise it as a message."""
    try:
        return (yield from steps)
    except RuntimeError as error:
        raise ExportError(f"could not write the clip: {error}") from None


def _remove_stale_spools(folder: Path) -> None:
    """Spool files a crashed session left behind (older than a day)."""
    now = time.time()
    for path in folder.glob(f"{SPOOL_PREFIX}*"):
        try:
            if now - path.stat().st_mtime > SPOOL_MAX_AGE_S:
                path.unlink()
        except OSError:
            pass


class SaveFrameDialog(QtWidgets.QDialog):
    """What to save (window / current view), how big (1x, 2x, 4x) and where (PNG, SVG, clipboard)."""

    def __init__(self, parent: QtWidgets.QWidget, scale: int):
        super().__init__(parent)
        self.setWindowTitle("Save frame")
        form = QtWidgets.QFormLayout(self)
        self.target = QtWidgets.QComboBox()
        self.target.addItem("Whole window", "window")
        self.target.addItem("Current view", "view")
        self.target.addItem("Figure only (the view without its controls)", "figure")
        self.scale = QtWidgets.QComboBox()
        for value in SCALES:
            self.scale.addItem(f"{value}x", value)
        self.scale.setCurrentIndex(SCALES.index(scale) if scale in SCALES else 1)
        self.kind = QtWidgets.QComboBox()
        self.kind.addItem("PNG file", "png")
        self.kind.addItem("Clipboard", "clipboard")
        self.kind.addItem("SVG file (vector: plots, overlays, text)", "svg")
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
        self.target.addItem("Figure only (the view without its controls)", "figure")
        self.target.addItem("Current view", "view")
        self.target.addItem("Whole window", "window")
        self.target.setCurrentIndex(TARGETS.index(settings.target) if settings.target in TARGETS else 0)
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
                            self.seconds.value(), fps=None)
