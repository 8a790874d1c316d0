"""Loading weights someone else trained: one layer's from a .npy file, a whole network's from a
PyTorch state dict (a torchvision ``.pth``, or one saved from an ``nn.Sequential`` like this network).

Never unpickled: ``np.load(allow_pickle=False)``, ``torch.load(weights_only=True)``. Everything is
checked before anything changes: a key, a shape or a value that does not fit is listed (which layer,
expected against found) and nothing is half-loaded.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from convviz.core.editing import set_tensors
from convviz.core.errors import SpecError, in_words
from convviz.core.geometry import analyze
from convviz.core.layers import layer_label, size_text
from convviz.core.reading import regular_file
from convviz.core.spec import NetworkSpec

IGNORED_KEYS = ("num_batches_tracked",)  # batch norm's training counter: nothing convviz shows
WEIGHTS_LIMIT = 8 * 2**30  # the largest weights file read (VGG-19's is 0.55 GB); memory is checked after


def _regular(path: Path, what: str) -> Path:
    regular_file(path, what, SpecError, limit=WEIGHTS_LIMIT)
    return path


def expected_tensors(spec: NetworkSpec, index: int) -> dict[str, tuple[int, ...]]:
    """The tensors layer ``index`` takes and their shapes, as torch stores them."""
    geometry = analyze(spec)
    if index >= len(geometry.layers):
        raise SpecError(f"{layer_label(index, spec.layers[index].type)} cannot work yet; fix it before "
                        "loading weights into it")
    layer = geometry.layers[index]
    return layer.kind.tensor_shapes(spec.layers[index], layer.input_shape)


def _numbers(array: np.ndarray, where: str) -> np.ndarray:
    """float32 values, or SpecError saying why not (complex, not numbers, NaN, beyond float32)."""
    if np.iscomplexobj(array):
        raise SpecError(f"{where} holds complex numbers; weights are real")
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise SpecError(f"{where} holds {array.dtype} values, not numbers")
    with np.errstate(over="ignore", invalid="ignore"):
        values = array.astype(np.float32)
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise SpecError(f"{where} holds {bad:,} value(s) that are NaN, infinite or beyond float32's range")
    return values


def load_layer_weights(spec: NetworkSpec, index: int, path: str | os.PathLike[str]) -> NetworkSpec:
    """Layer ``index``'s weight tensor from a .npy array of exactly the shape torch uses."""
    path = _regular(Path(path), "a .npy array")
    expected = expected_tensors(spec, index)
    label = layer_label(index, spec.layers[index].type)
    if "weight" not in expected:
        raise SpecError(f"{label} has no weights")
    shape = _npy_shape(path)  # from the header alone: a claim of 10^12 numbers is refused before any mapping
    if not shape:
        raise SpecError(f"{path.name} holds a single number, not a {size_text(expected['weight'])} array for {label}")
    if shape != expected["weight"]:
        raise SpecError(f"{path.name} holds a {size_text(shape)} array but {label} needs "
                        f"{size_text(expected['weight'])}")
    try:
        mapped = np.load(path, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError, EOFError) as error:
        raise SpecError(f"cannot read {path.name} as a .npy array ({in_words(error, 120)})") from None
    return set_tensors(spec, index, {"weight": _numbers(np.asarray(mapped), path.name)})


def _npy_shape(path: Path) -> tuple[int, ...]:
    """The shape a .npy file's header declares, once the header is known to be sound: SpecError for an .npz,
    a file that is not a .npy, Python objects (never unpickled), or fewer bytes than the shape needs."""
    from numpy.lib import format as npy

    try:
        with open(path, "rb") as handle:
            start = handle.read(6)
            if start[:2] == b"PK":
                raise SpecError(f"{path.name} holds several arrays (an .npz); save one array with np.save")
            handle.seek(0)
            version = npy.read_magic(handle)
            if version == (1, 0):
                shape, fortran_order, dtype = npy.read_array_header_1_0(handle)
            else:
                shape, fortran_order, dtype = npy.read_array_header_2_0(handle)
            offset = handle.tell()
    except (OSError, ValueError, EOFError, SyntaxError) as error:
        raise SpecError(f"{path.name} is not a .npy array ({in_words(error, 120)})") from None
    if dtype.hasobject:
        raise SpecError(f"{path.name} holds Python objects, not numbers (convviz never unpickles them)")
    declared = math.prod(shape) * dtype.itemsize  # Python ints: no wrap-around for 2^62 x 2^62
    present = path.stat().st_size - offset
    if declared > present:
        from convviz.core.budget import human_bytes

        raise SpecError(f"{path.name} says it holds a {size_text(shape)} array of {dtype} "
                        f"({human_bytes(declared)}), but the file has only {human_bytes(max(present, 0))} of "
                        "numbers: it is cut short or not what it says")
    return tuple(int(n) for n in shape)


def layer_keys(spec: NetworkSpec, index: int) -> str:
    """The prefix of layer ``index``'s tensors in a state dict: its name if the network file gives one
    (torchvision's 'features.0'), else its position ('0', as in an nn.Sequential)."""
    return spec.layers[index].name or str(index)


