"""The main window: input, the network's layers, and every layer's activation maps.

The window only wires things together: the document (network, history, input, freeze, device,
selection) is the one model; the pipeline follows its events and delivers one FrameResult per frame;
the panels draw it. It never computes.
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from convviz.core.errors import ConvvizError
from convviz.core.presets import open_preset, preset_names, preset_title
from convviz.core.spec import NetworkSpec
from convviz.model.document import Document, NetworkChange
from convviz.model.selection import SelectionModel
from convviz.pipeline.engine import FrameResult, Preview
from convviz.sources.base import FrameSource, TestCardSource
from convviz.sources.image import IMAGE_SUFFIXES
from convviz.ui.panels.layer_maps import InputPanel, LayerMapsPanel, make_title
from convviz.ui.panels.view_common import style_label
from convviz.ui.theme import DARK, DESK_OF, Theme
from convviz.ui.worker import PipelineBridge

TRAINING_FPS = 16  # the live input while a network trains: smooth enough, and the trainer gets the cores


class MainWindow(QtWidgets.QMainWindow):
    """convviz's window. ``frameShown(sequence)`` fires after every panel has drawn a result."""

    frameShown = QtCore.Signal(int)
    stepShown = QtCore.Signal(int)  # a mechanics view drew another animation step
    themeChanged = QtCore.Signal(object)  # Theme: views that drew with the old colours redraw

    def __init__(self, spec: NetworkSpec, source: FrameSource | None = None, device: str = "auto",
                 theme: Theme = DARK, network_path: Path | None = None, preset: str | None = None):
        super().__init__()
        self.theme = theme
        source = source or TestCardSource()
        self.document = Document(spec, network_path, preset, source, device)
        self.selection: SelectionModel = self.document.selection
        self.persist = False  # remember size, layout, network and input on close (the interactive app)
        self.result: FrameResult | None = None
        self._panel_key: tuple | None = None  # the structure the layer panels were made for
        self._frame_times: deque[float] = deque(maxlen=30)
        self._mosaic_aspect = 0.0
        self._shown_layers: frozenset[int] | None = None
        self._pages: dict[int, int] = {}
        self._shown_messages: tuple[str, ...] = ()
        self._nonfinite_warned: tuple[int, ...] = ()
        self._loading_shown = False
        self._painted = False
        self._status_at = 0.0
        self.sync_paint = False  # paint synchronously in _show_result (the --stats benchmark)
        self.last_draw_ms = 0.0
        self.last_draw_cpu_ms = 0.0
        self.setWindowTitle("convviz")
        self.resize(1600, 1000)
        self._apply_palette()

        self.bridge = PipelineBridge(spec, source, theme.lut(), device, parent=self)
        self.bridge.resultReady.connect(self._show_result)
        self.bridge.previewReady.connect(self._show_preview)
        self.bridge.errorRaised.connect(self.show_error)
        self.bridge.sourceChanged.connect(self.document.set_source)
        self.bridge.sourceLost.connect(self.document.source_lost)
        self.bridge.networkRefused.connect(self._network_refused)
        pipeline = self.bridge.pipeline
        self.document.events.network.connect(self._network_changed)
        self.document.events.input.connect(pipeline.set_source)
        self.document.events.frozen.connect(pipeline.set_frozen)
        self.document.events.device.connect(pipeline.set_device)
        self.document.events.training.connect(lambda on: pipeline.set_max_fps(TRAINING_FPS if on else None))
        self.document.events.history.connect(lambda value: self.update_title())
        self.document.events.file.connect(lambda value: self.update_title())

        from convviz.ui.insight import GradCamOverlay

        self.grad_cam = GradCamOverlay(self)
        self.grad_cam.heatReady.connect(self._show_heat)
        self.grad_cam.failed.connect(self.show_error)
        self._build_docks()
        self._build_centre()
        self._build_status()
        self._build_menus()
        self._build_commands()
        self.selection.listen(self._selection_changed)
        self.update_title()
        self.bridge.start()

    # ---- construction ------------------------------------------------------------------------------
    def _apply_palette(self) -> None:
        theme = self.theme
        font = QtWidgets.QApplication.font()
        font.setPointSizeF(theme.font_pt)
        self.setFont(font)
        box, border = round(theme.font_pt * 1.1), max(1, round(theme.line_px / 2))
        self.setStyleSheet(
            f"QMainWindow, QWidget {{ background: {theme.background}; color: {theme.foreground};"
            f" font-size: {theme.font_pt:.1f}pt; }}"
            f"QListWidget {{ background: {theme.panel}; }}"
            f"QTabBar::tab {{ padding: 6px 14px; background: {theme.panel}; color: {theme.muted}; }}"
            f"QTabBar::tab:selected {{ color: {theme.foreground}; border-bottom: 2px solid {theme.accent}; }}"
            f"QDockWidget::title {{ padding: 4px; background: {theme.panel}; }}"
            f"QStatusBar QLabel {{ padding: 0 8px; }}"
            # the style sheet above left a check box's box black on black: a toggle nobody sees
            f"QCheckBox::indicator {{ width: {box}px; height: {box}px; border: {border}px solid {theme.foreground};"
            f" background: {theme.panel}; }}"
            f"QCheckBox::indicator:checked {{ background: {theme.accent}; }}"
        )

    def _build_docks(self) -> None:
        self.input_panel = InputPanel(self.theme, self.selection)
        self.input_dock = QtWidgets.QDockWidget("Input", self)
        self.input_dock.setObjectName("inputDock")
        self.input_dock.setWidget(self.input_panel)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.input_dock)

        from convviz.ui.editor.layer_editor import LayerEditor

        self.editor = LayerEditor(self.theme, self.document)
        self.editor.layerSelected.connect(self._layer_selected)
        self.editor.message.connect(lambda text, error: self.show_error(text) if error else self.show_message(text))
        self.editor.filters_button.clicked.connect(self.open_filter_editor)
        holder = self.editor
        self.network_dock = QtWidgets.QDockWidget("Network editor", self)
        self.network_dock.setObjectName("networkDock")
        self.network_dock.setWidget(holder)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.network_dock)
        from convviz.ui.panels.class_scores import ClassScoresPanel

        self.scores_panel = ClassScoresPanel(self.theme)
        self.scores_dock = QtWidgets.QDockWidget("Class scores", self)
        self.scores_dock.setObjectName("scoresDock")
        self.scores_dock.setWidget(self.scores_panel)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, self.scores_dock)
        self.splitDockWidget(self.input_dock, self.scores_dock, QtCore.Qt.Orientation.Vertical)
        self.resizeDocks([self.input_dock, self.network_dock], [460, 460], QtCore.Qt.Orientation.Horizontal)
        self.resizeDocks([self.input_dock, self.scores_dock, self.network_dock], [300, 230, 600],
                         QtCore.Qt.Orientation.Vertical)
        self.scores_dock.setVisible(False)  # shown when the network is a classifier

        from convviz.ui.training.panel import TrainingPanel

        self.training = TrainingPanel(self.theme, self.document, self._live_frame)
        self.training.message.connect(lambda text, error: self.show_error(text) if error else self.show_message(text))
        self.training_dock = QtWidgets.QDockWidget("Training", self)
        self.training_dock.setObjectName("trainingDock")
        self.training_dock.setWidget(self.training)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, self.training_dock)
        self.training_dock.setVisible(False)  # L, or View > Training

    def _build_centre(self) -> None:
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)
        self.maps_scroll = QtWidgets.QScrollArea()
        self.maps_scroll.setWidgetResizable(True)
        self.maps_scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.maps_holder = QtWidgets.QWidget()
        self.maps_grid = QtWidgets.QGridLayout(self.maps_holder)
        self.maps_grid.setContentsMargins(6, 6, 6, 6)
        self.maps_grid.setSpacing(8)
        self.maps_scroll.setWidget(self.maps_holder)
        self.maps_scroll.verticalScrollBar().valueChanged.connect(lambda value: self._update_shown_layers())
        # the panels fill the visible height also when only the area changes (a new theme's tab bar)
        self.maps_scroll.viewport().installEventFilter(self)
        self.tabs.addTab(self.maps_scroll, "Activation maps")
        self.views: dict[QtWidgets.QWidget, str] = {}
        self._build_views()
        self.tabs.currentChanged.connect(lambda index: self._show_view(self.result))
        self.tabs.currentChanged.connect(lambda index: self._update_shown_layers())
        self.tabs.currentChanged.connect(lambda index: self._layout_changed())
        self.layer_panels: list[LayerMapsPanel] = []
        self.error_banner = make_title("", self.theme, self.theme.title_pt * 0.9, colour=self.theme.error)
        self.error_banner.setWordWrap(True)
        self.error_banner.setVisible(False)
        self.setCentralWidget(self.tabs)

    def _build_views(self) -> None:
        """The mechanics views, one tab each (made again when the theme changes)."""
        from convviz.ui.panels.activation_view import ActivationView
        from convviz.ui.panels.conv_view import ConvolutionView
        from convviz.ui.panels.pool_view import PoolingView
        from convviz.ui.panels.unit_view import UnitView

        for view in list(self.views):
            self.tabs.removeTab(self.tabs.indexOf(view))
            view.detach()
            view.deleteLater()
        self.conv_view = ConvolutionView(self.theme, self.selection)
        self.pool_view = PoolingView(self.theme, self.selection)
        self.activation_view = ActivationView(self.theme, self.selection)
        self.unit_view = UnitView(self.theme, self.selection, lambda: self.training.dataset)
        self.unit_view.gradCamToggled.connect(self.grad_cam.set_enabled)
        self.unit_view.cam_box.blockSignals(True)
        self.unit_view.cam_box.setChecked(self.grad_cam.enabled)  # a theme change keeps it on
        self.unit_view.cam_box.blockSignals(False)
        self.views = {self.conv_view: "convolution", self.pool_view: "pooling",
                      self.activation_view: "activation", self.unit_view: "unit"}
        for view, title in ((self.conv_view, "Convolution"), (self.pool_view, "Pooling"),
                            (self.activation_view, "Activation function"), (self.unit_view, "Unit")):
            self.tabs.addTab(view, title)
            playback = getattr(view, "playback", None)
            if playback is not None:
                playback.stepChanged.connect(self.stepShown.emit)

    LAYOUTS = ("network", "convolution", "pooling", "activation", "unit")
    INPUT_BESIDE = ("network", "unit")  # layouts presenter mode shows the Input dock beside

    def show_layout(self, name: str) -> None:
        """An arrangement: 'network' (every layer's maps), or one mechanics view ('convolution',
        'pooling', 'activation'), each one key (F2-F5)."""
        if name not in self.LAYOUTS:
            return
        if name == "network":
            self.tabs.setCurrentIndex(0)
        else:
            for view, view_name in self.views.items():
                if view_name == name:
                    self.tabs.setCurrentWidget(view)

    def _layout_changed(self) -> None:
        if hasattr(self, "presenter"):
            self.presenter.arrange_docks()

    def current_layout(self) -> str:
        return self.views.get(self.tabs.currentWidget(), "network")

    def active_playback(self):
        """The playback of the view on screen (None on the activation maps)."""
        return getattr(self.tabs.currentWidget(), "playback", None)

    def _playback_command(self, action: str) -> None:
        playback = self.active_playback()
        if playback is None:
            if action == "play":
                self.show_message("Space plays the sliding window in the Convolution and Pooling views (F3, F4)")
            return
        {"play": playback.toggle, "step_back": playback.back, "step_forward": playback.forward,
         "first_step": playback.first, "last_step": playback.last}[action]()

    def _build_status(self) -> None:
        status = self.statusBar()
        self.fps_label = QtWidgets.QLabel("")
        self.device_label = QtWidgets.QLabel("")
        status.addPermanentWidget(self.fps_label)
        status.addPermanentWidget(self.device_label)

    def _build_menus(self) -> None:
        """Menus by name in ``self.menus`` ("file", "input", "network", "view") for features to extend."""
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        input_menu = menu.addMenu("&Input")
        network_menu = menu.addMenu("&Network")
        view_menu = menu.addMenu("&View")
        self.menus = {"file": file_menu, "input": input_menu, "network": network_menu, "view": view_menu}
        self.add_action(input_menu, "&Open image...", self.open_image_dialog, QtGui.QKeySequence.StandardKey.Open)
        self.add_action(input_menu, "&Test card", lambda: self.set_source(TestCardSource()), "Ctrl+T")
        self.add_action(file_menu, "&Quit", self.close, QtGui.QKeySequence.StandardKey.Quit)

        network_menu.addAction(self.editor.actions_["undo"])
        network_menu.addAction(self.editor.actions_["redo"])
        network_menu.addSeparator()
        presets_menu = network_menu.addMenu("Lecture &presets")
        for name in preset_names():
            try:
                title = preset_title(name)
            except ConvvizError:
                continue
            self.add_action(presets_menu, title, lambda checked=False, n=name: self.load_preset(n))
        self.presets_menu = presets_menu
        view_menu.addAction(self.input_dock.toggleViewAction())
        view_menu.addAction(self.network_dock.toggleViewAction())
        view_menu.addAction(self.scores_dock.toggleViewAction())
        view_menu.addAction(self.training_dock.toggleViewAction())

    def _build_commands(self) -> None:
        """The one-key lecture commands of KEYMAP, presenter mode, help overlay, frames and clips."""
        from convviz.ui.export_controls import ExportControls
        from convviz.ui.keymap import CommandRegistry
        from convviz.ui.live_controls import LiveControls
        from convviz.ui.presenter import HelpOverlay, PresenterMode

        self.commands = CommandRegistry(self)
        self.presenter = PresenterMode(self)
        self.help_overlay = HelpOverlay(self, self.commands)
        self.exports = ExportControls(self)
        from convviz.ui.editor.files import NetworkFiles
        from convviz.ui.settings import Settings

        self.settings = Settings()
        if self.settings.problem:
            self.show_error(self.settings.problem)
        self.files = NetworkFiles(self, self.settings)
        self.live = LiveControls(self)
        from convviz.ui.colour_range import ColourRangeControls

        self.colour_range = ColourRangeControls(self)
        register = self.commands.register
        register("presenter", self.presenter.toggle)
        register("theme", self.presenter.toggle_brightness)
        register("help", self.help_overlay.toggle)
        register("editor", lambda: self.network_dock.setVisible(not self.network_dock.isVisible()))
        register("training", lambda: self.training_dock.setVisible(not self.training_dock.isVisible()))
        register("leave", self._escape)
        register("save_frame", self.exports.quick_save)
        register("record", self.exports.toggle_recording)
        for number in range(1, 10):
            register(f"layer_{number}", lambda n=number: self.number_key(n))
        for layout in self.LAYOUTS:
            register(f"layout_{layout}", lambda name=layout: self.show_layout(name))
        for action in ("play", "step_back", "step_forward", "first_step", "last_step"):
            register(action, lambda name=action: self._playback_command(name))
        view = self.menus["view"]
        view.addSeparator()
        for command in ("presenter", "theme", "help"):
            view.addAction(self.commands.actions[command])

    def number_key(self, number: int) -> None:
        """1-9: capture into class N while the webcam classes are on screen, else put layer N in focus."""
        captures = self.training.captures
        if self.training_dock.isVisible() and captures.isVisible():
            captures.capture(number - 1)
        else:
            self.focus_layer(number - 1)

    def _escape(self) -> None:
        if self.help_overlay.isVisible():
            self.help_overlay.hide()
        elif self.presenter.active:
            self.presenter.leave()

    def _show_heat(self, heat, text: str) -> None:
        self.input_panel.set_heat(heat)
        if text:
            self.input_panel.subtitle.setText(text)

    def _live_frame(self):
        """(frame sequence, H x W x 3 uint8 RGB) of the picture on screen now, for webcam classes."""
        from convviz.core.preprocess import to_rgb8

        result = self.result
        return None if result is None else (result.sequence, to_rgb8(result.frame.image))

    def focus_layer(self, index: int) -> None:
        """Put layer ``index`` (0-based) in focus: the views follow, its panel scrolls into sight."""
        if 0 <= index < len(self.document.network.layers):
            self.editor.select(index)
            self._layer_selected(index)

    def _layer_selected(self, index: int) -> None:
        self.selection.set_focus_layer(index)
        if index < len(self.layer_panels):
            self.maps_scroll.ensureWidgetVisible(self.layer_panels[index])

    def open_filter_editor(self) -> None:
        from convviz.ui.editor.filter_editor import FilterEditor

        index = self.editor.current_index()
        if index < 0:
            return
        dialog = FilterEditor(self.editor, index, self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.filter_editor = dialog

    def add_action(self, menu: QtWidgets.QMenu, text: str, slot, shortcut=None) -> QtGui.QAction:
        """Add an action to ``menu``; features use this too so every command has a menu entry."""
        action = QtGui.QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts keep working with the menu bar hidden (presenter mode)
        return action

    # ---- commands -----------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Switch colours and sizes everywhere: panels are made again with the new theme, and every
        view keeps what the lecturer set up in it (layer, map, channel, step, playing, colour scale);
        the selection and the focused layer live in the document and stay as they are."""
        if theme == self.theme:
            return
        states = {name: view.state() for view, name in self.views.items() if hasattr(view, "state")}
        for view in self.views:
            playback = getattr(view, "playback", None)
            if playback is not None:
                playback.pause()  # the old view's timer must not run on after it is thrown away
        self.theme = theme
        self._apply_palette()
        self._restyle_status()
        old = self.input_panel
        old.detach()
        self.input_panel = InputPanel(theme, self.selection)
        self.input_dock.setWidget(self.input_panel)
        old.deleteLater()
        from convviz.ui.panels.class_scores import ClassScoresPanel

        old_scores = self.scores_panel
        self.scores_panel = ClassScoresPanel(theme)
        self.scores_dock.setWidget(self.scores_panel)
        old_scores.deleteLater()
        style_label(self.error_banner, theme.error, theme.title_pt * 0.9, True)
        self.training.set_theme(theme)
        self.editor.theme = theme
        self.editor.refresh()
        self._panel_key = None  # the next result makes the layer panels again, in the new colours
        self._discard_panels(0)
        current = self.tabs.currentIndex()
        self._build_views()
        for view, name in self.views.items():
            if name in states and hasattr(view, "restore"):
                view.restore(states[name])
        self.tabs.setCurrentIndex(current)
        self._show_view(self.result)
        self.bridge.pipeline.set_lut(theme.lut())  # recomputes the current frame with the new colours
        self.themeChanged.emit(theme)

    def set_network(self, spec: NetworkSpec, path: Path | None = None, preset: str | None = None) -> bool:
        """Another network (preset, file, new): a fresh history; it runs at once. False with a message
        if it cannot (more memory than the machine has): the current network stays."""
        try:
            self.document.replace(spec, path, preset)
        except ConvvizError as error:
            self.show_error(str(error))
            return False
        return True

    def _network_changed(self, change: NetworkChange) -> None:
        """The document has a new network (edit, undo, open, training weights): run it on the current frame."""
        self.bridge.pipeline.set_network(change.spec)

    def _network_refused(self, spec: NetworkSpec, message: str) -> None:
        self.show_error(message)
        self.document.refused(spec)

    def update_title(self) -> None:
        document = self.document
        where = f" ({document.path.name})" if document.path is not None else ""
        star = "*" if document.modified else ""
        self.setWindowTitle(f"convviz \u2014 {document.network.name}{where}{star}")

    def load_preset(self, name: str) -> None:
        if not self.files.confirm_discard():
            return
        try:
            opened = open_preset(name)
        except ConvvizError as error:
            self.show_error(str(error))
            return
        if self.set_network(opened.spec, preset=name) and opened.notes:
            self.show_message("; ".join(opened.notes), 15000)

    def set_source(self, source: FrameSource) -> None:
        self.document.request_source(source)

    def open_image(self, path: str | Path) -> bool:
        """Open an image (or video) file as the input; False with a message if it cannot be read."""
        return self.live.open_path(path)

    def open_image_dialog(self) -> None:
        pattern = " ".join(f"*{suffix}" for suffix in IMAGE_SUFFIXES)
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open image", "", f"Images ({pattern});;All files (*)")
        if path:
            self.open_image(path)

    def open_network(self, path: str | Path) -> bool:
        """Open a network file (asking first if the current one has unsaved changes)."""
        return self.files.open(path)

    def show_error(self, message: str) -> None:
        """Errors go to the status bar in the error colour; the app keeps running."""
        self._status_error = True
        self._restyle_status()
        self.statusBar().showMessage(message, 15000)

    def show_message(self, message: str, timeout_ms: int = 6000) -> None:
        self._status_error = False
        self._restyle_status()
        self.statusBar().showMessage(message, timeout_ms)

    def _restyle_status(self) -> None:
        """The status bar's text in the theme's colour (again after a new theme: never black on black)."""
        colour = self.theme.error if getattr(self, "_status_error", False) else self.theme.foreground
        sheet = f"QStatusBar, QStatusBar QLabel {{ color: {colour}; }}"
        if self.statusBar().styleSheet() != sheet:  # a new style sheet polishes the bar again: only on a change
            self.statusBar().setStyleSheet(sheet)

    # ---- results ------------------------------------------------------------------------------------
    def _rebuild_panels(self, result: FrameResult) -> None:
        """One panel per working layer of the new network: the panels there are kept (an edit rarely
        changes their number, and making one costs tens of milliseconds), the surplus removed."""
        count = len(result.geometry.layers)
        self._discard_panels(count)
        for panel in self.layer_panels:
            panel.reuse()
        if self._pages:
            self._pages = {}
            self.bridge.pipeline.set_pages(self._pages)
        for index in range(len(self.layer_panels), count):
            panel = LayerMapsPanel(index, self.theme, self.selection, parent=self.maps_holder)
            # on screen until the layout says otherwise: the layers shown now, else the first two rows (two
            # rows fill the visible height); the others make their plots when they scroll into view
            shown = self._shown_layers
            panel.on_screen = (index in shown if shown is not None and self.tabs.currentIndex() == 0
                               else index < 2 * self.panel_columns())
            panel.pageRequested.connect(self._page_requested)
            self.layer_panels.append(panel)
        self._columns = 0
        self._place_panels()
        for panel in self.layer_panels:
            panel.show()
        geometry = result.geometry
        problem = geometry.error or (geometry.warnings[0] if geometry.warnings else None)
        hint = ""
        if getattr(problem, "window", None) is not None:
            hint = ("  (the Convolution view, F3, shows the window hanging off the edge and what torch never reads)"
                    if geometry.error is None else "")
        colour = self.theme.error if geometry.error is not None else self.theme.warning
        style_label(self.error_banner, colour)
        suffix = " (torch runs it, rounding down)" if geometry.error is None and problem is not None else ""
        self.error_banner.setText(f"\u26a0 {problem}{suffix}{hint}" if problem is not None else "")
        self.error_banner.setVisible(problem is not None)
        self._panel_key = _structure(result)
        self._size_panels()

    def _discard_panels(self, keep: int) -> None:
        """Throw away the layer panels from number ``keep`` on. The keyboard focus stays with the window:
        a panel taken out with the focus in it would become the active window on its own, and the
        window's one-key commands (T, F, Space) would stop working."""
        focus = QtWidgets.QApplication.focusWidget()
        for panel in self.layer_panels[keep:]:
            if focus is not None and panel.isAncestorOf(focus):
                self.setFocus()
            panel.detach()
            panel.hide()
            panel.setParent(None)
            panel.deleteLater()
        self.layer_panels = self.layer_panels[:keep]

    def _page_requested(self, layer: int, first: int) -> None:
        """Another page of a layer's maps (VGG's 512): painted from the current frame at once."""
        self._pages[layer] = first
        self.bridge.pipeline.set_pages(self._pages)

    def panel_columns(self) -> int:
        """Layer panels side by side: two at a desk; in presenter mode as many as leave each panel
        about 360 pixels at 1920x1080 (four: eight layers a screen instead of four)."""
        if not (hasattr(self, "presenter") and self.presenter.active):
            return 2
        width = self.maps_scroll.viewport().width()
        return int(max(2, min(6, width // max(1, round(360 * self.theme.scale)))))

    def _place_panels(self) -> None:
        """Put the layer panels in a grid of ``panel_columns()`` columns (again when that changes)."""
        columns = self.panel_columns()
        if columns == getattr(self, "_columns", 0):
            return
        if getattr(self, "_columns", 0):  # the panels change width: their mosaics are arranged again
            QtCore.QTimer.singleShot(0, self._size_panels)
        self._columns = columns
        for panel in self.layer_panels:
            self.maps_grid.removeWidget(panel)
        self.maps_grid.removeWidget(self.error_banner)
        for row in range(self.maps_grid.rowCount()):
            self.maps_grid.setRowStretch(row, 0)
        for index, panel in enumerate(self.layer_panels):
            self.maps_grid.addWidget(panel, index // columns, index % columns)
        for column in range(6):
            self.maps_grid.setColumnStretch(column, 1 if column < columns else 0)
        row = (len(self.layer_panels) + columns - 1) // columns
        self.maps_grid.addWidget(self.error_banner, row, 0, 1, columns)
        self.maps_grid.setRowStretch(row + 1, 1)

    def _size_panels(self) -> None:
        """Two rows of panels fill the visible height; once laid out, tell the pipeline the shape of
        the panels' picture area so each layer's maps are arranged to fill it."""
        if not self.layer_panels:
            return
        self._place_panels()
        spacing = self.maps_grid.spacing()
        height = max(240, (self.maps_scroll.viewport().height() - 12 - spacing) // 2)
        for panel in self.layer_panels:
            panel.setFixedHeight(height)
        QtCore.QTimer.singleShot(0, self._place_panels)  # once laid out, the viewport's width is known
        QtCore.QTimer.singleShot(0, self._update_mosaic_aspect)
        QtCore.QTimer.singleShot(0, self._update_shown_layers)

    def _update_shown_layers(self) -> None:
        """Only the layer panels on screen get their maps painted (none while a mechanics view is up)."""
        if not hasattr(self, "layer_panels"):
            return
        if self.tabs.currentIndex() != 0:
            shown: frozenset[int] = frozenset()
        else:
            viewport = self.maps_scroll.viewport()
            area = QtCore.QRect(QtCore.QPoint(0, 0), viewport.size())
            shown = frozenset(panel.index for panel in self.layer_panels
                              if area.intersects(QtCore.QRect(panel.mapTo(viewport, QtCore.QPoint(0, 0)),
                                                              panel.size())))
        arrived = [panel for panel in self.layer_panels if panel.index in shown and not panel.on_screen]
        for panel in self.layer_panels:
            panel.on_screen = panel.index in shown
        if shown != self._shown_layers:
            newly = shown - (self._shown_layers or frozenset())
            self._shown_layers = shown
            self.bridge.pipeline.set_shown_layers(shown)  # the current frame is painted again for them
            if self.result is not None and _structure(self.result) == self._panel_key:
                for index in sorted(newly):  # bars and titles at once; maps come with the repaint
                    if index < len(self.layer_panels):
                        self.layer_panels[index].show_result(self.result)
        elif arrived and self.result is not None:
            for panel in arrived:  # already painted (e.g. a new panel in the place of an old one)
                panel.show_result(self.result)
        if any(panel.maps_made for panel in arrived):
            QtCore.QTimer.singleShot(0, self._update_mosaic_aspect)

    def _update_mosaic_aspect(self) -> None:
        views = [view for view in (panel.picture_view() for panel in self.layer_panels)
                 if view is not None and view.isVisible()]
        if not views:
            return
        def bar(view) -> float:  # the colour bar and its labels beside the maps (wider with a projector's fonts)
            item = view.colour_bar
            return item.boundingRect().width() + 12 if item is not None and item.boundingRect().width() > 0 else 80

        aspects = sorted(max(1, v.width() - bar(v)) / max(1, v.height()) for v in views)
        aspect = round(max(0.8, min(aspects[len(aspects) // 2], 6.0)), 1)
        if abs(aspect - self._mosaic_aspect) > 0.15:
            self._mosaic_aspect = aspect
            self.bridge.pipeline.set_mosaic_aspect(aspect)

    def _show_result(self, result: FrameResult) -> None:
        start = time.perf_counter()
        cpu_start = time.thread_time()
        try:
            changed = _structure(result) != self._panel_key  # new weights (training) keep the panels
            rebuilt = changed or self.result is None  # panels made for the preview count as new at first
            if changed:
                self._rebuild_panels(result)
            self.result = result
            if self._loading_shown:
                self._loading_shown = False
                self.statusBar().clearMessage()
            self.input_panel.show_result(result)
            classifier = self.scores_panel.show_result(result)
            if rebuilt:
                self.scores_dock.setVisible(classifier)
                self.presenter.arrange_docks()
            shown = self._shown_layers
            for panel in self.layer_panels:
                panel.show_result(result, visible=shown is None or panel.index in shown)
            self._warn_nonfinite(result)
            self._show_view(result)
            self.grad_cam.offer(result)
            self._update_status(result)
            if rebuilt and result.geometry.error is not None:
                self.show_error(str(result.geometry.error))
            elif rebuilt and result.geometry.warnings:
                self.show_error(f"{result.geometry.warnings[0]} (torch runs it, rounding down)")
            if self.sync_paint:  # benchmarks: count the painting, not just the hand-over
                QtWidgets.QApplication.processEvents()  # paint what changed now, as the event loop would
        finally:
            self.last_draw_ms = (time.perf_counter() - start) * 1000.0
            self.last_draw_cpu_ms = (time.thread_time() - cpu_start) * 1000.0
            self.bridge.done()
        self.frameShown.emit(result.sequence)

    def _show_preview(self, preview: Preview) -> None:
        """The first picture while torch loads and the network is built: the input, the layers' titles
        and formulas, and a quiet "loading" where the maps will be."""
        if self.result is not None:
            return
        if preview.prepared is not None:
            self.input_panel.show_result(preview)
        if _structure(preview) != self._panel_key:
            self._rebuild_panels(preview)
        for panel in self.layer_panels:
            panel.show_layer(preview.spec, preview.geometry)
            panel.set_waiting("loading the network\u2026")
        self.show_message("Loading torch and building the network\u2026", 0)
        self._loading_shown = True

    def _warn_nonfinite(self, result: FrameResult) -> None:
        """NaN or Inf in a layer: said once in the status bar (the panel's title keeps the count)."""
        bad = [(panel.index, panel.nonfinite) for panel in self.layer_panels if panel.nonfinite]
        key = tuple(index for index, _ in bad)
        if key and key != self._nonfinite_warned:
            index, count = bad[0]
            more = f" (and {len(bad) - 1} more layers)" if len(bad) > 1 else ""
            self.show_error(f"layer {index + 1} has {count:,} NaN/Inf values{more}: drawn in magenta, "
                            "outside the colour scale")
        self._nonfinite_warned = key

    def _show_view(self, result: FrameResult | None) -> None:
        """The mechanics view on screen follows every frame; hidden ones catch up when shown."""
        view = self.tabs.currentWidget()
        if result is not None and view in getattr(self, "views", {}):
            view.show_result(result)

    STATUS_EVERY_S = 0.25  # the frame rate and forward time are read by people: 4 updates a second

    def _update_status(self, result: FrameResult) -> None:
        now = time.monotonic()
        self._frame_times.append(now)
        if now - self._status_at < self.STATUS_EVERY_S and result.messages == self._shown_messages:
            return  # a label that changes every frame re-lays out the status bar every frame
        self._status_at = now
        if len(self._frame_times) > 1 and result.frame.index > 0:
            span = self._frame_times[-1] - self._frame_times[0]
            fps = (len(self._frame_times) - 1) / span if span > 0 else 0.0
            self.fps_label.setText(f"{fps:.1f} fps")
        timings = result.timings
        self.device_label.setText(f"{result.device}  \u00b7  forward {timings.forward_ms:.1f} ms")
        self.device_label.setToolTip("\n".join(
            f"layer {i + 1}: {ms:.2f} ms" for i, ms in enumerate(timings.layer_ms)))
        if result.messages != self._shown_messages:
            self._shown_messages = result.messages
            if result.messages:
                self.show_message("; ".join(result.messages))

    # ---- selection ----------------------------------------------------------------------------------
    def _selection_changed(self, selection: SelectionModel) -> None:
        unit = selection.active
        if unit is None or self.result is None:
            return
        if unit.layer < 0:
            tensor = self.result.prepared.tensor
            if unit.row < tensor.shape[1] and unit.col < tensor.shape[2]:
                values = ", ".join(f"{v:.3f}" for v in tensor[:, unit.row, unit.col])
                self.show_message(f"input pixel row {unit.row + 1}, column {unit.col + 1}: ({values})", 0)
            return
        if unit.layer < len(self.layer_panels):
            value = self.layer_panels[unit.layer].value_at(unit)
            if value is not None:
                self.show_message(f"layer {unit.layer + 1}, map {unit.channel + 1}, row {unit.row + 1}, "
                                  f"column {unit.col + 1}: {value:.4g}", 0)

    # ---- lifetime -----------------------------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        if not self._painted:  # the window is on screen: now torch may load (see allow_loading)
            self._painted = True
            QtCore.QTimer.singleShot(0, self.bridge.pipeline.allow_loading)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if hasattr(self, "presenter"):
            self.presenter.window_resized()
        if hasattr(self, "layer_panels"):
            self._size_panels()
        if hasattr(self, "help_overlay") and self.help_overlay.isVisible():
            self.help_overlay.setGeometry(self.rect())

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QtCore.QEvent.Type.Resize and hasattr(self, "layer_panels") \
                and watched is self.maps_scroll.viewport():
            QtCore.QTimer.singleShot(0, self._size_panels)
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 (Qt name)
        if self.live.accepts(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802 (Qt name)
        self.live.drop(event.mimeData())
        event.acceptProposedAction()

    # ---- remembering between runs ------------------------------------------------------------------
    def remember(self) -> None:
        """Size, docks, layout, theme, network and input go to the settings file for the next run."""
        from convviz.ui.session import describe_source

        settings = self.settings
        if not self.presenter.active:
            settings.values["geometry"] = bytes(self.saveGeometry().toBase64()).decode("ascii")
            settings.values["dock_state"] = bytes(self.saveState().toBase64()).decode("ascii")
        settings.values["layout"] = self.current_layout()
        settings.values["theme"] = DESK_OF.get(self.theme.name, "dark")
        document = self.document
        if document.path is not None:
            settings.values["network"] = {"file": str(document.path.resolve())}
        elif document.preset is not None:
            settings.values["network"] = {"preset": document.preset}
        source = describe_source(document.source)
        if source is not None:
            settings.values["source"] = source
        settings.save()

    def restore_arrangement(self) -> None:
        """Window size, docks and layout as they were when convviz last closed."""
        settings = self.settings
        try:
            if settings.get("geometry"):
                self.restoreGeometry(QtCore.QByteArray.fromBase64(settings.get("geometry").encode("ascii")))
            if settings.get("dock_state"):
                self.restoreState(QtCore.QByteArray.fromBase64(settings.get("dock_state").encode("ascii")))
        except (AttributeError, TypeError, ValueError):
            pass  # a damaged settings file: keep the defaults
        self.show_layout(settings.get("layout", "network"))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if not self.files.confirm_discard():
            event.ignore()
            return
        if self.persist:
            self.remember()
        self.exports.shutdown()
        self.training.shutdown()
        self.grad_cam.enabled = False
        self.bridge.stop()
        super().closeEvent(event)


def _structure(result: FrameResult | Preview) -> tuple:
    """What the layer panels depend on: the layers' types and shapes and the error, not their weights."""
    geometry = result.geometry
    return (tuple((g.type, g.output_shape, g.warning is not None) for g in geometry.layers),
            str(geometry.error) if geometry.error else None)
