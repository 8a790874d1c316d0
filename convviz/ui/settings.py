"""A small settings file (JSON) in the user's config folder: recent networks, window size and layout,
the last network and input. CONVVIZ_CONFIG_DIR moves it (tests use a temporary folder).

A settings file that cannot be read or written never stops the app: it starts from defaults.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from convviz.core.atomic import write_text_atomic
from convviz.core.errors import ConvvizError
from convviz.core.reading import read_limited

SETTINGS_LIMIT = 4 * 2**20  # a settings file is a few kilobytes; more is not one

RECENT_LIMIT = 8


def config_dir() -> Path:
    override = os.environ.get("CONVVIZ_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("convviz", appauthor=False))


class Settings:
    """Key-value settings, saved on every change."""

    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "settings.json"
        self.values: dict[str, Any] = {}
        self.problem: str | None = None  # why the file was not used, for the status bar
        if not self.path.exists():
            return
        try:
            data = json.loads(read_limited(self.path, "a settings file", SETTINGS_LIMIT).decode("utf-8"))
        except (ConvvizError, ValueError, RecursionError, UnicodeDecodeError) as error:
            self.problem = f"the settings file {self.path} could not be read ({str(error)[:80]}); using defaults"
            return
        if isinstance(data, dict):
            self.values = data
        else:
            self.problem = f"the settings file {self.path} is not a settings object; using defaults"

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value
        self.save()

    def save(self) -> bool:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(self.values, indent=2))
            return True
        except (OSError, ConvvizError):
            return False

    def _recent(self) -> list[str]:
        value = self.get("recent_networks", [])
        return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []

    def recent_networks(self) -> list[str]:
        return [p for p in self._recent() if Path(p).is_file()]

    def add_recent_network(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self._recent() if p != path]
        self.set("recent_networks", [path, *recent][:RECENT_LIMIT])
