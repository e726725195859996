"""Ctrl-C and SIGTERM during netc train, sent for real while it trains:
it finishes the step, writes a checkpoint that records its progress, says
how to resume, and exits 128 + the signal; the printed command resumes from
that step.
usage: check_signals.py NETC WORKDIR"""
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import numpy as np

netc, work = sys.argv[1:3]
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(work, exist_ok=True)
subprocess.run(["/usr/bin/python3", os.path.join(here, "make_digits.py"), f"{work}/train.npz", f"{work}/val.npz"],
               check=True, capture_output=True)


def stop_with(sig, resume_it):
    name = signal.Signals(sig).name
    ckpt = os.path.join(work, name + ".npz")
    # Far more epochs than it gets to run.
    cmd = [netc, "train", os.path.join(here, "digits.net"), "--entry", "digits", "--data", f"{work}/train.npz",
           "--random-weights", "1", "--batch", "64", "--epochs", "1000", "-o", ckpt]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = []
    deadline = time.time() + 120
    # Training is under way once a progress line shows (every 6 steps).
    for line in p.stderr:
        err.append(line)
        if re.match(r"epoch 1 step 6/24", line) or time.time() > deadline:
            break
    p.send_signal(sig)
    _, rest = p.communicate(timeout=120)
    err = "".join(err) + rest
    if p.returncode != 128 + sig:
        sys.exit(f"{name}: exit {p.returncode}, want {128 + sig}:\n{err}")
    m = re.search(rf"stopped by {name} after step (\d+) \(epoch 1, batch \d+/24\); checkpoint -> (.*)\n", err)
    resume = re.search(r"^to resume: (.*)$", err, re.M)
    if not m or m.group(2) != ckpt or not resume:
        sys.exit(f"{name}: no checkpoint or resume command in:\n{err}")
    steps = int(m.group(1))
    z = np.load(ckpt)
    if int(z["netc_train/global_step"]) != steps or steps < 6 or not all(np.isfinite(z[k]).all() for k in z):
        sys.exit(f"{name}: the checkpoint records step {z['netc_train/global_step']}, the message {steps}")
    if not resume_it:
        print(f"ok: {name} after step {steps}: checkpoint written, exit {p.returncode}")
        return
    # The printed command resumes; two more steps here.
    again = shlex.split(resume.group(1))
    assert again[0] == "netc" and "--random-weights" not in again, again
    r = subprocess.run([netc, *again[1:], "--steps", str(steps + 2)], capture_output=True, text=True)
    if r.returncode != 0 or f"resuming {ckpt} after step {steps}" not in r.stderr:
        sys.exit(f"{name}: resuming failed ({r.returncode}):\n{r.stderr}")
    if int(np.load(ckpt)["netc_train/global_step"]) != steps + 2:
        sys.exit(f"{name}: the resumed checkpoint is not at step {steps + 2}")
    print(f"ok: {name} after step {steps}: checkpoint written, exit {p.returncode}, resumed to step {steps + 2}")


stop_with(signal.SIGINT, True)
stop_with(signal.SIGTERM, False)
