#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for SegTensor's ops into Tests/SegTensorTests/Fixtures/.

Each file holds cases: inputs, params, outputs, the upstream gradient used for backward
(loss = sum(output * upstream)) and the gradients of the inputs. Run with PyTorch installed:
    python tools/reference/make_op_fixtures.py
CI does not run this; the tests read only the committed JSON files.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "SegTensorTests", "Fixtures")


def enc(t):
    t = t.detach().contiguous().float()
    return {"shape": list(t.shape), "data": [float(f"{v:.9g}") for v in t.flatten().tolist()]}


def distinct(*shape):
    """Values with no ties (max pooling must not depend on tie-breaking)."""
    n = 1
    for s in shape:
        n *= s
    return (torch.randperm(n).float() * 0.1 - n * 0.05).reshape(shape)


def case(name, op, params, inputs, fn, grad_inputs=None):
    """inputs: name -> tensor. fn(**tensors) -> output tensor or tuple (first is differentiated)."""
    grad_inputs = list(inputs) if grad_inputs is None else grad_inputs
    leaves = {k: v.clone().requires_grad_(k in grad_inputs) for k, v in inputs.items()}
    out = fn(**leaves)
    outs = out if isinstance(out, tuple) else (out,)
    upstream = torch.randn(outs[0].shape)
    if grad_inputs:
        (outs[0] * upstream).sum().backward()
    return {
        "name": name,
        "op": op,
        "params": {k: (v if isinstance(v, list) else [v]) for k, v in params.items()},
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "outputs": {f"out{i}": enc(o) for i, o in enumerate(outs)},
        "upstream": enc(upstream),
        "grads": {k: enc(leaves[k].grad) for k in grad_inputs},
    }


def conv_cases():
    cs = []
    for name, x, w, b, st, pad, dil, g in [
        ("basic 3x3 pad 1 with bias", (2, 3, 7, 6), (4, 3, 3, 3), True, [1, 1], [1, 1], [1, 1], 1),
        ("asymmetric stride, padding, dilation", (1, 3, 9, 8), (2, 3, 3, 2), True, [2, 1], [1, 2], [2, 1], 1),
        ("groups 2 with dilation 2", (1, 4, 9, 9), (6, 2, 3, 3), False, [1, 1], [2, 2], [2, 2], 2),
        ("depthwise stride 2", (1, 4, 6, 7), (4, 1, 3, 3), True, [2, 2], [1, 1], [1, 1], 4),
        ("pointwise 1x1", (2, 5, 4, 4), (3, 5, 1, 1), False, [1, 1], [0, 0], [1, 1], 1),
        ("strided 1x1 (ResNet downsample)", (1, 4, 7, 7), (6, 4, 1, 1), False, [2, 2], [0, 0], [1, 1], 1),
    ]:
        inputs = {"x": torch.randn(x), "weight": torch.randn(w) * 0.3}
        if b:
            inputs["bias"] = torch.randn(w[0])
        cs.append(case(name, "conv2d", {"stride": st, "padding": pad, "dilation": dil, "groups": g}, inputs,
                       lambda x, weight, bias=None: F.conv2d(x, weight, bias, st, pad, dil, g)))
    for name, x, w, b, st, pad, op, dil, g in [
        ("stride 2 output_padding 1 with bias", (1, 4, 3, 3), (4, 2, 3, 3), True, [2, 2], [1, 1], [1, 1], [1, 1], 1),
        ("groups 2 kernel 2 stride 2", (2, 4, 4, 3), (4, 3, 2, 2), False, [2, 2], [0, 0], [0, 0], [1, 1], 2),
        ("dilation 2 padding 1", (1, 2, 4, 4), (2, 3, 3, 3), True, [1, 1], [1, 1], [0, 0], [2, 2], 1),
        ("asymmetric stride and output_padding", (1, 3, 3, 4), (3, 2, 3, 3), False, [2, 3], [1, 0], [1, 2], [1, 1], 1),
    ]:
        inputs = {"x": torch.randn(x), "weight": torch.randn(w) * 0.3}
        if b:
            inputs["bias"] = torch.randn(w[1] * g)
        cs.append(case(name, "conv_transpose2d", {"stride": st, "padding": pad, "output_padding": op, "dilation": dil, "groups": g},
                       inputs, lambda x, weight, bias=None: F.conv_transpose2d(x, weight, bias, st, pad, op, g, dil)))
    return cs


