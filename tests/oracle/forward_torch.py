"""Reference forward pass of a torchvision net on netc-named weights.

  /usr/bin/python3 tests/oracle/forward_torch.py NET W.npz X.npy OUT.npy
  /usr/bin/python3 tests/oracle/forward_torch.py NET W.npz X.npy OUT.npy --export-init SEED

Builds NET (dump_torch.build), loads W (netc names, TF layouts) by exact
name set, runs X (NHWC; the nets pool adaptively, so any size big enough
works) and writes the logits [N, classes] as float32 .npy. --export-init is
the self-check: W.npz is written from the module's own initialization after
torch.manual_seed(SEED) instead (see oracle_format.forward_main). Eval mode,
no grad, float32, 2 threads.
"""
import os
import sys
import time

STARTED = time.time()
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dump_torch  # noqa: E402  (imports torch)
from oracle_format import forward_main  # noqa: E402

torch = dump_torch.torch


def logits_weights(net):
    return dump_torch.NETS[net][1] + ("/Logits/weights" if net.startswith("mobilenet")
                                      else "/logits/weights")


class Runner:
    def __init__(self, net, x_shape, num_classes, seed):
        torch.manual_seed(seed)  # the module's initial weights
        self.model = dump_torch.build(net, num_classes)

    def values(self):
        return dict(dump_torch.to_netc(self.model))

    def load(self, arrays):
        dump_torch.load_weights(self.model, arrays)

    def forward(self, x):
        return dump_torch.forward(self.model, x)


if __name__ == "__main__":
    torch.set_num_threads(2)  # fixed, so results do not depend on the machine
    sys.exit(forward_main("forward_torch", dump_torch.NETS, logits_weights, Runner, STARTED))
