"""The sitting's table: markdown (printed and written), JSON and CSV."""
import csv
import json
import os

LABELS = {"jit": "netc JIT", "aot": "netc AOT", "ort": "ONNX Runtime", "openvino": "OpenVINO",
          "torch": "PyTorch", "tflite": "TFLite/XNNPACK", "tf": "TF-slim"}
SHORT = {"ort": "ORT", "openvino": "OV", "torch": "PT", "tflite": "XNNPACK", "tf": "TF"}
PEERS = ["ort", "openvino", "torch", "tflite", "tf"]
FLOPS_TOLERANCE = 0.01  # the peers' networks must do netc's work to within 1%


def sig(x, digits=4):
    return "%.*g" % (digits, x)


def best_peer(row):
    """(engine, seconds) of the fastest peer that ran, or None."""
    ran = [(row[e]["mean"], e) for e in PEERS if e in row and "mean" in row[e]]
    return min(ran)[::-1] if ran else None


def flops_check(flops):
    """{net: [(what, relative difference)]} for every peer network more than
    1% off netc's FLOPs: their times would not be comparable."""
    bad = {}
    for net, f in flops.items():
        for what in ("twin", "keras"):
            if what in f and "netc" in f:
                d = f[what] / f["netc"] - 1
                if abs(d) > FLOPS_TOLERANCE:
                    bad.setdefault(net, []).append((what, d))
    return bad


def rows(results, flops, peak2):
    """One dict per (net, batch): each engine's result plus the derived columns."""
    table = {}
    for r in results:
        table.setdefault((r["net"], r["batch"]), {})[r["engine"]] = r
    out = []
    for (net, batch), row in table.items():
        d = dict(net=net, batch=batch, engines=row, flops=flops.get(net, {}))
        best = best_peer(row)
        for mode in ("jit", "aot"):
            if best and mode in row and "mean" in row[mode]:
                d["ratio_" + mode] = best[1] / row[mode]["mean"]
                d["best_peer"] = best[0]
        jit = row.get("jit", {})
        if "mean" in jit and "netc" in d["flops"]:
            d["gflops"] = d["flops"]["netc"] * batch / jit["mean"] / 1e9
            if peak2:
                d["peak_share"] = d["gflops"] / peak2
        out.append(d)
    return out


def cell(r):
    if r is None:
        return "-"
    if "mean" in r:
        return sig(r["mean"])
    return "skipped" if "skip" in r else "failed"


