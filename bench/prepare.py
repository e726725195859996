"""Everything bench.py needs before it times anything: the peers' venvs,
netc's AOT objects and apps, the twins' ONNX exports, the TFLite models and
every network's FLOPs. Built artifacts are cached under the output folder
with a key of what made them (netc's binary, the .net sources, the scripts),
and rebuilt only when that changes: VGG-16's object alone takes minutes and
~5 GB to compile. Whatever cannot be had becomes a skip reason for the
engines it concerns, never an abort."""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import nets
from nets import NETS

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SYS_PY = "/usr/bin/python3"
# Which peers exist for which networks: TFLite only runs Keras' MobileNetV2,
# TF-slim's peer only its own resnet_v2_50.
ONLY_FOR = {"tflite": {"mobilenet_v2"}, "tf": {"resnet_v2_50"}}


def applies(engine, net):
    return net in ONLY_FOR.get(engine, {net})


def sha256(*paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def rel(path):
    """path relative to the repository when inside it: shorter in the table."""
    r = os.path.relpath(path, ROOT)
    return path if r.startswith("..") else r


def last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
        return lines[-1] if lines else "no output"
    except OSError:
        return "no log"


class Prepared:
    """The result: paths to run, FLOPs, and skip reasons.

    skips[(engine, net, batch)] or skips[(engine, None, None)] (the whole
    engine) is the reason that measurement cannot be made."""

    def __init__(self, out, engines, nets, batches, log):
        self.out, self.engines, self.nets, self.batches, self.log = out, engines, nets, batches, log
        self.logs = os.path.join(out, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.skips, self.paths, self.versions = {}, {}, {}
        # (file, entry, weights or None) of each network for netc; the zoo's
        # are filled in by zoo() once imported.
        self.sources = {n: (NETS[n].file, NETS[n].entry, None) for n in nets if n in NETS}
        self.flops = {n: {} for n in nets}
        self.venv = {"runtimes": os.path.join(out, "venv-runtimes"),
                     "litert": os.path.join(out, "venv-litert"),
                     "tf": os.path.join(ROOT, "build", "oracle-venv")}

    def skip(self, engine, reason, net=None, batch=None):
        self.skips[(engine, net, batch)] = reason
        self.log("  %s%s: skipped: %s" % (engine, "" if net is None else " %s b%s" % (net, batch), reason))

    def skipped(self, engine, net=None, batch=None):
        return self.skips.get((engine, None, None)) or self.skips.get((engine, net, batch))

    def run_logged(self, name, argv, **kw):
        """Runs argv with its output in logs/NAME.log; returns None or why it failed."""
        path = os.path.join(self.logs, name + ".log")
        with open(path, "w") as f:
            rc = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, **kw).returncode
        return None if rc == 0 else "%s (exit %d; log: %s)" % (last_line(path), rc, rel(path))

    # -- netc ---------------------------------------------------------------
    def snapshot_netc(self, netc):
        """A private copy of the netc binary: the one in build/bin may be
        rebuilt during a sitting, and every netc number must come from one
        compiler."""
        for _ in range(24):  # a rebuild replaces the binary: wait up to 2 min for it
            if os.access(netc, os.X_OK):
                break
            self.log("  no netc at %s yet; waiting" % netc)
            time.sleep(5)
        else:
            raise SystemExit("bench: no netc at %s (scripts/build.sh, or --netc PATH)" % netc)
        self.netc_hash = sha256(netc)
        copy = os.path.join(self.out, "netc")
        if not os.path.exists(copy) or sha256(copy) != self.netc_hash:
            shutil.copy2(netc, copy + ".tmp")
            os.replace(copy + ".tmp", copy)
        self.netc = copy
        version = subprocess.run([copy, "--version"], capture_output=True, text=True).stdout.split()
        self.versions["netc"] = "%s (%s, sha256 %s)" % (version[-1] if version else "?", netc, self.netc_hash[:12])

    def netc_argv(self, n):
        """netc's arguments naming network n and its weights."""
        f, entry, weights = self.sources[n]
        return [f, "--entry", entry] + (["--weights", weights] if weights else [])

    def netc_flops(self):
        for n in self.nets:
            if n not in self.sources:
                continue
            f, entry, _ = self.sources[n]
            out = subprocess.run([self.netc, "summary", f, "--entry", entry], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
            self.flops[n]["netc"] = int(re.search(r"FLOPs per image: ([\d,]+)", out).group(1).replace(",", ""))

    def aot(self, cc="cc"):
        """netc's object and examples/benchmark.c linked against it, per net."""
        d = os.path.join(self.out, "aot")
        os.makedirs(d, exist_ok=True)
        sources = sha256(*sorted(glob.glob(os.path.join(ROOT, "stdlib", "*.net"))))
        bench_c = os.path.join(ROOT, "examples", "benchmark.c")
        for n in self.nets:
            if n not in self.sources:
                self.skip("aot", "not imported: " + self.skipped("jit", n), n)
                continue
            f, entry, weights = self.sources[n]
            name = nets.slug(n)
            obj, app = os.path.join(d, name + ".o"), os.path.join(d, name + "_benchmark")
            obj_key = "netc %s sources %s entry %s" % (self.netc_hash, sha256(f) if weights else sources, entry)
            app_key = obj_key + " benchmark.c %s" % sha256(bench_c)
            if not self.cached(obj + ".key", obj_key, obj):
                self.log("  netc AOT: compiling %s (cached in %s afterwards)" % (n, rel(d)))
                why = self.run_logged("aot_compile_" + name, [self.netc] + self.netc_argv(n) + (
                    [] if weights else ["--random-weights", "1"]) + ["-o", obj])
                if why:
                    self.skip("aot", "netc could not compile it: " + why, n)
                    continue
                self.store_key(obj + ".key", obj_key)
            if not self.cached(app + ".key", app_key, app):
                why = self.run_logged("aot_link_" + name, [
                    cc, "-std=c99", "-O2", "-I" + d, "-DNETC_ENTRY=" + entry,
                    '-DNETC_HEADER="%s.h"' % name, bench_c, obj, "-lpthread", "-ldl", "-lm", "-o", app])
                if why:
                    self.skip("aot", "link failed: " + why, n)
                    continue
                self.store_key(app + ".key", app_key)
            self.paths[("aot", n)] = app

    @staticmethod
    def cached(key_path, key, *outputs):
        try:
            with open(key_path) as f:
                return f.read() == key and all(os.path.exists(o) for o in outputs)
        except OSError:
            return False

    @staticmethod
    def store_key(key_path, key):
        with open(key_path, "w") as f:
            f.write(key)

    # -- peers --------------------------------------------------------------
    def venvs(self):
        """Each venv is made (or found up to date) here, before anything is
        timed: pip must never run while something is measured."""
        wanted = {"runtimes": {"ort", "openvino"}, "litert": {"tflite"}, "tf": {"tflite", "tf"}}
        for kind, engines in wanted.items():
            engines = engines & set(self.engines)
            if not engines:
                continue
            argv = (["bash", os.path.join(ROOT, "tests", "oracle", "setup_oracle.sh"), self.venv[kind]]
                    if kind == "tf" else ["bash", os.path.join(HERE, "setup_bench_venv.sh"), kind, self.venv[kind]])
            self.log("  venv %s: %s" % (kind, rel(self.venv[kind])))
            why = self.run_logged("setup_venv_" + kind, argv)
            if why:
                for e in engines:
                    self.skip(e, "%s venv not available: %s" % (kind, why))

    def twins(self):
        """The twins' FLOPs, which the ONNX exports carry too; without
        Debian's torch there are no twins, so no PyTorch, ORT or OpenVINO."""
        if not {"torch", "ort", "openvino"} & set(self.engines):
            return
        r = subprocess.run([SYS_PY, os.path.join(HERE, "twins.py"), "--json"] + self.nets,
                           capture_output=True, text=True, cwd=HERE)
        if r.returncode != 0:
            why = "the PyTorch twins do not build under %s: %s" % (SYS_PY, (r.stderr.strip().splitlines()
                                                                          or ["?"])[-1])
            for e in ("torch", "ort", "openvino"):
                self.skip(e, why)
            return
        info = json.loads(r.stdout)
        self.versions["PyTorch"] = info.pop("torch")
        for n, flops in info.items():
            self.flops[n]["twin"] = flops

    def onnx(self):
        """The twins' ONNX exports for the ONNX peers, and batch 1 of each
        zoo model for `netc import`."""
        peers = bool({"ort", "openvino"} & set(self.engines)) and not (self.skipped("ort") and
                                                                       self.skipped("openvino"))
        wanted = [(n, b) for n in self.nets for b in self.batches if peers]
        wanted += [(n, 1) for n in self.nets if nets.is_zoo(n) and (n, 1) not in wanted]
        if not wanted:
            return
        d = os.path.join(self.out, "onnx")
        os.makedirs(d, exist_ok=True)
        key = "scripts %s torch %s" % (sha256(*(os.path.join(HERE, f) for f in (
            "twins.py", "nets.py", "export_onnx.py"))), self.versions.get("PyTorch"))
        for n, b in wanted:
            path = os.path.join(d, "%s_b%d.onnx" % (nets.slug(n), b))
            if not self.cached(path + ".key", key, path):
                self.log("  ONNX: exporting %s at batch %d" % (n if nets.is_zoo(n) else "the %s twin" % n, b))
                # The importer is tested on opset 13 exports (tests/import).
                opset = ["--opset", "13"] if nets.is_zoo(n) else []
                why = self.run_logged("export_onnx_%s_b%d" % (nets.slug(n), b), [
                    SYS_PY, os.path.join(HERE, "export_onnx.py"), "--net", n, "--batch", str(b), "-o", path] + opset)
                if why:
                    for e in ("ort", "openvino"):
                        self.skip(e, "ONNX export failed: " + why, n, b)
                    continue
                self.store_key(path + ".key", key)
            self.paths[("onnx", n, b)] = path

    def zoo(self):
        """Each zoo model's batch-1 export through `netc import`: a .net
        program and its .npz, which netc's engines then run at any batch."""
        d = os.path.join(self.out, "zoo")
        os.makedirs(d, exist_ok=True)
        for n in self.nets:
            if not nets.is_zoo(n):
                continue
            onnx = self.paths.get(("onnx", n, 1))
            if not onnx:
                for e in ("jit", "aot"):
                    self.skip(e, "no ONNX export to import", n)
                continue
            name = nets.slug(n)
            prog, weights = os.path.join(d, name + ".net"), os.path.join(d, name + ".npz")
            key = "netc %s onnx %s" % (self.netc_hash, sha256(onnx))
            if not self.cached(prog + ".key", key, prog, weights):
                self.log("  netc import: %s" % n)
                why = self.run_logged("import_" + name, [self.netc, "import", onnx, "-o", prog, "--weights", weights])
                if why:
                    for e in ("jit", "aot"):
                        self.skip(e, "netc import failed: " + why, n)
                    continue
                self.store_key(prog + ".key", key)
            with open(prog) as f:
                entry = re.search(r"^network\s+(\w+)", f.read(), re.M).group(1)
            self.sources[n] = (prog, entry, weights)

    def tflite(self):
        if "tflite" not in self.engines or self.skipped("tflite") or "mobilenet_v2" not in self.nets:
            return
        d = os.path.join(self.out, "tflite")
        os.makedirs(d, exist_ok=True)
        key = "make_tflite %s oracle lock %s" % (sha256(os.path.join(HERE, "make_tflite.py")), sha256(
            os.path.join(ROOT, "tests", "oracle", "requirements-tf.txt")))
        for b in self.batches:
            path = os.path.join(d, "mobilenet_v2_b%d.tflite" % b)
            if not self.cached(path + ".key", key, path):
                self.log("  TFLite: converting Keras MobileNetV2 at batch %d" % b)
                why = self.run_logged("make_tflite_b%d" % b, [
                    os.path.join(self.venv["tf"], "bin", "python"), os.path.join(HERE, "make_tflite.py"),
                    "--batch", str(b), "-o", path])
                if why:
                    self.skip("tflite", "TFLite conversion failed: " + why, "mobilenet_v2", b)
                    continue
                self.store_key(path + ".key", key)
            with open(os.path.splitext(path)[0] + ".json") as f:
                made = json.load(f)
            self.flops["mobilenet_v2"]["keras"] = made["flops_per_image"]
            self.versions["TensorFlow (TFLite conversion)"] = made["tensorflow"]
            self.paths[("tflite", "mobilenet_v2", b)] = path


def prepare(out, netc, engines, nets, batches, log):
    p = Prepared(out, engines, nets, batches, log)
    p.snapshot_netc(netc)
    p.venvs()
    p.twins()
    p.onnx()
    p.zoo()
    p.netc_flops()
    if "aot" in engines:
        p.aot()
    p.tflite()
    return p


if __name__ == "__main__":
    sys.exit("prepare.py is a module of bench/bench.py")
