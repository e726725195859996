"""A 20-step training run of grad_nets.net's `resnet` (batch norm in training
mode, a residual add, L2 weight decay) by netc train against PyTorch's:
the same initial weights, the same batches in the same order (netc train
--no-shuffle; 20 examples in batches of 6, so each epoch ends with a short
batch of 2), Adam at lr 1e-3 (torch.optim.Adam itself on autograd's
gradients, in float64). Each step's loss (netc train --log-steps) must equal
PyTorch's within 1e-3 relative, and the losses must have moved (the run
trained).
usage: check_trajectory.py NETC WORKDIR"""
import csv
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_nets  # noqa: E402

netc, work = sys.argv[1:3]
os.makedirs(work, exist_ok=True)
net_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grad_nets.net")
EXAMPLES, BATCH, STEPS, LR, CLASSES = 20, 6, 20, 1e-3, 4


def run(*args):
    r = subprocess.run([netc, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"netc {' '.join(args)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")


weights_file, data, log, out = (os.path.join(work, f) for f in ("weights.npz", "data.npz", "steps.csv", "out.npz"))
for f in (log, out):
    if os.path.exists(f):
        os.remove(f)
run("weights", net_file, "--entry", "resnet", "--random-weights", "11", "-o", weights_file)
weights = dict(np.load(weights_file))
rng = np.random.RandomState(13)
images = rng.randn(EXAMPLES, 8, 8, 2).astype(np.float32)
labels = rng.randint(0, CLASSES, size=EXAMPLES).astype(np.int64)
np.savez(data, images=images, labels=labels)
epochs = -(-STEPS // -(-EXAMPLES // BATCH))
run("train", net_file, "--entry", "resnet", "--data", data, "--weights", weights_file, "--batch", str(BATCH),
    "--epochs", str(epochs), "--steps", str(STEPS), "--optimizer", "adam", "--lr", str(LR), "--no-shuffle",
    "--log-steps", log, "-o", out)
with open(log) as f:
    rows = list(csv.DictReader(f))
netc_losses = [float(r["loss"]) for r in rows]
if [int(r["step"]) for r in rows] != list(range(1, STEPS + 1)):
    sys.exit(f"--log-steps wrote steps {[r['step'] for r in rows]}, want 1..{STEPS}")

net = torch_nets.Net(weights)
trainable = [k for k in weights if not k.endswith(("moving_mean", "moving_variance"))]
opt = torch.optim.Adam([net.v[k] for k in trainable], lr=LR, betas=(0.9, 0.999), eps=1e-8)
torch_losses = []
starts = list(range(0, EXAMPLES, BATCH))
for step in range(STEPS):
    at = starts[step % len(starts)]
    part = slice(at, min(at + BATCH, EXAMPLES))
    net.l2 = []
    _, loss = torch_nets.resnet(net, torch.tensor(images[part], dtype=torch.float64), torch.tensor(labels[part]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    torch_losses.append(loss.item())

worst = 0.0
print("step  netc loss            PyTorch loss         relative difference")
for i, (a, b) in enumerate(zip(netc_losses, torch_losses)):
    rel = abs(a - b) / abs(b)
    worst = max(worst, rel) if rel == rel else float("inf")
    print(f"{i + 1:4d}  {a:.15f}  {b:.15f}  {rel:.3g}")
first_epoch, last_epoch = np.mean(torch_losses[:len(starts)]), np.mean(torch_losses[-len(starts):])
print(f"largest relative difference {worst:.3g} (tolerance 1e-3); PyTorch's mean loss per epoch "
      f"{first_epoch:.4f} -> {last_epoch:.4f}")
if not worst <= 1e-3:
    sys.exit("the loss curves differ")
if not last_epoch < first_epoch - 1e-3:
    sys.exit("the loss did not go down: the run did not train")
print("trajectory: netc train's 20 losses match PyTorch's")
