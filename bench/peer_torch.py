"""PyTorch peer: the network's twin (twins.py), random weights, TorchScript
traced, frozen and optimized for inference as PyTorch's own guide advises,
in whichever memory format (contiguous or channels_last) runs faster here,
then the reference protocol. Run with Debian's /usr/bin/python3
(python3-torch 1.13).

--backward times what `netc bench --backward` does: the forward pass and
torch.autograd.grad of l2_loss(logits) = sum(logits^2) / 2 with respect to
every parameter (the reference benchmark's tf.gradients of tf.nn.l2_loss),
in eval mode (batch norm on its running statistics, as netc's inference
networks declare it; its weight and bias still get gradients), eager (a
traced, frozen module has no parameters to differentiate), no update."""
import torch

import nets
import protocol
import twins

p = protocol.arguments(__doc__)
p.add_argument("--net", required=True, type=nets.arg)
p.add_argument("--trial-steps", type=int, default=3,
               help="timed steps per memory format when choosing one")
p.add_argument("--backward", action="store_true", help="time forward and the parameters' gradients")
a = p.parse_args()
torch.set_num_threads(a.threads)  # Debian's torch defaults to 1
size = nets.size(a.net)
model = twins.build(a.net)


def compiled(fmt):
    x = torch.randn(a.batch, 3, size, size).contiguous(memory_format=fmt)
    m = model.to(memory_format=fmt)
    with torch.no_grad():
        return torch.jit.optimize_for_inference(torch.jit.trace(m, x)), x


def backward_step(fmt):
    x = torch.randn(a.batch, 3, size, size).contiguous(memory_format=fmt)
    m = model.to(memory_format=fmt).eval()
    params = [q for q in m.parameters() if q.requires_grad]

    def step():
        y = m(x)
        return torch.autograd.grad(y.pow(2).sum() / 2, params)
    return step


if a.backward:
    best = None
    for name, fmt in (("contiguous", torch.contiguous_format), ("channels_last", torch.channels_last)):
        step = backward_step(fmt)
        times = sorted(protocol.time_steps(step, 2, a.trial_steps))
        median = times[len(times) // 2]
        if best is None or median < best[0]:
            best = (median, name, fmt)
    _, layout, fmt = best
    step = backward_step(fmt)  # the module is converted in place: again in the winner's format
    protocol.run("torch", step, a, layout=layout, version=torch.__version__, backward=True)
    raise SystemExit(0)


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
