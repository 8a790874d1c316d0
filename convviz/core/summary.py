"""A network's layer table (what ``convviz info`` prints and the layer list shows)."""

from __future__ import annotations

from typing import Any

from convviz.core.geometry import NetworkGeometry
from convviz.core.layers import layer_type, size_text
from convviz.core.spec import LayerSpec, NetworkSpec
from convviz.core.windows import ReceptiveField


def field_text(field: ReceptiveField | None) -> str:
    """'5x5' (with the jump when units are spaced out), or 'whole input' after a flatten."""
    if field is None:
        return "whole input"
    size = f"{field.size[0]}x{field.size[1]}"
    if field.jump != (1, 1):
        jump = field.jump[0] if field.jump[0] == field.jump[1] else f"{field.jump[0]}x{field.jump[1]}"
        size += f" (jump {jump})"
    return size


def describe_layer(layer: LayerSpec) -> str:
    """A short line a lecturer would say: 'conv 8 filters 3x3, stride 1, pad 1' (asked of its type)."""
    return layer_type(layer.type).describe(layer)


def layer_rows(geometry: NetworkGeometry) -> list[dict[str, Any]]:
    """One JSON-ready row per working layer; ``index`` is 1-based as in every message."""
    return [
        {
            "index": layer.index + 1,
            "type": layer.type,
            "output_shape": list(layer.output_shape),
            "params": layer.params,
            "receptive_field": None if layer.receptive_field is None else layer.receptive_field.to_dict(),
            "warning": None if layer.warning is None else str(layer.warning),
        }
        for layer in geometry.layers
    ]


def summary_dict(spec: NetworkSpec, geometry: NetworkGeometry) -> dict[str, Any]:
    return {
        "name": spec.name,
        "input_shape": list(geometry.input_shape),
        "layers": layer_rows(geometry),
        "total_params": geometry.total_params,
        "warnings": [str(warning) for warning in geometry.warnings],
        "error": None if geometry.error is None else str(geometry.error),
    }


def format_table(spec: NetworkSpec, geometry: NetworkGeometry) -> str:
    """A plain-text table: index, type, output shape (C x H x W, as torch computes it), parameters,
    receptive field; then the notes (what torch does with a stride that does not fit)."""
    header = ("#", "type", "output (CxHxW)", "params", "receptive field")
    rows = [("", "input", size_text(geometry.input_shape), "", "")]
    for layer in geometry.layers:
        rows.append((str(layer.index + 1), layer.type, size_text(layer.output_shape) + (" !" if layer.misfit else ""),
                     f"{layer.params:,}", field_text(layer.receptive_field)))
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
