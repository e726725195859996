"""bench/bench.py: netc against ONNX Runtime, OpenVINO, PyTorch, TFLite/XNNPACK
and TF-slim on this machine, in one sitting (usually run as bench/bench.sh).

Prepares everything first (venvs, netc objects, ONNX and TFLite models; all
cached under --out), measures the CPU's FMA peak, then for every network and
batch runs each engine in its own process with the reference protocol, one
after another, checking before and over each measurement that no other
process is using the CPUs. Writes OUT/table.md, results.json, results.csv.
Exits 3 without a table when the machine stays busy.

With --backward it times forward and backward instead, the reference
benchmark's "Forward-backward" line: `netc bench --backward` against PyTorch
autograd on the same twin (the gradients of l2_loss(logits) = sum(logits^2)/2
with respect to every parameter, batch norm frozen as in netc's inference
networks); the table goes to OUT/table_backward.md (results_backward.json,
.csv)."""
import argparse
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

import machine
import prepare
import report
import nets
from nets import NETS

HERE, ROOT = prepare.HERE, prepare.ROOT
ENGINES = list(report.LABELS)
BACKWARD_ENGINES = ["jit", "torch"]  # the engines that compute gradients
# Peers free memory back to the kernel between runs, which the notes measured
# costs them up to 8x at batch 8; keep their heap, as netc keeps its arena.
PEER_ENV = {"GLIBC_TUNABLES": "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736"}


VERSION_LABELS = {"tf": "TensorFlow (TF-slim)", "tflite": "LiteRT"}


class Busy(Exception):
    pass


class Stopped(Exception):
    """SIGTERM or Ctrl-C: keep what was measured for --resume."""


def stop(signum, frame):
    raise Stopped("stopped by signal %d" % signum)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nets", default=",".join(NETS),
                   help="comma list (default: the five stdlib networks); zoo:M adds torchvision's M through"
                        " `netc import` (%s)" % ", ".join(nets.ZOO))
    p.add_argument("--batches", default="1,8")
    p.add_argument("--engines", default=None, help="comma list of " + ",".join(ENGINES) +
                   " (default: all; with --backward: " + ",".join(BACKWARD_ENGINES) + ")")
    p.add_argument("--backward", action="store_true",
                   help="time forward and backward (netc bench --backward against PyTorch autograd)")
    p.add_argument("--steps", type=int, default=30, help="timed steps per measurement")
    p.add_argument("--burn-in", type=int, default=10)
    p.add_argument("--threads", type=int, default=2, help="threads for every engine")
    p.add_argument("--netc", default=os.path.join(ROOT, "build", "bin", "netc"))
    p.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    p.add_argument("--busy-threshold", type=float, default=12,
                   help="%% of all CPUs other processes may use before or during a measurement")
    p.add_argument("--busy-retries", type=int, default=5, help="waits for a quiet machine before giving up")
    p.add_argument("--busy-wait", type=float, default=30, help="seconds between those waits")
    p.add_argument("--quiet-window", type=float, default=1.5, help="seconds of /proc/stat per check")
    p.add_argument("--allow-busy", action="store_true",
                   help="measure anyway on a busy machine (development); the table says so")
    p.add_argument("--timeout", type=float, default=1800, help="seconds one measurement may take")
    p.add_argument("--resume", action="store_true",
                   help="keep the measurements of a sitting the busy machine stopped (OUT/partial.json, same netc"
                        " and settings) and make only the rest")
    a = p.parse_args(argv)
    a.nets = [n for n in a.nets.split(",") if n]
    a.batches = [int(b) for b in a.batches.split(",") if b]
    if a.engines is None:
        a.engines = ",".join(BACKWARD_ENGINES if a.backward else ENGINES)
    a.engines = [e for e in a.engines.split(",") if e]
    if a.backward and not set(a.engines) <= set(BACKWARD_ENGINES):
        p.error("--backward times the engines that compute gradients: %s" % ", ".join(BACKWARD_ENGINES))
    for n in a.nets:
        if not nets.known(n):
            p.error("unknown network %s (%s, or zoo:M for M in %s)" % (n, ", ".join(NETS), ", ".join(nets.ZOO)))
    for e in a.engines:
        if e not in ENGINES:
            p.error("unknown engine %s (%s)" % (e, ", ".join(ENGINES)))
    if a.steps < 1 or a.burn_in < 0 or a.threads < 1 or not a.batches or min(a.batches) < 1:
        p.error("--steps, --threads and batches must be at least 1, --burn-in at least 0")
    return a


