"""netc train's loss and gradients of a stdlib network in training mode
against the framework that is its reference, on the same weights and batch:
TF-slim's own network function (grad_tf.py, in the oracle venv) or
torchvision's module (grad_torch.py), both in float64 with autodiff.
tests/train/stdlib_train.net wraps each network (NAME_train); every
trainable variable's gradient, and the loss, must match within
1e-4 * max(1, max|reference|); where float32 cannot (see below), netc's
worst gradient error may not exceed twice the framework's own float32
error on the same weights and batch.
usage: check_stdlib_gradients.py NETC VENV NET WORKDIR [DATA_SEED]"""
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# NET -> (its reference, input size, batch): the sizes stdlib_train.net declares.
NETS = {
    "resnet_v1_18": ("torch", 64, 2), "resnet_v1_34": ("torch", 64, 2),
    "resnet_v1_50": ("tf", 64, 2), "resnet_v1_101": ("tf", 64, 2), "resnet_v1_152": ("tf", 64, 2),
    "resnet_v2_50": ("tf", 64, 2), "resnet_v2_101": ("tf", 64, 2), "resnet_v2_152": ("tf", 64, 2),
    "resnet_v2_200": ("tf", 64, 2),
    "mobilenet_v2": ("torch", 64, 2), "inception_v3": ("tf", 107, 2),
    "vgg_a": ("tf", 224, 2), "vgg_16": ("tf", 224, 2), "vgg_19": ("tf", 224, 2), "alexnet_v2": ("tf", 224, 2),
}
CLASSES = 10
# The batch's seed where 7 puts a ReLU's input or a max pool's near-tie
# within float32's rounding of the other side (see the end).
DATA_SEEDS = {"resnet_v2_50": 1}
BETA_SHIFT = 2.0

netc, venv, net, work = sys.argv[1:5]
framework, size, batch = NETS[net]
data_seed = int(sys.argv[5]) if len(sys.argv) > 5 else DATA_SEEDS.get(net, 7)
os.makedirs(work, exist_ok=True)
net_file = os.path.join(HERE, "stdlib_train.net")
env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONDONTWRITEBYTECODE="1")


def run(what, *cmd):
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"{what} failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    print(f"  {what}: {time.time() - t:.1f} s: {r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ''}",
          flush=True)


weights, data = os.path.join(work, "weights.npz"), os.path.join(work, "data.npz")
got_file, ref_file = os.path.join(work, "netc_grads.npz"), os.path.join(work, "ref_grads.npz")
for f in (weights, data, got_file, ref_file):
    if os.path.exists(f):
        os.remove(f)  # never compare a previous run's files
print(f"{net}: batch {batch}, {size}x{size}, {CLASSES} classes, data seed {data_seed}, against {framework}")
rng = np.random.RandomState(data_seed)
np.savez(data, images=rng.randn(batch, size, size, 3).astype(np.float32),
         labels=rng.randint(0, CLASSES, size=batch).astype(np.int32))
entry = net + "_train"
run("netc weights", netc, "weights", net_file, "--entry", entry, "--random-weights", "1", "-o", weights)
# Batch norm's offsets (.../BatchNorm/beta, resnet_v2's .../preact/beta and
# postnorm/beta) raised by BETA_SHIFT, so that most ReLUs are active.
# At the usual initialisation (offsets near 0) a deep network of batch norm
# and ReLUs without shortcuts is chaotic in training mode: float32 rounding
# grows by orders of magnitude on the way, and PyTorch's own float32
# gradients of MobileNetV2 differ from its float64 ones by 2% (225 times
# the tolerance); with the shift, by 0.15 of it. The ReLUs' kinks are still
# crossed (a few percent of the values fall below zero).
arrays = dict(np.load(weights))
np.savez(weights, **{k: a + np.float32(BETA_SHIFT) if k.endswith("/beta") else a for k, a in arrays.items()})
run("netc train --gradients", netc, "train", net_file, "--entry", entry, "--data", data, "--weights", weights,
    "--batch", str(batch), "--gradients", got_file)


def reference(out, *precision):
    if framework == "tf":
        run("TF-slim " + " ".join(precision or ("float64",)), os.path.join(venv, "bin", "python"),
            os.path.join(HERE, "grad_tf.py"), net, weights, data, out, *precision)
    else:
        run("torchvision " + " ".join(precision or ("float64",)), "/usr/bin/python3",
            os.path.join(HERE, "grad_torch.py"), net, weights, data, out, *precision)