def markdown(meta, table, flops):
    peaks = meta["peaks"]
    backward = meta.get("backward", False)
    engines = [e for e in LABELS if any(e in d["engines"] for d in table)]
    lines = ["# netc against its peers" + (": forward and backward" if backward else ""), "",
             "- %s; the sitting took %.1f min: %s" % (meta["date"], meta["seconds"] / 60, ", ".join(
                 "%.1f %s" % (v / 60, what) for v, what in (
                     (meta.get("prep_seconds", 0), "preparing"),
                     (meta.get("lost_seconds", 0), "waiting for other processes to finish"),
                     (meta["seconds"] - meta.get("prep_seconds", 0) - meta.get("lost_seconds", 0), "measuring"))
                 if v >= 6)),
             "- CPU: %s, %d CPUs; fp32 FMA peak measured in this sitting (%s): %s GFLOP/s on 1 thread, "
             "%s on %d" % (meta["cpu"], meta["cpus"], meta["isa"], sig(peaks.get("1", 0), 3),
                           sig(peaks.get(str(meta["threads"]), 0), 3), meta["threads"]),
             "- every engine: %d threads, random weights, %d burn-in steps then %d timed; seconds per batch are"
             " the timed steps' mean" % (meta["threads"], meta["burn_in"], meta["steps"]),
             "- machine: " + meta["machine"]] + ([
                 "- forward and backward: the gradients of l2_loss(logits) = sum(logits^2) / 2 with respect to"
                 " every trainable parameter (the reference benchmark's `tf.gradients(tf.nn.l2_loss(logits),"
                 " parameters)`), batch norm frozen (its moving statistics; gamma and beta get gradients) as in"
                 " netc's inference networks, no update: `netc bench --backward` and PyTorch autograd"
                 " (`torch.autograd.grad`, eval mode)"] if backward else []) + [
             "- versions: " + ", ".join("%s %s" % kv for kv in meta["versions"].items()), ""]
    modes = [m for m in ("jit", "aot") if m in engines]
    head = (["network", "batch", "GFLOP/img netc", "twin"] + [LABELS[e] for e in engines]
            + ["best peer / %s" % LABELS[m] for m in modes])
    if "jit" in modes and backward:
        head += ["netc forward s", "netc training kernels s"]
    elif "jit" in modes:
        head += ["netc GFLOP/s", "%% of %dT peak" % meta["threads"], "netc JIT compile s"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    bad = flops_check(flops)
    for d in table:
        f = d["flops"]
        twin = sig(f["twin"] / 1e9) if "twin" in f else "-"
        if "keras" in f:
            twin += ", Keras " + sig(f["keras"] / 1e9)
        if d["net"] in bad:
            twin += " !"
        row = ([d["net"], str(d["batch"]), sig(f["netc"] / 1e9) if "netc" in f else "-", twin]
               + [cell(d["engines"].get(e)) for e in engines]
               + ["%.2f (%s)" % (d["ratio_" + m], SHORT[d["best_peer"]]) if "ratio_" + m in d else "-"
                  for m in modes])
        info = d["engines"].get("jit", {}).get("info", {})
        if "jit" in modes and backward:
            row += ["%s" % sig(info["forward_s"]) if "forward_s" in info else "-",
                    "%.1f (%d compiled, %d cached)" % (info["kernels_s"], info["kernels_compiled"],
                                                      info["kernels_cached"]) if "kernels_s" in info else "-"]
        elif "jit" in modes:
            compile_s = info.get("compile_s")
            row += ["%.1f" % d["gflops"] if "gflops" in d else "-",
                    "%.0f%%" % (100 * d["peak_share"]) if "peak_share" in d else "-",
                    "%.1f" % compile_s if compile_s is not None else "-"]
        lines.append("| " + " | ".join(row) + " |")
    if backward:
        lines += ["", "Seconds per batch of forward and backward; a ratio above 1 means netc is faster than"
                  " PyTorch. netc forward s: the Forward line of the same netc run (its inference pipeline);"
                  " training kernels s: what netc took to compile or link its training kernels, and how many"
                  " came from its kernel cache."]
    else:
        lines += ["", "Seconds per batch; a ratio above 1 means netc is faster than the fastest peer (named:"
                  " ORT ONNX Runtime, OV OpenVINO, PT PyTorch, XNNPACK TFLite, TF TF-slim). netc GFLOP/s is"
                  " netc's FLOPs (2 per multiply-add) times the batch over netc JIT's time; the compile time is"
                  " what `netc bench` reports for its JIT compile. twin: the FLOPs of"
                  " the PyTorch network that PyTorch runs and ONNX Runtime and OpenVINO run exported."]
    for net, diffs in bad.items():
        lines.append("! %s: the peers' network is %s off netc's FLOPs: their times are not comparable"
                     % (net, ", ".join("%s %+.1f%%" % (w, 100 * x) for w, x in diffs)))
    # One line per engine and reason: a peer without its venv is missing from every row.
    notes = {}
    for d in table:
        for e, r in d["engines"].items():
            if "mean" not in r:
                key = (e, "skipped" if "skip" in r else "failed", r.get("skip") or r.get("error"))
                notes.setdefault(key, []).append("%s b%d" % (d["net"], d["batch"]))
    if notes:
        lines += ["", "Not measured:"] + ["- %s (%s): %s: %s" % (LABELS[e], ", ".join(where), status, why)
                                          for (e, status, why), where in notes.items()]
    return "\n".join(lines) + "\n"


def write(out_dir, meta, results, flops):
    """Writes table.md, results.json and results.csv (a --backward sitting:
    table_backward.md, ...); returns the markdown."""
    table = rows(results, flops, meta["peaks"].get(str(meta["threads"])))
    md = markdown(meta, table, flops)
    suffix = "_backward" if meta.get("backward") else ""
    with open(os.path.join(out_dir, "table%s.md" % suffix), "w") as f:
        f.write(md)
    with open(os.path.join(out_dir, "results%s.json" % suffix), "w") as f:
        json.dump(dict(meta=meta, flops=flops, results=results,
                       rows=[{k: v for k, v in d.items() if k != "engines"} for d in table]), f, indent=1)
    with open(os.path.join(out_dir, "results%s.csv" % suffix), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["network", "batch", "engine", "mean_s", "sd_s", "steps", "status", "netc_flops",
                    "peer_flops", "others_cpu_share", "detail"])
        for r in results:
            fl = flops.get(r["net"], {})
            peer_flops = fl.get("keras" if r["engine"] == "tflite" else "twin", "") \
                if r["engine"] in ("ort", "openvino", "torch", "tflite") else fl.get("netc", "")
            status = "ok" if "mean" in r else ("skipped" if "skip" in r else "failed")
            w.writerow([r["net"], r["batch"], r["engine"], r.get("mean", ""), r.get("sd", ""), r.get("steps", ""),
                        status, fl.get("netc", ""), peer_flops, "%.3f" % r["others_share"]
                        if "others_share" in r else "", r.get("skip") or r.get("error") or json.dumps(
                            r.get("info", {}))])
    return md
