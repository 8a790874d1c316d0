"""The window survives what a hostile user gives it: every bad network, picture, video, drop, paste, weights
file and save target gets its message in the status bar, and the lecture goes on: the network and the video
that were running keep running (new frames keep coming, from the same network and the same input).

One window plays a looping video for the whole module (as in a lecture, one mistake after another); each
test clears the status bar, does one bad thing, and checks the message and that frames keep coming. A hang
would stop the run, so a watchdog (faulthandler) ends the process with every thread's stack instead.

The last tests start the whole app (``convviz`` with no arguments, as a lecturer does) on hostile settings
files: each starts on what it can, says what it skipped, and runs.
"""

from __future__ import annotations

import faulthandler
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6 import QtCore, QtWidgets

from convviz.core import compute
from convviz.core.presets import load_preset
from convviz.sources.video import VideoSource
from convviz.ui.main_window import MainWindow
from tests.conftest import write_test_video
from tests.sources import crafted

WATCHDOG_SECONDS = 60  # a test here takes about a second; this only turns a hang into a failure


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lecture")


@pytest.fixture(scope="module")
def lecture(qapp, folder):
    """The lecture's window: slide 51's network on a looping 30 fps video."""
    with pytest.MonkeyPatch.context() as patch:
        for variable, name in (("CONVVIZ_CONFIG_DIR", "config"), ("CONVVIZ_EXPORT_DIR", "exports"),
                               ("CONVVIZ_SPOOL_DIR", "spool")):
            (folder / name).mkdir()
            patch.setenv(variable, str(folder / name))
        video = write_test_video(folder / "class.avi", frames=30, size=(64, 48), fps=30.0)
        window = MainWindow(load_preset("slide51_ten_5x5"), VideoSource(video), device="cpu")
        window.resize(1200, 800)
        window.show()
        yield window
        window.document.history.mark_saved()
        window.bridge.stop()
        window.close()


@pytest.fixture
def window(qtbot, lecture):
    """The lecture's window, running, with an empty status bar; afterwards: still the same network and
    input, and frames still coming."""
    qtbot.waitUntil(lambda: lecture.result is not None, timeout=30000)
    network, source = lecture.document.network, lecture.document.source
    lecture.statusBar().clearMessage()
    yield lecture
    keeps_running(qtbot, lecture, network, source)


def keeps_running(qtbot, window: MainWindow, network, source, frames: int = 3) -> None:
    """New frames keep coming, from the network and the input that ran before."""
    start = window.result.sequence
    qtbot.waitUntil(lambda: window.result.sequence >= start + frames, timeout=10000)
    assert window.document.network is network, "the network changed"
    assert window.result.spec == network, "the frames come from another network"
    assert window.document.source is source, "the input changed"
    assert window.result.frame.index >= 0
    assert "could not compute" not in window.statusBar().currentMessage()


def says(qtbot, window: MainWindow, words: str) -> None:
    """The status bar shows ``words`` (now, or when the pipeline's thread reports)."""
    try:
        qtbot.waitUntil(lambda: words in window.statusBar().currentMessage(), timeout=10000)
    except qtbot.TimeoutError:
        pytest.fail(f"the status bar says {window.statusBar().currentMessage()!r}, not {words!r}")


def network_file(folder: Path, name: str, layers: list | str, size: int = 32) -> Path:
    path = folder / name
    text = layers if isinstance(layers, str) else json.dumps(
        {"name": name, "input": {"channels": 3, "height": size, "width": size}, "layers": layers})
    path.write_text(text)
    return path


def fifo(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.exists():
        os.mkfifo(path)
    return path


def url_mime(*paths: str | Path) -> QtCore.QMimeData:
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl(str(p)) if str(p).startswith("http") else QtCore.QUrl.fromLocalFile(str(p))
                  for p in paths])
    return mime


