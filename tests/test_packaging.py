"""The installed form: resources found through importlib.resources, the packages pyproject lists,
clear messages for a broken installation, --version, the desktop entry. (scripts/check_install.sh,
run by .ci/run, installs the real wheel into a fresh environment and uses it from elsewhere.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import convviz
from convviz.cli import main
from convviz.core import presets, resources
from convviz.core.errors import SpecError
from convviz.desktop import install, uninstall

REPO = Path(__file__).resolve().parents[1]


def test_pyproject_lists_every_package_on_disk():
    """A new subpackage that is not listed would be missing from the wheel."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(path.parent.relative_to(REPO).parts) for path in (REPO / "convviz").rglob("__init__.py")}
    assert on_disk <= listed
    resource_folders = {f"convviz.resources.{p.name}" for p in (REPO / "resources").iterdir()
                        if p.is_dir() and p.name != "__pycache__"}
    assert resource_folders <= listed
    data = config["package-data"]
    for folder in resource_folders:  # every shipped file matches its folder's pattern
        patterns = data[folder]
        for file in (REPO / "resources" / folder.rsplit(".", 1)[1]).iterdir():
            assert any(file.match(p) for p in patterns), f"{file} would not be in the wheel"


def test_resources_are_found_through_the_package_not_a_path():
    assert resources.root().joinpath("presets").is_dir()
    assert "typical_convnet" in presets.preset_names()
    assert "coffee mug" in resources.read_text("classes", "imagenet.txt").splitlines()


def test_a_preset_is_a_name_never_a_path():
    for name in ("../presets/typical_convnet", "..", "/etc/passwd", "typical_convnet/../x", ""):
        with pytest.raises(SpecError, match="no preset called"):
            presets.load_preset(name)


def test_a_missing_resource_names_itself(monkeypatch, tmp_path):
    monkeypatch.setattr(resources, "root", lambda: tmp_path)
    with pytest.raises(resources.ResourceError, match="classes/imagenet.txt is missing; reinstall"):
        resources.read_text("classes", "imagenet.txt")
    assert presets.preset_names() == []


def test_a_broken_default_preset_is_a_message_not_a_traceback(monkeypatch, tmp_path, capsys):
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "webcam_default.json").write_text("{ not json")
    monkeypatch.setattr(resources, "root", lambda: tmp_path)
    assert main(["info"]) == 2
    assert "preset webcam_default is broken" in capsys.readouterr().err
    assert main(["--snapshot", str(tmp_path / "s.png")]) == 2
    assert "preset webcam_default is broken" in capsys.readouterr().err
    assert not (tmp_path / "s.png").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"convviz {convviz.__version__}"


def test_desktop_entry_installs_and_uninstalls(tmp_path):
    files = install(tmp_path, command="/opt/convviz/bin/convviz")
    entry = (tmp_path / "applications" / "convviz.desktop").read_text()
    assert "Exec=/opt/convviz/bin/convviz\n" in entry and "Icon=convviz" in entry and "Type=Application" in entry
    svg = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "convviz.svg"
    png = tmp_path / "icons" / "hicolor" / "256x256" / "apps" / "convviz.png"
    assert svg.read_bytes().startswith(b"<svg") and png.read_bytes()[:4] == b"\x89PNG"
    assert set(files) == {tmp_path / "applications" / "convviz.desktop", svg, png}
    assert set(uninstall(tmp_path)) == set(files)
    assert not any(path.exists() for path in files)


def test_desktop_entry_command(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["desktop-entry"]) == 0
    assert (tmp_path / "applications" / "convviz.desktop").is_file()
    assert main(["desktop-entry", "--uninstall"]) == 0
    assert not (tmp_path / "applications" / "convviz.desktop").exists()
