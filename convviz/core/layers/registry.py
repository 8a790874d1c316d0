"""The registry of layer types: one instance per type, found by the ``type`` name in network files.

A name the registry does not know is an error with the known names in the message, everywhere.
"""

from __future__ import annotations

from convviz.core.errors import SpecError
from convviz.core.layers.base import LayerType

LAYER_TYPES: dict[str, LayerType] = {}


def register(cls: type[LayerType]) -> type[LayerType]:
    """Class decorator: make ``cls`` a known layer type (registration order is the editor's menu order)."""
    instance = cls()  # an abstract method left out fails here, loudly, at import
    for attribute in ("name", "title"):
        if not getattr(cls, attribute, None):
            raise TypeError(f"layer type {cls.__name__} has no {attribute}")
    if cls.name in LAYER_TYPES:
        raise TypeError(f"layer type {cls.name!r} is registered twice")
    LAYER_TYPES[cls.name] = instance
    return cls


def layer_type(name: object) -> LayerType:
    """The type called ``name``; SpecError with the known names otherwise."""
    if isinstance(name, str) and name in LAYER_TYPES:
        return LAYER_TYPES[name]
    from convviz.core.layers.params import describe_value

    raise SpecError(f"unknown layer type {describe_value(name)}; known types: {', '.join(LAYER_TYPES)}")