# ---- File > Open network ---------------------------------------------------------------------------------
HOSTILE_NETWORKS = {
    "a FIFO": (lambda f: fifo(f, "pipe.json"), "is a pipe, not a regular file"),
    "/dev/zero": (lambda f: Path("/dev/zero"), "is a device, not a regular file"),
    "JSON nested 100,000 deep": (lambda f: network_file(f, "deep.json", "[" * 100_000 + "]" * 100_000),
                                 "nested too deeply"),
    "a type that is a list": (lambda f: network_file(f, "list.json", [{"type": ["conv2d"]}]), "layer 1"),
    "a type that is an object": (lambda f: network_file(f, "object.json", [{"type": {"conv2d": 1}}]), "layer 1"),
    "a 5,000-digit number": (lambda f: network_file(f, "digits.json", '{"name": "x", "input": {"channels": 3, '
                             '"height": 32, "width": 32}, "layers": [{"type": "conv2d", "kernel_size": 3, '
                             '"out_channels": 1' + "0" * 5000 + "}]}"), "a number of more than 4,300 digits"),
    "seed 10^30": (lambda f: network_file(f, "seed.json", [{"type": "conv2d", "out_channels": 2, "kernel_size": 3,
                                                            "seed": 10**30}]), "seed"),
    "a 200 MB file": (lambda f: _sparse(f / "huge.json", 200 * 2**20), "convviz reads a network file of up to"),
    "weights of 1.2 TB": (lambda f: network_file(f, "wide.json", [{"type": "conv2d", "out_channels": 1_000_000,
                                                                   "kernel_size": 3, "padding": 1}], size=640),
                          "this machine has"),
    "a 100,000-wide gaussian": (lambda f: network_file(f, "gauss.json", [
        {"type": "conv2d", "out_channels": 1, "kernel_size": 100_000, "padding": 50_000, "init": "gaussian"}]),
        "this machine has"),
}


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


@pytest.mark.parametrize("case", list(HOSTILE_NETWORKS))
def test_opening_a_hostile_network_says_why_and_the_lecture_goes_on(qtbot, window, folder, case):
    make, words = HOSTILE_NETWORKS[case]
    assert window.open_network(make(folder)) is False
    says(qtbot, window, words)


def test_a_network_torch_cannot_build_goes_back_to_the_one_before(qtbot, window, folder, monkeypatch):
    """The report's poisoned window: after a network that could not be built, every later frame failed
    ("the image is 3x480x640 but the network expects 1x7x7"). The old network must stay whole."""
    original = compute.Runner.__init__

    def cannot(self, spec, *args, **kwargs):
        if spec.name == "seven.json":
            raise RuntimeError("CUDA out of memory. Tried to allocate 7.3 TiB\nand a second line")
        original(self, spec, *args, **kwargs)

    monkeypatch.setattr(compute.Runner, "__init__", cannot)
    seven = network_file(folder, "seven.json", [{"type": "conv2d", "out_channels": 1, "kernel_size": 3}], size=7)
    window.open_network(seven)  # accepted by the document, refused by the pipeline's thread
    says(qtbot, window, "cannot build seven.json: CUDA out of memory. Tried to allocate 7.3 TiB; the previous "
                        "network keeps running")
    assert "second line" not in window.statusBar().currentMessage()


# ---- pictures and videos: open, drop, paste --------------------------------------------------------------
HOSTILE_INPUTS = {
    "a FIFO named .png": (lambda f: fifo(f, "pipe.png"), "is a pipe"),
    "a FIFO named .mp4": (lambda f: fifo(f, "pipe.mp4"), "is a pipe"),
    "/dev/urandom": (lambda f: Path("/dev/urandom"), "is a device"),
    "a folder": (lambda f: f, "is a folder"),
    "an empty .jpg": (lambda f: _bytes(f / "empty.jpg", b""), "is empty"),
    "a 68-byte PNG of 60000x60000": (lambda f: _bytes(f / "huge.png", crafted.png(60_000, 60_000)), "60000x60000"),
    "a BMP of 60000x60000": (lambda f: _bytes(f / "huge.bmp", crafted.bmp(60_000, 60_000)), "60000x60000"),
    "a PPM of 60000x60000": (lambda f: _bytes(f / "huge.ppm", crafted.ppm(60_000, 60_000)), "60000x60000"),
    "a GIF of 60000x60000": (lambda f: _bytes(f / "huge.gif", crafted.gif(60_000, 60_000)), "60000x60000"),
    "an MJPEG video of 16000x16000": (lambda f: _bytes(f / "huge.avi", crafted.mjpeg_avi(
        16_000, 16_000, [crafted.flat_jpeg(16_000, 16_000)])), "16000x16000"),
    "random bytes named .mp4": (lambda f: _bytes(f / "noise.mp4", np.random.default_rng(0).integers(
        0, 256, 50_000, dtype=np.uint8).tobytes()), "noise.mp4"),
    "random bytes named .jpg": (lambda f: _bytes(f / "noise.jpg", b"\xff\xd8" + bytes(range(256)) * 40), "noise.jpg"),
}


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", list(HOSTILE_INPUTS))
def test_opening_a_hostile_picture_or_video_says_why_and_the_video_runs_on(qtbot, window, folder, case):
    make, words = HOSTILE_INPUTS[case]
    window.open_image(make(folder))
    says(qtbot, window, words)


