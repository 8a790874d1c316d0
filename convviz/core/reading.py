"""Reading a file the user names, safely: only regular files (a FIFO or a device would hang or never
end), and only up to a size that makes sense for what it is, checked before reading."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from convviz.core.budget import human_bytes
from convviz.core.errors import ConvvizError


def regular_file(path: str | os.PathLike[str], what: str, error: type[ConvvizError] = ConvvizError,
                 limit: int | None = None) -> int:
    """The file's size in bytes; ``error`` in words if it is missing, a folder, a pipe or a device,
    empty, or larger than ``limit``. Nothing is opened."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"cannot open {path}: no such file") from None
    except OSError as problem:
        raise error(f"cannot open {path}: {problem.strerror or problem}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path} is a folder, not {what}")
    if stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode):
        raise error(f"{path.name} is a pipe, not a regular file: convviz opens {what} only from files")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path.name} is a device, not a regular file: convviz opens {what} only from files")
    if info.st_size == 0:
        raise error(f"{path.name} is empty (0 bytes), not {what}")
    if limit is not None and info.st_size > limit:
        raise error(f"{path.name} is {human_bytes(info.st_size)}; convviz reads {what} of up to {human_bytes(limit)}")
    if not os.access(path, os.R_OK):
        raise error(f"cannot open {path.name}: permission denied")
    return info.st_size


def read_limited(path: str | os.PathLike[str], what: str, limit: int,
                 error: type[ConvvizError] = ConvvizError) -> bytes:
    """The whole file, if it is a regular file of at most ``limit`` bytes (see ``regular_file``)."""
    size = regular_file(path, what, error, limit)
    try:
        with open(path, "rb") as handle:
            # read(n) allocates n bytes first: ask for the size the file has (plus one, in case it grew),
            # not the limit (64 MiB for every 200-byte network file)
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(limit + 1 - len(data))
            return data[:limit]
    except OSError as problem:
        raise error(f"cannot read {Path(path).name}: {problem.strerror or problem}") from None
