"""Every layer type convviz knows, one module each, found through the registry.

Importing this package registers them all; ``LAYER_TYPES`` maps each ``type`` name to its type
object (in the editor's menu order) and ``layer_type(name)`` finds one or says which names exist.
To add a type: a new module here with one ``@register``-ed ``LayerType`` subclass, imported below
(see DEVELOPERS.md, "Adding a layer type").
"""

from convviz.core.layers import (  # noqa: F401  (imported to register; the order is the editor's menu order)
    activations,
    adaptive_pool,
    batchnorm,
    conv2d,
    dropout,
    flatten,
    linear,
    maxout,
    pooling,
    softmax,
)
from convviz.core.layers.base import LayerType, Shaped, layer_label, size_text
from convviz.core.layers.params import NO_DEFAULT, Param, check_value
from convviz.core.layers.registry import LAYER_TYPES, layer_type, register

__all__ = ["LAYER_TYPES", "NO_DEFAULT", "LayerType", "Param", "Shaped", "check_value", "layer_label", "layer_type",
           "register", "size_text"]
