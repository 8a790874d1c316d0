"""Checking a path before anything opens it, with the reason in words.

Opening a FIFO blocks until another program writes to it (the window froze on Open or on a drop), and
/dev/zero or /dev/urandom never end (a decoder reads them until memory runs out). So convviz opens
only regular files, and says what else it was given. Pure: no Qt, no OpenCV; network files and
weights can use the same check.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from convviz.core.errors import ConvvizError, SourceError


def os_error_in_words(error: OSError) -> str:
    """An OSError met while *reading* a file, in words a lecturer understands (never "[Errno 13]")."""
    code = error.errno
    if code == errno.ENOENT:
        return "no such file"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if code == errno.EISDIR:
        return "it is a folder"
    if code == errno.ENOTDIR:
        return "a part of the path is not a folder"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long"
    if code == errno.ELOOP:
        return "the path is a loop of links"
    if code in (errno.ENXIO, errno.ENODEV):
        return "the device is not there"
    if code == errno.EIO:
        return "the disk could not be read (input/output error)"
    if code == errno.ENOMEM:
        return "there is not enough memory"
    return error.strerror or type(error).__name__


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def regular_file(path: str | os.PathLike[str], what: str = "file",
                 error: type[ConvvizError] = SourceError) -> Path:
    """``path`` as a Path if it is a readable regular file; ``error`` with the reason otherwise.

    ``what`` names the file in the message ("image", "video", "network file"). Symbolic links are
    followed (a link to a photo is fine). Nothing is opened: a FIFO is recognised by os.stat alone.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as problem:
        raise error(f"cannot open {what} {path}: {os_error_in_words(problem)}") from None
    except ValueError:  # a NUL byte in the name
        raise error(f"cannot open {what} {path!r}: that is not a valid file name") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path} is a folder: open a single {what} instead")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"cannot open {what} {path}: not a regular file ({_kind(info.st_mode)})")
    if not os.access(path, os.R_OK):
        raise error(f"cannot open {what} {path}: permission denied")
    return path
