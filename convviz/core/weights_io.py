"""Loading weights someone else trained: one layer's from a .npy file, a whole network's from a
PyTorch state dict. Never unpickled: ``np.load(allow_pickle=False)``, ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from convviz.core.editing import set_weights
from convviz.core.errors import SpecError
from convviz.core.geometry import analyze, size_text
from convviz.core.spec import NetworkSpec, layer_label

WEIGHTED = ("conv2d", "linear", "prelu")


def expected_weight_shape(spec: NetworkSpec, index: int) -> tuple[int, ...]:
    """The weight shape layer ``index`` needs, as torch stores it."""
    geometry = analyze(spec)
    if index >= len(geometry.layers):
        raise SpecError(f"{layer_label(index, spec.layers[index].type)} cannot work yet; fix it before "
                        "loading weights into it")
    layer, layer_geometry = spec.layers[index], geometry.layers[index]
    if layer.type == "conv2d":
        kernel = layer.pair("kernel_size")
        return (layer.params["out_channels"], layer_geometry.input_shape[0] // layer.params["groups"], *kernel)
    if layer.type == "linear":
        return (layer.params["out_features"], layer_geometry.input_shape[0])
    if layer.type == "prelu":
        return (layer.params["num_parameters"],)
    raise SpecError(f"{layer_label(index, layer.type)} has no weights")


def load_layer_weights(spec: NetworkSpec, index: int, path: str | os.PathLike[str]) -> NetworkSpec:
    """Layer ``index``'s weights from a .npy array of exactly the shape torch uses."""
    path = Path(path)
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise SpecError(f"cannot read {path.name} as a .npy array: {error}") from None
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.number):
        raise SpecError(f"{path.name} does not hold one array of numbers")
    expected = expected_weight_shape(spec, index)
    label = layer_label(index, spec.layers[index].type)
    if tuple(array.shape) != expected:
        raise SpecError(f"{path.name} holds a {size_text(array.shape)} array but {label} needs "
                        f"{size_text(expected)}")
    return set_weights(spec, index, array.astype(np.float32))


def load_state_dict(spec: NetworkSpec, path: str | os.PathLike[str]) -> NetworkSpec:
    """Every weighted layer's weights from a state dict saved from an ``nn.Sequential`` like this
    network (keys '0.weight', '0.bias', ..., optionally with a common prefix such as 'model.')."""
    import torch

    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many kinds for files that are not plain state dicts
        raise SpecError(f"{path.name} is not a PyTorch state dict convviz can load safely "
                        f"({type(error).__name__}: {str(error).splitlines()[0][:120]})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise SpecError(f"{path.name} is not a state dict (a mapping of names to tensors)")
    result = spec
    used: set[str] = set()
    for index, layer in enumerate(spec.layers):
        if layer.type not in WEIGHTED:
            continue
        label = layer_label(index, layer.type)
        key = _find(state, f"{index}.weight")
        expected = expected_weight_shape(result, index)
        if key is None:
            raise SpecError(f"{path.name} has no weights for {label} (looked for '{index}.weight' of shape "
                            f"{size_text(expected)})")
        weight = state[key].detach().float().numpy()
        if tuple(weight.shape) != expected:
            raise SpecError(f"{path.name}: '{key}' is {size_text(weight.shape)} but {label} needs "
                            f"{size_text(expected)}")
        used.add(key)
        bias = None
        bias_key = _find(state, f"{index}.bias")
        if bias_key is not None and layer.type != "prelu":
            bias = state[bias_key].detach().float().numpy()
            if layer.params.get("bias") is False:
                raise SpecError(f"{path.name} has a bias for {label}, which has bias=false")
            if bias.shape != (expected[0],):
                raise SpecError(f"{path.name}: '{bias_key}' has {bias.size} values but {label} has "
                                f"{expected[0]} outputs")
            used.add(bias_key)
        result = set_weights(result, index, weight, bias)
    left = sorted(set(state) - used)
    if left:
        raise SpecError(f"{path.name} has weights this network has no place for: {', '.join(left[:4])}"
                        + (" ..." if len(left) > 4 else ""))
    return result


def _find(state: dict, suffix: str) -> str | None:
    if suffix in state:
        return suffix
    matches = [key for key in state if key.endswith("." + suffix)]
    return matches[0] if len(matches) == 1 else None
