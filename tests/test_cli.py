"""``convviz info`` and the command line's handling of bad input (exit 2, message, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from convviz.cli import main


def test_info_prints_the_slide_51_table(capsys):
    assert main(["info", "--net", "slide51_ten_5x5"]) == 0
    out = capsys.readouterr().out
    assert "10x32x32" in out and "760" in out and "total parameters: 760" in out


def test_info_json_has_the_documented_shape(capsys):
    assert main(["info", "--net", "typical_convnet", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"layers", "total_params"}
    first = data["layers"][0]
    assert set(first) >= {"index", "type", "output_shape", "params", "receptive_field"}
    assert first["index"] == 1 and first["output_shape"] == [16, 32, 32]
    assert data["layers"][-1]["output_shape"] == [10]
    assert data["layers"][-1]["receptive_field"] is None
    assert data["total_params"] == sum(layer["params"] for layer in data["layers"])


def test_info_input_override(capsys):
    assert main(["info", "--net", "slide51_ten_5x5", "--input", "3x64x64", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layers"][0]["output_shape"] == [10, 64, 64]


def test_info_on_a_stride_that_does_not_fit_warns_and_strict_exits_2(capsys):
    """torch runs the lecture's 7x7 / stride 3 (2x2 output); info says why the lecture objects."""
    assert main(["info", "--net", "toy_7x7_stride3"]) == 0
    captured = capsys.readouterr()
    assert "1x2x2" in captured.out and "warning" in captured.err and "(7 - 3)/3 + 1 = 2.33" in captured.err
    assert main(["info", "--net", "toy_7x7_stride3", "--strict"]) == 2
    err = capsys.readouterr().err
    assert "(7 - 3)/3 + 1 = 2.33" in err and "Padding 1 would fit" in err and "Traceback" not in err


@pytest.mark.parametrize("content", ['{"input": 3}', "not json at all", '{"input": {"channels": 3, "height": 8, '
                                     '"width": 8}, "layers": [{"type": "conv2d"}]}'])
def test_info_on_a_malformed_file_exits_2(tmp_path, capsys, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["info", "--net", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("convviz: ") and "Traceback" not in err


def test_window_with_an_unreadable_image_exits_2(tmp_path, capsys):
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG this is not really a png")
    assert main(["--image", str(path), "--snapshot", str(tmp_path / "out.png")]) == 2
    err = capsys.readouterr().err
    assert "broken.png" in err and "Traceback" not in err
    assert not (tmp_path / "out.png").exists()


def test_without_a_display_the_window_explains_instead_of_crashing(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main([]) == 2
    assert "no display found" in capsys.readouterr().err


def test_python_dash_m_runs_the_same_entry_point():
    env = {**os.environ}
    result = subprocess.run([sys.executable, "-m", "convviz", "info", "--net", "one_by_one", "--json"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["layers"][2]["output_shape"] == [32, 56, 56]
