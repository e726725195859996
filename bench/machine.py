"""What bench/ knows about the machine: the CPU, its FMA peak (fma_peak.c),
and how much of it other processes are using.

On 2 cores, another process using part of one makes 2-thread timings wait
on each other (the notes saw 20-35x slowdowns), so bench.py checks before
every measurement and again over it, and refuses to report numbers taken on
a busy machine."""
import os
import re
import resource
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.M)
        if m:
            return m.group(1).strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
    return m.group(1).strip() if m else "unknown CPU"


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^flags\s*:\s*(.+)$", f.read(), re.M)
    return set(m.group(1).split()) if m else set()


def _stat():
    """(busy, all) jiffies of all CPUs since boot. Steal counts as busy: on a
    VM it is time the host gave our CPUs to someone else."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def _own_cpu():
    """CPU seconds of this process and of its waited-for children."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class Watch:
    """Measures, between start() and stop(), the share of all CPUs used by
    processes other than this one and the children it has waited for."""

    def start(self):
        self.t0, (self.b0, self.a0), self.own0 = time.monotonic(), _stat(), _own_cpu()
        return self

    def stop(self):
        (b1, a1), own1 = _stat(), _own_cpu()
        hz = os.sysconf("SC_CLK_TCK")
        ncpu = os.cpu_count() or 1
        # The jiffy counters tick for every CPU: prefer their total to
        # wall time x CPUs, which a suspended VM would inflate.
        capacity = (a1 - self.a0) / hz if a1 > self.a0 else (time.monotonic() - self.t0) * ncpu
        others = (b1 - self.b0) / hz - (own1 - self.own0)
        return max(0.0, others / capacity) if capacity > 0 else 0.0


def others_share(seconds):
    """The share of all CPUs other processes use over the next `seconds`."""
    w = Watch().start()
    time.sleep(seconds)
    return w.stop()


def build_fma_peak(out_dir):
    """Compiles fma_peak.c into out_dir (again only when the source is newer)."""
    src, exe = os.path.join(HERE, "fma_peak.c"), os.path.join(out_dir, "fma_peak")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run(["cc", "-O2", "-pthread", src, "-o", exe], check=True)
    return exe


def fma_peak(exe, threads, slots=30, ms=20):
    """{threads: GFLOP/s} and the ISA the program chose (AVX-512 zmm where
    the CPU has avx512f, else AVX2 ymm)."""
    out = subprocess.run([exe, "--threads", ",".join(str(t) for t in threads), "--slots", str(slots),
                          "--ms", str(ms)], capture_output=True, text=True, check=True).stdout
    peaks, isa = {}, None
    for line in out.splitlines():
        kv = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
        isa = "%s, %s %s FMA chains" % ({"avx512": "AVX-512"}.get(kv["isa"], kv["isa"].upper()),
                                          kv["chains"], kv["vector"])
        peaks[int(kv["threads"])] = float(kv["gflops"])
    return peaks, isa
