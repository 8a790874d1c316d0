"""The lecture presets shipped in ``resources/presets`` and how a name or a path becomes a network.

A preset is a *name* (letters, digits, ``_`` and ``-``), never a path: ``../x`` is not a preset.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from convviz.core import resources
from convviz.core.errors import SpecError
from convviz.core.network_file import Opened, open_network_file, open_network_text
from convviz.core.spec import NetworkSpec

DEFAULT_PRESET = "webcam_default"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,99}")


def preset_names() -> list[str]:
    """Every preset's name (its file name without .json), sorted."""
    return resources.names("presets", ".json")


def preset_title(name: str) -> str:
    """A preset's title (its "name"), read without building it or looking for its weights."""
    import json

    try:
        data = json.loads(resources.read_text("presets", f"{name}.json"))
        return str(data["name"]) if isinstance(data, dict) and isinstance(data.get("name"), str) else name
    except (ValueError, RecursionError):
        raise SpecError(f"convviz's preset {name} is broken (not JSON); reinstall convviz") from None


def is_preset_name(text: str) -> bool:
    return bool(_NAME.fullmatch(text)) and text in preset_names()


def open_preset(name: str) -> Opened:
    """The preset called ``name`` with its weights (shipped, or published ones in torch's hub cache),
    and notes for the user (random weights when the published file is not there)."""
    if not _NAME.fullmatch(name) or name not in preset_names():
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise SpecError(f"no preset called {shown!r}; presets: {', '.join(preset_names())}")
    text = resources.read_text("presets", f"{name}.json")
    try:
        return open_network_text(text, f"preset {name}", folder=None, owned=False)
    except SpecError as error:
        raise SpecError(f"convviz's preset {name} is broken ({error.message}); reinstall convviz",
                        error.layer, error.key) from None


def load_preset(name: str) -> NetworkSpec:
    """The preset called ``name`` (see ``open_preset``)."""
    return open_preset(name).spec


def resolve_network(name_or_path: str | os.PathLike[str]) -> NetworkSpec:
    """A network from a file path, or else a preset of that name."""
    return open_network(name_or_path).spec


def open_network(name_or_path: str | os.PathLike[str]) -> Opened:
    """A network file, or else the preset of that name, with its weights and notes."""
    text = os.fspath(name_or_path)
    path = Path(text)
    looks_like_path = path.suffix.lower() == ".json" or os.sep in text or (os.altsep or os.sep) in text
    if looks_like_path or path.exists():
        if not path.exists() and os.sep not in text and is_preset_name(path.stem):
            return open_preset(path.stem)
        if not path.exists():
            raise SpecError(f"network file {text} does not exist (and no preset has that name; presets: "
                            f"{', '.join(preset_names())})")
        return open_network_file(path)
    return open_preset(text)
