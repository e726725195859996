"""The reference protocol shared by the bench peers (SPEC 7): the same
command line (--batch, --steps, --burn-in, --threads), burn-in steps, then
timed steps, and one output line `NAME MEAN SD` in seconds per batch, which
bench/compare.sh reads."""
import argparse
import time

import numpy as np


def arguments(description):
    """The peers' common flags; a peer may add its own before parsing."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--burn-in", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    return p


def run(name, step, a):
    """Runs step() a.burn_in times untimed, then a.steps times timed, and
    prints the protocol line."""
    for _ in range(a.burn_in):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print("%s %.6f %.6f" % (name, np.mean(times), np.std(times)))
