#!/usr/bin/env python3
"""PyTorch's side of `segbook bench PRESET ...`: the same presets, shapes, threads, step and JSON.

    /work/venv/bin/python tools/reference/bench.py deeplabv3-resnet50 --size 256 --batch 2 --threads 2 --json

Per preset: the inference forward (eval mode, under torch.no_grad()) at --forward-batch x C x size x size,
and one training step at --batch x C x size x size (train mode; a batch of one steps with eval-mode batch
norm, as segbook does): zero_grad, forward, cross-entropy of the main logits against random labels in
[0, classes) (ignore index 255) plus 0.4 x the aux head's where the model has one, backward, optimizer
step. The optimizer is the architecture's recipe in segbook (Sources/SegLab/Train/TrainingRecipe.swift):
SGD (lr 0.01, momentum 0.9, weight decay 5e-4) for the CNNs; AdamW (lr 6e-4, weight decay 0.01) with
the gradient norm clipped at 1 for the transformers. Median/min/max of --repeats runs after --warmup.
`peak_bytes` is the process's peak RSS (resource.getrusage), measured after the steps: run one preset
per process for a per-preset peak (bench_compare.py does).

Models (weights=None everywhere; nothing is downloaded):
- fcn-resnet50, deeplabv3-resnet50: torchvision (num_classes=21, aux_loss=True); their forward runs the
  aux head in eval mode too, as segbook's DilatedFCN/DeepLabV3 do.
- deeplabv3plus-resnet50: smp DeepLabV3Plus("resnet50", classes=21, encoder_weights=None).
- pspnet-resnet50: segbook's PSPNet (torchvision resnet50 dilated to output stride 8, pyramid pooling
  1/2/3/6 to 512 channels each, FCNHead(4096, 512) and aux FCNHead(1024, 256) on layer3), defined below
  from torchvision's parts: smp's PSPNet is a different network (encoder cut at stride 8, no dilation,
  a 512-channel PSP output, upsampling x8), so it is not used.
- unet-padded: the original U-Net with padded 3x3 convs (1 input channel, 2 classes), defined below
  (no library has the 2015 paper's network: smp's Unet is a ResNet encoder with a different decoder).
- segformer-b0: HF SegformerForSemanticSegmentation(SegformerConfig(mit-b0 sizes, num_labels=150)), the
  stride-4 logits upsampled to the input (segbook's SegFormer does the same).
- swin-t-upernet: HF UperNetForSemanticSegmentation with a Swin-T SwinConfig (num_labels=150); the aux
  head runs only in training, as segbook's SwinUPerNet (HF's forward would run it in eval too).
"""
import argparse
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# MARK: - Models: each returns (module, forward) with forward(x, train) -> (main logits, aux logits or None)

def torchvision_segmentation(name):
    import torchvision
    model = getattr(torchvision.models.segmentation, name)(weights=None, weights_backbone=None, num_classes=21,
                                                           aux_loss=True)

    def forward(x, train):
        out = model(x)
        return out["out"], out.get("aux")
    return model, forward


def smp_deeplabv3plus():
    import segmentation_models_pytorch as smp
    model = smp.DeepLabV3Plus("resnet50", encoder_weights=None, classes=21)
    return model, lambda x, train: (model(x), None)


class FCNHead(nn.Sequential):
    """torchvision's FCNHead with a chosen hidden width: 3x3 conv, BN, ReLU, dropout 0.1, 1x1 classifier."""

    def __init__(self, in_channels, hidden, classes):
        super().__init__(nn.Conv2d(in_channels, hidden, 3, padding=1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(),
                         nn.Dropout(0.1), nn.Conv2d(hidden, classes, 1))


class PyramidPooling(nn.Module):
    def __init__(self, in_channels, reduction, bins=(1, 2, 3, 6)):
        super().__init__()
        self.features = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(in_channels, reduction, 1, bias=False),
                          nn.BatchNorm2d(reduction), nn.ReLU()) for b in bins)

    def forward(self, x):
        size = x.shape[2:]
        return torch.cat([x] + [F.interpolate(f(x), size=size, mode="bilinear", align_corners=True)
                                for f in self.features], dim=1)


