"""The lecture presets shipped in ``resources/presets`` and how a name or a path becomes a network."""

from __future__ import annotations

import os
from pathlib import Path

from convviz.core.errors import SpecError
from convviz.core.spec import NetworkSpec

DEFAULT_PRESET = "webcam_default"


def resources_dir() -> Path:
    """The ``resources/`` folder (override with CONVVIZ_RESOURCES, e.g. for a relocated install)."""
    override = os.environ.get("CONVVIZ_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "resources"


def presets_dir() -> Path:
    return resources_dir() / "presets"


def preset_names() -> list[str]:
    """Every preset's name (its file name without .json), sorted."""
    return sorted(path.stem for path in presets_dir().glob("*.json"))


def preset_path(name: str) -> Path:
    return presets_dir() / f"{name}.json"


def load_preset(name: str) -> NetworkSpec:
    path = preset_path(name)
    if not path.is_file():
        raise SpecError(f"no preset called {name!r}; presets: {', '.join(preset_names())}")
    return NetworkSpec.load(path)


def resolve_network(name_or_path: str | os.PathLike[str]) -> NetworkSpec:
    """A network from a file path, or else a preset of that name."""
    text = os.fspath(name_or_path)
    path = Path(text)
    if path.suffix.lower() == ".json" or os.sep in text or path.exists():
        if not path.exists() and preset_path(path.stem).is_file() and os.sep not in text:
            return load_preset(path.stem)
        if not path.exists():
            raise SpecError(f"network file {text} does not exist (and no preset has that name; presets: "
                            f"{', '.join(preset_names())})")
        return NetworkSpec.load(path)
    return load_preset(text)
