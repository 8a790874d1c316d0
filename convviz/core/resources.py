"""What convviz ships and reads at run time (presets, class names, trained weights, icons).

The repository's top-level ``resources/`` folder is installed as the package ``convviz.resources``
(pyproject.toml maps it), so one lookup through ``importlib.resources`` works in an editable
install, a wheel, an sdist build or pipx alike. Nothing here builds a path from ``__file__``.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

from convviz.core.errors import ConvvizError, in_words

PACKAGE = "convviz.resources"


class ResourceError(ConvvizError):
    """A file convviz ships is missing or unreadable: the installation is broken, not the user's input."""


def root() -> Traversable:
    """The installed resources folder."""
    try:
        return resources.files(PACKAGE)
    except ModuleNotFoundError:
        raise ResourceError(f"convviz is installed without its resources ({PACKAGE}); reinstall convviz") from None


def resource(*parts: str) -> Traversable:
    """One shipped file or folder, e.g. ``resource("presets", "typical_convnet.json")``."""
    return root().joinpath(*parts)


def read_bytes(*parts: str) -> bytes:
    """A shipped file's bytes; ResourceError naming it if it is missing or unreadable."""
    item = resource(*parts)
    try:
        return item.read_bytes()
    except (OSError, ValueError) as error:
        name = "/".join(parts)
        reason = "missing" if isinstance(error, FileNotFoundError) else f"unreadable ({in_words(error)})"
        raise ResourceError(f"convviz's resource {name} is {reason}; reinstall convviz") from None


def read_text(*parts: str) -> str:
    data = read_bytes(*parts)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ResourceError(f"convviz's resource {'/'.join(parts)} is not UTF-8 text; reinstall convviz") from None


def names(folder: str, suffix: str) -> list[str]:
    """The stems of the shipped files in ``folder`` ending in ``suffix``, sorted ([] if none)."""
    try:
        entries = list(resource(folder).iterdir())
    except (OSError, ValueError):
        return []
    return sorted(entry.name[: -len(suffix)] for entry in entries
                  if entry.name.endswith(suffix) and not entry.name.startswith("."))


def as_file(item: Traversable):
    """A context manager giving a real file path for a shipped file (extracted if convviz is zipped)."""
    return resources.as_file(item)
