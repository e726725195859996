"""The reference protocol shared by the bench peers (SPEC 7): the same
command line (--batch, --steps, --burn-in, --threads), burn-in steps, then
timed steps, and one result line the orchestrator (bench.py) reads:

  RESULT {"peer": NAME, "mean": S, "sd": S, "steps": N, ...}   (seconds per batch)

A peer that cannot run prints `SKIP reason` and exits 3."""
import argparse
import json
import sys
import time


def arguments(description):
    """The peers' common flags; a peer may add its own before parsing."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--burn-in", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    return p


def skip(reason):
    print("SKIP %s" % reason, flush=True)
    sys.exit(3)


def time_steps(step, burn_in, steps):
    """Runs step() burn_in times untimed, then returns the times of `steps` more."""
    for _ in range(burn_in):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def run(name, step, a, **info):
    """The protocol on step(), then the result line; `info` (versions, the
    layout chosen, ...) goes into it as it is."""
    times = time_steps(step, a.burn_in, a.steps)
    mean = sum(times) / len(times)
    sd = (sum((t - mean) ** 2 for t in times) / len(times)) ** 0.5
    result = dict(peer=name, mean=mean, sd=sd, steps=a.steps, burn_in=a.burn_in, batch=a.batch,
                  threads=a.threads, **info)
    print("RESULT " + json.dumps(result), flush=True)
