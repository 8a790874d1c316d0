"""Every layer type convviz knows, one module each, found through the registry.

Importing this package registers them all; ``LAYER_TYPES`` maps each ``type`` name to its type
object (in the editor's menu order) and ``layer_type(name)`` finds one or says which names exist.
To add a type: a new module here with one ``@register``-ed ``LayerType`` subclass, imported below
(see DEVELOPERS.md, "Adding a layer type").
"""

# imported to register them; the order here is the editor's menu order (so isort must leave it)
from convviz.core.layers import conv2d  # noqa: F401, I001
from convviz.core.layers import activations  # noqa: F401, I001
from convviz.core.layers import pooling  # noqa: F401, I001
from convviz.core.layers import adaptive_pool  # noqa: F401, I001
from convviz.core.layers import batchnorm  # noqa: F401, I001
from convviz.core.layers import dropout  # noqa: F401, I001
from convviz.core.layers import maxout  # noqa: F401, I001
from convviz.core.layers import flatten  # noqa: F401, I001
from convviz.core.layers import linear  # noqa: F401, I001
from convviz.core.layers import softmax  # noqa: F401, I001
from convviz.core.layers.base import LayerType, Shaped, layer_label, size_text
from convviz.core.layers.params import NO_DEFAULT, Param, check_value
from convviz.core.layers.registry import LAYER_TYPES, layer_type, register

__all__ = ["LAYER_TYPES", "NO_DEFAULT", "LayerType", "Param", "Shaped", "check_value", "layer_label", "layer_type",
           "register", "size_text"]
