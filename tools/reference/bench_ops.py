#!/usr/bin/env python3
"""PyTorch's side of `segbook bench ops`: the same conv2d shapes, thread count and JSON.

    OMP_NUM_THREADS=2 python tools/reference/bench_ops.py --threads 2 --json

Forward runs under torch.no_grad(); backward is the autograd backward of one recorded conv2d
(input and weight gradients, twice the forward FLOPs), as in segbook's benchmark. Each timing is the
median of --repeats runs after two warm-up runs. `peak_gflops` is not measured here (Python cannot
run a register-resident FMA loop); it is null, and `sgemm_gflops` is torch.mm at 1024^3.

Shapes (Sources/SegTensor/Benchmark/BenchOps.swift, `OpsBenchmark.resnet50Layers`): the stride-1
convolutions of torchvision's resnet50 bottleneck stages, per stage the 3x3 (C->C), the 1x1 reduce
(4C->C) and the 1x1 expand (C->4C), C = 64, 128, 256, 512, each at 1xCx64x64 and 1xCx128x128.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

LAYERS = [
    (3, 64, 64), (3, 128, 128), (3, 256, 256), (3, 512, 512),
    (1, 256, 64), (1, 64, 256),
    (1, 512, 128), (1, 128, 512),
    (1, 1024, 256), (1, 256, 1024),
    (1, 2048, 512), (1, 512, 2048),
]
SIZES = [64, 128]


def median_seconds(fn, repeats):
    fn()
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def sgemm_gflops(repeats):
    a = torch.rand(1024, 1024)
    b = torch.rand(1024, 1024)
    s = median_seconds(lambda: torch.mm(a, b), repeats)
    return 2 * 1024 ** 3 / s / 1e9


def measure(kernel, cin, cout, size, repeats):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, cin, size, size, generator=g)
    w = torch.randn(cout, cin, kernel, kernel, generator=g) * 0.05
    pad = kernel // 2
    flops = 2.0 * cout * size * size * cin * kernel * kernel
    name = f"{kernel}x{kernel} {cin}->{cout} 1x{cin}x{size}x{size}"

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, padding=pad)

    xg = x.clone().requires_grad_(True)
    wg = w.clone().requires_grad_(True)
    y = F.conv2d(xg, wg, padding=pad)
    dy = torch.randn_like(y)

    # One recorded forward, then its backward alone, repeatedly (retain_graph keeps the graph):
    # input and weight gradients, as in segbook's "backward".
    def backward():
        torch.autograd.grad(y, (xg, wg), dy, retain_graph=True)

    fwd = median_seconds(forward, repeats)
    bwd = median_seconds(backward, repeats)
    return [
        {"shape": name, "direction": "forward", "gflops": flops / fwd / 1e9, "ms": fwd * 1e3},
        {"shape": name, "direction": "backward", "gflops": 2 * flops / bwd / 1e9, "ms": bwd * 1e3},
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", os.cpu_count())))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    # Warm up the thread pool and oneDNN (mkldnn) before timing anything.
    t = time.perf_counter()
    x = torch.randn(1, 64, 32, 32)
    w = torch.randn(64, 64, 3, 3)
    while time.perf_counter() - t < 0.3:
        with torch.no_grad():
            F.conv2d(x, w, padding=1)

    sgemm = sgemm_gflops(args.repeats)
    results = []
    for size in SIZES:
        for kernel, cin, cout in LAYERS:
            for r in measure(kernel, cin, cout, size, args.repeats):
                results.append(r)
                if not args.json:
                    print(f"{r['shape']:26}{r['direction']:10}{r['ms']:10.3f}{r['gflops']:10.1f}", flush=True)
    report = {"peak_gflops": None, "sgemm_gflops": sgemm, "conv2d": results}
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        print(f"torch {torch.__version__}, {args.threads} threads, sgemm {sgemm:.1f} GFLOP/s", file=sys.stderr)


if __name__ == "__main__":
    main()
