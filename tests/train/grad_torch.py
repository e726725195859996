"""Reference loss and gradients of a torchvision net in training mode.

  /usr/bin/python3 tests/train/grad_torch.py NET W.npz DATA.npz OUT.npz [--float32]

Builds NET with torchvision (tests/oracle/dump_torch.py's table and name
mapping), loads W (netc names, TF layouts), then runs it in float64 in
train() mode: batch norm on the batch's statistics, dropout at p = 0 so the
reference is deterministic. Writes OUT.npz: `loss` (F.cross_entropy on
DATA's `labels`: the mean over the batch; torchvision's models have no
weight decay of their own) and autograd's d loss / d v for every trainable
variable v under its netc name, in TF layout, all float64. --float32 runs
it in float32 instead: not an oracle, but PyTorch's own float32 rounding,
the yardstick check_stdlib_gradients.py holds netc's to when float32 cannot
reach float64.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import dump_torch  # noqa: E402  (imports torch)
from oracle_format import load_npz  # noqa: E402

import numpy as np  # noqa: E402

torch = dump_torch.torch


def main(net, weights_file, data_file, out_file, precision="--float64"):
    dtype = {"--float64": torch.float64, "--float32": torch.float32}[precision]
    torch.set_num_threads(2)
    arrays = load_npz(weights_file)
    data = np.load(data_file)
    logits_name = dump_torch.NETS[net][1] + ("/Logits/weights" if net.startswith("mobilenet") else "/logits/weights")
    model = dump_torch.build(net, int(arrays[logits_name].shape[-1]))
    dump_torch.load_weights(model, arrays)  # float32, as the file holds them
    module = model.module.to(dtype).train()  # parameters stay the same objects
    for m in module.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    x = torch.from_numpy(data["images"]).to(dtype).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(data["labels"].astype(np.int64))
    loss = torch.nn.functional.cross_entropy(module(x), y)
    loss.backward()
    out = {"loss": np.float64(loss.item())}
    for name, slot in model.tensors.items():
        if name in model.trainable:
            assert slot.tensor.dtype == dtype and slot.tensor.grad is not None, name
            out[name] = dump_torch.to_tf(slot._replace(tensor=slot.tensor.grad)).double().numpy().copy()
    np.savez(out_file, **out)
    print("grad_torch %s batch %d %dx%d: loss %.6f, %d gradients -> %s" % (
        net, x.shape[0], x.shape[2], x.shape[3], loss.item(), len(out) - 1, out_file), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6) or sys.argv[5:] not in ([], ["--float32"]):
        sys.exit("usage: grad_torch.py NET W.npz DATA.npz OUT.npz [--float32]")
    sys.exit(main(*sys.argv[1:]))
