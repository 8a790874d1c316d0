"""Every file convviz writes goes through here: a temporary file in the same folder, flushed to disk,
checked, then renamed over the target. A full disk, a read-only folder or a crash midway leaves the
old file exactly as it was, and the message says why in words (not "[Errno 28]").
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TypeVar

from convviz.core.errors import ConvvizError, os_error_words

T = TypeVar("T")


class WriteError(ConvvizError):
    """A file that could not be written; the old file (if any) is untouched."""


FULL_BELOW = 1 << 20  # bytes: a disk with less free than this counts as full


def reason(error: OSError) -> str:
    """An OSError met while writing, in words a lecturer understands, never "[Errno 30] ..."."""
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (the folder is not writable)"
    if error.errno == errno.ENOENT:
        return "the folder does not exist"
    return os_error_words(error)


def free_bytes(path: str | os.PathLike[str]) -> int | None:
    """Bytes free for this user on the disk that holds ``path`` (a file or a folder); None if unknown."""
    path = Path(path)
    try:
        stats = os.statvfs(path if path.is_dir() else _folder(path))
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        return None
    return stats.f_bavail * stats.f_frsize


def full_disk(path: str | os.PathLike[str]) -> str | None:
    """'the disk is full (12 KiB free)' if the disk holding ``path`` is (nearly) full, else None. For a
    write that failed without an OS error (an encoder that only returns False, a file that reads back
    short): said only when it is so, never as a guess."""
    free = free_bytes(path)
    if free is None or free >= FULL_BELOW:
        return None
    from convviz.core.budget import human_bytes

    return f"the disk is full ({human_bytes(free)} free)"


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def check_folder(target: Path) -> None:
    """WriteError now (before any work) if ``target``'s folder cannot take a new file."""
    folder = _folder(target)
    if not folder.is_dir():
        raise WriteError(f"cannot save {target.name}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WriteError(f"cannot save {target.name}: the folder {folder} is not writable")
    if target.exists() and not target.is_file():
        raise WriteError(f"cannot save {target.name}: {target} is not a regular file")


def temporary_beside(target: Path) -> Path:
    """A new, empty hidden file next to ``target`` with the same suffix (encoders pick formats by it)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".partial{target.suffix}", dir=_folder(target))
    os.close(fd)
    return Path(name)


def remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def replace_with(target: str | os.PathLike[str], write: Callable[[Path], None],
                 check: Callable[[Path], None] | None = None) -> Path:
    """``write(temporary)`` fills a temporary file beside ``target``; ``check(temporary)`` may raise to
    refuse it (too small, wrong frame count, not decodable); only then does it replace ``target``.

    Raises WriteError with the reason; the temporary file never stays behind.
    """
    def write_steps(path: Path) -> Iterator[None]:
        write(path)
        yield from ()

    def check_steps(path: Path) -> Iterator[None]:
        assert check is not None
        check(path)
        yield from ()

    steps = replace_with_steps(target, write_steps, check_steps if check is not None else None)
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            return finished.value


def replace_with_steps(target: str | os.PathLike[str], write: Callable[[Path], Iterator[T]],
                       check: Callable[[Path], Iterator[T]] | None = None) -> Generator[T, None, Path]:
    """``replace_with`` for long writes (clips) that report progress and can be cancelled: ``write``
    and ``check`` are generators; whatever they yield is yielded on (e.g. frames done, frames in all).

    Closing the generator midway (a Cancel button; superqt's worker does it on quit) removes the
    temporary file and leaves ``target`` as it was. Returns the target's path.
    """
    target = Path(target)
    check_folder(target)
    try:
        temporary = temporary_beside(target)
    except OSError as error:
        raise WriteError(f"cannot save {target.name}: {reason(error)}") from None
    try:
        yield from write(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        if temporary.stat().st_size == 0:
            why = full_disk(temporary) or "the writer wrote nothing"
            raise WriteError(f"cannot save {target.name}: {why}; nothing was changed")
        if check is not None:
            yield from check(temporary)
        if target.exists():
            try:
                os.chmod(temporary, target.stat().st_mode & 0o777)
            except OSError:
                pass
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except OSError as error:
        remove_quietly(temporary)
        raise WriteError(f"cannot save {target.name}: {reason(error)}; nothing was changed") from None
    except BaseException:  # a refused check, a cancel (GeneratorExit), anything unexpected
        remove_quietly(temporary)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(data)

    if not data:
        raise WriteError(f"cannot save {Path(target).name}: there is nothing to write")
    return replace_with(target, write)


def write_text_atomic(target: str | os.PathLike[str], text: str) -> Path:
    return write_bytes_atomic(target, text.encode("utf-8"))
