"""A network's layer table (what ``convviz info`` prints and the layer list shows)."""

from __future__ import annotations

from typing import Any

from convviz.core.geometry import NetworkGeometry, ReceptiveField, size_text
from convviz.core.layers import LAYER_TYPES
from convviz.core.spec import LayerSpec, NetworkSpec


def field_text(field: ReceptiveField | None) -> str:
    """'5x5' (with the jump when units are spaced out), or 'whole input' after a flatten."""
    if field is None:
        return "whole input"
    size = f"{field.size[0]}x{field.size[1]}"
    if field.jump != (1, 1):
        jump = field.jump[0] if field.jump[0] == field.jump[1] else f"{field.jump[0]}x{field.jump[1]}"
        size += f" (jump {jump})"
    return size


def layer_rows(geometry: NetworkGeometry) -> list[dict[str, Any]]:
    """One JSON-ready row per working layer; ``index`` is 1-based as in every message."""
    return [
        {
            "index": layer.index + 1,
            "type": layer.type,
            "output_shape": list(layer.output_shape),
            "params": layer.params,
            "receptive_field": None if layer.receptive_field is None else layer.receptive_field.to_dict(),
        }
        for layer in geometry.layers
    ]


def summary_dict(spec: NetworkSpec, geometry: NetworkGeometry) -> dict[str, Any]:
    return {
        "name": spec.name,
        "input_shape": list(geometry.input_shape),
        "layers": layer_rows(geometry),
        "total_params": geometry.total_params,
        "error": None if geometry.error is None else str(geometry.error),
    }


def format_table(spec: NetworkSpec, geometry: NetworkGeometry) -> str:
    """A plain-text table: index, type, output shape (C x H x W), parameters, receptive field."""
    header = ("#", "type", "output (CxHxW)", "params", "receptive field")
    rows = [("", "input", size_text(geometry.input_shape), "", "")]
    for layer in geometry.layers:
        rows.append((str(layer.index + 1), layer.type, size_text(layer.output_shape), f"{layer.params:,}",
                     field_text(layer.receptive_field)))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    align = ["rjust", "ljust", "ljust", "rjust", "ljust"]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(getattr(cell, a)(w) for cell, a, w in zip(row, align, widths)).rstrip()

    out = [spec.name, "", line(header), line(tuple("-" * w for w in widths))]
    out += [line(row) for row in rows]
    out += ["", f"total parameters: {geometry.total_params:,}"]
    for layer in geometry.layers:
        for note in layer.notes:
            out.append(f"note, {layer.label}: {note}")
    return "\n".join(out)


def _pair_text(value: object) -> str:
    if isinstance(value, tuple):
        return f"{value[0]}x{value[1]}"
    return str(value)


def describe_layer(layer: LayerSpec) -> str:
    """A short line a lecturer would say: 'conv 8 filters 3x3, stride 1, pad 1'."""
    p = layer.params
    if layer.type == "conv2d":
        kernel = p["kernel_size"]
        kernel_text = f"{kernel}x{kernel}" if isinstance(kernel, int) else _pair_text(kernel)
        parts = [f"conv {p['out_channels']} filter{'s' if p['out_channels'] != 1 else ''} {kernel_text}",
                 f"stride {_pair_text(p['stride'])}", f"pad {_pair_text(p['padding'])}"]
        if p["dilation"] != 1:
            parts.append(f"dilation {_pair_text(p['dilation'])}")
        if p["groups"] != 1:
            parts.append(f"groups {p['groups']}")
        return ", ".join(parts)
    if layer.type in ("maxpool2d", "avgpool2d"):
        kernel = p["kernel_size"]
        kernel_text = f"{kernel}x{kernel}" if isinstance(kernel, int) else _pair_text(kernel)
        stride = p["stride"] if p["stride"] is not None else kernel
        name = "max pool" if layer.type == "maxpool2d" else "avg pool"
        text = f"{name} {kernel_text}, stride {_pair_text(stride)}"
        return text + (f", pad {_pair_text(p['padding'])}" if p["padding"] != 0 else "")
    if layer.type == "linear":
        return f"fully connected, {p['out_features']} outputs"
    if layer.type == "leaky_relu":
        return f"leaky ReLU, slope {p['negative_slope']:g}"
    if layer.type == "elu":
        return f"ELU, alpha {p['alpha']:g}"
    if layer.type == "maxout":
        return f"maxout over {p['pieces']} maps"
    if layer.type == "prelu":
        return "PReLU" + (f", {p['num_parameters']} alphas" if p["num_parameters"] > 1 else "")
    return LAYER_TYPES[layer.type].title
