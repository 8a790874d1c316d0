"""Editing a network in front of the class: every edit makes a new (immutable) NetworkSpec, and a
history keeps them for undo and redo. No Qt here: the editor widgets call these and show the result.

Edits never break the user's other layers: a layer that stops working (a stride that does not fit
after an input change, say) stays as it was and the geometry marks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convviz.core.errors import SpecError
from convviz.core.layers import NO_DEFAULT, layer_type
from convviz.core.spec import InputSpec, LayerSpec, NetworkSpec

# what a tensor's explicit values depend on: changing one of these drops them (they no longer fit)
SHAPE_KEYS = ("out_channels", "out_features", "kernel_size", "groups", "num_parameters", "affine")


def new_layer(type_name: str) -> LayerSpec:
    """A layer as the editor adds it: the lecture's sensible defaults (conv: 8 filters, 3x3, stride 1,
    padding 1), required keys filled in."""
    params = {}
    for param in layer_type(type_name).params:
        if param.editor_default is not NO_DEFAULT:
            params[param.name] = param.editor_default
    return LayerSpec.create(type_name, params)


def _layers(spec: NetworkSpec) -> list[LayerSpec]:
    return list(spec.layers)


def add_layer(spec: NetworkSpec, index: int, type_name: str) -> NetworkSpec:
    """Insert a new layer of ``type_name`` at ``index`` (0 = first; len = last)."""
    layers = _layers(spec)
    layers.insert(max(0, min(index, len(layers))), new_layer(type_name))
    return spec.with_layers(layers)


def remove_layer(spec: NetworkSpec, index: int) -> NetworkSpec:
    layers = _layers(spec)
    del layers[index]
    return spec.with_layers(layers)


def duplicate_layer(spec: NetworkSpec, index: int) -> NetworkSpec:
    layers = _layers(spec)
    layers.insert(index + 1, layers[index])
    return spec.with_layers(layers)


def move_layer(spec: NetworkSpec, source: int, target: int) -> NetworkSpec:
    """Move layer ``source`` so it ends up at position ``target``."""
    layers = _layers(spec)
    layer = layers.pop(source)
    layers.insert(max(0, min(target, len(layers))), layer)
    return spec.with_layers(layers)


def set_param(spec: NetworkSpec, index: int, key: str, value: Any) -> NetworkSpec:
    """Change one parameter (validated; SpecError names the layer and key). Changing what the explicit
    weights depend on (channels, kernel size, groups) drops them, since they no longer fit."""
    layer = spec.layers[index]
    changes: dict[str, Any] = {key: value}
    if key in SHAPE_KEYS:
        changes.update(_without_tensors(layer))
    if key == "out_channels" and isinstance(layer.get("init"), tuple):
        changes["init"] = "kaiming"
    if key == "init" and isinstance(layer.get("weight"), np.ndarray):
        changes["weight"] = None
    layers = _layers(spec)
    layers[index] = layer.with_params(index, **changes)
    return spec.with_layers(layers)


def set_input(spec: NetworkSpec, input_spec: InputSpec) -> NetworkSpec:
    return spec.with_input(input_spec)


def rename(spec: NetworkSpec, name: str) -> NetworkSpec:
    from dataclasses import replace

    return replace(spec, name=name)


def _without_tensors(layer: LayerSpec) -> dict[str, Any]:
    """The changes that drop a layer's explicit tensors (a bias list becomes plain ``bias: true``)."""
    changes: dict[str, Any] = {}
    for name in layer_type(layer.type).tensors:
        value = layer.get(name)
        if isinstance(value, np.ndarray):
            param = layer_type(layer.type).param(name)
            changes[name] = True if param.kind == "bias" else None
    return changes


