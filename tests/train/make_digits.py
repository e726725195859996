"""Writes scikit-learn's 8x8 digits (bundled with Debian's python3-sklearn)
as netc train's .npz datasets: images float32 [N, 8, 8, 1] scaled to [0, 1],
labels int64 [N]; a fixed split, the last 297 examples for validation. Each
set is also written as NAME_images.npy and NAME_labels.npy, for `netc run`
and for C programs (examples/train_digits.c)."""
import sys

import numpy as np
from sklearn.datasets import load_digits

out_train, out_val = sys.argv[1], sys.argv[2]
d = load_digits()
images = (d.images / 16.0).astype(np.float32)[..., None]
labels = d.target.astype(np.int64)
order = np.random.RandomState(0).permutation(len(labels))
images, labels = images[order], labels[order]
np.savez(out_train, images=images[:1500], labels=labels[:1500])
np.savez(out_val, images=images[1500:], labels=labels[1500:])
for out, part in ((out_train, slice(0, 1500)), (out_val, slice(1500, None))):
    np.save(out[:-4] + "_images.npy", images[part])
    np.save(out[:-4] + "_labels.npy", labels[part])
print(f"{out_train}: 1500 examples, {out_val}: {len(labels) - 1500}")
