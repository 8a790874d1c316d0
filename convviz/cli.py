"""Command line: ``convviz`` opens the window; ``convviz info`` prints a network's layer table.

Bad input (a network that does not work, an unreadable image) ends with a clear message on stderr
and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from convviz import __version__
from convviz.core.budget import check_network
from convviz.core.errors import ConvvizError
from convviz.core.geometry import analyze
from convviz.core.presets import DEFAULT_PRESET, preset_names, resolve_network
from convviz.core.spec import InputSpec
from convviz.core.summary import format_table, summary_dict

EXIT_BAD_INPUT = 2


def _fail(message: str) -> int:
    print(f"convviz: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def info_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="convviz info", description="Print a network's layers: output shapes, parameters, receptive fields.")
    parser.add_argument("--net", default=DEFAULT_PRESET,
                        help=f"a preset name or a network .json file (presets: {', '.join(preset_names())})")
    parser.add_argument("--input", metavar="CxHxW", help="input size instead of the network's own, e.g. 3x32x32")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--strict", action="store_true",
                        help="a stride that does not fit is an error (exit 2), as in the lecture's exercise; "
                             "without it, convviz runs it as torch does (rounding down) and warns")
    args = parser.parse_args(argv)
    try:
        spec = resolve_network(args.net)
        input_spec = InputSpec.parse(args.input) if args.input else None
    except ConvvizError as error:
        return _fail(str(error))
    if input_spec is not None:
        spec = spec.with_input(input_spec)
    geometry = analyze(spec, strict=args.strict)
    if args.json:
        print(json.dumps(summary_dict(spec, geometry), indent=2))
    else:
        print(format_table(spec, geometry))
    if geometry.error is not None:
        return _fail(str(geometry.error))
    for warning in geometry.warnings:
        print(f"convviz: warning: {warning} (torch runs it, rounding down; --strict makes this an error)",
              file=sys.stderr)
    try:
        check_network(geometry, spec.name)
    except ConvvizError as error:
        return _fail(str(error))
    return 0


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convviz",
        description="Make a convolutional neural network visible. Subcommands: 'convviz info --help', "
                    "'convviz render --help', 'convviz desktop-entry --help'.")
    parser.add_argument("--version", action="version", version=f"convviz {__version__}")
    parser.add_argument("--net", help="a preset name or a network .json file (default: the last one used, "
                                      f"else {DEFAULT_PRESET})")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--image", metavar="FILE", help="start on this image instead of the test card")
    source.add_argument("--video", metavar="FILE", help="a video file as the input (it loops)")
    source.add_argument("--camera", metavar="INDEX", nargs="?", type=int, const=0,
                        help="a webcam as the input (default index 0)")
    parser.add_argument("--camera-size", metavar="WxH", default="640x480", help="camera resolution to ask for")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where the network runs (auto: CUDA if there is one)")
    parser.add_argument("--theme", choices=("dark", "light"), help="colours (default: the last used, else dark)")
    parser.add_argument("--size", metavar="WxH", help="window size in pixels (default: as last time, else "
                                                       "1600x1000)")
    parser.add_argument("--present", action="store_true",
                        help="start in presenter mode: full screen, projector theme, big fonts")
    parser.add_argument("--frames", type=int, metavar="N",
                        help="with --stats: run N frames through source, network and every panel, then exit")
    parser.add_argument("--stats", action="store_true",
                        help="print one JSON line of timings (medians) and memory after --frames N, and exit")
    parser.add_argument("--snapshot", metavar="OUT.png",
                        help="open the window, wait until the first frame has gone through every panel, "
                             "save a picture of the window and exit")
    return parser


def _parse_size(text: str, minimum: tuple[int, int] = (200, 150)) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ConvvizError(f"a size must look like 1600x1000, not {text!r}") from None
    if width < minimum[0] or height < minimum[1]:
        raise ConvvizError(f"a size must be at least {minimum[0]}x{minimum[1]}, not {text}")
    return width, height


def _source_from_args(args: argparse.Namespace):
    """The input the command line asks for (None: the test card). Images are read now, so a broken
    file fails here with a clear message; videos and cameras are opened by the pipeline."""
    if args.image:
        from convviz.sources.image import ImageSource

        return ImageSource(args.image)
    if args.video:
        from convviz.sources.files import source_for_path
        from convviz.sources.video import VideoSource

        source_for_path(args.video)  # a folder or a missing file: say so now
        source = VideoSource(args.video, paced=not args.stats)
        source.open()  # undecodable: say so now, exit 2
        return source
    if args.camera is not None:
        from convviz.sources.camera import CameraSource

        return CameraSource(args.camera, _parse_size(args.camera_size, minimum=(16, 16)))
    return None


def _has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _offscreen_platform(size: tuple[int, int]) -> str:
    """Qt's offscreen platform with one screen of ``size`` (so full screen means that size)."""
    import atexit
    import tempfile

    config = {"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
              "screens": [{"name": "convviz", "x": 0, "y": 0, "width": size[0], "height": size[1],
                           "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", prefix="convviz-screen-", delete=False)
    with handle:
        json.dump(config, handle)
    atexit.register(lambda: os.path.exists(handle.name) and os.unlink(handle.name))
    return f"offscreen:configfile={handle.name}"


def gui_main(argv: Sequence[str]) -> int:
    args = gui_parser().parse_args(argv)
    args.size_given = args.size is not None
    args.size = args.size or "1600x1000"
    interactive = not (args.snapshot or args.stats)
    try:
        size = _parse_size(args.size)
        source = _source_from_args(args)
        if args.net:
            spec = resolve_network(args.net)
            network_path = Path(args.net) if Path(args.net).is_file() else None
            preset = None if network_path else args.net
        else:
            spec, network_path, preset = None, None, DEFAULT_PRESET
    except ConvvizError as error:
        return _fail(str(error))
    theme = args.theme
    try:
        if interactive:  # what the command line leaves open comes from the last run
            from convviz.ui.session import restore_network, restore_source
            from convviz.ui.settings import Settings

            settings = Settings()
            if spec is None:
                spec, network_path, preset = restore_network(settings.get("network"))
            if source is None and not args.net:
                source = restore_source(settings.get("source"))
            theme = theme or settings.get("theme")
        if spec is None:
            spec = resolve_network(DEFAULT_PRESET)
    except ConvvizError as error:
        return _fail(str(error))
    theme = theme if theme in ("dark", "light") else "dark"
    if args.stats and not args.frames:
        args.frames = 300
    if not os.environ.get("QT_QPA_PLATFORM") and not _has_display():
        if interactive:
            return _fail("no display found (DISPLAY and WAYLAND_DISPLAY are not set). Run convviz on a desktop, "
                         "under a virtual screen (xvfb-run convviz), or save a picture with "
                         "--snapshot OUT.png")
        os.environ["QT_QPA_PLATFORM"] = _offscreen_platform(size)
    from convviz.ui.app import run_window

    return run_window(spec, source=source, device=args.device, theme_name=theme, size=size,
                      snapshot=Path(args.snapshot) if args.snapshot else None, network_path=network_path,
                      present=args.present, stats_frames=args.frames if args.stats else None,
                      restore=interactive and not args.size_given, preset=preset)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "info":
        return info_main(argv[1:])
    if argv and argv[0] == "desktop-entry":
        from convviz.desktop import desktop_main

        return desktop_main(argv[1:])
    if argv and argv[0] == "render":
        from convviz.export.render import render_main

        return render_main(argv[1:])
    return gui_main(argv)
