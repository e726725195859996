"""Code shared by the oracle scripts: the dump format of dump_tf.py and
dump_torch.py, and the weights / command line of forward_tf.py and
forward_torch.py.

Kept framework-free (plain Python and NumPy) so both interpreters (the TF
venv and Debian's /usr/bin/python3 with torch) import the same code.
Dump format, one record per line, single spaces, shapes as "a,b,c" and
scalars as "-":

  net NAME FRAMEWORK
  input SHAPE
  output SHAPE
  var NAME SHAPE trainable|non_trainable      (creation / module order)
  endpoint NAME SHAPE                         (optional)
  total_params N
  trainable_params N
  non_trainable_params N
"""
import argparse
import math
import os
import sys
import time
import zipfile

import numpy as np


def fmt_shape(shape):
    shape = [int(d) for d in shape]
    return ",".join(str(d) for d in shape) if shape else "-"


def format_dump(net, framework, input_shape, output_shape, variables, endpoints=()):
    """variables: iterable of (name, shape, trainable); endpoints: (name, shape)."""
    lines = ["net %s %s" % (net, framework),
             "input %s" % fmt_shape(input_shape),
             "output %s" % fmt_shape(output_shape)]
    counts = {True: 0, False: 0}
    seen = set()
    for name, shape, trainable in variables:
        assert " " not in name and name not in seen, name
        seen.add(name)
        counts[bool(trainable)] += math.prod(int(d) for d in shape)
        lines.append("var %s %s %s" % (name, fmt_shape(shape),
                                       "trainable" if trainable else "non_trainable"))
    for name, shape in endpoints:
        assert " " not in name, name
        lines.append("endpoint %s %s" % (name, fmt_shape(shape)))
    lines += ["total_params %d" % (counts[True] + counts[False]),
              "trainable_params %d" % counts[True],
              "non_trainable_params %d" % counts[False]]
    return "\n".join(lines) + "\n", counts[True], counts[False]


def write_dump(out_dir, net, *args, **kwargs):
    """Writes OUT_DIR/NET.txt; returns (path, trainable, non_trainable)."""
    text, tr, ntr = format_dump(net, *args, **kwargs)
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, net + ".txt")
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return path, tr, ntr


