"""What to start with: the command line wins; otherwise the network and input of the last run (from
the settings file), if they can still be had; otherwise the built-in default. Something remembered
that cannot be opened any more is skipped and said, never a crash at every start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from convviz.core.budget import check_network
from convviz.core.errors import ConvvizError
from convviz.core.geometry import analyze
from convviz.core.presets import DEFAULT_PRESET, open_network_file, open_preset
from convviz.core.spec import NetworkSpec
from convviz.sources.base import FrameSource, TestCardSource

CAMERA_LIMIT = 63


def describe_source(source: FrameSource | None) -> dict[str, Any] | None:
    """A source as settings can store it (None for one that cannot come back, like a pasted image)."""
    return None if source is None else source.remembered()


def restore_source(data: Any, skipped: list[str]) -> FrameSource | None:
    """The source described by ``data``, if it can still be opened (a camera is tried by the pipeline);
    what could not be had is added to ``skipped`` in words."""
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if kind == "test card":
        return TestCardSource()
    try:
        if kind in ("image", "video"):
            path = data.get("path")
            if not isinstance(path, str) or not Path(path).is_file():
                skipped.append(f"the last input ({str(path)[:80]}) is gone; starting on the test card")
                return None
            from convviz.sources.files import source_for_path

            return source_for_path(path)
        if kind == "camera":
            index = data.get("index")
            if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= CAMERA_LIMIT:
                skipped.append(f"the remembered camera ({str(index)[:20]}) is not a camera number 0-{CAMERA_LIMIT}")
                return None
            from convviz.sources.camera import CameraSource

            return CameraSource(index)
    except ConvvizError as error:
        skipped.append(f"the last input could not be opened ({error}); starting on the test card")
    return None


def restore_network(data: Any, skipped: list[str]) -> tuple[NetworkSpec, Path | None, str | None, tuple[str, ...]]:
    """(spec, file path, preset name, notes) of the last network, or the default preset; a network that
    cannot be opened (or would not fit in memory) is skipped and said in ``skipped``."""
    if isinstance(data, dict):
        try:
            if isinstance(data.get("file"), str):
                opened = open_network_file(data["file"])
                check_network(analyze(opened.spec), opened.spec.name)
                return opened.spec, Path(data["file"]), None, opened.notes
            if isinstance(data.get("preset"), str):
                opened = open_preset(data["preset"])
                check_network(analyze(opened.spec), opened.spec.name)
                return opened.spec, None, data["preset"], opened.notes
        except ConvvizError as error:
            skipped.append(f"the last network could not be opened ({error}); starting on the default")
    opened = open_preset(DEFAULT_PRESET)
    return opened.spec, None, DEFAULT_PRESET, opened.notes
