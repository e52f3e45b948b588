#!/usr/bin/env python3
"""segbook's engine next to PyTorch on the same presets, shapes and threads (issue 11).

    /work/venv/bin/python tools/reference/bench_compare.py --size 256 --batch 2 --threads 2

Runs, per preset and each in its own process (so each peak RSS is that preset's), our
`.build/release/segbook bench PRESET ... --json` and then tools/reference/bench.py with the same
arguments under this Python (which needs torch, torchvision, transformers, segmentation-models-pytorch,
timm), and prints one Markdown table: medians of forward (batch --forward-batch) and training step
(batch --batch), ratios ours / PyTorch (below 1: we are faster), our peak engine memory during the step
next to PyTorch's peak RSS, and our forward's GFLOP/s as a share of the CPU's measured FP32 peak.
--json-out writes both sides' raw JSON. --wait-quiet waits (up to 20 minutes) for a 1-minute load
average under 0.7 and no `chapter`/`swift-frontend` processes before timing (between presets: for
no such processes). --rounds N alternates the two sides N times per preset and reports the median
of the rounds' medians: on a shared machine the load drifts over minutes, and one round each can
put one side in a quiet minute and the other in a busy one.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_PRESETS = ["fcn-resnet50", "deeplabv3-resnet50", "deeplabv3plus-resnet50", "pspnet-resnet50", "unet-padded",
                   "segformer-b0", "swin-t-upernet"]


def busy_reason(check_load):
    load = float(open("/proc/loadavg").read().split()[0])
    if check_load and load >= 0.7:
        return f"load average {load:.2f}"
    ps = subprocess.run(["ps", "-eo", "comm="], capture_output=True, text=True).stdout.split()
    others = [p for p in ps if p.startswith("chapter") or p == "swift-frontend"]
    return f"running: {', '.join(sorted(set(others)))}" if others else None


def wait_quiet(check_load, minutes=20):
    """Before the first preset: load and processes; between presets only the processes (the load
    average then still counts our own runs)."""
    deadline = time.time() + 60 * minutes
    while (reason := busy_reason(check_load)) is not None:
        if time.time() > deadline:
            print(f"bench_compare: still busy after {minutes} min ({reason}); timing anyway", file=sys.stderr)
            return
        print(f"bench_compare: machine busy ({reason}); waiting 60 s", file=sys.stderr, flush=True)
        time.sleep(60)


def run_json(command):
    print("bench_compare: " + " ".join(command), file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_compare: {command[0]} exited {done.returncode}")
    return json.loads(done.stdout)


def merge_rounds(results):
    """One result from several rounds of the same side: times are the median of the rounds' medians
    (min of mins, max of maxes), memory the largest peak; the rounds' medians are kept."""
    merged = dict(results[-1])
    for key in ("forward_ms", "train_step_ms"):
        medians = [r[key]["median"] for r in results]
        merged[key] = {"median": statistics.median(medians), "min": min(r[key]["min"] for r in results),
                       "max": max(r[key]["max"] for r in results), "round_medians": medians}
    for key in ("peak_bytes", "peak_rss_bytes"):
        if key in merged:
            merged[key] = max(r[key] for r in results)
    if "forward_flops" in merged:
        merged["forward_gflops_per_s"] = merged["forward_flops"] / merged["forward_ms"]["median"] / 1e6
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("presets", nargs="*", default=DEFAULT_PRESETS)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--forward-batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--segbook", default=os.path.join(ROOT, ".build/release/segbook"))
    parser.add_argument("--json-out", help="write both sides' JSON here")
    parser.add_argument("--wait-quiet", action="store_true", help="wait for an idle machine before timing")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate ours and PyTorch this many times per preset and report the median of the "
                             "rounds' medians (a shared machine's load drifts over minutes: rounds see both sides under it)")
    args = parser.parse_args()

    shared = ["--size", str(args.size), "--batch", str(args.batch), "--forward-batch", str(args.forward_batch),
              "--threads", str(args.threads), "--repeats", str(args.repeats), "--warmup", str(args.warmup), "--json"]
    environment_note = f"OMP_NUM_THREADS={args.threads}"
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    rows = []
    for index, preset in enumerate(args.presets):
        if args.wait_quiet:
            wait_quiet(check_load=index == 0)
        ours_rounds, theirs_rounds = [], []
        for _ in range(max(1, args.rounds)):
            ours_rounds.append(run_json([args.segbook, "bench", preset] + shared))
            theirs_rounds.append(run_json([sys.executable, os.path.join(ROOT, "tools/reference/bench.py"), preset] + shared))
        rows.append((preset, merge_rounds(ours_rounds), merge_rounds(theirs_rounds)))

    rounds = f", median of {args.rounds} alternating rounds" if args.rounds > 1 else ""
    print(f"{args.threads} threads ({environment_note}), forward at {args.forward_batch}×C×{args.size}×{args.size}, "
          f"training step at {args.batch}×C×{args.size}×{args.size}; medians of {args.repeats} runs after "
          f"{args.warmup} warm-up{rounds}; ratio = ours / PyTorch (below 1: ours is faster); torch {rows[0][2].get('torch', '?')}")
    print()
    print("| preset | ours fwd ms | PyTorch fwd ms | ratio | ours train ms | PyTorch train ms | ratio "
          "| ours peak MiB (engine) | ours peak RSS MiB | PyTorch peak RSS MiB | ours GFLOP/s | % of peak |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for preset, ours, theirs in rows:
        of, tf = ours["forward_ms"]["median"], theirs["forward_ms"]["median"]
        ot, tt = ours["train_step_ms"]["median"], theirs["train_step_ms"]["median"]
        peak = ours.get("peak_gflops_per_s")
        share = f"{100 * ours['forward_gflops_per_s'] / peak:.0f}%" if peak else "–"
        print(f"| {preset} | {of:.1f} | {tf:.1f} | {of / tf:.2f} | {ot:.1f} | {tt:.1f} | {ot / tt:.2f} "
              f"| {ours['peak_bytes'] / 2**20:.0f} | {ours['peak_rss_bytes'] / 2**20:.0f} | {theirs['peak_bytes'] / 2**20:.0f} "
              f"| {ours['forward_gflops_per_s']:.1f} | {share} |")
    if rows and rows[0][1].get("peak_gflops_per_s"):
        print()
        print(f"CPU FP32 FMA peak (measured by segbook, {args.threads} threads): "
              f"{rows[0][1]['peak_gflops_per_s']:.1f} GFLOP/s")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump([{"preset": p, "ours": o, "pytorch": t} for p, o, t in rows], f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
