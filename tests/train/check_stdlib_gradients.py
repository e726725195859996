"""netc train's loss and gradients of a stdlib network in training mode
against the framework that is its reference, on the same weights and batch:
TF-slim's own network function (grad_tf.py, in the oracle venv) or
torchvision's module (grad_torch.py), both in float64 with autodiff.
tests/train/stdlib_train.net wraps each network (NAME_train); every
trainable variable's gradient, and the loss, must match within
1e-4 * max(1, max|reference|).
usage: check_stdlib_gradients.py NETC VENV NET WORKDIR"""
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

netc, venv, net, work = sys.argv[1:5]
framework, size, batch = NETS[net]
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
print(f"{net}: batch {batch}, {size}x{size}, {CLASSES} classes, against {framework}")
rng = np.random.RandomState(7)
np.savez(data, images=rng.randn(batch, size, size, 3).astype(np.float32),
         labels=rng.randint(0, CLASSES, size=batch).astype(np.int32))
entry = net + "_train"
run("netc weights", netc, "weights", net_file, "--entry", entry, "--random-weights", "1", "-o", weights)
run("netc train --gradients", netc, "train", net_file, "--entry", entry, "--data", data, "--weights", weights,
    "--batch", str(batch), "--gradients", got_file)
if framework == "tf":
    run("TF-slim", os.path.join(venv, "bin", "python"), os.path.join(HERE, "grad_tf.py"), net, weights, data, ref_file)
else:
    run("torchvision", "/usr/bin/python3", os.path.join(HERE, "grad_torch.py"), net, weights, data, ref_file)

got, ref = np.load(got_file), np.load(ref_file)
failures, rows = [], []
if sorted(got.files) != sorted(ref.files):
    failures.append("names")
    print("  FAIL names: netc only", sorted(set(got.files) - set(ref.files))[:5],
          "reference only", sorted(set(ref.files) - set(got.files))[:5])
for name in sorted(set(got.files) & set(ref.files)):
    r = np.asarray(ref[name], np.float64)
    g = np.asarray(got[name], np.float64)
    if g.shape != r.shape:
        failures.append(name)
        print(f"  FAIL {name}: shape {g.shape}, reference {r.shape}")
        continue
    tol = 1e-4 * max(1.0, float(np.abs(r).max()) if r.size else 1.0)
    err = float(np.abs(g - r).max()) if r.size else 0.0
    scale = float(np.abs(r).max()) if r.size else 0.0
    rows.append((err / tol, err, tol, name, err / scale if scale > 0 else 0.0))
    if not err <= tol:  # NaN fails too
        failures.append(name)
rows.sort(reverse=True)
print(f"  loss: netc {float(got['loss']):.6f}, reference {float(ref['loss']):.6f}")
print(f"  {len(rows)} tensors compared; the closest to their tolerance:")
for ratio, err, tol, name, rel in rows[:5]:
    print(f"    {'ok' if ratio <= 1 else 'FAIL'} {name}: max error {err:.3g} ({ratio:.3g} of the tolerance "
          f"{tol:.3g}; {rel:.3g} of its largest value)")
print(f"  largest error relative to the tensor's largest value: {max(r[4] for r in rows):.3g}")
if failures:
    for ratio, err, tol, name, rel in rows[5:]:
        if name in failures:
            print(f"    FAIL {name}: max error {err:.3g} (tolerance {tol:.3g})")
    sys.exit(f"{net}: {len(failures)} of {len(rows)} tensors differ: {', '.join(failures[:10])}")
print(f"{net}: loss and all {len(rows) - 1} gradients match (worst at {rows[0][0]:.3g} of its tolerance)")
for f in (weights, got_file, ref_file):
    os.remove(f)  # up to 1.5 GB for the VGGs
