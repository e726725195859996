"""netc train against PyTorch autograd on one network of grad_nets.net:
  1. the loss and every variable's gradient on a batch (netc train --gradients);
  2. two SGD-momentum steps (torch.optim.SGD, whose momentum is TF's);
  3. two Adam steps, updated as TF's AdamOptimizer does (epsilon added to
     sqrt(v), bias corrections folded into the learning rate), on PyTorch's
     gradients; plus the moving statistics and the optimizer slots.
Each tensor must match within 1e-4 * max(1, max|reference|).
usage: check_gradients.py NETC FILE.net ENTRY WORKDIR"""
import itertools
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_nets  # noqa: E402

netc, net_file, entry, work = sys.argv[1:5]
os.makedirs(work, exist_ok=True)
BATCH, CLASSES = 4, {"cnn": 5, "resnet": 4}[entry]
failures = []


def run(*args):
    r = subprocess.run([netc, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"netc {' '.join(args)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


def compare(what, got, ref):
    ref = np.asarray(ref, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64).reshape(ref.shape)
    tol = 1e-4 * max(1.0, float(np.abs(ref).max()) if ref.size else 1.0)
    err = float(np.abs(got - ref).max()) if ref.size else 0.0
    status = "ok" if err <= tol else "FAIL"
    print(f"  {status} {what}: max error {err:.3g} (tolerance {tol:.3g})")
    if err > tol:
        failures.append(what)


weights_file = os.path.join(work, "weights.npz")
run("weights", net_file, "--entry", entry, "--random-weights", "3", "-o", weights_file)
weights = dict(np.load(weights_file))
shape = {"cnn": (9, 9, 3), "resnet": (8, 8, 2)}[entry]
rng = np.random.RandomState(5)
images = rng.randn(BATCH, *shape).astype(np.float32)
labels = rng.randint(0, CLASSES, size=BATCH).astype(np.int64)
data = os.path.join(work, "data.npz")
np.savez(data, images=images, labels=labels)


def torch_step(net):
    net.l2 = []  # collected afresh by each forward
    logits, loss = torch_nets.NETWORKS[entry](net, torch.tensor(images, dtype=torch.float64), torch.tensor(labels))
    for v in net.v.values():
        v.grad = None
    loss.backward()
    return loss


trainable = [k for k in weights if not k.endswith(("moving_mean", "moving_variance"))]


def check_gradients(grads):
    print(f"{entry}: loss and gradients of the first step")
    got = dict(np.load(grads))
    net = torch_nets.Net(weights)
    loss = torch_step(net)
    compare("loss", got["loss"], loss.item())
    if sorted(k for k in got if k != "loss") != sorted(trainable):
        failures.append("gradient names")
        print("  FAIL gradient names:", sorted(got), "vs", sorted(trainable))
    for k in trainable:
        compare("d loss / d " + k, got[k], net.v[k].grad.numpy())


LR, MU, B1, B2, EPS = 0.05, 0.9, 0.9, 0.999, 1e-8
for optimizer in ("momentum", "adam"):
    out = os.path.join(work, optimizer + ".npz")
    grads = os.path.join(work, "grads.npz")
    # The batch is the whole data set, so shuffling does not change a step.
    run("train", net_file, "--entry", entry, "--data", data, "--weights", weights_file, "--batch", str(BATCH),
        "--epochs", "2", "--optimizer", optimizer, "--lr", str(LR), "-o", out, "--gradients", grads)
    if optimizer == "momentum":
        check_gradients(grads)
    print(f"{entry}: two {optimizer} steps")
    got = dict(np.load(out))
    net = torch_nets.Net(weights)
    params = [net.v[k] for k in trainable]
    slots = {}
    if optimizer == "momentum":
        opt = torch.optim.SGD(params, lr=LR, momentum=MU)
        for _ in range(2):
            torch_step(net)
            opt.step()
        for k in trainable:
            slots[k + "/Momentum"] = opt.state[net.v[k]]["momentum_buffer"]
    else:
        m = {k: torch.zeros_like(net.v[k]) for k in trainable}
        v = {k: torch.zeros_like(net.v[k]) for k in trainable}
        for t in (1, 2):
            torch_step(net)
            lr_t = LR * np.sqrt(1 - B2 ** t) / (1 - B1 ** t)
            with torch.no_grad():
                for k in trainable:
                    g = net.v[k].grad
                    m[k] = B1 * m[k] + (1 - B1) * g
                    v[k] = B2 * v[k] + (1 - B2) * g * g
                    net.v[k] -= lr_t * m[k] / (v[k].sqrt() + EPS)
        for k in trainable:
            slots[k + "/Adam"], slots[k + "/Adam_1"] = m[k], v[k]
        slots["beta1_power"], slots["beta2_power"] = torch.tensor(B1 ** 3), torch.tensor(B2 ** 3)
    for k in weights:
        compare(k, got[k], net.v[k].detach().numpy())
    for k, ref in slots.items():
        compare(k, got[k], ref.detach().numpy())
    # netc_train/: how far training got (two steps: the epochs of one batch).
    progress = {k: float(got[k]) for k in got if k.startswith("netc_train/") and got[k].size == 1}
    if progress.get("netc_train/global_step") != 2 or progress.get("netc_train/epoch") != 2:
        failures.append("progress")
        print("  FAIL progress", progress)
    extra = {k for k in set(got) - set(weights) - set(slots) if not k.startswith("netc_train/")}
    if extra:
        failures.append("extra tensors")
        print("  FAIL unexpected tensors", sorted(extra))

if entry == "cnn":
    # The last short batch of an epoch is trained on: 6 examples in batches
    # of 4 make two SGD steps, on 4 examples and then on the other 2 (batch
    # norm on their own statistics). Which 4 the shuffle takes, PyTorch tries
    # every way; netc's weights must be those of one of them.
    print(f"{entry}: an epoch of 6 examples in batches of 4")
    x6 = rng.randn(6, *shape).astype(np.float32)
    y6 = rng.randint(0, CLASSES, size=6).astype(np.int64)
    data6, out6 = os.path.join(work, "data6.npz"), os.path.join(work, "short.npz")
    np.savez(data6, images=x6, labels=y6)
    run("train", net_file, "--entry", entry, "--data", data6, "--weights", weights_file, "--batch", "4",
        "--epochs", "1", "--optimizer", "sgd", "--lr", str(LR), "-o", out6)
    got = dict(np.load(out6))
    best = None
    for first in itertools.combinations(range(6), 4):
        net = torch_nets.Net(weights)
        opt = torch.optim.SGD([net.v[k] for k in trainable], lr=LR)
        for part in (list(first), [i for i in range(6) if i not in first]):
            net.l2 = []
            _, loss = torch_nets.NETWORKS[entry](net, torch.tensor(x6[part], dtype=torch.float64), torch.tensor(y6[part]))
            for v in net.v.values():
                v.grad = None
            loss.backward()
            opt.step()
        worst = 0.0
        for k in weights:
            ref = net.v[k].detach().numpy()
            worst = max(worst, float(np.abs(got[k] - ref).max()) / (1e-4 * max(1.0, float(np.abs(ref).max()))))
        best = worst if best is None else min(best, worst)
    status = "ok" if best <= 1 and float(got["netc_train/global_step"]) == 2 else "FAIL"
    print(f"  {status} two steps, the second on 2 examples: closest partition at {best:.3g} of the tolerance, "
          f"{int(got['netc_train/global_step'])} steps")
    if status != "ok":
        failures.append("short last batch")

if failures:
    sys.exit(f"{entry}: {len(failures)} mismatches: {', '.join(failures[:10])}")
print(f"{entry}: all match")