def parse_cli(doc, nets, forward_help, argv=None):
    """The command line both dump scripts share: OUT_DIR [NET ...] [--check-forward]."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("nets", nargs="*", help="default: all of " + " ".join(nets))
    ap.add_argument("--check-forward", action="store_true", help=forward_help)
    args = ap.parse_args(argv)
    args.nets = args.nets or list(nets)
    bad = [n for n in args.nets if n not in nets]
    if bad:
        ap.error("unknown net(s): %s (known: %s)" % (" ".join(bad), " ".join(nets)))
    return args


def report(name, started, path, trainable, non_trainable, note=""):
    """Prints the one line each dumped net gets."""
    print("%s: total %d trainable %d non_trainable %d -> %s%s [%.1fs]" % (
        name, trainable + non_trainable, trainable, non_trainable, path, note,
        time.time() - started), flush=True)


# --- forward: reference outputs on given weights ---------------------------

class OracleError(Exception):
    """A bad input file, or a net that cannot be built: one message, no traceback."""


class WeightsError(OracleError):
    """Weights that do not fit the network."""


def check_weights(expected, arrays, limit=5):
    """Raises WeightsError unless arrays (name -> ndarray) holds exactly the
    names of expected (name -> shape), each a floating array of that shape."""
    def names(ns):
        ns = sorted(ns)
        return ", ".join(ns[:limit]) + (" ..." if len(ns) > limit else "")
    problems = []
    missing = set(expected) - set(arrays)
    extra = set(arrays) - set(expected)
    if missing:
        problems.append("%d missing: %s" % (len(missing), names(missing)))
    if extra:
        problems.append("%d not in the network: %s" % (len(extra), names(extra)))
    shaped = ["%s is [%s], wants [%s]" % (n, fmt_shape(arrays[n].shape), fmt_shape(expected[n]))
              for n in sorted(set(expected) & set(arrays))
              if tuple(arrays[n].shape) != tuple(int(d) for d in expected[n])]
    if shaped:
        problems.append("%d of the wrong shape: %s" % (
            len(shaped), "; ".join(shaped[:limit]) + (" ..." if len(shaped) > limit else "")))
    typed = [n for n in set(expected) & set(arrays) if arrays[n].dtype.kind != "f"]
    if typed:
        problems.append("%d not floating point: %s" % (len(typed), names(typed)))
    if problems:
        raise WeightsError("weights do not fit the network: " + "; ".join(problems))


def load_npz(path):
    """name -> ndarray, read eagerly (np.load's NpzFile rereads every access)."""
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise OracleError("%s: a single array, not an .npz" % path)
        with z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise OracleError("%s: cannot read: %s" % (path, e))


def load_input(path):
    """The NHWC float32 [N, H, W, 3] input of a forward run."""
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise OracleError("%s: cannot read: %s" % (path, e))
    if not isinstance(x, np.ndarray):
        raise OracleError("%s: an .npz, not an .npy" % path)
    if x.dtype != np.float32 or x.ndim != 4 or x.shape[3] != 3:
        raise OracleError("%s: want a float32 [N,H,W,3] array, got %s [%s]" % (
            path, x.dtype, fmt_shape(x.shape)))
    return x


def randomise_constants(arrays, seed):
    """Framework initializers leave biases and batch-norm parameters constant
    (0 or 1), so weights loaded under a wrong name of the same shape, or a
    missing normalisation, would go unnoticed; this gives every constant array
    random values (scales and variances in [0.5, 1.5), the rest ~ N(0, 0.1^2))
    and returns the replacements."""
    rng = np.random.default_rng(seed)
    out = {}
    for n, a in arrays.items():
        if a.size and np.all(a == a.flat[0]):
            if n.endswith(("moving_variance", "gamma")):
                v = rng.uniform(0.5, 1.5, a.shape)
            else:
                v = rng.standard_normal(a.shape) * 0.1
            out[n] = v.astype(np.float32)
    return out


def forward_main(tool, nets, logits_weights, runner, started, argv=None):
    """The command line of forward_tf.py / forward_torch.py.

    runner(net, x_shape, num_classes, seed) builds the reference net for the
    input shape, its initial weights drawn from seed, and returns an object
    with values() (netc name -> ndarray in TF layout, as now held), load(arrays)
    (raising WeightsError on a mismatch) and forward(x) -> ndarray;
    logits_weights(net) names the weights whose last dimension is the class
    count. started: time.time() before the framework was imported, for the
    timing line.
    """
    ap = argparse.ArgumentParser(
        prog=tool, description="Reference output of NET on the weights W (netc names, "
        "TF layouts) and the NHWC float32 input X, written to OUT as float32 .npy.")
    ap.add_argument("net", choices=list(nets), metavar="NET", help=" ".join(nets))
    ap.add_argument("weights", metavar="W.npz")
    ap.add_argument("input", metavar="X.npy")
    ap.add_argument("output", metavar="OUT.npy")
    ap.add_argument("--export-init", type=int, metavar="SEED",
                    help="self-check: write the framework's own initial weights (seeded, "
                    "constants randomised) to W.npz instead of reading it, and their output "
                    "to OUT; forward runs twice and must agree exactly")
    ap.add_argument("--num-classes", type=int, default=1000,
                    help="with --export-init (otherwise taken from W)")
    args = ap.parse_args(argv)
    times = [("import", time.time() - started)]

    def lap(what, t):
        times.append((what, time.time() - t))
        return time.time()

    try:
        t = time.time()
        x = load_input(args.input)
        seed = args.export_init
        if seed is None:
            arrays = load_npz(args.weights)
            w = arrays.get(logits_weights(args.net))
            num_classes = int(w.shape[-1]) if w is not None and w.ndim else 1000
        else:
            num_classes = args.num_classes
        t = lap("read", t)
        label = "%s batch %d %dx%d" % (args.net, x.shape[0], x.shape[1], x.shape[2])
        try:
            net = runner(args.net, x.shape, num_classes, seed or 0)
        except ValueError as e:  # a size too small for a VALID conv / pool, say
            raise OracleError("%s cannot be built: %s" % (label, str(e).splitlines()[0]))
        t = lap("build", t)
        if seed is not None:
            arrays = net.values()
            arrays.update(randomise_constants(arrays, seed))
        net.load(arrays)
        t = lap("load", t)
        y = np.asarray(net.forward(x), np.float32)
        t = lap("forward", t)
        if seed is not None:
            if not np.array_equal(y, net.forward(x)):
                raise OracleError("%s: two forward runs differ" % label)
            np.savez(args.weights, **arrays)
    except OracleError as e:
        print("%s: error: %s" % (tool, e), file=sys.stderr)
        return 1
    np.save(args.output, y)
    print("%s %s -> %s: output [%s] max|y| %.4g [%s, total %.1fs]" % (
        tool, label, args.output, fmt_shape(y.shape), float(np.abs(y).max()),
        " ".join("%s %.1fs" % wt for wt in times), time.time() - started), flush=True)
    return 0
