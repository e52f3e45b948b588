#!/usr/bin/env python3
"""Reference values for SegModels' transformer presets, from timm and HF transformers.

Run from the repository root:

    /work/venv/bin/python tools/reference/make_transformer_fixtures.py          # counts + committed fixtures
    /work/venv/bin/python tools/reference/make_transformer_fixtures.py --full   # also full-size key lists (not committed)

It prints every library-referenced preset's parameter count (the numbers written in
Tests/SegModelsTests/TransformerParameterCountTests.swift) and writes, under
Tests/SegModelsTests/Fixtures/transformers/, for small configurations built by the same library
classes (`vit-tiny`, `segformer-tiny`, `swin-upernet-tiny`):

- `<name>.keys.txt`: the library's `state_dict` as `key shape` lines, in the library's order;
- `<name>.io.safetensors`: inputs `input_a` (the configuration's image size) and `input_b` (another
  size: positional-embedding resizing, Swin padding) and the library's eval outputs `output_a`,
  `output_b`, with the deterministic weights of make_cnn_fixtures.py (`deterministic_fill`, which the
  Swift tests compute bit for bit), so no weights are committed.
"""
import argparse
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_cnn_fixtures import fill_deterministically  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "..", "Tests", "SegModelsTests", "Fixtures", "transformers")


def count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def timm_vit(name="vit_base_patch16_224", **kw):
    import timm
    return timm.create_model(name, pretrained=False, num_classes=0, **kw)


def swin_upernet(embed, depths, heads, window=7, classes=150, image_size=224, hidden=512, aux_channels=256):
    from transformers import SwinConfig, UperNetConfig, UperNetForSemanticSegmentation
    backbone = SwinConfig(image_size=image_size, embed_dim=embed, depths=depths, num_heads=heads, window_size=window,
                          out_features=["stage1", "stage2", "stage3", "stage4"])
    config = UperNetConfig(backbone_config=backbone, num_labels=classes, hidden_size=hidden,
                           auxiliary_in_channels=embed * 4, auxiliary_channels=aux_channels)
    return UperNetForSemanticSegmentation(config)


SEGFORMER = {  # hidden sizes, depths, decoder hidden size (HF's nvidia/mit-b* configs)
    "b0": ([32, 64, 160, 256], [2, 2, 2, 2], 256),
    "b1": ([64, 128, 320, 512], [2, 2, 2, 2], 256),
    "b2": ([64, 128, 320, 512], [3, 4, 6, 3], 768),
    "b3": ([64, 128, 320, 512], [3, 4, 18, 3], 768),
    "b4": ([64, 128, 320, 512], [3, 8, 27, 3], 768),
    "b5": ([64, 128, 320, 512], [3, 6, 40, 3], 768),
}


def segformer(hidden, depths, decoder, heads=(1, 2, 5, 8), classes=150):
    from transformers import SegformerConfig, SegformerForSemanticSegmentation
    config = SegformerConfig(hidden_sizes=hidden, depths=depths, num_attention_heads=list(heads),
                             decoder_hidden_size=decoder, num_labels=classes)
    return SegformerForSemanticSegmentation(config)


FULL = {
    "vit-b16": (lambda: timm_vit(), "timm.create_model('vit_base_patch16_224', num_classes=0)"),
    "swin-t-upernet": (lambda: swin_upernet(96, [2, 2, 6, 2], [3, 6, 12, 24]),
                       "UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=96, depths=[2,2,6,2], num_heads=[3,6,12,24]), num_labels=150, auxiliary_in_channels=384))"),
    "swin-s-upernet": (lambda: swin_upernet(96, [2, 2, 18, 2], [3, 6, 12, 24]),
                       "UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=96, depths=[2,2,18,2], num_heads=[3,6,12,24]), num_labels=150, auxiliary_in_channels=384))"),
    "swin-b-upernet": (lambda: swin_upernet(128, [2, 2, 18, 2], [4, 8, 16, 32]),
                       "UperNetForSemanticSegmentation(UperNetConfig(SwinConfig(embed_dim=128, depths=[2,2,18,2], num_heads=[4,8,16,32]), num_labels=150, auxiliary_in_channels=512))"),
}
for size, (h, d, dec) in SEGFORMER.items():
    FULL[f"segformer-{size}"] = ((lambda h=h, d=d, dec=dec: segformer(h, d, dec)),
                                 f"SegformerForSemanticSegmentation(SegformerConfig(hidden_sizes={h}, depths={d}, decoder_hidden_size={dec}, num_labels=150))")


# Small configurations for the committed fixtures: the same classes, small sizes.
def vit_tiny():
    from timm.models.vision_transformer import VisionTransformer
    return VisionTransformer(img_size=32, patch_size=8, embed_dim=64, depth=2, num_heads=4, num_classes=0,
                             dynamic_img_size=True)


def segformer_tiny():
    return segformer([16, 32, 40, 64], [1, 2, 1, 1], 32, heads=(1, 2, 2, 4), classes=5)


def swin_upernet_tiny():
    return swin_upernet(16, [2, 2, 2, 2], [1, 2, 2, 4], window=2, classes=5, image_size=64, hidden=32, aux_channels=16)


def vit_forward(model, x):
    return model.forward_features(x)


def seg_forward(model, x):
    out = model(pixel_values=x).logits
    return torch.nn.functional.interpolate(out, size=x.shape[2:], mode="bilinear", align_corners=False)


TINY = {
    # name: (constructor, forward, size a, size b)
    "vit-tiny": (vit_tiny, vit_forward, (32, 32), (48, 40)),
    "segformer-tiny": (segformer_tiny, seg_forward, (64, 64), (48, 80)),
    "swin-upernet-tiny": (swin_upernet_tiny, seg_forward, (64, 64), (56, 72)),
}


def write_keys(model, path):
    with open(path, "w") as f:
        for k, t in model.state_dict().items():
            shape = "x".join(str(s) for s in t.shape) if t.dim() else "-"
            f.write(f"{k} {shape}\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="also write full-size key lists to /tmp")
    args = parser.parse_args()
    os.makedirs(FIXTURES, exist_ok=True)
    torch.manual_seed(0)
    for name, (make, call) in FULL.items():
        model = make()
        print(f"{name}: {count(model)}  # {call}")
        if args.full:
            write_keys(model, f"/tmp/{name}.keys.txt")
    for name, (make, forward, a, b) in TINY.items():
        model = make()
        fill_deterministically(model)
        model.eval()
        g = torch.Generator().manual_seed(0)
        tensors = {}
        with torch.no_grad():
            for tag, (h, w) in (("a", a), ("b", b)):
                x = torch.rand(1, 3, h, w, generator=g) * 2 - 1
                tensors[f"input_{tag}"] = x.contiguous()
                tensors[f"output_{tag}"] = forward(model, x).contiguous()
        save_file(tensors, os.path.join(FIXTURES, f"{name}.io.safetensors"))
        write_keys(model, os.path.join(FIXTURES, f"{name}.keys.txt"))
        print(f"{name}: {count(model)} params, outputs " + ", ".join(f"{k} {list(v.shape)}" for k, v in tensors.items() if k.startswith("output")))


if __name__ == "__main__":
    main()
