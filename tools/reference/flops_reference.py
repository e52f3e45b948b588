"""fvcore's FLOP counts for the torchvision models our convolutional presets reproduce.

Run: /work/venv/bin/python tools/reference/flops_reference.py
The figures are copied into Tests/SegLabTests/ProfileReferenceTests.swift.

fvcore's units differ per operator (its "flop" is one multiply-add for convolutions):
- aten::convolution: MACs                       -> our conv `macs`
- aten::batch_norm (eval, affine): 2 per element -> our batch-norm `flops`
- aten::upsample_bilinear2d: 4 per output        -> our bilinear `macs`
- aten::adaptive_avg_pool2d: 1 per input element -> our adaptive-pool `flops`
The auxiliary heads are kept (aux_loss=True), as in our presets, whose forward computes them too.
"""
import json

import torch
import torchvision
from fvcore.nn import FlopCountAnalysis

MODELS = {
    "fcn-resnet50": lambda: torchvision.models.segmentation.fcn_resnet50(
        weights=None, weights_backbone=None, num_classes=21, aux_loss=True),
    "deeplabv3-resnet50": lambda: torchvision.models.segmentation.deeplabv3_resnet50(
        weights=None, weights_backbone=None, num_classes=21, aux_loss=True),
}

def main():
    torch.manual_seed(0)
    out = {}
    for name, make in MODELS.items():
        model = make().eval()
        x = torch.zeros(1, 3, 256, 256)
        with torch.no_grad():
            analysis = FlopCountAnalysis(model, x)
            analysis.unsupported_ops_warnings(False)
            analysis.uncalled_modules_warnings(False)
            by_op = {k: int(v) for k, v in analysis.by_operator().items()}
        out[name] = {"input": [1, 3, 256, 256], "total": int(analysis.total()), "by_operator": by_op,
                     "params": sum(p.numel() for p in model.parameters())}
    print(json.dumps(out, indent=1, sort_keys=True))

if __name__ == "__main__":
    main()