def log(msg):
    print(msg, flush=True)


class Sitting:
    def __init__(self, a, prep):
        self.a, self.prep = a, prep
        self.threshold = a.busy_threshold / 100
        self.worst = 0.0  # the largest share of the CPUs others used during a kept measurement
        self.lost = 0.0  # seconds spent waiting for quiet and on measurements thrown away

    def wait_quiet(self):
        """Returns once other processes use at most the threshold; raises
        Busy after --busy-retries waits (with --allow-busy, goes on)."""
        for attempt in range(self.a.busy_retries + 1):
            share = machine.others_share(self.a.quiet_window)
            if share <= self.threshold:
                return
            if self.a.allow_busy:
                log("  (busy: other processes use %.0f%% of the CPUs; --allow-busy)" % (100 * share))
                return
            if attempt < self.a.busy_retries:
                log("  machine busy: other processes use %.0f%% of the CPUs (threshold %.0f%%); "
                    "waiting %.0f s (%d/%d)" % (100 * share, 100 * self.threshold, self.a.busy_wait,
                                                attempt + 1, self.a.busy_retries))
                time.sleep(self.a.busy_wait)
                self.lost += self.a.busy_wait
        raise Busy("other processes use %.0f%% of the CPUs (threshold %.0f%%), still after %d waits of %.0f s"
                   % (100 * share, 100 * self.threshold, self.a.busy_retries, self.a.busy_wait))

    def measure(self, what, run):
        """run() under the busy checks: a measurement during which others
        used the CPUs is thrown away and made again."""
        for attempt in range(self.a.busy_retries + 1):
            self.wait_quiet()
            w, t0 = machine.Watch().start(), time.monotonic()
            result = run()
            share = w.stop()
            result["others_share"] = share
            if share <= self.threshold or self.a.allow_busy or "mean" not in result:
                self.worst = max(self.worst, share) if "mean" in result else self.worst
                return result
            log("  %s: other processes used %.0f%% of the CPUs meanwhile; measuring again" % (what, 100 * share))
            self.lost += time.monotonic() - t0
        raise Busy("other processes used %.0f%% of the CPUs during %s, %d times in a row"
                   % (100 * share, what, self.a.busy_retries + 1))

    def command(self, engine, net, batch):
        """(argv, extra env) of one measurement."""
        a, p = self.a, self.prep
        common = ["--batch", str(batch), "--steps", str(a.steps), "--burn-in", str(a.burn_in),
                  "--threads", str(a.threads)] + (["--backward"] if a.backward else [])
        py = {k: os.path.join(v, "bin", "python") for k, v in p.venv.items()}
        if engine == "jit":
            return [p.netc, "bench"] + p.netc_argv(net) + common, {}
        if engine == "aot":
            return [p.paths[("aot", net)], str(batch), str(a.steps), str(a.burn_in), str(a.threads)], {}
        if engine in ("ort", "openvino"):
            return [py["runtimes"], os.path.join(HERE, "peer_onnx.py"), "--engine", engine,
                    "--model", p.paths[("onnx", net, batch)]] + common, PEER_ENV
        if engine == "torch":
            return [prepare.SYS_PY, os.path.join(HERE, "peer_torch.py"), "--net", net] + common, PEER_ENV
        if engine == "tflite":
            return [py["litert"], os.path.join(HERE, "peer_tflite.py"), "--model",
                    p.paths[("tflite", net, batch)]] + common, PEER_ENV
        return [py["tf"], os.path.join(HERE, "peer_tf.py")] + common, PEER_ENV

    def run_one(self, engine, net, batch):
        argv, extra = self.command(engine, net, batch)
        env = dict(os.environ, OMP_NUM_THREADS=str(self.a.threads), **extra)
        path = os.path.join(self.prep.logs, "%s_b%d_%s.log" % (nets.slug(net), batch, engine))
        t0 = time.monotonic()
        try:
            with open(path, "w") as f:
                rc = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                    timeout=self.a.timeout).returncode
        except subprocess.TimeoutExpired:
            return dict(error="no result within --timeout %.0f s (log: %s)" % (self.a.timeout, prepare.rel(path)))
        with open(path, errors="replace") as f:
            text = f.read()
        r = parse(text, batch, self.a.backward)
        r["wall_s"] = time.monotonic() - t0
        if "mean" not in r and "skip" not in r:
            r["error"] = "exit %d: %s (log: %s)" % (rc, prepare.last_line(path), prepare.rel(path))
        return r


