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
    """The lecture's typical network, every number worked out by hand: (W - F + 2P)/S + 1 keeps 32,
    each 2x2 pool halves it; a conv has K*(F*F*D + 1) parameters, a linear layer in*out + out."""
    assert main(["info", "--net", "typical_convnet", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"name", "input_shape", "layers", "total_params", "warnings", "error"}
    by_hand = [  # (type, output shape, parameters, receptive field size or None)
        ("conv2d", [16, 32, 32], 16 * (3 * 3 * 3 + 1), 3), ("relu", [16, 32, 32], 0, 3),
        ("conv2d", [16, 32, 32], 16 * (3 * 3 * 16 + 1), 5), ("relu", [16, 32, 32], 0, 5),
        ("maxpool2d", [16, 16, 16], 0, 6),
        ("conv2d", [32, 16, 16], 32 * (3 * 3 * 16 + 1), 10), ("relu", [32, 16, 16], 0, 10),
        ("conv2d", [32, 16, 16], 32 * (3 * 3 * 32 + 1), 14), ("relu", [32, 16, 16], 0, 14),
        ("maxpool2d", [32, 8, 8], 0, 16),
        ("flatten", [2048], 0, None), ("linear", [64], 2048 * 64 + 64, None), ("relu", [64], 0, None),
        ("linear", [10], 64 * 10 + 10, None), ("softmax", [10], 0, None)]
    rows = [(row["type"], row["output_shape"], row["params"],
             row["receptive_field"]["size"][0] if row["receptive_field"] else None) for row in data["layers"]]
    assert rows == by_hand
    assert [row["index"] for row in data["layers"]] == list(range(1, 16))
    assert data["total_params"] == 148_442 and data["input_shape"] == [3, 32, 32]
    assert data["error"] is None and data["warnings"] == []


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