class PSPNet(nn.Module):
    """Zhao et al. 2017 as segbook's PSPNet.resnet50 (Sources/SegModels/Architectures/PSPNet.swift)."""

    def __init__(self, classes=21):
        super().__init__()
        import torchvision
        from torchvision.models._utils import IntermediateLayerGetter
        resnet = torchvision.models.resnet50(weights=None, replace_stride_with_dilation=[False, True, True])
        self.backbone = IntermediateLayerGetter(resnet, {"layer3": "aux", "layer4": "out"})
        self.ppm = PyramidPooling(2048, 512)
        self.cls = FCNHead(4096, 512, classes)
        self.aux = FCNHead(1024, 256, classes)

    def forward(self, x):
        size = x.shape[2:]
        features = self.backbone(x)
        main = F.interpolate(self.cls(self.ppm(features["out"])), size=size, mode="bilinear", align_corners=True)
        aux = F.interpolate(self.aux(features["aux"]), size=size, mode="bilinear", align_corners=True)
        return main, aux


def pspnet():
    model = PSPNet()
    return model, lambda x, train: model(x)


class DoubleConv(nn.Sequential):
    def __init__(self, in_channels, out_channels):
        super().__init__(nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(out_channels, out_channels, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    """Ronneberger et al. 2015 with padded convs, as segbook's UNet.padded: widths 64..1024, 4 poolings,
    2x2 up-convolutions, skip concatenated before the up-sampled map, 1x1 classifier."""

    def __init__(self, in_channels=1, classes=2, width=64, depth=4):
        super().__init__()
        widths = [width << i for i in range(depth + 1)]
        self.encoder = nn.ModuleList(DoubleConv(in_channels if i == 0 else widths[i - 1], w) for i, w in enumerate(widths))
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i], widths[i - 1], 2, stride=2) for i in range(depth, 0, -1))
        self.decoder = nn.ModuleList(DoubleConv(2 * widths[i - 1], widths[i - 1]) for i in range(depth, 0, -1))
        self.classifier = nn.Conv2d(width, classes, 1)

    def forward(self, x):
        skips = []
        for i, level in enumerate(self.encoder):
            if i > 0:
                x = F.max_pool2d(x, 2, 2)
            x = level(x)
            skips.append(x)
        for up, conv, skip in zip(self.up, self.decoder, reversed(skips[:-1])):
            x = conv(torch.cat([skip, up(x)], dim=1))
        return self.classifier(x)


def unet_padded():
    model = UNet()
    return model, lambda x, train: (model(x), None)


def segformer_b0():
    from transformers import SegformerConfig, SegformerForSemanticSegmentation
    config = SegformerConfig(hidden_sizes=[32, 64, 160, 256], depths=[2, 2, 2, 2], num_attention_heads=[1, 2, 5, 8],
                             decoder_hidden_size=256, num_labels=150)
    model = SegformerForSemanticSegmentation(config)

    def forward(x, train):
        logits = model(pixel_values=x).logits
        return F.interpolate(logits, size=x.shape[2:], mode="bilinear", align_corners=False), None
    return model, forward


def swin_t_upernet():
    from transformers import SwinConfig, UperNetConfig, UperNetForSemanticSegmentation
    backbone = SwinConfig(image_size=224, embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24], window_size=7,
                          out_features=["stage1", "stage2", "stage3", "stage4"])
    config = UperNetConfig(backbone_config=backbone, num_labels=150, hidden_size=512, auxiliary_in_channels=384,
                           auxiliary_channels=256)
    model = UperNetForSemanticSegmentation(config)

    def forward(x, train):
        # HF's UperNetForSemanticSegmentation.forward, with the aux head only in training.
        features = model.backbone.forward_with_filtered_kwargs(x).feature_maps
        size = x.shape[2:]
        main = F.interpolate(model.decode_head(features), size=size, mode="bilinear", align_corners=False)
        aux = None
        if train and model.auxiliary_head is not None:
            aux = F.interpolate(model.auxiliary_head(features), size=size, mode="bilinear", align_corners=False)
        return main, aux
    return model, forward


# preset: (constructor, classes, input channels, optimizer kind, reference)
PRESETS = {
    "fcn-resnet50": (lambda: torchvision_segmentation("fcn_resnet50"), 21, 3, "sgd",
                     "torchvision fcn_resnet50(num_classes=21, aux_loss=True)"),
    "deeplabv3-resnet50": (lambda: torchvision_segmentation("deeplabv3_resnet50"), 21, 3, "sgd",
                           "torchvision deeplabv3_resnet50(num_classes=21, aux_loss=True)"),
    "deeplabv3plus-resnet50": (smp_deeplabv3plus, 21, 3, "sgd", "smp DeepLabV3Plus('resnet50', classes=21)"),
    "pspnet-resnet50": (pspnet, 21, 3, "sgd", "segbook's PSPNet from torchvision parts (not smp's PSPNet)"),
    "unet-padded": (unet_padded, 2, 1, "sgd", "U-Net (padded), defined here"),
    "segformer-b0": (segformer_b0, 150, 3, "adamw", "HF SegformerForSemanticSegmentation (mit-b0 sizes, 150 labels)"),
    "swin-t-upernet": (swin_t_upernet, 150, 3, "adamw", "HF UperNetForSemanticSegmentation (Swin-T, 150 labels)"),
}