def parse(text, batch, backward=False):
    """A result from an engine's output: netc's `Forward across S steps, M +/-
    SD sec / batch` (M taken from images/s where printed: it has more
    digits), with --backward its `Forward-backward across ...` line, or a
    peer's RESULT/SKIP line."""
    what = "Forward-backward" if backward else "Forward"
    m = re.search(what + r" across (\d+) steps, ([\d.]+) \+/- ([\d.]+) sec / batch", text)
    if m:
        r = dict(steps=int(m.group(1)), mean=float(m.group(2)), sd=float(m.group(3)), info={})
        # images/s has one decimal: more digits than sec / batch's three
        # only from 100 images/s up (a slow forward-backward has 0.2).
        ips = re.search(r" ([\d.]+) images/s forward-backward" if backward else r"^([\d.]+) images/s", text, re.M)
        if ips and float(ips.group(1)) >= 100:
            r["mean"] = batch / float(ips.group(1))
        c = re.search(r"JIT compile ([\d.]+) s", text)
        if c:
            r["info"]["compile_s"] = float(c.group(1))
        k = re.search(r"training kernels ([\d.]+) s \((\d+) compiled, (\d+) from the kernel cache\)", text)
        if k:
            r["info"].update(kernels_s=float(k.group(1)), kernels_compiled=int(k.group(2)),
                             kernels_cached=int(k.group(3)))
        f = re.search(r"^Forward across \d+ steps, ([\d.]+) ", text, re.M)
        ips = re.search(r"^([\d.]+) images/s forward,", text, re.M)
        if backward and f:
            r["info"]["forward_s"] = (batch / float(ips.group(1)) if ips and float(ips.group(1)) >= 100
                                      else float(f.group(1)))
        return r
    for line in reversed(text.splitlines()):
        if line.startswith("RESULT "):
            d = json.loads(line[7:])
            info = {k: v for k, v in d.items() if k not in ("peer", "mean", "sd", "steps")}
            return dict(mean=d["mean"], sd=d["sd"], steps=d["steps"], info=info)
        if line.startswith("SKIP "):
            return dict(skip=line[5:])
    return {}


def now():
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def load_partial(path, settings):
    """A stopped sitting's measurements, if made with the same netc and
    settings; its skips and failures are tried again."""
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(d, dict) or any(d.get(k) != v for k, v in settings.items()) or "results" not in d:
        log("bench: %s is from another netc or other settings: starting afresh" % path)
        return None
    d["results"] = [r for r in d["results"] if "mean" in r]
    d["kept"] = len(d["results"])
    return d


