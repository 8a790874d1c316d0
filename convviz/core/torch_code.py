"""The network as PyTorch code a student can paste and run, in the lecture's own style:
``nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1)``.

Each line comes from the layer's type. Weights are embedded (the exported module computes exactly
what convviz showed) when the network is small enough to read; otherwise torch's own random
initialisation is used and the code says so.
"""

from __future__ import annotations

import numpy as np

from convviz.core.geometry import check
from convviz.core.layers import size_text
from convviz.core.spec import NetworkSpec

EMBED_LIMIT = 20_000  # embed weights up to this many parameters


def _array_code(array: np.ndarray) -> str:
    shortest = np.array([float(str(x)) for x in np.asarray(array, np.float32).ravel()]).reshape(array.shape)
    return repr(shortest.tolist())


def export_torch_code(spec: NetworkSpec, embed_weights: bool | None = None) -> str:
    """Runnable Python: ``build_network()`` returns an ``nn.Sequential`` equal to convviz's network.

    ``embed_weights`` None: embed when the network has at most EMBED_LIMIT parameters.
    """
    geometry = check(spec)
    if embed_weights is None:
        embed_weights = geometry.total_params <= EMBED_LIMIT
    lines = ['"""' + f"{spec.name}, exported by convviz." + '"""', "", "import torch", "from torch import nn"]
    for prelude in dict.fromkeys(g.kind.code_prelude for g in geometry.layers if g.kind.code_prelude):
        lines.append(prelude.rstrip("\n"))
    lines += ["", "", "def build_network():",
              f'    """Input: a batch of {size_text(spec.input.shape)} images (channels x height x width)."""',
              "    model = nn.Sequential("]
    for layer, layer_geometry in zip(spec.layers, geometry.layers):
        comment = f"  # -> {size_text(layer_geometry.output_shape)}"
        if layer_geometry.params:
            comment += f", {layer_geometry.params:,} parameters"
        lines.append(f"        {layer_geometry.kind.code(layer, layer_geometry)},{comment}")
    lines.append("    )")
    weighted = [g for g in geometry.layers if g.kind.tensors]
    if weighted and embed_weights:
        from convviz.core.compute import build_module, module_tensors

        module = build_module(spec, geometry)
        lines.append("    with torch.no_grad():  # the tensors convviz showed, so the outputs match exactly")
        for g in weighted:
            for name, values in module_tensors(module[g.index]).items():
                if name in g.kind.tensors:
                    lines.append(f"        model[{g.index}].{name}.copy_(torch.tensor({_array_code(values)}))")
    elif weighted:
        lines.append(f"    # {geometry.total_params:,} parameters: too many to embed here; torch's own random")
        lines.append("    # initialisation is used (convviz's seeded or hand-made weights are in its network file)")
    lines += ["    return model.eval()", "", "", "if __name__ == '__main__':", "    model = build_network()",
              f"    x = torch.rand(1, {', '.join(str(n) for n in spec.input.shape)})",
              "    print(model)",
              "    print('output shape:', tuple(model(x).shape))",
              "    print('parameters:', sum(p.numel() for p in model.parameters()))", ""]
    return "\n".join(lines)