@pytest.mark.parametrize("case", ["a FIFO named .png", "/dev/urandom", "a 68-byte PNG of 60000x60000"])
def test_dropping_a_hostile_file_says_why(qtbot, window, folder, case):
    make, words = HOSTILE_INPUTS[case]
    window.live.drop(url_mime(make(folder)))
    says(qtbot, window, words)


def test_dropping_a_hostile_network_says_why(qtbot, window, folder):
    window.live.drop(url_mime(fifo(folder, "dropped.json")))
    says(qtbot, window, "is a pipe")


def test_dropping_a_web_address_says_only_local_files(qtbot, window):
    window.live.drop(url_mime("https://example.com/cat.jpg"))
    says(qtbot, window, "Only files on this computer can be dropped")


@pytest.mark.parametrize(("fill", "words"), [
    (lambda mime, f: mime.setUrls([QtCore.QUrl.fromLocalFile("/dev/zero")]), "is a device"),
    (lambda mime, f: mime.setUrls([QtCore.QUrl.fromLocalFile(str(fifo(f, "pasted.png")))]), "is a pipe"),
    (lambda mime, f: mime.setText(str(fifo(f, "pasted.png"))), "is a pipe"),
    (lambda mime, f: mime.setText("x" * 100_000), "The clipboard holds no picture to paste"),
    (lambda mime, f: None, "The clipboard holds no picture to paste"),
], ids=["a device's URL", "a FIFO's URL", "a FIFO's path as text", "100,000 characters", "nothing"])
def test_pasting_something_hostile_says_why(qtbot, window, folder, fill, words):
    mime = QtCore.QMimeData()
    fill(mime, folder)
    clipboard = QtWidgets.QApplication.clipboard()
    clipboard.setMimeData(mime)
    try:
        window.live.paste()
        says(qtbot, window, words)
    finally:
        # the clipboard owns a QMimeData made in Python: left there, Qt deletes it at exit after Python has
        # gone, and the test process dies with a segmentation fault once every test has passed
        clipboard.clear()


def test_a_camera_that_is_not_there_is_named_and_the_video_runs_on(qtbot, window):
    window.live.open_camera(63)
    says(qtbot, window, "camera 63")


# ---- weights -----------------------------------------------------------------------------------------------
def _chosen_file(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))


