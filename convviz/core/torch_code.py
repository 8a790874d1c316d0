"""The network as PyTorch code a student can paste and run, in the lecture's own style:
``nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1)``.

Weights are embedded (the exported module computes exactly what convviz showed) when the network is
small enough to read; otherwise torch's own random initialisation is used and the code says so.
"""

from __future__ import annotations

import numpy as np

from convviz.core.compute import build_module
from convviz.core.geometry import check, size_text
from convviz.core.spec import LayerSpec, NetworkSpec

EMBED_LIMIT = 20_000  # embed weights up to this many parameters

MAXOUT_CLASS = '''

class Maxout(nn.Module):
    """max over groups of `pieces` consecutive channels: max(w1^T x + b1, w2^T x + b2, ...)."""

    def __init__(self, pieces):
        super().__init__()
        self.pieces = pieces

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, c // self.pieces, self.pieces, h, w).amax(dim=2)
'''


def _value(value: object) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(str(v) for v in value) + ")"
    if isinstance(value, str):
        return repr(value)
    return repr(value)


def _layer_code(layer: LayerSpec, in_shape: tuple[int, ...]) -> str:
    p = layer.params
    kind = layer.type
    if kind == "conv2d":
        args = [f"in_channels={in_shape[0]}", f"out_channels={p['out_channels']}",
                f"kernel_size={_value(p['kernel_size'])}", f"stride={_value(p['stride'])}",
                f"padding={_value(p['padding'])}"]
        if p["dilation"] != 1:
            args.append(f"dilation={_value(p['dilation'])}")
        if p["groups"] != 1:
            args.append(f"groups={p['groups']}")
        if p["bias"] is False:
            args.append("bias=False")
        return f"nn.Conv2d({', '.join(args)})"
    if kind in ("maxpool2d", "avgpool2d"):
        cls = "nn.MaxPool2d" if kind == "maxpool2d" else "nn.AvgPool2d"
        stride = p["kernel_size"] if p["stride"] is None else p["stride"]
        args = [f"kernel_size={_value(p['kernel_size'])}", f"stride={_value(stride)}"]
        if p["padding"] != 0:
            args.append(f"padding={_value(p['padding'])}")
        return f"{cls}({', '.join(args)})"
    if kind == "linear":
        args = [f"in_features={in_shape[0]}", f"out_features={p['out_features']}"]
        if p["bias"] is False:
            args.append("bias=False")
        return f"nn.Linear({', '.join(args)})"
    if kind == "leaky_relu":
        return f"nn.LeakyReLU(negative_slope={p['negative_slope']!r})"
    if kind == "elu":
        return f"nn.ELU(alpha={p['alpha']!r})"
    if kind == "prelu":
        return f"nn.PReLU(num_parameters={p['num_parameters']}, init={p['init']!r})"
    if kind == "maxout":
        return f"Maxout(pieces={p['pieces']})"
    simple = {"relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "flatten": "nn.Flatten()",
              "softmax": "nn.Softmax(dim=1)"}
    return simple[kind]


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
    if any(layer.type == "maxout" for layer in spec.layers):
        lines.append(MAXOUT_CLASS.rstrip("\n"))
    lines += ["", "", "def build_network():",
              f'    """Input: a batch of {size_text(spec.input.shape)} images (channels x height x width)."""',
              "    model = nn.Sequential("]
    for layer, layer_geometry in zip(spec.layers, geometry.layers):
        comment = f"  # -> {size_text(layer_geometry.output_shape)}"
        if layer_geometry.params:
            comment += f", {layer_geometry.params:,} parameters"
        lines.append(f"        {_layer_code(layer, layer_geometry.input_shape)},{comment}")
    lines.append("    )")
    weighted = [(i, layer) for i, layer in enumerate(spec.layers) if layer.type in ("conv2d", "linear", "prelu")]
    if weighted and embed_weights:
        module = build_module(spec, geometry)
        lines.append("    with torch.no_grad():  # the weights convviz showed, so the outputs match exactly")
        for index, _layer in weighted:
            part = module[index]
            for name in ("weight", "bias"):
                tensor = getattr(part, name, None)
                if tensor is not None:
                    values = _array_code(tensor.detach().numpy())
                    lines.append(f"        model[{index}].{name}.copy_(torch.tensor({values}))")
    elif weighted:
        lines.append(f"    # {geometry.total_params:,} parameters: too many to embed here; torch's own random")
        lines.append("    # initialisation is used (convviz's seeded or hand-made weights are in its network file)")
    lines += ["    return model", "", "", "if __name__ == '__main__':", "    model = build_network()",
              f"    x = torch.rand(1, {', '.join(str(n) for n in spec.input.shape)})",
              "    print(model)",
              "    print('output shape:', tuple(model(x).shape))",
              "    print('parameters:', sum(p.numel() for p in model.parameters()))", ""]
    return "\n".join(lines)
