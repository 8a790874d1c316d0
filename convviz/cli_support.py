"""What the command-line tools share: a message and exit status 2 for bad input, sizes like 1600x1000,
Qt's offscreen platform for headless work, and a progress bar on the terminal."""

from __future__ import annotations

import json
import os
import sys

from convviz.core.errors import ConvvizError

EXIT_BAD_INPUT = 2


def fail(message: str) -> int:
    """Print ``convviz: message`` on stderr; the exit status for bad input."""
    print(f"convviz: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def parse_size(text: str, minimum: tuple[int, int] = (200, 150), maximum: tuple[int, int] = (16384, 16384),
               what: str = "a size") -> tuple[int, int]:
    """'1600x1000' as (width, height), within the limits; ConvvizError otherwise."""
    try:
        width, height = (int(v) for v in text.lower().replace("\u00d7", "x").split("x"))
    except ValueError:
        raise ConvvizError(f"{what} must look like 1600x1000, not {text[:40]!r}") from None
    if width < minimum[0] or height < minimum[1]:
        raise ConvvizError(f"{what} must be at least {minimum[0]}x{minimum[1]}, not {text}")
    if width > maximum[0] or height > maximum[1]:
        raise ConvvizError(f"{what} must be at most {maximum[0]}x{maximum[1]}, not {text}")
    return width, height


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def offscreen_platform(size: tuple[int, int]) -> str:
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


def progress(done: int, total: int, label: str) -> None:
    """A one-line progress bar on stderr, redrawn in place."""
    width = 30
    filled = round(width * done / max(1, total))
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
