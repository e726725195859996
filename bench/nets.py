"""The networks bench/ measures: where netc finds each one and its input
size. Imported by the orchestrator (no torch there) and by twins.py.

Two kinds:
  NETS   netc's stdlib networks, with PyTorch twins (twins.py) for the peers;
  zoo:M  torchvision's model M, exported to ONNX by Debian's torch and
         brought to netc by `netc import` (prepare.py): netc and the ONNX
         peers run the very same .onnx, PyTorch the model itself."""
import argparse
import collections

Net = collections.namedtuple("Net", "file entry size")

NETS = collections.OrderedDict([
    ("mobilenet_v2", Net("stdlib/mobilenet_v2.net", "mobilenet_v2", 224)),
    ("resnet_v1_18", Net("stdlib/resnet_v1.net", "resnet_v1_18", 224)),
    ("resnet_v2_50", Net("stdlib/resnet_v2.net", "resnet_v2_50", 224)),
    ("inception_v3", Net("stdlib/inception_v3.net", "inception_v3", 299)),
    ("vgg_16", Net("stdlib/vgg.net", "vgg_16", 224)),
])

# The torchvision CNNs netc imports (tests/import runs them all against ONNX
# Runtime); their usual input size.
ZOO = collections.OrderedDict((m, 299 if m == "inception_v3" else 224) for m in (
    "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "mobilenet_v2", "mobilenet_v3_large",
    "efficientnet_b0", "efficientnet_v2_s", "googlenet", "inception_v3", "densenet121", "squeezenet1_1",
    "shufflenet_v2_x1_0", "mnasnet1_0", "regnet_y_400mf", "alexnet", "vgg16", "convnext_tiny"))
ZOO_PREFIX = "zoo:"


def is_zoo(name):
    return name.startswith(ZOO_PREFIX)


def known(name):
    return name in NETS or is_zoo(name) and name[len(ZOO_PREFIX):] in ZOO


def size(name):
    return ZOO[name[len(ZOO_PREFIX):]] if is_zoo(name) else NETS[name].size


def slug(name):
    """name as a file name part: zoo:resnet50 -> zoo-resnet50."""
    return name.replace(":", "-")


def arg(name):
    """argparse type of a --net flag."""
    if not known(name):
        raise argparse.ArgumentTypeError("unknown network %s (%s, or zoo:M for M in %s)" % (
            name, ", ".join(NETS), ", ".join(ZOO)))
    return name
