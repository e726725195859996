"""netc bench --backward against PyTorch autograd: the gradients of the
reference benchmark's objective, l2_loss(logits) = sum(logits^2) / 2, with
respect to every trainable variable of bench_nets.net's `small` (frozen
batch norm, an end point beside the logits), within 1e-4 * max(1,
max|reference|). Run twice on a fresh kernel cache: the first run compiles
the training kernels, the second must take them all from the cache and
still give PyTorch's gradients. Then the refusals, located at the op.
usage: check_bench_backward.py NETC FILE.net WORKDIR"""
import os
import re
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

netc, net_file, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
failures = []
env = dict(os.environ, NETC_CACHE_DIR=os.path.join(work, "kernel-cache"))
subprocess.run(["rm", "-rf", env["NETC_CACHE_DIR"]], check=True)


def netc_run(*args, code=0):
    r = subprocess.run([netc, *args], capture_output=True, text=True, env=env)
    out = r.stdout + r.stderr
    if r.returncode != code:
        sys.exit(f"netc {' '.join(args)}: exit {r.returncode}, expected {code}:\n{out}")
    return out


def check(what, ok, detail=""):
    print(f"  {'ok' if ok else 'FAIL'} {what}{': ' + detail if detail else ''}")
    if not ok:
        failures.append(what)


weights_file = os.path.join(work, "weights.npz")
netc_run("weights", net_file, "--entry", "small", "--random-weights", "3", "-o", weights_file)
w = {k: torch.tensor(v, dtype=torch.float64) for k, v in np.load(weights_file).items()}
bench = ["bench", net_file, "--entry", "small", "--backward", "--batch", "3", "--steps", "2", "--burn-in", "1",
         "--weights", weights_file]
for run, want in (("first", r"\((\d+) compiled, 0 from the kernel cache\)"),
                  ("second", r"\(0 compiled, (\d+) from the kernel cache\)")):
    grads_file = os.path.join(work, f"grads_{run}.npz")
    out = netc_run(*bench, "--gradients", grads_file)
    print(f"{run} run:\n" + "".join("  | " + line + "\n" for line in out.splitlines()))
    m = re.search(want, out)
    check(f"{run} run's training kernels", bool(m and int(m.group(1)) > 0), m.group(0) if m else "no match")
    for line in ("Forward", "Forward-backward"):
        check(f"{run} run prints the {line} line",
              re.search(f"^{line} across 2 steps, [0-9.]+ \\+/- [0-9.]+ sec / batch$", out, re.M) is not None)

    got = dict(np.load(grads_file))
    # PyTorch on the same weights and batch, in float64.
    x = torch.tensor(got["images"], dtype=torch.float64).permute(0, 3, 1, 2)
    params = {k: v.clone().requires_grad_(True) for k, v in w.items()
              if not k.endswith("moving_mean") and not k.endswith("moving_variance")}

    def conv_w(name):
        return params[name].permute(3, 2, 0, 1)  # TF [kh, kw, cin, cout] -> [cout, cin, kh, kw]

    y = F.conv2d(x, conv_w("small/conv1/weights"), padding=1)
    y = F.batch_norm(y, w["small/conv1/BatchNorm/moving_mean"], w["small/conv1/BatchNorm/moving_variance"],
                     params["small/conv1/BatchNorm/gamma"], params["small/conv1/BatchNorm/beta"], training=False,
                     eps=0.001)
    y = F.max_pool2d(torch.relu(y), 2, 2)
    y = F.conv2d(F.pad(y, (0, 1, 0, 1)), conv_w("small/conv2/weights"), params["small/conv2/biases"], stride=2)
    y = torch.tanh(y).mean(dim=(2, 3))
    logits = y @ params["small/logits/weights"] + params["small/logits/biases"]
    objective = (logits ** 2).sum() / 2
    names = sorted(params)
    ref = dict(zip(names, torch.autograd.grad(objective, [params[n] for n in names])))
    ref["loss"] = objective.detach()
    check(f"{run} run: the gradients netc wrote are the trainable variables'",
          set(got) - {"images"} == set(ref), str(sorted((set(got) ^ set(ref)) - {"images"})))
    for name in sorted(ref):
        if name not in got:
            continue
        r = ref[name].detach().numpy()
        g = got[name].astype(np.float64).reshape(r.shape)
        tol = 1e-4 * max(1.0, float(np.abs(r).max()))
        err = float(np.abs(g - r).max())
        check(f"{run} run: {name}", err <= tol, f"max error {err:.3g} (tolerance {tol:.3g})")

# Refusals: at the op, before anything is compiled, exit 1.
out = netc_run("bench", net_file, "--entry", "with_lrn", "--backward", code=1)
check("lrn refused at the op", re.search(r"bench_nets\.net:\d+:\d+: error: 'netc bench --backward' cannot "
                                         r"differentiate lrn", out) is not None, out.splitlines()[0])
out = netc_run("bench", net_file, "--entry", "two_outputs", "--backward", code=1)
check("two outputs refused at the second", re.search(r"bench_nets\.net:\d+:\d+: error: 'netc bench --backward' "
                                                    r"differentiates l2_loss of one output", out) is not None,
      out.splitlines()[0])
out = netc_run("run", net_file, "--backward", code=2)
check("--backward is for bench", "--backward is for 'bench'" in out)

if failures:
    sys.exit("FAILED: " + ", ".join(failures))
print("all ok")