HOSTILE_STATE_DICTS = {
    "a 0-byte .pt": (lambda p: p.write_bytes(b""), "is empty"),
    "meta tensors": (lambda p: torch.save({"0.weight": torch.ones(10, 3, 5, 5, device="meta")}, p), "meta tensor"),
    "integer keys": (lambda p: torch.save({0: torch.ones(10, 3, 5, 5)}, p), "is not a name"),
    "complex weights": (lambda p: torch.save({"0.weight": torch.ones(10, 3, 5, 5, dtype=torch.complex64),
                                              "0.bias": torch.ones(10)}, p), "complex"),
    "NaN weights": (lambda p: torch.save({"0.weight": torch.full((10, 3, 5, 5), float("nan")),
                                          "0.bias": torch.ones(10)}, p), "NaN"),
    "a pickle": (lambda p: p.write_bytes(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01x\x94."),
                 "not a PyTorch state dict"),
}


@pytest.mark.parametrize("case", list(HOSTILE_STATE_DICTS))
def test_loading_hostile_trained_weights_changes_nothing(qtbot, window, folder, monkeypatch, case):
    make, words = HOSTILE_STATE_DICTS[case]
    path = folder / "trained.pt"
    make(path)
    _chosen_file(monkeypatch, path)
    window.files.load_state_dict_dialog()
    says(qtbot, window, words)
    assert not window.document.modified


def test_a_npy_claiming_a_trillion_numbers_changes_nothing(qtbot, window, folder, monkeypatch):
    path = folder / "claims.npy"
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
        handle.write(b"\0" * 64)
    window.focus_layer(0)
    _chosen_file(monkeypatch, path)
    window.files.load_layer_dialog()
    says(qtbot, window, "3.64 TiB")
    assert not window.document.modified


# ---- saving where it cannot go ----------------------------------------------------------------------------
def test_saving_the_network_where_a_file_is_in_the_way_keeps_everything(qtbot, window, folder):
    (folder / "a-file").write_text("not a folder")
    assert window.files.write(folder / "a-file" / "net.json") is False
    says(qtbot, window, "Nothing was lost")
    assert window.document.path is None and "Errno" not in window.statusBar().currentMessage()


def test_saving_the_network_into_a_folder_that_is_gone_keeps_everything(qtbot, window, folder):
    assert window.files.write(folder / "gone" / "net.json") is False
    says(qtbot, window, "does not exist")


def test_saving_a_frame_where_the_export_folder_cannot_be_made(qtbot, window, folder, monkeypatch):
    (folder / "in-the-way").write_text("a file where the folder should be")
    monkeypatch.setattr(window.exports, "folder", folder / "in-the-way" / "frames")
    assert window.exports.save_frame("window", 1) is None
    says(qtbot, window, "cannot use")
    assert "Errno" not in window.statusBar().currentMessage()


def test_recording_into_a_spool_folder_that_cannot_be_made(qtbot, window, folder, monkeypatch):
    (folder / "spool-file").write_text("a file where the spool folder should be")
    monkeypatch.setenv("CONVVIZ_SPOOL_DIR", str(folder / "spool-file" / "clips"))
    window.exports.toggle_recording()
    says(qtbot, window, "cannot record")
    assert not window.exports.recording_active and "Errno" not in window.statusBar().currentMessage()


# ---- the whole app started on hostile settings -----------------------------------------------------------
@pytest.fixture
def start_app(qtbot, monkeypatch, tmp_path):
    """``convviz`` with no arguments (the lecturer's start: the last network and input from the settings),
    in this process: the window it makes is returned instead of running Qt's event loop."""
    from convviz import cli
    from convviz.ui import main_window

    made: list[MainWindow] = []

    class Recorded(MainWindow):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(main_window, "MainWindow", Recorded)
    monkeypatch.setattr(QtWidgets.QApplication, "exec", lambda self=None: 0)
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("CONVVIZ_CONFIG_DIR", str(config))

    def start(settings: str | dict | None) -> MainWindow:
        if settings is not None:
            (config / "settings.json").write_text(settings if isinstance(settings, str) else json.dumps(settings))
        assert cli.main([]) == 0
        window = made[-1]
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.result is not None, timeout=30000)
        return window

    yield start
    for window in made:
        window.persist = False
        window.bridge.stop()


def test_a_deeply_nested_settings_file_starts_on_the_defaults(qtbot, start_app):
    window = start_app("[" * 100_000 + "]" * 100_000)
    assert window.document.network.name == load_preset("webcam_default").name
    says(qtbot, window, "could not be read")


def test_a_remembered_network_that_fails_to_load_is_skipped_and_said(qtbot, start_app, tmp_path):
    broken = network_file(tmp_path, "broken.json", [{"type": ["conv2d"]}])
    window = start_app({"network": {"file": str(broken)}, "source": {"kind": "image", "path": str(fifo(tmp_path,
                                                                                                      "p.png"))}})
    assert window.document.network.name == load_preset("webcam_default").name
    says(qtbot, window, "the last network could not be opened")
    assert "the last input" in window.statusBar().currentMessage()