def pool_cases():
    cs = []
    for name, x, k, st, pad, dil, ceil in [
        ("3x3 stride 2 pad 1", (1, 2, 7, 7), [3, 3], [2, 2], [1, 1], [1, 1], False),
        ("ceil_mode", (1, 2, 6, 6), [3, 3], [2, 2], [0, 0], [1, 1], True),
        ("ceil_mode with padding, last window clipped", (2, 1, 7, 8), [2, 2], [2, 2], [1, 1], [1, 1], True),
        ("dilation 2", (1, 1, 8, 8), [2, 2], [1, 1], [0, 0], [2, 2], False),
        ("2x2 stride 2 (VGG)", (1, 3, 6, 5), [2, 2], [2, 2], [0, 0], [1, 1], False),
    ]:
        cs.append(case(name, "max_pool2d", {"kernel": k, "stride": st, "padding": pad, "dilation": dil, "ceil_mode": int(ceil)},
                       {"x": distinct(*x)},
                       lambda x: F.max_pool2d(x, k, st, pad, dil, ceil_mode=ceil, return_indices=True)))
    # Unpooling (SegNet): indices from PyTorch's own pooling, to an odd output size.
    for name, x, size in [("to odd size 7x7", (1, 2, 7, 7), [7, 7]), ("default size", (2, 1, 6, 4), None)]:
        _, idx = F.max_pool2d(distinct(*x), 2, 2, return_indices=True)
        vals = torch.randn(idx.shape)
        params = {"kernel": [2, 2], "stride": [2, 2]}
        if size:
            params["output_size"] = size
        c = case(name, "max_unpool2d", params, {"x": vals, "indices": idx.float()},
                 lambda x, indices: F.max_unpool2d(x, indices.long(), 2, 2, output_size=size), grad_inputs=["x"])
        cs.append(c)
    for name, x, k, st, pad, ceil, cip in [
        ("3x3 stride 2 pad 1 count_include_pad", (1, 2, 7, 6), [3, 3], [2, 2], [1, 1], False, True),
        ("3x3 stride 2 pad 1 exclude pad, ceil_mode", (1, 2, 7, 6), [3, 3], [2, 2], [1, 1], True, False),
        ("ceil_mode count_include_pad clipped window", (1, 1, 5, 5), [2, 2], [2, 2], [1, 1], True, True),
        ("2x2", (2, 1, 4, 6), [2, 2], [2, 2], [0, 0], False, True),
    ]:
        cs.append(case(name, "avg_pool2d", {"kernel": k, "stride": st, "padding": pad, "ceil_mode": int(ceil), "count_include_pad": int(cip)},
                       {"x": torch.randn(x)}, lambda x: F.avg_pool2d(x, k, st, pad, ceil, cip)))
    for name, x, size in [("7x5 to 3x2", (1, 2, 7, 5), [3, 2]), ("5x5 to 4x4 (overlapping bins)", (1, 1, 5, 5), [4, 4]),
                          ("global", (2, 3, 4, 5), [1, 1]), ("6x6 to 1,2,3,6 (PSPNet bin 3)", (1, 1, 6, 6), [3, 3]),
                          ("upsampling 3x2 to 5x4", (1, 1, 3, 2), [5, 4])]:
        cs.append(case(name, "adaptive_avg_pool2d", {"output_size": size}, {"x": torch.randn(x)},
                       lambda x: F.adaptive_avg_pool2d(x, size)))
    return cs


def resize_cases():
    cs = []
    for mode in ["nearest", "bilinear", "bicubic"]:
        for ac in ([None] if mode == "nearest" else [False, True]):
            for x, size in [((1, 2, 3, 4), [7, 5]), ((1, 1, 8, 8), [3, 5]), ((2, 1, 4, 4), [8, 8]), ((1, 1, 5, 5), [1, 3])]:
                params = {"size": size, "mode": ["nearest", "bilinear", "bicubic"].index(mode)}
                if ac is not None:
                    params["align_corners"] = int(ac)
                cs.append(case(f"{mode} align_corners={ac} {list(x[2:])} to {size}", "interpolate", params, {"x": torch.randn(x)},
                               lambda x: F.interpolate(x, size=size, mode=mode, align_corners=ac)))
    return cs


def norm_cases():
    cs = []
    x = torch.randn(3, 4, 3, 2) * 2 + 1
    rm, rv = torch.randn(4) * 0.1, torch.rand(4) + 0.5
    w, b = torch.randn(4), torch.randn(4)
    for training in [True, False]:
        rmc, rvc = rm.clone(), rv.clone()
        c = case(f"batch_norm training={training}", "batch_norm", {"training": int(training), "momentum": 0.1, "eps": 1e-5},
                 {"x": x, "weight": w, "bias": b, "running_mean": rm, "running_var": rv},
                 lambda x, weight, bias, running_mean, running_var: F.batch_norm(x, rmc, rvc, weight, bias, training, 0.1, 1e-5),
                 grad_inputs=["x", "weight", "bias"])
        c["outputs"]["running_mean"] = enc(rmc)
        c["outputs"]["running_var"] = enc(rvc)
        cs.append(c)
    x = torch.randn(2, 3, 8)
    cs.append(case("layer_norm last axis", "layer_norm", {"normalized_shape": [8], "eps": 1e-5},
                   {"x": x, "weight": torch.randn(8), "bias": torch.randn(8)},
                   lambda x, weight, bias: F.layer_norm(x, [8], weight, bias, 1e-5)))
    cs.append(case("group_norm 2 groups", "group_norm", {"groups": 2, "eps": 1e-5},
                   {"x": torch.randn(2, 6, 3, 3), "weight": torch.randn(6), "bias": torch.randn(6)},
                   lambda x, weight, bias: F.group_norm(x, 2, weight, bias, 1e-5)))
    return cs


