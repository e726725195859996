"""Writer for the oracle dump format shared by dump_tf.py and dump_torch.py.

Kept framework-free (plain Python) so both interpreters (the TF venv and
Debian's /usr/bin/python3 with torch) import the same code. Format, one
record per line, single spaces, shapes as "a,b,c" and scalars as "-":

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
import time


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