def main(argv):
    a = parse_args(argv)
    started, started_date = time.monotonic(), now()
    os.makedirs(a.out, exist_ok=True)
    log("bench: preparing (venvs, netc objects, ONNX and TFLite models; cached in %s)" % a.out)
    prep = prepare.prepare(a.out, a.netc, a.engines, a.nets, a.batches, log)
    prep_seconds = time.monotonic() - started
    sit = Sitting(a, prep)
    fma = machine.build_fma_peak(a.out)
    threads = sorted({1, a.threads})
    results, peaks, isa = [], {}, None
    settings = dict(netc=prep.netc_hash, steps=a.steps, burn_in=a.burn_in, threads=a.threads, backward=a.backward)
    partial = os.path.join(a.out, "partial_backward.json" if a.backward else "partial.json")
    resumed = load_partial(partial, settings) if a.resume else None
    if resumed:
        results, peaks, isa = resumed["results"], resumed["peaks"], resumed["isa"]
        sit.worst = max([r.get("others_share", 0) for r in results] or [0])
        log("bench: resuming the sitting of %s: %d measurements kept" % (resumed["date"], len(results)))
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        def peak():
            sit.wait_quiet()
            got, isa = machine.fma_peak(fma, threads)
            for t, g in got.items():
                peaks[str(t)] = max(peaks.get(str(t), 0), g)
            return isa
        isa = peak()
        log("bench: fp32 FMA peak %s: %s GFLOP/s" % (isa, ", ".join("%s on %sT" % (g, t) for t, g in peaks.items())))
        jobs = [(n, b, e) for n in a.nets for b in a.batches for e in a.engines if prepare.applies(e, n)]
        results = [r for r in results if (r["net"], r["batch"], r["engine"]) in jobs]
        done = {(r["net"], r["batch"], r["engine"]) for r in results}
        for i, (net, batch, engine) in enumerate(jobs, 1):
            if (net, batch, engine) in done:
                continue
            what = "%s b%d %s" % (net, batch, report.LABELS[engine])
            reason = prep.skipped(engine, net, batch) or prep.skipped(engine, net)
            if reason:
                r = dict(skip=reason)
            else:
                r = sit.measure(what, lambda: sit.run_one(engine, net, batch))
            r.update(net=net, batch=batch, engine=engine)
            results.append(r)
            log("[%d/%d] %s: %s" % (i, len(jobs), what, "%s s/batch (+/- %s)" % (
                report.sig(r["mean"]), report.sig(r["sd"], 2)) if "mean" in r else
                "skipped: " + r["skip"] if "skip" in r else "failed: " + r["error"]))
        peak()  # again at the end: the better of the two is the machine's
        results.sort(key=lambda r: jobs.index((r["net"], r["batch"], r["engine"])))
    except (Busy, Stopped) as e:
        with open(partial, "w") as f:
            json.dump(dict(settings, date=resumed["date"] if resumed else started_date, isa=isa, peaks=peaks,
                           results=results), f, indent=1)
        if isinstance(e, Stopped):
            sys.stderr.write("bench: %s; no table written; --resume goes on from %s.\n" % (e, partial))
            return 130
        sys.stderr.write("bench: the machine is busy: %s.\nbench: no table written: numbers taken now would be"
                         " wrong. Stop the other work and run again with --resume to keep what was measured"
                         " (%s), or --allow-busy while developing.\n" % (e, partial))
        return 3
    for r in results:
        if "version" in r.get("info", {}):
            prep.versions.setdefault(VERSION_LABELS.get(r["engine"], report.LABELS[r["engine"]]),
                                     r["info"]["version"].split("-")[0])
    busy_note = ("quiet: other processes used at most %.0f%% of the CPUs during any measurement (threshold %.0f%%)"
                 % (100 * sit.worst, a.busy_threshold))
    if a.allow_busy:
        busy_note = ("measured with --allow-busy: other processes used up to %.0f%% of the CPUs during a"
                     " measurement; the numbers are unreliable" % (100 * max(
                         [r.get("others_share", 0) for r in results] or [0])))
    if resumed:
        busy_note += "; resumed: the first %d measurements are from %s" % (resumed["kept"], resumed["date"])
    if os.path.exists(partial):
        os.remove(partial)  # this sitting is complete: nothing to resume
    meta = dict(date=now(), cpu=machine.cpu_model(),
                cpus=os.cpu_count(), isa=isa, peaks=peaks, threads=a.threads, steps=a.steps, burn_in=a.burn_in,
                machine=busy_note, versions=prep.versions, seconds=time.monotonic() - started, prep_seconds=prep_seconds,
                lost_seconds=sit.lost,
                nets=a.nets, batches=a.batches, engines=a.engines, backward=a.backward)
    md = report.write(a.out, meta, results, prep.flops)
    suffix = "_backward" if a.backward else ""
    log("\n" + md)
    log("bench: written %s, results%s.json and results%s.csv" % (
        os.path.join(a.out, "table%s.md" % suffix), suffix, suffix))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
