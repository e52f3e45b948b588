#!/usr/bin/env python3
"""Reference values for SegModels' convolutional presets, from torchvision and
segmentation_models_pytorch (smp).

Run from the repository root:

    /work/venv/bin/python tools/reference/make_cnn_fixtures.py            # committed fixtures
    /work/venv/bin/python tools/reference/make_cnn_fixtures.py --full DIR --size 512
                                                                          # full-size check files

For every library-referenced preset it prints the parameter count (the numbers written in
Tests/SegModelsTests/ParameterCountTests.swift) and writes, under Tests/SegModelsTests/Fixtures:

- `<preset>.keys.txt`: the library's `state_dict` as `key shape` lines (shape `4096x512x7x7`,
  `-` for a scalar), in the library's order;
- `<preset>.io.safetensors`: `input` (1x3x32x32) and the library's eval-mode outputs `output`
  (and `aux` where the model has an auxiliary head) with *deterministic* weights.

Weights are not committed (a ResNet-50 is 100 MB): every tensor of the state dict is filled by
`deterministic_fill(key, shape)`, a SplitMix64 stream seeded with the FNV-1a hash of the key,
which the Swift tests compute bit for bit (Tests/SegModelsTests/DeterministicWeights.swift).
So the fixture checks both the names (a key filled under another name gets other values) and
the arithmetic.

`--full DIR` writes, per preset, `<preset>.weights.safetensors` (the library's state dict with those
weights), `<preset>.input.safetensors` (`input`, 1x3xSIZExSIZE) and `<preset>.expected.safetensors`
(`output`), for `segbook infer --model P --weights ... --input ... --output ...` to be compared with.
"""
import argparse
import os

import numpy as np
import torch
import torchvision
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "SegModelsTests", "Fixtures")

MASK64 = (1 << 64) - 1


def fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & MASK64
    return h


def uniform_stream(key: str, n: int) -> np.ndarray:
    """n values in [0, 1): SplitMix64 outputs for counters 1...n from seed fnv1a64(key), top 24 bits."""
    with np.errstate(over="ignore"):
        seed = np.uint64(fnv1a64(key))
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = seed + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / 16777216.0


def deterministic_fill(key: str, shape) -> np.ndarray:
    """The value of state-dict entry `key`: the same rule as the Swift tests' `DeterministicWeights`.

    running_var: 0.5 + u; running_mean: 0.1 (2u - 1); num_batches_tracked: 0;
    a weight of rank >= 2: (2u - 1) sqrt(3 / fan_in) with fan_in = prod(shape[1:]) (unit gain);
    any other rank-1 `weight` (a norm's scale): 1 + 0.1 (2u - 1); anything else (biases): 0.01 (2u - 1).
    """
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform_stream(key, n)
    v = 2.0 * u - 1.0
    leaf = key.rsplit(".", 1)[-1]
    if leaf == "running_var":
        x = 0.5 + u
    elif leaf == "running_mean":
        x = 0.1 * v
    elif leaf == "num_batches_tracked":
        x = np.zeros(n)
    elif len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        x = v * np.sqrt(3.0 / float(fan_in))
    elif leaf == "weight":
        x = 1.0 + 0.1 * v
    else:
        x = 0.01 * v
    return x.astype(np.float32).reshape(shape)


def fill_deterministically(model: torch.nn.Module):
    sd = model.state_dict()
    new = {}
    for k, t in sd.items():
        values = torch.from_numpy(deterministic_fill(k, tuple(t.shape)))
        new[k] = values.to(t.dtype)
    model.load_state_dict(new, strict=True)


# MARK: - The library-referenced presets

def tv_seg(fn):
    return lambda: fn(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)


def smp_deeplabv3plus_resnet50():
    import segmentation_models_pytorch as smp
    return smp.DeepLabV3Plus("resnet50", encoder_weights=None, classes=21)


