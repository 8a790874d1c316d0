"""``convviz render``: the views' frames, headless, for batch-making slides.

    convviz render --net toy_7x7_stride2 --layer 1 --view conv --out frames/       # one PNG per step
    convviz render --net slide51_ten_5x5 --image cat.jpg --layer 3 --out pool.gif --scale 2

The same window as on screen, rendered offscreen; by default only the figure (the view's panels,
titles and formula, without its combo boxes and playback bar), ``--capture view`` or ``window`` for
more. A progress bar on the terminal. Nothing half-written: every PNG and clip is written beside its
target, decoded again and only then renamed over it; if that fails (a full disk) the old file stays
and the exit status is 2. A clip is encoded on a thread of its own while the next steps render.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from convviz.cli_support import fail, offscreen_platform, parse_size, progress
from convviz.core.errors import ConvvizError
from convviz.core.presets import DEFAULT_PRESET, resolve_network

VIEWS = ("conv", "pool", "activation", "maps")
LAYOUT_OF = {"conv": "convolution", "pool": "pooling", "activation": "activation", "maps": "network"}
MAX_STEPS = 400
CAPTURES = ("figure", "view", "window")


def render_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convviz render", description=__doc__.split("\n\n")[0])
    parser.add_argument("--net", default=DEFAULT_PRESET, help="a preset name or a network .json file")
    parser.add_argument("--image", metavar="IMG", help="the input picture (default: the built-in test card)")
    parser.add_argument("--layer", type=int, default=1, metavar="N", help="the layer to show, 1-based")
    parser.add_argument("--view", choices=VIEWS, help="which view (default: by the layer's type)")
    parser.add_argument("--capture", choices=CAPTURES, default="figure",
                        help="figure: the view without its controls (default); view: with them; window: the "
                             "whole window")
    parser.add_argument("--out", required=True, metavar="DIR|FILE.gif|FILE.mp4",
                        help="a folder for PNG frames, or a .gif / .mp4 clip")
    parser.add_argument("--scale", type=float, default=1.0, help="resolution factor (2 or 4 for slides)")
    parser.add_argument("--steps", type=int, default=None, metavar="N",
                        help=f"at most N animation steps (default: all, up to {MAX_STEPS})")
    parser.add_argument("--fps", type=float, default=4.0, help="clip frame rate (steps per second)")
    parser.add_argument("--size", default="1600x1000", metavar="WxH", help="window size before scaling")
    parser.add_argument("--theme", choices=("dark", "light", "projector-dark", "projector-light"), default="dark")
    return parser


def _default_view(type_name: str) -> str:
    """The view that explains a layer of this type (its type says), else the maps."""
    from convviz.core.layers import layer_type

    view = layer_type(type_name).view
    return {"convolution": "conv", "pooling": "pool", "activation": "activation"}.get(view or "", "maps")


def render_main(argv: Sequence[str]) -> int:
    args = render_parser().parse_args(argv)
    try:
        spec = resolve_network(args.net)
        size = parse_size(args.size)
        source = None
        if args.image:
            from convviz.sources.image import ImageSource

            source = ImageSource(args.image)
        if not 1 <= args.layer <= len(spec.layers):
            raise ConvvizError(f"--layer must be 1..{len(spec.layers)} for this network, not {args.layer}")
        if not 0.25 <= args.scale <= 8:
            raise ConvvizError("--scale must be between 0.25 and 8")
    except ConvvizError as error:
        return fail(str(error))
    out = Path(args.out)
    clip = out.suffix.lower() in (".gif", ".mp4")
    if not clip and out.exists() and not out.is_dir():
        return fail(f"--out {out} is a file; give a folder for PNG frames or a .gif / .mp4 name")
    view_name = args.view or _default_view(spec.layers[args.layer - 1].type)
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = offscreen_platform(size)
    return _render(spec, source, args, size, out, clip, view_name)


def _render(spec, source, args, size, out: Path, clip: bool, view_name: str) -> int:
    from PySide6 import QtWidgets

    from convviz.ui.app import settle, window_with_first_frame

    window = window_with_first_frame(spec, source, args.theme, size)
    try:
        if window.result is None:
            print("convviz: the network produced no frame in time", file=sys.stderr)
            return 1
        if args.layer - 1 >= len(window.result.geometry.layers) and view_name != "conv":
            print(f"convviz: layer {args.layer} cannot run: {window.result.geometry.error}", file=sys.stderr)
            return 2
        window.focus_layer(args.layer - 1)
        window.show_layout(LAYOUT_OF[view_name])
        settle()
        view = window.tabs.currentWidget()
        playback = getattr(view, "playback", None) if view_name != "maps" else None
        steps = min(playback.count, args.steps or MAX_STEPS) if playback is not None else 1
        target = window if args.capture == "window" else view

        def show(step: int) -> None:
            if playback is not None:
                playback.go(step)
            QtWidgets.QApplication.processEvents()

        if clip:
            frames = _render_clip(target, args, out, steps, show)
            print(f"convviz: wrote {out} ({frames} frames)")
        else:
            written = _render_frames(target, args, out, steps, show)
            print(f"convviz: wrote {written} PNG frames to {out}")
    except ConvvizError as error:  # WriteError, ExportError: the message says what and why
        print(f"convviz: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        from convviz.core.atomic import reason

        print(f"convviz: {reason(error)}", file=sys.stderr)
        return 2
    finally:
        window.document.history.mark_saved()  # nothing to ask about: render never edits
        window.close()
        QtWidgets.QApplication.processEvents()
    return 0


def _render_frames(target, args, out: Path, steps: int, show) -> int:
    """One checked, atomically written PNG per step."""
    from convviz.core.atomic import WriteError, reason
    from convviz.export.frames import capture_rect, render_widget, save_png

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(f"cannot make the folder {out}: {reason(error)}") from None
    figure = args.capture == "figure"
    rect = capture_rect(target, figure)  # one size for every frame
    for step in range(steps):
        show(step)
        save_png(render_widget(target, args.scale, figure, rect), out / f"frame_{step + 1:04d}.png")
        progress(step + 1, steps, "rendering")
    return steps


def _render_clip(target, args, out: Path, steps: int, show) -> int:
    """The steps as a clip: rendered here, encoded on the recorder's thread into a temporary file
    beside ``out``, decoded again, then renamed over ``out``. Returns the frames written."""
    from convviz.core.atomic import WriteError, replace_with_steps
    from convviz.export.checks import check_clip_steps
    from convviz.export.clips import check_clip_name
    from convviz.export.frames import capture_rect, image_to_rgb, render_widget
    from convviz.export.recorder import ClipRecorder

    check_clip_name(out)
    figure = args.capture == "figure"
    rect = capture_rect(target, figure)  # one size for every frame
    finished = []

    def write(temporary: Path):
        recorder = ClipRecorder(temporary, fps=args.fps, name=out.name)
        try:
            for step in range(steps):
                show(step)
                recorder.put(image_to_rgb(render_widget(target, args.scale, figure, rect)))
                progress(step + 1, steps, "rendering")
            finished.append(recorder.finish(check=False))
        except WriteError as error:  # the encoder met a full disk: the temporary file goes
            raise WriteError(f"{error}; nothing was changed") from None
        finally:
            recorder.abort()  # stops the thread if rendering failed (no-op when finished)
        yield from ()

    def check(temporary: Path):
        clip = finished[0]
        for done, total in check_clip_steps(temporary, clip.frames, clip.size, out.name):
            progress(done, total, "checking ")
            yield

    for _ in replace_with_steps(out, write, check):
        pass
    return finished[0].frames
