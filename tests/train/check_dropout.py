"""Dropout in netc train, checked through autograd's algebra rather than
netc's RNG: on one example of ones, d loss / d W[k, j] = xd[k] * dz[j] for
the classifier after dropout, so the gradient gives back the dropped input
xd. Each value must be 0 or 1/keep_prob, the kept share within 5 sigma of
keep_prob, the loss equal PyTorch's cross-entropy on xd, and another seed
must draw another mask.
usage: check_dropout.py NETC WORKDIR"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

netc, work = sys.argv[1:3]
here = os.path.dirname(os.path.abspath(__file__))
net = os.path.join(here, "dropout.net")
os.makedirs(work, exist_ok=True)
K, KEEP = 4000, 0.3
subprocess.run([netc, "weights", net, "--random-weights", "2", "-o", f"{work}/w.npz"], check=True)
np.savez(f"{work}/d.npz", images=np.ones((1, 1, 1, K), np.float32), labels=np.array([1]))
w = dict(np.load(f"{work}/w.npz"))
W, b = w["dropout_probe/logits/weights"], w["dropout_probe/logits/biases"]

masks = []
for seed in (1, 2):
    subprocess.run([netc, "train", net, "--data", f"{work}/d.npz", "--weights", f"{work}/w.npz", "--batch", "1",
                    "--seed", str(seed), "--gradients", f"{work}/g.npz"], check=True, stdout=subprocess.DEVNULL)
    g = dict(np.load(f"{work}/g.npz"))
    xd_guess = None
    # dz = softmax(z) - onehot; both columns give xd, take the larger |dz|.
    dW = g["dropout_probe/logits/weights"].astype(np.float64)
    dz = g["dropout_probe/logits/biases"].astype(np.float64)
    j = int(np.abs(dz).argmax())
    xd = dW[:, j] / dz[j]
    kept = np.abs(xd - 1 / KEEP) < 1e-3 * (1 / KEEP)
    dropped = np.abs(xd) < 1e-6
    if not (kept | dropped).all():
        sys.exit(f"seed {seed}: dropped input values other than 0 and 1/keep_prob: {xd[~(kept | dropped)][:5]}")
    share, sigma = kept.mean(), np.sqrt(KEEP * (1 - KEEP) / K)
    print(f"seed {seed}: kept {kept.sum()} of {K} ({share:.4f}; keep_prob {KEEP}, sigma {sigma:.4f})")
    if abs(share - KEEP) > 5 * sigma:
        sys.exit(f"seed {seed}: kept share {share} is not keep_prob {KEEP}")
    x = torch.tensor(np.where(kept, 1 / KEEP, 0.0)[None, :])
    ref = F.cross_entropy(x @ torch.tensor(W, dtype=torch.float64) + torch.tensor(b, dtype=torch.float64),
                          torch.tensor([1])).item()
    if abs(ref - float(g["loss"])) > 1e-4 * max(1, abs(ref)):
        sys.exit(f"seed {seed}: loss {float(g['loss'])} but cross-entropy on the dropped input is {ref}")
    masks.append(kept)
if (masks[0] == masks[1]).all():
    sys.exit("two seeds drew the same mask")
print("dropout: masks, scaling, loss and seeds as expected")