def current_weights(spec: NetworkSpec, index: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A filter layer's weights and biases as the network uses them now (explicit, hand-made or seeded)."""
    from convviz.core.compute import layer_tensors

    layer = spec.layers[index]
    if not layer_type(layer.type).has_filters:
        raise SpecError(f"layer {index + 1} is a {layer.type}, which has no filters")
    tensors = layer_tensors(spec, index)
    return tensors["weight"], tensors.get("bias")


def set_tensors(spec: NetworkSpec, index: int, tensors: dict[str, np.ndarray]) -> NetworkSpec:
    """Explicit values for some of layer ``index``'s tensors (by their state-dict names), stored in the
    spec (validated: shapes are checked by the geometry, NaN and infinity refused)."""
    layer = spec.layers[index]
    known = layer_type(layer.type).tensors
    unknown = [name for name in tensors if name not in known]
    if unknown:
        raise SpecError(f"layer {index + 1} ({layer.type}) has no tensor {unknown[0]!r}; it has "
                        f"{', '.join(known) or 'none'}")
    layers = _layers(spec)
    layers[index] = layer.with_params(index, **{name: np.asarray(value, dtype=np.float32)
                                                for name, value in tensors.items()})
    return spec.with_layers(layers)


def set_weights(spec: NetworkSpec, index: int, weight: np.ndarray, bias: np.ndarray | None = None) -> NetworkSpec:
    """Explicit weights (and biases) for a layer with a weight tensor (conv, linear)."""
    tensors = {"weight": weight}
    if bias is not None:
        tensors["bias"] = bias
    return set_tensors(spec, index, tensors)


def set_weight_value(spec: NetworkSpec, index: int, out_channel: int, in_channel: int, row: int, col: int,
                     value: float) -> NetworkSpec:
    """Change one number of a conv filter (the rest stay exactly as they were)."""
    weight, bias = current_weights(spec, index)
    weight = weight.copy()
    weight[out_channel, in_channel, row, col] = value
    return set_weights(spec, index, weight, bias)


def set_filter(spec: NetworkSpec, index: int, name: str, out_channel: int | None = None) -> NetworkSpec:
    """A hand-made filter for one filter (``out_channel``) or for all of them (None)."""
    layer = spec.layers[index]
    if out_channel is None:
        return set_param(spec, index, "init", name)
    out_channels = layer.params["out_channels"]
    init = layer.params["init"]
    if isinstance(layer.get("weight"), np.ndarray) or init == "kaiming":
        # other filters keep their current numbers: make them explicit, then set this one
        from convviz.core.filters import make_filter

        weight, bias = current_weights(spec, index)
        weight = weight.copy()
        weight[out_channel] = make_filter(name, layer.pair("kernel_size")) / weight.shape[1]
        return set_weights(spec, index, weight, bias)
    names = [init] * out_channels if isinstance(init, str) else list(init)
    names[out_channel] = name
    return set_param(spec, index, "init", names)


def reinitialise(spec: NetworkSpec, index: int, seed: int) -> NetworkSpec:
    """Fresh seeded random (kaiming) weights: explicit weights and per-filter names are dropped."""
    layer = spec.layers[index]
    changes: dict[str, Any] = {"init": "kaiming", "seed": seed, **_without_tensors(layer)}
    layers = _layers(spec)
    layers[index] = layer.with_params(index, **changes)
    return spec.with_layers(layers)


def reset_tensors(spec: NetworkSpec) -> NetworkSpec:
    """Every layer back to the weights its spec starts from (seeded random or hand-made): what a
    network trained in the window had before it learned."""
    layers = [layer.with_params(index, **_without_tensors(layer)) if _without_tensors(layer) else layer
              for index, layer in enumerate(spec.layers)]
    return spec.with_layers(layers)


@dataclass
class EditHistory:
    """Undo and redo over whole specs. ``saved_at`` marks the state last written to disk, so the
    window knows whether there are unsaved changes."""

    states: list[NetworkSpec] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    position: int = 0
    saved_at: int | None = 0

    @classmethod
    def start(cls, spec: NetworkSpec, saved: bool = True) -> EditHistory:
        return cls([spec], ["start"], 0, 0 if saved else None)

    @property
    def current(self) -> NetworkSpec:
        return self.states[self.position]

    @property
    def can_undo(self) -> bool:
        return self.position > 0

    @property
    def can_redo(self) -> bool:
        return self.position < len(self.states) - 1

    @property
    def modified(self) -> bool:
        return self.saved_at != self.position

    def undo_label(self) -> str:
        return self.labels[self.position] if self.can_undo else ""

    def redo_label(self) -> str:
        return self.labels[self.position + 1] if self.can_redo else ""

    def apply(self, spec: NetworkSpec, label: str) -> NetworkSpec:
        """Record ``spec`` as the next state (dropping anything that was undone). Returns it."""
        if spec == self.current:
            return spec
        del self.states[self.position + 1:]
        del self.labels[self.position + 1:]
        if self.saved_at is not None and self.saved_at > self.position:
            self.saved_at = None
        self.states.append(spec)
        self.labels.append(label)
        self.position += 1
        return spec

    def undo(self) -> NetworkSpec:
        if self.can_undo:
            self.position -= 1
        return self.current

    def redo(self) -> NetworkSpec:
        if self.can_redo:
            self.position += 1
        return self.current

    def mark_saved(self) -> None:
        self.saved_at = self.position

    def drop_redo(self) -> None:
        """Forget the states after the current one (a state that could not be built, say)."""
        del self.states[self.position + 1:]
        del self.labels[self.position + 1:]
        if self.saved_at is not None and self.saved_at > self.position:
            self.saved_at = None
