"""PyTorch peer for bench/compare.sh: torchvision resnet50 (the same 8.2
GFLOP per image as resnet_v2_50), random weights, TorchScript-frozen for
inference as PyTorch's own guide advises, the reference protocol (burn-in,
then timed steps). Prints one line: `torch MEAN SD` (seconds per batch).
Run with Debian's /usr/bin/python3 (python3-torch)."""
import argparse
import time

import numpy as np
import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=1)
p.add_argument("--steps", type=int, default=100)
p.add_argument("--burn-in", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
model = torchvision.models.resnet50().eval()
x = torch.randn(a.batch, 3, 224, 224).contiguous(memory_format=torch.channels_last)
model = model.to(memory_format=torch.channels_last)
with torch.no_grad():
    traced = torch.jit.optimize_for_inference(torch.jit.trace(model, x))
    for _ in range(a.burn_in):
        traced(x)
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        traced(x)
        times.append(time.perf_counter() - t0)
print("torch %.6f %.6f" % (np.mean(times), np.std(times)))
