"""What to start with: the command line wins; otherwise the network and input of the last run (from
the settings file), if they can still be had; otherwise the built-in default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from convviz.core.errors import ConvvizError
from convviz.core.presets import DEFAULT_PRESET, load_preset
from convviz.core.spec import NetworkSpec
from convviz.sources.base import FrameSource, TestCardSource


def describe_source(source: FrameSource | None) -> dict[str, Any] | None:
    """A source as settings can store it (None for one that cannot come back, like a pasted image)."""
    from convviz.sources.camera import CameraSource
    from convviz.sources.image import ImageSource
    from convviz.sources.video import VideoSource

    if isinstance(source, TestCardSource):
        return {"kind": "test card"}
    if isinstance(source, ImageSource):
        return {"kind": "image", "path": str(source.path.resolve())}
    if isinstance(source, VideoSource):
        return {"kind": "video", "path": str(source.path.resolve())}
    if isinstance(source, CameraSource):
        return {"kind": "camera", "index": source.index}
    return None


def restore_source(data: Any) -> FrameSource | None:
    """The source described by ``data``, if it can still be opened (a camera is tried by the pipeline)."""
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    try:
        if kind in ("image", "video") and Path(str(data.get("path"))).is_file():
            from convviz.sources.files import source_for_path

            return source_for_path(data["path"])
        if kind == "camera" and isinstance(data.get("index"), int):
            from convviz.sources.camera import CameraSource

            return CameraSource(data["index"])
    except ConvvizError:
        return None
    return None


def restore_network(data: Any) -> tuple[NetworkSpec, Path | None, str | None]:
    """(spec, file path, preset name) of the last network, or the default preset."""
    if isinstance(data, dict):
        try:
            if "file" in data and Path(str(data["file"])).is_file():
                return NetworkSpec.load(data["file"]), Path(data["file"]), None
            if "preset" in data:
                return load_preset(str(data["preset"])), None, str(data["preset"])
        except ConvvizError:
            pass
    return load_preset(DEFAULT_PRESET), None, DEFAULT_PRESET
