#!/usr/bin/python3
"""Forward-backward-update time of resnet_v2_50 in training mode: `netc
train` on random data against PyTorch (bench/twins.py's ResNetV2, SGD) in
the same run, each at --threads threads, alternating so that machine load
hits both alike. Prints seconds per step (the first step, which compiles
or warms up, untimed) and netc/torch.

usage: bench/train_step.py NETC [--batch 1 8] [--steps 4] [--repeat 2]
(netc train reports the seconds after the first step to 0.1 s: give batch 1
steps enough, e.g. --steps 11, for two digits.)
With NETC_TRAIN_PROFILE=1 in the environment netc also prints its per-kernel
times (stderr).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def netc_step(netc, data, batch, steps, threads, out):
    env = dict(os.environ, HL_NUM_THREADS=str(threads))
    r = subprocess.run([netc, "train", os.path.join(here, "train_resnet_v2_50.net"), "--entry",
                        "resnet_v2_50_train", "--data", data, "--batch", str(batch), "--steps", str(steps),
                        "--optimizer", "sgd", "--lr", "1e-4", "--random-weights", "1", "-o", out],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"netc train failed:\n{r.stdout}\n{r.stderr}")
    if r.stderr.strip() and os.environ.get("NETC_TRAIN_PROFILE"):
        print(r.stderr, file=sys.stderr)
    m = re.search(r"\(([0-9.]+) s after the first step\)", r.stdout)
    return float(m.group(1)) / (steps - 1)


def torch_step(batch, steps, threads):
    import torch
    sys.path.insert(0, here)
    import twins
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = twins.resnet_v2_50().train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    x = torch.randn(batch, 3, 224, 224)
    y = torch.randint(0, 1000, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return sum(times[1:]) / (steps - 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("netc")
    p.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-torch", action="store_true")
    a = p.parse_args()
    if a.steps < 2:
        p.error("--steps must be at least 2 (the first is not timed)")
    with tempfile.TemporaryDirectory() as tmp:
        for batch in a.batch:
            data = os.path.join(tmp, f"b{batch}.npz")
            rng = np.random.default_rng(1)
            np.savez(data, images=rng.standard_normal((batch * a.steps, 224, 224, 3), dtype=np.float32),
                     labels=rng.integers(0, 1000, batch * a.steps).astype(np.int32))
            for rep in range(a.repeat):
                load = open("/proc/loadavg").read().split()[0]
                n = netc_step(a.netc, data, batch, a.steps, a.threads, os.path.join(tmp, "out.npz"))
                t = None if a.no_torch else torch_step(batch, a.steps, a.threads)
                ratio = f"  netc/torch {n / t:.2f}" if t else ""
                tt = f"  torch {t:.3f} s/step" if t else ""
                print(f"batch {batch} rep {rep + 1} (load {load}): netc {n:.3f} s/step{tt}{ratio}", flush=True)


if __name__ == "__main__":
    main()
