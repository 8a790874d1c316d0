"""``--frames N --stats``: run N frames through source, network and every panel, then print one JSON
line of medians and memory. The benchmark scripts read it; nothing here asserts a speed."""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from typing import TYPE_CHECKING

from PySide6 import QtWidgets

if TYPE_CHECKING:
    from convviz.ui.main_window import MainWindow


def rss_mb() -> float:
    """This process's resident memory now, in MiB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


def process_cpu_s() -> float:
    """CPU seconds this process has used so far, every thread, user and system."""
    times = os.times()
    return times.user + times.system


def peak_rss_mb() -> float:
    """The most resident memory this process has used, in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class StatsRun:
    """Counts shown frames; after ``frames`` of them prints the JSON line and quits the app."""

    def __init__(self, window: MainWindow, frames: int, checkpoint: int = 500):
        self.window = window
        self.frames = frames
        self.checkpoint = checkpoint
        self.samples: dict[str, list[float]] = {k: [] for k in
                                                ("capture_ms", "prepare_ms", "forward_ms", "paint_ms", "draw_ms",
                                                 "compute_cpu_ms", "paint_cpu_ms", "draw_cpu_ms")}
        self.count = 0
        self.first_at = 0.0
        self.first_cpu = 0.0  # the process's CPU seconds (every thread) at the first counted frame
        self.rss_at_checkpoint: float | None = None
        self.summary: dict[str, object] | None = None
        window.sync_paint = True
        window.frameShown.connect(self._shown)

    def _shown(self, sequence: int) -> None:
        result = self.window.result
        if result is None or result.frame.index == 0 and self.window.document.source.live:
            return
        self.count += 1
        if self.count == 1:
            self.first_at = time.perf_counter()
            self.first_cpu = process_cpu_s()
        timings = result.timings
        for key, value in (("capture_ms", timings.capture_ms), ("prepare_ms", timings.prepare_ms),
                           ("forward_ms", timings.forward_ms), ("paint_ms", timings.paint_ms),
                           ("draw_ms", self.window.last_draw_ms), ("compute_cpu_ms", timings.compute_cpu_ms),
                           ("paint_cpu_ms", timings.paint_cpu_ms), ("draw_cpu_ms", self.window.last_draw_cpu_ms)):
            self.samples[key].append(value)
        if self.count == self.checkpoint:
            self.rss_at_checkpoint = rss_mb()
        if self.count >= self.frames:
            self.finish()

    def finish(self) -> None:
        self.window.frameShown.disconnect(self._shown)
        seconds = time.perf_counter() - self.first_at
        cpu_seconds = process_cpu_s() - self.first_cpu
        result = self.window.result
        summary: dict[str, object] = {
            "frames": self.count,
            "seconds": round(seconds, 3),
            "fps": round((self.count - 1) / seconds, 2) if seconds > 0 and self.count > 1 else 0.0,
            **{key: round(statistics.median(values), 3) for key, values in self.samples.items() if values},
            # all threads' CPU time per frame: what the frame costs the machine, whatever else runs on it
            "cpu_ms_per_frame": round(cpu_seconds * 1000 / (self.count - 1), 3) if self.count > 1 else 0.0,
            "layers_painted": sum(image is not None for image in result.images) if result else 0,
            "layer_panels": len(self.window.layer_panels),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "rss_mb": round(rss_mb(), 1),
            "rss_mb_at_checkpoint": None if self.rss_at_checkpoint is None else round(self.rss_at_checkpoint, 1),
            "checkpoint_frames": self.checkpoint,
            "threads": (tuner.report() if (tuner := self.window.bridge.pipeline._tuner) is not None else None),
            "device": result.device if result else "",
            "network": result.spec.name if result else "",
            "input": list(result.geometry.input_shape) if result else [],
        }
        self.summary = summary
        print(json.dumps(summary), flush=True)
        self.window.close()
        QtWidgets.QApplication.quit()

