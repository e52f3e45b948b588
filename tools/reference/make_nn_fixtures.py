#!/usr/bin/env python3
"""Fixtures for SegNN's tests, written with PyTorch and the `safetensors` library.

Run from the repository root:  /work/venv/bin/python tools/reference/make_nn_fixtures.py
Writes Tests/SegNNTests/Fixtures/*.safetensors (small; committed, so CI needs no PyTorch).
"""
import os
import struct
import json

import numpy as np
import torch
import torch.nn as nn
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "SegNNTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)


def path(name):
    return os.path.join(OUT, name)


def dtype_files():
    """One file per element type, with values that are exact in every type."""
    values = np.array([[0.0, 1.0, -2.5, 3.25], [65504.0, -0.125, 6.0e-5, 7.0]], dtype=np.float32)
    save_numpy({"x": values.astype(np.float32)}, path("f32.safetensors"), metadata={"format": "pt", "note": "a \"quoted\" ü"})
    save_numpy({"x": values.astype(np.float16)}, path("f16.safetensors"))
    t = torch.tensor(values)
    save_file({"x": t.to(torch.bfloat16)}, path("bf16.safetensors"))
    save_numpy({"count": np.array(123456789, dtype=np.int64),
                "small": np.array([-3, 0, 7], dtype=np.int32),
                "empty": np.zeros((0, 3), dtype=np.float32)}, path("ints.safetensors"))
    # F16 subnormal, infinity; BF16 values as torch rounds them.
    special = np.array([5.96e-8, -np.inf, np.inf, 1.0e-6], dtype=np.float16)
    save_numpy({"x": special}, path("f16_special.safetensors"))


def optimizer_fixture():
    """A few optimizer steps on loss = mean((x Wᵀ + b − y)²), for SGD and AdamW variants."""
    g = torch.Generator().manual_seed(0)
    w0 = torch.randn(3, 4, generator=g)
    b0 = torch.randn(3, generator=g)
    x = torch.randn(5, 4, generator=g)
    y = torch.randn(5, 3, generator=g)
    tensors = {"w0": w0, "b0": b0, "x": x, "y": y}
    configs = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
        "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=1e-2),
        "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4),
        "sgd_dampening": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.3),
        "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01),
        "adamw_nowd": lambda p: torch.optim.AdamW(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.0),
    }
    steps = 5
    for name, make in configs.items():
        w = w0.clone().requires_grad_(True)
        b = b0.clone().requires_grad_(True)
        opt = make([w, b])
        for step in range(steps):
            opt.zero_grad()
            loss = ((x @ w.T + b - y) ** 2).mean()
            loss.backward()
            opt.step()
            tensors[f"{name}.w.{step}"] = w.detach().clone()
            tensors[f"{name}.b.{step}"] = b.detach().clone()
        for key, value in opt.state[w].items():
            tensors[f"{name}.state.w.{key}"] = value.detach().clone().float().reshape(value.shape)
    save_file(tensors, path("optim.safetensors"))


class TinyNet(nn.Module):
    """conv → bn → relu → maxpool → conv (dilated, grouped) → bn → relu → adaptive avg pool → linear."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
        )
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.pool = nn.AdaptiveAvgPool2d((2, 3))
        self.fc = nn.Linear(4 * 2 * 3, 5)

    def forward(self, x):
        x = self.features(x)
        x = self.up(x)
        x = self.pool(x)
        return self.fc(x.flatten(1))


def tiny_net_fixture():
    torch.manual_seed(0)
    net = TinyNet()
    # Non-trivial running statistics, as after training.
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.num_batches_tracked.fill_(7)
    net.eval()
    x = torch.randn(2, 3, 9, 11)
    with torch.no_grad():
        y = net(x)
    # The state dict as PyTorch writes it (num_batches_tracked stays I64), and the keys in order.
    save_file(net.state_dict(), path("tinynet.safetensors"), metadata={"keys": json.dumps(list(net.state_dict().keys()))})
    save_file({"input": x, "output": y}, path("tinynet_io.safetensors"))

    # A training-mode forward: the batch-norm running statistics after one step.
    net.train()
    x2 = torch.randn(4, 3, 8, 8)
    net(x2)
    save_file({"input": x2,
               "features.1.running_mean": net.features[1].running_mean.clone(),
               "features.1.running_var": net.features[1].running_var.clone(),
               "features.5.running_mean": net.features[5].running_mean.clone(),
               "features.5.running_var": net.features[5].running_var.clone()}, path("tinynet_train.safetensors"))


class MixNet(nn.Module):
    """Tokens → linear → layer norm → GELU → dropout, back to an image → group norm → avg pool →
    bilinear upsample → tanh-GELU → 1×1 conv: the transformer-side layers."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 8)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.act = nn.GELU()
        self.drop = nn.Dropout(0.1)
        self.gn = nn.GroupNorm(2, 8)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.act2 = nn.GELU(approximate="tanh")
        self.head = nn.Conv2d(8, 3, 1)

    def forward(self, x, h, w):
        t = self.drop(self.act(self.norm(self.proj(x))))
        img = t.transpose(1, 2).reshape(x.shape[0], 8, h, w)
        return self.head(self.act2(self.up(self.pool(self.gn(img)))))


def mix_net_fixture():
    torch.manual_seed(1)
    net = MixNet()
    with torch.no_grad():
        for p in [net.norm.weight, net.norm.bias, net.gn.weight, net.gn.bias]:
            p.uniform_(-1, 1)
    net.eval()
    x = torch.randn(2, 5 * 7, 6)
    with torch.no_grad():
        y = net(x, 5, 7)
    tensors = {"input": x, "output": y.contiguous()}
    tensors.update({"weights." + k: v for k, v in net.state_dict().items()})
    save_file(tensors, path("mixnet.safetensors"), metadata={"keys": json.dumps(list(net.state_dict().keys()))})


def init_statistics_fixture():
    """Standard deviations of PyTorch's default init, to compare parameter statistics."""
    torch.manual_seed(0)
    conv = nn.Conv2d(64, 128, 3)
    linear = nn.Linear(512, 256)
    deconv = nn.ConvTranspose2d(64, 32, 4, stride=2)
    stats = {
        "conv.weight.std": conv.weight.std(),
        "conv.bias.absmax": conv.bias.abs().max(),
        "linear.weight.std": linear.weight.std(),
        "deconv.weight.std": deconv.weight.std(),
    }
    save_file({k: v.detach().reshape(1) for k, v in stats.items()}, path("init_stats.safetensors"))


if __name__ == "__main__":
    dtype_files()
    optimizer_fixture()
    tiny_net_fixture()
    mix_net_fixture()
    init_statistics_fixture()
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(path(name)):8d}  {name}")
