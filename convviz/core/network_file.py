"""Network files on disk: reading one safely (a regular file of a sane size, JSON checked, its weights
found and attached) and writing one atomically, with big weights in a .safetensors file beside it.

A network's trained tensors are kept in the JSON while they are small enough to read (up to
``INLINE_LIMIT`` numbers); beyond that they go to ``<name>.<digest>.safetensors`` next to the JSON,
named by their content, so the JSON and its weights can never disagree: the new weights file is
written first, the JSON replaced second, and the old weights file removed last.

Published weights (torchvision's .pth files) are looked for beside the network file, among convviz's
shipped weights, and in torch's hub cache, where ``torchvision.models.alexnet(weights="DEFAULT")``
downloads them. Without them a network runs with random weights, and says so.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from convviz.core import resources
from convviz.core.atomic import WriteError, replace_with, write_text_atomic
from convviz.core.errors import SpecError
from convviz.core.layers import layer_type
from convviz.core.reading import read_limited
from convviz.core.spec import NetworkSpec, WeightsRef

MAX_FILE_BYTES = 64 * 2**20  # a network file (JSON) larger than this is refused before it is read
INLINE_LIMIT = 50_000  # explicit numbers kept in the JSON; more go to a .safetensors file beside it


@dataclass(frozen=True)
class Opened:
    """A network as read, and what the user should know about it (e.g. "random weights: ...")."""

    spec: NetworkSpec
    notes: tuple[str, ...] = ()


def hub_cache_folders() -> list[Path]:
    """Where torch's hub keeps downloaded weights: $TORCH_HOME/hub/checkpoints, else
    $XDG_CACHE_HOME/torch/hub/checkpoints, else ~/.cache/torch/hub/checkpoints."""
    if os.environ.get("TORCH_HOME"):
        return [Path(os.environ["TORCH_HOME"]) / "hub" / "checkpoints"]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [cache / "torch" / "hub" / "checkpoints"]


def find_weights(ref: WeightsRef, folder: Path | None) -> Path | None:
    """The weights file ``ref`` names: beside the network file, shipped with convviz, or in torch's
    hub cache (in that order); None if it is nowhere."""
    if folder is not None and (folder / ref.file).is_file():
        return folder / ref.file
    shipped = resources.resource("weights", ref.file)
    if shipped.is_file():
        with resources.as_file(shipped) as path:  # a real path (a zip-installed copy is extracted)
            return Path(path)
    for place in hub_cache_folders():
        if (place / ref.file).is_file():
            return place / ref.file
    return None


def attach_weights(spec: NetworkSpec, folder: Path | None, owned: bool) -> tuple[NetworkSpec, tuple[str, ...]]:
    """The spec with its weights file's tensors in it, and notes for the user. ``owned``: the weights
    file belongs to this network file (written by convviz): if it is missing or does not fit, that is
    an error; published weights that are missing or do not fit leave random weights, with a note."""
    from convviz.core.weights_io import apply_state, read_tensors

    ref = spec.weights
    if ref is None:
        return spec, ()
    path = find_weights(ref, folder)
    if path is None:
        where = ", ".join(str(p) for p in ([folder] if folder else []) + hub_cache_folders())
        if owned:
            raise SpecError(f"its weights file {ref.file} is missing (looked in {where})")
        how = f" (download it from {ref.url} into {hub_cache_folders()[0]}, or File > Load trained weights)" \
            if ref.url else ""
        return spec, (f"random weights: {ref.file} was not found{how}",)
    try:
        return apply_state(spec, read_tensors(path), path.name), (f"weights from {path}",)
    except SpecError as error:
        if owned:
            raise
        return spec, (f"random weights: {error}",)


def open_network_text(text: str, source: str, folder: Path | None = None, owned: bool = True) -> Opened:
    """A network from JSON text (``source`` names it in messages), with its weights attached."""
    spec = NetworkSpec.from_json(text, source=source)
    spec, notes = attach_weights(spec, folder, owned)
    return Opened(spec, notes)


def open_network_file(path: str | os.PathLike[str]) -> Opened:
    """Read a network file and its weights; every problem is a SpecError naming the file."""
    path = Path(path)
    data = read_limited(path, "a network file", MAX_FILE_BYTES, SpecError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path.name} is not a network file (not UTF-8 text)") from None
    try:
        return open_network_text(text, str(path), path.parent, owned=True)
    except SpecError as error:
        if str(path) in error.message:
            raise
        raise SpecError(f"{path.name}: {error.message}", error.layer, error.key) from None


def _layer_key(spec: NetworkSpec, index: int) -> str:
    return spec.layers[index].name or str(index)


def explicit_tensors(spec: NetworkSpec) -> dict[str, np.ndarray]:
    """Every explicit tensor of the network by its state-dict name ('<layer>.<tensor>')."""
    found: dict[str, np.ndarray] = {}
    for index, layer in enumerate(spec.layers):
        for name in layer_type(layer.type).tensors:
            value = layer.get(name)
            if isinstance(value, np.ndarray):
                found[f"{_layer_key(spec, index)}.{name}"] = value
    return found


def _without_tensors(spec: NetworkSpec) -> NetworkSpec:
    layers = []
    for index, layer in enumerate(spec.layers):
        names = [n for n in layer_type(layer.type).tensors if isinstance(layer.get(n), np.ndarray)]
        layers.append(layer.with_params(index, **{n: None for n in names}) if names else layer)
    return spec.with_layers(layers)


def _digest(tensors: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in sorted(tensors):
        digest.update(key.encode())
        digest.update(str(tensors[key].shape).encode())
        digest.update(np.ascontiguousarray(tensors[key], dtype=np.float32).tobytes())
    return digest.hexdigest()[:12]


def save_network_file(spec: NetworkSpec, path: str | os.PathLike[str]) -> Path:
    """Write the network file atomically; big tensors go to a content-named .safetensors beside it
    (written and checked first). WriteError, and nothing changed, if either cannot be written."""
    path = Path(path)
    tensors = explicit_tensors(spec)
    if sum(array.size for array in tensors.values()) <= INLINE_LIMIT:
        write_text_atomic(path, replace(spec, weights=None if tensors else spec.weights).to_json())
        return path
    sidecar = path.with_name(f"{path.stem}.{_digest(tensors)}.safetensors")
    if not sidecar.is_file():
        _write_safetensors(sidecar, tensors)
    write_text_atomic(path, replace(_without_tensors(spec), weights=WeightsRef(sidecar.name)).to_json())
    for old in path.parent.glob(f"{path.stem}.*.safetensors"):
        if old != sidecar and len(old.name.split(".")) == len(sidecar.name.split(".")):
            try:
                old.unlink()  # the weights of an earlier save of this file, no longer referenced
            except OSError:
                pass
    return path


def _write_safetensors(target: Path, tensors: dict[str, np.ndarray]) -> None:
    from safetensors import safe_open
    from safetensors.numpy import save_file

    arrays = {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in tensors.items()}

    def check(written: Path) -> None:
        with safe_open(str(written), framework="np") as handle:
            keys = set(handle.keys())
            if keys != set(arrays) or any(handle.get_slice(k).get_shape() != list(arrays[k].shape) for k in keys):
                raise WriteError(f"cannot save {target.name}: it did not read back as written")

    replace_with(target, lambda temporary: save_file(arrays, str(temporary)), check)
