"""Soak test: the real window on a looping video for a long time (30 minutes by default) while a seeded
random lecturer edits the network, switches sources, drops and opens bad files, changes theme and view,
freezes, saves frames and records clips. Not part of the test suite: run it by hand.

    .venv/bin/python scripts/soak.py [--minutes 30] [--seed 1] [--interval 0.7] [--json report.json]

Every 30 s it prints one line: elapsed time, resident memory (as is, and after glibc's malloc_trim: the
flatness is judged on the trimmed figure, what is still held), frames shown, the longest gap between frames
so far (counted while a video is the input and not frozen), the longest the GUI
thread was blocked, actions done and unexpected errors. At the end: a summary and exit status 0 if there
was no exception, no frame stall over 2 s and memory stayed flat (grew by less than --max-growth MiB from
the end of the first fifth to the end), else 1.

Expected messages (a bad file's reason, a refused network) are counted, not errors; unexpected ones are
Python exceptions anywhere (sys.excepthook, threading.excepthook) and the pipeline's "could not compute /
draw this frame" or a source that "stopped".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's convviz (and its tests' helpers)

from convviz.pipeline.live import passive_threads  # noqa: E402
from convviz.ui.stats import rss_mb as rss_mib  # noqa: E402 (MiB, as the soak reports it)

passive_threads()  # torch's threads wait as they do in the app (cli.main sets it before torch loads)

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

UNEXPECTED = ("could not compute this frame", "could not draw this frame", "stopped:", "Traceback")
STALL_LIMIT_S = 2.0
BLOCK_NOTE_S = 1.0  # a GUI block longer than this is printed with what was on screen


def trimmed_rss_mib() -> float:
    """RSS after glibc's malloc_trim: memory the allocator kept from a big network an hour ago (free, not
    returned) is not a leak; what remains is what is still held. Plain RSS where there is no glibc."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return rss_mib()


