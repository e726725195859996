"""PyTorch peer: the network's twin (twins.py), random weights, TorchScript
traced, frozen and optimized for inference as PyTorch's own guide advises,
in whichever memory format (contiguous or channels_last) runs faster here,
then the reference protocol. Run with Debian's /usr/bin/python3
(python3-torch 1.13)."""
import torch

import nets
import protocol
import twins

p = protocol.arguments(__doc__)
p.add_argument("--net", required=True, type=nets.arg)
p.add_argument("--trial-steps", type=int, default=3,
               help="timed steps per memory format when choosing one")
a = p.parse_args()
torch.set_num_threads(a.threads)  # Debian's torch defaults to 1
size = nets.size(a.net)
model = twins.build(a.net)


def compiled(fmt):
    x = torch.randn(a.batch, 3, size, size).contiguous(memory_format=fmt)
    m = model.to(memory_format=fmt)
    with torch.no_grad():
        return torch.jit.optimize_for_inference(torch.jit.trace(m, x)), x


# oneDNN favours channels_last for some networks and contiguous for others
# (the notes: inception_v3 is faster channels_last); a short trial decides.
best = None
with torch.no_grad():
    for name, fmt in (("contiguous", torch.contiguous_format), ("channels_last", torch.channels_last)):
        traced, x = compiled(fmt)
        times = sorted(protocol.time_steps(lambda: traced(x), 2, a.trial_steps))
        median = times[len(times) // 2]
        if best is None or median < best[0]:
            best = (median, name, traced, x)
    _, layout, traced, x = best
    protocol.run("torch", lambda: traced(x), a, layout=layout, version=torch.__version__)