def test_a_remembered_preset_name_that_is_a_path_is_not_followed(qtbot, start_app, tmp_path):
    outside = network_file(tmp_path, "outside.json", [{"type": "relu"}])
    relative = os.path.relpath(outside.with_suffix(""), Path(__file__).parents[2] / "convviz" / "resources" / "presets")
    window = start_app({"network": {"preset": relative}})
    assert window.document.network.name == load_preset("webcam_default").name
    says(qtbot, window, "the last network could not be opened")


def test_a_remembered_camera_of_index_ten_to_the_thirty_is_skipped_in_words(qtbot, start_app):
    window = start_app({"source": {"kind": "camera", "index": 10**30}})
    says(qtbot, window, "is not a camera number")
    assert "overload" not in window.statusBar().currentMessage()


def test_a_remembered_fixed_colour_range_beyond_float_starts_on_the_default_range(qtbot, start_app):
    window = start_app({"colour_range": {"mode": "fixed", "fixed": 10**400}})  # float() of it: OverflowError
    assert window.colour_range.scale.mode == "layer"


def test_settings_of_the_wrong_types_do_not_break_any_menu(qtbot, start_app):
    window = start_app({"recent_networks": 5, "theme": ["dark"], "geometry": 7, "dock_state": {"a": 1},
                        "layout": {"x": 1}, "network": "webcam_edges", "source": [1, 2]})
    window.files._fill_recent()  # File > Open recent
    assert [a.text() for a in window.files.recent_menu.actions()] == ["(none yet)"]
    window.files.settings.add_recent_network(network_file(window.files.settings.path.parent, "n.json",
                                                          [{"type": "relu"}]))
    window.files._fill_recent()
    assert [a.text() for a in window.files.recent_menu.actions()] == ["n.json"]


# ---- many layers: plots made for what is on screen, kept across edits -------------------------------------
def test_a_network_of_a_thousand_layers_makes_plots_only_for_what_is_on_screen(qtbot, tmp_path):
    """Every layer panel made its two pyqtgraph plots at once: 1,000 layers froze the window for 90 s and
    took 2.6 GB. Now the panels on screen make theirs; scrolling brings the others."""
    path = network_file(tmp_path, "thousand.json", [{"type": "relu"}] * 1000, size=8)
    window = MainWindow(load_preset("toy_7x7_stride1"), device="cpu")
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.result is not None, timeout=30000)
    assert window.open_network(path)
    qtbot.waitUntil(lambda: window.result.spec is window.document.network
                    and len(window.layer_panels) == 1000, timeout=30000)
    made = [panel.index for panel in window.layer_panels if panel.maps_made]
    assert 1 <= len(made) <= 8, made
    last = window.layer_panels[-1]

    def scrolled_to_the_last() -> bool:  # asked again until the scroll area knows its new height
        window.maps_scroll.ensureWidgetVisible(last)
        return last.maps_made and last.layout_ is not None and last.maps.image.image is not None

    qtbot.waitUntil(scrolled_to_the_last, timeout=10000)
    assert sum(panel.maps_made for panel in window.layer_panels) <= 16
    window.document.history.mark_saved()
    window.bridge.stop()


def test_an_edit_keeps_the_layer_panels_and_their_plots(qtbot, lecture):
    """An edit re-made every panel (0.1 s each with its plots): the lecture's window stalled a second or more
    per edit on a network of ten layers. Panels are kept when the number of layers stays."""
    from convviz.core import editing

    window = lecture
    qtbot.waitUntil(lambda: window.result is not None, timeout=30000)
    before = list(window.layer_panels)
    old = window.document.network
    assert window.editor.edit(lambda: editing.set_param(old, 0, "out_channels", 6), "six filters")
    qtbot.waitUntil(lambda: window.result.spec is window.document.network
                    and window.layer_panels[0].layout_ is not None
                    and window.layer_panels[0].layout_.channels == 6, timeout=10000)
    assert window.layer_panels == before
    window.document.undo()
    qtbot.waitUntil(lambda: window.result.spec is old and window.layer_panels[0].layout_ is not None
                    and window.layer_panels[0].layout_.channels == 10, timeout=10000)
    window.document.history.mark_saved()