def write_video(path: Path, frames: int, size: tuple[int, int], fps: float, seed: int) -> Path:
    """A moving pattern (MJPG .avi through OpenCV's writer)."""
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    base = rng.integers(0, 255, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    base = cv2.resize(base, size, interpolation=cv2.INTER_NEAREST)
    for i in range(frames):
        frame = np.roll(base, 4 * i, axis=1)
        cv2.circle(frame, (size[0] // 2 + int(size[0] / 3 * np.sin(i / 9)), size[1] // 2), size[1] // 6,
                   (255, 255, 255), -1)
        writer.write(frame)
    writer.release()
    return path


def hostile_files(folder: Path) -> dict[str, list[Path]]:
    """Bad inputs of every kind the issue lists, made small (tests/sources/crafted.py writes the headers)."""
    from tests.sources import crafted

    def put(name: str, data: bytes | str) -> Path:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    fifo = folder / "pipe.png"
    os.mkfifo(fifo)
    net_fifo = folder / "pipe.json"
    os.mkfifo(net_fifo)
    images = [fifo, Path("/dev/zero"), Path("/dev/urandom"), folder, put("empty.jpg", b""),
              put("huge.png", crafted.png(60_000, 60_000)), put("huge.bmp", crafted.bmp(60_000, 60_000)),
              put("huge.gif", crafted.gif(60_000, 60_000)), put("huge.ppm", crafted.ppm(60_000, 60_000)),
              put("huge.avi", crafted.mjpeg_avi(16_000, 16_000, [crafted.flat_jpeg(16_000, 16_000)])),
              put("noise.mp4", np.random.default_rng(0).integers(0, 256, 40_000, dtype=np.uint8).tobytes()),
              put("noise.jpg", b"\xff\xd8" + bytes(range(256)) * 40)]
    small = {"channels": 3, "height": 32, "width": 32}
    networks = [net_fifo, Path("/dev/zero"), put("deep.json", "[" * 100_000 + "]" * 100_000),
                put("list-type.json", json.dumps({"input": small, "layers": [{"type": ["conv2d"]}]})),
                put("digits.json", '{"input": {"channels": 3, "height": 32, "width": 32}, "layers": [{"type": '
                    '"conv2d", "kernel_size": 3, "out_channels": 1' + "0" * 5000 + "}]}"),
                put("wide.json", json.dumps({"input": {"channels": 3, "height": 480, "width": 640}, "layers": [
                    {"type": "conv2d", "out_channels": 1_000_000, "kernel_size": 3}]})),
                put("gauss.json", json.dumps({"input": small, "layers": [
                    {"type": "conv2d", "out_channels": 1, "kernel_size": 100_000, "padding": 50_000,
                     "init": "gaussian"}]}))]
    claims = folder / "claims.npy"  # a header that says 10^12 numbers, then 64 bytes
    with open(claims, "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, {"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
        handle.write(b"\0" * 64)
    weights = [put("empty.pt", b""), claims]
    return {"images": images, "networks": networks, "weights": weights}


class Soak:
    def __init__(self, args: argparse.Namespace, folder: Path):
        from convviz.core.presets import load_preset, preset_names
        from convviz.sources.video import VideoSource
        from convviz.ui.main_window import MainWindow
        from convviz.ui.theme import THEMES

        self.args = args
        self.random = random.Random(args.seed)
        self.folder = folder
        self.videos = [write_video(folder / "class.avi", 90, (640, 480), 30.0, 1),
                       write_video(folder / "other.avi", 45, (320, 240), 25.0, 2)]
        self.photo = folder / "photo.png"
        gradient = np.linspace(0, 255, 400, dtype=np.uint8)[None, :, None].repeat(300, axis=0).repeat(3, axis=2)
        cv2.imwrite(str(self.photo), gradient)
        self.hostile = hostile_files(folder)
        self.presets = [name for name in preset_names() if not name.startswith(("vgg", "alexnet"))]
        self.themes = list(THEMES.values())
        self.load_preset = load_preset
        self.VideoSource = VideoSource
        self.window = MainWindow(load_preset("webcam_default"), VideoSource(self.videos[0]), device="cpu")
        self.window.resize(1600, 1000)
        self.window.show()
        # the soak answers "Save changes?" with Discard: a modal question would stop the run
        self.window.files.confirm_discard = lambda: True

        self.started = time.monotonic()
        self.frames = 0
        self.last_frame = time.monotonic()
        self.max_gap = 0.0
        self.gap_at = ""
        self.max_block = 0.0
        self.block_at = ""
        self.blocks: list[str] = []
        self.actions: dict[str, int] = {}
        self.expected_messages = 0
        self.unexpected: list[str] = []
        self.samples: list[tuple[float, float]] = []  # (seconds, MiB after malloc_trim)
        self.raw_samples: list[float] = []
        self.last_action = "start"
        self.expecting = False

        self.window.frameShown.connect(self._frame)
        original_error = self.window.show_error

        def show_error(message: str) -> None:
            if any(word in message for word in UNEXPECTED):
                self.unexpected.append(f"{self._clock()} after {self.last_action}: {message}")
            else:
                self.expected_messages += 1
            original_error(message)

        self.window.show_error = show_error
        self.window.bridge.errorRaised.disconnect()
        self.window.bridge.errorRaised.connect(show_error)
        sys.excepthook = self._exception
        threading.excepthook = lambda hook: self._exception(hook.exc_type, hook.exc_value, hook.exc_traceback)

        self.heartbeat = QtCore.QTimer()
        self.heartbeat.setInterval(50)
        self._beat = time.monotonic()
        self.heartbeat.timeout.connect(self._heartbeat)
        self.heartbeat.start()
        self.actor = QtCore.QTimer()
        self.actor.setSingleShot(True)
        self.actor.timeout.connect(self._act)
        self.actor.start(3000)
        self.reporter = QtCore.QTimer()
        self.reporter.setInterval(int(args.report * 1000))
        self.reporter.timeout.connect(self._report)
        self.reporter.start()
        QtCore.QTimer.singleShot(int(args.minutes * 60_000), self._finish)

    # ---- measuring ---------------------------------------------------------------------------------
    def _clock(self) -> str:
        seconds = int(time.monotonic() - self.started)
        return f"{seconds // 60:02d}:{seconds % 60:02d}"

    def _exception(self, kind, value, trace) -> None:
        text = "".join(traceback.format_exception(kind, value, trace))
        self.unexpected.append(f"{self._clock()} after {self.last_action}: exception\n{text}")
        print(text, file=sys.stderr)

    def _frames_due(self) -> bool:
        """Frames must keep coming: a video is the input and it is not frozen."""
        window = self.window
        document = window.document
        return isinstance(document.source, self.VideoSource) and not document.frozen and window.result is not None

    def _frame(self, sequence: int) -> None:
        now = time.monotonic()
        if self.expecting:
            gap = now - self.last_frame
            if gap > self.max_gap:
                self.max_gap, self.gap_at = gap, f"{self._clock()} after {self.last_action}"
        self.frames += 1
        self.last_frame = now

    def _heartbeat(self) -> None:
        now = time.monotonic()
        blocked = now - self._beat - 0.05
        if blocked > self.max_block:
            self.max_block, self.block_at = blocked, f"{self._clock()} after {self.last_action}"
        if blocked > BLOCK_NOTE_S:
            self.blocks.append(f"{self._clock()} {blocked:.2f} s after {self.last_action} ({self._state()})")
            print(f"{self._clock()}  GUI blocked {blocked:.2f} s after {self.last_action} ({self._state()})",
                  flush=True)
        self._beat = now
        due = self._frames_due()
        if due and not self.expecting:
            self.last_frame = now  # the gap counts from when frames became due
        elif due and now - self.last_frame > self.max_gap:
            self.max_gap, self.gap_at = now - self.last_frame, f"{self._clock()} after {self.last_action}"
        self.expecting = due

    def _state(self) -> str:
        """What was on screen: layout, input, network (for a block's line)."""
        window = self.window
        document = window.document
        layers = ", ".join(layer.type for layer in document.network.layers[:8])
        frozen = ", frozen" if document.frozen else ""
        return (f"{window.current_layout()} view, {type(document.source).__name__}{frozen}, "
                f"{document.network.input.height}x{document.network.input.width} input: {layers}")

    def _report(self) -> None:
        raw = rss_mib()
        rss = trimmed_rss_mib()
        self.raw_samples.append(raw)
        self.samples.append((time.monotonic() - self.started, rss))
        print(f"{self._clock()}  rss {raw:7.1f} MiB (trimmed {rss:7.1f})  frames {self.frames:7d}  "
              f"max gap {self.max_gap:5.2f} s  GUI blocked {self.max_block:5.2f} s  "
              f"actions {sum(self.actions.values()):5d}  expected messages {self.expected_messages:4d}  "
              f"unexpected {len(self.unexpected)}", flush=True)

    # ---- the random lecturer -------------------------------------------------------------------------
    def _act(self) -> None:
        choices = [(self.edit, 30), (self.undo_redo, 8), (self.switch_source, 10), (self.bad_input, 10),
                   (self.bad_network, 6), (self.drop, 6), (self.preset, 5), (self.theme, 4), (self.view, 10),
                   (self.freeze, 4), (self.record, 4), (self.save_frame, 3), (self.bad_weights, 2)]
        if self.args.only:
            choices = [(c, w) for c, w in choices if c.__name__ in self.args.only.split(",")]
        action = self.random.choices([c for c, _ in choices], [w for _, w in choices])[0]
        self.last_action = action.__name__
        self.actions[action.__name__] = self.actions.get(action.__name__, 0) + 1
        try:
            action()
        except Exception as error:  # noqa: BLE001 (the soak's own mistake or the app's: both reported)
            self._exception(type(error), error, error.__traceback__)
        self.actor.start(int(self.random.uniform(0.3, 2.0) * self.args.interval * 1000))

    def edit(self) -> None:
        from convviz.core import editing

        window, rng = self.window, self.random
        spec = window.document.network
        layers = spec.layers
        kind = rng.choice(["param", "param", "param", "add", "remove", "duplicate", "move", "filter"])
        if kind == "add" or not layers:
            if len(layers) > 12:
                return
            where = rng.randint(0, len(layers))
            type_name = rng.choice(["conv2d", "relu", "maxpool2d", "avgpool2d", "sigmoid", "tanh", "leaky_relu",
                                    "batchnorm2d", "elu"])
            window.editor.edit(lambda: editing.add_layer(spec, where, type_name), f"add {type_name}")
            return
        index = rng.randrange(len(layers))
        if kind == "remove" and len(layers) > 2:
            window.editor.edit(lambda: editing.remove_layer(spec, index), "remove")
        elif kind == "duplicate" and len(layers) < 12:
            window.editor.edit(lambda: editing.duplicate_layer(spec, index), "duplicate")
        elif kind == "move" and len(layers) > 1:
            target = rng.randrange(len(layers))
            window.editor.edit(lambda: editing.move_layer(spec, index, target), "move")
        elif kind == "filter" and layers[index].type == "conv2d":
            name = rng.choice(["gaussian", "sobel_x", "laplacian", "box_blur", "identity", "kaiming"])
            window.editor.edit(lambda: editing.set_param(spec, index, "init", name), "filter")
        else:
            layer = layers[index]
            values = {"out_channels": lambda: rng.randint(1, 24), "kernel_size": lambda: rng.randint(1, 9),
                      "stride": lambda: rng.randint(1, 4), "padding": lambda: rng.randint(0, 4),
                      "dilation": lambda: rng.randint(1, 3), "seed": lambda: rng.randint(0, 10**6),
                      "negative_slope": lambda: rng.uniform(0, 0.5), "alpha": lambda: rng.uniform(0.1, 2)}
            keys = [key for key in layer.params if key in values]
            if keys:
                key = rng.choice(keys)
                window.editor.edit(lambda: editing.set_param(spec, index, key, values[key]()), f"set {key}")

    def undo_redo(self) -> None:
        document = self.window.document
        (document.undo if self.random.random() < 0.6 else document.redo)()

    def switch_source(self) -> None:
        from convviz.sources.base import TestCardSource
        from convviz.sources.image import ImageSource

        choice = self.random.random()
        if choice < 0.75:
            self.window.set_source(self.VideoSource(self.random.choice(self.videos)))
        elif choice < 0.88:
            self.window.set_source(TestCardSource())
        else:
            self.window.set_source(ImageSource(self.photo))

    def bad_input(self) -> None:
        self.window.open_image(self.random.choice(self.hostile["images"]))

    def bad_network(self) -> None:
        self.window.open_network(self.random.choice(self.hostile["networks"]))

    def drop(self) -> None:
        path = self.random.choice(self.hostile["images"] + self.hostile["networks"] + self.videos)
        mime = QtCore.QMimeData()
        mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
        self.window.live.drop(mime)

    def preset(self) -> None:
        self.window.load_preset(self.random.choice(self.presets))

    def theme(self) -> None:
        self.window.set_theme(self.random.choice(self.themes))

    def view(self) -> None:
        window, rng = self.window, self.random
        what = rng.random()
        if what < 0.5:
            window.show_layout(rng.choice(window.LAYOUTS))
        elif what < 0.75:
            window.focus_layer(rng.randrange(max(1, len(window.document.network.layers))))
        else:
            playback = window.active_playback()
            if playback is not None:
                rng.choice([playback.toggle, playback.forward, playback.back, playback.last, playback.first])()

    def freeze(self) -> None:
        self.window.live.toggle_freeze()

    def record(self) -> None:
        exports = self.window.exports
        if exports.recording_active:
            exports.stop_recording()
        elif exports.worker is None:
            exports.clip.suffix = self.random.choice([".gif", ".mp4"])
            exports.clip.target = self.random.choice(["figure", "view", "window"])
            exports.start_recording()
            QtCore.QTimer.singleShot(int(self.random.uniform(1, 6) * 1000), self._stop_recording)

    def _stop_recording(self) -> None:
        if self.window.exports.recording_active:
            self.window.exports.stop_recording()

    def save_frame(self) -> None:
        self.window.exports.save_frame(self.random.choice(["window", "view", "figure"]), self.random.choice([1, 2]))

    def bad_weights(self) -> None:
        from convviz.core.weights_io import load_layer_weights, load_state_dict

        window = self.window
        path = self.random.choice(self.hostile["weights"])
        network = window.document.network
        if path.suffix == ".pt":
            window.editor.edit(lambda: load_state_dict(network, path), "load weights")
        elif network.layers:
            window.editor.edit(lambda: load_layer_weights(network, 0, path), "load layer weights")

    # ---- the end -----------------------------------------------------------------------------------------
    def _finish(self) -> None:
        self._report()
        self.actor.stop()
        self.heartbeat.stop()
        self.reporter.stop()
        samples = self.samples
        warm = [rss for t, rss in samples if t >= samples[-1][0] / 5] or [samples[-1][1]]
        growth = warm[-1] - warm[0]
        times = [t for t, _ in samples if t >= samples[-1][0] / 5]
        slope = (statistics.linear_regression(times, warm).slope * 60 if len(warm) > 2 else 0.0)
        summary = {
            "minutes": round((time.monotonic() - self.started) / 60, 1), "seed": self.args.seed,
            "frames": self.frames, "actions": dict(sorted(self.actions.items())),
            "rss_mib": {"start": round(samples[0][1], 1), "after_first_fifth": round(warm[0], 1),
                        "end": round(samples[-1][1], 1), "max": round(max(r for _, r in samples), 1),
                        "growth_after_first_fifth": round(growth, 1), "slope_mib_per_min": round(slope, 3),
                        "untrimmed_start": round(self.raw_samples[0], 1),
                        "untrimmed_end": round(self.raw_samples[-1], 1),
                        "untrimmed_max": round(max(self.raw_samples), 1)},
            "max_frame_gap_s": round(self.max_gap, 2), "max_frame_gap_at": self.gap_at,
            "max_gui_block_s": round(self.max_block, 2), "max_gui_block_at": self.block_at,
            "gui_blocks_over_1s": self.blocks,
            "expected_messages": self.expected_messages,
            "unexpected": self.unexpected,
        }
        ok = not self.unexpected and self.max_gap <= STALL_LIMIT_S and growth < self.args.max_growth
        summary["ok"] = ok
        print(json.dumps(summary, indent=2), flush=True)
        if self.args.json:
            Path(self.args.json).write_text(json.dumps(summary, indent=2))
        self.status = 0 if ok else 1
        self.window.document.history.mark_saved()
        self.window.close()
        QtWidgets.QApplication.quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.7, help="mean seconds between actions")
    parser.add_argument("--max-growth", type=float, default=50.0, help="MiB of growth that still counts as flat")
    parser.add_argument("--json", help="also write the summary to this file")
    parser.add_argument("--only", help="only these actions, comma-separated (e.g. edit,theme): to find a leak")
    parser.add_argument("--report", type=float, default=30.0, help="seconds between progress lines")
    args = parser.parse_args()
    from convviz.ui.app import application

    def quiet(kind, context, message) -> None:  # offscreen Qt's "does not support propagateSizeHints()"
        if "propagateSizeHints" not in message:
            sys.stderr.write(f"{message}\n")

    QtCore.qInstallMessageHandler(quiet)

    with tempfile.TemporaryDirectory(prefix="convviz-soak-") as name:
        folder = Path(name)
        for variable, sub in (("CONVVIZ_CONFIG_DIR", "config"), ("CONVVIZ_EXPORT_DIR", "exports"),
                              ("CONVVIZ_SPOOL_DIR", "spool")):
            (folder / sub).mkdir()
            os.environ[variable] = str(folder / sub)
        app = application()
        soak = Soak(args, folder)
        print(f"soak: {args.minutes:g} minutes, seed {args.seed}, pid {os.getpid()}", flush=True)
        app.exec()
        return getattr(soak, "status", 1)


if __name__ == "__main__":
    sys.exit(main())
