"""A network is data first: the input size and a list of layers, read from and written to JSON.

Keys mirror torch's constructor names. Parsing checks each layer on its own (types, ranges, unknown
keys); whether the layers fit together (channels, shapes, strides) is the geometry's job, so an
editor can hold a network that does not work yet and say where it breaks.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from convviz.core.errors import SpecError
from convviz.core.layers import NO_DEFAULT, check_value, layer_label, layer_type
from convviz.core.layers.params import describe_value, pair

FORMAT_VERSION = 1
MAX_LAYERS = 1000  # a network of more layers is not something a lecture shows (and costs time per frame)
# JSON objects a network file may hold (one per layer, a few more): parsing stops at the next one, so a 64 MiB
# file of four million {"type": "relu"} is refused in milliseconds, not after a second and 1.2 GB of dicts
MAX_OBJECTS = 20 * MAX_LAYERS


class _TooManyObjects(Exception):
    pass


def _counted_object():
    """A json ``object_pairs_hook`` that makes dicts as json does, and stops after MAX_OBJECTS of them."""
    count = 0

    def make(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal count
        count += 1
        if count > MAX_OBJECTS:
            raise _TooManyObjects
        return dict(pairs)

    return make
_MODULE_NAME = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")


SIZE_LIMIT = 100_000  # no input side or channel count is larger (the memory budget refuses far less)


def _whole_number(value: Any, key: str, minimum: int = 1, maximum: int = SIZE_LIMIT) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise SpecError(f"input: {key!r} must be a whole number from {minimum} to {maximum:,}, not "
                        f"{describe_value(value)}", key=key)
    return value


def _numbers(value: Any, key: str, count: int, positive: bool = False) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)) or len(value) != count or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise SpecError(f"input: {key!r} must list {count} number(s), one per channel, not {describe_value(value)}",
                        key=key)
    if positive and any(v <= 0 for v in value):
        raise SpecError(f"input: {key!r} must be positive (it divides), not {describe_value(value)}", key=key)
    return tuple(float(v) for v in value)


@dataclass(frozen=True)
class InputSpec:
    """The network's input volume, channels x height x width (pixels), and how a picture becomes it.

    A picture is centre-cropped to the input's shape and resized; with ``resize`` it is first scaled
    so its shorter side has ``resize`` pixels and then centre-cropped (torchvision's Resize(256) +
    CenterCrop(224)). Values are in [0, 1]; with ``mean`` and ``std`` each channel is then normalised,
    (x - mean) / std (ImageNet's numbers for the published networks)."""

    channels: int = 3
    height: int = 32
    width: int = 32
    resize: int | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    KEYS: ClassVar[tuple[str, ...]] = ("channels", "height", "width", "resize", "mean", "std")

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)

    @classmethod
    def from_dict(cls, data: Any) -> InputSpec:
        if not isinstance(data, Mapping):
            raise SpecError('"input" must be an object like {"channels": 3, "height": 32, "width": 32}',
                            key="input")
        unknown = [key for key in data if key not in cls.KEYS]
        if unknown:
            raise SpecError(f"input: unknown key {describe_value(unknown[0])}; known keys: {', '.join(cls.KEYS)}",
                            key=str(unknown[0]))
        for key in ("channels", "height", "width"):
            if key not in data:
                raise SpecError(f"input: missing key {key!r}", key=key)
        channels, height, width = (_whole_number(data[key], key) for key in ("channels", "height", "width"))
        resize = data.get("resize")
        if resize is not None:
            resize = _whole_number(resize, "resize", max(height, width))
        if ("mean" in data) != ("std" in data):
            raise SpecError("input: give both 'mean' and 'std' (per channel), or neither", key="mean")
        mean = _numbers(data["mean"], "mean", channels) if "mean" in data else None
        std = _numbers(data["std"], "std", channels, positive=True) if "std" in data else None
        return cls(channels, height, width, resize, mean, std)

    @classmethod
    def parse(cls, text: str) -> InputSpec:
        """Read 'CxHxW' (as on the command line: ``--input 3x32x32``)."""
        parts = text.lower().replace("\u00d7", "x").split("x")
        try:
            channels, height, width = (int(p) for p in parts)
        except ValueError:
            raise SpecError(f"input size must look like CxHxW, e.g. 3x32x32, not {describe_value(text)}") from None
        return cls.from_dict({"channels": channels, "height": height, "width": width})

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"channels": self.channels, "height": self.height, "width": self.width}
        if self.resize is not None:
            data["resize"] = self.resize
        if self.mean is not None and self.std is not None:
            data["mean"], data["std"] = list(self.mean), list(self.std)
        return data

    def with_shape(self, channels: int, height: int, width: int) -> InputSpec:
        """Another size; preprocessing that no longer fits (per-channel numbers, a smaller resize) is dropped."""
        keep_numbers = channels == self.channels
        resize = self.resize if self.resize is not None and self.resize >= max(height, width) else None
        return InputSpec(channels, height, width, resize, self.mean if keep_numbers else None,
                         self.std if keep_numbers else None)