def misc_cases():
    cs = []
    x = torch.randn(3, 5) * 2
    for name, fn in [("gelu", lambda x: F.gelu(x)), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
                     ("softplus", lambda x: F.softplus(x)), ("sigmoid", lambda x: torch.sigmoid(x)), ("tanh", lambda x: torch.tanh(x)),
                     ("silu", lambda x: F.silu(x)),
                     ("leaky_relu", lambda x: F.leaky_relu(x, 0.2)), ("softmax", lambda x: F.softmax(x, 1)),
                     ("log_softmax", lambda x: F.log_softmax(x, 0))]:
        cs.append(case(name, name, {}, {"x": x}, fn))
    cs.append(case("variance unbiased axes 0,2", "var", {"axes": [0, 2], "unbiased": 1}, {"x": torch.randn(3, 2, 4)},
                   lambda x: torch.var(x, dim=(0, 2), unbiased=True)))
    cs.append(case("roll (Swin shift)", "roll", {"shifts": [-2, 3], "axes": [1, 2]}, {"x": torch.randn(1, 5, 6, 2)},
                   lambda x: torch.roll(x, (-2, 3), (1, 2))))
    cs.append(case("reflect pad", "pad_reflect", {"pad": [2, 1, 1, 2]}, {"x": torch.randn(1, 2, 4, 5)},
                   lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect")))
    cs.append(case("batched matmul with broadcast", "matmul", {}, {"a": torch.randn(2, 1, 3, 4), "b": torch.randn(3, 4, 5)},
                   lambda a, b: a @ b))
    cs.append(case("linear", "linear", {}, {"x": torch.randn(2, 3, 4), "weight": torch.randn(5, 4), "bias": torch.randn(5)},
                   lambda x, weight, bias: F.linear(x, weight, bias)))
    cs.append(case("attention with additive bias", "attention", {},
                   {"q": torch.randn(2, 2, 4, 8), "k": torch.randn(2, 2, 5, 8), "v": torch.randn(2, 2, 5, 3), "bias": torch.randn(2, 1, 4, 5)},
                   lambda q, k, v, bias: F.scaled_dot_product_attention(q, k, v, attn_mask=bias)))
    return cs


def elementwise_cases():
    """Arithmetic with broadcasting, unary functions, reductions and layout ops."""
    cs = []
    a, b = torch.randn(2, 3, 4), torch.randn(3, 1)
    pos = torch.rand(2, 3, 4) + 0.5
    away = torch.randn(2, 3, 4)
    away = away + away.sign() * 0.1
    for name, inputs, fn in [
        ("add", {"a": a, "b": b}, lambda a, b: a + b),
        ("sub", {"a": a, "b": b}, lambda a, b: a - b),
        ("mul", {"a": a, "b": b}, lambda a, b: a * b),
        ("div", {"a": a, "b": b + b.sign() * 0.5}, lambda a, b: a / b),
        ("maximum", {"a": a, "b": b}, lambda a, b: torch.maximum(a, b)),
        ("minimum", {"a": a, "b": b}, lambda a, b: torch.minimum(a, b)),
        ("pow_tensor", {"a": pos, "b": torch.randn(4)}, lambda a, b: torch.pow(a, b)),
        ("pow_scalar", {"x": pos}, lambda x: torch.pow(x, 2.5)),
        ("exp", {"x": a}, lambda x: torch.exp(x)),
        ("log", {"x": pos}, lambda x: torch.log(x)),
        ("sqrt", {"x": pos}, lambda x: torch.sqrt(x)),
        ("rsqrt", {"x": pos}, lambda x: torch.rsqrt(x)),
        ("abs", {"x": away}, lambda x: torch.abs(x)),
        ("neg", {"x": a}, lambda x: -x),
        ("relu", {"x": away}, lambda x: torch.relu(x)),
        ("clamp", {"x": away}, lambda x: torch.clamp(x, -0.5, 0.7)),
        ("where", {"a": a, "b": b, "mask": (torch.randn(2, 1, 4) > 0).float()}, None),
        ("sum_axes", {"x": a}, lambda x: x.sum(dim=(0, 2))),
        ("mean_keepdim", {"x": a}, lambda x: x.mean(dim=1, keepdim=True)),
        ("amax", {"x": a}, lambda x: torch.amax(x, dim=(1,))),
        ("amin", {"x": a}, lambda x: torch.amin(x, dim=(0, 2))),
        ("logsumexp", {"x": a}, lambda x: torch.logsumexp(x, dim=2)),
        ("var_biased", {"x": a}, lambda x: torch.var(x, dim=1, unbiased=False, keepdim=True)),
        ("permute", {"x": a}, lambda x: x.permute(2, 0, 1)),
        ("slice_step", {"x": torch.randn(3, 7, 2)}, lambda x: x[:, 1:6:2]),
        ("flip", {"x": a}, lambda x: torch.flip(x, [1])),
        ("concat", {"a": a, "b": torch.randn(2, 1, 4)}, lambda a, b: torch.cat([a, b, a], 1)),
        ("stack", {"a": a, "b": torch.randn(2, 3, 4)}, lambda a, b: torch.stack([a, b], 2)),
        ("pad_constant", {"x": torch.randn(1, 2, 3, 4)}, lambda x: F.pad(x, (2, 1, 0, 3), value=1.5)),
        ("pad_replicate", {"x": torch.randn(1, 2, 3, 4)}, lambda x: F.pad(x, (2, 1, 1, 3), mode="replicate")),
        ("expand", {"x": torch.randn(3, 1)}, lambda x: x.expand(2, 3, 4)),
        ("normalize", {"x": a}, lambda x: F.normalize(x, dim=1)),
        ("gather", {"x": torch.randn(2, 3, 2, 2), "indices": torch.randint(0, 3, (2, 1, 2, 2)).float()}, None),
        ("index_select", {"x": torch.randn(4, 3)}, lambda x: torch.index_select(x, 0, torch.tensor([3, 0, 3, 1]))),
        ("matmul_transposed", {"a": torch.randn(2, 4, 3), "b": torch.randn(2, 5, 4)}, lambda a, b: a.transpose(-1, -2) @ b.transpose(-1, -2)),
        ("softplus_large", {"x": torch.tensor([-30.0, -1.0, 0.0, 19.0, 21.0, 40.0])}, lambda x: F.softplus(x)),
    ]:
        if name == "where":
            fn = lambda a, b, mask: torch.where(mask.bool(), a, b)
            cs.append(case(name, name, {}, inputs, fn, grad_inputs=["a", "b"]))
        elif name == "gather":
            fn = lambda x, indices: torch.gather(x, 1, indices.long())
            cs.append(case(name, name, {}, inputs, fn, grad_inputs=["x"]))
        else:
            cs.append(case(name, name, {}, inputs, fn))
    # Fused cross-entropy: segmentation maps with an ignore index and class weights.
    logits = torch.randn(2, 4, 3, 5)
    labels = torch.randint(0, 4, (2, 3, 5))
    labels[0, 1, 2] = 255
    labels[1, 0, :2] = 255
    cw = torch.rand(4) + 0.5
    for name, red, weighted in [("cross_entropy mean ignore 255", "mean", False), ("cross_entropy mean weighted", "mean", True),
                                ("cross_entropy sum", "sum", False), ("cross_entropy none weighted", "none", True)]:
        params = {"reduction": ["mean", "sum", "none"].index(red), "ignore_index": 255}
        inputs = {"x": logits, "labels": labels.float()}
        if weighted:
            inputs["weight"] = cw
        cs.append(case(name, "cross_entropy", params, inputs,
                       lambda x, labels, weight=None: F.cross_entropy(x, labels.long(), weight=weight, ignore_index=255, reduction=red),
                       grad_inputs=["x"]))
    cs.append(case("cross_entropy [N, C]", "cross_entropy", {"reduction": 0, "ignore_index": -100},
                   {"x": torch.randn(5, 3), "labels": torch.tensor([0, 2, 1, 1, 0]).float()},
                   lambda x, labels: F.cross_entropy(x, labels.long()), grad_inputs=["x"]))
    return cs


def main():
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for fname, cases in [("conv.json", conv_cases()), ("pool.json", pool_cases()), ("resize.json", resize_cases()),
                         ("norm.json", norm_cases()), ("misc.json", misc_cases()),
                         ("elementwise.json", elementwise_cases())]:
        path = os.path.join(OUT, fname)
        with open(path, "w") as f:
            json.dump({"generator": f"torch {torch.__version__}", "cases": cases}, f, separators=(",", ":"))
        size = os.path.getsize(path)
        total += size
        print(f"{fname}: {len(cases)} cases, {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
