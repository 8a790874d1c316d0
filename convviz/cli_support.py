"""What the command-line tools share: a message and exit status 2 for bad input, sizes like 1600x1000,
Qt's offscreen platform for headless work, and a progress bar on the terminal."""

from __future__ import annotations

import json
import os
import sys

from convviz.core.errors import ConvvizError

EXIT_BAD_INPUT = 2


_progress_line_open = False  # a progress bar is drawn on stderr without its newline yet


def end_progress_line() -> None:
    """Finish a progress bar cut short, so a message after it starts on a line of its own."""
    global _progress_line_open
    if _progress_line_open:
        sys.stderr.write("\n")
        _progress_line_open = False


def fail(message: str) -> int:
    """Print ``convviz: message`` on stderr; the exit status for bad input."""
    end_progress_line()
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


# memory per pixel of the window: Qt's backing store, a grab of it, the PNG writer and its read-back;
# measured `convviz --snapshot out.png --size 16384x16384`: 4.2 GB at its peak, ~14 bytes a pixel over the base
WINDOW_BYTES_PER_PIXEL = 16


def check_window_memory(size: tuple[int, int], what: str = "--size") -> None:
    """ConvvizError (BudgetError) with the figure if a window of ``size`` (width, height) would need more
    memory than is free."""
    from convviz.core.budget import BASE_BYTES, BudgetError, available_memory, human_bytes, total_memory

    need = BASE_BYTES + size[0] * size[1] * WINDOW_BYTES_PER_PIXEL
    free = available_memory()
    if need > free:
        raise BudgetError(f"{what} {size[0]}x{size[1]}: a window that large needs {human_bytes(need)}; this machine "
                          f"has {human_bytes(total_memory())} ({human_bytes(free)} free). Use a smaller size.")


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
    global _progress_line_open
    width = 30
    filled = round(width * done / max(1, total))
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    _progress_line_open = done < total
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()
