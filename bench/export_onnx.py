"""Exports a network's PyTorch twin (twins.py) to ONNX for the ONNX Runtime
and OpenVINO peers: NCHW float32, static batch, opset 17 (the highest torch
1.13 writes), random weights. Writes OUT.onnx and OUT.json (the twin's
FLOPs per image and what made it), atomically.

  /usr/bin/python3 bench/export_onnx.py --net NET --batch B -o OUT.onnx

torch.onnx.export writes the model itself: the `onnx` package is not needed."""
import argparse
import json
import os
import warnings

import torch

import nets
import twins

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("--net", required=True, type=nets.arg)
p.add_argument("--batch", type=int, required=True)
p.add_argument("--opset", type=int, default=17)
p.add_argument("-o", "--output", required=True)
a = p.parse_args()

torch.set_num_threads(2)
size = nets.size(a.net)
model = twins.build(a.net)
x = torch.randn(a.batch, 3, size, size)
tmp = "%s.tmp%d" % (a.output, os.getpid())
with torch.no_grad(), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(model, x, tmp, opset_version=a.opset, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"])
os.replace(tmp, a.output)  # a run killed mid-export leaves no half-written cache
with open(os.path.splitext(a.output)[0] + ".json", "w") as f:
    json.dump({"net": a.net, "batch": a.batch, "opset": a.opset, "torch": torch.__version__,
               "flops_per_image": twins.flops_per_image(model, size)}, f)
print("export_onnx: %s (%d bytes)" % (a.output, os.path.getsize(a.output)))
