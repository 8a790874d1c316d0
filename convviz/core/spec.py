"""A network is data first: the input size and a list of layers, read from and written to JSON.

Keys mirror torch's constructor names. Parsing checks each layer on its own (types, ranges, unknown
keys); whether the layers fit together (channels, shapes, strides) is the geometry's job, so an
editor can hold a network that does not work yet and say where it breaks.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from convviz.core.atomic import write_text_atomic
from convviz.core.errors import SpecError
from convviz.core.layers import NO_DEFAULT, check_value, layer_label, layer_type
from convviz.core.layers.params import describe_value, pair

FORMAT_VERSION = 1
_MODULE_NAME = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")


@dataclass(frozen=True)
class InputSpec:
    """The network's input volume: channels x height x width (pixels)."""

    channels: int = 3
    height: int = 32
    width: int = 32

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)

    @classmethod
    def from_dict(cls, data: Any) -> InputSpec:
        if not isinstance(data, Mapping):
            raise SpecError('"input" must be an object like {"channels": 3, "height": 32, "width": 32}',
                            key="input")
        unknown = set(data) - {"channels", "height", "width"}
        if unknown:
            raise SpecError(f'input: unknown key {sorted(unknown)[0]!r}; known keys: channels, height, width',
                            key=sorted(unknown)[0])
        values = {}
        for key in ("channels", "height", "width"):
            if key not in data:
                raise SpecError(f"input: missing key {key!r}", key=key)
            value = data[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SpecError(f"input: {key!r} must be a whole number of at least 1, not {value!r}", key=key)
            values[key] = value
        return cls(**values)

    @classmethod
    def parse(cls, text: str) -> InputSpec:
        """Read 'CxHxW' (as on the command line: ``--input 3x32x32``)."""
        parts = text.lower().replace("×", "x").split("x")
        try:
            channels, height, width = (int(p) for p in parts)
        except ValueError:
            raise SpecError(f"input size must look like CxHxW, e.g. 3x32x32, not {text!r}") from None
        if min(channels, height, width) < 1:
            raise SpecError(f"input size must be positive, not {text!r}")
        return cls(channels, height, width)

    def to_dict(self) -> dict[str, int]:
        return {"channels": self.channels, "height": self.height, "width": self.width}


def _to_json_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        # float32 written with its shortest exact decimal (0.1, not 0.10000000149011612)
        shortest = [float(str(x)) for x in value.astype(np.float32).ravel()]
        return np.array(shortest, dtype=np.float64).reshape(value.shape).tolist()
    if isinstance(value, tuple):
        return [_to_json_value(v) for v in value]
    return value


def _values_equal(a: Any, b: Any) -> bool:
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
class NetworkSpec:
    """A whole network: a name, the input volume and the layers in order."""

    name: str = "untitled"
    input: InputSpec = field(default_factory=InputSpec)
    layers: tuple[LayerSpec, ...] = ()
    description: str = ""

    @classmethod
    def from_dict(cls, data: Any) -> NetworkSpec:
        if not isinstance(data, Mapping):
            raise SpecError("a network file must hold one JSON object with \"input\" and \"layers\"")
        unknown = set(data) - {"name", "input", "layers", "format", "description"}
        if unknown:
            key = sorted(unknown)[0]
            raise SpecError(f"network: unknown key {key!r}; known keys: name, description, input, layers",
                           key=key)
        name = data.get("name", "untitled")
        if not isinstance(name, str):
            raise SpecError(f'network: "name" must be text, not {name!r}', key="name")
        if "input" not in data:
            raise SpecError("network: missing key 'input'", key="input")
        if "layers" not in data:
            raise SpecError("network: missing key 'layers'", key="layers")
        layers = data["layers"]
        if not isinstance(layers, list):
            raise SpecError('network: "layers" must be a list of layer objects', key="layers")
        description = data.get("description", "")
        if not isinstance(description, str):
            raise SpecError('network: "description" must be text', key="description")
        return cls(
            name=name,
            input=InputSpec.from_dict(data["input"]),
            layers=tuple(LayerSpec.from_dict(layer, index) for index, layer in enumerate(layers)),
            description=description,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            **({"description": self.description} if self.description else {}),
            "input": self.input.to_dict(),
            "layers": [layer.to_dict() for layer in self.layers],
        }

    def to_json(self) -> str:
        return _dump_json(self.to_dict())

    @classmethod
    def from_json(cls, text: str, source: str = "network file") -> NetworkSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SpecError(f"{source} is not valid JSON: {error.msg} at line {error.lineno}, "
                            f"column {error.colno}") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NetworkSpec:
        """Read a network file; every problem is a SpecError naming the file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SpecError(f"cannot read network file {path}: {getattr(error, 'strerror', None) or error}") from None
        try:
            return cls.from_json(text, source=str(path))
        except SpecError as error:
            if str(path) in error.message:
                raise
            raise SpecError(f"{path.name}: {error.message}", error.layer, error.key) from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write atomically: a temporary file beside the target, then a rename."""
        write_text_atomic(Path(path), self.to_json())

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