def compare(got, ref):
    """(ratio of the error to the tolerance, error, tolerance, name, error
    relative to max|ref|, max|ref|) per tensor, worst first; names that
    differ or tensors of another shape fail outright."""
    rows, broken = [], []
    if sorted(got.files) != sorted(ref.files):
        broken.append("names")
        print("  FAIL names: netc only", sorted(set(got.files) - set(ref.files))[:5],
              "reference only", sorted(set(ref.files) - set(got.files))[:5])
    for name in sorted(set(got.files) & set(ref.files)):
        r, g = np.asarray(ref[name], np.float64), np.asarray(got[name], np.float64)
        if g.shape != r.shape:
            broken.append(name)
            print(f"  FAIL {name}: shape {g.shape}, reference {r.shape}")
            continue
        scale = float(np.abs(r).max()) if r.size else 0.0
        tol = 1e-4 * max(1.0, scale)
        err = float(np.abs(g - r).max()) if r.size else 0.0
        rows.append((err / tol if err == err else float("inf"), err, tol, name, err / scale if scale > 0 else 0.0, scale))
    return sorted(rows, reverse=True), broken


reference(ref_file)
got, ref = np.load(got_file), np.load(ref_file)
rows, broken = compare(got, ref)
print(f"  loss: netc {float(got['loss']):.6f}, reference {float(ref['loss']):.6f}")
print(f"  {len(rows)} tensors compared; the closest to their tolerance:")
for ratio, err, tol, name, rel, _ in rows[:5]:
    print(f"    {'ok' if ratio <= 1 else 'FAIL'} {name}: max error {err:.3g} ({ratio:.3g} of the tolerance "
          f"{tol:.3g}; {rel:.3g} of its largest value)")
relative = [r[4] for r in rows if r[5] > 1e-8]  # beside gradients that are zero but for rounding
print(f"  largest error relative to the tensor's largest value: {max(relative):.3g} "
      f"({len(rows) - len(relative)} tensors with a zero gradient left out)")
failures = [r for r in rows if not r[0] <= 1]
if broken:
    sys.exit(f"{net}: the gradients netc writes are not the reference's")
if failures and any(r[3] == "loss" for r in failures):
    sys.exit(f"{net}: the loss differs")
if failures:
    # Float32 cannot always reach float64 here: where float64 puts a ReLU's
    # input or a max pool's two largest values closer than float32's
    # rounding, float32 takes the other side, and that one gradient value
    # goes elsewhere (a single channel of a bias's gradient off, everything
    # below it after). Then the framework's own float32 gradients, on the
    # same weights and batch, are the yardstick: netc's worst error may not
    # exceed twice theirs.
    print(f"  {len(failures)} tensors past the tolerance; the framework in float32 on the same weights and batch:")
    ref32_file = os.path.join(work, "ref32_grads.npz")
    reference(ref32_file, "--float32")
    rows32, _ = compare(np.load(ref32_file), ref)
    by_name = {r[3]: r[0] for r in rows32}
    for ratio, err, tol, name, rel, _ in failures[:12]:
        print(f"    {name}: netc {ratio:.3g} times the tolerance, the framework's float32 {by_name[name]:.3g}")
    limit = 2 * rows32[0][0]
    print(f"  the framework's own float32 misses its float64 by up to {rows32[0][0]:.3g} times the tolerance "
          f"({rows32[0][3]}); netc by up to {rows[0][0]:.3g} (allowed: {max(limit, 1):.3g})")
    if not rows[0][0] <= limit:
        sys.exit(f"{net}: {len(failures)} of {len(rows)} tensors differ, beyond what float32 explains: "
                 f"{', '.join(r[3] for r in failures[:10])}")
    os.remove(ref32_file)
    verdict = (f"{net}: loss and gradients match as closely as the framework's own float32 does "
               f"({len(failures)} tensors past 1e-4, netc's worst {rows[0][0]:.3g} times the tolerance, "
               f"the framework's float32 {rows32[0][0]:.3g})")
else:
    verdict = f"{net}: loss and all {len(rows) - 1} gradients match (worst at {rows[0][0]:.3g} of its tolerance)"
print(verdict)
with open(os.path.join(work, "summary.txt"), "w") as f:
    f.write(verdict + "\n")
for f in (weights, got_file, ref_file):
    os.remove(f)  # up to 1.5 GB for the VGGs
