"""Write the presets of the classic networks (LeNet-5, AlexNet, VGG-11/16, VGG-16 with batch norm)
into resources/presets, laid out exactly as torchvision defines them: the same layer order and the
same module names ("features.0", "classifier.6"), so torchvision's published state dicts load onto
them key by key. Re-run after changing this file:

    .venv/bin/python scripts/make_classic_presets.py
"""

from __future__ import annotations

from pathlib import Path

PRESETS = Path(__file__).resolve().parents[1] / "resources" / "presets"
IMAGENET_INPUT = {"channels": 3, "height": 224, "width": 224, "resize": 256,
                  "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
VGG_CONFIGS = {  # torchvision.models.vgg.cfgs
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}
HUB = "https://download.pytorch.org/models/"


def conv(name: str, out: int, kernel: int, stride: int = 1, padding: int = 0, seed: int = 0) -> dict:
    return {"type": "conv2d", "name": name, "out_channels": out, "kernel_size": kernel, "stride": stride,
            "padding": padding, "seed": seed}


def alexnet() -> dict:
    f = "features."
    layers = [conv(f + "0", 64, 11, 4, 2, 1), {"type": "relu", "name": f + "1"},
              {"type": "maxpool2d", "name": f + "2", "kernel_size": 3, "stride": 2},
              conv(f + "3", 192, 5, 1, 2, 2), {"type": "relu", "name": f + "4"},
              {"type": "maxpool2d", "name": f + "5", "kernel_size": 3, "stride": 2},
              conv(f + "6", 384, 3, 1, 1, 3), {"type": "relu", "name": f + "7"},
              conv(f + "8", 256, 3, 1, 1, 4), {"type": "relu", "name": f + "9"},
              conv(f + "10", 256, 3, 1, 1, 5), {"type": "relu", "name": f + "11"},
              {"type": "maxpool2d", "name": f + "12", "kernel_size": 3, "stride": 2},
              {"type": "adaptive_avg_pool2d", "name": "avgpool", "output_size": 6},
              {"type": "flatten"},
              {"type": "dropout", "name": "classifier.0", "p": 0.5},
              {"type": "linear", "name": "classifier.1", "out_features": 4096, "seed": 6},
              {"type": "relu", "name": "classifier.2"},
              {"type": "dropout", "name": "classifier.3", "p": 0.5},
              {"type": "linear", "name": "classifier.4", "out_features": 4096, "seed": 7},
              {"type": "relu", "name": "classifier.5"},
              {"type": "linear", "name": "classifier.6", "out_features": 1000, "seed": 8},
              {"type": "softmax"}]
    return {"name": "AlexNet (2012), torchvision's layout",
            "description": "Krizhevsky, Sutskever & Hinton 2012, as torchvision.models.alexnet defines it: 61,100,840 "
                           "parameters. With alexnet-owt-7be5be79.pth in torch's hub cache (or File > Load trained "
                           "weights) it names what the camera sees; without it, random weights. The first layer's "
                           "11x11 stride 4 does not fit 224 (55.25): torch rounds down to 55.",
            "input": IMAGENET_INPUT, "classes": "imagenet",
            "weights": {"file": "alexnet-owt-7be5be79.pth", "url": HUB + "alexnet-owt-7be5be79.pth"},
            "layers": layers}


def vgg(config: str, batch_norm: bool, title: str, weights: str) -> dict:
    layers: list[dict] = []
    index = 0
    seed = 1
    for item in VGG_CONFIGS[config]:
        if item == "M":
            layers.append({"type": "maxpool2d", "name": f"features.{index}", "kernel_size": 2, "stride": 2})
            index += 1
            continue
        layers.append(conv(f"features.{index}", int(item), 3, 1, 1, seed))
        seed += 1
        index += 1
        if batch_norm:
            layers.append({"type": "batchnorm2d", "name": f"features.{index}"})
            index += 1
        layers.append({"type": "relu", "name": f"features.{index}"})
        index += 1
    layers += [{"type": "adaptive_avg_pool2d", "name": "avgpool", "output_size": 7},
               {"type": "flatten"},
               {"type": "linear", "name": "classifier.0", "out_features": 4096, "seed": 100},
               {"type": "relu", "name": "classifier.1"},
               {"type": "dropout", "name": "classifier.2", "p": 0.5},
               {"type": "linear", "name": "classifier.3", "out_features": 4096, "seed": 101},
               {"type": "relu", "name": "classifier.4"},
               {"type": "dropout", "name": "classifier.5", "p": 0.5},
               {"type": "linear", "name": "classifier.6", "out_features": 1000, "seed": 102},
               {"type": "softmax"}]
    return {"name": title,
            "description": f"Simonyan & Zisserman 2014, as torchvision.models defines it. With {weights} in "
                           "torch's hub cache (or File > Load trained weights) it names what the camera sees; "
                           "without it, random weights.",
            "input": IMAGENET_INPUT, "classes": "imagenet",
            "weights": {"file": weights, "url": HUB + weights}, "layers": layers}


def lenet() -> dict:
    """LeCun et al. 1998 (LeNet-5) as lectures draw it: 32x32 grey, tanh, average pooling; 61,706 parameters."""
    f, c = "features.", "classifier."
    layers = [conv(f + "0", 6, 5, seed=1), {"type": "tanh", "name": f + "1"},
              {"type": "avgpool2d", "name": f + "2", "kernel_size": 2, "stride": 2},
              conv(f + "3", 16, 5, seed=2), {"type": "tanh", "name": f + "4"},
              {"type": "avgpool2d", "name": f + "5", "kernel_size": 2, "stride": 2},
              conv(f + "6", 120, 5, seed=3), {"type": "tanh", "name": f + "7"},
              {"type": "flatten"},
              {"type": "linear", "name": c + "0", "out_features": 84, "seed": 4}, {"type": "tanh", "name": c + "1"},
              {"type": "linear", "name": c + "2", "out_features": 10, "seed": 5}, {"type": "softmax"}]
    return {"name": "LeNet-5 (1998)",
            "description": "LeCun, Bottou, Bengio & Haffner 1998: C1-S2-C3-S4-C5-F6-output on a 32x32 grey digit, "
                           "tanh and average pooling, 61,706 parameters (random weights: the structure; torchvision "
                           "has no LeNet).",
            "input": {"channels": 1, "height": 32, "width": 32},
            "classes": [str(digit) for digit in range(10)], "layers": layers}


def main() -> None:
    networks = {
        "lenet5": lenet(),
        "alexnet": alexnet(),
        "vgg11": vgg("A", False, "VGG-11 (2014), torchvision's layout", "vgg11-8a719046.pth"),
        "vgg16": vgg("D", False, "VGG-16 (2014), torchvision's layout", "vgg16-397923af.pth"),
        "vgg16_bn": vgg("D", True, "VGG-16 with batch norm, torchvision's layout", "vgg16_bn-6c64b313.pth"),
    }
    from convviz.core.spec import NetworkSpec  # written through convviz's own writer: readable, validated

    for name, data in networks.items():
        spec = NetworkSpec.from_dict(data)
        (PRESETS / f"{name}.json").write_text(spec.to_json())
        print(f"wrote {name}.json")


if __name__ == "__main__":
    main()
