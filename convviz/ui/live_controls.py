"""Input controls: open image/video, cameras (found off the GUI thread), paste, drag and drop, freeze,
the device, and what to do when a source is lost (retry or pick another) without restarting."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import create_worker

from convviz.core.errors import ConvvizError
from convviz.sources.base import FrameSource, StillSource, TestCardSource
from convviz.sources.camera import RESOLUTIONS, CameraSource, probe_cameras
from convviz.sources.files import source_for_path
from convviz.sources.video import VIDEO_SUFFIXES

if TYPE_CHECKING:
    from convviz.ui.main_window import MainWindow


def _named_path(text: str) -> Path | None:
    """The path a pasted text names, if it names something that exists (a sentence, 100,000 characters or a
    name with a NUL byte names nothing; asking the file system about them raises)."""
    text = text.strip()
    if not text or len(text) > 4096 or "\n" in text:
        return None
    try:
        path = Path(text)
        return path if path.exists() else None
    except (OSError, ValueError):  # a name too long for the file system, an embedded NUL
        return None


class LiveControls:
    """Everything about where pictures come from, for one MainWindow."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.document = window.document
        self.resolution: tuple[int, int] = (640, 480)
        self._probe = None
        menu = window.menus["input"]
        window.add_action(menu, "Open &video...", self.open_video_dialog, "Ctrl+Shift+V")
        window.add_action(menu, "&Paste image", self.paste, QtGui.QKeySequence.StandardKey.Paste)
        self.camera_menu = menu.addMenu("&Camera")
        self.camera_menu.aboutToShow.connect(self._fill_camera_menu)
        self.cameras: list[int] | None = None
        resolution_menu = menu.addMenu("Camera &resolution")
        group = QtGui.QActionGroup(window)
        for width, height in RESOLUTIONS:
            action = resolution_menu.addAction(f"{width} x {height}")
            action.setCheckable(True)
            action.setChecked((width, height) == self.resolution)
            action.triggered.connect(lambda checked=False, size=(width, height): self.set_resolution(size))
            group.addAction(action)
        menu.addSeparator()
        window.commands.register("freeze", self.toggle_freeze)
        self.freeze_action = window.commands.actions["freeze"]
        self.freeze_action.setText("&Freeze the picture")
        self.freeze_action.setCheckable(True)
        menu.addAction(self.freeze_action)
        device_menu = window.menus["view"].addMenu("&Device")
        self.device_actions: dict[str, QtGui.QAction] = {}
        device_group = QtGui.QActionGroup(window)
        for choice, text in (("auto", "Automatic (CUDA if there is one)"), ("cpu", "CPU"), ("cuda", "CUDA GPU")):
            action = device_menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(choice == self.document.device)
            action.triggered.connect(lambda checked=False, c=choice: self.set_device(c))
            device_group.addAction(action)
            self.device_actions[choice] = action

        status = window.statusBar()
        self.frozen_label = QtWidgets.QLabel("FROZEN")
        self.frozen_label.setStyleSheet(f"color: {window.theme.background}; background: {window.theme.accent};"
                                        " font-weight: bold; padding: 0 8px;")
        self.frozen_label.setVisible(False)
        self.retry_button = QtWidgets.QPushButton("Retry source")
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.setVisible(False)
        self.other_button = QtWidgets.QPushButton("Test card")
        self.other_button.clicked.connect(lambda: self.set_source(TestCardSource()))
        self.other_button.setVisible(False)
        for widget in (self.frozen_label, self.retry_button, self.other_button):
            status.addPermanentWidget(widget)
        self.document.events.source.connect(self._source_changed)
        self.document.events.lost.connect(self._source_lost)
        self.document.events.frozen.connect(self._frozen_changed)
        self.document.events.device.connect(lambda device: self.device_actions[device].setChecked(True))
        window.setAcceptDrops(True)

    # ---- sources ------------------------------------------------------------------------------------
    def set_source(self, source: FrameSource) -> None:
        """Ask for another input; the pipeline opens it on its thread and reports failures."""
        self.document.request_source(source)

    def _source_changed(self, source: FrameSource) -> None:
        self.retry_button.setVisible(False)
        self.other_button.setVisible(False)
        self.window.show_message(f"Input: {source.describe()}")

    def _source_lost(self, message: str) -> None:
        self.retry_button.setVisible(True)
        self.other_button.setVisible(True)
        self.window.show_error(f"{message}. The last picture stays; Retry, or pick another source "
                               "(Input menu).")

    def retry(self) -> None:
        """Open the lost input again (the pipeline closes it first: the same device)."""
        source = self.document.lost_source
        if source is not None:
            self.set_source(source)

    def open_path(self, path: str | Path) -> bool:
        """An image or video file (also what a drop does); clear message and no change if it fails."""
        try:
            source = source_for_path(path)
        except ConvvizError as error:
            self.window.show_error(str(error))
            return False
        self.set_source(source)
        return True

    def open_video_dialog(self) -> None:
        pattern = " ".join(f"*{suffix}" for suffix in VIDEO_SUFFIXES)
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, "Open video", "",
                                                        f"Videos ({pattern});;All files (*)")
        if path:
            self.open_path(path)

    def open_camera(self, index: int) -> None:
        self.set_source(CameraSource(index, self.resolution))

    def set_resolution(self, size: tuple[int, int]) -> None:
        self.resolution = size
        current = self.document.source
        if isinstance(current, CameraSource):
            self.open_camera(current.index)

    def paste(self) -> bool:
        """A picture from the clipboard, or a file whose path or URL is on it."""
        from convviz.export.frames import image_to_rgb

        mime = QtWidgets.QApplication.clipboard().mimeData()
        if mime is not None and mime.hasImage():
            image = QtGui.QImage(mime.imageData())
            if not image.isNull():
                self.set_source(StillSource(image_to_rgb(image), "pasted image"))
                return True
        if mime is not None and mime.hasUrls():
            for url in mime.urls():
                if url.isLocalFile():
                    return self.open_path(url.toLocalFile())
        named = _named_path(mime.text()) if mime is not None and mime.hasText() else None
        if named is not None:
            return self.open_path(named)  # a file, or a pipe or device that open_path refuses in words
        self.window.show_error("The clipboard holds no picture to paste")
        return False

    # ---- cameras, found off the GUI thread ---------------------------------------------------------
    def _fill_camera_menu(self) -> None:
        menu = self.camera_menu
        menu.clear()
        if self.cameras is None:
            searching = menu.addAction("Looking for cameras...")
            searching.setEnabled(False)
            self.find_cameras()
            return
        for index in self.cameras:
            menu.addAction(f"Camera {index}", lambda i=index: self.open_camera(i))
        if not self.cameras:
            none = menu.addAction("No camera found")
            none.setEnabled(False)
        menu.addSeparator()
        menu.addAction("Look again", self.find_cameras)
        menu.addAction("Camera by index...", self._camera_by_index)

    def find_cameras(self) -> None:
        if self._probe is not None:
            return
        self.cameras = None
        worker = create_worker(probe_cameras, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._cameras_found)
        worker.errored.connect(lambda error: self._cameras_found([]))
        worker.finished.connect(lambda: setattr(self, "_probe", None))
        self._probe = worker
        worker.start()

    def _cameras_found(self, indices: list[int]) -> None:
        self.cameras = list(indices)
        self.window.show_message(f"Cameras found: {', '.join(map(str, indices))}" if indices
                                 else "No camera found (File > Open video, or the test card)")
        if self.camera_menu.isVisible():
            self._fill_camera_menu()

    def _camera_by_index(self) -> None:
        index, ok = QtWidgets.QInputDialog.getInt(self.window, "Camera", "Camera index", 0, 0, 63)
        if ok:
            self.open_camera(index)

    # ---- freeze and device --------------------------------------------------------------------------
    def toggle_freeze(self) -> None:
        self.document.set_frozen(not self.document.frozen)

    def _frozen_changed(self, frozen: bool) -> None:
        self.freeze_action.setChecked(frozen)
        self.frozen_label.setVisible(frozen)
        self.window.show_message("Frozen: the picture holds still while the camera runs on (F again to go live)"
                                 if frozen else "Live again")

    def set_device(self, device: str) -> None:
        self.document.set_device(device)

    # ---- drag and drop ------------------------------------------------------------------------------
    @staticmethod
    def accepts(event: QtGui.QDragEnterEvent) -> bool:
        mime = event.mimeData()
        return mime.hasUrls() or mime.hasImage()

    def drop(self, mime: QtCore.QMimeData) -> bool:
        if mime.hasUrls():
            local = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
            if not local:
                self.window.show_error("Only files on this computer can be dropped")
                return False
            path = Path(local[0])
            if path.suffix.lower() == ".json":
                return self.window.open_network(path)
            return self.open_path(path)
        if mime.hasImage():
            from convviz.export.frames import image_to_rgb

            image = QtGui.QImage(mime.imageData())
            if not image.isNull():
                self.set_source(StillSource(image_to_rgb(image), "dropped image"))
                return True
        self.window.show_error("Drop an image or video file")
        return False