def timings(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes


def set_batchnorm_eval(model):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()


def bench(name, size, batch, forward_batch, threads, warmup, repeats, progress):
    make, classes, channels, optimizer_kind, reference = PRESETS[name]
    torch.manual_seed(0)
    model, forward = make()
    generator = torch.Generator().manual_seed(0)

    x = torch.rand(forward_batch, channels, size, size, generator=generator) * 2 - 1
    model.eval()
    progress(f"{name}: forward {list(x.shape)}, {warmup} warm-up + {repeats} runs")
    with torch.no_grad():
        forward_ms = timings(lambda: forward(x, False), warmup, repeats)

    images = torch.rand(batch, channels, size, size, generator=generator) * 2 - 1
    with torch.no_grad():
        out_shape = forward(images[:1], False)[0].shape
    labels = torch.randint(0, classes, (batch, out_shape[2], out_shape[3]), generator=generator)
    parameters = [p for p in model.parameters() if p.requires_grad]
    if optimizer_kind == "sgd":
        optimizer = torch.optim.SGD(parameters, lr=0.01, momentum=0.9, weight_decay=5e-4)
        optimizer_name = "SGD(lr 0.01, momentum 0.9, wd 0.0005)"
    else:
        optimizer = torch.optim.AdamW(parameters, lr=6e-4, betas=(0.9, 0.999), weight_decay=0.01)
        optimizer_name = "AdamW(lr 0.0006, wd 0.01) + clip 1.0"
    model.train()
    if batch == 1:
        set_batchnorm_eval(model)

    def step():
        optimizer.zero_grad(set_to_none=True)
        main, aux = forward(images, True)
        loss = F.cross_entropy(main, labels, ignore_index=255)
        if aux is not None:
            loss = loss + 0.4 * F.cross_entropy(aux, labels, ignore_index=255)
        loss.backward()
        if optimizer_kind == "adamw":
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    progress(f"{name}: training step {list(images.shape)}, {warmup} warm-up + {repeats} runs")
    train_ms = timings(step, max(warmup, 1), repeats)
    return {
        "preset": name, "size": size, "batch": batch, "forward_batch": forward_batch, "threads": threads,
        "classes": classes, "input_channels": channels, "repeats": repeats,
        "forward_ms": forward_ms, "train_step_ms": train_ms,
        "forward_images_per_s": forward_batch * 1000 / forward_ms["median"],
        "train_images_per_s": batch * 1000 / train_ms["median"],
        "peak_bytes": peak_rss_bytes(), "peak_rss_bytes": peak_rss_bytes(),
        "optimizer": optimizer_name, "train_mode": "train" if batch > 1 else "eval",
        "reference": reference, "torch": torch.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("presets", nargs="+", help="presets: " + ", ".join(PRESETS))
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=2, help="the training step's batch")
    parser.add_argument("--forward-batch", type=int, default=1, help="the inference forward's batch")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print JSON (one object for one preset, else an array)")
    args = parser.parse_args()
    for name in args.presets:
        if name not in PRESETS:
            print(f"bench.py: unknown preset '{name}' (known: {', '.join(PRESETS)})", file=sys.stderr)
            sys.exit(2)
    torch.set_num_threads(args.threads)

    def progress(line):
        print("bench.py: " + line, file=sys.stderr, flush=True)

    results = [bench(name, args.size, args.batch, args.forward_batch, args.threads, args.warmup, args.repeats, progress)
               for name in args.presets]
    if args.json:
        print(json.dumps(results[0] if len(results) == 1 else results, sort_keys=True))
    else:
        for r in results:
            f, t = r["forward_ms"], r["train_step_ms"]
            print(f"{r['preset']:24s} forward {f['median']:9.1f} ms ({f['min']:.1f}-{f['max']:.1f})   "
                  f"train step {t['median']:9.1f} ms ({t['min']:.1f}-{t['max']:.1f})   "
                  f"peak RSS {r['peak_bytes'] / 2**20:7.0f} MiB")


if __name__ == "__main__":
    main()