PRESETS = {
    # preset name: (constructor, the call as the tests cite it)
    "fcn-resnet50": (tv_seg(torchvision.models.segmentation.fcn_resnet50),
                     "torchvision.models.segmentation.fcn_resnet50(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)"),
    "fcn-resnet101": (tv_seg(torchvision.models.segmentation.fcn_resnet101),
                      "torchvision.models.segmentation.fcn_resnet101(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)"),
    "deeplabv3-resnet50": (tv_seg(torchvision.models.segmentation.deeplabv3_resnet50),
                           "torchvision.models.segmentation.deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)"),
    "deeplabv3-resnet101": (tv_seg(torchvision.models.segmentation.deeplabv3_resnet101),
                            "torchvision.models.segmentation.deeplabv3_resnet101(weights=None, weights_backbone=None, num_classes=21, aux_loss=True)"),
    "deeplabv3plus-resnet50": (smp_deeplabv3plus_resnet50,
                               "segmentation_models_pytorch.DeepLabV3Plus(\"resnet50\", encoder_weights=None, classes=21)"),
}

# Backbones: torchvision classifiers, counted without their ImageNet head (`fc` / `classifier`).
BACKBONES = {
    "resnet18": lambda: torchvision.models.resnet18(weights=None),
    "resnet34": lambda: torchvision.models.resnet34(weights=None),
    "resnet50": lambda: torchvision.models.resnet50(weights=None),
    "resnet101": lambda: torchvision.models.resnet101(weights=None),
    "vgg16": lambda: torchvision.models.vgg16(weights=None),
    "vgg16_bn": lambda: torchvision.models.vgg16_bn(weights=None),
}


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def outputs(model, x):
    model.eval()
    with torch.no_grad():
        y = model(x)
    if isinstance(y, dict):  # torchvision: {"out", "aux"}
        return {"output": y["out"], **({"aux": y["aux"]} if "aux" in y else {})}
    return {"output": y}


def shape_text(shape):
    return "x".join(str(d) for d in shape) if len(shape) else "-"


def write_fixtures(out_dir, size):
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for name, (make, call) in PRESETS.items():
        model = make()
        print(f"{name:24s} {count(model):>12,d}   {call}")
        with open(os.path.join(out_dir, f"{name}.keys.txt"), "w") as f:
            for k, t in model.state_dict().items():
                f.write(f"{k} {shape_text(tuple(t.shape))}\n")
        fill_deterministically(model)
        g = torch.Generator().manual_seed(1)
        x = torch.randn(1, 3, size, size, generator=g)
        tensors = {"input": x, **outputs(model, x)}
        save_file({k: v.contiguous() for k, v in tensors.items()},
                  os.path.join(out_dir, f"{name}.io.safetensors"))
    for name, make in BACKBONES.items():
        model = make()
        head = model.fc if hasattr(model, "fc") else model.classifier
        print(f"backbone {name:15s} {count(model) - count(head):>12,d}   torchvision.models.{name}(weights=None) without its head")


def write_full(out_dir, size):
    os.makedirs(out_dir, exist_ok=True)
    for name, (make, _) in PRESETS.items():
        model = make()
        fill_deterministically(model)
        g = torch.Generator().manual_seed(1)
        x = torch.randn(1, 3, size, size, generator=g)
        y = outputs(model, x)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  os.path.join(out_dir, f"{name}.weights.safetensors"))
        save_file({"input": x}, os.path.join(out_dir, f"{name}.input.safetensors"))
        save_file({"output": y["output"].contiguous()}, os.path.join(out_dir, f"{name}.expected.safetensors"))
        print(f"{name}: wrote {out_dir}/{name}.{{weights,input,expected}}.safetensors ({size}x{size})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", metavar="DIR", help="write full-size weights, input and expected output here")
    parser.add_argument("--size", type=int, default=None, help="input side (default 32 for fixtures, 512 for --full)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.full:
        write_full(args.full, args.size or 512)
    else:
        write_fixtures(FIXTURES, args.size or 32)
