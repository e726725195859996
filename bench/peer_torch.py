"""PyTorch peer for bench/compare.sh: torchvision resnet50 (the same 8.2
GFLOP per image as resnet_v2_50), random weights, TorchScript-frozen for
inference as PyTorch's own guide advises, the reference protocol (burn-in,
then timed steps). Prints one line: `torch MEAN SD` (seconds per batch).
Run with Debian's /usr/bin/python3 (python3-torch)."""
import torch
import torchvision

import protocol

a = protocol.arguments(__doc__).parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
model = torchvision.models.resnet50().eval()
x = torch.randn(a.batch, 3, 224, 224).contiguous(memory_format=torch.channels_last)
model = model.to(memory_format=torch.channels_last)
with torch.no_grad():
    traced = torch.jit.optimize_for_inference(torch.jit.trace(model, x))
    protocol.run("torch", lambda: traced(x), a)
