"""Benchmark starting convviz: how soon the window is usable, how soon the first maps are drawn.

    .venv/bin/python scripts/bench_startup.py [--repeat 5] [--compare OTHER_CHECKOUT]

Each round, in fresh processes (offscreen Qt, an empty settings folder, bytecode compiled beforehand as
an installed package has it):

1. ``convviz`` on the default network and the test card, with a probe added from outside (the same
   probe for any checkout): milliseconds from launch until the window's first paint (and whether its
   menus, the network editor's rows and the test card were in it), until the input picture was shown,
   and until the first activation maps were drawn;
2. the same for ``--net vgg16`` (138,357,544 parameters, random weights): "ready" is its first maps, with
   the process's peak memory;
3. ``convviz --snapshot`` wall time and peak memory, default network and VGG-16;
4. ``convviz info`` wall time.

With --compare DIR the same runs are made with the convviz in DIR, alternating with this checkout's,
for before/after figures from the same run. Figures are reported, never asserted. Targets: window
< 1 s, first maps < 2.5 s, info < 0.3 s, VGG-16 ready < 5 s with peak memory < 2 GB.
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

REPO = Path(__file__).resolve().parents[1]

# Runs convviz's own entry point with a probe on the main window: first paint, input picture, first maps.
PROBE = r"""
import json, os, resource, sys, time
start = float(os.environ["CONVVIZ_LAUNCHED_AT"])
from PySide6 import QtCore, QtWidgets
import convviz.ui.main_window as main_window

def now():
    return round((time.time() - start) * 1000, 1)

class Probe(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window, self.figures = window, {"built_ms": now()}
        window.installEventFilter(self)
        window.frameShown.connect(self.shown)
        self.poll = QtCore.QTimer(self)
        self.poll.timeout.connect(self.input_check)
        self.poll.start(5)

    def input_check(self):
        if getattr(self.window.input_panel, "image", None) is not None:
            self.figures.setdefault("input_ms", now())
            self.poll.stop()

    def eventFilter(self, watched, event):
        if event.type() == QtCore.QEvent.Type.Paint and "window_ms" not in self.figures:
            QtCore.QTimer.singleShot(0, self.painted)
        return False

    def painted(self):
        if "window_ms" in self.figures:
            return
        window = self.window
        self.figures.update(window_ms=now(), menus=[a.text().replace("&", "") for a in window.menuBar().actions()],
                            editor_rows=window.editor.list.count(),
                            input_in_first_paint=getattr(window.input_panel, "image", None) is not None,
                            torch_in_first_paint="torch" in sys.modules)
        window.removeEventFilter(self)

    def shown(self, sequence):
        result = self.window.result
        if result is None or not any(image is not None for image in result.images):
            return
        QtWidgets.QApplication.processEvents()
        self.input_check()
        self.figures.update(maps_ms=now(), layer_panels=len(self.window.layer_panels),
                            peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
        print("PROBE " + json.dumps(self.figures), flush=True)
        self.window.frameShown.disconnect(self.shown)
        self.window.close()
        QtWidgets.QApplication.quit()

original_init = main_window.MainWindow.__init__

def init(self, *args, **kwargs):
    original_init(self, *args, **kwargs)
    self._startup_probe = Probe(self)

main_window.MainWindow.__init__ = init
from convviz.cli import main
sys.exit(main(sys.argv[1:]))
"""


def environment(root: Path, config: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen", "CONVVIZ_CONFIG_DIR": config}


def timed(command: list[str], root: Path, config: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one run from launch to exit."""
    env = {**environment(root, config), "CONVVIZ_LAUNCHED_AT": repr(time.time())}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    out, err = process.stdout.read(), process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, out


def probe(root: Path, args: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="convviz-settings-") as config:
        _, _, out = timed([sys.executable, "-c", PROBE, *args], root, config)
    return json.loads(next(line[6:] for line in out.splitlines() if line.startswith("PROBE ")))


def snapshot(root: Path, args: list[str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="convviz-snap-") as folder:
        wall, peak, _ = timed([sys.executable, "-m", "convviz", *args, "--snapshot", str(Path(folder) / "shot.png")],
                              root, folder)
    return wall, peak


def info(root: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="convviz-settings-") as config:
        wall, _, _ = timed([sys.executable, "-m", "convviz", "info"], root, config)
    return wall


def span(values: list[float], digits: int = 0) -> str:
    values = sorted(values)
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{values[0]:.{digits}f}-{values[-1]:.{digits}f} (median {statistics.median(values):.{digits}f})"


def round_of(root: Path) -> dict:
    figures = {"default": probe(root, []), "vgg16": probe(root, ["--net", "vgg16"])}
    figures["snapshot_s"], figures["snapshot_peak_mb"] = snapshot(root, [])
    figures["vgg16_snapshot_s"], figures["vgg16_snapshot_peak_mb"] = snapshot(root, ["--net", "vgg16"])
    figures["info_s"] = info(root)
    return figures


def report(label: str, rounds: list[dict]) -> None:
    default = [r["default"] for r in rounds]
    vgg = [r["vgg16"] for r in rounds]
    print(f"\n== {label}: {len(rounds)} rounds")
    print(f"window first painted   {span([d['window_ms'] for d in default])} ms  (menus {default[0]['menus']}, "
          f"{default[0]['editor_rows']} editor rows, test card in it: "
          f"{sum(d['input_in_first_paint'] for d in default)}/{len(default)}, torch loaded by then: "
          f"{sum(d['torch_in_first_paint'] for d in default)}/{len(default)})")
    print(f"input picture shown    {span([d.get('input_ms', d['maps_ms']) for d in default])} ms")
    print(f"first maps drawn       {span([d['maps_ms'] for d in default])} ms")
    print(f"VGG-16 window          {span([d['window_ms'] for d in vgg])} ms; ready (first maps) "
          f"{span([d['maps_ms'] for d in vgg])} ms; peak {span([d['peak_rss_mb'] for d in vgg])} MB")
    print(f"--snapshot             {span([r['snapshot_s'] for r in rounds], 2)} s, peak "
          f"{span([r['snapshot_peak_mb'] for r in rounds])} MB")
    print(f"--snapshot --net vgg16 {span([r['vgg16_snapshot_s'] for r in rounds], 2)} s, peak "
          f"{span([r['vgg16_snapshot_peak_mb'] for r in rounds])} MB")
    print(f"convviz info           {span([r['info_s'] for r in rounds], 3)} s")
    print("json:", json.dumps({"label": label, "rounds": rounds}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout, measured in the same rounds")
    args = parser.parse_args()
    roots = [("this checkout", REPO)] + ([("compared", args.compare.resolve())] if args.compare else [])
    for _, root in roots:  # as installed: bytecode compiled once (PYTHONDONTWRITEBYTECODE would hide it)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "convviz")], check=False)
    rounds: dict[str, list[dict]] = {label: [] for label, _ in roots}
    for number in range(args.repeat):
        for label, root in roots:
            last = round_of(root)
            rounds[label].append(last)
            print(f"round {number + 1} ({label}): window {last['default']['window_ms']} ms, maps "
                  f"{last['default']['maps_ms']} ms, VGG-16 ready {last['vgg16']['maps_ms']} ms", flush=True)
    for label, _ in roots:
        report(label, rounds[label])


if __name__ == "__main__":
    main()
