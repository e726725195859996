"""Writes scikit-learn's 8x8 digits in the two formats netc train reads
besides .npz, with the same data converted by NumPy as .npz (the oracle for
netc's readers):
  OUT/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte: MNIST's idx files,
      each digit scaled to 24x24 and padded to 28x28, bytes 0-255 (the
      training files gzipped, as MNIST is served);
  OUT/cifar/data_batch_{1,2}.bin, test_batch.bin: CIFAR-10 records (a label
      byte, then 32x32 red, green and blue planes), each channel a different
      function of the digit so that a mixed-up channel order shows;
  OUT/{mnist,cifar}_{train,val}.npz: images float32 NHWC = bytes / 255.
usage: make_formats.py OUT"""
import gzip
import os
import struct
import sys

import numpy as np
from sklearn.datasets import load_digits

out = sys.argv[1]
d = load_digits()
order = np.random.RandomState(0).permutation(len(d.target))
pixels = np.round(d.images[order] * (255 / 16)).astype(np.uint8)  # [N, 8, 8]
labels = d.target[order].astype(np.uint8)
splits = {"train": slice(0, 1500), "val": slice(1500, None)}


def npz(name, images, lab):
    np.savez(os.path.join(out, name), images=images.astype(np.float32) / np.float32(255), labels=lab.astype(np.int64))


# MNIST: 28x28 bytes, rows then columns.
os.makedirs(os.path.join(out, "mnist"), exist_ok=True)
mnist = np.pad(pixels.repeat(3, axis=1).repeat(3, axis=2), ((0, 0), (2, 2), (2, 2)))
for split, prefix in (("train", "train"), ("val", "t10k")):
    im, lab = mnist[splits[split]], labels[splits[split]]
    images_bytes = struct.pack(">IIII", 0x803, len(im), 28, 28) + im.tobytes()
    labels_bytes = struct.pack(">II", 0x801, len(lab)) + lab.tobytes()
    for name, data in ((f"{prefix}-images-idx3-ubyte", images_bytes), (f"{prefix}-labels-idx1-ubyte", labels_bytes)):
        path = os.path.join(out, "mnist", name)
        if split == "train":
            with gzip.open(path + ".gz", "wb") as f:
                f.write(data)
        else:
            with open(path, "wb") as f:
                f.write(data)
    npz(f"mnist_{split}.npz", im[..., None], lab)

# CIFAR-10: 32x32 in three channel planes.
os.makedirs(os.path.join(out, "cifar"), exist_ok=True)
big = pixels.repeat(4, axis=1).repeat(4, axis=2).astype(np.int32)
planes = np.stack([big, 255 - big, (big // 2 + np.arange(32)[None, None, :] * 3) % 256], axis=1).astype(np.uint8)
records = np.concatenate([labels[:, None], planes.reshape(len(labels), -1)], axis=1)  # [N, 3073]
assert records.shape[1] == 3073
train_records, val_records = records[splits["train"]], records[splits["val"]]
for name, recs in (("data_batch_1.bin", train_records[:1000]), ("data_batch_2.bin", train_records[1000:]),
                   ("test_batch.bin", val_records)):
    recs.tofile(os.path.join(out, "cifar", name))
for split in ("train", "val"):
    npz(f"cifar_{split}.npz", planes[splits[split]].transpose(0, 2, 3, 1), labels[splits[split]])
print(f"{out}: MNIST and CIFAR-10 files of 1500 + {len(labels) - 1500} digits")
