"""What recording a clip costs: peak memory and the GUI thread's time per captured frame.

    .venv/bin/python scripts/bench_record.py [--frames 300] [--size 1600x1000] [--formats gif mp4]

For each format, a fresh process opens the real window offscreen (``window_with_first_frame``, the
convolution view of ``slide51_ten_5x5``), records ``--frames`` frames of the whole window through
``window.exports`` (each frame one animation step, as R does), stops and waits until the clip is
saved. It prints, per format: peak RSS (VmHWM, MB) and the RSS before recording, the median and 90th
percentile of the GUI thread's milliseconds per captured frame (``exports.capture``: render, convert,
hand over), the GUI thread's milliseconds in ``stop_recording``, the seconds until the file was saved,
dropped frames and the frames decoded back from the file. The frames are paced to the writer (the
next step is drawn once the writer has room), so every frame lands in the clip; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def vm_kb(field: str) -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    return 0.0


def reset_peak() -> None:
    """Start VmHWM (peak RSS) afresh from here (Linux: writing 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def count_frames(path: Path) -> int:
    if path.suffix == ".gif":
        from PIL import Image

        with Image.open(path) as image:
            return image.n_frames
    import cv2

    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def child(suffix: str, frames: int, size: tuple[int, int], preset: str) -> None:
    from PySide6 import QtWidgets

    from convviz.core.presets import load_preset
    from convviz.ui.app import settle, window_with_first_frame
    from convviz.ui.export_controls import ClipSettings

    window = window_with_first_frame(load_preset(preset), size=size)
    window.show_layout("convolution")
    settle()
    exports = window.exports
    folder = Path(tempfile.mkdtemp(prefix="convviz-bench-"))
    exports.folder = folder
    view = window.tabs.currentWidget()
    playback = view.playback
    times: list[float] = []
    original = exports.capture

    def timed_capture() -> None:
        start = time.perf_counter()
        original()
        times.append((time.perf_counter() - start) * 1000)

    exports.capture = timed_capture  # what start_recording and each new step call

    def writer_has_room() -> bool:  # only the streaming recorder has a queue to wait for
        recorder = getattr(exports, "recorder", None)
        return recorder is None or not recorder.queue_full()

    app = QtWidgets.QApplication.instance()
    rss_before = vm_kb("VmRSS") / 1024
    reset_peak()
    began = time.perf_counter()
    exports.start_recording(ClipSettings(target="window", suffix=suffix, max_frames=frames + 10,
                                         max_seconds=1e9, fps=10.0))
    for step in range(1, frames):
        while not writer_has_room():
            time.sleep(0.002)
        wanted = len(times) + 1
        playback.go(step % playback.count)
        while len(times) < wanted:
            app.processEvents()
    recorded = time.perf_counter() - began
    start = time.perf_counter()
    exports.stop_recording()
    stop_ms = (time.perf_counter() - start) * 1000
    while exports.worker is not None or exports.recording_active:
        app.processEvents()
        time.sleep(0.002)
    finished = time.perf_counter() - start
    saved = exports.last_saved
    recorder = getattr(exports, "recorder", None)
    print(json.dumps({
        "format": suffix[1:], "frames": len(times), "window": f"{window.width()}x{window.height()}",
        "peak_rss_mb": round(vm_kb("VmHWM") / 1024, 1), "rss_before_mb": round(rss_before, 1),
        "gui_ms_per_frame_median": round(statistics.median(times), 2),
        "gui_ms_per_frame_p90": round(statistics.quantiles(times, n=10)[-1], 2),
        "stop_recording_gui_ms": round(stop_ms, 1), "recording_s": round(recorded, 2),
        "stop_to_saved_s": round(finished, 2),
        "dropped": getattr(recorder, "dropped", 0) if recorder is not None else 0,
        "saved": str(saved) if saved else None, "file_mb": round(saved.stat().st_size / 2**20, 2) if saved else None,
        "frames_in_file": count_frames(saved) if saved else 0,
    }))
    window.editor.history.mark_saved()
    window.close()
    window.bridge.stop()
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--size", default="1600x1000", metavar="WxH")
    parser.add_argument("--formats", nargs="+", default=["gif", "mp4"], choices=["gif", "mp4"])
    parser.add_argument("--preset", default="slide51_ten_5x5")
    parser.add_argument("--child", choices=["gif", "mp4"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    if args.child:
        child(f".{args.child}", args.frames, (width, height), args.preset)
        return
    for name in args.formats:
        done = subprocess.run([sys.executable, __file__, "--child", name, "--frames", str(args.frames),
                               "--size", args.size, "--preset", args.preset], capture_output=True, text=True)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            print(f"{name}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        result = json.loads(lines[-1])
        print(json.dumps(result))
        print(f"{name}: {result['frames']} frames of {result['window']}: peak RSS {result['peak_rss_mb']} MB "
              f"(before recording {result['rss_before_mb']} MB), GUI thread {result['gui_ms_per_frame_median']} ms "
              f"per frame (median; p90 {result['gui_ms_per_frame_p90']}), stop_recording "
              f"{result['stop_recording_gui_ms']} ms on the GUI thread, saved {result['stop_to_saved_s']} s "
              f"after stop, {result['dropped']} dropped, "
              f"{result['frames_in_file']} frames in the file ({result['file_mb']} MB)")


if __name__ == "__main__":
    main()
