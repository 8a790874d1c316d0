"""``convviz desktop-entry``: a Linux launcher entry and icon, so convviz starts from the menu.

Optional and per user: files go under ``$XDG_DATA_HOME`` (default ``~/.local/share``), the entry's
``Exec`` is the absolute path of the ``convviz`` command that ran this (a virtual environment's or
pipx's ``bin`` is often not on the launcher's PATH).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from convviz.core import resources
from convviz.core.atomic import write_bytes_atomic


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def entry_paths(base: Path | None = None) -> dict[str, Path]:
    base = base or data_home()
    return {"entry": base / "applications" / "convviz.desktop",
            "svg": base / "icons" / "hicolor" / "scalable" / "apps" / "convviz.svg",
            "png": base / "icons" / "hicolor" / "256x256" / "apps" / "convviz.png"}


def launcher_command() -> str:
    """How the launcher should start convviz: this installation's ``convviz`` script."""
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "convviz" and script.is_file():
        return str(script)
    found = shutil.which("convviz")
    if found:
        return str(Path(found).resolve())
    return f"{sys.executable} -m convviz"


def desktop_entry_text(command: str) -> str:
    lines = resources.read_text("convviz.desktop").splitlines()
    return "\n".join(f"Exec={command}" if line.startswith("Exec=") else line for line in lines) + "\n"


def install(base: Path | None = None, command: str | None = None) -> list[Path]:
    """Write the entry and the icons; returns the files written."""
    paths = entry_paths(base)
    contents = {"entry": desktop_entry_text(command or launcher_command()).encode("utf-8"),
                "svg": resources.read_bytes("icons", "convviz.svg"),
                "png": resources.read_bytes("icons", "convviz.png")}
    for key, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, contents[key])
    return list(paths.values())


def uninstall(base: Path | None = None) -> list[Path]:
    removed = []
    for path in entry_paths(base).values():
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def desktop_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="convviz desktop-entry",
                                     description="Add convviz to the desktop's application menu (Linux, this user).")
    parser.add_argument("--uninstall", action="store_true", help="remove the entry and icons again")
    args = parser.parse_args(argv)
    try:
        files = uninstall() if args.uninstall else install()
    except OSError as error:
        print(f"convviz: cannot write the desktop entry: {error.strerror or error}", file=sys.stderr)
        return 2
    verb = "removed" if args.uninstall else "wrote"
    for path in files:
        print(f"convviz: {verb} {path}")
    if not files:
        print("convviz: nothing to remove")
    return 0