def read_state_dict(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """A state dict file as plain float arrays by name, read safely; SpecError with the reason otherwise."""
    import torch

    path = _regular(Path(path), "a PyTorch state dict")
    try:
        # mmap only for torch's zip format (torch.save's default since 1.6); its older format cannot be mapped
        with open(path, "rb") as handle:
            zipped = handle.read(2) == b"PK"
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=zipped)
    except Exception as error:  # torch raises many kinds for files that are not plain state dicts
        first = (str(error).strip().splitlines() or [""])[0][:120]
        raise SpecError(f"{path.name} is not a PyTorch state dict convviz can load safely "
                        f"({type(error).__name__}{': ' + first if first else ''})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]  # a training checkpoint: the weights are inside
    if not isinstance(state, dict) or not state:
        raise SpecError(f"{path.name} is not a state dict (a mapping of names to tensors)")
    arrays: dict[str, np.ndarray] = {}
    for key, tensor in state.items():
        if not isinstance(key, str):
            shown = repr(key) if len(repr(key)) <= 40 else repr(key)[:37] + "..."
            raise SpecError(f"{path.name}: the key {shown} ({type(key).__name__}) is not a name; a state dict's "
                            "keys are names like 'features.0.weight'")
        if not isinstance(tensor, torch.Tensor):
            raise SpecError(f"{path.name}: '{key}' is a {type(tensor).__name__}, not a tensor")
        if tensor.is_meta or tensor.layout != torch.strided:
            kind = "a meta tensor (no values)" if tensor.is_meta else f"a {tensor.layout} tensor"
            raise SpecError(f"{path.name}: '{key}' is {kind}; convviz loads ordinary dense tensors")
        if tensor.is_complex():
            raise SpecError(f"{path.name}: '{key}' holds complex numbers; weights are real")
        arrays[key] = tensor.detach().numpy()
    return arrays


def load_state_dict(spec: NetworkSpec, path: str | os.PathLike[str]) -> NetworkSpec:
    """Every tensor of every layer from a state dict file (.pth / .pt, or .safetensors). All or nothing."""
    return apply_state(spec, read_tensors(path), Path(path).name)


def read_tensors(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """A weights file as arrays by name: a .safetensors file, or a PyTorch state dict (read safely)."""
    path = Path(path)
    if path.suffix.lower() != ".safetensors":
        return read_state_dict(path)
    _regular(path, "a .safetensors weights file")
    try:
        from safetensors.numpy import load_file

        return load_file(str(path))
    except Exception as error:  # safetensors raises its own error kinds for damaged files
        first = (str(error).strip().splitlines() or [""])[0][:120]
        raise SpecError(f"{path.name} is not a .safetensors file convviz can read ({first})") from None


def apply_state(spec: NetworkSpec, state: dict[str, np.ndarray], name: str) -> NetworkSpec:
    """Tensors by name ('<layer>.<tensor>' where <layer> is the layer's name in the network file, such as
    torchvision's 'features.0', or its position '0'; optionally under a common prefix such as 'model.')
    into the network. Every key and shape is checked first; nothing is half-loaded."""
    geometry = analyze(spec)
    if geometry.error is not None and geometry.error.layer is not None:
        raise SpecError(f"the network cannot work yet ({geometry.error}); fix it before loading weights")
    problems: list[str] = []
    found: dict[int, dict[str, np.ndarray]] = {}
    used: set[str] = set()
    for layer in geometry.layers:
        label = layer_label(layer.index, layer.type)
        for tensor, shape in layer.kind.tensor_shapes(spec.layers[layer.index], layer.input_shape).items():
            wanted = f"{layer_keys(spec, layer.index)}.{tensor}"
            key = _find(state, wanted)
            if key is None:
                problems.append(f"{label}: no '{wanted}' (expected {size_text(shape)})")
                continue
            used.add(key)
            array = state[key]
            if tuple(array.shape) != tuple(shape):
                problems.append(f"{label}: '{key}' is {size_text(array.shape)}, expected {size_text(shape)}")
                continue
            found.setdefault(layer.index, {})[tensor] = array
    extra = sorted(key for key in set(state) - used if not key.endswith(IGNORED_KEYS))
    if extra:
        more = f" and {len(extra) - 4} more" if len(extra) > 4 else ""
        problems.append(f"weights this network has no place for: {', '.join(extra[:4])}{more}")
    if problems:
        shown = problems[:6] + ([f"... {len(problems) - 6} more"] if len(problems) > 6 else [])
        raise SpecError(f"{name} does not fit this network; nothing was loaded:\n  " + "\n  ".join(shown))
    result = spec
    for index, tensors in found.items():
        checked = {tensor: _numbers(array, f"{name}: '{layer_keys(spec, index)}.{tensor}'")
                   for tensor, array in tensors.items()}
        for array in checked.values():
            array.setflags(write=False)
        result = set_tensors(result, index, checked)
    return result


def _find(state: dict[str, np.ndarray], suffix: str) -> str | None:
    if suffix in state:
        return suffix
    matches = [key for key in state if key.endswith("." + suffix)]
    return matches[0] if len(matches) == 1 else None


def parameter_count(state: dict[str, np.ndarray]) -> int:
    return sum(math.prod(array.shape) for array in state.values())