def _to_json_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        # float32 written with its shortest exact decimal (0.1, not 0.10000000149011612)
        shortest = [float(str(x)) for x in value.astype(np.float32).ravel()]
        return np.array(shortest, dtype=np.float64).reshape(value.shape).tolist()
    if isinstance(value, tuple):
        return [_to_json_value(v) for v in value]
    return value


def _values_equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    return bool(a == b)


@dataclass(frozen=True, eq=False)
class LayerSpec:
    """One layer: its type and every parameter, validated, with torch's defaults filled in.

    Build with ``LayerSpec.create`` (or ``from_dict``); ``params`` holds plain values, tuples for
    pairs and read-only numpy arrays for explicit weights.
    """

    type: str
    params: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""  # the layer's module name in a published state dict ("features.0"); "" for none

    @classmethod
    def create(cls, type_name: str, params: Mapping[str, Any] | None = None,
               index: int | None = None, name: str = "") -> LayerSpec:
        """Validate ``params`` for a layer of ``type_name``; ``index`` only names it in messages."""
        if not isinstance(name, str) or (name and not _MODULE_NAME.fullmatch(name)):
            raise SpecError(f"{layer_label(index)}: 'name' must be a module name like \"features.0\", not "
                            f"{describe_value(name)}", index, "name")
        params = dict(params or {})
        try:
            kind = layer_type(type_name)
        except SpecError as error:
            raise SpecError(f"{layer_label(index)}: {error.message}", index, "type") from None
        label = layer_label(index, kind.name)
        unknown = [key for key in params if key not in kind.param_names]
        if unknown:
            known = ", ".join(kind.param_names) or "none"
            raise SpecError(f"{label}: unknown key {describe_value(unknown[0])}; known keys: {known}", index,
                            str(unknown[0]))
        values: dict[str, Any] = {}
        for param in kind.params:
            if param.name not in params:
                if param.required:
                    raise SpecError(f"{label}: missing key {param.name!r} ({param.help or param.kind})",
                                    index, param.name)
                if param.default is not NO_DEFAULT:
                    values[param.name] = param.default
                continue
            try:
                values[param.name] = check_value(param, params[param.name])
            except ValueError as error:
                raise SpecError(f"{label}: {param.name!r} {error}", index, param.name) from None
        return cls(kind.name, values, name)

    @classmethod
    def from_dict(cls, data: Any, index: int | None = None) -> LayerSpec:
        if not isinstance(data, Mapping):
            raise SpecError(f"{layer_label(index)}: must be an object with a \"type\" key, not {describe_value(data)}",
                            index)
        if "type" not in data:
            raise SpecError(f"{layer_label(index)}: missing key 'type'", index, "type")
        params = {k: v for k, v in data.items() if k not in ("type", "name")}
        return cls.create(data["type"], params, index, data.get("name", ""))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists, arrays nested lists."""
        named = {"name": self.name} if self.name else {}
        return {"type": self.type, **named, **{k: _to_json_value(v) for k, v in self.params.items()}}

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def pair(self, name: str) -> tuple[int, int]:
        """A spatial parameter as (height, width) whether it was given as one number or two."""
        return pair(self.params[name])

    def with_params(self, index: int | None = None, **changes: Any) -> LayerSpec:
        """A copy with some parameters changed (validated). A value of None removes the key."""
        params = {k: v for k, v in self.params.items()}
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return LayerSpec.create(self.type, params, index, self.name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LayerSpec):
            return NotImplemented
        return (self.type == other.type and self.name == other.name and self.params.keys() == other.params.keys()
                and all(_values_equal(v, other.params[k]) for k, v in self.params.items()))

    def __hash__(self) -> int:
        return hash((self.type, tuple(self.params)))


@dataclass(frozen=True)
class WeightsRef:
    """Where a network's trained tensors are: ``file`` is a file name looked for beside the network
    file, among convviz's shipped weights, and in torch's hub cache (published .pth files); ``url``
    says where a published file can be downloaded."""

    file: str
    url: str = ""

    @classmethod
    def from_value(cls, value: Any) -> WeightsRef:
        data = {"file": value} if isinstance(value, str) else value
        if not isinstance(data, Mapping) or not isinstance(data.get("file"), str) or set(data) - {"file", "url"} \
                or not isinstance(data.get("url", ""), str):
            raise SpecError('network: "weights" must be a file name, or {"file": NAME, "url": URL}', key="weights")
        name = data["file"]
        if not name or Path(name).name != name or name in (".", ".."):
            raise SpecError(f'network: "weights" must name a file (no folders), not {describe_value(name)}',
                            key="weights")
        return cls(name, data.get("url", ""))

    def to_value(self) -> Any:
        return {"file": self.file, "url": self.url} if self.url else self.file


NETWORK_KEYS = ("format", "name", "description", "input", "classes", "weights", "layers")


@dataclass(frozen=True)
class NetworkSpec:
    """A whole network: a name, the input (with its preprocessing), the layers in order, and for a
    classifier the names of its classes (a list, or the name of a list convviz ships: "imagenet").

    Read and write network files with ``NetworkSpec.load`` / ``save`` (core/network_file.py: sizes
    checked before reading, big weights in a .safetensors file beside the JSON)."""

    name: str = "untitled"
    input: InputSpec = field(default_factory=InputSpec)
    layers: tuple[LayerSpec, ...] = ()
    description: str = ""
    classes: tuple[str, ...] | str | None = None
    weights: WeightsRef | None = None

    @classmethod
    def from_dict(cls, data: Any) -> NetworkSpec:
        if not isinstance(data, Mapping):
            raise SpecError("a network file must hold one JSON object with \"input\" and \"layers\"")
        unknown = [key for key in data if key not in NETWORK_KEYS]
        if unknown:
            raise SpecError(f"network: unknown key {describe_value(unknown[0])}; known keys: "
                            f"{', '.join(NETWORK_KEYS[1:])}", key=str(unknown[0]))
        name = data.get("name", "untitled")
        if not isinstance(name, str):
            raise SpecError(f'network: "name" must be text, not {describe_value(name)}', key="name")
        if "input" not in data:
            raise SpecError("network: missing key 'input'", key="input")
        if "layers" not in data:
            raise SpecError("network: missing key 'layers'", key="layers")
        layers = data["layers"]
        if not isinstance(layers, list):
            raise SpecError('network: "layers" must be a list of layer objects', key="layers")
        if len(layers) > MAX_LAYERS:
            raise SpecError(f"network: {len(layers):,} layers; convviz shows networks of up to {MAX_LAYERS:,} layers",
                            key="layers")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise SpecError('network: "description" must be text', key="description")
        classes = data.get("classes")
        if classes is not None and not (isinstance(classes, str) or (
                isinstance(classes, list) and classes and all(isinstance(c, str) for c in classes))):
            raise SpecError('network: "classes" must be a list of class names, or the name of a list convviz ships '
                            '("imagenet")', key="classes")
        return cls(
            name=name,
            input=InputSpec.from_dict(data["input"]),
            layers=tuple(LayerSpec.from_dict(layer, index) for index, layer in enumerate(layers)),
            description=description,
            classes=tuple(classes) if isinstance(classes, list) else classes,
            weights=WeightsRef.from_value(data["weights"]) if data.get("weights") is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            **({"description": self.description} if self.description else {}),
            "input": self.input.to_dict(),
            **({"classes": list(self.classes) if isinstance(self.classes, tuple) else self.classes}
               if self.classes else {}),
            **({"weights": self.weights.to_value()} if self.weights else {}),
            "layers": [layer.to_dict() for layer in self.layers],
        }

    def to_json(self) -> str:
        return _dump_json(self.to_dict())

    @classmethod
    def from_json(cls, text: str, source: str = "network file") -> NetworkSpec:
        try:
            data = json.loads(text, object_pairs_hook=_counted_object())
        except _TooManyObjects:
            raise SpecError(f"{source} holds more than {MAX_OBJECTS:,} JSON objects; a network file of up to "
                            f"{MAX_LAYERS:,} layers has far fewer (reading stopped there)") from None
        except json.JSONDecodeError as error:
            raise SpecError(f"{source} is not valid JSON: {error.msg} at line {error.lineno}, "
                            f"column {error.colno}") from None
        except RecursionError:
            raise SpecError(f"{source} is nested too deeply to be a network file") from None
        except ValueError as error:  # e.g. an integer with more digits than Python converts
            if "integer string conversion" in str(error):
                raise SpecError(f"{source} is not a network file convviz can read: it holds a number of more than "
                                f"{sys.get_int_max_str_digits():,} digits (no size or count is that long)") from None
            raise SpecError(f"{source} is not a network file convviz can read: {str(error)[:100]}") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NetworkSpec:
        """Read a network file (and its weights file); every problem is a SpecError naming the file."""
        from convviz.core.network_file import open_network_file

        return open_network_file(path).spec

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically (big weights go to a .safetensors file beside it); WriteError if it cannot."""
        from convviz.core.network_file import save_network_file

        save_network_file(self, path)

    def with_layers(self, layers: Iterable[LayerSpec]) -> NetworkSpec:
        return replace(self, layers=tuple(layers))

    def with_input(self, input_spec: InputSpec) -> NetworkSpec:
        return replace(self, input=input_spec)


def _dump_json(data: Any) -> str:
    """Indented JSON that stays readable: short layer objects and number rows on one line each."""

    def render(value: Any, indent: int) -> str:
        one_line = json.dumps(value)
        if not isinstance(value, (dict, list)) or _flat_list(value):
            return one_line
        shallow = all(not isinstance(v, (dict, list)) or _flat_list(v) for v in
                      (value.values() if isinstance(value, dict) else value))
        if shallow and len(one_line) <= 110:
            return one_line
        pad = "  " * indent
        if isinstance(value, dict):
            items = [f"{pad}  {json.dumps(k)}: {render(v, indent + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        items = [f"{pad}  {render(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"

    return render(data, 0) + "\n"


def _flat_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value)
